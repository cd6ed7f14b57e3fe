/* tests/test_app_crawl_output.c: crawl records as JSONL and CSV lines: every field in order,
 * nulls and empty fields for unknown values, escaping and UTF-8 repair (JSONL parsed back with
 * jsmn, CSV with a small RFC 4180 reader), --skipped lines, timestamps, the format a path
 * implies, stdout, and errors at create, on write and at destroy. Each test works in its own
 * temporary directory, removed at teardown. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "app/export/crawl_output.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "tests/support/corotest.h"
#include "tests/support/jsonstr.h"

#define FFFD "\xEF\xBF\xBD"

static const char *const fields[] = {"url", "final_url", "depth", "parent", "status",
                                     "content_type", "bytes", "title", "links_found",
                                     "links_new", "fetch_ms", "error", "fetched_at",
                                     "attempts", "warc_file", "warc_offset"};
enum { NFIELDS = 16, TITLE = 7 };

static const char csv_header[] = "url,final_url,depth,parent,status,content_type,bytes,title,"
                                 "links_found,links_new,fetch_ms,error,fetched_at,attempts,"
                                 "warc_file,warc_offset\r\n";

struct fixture {
    char dir[64];    /* a fresh directory under /tmp */
    char path[128];  /* scratch path inside it */
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));

    if (!fx)
        return -1;
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/trawl-crawl-output-XXXXXX");
    if (!mkdtemp(fx->dir)) {
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    char cmd[128];
    int rc;

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    rc = system(cmd) == 0 ? 0 : -1;
    free(fx);
    return rc;
}

static const char *in_dir(struct fixture *fx, const char *name)
{
    snprintf(fx->path, sizeof(fx->path), "%s/%s", fx->dir, name);
    return fx->path;
}

/* Number of entries in dir, "." and ".." aside. */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    const struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

/* The whole content of path (an empty buffer still has data). */
static void slurp(const char *path, struct core_buf *b)
{
    char chunk[4096];
    ssize_t n;
    int fd = open(path, O_RDONLY);

    assert_true(fd >= 0);
    core_buf_reset(b);
    assert_int_equal(core_buf_append(b, "", 0), 0);
    while ((n = read(fd, chunk, sizeof(chunk))) > 0)
        assert_int_equal(core_buf_append(b, chunk, (size_t)n), 0);
    assert_int_equal(n, 0);
    close(fd);
}

/* Number of complete lines in b; fails if the last one has no newline. */
static int lines(const struct core_buf *b)
{
    size_t i;
    int n = 0;

    for (i = 0; i < b->len; i++)
        n += b->data[i] == '\n';
    assert_true(b->len == 0 || b->data[b->len - 1] == '\n');
    return n;
}

/* A page fetched and parsed: every field known. */
static struct crawl_record full_record(void)
{
    struct crawl_record r;

    memset(&r, 0, sizeof(r));
    r.url = "https://example.com/a";
    r.final_url = "https://example.com/b";
    r.depth = 2;
    r.parent = "https://example.com/";
    r.status = 200;
    r.content_type = "text/html; charset=utf-8";
    r.bytes = 12345;
    r.title = "Hello";
    r.links_found = 10;
    r.links_new = 3;
    r.fetch_ms = 12.5;
    r.error = NULL;
    r.fetched_at_ms = 1700000000123;   /* 2023-11-14T22:13:20.123Z */
    r.redirects = 1;
    r.attempts = 1;
    r.warc_file = "crawl.warc.gz";
    r.warc_offset = 4321;
    return r;
}

/* A seed that never got a response: everything unknown that can be. */
static struct crawl_record unknown_record(void)
{
    struct crawl_record r;

    memset(&r, 0, sizeof(r));
    r.url = "http://down.example/";
    r.final_url = NULL;
    r.parent = NULL;
    r.status = 0;
    r.content_type = "";
    r.title = NULL;
    r.links_found = -1;
    r.links_new = -1;
    r.fetch_ms = 0;
    r.error = "timeout";
    r.fetched_at_ms = 0;
    r.attempts = 3;
    return r;
}

/* Write the records to a new file of format fmt and read the file back into b. */
static void write_file(struct fixture *fx, enum file_format fmt, const struct crawl_record *r,
                       size_t n, struct core_buf *b)
{
    const char *path = in_dir(fx, fmt == FILE_FORMAT_CSV ? "out.csv" : "out.jsonl");
    struct crawl_output *o = NULL;
    size_t i;

    assert_int_equal(crawl_output_create(path, fmt, &o), 0);
    assert_non_null(o);
    for (i = 0; i < n; i++)
        assert_int_equal(crawl_output_write(o, &r[i]), 0);
    assert_int_equal(crawl_output_destroy(o), 0);
    slurp(path, b);
}

/* ---- JSON helpers --------------------------------------------------------------------------- */

/* Parse one JSONL line (without its '\n') as an object whose keys are want[0..nkeys) in that
 * order and whose values are scalars. t[2k + 2] is then the value of key k. */
static void parse_object(const char *line, size_t len, const char *const *want, int nkeys,
                         jsmntok_t *t, int ntok)
{
    jsmn_parser p;
    int n, k;

    /* a line is valid UTF-8 with no raw control byte (no raw newline in particular) */
    assert_true(core_utf8_is_valid(line, len));
    for (k = 0; (size_t)k < len; k++)
        assert_false((unsigned char)line[k] < 0x20 || line[k] == 0x7F);
    jsmn_init(&p);
    n = jsmn_parse(&p, line, len, t, (unsigned)ntok);
    if (n != 1 + 2 * nkeys)
        fail_msg("jsmn: %d tokens in %.*s", n, (int)len, line);
    assert_int_equal(t[0].type, JSMN_OBJECT);
    assert_int_equal(t[0].start, 0);
    assert_int_equal(t[0].end, (int)len);
    assert_int_equal(t[0].size, nkeys);
    for (k = 0; k < nkeys; k++) {
        const jsmntok_t *key = &t[1 + 2 * k], *val = &t[2 + 2 * k];

        assert_int_equal(key->type, JSMN_STRING);
        if ((size_t)(key->end - key->start) != strlen(want[k]) ||
            memcmp(line + key->start, want[k], strlen(want[k])) != 0)
            fail_msg("key %d is %.*s, want %s", k, key->end - key->start, line + key->start,
                     want[k]);
        assert_true(val->type == JSMN_STRING || val->type == JSMN_PRIMITIVE);
    }
}

/* The value of key k (as parsed by parse_object) is the JSON null literal. */
static bool is_null(const char *line, const jsmntok_t *t, int k)
{
    const jsmntok_t *v = &t[2 + 2 * k];

    return v->type == JSMN_PRIMITIVE && v->end - v->start == 4 &&
           memcmp(line + v->start, "null", 4) == 0;
}

/* ---- JSONL ---------------------------------------------------------------------------------- */

static void test_crawl_output_jsonl_every_field_in_order(void **state)
{
    struct fixture *fx = *state;
    const struct crawl_record r = full_record();
    const char *path = in_dir(fx, "out.jsonl");
    static const char want[] =
        "{\"url\":\"https://example.com/a\",\"final_url\":\"https://example.com/b\",\"depth\":2,"
        "\"parent\":\"https://example.com/\",\"status\":200,"
        "\"content_type\":\"text/html; charset=utf-8\",\"bytes\":12345,\"title\":\"Hello\","
        "\"links_found\":10,\"links_new\":3,\"fetch_ms\":12.50,\"error\":null,"
        "\"fetched_at\":\"2023-11-14T22:13:20.123Z\",\"attempts\":1,"
        "\"warc_file\":\"crawl.warc.gz\",\"warc_offset\":4321}\n";
    struct crawl_output *o;
    struct core_buf b;
    jsmntok_t t[64];
    int k;

    core_buf_init(&b, 1 << 20);
    assert_int_equal(crawl_output_create(path, FILE_FORMAT_JSONL, &o), 0);
    slurp(path, &b);
    assert_int_equal(b.len, 0);                           /* JSONL has no header */
    assert_int_equal(crawl_output_write(o, &r), 0);
    slurp(path, &b);                                      /* in the file before destroy */
    assert_string_equal(b.data, want);
    assert_int_equal(crawl_output_write(o, &r), 0);
    assert_int_equal(crawl_output_destroy(o), 0);
    slurp(path, &b);
    assert_int_equal(b.len, 2 * strlen(want));            /* one line per record */
    assert_memory_equal(b.data + strlen(want), want, strlen(want));

    parse_object(b.data, strlen(want) - 1, fields, NFIELDS, t, 64);
    for (k = 0; k < NFIELDS; k++)
        if (k != 11)                                      /* only error is unknown */
            assert_false(is_null(b.data, t, k));
    assert_true(is_null(b.data, t, 11));
    core_buf_free(&b);
}

static void test_crawl_output_jsonl_unknown_values_are_null(void **state)
{
    struct fixture *fx = *state;
    struct crawl_record r = unknown_record();
    static const char want[] =
        "{\"url\":\"http://down.example/\",\"final_url\":null,\"depth\":0,\"parent\":null,"
        "\"status\":null,\"content_type\":null,\"bytes\":0,\"title\":null,"
        "\"links_found\":null,\"links_new\":null,\"fetch_ms\":0.00,\"error\":\"timeout\","
        "\"fetched_at\":\"1970-01-01T00:00:00.000Z\",\"attempts\":3,"
        "\"warc_file\":null,\"warc_offset\":null}\n";
    /* url, final_url, parent, status, content_type, title, links_found, links_new */
    static const int nulls[] = {1, 3, 4, 5, 7, 8, 9, 14, 15};
    struct core_buf b;
    jsmntok_t t[64];
    size_t i;

    core_buf_init(&b, 1 << 20);
    write_file(fx, FILE_FORMAT_JSONL, &r, 1, &b);
    assert_string_equal(b.data, want);
    parse_object(b.data, b.len - 1, fields, NFIELDS, t, 64);
    for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
        assert_true(is_null(b.data, t, nulls[i]));

    /* a response without links parsed: status known, links still null; 0 links is a number */
    r.status = 404;
    r.links_found = 0;
    r.links_new = -1;
    write_file(fx, FILE_FORMAT_JSONL, &r, 1, &b);
    parse_object(b.data, b.len - 1, fields, NFIELDS, t, 64);
    assert_false(is_null(b.data, t, 4));
    assert_memory_equal(b.data + t[10].start, "404", 3);
    assert_false(is_null(b.data, t, 8));
    assert_int_equal(t[18].end - t[18].start, 1);
    assert_memory_equal(b.data + t[18].start, "0", 1);
    assert_true(is_null(b.data, t, 9));
    core_buf_free(&b);
}

static void test_crawl_output_jsonl_titles_escaped_and_repaired(void **state)
{
    /* titles a page can produce, and worse: each must come back as its UTF-8-repaired self */
    static const char *const titles[] = {
        "plain",
        "quote \" backslash \\ slash /",
        "line\nfeed\rreturn\ttab",
        "\x01\x02\x1f\x7f controls",
        "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80",
        "sep \xE2\x80\xA8 \xE2\x80\xA9 sep",
        "bad \xFF byte",
        "truncated \xC3",
        "overlong \xC0\xAF and surrogate \xED\xA0\x80",
        "\"}{\"injected\":1,\"x\":\"",
        "\\u0041 not an escape",
    };
    enum { N = sizeof(titles) / sizeof(titles[0]) };
    struct fixture *fx = *state;
    struct crawl_record r[N];
    struct core_buf b, got, want;
    jsmntok_t t[64];
    const char *line;
    size_t i;

    for (i = 0; i < N; i++) {
        r[i] = full_record();
        r[i].title = titles[i];
    }
    core_buf_init(&b, 1 << 20);
    core_buf_init(&got, 1 << 20);
    core_buf_init(&want, 1 << 20);
    write_file(fx, FILE_FORMAT_JSONL, r, N, &b);
    line = b.data;
    for (i = 0; i < N; i++) {
        const char *nl = strchr(line, '\n');

        assert_non_null(nl);
        parse_object(line, (size_t)(nl - line), fields, NFIELDS, t, 64);
        assert_int_equal(t[2 + 2 * TITLE].type, JSMN_STRING);
        jsonstr_unescape(line + t[2 + 2 * TITLE].start,
                 (size_t)(t[2 + 2 * TITLE].end - t[2 + 2 * TITLE].start), &got);
        core_buf_reset(&want);
        assert_int_equal(core_buf_append(&want, "", 0), 0);
        assert_int_equal(core_utf8_sanitize(titles[i], strlen(titles[i]), 0, &want), 0);
        if (got.len != want.len || memcmp(got.data, want.data, want.len) != 0)
            fail_msg("title %zu came back as \"%s\"", i, got.data);
        line = nl + 1;
    }
    assert_int_equal(*line, '\0');                        /* exactly N lines */

    /* the invalid bytes became U+FFFD */
    r[0].title = "a\xFF" "b";
    write_file(fx, FILE_FORMAT_JSONL, r, 1, &b);
    assert_non_null(strstr(b.data, "\"title\":\"a" FFFD "b\""));
    core_buf_free(&b);
    core_buf_free(&got);
    core_buf_free(&want);
}

/* ---- CSV ------------------------------------------------------------------------------------ */

/* Read one RFC 4180 row (CRLF-terminated) from s at *pos into f[0..max). Returns the number of
 * fields and moves *pos past the row. Fails the test on anything RFC 4180 does not allow. */
static size_t csv_row(const char *s, size_t len, size_t *pos, struct core_buf *f, size_t max)
{
    size_t n = 0, i = *pos;

    for (;;) {
        assert_true(n < max);
        core_buf_reset(&f[n]);
        assert_int_equal(core_buf_append(&f[n], "", 0), 0);
        if (i < len && s[i] == '"') {
            for (i++;; i++) {
                assert_true(i < len);                     /* unterminated quoted field */
                if (s[i] == '"') {
                    if (i + 1 < len && s[i + 1] == '"')
                        i++;                              /* "" is one quote */
                    else
                        break;
                }
                assert_int_equal(core_buf_putc(&f[n], s[i]), 0);
            }
            i++;
        } else {
            for (; i < len && s[i] != ',' && s[i] != '\r' && s[i] != '\n'; i++) {
                assert_true(s[i] != '"');                 /* a quote in an unquoted field */
                assert_int_equal(core_buf_putc(&f[n], s[i]), 0);
            }
        }
        n++;
        assert_true(i < len);
        if (s[i] == ',') {
            i++;
            continue;
        }
        assert_true(i + 1 < len && s[i] == '\r' && s[i + 1] == '\n');
        *pos = i + 2;
        return n;
    }
}

static void test_crawl_output_csv_header_and_rows(void **state)
{
    struct fixture *fx = *state;
    const struct crawl_record r[2] = {full_record(), unknown_record()};
    const char *path = in_dir(fx, "out.csv");
    static const char row_full[] =
        "https://example.com/a,https://example.com/b,2,https://example.com/,200,"
        "text/html; charset=utf-8,12345,Hello,10,3,12.50,,2023-11-14T22:13:20.123Z,1,"
        "crawl.warc.gz,4321\r\n";
    static const char row_unknown[] =
        "http://down.example/,,0,,,,0,,,,0.00,timeout,1970-01-01T00:00:00.000Z,3,,\r\n";
    struct crawl_output *o;
    struct core_buf b, want, f[NFIELDS + 1];
    size_t pos = 0, i;

    core_buf_init(&b, 1 << 20);
    core_buf_init(&want, 1 << 20);
    for (i = 0; i <= NFIELDS; i++)
        core_buf_init(&f[i], 1 << 20);

    /* the header is there as soon as the file is created, even with no record */
    assert_int_equal(crawl_output_create(path, FILE_FORMAT_CSV, &o), 0);
    slurp(path, &b);
    assert_string_equal(b.data, csv_header);
    assert_int_equal(crawl_output_destroy(o), 0);
    slurp(path, &b);
    assert_string_equal(b.data, csv_header);

    write_file(fx, FILE_FORMAT_CSV, r, 2, &b);
    assert_int_equal(core_buf_puts(&want, csv_header), 0);
    assert_int_equal(core_buf_puts(&want, row_full), 0);
    assert_int_equal(core_buf_puts(&want, row_unknown), 0);
    assert_string_equal(b.data, want.data);

    /* read back: the header names every field in order, rows have as many fields */
    assert_int_equal(csv_row(b.data, b.len, &pos, f, NFIELDS + 1), NFIELDS);
    for (i = 0; i < NFIELDS; i++)
        assert_string_equal(f[i].data, fields[i]);
    assert_int_equal(csv_row(b.data, b.len, &pos, f, NFIELDS + 1), NFIELDS);
    assert_int_equal(csv_row(b.data, b.len, &pos, f, NFIELDS + 1), NFIELDS);
    assert_int_equal(pos, b.len);
    core_buf_free(&b);
    core_buf_free(&want);
    for (i = 0; i <= NFIELDS; i++)
        core_buf_free(&f[i]);
}

static void test_crawl_output_csv_quotes_per_rfc4180(void **state)
{
    static const struct {
        const char *title;
        const char *field;   /* as written in the row */
    } cases[] = {
        {"plain title", "plain title"},
        {"a, b", "\"a, b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"line\nbreak", "\"line\nbreak\""},
        {"cr\rhere", "\"cr\rhere\""},
        {"crlf\r\nhere", "\"crlf\r\nhere\""},
        {"\"", "\"\"\"\""},
        {",", "\",\""},
        {" padded ", "\" padded \""},
        {"bad \xFF byte", "bad " FFFD " byte"},
    };
    enum { N = sizeof(cases) / sizeof(cases[0]) };
    struct fixture *fx = *state;
    struct crawl_record r[N];
    struct core_buf b, want, f[NFIELDS + 1];
    char prefix[128], suffix[128];
    size_t pos = 0, i, k;

    core_buf_init(&b, 1 << 20);
    core_buf_init(&want, 1 << 20);
    for (i = 0; i <= NFIELDS; i++)
        core_buf_init(&f[i], 1 << 20);
    for (i = 0; i < N; i++) {
        r[i] = full_record();
        r[i].title = cases[i].title;
    }
    write_file(fx, FILE_FORMAT_CSV, r, N, &b);

    /* the exact bytes: only the title field differs from row to row */
    snprintf(prefix, sizeof(prefix), "https://example.com/a,https://example.com/b,2,"
                                     "https://example.com/,200,text/html; charset=utf-8,12345,");
    snprintf(suffix, sizeof(suffix),
             ",10,3,12.50,,2023-11-14T22:13:20.123Z,1,crawl.warc.gz,4321\r\n");
    assert_int_equal(core_buf_puts(&want, csv_header), 0);
    for (i = 0; i < N; i++) {
        assert_int_equal(core_buf_puts(&want, prefix), 0);
        assert_int_equal(core_buf_puts(&want, cases[i].field), 0);
        assert_int_equal(core_buf_puts(&want, suffix), 0);
    }
    assert_int_equal(b.len, want.len);
    assert_string_equal(b.data, want.data);

    /* and a reader gets every title back, with 14 fields per row */
    assert_int_equal(csv_row(b.data, b.len, &pos, f, NFIELDS + 1), NFIELDS);
    for (i = 0; i < N; i++) {
        assert_int_equal(csv_row(b.data, b.len, &pos, f, NFIELDS + 1), NFIELDS);
        core_buf_reset(&want);
        assert_int_equal(core_buf_append(&want, "", 0), 0);
        assert_int_equal(
            core_utf8_sanitize(cases[i].title, strlen(cases[i].title), 0, &want), 0);
        assert_string_equal(f[TITLE].data, want.data);
        for (k = 0; k < NFIELDS; k++)
            if (k != TITLE)
                assert_true(strchr(f[k].data, '"') == NULL);
    }
    assert_int_equal(pos, b.len);
    core_buf_free(&b);
    core_buf_free(&want);
    for (i = 0; i <= NFIELDS; i++)
        core_buf_free(&f[i]);
}

static void test_crawl_output_format_for_path(void **state)
{
    static const struct {
        const char *path;
        enum file_format fmt;
    } cases[] = {
        {"out.csv", FILE_FORMAT_CSV},
        {"/some/dir/crawl.csv", FILE_FORMAT_CSV},
        {"OUT.CSV", FILE_FORMAT_CSV},
        {"mixed.Csv", FILE_FORMAT_CSV},
        {".csv", FILE_FORMAT_CSV},
        {"out.jsonl", FILE_FORMAT_JSONL},
        {"out.json", FILE_FORMAT_JSONL},
        {"out.csv.gz", FILE_FORMAT_JSONL},
        {"out.tsv", FILE_FORMAT_JSONL},
        {"outcsv", FILE_FORMAT_JSONL},
        {"csv", FILE_FORMAT_JSONL},
        {"csv/out", FILE_FORMAT_JSONL},
        {"out.csv/", FILE_FORMAT_JSONL},
        {"-", FILE_FORMAT_JSONL},
        {"", FILE_FORMAT_JSONL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (file_format_for_path(cases[i].path) != cases[i].fmt)
            fail_msg("%s: wrong format", cases[i].path);
}

/* ---- --skipped lines ------------------------------------------------------------------------ */

static void test_crawl_output_skip_lines(void **state)
{
    static const char *const skip_keys[] = {"url", "parent", "reason"};
    struct fixture *fx = *state;
    const char *path = in_dir(fx, "skipped.jsonl");
    static const char want[] =
        "{\"url\":\"https://example.com/private\",\"parent\":\"https://example.com/\","
        "\"reason\":\"robots\"}\n"
        "{\"url\":\"https://seed.example/\",\"parent\":null,\"reason\":\"max_pages\"}\n"
        "{\"url\":\"mailto:a\\\"b" FFFD "\",\"parent\":\"https://example.com/\","
        "\"reason\":\"scheme\"}\n";
    struct crawl_output *o;
    struct core_buf b;
    jsmntok_t t[16];
    const char *line;
    int i;

    core_buf_init(&b, 1 << 20);
    assert_int_equal(crawl_output_create(path, FILE_FORMAT_JSONL, &o), 0);
    assert_int_equal(
        crawl_output_skip(o, "https://example.com/private", "https://example.com/", "robots"), 0);
    assert_int_equal(crawl_output_skip(o, "https://seed.example/", NULL, "max_pages"), 0);
    assert_int_equal(crawl_output_skip(o, "mailto:a\"b\xFF", "https://example.com/", "scheme"),
                     0);
    assert_int_equal(crawl_output_destroy(o), 0);
    slurp(path, &b);
    assert_string_equal(b.data, want);
    for (i = 0, line = b.data; i < 3; i++) {
        const char *nl = strchr(line, '\n');

        assert_non_null(nl);
        parse_object(line, (size_t)(nl - line), skip_keys, 3, t, 16);
        assert_int_equal(is_null(line, t, 1), i == 1);
        line = nl + 1;
    }
    core_buf_free(&b);
}

/* ---- timestamps ----------------------------------------------------------------------------- */

static void test_crawl_output_format_time_exact(void **state)
{
    static const struct {
        int64_t ms;
        const char *want;
    } cases[] = {
        {0, "1970-01-01T00:00:00.000Z"},
        {1, "1970-01-01T00:00:00.001Z"},
        {999, "1970-01-01T00:00:00.999Z"},
        {1000, "1970-01-01T00:00:01.000Z"},
        {1700000000123, "2023-11-14T22:13:20.123Z"},
        {1709164800000, "2024-02-29T00:00:00.000Z"},   /* leap day */
        {1709251199999, "2024-02-29T23:59:59.999Z"},   /* its last millisecond */
        {1709251200000, "2024-03-01T00:00:00.000Z"},
        {951782400042, "2000-02-29T00:00:00.042Z"},    /* century leap year */
        {4102444799999, "2099-12-31T23:59:59.999Z"},
        {1735689599000, "2024-12-31T23:59:59.000Z"},   /* day 366 */
    };
    char buf[25], big[64];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(buf, 'x', sizeof(buf));
        crawl_format_time(cases[i].ms, buf, sizeof(buf));  /* 25 bytes are enough */
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("%lld: got %s, want %s", (long long)cases[i].ms, buf, cases[i].want);
        crawl_format_time(cases[i].ms, big, sizeof(big));
        assert_string_equal(big, cases[i].want);
    }
}

/* ---- stdout --------------------------------------------------------------------------------- */

static void test_crawl_output_dash_is_stdout(void **state)
{
    struct fixture *fx = *state;
    const struct crawl_record r = full_record();
    struct crawl_output *o = NULL;
    struct core_buf b;
    char path[128];
    int fd, saved, rc, still_open;

    core_buf_init(&b, 1 << 20);
    snprintf(path, sizeof(path), "%s", in_dir(fx, "stdout.txt"));
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    fflush(stdout);
    saved = dup(STDOUT_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
    close(fd);

    rc = crawl_output_create("-", FILE_FORMAT_CSV, &o);
    if (rc == 0)
        rc = crawl_output_write(o, &r);
    if (rc == 0)
        rc = crawl_output_skip(o, "https://x.example/", NULL, "depth");
    if (o)
        rc = rc ? rc : crawl_output_destroy(o);
    still_open = fcntl(STDOUT_FILENO, F_GETFD) >= 0;  /* left open for whoever writes next */

    assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
    close(saved);
    assert_int_equal(rc, 0);
    assert_true(still_open);
    assert_int_equal(entries(fx->dir), 1);                /* "-" is not a file name here */
    slurp(path, &b);
    assert_true(strncmp(b.data, csv_header, strlen(csv_header)) == 0);
    assert_non_null(strstr(b.data, "\r\nhttps://example.com/a,https://example.com/b,2,"));
    assert_non_null(strstr(b.data, "{\"url\":\"https://x.example/\",\"parent\":null,"
                                   "\"reason\":\"depth\"}\n"));
    core_buf_free(&b);
}

/* ---- errors --------------------------------------------------------------------------------- */

static void test_crawl_output_unwritable_path_fails_at_create(void **state)
{
    struct fixture *fx = *state;
    struct crawl_output *o = (struct crawl_output *)0x1;
    char file[128];
    int fmt, fd;

    snprintf(file, sizeof(file), "%s", in_dir(fx, "plain"));
    fd = open(file, O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    close(fd);
    for (fmt = FILE_FORMAT_JSONL; fmt <= FILE_FORMAT_CSV; fmt++) {
        assert_int_equal(crawl_output_create(in_dir(fx, "missing/out.csv"),
                                             (enum file_format)fmt, &o), -ENOENT);
        assert_int_equal(crawl_output_create(in_dir(fx, "plain/out.csv"),
                                             (enum file_format)fmt, &o), -ENOTDIR);
        assert_int_equal(crawl_output_create(fx->dir, (enum file_format)fmt, &o), -EISDIR);
        assert_ptr_equal(o, (struct crawl_output *)0x1); /* *out untouched on failure */
        assert_int_equal(entries(fx->dir), 1);           /* only "plain": nothing created */
    }
    /* CSV writes its header at create, so a full device fails there */
    assert_int_equal(crawl_output_create("/dev/full", FILE_FORMAT_CSV, &o), -ENOSPC);
    assert_ptr_equal(o, (struct crawl_output *)0x1);
    assert_int_equal(crawl_output_destroy(NULL), 0);
}

static void test_crawl_output_destroy_returns_first_write_error(void **state)
{
    struct fixture *fx = *state;
    struct crawl_record r = full_record();
    const char *path = in_dir(fx, "out.jsonl");
    struct crawl_output *o;
    struct core_buf b;

    /* a full device: every write fails, and destroy says so */
    assert_int_equal(crawl_output_create("/dev/full", FILE_FORMAT_JSONL, &o), 0);
    assert_int_equal(crawl_output_write(o, &r), -ENOSPC);
    assert_int_equal(crawl_output_skip(o, "https://x.example/", NULL, "depth"), -ENOSPC);
    assert_int_equal(crawl_output_destroy(o), -ENOSPC);

    /* a record that cannot be formatted (fetch_ms is not a JSON number) fails alone, leaves
     * nothing in the file, and is the error destroy reports even though later writes work */
    core_buf_init(&b, 1 << 20);
    assert_int_equal(crawl_output_create(path, FILE_FORMAT_JSONL, &o), 0);
    assert_int_equal(crawl_output_write(o, &r), 0);
    r.fetch_ms = NAN;
    assert_int_equal(crawl_output_write(o, &r), -EINVAL);
    r.fetch_ms = 1.0;
    assert_int_equal(crawl_output_write(o, &r), 0);
    assert_int_equal(crawl_output_destroy(o), -EINVAL);
    slurp(path, &b);
    assert_non_null(strstr(b.data, "\"fetch_ms\":12.50,"));
    assert_non_null(strstr(b.data, "\"fetch_ms\":1.00,"));
    assert_null(strstr(b.data, "nan"));
    assert_int_equal(lines(&b), 2);
    core_buf_free(&b);
}

/* Fail allocation N in turn: create, write or skip returns -ENOMEM, destroy reports it, and
 * nothing leaks (ASan). */
static void test_crawl_output_out_of_memory(void **state)
{
    struct fixture *fx = *state;
    const struct crawl_record r = full_record();
    int fmt;

    for (fmt = FILE_FORMAT_JSONL; fmt <= FILE_FORMAT_CSV; fmt++) {
        long n;
        bool done = false;

        for (n = 0; !done; n++) {
            const char *path = in_dir(fx, "oom.out");
            struct crawl_output *o = (struct crawl_output *)0x1;
            unsigned long before;
            int rc;

            assert_true(n < 1000);
            before = core_mem_allocs();
            core_mem_fail_after(n);
            rc = crawl_output_create(path, (enum file_format)fmt, &o);
            if (rc < 0) {
                core_mem_fail_after(-1);
                assert_int_equal(rc, -ENOMEM);
                assert_ptr_equal(o, (struct crawl_output *)0x1);
                continue;
            }
            rc = crawl_output_write(o, &r);
            if (rc == 0)
                rc = crawl_output_skip(o, "https://x.example/", NULL, "depth");
            core_mem_fail_after(-1);
            done = core_mem_allocs() - before <= (unsigned long)n; /* no failure was due */
            if (done) {
                assert_int_equal(rc, 0);
                assert_int_equal(crawl_output_destroy(o), 0);
            } else {
                assert_int_equal(rc, -ENOMEM);
                assert_int_equal(crawl_output_destroy(o), -ENOMEM);
            }
        }
        assert_true(n >= 3);   /* object, file, line buffer: each failed once */
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_crawl_output_jsonl_every_field_in_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_crawl_output_jsonl_unknown_values_are_null, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_crawl_output_jsonl_titles_escaped_and_repaired,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_crawl_output_csv_header_and_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crawl_output_csv_quotes_per_rfc4180, setup,
                                        teardown),
        cmocka_unit_test(test_crawl_output_format_for_path),
        cmocka_unit_test_setup_teardown(test_crawl_output_skip_lines, setup, teardown),
        cmocka_unit_test(test_crawl_output_format_time_exact),
        cmocka_unit_test_setup_teardown(test_crawl_output_dash_is_stdout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crawl_output_unwritable_path_fails_at_create, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_crawl_output_destroy_returns_first_write_error,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_crawl_output_out_of_memory, setup, teardown),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
