/* app/crawl/warc.c: the crawl's archive (see warc.h). */
#include "app/crawl/warc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/crawl/state.h"
#include "app/export/cdxj.h"
#include "app/export/dedup.h"
#include "app/export/wacz.h"
#include "app/export/warcfile.h"
#include "app/export/warchttp.h"
#include "app/export/warcrec.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/offload.h"
#include "core/sem.h"
#include "app/state/statedb.h"

/* Records built at once, each with its compressor (libdeflate's level 6 state is most of a
 * megabyte): enough to keep the pool busy, not one per worker. */
#define BUILDERS 8
#define RECORDS_MAX ((size_t)1 << 30) /* the records of one fetch */

struct crawl_warc {
    struct app_warcfile *files;
    struct app_cdxj *index;           /* NULL without --cdx or --wacz */
    struct app_wacz *pack;            /* NULL without --wacz */
    struct app_dedup *dedup;
    struct core_sem *builders;        /* BUILDERS slots */
    struct app_warcgz *free_gz[BUILDERS];
    unsigned nfree_gz;
    char *cdx_path;                   /* the index's path (a temporary one for --wacz alone) */
    bool cdx_temp;                    /* remove cdx_path at destroy */
    uint64_t responses, revisits;
    uint64_t dedup_misses;            /* payloads the dedup table did not take */
    char *main_url;                   /* the first seed page archived: the WACZ's main page */
    int64_t main_ts_ms;
    int level;                        /* compression level of the records */
    int err;                          /* first write error, sticky */
    crawl_warc_keep_fn *keep;         /* --state: digests added to the dedup table */
    void *keep_arg;
    char *open_path;                  /* the current WARC file's .open path (for a commit) */
    unsigned open_file;               /* ... of file number */
    bool suspended;                   /* destroy keeps what a resumed crawl goes on with */
};

/* --- on the pool ---------------------------------------------------------------------------- */

/* One fetch's records, built off the loop. */
struct build {
    struct app_warcgz *gz;
    struct app_warc_fetch f;
    const struct fetch_result *res;
    struct core_buf req11, head11, recs;
    struct app_warc_id req_id, resp_id;
    struct app_warc_digests d;
    size_t req_len;                   /* bytes of recs that are the request record */
};

static int build_on_pool(void *arg)
{
    struct build *b = arg;
    const struct fetch_result *res = b->res;
    int rc;

    rc = app_warchttp_request_to_http11(res->request.data, res->request.len, &b->req11);
    if (rc == 0)
        rc = app_warchttp_response_to_http11(res->head.data, res->head.len, &b->head11);
    if (rc < 0)
        return rc;
    b->f.request = b->req11.data;
    b->f.request_len = b->req11.len;
    b->f.head = b->head11.data;
    b->f.head_len = b->head11.len;
    if (res->wire_kept) {
        b->f.body = res->wire.data;
        b->f.body_len = res->wire.len;
    } else {
        b->f.body = res->body.data;
        b->f.body_len = res->body.len;
    }
    if (!b->f.body)
        b->f.body = "";
    rc = app_warcrec_digest(&b->f, &b->d);
    if (rc == 0)
        rc = app_warcrec_request(b->gz, &b->f, &b->d, &b->req_id, &b->resp_id, &b->recs);
    b->req_len = b->recs.len;
    /* the response, even when the loop then finds the payload archived already and writes a
     * revisit instead: duplicates are the exception, and the loop should not compress bodies */
    if (rc == 0)
        rc = app_warcrec_response(b->gz, &b->f, &b->d, &b->resp_id, &b->req_id, &b->recs);
    return rc;
}

/* --- on the loop ---------------------------------------------------------------------------- */

static enum app_warc_trunc trunc_of(int err, const struct fetch_result *res)
{
    if (err == CORE_ETOOLARGE && !res->wire_cut)
        return APP_WARC_TRUNC_NONE; /* whole as received; too large once inflated */
    switch (err) {
    case 0: return APP_WARC_TRUNC_NONE;
    case CORE_ETOOLARGE: return APP_WARC_TRUNC_LENGTH;
    case -ETIMEDOUT: return APP_WARC_TRUNC_TIME;
    default: return APP_WARC_TRUNC_DISCONNECT;
    }
}

static enum app_warc_proto proto_of(const char *uri, int major)
{
    if (major == 2)
        return strncmp(uri, "https:", 6) == 0 ? APP_WARC_PROTO_H2 : APP_WARC_PROTO_H2C;
    return major == 3 ? APP_WARC_PROTO_H3 : APP_WARC_PROTO_NONE;
}

static struct app_warcgz *gz_take(struct crawl_warc *w)
{
    struct app_warcgz *gz = NULL;

    if (w->nfree_gz > 0)
        return w->free_gz[--w->nfree_gz];
    if (app_warcgz_create(w->level, &gz) < 0)
        return NULL;
    return gz;
}

static void gz_give(struct crawl_warc *w, struct app_warcgz *gz)
{
    if (w->nfree_gz < BUILDERS)
        w->free_gz[w->nfree_gz++] = gz;
    else
        app_warcgz_destroy(gz);
}

static void index_add(struct crawl_warc *w, const struct build *b, bool revisit,
                      const struct app_warc_loc *loc, uint64_t len)
{
    struct app_cdxj_entry e;
    const char *mime = NULL;
    size_t mime_len = app_warchttp_mime(b->f.head, b->f.head_len, &mime);
    int rc;

    if (!w->index)
        return;
    memset(&e, 0, sizeof(e));
    e.url = b->f.uri;
    e.date_ms = b->f.date_ms;
    e.mime = revisit ? "warc/revisit" : mime;
    e.mime_len = revisit ? strlen("warc/revisit") : mime_len;
    e.status = app_warchttp_status(b->f.head, b->f.head_len);
    e.digest = b->d.payload;
    e.offset = loc->offset + b->req_len;
    e.length = len;
    e.filename = loc->filename;
    rc = app_cdxj_add(w->index, &e);
    if (rc < 0 && w->err == 0)
        w->err = rc;
}

/* Only complete answers with a body are deduplicated (an empty payload is in every redirect). */
static bool dedup_worthy(const struct build *b)
{
    return b->f.truncated == APP_WARC_TRUNC_NONE && b->res->body.len > 0 &&
           app_warchttp_status(b->f.head, b->f.head_len) / 100 == 2;
}

/* Write b's records: request + response, or request + revisit when the payload is known. */
static int write_records(struct crawl_warc *w, struct build *b, struct crawl_warc_at *at)
{
    struct app_dedup_hit hit;
    struct app_warc_loc loc;
    bool revisit = dedup_worthy(b) && app_dedup_find(w->dedup, b->d.payload, &hit);
    uint64_t len;
    int rc;

    if (revisit) {
        const struct app_warc_original orig = {hit.uri, hit.date_ms, hit.id};

        b->recs.len = b->req_len; /* drop the response built on the pool */
        rc = app_warcrec_revisit(b->gz, &b->f, &b->d, &b->resp_id, &b->req_id, &orig, &b->recs);
        if (rc < 0)
            return rc;
    }
    rc = app_warcfile_append(w->files, b->recs.data, b->recs.len, &loc);
    if (rc < 0)
        return rc;
    len = b->recs.len - b->req_len;
    if (revisit) {
        w->revisits++;
    } else {
        w->responses++;
        /* -EEXIST (a concurrent fetch of the same payload won), CORE_EFULL or -ENOMEM only
         * mean later copies are archived in full */
        if (dedup_worthy(b)) {
            if (app_dedup_add(w->dedup, b->d.payload, b->f.uri, b->f.date_ms, &b->resp_id) < 0)
                w->dedup_misses++;
            else if (w->keep)
                w->keep(w->keep_arg, b->d.payload, b->f.uri, b->f.date_ms, b->resp_id.s);
        }
    }
    index_add(w, b, revisit, &loc, len);
    at->file = loc.filename;
    at->offset = loc.offset + b->req_len;
    return 0;
}

int crawl_warc_fetch(struct core_coro *co, struct crawl_warc *w, const char *uri,
                     int64_t date_ms, int err, const struct fetch_result *res,
                     struct crawl_warc_at *at)
{
    struct build *b;
    int rc;

    at->file = NULL;
    at->offset = 0;
    if (w->err)
        return w->err;
    /* no answer to archive: nothing came, or the header block was cut (a timeout or a reset
     * inside it), which no record could hold */
    if (err == -ECANCELED || res->head.len == 0 || res->request.len == 0 ||
        app_warchttp_status(res->head.data, res->head.len) == 0 ||
        app_warchttp_head_len(res->head.data, res->head.len) != res->head.len)
        return 0;
    b = core_calloc(1, sizeof(*b));
    if (!b)
        return -ENOMEM;
    b->res = res;
    b->f.uri = uri;
    b->f.ip = res->ip[0] ? res->ip : NULL;
    b->f.date_ms = date_ms;
    b->f.proto = proto_of(uri, res->http_major);
    b->f.truncated = trunc_of(err, res);
    core_buf_init(&b->req11, res->request.len + 64);
    core_buf_init(&b->head11, res->head.len + 64);
    core_buf_init(&b->recs, RECORDS_MAX);
    rc = app_warcrec_new_id(&b->req_id);
    if (rc == 0)
        rc = app_warcrec_new_id(&b->resp_id);
    if (rc == 0)
        rc = core_sem_acquire(co, w->builders, -1);
    if (rc == 0) {
        if (!(b->gz = gz_take(w)))
            rc = -ENOMEM;
        if (rc == 0)
            rc = core_offload(co, build_on_pool, b, -1);
        if (rc == 0)
            rc = write_records(w, b, at);
        if (b->gz)
            gz_give(w, b->gz);
        (void)core_sem_release(w->builders);
    }
    core_buf_free(&b->req11);
    core_buf_free(&b->head11);
    core_buf_free(&b->recs);
    core_free(b);
    if (rc < 0 && rc != -ECANCELED && rc != -EINVAL && w->err == 0)
        w->err = rc; /* the archive is broken from here on: say so at the end */
    return rc;
}

void crawl_warc_page(struct crawl_warc *w, const char *url, int64_t ts_ms, const char *title,
                     bool seed)
{
    int rc;

    if (!w->pack)
        return;
    if (seed && !w->main_url && (w->main_url = core_strdup(url)) != NULL)
        w->main_ts_ms = ts_ms;
    rc = app_wacz_add_page(w->pack, url, ts_ms, title, seed);
    if (rc < 0 && w->err == 0)
        w->err = rc;
}

/* --- lifetime ------------------------------------------------------------------------------- */

/* --- a resumed crawl's archive ---------------------------------------------------------------- */

/* The archive's part of a crawl's state (crawl_warc_save), followed by main_len bytes of URL. */
struct saved {
    uint64_t responses, revisits;
    int64_t main_ts_ms;
    uint32_t file;              /* the current WARC file */
    uint32_t main_len;
};

int crawl_warc_save(const struct crawl_warc *w, struct core_buf *out)
{
    struct saved sv;
    int rc;

    memset(&sv, 0, sizeof(sv));
    sv.responses = w->responses;
    sv.revisits = w->revisits;
    sv.main_ts_ms = w->main_ts_ms;
    sv.file = app_warcfile_count(w->files) - 1;
    sv.main_len = w->main_url ? (uint32_t)strlen(w->main_url) : 0;
    rc = core_buf_append(out, &sv, sizeof(sv));
    if (rc == 0 && sv.main_len)
        rc = core_buf_append(out, w->main_url, sv.main_len);
    return rc;
}

/* Reopen path at its committed length (of output name). */
static int reopen(const struct crawl_warc_opts *o, const char *name, const char *path,
                  uint64_t *len, int *fd)
{
    int64_t n = o->committed_len(o->committed_arg, name);
    char msg[512];

    if (n < 0)
        return (int)n;
    *len = (uint64_t)n;
    return statedb_output_reopen(path, n, msg, sizeof(msg), fd);
}

/* Lines in the first len bytes of path (the unsorted index: one record per line). */
static int count_lines(const char *path, uint64_t len, uint64_t *lines)
{
    char buf[65536];
    uint64_t off = 0;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

    *lines = 0;
    if (fd < 0)
        return -errno;
    while (off < len) {
        n = pread(fd, buf, len - off < sizeof(buf) ? (size_t)(len - off) : sizeof(buf),
                  (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = n < 0 ? -errno : -EIO;
            break;
        }
        for (ssize_t i = 0; i < n; i++)
            *lines += buf[i] == '\n';
        off += (uint64_t)n;
    }
    close(fd);
    return rc;
}

/* The WARC file the state says is current, as its .open file: renamed back if it was finished
 * after the last commit, and files started after that commit removed. */
static int current_file(const struct app_warcfile_opts *fo, unsigned file, char **open_path)
{
    char *path = app_warcfile_path_of(fo, file), *later;
    struct core_buf b;
    unsigned i;
    int rc;

    if (!path)
        return -ENOMEM;
    core_buf_init(&b, 8192);
    rc = core_buf_printf(&b, "%s.open", path);
    if (rc == 0 && access(b.data, F_OK) < 0 && access(path, F_OK) == 0 && rename(path, b.data) < 0)
        rc = -errno;
    for (i = file + 1; rc == 0 && (later = app_warcfile_path_of(fo, i)) != NULL; i++) {
        struct core_buf lo;
        bool any;

        core_buf_init(&lo, 8192);
        any = core_buf_printf(&lo, "%s.open", later) == 0 && unlink(lo.data) == 0;
        any = unlink(later) == 0 || any;
        core_buf_free(&lo);
        core_free(later);
        if (!any)
            break;
    }
    core_free(path);
    if (rc < 0) {
        core_buf_free(&b);
        return rc;
    }
    *open_path = core_buf_steal(&b);
    return 0;
}

static bool exists(const char *path)
{
    return path && access(path, F_OK) == 0;
}

/* Was the archive finished after its last commit? Its index's unsorted file goes last (at
 * destroy, after the WARC file's rename and the package), so a finish cut short leaves it, and
 * resume() finishes again. Without an index there is no telling a finished archive from one
 * killed while rotating (the file renamed, the next not begun): it is gone on with, which
 * leaves it as it was (nothing is added to a crawl that is over, and the end renames it back). */
static int finished_already(const struct crawl_warc *w, const struct app_warcfile_opts *fo,
                            unsigned file, bool *finished)
{
    char *path, *unsorted = NULL;
    struct core_buf open_path;
    int rc = 0;

    *finished = false;
    if (!w->cdx_path)
        return 0;
    path = app_warcfile_path_of(fo, file);
    core_buf_init(&open_path, 8192);
    if (!path || core_buf_printf(&open_path, "%s.open", path) < 0 ||
        !(unsorted = app_cdxj_unsorted_path(w->cdx_path)))
        rc = -ENOMEM;
    *finished = rc == 0 && exists(path) && !exists(open_path.data) && !exists(unsorted);
    core_buf_free(&open_path);
    core_free(unsorted);
    core_free(path);
    return rc;
}

static int resume(struct crawl_warc *w, const struct crawl_warc_opts *o,
                  const struct app_warcfile_opts *fo)
{
    struct saved sv;
    char *path = NULL;
    uint64_t len = 0, lines = 0;
    bool finished;
    int fd = -1, rc;

    if (o->saved_len < sizeof(sv))
        return -EINVAL;
    memcpy(&sv, o->saved, sizeof(sv));
    if (o->saved_len != sizeof(sv) + sv.main_len)
        return -EINVAL;
    if ((rc = finished_already(w, fo, sv.file, &finished)) < 0)
        return rc;
    if (finished)
        return -EALREADY;
    w->responses = sv.responses;
    w->revisits = sv.revisits;
    w->main_ts_ms = sv.main_ts_ms;
    if (sv.main_len && !(w->main_url = core_strndup((const char *)o->saved + sizeof(sv),
                                                    sv.main_len)))
        return -ENOMEM;
    rc = current_file(fo, sv.file, &path);
    if (rc == 0 && (rc = reopen(o, "warc", path, &len, &fd)) == 0)
        rc = app_warcfile_resume(fo, sv.file, fd, len, &w->files);
    core_free(path);
    path = NULL;
    if (rc == 0 && w->cdx_path) {
        /* the sorted index is made again at the end: one from a finish cut short goes */
        (void)remove(w->cdx_path);
        path = app_cdxj_unsorted_path(w->cdx_path);
        rc = path ? reopen(o, "cdx", path, &len, &fd) : -ENOMEM;
        if (rc == 0 && (rc = count_lines(path, len, &lines)) < 0)
            close(fd);
        if (rc == 0)
            rc = app_cdxj_resume(w->cdx_path, fd, len, lines, &w->index);
        core_free(path);
        path = NULL;
    }
    if (rc == 0 && o->wacz) {
        (void)remove(o->wacz);
        path = app_wacz_pages_path(o->wacz);
        rc = path ? reopen(o, "pages", path, &len, &fd) : -ENOMEM;
        if (rc == 0)
            rc = app_wacz_resume(o->wacz, fd, len, &w->pack);
        core_free(path);
    }
    return rc;
}

size_t crawl_warc_files(struct crawl_warc *w, struct crawl_state_file *files, size_t max)
{
    unsigned cur = app_warcfile_count(w->files) - 1;
    size_t n = 0;

    if (!w->open_path || w->open_file != cur) {
        struct core_buf b;

        core_buf_init(&b, 8192);
        if (core_buf_printf(&b, "%s.open", app_warcfile_path(w->files, cur)) < 0) {
            core_buf_free(&b);
            return 0; /* out of memory: the commit records nothing of the archive */
        }
        core_free(w->open_path);
        w->open_path = core_buf_steal(&b);
        w->open_file = cur;
    }
    if (n < max && app_warcfile_fd(w->files) >= 0)
        files[n++] = (struct crawl_state_file){"warc", w->open_path, app_warcfile_fd(w->files),
                                               (int64_t)app_warcfile_size(w->files)};
    if (n < max && w->index && app_cdxj_fd(w->index) >= 0)
        files[n++] = (struct crawl_state_file){"cdx", w->cdx_path, app_cdxj_fd(w->index),
                                               (int64_t)app_cdxj_bytes(w->index)};
    if (n < max && w->pack && app_wacz_fd(w->pack) >= 0)
        files[n++] = (struct crawl_state_file){"pages", "pages", app_wacz_fd(w->pack),
                                               (int64_t)app_wacz_bytes(w->pack)};
    return n;
}

void crawl_warc_suspend(struct crawl_warc *w)
{
    w->suspended = true;
    if (w->index)
        app_cdxj_keep(w->index);
    if (w->pack)
        app_wacz_keep(w->pack);
}

void crawl_warc_keep(struct crawl_warc *w, crawl_warc_keep_fn *fn, void *arg)
{
    w->keep = fn;
    w->keep_arg = arg;
}

void crawl_warc_known(struct crawl_warc *w, const char *digest, const char *uri,
                      int64_t date_ms, const char *record_id)
{
    struct app_warc_id id;

    memset(&id, 0, sizeof(id));
    snprintf(id.s, sizeof(id.s), "%s", record_id);
    if (app_dedup_add(w->dedup, digest, uri, date_ms, &id) < 0)
        w->dedup_misses++;
}

int crawl_warc_open(const struct crawl_warc_opts *o, struct crawl_warc **out)
{
    struct crawl_warc *w = core_calloc(1, sizeof(*w));
    struct app_warcfile_opts fo;
    int rc;

    if (!w)
        return -ENOMEM;
    app_warcfile_opts_init(&fo);
    fo.name = o->name;
    fo.numbered = o->numbered;
    fo.max_size = o->max_size;
    fo.robots = o->robots ? "classic" : "ignore";
    fo.user_agent = o->user_agent;
    fo.options = o->options;
    fo.level = o->level;
    w->level = o->level;
    rc = app_dedup_create(0, &w->dedup);
    if (rc == 0)
        rc = core_sem_create(BUILDERS, BUILDERS, &w->builders);
    if (rc == 0 && (o->cdx || o->wacz)) {
        struct core_buf p;

        /* --wacz without --cdx: the index is built next to the package and removed after */
        core_buf_init(&p, 8192);
        rc = o->cdx ? core_buf_puts(&p, o->cdx) : core_buf_printf(&p, "%s.cdxj", o->wacz);
        w->cdx_temp = !o->cdx;
        if (rc == 0)
            w->cdx_path = core_buf_steal(&p);
        else
            core_buf_free(&p);
    }
    if (rc == 0 && o->committed_len && o->saved) {
        rc = resume(w, o, &fo);
    } else {
        if (rc == 0 && o->committed_len) {
            /* a crawl killed before its first commit: what it began of an archive goes */
            char *first = app_warcfile_path_of(&fo, 0);
            struct core_buf b;

            core_buf_init(&b, 8192);
            if (first && core_buf_printf(&b, "%s.open", first) == 0)
                (void)unlink(b.data);
            core_buf_free(&b);
            core_free(first);
        }
        if (rc == 0 && w->cdx_path)
            rc = app_cdxj_open(w->cdx_path, &w->index);
        if (rc == 0 && o->wacz)
            rc = app_wacz_create(o->wacz, &w->pack);
        if (rc == 0)
            rc = app_warcfile_open(&fo, &w->files);
    }
    if (rc < 0) {
        crawl_warc_destroy(w);
        return rc;
    }
    *out = w;
    return 0;
}

int crawl_warc_finish(struct crawl_warc *w, const char *seed)
{
    int rc = app_warcfile_finish(w->files), r2;

    if (rc == 0)
        rc = w->err;
    if (w->index && (r2 = app_cdxj_finish(w->index)) < 0 && rc == 0)
        rc = r2;
    if (w->pack && rc == 0) {
        const unsigned n = app_warcfile_count(w->files);
        const char **paths = core_calloc(n ? n : 1, sizeof(*paths));
        struct app_wacz_info info;
        unsigned i;

        struct timespec now;

        for (i = 0; paths && i < n; i++)
            paths[i] = app_warcfile_path(w->files, i);
        clock_gettime(CLOCK_REALTIME, &now);
        memset(&info, 0, sizeof(info));
        info.title = "trawl crawl";
        info.created_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
        info.main_url = w->main_url ? w->main_url : seed;
        info.main_ts_ms = w->main_url ? w->main_ts_ms : info.created_ms;
        rc = paths ? app_wacz_finish(w->pack, &info, paths, n, w->cdx_path) : -ENOMEM;
        core_free(paths);
    }
    if (rc < 0)
        crawl_warc_suspend(w); /* finishing again needs the unsorted index and the pages */
    return rc;
}

uint64_t crawl_warc_responses(const struct crawl_warc *w)
{
    return w->responses;
}

uint64_t crawl_warc_revisits(const struct crawl_warc *w)
{
    return w->revisits;
}

void crawl_warc_counts(const struct crawl_warc *w, struct crawl_warc_counts *out)
{
    memset(out, 0, sizeof(*out));
    out->files = app_warcfile_count(w->files);
    out->responses = w->responses;
    out->revisits = w->revisits;
    /* a warcinfo per file, and a request beside every response or revisit (no metadata) */
    out->records = out->files + 2 * (w->responses + w->revisits);
    for (unsigned i = 0; i < out->files; i++) {
        const char *path = app_warcfile_path(w->files, i);
        char open_path[4096];
        struct stat st;

        /* the final name once finished, else still NAME...warc.gz.open */
        if (stat(path, &st) == 0 ||
            (snprintf(open_path, sizeof(open_path), "%s.open", path) < (int)sizeof(open_path) &&
             stat(open_path, &st) == 0))
            out->bytes += (uint64_t)st.st_size;
    }
}

void crawl_warc_destroy(struct crawl_warc *w)
{
    if (!w)
        return;
    app_warcfile_destroy(w->files);
    app_cdxj_destroy(w->index);
    app_wacz_destroy(w->pack);
    app_dedup_destroy(w->dedup);
    while (w->nfree_gz > 0)
        app_warcgz_destroy(w->free_gz[--w->nfree_gz]);
    core_sem_destroy(w->builders);
    if (w->cdx_temp && w->cdx_path && !w->suspended)
        (void)remove(w->cdx_path);
    core_free(w->cdx_path);
    core_free(w->main_url);
    core_free(w->open_path);
    core_free(w);
}
