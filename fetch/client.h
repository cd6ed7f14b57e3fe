/* fetch/client.h: concurrent HTTP transfers on one core loop, via one libcurl multi handle.
 *
 * libcurl's socket and timer callbacks are wired to uv_poll and uv_timer handles on the loop
 * (never calling back into curl from inside curl's own callbacks; a 0 ms curl timeout runs on
 * the next loop iteration). Connections are kept and reused across transfers. A coroutine
 * calls fetch_client_do and is suspended until its transfer ends; cancelling the coroutine (or
 * its deadline passing) removes the transfer at once.
 *
 * Every transfer: only http and https, also on redirects (CURLOPT_PROTOCOLS_STR and
 * CURLOPT_REDIR_PROTOCOLS_STR); every compression curl supports is accepted and decoded (an
 * archived request instead asks for identity and keeps the bytes as received, see
 * fetch_request.archive); the body is capped after decoding (a gzip bomb stops at the cap);
 * User-Agent is
 * "trawl/<version>" unless set. Redirects are not followed unless opts say so: the crawler
 * follows them hop by hop itself.
 *
 * Ownership: the loop is borrowed and must outlive the client. Options and requests are
 * copied or only read during the call. A fetch_result is the caller's: fill it with
 * fetch_client_do, release it with fetch_result_free. fetch_client_destroy aborts what is in
 * flight (those calls return -ECANCELED) and frees once its libuv handles have closed (on the
 * loop's next turn, or in core_loop_destroy). Loop thread only. */
#ifndef FETCH_CLIENT_H
#define FETCH_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct core_loop;
struct core_coro;
struct fetch_client;

#define FETCH_USER_AGENT "trawl/" TRAWL_VERSION

struct fetch_opts {
    const char *user_agent;          /* NULL: FETCH_USER_AGENT */
    const char *const *headers;      /* extra "Name: value" lines for every request, or NULL */
    size_t nheaders;
    int64_t timeout_ms;              /* whole transfer; 0 = none */
    int64_t connect_timeout_ms;      /* 0 = curl's default (300 s) */
    int64_t low_speed_bytes;         /* abort when slower than this many bytes/s ... */
    int64_t low_speed_ms;            /* ... for this long (0 = never) */
    size_t max_body;                 /* bytes after decoding; past it: CORE_ETOOLARGE */
    bool follow_redirects;           /* let libcurl follow (up to max_redirects) */
    long max_redirects;
    long max_connections;            /* total open connections (0 = libcurl default) */
    const char *const *connect_to;   /* "HOST:PORT:CONNECT-HOST:CONNECT-PORT" (curl's
                                        --connect-to; empty HOST/PORT match any), or NULL */
    size_t nconnect_to;
    long max_host_connections;       /* per host (0 = no limit) */
    const char *ca_file;             /* PEM file of CA certificates trusted for https instead
                                        of the system's (curl's --cacert), or NULL */
};

void fetch_opts_init(struct fetch_opts *o);

/* A request has gone out: its headers were handed to the kernel (see fetch_request.on_sent). */
typedef void fetch_sent_fn(void *arg);

struct fetch_request {
    const char *url;
    const char *method;              /* NULL: GET */
    const char *body;                /* for POST/PUT, or NULL */
    size_t body_len;
    const char *const *headers;      /* extra headers for this request only, or NULL */
    size_t nheaders;
    /* Called each time libcurl has written the request's headers to the socket: at least once
     * when the request went out, again for each redirect it follows and for a request it sends
     * once more on a new connection; never when nothing was sent (DNS or connect failures).
     * Called from the loop after libcurl's callback has returned, always before the transfer's
     * end; it must not destroy the client. NULL: not wanted (it costs libcurl's verbose mode,
     * whose messages the client drops, on this request). */
    fetch_sent_fn *on_sent;
    void *sent_arg;
    /* Keep what an archive needs (fetch_result.request, head, wire, ip, http_major): libcurl's
     * decoding is turned off and "Accept-Encoding: identity" asked for, so the bytes received are
     * the bytes a WARC record keeps; the client de-chunks them into body (and inflates a gzip or
     * deflate body a server sent all the same, capped at max_body: CORE_ETOOLARGE past it).
     * Costs a copy of such bodies and libcurl's verbose mode on this request. */
    bool archive;
};

/* What a transfer produced. On an HTTP response of any status, err is 0; otherwise err is the
 * class of failure (CORE_EDNS, CORE_ECONNECT, -ETIMEDOUT, CORE_ETLS, CORE_ETOOLARGE,
 * CORE_EHTTP, -ECONNRESET, CORE_ESCHEME, -ECANCELED, -ENOMEM, CORE_ECURL) and error holds
 * libcurl's own words for the log. Fields not known are 0/-1/empty. */
struct fetch_result {
    int err;
    long status;                     /* HTTP status of the last response, 0 if none */
    char *final_url;                 /* effective URL (after curl's redirects, if any) */
    char *location;                  /* resolved Location of a 3xx, or NULL */
    char content_type[128];          /* as sent, possibly with parameters; "" if none */
    int64_t content_length;          /* from the header, -1 if absent */
    int64_t retry_after_s;           /* Retry-After in seconds (both forms), -1 if absent */
    struct core_buf body;            /* decoded body, capped at opts.max_body */
    long redirects;                  /* followed by libcurl */
    double ms_dns;                   /* timings, milliseconds from the start */
    double ms_connect;
    double ms_tls;
    double ms_first_byte;
    double ms_total;
    char error[256];
    /* Archived requests only (fetch_request.archive), else empty: */
    struct core_buf request;         /* the last request header block as sent */
    struct core_buf head;            /* the final response's status line and headers, raw */
    struct core_buf wire;            /* the body as received, when it differs from body (it was
                                        chunked, or content-coded all the same): then body holds
                                        it decoded; empty otherwise, and body is as received */
    bool wire_kept;                  /* wire holds the body as received */
    bool wire_cut;                   /* the body as received was cut at max_body */
    char ip[64];                     /* the peer's address, "" if none */
    int http_major;                  /* 1, 2 or 3; 0 if no response */
};

void fetch_result_init(struct fetch_result *r);
void fetch_result_free(struct fetch_result *r);

/* Create a client on loop. 0 and *out, or -ENOMEM / CORE_ECURL. */
CORE_MUST_CHECK int fetch_client_create(struct core_loop *loop, const struct fetch_opts *opts,
                                        struct fetch_client **out);
/* Abort every transfer, then free (see Ownership). NULL is a no-op. */
void fetch_client_destroy(struct fetch_client *c);

/* Run req and wait for it. Fills res (fetch_result_init it first) and returns res->err.
 * -ECANCELED / -ETIMEDOUT when co is cancelled or its core_wait_for deadline passes. */
int fetch_client_do(struct core_coro *co, struct fetch_client *c, const struct fetch_request *req,
                    struct fetch_result *res);
/* fetch_client_do with a GET of url. */
int fetch_client_get(struct core_coro *co, struct fetch_client *c, const char *url,
                     struct fetch_result *res);

/* Transfers in flight. */
size_t fetch_client_active(const struct fetch_client *c);
/* Connections libcurl has opened so far (so tests can see reuse). */
uint64_t fetch_client_connects(const struct fetch_client *c);

#endif
