/* bench/bench_idset.c: speed and memory of the seen-id set (app/orders/idset.h) on order ids.
 *
 * For each size N (default 1M and 10M; or the sizes given as arguments) a child process (so that
 * ru_maxrss is its own) adds the ids "ORD-00000000" .. N - 1 in order and, after each, with
 * probability --dups percent (default 1), repeats an earlier id picked uniformly from all those
 * added so far (a duplicate at a random distance). It checks every answer (new ids 1, repeats
 * 0) and reports:
 *   batch       ids per call (--batch)
 *   adds        ids added (N plus the repeats)
 *   ns/add      wall time of the whole loop / adds: id formatting (~3 ns), hashing, lookups,
 *               spills and merges included
 *   steady      the same over the chunks of 1024 ids in which no spill (or merge) happened
 *   stall ms    the slowest chunk of 1024 adds: what one spill or merge costs the caller
 *   set MiB     app_idset_memory at the end, and the largest value seen (sampled every 1024 adds)
 *   RSS MiB     peak RSS of the child (getrusage ru_maxrss), and its growth over the RSS before
 *               the set was created
 *   disk MiB    app_idset_disk_bytes at the end
 *   runs, spills, merges, rewrites/id (merged fingerprints / N), reads/add (lookup preads per
 *   add), fp%    filter false positives per (new id x run checked)
 *
 * First it prints the latency of a dependent random load in 64 MiB: on a shared VM it moves
 * from run to run (150-350 ns seen), and the ns/add figures with it.
 *
 * Build and run (Release):
 *   cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DTRAWL_TESTS=OFF
 *   cmake --build build/release --target bench_idset && build/release/bench/bench_idset
 * Options: --budget BYTES (table budget, default 0 = 16 MiB), --dups PERCENT, --tmpdir DIR,
 * --batch N (hand the ids over N at a time with app_idset_add_batch; default 1: app_idset_add). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app/orders/idset.h"

struct opts {
    size_t budget;
    size_t batch;       /* ids per app_idset_add_batch call; 1 = app_idset_add */
    double dups;        /* probability of a repeat after each new id */
    const char *tmpdir;
};

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double maxrss_mib(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;   /* KiB on Linux */
}

static uint64_t xorshift(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* "ORD-" and 8 decimal digits (more when n needs them) in id; its length. */
static size_t order_id(char *id, uint64_t n)
{
    char digits[20];
    size_t nd = 0, len = 4;

    memcpy(id, "ORD-", 4);
    do {
        digits[nd++] = (char)('0' + n % 10);
        n /= 10;
    } while (n > 0);
    while (nd < 8)
        digits[nd++] = '0';
    while (nd > 0)
        id[len++] = digits[--nd];
    return len;
}

/* Latency of a dependent random load in 64 MiB (a pointer chase), to read the figures against:
 * on a shared VM it moves from run to run. Run in the parent, before the children fork. */
static double dram_latency_ns(void)
{
    const size_t n = (size_t)8 << 20;
    uint32_t *next = malloc(n * sizeof(*next));
    uint64_t x = 88172645463325252u;
    uint32_t p = 0;
    size_t i;
    double t;

    if (!next)
        return 0;
    for (i = 0; i < n; i++)
        next[i] = (uint32_t)i;
    for (i = n - 1; i > 0; i--) {   /* Sattolo: one cycle through every slot */
        const size_t j = (size_t)(xorshift(&x) % i);
        const uint32_t tmp = next[i];

        next[i] = next[j];
        next[j] = tmp;
    }
    t = now_ns();
    for (i = 0; i < 2000000; i++)
        p = next[p];
    t = now_ns() - t;
    free(next);
    return p == n ? 0 : t / 2e6;
}

/* The state of one measured run. */
struct bench {
    struct app_idset *s;
    struct app_idset_item *items;   /* the batch being gathered: nitems of batch */
    char (*ids)[24];                /* their text */
    int *expect;                    /* their expected results */
    size_t nitems, batch;
    uint64_t adds, checks;          /* ids added; new ids x runs they were checked against */
    size_t runs;                    /* runs at the last sample */
};

/* Add the gathered batch (one app_idset_add per id when batch is 1) and check the answers. */
static int flush(struct bench *b)
{
    size_t i;
    int rc;

    if (b->batch == 1) {
        b->items[0].result = app_idset_add(b->s, b->items[0].id, b->items[0].len);
    } else if ((rc = app_idset_add_batch(b->s, b->items, b->nitems)) < 0) {
        fprintf(stderr, "bench_idset: add_batch: %d\n", rc);
        return -1;
    }
    for (i = 0; i < b->nitems; i++) {
        if (b->items[i].result != b->expect[i]) {
            fprintf(stderr, "bench_idset: %.*s: %d, expected %d\n", (int)b->items[i].len,
                    b->items[i].id, b->items[i].result, b->expect[i]);
            return -1;
        }
        if (b->expect[i] == 1)
            b->checks += b->runs;
    }
    b->adds += b->nitems;
    b->nitems = 0;
    return 0;
}

static int push(struct bench *b, uint64_t num, int expect)
{
    const size_t k = b->nitems++;

    b->items[k].id = b->ids[k];
    b->items[k].len = order_id(b->ids[k], num);
    b->expect[k] = expect;
    return b->nitems == b->batch ? flush(b) : 0;
}

static int run(uint64_t n, const struct opts *o)
{
    const double rss0 = maxrss_mib();
    const double mib = 1024.0 * 1024.0;
    struct bench b = {0};
    struct app_idset_stats st;
    uint64_t x = 0x2545f4914f6cdd1du, i, spills = 0, quiet_adds = 0, chunk_adds = 0;
    uint64_t dup_threshold = (uint64_t)(o->dups * (double)UINT64_MAX);
    size_t mem_max = 0;
    double t0, tchunk, stall = 0, quiet_ns = 0;
    int rc;

    if (o->dups >= 1.0)
        dup_threshold = UINT64_MAX;
    b.batch = o->batch;
    b.items = calloc(b.batch, sizeof(*b.items));
    b.ids = calloc(b.batch, sizeof(*b.ids));
    b.expect = calloc(b.batch, sizeof(*b.expect));
    if (!b.items || !b.ids || !b.expect)
        return 1;
    rc = app_idset_create(0x5eed, o->budget, o->tmpdir, &b.s);
    if (rc < 0) {
        fprintf(stderr, "bench_idset: create: %d\n", rc);
        return 1;
    }
    t0 = tchunk = now_ns();
    for (i = 0; i < n; i++) {
        if (push(&b, i, 1) < 0)
            return 2;
        if (xorshift(&x) < dup_threshold && push(&b, xorshift(&x) % (i + 1), 0) < 0)
            return 3;
        if (b.adds - chunk_adds >= 1024) {
            const double t = now_ns();
            const size_t m = app_idset_memory(b.s);

            if (t - tchunk > stall)
                stall = t - tchunk;
            if (m > mem_max)
                mem_max = m;
            app_idset_get_stats(b.s, &st);
            b.runs = st.runs;
            if (st.spills == spills) {   /* a chunk without a spill or merge */
                quiet_ns += t - tchunk;
                quiet_adds += b.adds - chunk_adds;
            }
            spills = st.spills;
            chunk_adds = b.adds;
            tchunk = now_ns();
        }
    }
    if (b.nitems > 0 && flush(&b) < 0)
        return 4;
    t0 = now_ns() - t0;
    app_idset_get_stats(b.s, &st);
    if (app_idset_memory(b.s) > mem_max)
        mem_max = app_idset_memory(b.s);
    printf("%10llu %5zu %10llu %7.1f %7.1f %8.1f %7.2f %7.2f %7.2f %7.2f %8.1f %4zu %6llu %6llu "
           "%6.2f %9.4f %6.3f\n",
           (unsigned long long)n, b.batch, (unsigned long long)b.adds, t0 / (double)b.adds,
           quiet_adds ? quiet_ns / (double)quiet_adds : 0.0, stall / 1e6,
           (double)app_idset_memory(b.s) / mib, (double)mem_max / mib, maxrss_mib(),
           maxrss_mib() - rss0, (double)app_idset_disk_bytes(b.s) / mib, st.runs,
           (unsigned long long)st.spills, (unsigned long long)st.merges,
           (double)st.merged / (double)n, (double)st.disk_reads / (double)b.adds,
           b.checks ? 100.0 * (double)st.false_positives / (double)b.checks : 0.0);
    fflush(stdout);
    app_idset_destroy(b.s);
    free(b.items);
    free(b.ids);
    free(b.expect);
    return 0;
}

int main(int argc, char **argv)
{
    static const uint64_t defaults[] = {1000000, 10000000};
    struct opts o = {0, 1, 0.01, NULL};
    uint64_t sizes[32];
    size_t nsizes = 0, i;
    int status;

    for (i = 1; i < (size_t)argc; i++) {
        if (strcmp(argv[i], "--budget") == 0 && i + 1 < (size_t)argc)
            o.budget = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--batch") == 0 && i + 1 < (size_t)argc)
            o.batch = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--dups") == 0 && i + 1 < (size_t)argc)
            o.dups = strtod(argv[++i], NULL) / 100.0;
        else if (strcmp(argv[i], "--tmpdir") == 0 && i + 1 < (size_t)argc)
            o.tmpdir = argv[++i];
        else if (nsizes < 32)
            sizes[nsizes++] = strtoull(argv[i], NULL, 10);
    }
    if (nsizes == 0)
        for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
            sizes[nsizes++] = defaults[i];
    if (o.batch == 0)
        o.batch = 1;
    printf("memory latency (dependent loads in 64 MiB): %.0f ns\n", dram_latency_ns());
    printf("%10s %5s %10s %7s %7s %8s %7s %7s %7s %7s %8s %4s %6s %6s %6s %9s %6s\n", "ids", "batch", "adds",
           "ns/add", "steady", "stall_ms", "set_MiB", "set_max", "RSS_MiB", "RSS_grw", "disk_MiB", "runs",
           "spills", "merges", "rw/id", "reads/add", "fp%");
    fflush(stdout);
    for (i = 0; i < nsizes; i++) {
        pid_t pid;

        if (sizes[i] == 0)
            continue;
        pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0)
            _exit(run(sizes[i], &o));
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "bench_idset: size %llu failed\n", (unsigned long long)sizes[i]);
            return 1;
        }
    }
    return 0;
}
