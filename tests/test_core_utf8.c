/* tests/test_core_utf8.c: validation and U+FFFD repair of UTF-8. */
#include <string.h>

#include "core/buf.h"
#include "core/utf8.h"
#include "tests/support/corotest.h"

#define FFFD "\xEF\xBF\xBD"

struct vcase {
    const char *in;
    size_t len;
    bool valid;
    const char *fixed;
};

#define C(s, v, f) {s, sizeof(s) - 1, v, f}

static const struct vcase cases[] = {
    C("", true, ""),
    C("plain ascii", true, "plain ascii"),
    C("caf\xC3\xA9", true, "caf\xC3\xA9"),
    C("\xE2\x82\xAC 5", true, "\xE2\x82\xAC 5"),
    C("\xF0\x9F\x98\x80", true, "\xF0\x9F\x98\x80"),
    C("\xC3", false, FFFD),                        /* truncated */
    C("a\xC3" "b", false, "a" FFFD "b"),
    C("\xC0\xAF", false, FFFD FFFD),               /* overlong '/' */
    C("\xE0\x80\xAF", false, FFFD FFFD FFFD),      /* overlong, 3 bytes */
    C("\xED\xA0\x80", false, FFFD FFFD FFFD),      /* surrogate */
    C("\xF4\x90\x80\x80", false, FFFD FFFD FFFD FFFD), /* past U+10FFFF */
    C("\xE2\x82", false, FFFD),                    /* truncated 3-byte: one replacement */
    C("\xF0\x9F\x98", false, FFFD),
    C("\xFF\xFE", false, FFFD FFFD),
    C("\x80", false, FFFD),
    C("caf\xE9 au lait", false, "caf" FFFD " au lait"), /* Latin-1 byte */
};

static void test_utf8_validation_and_repair_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct core_buf b;

        core_buf_init(&b, 1024);
        assert_int_equal(core_utf8_is_valid(cases[i].in, cases[i].len), cases[i].valid);
        assert_int_equal(core_utf8_sanitize(cases[i].in, cases[i].len, 0, &b), 0);
        if (strcmp(b.data, cases[i].fixed) != 0)
            fail_msg("case %zu: got '%s'", i, b.data);
        assert_true(core_utf8_is_valid(b.data, b.len));
        core_buf_free(&b);
    }
}

static void test_utf8_controls_replaced_on_request(void **state)
{
    struct core_buf b;
    static const char in[] = "a\0b\x01\tc\n\x7F";

    (void)state;
    core_buf_init(&b, 1024);
    assert_int_equal(core_utf8_sanitize(in, sizeof(in) - 1, 0, &b), 0);
    assert_int_equal(b.len, sizeof(in) - 1); /* kept as is without the flag */
    core_buf_reset(&b);
    assert_int_equal(core_utf8_sanitize(in, sizeof(in) - 1, CORE_UTF8_NO_CONTROLS, &b), 0);
    assert_string_equal(b.data, "a" FFFD "b" FFFD "\tc\n" FFFD);
    core_buf_free(&b);
}

/* What an HTML parser's input stream replaces: C0 controls but NUL, tab, LF, FF and CR; DEL
 * and C1; the noncharacters. */
static void test_utf8_html_input_replacements(void **state)
{
    static const char in[] = "\0\x01\x08\t\n\x0B\x0C\r\x0E\x1F \x7F"
                             "\xC2\x80\xC2\x9F\xC2\xA0"              /* U+0080, U+009F, U+00A0 */
                             "\xEF\xB7\x8F\xEF\xB7\x90\xEF\xB7\xAF\xEF\xB7\xB0" /* FDCF-FDF0 */
                             "\xEF\xBF\xBD\xEF\xBF\xBE\xEF\xBF\xBF"  /* FFFD-FFFF */
                             "\xF0\x9F\xBF\xBE\xF4\x8F\xBF\xBF\xF0\x9F\x98\x80"; /* 1FFFE 10FFFF 1F600 */
    static const char want[] = "\0" FFFD FFFD "\t\n" FFFD "\x0C\r" FFFD FFFD " " FFFD
                               FFFD FFFD "\xC2\xA0"
                               "\xEF\xB7\x8F" FFFD FFFD "\xEF\xB7\xB0"
                               FFFD FFFD FFFD
                               FFFD FFFD "\xF0\x9F\x98\x80";
    struct core_buf b;

    (void)state;
    core_buf_init(&b, 1024);
    assert_int_equal(core_utf8_sanitize(in, sizeof(in) - 1, CORE_UTF8_HTML_INPUT, &b), 0);
    assert_int_equal(b.len, sizeof(want) - 1);
    assert_memory_equal(b.data, want, b.len);
    core_buf_free(&b);
}

static void test_utf8_every_prefix_repairs_to_valid(void **state)
{
    static const char s[] = "x\xE2\x82\xAC\xF0\x9F\x98\x80\xC3\xA9y";
    size_t n;

    (void)state;
    for (n = 0; n <= sizeof(s) - 1; n++) {
        struct core_buf b;
        size_t p = core_utf8_valid_prefix(s, n);

        core_buf_init(&b, 1024);
        assert_true(p <= n);
        assert_true(core_utf8_is_valid(s, p));
        assert_int_equal(core_utf8_sanitize(s, n, 0, &b), 0);
        assert_true(core_utf8_is_valid(b.data, b.len));
        assert_memory_equal(b.data, s, p); /* the valid prefix is kept verbatim */
        core_buf_free(&b);
    }
}

/* The JSON-plain prefix stops at the first byte a JSON string cannot hold as is, at every
 * position of strings of every length (the check reads 8 bytes at a time), and not at the
 * bytes next to them in value. */
static void test_utf8_json_plain_prefix(void **state)
{
    static const unsigned char stop[] = {0x00, 0x01, 0x1F, '"', '\\', 0x7F, 0x80, 0xC3, 0xFF};
    static const unsigned char go[] = {0x20, '!', '#', '[', ']', 0x7E, 'a'};
    char s[48];
    size_t len, pos, k;

    (void)state;
    assert_int_equal(core_utf8_json_plain_prefix("", 0), 0);
    for (len = 1; len <= 40; len++) {
        memset(s, 'x', len);
        assert_int_equal(core_utf8_json_plain_prefix(s, len), len);
        for (pos = 0; pos < len; pos++) {
            for (k = 0; k < sizeof(stop); k++) {
                memset(s, 'x', len);
                s[pos] = (char)stop[k];
                assert_int_equal(core_utf8_json_plain_prefix(s, len), pos);
                /* a second stop byte later changes nothing */
                if (pos + 1 < len)
                    s[len - 1] = '"';
                assert_int_equal(core_utf8_json_plain_prefix(s, len), pos);
            }
            for (k = 0; k < sizeof(go); k++) {
                memset(s, 'x', len);
                s[pos] = (char)go[k];
                assert_int_equal(core_utf8_json_plain_prefix(s, len), len);
            }
        }
    }
}

/* The ASCII runs are skipped 8 bytes at a time: a bad byte or a multi-byte sequence at every
 * offset of a long ASCII text, at every alignment, is found exactly where it is. */
static void test_utf8_long_ascii_runs_every_offset(void **state)
{
    static const char *const inserts[] = {"\xFF", "\xC3\xA9", "\xE2\x82", "\xF0\x9F\x98\x80"};
    char text[80], want[96];
    struct core_buf out;
    size_t at, k, n;

    (void)state;
    for (k = 0; k < sizeof(inserts) / sizeof(inserts[0]); k++) {
        for (at = 0; at < 40; at++) {
            const size_t ins = strlen(inserts[k]);
            const bool valid = k == 1 || k == 3;

            memset(text, 'a', sizeof(text));
            memcpy(text + at, inserts[k], ins);
            n = 60;
            assert_int_equal(core_utf8_valid_prefix(text, n), valid ? n : at);
            memcpy(want, text, at);
            memcpy(want + at, valid ? inserts[k] : "\xEF\xBF\xBD", valid ? ins : 3);
            memset(want + at + (valid ? ins : 3), 'a', n - at - ins);
            core_buf_init(&out, 1024);
            assert_int_equal(core_utf8_sanitize(text, n, 0, &out), 0);
            assert_int_equal(out.len, at + (valid ? ins : 3) + n - at - ins);
            assert_memory_equal(out.data, want, out.len);
            core_buf_free(&out);
        }
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_validation_and_repair_table),
        cmocka_unit_test(test_utf8_controls_replaced_on_request),
        cmocka_unit_test(test_utf8_html_input_replacements),
        cmocka_unit_test(test_utf8_every_prefix_repairs_to_valid),
        cmocka_unit_test(test_utf8_json_plain_prefix),
        cmocka_unit_test(test_utf8_long_ascii_runs_every_offset),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
