/* tests/test_core_sem.c: counting semaphore: bounds, FIFO hand-off, cancellation, deadlines. */
#include <errno.h>

#include "core/group.h"
#include "core/loop.h"
#include "core/sem.h"
#include "tests/support/corotest.h"

struct shared {
    struct core_sem *s;
    int active;
    int max_active;
    int done;
};

static int worker(struct core_coro *co, void *arg)
{
    struct shared *sh = arg;

    assert_int_equal(core_sem_acquire(co, sh->s, -1), 0);
    if (++sh->active > sh->max_active)
        sh->max_active = sh->active;
    assert_int_equal(core_sleep(co, core_deadline_in(5)), 0);
    sh->active--;
    sh->done++;
    return core_sem_release(sh->s);
}

static int bounds_body(struct core_coro *co, void *arg)
{
    struct shared sh = {NULL, 0, 0, 0};
    struct core_group *g;
    int i;

    (void)arg;
    assert_int_equal(core_sem_create(3, 0, &sh.s), 0);
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    for (i = 0; i < 10; i++)
        assert_int_equal(core_group_spawn(g, worker, &sh, NULL), 0);
    assert_int_equal(core_group_wait(co, g, -1), 0);
    assert_int_equal(sh.max_active, 3);
    assert_int_equal(sh.done, 10);
    assert_int_equal(core_sem_value(sh.s), 3);
    assert_int_equal(core_group_error(g), 0);
    core_group_destroy(g);
    core_sem_destroy(sh.s);
    return 0;
}

static void test_sem_bounds_concurrency(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(bounds_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

struct acq {
    struct core_sem *s;
    int64_t deadline;
    int rc;
    int order;
    int *clock;
    int next_wait_rc;
    int release_after;
};

static int acquirer(struct core_coro *co, void *arg)
{
    struct acq *a = arg;

    a->rc = core_sem_acquire(co, a->s, a->deadline);
    a->order = ++*a->clock;
    if (a->rc == 0 && a->release_after) {
        a->next_wait_rc = core_sleep(co, core_deadline_in(1));
        return core_sem_release(a->s);
    }
    return 0;
}

static void settle(struct core_coro *co)
{
    int i;

    for (i = 0; i < 8; i++)
        assert_int_equal(core_coro_yield(co), 0);
}

static int fifo_body(struct core_coro *co, void *arg)
{
    struct core_sem *s;
    struct core_group *g;
    int clock = 0, i;
    struct acq a[3];

    (void)arg;
    assert_int_equal(core_sem_create(0, 0, &s), 0);
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    for (i = 0; i < 3; i++) {
        a[i] = (struct acq){s, -1, 1, 0, &clock, 0, 0};
        assert_int_equal(core_group_spawn(g, acquirer, &a[i], NULL), 0);
        settle(co);
    }
    assert_int_equal(core_sem_waiters(s), 3);
    assert_int_equal(core_sem_release(s), 0);
    assert_int_equal(core_sem_try_acquire(s), -EAGAIN); /* the permit went to a[0] */
    assert_int_equal(core_sem_release(s), 0);
    assert_int_equal(core_sem_release(s), 0);
    settle(co);
    for (i = 0; i < 3; i++) {
        assert_int_equal(a[i].rc, 0);
        assert_int_equal(a[i].order, i + 1);
    }
    assert_int_equal(core_sem_value(s), 0);
    core_group_destroy(g);
    core_sem_destroy(s);
    return 0;
}

static void test_sem_waiters_get_permits_in_fifo_order(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(fifo_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* gh-90155 / python/asyncio#270: a waiter woken and cancelled before it runs must not swallow
 * the permit. Here it keeps the permit (the hand-off completed), sees the cancel at its next
 * wait, releases, and the next waiter gets the permit. */
static int woken_cancelled_body(struct core_coro *co, void *arg)
{
    struct core_sem *s;
    struct core_group *g;
    struct core_coro *ha;
    int clock = 0;
    struct acq a, b;

    (void)arg;
    assert_int_equal(core_sem_create(0, 0, &s), 0);
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    a = (struct acq){s, -1, 1, 0, &clock, 1, 1};
    b = (struct acq){s, -1, 1, 0, &clock, 1, 0};
    assert_int_equal(core_group_spawn(g, acquirer, &a, &ha), 0);
    assert_int_equal(core_group_spawn(g, acquirer, &b, NULL), 0);
    settle(co);
    assert_int_equal(core_sem_release(s), 0); /* handed to a */
    core_coro_cancel(ha);                    /* before a runs */
    settle(co);
    assert_int_equal(a.rc, 0);
    assert_int_equal(a.next_wait_rc, -ECANCELED);
    assert_int_equal(b.rc, 0); /* a released; the permit reached b */
    assert_int_equal(core_sem_waiters(s), 0);
    assert_int_equal(core_coro_join(co, ha, -1, NULL), 0);
    core_group_destroy(g);
    core_sem_destroy(s);
    return 0;
}

static void test_sem_woken_then_cancelled_waiter_passes_permit_on(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(woken_cancelled_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int cancelled_waiting_body(struct core_coro *co, void *arg)
{
    struct core_sem *s;
    struct core_group *g;
    struct core_coro *ha;
    int clock = 0;
    struct acq a, b;

    (void)arg;
    assert_int_equal(core_sem_create(0, 0, &s), 0);
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    a = (struct acq){s, -1, 1, 0, &clock, 1, 0};
    b = (struct acq){s, -1, 1, 0, &clock, 1, 0};
    assert_int_equal(core_group_spawn(g, acquirer, &a, &ha), 0);
    assert_int_equal(core_group_spawn(g, acquirer, &b, NULL), 0);
    settle(co);
    core_coro_cancel(ha);
    settle(co);
    assert_int_equal(a.rc, -ECANCELED);
    assert_int_equal(core_sem_waiters(s), 1);
    assert_int_equal(core_sem_release(s), 0);
    settle(co);
    assert_int_equal(b.rc, 0);
    assert_int_equal(core_sem_value(s), 0);
    assert_int_equal(core_coro_join(co, ha, -1, NULL), 0);
    core_group_destroy(g);
    core_sem_destroy(s);
    return 0;
}

static void test_sem_cancelled_waiter_takes_no_permit(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(cancelled_waiting_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int timeout_body(struct core_coro *co, void *arg)
{
    struct core_sem *s;

    (void)arg;
    assert_int_equal(core_sem_create(1, 1, &s), 0);
    assert_int_equal(core_sem_acquire(co, s, core_deadline_in(10)), 0);
    assert_int_equal(core_sem_acquire(co, s, core_deadline_in(10)), -ETIMEDOUT);
    assert_int_equal(core_sem_waiters(s), 0);
    assert_int_equal(core_sem_release(s), 0);
    assert_int_equal(core_sem_release(s), -EOVERFLOW); /* bounded */
    assert_int_equal(core_sem_value(s), 1);
    core_sem_destroy(s);
    assert_int_equal(core_sem_create(2, 1, &s), -EINVAL);
    return 0;
}

static void test_sem_deadline_and_bounded_release(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(timeout_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sem_bounds_concurrency),
        cmocka_unit_test(test_sem_waiters_get_permits_in_fifo_order),
        cmocka_unit_test(test_sem_woken_then_cancelled_waiter_passes_permit_on),
        cmocka_unit_test(test_sem_cancelled_waiter_takes_no_permit),
        cmocka_unit_test(test_sem_deadline_and_bounded_release),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
