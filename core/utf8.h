/* core/utf8.h: UTF-8 validation and repair.
 *
 * Text that reaches an output file (titles, URLs, error messages, original input lines) must
 * be valid UTF-8 whatever bytes the network or a file supplied. core_utf8_sanitize copies text
 * and replaces each maximal invalid subsequence (WHATWG "decode" rules: overlongs, surrogates,
 * code points past U+10FFFF, truncated sequences) with U+FFFD; with CORE_UTF8_NO_CONTROLS it
 * also replaces NUL and other C0 controls except tab, newline and carriage return, and with
 * CORE_UTF8_HTML_INPUT the code points an HTML parser's input stream replaces (as gumbo does):
 * C0 controls but NUL, tab, newline, form feed and carriage return; DEL and the C1 controls
 * (U+0080-009F); noncharacters (U+FDD0-FDEF and every U+xFFFE, U+xFFFF).
 *
 * Ownership: pure functions; out is the caller's buffer (appended to). Thread-safe. */
#ifndef CORE_UTF8_H
#define CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"

enum {
    CORE_UTF8_NO_CONTROLS = 1 << 0,
    CORE_UTF8_HTML_INPUT = 1 << 1
};

/* Length of the longest valid UTF-8 prefix of s[0..len). */
size_t core_utf8_valid_prefix(const char *s, size_t len);
bool core_utf8_is_valid(const char *s, size_t len);
/* Length of the prefix of s[0..len) that a JSON string holds as it is: printable ASCII
 * (0x20-0x7E) but '"' and '\\'. The JSON writer and the order reader's fast path call it for
 * every string, so it is inline and looks at 8 bytes at a time: in a word w (first byte
 * lowest), each byte that is not such a byte gets its high bit set; borrows and carries can
 * also mark bytes after a marked one, never before it, so the lowest mark is exact. */
static inline size_t core_utf8_json_plain_prefix(const char *s, size_t len)
{
    size_t i = 0;

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101u;

    for (; len - i >= 8; i += 8) {
        uint64_t w, q, b, m;

        memcpy(&w, s + i, 8);
        q = w ^ (ones * '"');
        b = w ^ (ones * '\\');
        m = (((w - ones * 0x20) & ~w) | ((w + ones) | w) | ((q - ones) & ~q) | ((b - ones) & ~b)) &
            (ones * 0x80);
        if (m)
            return i + (size_t)__builtin_ctzll(m) / 8;
    }
#endif
    for (; i < len; i++) {
        const unsigned char c = (unsigned char)s[i];

        if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\')
            break;
    }
    return i;
}

/* Append s to out with invalid sequences replaced by U+FFFD. 0, -ENOMEM or -EMSGSIZE. */
CORE_MUST_CHECK int core_utf8_sanitize(const char *s, size_t len, unsigned flags,
                                       struct core_buf *out);

#endif
