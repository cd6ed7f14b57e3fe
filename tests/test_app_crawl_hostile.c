/* tests/test_app_crawl_hostile.c: a fault-injecting server on 127.0.0.1 and the exact outcome
 * the crawl records for each fault. Every test also checks that the crawl finishes and that
 * nothing outside http/https or the scope was ever requested.
 *
 * Each fault has one possible outcome whatever the machine's speed: the stalls (a server that
 * never answers, one that sends a byte every 300 ms) are crawled on their own under short
 * timeouts, and everything else under the crawler's generous ones, so that no fault races a
 * clock (a 50 MB body under a 1 s timeout could end either way). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "app/crawl/crawl.h"
#include "app/crawl/scope.h"
#include "core/loop.h"
#include "core/utf8.h"
#include "tests/support/corotest.h"
#include "tests/support/crawlrun.h"
#include "tests/support/site.h"

static char *gzip_zeros(size_t n, size_t *zlen)
{
    z_stream z;
    char *plain = calloc(1, n);
    size_t cap = compressBound((uLong)n) + 64;
    char *out = malloc(cap);

    memset(&z, 0, sizeof(z));
    deflateInit2(&z, 9, Z_DEFLATED, 16 + 15, 9, Z_DEFAULT_STRATEGY);
    z.next_in = (unsigned char *)plain;
    z.avail_in = (uInt)n;
    z.next_out = (unsigned char *)out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    *zlen = z.total_out;
    deflateEnd(&z);
    free(plain);
    return out;
}

/* The deeply nested page: 100,000 open <div>s, a link, and as many closes. */
static char *nested_page(size_t depth, size_t *len)
{
    static const char link[] = "<a href=\"/deep-target\">bottom</a>";
    size_t n = depth * 11 + sizeof(link), i, o = 0;
    char *b = malloc(n + 64);

    o += (size_t)sprintf(b, "<title>deep</title>");
    for (i = 0; i < depth; i++)
        memcpy(b + o, "<div>", 5), o += 5;
    memcpy(b + o, link, sizeof(link) - 1);
    o += sizeof(link) - 1;
    for (i = 0; i < depth; i++)
        memcpy(b + o, "</div>", 6), o += 6;
    *len = o;
    return b;
}

static void hostile(const struct httpd_request *req, struct httpd_response *resp, void *arg)
{
    const char *t = req->target;

    (void)arg;
    if (strcmp(t, "/robots.txt") == 0) {
        httpd_respond(resp, 404, "text/plain", NULL, "", 0);
    } else if (strcmp(t, "/") == 0) {
        static const char home[] =
            "<title>hostile</title>"
            "<a href=\"/reset\">1</a>"
            "<a href=\"/close\">2</a><a href=\"/huge\">3</a><a href=\"/bomb\">4</a>"
            "<a href=\"/deep\">5</a><a href=\"/bad-bytes\">6</a><a href=\"/long-href\">7</a>"
            "<a href=\"/headers-only\">8</a><a href=\"/wrong-length\">9</a>"
            "<a href=\"/to-file\">10</a><a href=\"/to-ftp\">11</a><a href=\"/away\">12</a>"
            "<a href=\"/loop\">13</a><a href=\"/ok\">14</a>";

        httpd_respond(resp, 200, "text/html", NULL, home, sizeof(home) - 1);
    } else if (strcmp(t, "/stall") == 0) {
        resp->action = HTTPD_HANG; /* no answer, ever: past any timeout */
    } else if (strcmp(t, "/trickle") == 0) {
        static char body[4000];

        memset(body, 'x', sizeof(body));
        httpd_respond(resp, 200, "text/html", NULL, body, sizeof(body));
        resp->trickle_ms = 300; /* 1 byte every 300 ms: far below the low-speed limit */
        resp->trickle_bytes = 1;
    } else if (strcmp(t, "/reset") == 0) {
        static char body[200000];

        memset(body, 'y', sizeof(body));
        httpd_respond(resp, 200, "text/html", NULL, body, sizeof(body));
        resp->action = HTTPD_RESET_MIDWAY;
    } else if (strcmp(t, "/close") == 0) {
        resp->action = HTTPD_CLOSE;
    } else if (strcmp(t, "/huge") == 0) {
        size_t n = 50u << 20;
        char *body = malloc(n);

        memset(body, 'z', n);
        httpd_respond(resp, 200, "text/html", NULL, body, n);
        free(body);
    } else if (strcmp(t, "/bomb") == 0) {
        size_t zlen;
        char *z = gzip_zeros(64u << 20, &zlen);

        httpd_respond(resp, 200, "text/html", "Content-Encoding: gzip\r\n", z, zlen);
        free(z);
    } else if (strcmp(t, "/deep") == 0) {
        size_t len;
        char *b = nested_page(100000, &len);

        httpd_respond(resp, 200, "text/html", NULL, b, len);
        free(b);
    } else if (strcmp(t, "/bad-bytes") == 0) {
        static const char b[] = "<title>caf\xE9\0 \xFF\xFEtitle</title>"
                                "<a href=\"/n\0ul\">nul</a><a href=\"/caf\xE9\">latin</a>";

        httpd_respond(resp, 200, "text/html; charset=utf-8", NULL, b, sizeof(b) - 1);
    } else if (strcmp(t, "/long-href") == 0) {
        size_t n = 1u << 20;
        char *b = malloc(n + 64);

        memcpy(b, "<a href=\"/", 10);
        memset(b + 10, 'h', n);
        memcpy(b + 10 + n, "\">long</a>", 10);
        httpd_respond(resp, 200, "text/html", NULL, b, n + 20);
        free(b);
    } else if (strcmp(t, "/headers-only") == 0) {
        static const char raw[] = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                                  "Content-Length: 1000\r\n\r\n";

        httpd_respond_raw(resp, raw, sizeof(raw) - 1);
        resp->close_after = true;
    } else if (strcmp(t, "/wrong-length") == 0) {
        static const char raw[] = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                                  "Content-Length: 12\r\n\r\n<title>ab</title><a href=\"/x\">x</a>";

        httpd_respond_raw(resp, raw, sizeof(raw) - 1);
        resp->close_after = true;
    } else if (strcmp(t, "/to-file") == 0) {
        httpd_respond(resp, 302, NULL, "Location: file:///etc/passwd\r\n", "", 0);
    } else if (strcmp(t, "/to-ftp") == 0) {
        httpd_respond(resp, 301, NULL, "Location: ftp://127.0.0.1/pub\r\n", "", 0);
    } else if (strcmp(t, "/away") == 0) {
        httpd_respond(resp, 302, NULL, "Location: http://elsewhere.test/\r\n", "", 0);
    } else if (strcmp(t, "/loop") == 0) {
        httpd_respond(resp, 302, NULL, "Location: /loop2\r\n", "", 0);
    } else if (strcmp(t, "/loop2") == 0) {
        httpd_respond(resp, 302, NULL, "Location: /loop\r\n", "", 0);
    } else {
        httpd_respond(resp, 200, "text/html", NULL, "<title>fine</title>", 19);
    }
}

static struct crawlrun r;
static struct site s;

/* Start the hostile server and a crawl config for host.test, in scope by host, no retries. */
static void hostile_setup(const char *const *seeds, size_t n)
{
    static const struct site_page none[] = {{"/never", 0, NULL, NULL, "", 0}};

    /* a site object only for its helpers: the server is the hostile one */
    memset(&s, 0, sizeof(s));
    s.pages = none;
    assert_int_equal(httpd_start(0, hostile, NULL, &s.srv), 0);
    snprintf(s.base, sizeof(s.base), "http://host.test");
    crawlrun_setup(&r, &s, seeds, n);
    assert_int_equal(scope_add_seed(r.cfg.scope, "http://host.test/", 17), 0);
    scope_destroy(r.cfg.scope);
    assert_int_equal(scope_create(SCOPE_HOST, &r.cfg.scope), 0);
    r.cfg.per_host = 16;
    r.cfg.retries = 0;
}

/* Nothing outside the scope or http(s) was asked for. */
static void assert_only_host_test_asked(void)
{
    uint64_t i, n = httpd_requests(s.srv);

    for (i = 0; i < n; i++) {
        char *h = httpd_log_header(s.srv, i, "Host");

        assert_true(strncmp(h, "host.test", 9) == 0);
        free(h);
    }
}

#define REC(path) crawlrun_find(&r, (snprintf(u, sizeof(u), "http://host.test%s", path), u))

/* The two stalls alone (no robots.txt, no other page), so short timeouts can only ever end a
 * request that would not have ended anyway. */
static void test_hostile_stalls_end_in_timeouts(void **state)
{
    static const char *const seeds[] = {"http://host.test/stall", "http://host.test/trickle"};
    char u[128];

    (void)state;
    hostile_setup(seeds, 2);
    r.cfg.robots = false;
    r.cfg.fetch.timeout_ms = 1000;
    r.cfg.fetch.low_speed_bytes = 100;
    r.cfg.fetch.low_speed_ms = 1000;
    crawlrun_go(&r);
    assert_int_equal(r.n, 2);
    assert_string_equal(REC("/stall")->error, "timeout");
    /* 3 bytes a second: the low-speed abort, or the timeout if curl looks at it first */
    assert_string_equal(REC("/trickle")->error, "timeout");
    assert_only_host_test_asked();
    httpd_stop(s.srv);
}

static void test_hostile_server_every_fault_has_its_outcome(void **state)
{
    static const char *const seeds[] = {"http://host.test/"};
    const struct crawlrun_rec *x;
    char u[128];

    (void)state;
    hostile_setup(seeds, 1);
    r.cfg.fetch.max_body = 2u << 20;
    r.cfg.max_url_len = 2048;
    crawlrun_go(&r);
    x = REC("/reset");
    assert_true(strcmp(x->error, "reset") == 0 || strcmp(x->error, "protocol") == 0);
    assert_string_equal(REC("/close")->error, "protocol");
    assert_string_equal(REC("/huge")->error, "too_large");
    x = REC("/bomb");
    assert_string_equal(x->error, "too_large");               /* stopped at the cap, decoded */
    assert_true(x->bytes <= (2 << 20));
    x = REC("/deep");
    assert_int_equal(x->status, 200);
    assert_int_equal(x->links_found, 1);                      /* found below 100,000 levels */
    assert_non_null(REC("/deep-target"));
    x = REC("/bad-bytes");
    assert_int_equal(x->status, 200);
    assert_true(core_utf8_is_valid(x->title, strlen(x->title)));
    assert_non_null(strstr(x->title, "caf"));
    assert_true(crawlrun_skipped(&r, "too_long", "/hhhh"));   /* the 1 MB href */
    assert_string_equal(REC("/headers-only")->error, "protocol");
    x = REC("/wrong-length");
    assert_int_equal(x->status, 200);
    assert_int_equal(x->bytes, 12);                           /* no more than it declared */
    assert_string_equal(REC("/to-file")->error, "redirect_scheme");
    assert_string_equal(REC("/to-ftp")->error, "redirect_scheme");
    assert_string_equal(REC("/away")->error, "redirect_out_of_scope");
    assert_true(crawlrun_skipped(&r, "redirect_out_of_scope", "elsewhere.test"));
    assert_string_equal(REC("/loop")->error, "redirect_loop");
    assert_int_equal(REC("/ok")->status, 200);
    assert_only_host_test_asked();
    httpd_stop(s.srv);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_stalls_end_in_timeouts),
        cmocka_unit_test(test_hostile_server_every_fault_has_its_outcome),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
