/* tests/test_app_jsonw.c: the streaming JSON writer (escapes, UTF-8 repair, nesting, misuse,
 * sticky errors, and a round trip through the jsmn parser). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "app/export/jsonw.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "tests/support/corotest.h"
#include "tests/support/jsonstr.h"

#define FFFD "\xEF\xBF\xBD"

/* The record for a lone string value. */
static void string_record(const char *s, size_t len, struct core_buf *b)
{
    struct jsonw w;

    core_buf_reset(b);
    jsonw_init(&w, b);
    assert_int_equal(jsonw_string(&w, s, len), 0);
    assert_int_equal(jsonw_finish(&w), 0);
}

static void test_jsonw_escapes_every_control_and_special(void **state)
{
    static const char *const named[0x20] = {
        [0x08] = "\\b", [0x09] = "\\t", [0x0A] = "\\n", [0x0C] = "\\f", [0x0D] = "\\r",
    };
    struct core_buf b;
    char want[16];
    int c;

    (void)state;
    core_buf_init(&b, 1024);
    for (c = 0; c < 0x80; c++) {
        const char in = (char)c;

        string_record(&in, 1, &b);
        if (c < 0x20 && named[c])
            snprintf(want, sizeof(want), "\"%s\"", named[c]);
        else if (c < 0x20 || c == 0x7F)
            snprintf(want, sizeof(want), "\"\\u%04x\"", (unsigned)c);
        else if (c == '"' || c == '\\')
            snprintf(want, sizeof(want), "\"\\%c\"", c);
        else
            snprintf(want, sizeof(want), "\"%c\"", c);
        if (b.len != strlen(want) || memcmp(b.data, want, b.len) != 0)
            fail_msg("byte 0x%02x: got %s, want %s", (unsigned)c, b.data, want);
    }
    string_record("\xE2\x80\xA8|\xE2\x80\xA9", 7, &b);  /* U+2028, U+2029 */
    assert_string_equal(b.data, "\"\\u2028|\\u2029\"");
    string_record("\xE2\x80\xA7\xE2\x80\xAA", 6, &b);   /* their neighbours stay as they are */
    assert_string_equal(b.data, "\"\xE2\x80\xA7\xE2\x80\xAA\"");
    string_record("caf\xC3\xA9 \xF0\x9F\x98\x80 /", 12, &b);
    assert_string_equal(b.data, "\"caf\xC3\xA9 \xF0\x9F\x98\x80 /\"");
    string_record("a\"b\\c\nd\x01" "e\xE2\x80\xA8", 12, &b);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\nd\\u0001e\\u2028\"");
    string_record("", 0, &b);
    assert_string_equal(b.data, "\"\"");
    string_record("nul\0in", 6, &b);
    assert_string_equal(b.data, "\"nul\\u0000in\"");
    core_buf_free(&b);
}

static void test_jsonw_invalid_utf8_becomes_fffd(void **state)
{
    struct core_buf b;

    (void)state;
    core_buf_init(&b, 1024);
    string_record("a\xFF" "b", 3, &b);
    assert_string_equal(b.data, "\"a" FFFD "b\"");
    string_record("\xC3", 1, &b);                      /* truncated sequence */
    assert_string_equal(b.data, "\"" FFFD "\"");
    string_record("\xE2\x80", 2, &b);                  /* a truncated U+2028 is not escaped */
    assert_string_equal(b.data, "\"" FFFD "\"");
    string_record("\xED\xA0\x80\n", 4, &b);            /* surrogate, then an escape */
    assert_string_equal(b.data, "\"" FFFD FFFD FFFD "\\n\"");
    string_record("\"\xC0\xAF\"", 4, &b);              /* overlong between quotes */
    assert_string_equal(b.data, "\"\\\"" FFFD FFFD "\\\"\"");
    core_buf_free(&b);
}

static void test_jsonw_nesting_and_commas(void **state)
{
    struct core_buf b;
    struct jsonw w;
    int i;

    (void)state;
    core_buf_init(&b, 4096);
    jsonw_init(&w, &b);
    jsonw_begin_object(&w);
    jsonw_key(&w, "a");
    jsonw_int(&w, INT64_MIN);
    jsonw_key(&w, "b");
    jsonw_begin_array(&w);
    jsonw_uint(&w, UINT64_MAX);
    jsonw_bool(&w, true);
    jsonw_bool(&w, false);
    jsonw_null(&w);
    jsonw_begin_object(&w);
    jsonw_key(&w, "c\"");
    jsonw_raw(&w, "-12.50e+3");
    jsonw_end_object(&w);
    jsonw_begin_array(&w);
    jsonw_end_array(&w);
    jsonw_begin_object(&w);
    jsonw_end_object(&w);
    jsonw_end_array(&w);
    jsonw_key(&w, "");
    jsonw_int(&w, INT64_MAX);
    assert_int_equal(jsonw_end_object(&w), 0);
    assert_int_equal(jsonw_finish(&w), 0);
    assert_string_equal(b.data, "{\"a\":-9223372036854775808,\"b\":[18446744073709551615,true,"
                                "false,null,{\"c\\\"\":-12.50e+3},[],{}],\"\":9223372036854775807}");

    /* JSONW_MAX_DEPTH levels are fine, one more is -EMSGSIZE */
    core_buf_reset(&b);
    for (i = 0; i < JSONW_MAX_DEPTH; i++)
        assert_int_equal(jsonw_begin_array(&w), 0);
    assert_int_equal(jsonw_begin_object(&w), -EMSGSIZE);
    assert_int_equal(jsonw_end_array(&w), -EMSGSIZE);   /* sticky */
    assert_int_equal(jsonw_finish(&w), -EMSGSIZE);
    assert_int_equal(b.len, 0);
    for (i = 0; i < JSONW_MAX_DEPTH; i++)
        assert_int_equal(jsonw_begin_array(&w), 0);
    for (i = 0; i < JSONW_MAX_DEPTH; i++)
        assert_int_equal(jsonw_end_array(&w), 0);
    assert_int_equal(jsonw_finish(&w), 0);
    assert_int_equal(b.len, 2 * JSONW_MAX_DEPTH);
    core_buf_free(&b);
}

static void test_jsonw_records_one_per_line(void **state)
{
    struct core_buf b;
    struct jsonw w;

    (void)state;
    core_buf_init(&b, 4096);
    jsonw_init(&w, &b);
    jsonw_begin_object(&w);
    jsonw_key(&w, "n");
    jsonw_int(&w, 1);
    jsonw_end_object(&w);
    assert_int_equal(jsonw_finish(&w), 0);
    assert_int_equal(core_buf_putc(&b, '\n'), 0);
    /* a failed record is removed, and the previous record's newline is kept */
    jsonw_begin_object(&w);
    jsonw_key(&w, "n");
    jsonw_int(&w, 2);
    assert_int_equal(jsonw_finish(&w), -EINVAL);         /* object left open */
    /* a top-level scalar is a record too */
    assert_int_equal(jsonw_string(&w, "x", 1), 0);
    assert_int_equal(jsonw_finish(&w), 0);
    assert_int_equal(core_buf_putc(&b, '\n'), 0);
    assert_string_equal(b.data, "{\"n\":1}\n\"x\"\n");
    core_buf_free(&b);
}

/* Run one misuse: the writer must report -EINVAL from the offending call on, and finish must
 * remove the record, keeping what came before. */
#define MISUSE(setup, bad) \
    do { \
        core_buf_reset(&b); \
        assert_int_equal(core_buf_puts(&b, "prev\n"), 0); \
        jsonw_init(&w, &b); \
        setup; \
        assert_int_equal((bad), -EINVAL); \
        assert_int_equal(jsonw_null(&w), -EINVAL); \
        assert_int_equal(jsonw_end_object(&w), -EINVAL); \
        assert_int_equal(jsonw_finish(&w), -EINVAL); \
        assert_string_equal(b.data, "prev\n"); \
    } while (0)

static void test_jsonw_misuse_is_sticky_einval(void **state)
{
    struct core_buf b;
    struct jsonw w;

    (void)state;
    core_buf_init(&b, 4096);
    MISUSE((void)0, jsonw_key(&w, "k"));                                   /* key at top */
    MISUSE(jsonw_begin_array(&w), jsonw_key(&w, "k"));                     /* key in array */
    MISUSE(jsonw_begin_object(&w), jsonw_int(&w, 1));                      /* value, no key */
    MISUSE((jsonw_begin_object(&w), jsonw_key(&w, "a")), jsonw_key(&w, "b")); /* key twice */
    MISUSE((jsonw_begin_object(&w), jsonw_key(&w, "a")), jsonw_end_object(&w)); /* no value */
    MISUSE(jsonw_begin_object(&w), jsonw_end_array(&w));                   /* wrong closer */
    MISUSE(jsonw_begin_array(&w), jsonw_end_object(&w));
    MISUSE((void)0, jsonw_end_array(&w));                                  /* nothing open */
    MISUSE(jsonw_int(&w, 1), jsonw_int(&w, 2));                            /* two values */
    MISUSE((jsonw_begin_array(&w), jsonw_end_array(&w)), jsonw_begin_object(&w));
    MISUSE(jsonw_begin_array(&w), jsonw_raw(&w, "01"));
    MISUSE(jsonw_begin_array(&w), jsonw_raw(&w, ""));
    MISUSE(jsonw_begin_array(&w), jsonw_raw(&w, "1."));
    MISUSE(jsonw_begin_array(&w), jsonw_raw(&w, ".5"));
    MISUSE(jsonw_begin_array(&w), jsonw_raw(&w, "1e"));
    MISUSE(jsonw_begin_array(&w), jsonw_raw(&w, "+1"));
    MISUSE(jsonw_begin_array(&w), jsonw_raw(&w, "NaN"));
    MISUSE(jsonw_begin_array(&w), jsonw_raw(&w, "1,2"));
    MISUSE(jsonw_begin_array(&w), jsonw_raw(&w, "12.50 "));
    MISUSE(jsonw_begin_array(&w), jsonw_raw(&w, "-"));
    /* finishing an empty record is misuse too */
    core_buf_reset(&b);
    jsonw_init(&w, &b);
    assert_int_equal(jsonw_finish(&w), -EINVAL);
    /* numbers jsonw_raw accepts */
    assert_int_equal(jsonw_begin_array(&w), 0);
    assert_int_equal(jsonw_raw(&w, "0"), 0);
    assert_int_equal(jsonw_raw(&w, "-0.0"), 0);
    assert_int_equal(jsonw_raw(&w, "12.50"), 0);
    assert_int_equal(jsonw_raw(&w, "1E9"), 0);
    assert_int_equal(jsonw_raw(&w, "1e-09"), 0);
    assert_int_equal(jsonw_end_array(&w), 0);
    assert_int_equal(jsonw_finish(&w), 0);
    assert_string_equal(b.data, "[0,-0.0,12.50,1E9,1e-09]");
    core_buf_free(&b);
}

static void test_jsonw_buffer_errors_are_sticky(void **state)
{
    struct core_buf b;
    struct jsonw w;

    (void)state;
    /* the buffer's cap: -EMSGSIZE, then nothing more is written and the record is dropped */
    core_buf_init(&b, 16);
    assert_int_equal(core_buf_puts(&b, "ok\n"), 0);
    jsonw_init(&w, &b);
    assert_int_equal(jsonw_begin_object(&w), 0);
    assert_int_equal(jsonw_key(&w, "k"), 0);
    assert_int_equal(jsonw_string(&w, "0123456789", 10), -EMSGSIZE);
    assert_int_equal(jsonw_end_object(&w), -EMSGSIZE);
    assert_int_equal(jsonw_finish(&w), -EMSGSIZE);
    assert_string_equal(b.data, "ok\n");
    /* escaping is what overflows: "\n" fits the cap raw, not escaped */
    assert_int_equal(jsonw_string(&w, "\n\n\n\n\n\n\n", 7), -EMSGSIZE);
    assert_int_equal(jsonw_finish(&w), -EMSGSIZE);
    assert_string_equal(b.data, "ok\n");
    assert_int_equal(jsonw_string(&w, "\n\n\n\n", 4), 0);  /* "\n\n\n\n" quoted: 10 bytes */
    assert_int_equal(jsonw_finish(&w), 0);
    assert_string_equal(b.data, "ok\n\"\\n\\n\\n\\n\"");
    core_buf_free(&b);

    /* out of memory */
    core_buf_init(&b, 1 << 20);
    jsonw_init(&w, &b);
    core_mem_fail_after(0);
    assert_int_equal(jsonw_begin_object(&w), -ENOMEM);
    core_mem_fail_after(-1);
    assert_int_equal(jsonw_key(&w, "k"), -ENOMEM);
    assert_int_equal(jsonw_finish(&w), -ENOMEM);
    assert_int_equal(b.len, 0);
    assert_int_equal(jsonw_begin_object(&w), 0);  /* finish cleared the error */
    assert_int_equal(jsonw_end_object(&w), 0);
    assert_int_equal(jsonw_finish(&w), 0);
    assert_string_equal(b.data, "{}");
    core_buf_free(&b);
}

/* ---- round trip through jsmn ------------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = (*s += 0x9e3779b97f4a7c15u);

    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

/* Write {"s": <s>, "n": n, "a": [s, true, null]}, parse it with jsmn and compare. */
static void roundtrip(const char *s, size_t len, int64_t n, struct core_buf *b)
{
    struct core_buf want, got;
    jsmn_parser p;
    jsmntok_t t[16];
    struct jsonw w;
    char num[32];
    size_t i;
    int r;

    core_buf_reset(b);
    jsonw_init(&w, b);
    jsonw_begin_object(&w);
    jsonw_key(&w, "s");
    jsonw_string(&w, s, len);
    jsonw_key(&w, "n");
    jsonw_int(&w, n);
    jsonw_key(&w, "a");
    jsonw_begin_array(&w);
    jsonw_string(&w, s, len);
    jsonw_bool(&w, true);
    jsonw_null(&w);
    jsonw_end_array(&w);
    jsonw_end_object(&w);
    assert_int_equal(jsonw_finish(&w), 0);

    /* a JSONL line: valid UTF-8, no raw control byte, no raw U+2028/U+2029 */
    assert_true(core_utf8_is_valid(b->data, b->len));
    for (i = 0; i < b->len; i++) {
        const unsigned char c = (unsigned char)b->data[i];

        assert_false(c < 0x20 || c == 0x7F);
        assert_false(c == 0xE2 && i + 2 < b->len && b->data[i + 1] == '\x80' &&
                     (b->data[i + 2] == '\xA8' || b->data[i + 2] == '\xA9'));
    }

    jsmn_init(&p);
    r = jsmn_parse(&p, b->data, b->len, t, 16);
    if (r != 10)
        fail_msg("jsmn: %d on %s", r, b->data);
    assert_int_equal(t[0].type, JSMN_OBJECT);
    assert_int_equal(t[0].size, 3);
    assert_int_equal(t[0].end, (int)b->len);
    assert_int_equal(t[1].type, JSMN_STRING);
    assert_int_equal(t[2].type, JSMN_STRING);
    assert_int_equal(t[4].type, JSMN_PRIMITIVE);
    assert_int_equal(t[6].type, JSMN_ARRAY);
    assert_int_equal(t[6].size, 3);
    assert_int_equal(t[7].type, JSMN_STRING);
    assert_int_equal(t[8].type, JSMN_PRIMITIVE);
    assert_int_equal(t[9].type, JSMN_PRIMITIVE);

    core_buf_init(&want, 1 << 20);
    core_buf_init(&got, 1 << 20);
    assert_int_equal(core_utf8_sanitize(s, len, 0, &want), 0);
    jsonstr_unescape(b->data + t[2].start, (size_t)(t[2].end - t[2].start), &got);
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.data, want.data, want.len);
    jsonstr_unescape(b->data + t[7].start, (size_t)(t[7].end - t[7].start), &got);
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.data, want.data, want.len);
    snprintf(num, sizeof(num), "%lld", (long long)n);
    assert_int_equal(t[4].end - t[4].start, (int)strlen(num));
    assert_memory_equal(b->data + t[4].start, num, strlen(num));
    assert_memory_equal(b->data + t[8].start, "true", 4);
    assert_memory_equal(b->data + t[9].start, "null", 4);
    core_buf_free(&want);
    core_buf_free(&got);
}

static void test_jsonw_roundtrip_through_jsmn(void **state)
{
    static const char *const fixed[] = {
        "", "plain", "quote\" backslash\\ slash/", "\x01\x02\x1f\x7f", "tab\tnl\ncr\r",
        "\xE2\x80\xA8\xE2\x80\xA9", "caf\xC3\xA9 \xF0\x9F\x98\x80", "\xFF\xFE\xC3", "\\u0041",
    };
    struct core_buf b;
    char s[64];
    uint64_t seed = 1;
    size_t i, len, k;
    int c;

    (void)state;
    core_buf_init(&b, 1 << 20);
    for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        roundtrip(fixed[i], strlen(fixed[i]), (int64_t)i - 4, &b);
    for (c = 0; c < 256; c++) {
        s[0] = 'x';
        s[1] = (char)c;
        roundtrip(s, 2, c, &b);
    }
    /* random bytes, biased towards the interesting ones */
    for (i = 0; i < 3000; i++) {
        static const char pool[] = "\"\\\n\x01\x7f\xE2\x80\xA8\xA9\xC3\xA9\xF0\x9F\x98\xFF a";

        len = (size_t)(rng_next(&seed) % sizeof(s));
        for (k = 0; k < len; k++) {
            const uint64_t r = rng_next(&seed);

            s[k] = r & 1 ? pool[(r >> 8) % (sizeof(pool) - 1)] : (char)(r >> 16);
        }
        roundtrip(s, len, (int64_t)rng_next(&seed), &b);
    }
    core_buf_free(&b);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonw_escapes_every_control_and_special),
        cmocka_unit_test(test_jsonw_invalid_utf8_becomes_fffd),
        cmocka_unit_test(test_jsonw_nesting_and_commas),
        cmocka_unit_test(test_jsonw_records_one_per_line),
        cmocka_unit_test(test_jsonw_misuse_is_sticky_einval),
        cmocka_unit_test(test_jsonw_buffer_errors_are_sticky),
        cmocka_unit_test(test_jsonw_roundtrip_through_jsmn),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
