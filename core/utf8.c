/* core/utf8.c: UTF-8 validation and U+FFFD repair (see utf8.h). */
#include "core/utf8.h"

#include <string.h>

/* The sequence a lead byte starts: its total length n (0 for a byte that cannot lead) and the
 * range allowed for the second byte (Unicode Table 3-7: no overlongs, no surrogates, nothing
 * past U+10FFFF). */
static size_t lead_info(unsigned char c, unsigned char *lo, unsigned char *hi)
{
    *lo = 0x80;
    *hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        return 2;
    if (c >= 0xE0 && c <= 0xEF) {
        if (c == 0xE0)
            *lo = 0xA0;
        else if (c == 0xED)
            *hi = 0x9F;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (c == 0xF0)
            *lo = 0x90;
        else if (c == 0xF4)
            *hi = 0x8F;
        return 4;
    }
    return 0;
}

/* How many bytes at s form a prefix of a well-formed sequence (at most its full length). */
static size_t good_prefix(const unsigned char *s, size_t len, size_t *full)
{
    unsigned char lo, hi;
    size_t n = lead_info(s[0], &lo, &hi), i = 1;

    *full = n;
    if (n == 0)
        return 0;
    if (i < len && s[1] >= lo && s[1] <= hi) {
        i = 2;
        while (i < n && i < len && s[i] >= 0x80 && s[i] <= 0xBF)
            i++;
    }
    return i;
}

/* Length of the valid sequence at s (1-4), or 0 when the bytes there are not valid UTF-8. */
static size_t seq_len(const unsigned char *s, size_t len)
{
    size_t full, got;

    if (s[0] < 0x80)
        return 1;
    got = good_prefix(s, len, &full);
    return full > 0 && got == full ? full : 0;
}

/* Bytes of the maximal invalid subpart at s (the W3C/Unicode "maximal subpart" rule), so that
 * one broken character becomes one U+FFFD and a stray byte becomes one U+FFFD. */
static size_t bad_len(const unsigned char *s, size_t len)
{
    size_t full, got = good_prefix(s, len, &full);

    return got > 0 ? got : 1;
}

/* Length of the ASCII prefix of p[0..len): 8 bytes at a time (pages are mostly ASCII). */
static size_t ascii_prefix(const unsigned char *p, size_t len)
{
    size_t i = 0;

    for (; len - i >= 8; i += 8) {
        uint64_t w;

        memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080u)
            break;
    }
    while (i < len && p[i] < 0x80)
        i++;
    return i;
}

size_t core_utf8_valid_prefix(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, n;

    while (i < len) {
        if (p[i] < 0x80) {
            i += ascii_prefix(p + i, len - i);
            continue;
        }
        n = seq_len(p + i, len - i);
        if (n == 0)
            break;
        i += n;
    }
    return i;
}

bool core_utf8_is_valid(const char *s, size_t len)
{
    return core_utf8_valid_prefix(s, len) == len;
}

static bool is_bad_control(unsigned char c)
{
    return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F;
}

/* Whether the valid n-byte sequence at p is a code point the HTML input stream replaces. */
static bool is_html_bad(const unsigned char *p, size_t n)
{
    uint32_t c;

    if (n == 1)
        return (p[0] >= 0x01 && p[0] <= 0x08) || p[0] == 0x0B || (p[0] >= 0x0E && p[0] <= 0x1F) ||
               p[0] == 0x7F;
    if (n == 2)
        return p[0] == 0xC2 && p[1] <= 0x9F;
    if (n == 3) {
        c = (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (uint32_t)(p[2] & 0x3F);
        return (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE;
    }
    c = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
        (uint32_t)(p[2] & 0x3F) << 6 | (uint32_t)(p[3] & 0x3F);
    return (c & 0xFFFE) == 0xFFFE;
}

int core_utf8_sanitize(const char *s, size_t len, unsigned flags, struct core_buf *out)
{
    static const char fffd[] = "\xEF\xBF\xBD";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0, n;
    int rc;

    while (i < len) {
        if (flags == 0) {
            /* only invalid sequences are replaced: skip the valid run in one go */
            i += core_utf8_valid_prefix(s + i, len - i);
            if (i == len)
                break;
        }
        n = p[i] < 0x80 ? 1 : seq_len(p + i, len - i);
        if (n > 0 && !((flags & CORE_UTF8_NO_CONTROLS) && n == 1 && is_bad_control(p[i])) &&
            !((flags & CORE_UTF8_HTML_INPUT) && is_html_bad(p + i, n))) {
            i += n;
            continue;
        }
        /* flush the valid run before i, then the replacement */
        rc = core_buf_append(out, s + run, i - run);
        if (rc == 0)
            rc = core_buf_append(out, fffd, 3);
        if (rc < 0)
            return rc;
        i += n > 0 ? n : bad_len(p + i, len - i);
        run = i;
    }
    return core_buf_append(out, s + run, i - run);
}
