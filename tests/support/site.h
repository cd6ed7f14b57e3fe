/* tests/support/site.h: a generated web site served by tools/httpd, for crawler tests.
 *
 * A site is a table of pages: path (exact request target), status, content type, extra
 * headers, body template and delay. In bodies and headers, {BASE} becomes
 * http://127.0.0.1:PORT and {OTHER} becomes http://localhost:PORT (the same server under
 * another host name: a crawler that leaves its scope shows up in the log with that Host).
 * Unknown paths get 404.
 *
 * Pages can be held, so tests order events instead of guessing at times: a held page is
 * answered only once enough requests are held at the same moment, or once a page marked
 * "releases" has been answered; from then on nothing is held.
 *
 * Ownership: the table is borrowed and must outlive the server. */
#ifndef TRAWL_TESTS_SITE_H
#define TRAWL_TESTS_SITE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/httpd.h"

struct site_page {
    const char *path;
    int status;                 /* 0 = 200 */
    const char *content_type;   /* NULL = text/html; charset=utf-8 */
    const char *headers;        /* extra header lines, or NULL */
    const char *body;
    unsigned delay_ms;
    const char *host;           /* serve only for this Host (without port); NULL = any */
    unsigned fail_first;        /* answer the first N requests with fail_status instead */
    int fail_status;
    const char *fail_headers;   /* extra header lines of those failures */
    enum httpd_action fail_action; /* or misbehave (HTTPD_HANG, HTTPD_RESET...) for them */
    size_t body_len;            /* > 0: body is binary, this long, and not expanded */
    unsigned hold;              /* > 0: held until this many requests are held at once
                                   (SITE_HOLD_FOREVER: never), or a releases page is answered */
    bool releases;              /* answering it lets the held pages go (httpd_release) */
};

#define SITE_MAX_PAGES 512
#define SITE_HOLD_FOREVER UINT_MAX

struct site {
    const struct site_page *pages;
    size_t npages;
    unsigned hits[SITE_MAX_PAGES];  /* requests per page so far (server thread) */
    unsigned held;                  /* requests held so far (server thread) */
    struct httpd *srv;
    char base[64];
};

int site_start(struct site *s, const struct site_page *pages, size_t npages);
void site_stop(struct site *s);
/* {BASE}path into buf. */
const char *site_url(const struct site *s, const char *path, char *buf, size_t cap);
/* Requests seen for path (exact target). */
uint64_t site_hits(struct site *s, const char *path);
/* Requests whose Host header was not 127.0.0.1:PORT. */
uint64_t site_foreign_hosts(struct site *s);
/* Requests for host (without port) and path. */
uint64_t site_host_hits(struct site *s, const char *host, const char *path);
/* The most requests for host (NULL = any) that were in progress at the same time, from the
 * server's order of arrivals and completions. */
unsigned site_max_overlap(struct site *s, const char *host);
/* The smallest gap between two consecutive request arrivals for host, in ms (-1 if < 2). */
int64_t site_min_gap(struct site *s, const char *host);
/* "--connect-to" value that sends every host to this server. */
const char *site_connect_to(const struct site *s, char *buf, size_t cap);

#endif
