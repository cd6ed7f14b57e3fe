/* tests/test_app_csvw.c: the RFC 4180 CSV writer (quoting, UTF-8 repair, errors, and a round
 * trip through a strict RFC 4180 reader written here). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app/export/csvw.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "tests/support/corotest.h"

#define FFFD "\xEF\xBF\xBD"

/* One row of the given NUL-terminated fields. */
static void row(struct csvw *w, const char *const *f, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        assert_int_equal(csvw_field(w, f[i], strlen(f[i])), 0);
    assert_int_equal(csvw_end_row(w), 0);
}

static void test_csvw_quoting_rules(void **state)
{
    static const struct { const char *in, *out; } cases[] = {
        {"plain", "plain"},
        {"in side", "in side"},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"\"", "\"\"\"\""},
        {"line\nbreak", "\"line\nbreak\""},
        {"cr\r", "\"cr\r\""},
        {"crlf\r\n", "\"crlf\r\n\""},
        {" lead", "\" lead\""},
        {"trail ", "\"trail \""},
        {"\ttab", "\"\ttab\""},
        {"tab\t", "\"tab\t\""},
        {" ", "\" \""},
        {"=SUM(A1:A9)", "=SUM(A1:A9)"},   /* formulas are data: not altered (see csvw.h) */
        {"-3", "-3"},
        {"caf\xC3\xA9", "caf\xC3\xA9"},
        {"semi;colon", "semi;colon"},
    };
    struct core_buf b;
    struct csvw w;
    char want[64];
    size_t i;

    (void)state;
    core_buf_init(&b, 4096);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *f[3] = {"x", cases[i].in, "y"};

        core_buf_reset(&b);
        csvw_init(&w, &b);
        row(&w, f, 3);
        snprintf(want, sizeof(want), "x,%s,y\r\n", cases[i].out);
        if (strcmp(b.data, want) != 0)
            fail_msg("case %zu: got [%s], want [%s]", i, b.data, want);
    }
    core_buf_free(&b);
}

static void test_csvw_invalid_utf8_repaired(void **state)
{
    struct core_buf b;
    struct csvw w;

    (void)state;
    core_buf_init(&b, 4096);
    csvw_init(&w, &b);
    assert_int_equal(csvw_field(&w, "a\xFF" "b", 3), 0);
    assert_int_equal(csvw_field(&w, "\xC3,", 2), 0);
    assert_int_equal(csvw_field(&w, "\"\xE2\x82", 3), 0);
    assert_int_equal(csvw_field(&w, "nul\0x", 5), 0);  /* controls other than CR/LF are data */
    assert_int_equal(csvw_end_row(&w), 0);
    assert_int_equal(b.len, strlen("a" FFFD "b,\"" FFFD ",\",\"\"\"" FFFD "\",nul") + 4);
    assert_memory_equal(b.data, "a" FFFD "b,\"" FFFD ",\",\"\"\"" FFFD "\",nul\0x\r\n", b.len);
    assert_true(core_utf8_is_valid(b.data, b.len));
    core_buf_free(&b);
}

static void test_csvw_empty_fields_and_rows(void **state)
{
    struct core_buf b;
    struct csvw w;

    (void)state;
    core_buf_init(&b, 4096);
    csvw_init(&w, &b);
    assert_int_equal(csvw_field(&w, "", 0), 0);
    assert_int_equal(csvw_end_row(&w), 0);               /* one empty field: "" */
    assert_int_equal(csvw_field(&w, "", 0), 0);
    assert_int_equal(csvw_field(&w, "", 0), 0);
    assert_int_equal(csvw_end_row(&w), 0);               /* two: just the comma */
    assert_int_equal(csvw_end_row(&w), -EINVAL);         /* no field at all */
    assert_int_equal(csvw_field(&w, "a", 1), 0);
    assert_int_equal(csvw_field(&w, "", 0), 0);
    assert_int_equal(csvw_end_row(&w), 0);
    assert_string_equal(b.data, "\"\"\r\n,\r\na,\r\n");
    core_buf_free(&b);
}

static void test_csvw_integer_fields(void **state)
{
    struct core_buf b;
    struct csvw w;

    (void)state;
    core_buf_init(&b, 4096);
    csvw_init(&w, &b);
    assert_int_equal(csvw_field_int(&w, INT64_MIN), 0);
    assert_int_equal(csvw_field_int(&w, 0), 0);
    assert_int_equal(csvw_field_int(&w, INT64_MAX), 0);
    assert_int_equal(csvw_end_row(&w), 0);
    assert_string_equal(b.data, "-9223372036854775808,0,9223372036854775807\r\n");
    core_buf_free(&b);
}

static void test_csvw_errors_are_sticky_and_drop_the_row(void **state)
{
    struct core_buf b;
    struct csvw w;

    (void)state;
    core_buf_init(&b, 16);
    csvw_init(&w, &b);
    assert_int_equal(csvw_field(&w, "ok", 2), 0);
    assert_int_equal(csvw_end_row(&w), 0);
    assert_int_equal(core_buf_puts(&b, "#"), 0);          /* bytes of the caller's own */
    assert_int_equal(csvw_field(&w, "abc", 3), 0);
    assert_int_equal(csvw_field(&w, "a,b,c,d", 7), -EMSGSIZE); /* fits raw, not quoted */
    assert_int_equal(csvw_field(&w, "x", 1), -EMSGSIZE);
    assert_int_equal(csvw_field_int(&w, 1), -EMSGSIZE);
    assert_int_equal(csvw_end_row(&w), -EMSGSIZE);
    assert_string_equal(b.data, "ok\r\n#");
    assert_int_equal(csvw_field(&w, "a,b", 3), 0);        /* the error went with the row */
    assert_int_equal(csvw_end_row(&w), 0);
    assert_string_equal(b.data, "ok\r\n#\"a,b\"\r\n");
    assert_int_equal(csvw_field(&w, "0123", 4), 0);       /* fills the buffer to its cap */
    assert_int_equal(csvw_end_row(&w), -EMSGSIZE);         /* so CRLF does not fit */
    assert_string_equal(b.data, "ok\r\n#\"a,b\"\r\n");
    core_buf_free(&b);

    core_buf_init(&b, 4096);
    csvw_init(&w, &b);
    core_mem_fail_after(0);
    assert_int_equal(csvw_field(&w, "a", 1), -ENOMEM);
    core_mem_fail_after(-1);
    assert_int_equal(csvw_field(&w, "b", 1), -ENOMEM);
    assert_int_equal(csvw_end_row(&w), -ENOMEM);
    assert_int_equal(b.len, 0);
    assert_int_equal(csvw_field(&w, "b", 1), 0);
    assert_int_equal(csvw_end_row(&w), 0);
    assert_string_equal(b.data, "b\r\n");
    core_buf_free(&b);
}

/* ---- round trip through a strict RFC 4180 reader ------------------------------------------ */

enum { MAX_ROWS = 64, MAX_FIELDS = 8 };

struct table {
    size_t rows;
    size_t fields[MAX_ROWS];
    struct core_buf f[MAX_ROWS][MAX_FIELDS];
};

static void table_free(struct table *t)
{
    size_t r, i;

    for (r = 0; r < t->rows; r++)
        for (i = 0; i < t->fields[r]; i++)
            core_buf_free(&t->f[r][i]);
}

/* Parse text into t: fields separated by ',', rows ended by CRLF, a quoted field may hold
 * anything with '"' doubled, and an unquoted field may hold no '"', CR or LF. Returns 0, or -1
 * for text that is not RFC 4180. */
static int rfc4180_read(const char *s, size_t len, struct table *t)
{
    size_t pos = 0;

    t->rows = 0;
    while (pos < len) {
        const size_t r = t->rows++;

        if (r == MAX_ROWS)
            return -1;
        t->fields[r] = 0;
        for (;;) {
            struct core_buf *f;

            if (t->fields[r] == MAX_FIELDS)
                return -1;
            f = &t->f[r][t->fields[r]++];
            core_buf_init(f, 1 << 20);
            assert_int_equal(core_buf_append(f, "", 0), 0);
            if (pos < len && s[pos] == '"') {
                for (pos++;; pos++) {
                    if (pos >= len)
                        return -1;              /* unterminated quote */
                    if (s[pos] == '"') {
                        if (pos + 1 < len && s[pos + 1] == '"')
                            pos++;
                        else
                            break;
                    }
                    assert_int_equal(core_buf_putc(f, s[pos]), 0);
                }
                pos++;
            } else {
                while (pos < len && s[pos] != ',' && s[pos] != '\r' && s[pos] != '\n') {
                    if (s[pos] == '"')
                        return -1;              /* quote inside an unquoted field */
                    assert_int_equal(core_buf_putc(f, s[pos++]), 0);
                }
            }
            if (pos < len && s[pos] == ',') {
                pos++;
                continue;
            }
            if (pos + 1 < len && s[pos] == '\r' && s[pos + 1] == '\n') {
                pos += 2;
                break;
            }
            return -1;                          /* bare CR or LF, or no CRLF at the end */
        }
    }
    return 0;
}

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = (*s += 0x9e3779b97f4a7c15u);

    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

static void test_csvw_roundtrip_through_rfc4180_reader(void **state)
{
    static const char pool[] = ",\"\r\n \tab=\xC3\xA9\xFF\xE2\x80";
    static struct table t;
    static char in[MAX_ROWS][MAX_FIELDS][24];
    static size_t inlen[MAX_ROWS][MAX_FIELDS];
    size_t nf[MAX_ROWS];
    struct core_buf b, want;
    struct csvw w;
    uint64_t seed = 7;
    size_t r, i, k;
    int round;

    (void)state;
    core_buf_init(&b, 1 << 20);
    core_buf_init(&want, 1 << 20);
    for (round = 0; round < 200; round++) {
        core_buf_reset(&b);
        csvw_init(&w, &b);
        for (r = 0; r < MAX_ROWS; r++) {
            nf[r] = 1 + (size_t)(rng_next(&seed) % MAX_FIELDS);
            for (i = 0; i < nf[r]; i++) {
                inlen[r][i] = (size_t)(rng_next(&seed) % sizeof(in[r][i]));
                for (k = 0; k < inlen[r][i]; k++) {
                    const uint64_t x = rng_next(&seed);

                    in[r][i][k] = x & 1 ? pool[(x >> 8) % (sizeof(pool) - 1)] : (char)(x >> 16);
                }
                assert_int_equal(csvw_field(&w, in[r][i], inlen[r][i]), 0);
            }
            assert_int_equal(csvw_end_row(&w), 0);
        }
        assert_true(core_utf8_is_valid(b.data, b.len));
        if (rfc4180_read(b.data, b.len, &t) != 0)
            fail_msg("round %d: not RFC 4180: %s", round, b.data);
        assert_int_equal(t.rows, MAX_ROWS);
        for (r = 0; r < MAX_ROWS; r++) {
            assert_int_equal(t.fields[r], nf[r]);
            for (i = 0; i < nf[r]; i++) {
                core_buf_reset(&want);
                assert_int_equal(core_utf8_sanitize(in[r][i], inlen[r][i], 0, &want), 0);
                assert_int_equal(t.f[r][i].len, want.len);
                assert_memory_equal(t.f[r][i].data, want.data ? want.data : "", want.len);
            }
        }
        table_free(&t);
    }
    core_buf_free(&b);
    core_buf_free(&want);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csvw_quoting_rules),
        cmocka_unit_test(test_csvw_invalid_utf8_repaired),
        cmocka_unit_test(test_csvw_empty_fields_and_rows),
        cmocka_unit_test(test_csvw_integer_fields),
        cmocka_unit_test(test_csvw_errors_are_sticky_and_drop_the_row),
        cmocka_unit_test(test_csvw_roundtrip_through_rfc4180_reader),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
