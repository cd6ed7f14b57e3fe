/* tests/test_fetch_client.c: HTTP transfers on the core loop against a real server on
 * 127.0.0.1 (tools/httpd), including failures, caps, cancellation and connection reuse. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/group.h"
#include "core/loop.h"
#include "fetch/client.h"
#include "tests/support/corotest.h"
#include "tools/httpd.h"

static unsigned char *gzip_of(const void *data, size_t len, size_t *out_len)
{
    z_stream z;
    size_t cap = compressBound((uLong)len) + 64;
    unsigned char *out = malloc(cap);

    memset(&z, 0, sizeof(z));
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + 15, 9, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (unsigned char *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = z.total_out;
    deflateEnd(&z);
    return out;
}

static void handler(const struct httpd_request *req, struct httpd_response *resp, void *arg)
{
    const char *t = req->target;
    char ua[256] = "";

    (void)arg;
    if (strcmp(t, "/hello") == 0) {
        httpd_respond(resp, 200, "text/html; charset=utf-8", "X-Test: 1\r\n", "<p>hi</p>", 9);
    } else if (strcmp(t, "/echo-ua") == 0) {
        httpd_header(req, "User-Agent", ua, sizeof(ua));
        httpd_respond(resp, 200, "text/plain", NULL, ua, strlen(ua));
    } else if (strcmp(t, "/missing") == 0) {
        httpd_respond(resp, 404, "text/html", NULL, "nope", 4);
    } else if (strcmp(t, "/redirect") == 0) {
        httpd_respond(resp, 302, "text/html", "Location: /hello\r\n", "", 0);
    } else if (strcmp(t, "/to-file") == 0) {
        httpd_respond(resp, 302, NULL, "Location: file:///etc/passwd\r\n", "", 0);
    } else if (strcmp(t, "/to-ftp") == 0) {
        httpd_respond(resp, 301, NULL, "Location: ftp://127.0.0.1/x\r\n", "", 0);
    } else if (strcmp(t, "/gzip") == 0 || strcmp(t, "/bomb") == 0) {
        size_t n = strcmp(t, "/gzip") == 0 ? 1000 : 8u << 20, zlen;
        char *plain = malloc(n);
        unsigned char *z;

        memset(plain, t[1] == 'g' ? 'a' : 0, n);
        z = gzip_of(plain, n, &zlen);
        httpd_respond(resp, 200, "text/html", "Content-Encoding: gzip\r\n", z, zlen);
        free(plain);
        free(z);
    } else if (strcmp(t, "/chunked") == 0) {
        static const char r[] = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n"
                                "4;x=y\r\n<p>h\r\n6\r\ni</p>\n\r\n0\r\n\r\n";

        httpd_respond_raw(resp, r, sizeof(r) - 1);
    } else if (strcmp(t, "/big") == 0) {
        char *b = malloc(50000);

        memset(b, 'x', 50000);
        httpd_respond(resp, 200, "text/plain", NULL, b, 50000);
        free(b);
    } else if (strcmp(t, "/hang") == 0) {
        resp->action = HTTPD_HANG;
    } else if (strcmp(t, "/close") == 0) {
        resp->action = HTTPD_CLOSE;
    } else if (strcmp(t, "/reset-midway") == 0) {
        char *b = malloc(200000);

        memset(b, 'y', 200000);
        httpd_respond(resp, 200, "text/plain", NULL, b, 200000);
        resp->action = HTTPD_RESET_MIDWAY;
        free(b);
    } else if (strcmp(t, "/retry-after") == 0) {
        httpd_respond(resp, 429, "text/plain", "Retry-After: 7\r\n", "slow down", 9);
    } else if (strcmp(t, "/post") == 0) {
        httpd_respond(resp, 201, "application/json", NULL, "{\"ok\":true}", 11);
    } else {
        httpd_respond(resp, 404, "text/plain", NULL, "?", 1);
    }
}

struct fx {
    struct httpd *srv;
    struct fetch_opts opts;
    char url[256];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    assert_int_equal(httpd_start(0, handler, NULL, &f->srv), 0);
    fetch_opts_init(&f->opts);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    httpd_stop(f->srv);
    free(f);
    return 0;
}

static const char *url(struct fx *f, const char *path)
{
    return httpd_url(f->srv, path, f->url, sizeof(f->url));
}

/* Run body with a client made from f->opts. */
struct run {
    struct fx *f;
    struct fetch_client *c;
    int (*body)(struct core_coro *co, struct run *r);
};

static int run_body(struct core_coro *co, void *arg)
{
    struct run *r = arg;
    int rc;

    assert_int_equal(fetch_client_create(core_coro_loop(co), &r->f->opts, &r->c), 0);
    rc = r->body(co, r);
    fetch_client_destroy(r->c);
    return rc;
}

static void run(struct fx *f, int (*body)(struct core_coro *, struct run *))
{
    struct run r = {f, NULL, body};

    assert_int_equal(corotest_run(run_body, &r, COROTEST_WATCHDOG_MS), 0);
}

/* An archived GET of path. */
static int get_archived(struct core_coro *co, struct run *r, const char *path,
                        struct fetch_result *res)
{
    struct fetch_request req;

    memset(&req, 0, sizeof(req));
    req.url = url(r->f, path);
    req.archive = true;
    fetch_result_init(res);
    return fetch_client_do(co, r->c, &req, res);
}

/* --- tests ---------------------------------------------------------------------------------- */

static int get_ok_body(struct core_coro *co, struct run *r)
{
    struct fetch_result res;

    fetch_result_init(&res);
    assert_int_equal(fetch_client_get(co, r->c, url(r->f, "/hello"), &res), 0);
    assert_int_equal(res.status, 200);
    assert_string_equal(res.content_type, "text/html; charset=utf-8");
    assert_int_equal(res.content_length, 9);
    assert_int_equal(res.body.len, 9);
    assert_string_equal(res.body.data, "<p>hi</p>");
    assert_string_equal(res.final_url, url(r->f, "/hello"));
    assert_true(res.ms_total >= res.ms_first_byte && res.ms_first_byte > 0);
    fetch_result_free(&res);
    fetch_result_init(&res);
    assert_int_equal(fetch_client_get(co, r->c, url(r->f, "/echo-ua"), &res), 0);
    assert_string_equal(res.body.data, "trawl/" TRAWL_VERSION);
    fetch_result_free(&res);
    fetch_result_init(&res);
    assert_int_equal(fetch_client_get(co, r->c, url(r->f, "/missing"), &res), 0);
    assert_int_equal(res.status, 404); /* an HTTP error status is a response, not a failure */
    fetch_result_free(&res);
    return 0;
}

static void test_fetch_get_returns_status_headers_and_body(void **state)
{
    run(*state, get_ok_body);
}

static int ua_body(struct core_coro *co, struct run *r)
{
    struct fetch_result res;
    char *v;

    fetch_result_init(&res);
    assert_int_equal(fetch_client_get(co, r->c, url(r->f, "/echo-ua"), &res), 0);
    assert_string_equal(res.body.data, "custom/1.0");
    v = httpd_log_header(r->f->srv, httpd_requests(r->f->srv) - 1, "X-Extra");
    assert_non_null(v);
    assert_string_equal(v, "yes");
    free(v);
    fetch_result_free(&res);
    return 0;
}

static void test_fetch_user_agent_and_extra_headers_are_sent(void **state)
{
    struct fx *f = *state;
    static const char *const hdrs[] = {"X-Extra: yes"};

    f->opts.user_agent = "custom/1.0";
    f->opts.headers = hdrs;
    f->opts.nheaders = 1;
    run(f, ua_body);
}

static int redirect_body(struct core_coro *co, struct run *r)
{
    struct fetch_result res;

    fetch_result_init(&res);
    assert_int_equal(fetch_client_get(co, r->c, url(r->f, "/redirect"), &res), 0);
    assert_int_equal(res.status, 302); /* not followed: the crawler does that hop by hop */
    assert_string_equal(res.location, url(r->f, "/hello"));
    fetch_result_free(&res);
    return 0;
}

static void test_fetch_redirect_is_reported_not_followed(void **state)
{
    run(*state, redirect_body);
}

static int follow_body(struct core_coro *co, struct run *r)
{
    struct fetch_result res;
    uint64_t before = httpd_requests(r->f->srv);

    fetch_result_init(&res);
    assert_int_equal(fetch_client_get(co, r->c, url(r->f, "/redirect"), &res), 0);
    assert_int_equal(res.status, 200);
    assert_int_equal(res.redirects, 1);
    assert_string_equal(res.final_url, url(r->f, "/hello"));
    fetch_result_free(&res);
    fetch_result_init(&res);
    assert_int_equal(fetch_client_get(co, r->c, url(r->f, "/to-file"), &res), CORE_ESCHEME);
    fetch_result_free(&res);
    fetch_result_init(&res);
    assert_int_equal(fetch_client_get(co, r->c, url(r->f, "/to-ftp"), &res), CORE_ESCHEME);
    fetch_result_free(&res);
    fetch_result_init(&res);
    assert_int_equal(fetch_client_get(co, r->c, "ftp://127.0.0.1/", &res), CORE_ESCHEME);
    fetch_result_free(&res);
    fetch_result_init(&res);
    assert_int_equal(fetch_client_get(co, r->c, "file:///etc/passwd", &res), CORE_ESCHEME);
    assert_int_equal(res.body.len, 0);
    fetch_result_free(&res);
    /* only the http requests reached the server */
    assert_int_equal(httpd_requests(r->f->srv) - before, 4);
    return 0;
}

static void test_fetch_only_http_and_https_even_on_redirects(void **state)
{
    struct fx *f = *state;

    f->opts.follow_redirects = true;
    run(f, follow_body);
}

static int gzip_body(struct core_coro *co, struct run *r)
{
    struct fetch_result res;
    char *ae;
    size_t i;

    fetch_result_init(&res);
    assert_int_equal(fetch_client_get(co, r->c, url(r->f, "/gzip"), &res), 0);
    assert_int_equal(res.body.len, 1000);
    for (i = 0; i < 1000; i++)
        assert_int_equal(res.body.data[i], 'a');
    ae = httpd_log_header(r->f->srv, httpd_requests(r->f->srv) - 1, "Accept-Encoding");
    assert_non_null(ae);
    assert_non_null(strstr(ae, "gzip"));
    free(ae);
    fetch_result_free(&res);
    return 0;
}

static void test_fetch_compressed_body_is_decoded(void **state)
{
    run(*state, gzip_body);
}

static int cap_body(struct core_coro *co, struct run *r)
{
    struct fetch_result res;

    fetch_result_init(&res);
    assert_int_equal(fetch_client_get(co, r->c, url(r->f, "/big"), &res), CORE_ETOOLARGE);
    assert_true(res.body.len <= 10000);
    fetch_result_free(&res);
    fetch_result_init(&res);
    /* 8 MiB of zeros in a few KiB of gzip: stopped at the cap, after decoding */
    assert_int_equal(fetch_client_get(co, r->c, url(r->f, "/bomb"), &res), CORE_ETOOLARGE);
    assert_true(res.body.len <= 10000);
    fetch_result_free(&res);
    fetch_result_init(&res);
    assert_int_equal(fetch_client_get(co, r->c, url(r->f, "/hello"), &res), 0);
    fetch_result_free(&res);
    return 0;
}

static int archive_body(struct core_coro *co, struct run *r)
{
    static const char wire[] = "4;x=y\r\n<p>h\r\n6\r\ni</p>\n\r\n0\r\n\r\n";
    struct fetch_result res;
    char *ae;
    size_t i;

    /* chunked: the body as received kept, de-chunked for the caller */
    assert_int_equal(get_archived(co, r, "/chunked", &res), 0);
    assert_true(res.wire_kept);
    assert_int_equal(res.wire.len, sizeof(wire) - 1);
    assert_memory_equal(res.wire.data, wire, sizeof(wire) - 1);
    assert_int_equal(res.body.len, 10);
    assert_memory_equal(res.body.data, "<p>hi</p>\n", 10);
    assert_true(strncmp(res.head.data, "HTTP/1.1 200 OK\r\n", 17) == 0);
    assert_memory_equal(res.head.data + res.head.len - 4, "\r\n\r\n", 4);
    assert_true(strncmp(res.request.data, "GET /chunked HTTP/1.1\r\n", 23) == 0);
    assert_non_null(strstr(res.request.data, "\r\nAccept-Encoding: identity\r\n"));
    assert_string_equal(res.ip, "127.0.0.1");
    assert_int_equal(res.http_major, 1);
    ae = httpd_log_header(r->f->srv, httpd_requests(r->f->srv) - 1, "Accept-Encoding");
    assert_non_null(ae);
    assert_string_equal(ae, "identity");
    free(ae);
    fetch_result_free(&res);
    /* plain: the body is as received, nothing copied */
    assert_int_equal(get_archived(co, r, "/hello", &res), 0);
    assert_false(res.wire_kept);
    assert_int_equal(res.wire.len, 0);
    assert_string_equal(res.body.data, "<p>hi</p>");
    fetch_result_free(&res);
    /* gzip sent all the same: kept as sent, inflated for the caller */
    assert_int_equal(get_archived(co, r, "/gzip", &res), 0);
    assert_true(res.wire_kept);
    assert_true(res.wire.len < 1000 && (unsigned char)res.wire.data[0] == 0x1f);
    assert_int_equal(res.body.len, 1000);
    for (i = 0; i < 1000; i++)
        assert_int_equal(res.body.data[i], 'a');
    fetch_result_free(&res);
    /* a gzip bomb stops at the cap once inflated; the bytes as received are whole */
    assert_int_equal(get_archived(co, r, "/bomb", &res), CORE_ETOOLARGE);
    assert_true(res.body.len <= 10000);
    assert_false(res.wire_cut);
    fetch_result_free(&res);
    /* a body past the cap as received */
    assert_int_equal(get_archived(co, r, "/big", &res), CORE_ETOOLARGE);
    assert_true(res.wire_cut);
    assert_true(res.body.len <= 10000);
    fetch_result_free(&res);
    return 0;
}

static void test_fetch_archived_keeps_the_bytes_as_received(void **state)
{
    struct fx *f = *state;

    f->opts.max_body = 10000;
    run(f, archive_body);
}

static void test_fetch_body_cap_applies_after_decoding(void **state)
{
    struct fx *f = *state;

    f->opts.max_body = 10000;
    run(f, cap_body);
}

static int failures_body(struct core_coro *co, struct run *r)
{
    struct fetch_opts o = r->f->opts;
    struct fetch_client *quick;
    struct fetch_result res;
    int rc;

    /* a short timeout only where nothing else could end the transfer: on a client of its own,
     * so that it never races the failures that do come (a loaded machine is slow to see them) */
    o.timeout_ms = 300;
    assert_int_equal(fetch_client_create(core_coro_loop(co), &o, &quick), 0);
    fetch_result_init(&res);
    assert_int_equal(fetch_client_get(co, quick, url(r->f, "/hang"), &res), -ETIMEDOUT);
    assert_true(res.error[0] != '\0');
    fetch_result_free(&res);
    fetch_client_destroy(quick);
    fetch_result_init(&res);
    assert_int_equal(fetch_client_get(co, r->c, url(r->f, "/close"), &res), CORE_EHTTP);
    fetch_result_free(&res);
    fetch_result_init(&res);
    rc = fetch_client_get(co, r->c, url(r->f, "/reset-midway"), &res);
    assert_true(rc == -ECONNRESET || rc == CORE_EHTTP);
    fetch_result_free(&res);
    fetch_result_init(&res);
    /* port 1 on loopback: nothing listens there */
    assert_int_equal(fetch_client_get(co, r->c, "http://127.0.0.1:1/", &res), CORE_ECONNECT);
    fetch_result_free(&res);
    return 0;
}

static void test_fetch_failures_have_a_class(void **state)
{
    run(*state, failures_body);
}

struct sent {
    int calls;
    int64_t at_ms;              /* of the last call */
    size_t active;              /* transfers in flight then */
    struct fetch_client *c;
};

static void on_sent(void *arg)
{
    struct sent *s = arg;

    s->calls++;
    s->at_ms = core_now_ms();
    s->active = fetch_client_active(s->c);
}

static int on_sent_body(struct core_coro *co, struct run *r)
{
    struct fetch_opts o = r->f->opts;
    struct fetch_client *follow;
    struct fetch_request req;
    struct fetch_result res;
    struct sent s = {0, -1, 0, r->c};
    int64_t recv_ms, done_ms;

    memset(&req, 0, sizeof(req));
    req.on_sent = on_sent;
    req.sent_arg = &s;
    /* once, while the transfer is in flight, and no sooner than the request reached the
     * server (the server's time is the kernel's receive stamp) */
    req.url = url(r->f, "/hello");
    fetch_result_init(&res);
    assert_int_equal(fetch_client_do(co, r->c, &req, &res), 0);
    fetch_result_free(&res);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.active, 1);
    assert_int_equal(httpd_log_times(r->f->srv, httpd_requests(r->f->srv) - 1, &recv_ms,
                                     &done_ms), 0);
    assert_true(s.at_ms >= recv_ms);
    /* nothing sent, no call */
    req.url = "http://127.0.0.1:1/";
    fetch_result_init(&res);
    assert_int_equal(fetch_client_do(co, r->c, &req, &res), CORE_ECONNECT);
    fetch_result_free(&res);
    assert_int_equal(s.calls, 1);
    /* a redirect libcurl follows is a second request */
    o.follow_redirects = true;
    assert_int_equal(fetch_client_create(core_coro_loop(co), &o, &follow), 0);
    s.c = follow;
    req.url = url(r->f, "/redirect");
    fetch_result_init(&res);
    assert_int_equal(fetch_client_do(co, follow, &req, &res), 0);
    assert_int_equal(res.status, 200);
    fetch_result_free(&res);
    assert_int_equal(s.calls, 3);
    fetch_client_destroy(follow);
    return 0;
}

static void test_fetch_on_sent_tells_when_each_request_went_out(void **state)
{
    run(*state, on_sent_body);
}

static int retry_after_body(struct core_coro *co, struct run *r)
{
    struct fetch_result res;

    fetch_result_init(&res);
    assert_int_equal(fetch_client_get(co, r->c, url(r->f, "/retry-after"), &res), 0);
    assert_int_equal(res.status, 429);
    assert_int_equal(res.retry_after_s, 7);
    fetch_result_free(&res);
    fetch_result_init(&res);
    assert_int_equal(fetch_client_get(co, r->c, url(r->f, "/hello"), &res), 0);
    assert_int_equal(res.retry_after_s, -1);
    fetch_result_free(&res);
    return 0;
}

static void test_fetch_retry_after_is_reported(void **state)
{
    run(*state, retry_after_body);
}

static int post_body(struct core_coro *co, struct run *r)
{
    static const char *const hdrs[] = {"Content-Type: application/json", "Idempotency-Key: K-1"};
    struct fetch_request req;
    struct fetch_result res;
    uint64_t i;
    char *b, *k;
    size_t len = 0;

    memset(&req, 0, sizeof(req));
    req.url = url(r->f, "/post");
    req.method = "POST";
    req.body = "{\"id\":\"K-1\"}";
    req.body_len = strlen(req.body);
    req.headers = hdrs;
    req.nheaders = 2;
    fetch_result_init(&res);
    assert_int_equal(fetch_client_do(co, r->c, &req, &res), 0);
    assert_int_equal(res.status, 201);
    i = httpd_requests(r->f->srv) - 1;
    b = httpd_log_body(r->f->srv, i, &len);
    k = httpd_log_header(r->f->srv, i, "Idempotency-Key");
    assert_int_equal(len, req.body_len);
    assert_memory_equal(b, req.body, len);
    assert_string_equal(k, "K-1");
    free(b);
    free(k);
    fetch_result_free(&res);
    return 0;
}

static void test_fetch_post_sends_body_and_headers(void **state)
{
    run(*state, post_body);
}

struct many {
    struct run *r;
    int ok;
};

static int fetch_four(struct core_coro *co, void *arg)
{
    struct many *m = arg;
    int i;

    for (i = 0; i < 4; i++) {
        struct fetch_result res;

        fetch_result_init(&res);
        if (fetch_client_get(co, m->r->c, url(m->r->f, "/hello"), &res) == 0 &&
            res.status == 200 && strcmp(res.body.data, "<p>hi</p>") == 0)
            m->ok++;
        fetch_result_free(&res);
    }
    return 0;
}

static int concurrent_body(struct core_coro *co, struct run *r)
{
    struct many m = {r, 0};
    struct core_group *g;
    int i;

    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    for (i = 0; i < 50; i++)
        assert_int_equal(core_group_spawn(g, fetch_four, &m, NULL), 0);
    assert_int_equal(core_group_wait(co, g, -1), 0);
    assert_int_equal(m.ok, 200);
    assert_int_equal(fetch_client_active(r->c), 0);
    /* 200 transfers over about max_connections (8) connections: the rest reused them.
     * libcurl now and then replaces a connection as transfers queue up for the limit, so
     * the bound allows a little slack; without reuse this would be 200. */
    assert_true(fetch_client_connects(r->c) >= 1);
    assert_true(fetch_client_connects(r->c) <= 16);
    core_group_destroy(g);
    return 0;
}

static void test_fetch_concurrent_transfers_reuse_connections(void **state)
{
    struct fx *f = *state;

    f->opts.max_connections = 8;
    run(f, concurrent_body);
}

struct hung {
    struct run *r;
    int rc;
};

static int fetch_hang(struct core_coro *co, void *arg)
{
    struct hung *h = arg;
    struct fetch_result res;

    fetch_result_init(&res);
    h->rc = fetch_client_get(co, h->r->c, url(h->r->f, "/hang"), &res);
    fetch_result_free(&res);
    return 0;
}

static int fetch_hang_scoped(struct core_coro *co, void *arg)
{
    return fetch_hang(co, arg);
}

static int cancel_body(struct core_coro *co, struct run *r)
{
    struct hung h = {r, 1}, h2 = {r, 1};
    struct core_group *g;
    struct core_coro *hc;

    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    assert_int_equal(core_group_spawn(g, fetch_hang, &h, &hc), 0);
    assert_int_equal(core_sleep(co, core_deadline_in(50)), 0);
    assert_int_equal(fetch_client_active(r->c), 1);
    core_coro_cancel(hc);
    assert_int_equal(core_coro_join(co, hc, -1, NULL), 0);
    assert_int_equal(h.rc, -ECANCELED);
    assert_int_equal(fetch_client_active(r->c), 0);
    /* a deadline around a fetch (asyncio.wait_for) */
    assert_int_equal(core_wait_for(co, core_deadline_in(50), fetch_hang_scoped, &h2), 0);
    assert_int_equal(h2.rc, -ETIMEDOUT);
    assert_int_equal(fetch_client_active(r->c), 0);
    core_group_destroy(g);
    return 0;
}

static void test_fetch_cancel_and_deadline_abort_the_transfer(void **state)
{
    run(*state, cancel_body);
}

static int destroy_body(struct core_coro *co, struct run *r)
{
    struct hung h = {r, 1};
    struct core_group *g;
    struct core_coro *hc;

    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    assert_int_equal(core_group_spawn(g, fetch_hang, &h, &hc), 0);
    assert_int_equal(core_sleep(co, core_deadline_in(50)), 0);
    fetch_client_destroy(r->c); /* in flight: the waiting coroutine sees -ECANCELED */
    r->c = NULL;
    assert_int_equal(core_coro_join(co, hc, -1, NULL), 0);
    assert_int_equal(h.rc, -ECANCELED);
    core_group_destroy(g);
    return 0;
}

static void test_fetch_destroy_aborts_transfers_in_flight(void **state)
{
    run(*state, destroy_body);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fetch_get_returns_status_headers_and_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_user_agent_and_extra_headers_are_sent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_redirect_is_reported_not_followed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_only_http_and_https_even_on_redirects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_compressed_body_is_decoded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_body_cap_applies_after_decoding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_archived_keeps_the_bytes_as_received, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_failures_have_a_class, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_on_sent_tells_when_each_request_went_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_retry_after_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_post_sends_body_and_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_concurrent_transfers_reuse_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_cancel_and_deadline_abort_the_transfer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_destroy_aborts_transfers_in_flight, setup, teardown),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
