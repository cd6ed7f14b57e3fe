/* tests/test_core_offload.c: work on the thread pool, awaited without blocking the loop. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/group.h"
#include "core/loop.h"
#include "core/offload.h"
#include "tests/support/corotest.h"

/* A job that takes ms, or (gate set) lasts until *gate reaches gate_at: the test decides when
 * it ends, by events rather than by how fast the machine is. */
struct job {
    int ms;
    atomic_int started;
    atomic_int finished;
    int value;
    const atomic_int *gate;
    int gate_at;
};

static int slow_job(void *arg)
{
    struct job *j = arg;

    atomic_store(&j->started, 1);
    if (j->gate) {
        while (atomic_load(j->gate) < j->gate_at)
            usleep(1000);
    } else {
        usleep((useconds_t)j->ms * 1000u);
    }
    j->value = 41;
    atomic_store(&j->finished, 1);
    return j->value + 1;
}

struct ticker {
    atomic_int ticks;
    int stop;
};

static int tick(struct core_coro *co, void *arg)
{
    struct ticker *t = arg;

    while (!t->stop) {
        if (core_sleep(co, core_deadline_in(5)) < 0)
            return 0;
        atomic_fetch_add(&t->ticks, 1);
    }
    return 0;
}

static int result_body(struct core_coro *co, void *arg)
{
    struct ticker t = {0, 0};
    /* the job lasts until the loop has ticked 5 times: it ends only if the loop kept running
     * other coroutines while it ran on a thread */
    struct job j = {0, 0, 0, 0, &t.ticks, 5};
    struct core_group *g;

    (void)arg;
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    assert_int_equal(core_group_spawn(g, tick, &t, NULL), 0);
    assert_int_equal(core_offload(co, slow_job, &j, -1), 42);
    t.stop = 1;
    assert_true(atomic_load(&t.ticks) >= 5);
    assert_int_equal(core_group_wait(co, g, -1), 0);
    core_group_destroy(g);
    return 0;
}

static void test_offload_returns_result_while_loop_keeps_running(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(result_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

struct offloader {
    struct job *j;
    int64_t deadline;
    int rc;
    int next_rc;
};

static int offloads(struct core_coro *co, void *arg)
{
    struct offloader *o = arg;

    o->rc = core_offload(co, slow_job, o->j, o->deadline);
    o->next_rc = core_sleep(co, core_deadline_in(1));
    return 0;
}

/* The pool has 2 threads (set in main): two jobs occupy it until the test lets them end, so a
 * third waits in libuv's queue and can be cancelled (or time out) before it starts. */
static int cancel_queued_body(struct core_coro *co, void *arg)
{
    atomic_int release = 0;
    struct job busy[2] = {{0, 0, 0, 0, &release, 1}, {0, 0, 0, 0, &release, 1}},
               queued = {0, 0, 0, 0, NULL, 0}, timed = {0, 0, 0, 0, NULL, 0};
    struct offloader ob[2] = {{&busy[0], -1, 1, 1}, {&busy[1], -1, 1, 1}};
    struct offloader oq = {&queued, -1, 1, 1}, ot = {&timed, 0, 1, 1};
    struct core_group *g;
    struct core_coro *hq, *ht;

    (void)arg;
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    assert_int_equal(core_group_spawn(g, offloads, &ob[0], NULL), 0);
    assert_int_equal(core_group_spawn(g, offloads, &ob[1], NULL), 0);
    while (!atomic_load(&busy[0].started) || !atomic_load(&busy[1].started))
        assert_int_equal(core_sleep(co, core_deadline_in(1)), 0);
    assert_int_equal(core_group_spawn(g, offloads, &oq, &hq), 0);
    ot.deadline = core_deadline_in(20);
    assert_int_equal(core_group_spawn(g, offloads, &ot, &ht), 0);
    assert_int_equal(core_coro_yield(co), 0);
    core_coro_cancel(hq);
    assert_int_equal(core_coro_join(co, hq, -1, NULL), 0);
    assert_int_equal(oq.rc, -ECANCELED);
    assert_int_equal(core_coro_join(co, ht, -1, NULL), 0);
    assert_int_equal(ot.rc, -ETIMEDOUT);
    atomic_store(&release, 1);
    assert_int_equal(core_group_wait(co, g, -1), 0);
    assert_false(atomic_load(&queued.started)); /* never ran */
    assert_false(atomic_load(&timed.started));
    assert_int_equal(ob[0].rc, 42);
    assert_int_equal(ob[1].rc, 42);
    core_group_destroy(g);
    return 0;
}

static void test_offload_cancel_or_deadline_before_start_skips_the_work(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(cancel_queued_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int cancel_running_body(struct core_coro *co, void *arg)
{
    struct job j = {100, 0, 0, 0, NULL, 0};
    struct offloader o = {&j, -1, 1, 1};
    struct core_group *g;
    struct core_coro *h;

    (void)arg;
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    assert_int_equal(core_group_spawn(g, offloads, &o, &h), 0);
    while (!atomic_load(&j.started))
        assert_int_equal(core_sleep(co, core_deadline_in(1)), 0);
    core_coro_cancel(h);
    assert_int_equal(core_coro_join(co, h, -1, NULL), 0);
    assert_int_equal(o.rc, 42);            /* the work was done: its result stands */
    assert_int_equal(o.next_rc, -ECANCELED); /* and the cancel arrives at the next wait */
    assert_true(atomic_load(&j.finished));
    core_group_destroy(g);
    return 0;
}

static void test_offload_cancel_after_start_returns_the_result(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(cancel_running_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* A job whose argument lives on the member's stack: if the member were freed while the job
 * ran, ASan would report the job's writes. */
static int stack_arg_member(struct core_coro *co, void *arg)
{
    struct job j = {100, 0, 0, 0, NULL, 0};
    atomic_int **publish = arg;

    *publish = &j.started;
    return core_offload(co, slow_job, &j, -1);
}

static void test_offload_group_destroy_waits_for_running_work(void **state)
{
    struct core_loop *loop;
    struct core_group *g;
    atomic_int *started = NULL;

    (void)state;
    assert_int_equal(core_loop_create(&loop), 0);
    assert_int_equal(core_group_create(loop, 0, &g), 0);
    assert_int_equal(core_group_spawn(g, stack_arg_member, &started, NULL), 0);
    while (started == NULL || !atomic_load(started))
        uv_run(core_loop_uv(loop), UV_RUN_NOWAIT);
    core_group_destroy(g);     /* the member cannot stop: it is handed to the loop */
    core_loop_destroy(loop);   /* which waits for the job before freeing it */
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offload_returns_result_while_loop_keeps_running),
        cmocka_unit_test(test_offload_cancel_or_deadline_before_start_skips_the_work),
        cmocka_unit_test(test_offload_cancel_after_start_returns_the_result),
        cmocka_unit_test(test_offload_group_destroy_waits_for_running_work),
    };

    setenv("UV_THREADPOOL_SIZE", "2", 1); /* before libuv starts its pool */
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
