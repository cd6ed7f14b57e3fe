/* tests/test_core_event.c: set wakes every waiter; clear; deadlines. */
#include <errno.h>

#include "core/event.h"
#include "core/group.h"
#include "core/loop.h"
#include "tests/support/corotest.h"

struct ew {
    struct core_event *e;
    int rc;
};

static int waits(struct core_coro *co, void *arg)
{
    struct ew *w = arg;

    w->rc = core_event_wait(co, w->e, -1);
    return 0;
}

static int event_body(struct core_coro *co, void *arg)
{
    struct core_event *e;
    struct core_group *g;
    struct ew w[4];
    int i;

    (void)arg;
    assert_int_equal(core_event_create(&e), 0);
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    assert_int_equal(core_event_wait(co, e, core_deadline_in(5)), -ETIMEDOUT);
    for (i = 0; i < 4; i++) {
        w[i] = (struct ew){e, 1};
        assert_int_equal(core_group_spawn(g, waits, &w[i], NULL), 0);
    }
    assert_int_equal(core_coro_yield(co), 0);
    assert_int_equal(core_group_running(g), 4);
    core_event_set(e);
    assert_true(core_event_is_set(e));
    assert_int_equal(core_group_wait(co, g, core_deadline_in(5000)), 0);
    for (i = 0; i < 4; i++)
        assert_int_equal(w[i].rc, 0);
    assert_int_equal(core_event_wait(co, e, 0), 0); /* set: no wait at all */
    core_event_clear(e);
    assert_false(core_event_is_set(e));
    assert_int_equal(core_event_wait(co, e, core_deadline_in(5)), -ETIMEDOUT);
    core_group_destroy(g);
    core_event_destroy(e);
    return 0;
}

static void test_event_set_wakes_every_waiter(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(event_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_set_wakes_every_waiter),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
