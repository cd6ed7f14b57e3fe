/* tests/test_core_coro.c: coroutine lifecycle, park/wake, cancellation, deadlines, stacks. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/group.h"
#include "core/loop.h"
#include "tests/support/corotest.h"

static struct core_group *mkgroup(struct core_coro *co)
{
    struct core_group *g;

    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    return g;
}

/* --- create, run, result, join ------------------------------------------------------------ */

static int returns_arg(struct core_coro *co, void *arg)
{
    (void)co;
    return (int)(intptr_t)arg;
}

static int join_body(struct core_coro *co, void *arg)
{
    struct core_group *g = mkgroup(co);
    struct core_coro *h;
    int res = 0;

    (void)arg;
    assert_int_equal(core_group_spawn(g, returns_arg, (void *)(intptr_t)-42, &h), 0);
    assert_false(core_coro_is_done(h));
    assert_int_equal(core_coro_join(co, h, -1, &res), 0);
    assert_int_equal(res, -42);
    core_group_destroy(g);
    return 7;
}

static void test_coro_result_comes_back_through_join(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(join_body, NULL, COROTEST_WATCHDOG_MS), 7);
}

static int sleeper(struct core_coro *co, void *arg)
{
    (void)arg;
    return core_sleep(co, core_deadline_in(10000));
}

static int join_timeout_body(struct core_coro *co, void *arg)
{
    struct core_group *g = mkgroup(co);
    struct core_coro *h;
    int res = 1;

    (void)arg;
    assert_int_equal(core_group_spawn(g, sleeper, NULL, &h), 0);
    assert_int_equal(core_coro_join(co, h, core_deadline_in(20), &res), -ETIMEDOUT);
    assert_int_equal(res, 1);           /* untouched */
    core_coro_cancel(h);                /* the handle is still valid */
    assert_int_equal(core_coro_join(co, h, -1, &res), 0);
    assert_int_equal(res, -ECANCELED);  /* the sleeper saw the cancel */
    core_group_destroy(g);
    return 0;
}

static void test_coro_join_times_out_and_handle_stays_valid(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(join_timeout_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* --- scheduling --------------------------------------------------------------------------- */

struct trace {
    char log[64];
    int n;
};

struct stepper {
    struct trace *t;
    char name;
};

static int step3(struct core_coro *co, void *arg)
{
    struct stepper *s = arg;
    int i;

    for (i = 0; i < 3; i++) {
        s->t->log[s->t->n++] = s->name;
        assert_int_equal(core_coro_yield(co), 0);
    }
    return 0;
}

static int yield_body(struct core_coro *co, void *arg)
{
    struct core_group *g = mkgroup(co);
    struct trace t = {{0}, 0};
    struct stepper a = {&t, 'a'}, b = {&t, 'b'};

    (void)arg;
    assert_int_equal(core_group_spawn(g, step3, &a, NULL), 0);
    assert_int_equal(core_group_spawn(g, step3, &b, NULL), 0);
    assert_int_equal(core_group_wait(co, g, -1), 0);
    assert_string_equal(t.log, "ababab"); /* ready coroutines run round-robin, FIFO */
    core_group_destroy(g);
    return 0;
}

static void test_coro_yield_runs_ready_coroutines_in_fifo_order(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(yield_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int sleep_order_body(struct core_coro *co, void *arg);

struct napper {
    struct trace *t;
    char name;
    int64_t deadline;
};

static int nap(struct core_coro *co, void *arg)
{
    struct napper *n = arg;
    int rc = core_sleep(co, n->deadline);

    n->t->log[n->t->n++] = n->name;
    return rc;
}

static int sleep_order_body(struct core_coro *co, void *arg)
{
    struct core_group *g = mkgroup(co);
    struct trace t = {{0}, 0};
    int64_t now = core_now_ms();
    struct napper n[4] = {{&t, 'c', now + 60}, {&t, 'a', now + 20}, {&t, 'b', now + 40},
                          {&t, 'd', now + 60}};
    int i;

    (void)arg;
    for (i = 0; i < 4; i++)
        assert_int_equal(core_group_spawn(g, nap, &n[i], NULL), 0);
    assert_int_equal(core_group_wait(co, g, -1), 0);
    assert_string_equal(t.log, "abcd"); /* by deadline; equal deadlines in arming order */
    assert_true(core_now_ms() - now >= 60);
    assert_int_equal(core_group_error(g), 0);
    core_group_destroy(g);
    return 0;
}

static void test_coro_sleepers_wake_in_deadline_order(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(sleep_order_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* --- cancellation ------------------------------------------------------------------------- */

struct canc {
    int first;
    int second;
    int yield_rc;
};

static int cancel_sticky(struct core_coro *co, void *arg)
{
    struct canc *c = arg;

    c->first = core_sleep(co, -1);
    c->second = core_sleep(co, core_deadline_in(10000)); /* returns at once: still cancelled */
    c->yield_rc = core_coro_yield(co);
    assert_true(core_coro_is_cancelled(co));
    return 0;
}

static int cancel_body(struct core_coro *co, void *arg)
{
    struct core_group *g = mkgroup(co);
    struct canc c = {1, 1, 1};
    struct core_coro *h;

    (void)arg;
    assert_int_equal(core_group_spawn(g, cancel_sticky, &c, &h), 0);
    assert_int_equal(core_coro_yield(co), 0);
    core_coro_cancel(h);
    assert_int_equal(core_coro_join(co, h, -1, NULL), 0);
    assert_int_equal(c.first, -ECANCELED);
    assert_int_equal(c.second, -ECANCELED);
    assert_int_equal(c.yield_rc, -ECANCELED); /* each wait ended by the cancel, not its time */
    core_group_destroy(g);
    return 0;
}

static void test_coro_cancel_ends_current_and_later_waits(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(cancel_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int cancel_before_start_body(struct core_coro *co, void *arg)
{
    struct core_group *g = mkgroup(co);
    struct canc c = {1, 1, 1};
    struct core_coro *h;

    (void)arg;
    assert_int_equal(core_group_spawn(g, cancel_sticky, &c, &h), 0);
    core_coro_cancel(h); /* not yet run: its first wait fails at once */
    assert_int_equal(core_coro_join(co, h, -1, NULL), 0);
    assert_int_equal(c.first, -ECANCELED);
    core_group_destroy(g);
    return 0;
}

static void test_coro_cancel_before_first_run(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(cancel_before_start_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

struct shielded {
    int in_shield;
    int after_shield;
    int yield_rc;
};

static int shielded_body(struct core_coro *co, void *arg)
{
    struct shielded *s = arg;

    core_coro_shield(co, true);
    core_coro_shield(co, true);  /* nested */
    s->in_shield = core_sleep(co, core_deadline_in(30));
    s->yield_rc = core_coro_yield(co);
    core_coro_shield(co, false);
    core_coro_shield(co, false);
    s->after_shield = core_sleep(co, core_deadline_in(10000));
    return 0;
}

static int shield_body(struct core_coro *co, void *arg)
{
    struct core_group *g = mkgroup(co);
    struct shielded s = {1, 1, 1};
    struct core_coro *h;
    int64_t t0 = core_now_ms();

    (void)arg;
    assert_int_equal(core_group_spawn(g, shielded_body, &s, &h), 0);
    assert_int_equal(core_coro_yield(co), 0);
    core_coro_cancel(h); /* arrives while the sleep is shielded */
    assert_int_equal(core_coro_join(co, h, -1, NULL), 0);
    assert_int_equal(s.in_shield, 0);             /* the shielded sleep ran its course */
    assert_int_equal(s.yield_rc, 0);
    assert_int_equal(s.after_shield, -ECANCELED); /* then the cancel arrived */
    assert_true(core_now_ms() - t0 >= 30);
    core_group_destroy(g);
    return 0;
}

static void test_coro_shield_defers_cancellation(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(shield_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* --- the awaitable protocol --------------------------------------------------------------- */

struct op {
    struct core_coro *co;
    int aborts;
    bool abortable;
    int reason;
};

static bool op_abort(void *arg, int reason)
{
    struct op *o = arg;

    o->aborts++;
    o->reason = reason;
    return o->abortable;
}

struct waiter_ctx {
    struct op *op;
    int64_t deadline;
    int rc;
};

static int parks(struct core_coro *co, void *arg)
{
    struct waiter_ctx *w = arg;

    w->op->co = co;
    w->rc = core_coro_park(co, w->deadline, op_abort, w->op);
    return 0;
}

static int park_body(struct core_coro *co, void *arg)
{
    struct core_group *g = mkgroup(co);
    struct op o = {NULL, 0, true, 0};
    struct waiter_ctx w = {&o, -1, 1};
    struct core_coro *h;
    int i;

    (void)arg;
    /* woken: the value passes through, abort is not called */
    assert_int_equal(core_group_spawn(g, parks, &w, &h), 0);
    assert_int_equal(core_coro_yield(co), 0);
    core_coro_wake(o.co, 1234);
    core_coro_wake(o.co, 99);   /* a second wake of a woken coroutine is ignored */
    core_coro_cancel(h);        /* so is a cancel that arrives after the wake */
    assert_int_equal(core_coro_join(co, h, -1, NULL), 0);
    assert_int_equal(w.rc, 1234);
    assert_int_equal(o.aborts, 0);

    /* deadline: abort is called once with -ETIMEDOUT */
    w.deadline = core_deadline_in(10);
    assert_int_equal(core_group_spawn(g, parks, &w, &h), 0);
    assert_int_equal(core_coro_join(co, h, -1, NULL), 0);
    assert_int_equal(w.rc, -ETIMEDOUT);
    assert_int_equal(o.aborts, 1);
    assert_int_equal(o.reason, -ETIMEDOUT);

    /* an operation that cannot be aborted keeps the coroutine until it completes */
    o.aborts = 0;
    o.abortable = false;
    w.deadline = -1;
    assert_int_equal(core_group_spawn(g, parks, &w, &h), 0);
    assert_int_equal(core_coro_yield(co), 0);
    core_coro_cancel(h);
    for (i = 0; i < 5; i++)
        assert_int_equal(core_coro_yield(co), 0);
    assert_false(core_coro_is_done(h));
    assert_int_equal(o.aborts, 1);
    assert_int_equal(o.reason, -ECANCELED);
    core_coro_wake(o.co, 5);
    assert_int_equal(core_coro_join(co, h, -1, NULL), 0);
    assert_int_equal(w.rc, 5);
    core_group_destroy(g);
    return 0;
}

static void test_coro_park_ends_exactly_once(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(park_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* --- wait_for ----------------------------------------------------------------------------- */

static int two_sleeps(struct core_coro *co, void *arg)
{
    int *count = arg;
    int rc = core_sleep(co, core_deadline_in(10));

    if (rc == 0)
        (*count)++;
    rc = core_sleep(co, core_deadline_in(10000));
    return rc;
}

static int inner_short(struct core_coro *co, void *arg)
{
    (void)arg;
    return core_sleep(co, core_deadline_in(10000));
}

static int nested_scopes(struct core_coro *co, void *arg)
{
    (void)arg;
    /* an inner, later deadline cannot extend the outer one */
    return core_wait_for(co, core_deadline_in(10000), inner_short, NULL);
}

static int wait_for_body(struct core_coro *co, void *arg)
{
    int count = 0;

    (void)arg;
    assert_int_equal(core_wait_for(co, core_deadline_in(40), two_sleeps, &count), -ETIMEDOUT);
    assert_int_equal(count, 1);
    /* -ETIMEDOUT, not the 0 of a 10 s sleep run to its end: the outer deadline ended it */
    assert_int_equal(core_wait_for(co, core_deadline_in(20), nested_scopes, NULL), -ETIMEDOUT);
    /* the scope is gone afterwards */
    assert_int_equal(core_sleep(co, core_deadline_in(5)), 0);
    return 0;
}

static void test_coro_wait_for_bounds_every_wait_inside(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(wait_for_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* --- gather ------------------------------------------------------------------------------- */

static int gather_body(struct core_coro *co, void *arg)
{
    struct core_group *g = mkgroup(co);
    struct core_coro *hs[5];
    int results[5], i;

    (void)arg;
    for (i = 0; i < 5; i++)
        assert_int_equal(core_group_spawn(g, returns_arg, (void *)(intptr_t)(i - 2), &hs[i]), 0);
    assert_int_equal(core_gather(co, hs, 5, results, -1), 0);
    for (i = 0; i < 5; i++)
        assert_int_equal(results[i], i - 2);
    assert_int_equal(core_group_error(g), -2); /* the first failure is kept */
    core_group_destroy(g);
    return 0;
}

static void test_coro_gather_collects_results_and_errors(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(gather_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* --- deadlock detection ------------------------------------------------------------------- */

static int forever(struct core_coro *co, void *arg)
{
    (void)arg;
    return core_coro_park(co, -1, NULL, NULL);
}

static void test_coro_loop_reports_deadlock(void **state)
{
    struct core_loop *loop;
    struct core_group *g;

    (void)state;
    assert_int_equal(core_loop_create(&loop), 0);
    assert_int_equal(core_group_create(loop, 0, &g), 0);
    assert_int_equal(core_group_spawn(g, forever, NULL, NULL), 0);
    assert_int_equal(core_loop_run(loop), CORE_EDEADLK);
    core_group_destroy(g); /* cancels it: the park ends and the coroutine returns */
    assert_int_equal(core_loop_run(loop), 0);
    core_loop_destroy(loop);
}

/* --- stacks ------------------------------------------------------------------------------- */

static int use_stack(struct core_coro *co, void *arg)
{
    volatile char big[100 * 1024];
    size_t i;

    (void)co;
    (void)arg;
    for (i = 0; i < sizeof(big); i += 512)
        big[i] = (char)i;
    return big[512];
}

static int stacks_body(struct core_coro *co, void *arg)
{
    struct core_group *g = mkgroup(co);
    int i;

    (void)arg;
    /* Stacks are reused through the cache; 1000 coroutines that each touch 100 KiB. */
    for (i = 0; i < 1000; i++)
        assert_int_equal(core_group_spawn(g, use_stack, NULL, NULL), 0);
    assert_int_equal(core_group_wait(co, g, -1), 0);
    core_group_destroy(g);
    return 0;
}

static void test_coro_default_stack_holds_100k_frames(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(stacks_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int recurse(int n)
{
    volatile char pad[1024];

    pad[0] = (char)n;
    return n <= 0 ? pad[0] : recurse(n - 1) + pad[0];
}

static int overflow(struct core_coro *co, void *arg)
{
    (void)co;
    (void)arg;
    return recurse(1 << 20); /* about 1 GiB of frames: far past any stack */
}

static void run_overflow(void)
{
    struct core_loop *loop;
    struct core_group *g;

    if (core_loop_create(&loop) != 0 || core_group_create(loop, 64 * 1024, &g) != 0)
        _exit(3);
    if (core_group_spawn(g, overflow, NULL, NULL) != 0)
        _exit(3);
    core_loop_run(loop);
    _exit(0); /* reaching this means the overflow went unnoticed */
}

static void test_coro_stack_overflow_dies_loudly(void **state)
{
    int status = 0, fds[2];
    char msg[4096] = {0};
    ssize_t n, got = 0;
    pid_t pid;

    (void)state;
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* A fresh process image: cmocka's own SIGSEGV handler must not be in the way. */
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        execl("/proc/self/exe", "test_core_coro", "--overflow-child", (char *)NULL);
        _exit(3);
    }
    close(fds[1]);
    for (;;) { /* keep the first 4 KiB, drain the rest so the child never sees EPIPE */
        char sink[4096];
        size_t room = sizeof(msg) - 1 - (size_t)got;

        n = room ? read(fds[0], msg + got, room) : read(fds[0], sink, sizeof(sink));
        if (n <= 0)
            break;
        if (room)
            got += n;
    }
    close(fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    /* Killed by the fault (plain build) or stopped by ASan's report: never a normal exit. */
    assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 3);
    if (WIFSIGNALED(status))
        assert_int_equal(WTERMSIG(status), SIGSEGV);
    if (!strstr(msg, "stack overflow") && !strstr(msg, "stack-overflow") && !strstr(msg, "SEGV"))
        fail_msg("no overflow report; the child said: %s", msg);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coro_result_comes_back_through_join),
        cmocka_unit_test(test_coro_join_times_out_and_handle_stays_valid),
        cmocka_unit_test(test_coro_yield_runs_ready_coroutines_in_fifo_order),
        cmocka_unit_test(test_coro_sleepers_wake_in_deadline_order),
        cmocka_unit_test(test_coro_cancel_ends_current_and_later_waits),
        cmocka_unit_test(test_coro_cancel_before_first_run),
        cmocka_unit_test(test_coro_shield_defers_cancellation),
        cmocka_unit_test(test_coro_park_ends_exactly_once),
        cmocka_unit_test(test_coro_wait_for_bounds_every_wait_inside),
        cmocka_unit_test(test_coro_gather_collects_results_and_errors),
        cmocka_unit_test(test_coro_loop_reports_deadlock),
        cmocka_unit_test(test_coro_default_stack_holds_100k_frames),
        cmocka_unit_test(test_coro_stack_overflow_dies_loudly),
    };

    if (argc > 1 && strcmp(argv[1], "--overflow-child") == 0)
        run_overflow();
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
