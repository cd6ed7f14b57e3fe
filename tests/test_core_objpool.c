/* tests/test_core_objpool.c: same-size blocks handed out and taken back in batches: reused
 * rather than reallocated, never handed to two holders at once (checked with two threads
 * trading blocks), and out of memory reported as a short count. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/objpool.h"
#include "tests/support/corotest.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void test_objpool_blocks_are_reused(void **state)
{
    struct core_objpool *p;
    void *a[8], *b[8], *kept;
    unsigned long before;
    size_t i, j;

    (void)state;
    assert_int_equal(core_objpool_create(100, &p), 0);
    assert_int_equal(core_objpool_get(p, a, 8), 8);
    for (i = 0; i < 8; i++) {
        for (j = 0; j < i; j++)
            assert_ptr_not_equal(a[i], a[j]);
        memset(a[i], 0xAB, 100);
    }
    kept = a[3];
    a[3] = NULL; /* NULLs are skipped */
    core_objpool_put(p, a, 8);
    assert_int_equal(core_objpool_idle(p), 7);
    before = core_mem_allocs();
    assert_int_equal(core_objpool_get(p, b, 8), 8);
    /* seven come back from the pool (no allocation), one is new */
    assert_int_equal(core_mem_allocs() - before, 1);
    assert_int_equal(core_objpool_idle(p), 0);
    assert_int_equal(core_objpool_made(p), 9);
    /* the seven reused are the ones given back (the most recently given first) */
    for (i = 0, j = 0; i < 8; i++) {
        size_t k;

        for (k = 0; k < 8; k++)
            if (k != 3 && b[i] == a[k])
                j++;
    }
    assert_int_equal(j, 7);
    /* a holder may also free a block itself */
    core_free(b[0]);
    b[0] = NULL;
    core_objpool_put(p, b, 8);
    assert_int_equal(core_objpool_idle(p), 7);
    core_free(kept);
    core_objpool_destroy(p); /* frees the idle blocks: LeakSanitizer checks */
    core_objpool_destroy(NULL);
}

static void test_objpool_errors(void **state)
{
    struct core_objpool *p = NULL;
    void *a[4];

    (void)state;
    assert_int_equal(core_objpool_create(0, &p), -EINVAL);
    core_mem_fail_after(0);
    assert_int_equal(core_objpool_create(16, &p), -ENOMEM);
    core_mem_fail_after(-1);
    assert_int_equal(core_objpool_create(1, &p), 0);
    assert_int_equal(core_objpool_get(p, a, 2), 2);
    core_objpool_put(p, a, 2);
    /* out of memory part-way: the blocks it could give, in order */
    core_mem_fail_after(0);
    assert_int_equal(core_objpool_get(p, a, 4), 2);
    core_mem_fail_after(-1);
    core_objpool_put(p, a, 2);
    assert_int_equal(core_objpool_idle(p), 2);
    core_objpool_destroy(p);

    /* no memory to keep more idle blocks: they are freed, not lost (LeakSanitizer checks) */
    {
        void *many[100];

        assert_int_equal(core_objpool_create(8, &p), 0);
        assert_int_equal(core_objpool_get(p, many, 100), 100);
        core_mem_fail_after(0);
        core_objpool_put(p, many, 100);
        core_mem_fail_after(-1);
        assert_int_equal(core_objpool_idle(p), 0);
        assert_int_equal(core_objpool_made(p), 100);
        core_objpool_destroy(p);
    }
}

#define ROUNDS 2000
#define BATCH 64

struct trader {
    struct core_objpool *p;
    unsigned id;
    int clash;   /* set when a block turned out not to be exclusively ours */
};

/* Take a batch, stamp every block with our id, check nobody else stamped them, give back. */
static void *trade(void *arg)
{
    struct trader *t = arg;
    void *b[BATCH];
    size_t i, n;
    int r;

    for (r = 0; r < ROUNDS; r++) {
        n = core_objpool_get(t->p, b, BATCH);
        for (i = 0; i < n; i++) {
            unsigned *w = b[i];

            w[0] = t->id;
            w[1] = (unsigned)r;
        }
        sched_yield(); /* give the other thread time to write into a block it should not have */
        for (i = 0; i < n; i++) {
            const unsigned *w = b[i];

            if (w[0] != t->id || w[1] != (unsigned)r)
                t->clash = 1;
        }
        core_objpool_put(t->p, b, n);
    }
    return NULL;
}

static void test_objpool_two_threads_never_share_a_block(void **state)
{
    struct core_objpool *p;
    struct trader t[2];
    pthread_t th[2];
    size_t i;

    (void)state;
    assert_int_equal(core_objpool_create(64, &p), 0);
    for (i = 0; i < ARRAY_LEN(t); i++) {
        t[i].p = p;
        t[i].id = (unsigned)i + 1;
        t[i].clash = 0;
        assert_int_equal(pthread_create(&th[i], NULL, trade, &t[i]), 0);
    }
    for (i = 0; i < ARRAY_LEN(t); i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(t[i].clash, 0);
    }
    /* every block is back, and there were never more than both batches out at once */
    assert_true(core_objpool_idle(p) <= 2 * BATCH);
    assert_true(core_objpool_idle(p) >= BATCH);
    assert_int_equal(core_objpool_made(p), core_objpool_idle(p));
    core_objpool_destroy(p);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_objpool_blocks_are_reused),
        cmocka_unit_test(test_objpool_errors),
        cmocka_unit_test(test_objpool_two_threads_never_share_a_block),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
