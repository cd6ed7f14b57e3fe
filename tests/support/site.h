/* tests/support/site.h: a generated web site served by tools/httpd, for crawler tests.
 *
 * A site is a table of pages: path (exact request target), status, content type, extra
 * headers, body template and delay. In bodies and headers, {BASE} becomes
 * http://127.0.0.1:PORT and {OTHER} becomes http://localhost:PORT (the same server under
 * another host name: a crawler that leaves its scope shows up in the log with that Host).
 * Unknown paths get 404.
 *
 * Ownership: the table is borrowed and must outlive the server. */
#ifndef TRAWL_TESTS_SITE_H
#define TRAWL_TESTS_SITE_H

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
};

struct site {
    const struct site_page *pages;
    size_t npages;
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

#endif
