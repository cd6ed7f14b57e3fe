/* app/export/warcfile.c: rotating .warc.gz files written a record at a time (see warcfile.h). */
#include "app/export/warcfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/export/warcgz.h"
#include "app/export/warcrec.h"
#include "core/buf.h"
#include "core/fdio.h"
#include "core/mem.h"

#define OPEN_SUFFIX ".open"

struct app_warcfile {
    char *name, *software, *robots, *user_agent, *options;
    bool numbered;
    uint64_t max_size;
    struct app_warcgz *gz;   /* for the warcinfo records */
    int fd;                  /* the current file, or -1 */
    uint64_t size;           /* bytes of whole records in the current file */
    uint64_t info_size;      /* of which the warcinfo record */
    int err;                 /* first error, sticky */
    char **paths;            /* final path of each file so far */
    unsigned n, cap;
};

static char *dup_or_null(const char *s, int *rc)
{
    char *d;

    if (!s)
        return NULL;
    d = core_strdup(s);
    if (!d)
        *rc = -ENOMEM;
    return d;
}

void app_warcfile_opts_init(struct app_warcfile_opts *o)
{
    memset(o, 0, sizeof(*o));
}

static int64_t now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

/* Write what is appended at the current end, or cut the file back to its last whole record. */
static int put(struct app_warcfile *f, const void *p, size_t len)
{
    int rc = core_write_all(f->fd, p, len);

    if (rc < 0) {
        if (ftruncate(f->fd, (off_t)f->size) == 0)
            (void)lseek(f->fd, (off_t)f->size, SEEK_SET);
        return rc;
    }
    f->size += len;
    return 0;
}

static int warcinfo(struct app_warcfile *f, const char *filename, struct core_buf *rec)
{
    struct core_buf fields;
    struct app_warc_id id;
    char host[256];
    int rc;

    if (gethostname(host, sizeof(host)) < 0)
        snprintf(host, sizeof(host), "localhost");
    host[sizeof(host) - 1] = '\0';
    core_buf_init(&fields, 1u << 20);
    rc = app_warcrec_new_id(&id);
    if (rc == 0)
        rc = app_warcrec_field(&fields, "software", f->software);
    if (rc == 0)
        rc = app_warcrec_field(&fields, "format", "WARC File Format 1.1");
    if (rc == 0)
        rc = app_warcrec_field(&fields, "conformsTo",
                               "http://iipc.github.io/warc-specifications/specifications/"
                               "warc-format/warc-1.1/");
    if (rc == 0)
        rc = app_warcrec_field(&fields, "hostname", host);
    if (rc == 0 && f->robots)
        rc = app_warcrec_field(&fields, "robots", f->robots);
    if (rc == 0 && f->user_agent)
        rc = app_warcrec_field(&fields, "http-header-user-agent", f->user_agent);
    if (rc == 0 && f->options)
        rc = app_warcrec_field(&fields, "crawl-options", f->options);
    if (rc == 0)
        rc = app_warcrec_warcinfo(f->gz, filename, now_ms(), &id, fields.data ? fields.data : "",
                                  fields.len, rec);
    core_buf_free(&fields);
    return rc;
}

/* The final path of file i (core_malloc'ed), or NULL. */
static char *path_of(const struct app_warcfile *f, unsigned i)
{
    size_t n = strlen(f->name) + sizeof("-4294967295.warc.gz" OPEN_SUFFIX);
    char *path = core_malloc(n);

    if (!path)
        return NULL;
    if (f->numbered || i > 0)
        snprintf(path, n, "%s-%05u.warc.gz", f->name, i);
    else
        snprintf(path, n, "%s.warc.gz", f->name);
    return path;
}

static int make_room(struct app_warcfile *f)
{
    if (f->n == f->cap) {
        unsigned cap = f->cap ? f->cap * 2 : 8;
        char **p = core_reallocarray(f->paths, cap, sizeof(*p));

        if (!p)
            return -ENOMEM;
        f->paths = p;
        f->cap = cap;
    }
    return 0;
}

/* fsync path's directory, so that an entry created or renamed in it lasts (best effort). */
static void sync_dir(const char *path)
{
    char *dir = core_strdup(path);
    int dfd;

    if (!dir)
        return;
    dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    core_free(dir);
}

/* Create file number f->n (its .open name) and write its warcinfo record. */
static int start_file(struct app_warcfile *f)
{
    char *path = NULL, *open_path = NULL;
    struct core_buf rec;
    struct stat st;
    size_t n;
    int rc;

    if ((rc = make_room(f)) < 0)
        return rc;
    path = path_of(f, f->n);
    n = path ? strlen(path) + sizeof(OPEN_SUFFIX) : 0;
    open_path = path ? core_malloc(n) : NULL;
    if (!path || !open_path) {
        rc = -ENOMEM;
        goto out_free;
    }
    snprintf(open_path, n, "%s" OPEN_SUFFIX, path);
    /* never overwrite a finished archive (O_EXCL guards the .open name itself) */
    if (stat(path, &st) == 0) {
        rc = -EEXIST;
        goto out_free;
    }
    do
        f->fd = open(open_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0666);
    while (f->fd < 0 && errno == EINTR);
    if (f->fd < 0) {
        rc = -errno;
        goto out_free;
    }
    f->size = 0;
    core_buf_init(&rec, 64u << 20);
    rc = warcinfo(f, base_name(path), &rec);
    if (rc == 0)
        rc = put(f, rec.data, rec.len);
    core_buf_free(&rec);
    if (rc < 0)
        goto out_unlink;
    f->info_size = f->size;
    f->paths[f->n++] = path;
    /* the new entry durable before any commit (--state) can vouch for the file's bytes */
    sync_dir(open_path);
    core_free(open_path);
    return 0;

out_unlink:
    close(f->fd);
    f->fd = -1;
    unlink(open_path);
out_free:
    core_free(path);
    core_free(open_path);
    return rc;
}

/* fsync, close and rename the current file to its final name. */
static int finish_file(struct app_warcfile *f)
{
    const char *path = f->paths[f->n - 1];
    char *open_path;
    size_t n = strlen(path) + sizeof(OPEN_SUFFIX);
    int rc = 0;

    open_path = core_malloc(n);
    if (!open_path)
        return -ENOMEM;
    snprintf(open_path, n, "%s" OPEN_SUFFIX, path);
    if (fsync(f->fd) < 0)
        rc = -errno;
    /* after close(2) fails with EINTR the descriptor is gone on Linux: never retry it */
    if (close(f->fd) < 0 && rc == 0 && errno != EINTR)
        rc = -errno;
    f->fd = -1;
    if (rc == 0 && rename(open_path, path) < 0)
        rc = -errno;
    if (rc == 0)
        sync_dir(path); /* the rename itself durable */
    core_free(open_path);
    return rc;
}

/* The object of open and resume, with no file yet. */
static int setup(const struct app_warcfile_opts *o, struct app_warcfile **out)
{
    struct app_warcfile *f;
    int rc = 0;

    if (!o->name || !*o->name || o->name[strlen(o->name) - 1] == '/')
        return -EINVAL;
    f = core_calloc(1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    f->fd = -1;
    f->numbered = o->numbered;
    f->max_size = o->max_size;
    f->name = dup_or_null(o->name, &rc);
    f->software = dup_or_null(o->software ? o->software : "trawl/" TRAWL_VERSION, &rc);
    f->robots = dup_or_null(o->robots, &rc);
    f->user_agent = dup_or_null(o->user_agent, &rc);
    f->options = dup_or_null(o->options, &rc);
    if (rc == 0)
        rc = app_warcgz_create(o->level, &f->gz);
    if (rc < 0) {
        app_warcfile_destroy(f);
        return rc;
    }
    *out = f;
    return 0;
}

int app_warcfile_open(const struct app_warcfile_opts *o, struct app_warcfile **out)
{
    struct app_warcfile *f;
    int rc = setup(o, &f);

    if (rc == 0 && (rc = start_file(f)) < 0)
        app_warcfile_destroy(f);
    if (rc == 0)
        *out = f;
    return rc;
}

int app_warcfile_resume(const struct app_warcfile_opts *o, unsigned file, int fd, uint64_t len,
                        struct app_warcfile **out)
{
    struct app_warcfile *f;
    int rc = setup(o, &f);
    unsigned i;

    if (rc < 0) {
        close(fd);
        return rc;
    }
    f->fd = fd;
    for (i = 0; rc == 0 && i <= file; i++) {
        rc = make_room(f);
        if (rc == 0 && (f->paths[f->n] = path_of(f, i)) == NULL)
            rc = -ENOMEM;
        if (rc == 0)
            f->n++;
    }
    if (rc < 0) {
        app_warcfile_destroy(f);
        return rc;
    }
    f->size = len;
    f->info_size = len; /* one more record at least before the file rotates */
    *out = f;
    return 0;
}

char *app_warcfile_path_of(const struct app_warcfile_opts *o, unsigned i)
{
    struct app_warcfile f;

    memset(&f, 0, sizeof(f));
    f.name = (char *)(uintptr_t)o->name;
    f.numbered = o->numbered;
    return path_of(&f, i);
}

int app_warcfile_fd(const struct app_warcfile *f)
{
    return f->fd;
}

uint64_t app_warcfile_size(const struct app_warcfile *f)
{
    return f->size;
}

int app_warcfile_append(struct app_warcfile *f, const void *members, size_t len,
                        struct app_warc_loc *loc)
{
    int rc;

    if (f->err)
        return f->err;
    if (f->max_size && f->size > f->info_size && f->size + len > f->max_size) {
        rc = finish_file(f);
        if (rc == 0)
            rc = start_file(f);
        if (rc < 0)
            return f->err = rc;
    }
    loc->offset = f->size;
    rc = put(f, members, len);
    if (rc < 0)
        return f->err = rc;
    loc->filename = base_name(f->paths[f->n - 1]);
    loc->file = f->n - 1;
    loc->length = len;
    return 0;
}

int app_warcfile_finish(struct app_warcfile *f)
{
    int rc;

    if (f->fd < 0)
        return f->err;
    rc = f->err;
    if (rc == 0)
        rc = finish_file(f);
    else
        close(f->fd);
    f->fd = -1;
    if (f->err == 0)
        f->err = rc ? rc : -EBADF;   /* no append after finish */
    return rc;
}

void app_warcfile_destroy(struct app_warcfile *f)
{
    unsigned i;

    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);   /* not finished: the .open file stays, as after a crash */
    for (i = 0; i < f->n; i++)
        core_free(f->paths[i]);
    core_free(f->paths);
    app_warcgz_destroy(f->gz);
    core_free(f->name);
    core_free(f->software);
    core_free(f->robots);
    core_free(f->user_agent);
    core_free(f->options);
    core_free(f);
}

unsigned app_warcfile_count(const struct app_warcfile *f)
{
    return f->n;
}

const char *app_warcfile_path(const struct app_warcfile *f, unsigned i)
{
    return i < f->n ? f->paths[i] : NULL;
}
