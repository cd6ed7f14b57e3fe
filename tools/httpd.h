/* tools/httpd.h: a small scriptable HTTP/1.1 server for tests, benchmarks and the demo site.
 *
 * The server runs on its own thread with its own libuv loop, listening on 127.0.0.1 with an
 * ephemeral port, so a test's code (and the loop it drives) is never blocked by it. Every
 * request is passed to a handler that fills in a response and may ask for misbehaviour: a
 * delay before answering, holding the answer until the test releases it, trickling one chunk
 * at a time, resetting or closing the connection without a response, or raw bytes (for
 * malformed responses). Keep-alive is supported, so
 * clients can reuse connections. Every request is logged (method, target, headers, body).
 *
 * Ownership: httpd_start allocates and starts the thread; httpd_stop stops it, joins, frees.
 * The handler runs on the server thread: it must only touch data that is safe to share (the
 * log functions below are). Strings in a request are valid only during the handler call;
 * httpd_respond* copy what they are given. */
#ifndef TRAWL_TOOLS_HTTPD_H
#define TRAWL_TOOLS_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct httpd;

struct httpd_request {
    const char *method;
    const char *target;        /* as sent: path and query */
    const char *headers;       /* raw header lines, "Name: value\r\n" each */
    const char *body;
    size_t body_len;
    uint64_t seq;              /* 0, 1, 2 ... in arrival order over the server's life */
    uint64_t conn;             /* connection number */
};

enum httpd_action {
    HTTPD_REPLY,               /* send the response (after delay_ms, trickled if asked) */
    HTTPD_CLOSE,               /* close the connection without answering */
    HTTPD_RESET,               /* reset the connection (RST) without answering */
    HTTPD_RESET_MIDWAY,        /* send half of the response, then reset */
    HTTPD_HANG                 /* never answer; the client has to time out */
};

struct httpd_response {
    enum httpd_action action;
    unsigned delay_ms;         /* wait this long before the first byte */
    bool hold;                 /* first wait for httpd_release (a stall that ends on cue) */
    unsigned trickle_ms;       /* > 0: send trickle_bytes every trickle_ms */
    size_t trickle_bytes;
    bool close_after;          /* close the connection after this response */
    char *data;                /* the whole response, bytes on the wire */
    size_t len;
};

typedef void httpd_handler_fn(const struct httpd_request *req, struct httpd_response *resp,
                              void *arg);

/* Start on 127.0.0.1:port (0 = ephemeral). 0 or a negative errno. */
int httpd_start(uint16_t port, httpd_handler_fn *handler, void *arg, struct httpd **out);
void httpd_stop(struct httpd *s);
/* Let every held response go on, and hold none from now on. Any thread, the handler's too. */
void httpd_release(struct httpd *s);
uint16_t httpd_port(const struct httpd *s);
/* "http://127.0.0.1:PORT" + path, into buf. Returns buf. */
char *httpd_url(const struct httpd *s, const char *path, char *buf, size_t cap);

/* Fill resp with a complete response: status, Content-Type (NULL = none), extra header lines
 * (each ending in \r\n, or NULL), and body. Adds Content-Length. */
void httpd_respond(struct httpd_response *resp, int status, const char *content_type,
                   const char *extra_headers, const void *body, size_t len);
/* Fill resp with exactly these bytes (for malformed responses). */
void httpd_respond_raw(struct httpd_response *resp, const void *data, size_t len);

/* Value of header name in req (case-insensitive), copied into buf; NULL when absent. */
const char *httpd_header(const struct httpd_request *req, const char *name, char *buf,
                         size_t cap);

/* The log: how many requests so far, and how many had this exact target. Thread-safe. */
uint64_t httpd_requests(struct httpd *s);
uint64_t httpd_hits(struct httpd *s, const char *target);
/* Copy of the i-th logged request's target (NULL past the end); caller frees with free(). */
char *httpd_log_target(struct httpd *s, uint64_t i);
/* Copy of the i-th request's header value, or NULL; caller frees. */
char *httpd_log_header(struct httpd *s, uint64_t i, const char *name);
/* When the i-th request arrived (its first bytes, by the kernel's receive stamp: on loopback,
 * when the client wrote them, however busy this server was) and when its response's last bytes
 * were handed to the kernel (read just before: never after the client could have them). ms on
 * uv_hrtime's clock; done is 0 while not yet, or when there was no response. 0 or -1. */
int httpd_log_times(struct httpd *s, uint64_t i, int64_t *recv_ms, int64_t *done_ms);
/* The same two moments as places in the server's own order of events (1, 2, 3 ...; done is 0
 * while not yet): exact where the ms times tie. Request j was in progress when i came in iff
 * recv_seq(j) < recv_seq(i) and done_seq(j) is 0 or above recv_seq(i). 0 or -1. */
int httpd_log_order(struct httpd *s, uint64_t i, uint64_t *recv_seq, uint64_t *done_seq);
/* Copy of the i-th request's body (and its length), or NULL; caller frees. */
char *httpd_log_body(struct httpd *s, uint64_t i, size_t *len);

/* A handler that serves files below a directory (arg = the directory path, which must outlive
 * the server): GET only, no directory listings, ".." refused, index.html for "/". */
void httpd_serve_dir(const struct httpd_request *req, struct httpd_response *resp, void *arg);

#endif
