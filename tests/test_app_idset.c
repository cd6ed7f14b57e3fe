/* tests/test_app_idset.c: the seen-id set (table, spills, runs, filters, merges, errors), checked
 * against a plain array of flags. Small memory budgets (4 KiB: 420 ids per spill) make every
 * part of it work with a few thousand ids. Each test works in its own temporary directory and
 * removes it at the end: rmdir failing would mean a file was left behind. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "app/orders/idset.h"
#include "core/mem.h"
#include "core/siphash.h"
#include "tests/support/corotest.h"

enum { TINY = 4096 };   /* bytes: the smallest table, 480 home slots, spills at 421 ids */

struct fixture {
    char dir[64];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/trawl-idset-test-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    const int rc = rmdir(f->dir);   /* fails (ENOTEMPTY) if a temporary file was left behind */

    free(f);
    return rc;
}

static struct app_idset *new_set(const struct fixture *f, uint64_t seed, size_t budget)
{
    struct app_idset *s = NULL;

    assert_int_equal(app_idset_create(seed, budget, f->dir, &s), 0);
    assert_non_null(s);
    return s;
}

/* Add order id number n ("ORD-00001234"). */
static int add_num(struct app_idset *s, uint64_t n)
{
    char id[32];
    const int len = snprintf(id, sizeof(id), "ORD-%08llu", (unsigned long long)n);

    return app_idset_add(s, id, (size_t)len);
}

static struct app_idset_stats stats_of(const struct app_idset *s)
{
    struct app_idset_stats st;

    app_idset_get_stats(s, &st);
    return st;
}

static void test_idset_new_then_duplicate(void **state)
{
    const struct fixture *f = *state;
    struct app_idset *s = new_set(f, 1, 0);

    assert_int_equal(app_idset_count(s), 0);
    assert_int_equal(app_idset_add(s, "A-1", 3), 1);
    assert_int_equal(app_idset_add(s, "A-1", 3), 0);
    assert_int_equal(app_idset_add(s, "A-2", 3), 1);
    assert_int_equal(app_idset_add(s, "A-1", 2), 1);          /* "A-": a prefix is another id */
    assert_int_equal(app_idset_add(s, "A-1\0x", 5), 1);       /* bytes, not C strings */
    assert_int_equal(app_idset_add(s, "A-1\0x", 5), 0);
    assert_int_equal(app_idset_add(s, "", 0), 1);
    assert_int_equal(app_idset_add(s, NULL, 0), 0);            /* the same empty id */
    assert_int_equal(app_idset_add(s, "A-2", 3), 0);
    assert_int_equal(app_idset_count(s), 5);
    assert_int_equal(app_idset_disk_bytes(s), 0);
    assert_true(app_idset_memory(s) > 8192);
    assert_true(app_idset_memory(s) < 128 * 1024);             /* the table starts small */
    assert_int_equal(stats_of(s).runs, 0);
    app_idset_destroy(s);
    app_idset_destroy(NULL);
}

static void test_idset_seed_keys_the_fingerprints(void **state)
{
    const struct fixture *f = *state;
    struct app_idset *a = new_set(f, 1, TINY), *a2 = new_set(f, 1, TINY), *b = new_set(f, 2, TINY);

    /* the same seed gives the same fingerprints; a different seed different ones, so colliding
     * ids cannot be prepared without knowing it */
    assert_int_equal(app_idset_key(a, "ORD-1", 5), app_idset_key(a2, "ORD-1", 5));
    assert_int_not_equal(app_idset_key(a, "ORD-1", 5), app_idset_key(b, "ORD-1", 5));
    app_idset_destroy(a);
    app_idset_destroy(a2);
    app_idset_destroy(b);
}

/* Every id new exactly once, every repeat a duplicate, wherever it is now (table, or any run). */
static void test_idset_spills_runs_and_merges_keep_every_id(void **state)
{
    const struct fixture *f = *state;
    struct app_idset *s = new_set(f, 2, TINY);
    struct app_idset_stats st;
    const uint64_t n = 30000;
    size_t max_runs = 0;
    uint64_t i;

    for (i = 0; i < n; i++) {
        assert_int_equal(add_num(s, i), 1);
        assert_int_equal(add_num(s, i), 0);                    /* at once: in the table */
        if (i >= 1000)
            assert_int_equal(add_num(s, i - 1000), 0);         /* older: on disk by now */
        if (i % 7 == 0)
            assert_int_equal(add_num(s, i / 7), 0);           /* any distance */
        st = stats_of(s);
        if (st.runs > max_runs)
            max_runs = st.runs;
    }
    st = stats_of(s);
    assert_int_equal(app_idset_count(s), n);
    assert_true(st.spills >= n / 421);
    assert_true(st.merges >= 30);         /* one per spill that carries: about half */
    assert_true(max_runs >= 4);
    assert_true(st.runs <= 8);             /* binary counter: log2(30000 / 421) + 1 = 7.2 */
    assert_true(st.merged < n * 8);         /* each id rewritten about log2(n / 421) times */
    assert_int_equal(st.upkeep_failures, 0);
    assert_true(app_idset_disk_bytes(s) >= (n - 421) * 8);
    assert_true(app_idset_disk_bytes(s) <= n * 8);
    for (i = 0; i < n; i++)
        assert_int_equal(add_num(s, i), 0);
    assert_int_equal(app_idset_count(s), n);
    assert_true(stats_of(s).disk_reads >= n - 421);    /* ids on disk were read back */
    app_idset_destroy(s);
}

/* Random operations over a small id space (many repeats) against an array of flags. */
static void random_run(const struct fixture *f, uint64_t seed, size_t budget, size_t space,
                       size_t ops)
{
    struct app_idset *s = new_set(f, seed, budget);
    unsigned char *seen = calloc(space, 1);
    uint64_t x = seed * 0x9e3779b97f4a7c15u + 1;
    size_t i, distinct = 0;

    assert_non_null(seen);
    for (i = 0; i < ops; i++) {
        size_t n;

        x ^= x << 13;   /* xorshift64 */
        x ^= x >> 7;
        x ^= x << 17;
        /* half the draws from a recent window, so repeats come at short and long distances */
        n = (x >> 1) % 2 ? (size_t)(x >> 8) % space : (size_t)(x >> 8) % 1000 + i % (space - 1000);
        assert_int_equal(add_num(s, n), seen[n] ? 0 : 1);
        if (!seen[n])
            distinct++;
        seen[n] = 1;
        assert_int_equal(app_idset_count(s), distinct);
    }
    for (i = 0; i < space; i++)
        assert_int_equal(add_num(s, i), seen[i] ? 0 : 1);
    assert_int_equal(stats_of(s).upkeep_failures, 0);
    free(seen);
    app_idset_destroy(s);
}

static void test_idset_random_workloads_match_reference(void **state)
{
    const struct fixture *f = *state;

    random_run(f, 3, TINY, 20000, 60000);
    random_run(f, 4, 3 * TINY, 50000, 100000);
    random_run(f, 5, 64 * 1024, 60000, 100000);
    random_run(f, 6, 1, 5000, 20000);        /* raised to the minimum budget */
}

/* Ids whose fingerprints all fall in the table's last home slot pile up past the end of the
 * table: at the budget that forces an early spill, below it a growth. */
static void clustered(const struct fixture *f, size_t budget, bool expect_spills)
{
    enum { WANT = 100 };
    struct core_siphash_key key;
    struct app_idset *s = new_set(f, 9, budget);
    uint64_t ids[WANT];
    size_t n = 0, i;
    uint64_t c;

    core_siphash_key_from_seed(9, &key);   /* the set's key for seed 9 */
    for (c = 0; n < WANT; c++) {
        char id[32];
        const int len = snprintf(id, sizeof(id), "ORD-%08llu", (unsigned long long)c);

        if (core_siphash13(&key, id, (size_t)len) >> 54 == 0x3FF)   /* top 10 bits set */
            ids[n++] = c;
    }
    for (i = 0; i < WANT; i++)
        assert_int_equal(add_num(s, ids[i]), 1);
    for (i = 0; i < WANT; i++)
        assert_int_equal(add_num(s, ids[i]), 0);
    assert_int_equal(app_idset_count(s), WANT);
    if (expect_spills)
        assert_true(stats_of(s).spills >= 3);    /* 32 ids per spill, far below 7/8 full */
    else
        assert_int_equal(stats_of(s).spills, 0);
    app_idset_destroy(s);
}

/* Batches of 1 to 100 ids (so across the internal 32), with repeats inside a batch and spills in
 * the middle of one, some with their keys computed beforehand, give what one add at a time
 * gives. */
static void test_idset_batch_matches_single_adds(void **state)
{
    enum { SPACE = 8000, OPS = 40000, MAXB = 100 };
    const struct fixture *f = *state;
    struct app_idset *one = new_set(f, 13, TINY), *many = new_set(f, 13, TINY);
    struct app_idset_item items[MAXB];
    char ids[MAXB][32];
    uint64_t x = 77;
    size_t done = 0, i, n;

    while (done < OPS) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        n = (size_t)(x % MAXB) + 1;
        for (i = 0; i < n; i++) {
            /* ids near done, so that a batch often repeats its own ids */
            const uint64_t num = (done + i) / 2 + (x >> (i % 40)) % 7;

            items[i].len = (size_t)snprintf(ids[i], sizeof(ids[i]), "ORD-%08llu",
                                            (unsigned long long)(num % SPACE));
            items[i].id = ids[i];
            /* every third id comes hashed beforehand, the rest are hashed by the set */
            items[i].key = i % 3 == 0 ? app_idset_key(many, ids[i], items[i].len) : 0;
            items[i].result = 42;
        }
        assert_int_equal(app_idset_add_batch(many, items, n), 0);
        for (i = 0; i < n; i++)
            assert_int_equal(items[i].result, app_idset_add(one, items[i].id, items[i].len));
        done += n;
    }
    assert_int_equal(app_idset_count(many), app_idset_count(one));
    assert_true(stats_of(many).spills >= 10);
    assert_int_equal(app_idset_add_batch(many, NULL, 0), 0);
    app_idset_destroy(one);
    app_idset_destroy(many);
}

/* An error stops a batch: the items before it are done, it holds the error, the rest are not
 * checked (-ECANCELED) and not recorded. */
static void test_idset_batch_stops_at_first_error(void **state)
{
    const struct fixture *f = *state;
    struct app_idset *s = new_set(f, 14, TINY);
    struct app_idset_item items[4] = {
        {.id = "ORD-00000005", .len = 12, .result = 9},
        {.id = "ORD-00001000", .len = 12, .result = 9},
        {.id = "ORD-00000006", .len = 12, .result = 9},
        {.id = "ORD-00001001", .len = 12, .result = 9},
    };
    uint64_t i;

    for (i = 0; i < 420; i++)    /* the table is full: the next new id needs a spill */
        assert_int_equal(add_num(s, i), 1);
    core_mem_fail_after(0);
    assert_int_equal(app_idset_add_batch(s, items, 4), -ENOMEM);
    core_mem_fail_after(-1);
    assert_int_equal(items[0].result, 0);
    assert_int_equal(items[1].result, -ENOMEM);
    assert_int_equal(items[2].result, -ECANCELED);
    assert_int_equal(items[3].result, -ECANCELED);
    assert_int_equal(app_idset_count(s), 420);
    assert_int_equal(stats_of(s).spills, 0);
    assert_int_equal(app_idset_add_batch(s, items, 4), 0);
    assert_int_equal(items[0].result, 0);
    assert_int_equal(items[1].result, 1);
    assert_int_equal(items[2].result, 0);
    assert_int_equal(items[3].result, 1);
    assert_int_equal(app_idset_count(s), 422);
    assert_int_equal(stats_of(s).spills, 1);
    app_idset_destroy(s);
}

static void test_idset_clustered_fingerprints_spill_early_or_grow(void **state)
{
    clustered(*state, TINY, true);
    clustered(*state, 0, false);
}

static void test_idset_memory_follows_the_formula(void **state)
{
    const struct fixture *f = *state;
    const size_t budget = 64 * 1024;
    struct app_idset *s = new_set(f, 10, budget);
    size_t mem, fixed;
    uint64_t i, disk;

    for (i = 0; i < 7000; i++)           /* just under the first spill (7140 ids) */
        assert_int_equal(add_num(s, i), 1);
    assert_int_equal(app_idset_disk_bytes(s), 0);
    fixed = app_idset_memory(s);
    assert_true(fixed >= budget + 64 * 1024);
    assert_true(fixed <= budget + 64 * 1024 + 4096);
    for (; i < 200000; i++)
        assert_int_equal(add_num(s, i), 1);
    disk = app_idset_disk_bytes(s) / 8;
    mem = app_idset_memory(s);
    assert_true(disk > 190000);
    /* 10 bits of filter and 1/8 bit of index per id on disk, plus < 300 bytes per run */
    assert_true(mem - fixed >= disk * 10 / 8);
    assert_true(mem - fixed <= disk * 81 / 64 + stats_of(s).runs * 300 + 1024);
    app_idset_destroy(s);
}

/* New ids reach the disk only on a filter false positive: ~1.05% per run. */
static void test_idset_filters_keep_new_ids_off_the_disk(void **state)
{
    const struct fixture *f = *state;
    struct app_idset *s = new_set(f, 11, 256 * 1024);   /* 28,556 ids per spill */
    struct app_idset_stats before, after;
    uint64_t i, lookups = 0;

    for (i = 0; i < 100000; i++)
        assert_int_equal(add_num(s, i), 1);
    before = stats_of(s);
    for (; i < 120000; i++) {
        lookups += stats_of(s).runs;        /* each new id is checked against every run */
        assert_int_equal(add_num(s, i), 1);
    }
    after = stats_of(s);
    assert_true(lookups >= 20000);
    assert_true(after.false_positives - before.false_positives <= lookups * 2 / 100);
    assert_true(after.disk_reads - before.disk_reads <=
                after.false_positives - before.false_positives);
    app_idset_destroy(s);
}

static void test_idset_missing_tmpdir_fails_create(void **state)
{
    const struct fixture *f = *state;
    struct app_idset *s = (struct app_idset *)0x1;
    char path[128], file[128];
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
    FILE *fp;

    snprintf(path, sizeof(path), "%s/missing", f->dir);
    assert_int_equal(app_idset_create(1, 0, path, &s), -ENOENT);
    assert_ptr_equal(s, (struct app_idset *)0x1);              /* out untouched on failure */
    snprintf(file, sizeof(file), "%s/file", f->dir);
    fp = fopen(file, "w");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(app_idset_create(1, 0, file, &s), -ENOTDIR);
    assert_int_equal(unlink(file), 0);
    /* NULL means $TMPDIR */
    assert_int_equal(setenv("TMPDIR", path, 1), 0);
    assert_int_equal(app_idset_create(1, 0, NULL, &s), -ENOENT);
    assert_int_equal(setenv("TMPDIR", f->dir, 1), 0);
    assert_int_equal(app_idset_create(1, 0, NULL, &s), 0);
    app_idset_destroy(s);
    if (saved)
        assert_int_equal(setenv("TMPDIR", saved, 1), 0);
    else
        assert_int_equal(unsetenv("TMPDIR"), 0);
    free(saved);
}

static void set_fsize_limit(rlim_t bytes)
{
    struct rlimit lim;

    assert_int_equal(getrlimit(RLIMIT_FSIZE, &lim), 0);
    lim.rlim_cur = bytes;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
}

/* A full disk (RLIMIT_FSIZE: writes past the limit fail with EFBIG): merges fail without
 * failing adds, a spill that fails fails its add and changes nothing, and once there is room
 * again everything carries on. */
static void test_idset_full_disk_leaves_set_consistent(void **state)
{
    const struct fixture *f = *state;
    struct app_idset *s = new_set(f, 12, TINY);
    struct rlimit old;
    struct app_idset_stats st;
    void (*old_handler)(int);
    uint64_t i, failed;
    int rc = 1;

    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    old_handler = signal(SIGXFSZ, SIG_IGN);   /* else the kernel kills us instead of EFBIG */
    assert_true(old_handler != SIG_ERR);
    for (i = 0; i < 2000; i++)
        assert_int_equal(add_num(s, i), 1);

    /* files up to 16 KiB: spills (3.4 KiB) work, merges past 2048 ids fail, adds carry on */
    set_fsize_limit(16 * 1024);
    for (; i < 12000; i++)
        assert_int_equal(add_num(s, i), 1);
    st = stats_of(s);
    assert_true(st.upkeep_failures > 0);
    assert_int_equal(st.last_upkeep_error, -EFBIG);
    assert_true(st.runs >= 5);

    /* files up to 1 KiB: the next spill fails, and with it the add that needed it */
    set_fsize_limit(1024);
    for (; rc == 1; i++)
        rc = add_num(s, i);
    failed = --i;
    assert_int_equal(rc, -EFBIG);
    assert_int_equal(app_idset_count(s), failed);
    assert_int_equal(add_num(s, failed), -EFBIG);    /* still no room: still not recorded */
    assert_int_equal(add_num(s, 5), 0);               /* duplicates are still found */
    assert_int_equal(add_num(s, failed - 1), 0);
    assert_int_equal(app_idset_count(s), failed);

    /* room again */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_handler);
    assert_int_equal(add_num(s, failed), 1);
    for (i = failed + 1; i < 20000; i++)
        assert_int_equal(add_num(s, i), 1);
    for (i = 0; i < 20000; i++)
        assert_int_equal(add_num(s, i), 0);
    assert_int_equal(app_idset_count(s), 20000);
    assert_true(stats_of(s).runs <= 7);      /* the merges caught up */
    app_idset_destroy(s);
}

static void test_idset_nomem_fails_cleanly(void **state)
{
    const struct fixture *f = *state;
    struct app_idset *s;
    struct app_idset_stats st;
    uint64_t i, n = 30000;
    long k;
    int rc = -ENOMEM, failures = 0;

    for (k = 0; rc != 0; k++) {
        s = (struct app_idset *)0x1;
        core_mem_fail_after(k);
        rc = app_idset_create(1, TINY, f->dir, &s);
        core_mem_fail_after(-1);
        if (rc != 0) {
            assert_int_equal(rc, -ENOMEM);
            assert_ptr_equal(s, (struct app_idset *)0x1);
        }
    }
    assert_true(k >= 5);
    /* fail the k-th, (k+1)-th, ... allocation of each add in turn until it goes through (k
     * varies from id to id): spills and merges meet a failure at each allocation they make */
    for (i = 0; i < n; i++) {
        const uint64_t start = (i * 0x9e3779b97f4a7c15u) >> 60;
        long a;

        for (a = 0; a < 12; a++) {
            k = (long)((start + (uint64_t)a) % 10);   /* a different first one each time */
            core_mem_fail_after(k);
            rc = add_num(s, i);
            core_mem_fail_after(-1);
            if (rc == 1)
                break;
            assert_int_equal(rc, -ENOMEM);
            assert_int_equal(app_idset_count(s), i);
            failures++;
        }
        assert_int_equal(rc, 1);
        assert_int_equal(add_num(s, i / 2), 0);
    }
    st = stats_of(s);
    assert_true(failures >= 10);                        /* failed spills failed their adds */
    assert_true(st.upkeep_failures >= 5);               /* failed merges did not */
    assert_true(st.merges >= 10);
    assert_int_equal(st.last_upkeep_error, -ENOMEM);
    for (i = 0; i < n; i++)
        assert_int_equal(add_num(s, i), 0);
    assert_int_equal(app_idset_count(s), n);
    app_idset_destroy(s);                                /* ASan: nothing leaked */
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_idset_new_then_duplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idset_seed_keys_the_fingerprints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idset_spills_runs_and_merges_keep_every_id, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_idset_random_workloads_match_reference, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_idset_batch_matches_single_adds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idset_batch_stops_at_first_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idset_clustered_fingerprints_spill_early_or_grow,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_idset_memory_follows_the_formula, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idset_filters_keep_new_ids_off_the_disk, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_idset_missing_tmpdir_fails_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idset_full_disk_leaves_set_consistent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_idset_nomem_fails_cleanly, setup, teardown),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
