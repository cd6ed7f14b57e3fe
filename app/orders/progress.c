/* app/orders/progress.c: the order pipeline's durable progress under --state/--resume: which
 * input lines have a committed outcome, and the outputs' lengths that hold them. Every entry the
 * sequencer releases goes into a ledger, in input order, with its position ORDERS_POS(source,
 * first line); the recorder that writes its record marks it done, under the pipe's write_lock;
 * every commit_ms a commit (orders__progress_commit) snapshots the ledger and the lengths under
 * that lock, syncs the outputs, and stores both in one transaction. The ledger keeps the
 * entries from the first one not done (head) to the last one released (tail): what is in
 * flight plus what finished out of order behind a slow delivery. Entries an earlier run
 * committed are never read into a batch (the reader skips them, orders__progress_committed):
 * they are in the ranges that run committed, which every commit keeps. Threads: the sequencer
 * and reader on the loop, recorders and commits on the pool; pr->lock guards the ledger. */
#include "app/orders/orders_int.h"

#include <errno.h>
#include <sqlite3.h>
#include <string.h>

#include "app/orders/idset.h"
#include "app/state/statedb.h"
#include "core/loop.h"
#include "core/offload.h"

#define DONE_BIT ((uint64_t)1 << 63)
#define LEDGER_MIN 4096             /* entries the ledger starts with (grows by doubling) */

struct prange {
    uint64_t lo, hi;                /* inclusive positions */
};

struct progress {
    const struct orders_config *cfg;
    struct statedb *state;
    uv_mutex_t lock;                /* the ledger: sequencer (loop), recorders, committer */
    uint64_t *ring;                 /* ledger numbers [head, tail) at ring[n & (cap - 1)] */
    size_t cap;                     /* a power of two */
    uint64_t head, tail;
    uint64_t last_pos;              /* of the last entry appended, when any */
    bool any;
    uint64_t gen;                   /* bumped by every change a commit records */
    struct core_buf keys;           /* id-set keys of orders written since the last snapshot */
    int keys_err;                   /* a key could not be kept: no commit may succeed */
    /* under the pipe's write_lock */
    int64_t len[2];                 /* results, rejects: bytes of whole records */
    uint64_t nresults, nrejects;    /* records in them, earlier runs included */
    /* what earlier runs committed: read-only during the run */
    struct prange *old;
    size_t nold;
    size_t cursor;                  /* the reader's walk through old (ascending positions) */
    /* the committer's (one commit at a time) */
    uint64_t committed_gen;
    bool committed_once;
    uint64_t seed;                  /* the id set's, kept with the state */
    struct core_buf unsaved;        /* keys taken by snapshots and not yet committed */
    struct prange *snap;
    size_t nsnap, snapcap;
    unsigned char *blob;
    sqlite3_stmt *save, *save_keys;
    uint64_t commits;
    int64_t commit_max_ms;
    uint64_t saved_results, saved_rejects;  /* as of the last commit that succeeded */
};

static const char TABLE[] =
    "CREATE TABLE IF NOT EXISTS orders_progress ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " done BLOB NOT NULL,"          /* ranges: pairs of little-endian uint64, lo and hi */
    " results INTEGER NOT NULL,"
    " rejects INTEGER NOT NULL,"
    " seed INTEGER NOT NULL);"      /* the id set's seed: the stored keys are under it */
    "CREATE TABLE IF NOT EXISTS orders_ids ("
    " n INTEGER PRIMARY KEY,"
    " keys BLOB NOT NULL)";         /* id-set keys, little-endian uint64, one row per commit */

static void put_u64(unsigned char *p, uint64_t v)
{
    int i;

    for (i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    int i;

    for (i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Read the row an earlier run committed (none for a new run). */
static int load(struct progress *pr)
{
    struct sqlite3 *db = statedb_sql(pr->state);
    sqlite3_stmt *st = NULL;
    const unsigned char *blob;
    size_t n, i;
    int rc, err = 0;

    rc = sqlite3_prepare_v2(db, "SELECT done, results, rejects, seed FROM orders_progress "
                            "WHERE id = 1", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return statedb_error(db, rc);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        goto out;
    if (rc != SQLITE_ROW) {
        err = statedb_error(db, rc);
        goto out;
    }
    blob = sqlite3_column_blob(st, 0);
    n = (size_t)sqlite3_column_bytes(st, 0);
    if (n % 16 != 0) {
        err = -EINVAL;
        goto out;
    }
    n /= 16;
    pr->old = n ? core_calloc(n, sizeof(*pr->old)) : NULL;
    if (n && !pr->old) {
        err = -ENOMEM;
        goto out;
    }
    for (i = 0; i < n; i++) {
        pr->old[i].lo = get_u64(blob + 16 * i);
        pr->old[i].hi = get_u64(blob + 16 * i + 8);
        /* sorted and disjoint, or it is not ours */
        if (pr->old[i].lo > pr->old[i].hi || (i && pr->old[i].lo <= pr->old[i - 1].hi)) {
            err = -EINVAL;
            goto out;
        }
    }
    pr->nold = n;
    pr->nresults = pr->saved_results = (uint64_t)sqlite3_column_int64(st, 1);
    pr->nrejects = pr->saved_rejects = (uint64_t)sqlite3_column_int64(st, 2);
    pr->seed = (uint64_t)sqlite3_column_int64(st, 3);
out:
    (void)sqlite3_finalize(st);
    return err;
}

int orders__progress_open(const struct orders_config *cfg, uint64_t seed, struct progress **out)
{
    struct progress *pr = core_calloc(1, sizeof(*pr));
    struct sqlite3 *db;
    int rc;

    if (!pr)
        return -ENOMEM;
    pr->cfg = cfg;
    pr->seed = seed;            /* unless an earlier run committed one */
    core_buf_init(&pr->keys, (size_t)1 << 31);
    core_buf_init(&pr->unsaved, (size_t)1 << 31);
    pr->state = cfg->state;
    pr->len[0] = cfg->results_len;
    pr->len[1] = cfg->rejects_len;
    pr->cap = LEDGER_MIN;
    pr->ring = core_calloc(pr->cap, sizeof(*pr->ring));
    if (!pr->ring || uv_mutex_init(&pr->lock) != 0) {
        core_free(pr->ring);
        core_free(pr);
        return -ENOMEM;
    }
    db = statedb_sql(pr->state);
    /* statedb runs synchronous=FULL, each commit syncing the WAL: a power loss costs at most
     * the work since the last commit, never consistency, as the outputs are synced before the
     * commit that records their lengths; a kill -9 loses nothing committed */
    rc = sqlite3_exec(db, TABLE, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v3(db, "INSERT OR REPLACE INTO orders_progress (id, done, results, "
                                "rejects, seed) VALUES (1, ?, ?, ?, ?)", -1,
                                SQLITE_PREPARE_PERSISTENT, &pr->save, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v3(db, "INSERT INTO orders_ids (keys) VALUES (?)", -1,
                                SQLITE_PREPARE_PERSISTENT, &pr->save_keys, NULL);
    rc = rc == SQLITE_OK ? load(pr) : statedb_error(db, rc);
    if (rc < 0) {
        orders__progress_close(pr);
        return rc;
    }
    *out = pr;
    return 0;
}

void orders__progress_close(struct progress *pr)
{
    if (!pr)
        return;
    (void)sqlite3_finalize(pr->save);
    (void)sqlite3_finalize(pr->save_keys);
    uv_mutex_destroy(&pr->lock);
    core_buf_free(&pr->keys);
    core_buf_free(&pr->unsaved);
    core_free(pr->ring);
    core_free(pr->old);
    core_free(pr->snap);
    core_free(pr->blob);
    core_free(pr);
}

uint64_t orders__progress_seed(const struct progress *pr)
{
    return pr->seed;
}

/* Duplicate ids across a resume: the id set of a resumed run must hold the ids of the orders an
 * earlier run committed (an order with the id of one of them is still a duplicate). Each commit
 * stores the id-set keys of the orders it commits that the id set took as new (8 bytes each,
 * under the run's id-set seed, which is kept too), and a resumed run loads them here, before it
 * reads a line. An order redone because its outcome was not committed is then judged against
 * exactly the ids of the orders before it: the committed ones and the redone ones. */
int orders__progress_load_ids(struct progress *pr, struct app_idset *ids)
{
    struct sqlite3 *db = statedb_sql(pr->state);
    struct app_idset_item items[1024];
    const unsigned char *blob;
    sqlite3_stmt *st = NULL;
    size_t n, i, k;
    int rc, err = 0;

    rc = sqlite3_prepare_v2(db, "SELECT keys FROM orders_ids ORDER BY n", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return statedb_error(db, rc);
    while (err == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        blob = sqlite3_column_blob(st, 0);
        n = (size_t)sqlite3_column_bytes(st, 0) / 8;
        for (i = 0; err == 0 && i < n; i += k) {
            for (k = 0; k < 1024 && i + k < n; k++) {
                items[k].id = NULL;
                items[k].len = 0;
                items[k].key = get_u64(blob + 8 * (i + k));
            }
            err = app_idset_add_batch(ids, items, k);
        }
    }
    if (err == 0 && rc != SQLITE_DONE)
        err = statedb_error(db, rc);
    (void)sqlite3_finalize(st);
    return err;
}

bool orders__progress_committed(struct progress *pr, uint64_t pos)
{
    while (pr->cursor < pr->nold && pr->old[pr->cursor].hi < pos)
        pr->cursor++;
    return pr->cursor < pr->nold && pr->old[pr->cursor].lo <= pos;
}

/* Drop done entries from the head: what lies before the head is all done. Under lock. */
static void advance(struct progress *pr)
{
    const size_t mask = pr->cap - 1;

    while (pr->head < pr->tail && (pr->ring[pr->head & mask] & DONE_BIT))
        pr->head++;
}

/* Room for n more entries. Under lock. */
static int reserve(struct progress *pr, size_t n)
{
    size_t cap = pr->cap, used = (size_t)(pr->tail - pr->head);
    uint64_t *ring, s;

    while (cap - used < n)
        cap *= 2;
    if (cap == pr->cap)
        return 0;
    ring = core_calloc(cap, sizeof(*ring));
    if (!ring)
        return -ENOMEM;
    for (s = pr->head; s < pr->tail; s++)
        ring[s & (cap - 1)] = pr->ring[s & (pr->cap - 1)];
    core_free(pr->ring);
    pr->ring = ring;
    pr->cap = cap;
    return 0;
}

int orders__progress_append(struct progress *pr, const uint64_t *pos, size_t n, uint64_t *first)
{
    size_t i, mask;
    int rc;

    if (n == 0)
        return 0;
    uv_mutex_lock(&pr->lock);
    rc = reserve(pr, n);
    if (rc == 0) {
        mask = pr->cap - 1;
        *first = pr->tail;
        for (i = 0; i < n; i++)
            pr->ring[(pr->tail + i) & mask] = pos[i];
        pr->tail += n;
        pr->last_pos = pos[n - 1];
        pr->any = true;
    }
    uv_mutex_unlock(&pr->lock);
    return rc;
}

void orders__progress_written(struct progress *pr, const uint64_t *lseq, size_t n,
                              const uint64_t *keys, size_t nkeys, size_t results_bytes,
                              size_t rejects_bytes, uint64_t nresults, uint64_t nrejects)
{
    unsigned char kb[8];
    size_t i, mask;

    pr->len[0] += (int64_t)results_bytes;
    pr->len[1] += (int64_t)rejects_bytes;
    pr->nresults += nresults;
    pr->nrejects += nrejects;
    uv_mutex_lock(&pr->lock);
    mask = pr->cap - 1;
    for (i = 0; i < n; i++)
        pr->ring[lseq[i] & mask] |= DONE_BIT;
    /* out of memory for a key: the commit will fail on it (see snapshot), never lose it */
    for (i = 0; i < nkeys; i++) {
        put_u64(kb, keys[i]);
        if (core_buf_append(&pr->keys, (const char *)kb, 8) < 0)
            pr->keys_err = -ENOMEM;
    }
    pr->gen++;
    advance(pr);
    uv_mutex_unlock(&pr->lock);
}

static int snap_push(struct progress *pr, uint64_t lo, uint64_t hi)
{
    struct prange *r;

    if (pr->nsnap && lo <= pr->snap[pr->nsnap - 1].hi + 1) {  /* touching or overlapping */
        if (hi > pr->snap[pr->nsnap - 1].hi)
            pr->snap[pr->nsnap - 1].hi = hi;
        return 0;
    }
    if (pr->nsnap == pr->snapcap) {
        size_t cap = pr->snapcap ? 2 * pr->snapcap : 64;

        r = core_reallocarray(pr->snap, cap, sizeof(*r));
        if (!r)
            return -ENOMEM;
        pr->snap = r;
        pr->snapcap = cap;
    }
    pr->snap[pr->nsnap++] = (struct prange){lo, hi};
    return 0;
}

/* The done positions as ranges into pr->snap. Under lock. Sorted, disjoint, inclusive ranges
 * of positions: all positions up to the first entry not done make one range, and each run of
 * done entries after it one more, so a commit stays small whatever the run's size. Positions
 * between entries (a CSV order's later rows, its header) are not entries and never asked
 * about. */
static int snapshot_ledger(struct progress *pr)
{
    const size_t mask = pr->cap - 1;
    uint64_t s, run_lo = 0, run_hi = 0;
    bool in_run = false;
    int rc = 0;

    pr->nsnap = 0;
    if (!pr->any)
        return 0;
    if (pr->head == pr->tail)
        return snap_push(pr, 0, pr->last_pos);
    if ((pr->ring[pr->head & mask] & ~DONE_BIT) > 0)
        rc = snap_push(pr, 0, (pr->ring[pr->head & mask] & ~DONE_BIT) - 1);
    for (s = pr->head + 1; rc == 0 && s < pr->tail; s++) {
        const uint64_t v = pr->ring[s & mask];

        if (v & DONE_BIT) {
            if (!in_run)
                run_lo = v & ~DONE_BIT;
            run_hi = v & ~DONE_BIT;
            in_run = true;
        } else if (in_run) {
            rc = snap_push(pr, run_lo, run_hi);
            in_run = false;
        }
    }
    if (rc == 0 && in_run)
        rc = snap_push(pr, run_lo, run_hi);
    return rc;
}

/* What earlier runs committed still holds: pr->snap becomes the union of the ledger's ranges
 * (pr->snap) and theirs, sorted, touching ones merged. */
static int snapshot_old(struct progress *pr)
{
    struct prange *mine = pr->snap;
    size_t nmine = pr->nsnap, i = 0, j = 0;
    int rc = 0;

    if (pr->nold == 0)
        return 0;
    pr->snap = NULL;
    pr->nsnap = pr->snapcap = 0;
    while (rc == 0 && (i < nmine || j < pr->nold)) {
        if (j == pr->nold || (i < nmine && mine[i].lo < pr->old[j].lo)) {
            rc = snap_push(pr, mine[i].lo, mine[i].hi);
            i++;
        } else {
            rc = snap_push(pr, pr->old[j].lo, pr->old[j].hi);
            j++;
        }
    }
    core_free(mine);
    return rc;
}

static int save(struct progress *pr, int64_t len0, int64_t len1, uint64_t nres, uint64_t nrej,
                bool finished)
{
    const struct orders_config *cfg = pr->cfg;
    struct sqlite3 *db = statedb_sql(pr->state);
    size_t i;
    int rc, err;

    core_free(pr->blob);
    pr->blob = core_malloc(pr->nsnap * 16 + 1);
    if (!pr->blob)
        return -ENOMEM;
    for (i = 0; i < pr->nsnap; i++) {
        put_u64(pr->blob + 16 * i, pr->snap[i].lo);
        put_u64(pr->blob + 16 * i + 8, pr->snap[i].hi);
    }
    err = statedb_begin(pr->state);
    if (err < 0)
        return err;
    (void)sqlite3_bind_blob(pr->save, 1, pr->blob, (int)(pr->nsnap * 16), SQLITE_STATIC);
    (void)sqlite3_bind_int64(pr->save, 2, (sqlite3_int64)nres);
    (void)sqlite3_bind_int64(pr->save, 3, (sqlite3_int64)nrej);
    (void)sqlite3_bind_int64(pr->save, 4, (sqlite3_int64)pr->seed);
    rc = sqlite3_step(pr->save);
    (void)sqlite3_reset(pr->save);
    (void)sqlite3_clear_bindings(pr->save);
    err = rc == SQLITE_DONE ? 0 : statedb_error(db, rc);
    if (err == 0 && pr->unsaved.len > 0) {
        (void)sqlite3_bind_blob(pr->save_keys, 1, pr->unsaved.data, (int)pr->unsaved.len,
                                SQLITE_STATIC);
        rc = sqlite3_step(pr->save_keys);
        (void)sqlite3_reset(pr->save_keys);
        (void)sqlite3_clear_bindings(pr->save_keys);
        err = rc == SQLITE_DONE ? 0 : statedb_error(db, rc);
    }
    if (err == 0)
        err = statedb_output_set(pr->state, "results", cfg->results_path, len0);
    if (err == 0)
        err = statedb_output_set(pr->state, "rejects", cfg->rejects_path, len1);
    if (err == 0 && finished)
        err = statedb_set_finished(pr->state);
    if (err < 0) {
        statedb_rollback(pr->state);
        return err;
    }
    return statedb_commit(pr->state);
}

/* A commit:
 * 1. under write_lock (which the recorders hold while writing a batch and marking it), take the
 *    outputs' lengths and the done positions: what the outputs hold up to those lengths is
 *    exactly the records of the done entries;
 * 2. fdatasync both outputs (cfg->sync_outputs): the bytes the commit vouches for are on disk
 *    before the commit that records them;
 * 3. one transaction: the done positions as ranges, both lengths, the running totals, and the
 *    id-set keys of the orders newly committed.
 * On resume the outputs are cut back to the committed lengths (statedb_output_reopen), so a
 * record written after the last commit is gone, and its line, not in the committed ranges, is
 * done again, exactly once. */
int orders__progress_commit(struct progress *pr, uv_mutex_t *write_lock, bool finished)
{
    const uint64_t t0 = uv_hrtime();
    int64_t len0, len1, ms;
    uint64_t gen, nres, nrej;
    int rc;

    uv_mutex_lock(write_lock);
    uv_mutex_lock(&pr->lock);
    gen = pr->gen;
    if (pr->committed_once && gen == pr->committed_gen && !finished) {
        uv_mutex_unlock(&pr->lock);
        uv_mutex_unlock(write_lock);
        return 0;   /* nothing new since the last commit */
    }
    rc = snapshot_ledger(pr);
    /* the keys of the orders this snapshot covers; kept until a commit has them */
    if (rc == 0)
        rc = pr->keys_err;
    if (rc == 0 && pr->keys.len > 0) {
        rc = core_buf_append(&pr->unsaved, pr->keys.data, pr->keys.len);
        if (rc == 0)
            core_buf_reset(&pr->keys);
    }
    len0 = pr->len[0];
    len1 = pr->len[1];
    nres = pr->nresults;
    nrej = pr->nrejects;
    uv_mutex_unlock(&pr->lock);
    uv_mutex_unlock(write_lock);
    if (rc == 0)
        rc = snapshot_old(pr);
    /* the outputs' bytes first, then the commit that vouches for them */
    if (rc == 0 && pr->cfg->sync_outputs)
        rc = pr->cfg->sync_outputs(pr->cfg->arg);
    if (rc == 0)
        rc = save(pr, len0, len1, nres, nrej, finished);
    if (rc < 0)
        return rc;
    core_buf_reset(&pr->unsaved);
    pr->saved_results = nres;
    pr->saved_rejects = nrej;
    pr->committed_gen = gen;
    pr->committed_once = true;
    pr->commits++;
    ms = (int64_t)((uv_hrtime() - t0) / 1000000u);
    if (ms > pr->commit_max_ms)
        pr->commit_max_ms = ms;
    return 0;
}

void orders__progress_totals(struct progress *pr, uint64_t *results, uint64_t *rejects)
{
    *results = pr->saved_results;
    *rejects = pr->saved_rejects;
}

uint64_t orders__progress_commits(const struct progress *pr, int64_t *max_ms)
{
    *max_ms = pr->commit_max_ms;
    return pr->commits;
}

struct commit_job {
    struct progress *pr;
    uv_mutex_t *write_lock;
};

static int commit_on_pool(void *arg)
{
    struct commit_job *j = arg;

    return orders__progress_commit(j->pr, j->write_lock, false);
}

int orders__committer(struct core_coro *co, void *arg)
{
    struct pipe *p = arg;
    struct commit_job job = {p->progress, &p->write_lock};
    int rc;

    for (;;) {
        if (core_sleep(co, core_deadline_in(p->cfg->commit_ms)) < 0)
            return 0;   /* cancelled: the run is over, orders_run makes the last commit */
        /* on the pool: fdatasync and the WAL's sync take milliseconds that the loop's
         * stages must not wait for */
        rc = core_offload(co, commit_on_pool, &job, -1);
        if (rc == -ECANCELED)
            return 0;
        if (rc < 0) {
            /* the state can no longer follow the run: stop it (what is written stays
             * resumable from the last commit) */
            p->st.state_error = rc;
            orders__fail(p, rc);
            return 0;
        }
    }
}
