/* tests/test_core_timer.c: the deadline heap orders by (deadline, arming order) and supports
 * removal from the middle. */
#include <stdint.h>
#include <stdlib.h>

#include "core/timer_int.h"
#include "tests/support/corotest.h"

static void nop(struct core__timer *t)
{
    (void)t;
}

static void test_timer_heap_pops_in_order_with_removals(void **state)
{
    enum { N = 2000 };
    static struct core__timer t[N];
    struct core__timer_heap h = {0};
    struct core__timer *top;
    int64_t last_deadline = -1;
    uint64_t last_seq = 0;
    int i, popped = 0, removed = 0;

    (void)state;
    srand(7);
    for (i = 0; i < N; i++) {
        core__timer_init(&t[i], nop);
        assert_int_equal(core__timer_heap_add(&h, &t[i], rand() % 100), 0);
    }
    for (i = 0; i < N; i += 3) { /* remove a third of them, from anywhere */
        core__timer_heap_remove(&h, &t[i]);
        core__timer_heap_remove(&h, &t[i]); /* twice is harmless */
        removed++;
    }
    assert_int_equal(core__timer_heap_add(&h, &t[1], 50), 0); /* re-arming moves it */
    assert_int_equal(h.count, (size_t)(N - removed));
    while ((top = core__timer_heap_peek(&h)) != NULL) {
        assert_true(top->deadline > last_deadline ||
                    (top->deadline == last_deadline && top->seq > last_seq));
        assert_true((top - t) % 3 != 0);
        last_deadline = top->deadline;
        last_seq = top->seq;
        core__timer_heap_remove(&h, top);
        assert_int_equal(top->idx, SIZE_MAX);
        popped++;
    }
    assert_int_equal(popped, N - removed);
    core__timer_heap_free(&h);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timer_heap_pops_in_order_with_removals),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
