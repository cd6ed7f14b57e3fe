/* app/crawl/linkstore.c: links of fetched pages in an unlinked temporary file (see linkstore.h). */
#include "app/crawl/linkstore.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"

struct entry {
    uint64_t fp;        /* 0 = empty */
    uint64_t off;
    uint64_t len;
};

struct linkstore {
    int fd;
    uint64_t end;
    linkstore_keep_fn *keep;    /* --state: hears of every put */
    void *keep_arg;
    struct entry *tab;
    size_t cap;         /* power of two */
    size_t count;
};

int linkstore_create(struct linkstore **out)
{
    struct linkstore *ls = core_calloc(1, sizeof(*ls));
    const char *dir = getenv("TMPDIR");
    char path[4096];
    int n;

    if (!ls)
        return -ENOMEM;
    n = snprintf(path, sizeof(path), "%s/trawl-links-XXXXXX", dir && *dir ? dir : "/tmp");
    if (n < 0 || (size_t)n >= sizeof(path)) {
        core_free(ls);
        return -ENAMETOOLONG;
    }
    ls->fd = mkstemp(path);
    if (ls->fd < 0) {
        n = -errno;
        core_free(ls);
        return n;
    }
    unlink(path);
    *out = ls;
    return 0;
}

int linkstore_open(const char *path, uint64_t len, struct linkstore **out)
{
    struct linkstore *ls = core_calloc(1, sizeof(*ls));
    struct stat st;
    int rc = 0;

    if (!ls)
        return -ENOMEM;
    do
        ls->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0666);
    while (ls->fd < 0 && errno == EINTR);
    if (ls->fd < 0)
        rc = -errno;
    else if (fstat(ls->fd, &st) < 0)
        rc = -errno;
    else if ((uint64_t)st.st_size < len)
        rc = -EIO; /* committed links are gone */
    else if (ftruncate(ls->fd, (off_t)len) < 0)
        rc = -errno;
    if (rc < 0) {
        if (ls->fd >= 0)
            close(ls->fd);
        core_free(ls);
        return rc;
    }
    ls->end = len;
    *out = ls;
    return 0;
}

void linkstore_keep(struct linkstore *ls, linkstore_keep_fn *fn, void *arg)
{
    ls->keep = fn;
    ls->keep_arg = arg;
}

int linkstore_fd(const struct linkstore *ls)
{
    return ls->fd;
}

uint64_t linkstore_end(const struct linkstore *ls)
{
    return ls->end;
}

void linkstore_destroy(struct linkstore *ls)
{
    if (!ls)
        return;
    close(ls->fd);
    core_free(ls->tab);
    core_free(ls);
}

static size_t slot(const struct entry *tab, size_t cap, uint64_t fp)
{
    size_t i = (size_t)(fp * 0x9E3779B97F4A7C15u >> 17) & (cap - 1);

    while (tab[i].fp != 0 && tab[i].fp != fp)
        i = (i + 1) & (cap - 1);
    return i;
}

static int grow(struct linkstore *ls)
{
    size_t cap = ls->cap ? ls->cap * 2 : 1024, i;
    struct entry *tab = core_calloc(cap, sizeof(*tab));

    if (!tab)
        return -ENOMEM;
    for (i = 0; i < ls->cap; i++)
        if (ls->tab[i].fp)
            tab[slot(tab, cap, ls->tab[i].fp)] = ls->tab[i];
    core_free(ls->tab);
    ls->tab = tab;
    ls->cap = cap;
    return 0;
}

/* Record fp's links at off (len bytes). */
static int index_at(struct linkstore *ls, uint64_t fp, uint64_t off, uint64_t len)
{
    struct entry *e;
    int rc;

    if (fp == 0)
        fp = 1; /* 0 marks empty slots */
    if ((ls->count + 1) * 4 > ls->cap * 3 && (rc = grow(ls)) < 0)
        return rc;
    e = &ls->tab[slot(ls->tab, ls->cap, fp)];
    if (e->fp == 0)
        ls->count++;
    e->fp = fp;
    e->off = off;
    e->len = len;
    return 0;
}

int linkstore_index(struct linkstore *ls, uint64_t fp, uint64_t off, uint64_t len)
{
    if (off > ls->end || len > ls->end - off)
        return -EINVAL; /* past what was committed */
    return index_at(ls, fp, off, len);
}

int linkstore_put(struct linkstore *ls, uint64_t fp, const char *links, size_t len)
{
    size_t done = 0;
    int rc;

    while (done < len) {
        ssize_t w = pwrite(ls->fd, links + done, len - done, (off_t)(ls->end + done));

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? -errno : -EIO;
        done += (size_t)w;
    }
    rc = index_at(ls, fp, ls->end, len);
    if (rc < 0)
        return rc;
    if (ls->keep)
        ls->keep(ls->keep_arg, fp, ls->end, len);
    ls->end += len;
    return 0;
}

int linkstore_get(struct linkstore *ls, uint64_t fp, struct core_buf *out)
{
    const struct entry *e;
    size_t done = 0;
    int rc;

    if (fp == 0)
        fp = 1;
    if (ls->cap == 0 || (e = &ls->tab[slot(ls->tab, ls->cap, fp)])->fp == 0)
        return -ENOENT;
    rc = core_buf_reserve(out, e->len);
    if (rc < 0)
        return rc;
    while (done < e->len) {
        ssize_t r = pread(ls->fd, out->data + out->len + done, e->len - done,
                          (off_t)(e->off + done));

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? -errno : -EIO;
        done += (size_t)r;
    }
    out->len += e->len;
    out->data[out->len] = '\0';
    return 0;
}
