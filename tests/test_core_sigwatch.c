/* tests/test_core_sigwatch.c: SIGINT/SIGTERM become a two-stage stop request on the loop. */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/group.h"
#include "core/loop.h"
#include "core/sigwatch.h"
#include "tests/support/corotest.h"

struct seen {
    int calls;
    enum core_stop_level levels[4];
    int signums[4];
};

static void on_stop(enum core_stop_level level, int signum, void *arg)
{
    struct seen *s = arg;

    if (s->calls < 4) {
        s->levels[s->calls] = level;
        s->signums[s->calls] = signum;
    }
    s->calls++;
}

static int two_stage_body(struct core_coro *co, void *arg)
{
    struct core_sigwatch *w;
    struct seen s = {0, {0}, {0}};

    (void)arg;
    assert_int_equal(core_sigwatch_create(core_coro_loop(co), on_stop, &s, &w), 0);
    assert_int_equal(core_sigwatch_level(w), CORE_STOP_NONE);
    assert_int_equal(core_sigwatch_wait(co, w, core_deadline_in(5)), -ETIMEDOUT);
    raise(SIGINT); /* caught by libuv; delivered on the loop */
    assert_int_equal(core_sigwatch_wait(co, w, core_deadline_in(60000)), 0); /* a hang's bound */
    assert_int_equal(core_sigwatch_level(w), CORE_STOP_GRACEFUL);
    assert_int_equal(core_sigwatch_signum(w), SIGINT);
    raise(SIGTERM);
    while (core_sigwatch_level(w) != CORE_STOP_IMMEDIATE)
        assert_int_equal(core_sleep(co, core_deadline_in(1)), 0);
    assert_int_equal(s.calls, 2);
    assert_int_equal(s.levels[0], CORE_STOP_GRACEFUL);
    assert_int_equal(s.signums[0], SIGINT);
    assert_int_equal(s.levels[1], CORE_STOP_IMMEDIATE);
    assert_int_equal(s.signums[1], SIGTERM);
    core_sigwatch_destroy(w);
    return 0;
}

static void test_sigwatch_first_signal_graceful_second_immediate(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(two_stage_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int request_body(struct core_coro *co, void *arg)
{
    struct core_sigwatch *w;
    struct seen s = {0, {0}, {0}};

    (void)arg;
    assert_int_equal(core_sigwatch_create(core_coro_loop(co), on_stop, &s, &w), 0);
    core_sigwatch_request(w, CORE_STOP_GRACEFUL);
    assert_int_equal(core_sigwatch_wait(co, w, 0), 0);
    core_sigwatch_request(w, CORE_STOP_GRACEFUL); /* no change, no callback */
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.signums[0], 0);
    raise(SIGINT); /* a signal after a request escalates */
    while (core_sigwatch_level(w) != CORE_STOP_IMMEDIATE)
        assert_int_equal(core_sleep(co, core_deadline_in(1)), 0);
    assert_int_equal(s.calls, 2);
    core_sigwatch_destroy(w);
    return 0;
}

static void test_sigwatch_request_and_escalation(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(request_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* The watcher alone does not keep the loop running: corotest_run would hang otherwise. */
static int idle_body(struct core_coro *co, void *arg)
{
    struct core_sigwatch **out = arg;

    return core_sigwatch_create(core_coro_loop(co), NULL, NULL, out);
}

static void test_sigwatch_does_not_keep_loop_alive(void **state)
{
    struct core_loop *loop;
    struct core_group *g;
    struct core_sigwatch *w = NULL;

    (void)state;
    assert_int_equal(core_loop_create(&loop), 0);
    assert_int_equal(core_group_create(loop, 0, &g), 0);
    assert_int_equal(core_group_spawn(g, idle_body, &w, NULL), 0);
    assert_int_equal(core_loop_run(loop), 0); /* returns: nothing else to do */
    assert_non_null(w);
    core_sigwatch_destroy(w);
    core_group_destroy(g);
    core_loop_destroy(loop);
}

static int third_body(struct core_coro *co, void *arg)
{
    struct core_sigwatch *w;

    (void)arg;
    if (core_sigwatch_create(core_coro_loop(co), NULL, NULL, &w) != 0)
        _exit(3);
    raise(SIGINT);
    raise(SIGINT);
    core_sleep(co, core_deadline_in(50));
    raise(SIGINT);
    core_sleep(co, core_deadline_in(60000));
    _exit(0); /* the third signal should have killed us long before */
}

static void test_sigwatch_third_signal_kills(void **state)
{
    int status = 0;
    pid_t pid;

    (void)state;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct core_loop *loop;
        struct core_group *g;

        if (core_loop_create(&loop) != 0 || core_group_create(loop, 0, &g) != 0 ||
            core_group_spawn(g, third_body, NULL, NULL) != 0)
            _exit(3);
        core_loop_run(loop);
        _exit(4);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGINT);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigwatch_first_signal_graceful_second_immediate),
        cmocka_unit_test(test_sigwatch_request_and_escalation),
        cmocka_unit_test(test_sigwatch_does_not_keep_loop_alive),
        cmocka_unit_test(test_sigwatch_third_signal_kills),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
