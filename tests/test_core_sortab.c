/* tests/test_core_sortab.c: the sorted linear-probing table under the visited set and the id
 * set: entries stay in key order and findable across growth in place (with and without
 * payload bits below the key), a full cluster at the end is fixed by extend, and out of memory
 * leaves the table as it was. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/sortab.h"
#include "tests/support/corotest.h"

static uint64_t next_rand(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Insert entry (its key absent) the way the owners do: seek, shift the cluster right by one. */
static void insert(struct core_sortab *t, uint64_t entry)
{
    size_t i = core_sortab_seek(t, entry >> t->shift), j;

    for (j = i; t->slots[j] != 0; j++)
        ;
    if (j == t->nslots - 1) {
        assert_int_equal(core_sortab_extend(t, 8), 0);
    }
    memmove(t->slots + i + 1, t->slots + i, (j - i) * sizeof(*t->slots));
    t->slots[i] = entry;
}

static bool has(const struct core_sortab *t, uint64_t entry)
{
    size_t i = core_sortab_seek(t, entry >> t->shift);

    return t->slots[i] == entry;
}

/* Entries in increasing key order, each at or after its home, no gap from its home to it. */
static void check_layout(const struct core_sortab *t, size_t count)
{
    uint64_t prev = 0;
    size_t i, n = 0, k;

    assert_int_equal(t->slots[t->nslots - 1], 0);
    for (i = 0; i < t->nslots; i++) {
        const uint64_t e = t->slots[i];

        if (e == 0)
            continue;
        assert_true((e >> t->shift) > prev);
        prev = e >> t->shift;
        for (k = core_sortab_home(t, e >> t->shift, t->cap); k < i; k++)
            assert_int_not_equal(t->slots[k], 0);
        assert_true(core_sortab_home(t, e >> t->shift, t->cap) <= i);
        n++;
    }
    assert_int_equal(n, count);
}

static void grow_and_fill(unsigned shift)
{
    enum { N = 20000 };
    struct core_sortab t = {.shift = shift};
    uint64_t *entries = calloc(N, sizeof(*entries)), x = 12345 + shift;
    size_t n, i;

    assert_non_null(entries);
    for (n = 0; n < N; n++) {
        /* keys fit in 64 - shift bits; payload in the low bits; never 0 */
        const uint64_t key = (next_rand(&x) >> shift) | 1;
        const uint64_t entry = key << shift | (shift ? n % ((uint64_t)1 << shift) : 0);

        if ((n + 1) * 8 > t.cap * 7)
            assert_int_equal(core_sortab_grow(&t, t.cap < 16 ? 16 : t.cap + t.cap / 2, 32), 0);
        insert(&t, entry);
        entries[n] = entry;
    }
    check_layout(&t, N);
    for (i = 0; i < N; i++)
        assert_true(has(&t, entries[i]));
    /* growing to a cap no larger keeps everything (and never shrinks the array) */
    n = t.nslots;
    assert_int_equal(core_sortab_grow(&t, t.cap, 32), 0);
    assert_true(t.nslots >= n);
    check_layout(&t, N);
    core_sortab_free(&t);
    assert_null(t.slots);
    free(entries);
}

static void test_sortab_grows_in_place_keeping_order(void **state)
{
    (void)state;
    grow_and_fill(0);   /* the id set: the whole entry is the key */
    grow_and_fill(10);  /* the visited set: 10 payload bits below the key */
}

static void test_sortab_nomem_leaves_it_unchanged(void **state)
{
    struct core_sortab t = {.shift = 0};
    uint64_t *copy;
    size_t cap, nslots, i;
    long n;
    int rc;

    (void)state;
    assert_int_equal(core_sortab_grow(&t, 64, 8), 0);
    for (i = 1; i <= 40; i++)
        insert(&t, i * 0x0123456789ABCDull);
    cap = t.cap;
    nslots = t.nslots;
    copy = malloc(nslots * sizeof(*copy));
    assert_non_null(copy);
    memcpy(copy, t.slots, nslots * sizeof(*copy));
    for (n = 0;; n++) {
        core_mem_fail_after(n);
        rc = core_sortab_grow(&t, cap * 4, 8);
        core_mem_fail_after(-1);
        if (rc == 0)
            break;
        assert_int_equal(rc, -ENOMEM);
        assert_int_equal(t.cap, cap);
        assert_int_equal(t.nslots, nslots);
        assert_memory_equal(t.slots, copy, nslots * sizeof(*copy));
    }
    assert_true(n >= 1);
    check_layout(&t, 40);
    core_mem_fail_after(0);
    assert_int_equal(core_sortab_extend(&t, 8), -ENOMEM);
    core_mem_fail_after(-1);
    check_layout(&t, 40);
    free(copy);
    core_sortab_free(&t);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sortab_grows_in_place_keeping_order),
        cmocka_unit_test(test_sortab_nomem_leaves_it_unchanged),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
