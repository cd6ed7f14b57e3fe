/* tests/test_core_group.c: spawning, waiting for, cancelling and destroying groups. */
#include <errno.h>
#include <stdint.h>

#include "core/group.h"
#include "core/loop.h"
#include "core/mem.h"
#include "tests/support/corotest.h"

struct member {
    struct core_group *g;
    int64_t until;              /* sleeps until then: ms, absolute */
    int slept_rc;
    int cleaned_up;
    int spawn_rc;
    int result;
};

static int noop(struct core_coro *co, void *arg)
{
    (void)co;
    (void)arg;
    return 0;
}

static int member_body(struct core_coro *co, void *arg)
{
    struct member *m = arg;

    m->slept_rc = core_sleep(co, m->until);
    if (m->slept_rc == -ECANCELED && m->g)
        m->spawn_rc = core_group_spawn(m->g, noop, NULL, NULL);
    m->cleaned_up = 1; /* code after a cancelled wait still runs */
    return m->slept_rc == 0 ? m->result : m->slept_rc;
}

static int wait_body(struct core_coro *co, void *arg)
{
    struct core_group *g;
    /* absolute times, so that the order they end in does not depend on when each one starts */
    int64_t t0 = core_now_ms();
    struct member m[3] = {{NULL, t0 + 10, 1, 0, 0, 0}, {NULL, t0 + 30, 1, 0, 0, -5},
                          {NULL, t0 + 20, 1, 0, 0, -6}};
    int i, rc;

    (void)arg;
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    assert_int_equal(core_group_wait(co, g, -1), 0); /* empty: at once */
    for (i = 0; i < 3; i++)
        assert_int_equal(core_group_spawn(g, member_body, &m[i], NULL), 0);
    assert_int_equal(core_group_running(g), 3);
    /* a wait that times out first (unless a loaded machine got to this line after the last
     * member's time: then they may all be done) */
    rc = core_group_wait(co, g, core_deadline_in(5));
    if (rc == 0)
        assert_true(core_now_ms() >= t0 + 30);
    else
        assert_int_equal(rc, -ETIMEDOUT);
    assert_int_equal(core_group_wait(co, g, -1), 0);
    assert_int_equal(core_group_running(g), 0);
    for (i = 0; i < 3; i++)
        assert_int_equal(m[i].slept_rc, 0);
    assert_int_equal(core_group_error(g), -6); /* first to fail in time, not in spawn order */
    core_group_destroy(g);
    return 0;
}

static void test_group_wait_returns_when_every_member_ends(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(wait_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int cancel_body(struct core_coro *co, void *arg)
{
    struct core_group *g;
    struct member m[4];
    int i;

    (void)arg;
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    for (i = 0; i < 4; i++) {
        m[i] = (struct member){NULL, core_deadline_in(60000), 1, 0, 0, 0};
        assert_int_equal(core_group_spawn(g, member_body, &m[i], NULL), 0);
    }
    assert_int_equal(core_coro_yield(co), 0);
    core_group_cancel(g);
    assert_int_equal(core_group_wait(co, g, -1), 0); /* the members' -ECANCELED shows why */
    for (i = 0; i < 4; i++) {
        assert_int_equal(m[i].slept_rc, -ECANCELED);
        assert_true(m[i].cleaned_up);
    }
    assert_int_equal(core_group_error(g), 0); /* cancellation is not an error */
    core_group_destroy(g);
    return 0;
}

static void test_group_cancel_then_wait(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(cancel_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int destroy_body(struct core_coro *co, void *arg)
{
    struct core_group *g;
    struct member m[3];
    struct core_coro *h;
    int i;

    (void)arg;
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    for (i = 0; i < 3; i++) {
        m[i] = (struct member){g, core_deadline_in(60000), 1, 0, 1, 0};
        assert_int_equal(core_group_spawn(g, member_body, &m[i], i == 0 ? &h : NULL), 0);
    }
    assert_int_equal(core_coro_yield(co), 0); /* they are all sleeping now */
    core_group_destroy(g); /* cancels, runs each to its end right here, frees (handle too) */
    for (i = 0; i < 3; i++) {
        assert_int_equal(m[i].slept_rc, -ECANCELED);
        assert_true(m[i].cleaned_up);
        assert_int_equal(m[i].spawn_rc, -ECANCELED); /* no new members while destroying */
    }
    return 0;
}

static void test_group_destroy_runs_cancelled_members_to_their_end(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(destroy_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* Destroy from outside any coroutine, with members never started. */
static void test_group_destroy_before_members_ran(void **state)
{
    struct core_loop *loop;
    struct core_group *g;
    struct member m = {NULL, 60000, 1, 0, 0, 0};

    (void)state;
    assert_int_equal(core_loop_create(&loop), 0);
    assert_int_equal(core_group_create(loop, 0, &g), 0);
    assert_int_equal(core_group_spawn(g, member_body, &m, NULL), 0);
    core_group_destroy(g);
    assert_int_equal(m.slept_rc, -ECANCELED);
    assert_true(m.cleaned_up);
    assert_int_equal(core_loop_run(loop), 0);
    core_loop_destroy(loop);
}

static void test_group_spawn_out_of_memory_leaks_nothing(void **state)
{
    struct core_loop *loop;
    struct core_group *g;
    struct core_loop_stats st;

    (void)state;
    assert_int_equal(core_loop_create(&loop), 0);
    core_mem_fail_after(0);
    assert_int_equal(core_group_create(loop, 0, &g), -ENOMEM);
    assert_int_equal(core_group_create(loop, 0, &g), 0);
    core_mem_fail_after(0);
    assert_int_equal(core_group_spawn(g, noop, NULL, NULL), -ENOMEM);
    core_loop_stats(loop, &st);
    assert_int_equal(st.live, 0);
    assert_int_equal(core_group_running(g), 0);
    core_group_destroy(g);
    assert_int_equal(core_loop_run(loop), 0);
    core_loop_destroy(loop);
}

static int small_stack(struct core_coro *co, void *arg)
{
    volatile char buf[8 * 1024];

    (void)co;
    (void)arg;
    buf[0] = 1;
    return buf[0];
}

static int stack_size_body(struct core_coro *co, void *arg)
{
    struct core_group *g;
    struct core_coro *h;
    int res = 0;

    (void)arg;
    /* A size below the minimum is raised to it; 8 KiB of locals fit. */
    assert_int_equal(core_group_create(core_coro_loop(co), 1, &g), 0);
    assert_int_equal(core_group_spawn(g, small_stack, NULL, &h), 0);
    assert_int_equal(core_coro_join(co, h, -1, &res), 0);
    assert_int_equal(res, 1);
    core_group_destroy(g);
    return 0;
}

static void test_group_stack_size_has_a_floor(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(stack_size_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_wait_returns_when_every_member_ends),
        cmocka_unit_test(test_group_cancel_then_wait),
        cmocka_unit_test(test_group_destroy_runs_cancelled_members_to_their_end),
        cmocka_unit_test(test_group_destroy_before_members_ran),
        cmocka_unit_test(test_group_spawn_out_of_memory_leaks_nothing),
        cmocka_unit_test(test_group_stack_size_has_a_floor),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
