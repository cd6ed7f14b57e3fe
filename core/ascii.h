/* core/ascii.h: ASCII character classes and conversions that ignore the locale, for parsers of
 * protocol text (URLs, robots.txt, JSON, HTML), where "a letter" must not depend on LC_CTYPE.
 * Ownership: pure inline functions. Any thread. */
#ifndef CORE_ASCII_H
#define CORE_ASCII_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline bool core_ascii_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static inline bool core_ascii_is_hex(char c)
{
    char l = (char)(c | 0x20);

    return core_ascii_is_digit(c) || (l >= 'a' && l <= 'f');
}

/* The value of c, which must be a hex digit (core_ascii_is_hex), 0..15. */
static inline unsigned core_ascii_xdigit(char c)
{
    unsigned u = (unsigned char)c;

    return u <= '9' ? u - '0' : (u | 0x20) - 'a' + 10;
}

/* The value of c as a hex digit, 0..15, or -1 when it is not one. */
static inline int core_ascii_hex_value(char c)
{
    return core_ascii_is_hex(c) ? (int)core_ascii_xdigit(c) : -1;
}

/* Decode len hex digits (len even) into len / 2 bytes at out. 0, or -EINVAL. */
static inline int core_ascii_unhex(const char *s, size_t len, void *out)
{
    unsigned char *o = (unsigned char *)out;

    if (len % 2)
        return -EINVAL;
    for (size_t i = 0; i < len; i += 2) {
        int hi = core_ascii_hex_value(s[i]), lo = core_ascii_hex_value(s[i + 1]);

        if (hi < 0 || lo < 0)
            return -EINVAL;
        o[i / 2] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

static inline char core_ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : c;
}

/* The decimal digits of v, NUL-terminated, written backwards so that they end at end (a buffer
 * of CORE_ASCII_U64_BYTES before it is enough); returns where they start. snprintf's "%llu"
 * costs several times as much, which shows where numbers are written per record. */
#define CORE_ASCII_U64_BYTES 21
static inline char *core_ascii_u64(uint64_t v, char *end)
{
    *--end = '\0';
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

/* As core_ascii_u64, with a '-' before a negative v (CORE_ASCII_U64_BYTES + 1 bytes). */
static inline char *core_ascii_i64(int64_t v, char *end)
{
    char *p = core_ascii_u64(v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, end);

    if (v < 0)
        *--p = '-';
    return p;
}

#endif
