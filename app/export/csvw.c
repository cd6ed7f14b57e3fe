/* app/export/csvw.c: RFC 4180 CSV writer (see csvw.h).
 *
 * A field is first appended repaired (core_utf8_sanitize); if it needs quoting, the quotes are
 * added and inner quotes doubled in place from the back, so no scratch memory is needed. */
#include "app/export/csvw.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/utf8.h"

void csvw_init(struct csvw *w, struct core_buf *out)
{
    w->out = out;
    w->start = out->len;
    w->fields = 0;
    w->err = 0;
}

static int fail(struct csvw *w, int rc)
{
    if (w->err == 0)
        w->err = rc;
    return w->err;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Start a field: the separator, and the row's start when it is the first field. */
static int begin_field(struct csvw *w)
{
    int rc;

    if (w->err)
        return w->err;
    if (w->fields == 0)
        w->start = w->out->len;  /* the caller may have added bytes since the last row */
    else if ((rc = core_buf_putc(w->out, ',')) < 0)
        return fail(w, rc);
    w->fields++;
    return 0;
}

int csvw_field(struct csvw *w, const char *s, size_t len)
{
    struct core_buf *b = w->out;
    size_t start, end, quotes = 0, i, j;
    bool quote;
    char *d;
    int rc;

    if (begin_field(w) < 0)
        return w->err;
    start = b->len;
    rc = core_utf8_sanitize(s, len, 0, b);
    if (rc < 0)
        return fail(w, rc);
    end = b->len;
    if (end == start)
        return 0;
    d = b->data;
    quote = is_blank(d[start]) || is_blank(d[end - 1]);
    for (i = start; i < end; i++) {
        if (d[i] == '"')
            quotes++;
        else if (d[i] == ',' || d[i] == '\r' || d[i] == '\n')
            quote = true;
    }
    if (!quote && quotes == 0)
        return 0;
    rc = core_buf_reserve(b, quotes + 2);
    if (rc < 0)
        return fail(w, rc);
    d = b->data;
    /* from the back: j > i throughout, so nothing unread is overwritten */
    j = end + quotes + 2;
    d[--j] = '"';
    for (i = end; i > start;) {
        d[--j] = d[--i];
        if (d[i] == '"')
            d[--j] = '"';
    }
    d[--j] = '"';
    b->len = end + quotes + 2;
    d[b->len] = '\0';
    return 0;
}

int csvw_field_int(struct csvw *w, int64_t v)
{
    int rc;

    if (begin_field(w) < 0)
        return w->err;
    rc = core_buf_printf(w->out, "%" PRId64, v);
    return rc < 0 ? fail(w, rc) : 0;
}

int csvw_end_row(struct csvw *w)
{
    struct core_buf *b = w->out;
    int rc = w->err;

    if (rc == 0 && w->fields == 0)
        rc = -EINVAL;
    /* one empty field: "" keeps the row from being a blank line */
    if (rc == 0 && w->fields == 1 && b->len == w->start)
        rc = core_buf_puts(b, "\"\"");
    if (rc == 0)
        rc = core_buf_puts(b, "\r\n");
    if (rc < 0 && w->fields > 0 && b->len > w->start) {
        b->len = w->start;
        b->data[b->len] = '\0';
    }
    csvw_init(w, b);
    return rc;
}
