/* tests/test_app_lines.c: the incremental line splitter, checked against a simple reference
 * splitter of the whole input for every way of cutting it into chunks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/orders/lines.h"
#include "core/mem.h"
#include "tests/support/corotest.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

enum { MAXREC = 256 };

struct rec {
    char text[64];   /* enough for the samples (checked) */
    size_t len;
    uint64_t lineno;
    bool too_long;
    bool had_bom;
};

struct recs {
    struct rec r[MAXREC];
    size_t n;
};

static void add(struct recs *out, const char *text, size_t len, uint64_t lineno, bool too_long,
                bool had_bom)
{
    struct rec *r;

    assert_true(out->n < MAXREC);
    assert_true(len <= sizeof(r->text));
    r = &out->r[out->n++];
    memcpy(r->text, text, len);
    r->len = len;
    r->lineno = lineno;
    r->too_long = too_long;
    r->had_bom = had_bom;
}

/* The rules of lines.h applied to the whole input at once. */
static void reference(const char *in, size_t len, size_t max, struct recs *out)
{
    size_t start = 0, i;
    uint64_t lineno = 1;
    bool bom = false;

    out->n = 0;
    if (len >= 3 && memcmp(in, "\xEF\xBB\xBF", 3) == 0) {
        bom = true;
        start = 3;
    }
    for (i = start; i <= len; i++) {
        size_t n;

        if (i < len && in[i] != '\n')
            continue;
        n = i - start;
        if (i == len && n == 0)
            break;                     /* nothing after the last LF */
        if (i < len && n > 0 && in[i - 1] == '\r')
            n--;                       /* CRLF */
        add(out, in + start, n > max ? max : n, lineno, n > max, lineno == 1 && bom);
        lineno++;
        start = i + 1;
    }
}

/* Feed in[0..len) in chunks whose sizes come from sizes[] (cycled; 0 = the rest), draining
 * after each, with the eof flag on the last chunk or on an extra empty chunk. */
static void run(const char *in, size_t len, size_t max, const size_t *sizes, size_t nsizes,
                bool empty_eof_chunk, struct recs *out)
{
    struct lines *l;
    struct lines_line line;
    size_t pos = 0, k = 0;
    int rc;

    out->n = 0;
    assert_int_equal(lines_create(max, &l), 0);
    for (;;) {
        size_t n = nsizes ? sizes[k++ % nsizes] : 0;
        bool eof;
        char *copy;

        if (n == 0 || n > len - pos)
            n = len - pos;
        eof = pos + n == len && !empty_eof_chunk;
        /* an exact-size heap copy, so that ASan catches a read past the chunk */
        copy = test_malloc(n ? n : 1);
        memcpy(copy, in + pos, n);
        assert_int_equal(lines_feed(l, copy, n, eof), 0);
        while ((rc = lines_next(l, &line)) == 1)
            add(out, line.text, line.len, line.lineno, line.too_long, line.had_bom);
        assert_int_equal(rc, 0);
        test_free(copy);
        pos += n;
        if (eof)
            break;
        if (pos == len) {
            assert_int_equal(lines_feed(l, NULL, 0, true), 0);
            while ((rc = lines_next(l, &line)) == 1)
                add(out, line.text, line.len, line.lineno, line.too_long, line.had_bom);
            assert_int_equal(rc, 0);
            break;
        }
    }
    assert_true(lines_buffer_capacity(l) <= (max ? max : LINES_DEFAULT_MAX) + 2);
    /* after eof: nothing more, and feeding again is refused */
    assert_int_equal(lines_next(l, &line), 0);
    assert_int_equal(lines_feed(l, "x", 1, true), -EINVAL);
    lines_destroy(l);
}

static void expect_same(const struct recs *got, const struct recs *want, const char *what)
{
    size_t i;

    if (got->n != want->n)
        fail_msg("%s: %zu lines, want %zu", what, got->n, want->n);
    for (i = 0; i < want->n; i++) {
        const struct rec *g = &got->r[i], *w = &want->r[i];

        if (g->len != w->len || memcmp(g->text, w->text, w->len) != 0 || g->lineno != w->lineno ||
            g->too_long != w->too_long || g->had_bom != w->had_bom)
            fail_msg("%s: line %zu: got '%.*s' #%llu long=%d bom=%d, want '%.*s' #%llu long=%d "
                     "bom=%d", what, i, (int)g->len, g->text, (unsigned long long)g->lineno,
                     g->too_long, g->had_bom, (int)w->len, w->text,
                     (unsigned long long)w->lineno, w->too_long, w->had_bom);
    }
}

static const struct {
    const char *text;
    size_t max;
} samples[] = {
    {"", 8},
    {"\n", 8},
    {"a", 8},
    {"a\n", 8},
    {"a\nb", 8},
    {"one\ntwo\r\nthree\n\n\r\nfour", 8},
    {"\r\n\r\n", 8},
    {"cr\rinside\r\nend\r", 16},                /* lone CRs are data, also at the end */
    {"\xEF\xBB\xBF{\"a\":1}\n{\"b\":2}\n", 16},  /* BOM */
    {"\xEF\xBB\xBF", 16},                        /* only a BOM: no line */
    {"\xEF\xBB\xBF\n", 16},                      /* BOM then an empty line */
    {"\xEF\xBB", 16},                            /* half a BOM is data */
    {"\xEF\xBBx\n\xEF\xBB\xBF", 16},             /* a BOM after the start is data */
    {"x\xEF\xBB\xBF\n", 16},
    {"\xEF\n", 16},
    {"12345678\n123456789\n1234567\r\n12345678\r\n123456789\r\n", 8},  /* at the limit */
    {"way too long line\nok\n", 8},             /* too long at the start */
    {"ok\nway too long line\nok\n", 8},         /* middle */
    {"ok\nway too long line", 8},               /* end, no LF */
    {"ok\nway too long line\r\n", 8},
    {"12345678\r", 8},                          /* CR kept at the end: 9 bytes, too long */
    {"1234567\r", 8},
    {"123456789\r\n", 8},
    {"\xEF\xBB\xBF" "12345678\n", 8},           /* the BOM does not count */
    {"\xEF\xBB\xBF" "123456789\n", 8},
    {"\xEF\xBB" "12345678\n", 8},               /* half a BOM counts */
    {"a\n\nb\n\n", 1},
    {"ab\nc\r\n\r\n", 1},
};

static void test_lines_every_two_way_split(void **state)
{
    struct recs *want = test_malloc(sizeof(*want)), *got = test_malloc(sizeof(*got));
    size_t i, cut;
    char what[64];

    (void)state;
    for (i = 0; i < ARRAY_LEN(samples); i++) {
        const size_t len = strlen(samples[i].text);

        reference(samples[i].text, len, samples[i].max, want);
        for (cut = 0; cut <= len; cut++) {
            const size_t sizes[2] = {cut, 0};

            snprintf(what, sizeof(what), "sample %zu cut %zu", i, cut);
            run(samples[i].text, len, samples[i].max, sizes, cut ? 2 : 1, false, got);
            expect_same(got, want, what);
            run(samples[i].text, len, samples[i].max, sizes, cut ? 2 : 1, true, got);
            expect_same(got, want, what);
        }
    }
    test_free(want);
    test_free(got);
}

static void test_lines_one_byte_and_odd_chunks(void **state)
{
    static const size_t patterns[][4] = {{1}, {2}, {3}, {1, 2}, {5, 1, 3}, {7, 7, 1, 2}};
    struct recs *want = test_malloc(sizeof(*want)), *got = test_malloc(sizeof(*got));
    size_t i, p;
    char what[64];

    (void)state;
    for (i = 0; i < ARRAY_LEN(samples); i++) {
        const size_t len = strlen(samples[i].text);

        reference(samples[i].text, len, samples[i].max, want);
        for (p = 0; p < ARRAY_LEN(patterns); p++) {
            size_t n = 0;

            while (n < 4 && patterns[p][n])
                n++;
            snprintf(what, sizeof(what), "sample %zu pattern %zu", i, p);
            run(samples[i].text, len, samples[i].max, patterns[p], n, p & 1, got);
            expect_same(got, want, what);
        }
    }
    test_free(want);
    test_free(got);
}

static void test_lines_nul_bytes_and_random_mixes(void **state)
{
    static const char alphabet[] = "ab\r\n\n\xEF\xBB\xBF";
    struct recs *want = test_malloc(sizeof(*want)), *got = test_malloc(sizeof(*got));
    uint64_t seed = 42;
    char in[96];
    size_t round, i, len, sizes[3];

    (void)state;
    /* NUL in the middle of lines (strlen would cut the samples above) */
    reference("a\0b\nc\0\n", 7, 8, want);
    assert_int_equal(want->n, 2);
    assert_int_equal(want->r[0].len, 3);
    sizes[0] = 1;
    run("a\0b\nc\0\n", 7, 8, sizes, 1, false, got);
    expect_same(got, want, "nul");

    for (round = 0; round < 4000; round++) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        len = (size_t)(seed >> 33) % sizeof(in);
        for (i = 0; i < len; i++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            in[i] = alphabet[(seed >> 33) % (sizeof(alphabet) - 1)];
        }
        for (i = 0; i < 3; i++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            sizes[i] = 1 + (size_t)(seed >> 33) % 9;
        }
        reference(in, len, 1 + round % 7, want);
        run(in, len, 1 + round % 7, sizes, 3, round & 1, got);
        expect_same(got, want, "random");
    }
    test_free(want);
    test_free(got);
}

/* 100 MB of lines, some far too long, in 64 KiB chunks: every line comes out with the right
 * number and the splitter's buffer never grows past max_line + 2 bytes. */
static void test_lines_100mb_stream_stays_flat(void **state)
{
    enum { CHUNK = 64 * 1024, MAXLINE = 4096 };
    const uint64_t total = 100u * 1000 * 1000;
    char *chunk = test_malloc(CHUNK);
    struct lines *l;
    struct lines_line line;
    uint64_t produced = 0, want_lines = 0, got_lines = 0, got_long = 0, want_long = 0;
    uint64_t cur = 0;        /* length of the line being generated so far */
    uint64_t target = 100;   /* length of the line being generated */
    uint64_t k = 0;
    int rc;

    (void)state;
    assert_int_equal(lines_create(MAXLINE, &l), 0);
    while (produced < total) {
        size_t i;

        for (i = 0; i < CHUNK; i++) {
            if (cur == target) {
                chunk[i] = '\n';
                want_lines++;
                want_long += target > MAXLINE;
                cur = 0;
                k++;
                /* mostly ~100-byte lines, every 997th one 1 MB, every 13th exactly MAXLINE */
                target = k % 997 == 0 ? 1000000 : k % 13 == 0 ? MAXLINE : 50 + k % 150;
            } else {
                chunk[i] = (char)('a' + (cur + k) % 26);
                cur++;
            }
        }
        produced += CHUNK;
        assert_int_equal(lines_feed(l, chunk, CHUNK, false), 0);
        while ((rc = lines_next(l, &line)) == 1) {
            got_lines++;
            assert_true(line.lineno == got_lines);
            assert_true(line.len <= MAXLINE);
            got_long += line.too_long;
            if (line.too_long)
                assert_int_equal(line.len, MAXLINE);
        }
        assert_int_equal(rc, 0);
        assert_true(lines_buffer_capacity(l) <= MAXLINE + 2);
    }
    assert_int_equal(lines_feed(l, NULL, 0, true), 0);
    while ((rc = lines_next(l, &line)) == 1) {
        got_lines++;
        got_long += line.too_long;
    }
    assert_int_equal(rc, 0);
    /* the unfinished last line counts too (it is not empty: cur > 0 or a fresh line) */
    if (cur > 0) {
        want_lines++;
        want_long += cur > MAXLINE;
    }
    assert_true(got_lines == want_lines);
    assert_true(got_long == want_long);
    print_message("%llu lines, %llu too long, %llu bytes\n", (unsigned long long)got_lines,
                  (unsigned long long)got_long, (unsigned long long)produced);
    assert_true(want_long > 0);
    lines_destroy(l);
    test_free(chunk);
}

static void test_lines_empty_input_and_misuse(void **state)
{
    struct lines *l;
    struct lines_line line;

    (void)state;
    assert_int_equal(lines_create(0, &l), 0);
    assert_int_equal(lines_feed(l, NULL, 0, false), 0);
    assert_int_equal(lines_next(l, &line), 0);
    assert_int_equal(lines_feed(l, NULL, 0, true), 0);
    assert_int_equal(lines_next(l, &line), 0);
    assert_int_equal(lines_next(l, &line), 0);
    assert_int_equal(lines_buffer_capacity(l), 0);
    assert_int_equal(lines_feed(l, "a\n", 2, false), -EINVAL);
    lines_destroy(l);
    lines_destroy(NULL);

    /* feeding before the previous chunk is drained is refused, and nothing is lost */
    assert_int_equal(lines_create(16, &l), 0);
    assert_int_equal(lines_feed(l, "a\nb\n", 4, false), 0);
    assert_int_equal(lines_next(l, &line), 1);
    assert_int_equal(lines_feed(l, "c\n", 2, true), -EBUSY);
    assert_int_equal(lines_next(l, &line), 1);
    assert_memory_equal(line.text, "b", 1);
    assert_int_equal(lines_next(l, &line), 0);
    assert_int_equal(lines_feed(l, "c\n", 2, true), 0);
    assert_int_equal(lines_next(l, &line), 1);
    assert_memory_equal(line.text, "c", 1);
    assert_true(line.lineno == 3);
    assert_int_equal(lines_next(l, &line), 0);
    lines_destroy(l);

    assert_int_equal(lines_create(SIZE_MAX / 2, &l), -EINVAL);
}

static void test_lines_nomem_can_be_retried(void **state)
{
    struct lines *l;
    struct lines_line line;
    int rc, n;

    (void)state;
    core_mem_fail_after(0);
    assert_int_equal(lines_create(16, &l), -ENOMEM);
    assert_int_equal(lines_create(16, &l), 0);
    assert_int_equal(lines_feed(l, "ab", 2, false), 0);
    core_mem_fail_after(0);
    assert_int_equal(lines_next(l, &line), -ENOMEM);   /* keeping "ab" needs the buffer */
    assert_int_equal(lines_next(l, &line), 0);
    assert_int_equal(lines_feed(l, "c\nd", 3, true), 0);
    for (n = 0; (rc = lines_next(l, &line)) != 0; n++) {
        assert_int_equal(rc, 1);
        assert_memory_equal(line.text, n == 0 ? "abc" : "d", line.len);
    }
    assert_int_equal(n, 2);
    lines_destroy(l);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_every_two_way_split),
        cmocka_unit_test(test_lines_one_byte_and_odd_chunks),
        cmocka_unit_test(test_lines_nul_bytes_and_random_mixes),
        cmocka_unit_test(test_lines_100mb_stream_stays_flat),
        cmocka_unit_test(test_lines_empty_input_and_misuse),
        cmocka_unit_test(test_lines_nomem_can_be_retried),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
