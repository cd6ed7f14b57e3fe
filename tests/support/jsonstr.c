/* tests/support/jsonstr.c: decoding a JSON string body (see jsonstr.h). */
#include "tests/support/jsonstr.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/ascii.h"

/* Decode the JSON string body s[0..len) into out (BMP \u escapes only: the writer never makes
 * surrogate pairs). */
void jsonstr_unescape(const char *s, size_t len, struct core_buf *out)
{
    size_t i = 0;

    core_buf_reset(out);
    assert_int_equal(core_buf_append(out, "", 0), 0);
    while (i < len) {
        char c = s[i++];
        unsigned cp = 0;
        int k;

        if (c != '\\') {
            assert_int_equal(core_buf_putc(out, c), 0);
            continue;
        }
        assert_true(i < len);
        c = s[i++];
        switch (c) {
        case '"': case '\\': case '/': assert_int_equal(core_buf_putc(out, c), 0); continue;
        case 'b': assert_int_equal(core_buf_putc(out, '\b'), 0); continue;
        case 'f': assert_int_equal(core_buf_putc(out, '\f'), 0); continue;
        case 'n': assert_int_equal(core_buf_putc(out, '\n'), 0); continue;
        case 'r': assert_int_equal(core_buf_putc(out, '\r'), 0); continue;
        case 't': assert_int_equal(core_buf_putc(out, '\t'), 0); continue;
        case 'u': break;
        default: fail_msg("bad escape \\%c", c);
        }
        assert_true(i + 4 <= len);
        for (k = 0; k < 4; k++) {
            assert_true(core_ascii_hex_value(s[i + (size_t)k]) >= 0);
            cp = cp * 16 + (unsigned)core_ascii_hex_value(s[i + (size_t)k]);
        }
        i += 4;
        assert_false(cp >= 0xD800 && cp <= 0xDFFF);
        if (cp < 0x80) {
            assert_int_equal(core_buf_putc(out, (char)cp), 0);
        } else if (cp < 0x800) {
            assert_int_equal(core_buf_putc(out, (char)(0xC0 | cp >> 6)), 0);
            assert_int_equal(core_buf_putc(out, (char)(0x80 | (cp & 0x3F))), 0);
        } else {
            assert_int_equal(core_buf_putc(out, (char)(0xE0 | cp >> 12)), 0);
            assert_int_equal(core_buf_putc(out, (char)(0x80 | ((cp >> 6) & 0x3F))), 0);
            assert_int_equal(core_buf_putc(out, (char)(0x80 | (cp & 0x3F))), 0);
        }
    }
}
