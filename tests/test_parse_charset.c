/* tests/test_parse_charset.c: encoding sniffing and conversion to UTF-8. */
#include <errno.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "parse/charset.h"
#include "parse/html.h"
#include "tests/support/corotest.h"

#define FFFD "\xEF\xBF\xBD"

struct dcase {
    const char *body;
    size_t len;
    const char *ct; /* Content-Type value or NULL */
    const char *want;
};

#define D(b, ct, w) {b, sizeof(b) - 1, ct, w}

static const struct dcase detect_cases[] = {
    /* nothing to go on */
    D("", NULL, "windows-1252"),
    D("<html><body>plain</body></html>", NULL, "windows-1252"),
    D("<html>", "text/html", "windows-1252"),
    /* byte order marks win over everything */
    D("\xEF\xBB\xBF<meta charset=big5>", "text/html; charset=iso-8859-2", "utf-8"),
    D("\xFE\xFF\x00<", "text/html; charset=utf-8", "utf-16be"),
    D("\xFF\xFE<\x00", NULL, "utf-16le"),
    /* the header, in its variants */
    D("", "text/html; charset=\"ISO-8859-1\"", "windows-1252"),
    D("", "text/html;Charset=UTF-8", "utf-8"),
    D("", "text/html; CHARSET = utf8 ", "utf-8"),
    D("", "text/html; charset='latin2'", "windows-1252"), /* quotes are not HTTP quotes */
    D("", "text/html; charset=Shift_JIS", "shift_jis"),
    D("", "text/html; charset=x-sjis", "shift_jis"),
    D("", "text/html; charset=ms_kanji", "shift_jis"),
    D("", "text/html; charset=windows-31j", "shift_jis"),
    D("", "text/html; charset=gb2312", "gbk"),
    D("", "text/html; charset=chinese", "gbk"),
    D("", "text/html; charset=GB18030", "gb18030"),
    D("", "text/html; charset=x-gbk", "gbk"),
    D("", "text/html; charset=big5", "big5"),
    D("", "text/html; charset=euc-kr", "euc-kr"),
    D("", "text/html; charset=euc-jp", "euc-jp"),
    D("", "text/html; charset=iso-2022-jp", "iso-2022-jp"),
    D("", "text/html; charset=koi8-r", "koi8-r"),
    D("", "text/html; charset=koi8-u", "koi8-u"),
    D("", "text/html; charset=us-ascii", "windows-1252"),
    D("", "text/html; charset=ascii", "windows-1252"),
    D("", "text/html; charset=cp1252", "windows-1252"),
    D("", "text/html; charset=iso-8859-15", "iso-8859-15"),
    D("", "text/html; charset=iso-8859-9", "windows-1254"),
    D("", "text/html; charset=windows-1250", "windows-1250"),
    D("", "text/html; charset=windows-1258", "windows-1258"),
    D("", "text/html; charset=utf-16", "utf-16le"),
    D("", "text/html; charset=utf-16be", "utf-16be"),
    D("", "text/html; charset=unicode-1-1-utf-8", "utf-8"),
    D("", "text/html; foo=\"a;charset=big5\"; charset=koi8-r", "koi8-r"),
    D("", "text/html; charset=\"utf\\-8\"", "utf-8"),
    /* an unknown label falls through to the next source */
    D("<meta charset=euc-kr>", "text/html; charset=bogus", "euc-kr"),
    D("", "text/html; charset=", "windows-1252"),
    D("", "text/html; charset=iso-2022-kr", "windows-1252"), /* "replacement": ignored */
    /* the header wins over meta */
    D("<meta charset=euc-kr>", "text/html; charset=iso-8859-2", "iso-8859-2"),
    /* meta charset */
    D("<meta charset=\"utf-8\">", NULL, "utf-8"),
    D("<META CHARSET=EUC-KR>", NULL, "euc-kr"),
    D("<meta charset='gbk'/>", NULL, "gbk"),
    D("<meta charset=\" utf-8 \">", NULL, "utf-8"),
    D("<meta/charset=big5>", NULL, "big5"),
    D("<html><head><meta charset=x-user-defined>", NULL, "windows-1252"),
    D("<meta charset=utf-16le>", NULL, "utf-8"), /* ASCII-readable: not UTF-16 */
    /* meta http-equiv + content, attributes in any order */
    D("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\">", NULL,
      "windows-1251"),
    D("<meta content='text/html; charset=koi8-r' http-equiv='content-type'>", NULL, "koi8-r"),
    D("<meta content=\"text/html;charset='Shift_JIS'\" HTTP-EQUIV=CONTENT-TYPE>", NULL,
      "shift_jis"),
    D("<meta content=\"text/html; charset=big5\">", NULL, "windows-1252"), /* no pragma */
    D("<meta http-equiv=refresh content=\"0; charset=big5\">", NULL, "windows-1252"),
    D("<meta charset=euc-jp content=\"text/html; charset=big5\">", NULL, "euc-jp"),
    D("<meta content=\"charset=gbk\" charset=bogus http-equiv=content-type>", NULL,
      "windows-1252"), /* charset= decides, and fails */
    /* robust to comments, other tags, bogus labels */
    D("<!-- <meta charset=utf-8> --><meta charset=big5>", NULL, "big5"),
    D("<!--><meta charset=big5>", NULL, "big5"),
    D("<a title=\"<meta charset=big5>\"><meta charset=gbk>", NULL, "gbk"),
    D("<meta charset=bogus><meta charset=euc-jp>", NULL, "euc-jp"),
    D("<?xml version=\"1.0\"?><!DOCTYPE html><meta charset=iso-8859-7>", NULL, "iso-8859-7"),
    D("<metal charset=big5><meta charset=koi8-u>", NULL, "koi8-u"),
    D("<meta charset=big5", NULL, "windows-1252"), /* cut off */
};

static void test_charset_detect_table(void **state)
{
    char name[PARSE_CHARSET_NAME_MAX];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(detect_cases) / sizeof(detect_cases[0]); i++) {
        const struct dcase *c = &detect_cases[i];

        assert_int_equal(parse_charset_detect(c->body, c->len, c->ct, c->ct ? strlen(c->ct) : 0,
                                              name, sizeof(name)),
                         0);
        if (strcmp(name, c->want) != 0)
            fail_msg("case %zu (%s | %s): got %s, want %s", i, c->body, c->ct ? c->ct : "",
                     name, c->want);
    }
}

static void test_charset_meta_past_1024_bytes_ignored(void **state)
{
    char body[2048], name[PARSE_CHARSET_NAME_MAX];
    static const char meta[] = "<meta charset=euc-kr>";

    (void)state;
    /* the meta ends exactly at byte 1024: seen */
    memset(body, ' ', sizeof(body));
    memcpy(body + 1024 - (sizeof(meta) - 1), meta, sizeof(meta) - 1);
    assert_int_equal(parse_charset_detect(body, sizeof(body), NULL, 0, name, sizeof(name)), 0);
    assert_string_equal(name, "euc-kr");
    /* one byte later it is not */
    memset(body, ' ', sizeof(body));
    memcpy(body + 1025 - (sizeof(meta) - 1), meta, sizeof(meta) - 1);
    assert_int_equal(parse_charset_detect(body, sizeof(body), NULL, 0, name, sizeof(name)), 0);
    assert_string_equal(name, "windows-1252");
}

static void test_charset_detect_small_buffer(void **state)
{
    char name[PARSE_CHARSET_NAME_MAX - 1] = "x";

    (void)state;
    assert_int_equal(parse_charset_detect("", 0, NULL, 0, name, sizeof(name)), -EMSGSIZE);
    assert_string_equal(name, "x");
}

static void test_charset_canonical_names(void **state)
{
    (void)state;
    assert_string_equal(parse_charset_canonical("Latin1", 6), "windows-1252");
    assert_string_equal(parse_charset_canonical(" utf8\t", 6), "utf-8");
    assert_string_equal(parse_charset_canonical("SJIS", 4), "shift_jis");
    assert_null(parse_charset_canonical("utf-9", 5));
    assert_null(parse_charset_canonical("", 0));
}

struct ccase {
    const char *charset;
    const char *in;
    size_t len;
    const char *want;
    size_t want_len;
};

#define C(cs, in, w) {cs, in, sizeof(in) - 1, w, sizeof(w) - 1}

static const struct ccase convert_cases[] = {
    C("windows-1252", "caf\xE9 \x80 \x93x\x94 \x85", "caf\xC3\xA9 \xE2\x82\xAC \xE2\x80\x9Cx\xE2\x80\x9D \xE2\x80\xA6"),
    C("iso-8859-1", "caf\xE9 \x80", "caf\xC3\xA9 \xE2\x82\xAC"), /* latin1 is windows-1252 */
    C("windows-1252", "a\x81z", "a" FFFD "z"),  /* a hole in glibc's table */
    C("utf-8", "\xEF\xBB\xBF" "caf\xC3\xA9", "caf\xC3\xA9"),
    C("utf-8", "a\xFF" "b\xC3", "a" FFFD "b" FFFD),
    C("utf-8", "a\0b", "a\0b"),
    C("shift_jis", "\x93\xFA\x96\x7B\x8C\xEA", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"),
    C("shift_jis", "C:\\x", "C:\\x"), /* 0x5C stays a backslash (CP932) */
    C("shift_jis", "\x81\x20" "A", FFFD " A"),
    C("shift_jis", "A\x93", "A" FFFD),
    C("gbk", "\xD6\xD0\xCE\xC4", "\xE4\xB8\xAD\xE6\x96\x87"),
    C("gb18030", "\xD6\xD0\xCE\xC4", "\xE4\xB8\xAD\xE6\x96\x87"),
    C("gbk", "x\xFFy", "x" FFFD "y"),
    C("euc-kr", "\xC7\xD1\xB1\xB9\xBE\xEE", "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4"),
    C("euc-jp", "\xC6\xFC\xCB\xDC", "\xE6\x97\xA5\xE6\x9C\xAC"),
    C("iso-2022-jp", "\x1B$BF|K\\\x1B(B!", "\xE6\x97\xA5\xE6\x9C\xAC!"),
    C("big5", "\xA4\xA4\xA4\xE5", "\xE4\xB8\xAD\xE6\x96\x87"),
    C("koi8-r", "\xF0\xD2\xC9\xD7\xC5\xD4", "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"),
    C("windows-1251", "\xCF\xF0\xE8", "\xD0\x9F\xD1\x80\xD0\xB8"),
    C("iso-8859-2", "\xB1", "\xC4\x85"),
    C("utf-16le", "\xFF\xFE" "A\0\xE9\0", "A\xC3\xA9"),
    C("utf-16le", "A\0\x3D\xD8" "B\0", "A" FFFD "B"), /* unpaired surrogate */
    C("utf-16le", "A\0B", "A" FFFD),                  /* odd length */
    C("utf-16be", "\xFE\xFF\0A\0\xE9", "A\xC3\xA9"),
    C("UTF-16", "A\0", "A"),                          /* a label, not a name */
};

static void test_charset_convert_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(convert_cases) / sizeof(convert_cases[0]); i++) {
        const struct ccase *c = &convert_cases[i];
        struct core_buf b;

        core_buf_init(&b, 1024);
        assert_int_equal(parse_charset_to_utf8(c->in, c->len, c->charset, &b), 0);
        if (b.len != c->want_len || memcmp(b.data, c->want, b.len) != 0)
            fail_msg("case %zu (%s): got %zu bytes '%s'", i, c->charset, b.len, b.data);
        assert_true(core_utf8_is_valid(b.data, b.len));
        core_buf_free(&b);
    }
}

static void test_charset_convert_appends(void **state)
{
    struct core_buf b;

    (void)state;
    core_buf_init(&b, 64);
    assert_int_equal(core_buf_puts(&b, "x:"), 0);
    assert_int_equal(parse_charset_to_utf8("\xE9", 1, "windows-1252", &b), 0);
    assert_string_equal(b.data, "x:\xC3\xA9");
    core_buf_free(&b);
}

static void test_charset_convert_errors_leave_out_alone(void **state)
{
    struct core_buf b;

    (void)state;
    core_buf_init(&b, 8);
    assert_int_equal(core_buf_puts(&b, "ab"), 0);
    assert_int_equal(parse_charset_to_utf8("x", 1, "no-such-charset", &b), -EINVAL);
    assert_int_equal(parse_charset_to_utf8("x", 1, NULL, &b), -EINVAL);
    /* 4 euro signs need 12 bytes: past the maximum of 8 */
    assert_int_equal(parse_charset_to_utf8("\x80\x80\x80\x80", 4, "windows-1252", &b), -EMSGSIZE);
    assert_int_equal(parse_charset_to_utf8("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 8, "utf-8", &b),
                     -EMSGSIZE);
    assert_int_equal(b.len, 2);
    assert_string_equal(b.data, "ab");
    /* exactly at the maximum is fine */
    assert_int_equal(parse_charset_to_utf8("\x80\x80", 2, "windows-1252", &b), 0);
    assert_int_equal(b.len, 8);
    core_buf_free(&b);
}

/* Fuzzer regression: a buffer whose allocation is larger than its (lowered) maximum must
 * not be written past the maximum, nor shrunk under the converter's feet. */
static void test_charset_convert_respects_max_below_capacity(void **state)
{
    struct core_buf b;

    (void)state;
    core_buf_init(&b, 1024);
    assert_int_equal(parse_charset_to_utf8("\xE9\xE9\xE9\xE9\xE9\xE9", 6, "windows-1252", &b), 0);
    core_buf_reset(&b);
    b.max = 5;
    assert_int_equal(parse_charset_to_utf8("\xE9\xE9\xE9\xE9\xE9\xE9", 6, "windows-1252", &b),
                     -EMSGSIZE);
    assert_int_equal(b.len, 0);
    assert_int_equal(parse_charset_to_utf8("\xE9\xE9", 2, "windows-1252", &b), 0);
    assert_string_equal(b.data, "\xC3\xA9\xC3\xA9");
    /* an invalid byte once the output is exactly at the maximum: its U+FFFD does not fit
     * (CI's fuzz_charset found it written past the maximum, then past the allocation) */
    core_buf_reset(&b);
    b.max = 3;
    assert_int_equal(parse_charset_to_utf8("abc\xFF", 4, "windows-874", &b), -EMSGSIZE);
    assert_int_equal(b.len, 0);
    core_buf_free(&b);
}

static void test_charset_convert_out_of_memory(void **state)
{
    struct core_buf b;
    long n;
    int rc;

    (void)state;
    for (n = 0; n < 8; n++) {
        core_buf_init(&b, 1 << 20);
        core_mem_fail_after(n);
        rc = parse_charset_to_utf8("caf\xE9", 4, "windows-1252", &b);
        core_mem_fail_after(-1);
        assert_true(rc == 0 || rc == -ENOMEM);
        if (rc == 0)
            assert_string_equal(b.data, "caf\xC3\xA9");
        else
            assert_int_equal(b.len, 0);
        core_buf_free(&b);
    }
}

/* Every encoding, fed every byte value and every prefix of a mixed string, gives valid
 * UTF-8 and ends. */
static void test_charset_output_always_valid_utf8(void **state)
{
    static const char *const names[] = {
        "utf-8", "windows-1252", "iso-8859-2", "iso-8859-5", "iso-8859-7", "iso-8859-8",
        "windows-1250", "windows-1251", "windows-1253", "windows-1255", "windows-1258",
        "windows-874", "koi8-r", "koi8-u", "ibm866", "macintosh", "x-mac-cyrillic",
        "shift_jis", "euc-jp", "iso-2022-jp", "gbk", "gb18030", "big5", "euc-kr",
        "utf-16le", "utf-16be",
    };
    static const char mixed[] = "a\x93\xFA\x1B$B\xD6\xD0\x81\xFF\xFE\0\xC3\xA9\x1B(Bz\xA4";
    char all[512];
    size_t i, n;

    (void)state;
    for (i = 0; i < 256; i++) {
        all[2 * i] = (char)i;
        all[2 * i + 1] = (char)(255 - i);
    }
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct core_buf b;

        core_buf_init(&b, 1 << 20);
        assert_int_equal(parse_charset_to_utf8(all, sizeof(all), names[i], &b), 0);
        if (!core_utf8_is_valid(b.data, b.len))
            fail_msg("%s: invalid UTF-8 out", names[i]);
        for (n = 0; n <= sizeof(mixed) - 1; n++) {
            core_buf_reset(&b);
            assert_int_equal(parse_charset_to_utf8(mixed, n, names[i], &b), 0);
            if (!core_utf8_is_valid(b.data, b.len))
                fail_msg("%s: invalid UTF-8 out for prefix %zu", names[i], n);
        }
        core_buf_free(&b);
    }
}

/* detect + convert + extract, as the crawler runs them. */
static void page(const char *body, size_t len, const char *ct, const char *want_charset,
                 struct parse_html_result *r)
{
    char name[PARSE_CHARSET_NAME_MAX];
    struct core_buf b;

    assert_int_equal(parse_charset_detect(body, len, ct, ct ? strlen(ct) : 0, name, sizeof(name)),
                     0);
    assert_string_equal(name, want_charset);
    core_buf_init(&b, 1 << 20);
    assert_int_equal(parse_charset_to_utf8(body, len, name, &b), 0);
    assert_int_equal(parse_html_extract(b.data, b.len, NULL, r), 0);
    core_buf_free(&b);
}

static void test_charset_pages_end_to_end(void **state)
{
    static const char latin1[] =
        "<html><head><title>Caf\xE9 cr\xE8me</title></head>"
        "<body><a href=\"/caf\xE9\">x</a></body></html>";
    static const char cp1252[] =
        "<html><head><meta charset=windows-1252><title>\x93Quoted\x94 \x80" "5</title></head>"
        "<body><a href='/p?q=\x80'>x</a></body></html>";
    static const char sjis[] =
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">"
        "<title>\x93\xFA\x96\x7B\x8C\xEA</title></head>"
        "<body><a href=\"/\x93\xFA\x96\x7B/\">\x93\xFA</a><a href=\"/a\\b\">y</a></body></html>";
    static const char gbk[] =
        "<html><head><meta content=\"text/html; charset=gb2312\" http-equiv=\"Content-Type\">"
        "<title>\xD6\xD0\xCE\xC4 \xCD\xF8\xD2\xB3</title></head>"
        "<body><a href=\"/\xD6\xD0\xCE\xC4.html\">x</a></body></html>";
    struct parse_html_result r;

    (void)state;
    page(latin1, sizeof(latin1) - 1, "text/html; charset=ISO-8859-1", "windows-1252", &r);
    assert_string_equal(r.title, "Caf\xC3\xA9 cr\xC3\xA8me");
    assert_int_equal(r.nlinks, 1);
    assert_string_equal(r.links[0].href, "/caf\xC3\xA9");
    parse_html_result_free(&r);

    page(cp1252, sizeof(cp1252) - 1, NULL, "windows-1252", &r);
    assert_string_equal(r.title, "\xE2\x80\x9CQuoted\xE2\x80\x9D \xE2\x82\xAC" "5");
    assert_int_equal(r.nlinks, 1);
    assert_string_equal(r.links[0].href, "/p?q=\xE2\x82\xAC");
    parse_html_result_free(&r);

    page(sjis, sizeof(sjis) - 1, "text/html", "shift_jis", &r);
    assert_string_equal(r.title, "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");
    assert_int_equal(r.nlinks, 2);
    assert_string_equal(r.links[0].href, "/\xE6\x97\xA5\xE6\x9C\xAC/");
    assert_string_equal(r.links[1].href, "/a\\b");
    parse_html_result_free(&r);

    page(gbk, sizeof(gbk) - 1, NULL, "gbk", &r);
    assert_string_equal(r.title, "\xE4\xB8\xAD\xE6\x96\x87 \xE7\xBD\x91\xE9\xA1\xB5");
    assert_int_equal(r.nlinks, 1);
    assert_string_equal(r.links[0].href, "/\xE4\xB8\xAD\xE6\x96\x87.html");
    parse_html_result_free(&r);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_charset_detect_table),
        cmocka_unit_test(test_charset_meta_past_1024_bytes_ignored),
        cmocka_unit_test(test_charset_detect_small_buffer),
        cmocka_unit_test(test_charset_canonical_names),
        cmocka_unit_test(test_charset_convert_table),
        cmocka_unit_test(test_charset_convert_appends),
        cmocka_unit_test(test_charset_convert_errors_leave_out_alone),
        cmocka_unit_test(test_charset_convert_respects_max_below_capacity),
        cmocka_unit_test(test_charset_convert_out_of_memory),
        cmocka_unit_test(test_charset_output_always_valid_utf8),
        cmocka_unit_test(test_charset_pages_end_to_end),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
