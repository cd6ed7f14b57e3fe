/* app/orders/order_scan.c: the JSON text of an order line, byte by byte, for the full parser
 * (order.c): its pass 1, a strict RFC 8259 syntax check that reports the first bad byte with
 * its column and counts the tokens jsmn will need, and the decoding of the string escapes the
 * check accepted. Pure; any thread. */
#include "app/orders/order_int.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/ascii.h"
#include "core/utf8.h"

/* ---- pass 1: strict syntax ---------------------------------------------------------------- */

#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v

/* Bytes that stand for themselves inside a string: printable ASCII but '"' and '\\'. Controls
 * are errors, and bytes from 0x80 on start UTF-8 sequences, checked apart. */
static const unsigned char str_plain[256] = {
    R16(0), R16(0),                                     /* 0x00-0x1F */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x20-0x2F: '"' */
    R16(1), R16(1),                                     /* 0x30-0x4F */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,     /* 0x50-0x5F: '\\' */
    R16(1), R16(1),                                     /* 0x60-0x7F */
    R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0),
};

static const char msg_eol[] = "unexpected end of line";

static int scan_fail(struct order__scan *sc, size_t at, const char *msg)
{
    sc->err_at = at;
    sc->msg = msg;
    return -1;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Length of the valid UTF-8 sequence at s[pos] (a byte >= 0x80), 0 when it is not one. */
static size_t utf8_seq(const char *s, size_t len, size_t pos)
{
    const unsigned char c = (unsigned char)s[pos];
    const size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;

    if (c < 0xC2 || c > 0xF4 || n > len - pos)
        return 0;
    return core_utf8_valid_prefix(s + pos, n) == n ? n : 0;
}

/* The 4 hex digits at s[at]: 0..0xFFFF, -1 when one is not hex, -2 when the line ends first. */
static long hex4(const char *s, size_t len, size_t at)
{
    long v = 0;
    size_t i;

    for (i = at; i < at + 4; i++) {
        int h;

        if (i >= len)
            return -2;
        h = core_ascii_hex_value(s[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* The escape at s[pos] == '\\'; on success sc->pos is past it. */
static int scan_escape(struct order__scan *sc, size_t pos)
{
    const char *s = sc->s;
    const size_t len = sc->len;
    long cp, lo;

    if (pos + 1 >= len)
        return scan_fail(sc, len, msg_eol);
    switch (s[pos + 1]) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        sc->pos = pos + 2;
        return 0;
    case 'u':
        break;
    default:
        return scan_fail(sc, pos, "invalid escape in a string");
    }
    cp = hex4(s, len, pos + 2);
    if (cp == -2)
        return scan_fail(sc, len, msg_eol);
    if (cp < 0)
        return scan_fail(sc, pos, "invalid \\u escape");
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return scan_fail(sc, pos, "lone surrogate in a \\u escape");
    if (cp < 0xD800 || cp > 0xDBFF) {
        sc->pos = pos + 6;
        return 0;
    }
    /* a high surrogate: the low one must follow at once */
    if (pos + 6 >= len || (s[pos + 6] == '\\' && pos + 7 >= len))
        return scan_fail(sc, len, msg_eol);
    if (s[pos + 6] != '\\' || s[pos + 7] != 'u')
        return scan_fail(sc, pos, "lone surrogate in a \\u escape");
    lo = hex4(s, len, pos + 8);
    if (lo == -2)
        return scan_fail(sc, len, msg_eol);
    if (lo < 0)
        return scan_fail(sc, pos + 6, "invalid \\u escape");
    if (lo < 0xDC00 || lo > 0xDFFF)
        return scan_fail(sc, pos, "lone surrogate in a \\u escape");
    sc->pos = pos + 12;
    return 0;
}

/* The string whose opening quote is at sc->pos. */
static int scan_string(struct order__scan *sc)
{
    const char *s = sc->s;
    const size_t len = sc->len;
    size_t pos = sc->pos + 1, n;

    for (;;) {
        while (pos < len && str_plain[(unsigned char)s[pos]])
            pos++;
        if (pos >= len)
            return scan_fail(sc, len, msg_eol);
        if (s[pos] == '"') {
            sc->pos = pos + 1;
            return 0;
        }
        if (s[pos] == '\\') {
            sc->escapes = true;
            if (scan_escape(sc, pos) < 0)
                return -1;
            pos = sc->pos;
            continue;
        }
        if ((unsigned char)s[pos] < 0x20)
            return scan_fail(sc, pos, "control character in a string (it must be escaped)");
        n = utf8_seq(s, len, pos);
        if (n == 0)
            return scan_fail(sc, pos, "invalid UTF-8");
        pos += n;
    }
}

/* The number at sc->pos: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int scan_number(struct order__scan *sc)
{
    const char *s = sc->s;
    const size_t len = sc->len;
    size_t pos = sc->pos;

    if (s[pos] == '-')
        pos++;
    if (pos >= len)
        return scan_fail(sc, len, msg_eol);
    if (s[pos] == '0') {
        pos++;
        if (pos < len && core_ascii_is_digit(s[pos]))
            return scan_fail(sc, pos, "leading zero in a number");
    } else if (core_ascii_is_digit(s[pos])) {
        while (pos < len && core_ascii_is_digit(s[pos]))
            pos++;
    } else {
        return scan_fail(sc, pos, "invalid number");
    }
    if (pos < len && s[pos] == '.') {
        pos++;
        if (pos >= len)
            return scan_fail(sc, len, msg_eol);
        if (!core_ascii_is_digit(s[pos]))
            return scan_fail(sc, pos, "invalid number");
        while (pos < len && core_ascii_is_digit(s[pos]))
            pos++;
    }
    if (pos < len && (s[pos] == 'e' || s[pos] == 'E')) {
        pos++;
        if (pos < len && (s[pos] == '+' || s[pos] == '-'))
            pos++;
        if (pos >= len)
            return scan_fail(sc, len, msg_eol);
        if (!core_ascii_is_digit(s[pos]))
            return scan_fail(sc, pos, "invalid number");
        while (pos < len && core_ascii_is_digit(s[pos]))
            pos++;
    }
    sc->pos = pos;
    return 0;
}

/* true, false or null at sc->pos. */
static int scan_literal(struct order__scan *sc)
{
    static const char *const words[] = {"true", "false", "null"};
    const char *w = words[sc->s[sc->pos] == 't' ? 0 : sc->s[sc->pos] == 'f' ? 1 : 2];
    const size_t n = strlen(w), avail = sc->len - sc->pos;

    if (memcmp(sc->s + sc->pos, w, avail < n ? avail : n) != 0)
        return scan_fail(sc, sc->pos, "invalid literal");
    if (avail < n)
        return scan_fail(sc, sc->len, msg_eol);
    sc->pos += n;
    return 0;
}

/* A byte from 0x80 on outside a string is always an error; say which. */
static int scan_non_ascii(struct order__scan *sc, size_t pos, const char *expected)
{
    if (sc->len - pos >= 3 && memcmp(sc->s + pos, "\xEF\xBB\xBF", 3) == 0)
        return scan_fail(sc, pos, "unexpected byte order mark");
    if (utf8_seq(sc->s, sc->len, pos) == 0)
        return scan_fail(sc, pos, "invalid UTF-8");
    return scan_fail(sc, pos, expected);
}

int order__scan_line(struct order__scan *sc)
{
    enum { VALUE, VALUE_OR_CLOSE, KEY, KEY_OR_CLOSE, COLON, COMMA_OR_CLOSE, DONE } st = VALUE;
    static const char *const expected[] = {
        [VALUE] = "expected a value", [VALUE_OR_CLOSE] = "expected a value or ']'",
        [KEY] = "expected a string key", [KEY_OR_CLOSE] = "expected a string key or '}'",
        [COLON] = "expected ':'", [DONE] = "unexpected data after the object",
    };
    const char *s = sc->s;
    const size_t len = sc->len;
    uint64_t is_object = 0;   /* bit d set: the container at depth d + 1 is an object */
    unsigned depth = 0;
    char c;

    while (sc->pos < len && is_ws(s[sc->pos]))
        sc->pos++;
    if (sc->pos == len)
        return scan_fail(sc, 0, "empty line");
    for (;;) {
        const char *want;
        int rc = 0;

        while (sc->pos < len && is_ws(s[sc->pos]))
            sc->pos++;
        if (sc->pos == len) {
            if (st == DONE)
                return 0;
            return scan_fail(sc, len, msg_eol);
        }
        c = s[sc->pos];
        if (st == COMMA_OR_CLOSE)
            want = (is_object >> (depth - 1)) & 1 ? "expected ',' or '}'" : "expected ',' or ']'";
        else
            want = expected[st];
        if ((unsigned char)c >= 0x80)
            return scan_non_ascii(sc, sc->pos, want);
        switch (st) {
        case VALUE_OR_CLOSE:
            if (c == ']')
                break;
            /* fall through */
        case VALUE:
            if (depth == 0 && c != '{')
                return scan_fail(sc, sc->pos, "a line must hold one JSON object");
            sc->ntok++;
            if (c == '{' || c == '[') {
                if (depth == ORDER_MAX_DEPTH)
                    return scan_fail(sc, sc->pos, "nested deeper than 64 levels");
                if (c == '{')
                    is_object |= (uint64_t)1 << depth;
                else
                    is_object &= ~((uint64_t)1 << depth);
                depth++;
                sc->pos++;
                st = c == '{' ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
                continue;
            }
            if (c == '"')
                rc = scan_string(sc);
            else if (c == '-' || core_ascii_is_digit(c))
                rc = scan_number(sc);
            else if (c == 't' || c == 'f' || c == 'n')
                rc = scan_literal(sc);
            else
                return scan_fail(sc, sc->pos, want);
            if (rc < 0)
                return rc;
            st = COMMA_OR_CLOSE;
            continue;
        case KEY_OR_CLOSE:
            if (c == '}')
                break;
            /* fall through */
        case KEY:
            if (c != '"')
                return scan_fail(sc, sc->pos, want);
            sc->ntok++;
            if (scan_string(sc) < 0)
                return -1;
            st = COLON;
            continue;
        case COLON:
            if (c != ':')
                return scan_fail(sc, sc->pos, want);
            sc->pos++;
            st = VALUE;
            continue;
        case COMMA_OR_CLOSE:
            if (c == ',') {
                sc->pos++;
                st = (is_object >> (depth - 1)) & 1 ? KEY : VALUE;
                continue;
            }
            if (c != (((is_object >> (depth - 1)) & 1) ? '}' : ']'))
                return scan_fail(sc, sc->pos, want);
            break;
        case DONE:
            return scan_fail(sc, sc->pos, want);
        }
        /* the closing bracket of the innermost container */
        depth--;
        sc->pos++;
        st = depth ? COMMA_OR_CLOSE : DONE;
    }
}

/* ---- unescaping (of text the scan has accepted) ------------------------------------------- */

static size_t put_utf8(unsigned long cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decode the escape at s[0] == '\\' into out; *used is set to the escape's length. */
size_t order__unescape_one(const char *s, size_t len, size_t *used, char *out)
{
    unsigned long cp;

    *used = 2;
    switch (s[1]) {
    case 'b': out[0] = '\b'; return 1;
    case 'f': out[0] = '\f'; return 1;
    case 'n': out[0] = '\n'; return 1;
    case 'r': out[0] = '\r'; return 1;
    case 't': out[0] = '\t'; return 1;
    case 'u': break;
    default: out[0] = s[1]; return 1;   /* '"' '\\' '/' */
    }
    cp = (unsigned long)hex4(s, len, 2);
    *used = 6;
    if (cp >= 0xD800 && cp <= 0xDBFF) {   /* the scan checked that a low surrogate follows */
        cp = 0x10000 + ((cp - 0xD800) << 10) + ((unsigned long)hex4(s, len, 8) - 0xDC00);
        *used = 12;
    }
    return put_utf8(cp, out);
}

/* Unescape the string content s[0..len) into out (which has room for len bytes: unescaping
 * never lengthens). Returns the decoded length. */
size_t order__unescape(const char *s, size_t len, char *out)
{
    const char *bs = memchr(s, '\\', len);
    size_t i, o, used;

    if (!bs) {
        memcpy(out, s, len);
        return len;
    }
    i = o = (size_t)(bs - s);
    memcpy(out, s, i);
    while (i < len) {
        if (s[i] != '\\') {
            out[o++] = s[i++];
            continue;
        }
        o += order__unescape_one(s + i, len - i, &used, out + o);
        i += used;
    }
    return o;
}
