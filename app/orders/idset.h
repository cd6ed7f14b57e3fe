/* app/orders/idset.h: "have I seen this id before?" for tens of millions of ids in bounded memory.
 *
 * `trawl orders` rejects an order whose id was already seen earlier in the run. A batch can hold
 * 40M orders, so the ids cannot all stay in memory; this set keeps recent ids in memory, older
 * ones in sorted runs in unlinked temporary files, and a filter in memory that keeps almost every
 * lookup of a new id away from the disk. Answers are exact up to 64-bit fingerprint collisions.
 *
 * Fingerprint: SipHash-1-3 of the id's bytes under a key derived from the seed (the same
 * keyed hash as the visited set's, core/siphash.h), all 64 bits kept (0 is stored as 1). Two
 * distinct ids are confused only if their fingerprints agree: over a run of n ids the chance that any new id
 * is wrongly called a duplicate is about n^2 / 2^65 (1M: 2.7e-8; 10M: 2.7e-6; 40M: 4.3e-5).
 * Pass a random seed so that nobody who picks the ids can make them collide.
 *
 * Design (an LSM tree specialised for "insert if absent"):
 * - Table: the newest fingerprints, in one open-addressed array kept sorted by fingerprint
 *   (core/sortab.h: linear probing from home = fp * cap / 2^64), so a miss stops at the
 *   first larger fingerprint and a spill needs no sort. It grows (in place, by realloc) up to
 *   memory_budget and is written out when 7/8 full.
 * - Runs: a spill writes the table, in order, as a run of native uint64 fingerprints to a new
 *   temporary file (mkostemp in tmpdir, unlinked at once: nothing is left behind, even after a
 *   crash). Per run the set keeps in memory a sparse index (the first fingerprint of every
 *   4 KiB block: 1/8 bit per id) and a blocked Bloom filter: 10 bits per id in 512-bit blocks
 *   (one cache line), 8 bits set per id, one in each 64-bit word; 1.05% false positives. The
 *   block of an id is fp * nblocks / 2^64, so a sorted run fills its filter front to back.
 *   Filters are per run, not global, so each is sized exactly for its run, is built while its
 *   run is written, and a "maybe" names the one run to read.
 * - Merges: runs are kept in a binary-counter shape: after a spill the newest runs are merged
 *   (one k-way merge) while the next older run is less than twice their size. With M ids per
 *   spill there are at most log2(n / M) + 1 runs (M = 1.83M at the default budget: at most 3
 *   runs at 10M ids, 5 at 40M; 2 and 3 in the benchmark), and each id is rewritten about
 *   log2(n / M) times. The merge buffers are the table's memory, which is empty right after a
 *   spill; the input filters are freed before the output filter is allocated, so a merge never
 *   holds two filters for the same ids.
 * - Lookup: fingerprint (~15 ns for a 12-byte id), probe the table, then each run's filter,
 *   newest run first. Only a "maybe" touches the disk: a binary search in the sparse index and
 *   one pread of one 4 KiB block. A new id costs runs * 1.05% preads on average (page cache:
 *   ~0.5-1 us each); a duplicate of an id on disk costs one. Lookups do no other I/O; spills and
 *   merges are sequential and run inside the add that finds the table full.
 * - Speed: a new id costs one cache miss in the table plus one per run in the filters. They are
 *   independent, but one add cannot hide them: ~1.5 memory latencies per id at 10M ids. Handing
 *   ids over in batches (app_idset_add_batch) starts the misses of 32 ids before deciding the
 *   first, and is 2-3x faster; prefer it wherever ids come in groups (lines of a chunk).
 *
 * Memory (app_idset_memory), with D ids on disk and the table at full size:
 *     memory_budget + 64 KiB (I/O buffer) + D * (10/8 + 1/64) bytes + ~150 bytes per run
 * i.e. flat at memory_budget while everything fits in the table (7/8 * memory_budget / 8 ids:
 * 1.83M by default), then 1.27 bytes per id on disk. Disk: 8 bytes per id, up to twice that
 * during a merge. Measured with the default budget (bench/bench_idset: ids "ORD-%08u" in order,
 * each followed with probability 1% by a repeat of a random earlier one; Release build, on a
 * 2-vCPU VM whose memory latency was 164-192 ns; ns per id for app_idset_add / for batches of
 * 32, spills and merges included; RSS is the whole process's peak, ru_maxrss):
 *          ids   ns/id add  ns/id batch  app_idset_memory  peak RSS   disk     longest stall
 *           1M     111-149        70-77         16.1 MiB   17.4 MiB      0           12 ms
 *          10M     265-292      116-133         27.1 MiB   30.6 MiB   70 MiB    130-230 ms
 *          40M     360-383      190-194         62.6 MiB   70.7 MiB  294 MiB    620-860 ms
 * Peak RSS runs above app_idset_memory by malloc's keeping: glibc's dynamic mmap threshold
 * rises as large blocks (old filters) are freed, and later filters then come from the heap,
 * which is not given back. With the threshold fixed (mallopt M_MMAP_THRESHOLD, or
 * MALLOC_MMAP_THRESHOLD_=131072) the peak RSS was 28.1 MiB at 10M and 63.7 MiB at 40M.
 *
 * Errors: a failed add (-ENOMEM, or -errno of a write/read of the temporary files such as
 * -ENOSPC, -EFBIG, -EIO) leaves the set exactly as it was and does not record the id. A merge is
 * upkeep, not part of the add: if it fails the runs stay as they were (correct, just more of
 * them), the add still succeeds, and app_idset_get_stats counts the failure; a run whose filter
 * could not be rebuilt is read on every lookup until the next spill rebuilds it.
 *
 * Blocking: spills (~10 ms for a 16 MiB table) and merges (reading and writing the merged runs:
 * up to ~0.2 s at 10M ids, ~0.9 s at 40M) run in the add that triggers them, i.e. they stall
 * the event loop when called there.
 *
 * Ownership: app_idset_create allocates the set (through core/mem.h) and opens its temporary
 * files; app_idset_destroy closes and frees everything (the files vanish with their
 * descriptors). tmpdir is copied; id bytes are read during the call only. One thread at a time
 * per set. */
#ifndef APP_IDSET_H
#define APP_IDSET_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum {
    APP_IDSET_DEFAULT_BUDGET = 16 << 20,  /* bytes for the table when memory_budget is 0 */
    APP_IDSET_MIN_BUDGET = 4096           /* smaller budgets are raised to this */
};

struct app_idset;

/* Counters for benchmarks and monitoring. */
struct app_idset_stats {
    uint64_t spills;            /* tables written out as runs */
    uint64_t merges;            /* k-way merges done */
    uint64_t merged;            /* fingerprints written by merges (write amplification) */
    uint64_t disk_reads;        /* preads done by lookups (a filter said "maybe") */
    uint64_t false_positives;   /* of those, the ones that did not find the id */
    uint64_t upkeep_failures;   /* merges or filter rebuilds that failed (the set stays exact) */
    int last_upkeep_error;      /* error code of the latest such failure, 0 if none */
    size_t runs;                /* runs on disk now */
};

/* Create an empty set. seed keys the fingerprints (pass a random value); memory_budget is the
 * table's size in bytes (0 = APP_IDSET_DEFAULT_BUDGET, raised to APP_IDSET_MIN_BUDGET); tmpdir
 * is where the temporary files go (NULL = $TMPDIR, or /tmp when that is unset or empty). A
 * temporary file is created and removed there at once, so a missing or read-only tmpdir fails
 * here (-ENOENT, -ENOTDIR, -EACCES, ...). 0 and *out, or a negative error. */
CORE_MUST_CHECK int app_idset_create(uint64_t seed, size_t memory_budget, const char *tmpdir,
                                     struct app_idset **out);
/* Close the temporary files and free the set. NULL is a no-op. */
void app_idset_destroy(struct app_idset *s);
/* Add id[0..len) (id may be NULL when len is 0): 1 when it was new (now recorded), 0 when it
 * was already there (a duplicate), or a negative error (-ENOMEM, or -EIO/-ENOSPC/-EFBIG/... from
 * a temporary file) after which the set is unchanged and the caller must treat the id as not
 * checked. */
CORE_MUST_CHECK int app_idset_add(struct app_idset *s, const char *id, size_t len);

/* The key an id is stored under (its fingerprint, never 0). Reads only the set's hash key, so
 * any thread may call it while another adds: a caller that has ids in hand on other threads
 * can hash them there and pass the keys to app_idset_add_batch. */
uint64_t app_idset_key(const struct app_idset *s, const char *id, size_t len);

/* One id of a batch: the caller fills in id and len (or key), app_idset_add_batch sets result. */
struct app_idset_item {
    const char *id;   /* borrowed for the call; may be NULL when len is 0 */
    size_t len;
    uint64_t key;     /* 0, or app_idset_key(s, id, len) computed beforehand (id is then unused) */
    int result;       /* app_idset_add's result, or -ECANCELED: not checked (an earlier id failed) */
};

/* Add items[0..n) in order, exactly as n calls of app_idset_add would (an id repeated inside
 * the batch is a duplicate of its first occurrence), but faster: the cache misses of up to 32
 * ids are started before the first is decided. 0 when every item has its result; else the
 * first error, which that item holds, and every later item holds -ECANCELED (not recorded). */
CORE_MUST_CHECK int app_idset_add_batch(struct app_idset *s, struct app_idset_item *items,
                                        size_t n);
/* Number of distinct ids recorded. */
size_t app_idset_count(const struct app_idset *s);
/* Bytes the set holds in memory right now (table, I/O buffer, filters, indexes, structs;
 * not malloc's own overhead). */
size_t app_idset_memory(const struct app_idset *s);
/* Bytes of fingerprints in the temporary files right now. */
uint64_t app_idset_disk_bytes(const struct app_idset *s);
/* Fill *out with the set's counters. */
void app_idset_get_stats(const struct app_idset *s, struct app_idset_stats *out);

#endif
