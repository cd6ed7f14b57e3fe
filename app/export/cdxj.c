/* app/export/cdxj.c: CDXJ lines appended unsorted, then sorted by an external merge sort (see
 * cdxj.h). */
#include "app/export/cdxj.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/export/jsonw.h"
#include "app/export/surt.h"
#include "core/fdio.h"
#include "core/mem.h"

#define RUN_MAX ((size_t)64 << 20)   /* bytes of lines sorted in memory at once */
#define FANIN 64                     /* runs merged at once */
#define LINE_MAX_BYTES ((size_t)64 << 20)
#define READ_CHUNK ((size_t)64 << 10)

struct app_cdxj {
    char *path, *unsorted;
    int fd;                 /* the unsorted file, -1 once closed */
    int err;                /* first error, sticky */
    uint64_t count;
    uint64_t bytes;         /* of whole lines in the unsorted file */
    bool keep;              /* destroy leaves the unsorted file (a crawl to be resumed) */
    struct core_buf line;   /* reused for each line */
};

static char *concat(const char *a, const char *b)
{
    const size_t na = strlen(a), nb = strlen(b);
    char *s = core_malloc(na + nb + 1);

    if (s) {
        memcpy(s, a, na);
        memcpy(s + na, b, nb + 1);
    }
    return s;
}

int app_cdxj_line(const struct app_cdxj_entry *e, struct core_buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    const size_t start = out->len;
    struct core_buf key;
    time_t s = (time_t)(e->date_ms >= 0 ? e->date_ms / 1000 : (e->date_ms - 999) / 1000);
    struct tm tm;
    size_t i;
    int rc;

    core_buf_init(&key, out->max);
    rc = app_surt_key(e->url, strlen(e->url), &key);
    /* the key is the line's first field: no blank or control may end it early */
    for (i = 0; rc == 0 && i < key.len; i++) {
        const unsigned char c = (unsigned char)key.data[i];

        if (c <= 32 || c == 127) {
            const char esc[3] = {'%', hex[c >> 4], hex[c & 15]};

            rc = core_buf_append(out, esc, 3);
        } else {
            rc = core_buf_putc(out, (char)c);
        }
    }
    core_buf_free(&key);
    gmtime_r(&s, &tm);
    if (rc == 0)
        rc = core_buf_printf(out, " %04u%02u%02u%02u%02u%02u {\"url\":",
                             (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)tm.tm_mon + 1u,
                             (unsigned)tm.tm_mday, (unsigned)tm.tm_hour, (unsigned)tm.tm_min,
                             (unsigned)tm.tm_sec);
    if (rc == 0)
        rc = jsonw_quote(out, e->url, strlen(e->url));
    if (rc == 0 && e->mime && e->mime_len > 0) {
        rc = core_buf_puts(out, ",\"mime\":");
        if (rc == 0)
            rc = jsonw_quote(out, e->mime, e->mime_len);
    }
    if (rc == 0 && e->status > 0)
        rc = core_buf_printf(out, ",\"status\":\"%d\"", e->status);
    if (rc == 0 && e->digest) {
        rc = core_buf_puts(out, ",\"digest\":");
        if (rc == 0)
            rc = jsonw_quote(out, e->digest, strlen(e->digest));
    }
    if (rc == 0)
        rc = core_buf_printf(out, ",\"length\":\"%" PRIu64 "\",\"offset\":\"%" PRIu64
                                  "\",\"filename\":",
                             e->length, e->offset);
    if (rc == 0)
        rc = jsonw_quote(out, e->filename, strlen(e->filename));
    if (rc == 0)
        rc = core_buf_puts(out, "}\n");
    if (rc < 0) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    return rc;
}

/* fd < 0: create PATH.unsorted; else go on with it (len bytes, count lines). */
static int start(const char *path, int fd, uint64_t len, uint64_t count, struct app_cdxj **out)
{
    struct app_cdxj *c = core_calloc(1, sizeof(*c));
    int rc;

    if (!c)
        return -ENOMEM;
    c->fd = -1;
    core_buf_init(&c->line, LINE_MAX_BYTES);
    c->path = core_strdup(path);
    c->unsorted = concat(path, ".unsorted");
    if (!c->path || !c->unsorted) {
        rc = -ENOMEM;
        goto out_free;
    }
    if (fd >= 0) {
        c->fd = fd;
        c->bytes = len;
        c->count = count;
    } else {
        do
            c->fd = open(c->unsorted, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY,
                         0666);
        while (c->fd < 0 && errno == EINTR);
        if (c->fd < 0) {
            rc = -errno;
            goto out_free;
        }
    }
    *out = c;
    return 0;

out_free:
    if (fd >= 0)
        close(fd);
    core_free(c->path);
    core_free(c->unsorted);
    core_free(c);
    return rc;
}

int app_cdxj_open(const char *path, struct app_cdxj **out)
{
    return start(path, -1, 0, 0, out);
}

int app_cdxj_resume(const char *path, int fd, uint64_t len, uint64_t lines,
                    struct app_cdxj **out)
{
    return start(path, fd, len, lines, out);
}

char *app_cdxj_unsorted_path(const char *path)
{
    return concat(path, ".unsorted");
}

void app_cdxj_keep(struct app_cdxj *c)
{
    c->keep = true;
}

int app_cdxj_fd(const struct app_cdxj *c)
{
    return c->fd;
}

uint64_t app_cdxj_bytes(const struct app_cdxj *c)
{
    return c->bytes;
}

int app_cdxj_add(struct app_cdxj *c, const struct app_cdxj_entry *e)
{
    int rc;

    if (c->err)
        return c->err;
    if (c->fd < 0)
        return -EBADF;
    core_buf_reset(&c->line);
    rc = app_cdxj_line(e, &c->line);
    if (rc == 0)
        rc = core_write_all(c->fd, c->line.data, c->line.len);
    if (rc == 0)
        c->bytes += c->line.len;
    if (rc < 0)
        return c->err = rc;
    c->count++;
    return 0;
}

uint64_t app_cdxj_count(const struct app_cdxj *c)
{
    return c->count;
}

/* --- the external sort --- */

/* Lines of a file, read in chunks; a line is valid until the next call. */
struct reader {
    int fd;
    char *buf;
    size_t cap, start, end;
    bool eof;
};

static int reader_open(struct reader *r, const char *path)
{
    memset(r, 0, sizeof(*r));
    do
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
    while (r->fd < 0 && errno == EINTR);
    if (r->fd < 0)
        return -errno;
    r->cap = READ_CHUNK;
    r->buf = core_malloc(r->cap);
    if (!r->buf) {
        close(r->fd);
        return -ENOMEM;
    }
    return 0;
}

static void reader_close(struct reader *r)
{
    if (r->fd >= 0)
        close(r->fd);
    core_free(r->buf);
    r->fd = -1;
    r->buf = NULL;
}

/* The next line without its newline: 1 and *line and *len, 0 at the end, or a negated errno. A last
 * line without '\n' counts as a line. */
static int reader_next(struct reader *r, const char **line, size_t *len)
{
    for (;;) {
        char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
        ssize_t n;

        if (nl) {
            *line = r->buf + r->start;
            *len = (size_t)(nl - *line);
            r->start = (size_t)(nl + 1 - r->buf);
            return 1;
        }
        if (r->eof) {
            if (r->start == r->end)
                return 0;
            *line = r->buf + r->start;
            *len = r->end - r->start;
            r->start = r->end;
            return 1;
        }
        /* make room: move the partial line to the front, grow if it fills the buffer */
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
        if (r->end == r->cap) {
            char *p;

            if (r->cap >= LINE_MAX_BYTES)
                return -EMSGSIZE;
            p = core_reallocarray(r->buf, r->cap * 2, 1);
            if (!p)
                return -ENOMEM;
            r->buf = p;
            r->cap *= 2;
        }
        n = read(r->fd, r->buf + r->end, r->cap - r->end);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            r->eof = true;
        r->end += (size_t)n;
    }
}

/* A buffered writer on a file descriptor. */
struct writer {
    int fd;
    struct core_buf b;
};

static int writer_put(struct writer *w, const char *line, size_t len)
{
    int rc;

    if (w->b.len + len + 1 > READ_CHUNK && w->b.len > 0) {
        rc = core_write_all(w->fd, w->b.data, w->b.len);
        if (rc < 0)
            return rc;
        core_buf_reset(&w->b);
    }
    rc = core_buf_append(&w->b, line, len);
    if (rc == 0)
        rc = core_buf_putc(&w->b, '\n');
    return rc;
}

static int writer_flush(struct writer *w)
{
    int rc = w->b.len ? core_write_all(w->fd, w->b.data, w->b.len) : 0;

    core_buf_reset(&w->b);
    return rc;
}

struct span {
    const char *p;
    size_t n;
};

static int cmp_line(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);

    return c ? c : (an > bn) - (an < bn);
}

static int cmp_span(const void *x, const void *y)
{
    const struct span *a = x, *b = y;

    return cmp_line(a->p, a->n, b->p, b->n);
}

/* The temporary runs: names of files holding sorted lines. */
struct runs {
    char **names;
    size_t n, cap;
    const char *prefix;   /* tmpdir/ or the output's path */
};

static int run_create(struct runs *rs, int *fd)
{
    char *name;
    int rc;

    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 16;
        char **p = core_reallocarray(rs->names, cap, sizeof(*p));

        if (!p)
            return -ENOMEM;
        rs->names = p;
        rs->cap = cap;
    }
    name = concat(rs->prefix, ".run-XXXXXX");
    if (!name)
        return -ENOMEM;
    *fd = mkostemp(name, O_CLOEXEC);
    if (*fd < 0) {
        rc = -errno;
        core_free(name);
        return rc;
    }
    rs->names[rs->n++] = name;
    return 0;
}

static void runs_remove(struct runs *rs, size_t from, size_t to)
{
    size_t i;

    for (i = from; i < to; i++) {
        if (rs->names[i]) {
            unlink(rs->names[i]);
            core_free(rs->names[i]);
            rs->names[i] = NULL;
        }
    }
}

/* Sort the spans of one run and write them to fd. */
static int write_sorted(struct span *spans, size_t n, int fd)
{
    struct writer w = {fd, {0}};
    size_t i;
    int rc = 0;

    core_buf_init(&w.b, READ_CHUNK + LINE_MAX_BYTES);
    if (n > 1)
        qsort(spans, n, sizeof(*spans), cmp_span);
    for (i = 0; i < n && rc == 0; i++)
        rc = writer_put(&w, spans[i].p, spans[i].n);
    if (rc == 0)
        rc = writer_flush(&w);
    core_buf_free(&w.b);
    return rc;
}

/* Merge runs [from, to) into fd. */
static int merge(struct runs *rs, size_t from, size_t to, int fd)
{
    const size_t k = to - from;
    struct reader *r = core_calloc(k, sizeof(*r));
    const char **head = core_calloc(k, sizeof(*head));
    size_t *hlen = core_calloc(k, sizeof(*hlen)), i, best;
    struct writer w = {fd, {0}};
    int rc = 0, got;

    core_buf_init(&w.b, READ_CHUNK + LINE_MAX_BYTES);
    if (!r || !head || !hlen) {
        rc = -ENOMEM;
        goto out;
    }
    for (i = 0; i < k; i++)
        r[i].fd = -1;
    for (i = 0; i < k && rc == 0; i++) {
        rc = reader_open(&r[i], rs->names[from + i]);
        if (rc == 0) {
            got = reader_next(&r[i], &head[i], &hlen[i]);
            if (got < 0)
                rc = got;
            else if (got == 0)
                head[i] = NULL;
        }
    }
    while (rc == 0) {
        best = k;
        for (i = 0; i < k; i++)
            if (head[i] && (best == k || cmp_line(head[i], hlen[i], head[best], hlen[best]) < 0))
                best = i;
        if (best == k)
            break;
        rc = writer_put(&w, head[best], hlen[best]);
        if (rc == 0) {
            got = reader_next(&r[best], &head[best], &hlen[best]);
            if (got < 0)
                rc = got;
            else if (got == 0)
                head[best] = NULL;
        }
    }
    if (rc == 0)
        rc = writer_flush(&w);
out:
    if (r)
        for (i = 0; i < k; i++)
            reader_close(&r[i]);
    core_free(r);
    core_free(head);
    core_free(hlen);
    core_buf_free(&w.b);
    return rc;
}

int app_cdxj_sort_file(const char *in, const char *out, const char *tmpdir, size_t run_max)
{
    struct runs rs = {NULL, 0, 0, NULL};
    struct core_buf lines;    /* the run being gathered, '\n'-terminated */
    struct span *spans = NULL;
    size_t nspans = 0, capspans = 0, i, done;
    struct reader r;
    const char *line;
    size_t len;
    char *prefix;
    int rc, fd = -1, got;

    prefix = concat(tmpdir, "/cdxj");
    if (!prefix)
        return -ENOMEM;
    rs.prefix = prefix;
    core_buf_init(&lines, run_max + LINE_MAX_BYTES);
    rc = reader_open(&r, in);
    if (rc < 0) {
        core_free(prefix);
        return rc;
    }
    for (;;) {
        got = reader_next(&r, &line, &len);
        if (got < 0) {
            rc = got;
            break;
        }
        if (got == 0 || (lines.len + len + 1 > run_max && nspans > 0)) {
            /* a run is complete: sort it into a file (or straight into out when it is the
             * only one) */
            if (got == 0 && rs.n == 0) {
                do
                    fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
                while (fd < 0 && errno == EINTR);
                rc = fd < 0 ? -errno : 0;
            } else {
                rc = run_create(&rs, &fd);
            }
            /* spans point into lines.data, which may have moved while growing */
            for (i = 0, done = 0; rc == 0 && i < nspans; i++) {
                spans[i].p = lines.data + done;
                done += spans[i].n + 1;
            }
            if (rc == 0)
                rc = write_sorted(spans, nspans, fd);
            if (fd >= 0 && rs.n == 0 && rc == 0 && fsync(fd) < 0)
                rc = -errno;
            if (fd >= 0)
                close(fd);
            fd = -1;
            core_buf_reset(&lines);
            nspans = 0;
            if (rc < 0 || got == 0)
                break;
        }
        if (nspans == capspans) {
            size_t cap = capspans ? capspans * 2 : 1024;
            struct span *p = core_reallocarray(spans, cap, sizeof(*p));

            if (!p) {
                rc = -ENOMEM;
                break;
            }
            spans = p;
            capspans = cap;
        }
        spans[nspans].n = len;
        nspans++;
        rc = core_buf_append(&lines, line, len);
        if (rc == 0)
            rc = core_buf_putc(&lines, '\n');
        if (rc < 0)
            break;
    }
    reader_close(&r);
    core_buf_free(&lines);
    core_free(spans);
    /* merge FANIN runs at a time into new runs while there are more than FANIN left, then the
     * rest into out */
    done = 0;
    while (rc == 0 && rs.n - done > FANIN) {
        rc = run_create(&rs, &fd);
        if (rc == 0)
            rc = merge(&rs, done, done + FANIN, fd);
        if (fd >= 0)
            close(fd);
        fd = -1;
        runs_remove(&rs, done, done + FANIN);
        done += FANIN;
    }
    if (rc == 0 && rs.n > done) {
        do
            fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        while (fd < 0 && errno == EINTR);
        rc = fd < 0 ? -errno : 0;
        if (rc == 0)
            rc = merge(&rs, done, rs.n, fd);
        if (rc == 0 && fsync(fd) < 0)
            rc = -errno;
        if (fd >= 0)
            close(fd);
    }
    runs_remove(&rs, 0, rs.n);
    core_free(rs.names);
    core_free(prefix);
    return rc;
}

int app_cdxj_finish(struct app_cdxj *c)
{
    char *open_path = NULL, *dir = NULL, *slash;
    int rc = c->err;

    if (c->fd >= 0) {
        if (close(c->fd) < 0 && rc == 0 && errno != EINTR)
            rc = -errno;
        c->fd = -1;
    } else if (rc == 0) {
        return -EBADF;   /* finished already */
    }
    if (rc == 0) {
        open_path = concat(c->path, ".open");
        dir = core_strdup(c->path);
        if (!open_path || !dir)
            rc = -ENOMEM;
    }
    if (rc == 0) {
        slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        rc = app_cdxj_sort_file(c->unsorted, open_path, slash ? (*dir ? dir : "/") : ".",
                                RUN_MAX);
    }
    if (rc == 0 && rename(open_path, c->path) < 0)
        rc = -errno;
    if (rc < 0 && open_path)
        unlink(open_path);
    core_free(open_path);
    core_free(dir);
    if (c->err == 0)
        c->err = rc ? rc : -EBADF;   /* nothing more may be added */
    return rc;
}

void app_cdxj_destroy(struct app_cdxj *c)
{
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    if (!c->keep)
        unlink(c->unsorted); /* finished or abandoned, the unsorted lines are not needed */
    core_buf_free(&c->line);
    core_free(c->path);
    core_free(c->unsorted);
    core_free(c);
}
