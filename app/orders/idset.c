/* app/orders/idset.c: seen-id set in a sorted table, sorted runs on disk and per-run filters
 * (idset.h).
 *
 * Invariants of struct app_idset:
 * - Table: a core_sortab (core/sortab.h, shift 0: the whole 64-bit fingerprint is the key)
 *   holding count keys (never 0; 0 is an empty slot), in increasing order, each at or after
 *   its home slot; the last slot is always empty. t.cap <= max_cap.
 * - Runs: runs[0..nruns) oldest first. Run r holds r.n >= 1 keys, sorted, no repeats, in its
 *   file from offset 0; index[b] is its key number b * BLOCK_KEYS; last is its largest key.
 *   filter is either NULL (lost after a failed merge: every lookup then reads the run) or holds
 *   every key of the run. No key is in two places (table or runs): add inserts only keys found
 *   nowhere, and merges drop repeats anyway.
 * - disk_count = sum of runs[].n.
 */
#include "app/orders/idset.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/fdio.h"
#include "core/mem.h"
#include "core/sortab.h"
#include "core/siphash.h"

#define TAIL 32                /* overflow slots past the home range (one is the sentinel) */
#define START_CAP 1024         /* home slots of the first table */
#define LOAD_NUM 7             /* the table is full at count > cap * 7 / 8 */
#define LOAD_DEN 8
#define BLOCK_KEYS 512         /* keys per 4 KiB block of a run: the unit of one lookup pread */
#define IO_KEYS 8192           /* keys in the I/O buffer (64 KiB) */
#define FILTER_BITS 10         /* filter bits per key */
#define FILTER_WORDS 8         /* 64-bit words per filter block: 512 bits, one cache line */
#define FILTER_ALIGN 64
#define MERGE_RATIO 2          /* merge while the older run is < 2x the merged newer ones */
#define MAX_FANIN 32           /* runs merged at once at most */
#define BATCH 32               /* ids whose memory accesses app_idset_add_batch overlaps */
#define TABLE_FULL 1           /* table_insert: the table is at its budget and must be spilled */
#define TMPL_SUFFIX "/trawl-idset-XXXXXX"

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

struct idset_run {
    int fd;                 /* unlinked temporary file: n sorted keys, native byte order */
    uint64_t n;             /* keys */
    uint64_t last;          /* largest key */
    uint64_t *index;        /* index[b] = key number b * BLOCK_KEYS; nblocks(n) entries */
    uint64_t *filter;       /* nfilter blocks of FILTER_WORDS words, 64-byte aligned, or NULL */
    void *filter_mem;       /* the allocation filter points into */
    size_t nfilter;         /* filter blocks */
};

struct app_idset {
    struct core_siphash_key key;   /* of the fingerprints (SipHash-1-3) */
    char *tmpl;                    /* "<tmpdir>/trawl-idset-XXXXXX" */
    size_t tmpl_len;
    struct core_sortab t;          /* the table */
    size_t max_cap;                /* home slots at the budget */
    size_t count;                  /* keys in the table */
    uint64_t *io;                  /* IO_KEYS keys: spill writes, lookup reads, filter rebuilds */
    struct idset_run *runs;        /* nruns runs, oldest first, in an array of runs_cap */
    size_t nruns, runs_cap;
    uint64_t disk_count;           /* keys in runs */
    struct app_idset_stats stats;  /* runs is filled in by app_idset_get_stats */
};

/* ---- small helpers ------------------------------------------------------------------------ */

/* The key of a fingerprint: itself, except that 0 (the empty slot) becomes 1. */
static inline uint64_t key_of(uint64_t fp)
{
    return fp ? fp : 1;
}

static size_t nblocks_of(uint64_t n)
{
    return (size_t)((n + BLOCK_KEYS - 1) / BLOCK_KEYS);
}

/* Read exactly len bytes at off; a file shorter than that is -EIO. */
static int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
    char *p = buf;

    while (len > 0) {
        ssize_t r = pread(fd, p, len, (off_t)off);

        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (r == 0)
            return -EIO;
        p += r;
        len -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

/* A new temporary file in the set's directory, already unlinked. fd, or -errno. */
static int tmpfile_open(struct app_idset *s)
{
    int fd, rc;

    memcpy(s->tmpl + s->tmpl_len - 6, "XXXXXX", 6);
    fd = mkostemp(s->tmpl, O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (unlink(s->tmpl) < 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    return fd;
}

/* ---- filter ------------------------------------------------------------------------------- */

/* Bits of a key that pick the 8 bits in its block: a remix, so that they do not depend on the
 * top bits that picked the block. */
static inline uint64_t filter_bits(uint64_t key)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdu;
    key ^= key >> 33;
    return key;
}

static inline uint64_t *filter_block(const struct idset_run *r, uint64_t key)
{
    return r->filter + core_mulhi64(key, r->nfilter) * FILTER_WORDS;
}

static inline void filter_add(uint64_t *blk, uint64_t h)
{
    unsigned w;

    for (w = 0; w < FILTER_WORDS; w++)
        blk[w] |= (uint64_t)1 << ((h >> (16 + 6 * w)) & 63);
}

static inline bool filter_maybe(const uint64_t *blk, uint64_t h)
{
    uint64_t missing = 0;
    unsigned w;

    for (w = 0; w < FILTER_WORDS; w++)
        missing |= ~blk[w] & ((uint64_t)1 << ((h >> (16 + 6 * w)) & 63));
    return missing == 0;
}

/* Allocate an empty filter for n keys. 0 or -ENOMEM (r unchanged). */
static int filter_alloc(struct idset_run *r, uint64_t n)
{
    size_t nfilter;
    void *mem;

    if (n > SIZE_MAX / FILTER_BITS / 2)
        return -ENOMEM;
    nfilter = (size_t)((n * FILTER_BITS + FILTER_WORDS * 64 - 1) / (FILTER_WORDS * 64));
    if (nfilter > (SIZE_MAX - FILTER_ALIGN) / (FILTER_WORDS * sizeof(uint64_t)))
        return -ENOMEM;
    mem = core_calloc(nfilter * FILTER_WORDS * sizeof(uint64_t) + FILTER_ALIGN, 1);
    if (!mem)
        return -ENOMEM;
    r->filter_mem = mem;
    r->filter = (uint64_t *)(((uintptr_t)mem + FILTER_ALIGN - 1) & ~(uintptr_t)(FILTER_ALIGN - 1));
    r->nfilter = nfilter;
    return 0;
}

static void filter_free(struct idset_run *r)
{
    core_free(r->filter_mem);
    r->filter_mem = NULL;
    r->filter = NULL;
    r->nfilter = 0;
}

static size_t filter_bytes(const struct idset_run *r)
{
    return r->filter ? r->nfilter * FILTER_WORDS * sizeof(uint64_t) + FILTER_ALIGN : 0;
}

/* Rebuild the lost filter of r from its file, through the I/O buffer. On failure the filter
 * stays NULL (the run is still read on every lookup: slower, still exact). */
static int filter_rebuild(struct app_idset *s, struct idset_run *r)
{
    uint64_t pos = 0;
    int rc = filter_alloc(r, r->n);

    if (rc < 0)
        return rc;
    while (pos < r->n) {
        const size_t len = r->n - pos < IO_KEYS ? (size_t)(r->n - pos) : IO_KEYS;
        size_t i;

        rc = pread_all(r->fd, s->io, len * sizeof(uint64_t), pos * sizeof(uint64_t));
        if (rc < 0) {
            filter_free(r);
            return rc;
        }
        for (i = 0; i < len; i++)
            filter_add(filter_block(r, s->io[i]), filter_bits(s->io[i]));
        pos += len;
    }
    return 0;
}

/* ---- runs --------------------------------------------------------------------------------- */

/* Writes a sorted stream of keys to a new run: fills its file, index, filter and last. */
struct run_writer {
    struct idset_run run;
    uint64_t *buf;          /* len of cap keys waiting to be written */
    size_t cap, len;
};

static void run_close(struct idset_run *r)
{
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
    core_free(r->index);
    r->index = NULL;
    filter_free(r);
}

/* Start a run for n >= 1 keys: its index and file; the filter when with_filter (a merge
 * allocates it later, once the inputs' filters are freed). 0 or a negative error (nothing held). */
static int writer_open(struct app_idset *s, struct run_writer *w, uint64_t n, bool with_filter,
                       uint64_t *buf, size_t cap)
{
    int rc;

    memset(w, 0, sizeof(*w));
    w->run.fd = -1;
    w->buf = buf;
    w->cap = cap;
    w->run.index = core_calloc(nblocks_of(n), sizeof(uint64_t));
    if (!w->run.index)
        return -ENOMEM;
    if (with_filter) {
        rc = filter_alloc(&w->run, n);
        if (rc < 0)
            goto out_close;
    }
    rc = tmpfile_open(s);
    if (rc < 0)
        goto out_close;
    w->run.fd = rc;
    return 0;

out_close:
    run_close(&w->run);
    return rc;
}

static int writer_flush(struct run_writer *w)
{
    int rc = core_write_all(w->run.fd, w->buf, w->len * sizeof(uint64_t));

    w->len = 0;
    return rc;
}

/* Append key (larger than every key before it). */
static int writer_put(struct run_writer *w, uint64_t key)
{
    struct idset_run *r = &w->run;

    if (r->n % BLOCK_KEYS == 0)
        r->index[r->n / BLOCK_KEYS] = key;
    filter_add(filter_block(r, key), filter_bits(key));
    r->last = key;
    r->n++;
    w->buf[w->len++] = key;
    return w->len == w->cap ? writer_flush(w) : 0;
}

/* Make room for one more run in s->runs. 0 or -ENOMEM. */
static int runs_reserve(struct app_idset *s)
{
    struct idset_run *runs;
    size_t cap;

    if (s->nruns < s->runs_cap)
        return 0;
    cap = s->runs_cap ? s->runs_cap * 2 : 8;
    runs = core_reallocarray(s->runs, cap, sizeof(*runs));
    if (!runs)
        return -ENOMEM;
    s->runs = runs;
    s->runs_cap = cap;
    return 0;
}

/* 1 when key is in run r, 0 when not, or a read error. */
static int run_has(struct app_idset *s, const struct idset_run *r, uint64_t key, uint64_t h)
{
    size_t lo, hi, len;
    uint64_t b;
    int rc;

    if (r->filter && !filter_maybe(filter_block(r, key), h))
        return 0;
    if (key < r->index[0] || key > r->last)
        goto absent;
    /* the last block whose first key is <= key */
    lo = 0;
    hi = nblocks_of(r->n);
    while (hi - lo > 1) {
        const size_t mid = lo + (hi - lo) / 2;

        if (r->index[mid] <= key)
            lo = mid;
        else
            hi = mid;
    }
    if (r->index[lo] == key)
        return 1;
    b = (uint64_t)lo * BLOCK_KEYS;
    len = r->n - b < BLOCK_KEYS ? (size_t)(r->n - b) : BLOCK_KEYS;
    s->stats.disk_reads++;
    rc = pread_all(r->fd, s->io, len * sizeof(uint64_t), b * sizeof(uint64_t));
    if (rc < 0)
        return rc;
    lo = 0;
    hi = len;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;

        if (s->io[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < len && s->io[lo] == key)
        return 1;
absent:
    if (r->filter)
        s->stats.false_positives++;
    return 0;
}

/* ---- table -------------------------------------------------------------------------------- */

/* Grow to min(2 * cap, max_cap) home slots in place. -ENOMEM leaves the table untouched. */
static int table_grow(struct app_idset *s)
{
    return core_sortab_grow(&s->t, s->t.cap > s->max_cap / 2 ? s->max_cap : s->t.cap * 2, TAIL);
}

static bool table_has(const struct app_idset *s, uint64_t key)
{
    return s->t.slots[core_sortab_seek(&s->t, key)] == key;
}

/* Insert a key known to be absent: 0, TABLE_FULL (at the budget: spill first), or -ENOMEM. */
static int table_insert(struct app_idset *s, uint64_t key)
{
    size_t i, j;
    int rc;

    if ((s->count + 1) * LOAD_DEN > s->t.cap * LOAD_NUM) {
        if (s->t.cap >= s->max_cap)
            return TABLE_FULL;
        rc = table_grow(s);
        if (rc < 0)
            return rc;
    }
    for (;;) {
        i = core_sortab_seek(&s->t, key);
        for (j = i; s->t.slots[j] != 0; j++)
            ;
        if (j < s->t.nslots - 1)
            break;
        /* the cluster would take the sentinel: grow, or write the table out early */
        if (s->t.cap >= s->max_cap)
            return TABLE_FULL;
        rc = table_grow(s);
        if (rc < 0)
            return rc;
    }
    memmove(s->t.slots + i + 1, s->t.slots + i, (j - i) * sizeof(*s->t.slots));
    s->t.slots[i] = key;
    s->count++;
    return 0;
}

/* ---- spill and merge ---------------------------------------------------------------------- */

/* Write the table out as the newest run and empty it. A negative error leaves the table and
 * the runs as they were (the partial file vanishes when closed). */
static int spill(struct app_idset *s)
{
    struct run_writer w;
    size_t i;
    int rc;

    rc = runs_reserve(s);
    if (rc < 0)
        return rc;
    rc = writer_open(s, &w, s->count, true, s->io, IO_KEYS);
    if (rc < 0)
        return rc;
    for (i = 0; i < s->t.nslots; i++) {
        if (s->t.slots[i] == 0)
            continue;
        rc = writer_put(&w, s->t.slots[i]);
        if (rc < 0)
            goto out_close;
    }
    rc = writer_flush(&w);
    if (rc < 0)
        goto out_close;
    s->runs[s->nruns++] = w.run;
    s->disk_count += w.run.n;
    memset(s->t.slots, 0, s->t.nslots * sizeof(*s->t.slots));
    s->count = 0;
    s->stats.spills++;
    return 0;

out_close:
    run_close(&w.run);
    return rc;
}

/* One input of a merge: a window of buf over its run's file. */
struct merge_in {
    const struct idset_run *run;
    uint64_t *buf;
    size_t len, pos;        /* keys in buf, next one to take */
    uint64_t next;          /* file position (keys) of the key after buf[len - 1] */
};

static int merge_refill(struct merge_in *in, size_t cap)
{
    const uint64_t left = in->run->n - in->next;
    const size_t len = left < cap ? (size_t)left : cap;
    int rc;

    in->pos = 0;
    in->len = 0;
    if (len == 0)
        return 0;
    rc = pread_all(in->run->fd, in->buf, len * sizeof(uint64_t), in->next * sizeof(uint64_t));
    if (rc < 0)
        return rc;
    in->len = len;
    in->next += len;
    return 0;
}

/* Merge runs[first..nruns) into one run that replaces them. The table is empty (just spilled)
 * and its slots are the buffers; they are zeroed again before returning. On failure the runs
 * are as they were, except that a filter that could not be rebuilt is left NULL. */
static int merge(struct app_idset *s, size_t first)
{
    struct merge_in in[MAX_FANIN];
    const size_t k = s->nruns - first;
    const size_t bufcap = s->t.nslots / (k + 1);
    struct run_writer w;
    uint64_t total = 0;
    size_t i;
    int rc;

    for (i = 0; i < k; i++) {
        in[i].run = &s->runs[first + i];
        in[i].buf = s->t.slots + i * bufcap;
        in[i].len = in[i].pos = 0;
        in[i].next = 0;
        total += in[i].run->n;
    }
    rc = writer_open(s, &w, total, false, s->t.slots + k * bufcap, bufcap);
    if (rc < 0)
        return rc;
    /* The inputs' filters are not needed while merging (nothing is looked up), and freeing them
     * first keeps the peak at one filter's worth for these keys. */
    for (i = 0; i < k; i++)
        filter_free(&s->runs[first + i]);
    rc = filter_alloc(&w.run, total);
    if (rc < 0)
        goto out_restore;
    for (i = 0; i < k; i++) {
        rc = merge_refill(&in[i], bufcap);
        if (rc < 0)
            goto out_restore;
    }
    for (;;) {
        size_t best = k;
        uint64_t key = 0;

        for (i = 0; i < k; i++)
            if (in[i].pos < in[i].len && (best == k || in[i].buf[in[i].pos] < key)) {
                best = i;
                key = in[i].buf[in[i].pos];
            }
        if (best == k)
            break;
        if (++in[best].pos == in[best].len) {
            rc = merge_refill(&in[best], bufcap);
            if (rc < 0)
                goto out_restore;
        }
        if (w.run.n > 0 && key == w.run.last)
            continue;   /* cannot happen (no key is in two runs), but would be harmless */
        rc = writer_put(&w, key);
        if (rc < 0)
            goto out_restore;
    }
    rc = writer_flush(&w);
    if (rc < 0)
        goto out_restore;
    for (i = first; i < s->nruns; i++)
        run_close(&s->runs[i]);
    s->runs[first] = w.run;
    s->nruns = first + 1;
    s->disk_count -= total - w.run.n;
    s->stats.merges++;
    s->stats.merged += w.run.n;
    memset(s->t.slots, 0, s->t.nslots * sizeof(*s->t.slots));
    return 0;

out_restore:
    run_close(&w.run);
    for (i = first; i < s->nruns; i++)
        if (!s->runs[i].filter)
            (void)filter_rebuild(s, &s->runs[i]);
    memset(s->t.slots, 0, s->t.nslots * sizeof(*s->t.slots));
    return rc;
}

static void upkeep_failed(struct app_idset *s, int rc)
{
    s->stats.upkeep_failures++;
    s->stats.last_upkeep_error = rc;
}

/* After a spill: merge the newest runs while the next older run is less than MERGE_RATIO times
 * their total (a binary counter for equal spills), then rebuild any filter lost to an earlier
 * failure. Failures here leave the set exact, so they are only counted. */
static void upkeep(struct app_idset *s)
{
    size_t first = s->nruns - 1, i;
    uint64_t newer = s->runs[first].n;
    int rc;

    while (first > 0 && s->nruns - first < MAX_FANIN &&
           s->runs[first - 1].n / MERGE_RATIO < newer) {
        first--;
        newer += s->runs[first].n;
    }
    if (first < s->nruns - 1) {
        rc = merge(s, first);
        if (rc < 0)
            upkeep_failed(s, rc);
    }
    for (i = 0; i < s->nruns; i++) {
        if (s->runs[i].filter)
            continue;
        rc = filter_rebuild(s, &s->runs[i]);
        if (rc < 0)
            upkeep_failed(s, rc);
    }
}

/* ---- API ---------------------------------------------------------------------------------- */

int app_idset_create(uint64_t seed, size_t memory_budget, const char *tmpdir,
                     struct app_idset **out)
{
    struct app_idset *s;
    size_t dirlen;
    int rc;

    if (memory_budget == 0)
        memory_budget = APP_IDSET_DEFAULT_BUDGET;
    if (memory_budget < APP_IDSET_MIN_BUDGET)
        memory_budget = APP_IDSET_MIN_BUDGET;
    if (!tmpdir || !*tmpdir)
        tmpdir = getenv("TMPDIR");
    if (!tmpdir || !*tmpdir)
        tmpdir = "/tmp";
    dirlen = strlen(tmpdir);
    if (dirlen > 4096)
        return -ENAMETOOLONG;
    s = core_calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->max_cap = memory_budget / sizeof(uint64_t) - TAIL;
    s->t.cap = s->max_cap < START_CAP ? s->max_cap : START_CAP;
    s->t.nslots = s->t.cap + TAIL;
    s->tmpl_len = dirlen + sizeof(TMPL_SUFFIX) - 1;
    s->tmpl = core_malloc(s->tmpl_len + 1);
    if (!s->tmpl) {
        rc = -ENOMEM;
        goto out_free;
    }
    memcpy(s->tmpl, tmpdir, dirlen);
    memcpy(s->tmpl + dirlen, TMPL_SUFFIX, sizeof(TMPL_SUFFIX));
    core_siphash_key_from_seed(seed, &s->key);
    s->t.slots = core_calloc(s->t.nslots, sizeof(*s->t.slots));
    s->io = core_malloc(IO_KEYS * sizeof(*s->io));
    if (!s->t.slots || !s->io) {
        rc = -ENOMEM;
        goto out_free;
    }
    /* fail now, clearly, rather than at the first spill, millions of ids later */
    rc = tmpfile_open(s);
    if (rc < 0)
        goto out_free;
    close(rc);
    *out = s;
    return 0;

out_free:
    app_idset_destroy(s);
    return rc;
}

void app_idset_destroy(struct app_idset *s)
{
    size_t i;

    if (!s)
        return;
    for (i = 0; i < s->nruns; i++)
        run_close(&s->runs[i]);
    core_free(s->runs);
    core_free(s->io);
    core_free(s->t.slots);
    core_free(s->tmpl);
    core_free(s);
}

/* Start loading the table slot and the filter blocks that deciding key will read. */
static inline void prefetch_key(const struct app_idset *s, uint64_t key)
{
    size_t i;

    PREFETCH(&s->t.slots[core_sortab_home(&s->t, key, s->t.cap)]);
    for (i = 0; i < s->nruns; i++)
        if (s->runs[i].filter)
            PREFETCH(filter_block(&s->runs[i], key));
}

static inline uint64_t fingerprint(const struct app_idset *s, const char *id, size_t len)
{
    return key_of(core_siphash13(&s->key, len ? id : "", len));
}

uint64_t app_idset_key(const struct app_idset *s, const char *id, size_t len)
{
    return fingerprint(s, id, len);
}

/* app_idset_add for a key. */
static int add_key(struct app_idset *s, uint64_t key)
{
    const uint64_t h = filter_bits(key);
    size_t i;
    int rc;

    if (table_has(s, key))
        return 0;
    for (i = s->nruns; i-- > 0;) {
        rc = run_has(s, &s->runs[i], key, h);
        if (rc != 0)
            return rc < 0 ? rc : 0;
    }
    rc = table_insert(s, key);
    if (rc == TABLE_FULL) {
        rc = spill(s);
        if (rc < 0)
            return rc;
        upkeep(s);
        rc = table_insert(s, key);   /* into an empty table of max_cap >= 480 home slots */
    }
    return rc < 0 ? rc : 1;
}

int app_idset_add(struct app_idset *s, const char *id, size_t len)
{
    const uint64_t key = fingerprint(s, id, len);

    prefetch_key(s, key);
    return add_key(s, key);
}

int app_idset_add_batch(struct app_idset *s, struct app_idset_item *items, size_t n)
{
    uint64_t keys[BATCH];
    size_t done, i, j, k;
    int rc;

    for (done = 0; done < n; done += k) {
        k = n - done < BATCH ? n - done : BATCH;
        /* every id's cache misses in flight at once, before the first is decided */
        for (i = 0; i < k; i++) {
            const struct app_idset_item *it = &items[done + i];

            keys[i] = it->key ? it->key : fingerprint(s, it->id, it->len);
            prefetch_key(s, keys[i]);
        }
        for (i = 0; i < k; i++) {
            rc = add_key(s, keys[i]);
            items[done + i].result = rc;
            if (rc < 0) {
                for (j = done + i + 1; j < n; j++)
                    items[j].result = -ECANCELED;
                return rc;
            }
        }
    }
    return 0;
}

size_t app_idset_count(const struct app_idset *s)
{
    return s->count + (size_t)s->disk_count;
}

size_t app_idset_memory(const struct app_idset *s)
{
    size_t bytes = sizeof(*s) + s->tmpl_len + 1 +
                   s->t.nslots * sizeof(*s->t.slots) + IO_KEYS * sizeof(*s->io) +
                   s->runs_cap * sizeof(*s->runs);
    size_t i;

    for (i = 0; i < s->nruns; i++)
        bytes += nblocks_of(s->runs[i].n) * sizeof(uint64_t) + filter_bytes(&s->runs[i]);
    return bytes;
}

uint64_t app_idset_disk_bytes(const struct app_idset *s)
{
    return s->disk_count * sizeof(uint64_t);
}

void app_idset_get_stats(const struct app_idset *s, struct app_idset_stats *out)
{
    *out = s->stats;
    out->runs = s->nruns;
}
