/* app/export/jsonw.c: compact JSON writer (see jsonw.h).
 *
 * Strings are written in two steps: core_utf8_sanitize appends the repaired text to the
 * buffer, then the escapes are expanded in place from the back, so the writer needs no
 * scratch memory and repairs exactly as the rest of trawl does. */
#include "app/export/jsonw.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/ascii.h"
#include "core/utf8.h"

void jsonw_init(struct jsonw *w, struct core_buf *out)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
}

/* Keep the first error. */
static int fail(struct jsonw *w, int rc)
{
    if (w->err == 0)
        w->err = rc;
    return w->err;
}

static int check(struct jsonw *w, int rc)
{
    return rc < 0 ? fail(w, rc) : 0;
}

static uint32_t top_bit(const struct jsonw *w)
{
    return (uint32_t)1 << (w->depth - 1);
}

/* Before any value: is a value allowed here? Writes the comma between array elements and
 * consumes the pending key of an object. */
static int before_value(struct jsonw *w)
{
    uint32_t bit;

    if (w->err)
        return w->err;
    if (w->depth == 0) {
        if (w->done)
            return fail(w, -EINVAL);
        /* the record begins here: bytes the caller added since the last one are not ours */
        w->started = true;
        w->start = w->out->len;
        return 0;
    }
    bit = top_bit(w);
    if (w->is_object & bit) {
        if (!w->key_pending)
            return fail(w, -EINVAL);
        w->key_pending = false;
        return 0;
    }
    if ((w->has_items & bit) && check(w, core_buf_putc(w->out, ',')) < 0)
        return w->err;
    w->has_items |= bit;
    return 0;
}

static void after_value(struct jsonw *w)
{
    if (w->depth == 0)
        w->done = true;
}

/* Bytes that escaping adds to the valid UTF-8 in d[start, end). */
static size_t escape_extra(const unsigned char *d, size_t start, size_t end)
{
    size_t i, extra = 0;

    for (i = start; i < end; i++) {
        const unsigned char c = d[i];

        if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' ||
            c == '\t')
            extra += 1;
        else if (c < 0x20 || c == 0x7F)
            extra += 5;
        else if (c == 0xE2 && i + 2 < end && d[i + 1] == 0x80 &&
                 (d[i + 2] == 0xA8 || d[i + 2] == 0xA9)) {
            extra += 3;
            i += 2;
        }
    }
    return extra;
}

/* The letter of a two-character escape, or 0. */
static char short_escape(unsigned char c)
{
    switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '\b': return 'b';
    case '\f': return 'f';
    case '\n': return 'n';
    case '\r': return 'r';
    case '\t': return 't';
    default: return 0;
    }
}

int jsonw_quote(struct core_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t start, end, extra, i, j;
    unsigned char *d;
    int rc;

    /* Fast path: printable ASCII with nothing to escape, the usual case, is copied as is. */
    i = core_utf8_json_plain_prefix(s, len);
    if (i == len) {
        rc = core_buf_reserve(b, len + 2);
        if (rc < 0)
            return rc;
        b->data[b->len] = '"';
        memcpy(b->data + b->len + 1, s, len);
        b->data[b->len + 1 + len] = '"';
        b->len += len + 2;
        b->data[b->len] = '\0';
        return 0;
    }
    rc = core_buf_putc(b, '"');
    if (rc < 0)
        return rc;
    start = b->len;
    rc = core_utf8_sanitize(s, len, 0, b);
    if (rc < 0)
        return rc;
    end = b->len;
    extra = escape_extra((const unsigned char *)b->data, start, end);
    if (extra > 0) {
        rc = core_buf_reserve(b, extra);
        if (rc < 0)
            return rc;
        d = (unsigned char *)b->data;
        /* expand from the back: j >= i throughout, so nothing unread is overwritten */
        for (i = end, j = end + extra; i > start;) {
            const unsigned char c = d[--i];
            const char e = short_escape(c);

            if ((c == 0xA8 || c == 0xA9) && i >= start + 2 && d[i - 1] == 0x80 &&
                d[i - 2] == 0xE2) {
                j -= 6;
                memcpy(d + j, c == 0xA8 ? "\\u2028" : "\\u2029", 6);
                i -= 2;
            } else if (e) {
                d[--j] = (unsigned char)e;
                d[--j] = '\\';
            } else if (c < 0x20 || c == 0x7F) {
                j -= 6;
                memcpy(d + j, "\\u00", 4);
                d[j + 4] = (unsigned char)hex[c >> 4];
                d[j + 5] = (unsigned char)hex[c & 15];
            } else {
                d[--j] = c;
            }
        }
        b->len = end + extra;
        b->data[b->len] = '\0';
    }
    return core_buf_putc(b, '"');
}

/* Append s as a quoted, escaped JSON string. */
static int put_string(struct jsonw *w, const char *s, size_t len)
{
    int rc = jsonw_quote(w->out, s, len);

    return rc < 0 ? fail(w, rc) : 0;
}

static int begin(struct jsonw *w, bool object)
{
    uint32_t bit;

    if (before_value(w) < 0)
        return w->err;
    if (w->depth == JSONW_MAX_DEPTH)
        return fail(w, -EMSGSIZE);
    if (check(w, core_buf_putc(w->out, object ? '{' : '[')) < 0)
        return w->err;
    w->depth++;
    bit = top_bit(w);
    w->has_items &= ~bit;
    if (object)
        w->is_object |= bit;
    else
        w->is_object &= ~bit;
    return 0;
}

static int end(struct jsonw *w, bool object)
{
    if (w->err)
        return w->err;
    if (w->depth == 0 || !(w->is_object & top_bit(w)) != !object || w->key_pending)
        return fail(w, -EINVAL);
    if (check(w, core_buf_putc(w->out, object ? '}' : ']')) < 0)
        return w->err;
    w->depth--;
    after_value(w);
    return 0;
}

int jsonw_begin_object(struct jsonw *w)
{
    return begin(w, true);
}

int jsonw_end_object(struct jsonw *w)
{
    return end(w, true);
}

int jsonw_begin_array(struct jsonw *w)
{
    return begin(w, false);
}

int jsonw_end_array(struct jsonw *w)
{
    return end(w, false);
}

int jsonw_key(struct jsonw *w, const char *name)
{
    uint32_t bit;

    if (w->err)
        return w->err;
    if (w->depth == 0 || !(w->is_object & top_bit(w)) || w->key_pending)
        return fail(w, -EINVAL);
    bit = top_bit(w);
    if ((w->has_items & bit) && check(w, core_buf_putc(w->out, ',')) < 0)
        return w->err;
    w->has_items |= bit;
    if (put_string(w, name, strlen(name)) < 0 || check(w, core_buf_putc(w->out, ':')) < 0)
        return w->err;
    w->key_pending = true;
    return 0;
}

int jsonw_string(struct jsonw *w, const char *s, size_t len)
{
    if (before_value(w) < 0 || put_string(w, s, len) < 0)
        return w->err;
    after_value(w);
    return 0;
}

/* Append a literal token as a value. */
static int put_token(struct jsonw *w, const char *text)
{
    if (before_value(w) < 0 || check(w, core_buf_puts(w->out, text)) < 0)
        return w->err;
    after_value(w);
    return 0;
}

int jsonw_int(struct jsonw *w, int64_t v)
{
    char num[CORE_ASCII_U64_BYTES + 1];

    return put_token(w, core_ascii_i64(v, num + sizeof(num)));
}

int jsonw_uint(struct jsonw *w, uint64_t v)
{
    char num[CORE_ASCII_U64_BYTES];

    return put_token(w, core_ascii_u64(v, num + sizeof(num)));
}

int jsonw_bool(struct jsonw *w, bool v)
{
    return put_token(w, v ? "true" : "false");
}

int jsonw_null(struct jsonw *w)
{
    return put_token(w, "null");
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* RFC 8259: number = [ minus ] int [ frac ] [ exp ]; int = zero / ( digit1-9 *DIGIT ). */
static bool is_json_number(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (is_digit(*s))
        while (is_digit(*s))
            s++;
    else
        return false;
    if (*s == '.') {
        s++;
        if (!is_digit(*s))
            return false;
        while (is_digit(*s))
            s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!is_digit(*s))
            return false;
        while (is_digit(*s))
            s++;
    }
    return *s == '\0';
}

int jsonw_raw(struct jsonw *w, const char *text)
{
    if (w->err)
        return w->err;
    if (!is_json_number(text))
        return fail(w, -EINVAL);
    return put_token(w, text);
}

int jsonw_finish(struct jsonw *w)
{
    int rc = w->err;
    struct core_buf *out = w->out;

    if (rc == 0 && (w->depth != 0 || !w->done))
        rc = -EINVAL;
    if (rc < 0 && w->started && out->len > w->start) {
        out->len = w->start;
        out->data[out->len] = '\0';
    }
    jsonw_init(w, out);
    return rc;
}
