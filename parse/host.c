/* parse/host.c: the host of an http(s) URL in its one canonical spelling (see url.h, Hosts).
 *
 * A host is a name, an IPv4 address or a bracketed IPv6 address, told apart and written as the
 * WHATWG host parser does: a name is percent-decoded and lowercased, an international one
 * (with non-ASCII bytes) is converted to punycode through libidn2 (put_idn), and a name whose
 * last label is a number is an IPv4 address, written as a dotted quad. Every form is built on
 * the stack first (a host is at most 253 bytes) and appended to out in one go. */
#include "parse/url_int.h"

#include <errno.h>
#include <idn2.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/ascii.h"

enum {
    HOST_MAX = 253,     /* DNS name length, without the optional trailing dot */
    HOST_IDN_MAX = 1024 /* UTF-8 bytes of an international name, percent-decoded */
};

/* Letters, digits, '-', '.', '_': what a DNS name is spelled with. A table, since every byte
 * of every host is looked up (bytes 0x80-0xFF are in no name). */
#define NAME_CHAR(c)                                                                          \
    (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || ((c) >= '0' && (c) <= '9') || \
     (c) == '-' || (c) == '.' || (c) == '_')
#define ROW(b)                                                                                \
    NAME_CHAR((b) + 0), NAME_CHAR((b) + 1), NAME_CHAR((b) + 2), NAME_CHAR((b) + 3),           \
        NAME_CHAR((b) + 4), NAME_CHAR((b) + 5), NAME_CHAR((b) + 6), NAME_CHAR((b) + 7),       \
        NAME_CHAR((b) + 8), NAME_CHAR((b) + 9), NAME_CHAR((b) + 10), NAME_CHAR((b) + 11),     \
        NAME_CHAR((b) + 12), NAME_CHAR((b) + 13), NAME_CHAR((b) + 14), NAME_CHAR((b) + 15)

static const bool name_chars[256] = {
    ROW(0x00), ROW(0x10), ROW(0x20), ROW(0x30), ROW(0x40), ROW(0x50), ROW(0x60), ROW(0x70),
};

static inline bool is_name_char(char c)
{
    return name_chars[(unsigned char)c];
}

/* WHATWG "IPv4 number parser": decimal, 0x hex or 0 octal; values past 2^32 saturate. */
static bool ipv4_number(const char *p, size_t n, unsigned long long *v)
{
    unsigned radix = 10, d;
    size_t k;

    *v = 0;
    if (n == 0)
        return false;
    if (n >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        p += 2;
        n -= 2;
        radix = 16;
    } else if (n >= 2 && p[0] == '0') {
        p++;
        n--;
        radix = 8;
    }
    for (k = 0; k < n; k++) {
        if (radix == 16 ? !core_ascii_is_hex(p[k]) : !core_ascii_is_digit(p[k]))
            return false;
        d = core_ascii_xdigit(p[k]);
        if (d >= radix)
            return false;
        if (*v <= 0xFFFFFFFFull)
            *v = *v * radix + d;
    }
    return true;
}

/* WHATWG "ends in a number checker": is host (lowercase, non-empty) meant as IPv4? */
static bool ends_in_number(const char *h, size_t n)
{
    unsigned long long v;
    size_t start, k;

    if (h[n - 1] == '.')
        n--;
    for (start = n; start > 0 && h[start - 1] != '.'; start--)
        ;
    if (start == n)
        return false;
    for (k = start; k < n && core_ascii_is_digit(h[k]); k++)
        ;
    return k == n || ipv4_number(h + start, n - start, &v);
}

/* WHATWG "IPv4 parser" then dotted-quad serialisation. */
static int put_ipv4(struct core_buf *out, const char *h, size_t n)
{
    unsigned long long num[4], addr = 0;
    size_t parts = 0, i = 0, j, len = 0;
    char text[16];   /* "255.255.255.255" */
    unsigned octet;
    int b;

    if (n > 1 && h[n - 1] == '.')
        n--;
    for (;;) {
        for (j = i; j < n && h[j] != '.'; j++)
            ;
        if (parts == 4 || !ipv4_number(h + i, j - i, &num[parts]))
            return CORE_EPARSE;
        parts++;
        if (j == n)
            break;
        i = j + 1;
    }
    for (i = 0; i + 1 < parts; i++) {
        if (num[i] > 255)
            return CORE_EPARSE;
        addr |= num[i] << (8 * (3 - i));
    }
    if (num[parts - 1] >= 1ull << (8 * (5 - parts)))
        return CORE_EPARSE;
    addr |= num[parts - 1];
    for (b = 3; b >= 0; b--) {
        octet = (unsigned)(addr >> (8 * b)) & 255;
        if (octet >= 100)
            text[len++] = (char)('0' + octet / 100);
        if (octet >= 10)
            text[len++] = (char)('0' + octet / 10 % 10);
        text[len++] = (char)('0' + octet % 10);
        if (b)
            text[len++] = '.';
    }
    return core_buf_append(out, text, len);
}

/* A decoded, lowercase ASCII name of valid bytes: its length checked, then written (IPv4 as
 * a dotted quad). */
static int put_ascii(struct core_buf *out, const char *name, size_t len)
{
    if (len == 0 || len > HOST_MAX + (size_t)(name[len - 1] == '.'))
        return CORE_EPARSE;
    if (ends_in_number(name, len))
        return put_ipv4(out, name, len);
    return core_buf_append(out, name, len);
}

/* Percent-decode h[0..n) into buf (cap bytes) and NUL-terminate it. Returns the length, or 0
 * (every name has a byte) for a bad escape, a byte that is neither a name character nor
 * non-ASCII (no IDNA mapping makes such a name valid), a name past cap or an ASCII one. */
static size_t decode_utf8(const char *h, size_t n, char *buf, size_t cap)
{
    size_t len = 0, k;
    bool ascii = true;
    char c;

    for (k = 0; k < n; k++) {
        c = h[k];
        if (c == '%') {
            if (n - k < 3 || !core_ascii_is_hex(h[k + 1]) || !core_ascii_is_hex(h[k + 2]))
                return 0;
            c = (char)(core_ascii_xdigit(h[k + 1]) << 4 | core_ascii_xdigit(h[k + 2]));
            k += 2;
        }
        if ((unsigned char)c >= 0x80)
            ascii = false;
        else if (!is_name_char(c))
            return 0;
        if (len == cap)
            return 0;
        buf[len++] = c;
    }
    buf[len] = '\0';
    return ascii ? 0 : len;
}

/* A name with non-ASCII bytes (raw or percent-encoded), read as UTF-8. libidn2 maps it to
 * ASCII with UTS #46 as WHATWG's "domain to ASCII" asks (non-transitional, so "faß" stays
 * distinct from "fass"; STD3 rules off; bidi and joiner checks on), giving punycode labels
 * ("bücher" -> "xn--bcher-kva"); the result then goes through the checks of an ASCII name.
 * libidn2 follows IDNA2008 a little more strictly than UTS #46: it refuses symbols such as
 * U+2603 (which browsers write as "xn--n3h") and labels with "--" in the third and fourth
 * places or a leading or trailing hyphen. ASCII names never come here, so the common case
 * costs nothing, and an ASCII "xn--" label is kept as written, unchecked, as browsers do.
 * libidn2 allocates its result with malloc (not core/mem.h); it is freed before returning. */
static int put_idn(struct core_buf *out, const char *h, size_t n)
{
    char utf8[HOST_IDN_MAX + 1];
    char *ascii = NULL;
    size_t len, k;
    int rc;

    if (decode_utf8(h, n, utf8, HOST_IDN_MAX) == 0)
        return CORE_EPARSE;
    rc = idn2_to_ascii_8z(utf8, &ascii, IDN2_NONTRANSITIONAL);
    if (rc == IDN2_MALLOC)
        return -ENOMEM;
    /* Invalid UTF-8, a disallowed code point, a bidi or joiner rule broken, too long. */
    if (rc != IDN2_OK)
        return CORE_EPARSE;
    /* The mapping can yield ASCII that is no name ("\uFF05" is '%'): check it as typed. */
    len = strlen(ascii);
    for (k = 0; k < len && is_name_char(ascii[k]); k++)
        ascii[k] = core_ascii_lower(ascii[k]);
    rc = k == len ? put_ascii(out, ascii, len) : CORE_EPARSE;
    idn2_free(ascii);
    return rc;
}

/* A host name (not IPv6). Decoded on the stack in one pass while it is ASCII; the first
 * non-ASCII byte hands the whole name to put_idn. */
static int put_name(struct core_buf *out, const char *h, size_t n)
{
    char name[HOST_MAX + 1];
    size_t len = 0, k;
    char c;

    for (k = 0; k < n; k++) {
        c = h[k];
        if (c == '%') {
            if (n - k < 3 || !core_ascii_is_hex(h[k + 1]) || !core_ascii_is_hex(h[k + 2]))
                return CORE_EPARSE;
            c = (char)(core_ascii_xdigit(h[k + 1]) << 4 | core_ascii_xdigit(h[k + 2]));
            k += 2;
        }
        if (!is_name_char(c))
            return (unsigned char)c >= 0x80 ? put_idn(out, h, n) : CORE_EPARSE;
        if (len == sizeof(name))   /* IDNA never removes an ASCII byte: too long either way */
            return CORE_EPARSE;
        name[len++] = core_ascii_lower(c);
    }
    return put_ascii(out, name, len);
}

/* WHATWG "IPv6 parser" on the text between the brackets, then its serialiser: lowercase hex
 * without leading zeros, the first longest run of two or more zero pieces written as "::". */
static int put_ipv6(struct core_buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const size_t NONE = SIZE_MAX;
    unsigned a[8] = {0};
    size_t i = 0, piece = 0, compress = NONE, len, best = NONE, best_len = 1, run;
    unsigned value, v4, seen;
    char text[41];   /* "[", 8 pieces of "ffff", 7 ":", "]" */

    if (n && s[0] == ':') {
        if (n < 2 || s[1] != ':')
            return CORE_EPARSE;
        i = 2;
        compress = ++piece;
    }
    while (i < n) {
        if (piece == 8)
            return CORE_EPARSE;
        if (s[i] == ':') {
            if (compress != NONE)
                return CORE_EPARSE;
            i++;
            compress = ++piece;
            continue;
        }
        value = 0;
        for (len = 0; len < 4 && i < n && core_ascii_is_hex(s[i]); len++, i++)
            value = value * 16 + core_ascii_xdigit(s[i]);
        if (i < n && s[i] == '.') {
            /* An embedded IPv4 address fills the last two pieces. */
            if (len == 0 || piece > 6)
                return CORE_EPARSE;
            i -= len;
            for (seen = 0; i < n; seen++) {
                if (seen > 0) {
                    if (s[i] != '.' || seen == 4)
                        return CORE_EPARSE;
                    i++;
                }
                if (i == n || !core_ascii_is_digit(s[i]))
                    return CORE_EPARSE;
                for (v4 = 0, len = 0; i < n && core_ascii_is_digit(s[i]); i++, len++) {
                    if (len > 0 && v4 == 0)
                        return CORE_EPARSE;   /* leading zero */
                    v4 = v4 * 10 + (unsigned)(s[i] - '0');
                    if (v4 > 255)
                        return CORE_EPARSE;
                }
                a[piece] = a[piece] * 0x100 + v4;
                if (seen == 1 || seen == 3)
                    piece++;
            }
            if (seen != 4)
                return CORE_EPARSE;
            break;
        }
        if (i < n && s[i] == ':') {
            if (++i == n)
                return CORE_EPARSE;
        } else if (i < n) {
            return CORE_EPARSE;
        }
        a[piece++] = value;
    }
    if (compress != NONE) {
        size_t swaps = piece - compress, k = 7, t;

        for (; k != 0 && swaps > 0; k--, swaps--) {
            t = compress + swaps - 1;
            value = a[k];
            a[k] = a[t];
            a[t] = value;
        }
    } else if (piece != 8) {
        return CORE_EPARSE;
    }

    for (i = 0; i < 8; i = run + 1) {
        for (run = i; run < 8 && a[run] == 0; run++)
            ;
        if (run - i > best_len) {
            best = i;
            best_len = run - i;
        }
    }
    len = 0;
    text[len++] = '[';
    for (i = 0; i < 8; i++) {
        if (i == best) {
            text[len++] = ':';
            if (i == 0)
                text[len++] = ':';
            i += best_len - 1;
            continue;
        }
        if (a[i] >> 12)
            text[len++] = hex[a[i] >> 12];
        if (a[i] >> 8)
            text[len++] = hex[a[i] >> 8 & 15];
        if (a[i] >> 4)
            text[len++] = hex[a[i] >> 4 & 15];
        text[len++] = hex[a[i] & 15];
        if (i != 7)
            text[len++] = ':';
    }
    text[len++] = ']';
    return core_buf_append(out, text, len);
}

int parse__url_put_host(struct core_buf *out, const char *h, size_t n)
{
    if (n > 0 && h[0] == '[') {
        if (n < 2 || h[n - 1] != ']')
            return CORE_EPARSE;
        return put_ipv6(out, h + 1, n - 2);
    }
    return put_name(out, h, n);
}
