/* app/crawl/state.c: a crawl's durable state: the batch of changes on the loop, the commit on
 * the pool, and reading it all back for a resume (state.h). */
#include "app/crawl/state.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "app/crawl/crawl.h"
#include "app/crawl/crawl_int.h"
#include "app/state/statedb.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/loop.h"
#include "core/offload.h"

#define BATCH_MAX ((size_t)1 << 40)   /* a batch is bounded by memory only */
#define FILES_MAX 8

enum op {
    OP_URL = 'U',               /* fp depth state */
    OP_JOB = 'J',               /* fp depth kind attempts url parent extra */
    OP_DONE = 'D',              /* fp */
    OP_SKIPPED = 'S',           /* fp */
    OP_SCOPE = 'P',             /* url */
    OP_SEED = 'K',              /* seed */
    OP_ROBOTS = 'R',            /* origin how delay body */
    OP_DIGEST = 'G',            /* digest uri date id: a payload archived (revisits) */
    OP_LINKS = 'L',             /* fp off len: a page's links in the link store */
    OP_HOSTWAIT = 'W',          /* origin until: a host starts nothing before (wall ms) */
    OP_TRAP = 'T'               /* key count: a path's query variants so far (traps.h) */
};

enum stmt {
    ST_URL, ST_JOB, ST_DONE, ST_SKIPPED, ST_SCOPE, ST_META, ST_ROBOTS, ST_DIGEST, ST_LINKS, ST_HOSTWAIT,
    ST_TRAP, ST_COUNT
};

static const char *const sql_stmts[ST_COUNT] = {
    [ST_URL] = "INSERT OR REPLACE INTO crawl_urls(fp, depth, state) VALUES (?1, ?2, ?3)",
    [ST_JOB] = "INSERT OR REPLACE INTO crawl_jobs(fp, depth, kind, attempts, url, parent, extra) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_DONE] = "DELETE FROM crawl_jobs WHERE fp = ?1",
    [ST_SKIPPED] = "INSERT OR IGNORE INTO crawl_skipped(fp) VALUES (?1)",
    [ST_SCOPE] = "INSERT INTO crawl_scope(url) VALUES (?1)",
    [ST_META] = "INSERT OR REPLACE INTO crawl_meta(k, v) VALUES (?1, ?2)",
    [ST_ROBOTS] = "INSERT OR REPLACE INTO crawl_robots(origin, how, delay, body) "
        "VALUES (?1, ?2, ?3, ?4)",
    [ST_DIGEST] = "INSERT OR IGNORE INTO crawl_digests(digest, uri, date, id) "
        "VALUES (?1, ?2, ?3, ?4)",
    [ST_LINKS] = "INSERT OR REPLACE INTO crawl_links(fp, off, len) VALUES (?1, ?2, ?3)",
    [ST_HOSTWAIT] = "INSERT OR REPLACE INTO crawl_hostwait(origin, until) VALUES (?1, ?2)",
    [ST_TRAP] = "INSERT OR REPLACE INTO crawl_traps(k, n) VALUES (?1, ?2)",
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS crawl_urls(fp INTEGER PRIMARY KEY, depth INTEGER NOT NULL,"
    " state INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS crawl_jobs(fp INTEGER PRIMARY KEY, depth INTEGER NOT NULL,"
    " kind INTEGER NOT NULL, attempts INTEGER NOT NULL, url TEXT NOT NULL, parent TEXT,"
    " extra BLOB);"
    "CREATE TABLE IF NOT EXISTS crawl_skipped(fp INTEGER PRIMARY KEY) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS crawl_scope(url TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS crawl_meta(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS crawl_robots(origin TEXT PRIMARY KEY, how INTEGER NOT NULL,"
    " delay INTEGER NOT NULL, body BLOB);"
    "CREATE TABLE IF NOT EXISTS crawl_digests(digest TEXT PRIMARY KEY, uri TEXT NOT NULL,"
    " date INTEGER NOT NULL, id TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS crawl_links(fp INTEGER PRIMARY KEY, off INTEGER NOT NULL,"
    " len INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS crawl_hostwait(origin TEXT PRIMARY KEY, until INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS crawl_traps(k INTEGER PRIMARY KEY, n INTEGER NOT NULL)"
    " WITHOUT ROWID;";

/* One commit's work for the pool: a batch taken off the loop, and the files at that instant. */
struct commit {
    struct crawl_state *s;
    struct core_buf ops;
    struct crawl_state_file files[FILES_MAX];
    char *names[FILES_MAX], *paths[FILES_MAX];
    size_t nfiles;
    struct crawl_stats st;
    uint64_t started;
    struct core_buf warc;       /* the archive's blob (crawl_warc_save), or empty */
    bool finished;
};

struct crawl_state {
    struct statedb *db;
    sqlite3 *sql;
    sqlite3_stmt *stmts[ST_COUNT];
    struct frontier_store store;
    struct core_buf batch;
    int err;                    /* a failed commit: sticky (the state stays the last commit) */
};

/* --- the batch, on the loop ---------------------------------------------------------------- */

static void put_u64(struct crawl_state *s, uint64_t v)
{
    if (core_buf_append(&s->batch, &v, sizeof(v)) < 0)
        s->err = -ENOMEM;
}

static void put_u32(struct crawl_state *s, uint32_t v)
{
    if (core_buf_append(&s->batch, &v, sizeof(v)) < 0)
        s->err = -ENOMEM;
}

static void put_u8(struct crawl_state *s, unsigned v)
{
    if (core_buf_putc(&s->batch, (char)v) < 0)
        s->err = -ENOMEM;
}

static void put_bytes(struct crawl_state *s, const void *p, size_t n)
{
    put_u32(s, (uint32_t)n);
    if (n && core_buf_append(&s->batch, p, n) < 0)
        s->err = -ENOMEM;
}

/* The size of a job's extra block: a page's chain (crawl_int.h); sitemaps have none. */
static size_t extra_size(const struct frontier_job *job)
{
    const struct chain *ch = job->extra;

    if (!ch || job->kind != FRONTIER_PAGE)
        return 0;
    return offsetof(struct chain, url) + strlen(ch->url) + 1;
}

static void put_job(struct crawl_state *s, const struct frontier_new *n, size_t extra_len)
{
    const char *parent = n->parent ? n->parent->url : NULL;

    put_u8(s, OP_JOB);
    put_u64(s, n->fp);
    put_u32(s, n->depth);
    put_u8(s, n->kind);
    put_u32(s, n->attempts);
    put_bytes(s, n->url, n->len);
    put_bytes(s, parent, parent ? strlen(parent) + 1 : 0); /* 0: none, else with its NUL */
    put_bytes(s, n->extra, extra_len);
}

static void on_put(void *arg, const struct frontier_job *job)
{
    struct frontier_new n = {job->url, strlen(job->url), 0, job->fp, job->depth, job->parent,
                             (enum frontier_kind)job->kind, job->attempts, job->extra};

    put_job(arg, &n, extra_size(job));
}

/* Kept as wall-clock time: the loop's clock starts again in a resumed process. */
static void on_host_wait(void *arg, const struct frontier_host *host, int64_t not_before_ms)
{
    struct crawl_state *s = arg;
    const char *origin = frontier_host_origin(host);

    put_u8(s, OP_HOSTWAIT);
    put_bytes(s, origin, strlen(origin));
    put_u64(s, (uint64_t)(crawl__wall_ms() + (not_before_ms - core_now_ms())));
}

void crawl_state_job(struct crawl_state *s, const struct frontier_new *n)
{
    put_job(s, n, 0);
}

static void on_done(void *arg, const struct frontier_job *job)
{
    struct crawl_state *s = arg;

    put_u8(s, OP_DONE);
    put_u64(s, job->fp);
}

void crawl_state_url(struct crawl_state *s, uint64_t fp, unsigned depth, unsigned state)
{
    put_u8(s, OP_URL);
    put_u64(s, fp);
    put_u32(s, depth);
    put_u8(s, state);
}

void crawl_state_skipped(struct crawl_state *s, uint64_t fp)
{
    put_u8(s, OP_SKIPPED);
    put_u64(s, fp);
}

void crawl_state_scope(struct crawl_state *s, const char *url)
{
    put_u8(s, OP_SCOPE);
    put_bytes(s, url, strlen(url));
}

void crawl_state_robots(struct crawl_state *s, const char *origin, unsigned how,
                        const char *body, size_t len, int64_t delay_ms)
{
    put_u8(s, OP_ROBOTS);
    put_bytes(s, origin, strlen(origin));
    put_u8(s, how);
    put_u64(s, (uint64_t)delay_ms);
    put_bytes(s, body, len);
}

void crawl_state_digest(void *arg, const char *digest, const char *uri, int64_t date_ms,
                        const char *record_id)
{
    struct crawl_state *s = arg;

    put_u8(s, OP_DIGEST);
    put_bytes(s, digest, strlen(digest));
    put_bytes(s, uri, strlen(uri));
    put_u64(s, (uint64_t)date_ms);
    put_bytes(s, record_id, strlen(record_id));
}

void crawl_state_links(void *arg, uint64_t fp, uint64_t off, uint64_t len)
{
    struct crawl_state *s = arg;

    put_u8(s, OP_LINKS);
    put_u64(s, fp);
    put_u64(s, off);
    put_u64(s, len);
}

void crawl_state_trap(void *arg, uint64_t key, uint64_t count)
{
    struct crawl_state *s = arg;

    put_u8(s, OP_TRAP);
    put_u64(s, key);
    put_u64(s, count);
}

void crawl_state_seed(struct crawl_state *s, uint64_t seed)
{
    put_u8(s, OP_SEED);
    put_u64(s, seed);
}

size_t crawl_state_pending(const struct crawl_state *s)
{
    return s->batch.len;
}

const struct frontier_store *crawl_state_store(struct crawl_state *s)
{
    return &s->store;
}

/* --- open, destroy ------------------------------------------------------------------------ */

int crawl_state_open(struct statedb *db, struct crawl_state **out)
{
    struct crawl_state *s = core_calloc(1, sizeof(*s));
    int rc, i;

    if (!s)
        return -ENOMEM;
    s->db = db;
    s->sql = statedb_sql(db);
    core_buf_init(&s->batch, BATCH_MAX);
    s->store = (struct frontier_store){on_put, on_done, on_host_wait, s};
    rc = statedb_error(s->sql, sqlite3_exec(s->sql, schema, NULL, NULL, NULL));
    for (i = 0; rc == 0 && i < ST_COUNT; i++)
        rc = statedb_error(s->sql, sqlite3_prepare_v3(s->sql, sql_stmts[i], -1,
                                                SQLITE_PREPARE_PERSISTENT, &s->stmts[i], NULL));
    if (rc < 0) {
        crawl_state_destroy(s);
        return rc;
    }
    *out = s;
    return 0;
}

void crawl_state_destroy(struct crawl_state *s)
{
    int i;

    if (!s)
        return;
    for (i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->stmts[i]);
    core_buf_free(&s->batch);
    core_free(s);
}

/* --- the commit, on the pool --------------------------------------------------------------- */

struct reader {
    const char *p, *end;
    bool bad;
};

static const void *take(struct reader *r, size_t n)
{
    const char *p = r->p;

    if ((size_t)(r->end - r->p) < n) {
        r->bad = true;
        return NULL;
    }
    r->p += n;
    return p;
}

static uint64_t get_u64(struct reader *r)
{
    uint64_t v = 0;
    const void *p = take(r, sizeof(v));

    if (p)
        memcpy(&v, p, sizeof(v));
    return v;
}

static uint32_t get_u32(struct reader *r)
{
    uint32_t v = 0;
    const void *p = take(r, sizeof(v));

    if (p)
        memcpy(&v, p, sizeof(v));
    return v;
}

static unsigned get_u8(struct reader *r)
{
    const unsigned char *p = take(r, 1);

    return p ? *p : 0;
}

static const char *get_bytes(struct reader *r, uint32_t *n)
{
    *n = get_u32(r);
    return *n ? take(r, *n) : NULL;
}

static int step(sqlite3 *db, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : statedb_error(db, rc);
}

static int meta_blob(struct crawl_state *s, const char *k, const void *v, size_t n)
{
    sqlite3_stmt *st = s->stmts[ST_META];

    sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, v, (int)n, SQLITE_STATIC);
    return step(s->sql, st);
}

static int meta_int(struct crawl_state *s, const char *k, uint64_t v)
{
    sqlite3_stmt *st = s->stmts[ST_META];

    sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)v);
    return step(s->sql, st);
}

/* One op of the batch into its statement. */
static int apply_op(struct crawl_state *s, struct reader *r)
{
    sqlite3_stmt *st;
    const char *url, *parent, *extra;
    uint32_t n, pn, en;
    unsigned op = get_u8(r);

    switch (op) {
    case OP_URL:
        st = s->stmts[ST_URL];
        sqlite3_bind_int64(st, 1, (sqlite3_int64)get_u64(r));
        sqlite3_bind_int64(st, 2, get_u32(r));
        sqlite3_bind_int(st, 3, (int)get_u8(r));
        break;
    case OP_JOB:
        st = s->stmts[ST_JOB];
        sqlite3_bind_int64(st, 1, (sqlite3_int64)get_u64(r));
        sqlite3_bind_int64(st, 2, get_u32(r));
        sqlite3_bind_int(st, 3, (int)get_u8(r));
        sqlite3_bind_int64(st, 4, get_u32(r));
        url = get_bytes(r, &n);
        parent = get_bytes(r, &pn);
        extra = get_bytes(r, &en);
        if (r->bad)
            break;
        sqlite3_bind_text(st, 5, url, (int)n, SQLITE_STATIC);
        if (parent)
            sqlite3_bind_text(st, 6, parent, (int)pn - 1, SQLITE_STATIC);
        if (extra)
            sqlite3_bind_blob(st, 7, extra, (int)en, SQLITE_STATIC);
        break;
    case OP_DONE:
        st = s->stmts[ST_DONE];
        sqlite3_bind_int64(st, 1, (sqlite3_int64)get_u64(r));
        break;
    case OP_SKIPPED:
        st = s->stmts[ST_SKIPPED];
        sqlite3_bind_int64(st, 1, (sqlite3_int64)get_u64(r));
        break;
    case OP_SCOPE:
        st = s->stmts[ST_SCOPE];
        url = get_bytes(r, &n);
        if (!r->bad)
            sqlite3_bind_text(st, 1, url, (int)n, SQLITE_STATIC);
        break;
    case OP_SEED:
        return meta_int(s, "seed", get_u64(r));
    case OP_TRAP:
        st = s->stmts[ST_TRAP];
        sqlite3_bind_int64(st, 1, (sqlite3_int64)get_u64(r));
        sqlite3_bind_int64(st, 2, (sqlite3_int64)get_u64(r));
        break;
    case OP_LINKS:
        st = s->stmts[ST_LINKS];
        sqlite3_bind_int64(st, 1, (sqlite3_int64)get_u64(r));
        sqlite3_bind_int64(st, 2, (sqlite3_int64)get_u64(r));
        sqlite3_bind_int64(st, 3, (sqlite3_int64)get_u64(r));
        break;
    case OP_DIGEST:
        st = s->stmts[ST_DIGEST];
        url = get_bytes(r, &n);
        parent = get_bytes(r, &pn);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)get_u64(r));
        extra = get_bytes(r, &en);
        if (r->bad || !url || !parent || !extra)
            break;
        sqlite3_bind_text(st, 1, url, (int)n, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, parent, (int)pn, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, extra, (int)en, SQLITE_STATIC);
        break;
    case OP_ROBOTS:
        st = s->stmts[ST_ROBOTS];
        url = get_bytes(r, &n);
        sqlite3_bind_int(st, 2, (int)get_u8(r));
        sqlite3_bind_int64(st, 3, (sqlite3_int64)get_u64(r));
        extra = get_bytes(r, &en);
        if (r->bad)
            break;
        sqlite3_bind_text(st, 1, url, (int)n, SQLITE_STATIC);
        sqlite3_bind_blob(st, 4, extra ? extra : "", (int)en, SQLITE_STATIC);
        break;
    case OP_HOSTWAIT:
        st = s->stmts[ST_HOSTWAIT];
        url = get_bytes(r, &n);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)get_u64(r));
        if (r->bad || !url)
            break;
        sqlite3_bind_text(st, 1, url, (int)n, SQLITE_STATIC);
        break;
    default:
        return -EINVAL;
    }
    if (r->bad) {
        sqlite3_clear_bindings(st);
        return -EINVAL;
    }
    return step(s->sql, st);
}

static int commit_on_pool(void *arg)
{
    struct commit *c = arg;
    struct crawl_state *s = c->s;
    struct reader r = {c->ops.data, c->ops.data + c->ops.len, false};
    size_t i;
    int rc = 0;

    /* the outputs first: the state never says more than the disk holds */
    for (i = 0; rc == 0 && i < c->nfiles; i++)
        if (c->files[i].fd >= 0)
            rc = statedb_sync_file(c->files[i].fd);
    if (rc == 0)
        rc = statedb_begin(s->db);
    if (rc < 0)
        return rc;
    while (rc == 0 && r.p < r.end)
        rc = apply_op(s, &r);
    for (i = 0; rc == 0 && i < c->nfiles; i++)
        rc = statedb_output_set(s->db, c->files[i].name, c->files[i].path, c->files[i].len);
    if (rc == 0)
        rc = meta_blob(s, "stats", &c->st, sizeof(c->st));
    if (rc == 0)
        rc = meta_int(s, "started", c->started);
    if (rc == 0 && c->warc.len)
        rc = meta_blob(s, "warc", c->warc.data, c->warc.len);
    if (rc == 0 && c->finished)
        rc = statedb_set_finished(s->db);
    if (rc == 0)
        rc = statedb_commit(s->db);
    if (rc < 0)
        statedb_rollback(s->db);
    return rc;
}

static void commit_free(struct commit *c)
{
    size_t i;

    for (i = 0; i < c->nfiles; i++) {
        core_free(c->names[i]);
        core_free(c->paths[i]);
        if (c->files[i].fd >= 0)
            close(c->files[i].fd);
    }
    core_buf_free(&c->ops);
    core_buf_free(&c->warc);
}

/* Put a batch that was not committed back in front of the current one. */
static int restore(struct crawl_state *s, struct core_buf *ops)
{
    if (core_buf_append(ops, s->batch.data, s->batch.len) < 0)
        return -ENOMEM;
    core_buf_free(&s->batch);
    s->batch = *ops;
    core_buf_init(ops, BATCH_MAX);
    return 0;
}

int crawl_state_commit(struct core_coro *co, struct crawl_state *s, const struct crawl_stats *st,
                       uint64_t started, const struct crawl_state_file *files, size_t nfiles,
                       const void *warc, size_t warc_len, bool finished)
{
    struct commit c;
    size_t i;
    int rc;

    if (s->err)
        return s->err;
    if (nfiles > FILES_MAX)
        return -E2BIG;
    memset(&c, 0, sizeof(c));
    c.s = s;
    c.ops = s->batch;                   /* the batch is the commit's; a new one starts */
    core_buf_init(&s->batch, BATCH_MAX);
    c.st = *st;
    c.st.interrupted = false;
    c.started = started;
    c.finished = finished;
    core_buf_init(&c.warc, BATCH_MAX);
    if (warc_len && core_buf_append(&c.warc, warc, warc_len) < 0) {
        if (restore(s, &c.ops) < 0)
            s->err = -ENOMEM;
        commit_free(&c);
        return -ENOMEM;
    }
    for (i = 0; i < nfiles; i++) {
        c.files[i] = files[i];
        /* the pool syncs its own descriptor: the loop may close the file meanwhile (a WARC
         * file that rotates), and its number may then name another file */
        c.files[i].fd = files[i].fd >= 0 ? fcntl(files[i].fd, F_DUPFD_CLOEXEC, 0) : -1;
        c.names[i] = core_strdup(files[i].name);
        c.paths[i] = core_strdup(files[i].path);
        c.nfiles++;
        if (!c.names[i] || !c.paths[i] || (files[i].fd >= 0 && c.files[i].fd < 0)) {
            rc = c.files[i].fd < 0 && files[i].fd >= 0 ? -errno : -ENOMEM;
            if (restore(s, &c.ops) < 0)
                s->err = -ENOMEM;
            commit_free(&c);
            return rc;
        }
        c.files[i].name = c.names[i];
        c.files[i].path = c.paths[i];
    }
    rc = core_offload(co, commit_on_pool, &c, -1);
    if (rc == -ECANCELED && restore(s, &c.ops) == 0) {
        /* cancelled before it ran (the pool never returns that): the batch waits for the
         * next commit, in front of what came since */
        commit_free(&c);
        return rc;
    }
    commit_free(&c);
    if (rc < 0)
        s->err = rc;            /* the batch is gone: no later commit may skip it */
    return rc;
}

/* --- reading it back ----------------------------------------------------------------------- */

static int read_meta(struct crawl_state *s, struct crawl_state_loaded *l, struct crawl_stats *st)
{
    sqlite3_stmt *q;
    int rc;

    memset(l, 0, sizeof(*l));
    rc = statedb_error(s->sql, sqlite3_prepare_v2(s->sql, "SELECT k, v FROM crawl_meta", -1, &q,
                                                 NULL));

    if (rc < 0)
        return rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(q, 0);

        if (!k)
            continue;
        if (strcmp(k, "seed") == 0) {
            l->seed = (uint64_t)sqlite3_column_int64(q, 1);
        } else if (strcmp(k, "started") == 0) {
            l->started = (uint64_t)sqlite3_column_int64(q, 1);
        } else if (strcmp(k, "stats") == 0) {
            if (sqlite3_column_bytes(q, 1) != (int)sizeof(*st)) {
                sqlite3_finalize(q);
                return -EINVAL; /* made by another build of trawl */
            }
            memcpy(st, sqlite3_column_blob(q, 1), sizeof(*st));
            l->has_stats = true;
        }
    }
    sqlite3_finalize(q);
    return statedb_error(s->sql, rc);
}

int crawl_state_blob(struct crawl_state *s, const char *key, struct core_buf *out)
{
    sqlite3_stmt *q;
    int rc = statedb_error(s->sql, sqlite3_prepare_v2(s->sql, "SELECT v FROM crawl_meta WHERE k = ?1",
                                                     -1, &q, NULL));

    if (rc < 0)
        return rc;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        rc = core_buf_append(out, sqlite3_column_blob(q, 0), (size_t)sqlite3_column_bytes(q, 0));
    else
        rc = rc == SQLITE_DONE ? -ENOENT : statedb_error(s->sql, rc);
    sqlite3_finalize(q);
    return rc;
}

int crawl_state_seed_of(struct crawl_state *s, uint64_t *seed)
{
    struct crawl_state_loaded l;
    struct crawl_stats st;
    int rc = read_meta(s, &l, &st);

    if (rc == 0 && l.seed == 0)
        rc = -ENOENT; /* killed before its first commit: nothing was done */
    if (rc == 0)
        *seed = l.seed;
    return rc;
}

static int read_rows(struct crawl_state *s, const char *sql,
                     void (*row)(sqlite3_stmt *, const struct crawl_state_load *),
                     const struct crawl_state_load *arg)
{
    sqlite3_stmt *q;
    int rc = statedb_error(s->sql, sqlite3_prepare_v2(s->sql, sql, -1, &q, NULL));

    if (rc < 0)
        return rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        row(q, arg);
    sqlite3_finalize(q);
    return statedb_error(s->sql, rc);
}

static void count_row(sqlite3_stmt *q, const struct crawl_state_load *cb)
{
    cb->urls(cb->arg, (size_t)sqlite3_column_int64(q, 0));
}

static void skips_row(sqlite3_stmt *q, const struct crawl_state_load *cb)
{
    cb->skips(cb->arg, (size_t)sqlite3_column_int64(q, 0));
}

static void url_row(sqlite3_stmt *q, const struct crawl_state_load *cb)
{

    cb->url(cb->arg, (uint64_t)sqlite3_column_int64(q, 0), (unsigned)sqlite3_column_int(q, 1),
            (unsigned)sqlite3_column_int(q, 2));
}

static void skipped_row(sqlite3_stmt *q, const struct crawl_state_load *cb)
{

    cb->skipped(cb->arg, (uint64_t)sqlite3_column_int64(q, 0));
}

static void scope_row(sqlite3_stmt *q, const struct crawl_state_load *cb)
{
    const char *url = (const char *)sqlite3_column_text(q, 0);

    if (url)
        cb->scope(cb->arg, url);
}

static void robots_row(sqlite3_stmt *q, const struct crawl_state_load *cb)
{
    const char *origin = (const char *)sqlite3_column_text(q, 0);
    const char *body = sqlite3_column_blob(q, 3);

    if (origin)
        cb->robots(cb->arg, origin, (unsigned)sqlite3_column_int(q, 1), body ? body : "",
                   (size_t)sqlite3_column_bytes(q, 3), sqlite3_column_int64(q, 2));
}

static void digest_row(sqlite3_stmt *q, const struct crawl_state_load *cb)
{
    const char *d = (const char *)sqlite3_column_text(q, 0);
    const char *uri = (const char *)sqlite3_column_text(q, 1);
    const char *id = (const char *)sqlite3_column_text(q, 3);

    if (d && uri && id && cb->digest)
        cb->digest(cb->arg, d, uri, sqlite3_column_int64(q, 2), id);
}

static void hostwait_row(sqlite3_stmt *q, const struct crawl_state_load *cb)
{
    const char *origin = (const char *)sqlite3_column_text(q, 0);

    if (origin && cb->host_wait)
        cb->host_wait(cb->arg, origin, sqlite3_column_int64(q, 1));
}

static void trap_row(sqlite3_stmt *q, const struct crawl_state_load *cb)
{
    if (cb->trap)
        cb->trap(cb->arg, (uint64_t)sqlite3_column_int64(q, 0),
                 (uint64_t)sqlite3_column_int64(q, 1));
}

static void links_row(sqlite3_stmt *q, const struct crawl_state_load *cb)
{
    if (cb->links)
        cb->links(cb->arg, (uint64_t)sqlite3_column_int64(q, 0),
                  (uint64_t)sqlite3_column_int64(q, 1), (uint64_t)sqlite3_column_int64(q, 2));
}

static void job_row(sqlite3_stmt *q, const struct crawl_state_load *cb)
{
    struct frontier_new n;
    const char *url = (const char *)sqlite3_column_text(q, 4);
    const char *parent = (const char *)sqlite3_column_text(q, 5);
    int en = sqlite3_column_bytes(q, 6);

    if (!url)
        return;
    memset(&n, 0, sizeof(n));
    n.fp = (uint64_t)sqlite3_column_int64(q, 0);
    n.depth = (uint32_t)sqlite3_column_int64(q, 1);
    n.kind = (enum frontier_kind)sqlite3_column_int(q, 2);
    n.attempts = (uint16_t)sqlite3_column_int(q, 3);
    n.url = url;
    n.len = (size_t)sqlite3_column_bytes(q, 4);
    if (en > 0 && (size_t)en >= offsetof(struct chain, url) + 1 &&
        (n.extra = core_malloc((size_t)en)) != NULL) {
        memcpy(n.extra, sqlite3_column_blob(q, 6), (size_t)en);
        ((char *)n.extra)[en - 1] = '\0';
    }
    cb->job(cb->arg, &n, parent);
}

int crawl_state_read(struct crawl_state *s, const struct crawl_state_load *cb,
                     struct crawl_state_loaded *loaded, struct crawl_stats *st)
{
    int rc;

    rc = read_meta(s, loaded, st);
    if (rc == 0)
        rc = read_rows(s, "SELECT count(*) FROM crawl_urls", count_row, cb);
    if (rc == 0)
        rc = read_rows(s, "SELECT fp, depth, state FROM crawl_urls", url_row, cb);
    if (rc == 0)
        rc = read_rows(s, "SELECT count(*) FROM crawl_skipped", skips_row, cb);
    if (rc == 0)
        rc = read_rows(s, "SELECT fp FROM crawl_skipped", skipped_row, cb);
    if (rc == 0)
        rc = read_rows(s, "SELECT url FROM crawl_scope", scope_row, cb);
    if (rc == 0)
        rc = read_rows(s, "SELECT origin, how, delay, body FROM crawl_robots", robots_row, cb);
    if (rc == 0)
        rc = read_rows(s, "SELECT origin, until FROM crawl_hostwait", hostwait_row, cb);
    if (rc == 0)
        rc = read_rows(s, "SELECT k, n FROM crawl_traps", trap_row, cb);
    if (rc == 0)
        rc = read_rows(s, "SELECT digest, uri, date, id FROM crawl_digests", digest_row, cb);
    if (rc == 0)
        rc = read_rows(s, "SELECT fp, off, len FROM crawl_links", links_row, cb);
    if (rc == 0)
        rc = read_rows(s, "SELECT fp, depth, kind, attempts, url, parent, extra FROM crawl_jobs"
                          " ORDER BY depth, rowid", job_row, cb);
    return rc;
}
