/* app/export/warchttp.c: HTTP message facts for the WARC writers (see warchttp.h). */
#include "app/export/warchttp.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The next line of [*p, end): its text without the line end in *line and *llen; advances *p
 * past the line end. False at the end of the input or at a line with no end. */
static bool next_line(const char **p, const char *end, const char **line, size_t *llen)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n;

    if (!nl)
        return false;
    n = (size_t)(nl - *p);
    if (n > 0 && (*p)[n - 1] == '\r')
        n--;
    *line = *p;
    *llen = n;
    *p = nl + 1;
    return true;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && is_blank(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && is_blank((*s)[*n - 1]))
        (*n)--;
}

/* "HTTP/" then a digit: the version token of a status or request line. Returns its length. */
static size_t version_len(const char *s, size_t n)
{
    size_t i = 5;

    if (n < 6 || memcmp(s, "HTTP/", 5) != 0 || s[5] < '0' || s[5] > '9')
        return 0;
    while (i < n && !is_blank(s[i]))
        i++;
    return i;
}

/* The status line's version token and code: true when line is "HTTP/x NNN[ reason]". */
static bool parse_status_line(const char *line, size_t n, size_t *vlen, int *code)
{
    size_t v = version_len(line, n), i;

    if (v == 0 || v + 4 > n || line[v] != ' ')
        return false;
    for (i = v + 1; i < v + 4; i++)
        if (line[i] < '0' || line[i] > '9')
            return false;
    if (v + 4 < n && !is_blank(line[v + 4]))
        return false;
    *vlen = v;
    *code = (line[v + 1] - '0') * 100 + (line[v + 2] - '0') * 10 + (line[v + 3] - '0');
    return *code >= 100;
}

int app_warchttp_status(const char *head, size_t len)
{
    const char *p = head, *line;
    size_t llen, v;
    int code;

    if (!next_line(&p, head + len, &line, &llen)) {
        line = head;   /* a status line with no line end still has a status */
        llen = len;
    }
    return parse_status_line(line, llen, &v, &code) ? code : 0;
}

bool app_warchttp_header(const char *head, size_t len, const char *name, const char **val,
                         size_t *vlen)
{
    const char *p = head, *end = head + len, *line, *colon;
    const size_t nlen = strlen(name);
    size_t llen, n;

    if (!next_line(&p, end, &line, &llen))   /* the status or request line */
        return false;
    while (next_line(&p, end, &line, &llen) && llen > 0) {
        colon = memchr(line, ':', llen);
        if (!colon || (size_t)(colon - line) != nlen || strncasecmp(line, name, nlen) != 0)
            continue;
        *val = colon + 1;
        n = llen - nlen - 1;
        trim(val, &n);
        *vlen = n;
        return true;
    }
    return false;
}

bool app_warchttp_is_chunked(const char *head, size_t len)
{
    const char *p = head, *end = head + len, *line, *v, *last = NULL, *comma;
    size_t llen, n, lastn = 0;

    if (!next_line(&p, end, &line, &llen))
        return false;
    while (next_line(&p, end, &line, &llen) && llen > 0) {
        if (llen < 18 || strncasecmp(line, "transfer-encoding:", 18) != 0)
            continue;
        v = line + 18;
        n = llen - 18;
        /* the last non-empty element of this field's list */
        for (;;) {
            const char *e;
            size_t en;

            comma = memchr(v, ',', n);
            e = v;
            en = comma ? (size_t)(comma - v) : n;
            trim(&e, &en);
            if (en > 0) {
                const char *semi = memchr(e, ';', en);   /* transfer parameters */

                if (semi) {
                    en = (size_t)(semi - e);
                    trim(&e, &en);
                }
                last = e;
                lastn = en;
            }
            if (!comma)
                break;
            n -= (size_t)(comma + 1 - v);
            v = comma + 1;
        }
    }
    return last && lastn == 7 && strncasecmp(last, "chunked", 7) == 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t app_warchttp_dechunk(const char *body, size_t len, app_warchttp_sink_fn *sink, void *arg)
{
    const char *p = body, *end = body + len, *line;
    size_t llen, i, total = 0;

    for (;;) {
        const char *start = p;
        uint64_t size = 0;
        size_t take;
        int h;

        if (!next_line(&p, end, &line, &llen)) {
            /* no line end: a size line cut short (the body was truncated) ends the payload;
             * anything else is data that was never chunked */
            for (i = 0; p + i < end && hexval(p[i]) >= 0; i++)
                ;
            if (i > 0 && (p + i == end || is_blank(p[i]) || p[i] == ';' || p[i] == '\r'))
                return total;
            goto raw;
        }
        for (i = 0; i < llen && (h = hexval(line[i])) >= 0; i++) {
            if (size >> 60)
                goto raw;   /* more than 2^64: not a chunk size */
            size = size << 4 | (uint64_t)h;
        }
        if (i == 0)
            goto raw;
        while (i < llen && is_blank(line[i]))
            i++;
        if (i < llen && line[i] != ';')
            goto raw;
        if (size == 0)
            return total;   /* the last chunk: trailers are not payload */
        take = size < (uint64_t)(end - p) ? (size_t)size : (size_t)(end - p);
        sink(arg, p, take);
        total += take;
        p += take;
        if (take < size || p == end)
            return total;   /* cut inside the chunk, or right after it */
        if (*p == '\n') {
            p++;
        } else if (*p == '\r' && p + 1 < end && p[1] == '\n') {
            p += 2;
        } else if (*p == '\r' && p + 1 == end) {
            return total;
        } else {
            start = p;   /* data not followed by its line end: the rest is taken as it is */
            goto raw_from;
        }
        continue;
raw:
        p = start;
raw_from:
        if (p < end) {
            sink(arg, p, (size_t)(end - p));
            total += (size_t)(end - p);
        }
        return total;
    }
}

size_t app_warchttp_payload(const char *head, size_t hlen, const char *body, size_t blen,
                            app_warchttp_sink_fn *sink, void *arg)
{
    if (app_warchttp_is_chunked(head, hlen))
        return app_warchttp_dechunk(body, blen, sink, arg);
    if (blen > 0)
        sink(arg, body, blen);
    return blen;
}

int app_warchttp_response_to_http11(const char *head, size_t len, struct core_buf *out)
{
    const char *p = head, *line;
    size_t llen, v;
    int code, rc;
    char sl[32];

    if (!next_line(&p, head + len, &line, &llen) || !parse_status_line(line, llen, &v, &code))
        return -EINVAL;
    if (v >= 7 && memcmp(line, "HTTP/1.", 7) == 0)
        return core_buf_append(out, head, len);
    /* HTTP/2 and HTTP/3 carry no reason phrase: write none (see the header) */
    snprintf(sl, sizeof(sl), "HTTP/1.1 %03d \r\n", code);
    rc = core_buf_puts(out, sl);
    if (rc < 0)
        return rc;
    return core_buf_append(out, p, len - (size_t)(p - head));
}

int app_warchttp_request_to_http11(const char *req, size_t len, struct core_buf *out)
{
    const char *p = req, *line, *sp1, *sp2;
    size_t llen, v;
    int rc;

    if (!next_line(&p, req + len, &line, &llen))
        return -EINVAL;
    sp1 = memchr(line, ' ', llen);
    sp2 = sp1 ? memchr(sp1 + 1, ' ', llen - (size_t)(sp1 + 1 - line)) : NULL;
    if (!sp1 || sp1 == line || !sp2 || sp2 == sp1 + 1)
        return -EINVAL;
    v = version_len(sp2 + 1, llen - (size_t)(sp2 + 1 - line));
    if (v == 0 || sp2 + 1 + v != line + llen)
        return -EINVAL;
    if (v >= 7 && memcmp(sp2 + 1, "HTTP/1.", 7) == 0)
        return core_buf_append(out, req, len);
    rc = core_buf_append(out, line, (size_t)(sp2 + 1 - line));
    if (rc == 0)
        rc = core_buf_puts(out, "HTTP/1.1\r\n");
    if (rc == 0)
        rc = core_buf_append(out, p, len - (size_t)(p - req));
    return rc;
}

size_t app_warchttp_mime(const char *head, size_t len, const char **mime)
{
    const char *v;
    size_t n, i;

    if (!app_warchttp_header(head, len, "content-type", &v, &n))
        return 0;
    for (i = 0; i < n && v[i] != ';' && !is_blank(v[i]); i++)
        ;
    *mime = v;
    return i;
}

size_t app_warchttp_head_len(const char *msg, size_t len)
{
    const char *p = msg, *end = msg + len, *line;
    size_t llen;

    while (next_line(&p, end, &line, &llen))
        if (llen == 0)
            return (size_t)(p - msg);
    return 0;
}
