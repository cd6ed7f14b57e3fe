/* bench/bench_state.c: the durable state of a crawl (--state) in three stores, on the op stream
 * of a whole-site crawl: SQLite as app/crawl/state.c keeps it (the real code: statedb_open,
 * crawl_state_open, its batch, crawl_state_commit on the pool, crawl_state_read), LMDB (one env,
 * a dbi each for URLs, jobs and meta, one write txn per commit), and an append-only journal
 * (each commit one write(2) of the batch behind a length and a zlib CRC32, fdatasync'ed; resume
 * replays it into the visited set and a job table, stopping at the first bad CRC).
 *
 * bench_state DIR [PAGES [RESUME_URLS [ROUNDS [RATE [DIRECT_MAX]]]]]
 *   (defaults 20000, 1000000, 3, 17000, 100000000; PAGES 0: the resume figures only,
 *   RESUME_URLS 0: none)
 *
 * The op stream: a breadth-first crawl of bench/crawl/gen_site.py's site shape (PAGES pages,
 * 20-60 links each, to the next page and to pages 300 behind to 700 ahead, 0.5% anywhere),
 * with what app/crawl/discover.c and frontier.c hand the store: a new link is an OP_JOB (url,
 * parent; its job row marks the URL QUEUED, with no URL row); a link already known gives
 * nothing (in BFS order no route is shorter); a finished page is OP_URL (DONE) + OP_DONE;
 * ACTIVE is not kept. Every commit also records the counters, started and one output's length, as
 * crawl_state_commit does (the output is not synced here: that fdatasync is the same for all
 * stores).
 *
 * Figures, each store in turn within a round (interleaved), ROUNDS rounds:
 *   fixed K: commit every K pages (K = 1, 10, 100; K = 1 on PAGES / 10 pages), serially, so
 *     that wall per page is the store's whole cost; CPU per page is the applying (pool)
 *     thread's: the process's CPU time less the loop thread's;
 *   rate: pages produced on the loop at RATE pages/s while a committer commits as soon as
 *     the last commit is over (crawl.c's group commit): commits/s, pages per commit, the worst
 *     lag from a page to the commit that holds it;
 *   resume: a state of RESUME_URLS known URLs, 5% of them still queued as jobs, built by the
 *     same stream (pages linking up to RESUME_URLS / 19 ahead and never anywhere else, so that
 *     the frontier is 5% of the known URLs; commits of 1000 pages), then opened and read back
 *     into a visited set and a job list (what crawl.c's load callbacks do, less the frontier):
 *     wall and CPU time, and bytes on disk per known URL (st_blocks of the closed state). The
 *     store's read alone is timed too, and, up to DIRECT_MAX known URLs, the load as crawl.c
 *     does it (the visited set reserved for the rows, then the URLs added in the order the
 *     store gives them: see enum load_mode).
 * Output: one tab-separated line per measurement, then the medians.
 *
 * Environment: BENCH_STATE_RATE_AT=N adds the rate run again, PAGES pages into a state that
 * already knows N URLs, with the bytes written a page (/proc/self/io wchar), one round;
 * BENCH_STATE_SQLITE_CACHE_KB=N sets SQLite's page cache (PRAGMA cache_size) to N KiB instead
 * of its default 2 MB; BENCH_STATE_ONLY=NAME runs one store ("sqlite-full", "sqlite-normal",
 * "lmdb", "lmdb-nosync", "journal"). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <lmdb.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "app/crawl/crawl.h"
#include "app/crawl/frontier.h"
#include "app/crawl/state.h"
#include "app/state/statedb.h"
#include "core/buf.h"
#include "core/coro.h"
#include "core/group.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/offload.h"
#include "parse/visited.h"

/* app/crawl/crawl_int.h's URL states (module-private there) */
enum { URL_QUEUED = 0, URL_ACTIVE = 2, URL_DONE = 3 };
/* app/crawl/state.c's op codes: the journal and LMDB read the same batch */
enum { OP_URL = 'U', OP_JOB = 'J', OP_DONE = 'D', OP_SKIPPED = 'S', OP_SCOPE = 'P',
       OP_SEED = 'K', OP_META = 'M' };

#define BATCH_MAX ((size_t)1 << 40)
#define JHDR 8                  /* journal record header: u32 length, u32 crc32 of the payload */

static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_s(clockid_t id)
{
    struct timespec t;

    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t rnd_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* --- the stores --------------------------------------------------------------------------- */

enum kind { KIND_SQLITE_FULL, KIND_SQLITE_NORMAL, KIND_LMDB, KIND_LMDB_NOSYNC, KIND_JOURNAL, NSTORES };
static const char *const store_names[NSTORES] = {
    "sqlite-full", "sqlite-normal", "lmdb", "lmdb-nosync", "journal"
};

struct store {
    enum kind kind;
    char dir[PATH_MAX];
    struct crawl_stats st;      /* committed with each commit, as crawl.c does */
    uint64_t started;
    int64_t out_len;
    /* sqlite */
    struct statedb *db;
    struct crawl_state *cs;
    /* lmdb and journal: the batch, in state.c's format */
    struct core_buf batch;
    struct core_buf commit_ops;
    MDB_env *env;
    MDB_dbi urls, jobs, meta;
    uint64_t seq;               /* jobs' order of adding (SQLite's rowid) */
    int jfd;
};

static void put(struct store *s, const void *p, size_t n)
{
    if (core_buf_append(&s->batch, p, n) < 0)
        abort();
}

static void put_u8(struct store *s, unsigned v)
{
    uint8_t b = (uint8_t)v;

    put(s, &b, 1);
}

static void put_u32(struct store *s, uint32_t v)
{
    put(s, &v, 4);
}

static void put_u64(struct store *s, uint64_t v)
{
    put(s, &v, 8);
}

static void put_bytes(struct store *s, const void *p, size_t n)
{
    put_u32(s, (uint32_t)n);
    if (n)
        put(s, p, n);
}

static void batch_start(struct store *s)
{
    static const char hdr[JHDR];

    core_buf_init(&s->batch, BATCH_MAX);
    if (s->kind == KIND_JOURNAL)
        put(s, hdr, JHDR);      /* filled in at commit: one write(2) per commit */
}

static size_t batch_empty(const struct store *s)
{
    return s->kind == KIND_JOURNAL ? JHDR : 0;
}

static void store_url(struct store *s, uint64_t fp, unsigned depth, unsigned state)
{
    if (s->cs) {
        crawl_state_url(s->cs, fp, depth, state);
        return;
    }
    put_u8(s, OP_URL);
    put_u64(s, fp);
    put_u32(s, depth);
    put_u8(s, state);
}

static void store_put(struct store *s, const struct frontier_job *j)
{
    const char *parent = j->parent ? j->parent->url : NULL;

    if (s->cs) {
        const struct frontier_store *fs = crawl_state_store(s->cs);

        fs->put(fs->arg, j);
        return;
    }
    put_u8(s, OP_JOB);
    put_u64(s, j->fp);
    put_u32(s, j->depth);
    put_u8(s, j->kind);
    put_u32(s, j->attempts);
    put_bytes(s, j->url, strlen(j->url));
    put_bytes(s, parent, parent ? strlen(parent) + 1 : 0);
    put_bytes(s, NULL, 0);
}

static void store_done(struct store *s, const struct frontier_job *j)
{
    if (s->cs) {
        const struct frontier_store *fs = crawl_state_store(s->cs);

        fs->done(fs->arg, j);
        return;
    }
    put_u8(s, OP_DONE);
    put_u64(s, j->fp);
}

static size_t store_pending(const struct store *s)
{
    return s->cs ? crawl_state_pending(s->cs) : s->batch.len - batch_empty(s);
}

static int mdb_err(int rc)
{
    if (rc == 0)
        return 0;
    fprintf(stderr, "lmdb: %s\n", mdb_strerror(rc));
    return rc > 0 ? -EIO : rc;
}

static int store_open(struct store *s, enum kind kind, const char *dir)
{
    char msg[512], path[PATH_MAX + 16];
    MDB_txn *txn;
    int rc;

    memset(s, 0, sizeof(*s));
    s->kind = kind;
    s->jfd = -1;
    snprintf(s->dir, sizeof(s->dir), "%s", dir);
    switch (kind) {
    case KIND_SQLITE_FULL:
    case KIND_SQLITE_NORMAL:
        rc = statedb_open(dir, "crawl", "{}", STATEDB_CREATE, msg, sizeof(msg), &s->db);
        if (rc < 0) {
            fprintf(stderr, "statedb_open: %s\n", msg);
            return rc;
        }
        if (kind == KIND_SQLITE_NORMAL &&
            sqlite3_exec(statedb_sql(s->db), "PRAGMA synchronous = NORMAL", NULL, NULL, NULL))
            return -EIO;
        if (getenv("BENCH_STATE_SQLITE_CACHE_KB")) {
            /* a larger page cache than SQLite's default 2 MB: does a big state's CPU drop? */
            char sql[80];

            snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%ld",
                     atol(getenv("BENCH_STATE_SQLITE_CACHE_KB")));
            if (sqlite3_exec(statedb_sql(s->db), sql, NULL, NULL, NULL))
                return -EIO;
        }
        rc = crawl_state_open(s->db, &s->cs);
        if (rc == 0)
            crawl_state_seed(s->cs, 12345);
        return rc;
    case KIND_LMDB:
    case KIND_LMDB_NOSYNC:
        if (mkdir(dir, 0777) < 0 && errno != EEXIST)
            return -errno;
        batch_start(s);
        if ((rc = mdb_err(mdb_env_create(&s->env))) < 0 ||
            (rc = mdb_err(mdb_env_set_maxdbs(s->env, 4))) < 0 ||
            (rc = mdb_err(mdb_env_set_mapsize(s->env, (size_t)64 << 30))) < 0 ||
            (rc = mdb_err(mdb_env_open(s->env, dir, MDB_NOTLS |
                                       (kind == KIND_LMDB_NOSYNC ? MDB_NOSYNC : 0), 0644))) < 0)
            return rc;
        if ((rc = mdb_err(mdb_txn_begin(s->env, NULL, 0, &txn))) < 0)
            return rc;
        if ((rc = mdb_err(mdb_dbi_open(txn, "urls", MDB_CREATE | MDB_INTEGERKEY, &s->urls))) < 0 ||
            (rc = mdb_err(mdb_dbi_open(txn, "jobs", MDB_CREATE | MDB_INTEGERKEY, &s->jobs))) < 0 ||
            (rc = mdb_err(mdb_dbi_open(txn, "meta", MDB_CREATE, &s->meta))) < 0) {
            mdb_txn_abort(txn);
            return rc;
        }
        rc = mdb_err(mdb_txn_commit(txn));
        put_u8(s, OP_SEED);
        put_u64(s, 12345);
        return rc;
    case KIND_JOURNAL:
        if (mkdir(dir, 0777) < 0 && errno != EEXIST)
            return -errno;
        snprintf(path, sizeof(path), "%s/journal", dir);
        s->jfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (s->jfd < 0)
            return -errno;
        batch_start(s);
        put_u8(s, OP_SEED);
        put_u64(s, 12345);
        return 0;
    default:
        return -EINVAL;
    }
}

static void store_close(struct store *s)
{
    if (s->cs)
        crawl_state_destroy(s->cs);
    statedb_close(s->db);
    if (s->env)
        mdb_env_close(s->env);
    if (s->jfd >= 0)
        close(s->jfd);
    core_buf_free(&s->batch);
    s->cs = NULL;
    s->db = NULL;
    s->env = NULL;
    s->jfd = -1;
}

/* The batch in state.c's format, read back. */
struct reader {
    const char *p, *end;
};

static const char *take(struct reader *r, size_t n)
{
    const char *p = r->p;

    if ((size_t)(r->end - r->p) < n)
        return NULL;
    r->p += n;
    return p;
}

static uint64_t get_u64(struct reader *r)
{
    uint64_t v = 0;
    const char *p = take(r, 8);

    if (p)
        memcpy(&v, p, 8);
    return v;
}

static uint32_t get_u32(struct reader *r)
{
    uint32_t v = 0;
    const char *p = take(r, 4);

    if (p)
        memcpy(&v, p, 4);
    return v;
}

static unsigned get_u8(struct reader *r)
{
    const char *p = take(r, 1);

    return p ? (unsigned char)*p : 0;
}

static const char *get_bytes(struct reader *r, uint32_t *n)
{
    *n = get_u32(r);
    return take(r, *n);
}

/* Skip one op's body (the op byte already read); false on a bad op. */
static bool skip_op(struct reader *r, unsigned op)
{
    uint32_t n;

    switch (op) {
    case OP_URL:
        return take(r, 13) != NULL;
    case OP_JOB:
        return take(r, 17) && get_bytes(r, &n) && (get_bytes(r, &n) || n == 0) &&
               (get_bytes(r, &n) || n == 0);
    case OP_DONE:
    case OP_SKIPPED:
    case OP_SEED:
        return take(r, 8) != NULL;
    case OP_SCOPE:
        return get_bytes(r, &n) != NULL;
    case OP_META:
        return get_bytes(r, &n) != NULL;
    default:
        return false;
    }
}

/* The meta a commit records: counters, started, one output's name, path and length. */
static void put_meta(struct store *s)
{
    char m[sizeof(s->st) + 8 + 64];
    size_t n;

    memcpy(m, &s->st, sizeof(s->st));
    memcpy(m + sizeof(s->st), &s->started, 8);
    n = sizeof(s->st) + 8;
    n += (size_t)snprintf(m + n, sizeof(m) - n, "records\t/out/records.jsonl\t%" PRId64,
                          s->out_len);
    put_u8(s, OP_META);
    put_bytes(s, m, n);
}

static int lmdb_apply(struct store *s, MDB_txn *txn, struct reader *r)
{
    const char *start;
    unsigned op = get_u8(r);
    uint64_t fp;
    MDB_val k = {8, &fp}, v;
    char val[13];
    int rc;

    start = r->p;
    switch (op) {
    case OP_URL:
        fp = get_u64(r);
        v.mv_size = 5;
        v.mv_data = val;
        memcpy(val, r->p, 5);   /* depth u32, state u8 */
        if (!take(r, 5))
            return -EINVAL;
        return mdb_err(mdb_put(txn, s->urls, &k, &v, 0));
    case OP_JOB:
        fp = get_u64(r);
        r->p = start;
        if (!skip_op(r, op))
            return -EINVAL;
        {
            /* the value: seq (SQLite's rowid: the order of adding), then the op's bytes */
            char buf[16384];
            size_t n = (size_t)(r->p - start) - 8;

            if (n + 8 > sizeof(buf))
                return -EMSGSIZE;
            s->seq++;
            memcpy(buf, &s->seq, 8);
            memcpy(buf + 8, start + 8, n);
            v.mv_size = n + 8;
            v.mv_data = buf;
            return mdb_err(mdb_put(txn, s->jobs, &k, &v, 0));
        }
    case OP_DONE:
        fp = get_u64(r);
        rc = mdb_del(txn, s->jobs, &k, NULL);
        return rc == MDB_NOTFOUND ? 0 : mdb_err(rc);
    case OP_SEED:
    case OP_META:
        if (!skip_op(r, op))
            return -EINVAL;
        k.mv_size = 1;
        k.mv_data = &op;
        v.mv_size = (size_t)(r->p - start);
        v.mv_data = (void *)(uintptr_t)start;
        return mdb_err(mdb_put(txn, s->meta, &k, &v, 0));
    default:
        return -EINVAL;
    }
}

static int lmdb_commit_on_pool(void *arg)
{
    struct store *s = arg;
    struct reader r = {s->commit_ops.data, s->commit_ops.data + s->commit_ops.len};
    MDB_txn *txn;
    int rc = mdb_err(mdb_txn_begin(s->env, NULL, 0, &txn));

    if (rc < 0)
        return rc;
    while (rc == 0 && r.p < r.end)
        rc = lmdb_apply(s, txn, &r);
    if (rc < 0) {
        mdb_txn_abort(txn);
        return rc;
    }
    return mdb_err(mdb_txn_commit(txn));
}

static int journal_commit_on_pool(void *arg)
{
    struct store *s = arg;
    char *p = s->commit_ops.data;
    size_t len = s->commit_ops.len, off = 0;
    uint32_t n = (uint32_t)(len - JHDR);
    uint32_t crc = (uint32_t)crc32(0L, (const Bytef *)p + JHDR, n);
    ssize_t w;

    memcpy(p, &n, 4);
    memcpy(p + 4, &crc, 4);
    while (off < len) {
        w = write(s->jfd, p + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        off += (size_t)w;
    }
    while (fdatasync(s->jfd) < 0)
        if (errno != EINTR)
            return -errno;
    return 0;
}

static int store_commit(struct core_coro *co, struct store *s)
{
    struct crawl_state_file f = {"records", "/out/records.jsonl", -1, s->out_len};
    int rc;

    s->st.attempted = s->started;
    if (s->cs)
        return crawl_state_commit(co, s->cs, &s->st, s->started, &f, 1, NULL, 0, false);
    put_meta(s);
    s->commit_ops = s->batch;
    batch_start(s);
    rc = core_offload(co, s->kind == KIND_JOURNAL ? journal_commit_on_pool : lmdb_commit_on_pool, s,
                      -1);
    core_buf_free(&s->commit_ops);
    return rc;
}

/* --- reading a state back (resume) -------------------------------------------------------- */

struct loaded_job {
    uint64_t fp, seq;
    uint32_t depth;
    char *url;                  /* a loaded job's copy */
    const char *body;           /* a stored job op's bytes (in the journal or a txn) */
    size_t len;
};

/* How the URLs read back go into the visited set: not at all (the store's read alone), one
 * by one as read into a set reserved for them (what crawl.c does), or gathered and then added
 * in a spread order. The visited set is a sorted table with linear probing: URLs arriving in
 * fingerprint order, as SQLite's and LMDB's trees give them, pile up in its low slots and each
 * add walks the pile unless the table was sized for them first (parse_visited_reserve); the
 * journal gives them in discovery order. */
enum load_mode { LOAD_COUNT, LOAD_DIRECT, LOAD_SPREAD };

struct loaded {
    enum load_mode mode;
    uint64_t *fps;
    uint32_t *ds;               /* depth << 8 | state */
    size_t nrows, caprows;
    struct parse_visited *v;
    struct loaded_job *jobs;
    size_t njobs, cap;
    size_t urls_calls;
};

static void load_url(void *arg, uint64_t fp, unsigned depth, unsigned state)
{
    struct loaded *l = arg;

    l->urls_calls++;
    if (l->mode == LOAD_SPREAD) {
        if (l->nrows == l->caprows) {
            l->caprows = l->caprows ? l->caprows * 2 : 4096;
            l->fps = realloc(l->fps, l->caprows * sizeof(*l->fps));
            l->ds = realloc(l->ds, l->caprows * sizeof(*l->ds));
            if (!l->fps || !l->ds)
                abort();
        }
        l->fps[l->nrows] = fp;
        l->ds[l->nrows++] = depth << 8 | state;
        return;
    }
    if (l->mode == LOAD_DIRECT && parse_visited_add(l->v, fp, depth, NULL, NULL) >= 0)
        parse_visited_set_state(l->v, fp, state == URL_ACTIVE ? URL_QUEUED : state);
}

/* How many URL rows come next: the visited set is sized for them first, as crawl.c does. */
static void load_urls(void *arg, size_t n)
{
    struct loaded *l = arg;

    if (l->mode == LOAD_DIRECT && parse_visited_reserve(l->v, n) < 0)
        abort();
}

static void load_skips(void *arg, size_t n)
{
    (void)arg;
    (void)n;
}

static void load_robots(void *arg, const char *origin, unsigned how, const char *body,
                        size_t len, int64_t delay_ms)
{
    (void)arg;
    (void)origin;
    (void)how;
    (void)body;
    (void)len;
    (void)delay_ms;
}

static void load_digest(void *arg, const char *digest, const char *uri, int64_t date_ms,
                        const char *record_id)
{
    (void)arg;
    (void)digest;
    (void)uri;
    (void)date_ms;
    (void)record_id;
}

static void load_skipped(void *arg, uint64_t fp)
{
    (void)arg;
    (void)fp;
}

static void load_scope(void *arg, const char *url)
{
    (void)arg;
    (void)url;
}

/* What frontier_add_job would be given: keep the URL (the frontier copies it into its job). */
static void load_job(void *arg, const struct frontier_new *n, const char *parent)
{
    struct loaded *l = arg;

    (void)parent;
    if (l->mode != LOAD_COUNT)
        load_url(l, n->fp, n->depth, URL_QUEUED);   /* a stored job's URL is QUEUED */
    if (l->mode == LOAD_COUNT) {
        l->njobs++;
        core_free(n->extra);
        return;
    }
    if (l->njobs == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 1024;
        l->jobs = realloc(l->jobs, l->cap * sizeof(*l->jobs));
        if (!l->jobs)
            abort();
    }
    l->jobs[l->njobs].fp = n->fp;
    l->jobs[l->njobs].depth = n->depth;
    l->jobs[l->njobs].url = strndup(n->url, n->len);
    l->njobs++;
    core_free(n->extra);
}

static const struct crawl_state_load load_cb = {
    .urls = load_urls, .url = load_url, .skips = load_skips, .skipped = load_skipped,
    .scope = load_scope, .robots = load_robots, .digest = load_digest, .job = load_job
};

/* The gathered URLs into the visited set, the i-th add taking row i * P mod n (P a prime above
 * n, so each row once), so that the adds are spread over the fingerprints. */
static void load_spread(struct loaded *l)
{
    const uint64_t p = 2147483647u % (l->nrows ? l->nrows : 1);
    size_t i, k = 0;

    for (i = 0; i < l->nrows; i++) {
        if (parse_visited_add(l->v, l->fps[k], l->ds[k] >> 8, NULL, NULL) < 0)
            abort();
        k = (size_t)((k + p) % l->nrows);
    }
    for (i = 0; i < l->nrows; i++)  /* states in the order read: a job's QUEUED comes last */
        parse_visited_set_state(l->v, l->fps[i],
                                (l->ds[i] & 255) == URL_ACTIVE ? URL_QUEUED : l->ds[i] & 255);
}

static int job_order(const void *a, const void *b)
{
    const struct loaded_job *x = a, *y = b;

    if (x->depth != y->depth)
        return x->depth < y->depth ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* A job op's bytes (after the op byte) to the load callback. */
static void job_from_op(const char *body, size_t n, const struct crawl_state_load *cb)
{
    struct reader r = {body, body + n};
    struct frontier_new nj;
    uint32_t un, pn, en;
    const char *parent;

    memset(&nj, 0, sizeof(nj));
    nj.fp = get_u64(&r);
    nj.depth = get_u32(&r);
    nj.kind = (enum frontier_kind)get_u8(&r);
    nj.attempts = (uint16_t)get_u32(&r);
    nj.url = get_bytes(&r, &un);
    nj.len = un;
    parent = get_bytes(&r, &pn);
    (void)get_bytes(&r, &en);
    cb->job(cb->arg, &nj, pn ? parent : NULL);
}

/* A job table for the journal's replay: fp -> the op in the journal, open addressing with
 * tombstones (fp 0 empty, 1 deleted; fingerprints are remapped off those two). */
struct jtab {
    uint64_t *fp;
    const char **op;
    uint64_t *seq;
    size_t cap, used, live;
};

static uint64_t jkey(uint64_t fp)
{
    return fp < 2 ? fp + 2 : fp;
}

static void jtab_put(struct jtab *t, uint64_t fp, const char *op, uint64_t seq);

static void jtab_grow(struct jtab *t)
{
    struct jtab o = *t;
    size_t i;

    t->cap = o.cap ? o.cap * 2 : 1024;
    if (o.cap && o.live * 4 < o.cap)
        t->cap = o.cap;         /* mostly tombstones: rehash at the same size */
    t->fp = calloc(t->cap, sizeof(*t->fp));
    t->op = calloc(t->cap, sizeof(*t->op));
    t->seq = calloc(t->cap, sizeof(*t->seq));
    if (!t->fp || !t->op || !t->seq)
        abort();
    t->used = t->live = 0;
    for (i = 0; i < o.cap; i++)
        if (o.fp[i] > 1)
            jtab_put(t, o.fp[i], o.op[i], o.seq[i]);
    free(o.fp);
    free(o.op);
    free(o.seq);
}

static void jtab_put(struct jtab *t, uint64_t fp, const char *op, uint64_t seq)
{
    size_t i, tomb = SIZE_MAX;

    if ((t->used + 1) * 4 > t->cap * 3)
        jtab_grow(t);
    fp = jkey(fp);
    for (i = (size_t)(fp * 0x9e3779b97f4a7c15u >> 20) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        if (t->fp[i] == fp) {
            t->op[i] = op;
            t->seq[i] = seq;
            return;
        }
        if (t->fp[i] == 1 && tomb == SIZE_MAX)
            tomb = i;
        if (t->fp[i] == 0)
            break;
    }
    if (tomb != SIZE_MAX)
        i = tomb;
    else
        t->used++;
    t->fp[i] = fp;
    t->op[i] = op;
    t->seq[i] = seq;
    t->live++;
}

static void jtab_del(struct jtab *t, uint64_t fp)
{
    size_t i;

    if (!t->cap)
        return;
    fp = jkey(fp);
    for (i = (size_t)(fp * 0x9e3779b97f4a7c15u >> 20) & (t->cap - 1); t->fp[i];
         i = (i + 1) & (t->cap - 1))
        if (t->fp[i] == fp) {
            t->fp[i] = 1;
            t->live--;
            return;
        }
}

/* Replay DIR/journal: every whole record with a good CRC, up to the first that is not (a torn
 * tail, cut off so that the next commit follows the last good one). */
static int journal_read(const char *dir, const struct crawl_state_load *cb, size_t *good_out)
{
    char path[PATH_MAX + 16];
    struct stat st;
    struct jtab t = {0};
    char *buf;
    size_t len, off = 0, got = 0, i, nlive = 0;
    uint64_t seq = 0;
    struct loaded_job *live;
    int fd;

    snprintf(path, sizeof(path), "%s/journal", dir);
    fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0)
        return -errno;
    len = (size_t)st.st_size;
    buf = malloc(len ? len : 1);
    if (!buf)
        abort();
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);

        if (n <= 0) {
            len = got;
            break;
        }
        got += (size_t)n;
    }
    while (len - off >= JHDR) {
        uint32_t n, crc;
        struct reader r;

        memcpy(&n, buf + off, 4);
        memcpy(&crc, buf + off + 4, 4);
        if (n > len - off - JHDR || crc32(0L, (const Bytef *)buf + off + JHDR, n) != crc)
            break;
        r.p = buf + off + JHDR;
        r.end = r.p + n;
        while (r.p < r.end) {
            unsigned op = get_u8(&r);
            const char *body = r.p;

            if (!skip_op(&r, op))
                break;
            if (op == OP_URL) {
                struct reader u = {body, r.p};
                uint64_t fp = get_u64(&u);
                uint32_t depth = get_u32(&u);

                cb->url(cb->arg, fp, depth, get_u8(&u));
            } else if (op == OP_JOB) {
                uint64_t fp;

                memcpy(&fp, body, 8);
                jtab_put(&t, fp, body, ++seq);
            } else if (op == OP_DONE) {
                uint64_t fp;

                memcpy(&fp, body, 8);
                jtab_del(&t, fp);
            }
        }
        off += JHDR + n;
    }
    if (off < (size_t)st.st_size && ftruncate(fd, (off_t)off) < 0)
        fprintf(stderr, "journal: cannot cut the torn tail: %s\n", strerror(errno));
    close(fd);
    /* the jobs in SQLite's order: depth, then order of adding */
    live = malloc((t.live ? t.live : 1) * sizeof(*live));
    if (!live)
        abort();
    for (i = 0; i < t.cap; i++)
        if (t.fp[i] > 1) {
            live[nlive].seq = t.seq[i];
            memcpy(&live[nlive].depth, t.op[i] + 8, 4);
            live[nlive].body = t.op[i];
            nlive++;
        }
    qsort(live, nlive, sizeof(*live), job_order);
    for (i = 0; i < nlive; i++) {
        const char *body = live[i].body;
        struct reader r = {body, buf + len};

        (void)skip_op(&r, OP_JOB);
        job_from_op(body, (size_t)(r.p - body), cb);
    }
    free(live);
    free(t.fp);
    free(t.op);
    free(t.seq);
    free(buf);
    *good_out = off;
    return 0;
}

static int lmdb_read(const char *dir, const struct crawl_state_load *cb)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi urls, jobs;
    MDB_cursor *c;
    MDB_val k, v;
    struct loaded_job *all = NULL;
    size_t n = 0, cap = 0, i;
    int rc;

    if ((rc = mdb_err(mdb_env_create(&env))) < 0)
        return rc;
    if ((rc = mdb_err(mdb_env_set_maxdbs(env, 4))) < 0 ||
        (rc = mdb_err(mdb_env_set_mapsize(env, (size_t)64 << 30))) < 0 ||
        (rc = mdb_err(mdb_env_open(env, dir, MDB_NOTLS, 0644))) < 0 ||
        (rc = mdb_err(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn))) < 0)
        goto out_env;
    if ((rc = mdb_err(mdb_dbi_open(txn, "urls", MDB_INTEGERKEY, &urls))) < 0 ||
        (rc = mdb_err(mdb_dbi_open(txn, "jobs", MDB_INTEGERKEY, &jobs))) < 0 ||
        (rc = mdb_err(mdb_cursor_open(txn, urls, &c))) < 0)
        goto out_txn;
    {
        MDB_stat st;

        if (mdb_stat(txn, urls, &st) == 0)
            cb->urls(cb->arg, st.ms_entries);
    }
    while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0) {
        uint64_t fp;
        uint32_t depth;
        const unsigned char *p = v.mv_data;

        memcpy(&fp, k.mv_data, 8);
        memcpy(&depth, p, 4);
        cb->url(cb->arg, fp, depth, p[4]);
    }
    mdb_cursor_close(c);
    if ((rc = mdb_err(mdb_cursor_open(txn, jobs, &c))) < 0)
        goto out_txn;
    while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            all = realloc(all, cap * sizeof(*all));
            if (!all)
                abort();
        }
        memcpy(&all[n].fp, k.mv_data, 8);
        memcpy(&all[n].seq, v.mv_data, 8);
        memcpy(&all[n].depth, (const char *)v.mv_data + 8, 4);
        all[n].body = (const char *)v.mv_data + 8;   /* valid for the txn */
        all[n].len = v.mv_size - 8;
        n++;
    }
    mdb_cursor_close(c);
    qsort(all, n, sizeof(*all), job_order);
    for (i = 0; i < n; i++) {
        /* the op's bytes: the fp (the key) back in front of the value's */
        char body[16384];

        if (all[i].len + 8 > sizeof(body))
            continue;
        memcpy(body, &all[i].fp, 8);
        memcpy(body + 8, all[i].body, all[i].len);
        job_from_op(body, all[i].len + 8, cb);
    }
    free(all);
out_txn:
    mdb_txn_abort(txn);
out_env:
    mdb_env_close(env);
    return rc;
}

/* Bytes of the pages LMDB's trees use (the file also holds free pages, never given back). */
static uint64_t lmdb_live_bytes(const char *dir)
{
    static const char *const names[] = {"urls", "jobs", "meta"};
    MDB_env *env;
    MDB_txn *txn;
    MDB_stat st;
    uint64_t sum = 0;
    size_t i;

    if (mdb_env_create(&env) != 0)
        return 0;
    if (mdb_env_set_maxdbs(env, 4) == 0 && mdb_env_open(env, dir, MDB_NOTLS | MDB_RDONLY, 0644) == 0 &&
        mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0) {
        for (i = 0; i < 3; i++) {
            MDB_dbi dbi;

            if (mdb_dbi_open(txn, names[i], 0, &dbi) == 0 && mdb_stat(txn, dbi, &st) == 0)
                sum += (uint64_t)st.ms_psize * (st.ms_branch_pages + st.ms_leaf_pages +
                                                st.ms_overflow_pages);
        }
        mdb_txn_abort(txn);
    }
    mdb_env_close(env);
    return sum;
}

/* Open the state in dir and read it all into l. */
static int store_resume(enum kind kind, const char *dir, struct loaded *l, double *open_s)
{
    struct crawl_state_load cb = load_cb;
    double t0 = now_s();
    int rc;

    cb.arg = l;
    if (kind == KIND_SQLITE_FULL || kind == KIND_SQLITE_NORMAL) {
        struct crawl_state_loaded info;
        struct crawl_state *cs;
        struct statedb *db;
        struct crawl_stats st;
        uint64_t seed;
        char msg[512];

        rc = statedb_open(dir, "crawl", NULL, STATEDB_RESUME, msg, sizeof(msg), &db);
        if (rc < 0) {
            fprintf(stderr, "statedb_open: %s\n", msg);
            return rc;
        }
        rc = crawl_state_open(db, &cs);
        *open_s = now_s() - t0;
        if (rc == 0)
            rc = crawl_state_seed_of(cs, &seed);
        if (rc == 0)
            rc = crawl_state_read(cs, &cb, &info, &st);
        crawl_state_destroy(cs);
        statedb_close(db);
    } else if (kind == KIND_JOURNAL) {
        size_t good;

        *open_s = 0;
        rc = journal_read(dir, &cb, &good);
    } else {
        *open_s = 0;
        rc = lmdb_read(dir, &cb);
    }
    if (rc == 0 && l->mode == LOAD_SPREAD)
        load_spread(l);
    return rc;
}

/* --- the op stream: a breadth-first crawl of a generated site ----------------------------- */

struct site {
    uint32_t pages;             /* pages in the site */
    uint32_t ahead;             /* links reach this many pages ahead (and 300 behind) */
    unsigned far;               /* links per 1000 that go anywhere in the site */
    uint64_t rnd;
    uint8_t *known;             /* depth + 1, 0 = not known */
    struct frontier_job **queue;
    size_t head, tail;
    size_t nknown;
    struct parse_visited *keys; /* fingerprints, as the crawl takes them */
};

static struct frontier_job *job_new(struct site *w, uint32_t id, uint32_t depth,
                                    struct frontier_parent *parent)
{
    char url[64];
    int n = id ? snprintf(url, sizeof(url), "http://127.0.0.1:8080/p/%u.html", id)
               : snprintf(url, sizeof(url), "http://127.0.0.1:8080/");
    struct frontier_job *j = calloc(1, sizeof(*j) + (size_t)n + 1);

    if (!j)
        abort();
    memcpy(j->url, url, (size_t)n + 1);
    j->fp = parse_visited_fingerprint(w->keys, url, (size_t)n);
    j->seq = id;                /* the page's number, for the site's links */
    j->depth = depth;
    j->kind = FRONTIER_PAGE;
    j->parent = parent;
    if (parent)
        parent->refs++;
    return j;
}

static void parent_release(struct frontier_parent *p)
{
    if (p && --p->refs == 0)
        free(p);
}

static int site_init(struct site *w, uint32_t pages, uint32_t ahead, unsigned far)
{
    memset(w, 0, sizeof(*w));
    w->pages = pages;
    w->ahead = ahead;
    w->far = far;
    w->rnd = 1;
    w->known = calloc(pages, 1);
    w->queue = calloc(pages, sizeof(*w->queue));
    if (!w->known || !w->queue || parse_visited_create(7, &w->keys) < 0)
        return -ENOMEM;
    return 0;
}

static void site_free(struct site *w)
{
    while (w->head < w->tail) {
        struct frontier_job *j = w->queue[w->head++];

        parent_release(j->parent);
        free(j);
    }
    free(w->known);
    free(w->queue);
    parse_visited_destroy(w->keys);
}

/* The seed: known and queued. */
static void site_seed(struct site *w, struct store *s)
{
    struct frontier_job *j = job_new(w, 0, 0, NULL);

    w->known[0] = 1;
    w->nknown = 1;
    store_put(s, j);
    w->queue[w->tail++] = j;
}

/* Crawl the next page: its new links become known and queued, then it is done. false when
 * nothing is left. */
static bool site_page(struct site *w, struct store *s)
{
    struct frontier_job *j, *nj;
    struct frontier_parent *parent;
    uint32_t id, nlinks, k, t;
    size_t ulen;

    if (w->head == w->tail)
        return false;
    j = w->queue[w->head++];
    id = (uint32_t)j->seq;
    ulen = strlen(j->url);
    parent = malloc(sizeof(*parent) + ulen + 1);
    if (!parent)
        abort();
    parent->refs = 1;
    memcpy(parent->url, j->url, ulen + 1);
    nlinks = 20 + (uint32_t)(rnd_next(&w->rnd) % 41);
    for (k = 0; k < nlinks; k++) {
        uint64_t r = rnd_next(&w->rnd);

        if (k == 0)
            t = id + 1;
        else if (r % 1000 < w->far)
            t = (uint32_t)((r >> 16) % w->pages);
        else
            t = (uint32_t)((int64_t)id - 300 + (int64_t)((r >> 16) % (w->ahead + 301)));
        if (t >= w->pages || t == id || w->known[t])
            continue;           /* out of the site, or known: nothing for the store */
        w->known[t] = (uint8_t)(j->depth + 2 > 255 ? 255 : j->depth + 2);
        w->nknown++;
        nj = job_new(w, t, j->depth + 1, parent);
        store_put(s, nj);       /* frontier_add_job; its job row says QUEUED (no URL row) */
        w->queue[w->tail++] = nj;
    }
    parent_release(parent);
    store_url(s, j->fp, j->depth, URL_DONE);
    store_done(s, j);
    parent_release(j->parent);
    free(j);
    s->started++;
    s->out_len += 600;          /* a JSONL record */
    return true;
}

/* --- the runs ----------------------------------------------------------------------------- */

struct run {
    enum kind kind;
    char dir[PATH_MAX];
    uint32_t pages, ahead;      /* the site */
    unsigned far;
    size_t limit;               /* pages to crawl at most (0: all) */
    size_t stop_known;          /* resume build: stop when this many URLs are known */
    size_t prefill;             /* rate mode: first build a state of this many URLs (K = 1000) */
    uint64_t wchar;             /* bytes the process passed to write(2)s while measured */
    unsigned k;                 /* fixed: pages per commit; 0: rate mode */
    double rate;                /* pages/s in rate mode */
    int rc;
    /* results */
    size_t done, commits, known, queued;
    double wall, cpu_pool, cpu_loop;
    size_t max_batch;
    double max_lag;
    /* rate mode, between the producer and the committer */
    struct store *s;
    struct site *w;
    bool produced;
    size_t batch_pages;
    double batch_t0;
};

static int rm_rf(const char *dir)
{
    char cmd[PATH_MAX + 32];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd);
}

static int producer(struct core_coro *co, void *arg)
{
    struct run *r = arg;
    double t0 = now_s();

    for (;;) {
        double due = (now_s() - t0) * r->rate;

        if (r->limit && due > (double)r->limit)
            due = (double)r->limit;
        if (r->limit && r->done >= r->limit) {
            r->produced = true;
            return 0;
        }
        while ((double)r->done < due) {
            if (!site_page(r->w, r->s)) {
                r->produced = true;
                return 0;
            }
            if (r->batch_pages++ == 0)
                r->batch_t0 = now_s();
            r->done++;
        }
        if (core_sleep(co, core_deadline_in(1)) != 0)
            return 0;
    }
}

static int committer(struct core_coro *co, void *arg)
{
    struct run *r = arg;

    for (;;) {
        if (r->batch_pages == 0) {
            if (r->produced)
                return 0;
            if (core_sleep(co, core_deadline_in(1)) != 0)
                return 0;
            continue;
        }
        {
            double t0 = r->batch_t0;
            size_t pages = r->batch_pages;
            double lag;

            r->batch_pages = 0;
            r->rc = store_commit(co, r->s);
            if (r->rc < 0)
                return r->rc;
            r->commits++;
            lag = now_s() - t0;
            if (lag > r->max_lag)
                r->max_lag = lag;
            if (pages > r->max_batch)
                r->max_batch = pages;
        }
    }
}

/* Bytes this process has passed to write(2) and its kin (/proc/self/io wchar). */
static uint64_t wchar_now(void)
{
    char line[128];
    unsigned long long v = 0;
    FILE *f = fopen("/proc/self/io", "r");

    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "wchar: %llu", &v) == 1)
            break;
    fclose(f);
    return v;
}

static int run_body(struct core_coro *co, void *arg)
{
    struct run *r = arg;
    struct store s;
    struct site w;
    double t0, c0, l0;
    unsigned in_batch = 0;

    rm_rf(r->dir);
    if ((r->rc = site_init(&w, r->pages, r->ahead, r->far)) < 0 ||
        (r->rc = store_open(&s, r->kind, r->dir)) < 0)
        return 0;
    site_seed(&w, &s);
    r->s = &s;
    r->w = &w;
    if (r->prefill) {
        while (w.nknown < r->prefill && site_page(&w, &s))
            if (++in_batch == 1000) {
                in_batch = 0;
                if ((r->rc = store_commit(co, &s)) < 0)
                    goto out;
            }
        if (store_pending(&s) > 0 && (r->rc = store_commit(co, &s)) < 0)
            goto out;
        in_batch = 0;
    }
    r->wchar = wchar_now();
    t0 = now_s();
    c0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
    l0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
    if (r->k == 0) {
        struct core_group *g;

        if (core_group_create(core_coro_loop(co), 0, &g) != 0 ||
            core_group_spawn(g, producer, r, NULL) != 0 ||
            core_group_spawn(g, committer, r, NULL) != 0)
            abort();
        while (core_group_running(g) > 0)
            core_sleep(co, core_deadline_in(5));
        core_group_destroy(g);
    } else {
        while ((!r->limit || r->done < r->limit) && (!r->stop_known || w.nknown < r->stop_known)) {
            if (!site_page(&w, &s))
                break;
            r->done++;
            if (++in_batch == r->k) {
                in_batch = 0;
                if ((r->rc = store_commit(co, &s)) < 0)
                    break;
                r->commits++;
            }
        }
        if (r->rc == 0 && store_pending(&s) > 0 && (r->rc = store_commit(co, &s)) == 0)
            r->commits++;
    }
    r->wall = now_s() - t0;
    r->wchar = wchar_now() - r->wchar;
    r->cpu_loop = cpu_s(CLOCK_THREAD_CPUTIME_ID) - l0;
    r->cpu_pool = cpu_s(CLOCK_PROCESS_CPUTIME_ID) - c0 - r->cpu_loop;
    r->known = w.nknown;
    r->queued = w.tail - w.head;
out:
    store_close(&s);
    site_free(&w);
    return 0;
}

static int run_one(struct run *r)
{
    struct core_loop *loop;
    struct core_group *g;

    if (core_loop_create(&loop) != 0 || core_group_create(loop, 0, &g) != 0 ||
        core_group_spawn(g, run_body, r, NULL) != 0 || core_loop_run(loop) != 0)
        return -1;
    core_group_destroy(g);
    core_loop_destroy(loop);
    return r->rc;
}

/* BENCH_STATE_ONLY=name: run that store alone. */
static bool wanted(int kind)
{
    const char *only = getenv("BENCH_STATE_ONLY");

    return !only || strcmp(only, store_names[kind]) == 0;
}

static uint64_t dir_bytes(const char *dir)
{
    char path[PATH_MAX + 300];
    struct dirent *e;
    struct stat st;
    uint64_t sum = 0;
    DIR *d = opendir(dir);

    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (e->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode))
            sum += (uint64_t)st.st_blocks * 512;
    }
    closedir(d);
    return sum;
}

/* Drop dir's files from the page cache (a cold resume, without root). */
static void dir_uncache(const char *dir)
{
    char path[PATH_MAX + 300];
    struct dirent *e;
    DIR *d = opendir(dir);

    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        int fd;

        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            (void)fdatasync(fd);
            (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
            close(fd);
        }
    }
    closedir(d);
}

static void loaded_free(struct loaded *l);

/* A torn tail: half a record appended (a kill in the middle of the write) must be cut off, and
 * the state read back be the last whole commit's. */
static int journal_torn_check(const char *dir, size_t known, size_t queued)
{
    char path[PATH_MAX + 16], junk[100];
    struct crawl_state_load cb = load_cb;
    struct loaded l;
    struct stat st0, st1;
    uint32_t n = 4096;
    size_t good;
    int fd, rc;

    snprintf(path, sizeof(path), "%s/journal", dir);
    fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st0) < 0)
        return -1;
    memset(junk, 'x', sizeof(junk));
    memcpy(junk, &n, 4);        /* says 4096 bytes follow; 92 do */
    if (write(fd, junk, sizeof(junk)) != (ssize_t)sizeof(junk))
        return -1;
    close(fd);
    memset(&l, 0, sizeof(l));
    l.mode = LOAD_DIRECT;
    if (parse_visited_create(7, &l.v) < 0)
        return -1;
    cb.arg = &l;
    rc = journal_read(dir, &cb, &good);
    if (rc < 0 || stat(path, &st1) < 0 || st1.st_size != st0.st_size ||
        (size_t)st0.st_size != good || parse_visited_count(l.v) != known || l.njobs != queued) {
        fprintf(stderr, "journal: the torn tail was not cut off cleanly\n");
        return -1;
    }
    printf("journal\ttorn tail of %zu bytes cut off; %zu URLs and %zu jobs read back\n",
           sizeof(junk), known, queued);
    loaded_free(&l);
    return 0;
}

static void loaded_free(struct loaded *l)
{
    size_t i;

    for (i = 0; l->jobs && i < l->njobs; i++)
        free(l->jobs[i].url);
    free(l->jobs);
    free(l->fps);
    free(l->ds);
    parse_visited_destroy(l->v);
    memset(l, 0, sizeof(*l));
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n ? v[n / 2] : 0;
}

static const char *load_now(void)
{
    static char buf[64];
    FILE *f = fopen("/proc/loadavg", "r");

    buf[0] = '\0';
    if (f) {
        if (!fgets(buf, sizeof(buf), f))
            buf[0] = '\0';
        fclose(f);
    }
    buf[strcspn(buf, " ")] = '\0';
    return buf;
}

#define MAXR 16

int main(int argc, char **argv)
{
    static const unsigned ks[] = {1, 10, 100};
    const char *base = argc > 1 ? argv[1] : "bench/out/state";
    uint32_t pages = argc > 2 ? (uint32_t)atol(argv[2]) : 20000;
    size_t resume_urls = argc > 3 ? (size_t)atol(argv[3]) : 1000000;
    int rounds = argc > 4 ? atoi(argv[4]) : 3;
    double rate = argc > 5 ? atof(argv[5]) : 17000;
    size_t direct_max = argc > 6 ? (size_t)atol(argv[6]) : 100000000;
    /* medians: [store][k index 0..2, 3 = rate] */
    double cpu[NSTORES][4][MAXR], wall[NSTORES][4][MAXR], cps[NSTORES][4][MAXR];
    double lag[NSTORES][MAXR], ppc[NSTORES][MAXR], bpu[NSTORES][MAXR];
    double res_wall[NSTORES][MAXR], res_cpu[NSTORES][MAXR], res_cold[NSTORES][MAXR];
    double build_cpu[NSTORES][MAXR], res_read[NSTORES][MAXR];
    int round, ki, kind;

    if (rounds > MAXR)
        rounds = MAXR;
    if (mkdir(base, 0777) < 0 && errno != EEXIST) {
        perror(base);
        return 1;
    }
    printf("# bench_state: %u pages, resume state of %zu URLs, %d rounds, rate %.0f pages/s\n",
           pages, resume_urls, rounds, rate);
    printf("what\tstore\tK\tpages\tcommits\twall s\tus/page wall\tus/page CPU (apply thread)"
           "\tcommits/s\tload1\n");
    for (round = 0; round < rounds; round++) {
        for (ki = 0; pages > 0 && ki < 4; ki++) {
            for (kind = 0; kind < NSTORES; kind++) {
                struct run r;

                if (!wanted(kind))
                    continue;
                memset(&r, 0, sizeof(r));
                r.kind = (enum kind)kind;
                snprintf(r.dir, sizeof(r.dir), "%s/%s", base, store_names[kind]);
                r.pages = pages;
                r.limit = ki == 0 ? pages / 10 : 0;
                r.ahead = 700;
                r.far = 5;
                r.k = ki < 3 ? ks[ki] : 0;
                r.rate = rate;
                if (run_one(&r) < 0) {
                    fprintf(stderr, "%s: run failed: %s\n", store_names[kind],
                            strerror(-r.rc));
                    return 1;
                }
                cpu[kind][ki][round] = r.cpu_pool / (double)r.done * 1e6;
                wall[kind][ki][round] = r.wall / (double)r.done * 1e6;
                cps[kind][ki][round] = (double)r.commits / r.wall;
                if (ki == 3) {
                    lag[kind][round] = r.max_lag * 1e3;
                    ppc[kind][round] = (double)r.done / (double)r.commits;
                    printf("rate\t%s\t-\t%zu\t%zu\t%.2f\t%.1f\t%.2f\t%.0f\t%s"
                           "\t(%.1f pages/commit, max %zu; worst lag %.1f ms)\n",
                           store_names[kind], r.done, r.commits, r.wall,
                           wall[kind][ki][round], cpu[kind][ki][round], cps[kind][ki][round],
                           load_now(), ppc[kind][round], r.max_batch, lag[kind][round]);
                } else {
                    printf("fixed\t%s\t%u\t%zu\t%zu\t%.2f\t%.1f\t%.2f\t%.0f\t%s\n",
                           store_names[kind], r.k, r.done, r.commits, r.wall,
                           wall[kind][ki][round], cpu[kind][ki][round], cps[kind][ki][round],
                           load_now());
                }
                fflush(stdout);
            }
        }
        /* the resume state: built, then read back warm and cold */
        for (kind = 0; resume_urls > 0 && kind < NSTORES; kind++) {
            struct run r;
            struct loaded l;
            double t0, c0, open_s;
            int rc;

            if (kind == KIND_SQLITE_NORMAL || kind == KIND_LMDB_NOSYNC || !wanted(kind)) {
                res_wall[kind][round] = res_cpu[kind][round] = res_cold[kind][round] = 0;
                res_read[kind][round] = 0;
                bpu[kind][round] = build_cpu[kind][round] = 0;
                continue;       /* the same file as its synced twin */
            }
            memset(&r, 0, sizeof(r));
            r.kind = (enum kind)kind;
            snprintf(r.dir, sizeof(r.dir), "%s/%s-resume", base, store_names[kind]);
            r.pages = (uint32_t)(resume_urls + resume_urls / 10);
            r.ahead = (uint32_t)(resume_urls / 19);
            r.stop_known = resume_urls;
            r.k = 1000;
            if (run_one(&r) < 0) {
                fprintf(stderr, "%s: build failed: %s\n", store_names[kind], strerror(-r.rc));
                return 1;
            }
            bpu[kind][round] = (double)dir_bytes(r.dir) / (double)r.known;
            build_cpu[kind][round] = r.cpu_pool / (double)r.done * 1e6;
            printf("build\t%s\t1000\t%zu\t%zu\t%.2f\t%.1f\t%.2f\t%.0f\t%s\t(%zu known, %zu "
                   "queued, %" PRIu64 " bytes = %.1f bytes/URL)\n",
                   store_names[kind], r.done, r.commits, r.wall,
                   r.wall / (double)r.done * 1e6, build_cpu[kind][round],
                   (double)r.commits / r.wall, load_now(), r.known, r.queued,
                   dir_bytes(r.dir), bpu[kind][round]);
            if (kind == KIND_LMDB)
                printf("build\tlmdb\tof which in use by its trees: %.1f bytes/URL\n",
                       (double)lmdb_live_bytes(r.dir) / (double)r.known);
            /* pass 0: warm, the store's read alone (callbacks that count); 1: warm, into a
             * visited set and a job list (the journal's URLs as read, the trees' gathered and
             * spread); 2: cold (the files dropped from the page cache), as 1; 3: warm, the
             * trees' URLs into the visited set as read, as crawl.c does today (quadratic: only
             * up to DIRECT_MAX URLs) */
            for (int pass = 0; pass < 4; pass++) {
                size_t urls;

                if (pass == 3 && (kind == KIND_JOURNAL || r.known > direct_max))
                    break;
                memset(&l, 0, sizeof(l));
                l.mode = pass == 0 ? LOAD_COUNT : pass == 3 || kind == KIND_JOURNAL ? LOAD_DIRECT
                                                                                   : LOAD_SPREAD;
                if (pass != 0 && parse_visited_create(7, &l.v) < 0)
                    return 1;
                if (pass == 2)
                    dir_uncache(r.dir);
                t0 = now_s();
                c0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
                rc = store_resume(r.kind, r.dir, &l, &open_s);
                if (rc < 0) {
                    fprintf(stderr, "%s: resume failed: %s\n", store_names[kind], strerror(-rc));
                    return 1;
                }
                if (pass == 1) {
                    res_wall[kind][round] = now_s() - t0;
                    res_cpu[kind][round] = cpu_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
                } else if (pass == 0) {
                    res_read[kind][round] = now_s() - t0;
                } else if (pass == 2) {
                    res_cold[kind][round] = now_s() - t0;
                }
                urls = l.v ? parse_visited_count(l.v) : r.known;
                printf("resume\t%s\t%s\t%zu URLs (%zu url rows or ops)\t%zu jobs\t%.3f s"
                       "\t(open %.3f s; CPU %.3f s)\t%s\n", store_names[kind],
                       pass == 0 ? "warm, read only" : pass == 1 ? "warm" : pass == 2 ? "cold"
                       : "warm, as read (crawl.c)", urls,
                       l.urls_calls, l.njobs, now_s() - t0, open_s,
                       cpu_s(CLOCK_PROCESS_CPUTIME_ID) - c0, load_now());
                if (urls != r.known || l.njobs != r.queued) {
                    fprintf(stderr, "%s: resumed %zu URLs and %zu jobs, expected %zu and %zu\n",
                            store_names[kind], urls, l.njobs, r.known, r.queued);
                    return 1;
                }
                loaded_free(&l);
            }
            if (kind == KIND_JOURNAL && journal_torn_check(r.dir, r.known, r.queued) < 0)
                return 1;
            fflush(stdout);
        }
    }
    /* BENCH_STATE_RATE_AT=N: the rate run again, PAGES pages into a state that already knows
     * N URLs (built first, commits of 1000 pages), every store, one round */
    if (getenv("BENCH_STATE_RATE_AT")) {
        size_t at = (size_t)atol(getenv("BENCH_STATE_RATE_AT"));

        for (kind = 0; kind < NSTORES; kind++) {
            struct run r;

            if (!wanted(kind))
                continue;
            memset(&r, 0, sizeof(r));
            r.kind = (enum kind)kind;
            snprintf(r.dir, sizeof(r.dir), "%s/%s-at", base, store_names[kind]);
            r.pages = (uint32_t)(at + at / 10 + pages);
            r.ahead = (uint32_t)(at / 19);
            r.prefill = at;
            r.limit = pages;
            r.rate = rate;
            if (run_one(&r) < 0) {
                fprintf(stderr, "%s: run failed: %s\n", store_names[kind], strerror(-r.rc));
                return 1;
            }
            printf("rate@%zu\t%s\t-\t%zu\t%zu\t%.2f\t%.1f\t%.2f\t%.0f\t%s\t(%.1f pages/commit, "
                   "max %zu; worst lag %.1f ms; %.1f KB written a page; %zu URLs known)\n", at,
                   store_names[kind], r.done, r.commits, r.wall, r.wall / (double)r.done * 1e6,
                   r.cpu_pool / (double)r.done * 1e6, (double)r.commits / r.wall, load_now(),
                   (double)r.done / (double)r.commits, r.max_batch, r.max_lag * 1e3,
                   (double)r.wchar / (double)r.done / 1e3, r.known);
            fflush(stdout);
            rm_rf(r.dir);
        }
    }
    printf("\n# medians of %d rounds: us per page (CPU of the applying thread / wall), "
           "commits/s\n", rounds);
    printf("store\tK=1 CPU\tK=1 wall\tK=1 commits/s\tK=10 CPU\tK=10 wall\tK=100 CPU\tK=100 wall"
           "\trate CPU\trate commits/s\tpages/commit\tworst lag ms\tbytes/URL\tbuild CPU us/page"
           "\tresume warm s\tresume CPU s\tread only s\tresume cold s\n");
    for (kind = 0; kind < NSTORES; kind++) {
        printf("%s\t%.1f\t%.1f\t%.0f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.0f\t%.1f\t%.1f\t%.1f\t%.1f"
               "\t%.2f\t%.2f\t%.2f\t%.2f\n", store_names[kind],
               median(cpu[kind][0], (size_t)rounds), median(wall[kind][0], (size_t)rounds),
               median(cps[kind][0], (size_t)rounds),
               median(cpu[kind][1], (size_t)rounds), median(wall[kind][1], (size_t)rounds),
               median(cpu[kind][2], (size_t)rounds), median(wall[kind][2], (size_t)rounds),
               median(cpu[kind][3], (size_t)rounds), median(cps[kind][3], (size_t)rounds),
               median(ppc[kind], (size_t)rounds), median(lag[kind], (size_t)rounds),
               median(bpu[kind], (size_t)rounds), median(build_cpu[kind], (size_t)rounds),
               median(res_wall[kind], (size_t)rounds), median(res_cpu[kind], (size_t)rounds),
               median(res_read[kind], (size_t)rounds),
               median(res_cold[kind], (size_t)rounds));
    }
    return 0;
}
