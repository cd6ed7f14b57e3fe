/* app/orders/lines.c: incremental line splitter (see lines.h).
 *
 * State between calls: the borrowed chunk and how far it has been read (pos), and `part`, the
 * start of a line whose LF has not been seen yet. part holds at most max + 1 bytes: the extra
 * byte is room for a CR that may turn out to be the CR of a CRLF. As soon as part plus the
 * unread bytes prove the line too long, the line is returned and the rest skipped. */
#include "app/orders/lines.h"

#include <errno.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"

static const unsigned char bom_bytes[3] = {0xEF, 0xBB, 0xBF};

struct lines {
    size_t max;             /* longest line returned whole, in bytes without CR LF */
    struct core_buf part;   /* start of the current line, when it spans chunks (max + 1) */
    const char *chunk;      /* borrowed until drained */
    size_t chunk_len;
    size_t pos;             /* bytes of chunk consumed */
    uint64_t lineno;        /* number of the line being read */
    unsigned char bom[3];   /* stream-start bytes that may still be a BOM */
    size_t bom_len;
    bool bom_checked;       /* the stream start has been checked for a BOM */
    bool had_bom;
    bool skipping;          /* in a too-long line already returned: drop bytes until LF */
    bool part_returned;     /* part holds the line returned last: empty it on the next call */
    bool eof;               /* the last chunk has been fed */
    bool finished;          /* eof, and every line returned */
};

int lines_create(size_t max_line, struct lines **out)
{
    struct lines *l;

    if (max_line == 0)
        max_line = LINES_DEFAULT_MAX;
    if (max_line > SIZE_MAX / 4)
        return -EINVAL;
    l = core_calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    l->max = max_line;
    core_buf_init(&l->part, max_line + 1);
    l->lineno = 1;
    *out = l;
    return 0;
}

void lines_destroy(struct lines *l)
{
    if (!l)
        return;
    core_buf_free(&l->part);
    core_free(l);
}

size_t lines_buffer_capacity(const struct lines *l)
{
    return l->part.cap;
}

static void forget_returned(struct lines *l)
{
    if (l->part_returned) {
        core_buf_reset(&l->part);
        l->part_returned = false;
    }
}

int lines_feed(struct lines *l, const char *data, size_t len, bool eof)
{
    if (l->eof)
        return -EINVAL;
    if (l->pos < l->chunk_len)
        return -EBUSY;
    forget_returned(l);
    l->chunk = data;
    l->chunk_len = len;
    l->pos = 0;
    l->eof = eof;
    return 0;
}

static int fill(struct lines *l, struct lines_line *line, const char *text, size_t len,
                bool too_long)
{
    line->text = text;
    line->len = len;
    line->lineno = l->lineno;
    line->too_long = too_long;
    line->had_bom = l->lineno == 1 && l->had_bom;
    return 1;
}

/* A line that ends here: part, then p[0..n), then LF (had_lf) or the end of the stream. */
static int end_line(struct lines *l, const char *p, size_t n, bool had_lf,
                    struct lines_line *line)
{
    const size_t held = l->part.len, total = held + n;
    char last = 0;
    size_t len;
    bool too_long;
    int rc;

    if (n > 0)
        last = p[n - 1];
    else if (held > 0)
        last = l->part.data[held - 1];
    len = total - (had_lf && last == '\r');
    too_long = len > l->max;
    if (held == 0) {
        /* the whole line is in the chunk: return it in place */
        fill(l, line, p, too_long ? l->max : len, too_long);
    } else {
        /* held <= max + 1; keep part within max + 1 bytes */
        const size_t room = l->part.max - held;

        rc = core_buf_append(&l->part, p, n < room ? n : room);
        if (rc < 0)
            return rc;
        l->part_returned = true;
        fill(l, line, l->part.data, too_long ? l->max : len, too_long);
    }
    l->lineno++;
    return 1;
}

/* p[0..n) holds no LF and more input follows: keep it, or return the line now if it is
 * already too long (then skip the rest of it). */
static int keep_partial(struct lines *l, const char *p, size_t n, struct lines_line *line)
{
    const size_t held = l->part.len, total = held + n;
    const char last = n > 0 ? p[n - 1] : (held > 0 ? l->part.data[held - 1] : 0);
    int rc;

    /* max + 1 bytes are too many unless the last one is a CR that an LF may follow */
    if (total > l->max + 1 || (total == l->max + 1 && last != '\r')) {
        if (held == 0) {
            fill(l, line, p, l->max, true);
        } else {
            if (held < l->max) {
                rc = core_buf_append(&l->part, p, l->max - held);
                if (rc < 0)
                    return rc;
            }
            l->part_returned = true;
            fill(l, line, l->part.data, l->max, true);
        }
        l->skipping = true;
        return 1;
    }
    rc = core_buf_append(&l->part, p, n);
    return rc < 0 ? rc : 0;
}

/* Consume stream-start bytes while they may be a BOM. Bytes that turn out not to be one are
 * the start of line 1 and go to part. */
static int check_bom(struct lines *l)
{
    int rc;

    while (l->pos < l->chunk_len) {
        const unsigned char c = (unsigned char)l->chunk[l->pos];

        if (c != bom_bytes[l->bom_len])
            break;
        l->bom[l->bom_len++] = c;
        l->pos++;
        if (l->bom_len == 3) {
            l->had_bom = true;
            l->bom_checked = true;
            return 0;
        }
    }
    if (l->pos == l->chunk_len && !l->eof)
        return 0;  /* undecided: wait for more bytes */
    if (l->bom_len > 0) {
        rc = core_buf_append(&l->part, l->bom, l->bom_len);
        if (rc < 0)
            return rc;
    }
    l->bom_checked = true;
    return 0;
}

int lines_next(struct lines *l, struct lines_line *line)
{
    int rc;

    forget_returned(l);
    if (l->finished)
        return 0;
    if (!l->bom_checked) {
        rc = check_bom(l);
        if (rc < 0)
            return rc;
    }
    while (l->pos < l->chunk_len) {
        const char *p = l->chunk + l->pos;
        const size_t n = l->chunk_len - l->pos;
        const char *lf = memchr(p, '\n', n);

        if (l->skipping) {
            if (!lf) {
                l->pos = l->chunk_len;
                break;
            }
            l->pos += (size_t)(lf - p) + 1;
            l->skipping = false;
            l->lineno++;
            continue;
        }
        if (lf) {
            rc = end_line(l, p, (size_t)(lf - p), true, line);
            if (rc > 0)
                l->pos += (size_t)(lf - p) + 1;
            return rc;
        }
        if (l->eof) {
            rc = end_line(l, p, n, false, line);
            if (rc > 0) {
                l->pos = l->chunk_len;
                l->finished = true;
            }
            return rc;
        }
        rc = keep_partial(l, p, n, line);
        if (rc >= 0)
            l->pos = l->chunk_len;
        return rc;
    }
    if (!l->eof || !l->bom_checked)
        return 0;
    l->finished = true;
    if (!l->skipping && l->part.len > 0)
        return end_line(l, NULL, 0, false, line);
    return 0;
}
