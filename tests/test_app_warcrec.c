/* tests/test_app_warcrec.c: WARC records: digests checked against values computed by Python's
 * hashlib and base64.b32encode (chunked, gzip, chunked + gzip), the exact text of each record
 * type inflated back with zlib, one gzip member per record, fields, ids, dates, and failures
 * (HTTP/2 lines, caps, allocation). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "app/export/warcgz.h"
#include "app/export/warcrec.h"
#include "core/buf.h"
#include "core/mem.h"
#include "tests/support/corotest.h"

/* gzip of "hello hello hello\n" (Python: gzip.GzipFile(mtime=0)) */
static const unsigned char GZ[] = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xff, 0xcb, 0x48, 0xcd, 0xc9, 0xc9,
    0x57, 0xc8, 0x40, 0x90, 0x5c, 0x00, 0x3b, 0x7c, 0x8a, 0xdf, 0x12, 0x00, 0x00, 0x00,
};
/* Python: "sha1:" + base64.b32encode(hashlib.sha1(x).digest()) */
#define SHA1_GZ "sha1:2E4MPY4I2NBPOWECS72ZM7UIW6IKSHFZ"
#define SHA1_WIKIPEDIA "sha1:3XIK3O7QI3U35FRU2TLIZIV2K4SLHLVI"   /* "Wikipedia in\r\n\r\nchunks." */
#define SHA1_EMPTY "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"
#define SHA1_CHUNKED_BLOCK "sha1:TVBDLMPGXI7TZGLLG2H2VQ7TIUU64F5P"
#define SHA1_CHUNKED_HEAD "sha1:OMX5NPKOZU5GAJXG5W7V3XWGHQ7RV2JV"

static const char CHUNKED_HEAD[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
static const char CHUNKED_BODY[] =
    "4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\n";
static const char REQUEST[] = "GET /wiki HTTP/1.1\r\nHost: example.org\r\nAccept: */*\r\n\r\n";

/* 2026-12-07T05:00:00.123Z */
#define DATE_MS 1796619600123LL

static struct app_warc_fetch chunked_fetch(void)
{
    return (struct app_warc_fetch){
        .uri = "https://example.org/wiki?a=1",
        .ip = "192.0.2.7",
        .date_ms = DATE_MS,
        .request = REQUEST,
        .request_len = sizeof(REQUEST) - 1,
        .head = CHUNKED_HEAD,
        .head_len = sizeof(CHUNKED_HEAD) - 1,
        .body = CHUNKED_BODY,
        .body_len = sizeof(CHUNKED_BODY) - 1,
    };
}

static void id_of(unsigned char fill, struct app_warc_id *id)
{
    unsigned char r[16];

    memset(r, fill, sizeof(r));
    app_warcrec_id_from_bytes(r, id);
}

/* Inflate one gzip member that must fill buf exactly; the text into out. */
static void inflate_member(const char *buf, size_t len, struct core_buf *out)
{
    unsigned char chunk[4096];
    z_stream z;
    int rc;

    memset(&z, 0, sizeof(z));
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (unsigned char *)(uintptr_t)buf;
    z.avail_in = (uInt)len;
    do {
        z.next_out = chunk;
        z.avail_out = sizeof(chunk);
        rc = inflate(&z, Z_NO_FLUSH);
        assert_true(rc == Z_OK || rc == Z_STREAM_END);
        assert_int_equal(core_buf_append(out, chunk, sizeof(chunk) - z.avail_out), 0);
    } while (rc != Z_STREAM_END);
    assert_int_equal(z.avail_in, 0);   /* one member, nothing after it */
    inflateEnd(&z);
}

static void test_warcrec_digests_of_a_chunked_response(void **state)
{
    const struct app_warc_fetch f = chunked_fetch();
    struct app_warc_digests d;
    char want[APP_WARC_DIGEST_LEN + 1];

    (void)state;
    assert_int_equal(app_warcrec_digest(&f, &d), 0);
    assert_string_equal(d.payload, SHA1_WIKIPEDIA);   /* de-chunked */
    assert_string_equal(d.block, SHA1_CHUNKED_BLOCK); /* as received */
    assert_string_equal(d.head, SHA1_CHUNKED_HEAD);
    app_warcrec_sha1(REQUEST, sizeof(REQUEST) - 1, want);
    assert_string_equal(d.request_block, want);
    assert_string_equal(d.request_payload, SHA1_EMPTY);   /* a GET has no body */
}

static void test_warcrec_gzip_payload_is_digested_as_gzip(void **state)
{
    static const char head[] =
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 29\r\n\r\n";
    struct app_warc_fetch f = chunked_fetch();
    struct app_warc_digests d;

    (void)state;
    f.head = head;
    f.head_len = sizeof(head) - 1;
    f.body = (const char *)GZ;
    f.body_len = sizeof(GZ);
    assert_int_equal(app_warcrec_digest(&f, &d), 0);
    assert_string_equal(d.payload, SHA1_GZ);
}

static void test_warcrec_chunked_gzip_payload_is_the_gzip_bytes(void **state)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n";
    struct app_warc_fetch f = chunked_fetch();
    struct app_warc_digests d;
    struct core_buf body;
    size_t i, n;

    (void)state;
    core_buf_init(&body, 1 << 16);
    for (i = 0; i < sizeof(GZ); i += n) {   /* chunks of 7 bytes, like the Python check */
        n = sizeof(GZ) - i < 7 ? sizeof(GZ) - i : 7;
        assert_int_equal(core_buf_printf(&body, "%zx\r\n", n), 0);
        assert_int_equal(core_buf_append(&body, GZ + i, n), 0);
        assert_int_equal(core_buf_puts(&body, "\r\n"), 0);
    }
    assert_int_equal(core_buf_puts(&body, "0\r\n\r\n"), 0);
    f.head = head;
    f.head_len = sizeof(head) - 1;
    f.body = body.data;
    f.body_len = body.len;
    assert_int_equal(app_warcrec_digest(&f, &d), 0);
    assert_string_equal(d.payload, SHA1_GZ);
    core_buf_free(&body);
}

static void test_warcrec_response_record_text(void **state)
{
    const struct app_warc_fetch f = chunked_fetch();
    struct app_warc_digests d;
    struct app_warc_id id, req;
    struct core_buf out, text, want;

    (void)state;
    id_of(0x11, &id);
    id_of(0x22, &req);
    assert_string_equal(id.s, "<urn:uuid:11111111-1111-4111-9111-111111111111>");
    core_buf_init(&out, 1 << 20);
    core_buf_init(&text, 1 << 20);
    core_buf_init(&want, 1 << 20);
    assert_int_equal(app_warcrec_digest(&f, &d), 0);
    assert_int_equal(app_warcrec_response(NULL, &f, &d, &id, &req, &out), 0);
    inflate_member(out.data, out.len, &text);
    assert_int_equal(core_buf_printf(&want,
                                     "WARC/1.1\r\n"
                                     "WARC-Type: response\r\n"
                                     "WARC-Record-ID: %s\r\n"
                                     "WARC-Date: 2026-12-07T05:00:00.123Z\r\n"
                                     "WARC-Target-URI: https://example.org/wiki?a=1\r\n"
                                     "WARC-IP-Address: 192.0.2.7\r\n"
                                     "WARC-Concurrent-To: %s\r\n"
                                     "WARC-Block-Digest: " SHA1_CHUNKED_BLOCK "\r\n"
                                     "WARC-Payload-Digest: " SHA1_WIKIPEDIA "\r\n"
                                     "Content-Type: application/http;msgtype=response\r\n"
                                     "Content-Length: %zu\r\n\r\n%s%s\r\n\r\n",
                                     id.s, req.s, strlen(CHUNKED_HEAD) + strlen(CHUNKED_BODY),
                                     CHUNKED_HEAD, CHUNKED_BODY),
                     0);
    assert_int_equal(text.len, want.len);
    assert_string_equal(text.data, want.data);
    core_buf_free(&out);
    core_buf_free(&text);
    core_buf_free(&want);
}

static void test_warcrec_request_record_text(void **state)
{
    struct app_warc_fetch f = chunked_fetch();
    struct app_warc_digests d;
    struct app_warc_id id, resp;
    struct core_buf out, text;

    (void)state;
    f.ip = NULL;
    id_of(0x33, &id);
    id_of(0x44, &resp);
    core_buf_init(&out, 1 << 20);
    core_buf_init(&text, 1 << 20);
    assert_int_equal(app_warcrec_digest(&f, &d), 0);
    assert_int_equal(app_warcrec_request(NULL, &f, &d, &id, &resp, &out), 0);
    inflate_member(out.data, out.len, &text);
    assert_non_null(strstr(text.data, "WARC-Type: request\r\n"));
    assert_non_null(strstr(text.data, "Content-Type: application/http;msgtype=request\r\n"));
    assert_non_null(strstr(text.data, "WARC-Payload-Digest: " SHA1_EMPTY "\r\n"));
    assert_non_null(strstr(text.data, resp.s));
    assert_null(strstr(text.data, "WARC-IP-Address"));
    assert_non_null(strstr(text.data, "\r\n\r\n" "GET /wiki HTTP/1.1\r\n"));
    assert_memory_equal(text.data + text.len - strlen(REQUEST) - 4, REQUEST, strlen(REQUEST));
    assert_string_equal(text.data + text.len - 4, "\r\n\r\n");
    core_buf_free(&out);
    core_buf_free(&text);
}

static void test_warcrec_revisit_record_text(void **state)
{
    const struct app_warc_fetch f = chunked_fetch();
    struct app_warc_digests d;
    struct app_warc_id id, req, orig_id;
    const struct app_warc_original orig = {"https://example.org/first", DATE_MS - 60000, &orig_id};
    struct core_buf out, text;

    (void)state;
    id_of(0x55, &id);
    id_of(0x66, &req);
    id_of(0x77, &orig_id);
    core_buf_init(&out, 1 << 20);
    core_buf_init(&text, 1 << 20);
    assert_int_equal(app_warcrec_digest(&f, &d), 0);
    assert_int_equal(app_warcrec_revisit(NULL, &f, &d, &id, &req, &orig, &out), 0);
    inflate_member(out.data, out.len, &text);
    assert_non_null(strstr(text.data, "WARC-Type: revisit\r\n"));
    assert_non_null(strstr(text.data, "WARC-Profile: http://netpreserve.org/warc/1.1/revisit/"
                                      "identical-payload-digest\r\n"));
    assert_non_null(strstr(text.data, "WARC-Refers-To-Target-URI: https://example.org/first\r\n"));
    assert_non_null(strstr(text.data, "WARC-Refers-To-Date: 2026-12-07T04:59:00.123Z\r\n"));
    assert_non_null(strstr(text.data, "WARC-Refers-To: <urn:uuid:77777777-7777-4777-b777-"));
    assert_non_null(strstr(text.data, "WARC-Block-Digest: " SHA1_CHUNKED_HEAD "\r\n"));
    assert_non_null(strstr(text.data, "WARC-Payload-Digest: " SHA1_WIKIPEDIA "\r\n"));
    assert_non_null(strstr(text.data, "WARC-Truncated: length\r\n"));
    assert_non_null(strstr(text.data, "Content-Type: application/http;msgtype=response\r\n"));
    /* the block is the header block alone */
    assert_int_equal(text.len - (size_t)(strstr(text.data, "\r\n\r\n") + 4 - text.data),
                     strlen(CHUNKED_HEAD) + 4);
    assert_memory_equal(strstr(text.data, "\r\n\r\n") + 4, CHUNKED_HEAD, strlen(CHUNKED_HEAD));
    core_buf_free(&out);
    core_buf_free(&text);
}

static void test_warcrec_h2_and_truncation_fields(void **state)
{
    static const char *const reasons[] = {NULL, "length", "time", "disconnect"};
    static const char *const protos[] = {NULL, "h2", "h2c", "h3"};
    struct app_warc_fetch f = chunked_fetch();
    struct app_warc_digests d;
    struct app_warc_id id;
    struct core_buf out, text;
    char line[64];
    int t;

    (void)state;
    id_of(0x12, &id);
    core_buf_init(&out, 1 << 20);
    core_buf_init(&text, 1 << 20);
    assert_int_equal(app_warcrec_digest(&f, &d), 0);
    for (t = 0; t < 4; t++) {
        f.truncated = (enum app_warc_trunc)t;
        f.proto = (enum app_warc_proto)t;
        core_buf_reset(&out);
        core_buf_reset(&text);
        assert_int_equal(app_warcrec_response(NULL, &f, &d, &id, NULL, &out), 0);
        inflate_member(out.data, out.len, &text);
        if (reasons[t]) {
            snprintf(line, sizeof(line), "\r\nWARC-Truncated: %s\r\n", reasons[t]);
            assert_non_null(strstr(text.data, line));
            snprintf(line, sizeof(line), "\r\nWARC-Protocol: %s\r\n", protos[t]);
            assert_non_null(strstr(text.data, line));
        } else {
            assert_null(strstr(text.data, "WARC-Truncated"));
            assert_null(strstr(text.data, "WARC-Protocol"));
        }
        assert_null(strstr(text.data, "WARC-Concurrent-To"));
    }
    /* curl's HTTP/2 lines are never written: rewrite them first */
    f.head = "HTTP/2 200 \r\n\r\n";
    f.head_len = strlen(f.head);
    assert_int_equal(app_warcrec_response(NULL, &f, &d, &id, NULL, &out), -EINVAL);
    f = chunked_fetch();
    f.request = "GET / HTTP/2\r\n\r\n";
    f.request_len = strlen(f.request);
    assert_int_equal(app_warcrec_request(NULL, &f, &d, &id, NULL, &out), -EINVAL);
    f = chunked_fetch();
    f.uri = "https://example.org/a b";
    assert_int_equal(app_warcrec_response(NULL, &f, &d, &id, NULL, &out), -EINVAL);
    core_buf_free(&out);
    core_buf_free(&text);
}

static void test_warcrec_metadata_and_warcinfo(void **state)
{
    struct core_buf fields, out, text;
    struct app_warc_id id, about;
    char digest[APP_WARC_DIGEST_LEN + 1];

    (void)state;
    id_of(0x01, &id);
    id_of(0x02, &about);
    core_buf_init(&fields, 1 << 20);
    core_buf_init(&out, 1 << 20);
    core_buf_init(&text, 1 << 20);
    assert_int_equal(app_warcrec_field(&fields, "outlink", "https://example.org/a"), 0);
    assert_int_equal(app_warcrec_field(&fields, "hopsFromSeed", "LL"), 0);
    assert_int_equal(app_warcrec_field(&fields, "note", "two\r\nlines\x01"), 0);
    assert_string_equal(fields.data, "outlink: https://example.org/a\r\nhopsFromSeed: LL\r\n"
                                     "note: two  lines \r\n");
    assert_int_equal(app_warcrec_field(&fields, "bad name", "x"), -EINVAL);
    assert_int_equal(app_warcrec_field(&fields, "", "x"), -EINVAL);
    assert_int_equal(app_warcrec_field(&fields, "a:b", "x"), -EINVAL);
    app_warcrec_sha1(fields.data, fields.len, digest);
    assert_int_equal(app_warcrec_metadata(NULL, "https://example.org/", DATE_MS, &id, &about,
                                          fields.data, fields.len, &out),
                     0);
    inflate_member(out.data, out.len, &text);
    assert_non_null(strstr(text.data, "WARC-Type: metadata\r\n"));
    assert_non_null(strstr(text.data, "WARC-Target-URI: https://example.org/\r\n"));
    assert_non_null(strstr(text.data, "WARC-Refers-To: <urn:uuid:02020202-"));
    assert_non_null(strstr(text.data, "Content-Type: application/warc-fields\r\n"));
    assert_non_null(strstr(text.data, digest));
    assert_null(strstr(text.data, "WARC-Payload-Digest"));
    core_buf_reset(&out);
    core_buf_reset(&text);
    assert_int_equal(app_warcrec_warcinfo(NULL, "crawl-00000.warc.gz", DATE_MS, &id, fields.data,
                                          fields.len, &out),
                     0);
    inflate_member(out.data, out.len, &text);
    assert_non_null(strstr(text.data, "WARC-Type: warcinfo\r\n"));
    assert_non_null(strstr(text.data, "WARC-Filename: crawl-00000.warc.gz\r\n"));
    assert_null(strstr(text.data, "WARC-Target-URI"));
    assert_int_equal(app_warcrec_warcinfo(NULL, "a b", DATE_MS, &id, "", 0, &out), -EINVAL);
    core_buf_free(&fields);
    core_buf_free(&out);
    core_buf_free(&text);
}

static void test_warcrec_ids_and_dates(void **state)
{
    struct app_warc_id a, b;
    char date[APP_WARC_DATE_LEN + 1];

    (void)state;
    assert_int_equal(app_warcrec_new_id(&a), 0);
    assert_int_equal(app_warcrec_new_id(&b), 0);
    assert_int_equal(strlen(a.s), APP_WARC_ID_LEN);
    assert_memory_equal(a.s, "<urn:uuid:", 10);
    assert_int_equal(a.s[24], '4');   /* version 4 */
    assert_non_null(strchr("89ab", a.s[29]));
    assert_string_not_equal(a.s, b.s);
    app_warcrec_date(DATE_MS, date);
    assert_string_equal(date, "2026-12-07T05:00:00.123Z");
    app_warcrec_date(0, date);
    assert_string_equal(date, "1970-01-01T00:00:00.000Z");
    app_warcrec_date(-1, date);
    assert_string_equal(date, "1969-12-31T23:59:59.999Z");
    app_warcrec_date(951782400007LL, date);   /* a leap day */
    assert_string_equal(date, "2000-02-29T00:00:00.007Z");
}

/* Records appended to one buffer are back-to-back members; a cap too small leaves it as it
 * was; the compressor object is reusable at any level. */
static void test_warcrec_members_caps_and_levels(void **state)
{
    const struct app_warc_fetch f = chunked_fetch();
    struct app_warcgz *fast, *best;
    struct app_warc_digests d;
    struct app_warc_id id;
    struct core_buf out, small, text;
    size_t first;

    (void)state;
    id_of(0x09, &id);
    assert_int_equal(app_warcgz_create(13, &fast), -EINVAL);
    assert_int_equal(app_warcgz_create(-2, &fast), -EINVAL);
    assert_int_equal(app_warcgz_create(1, &fast), 0);
    assert_int_equal(app_warcgz_create(12, &best), 0);
    core_buf_init(&out, 1 << 20);
    core_buf_init(&small, 64);
    core_buf_init(&text, 1 << 20);
    assert_int_equal(app_warcrec_digest(&f, &d), 0);
    assert_int_equal(app_warcrec_request(fast, &f, &d, &id, NULL, &out), 0);
    first = out.len;
    assert_int_equal(app_warcrec_response(best, &f, &d, &id, NULL, &out), 0);
    inflate_member(out.data, first, &text);
    assert_non_null(strstr(text.data, "WARC-Type: request"));
    core_buf_reset(&text);
    inflate_member(out.data + first, out.len - first, &text);
    assert_non_null(strstr(text.data, "WARC-Type: response"));
    assert_int_equal(app_warcrec_response(fast, &f, &d, &id, NULL, &small), -EMSGSIZE);
    assert_int_equal(small.len, 0);
    app_warcgz_destroy(fast);
    app_warcgz_destroy(best);
    app_warcgz_destroy(NULL);
    core_buf_free(&out);
    core_buf_free(&small);
    core_buf_free(&text);
}

/* APP_WARCGZ_STORE (--warc-level 0): every member is stored, whatever its size (the input
 * and some bytes of framing: at least as large as the input), and inflates back to it. */
static void test_warcgz_store_level_never_compresses(void **state)
{
    static const size_t sizes[] = {0, 1024, 1025, 70000, 300000};
    struct app_warcgz *gz;
    struct core_buf in, out, text;
    size_t i, k;

    (void)state;
    assert_int_equal(app_warcgz_create(APP_WARCGZ_STORE, &gz), 0);
    core_buf_init(&in, 1 << 20);
    core_buf_init(&out, 1 << 20);
    core_buf_init(&text, 1 << 20);
    for (k = 0; k < 300000; k++)
        assert_int_equal(core_buf_putc(&in, "WARC/1.1 hello\r\n"[k % 16]), 0);
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        const size_t n = sizes[i];
        const struct app_warcgz_part parts[] = {{in.data, n / 2}, {in.data + n / 2, n - n / 2}};

        core_buf_reset(&out);
        core_buf_reset(&text);
        assert_int_equal(app_warcgz_member(gz, parts, 2, &out), 0);
        assert_true(out.len >= n + 18); /* header and trailer around stored blocks */
        assert_true(out.len <= n + 18 + 5 * (n / 65535 + 1) + 8);
        inflate_member(out.data, out.len, &text);
        assert_int_equal(text.len, n);
        assert_memory_equal(text.data, in.data, n);
    }
    app_warcgz_destroy(gz);
    core_buf_free(&in);
    core_buf_free(&out);
    core_buf_free(&text);
}

/* A member of up to 1 KiB of input is stored (gzip header, one stored block, trailer: 23
 * bytes around the input); a larger one is compressed; each inflates back to its parts. */
static void test_warcgz_small_members_are_stored(void **state)
{
    static const size_t sizes[] = {0, 1, 600, 1024, 1025, 65536};
    struct app_warcgz *gz;
    struct core_buf in, out, text;
    size_t i, k;

    (void)state;
    assert_int_equal(app_warcgz_create(1, &gz), 0);
    core_buf_init(&in, 1 << 20);
    core_buf_init(&out, 1 << 20);
    core_buf_init(&text, 1 << 20);
    for (k = 0; k < 65536; k++)
        assert_int_equal(core_buf_putc(&in, "WARC/1.1 hello\r\n"[k % 16]), 0);
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        const size_t n = sizes[i], cut = n / 3;
        const struct app_warcgz_part parts[] = {{in.data, cut}, {"", 0}, {in.data + cut, n - cut}};

        core_buf_reset(&out);
        core_buf_reset(&text);
        assert_int_equal(app_warcgz_member(gz, parts, 3, &out), 0);
        if (n <= 1024)
            assert_int_equal(out.len, n + 23);
        else
            assert_true(out.len < n / 2);
        inflate_member(out.data, out.len, &text);
        assert_int_equal(text.len, n);
        assert_memory_equal(text.data ? text.data : "", in.data, n);
    }
    app_warcgz_destroy(gz);
    core_buf_free(&in);
    core_buf_free(&out);
    core_buf_free(&text);
}

/* Fail each allocation in turn: -ENOMEM, the buffer as it was, nothing leaked (ASan). */
static void test_warcrec_allocation_failures(void **state)
{
    const struct app_warc_fetch f = chunked_fetch();
    struct app_warc_digests d;
    struct app_warc_id id;
    struct core_buf out;
    long n;
    int rc;

    (void)state;
    id_of(0x0a, &id);
    assert_int_equal(app_warcrec_digest(&f, &d), 0);
    core_buf_init(&out, 1 << 20);
    assert_int_equal(core_buf_puts(&out, "before"), 0);
    for (n = 0;; n++) {
        core_mem_fail_after(n);
        rc = app_warcrec_response(NULL, &f, &d, &id, NULL, &out);
        core_mem_fail_after(-1);
        if (rc == 0)
            break;
        assert_int_equal(rc, -ENOMEM);
        assert_int_equal(out.len, 6);
        assert_string_equal(out.data, "before");
    }
    assert_true(n > 0);
    core_buf_free(&out);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_warcrec_digests_of_a_chunked_response),
        cmocka_unit_test(test_warcrec_gzip_payload_is_digested_as_gzip),
        cmocka_unit_test(test_warcrec_chunked_gzip_payload_is_the_gzip_bytes),
        cmocka_unit_test(test_warcrec_response_record_text),
        cmocka_unit_test(test_warcrec_request_record_text),
        cmocka_unit_test(test_warcrec_revisit_record_text),
        cmocka_unit_test(test_warcrec_h2_and_truncation_fields),
        cmocka_unit_test(test_warcrec_metadata_and_warcinfo),
        cmocka_unit_test(test_warcgz_store_level_never_compresses),
        cmocka_unit_test(test_warcgz_small_members_are_stored),
        cmocka_unit_test(test_warcrec_ids_and_dates),
        cmocka_unit_test(test_warcrec_members_caps_and_levels),
        cmocka_unit_test(test_warcrec_allocation_failures),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
