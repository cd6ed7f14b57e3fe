/* tests/test_app_warc_interop.c: a crawl's archive written with app/export/ and read back by
 * independent tools.
 *
 * The group setup archives a small crawl as the crawler will (request and response records,
 * revisits from the dedup table, metadata records, rotation across files, the CDXJ index and a
 * WACZ): plain, chunked, gzip and chunked+gzip bodies, an HTTP/2 exchange (curl's lines
 * rewritten), bodies cut for length, time and disconnect, a redirect, a 404, and the same page
 * fetched again under other URLs. Each test then runs one reader over the result:
 * - warcio.js's own cdx-index CLI (tests/warcio, pinned), which must print nothing on stderr
 *   (it exits 0 on some broken files and warns there) and must agree with trawl's CDXJ;
 * - a checker on warcio.js's parser that recomputes every block and payload digest with its
 *   own de-chunker (tests/warcio/check.mjs);
 * - gzip -t on every file;
 * - Info-ZIP's zipinfo and unzip on the WACZ.
 * Needs node, gzip, zipinfo and unzip, which scripts/install-deps installs. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <zlib.h>

#include "app/export/cdxj.h"
#include "app/export/dedup.h"
#include "app/export/wacz.h"
#include "app/export/warcfile.h"
#include "app/export/warchttp.h"
#include "app/export/warcrec.h"
#include "core/buf.h"
#include "tests/support/corotest.h"
#include "tests/support/warccheck.h"

#define T0 1796619600123LL   /* 2026-12-07T05:00:00.123Z */

struct crawl {
    char dir[64];
    char cdxj[128], wacz[128];
    char files[64][160];   /* the WARC files, final paths */
    unsigned nfiles;
    struct app_warcfile *wf;
    struct app_cdxj *index;
    struct app_wacz *pack;
    struct app_dedup *dedup;
    struct app_warcgz *gz;
    int64_t clock;
    unsigned responses, revisits, metadata;
};

static struct crawl C;

static char *html(unsigned n, unsigned seed, size_t *len)
{
    struct core_buf b;
    unsigned i;

    core_buf_init(&b, 1 << 22);
    if (core_buf_printf(&b, "<!DOCTYPE html>\n<html><head><title>Page %u</title></head><body>\n",
                        seed) < 0)
        abort();
    for (i = 0; i < n; i++)
        if (core_buf_printf(&b, "<p id=\"p%u\">Paragraph %u of page %u, with a <a href=\"/p/%u\">"
                                "link</a> and some words to compress.</p>\n",
                            i, i, seed, (i * 7919 + seed) % 1000) < 0)
            abort();
    if (core_buf_puts(&b, "</body></html>\n") < 0)
        abort();
    *len = b.len;
    return core_buf_steal(&b);
}

static char *gzip_of(const char *p, size_t n, size_t *len)
{
    z_stream z;
    char *out = malloc(n + 1024);

    memset(&z, 0, sizeof(z));
    if (!out || deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    z.next_in = (unsigned char *)(uintptr_t)p;
    z.avail_in = (uInt)n;
    z.next_out = (unsigned char *)out;
    z.avail_out = (uInt)(n + 1024);
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        abort();
    *len = z.total_out;
    deflateEnd(&z);
    return out;
}

static char *chunked_of(const char *p, size_t n, size_t piece, bool last, size_t *len)
{
    struct core_buf b;
    size_t i, k;

    core_buf_init(&b, 1 << 24);
    for (i = 0; i < n; i += k) {
        k = n - i < piece ? n - i : piece;
        if (core_buf_printf(&b, "%zx%s\r\n", k, i == 0 ? ";name=value" : "") < 0 ||
            core_buf_append(&b, p + i, k) < 0 || core_buf_puts(&b, "\r\n") < 0)
            abort();
    }
    if (last && core_buf_puts(&b, "0\r\n\r\n") < 0)
        abort();
    *len = b.len;
    return core_buf_steal(&b);
}

/* Archive one fetch as the crawler will: digests and records (the pool's part), then the dedup
 * table, one append and the index (the loop's part). */
static void archive(const char *uri, const char *request, const char *head, const char *body,
                    size_t body_len, enum app_warc_proto proto, enum app_warc_trunc trunc,
                    const char *title, bool seed)
{
    struct core_buf req11, head11, recs, fields;
    struct app_warc_fetch f = {.uri = uri, .ip = "192.0.2.10", .proto = proto,
                               .truncated = trunc};
    struct app_warc_id req_id, resp_id, meta_id;
    struct app_warc_digests d;
    struct app_dedup_hit hit;
    struct app_warc_loc loc;
    const char *mime;
    size_t req_len, mime_len;
    bool revisit;
    int status;

    C.clock += 1500;
    f.date_ms = C.clock;
    core_buf_init(&req11, 1 << 20);
    core_buf_init(&head11, 1 << 20);
    core_buf_init(&recs, 1 << 26);
    core_buf_init(&fields, 1 << 20);
    assert_int_equal(app_warchttp_request_to_http11(request, strlen(request), &req11), 0);
    assert_int_equal(app_warchttp_response_to_http11(head, strlen(head), &head11), 0);
    f.request = req11.data;
    f.request_len = req11.len;
    f.head = head11.data;
    f.head_len = head11.len;
    f.body = body;
    f.body_len = body_len;
    status = app_warchttp_status(f.head, f.head_len);
    assert_int_equal(app_warcrec_new_id(&req_id), 0);
    assert_int_equal(app_warcrec_new_id(&resp_id), 0);
    assert_int_equal(app_warcrec_digest(&f, &d), 0);
    /* dedup: complete 200 responses with a payload only */
    revisit = status == 200 && trunc == APP_WARC_TRUNC_NONE &&
              strcmp(d.payload, "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ") != 0 &&
              app_dedup_find(C.dedup, d.payload, &hit);
    assert_int_equal(app_warcrec_request(C.gz, &f, &d, &req_id, &resp_id, &recs), 0);
    req_len = recs.len;
    if (revisit) {
        const struct app_warc_original orig = {hit.uri, hit.date_ms, hit.id};

        assert_int_equal(app_warcrec_revisit(C.gz, &f, &d, &resp_id, &req_id, &orig, &recs), 0);
    } else {
        assert_int_equal(app_warcrec_response(C.gz, &f, &d, &resp_id, &req_id, &recs), 0);
    }
    assert_int_equal(app_warcfile_append(C.wf, recs.data, recs.len, &loc), 0);
    if (!revisit && status == 200 && trunc == APP_WARC_TRUNC_NONE) {
        const int added = app_dedup_add(C.dedup, d.payload, uri, f.date_ms, &resp_id);

        assert_true(added == 0 || added == -EEXIST);
    }
    mime_len = app_warchttp_mime(f.head, f.head_len, &mime);
    {
        const struct app_cdxj_entry e = {
            .url = uri, .date_ms = f.date_ms, .mime = revisit ? "warc/revisit" : mime,
            .mime_len = revisit ? 12 : mime_len, .status = status, .digest = d.payload,
            .offset = loc.offset + req_len, .length = recs.len - req_len,
            .filename = loc.filename,
        };

        assert_int_equal(app_cdxj_add(C.index, &e), 0);
    }
    revisit ? C.revisits++ : C.responses++;
    /* a metadata record about the response, for the pages */
    if (title) {
        struct core_buf meta;

        core_buf_init(&meta, 1 << 20);
        assert_int_equal(app_warcrec_new_id(&meta_id), 0);
        assert_int_equal(app_warcrec_field(&fields, "outlink", "http://example.com/p/1 L a/@href"),
                         0);
        assert_int_equal(app_warcrec_field(&fields, "hopsFromSeed", seed ? "" : "L"), 0);
        assert_int_equal(app_warcrec_metadata(C.gz, uri, f.date_ms, &meta_id, &resp_id,
                                              fields.data, fields.len, &meta),
                         0);
        assert_int_equal(app_warcfile_append(C.wf, meta.data, meta.len, &loc), 0);
        {
            const struct app_cdxj_entry e = {
                .url = uri, .date_ms = f.date_ms, .mime = "application/warc-fields",
                .mime_len = 23, .offset = loc.offset, .length = loc.length,
                .filename = loc.filename,
            };

            assert_int_equal(app_cdxj_add(C.index, &e), 0);
        }
        assert_int_equal(app_wacz_add_page(C.pack, uri, f.date_ms, title, seed), 0);
        C.metadata++;
        core_buf_free(&meta);
    }
    core_buf_free(&req11);
    core_buf_free(&head11);
    core_buf_free(&recs);
    core_buf_free(&fields);
}

static char *request_for(const char *path, const char *version)
{
    char *r = malloc(512);

    if (!r)
        abort();
    snprintf(r, 512,
             "GET %s %s\r\nHost: example.com\r\nUser-Agent: trawl/0.1\r\nAccept: */*\r\n"
             "Accept-Encoding: gzip\r\n\r\n",
             path, version);
    return r;
}

static void crawl_all(void)
{
    size_t len, gzlen, chlen, chgzlen;
    char *page = html(60, 1, &len), *big = html(400, 2, &len), *gz, *ch, *chgz, *req, head[512];
    size_t plen, biglen;

    free(big);
    free(page);
    page = html(60, 1, &plen);
    big = html(400, 2, &biglen);
    gz = gzip_of(page, plen, &gzlen);
    ch = chunked_of(page, plen, 1000, true, &chlen);
    chgz = chunked_of(gz, gzlen, 300, true, &chgzlen);

#define FETCH(path, version, headfmt, body, blen, proto, trunc, title, seed)                    \
    do {                                                                                      \
        req = request_for(path, version);                                                     \
        snprintf(head, sizeof(head), "%s", headfmt);                                          \
        archive("http://example.com" path, req, head, body, blen, proto, trunc, title, seed); \
        free(req);                                                                            \
    } while (0)

    /* a seed page, Content-Length */
    {
        char h[256];

        snprintf(h, sizeof(h), "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                               "Content-Length: %zu\r\n\r\n", plen);
        FETCH("/", "HTTP/1.1", h, page, plen, APP_WARC_PROTO_NONE, APP_WARC_TRUNC_NONE, "Home",
              true);
        /* the same page again, elsewhere: a revisit */
        FETCH("/index.html?b=2&a=1", "HTTP/1.1", h, page, plen, APP_WARC_PROTO_NONE,
              APP_WARC_TRUNC_NONE, "Home again", false);
    }
    /* chunked: same payload, so a revisit too (digests over de-chunked bytes) */
    FETCH("/chunked", "HTTP/1.1",
          "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n", ch,
          chlen, APP_WARC_PROTO_NONE, APP_WARC_TRUNC_NONE, "Chunked", false);
    /* gzip, and chunked + gzip (payloads: the gzip bytes; the second is a revisit) */
    {
        char h[256];

        snprintf(h, sizeof(h), "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                               "Content-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", gzlen);
        FETCH("/gzip", "HTTP/1.1", h, gz, gzlen, APP_WARC_PROTO_NONE, APP_WARC_TRUNC_NONE, "Gzip",
              false);
    }
    FETCH("/chunked-gzip", "HTTP/1.1",
          "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
          "Transfer-Encoding: chunked\r\n\r\n",
          chgz, chgzlen, APP_WARC_PROTO_NONE, APP_WARC_TRUNC_NONE, NULL, false);
    /* HTTP/2, as curl shows it */
    FETCH("/h2", "HTTP/2", "HTTP/2 200 \r\ncontent-type: text/html\r\nserver: h2o\r\n\r\n", big,
          biglen, APP_WARC_PROTO_H2, APP_WARC_TRUNC_NONE, "HTTP/2 page", false);
    /* cut for length, time and disconnect (the last inside a chunk) */
    {
        char h[256];

        snprintf(h, sizeof(h), "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                               "Content-Length: %zu\r\n\r\n", biglen);
        FETCH("/big", "HTTP/1.1", h, big, 4000, APP_WARC_PROTO_NONE, APP_WARC_TRUNC_LENGTH, NULL,
              false);
        FETCH("/slow", "HTTP/1.1", h, big, 9000, APP_WARC_PROTO_NONE, APP_WARC_TRUNC_TIME, NULL,
              false);
    }
    FETCH("/reset", "HTTP/1.1",
          "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n", ch,
          chlen / 2, APP_WARC_PROTO_NONE, APP_WARC_TRUNC_DISCONNECT, NULL, false);
    /* a redirect with no body, and a 404 */
    FETCH("/old", "HTTP/1.1",
          "HTTP/1.1 301 Moved Permanently\r\nLocation: /new\r\nContent-Length: 0\r\n\r\n", "", 0,
          APP_WARC_PROTO_NONE, APP_WARC_TRUNC_NONE, NULL, false);
    FETCH("/missing", "HTTP/1.1",
          "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\n",
          "not found", 9, APP_WARC_PROTO_NONE, APP_WARC_TRUNC_NONE, NULL, false);
    /* enough more pages for several files */
    {
        unsigned i;

        for (i = 0; i < 12; i++) {
            char path[64], h[256], title[32];
            size_t n;
            char *p = html(40 + i * 10, 100 + i, &n);

            snprintf(path, sizeof(path), "http://www.example.com/p/%u?session=%u", i, i % 3);
            snprintf(h, sizeof(h), "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                                   "Content-Length: %zu\r\n\r\n", n);
            snprintf(title, sizeof(title), "Page %u", i);
            req = request_for(path + 22, "HTTP/1.1");
            archive(path, req, h, p, n, APP_WARC_PROTO_NONE, APP_WARC_TRUNC_NONE, title, false);
            free(req);
            free(p);
        }
    }
#undef FETCH
    free(page);
    free(big);
    free(gz);
    free(ch);
    free(chgz);
}

static int setup_group(void **state)
{
    struct app_warcfile_opts o;
    char name[96];
    const char *paths[64];
    unsigned i;
    const struct app_wacz_info info = {.title = "interop", .created_ms = T0,
                                       .main_url = "http://example.com/", .main_ts_ms = T0 + 1500};

    (void)state;
    memset(&C, 0, sizeof(C));
    snprintf(C.dir, sizeof(C.dir), "/tmp/trawl-interop-XXXXXX");
    if (!mkdtemp(C.dir))
        return -1;
    snprintf(name, sizeof(name), "%s/crawl", C.dir);
    snprintf(C.cdxj, sizeof(C.cdxj), "%s/index.cdxj", C.dir);
    snprintf(C.wacz, sizeof(C.wacz), "%s/crawl.wacz", C.dir);
    app_warcfile_opts_init(&o);
    o.name = name;
    o.numbered = true;
    o.max_size = 12000;
    o.robots = "classic";
    o.options = "trawl crawl --warc crawl --warc-max-size 12000 http://example.com/";
    C.clock = T0;
    if (app_warcfile_open(&o, &C.wf) < 0 || app_cdxj_open(C.cdxj, &C.index) < 0 ||
        app_wacz_create(C.wacz, &C.pack) < 0 || app_dedup_create(0, &C.dedup) < 0 ||
        app_warcgz_create(0, &C.gz) < 0)
        return -1;
    crawl_all();
    if (app_warcfile_finish(C.wf) < 0 || app_cdxj_finish(C.index) < 0)
        return -1;
    C.nfiles = app_warcfile_count(C.wf);
    for (i = 0; i < C.nfiles && i < 64; i++) {
        snprintf(C.files[i], sizeof(C.files[i]), "%s", app_warcfile_path(C.wf, i));
        paths[i] = C.files[i];
    }
    if (app_wacz_finish(C.pack, &info, paths, C.nfiles, C.cdxj) < 0)
        return -1;
    app_cdxj_destroy(C.index); /* removes the unsorted index, kept until now */
    C.index = NULL;
    return 0;
}

static int teardown_group(void **state)
{
    char cmd[128];

    (void)state;
    app_warcfile_destroy(C.wf);
    app_cdxj_destroy(C.index);
    app_wacz_destroy(C.pack);
    app_dedup_destroy(C.dedup);
    app_warcgz_destroy(C.gz);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", C.dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void files_arg(struct core_buf *b)
{
    unsigned i;

    for (i = 0; i < C.nfiles; i++)
        assert_int_equal(core_buf_printf(b, " %s", C.files[i]), 0);
}

static int checker(const char *mode, const char *first)
{
    struct core_buf cmd;
    int rc;

    core_buf_init(&cmd, 1 << 16);
    assert_int_equal(core_buf_printf(&cmd, "node %s/tests/warcio/check.mjs %s %s", TRAWL_SOURCE_DIR,
                                     mode, first ? first : ""),
                     0);
    files_arg(&cmd);
    assert_int_equal(core_buf_puts(&cmd, " 2>&1"), 0);
    rc = warccheck_run(cmd.data);
    core_buf_free(&cmd);
    return rc;
}

static void test_interop_crawl_made_every_kind_of_record(void **state)
{
    (void)state;
    assert_true(C.nfiles >= 3);   /* rotation happened */
    assert_true(C.responses >= 10);
    assert_int_equal(C.revisits, 3);   /* /index.html, /chunked, /chunked-gzip */
    assert_true(C.metadata >= 10);
}

static void test_interop_files_rotated_and_none_left_open(void **state)
{
    struct stat st;
    char path[200];
    unsigned i;

    (void)state;
    for (i = 0; i < C.nfiles; i++) {
        snprintf(path, sizeof(path), "%s/crawl-%05u.warc.gz", C.dir, i);
        assert_string_equal(C.files[i], path);
        assert_int_equal(stat(path, &st), 0);
        snprintf(path, sizeof(path), "%s/crawl-%05u.warc.gz.open", C.dir, i);
        assert_int_not_equal(stat(path, &st), 0);
    }
    snprintf(path, sizeof(path), "test -z \"$(ls %s | grep -E '\\.(open|unsorted|pages)$')\"",
             C.dir);
    assert_int_equal(warccheck_run(path), 0);
}

static void test_interop_warcio_cdx_index_agrees_with_trawl_cdxj(void **state)
{
    (void)state;
    assert_int_equal(checker("cdx", C.cdxj), 0);
}

static void test_interop_digests_recomputed_by_an_independent_reader(void **state)
{
    (void)state;
    assert_int_equal(checker("digests", NULL), 0);
}

static void test_interop_every_file_passes_gzip_t(void **state)
{
    struct core_buf cmd;

    (void)state;
    core_buf_init(&cmd, 1 << 16);
    assert_int_equal(core_buf_puts(&cmd, "gzip -t"), 0);
    files_arg(&cmd);
    assert_int_equal(core_buf_puts(&cmd, " 2>&1"), 0);
    assert_int_equal(warccheck_run(cmd.data), 0);
    core_buf_free(&cmd);
}

static void test_interop_wacz_read_with_zipinfo_and_unzip(void **state)
{
    (void)state;
    assert_int_equal(checker("wacz", C.wacz), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interop_crawl_made_every_kind_of_record),
        cmocka_unit_test(test_interop_files_rotated_and_none_left_open),
        cmocka_unit_test(test_interop_warcio_cdx_index_agrees_with_trawl_cdxj),
        cmocka_unit_test(test_interop_digests_recomputed_by_an_independent_reader),
        cmocka_unit_test(test_interop_every_file_passes_gzip_t),
        cmocka_unit_test(test_interop_wacz_read_with_zipinfo_and_unzip),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
