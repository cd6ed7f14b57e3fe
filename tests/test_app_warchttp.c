/* tests/test_app_warchttp.c: HTTP facts for the WARC writers: status, headers, chunked or not,
 * de-chunking (table, every truncated prefix, hostile framing), HTTP/2 lines rewritten. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/export/warchttp.h"
#include "core/buf.h"
#include "tests/support/corotest.h"

static void collect(void *arg, const void *p, size_t n)
{
    if (core_buf_append(arg, p, n) < 0)
        abort();
}

static void test_warchttp_status_and_headers(void **state)
{
    static const char head[] = "HTTP/1.1 404 Not Found\r\nContent-Type:  text/html; charset=utf-8 "
                               "\r\nX-Empty:\r\ncontent-length: 12\r\n\r\n";
    const char *v;
    size_t n;

    (void)state;
    assert_int_equal(app_warchttp_status(head, strlen(head)), 404);
    assert_int_equal(app_warchttp_status("HTTP/2 200 \r\n\r\n", 15), 200);
    assert_int_equal(app_warchttp_status("HTTP/1.0 200", 12), 200);
    assert_int_equal(app_warchttp_status("GET / HTTP/1.1\r\n\r\n", 18), 0);
    assert_int_equal(app_warchttp_status("HTTP/1.1 20 OK\r\n", 16), 0);
    assert_int_equal(app_warchttp_status("HTTP/1.1 2000\r\n", 15), 0);
    assert_int_equal(app_warchttp_status("", 0), 0);
    assert_true(app_warchttp_header(head, strlen(head), "content-type", &v, &n));
    assert_int_equal(n, 24);
    assert_memory_equal(v, "text/html; charset=utf-8", 24);
    assert_true(app_warchttp_header(head, strlen(head), "CONTENT-LENGTH", &v, &n));
    assert_memory_equal(v, "12", 2);
    assert_true(app_warchttp_header(head, strlen(head), "x-empty", &v, &n));
    assert_int_equal(n, 0);
    assert_false(app_warchttp_header(head, strlen(head), "content", &v, &n));
    assert_int_equal(app_warchttp_mime(head, strlen(head), &v), 9);
    assert_memory_equal(v, "text/html", 9);
    assert_int_equal(app_warchttp_mime("HTTP/1.1 200 OK\r\n\r\n", 19, &v), 0);
    assert_int_equal(app_warchttp_head_len(head, strlen(head)), strlen(head));
    assert_int_equal(app_warchttp_head_len("HTTP/1.1 200 OK\nA: b\n\nbody", 26), 22);
    assert_int_equal(app_warchttp_head_len("HTTP/1.1 200 OK\r\nA: b\r\n", 23), 0);
}

static void test_warchttp_chunked_is_the_last_transfer_coding(void **state)
{
    static const struct {
        const char *head;
        bool chunked;
    } cases[] = {
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true},
        {"HTTP/1.1 200 OK\r\ntransfer-encoding:CHUNKED \r\n\r\n", true},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", true},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", true},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;x=1, \r\n\r\n", true},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", false},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunkedx\r\n\r\n", false},
        {"HTTP/1.1 200 OK\r\nContent-Encoding: chunked\r\n\r\n", false},
        {"HTTP/1.1 200 OK\r\nX-Transfer-Encoding: chunked\r\n\r\n", false},
        {"HTTP/1.1 200 OK\r\n\r\nTransfer-Encoding: chunked\r\n", false},   /* in the body */
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(app_warchttp_is_chunked(cases[i].head, strlen(cases[i].head)),
                         cases[i].chunked);
}

static void check_dechunk(const char *body, size_t len, const char *want, size_t wlen)
{
    struct core_buf b;

    core_buf_init(&b, 1 << 20);
    assert_int_equal(app_warchttp_dechunk(body, len, collect, &b), wlen);
    assert_int_equal(b.len, wlen);
    if (wlen)
        assert_memory_equal(b.data, want, wlen);
    core_buf_free(&b);
}

static void test_warchttp_dechunk_table(void **state)
{
    static const struct {
        const char *body, *payload;
    } cases[] = {
        {"4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\n",
         "Wikipedia in\r\n\r\nchunks."},
        {"0\r\n\r\n", ""},
        {"3\nabc\n0\n\n", "abc"},                  /* bare LF line ends */
        {"3 ;x\r\nabc\r\n0\r\n\r\n", "abc"},       /* blank before the extension */
        {"A\r\n0123456789\r\n0\r\n", "0123456789"},
        {"00003\r\nabc\r\n0\r\n\r\n", "abc"},
        {"hello world", "hello world"},           /* said chunked, never was */
        {"zz\r\nabc\r\n", "zz\r\nabc\r\n"},
        {"3\r\nabc\r\nxyz", "abcxyz"},            /* a bad size line later: rest as is */
        {"3\r\nabcX\r\n0\r\n\r\n", "abcX\r\n0\r\n\r\n"},   /* data without its line end */
        {"ffffffffffffffffff\r\nab", "ffffffffffffffffff\r\nab"},   /* past 2^64 */
        {"", ""},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_dechunk(cases[i].body, strlen(cases[i].body), cases[i].payload,
                      strlen(cases[i].payload));
}

/* A body cut anywhere (a truncated record) gives a prefix of the whole payload. */
static void test_warchttp_dechunk_every_truncated_prefix(void **state)
{
    static const char body[] =
        "4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n";
    static const char payload[] = "Wikipedia in\r\n\r\nchunks.";
    struct core_buf b;
    size_t cut, got, last = 0;

    (void)state;
    core_buf_init(&b, 1 << 20);
    for (cut = 0; cut <= sizeof(body) - 1; cut++) {
        core_buf_reset(&b);
        got = app_warchttp_dechunk(body, cut, collect, &b);
        assert_int_equal(got, b.len);
        assert_true(got <= sizeof(payload) - 1);
        if (got)
            assert_memory_equal(b.data, payload, got);
        assert_true(got >= last);   /* more body never means less payload */
        last = got;
    }
    assert_int_equal(last, sizeof(payload) - 1);
    core_buf_free(&b);
}

/* Hostile framing: random bytes and random size lines never read out of bounds, and the
 * payload is never longer than the body. */
static void test_warchttp_dechunk_hostile_bytes(void **state)
{
    struct core_buf b;
    char body[256];
    unsigned seed = 12345;
    size_t i, n;
    int round;

    (void)state;
    core_buf_init(&b, 1 << 20);
    for (round = 0; round < 20000; round++) {
        n = (size_t)(rand_r(&seed) % sizeof(body));
        for (i = 0; i < n; i++) {
            static const char alphabet[] = "0123456789abcdefABCDEF;\r\n \tzx";
            body[i] = rand_r(&seed) % 4 ? alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)]
                                        : (char)rand_r(&seed);
        }
        core_buf_reset(&b);
        assert_true(app_warchttp_dechunk(body, n, collect, &b) <= n);
    }
    core_buf_free(&b);
}

static void test_warchttp_payload_follows_the_head(void **state)
{
    static const char chunked[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    static const char plain[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
    static const char body[] = "3\r\nabc\r\n0\r\n\r\n";
    struct core_buf b;

    (void)state;
    core_buf_init(&b, 1 << 20);
    assert_int_equal(app_warchttp_payload(chunked, strlen(chunked), body, strlen(body), collect,
                                          &b), 3);
    assert_string_equal(b.data, "abc");
    core_buf_reset(&b);
    assert_int_equal(app_warchttp_payload(plain, strlen(plain), body, strlen(body), collect, &b),
                     strlen(body));
    assert_string_equal(b.data, body);
    core_buf_free(&b);
}

static void test_warchttp_http2_lines_become_http11(void **state)
{
    static const struct {
        const char *in, *out;
        int rc;
    } resp[] = {
        {"HTTP/2 200 \r\ncontent-type: text/html\r\n\r\n",
         "HTTP/1.1 200 \r\ncontent-type: text/html\r\n\r\n", 0},
        {"HTTP/2 404\r\n\r\n", "HTTP/1.1 404 \r\n\r\n", 0},
        {"HTTP/3 301 \r\nlocation: /x\r\n\r\n", "HTTP/1.1 301 \r\nlocation: /x\r\n\r\n", 0},
        {"HTTP/1.1 200 OK\r\nA: b\r\n\r\n", "HTTP/1.1 200 OK\r\nA: b\r\n\r\n", 0},
        {"HTTP/1.0 200 OK\r\n\r\n", "HTTP/1.0 200 OK\r\n\r\n", 0},
        {"garbage\r\n\r\n", "", -EINVAL},
        {"HTTP/2 20\r\n\r\n", "", -EINVAL},
        {"HTTP/2 200", "", -EINVAL},   /* no line end */
    };
    static const struct {
        const char *in, *out;
        int rc;
    } req[] = {
        {"GET /a?b=1 HTTP/2\r\nhost: example.com\r\n\r\n",
         "GET /a?b=1 HTTP/1.1\r\nhost: example.com\r\n\r\n", 0},
        {"POST / HTTP/3\r\n\r\nbody", "POST / HTTP/1.1\r\n\r\nbody", 0},
        {"GET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\n\r\n", 0},
        {"GET /\r\n\r\n", "", -EINVAL},
        {"GET  HTTP/2\r\n\r\n", "", -EINVAL},
        {"GET / FTP/2\r\n\r\n", "", -EINVAL},
    };
    struct core_buf b;
    size_t i;

    (void)state;
    core_buf_init(&b, 1 << 20);
    for (i = 0; i < sizeof(resp) / sizeof(resp[0]); i++) {
        core_buf_reset(&b);
        assert_int_equal(app_warchttp_response_to_http11(resp[i].in, strlen(resp[i].in), &b),
                         resp[i].rc);
        if (resp[i].rc == 0)
            assert_string_equal(b.data, resp[i].out);
    }
    for (i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
        core_buf_reset(&b);
        assert_int_equal(app_warchttp_request_to_http11(req[i].in, strlen(req[i].in), &b),
                         req[i].rc);
        if (req[i].rc == 0)
            assert_string_equal(b.data, req[i].out);
    }
    core_buf_free(&b);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_warchttp_status_and_headers),
        cmocka_unit_test(test_warchttp_chunked_is_the_last_transfer_coding),
        cmocka_unit_test(test_warchttp_dechunk_table),
        cmocka_unit_test(test_warchttp_dechunk_every_truncated_prefix),
        cmocka_unit_test(test_warchttp_dechunk_hostile_bytes),
        cmocka_unit_test(test_warchttp_payload_follows_the_head),
        cmocka_unit_test(test_warchttp_http2_lines_become_http11),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
