/* tests/test_core_queue.c: asyncio queue semantics, rule by rule (see core/queue.h and
 * shared/reference/queue-semantics.md; the bracketed ids there are noted per test). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/group.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/queue.h"
#include "tests/support/corotest.h"

#define ITEM(n) ((void *)(uintptr_t)(n))
#define NUM(p) ((int)(uintptr_t)(p))

static struct core_queue *mkq(struct core_coro *co, enum core_queue_kind kind, size_t maxsize)
{
    struct core_queue_opts o;
    struct core_queue *q;

    core_queue_opts_init(&o, kind, maxsize);
    assert_int_equal(core_queue_create(core_coro_loop(co), &o, &q), 0);
    return q;
}

static struct core_group *mkgroup(struct core_coro *co)
{
    struct core_group *g;

    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    return g;
}

/* Let every ready coroutine run until nothing more happens. */
static void settle(struct core_coro *co)
{
    int i;

    for (i = 0; i < 16; i++)
        assert_int_equal(core_coro_yield(co), 0);
}

/* A helper coroutine that gets one item (or an error) from a queue, then records it. */
struct getter {
    struct core_queue *q;
    int64_t deadline;
    int rc;
    void *item;
    int done;
    int rc_after;             /* result of one more wait after the get, when asked */
    int wait_again;
};

static int getter_body(struct core_coro *co, void *arg)
{
    struct getter *g = arg;

    g->rc = core_queue_get(co, g->q, &g->item, g->deadline);
    g->done = 1;
    if (g->wait_again)
        g->rc_after = core_sleep(co, core_deadline_in(1000));
    return 0;
}

struct putter {
    struct core_queue *q;
    void *item;
    int64_t deadline;
    int rc;
    int done;
};

static int putter_body(struct core_coro *co, void *arg)
{
    struct putter *p = arg;

    p->rc = core_queue_put(co, p->q, p->item, p->deadline);
    p->done = 1;
    return 0;
}

/* --- ordering [A1-A6] -------------------------------------------------------------------- */

static int fifo_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_FIFO, 0);
    void *it;
    int i;

    (void)arg;
    for (i = 1; i <= 5; i++)
        assert_int_equal(core_queue_put(co, q, ITEM(i), -1), 0);
    for (i = 1; i <= 5; i++) {
        assert_int_equal(core_queue_get(co, q, &it, -1), 0);
        assert_int_equal(NUM(it), i);
    }
    core_queue_destroy(q);
    return 0;
}

static void test_queue_fifo_order(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(fifo_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int lifo_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_LIFO, 0);
    void *it;
    int i;

    (void)arg;
    for (i = 1; i <= 5; i++)
        assert_int_equal(core_queue_put(co, q, ITEM(i), -1), 0);
    for (i = 5; i >= 1; i--) {
        assert_int_equal(core_queue_get(co, q, &it, -1), 0);
        assert_int_equal(NUM(it), i);
    }
    core_queue_destroy(q);
    return 0;
}

static void test_queue_lifo_order(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(lifo_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int prio_ties_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_PRIO, 0);
    /* (priority, item): equal priorities must come out in insertion order */
    static const int in[][2] = {{2, 20}, {1, 10}, {1, 11}, {3, 30}, {1, 12}, {2, 21}, {0, 1}};
    static const int out[] = {1, 10, 11, 12, 20, 21, 30};
    void *it;
    size_t i;

    (void)arg;
    for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
        assert_int_equal(core_queue_put_prio(co, q, ITEM(in[i][1]), in[i][0], -1), 0);
    for (i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
        assert_int_equal(core_queue_get(co, q, &it, -1), 0);
        assert_int_equal(NUM(it), out[i]);
    }
    core_queue_destroy(q);
    return 0;
}

static void test_queue_prio_ties_in_insertion_order(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(prio_ties_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int prio_random_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_PRIO, 0);
    int prio[1000], last_prio = -1, last_idx = -1, i;
    void *it;

    (void)arg;
    srand(42);
    for (i = 0; i < 1000; i++) {
        prio[i] = rand() % 50; /* many ties */
        assert_int_equal(core_queue_put_prio_nowait(q, ITEM(i), prio[i]), 0);
    }
    for (i = 0; i < 1000; i++) {
        int idx;

        assert_int_equal(core_queue_get_nowait(q, &it), 0);
        idx = NUM(it);
        assert_true(prio[idx] >= last_prio);
        if (prio[idx] == last_prio)
            assert_true(idx > last_idx); /* stable: insertion order within a priority */
        last_prio = prio[idx];
        last_idx = idx;
    }
    assert_int_equal(core_queue_get_nowait(q, &it), CORE_EEMPTY);
    core_queue_destroy(q);
    return 0;
}

static void test_queue_prio_1000_random_sorted_and_stable(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(prio_random_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* The ring buffer wraps and grows: FIFO order survives growth with a wrapped head. */
static int ring_wrap_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_FIFO, 0);
    int next_in = 0, next_out = 0, round;
    void *it;

    (void)arg;
    for (round = 0; round < 200; round++) {
        int n_in = 1 + (round * 7) % 23, n_out = 1 + (round * 5) % 19, i;

        for (i = 0; i < n_in; i++)
            assert_int_equal(core_queue_put_nowait(q, ITEM(next_in++)), 0);
        for (i = 0; i < n_out && core_queue_get_nowait(q, &it) == 0; i++)
            assert_int_equal(NUM(it), next_out++);
    }
    while (core_queue_get_nowait(q, &it) == 0)
        assert_int_equal(NUM(it), next_out++);
    assert_int_equal(next_out, next_in);
    core_queue_destroy(q);
    return 0;
}

static void test_queue_fifo_survives_wraparound_and_growth(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(ring_wrap_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* --- capacity and nowait errors [1.1-1.3, 3.1-3.4] --------------------------------------- */

static int unbounded_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_FIFO, 0);
    int i;

    (void)arg;
    for (i = 0; i < 10000; i++)
        assert_int_equal(core_queue_put_nowait(q, ITEM(i)), 0);
    assert_false(core_queue_is_full(q));
    assert_int_equal(core_queue_size(q), 10000);
    assert_int_equal(core_queue_maxsize(q), 0);
    core_queue_destroy(q);
    return 0;
}

static void test_queue_unbounded_is_never_full(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(unbounded_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int nowait_errors_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_FIFO, 2);
    struct core_queue_stats st;
    void *it = ITEM(99);

    (void)arg;
    assert_true(core_queue_is_empty(q));
    assert_int_equal(core_queue_get_nowait(q, &it), CORE_EEMPTY);
    assert_int_equal(NUM(it), 99); /* untouched on failure */
    assert_int_equal(core_queue_put_nowait(q, ITEM(1)), 0);
    assert_false(core_queue_is_full(q));
    assert_int_equal(core_queue_put_nowait(q, ITEM(2)), 0);
    assert_true(core_queue_is_full(q));
    assert_int_equal(core_queue_put_nowait(q, ITEM(3)), CORE_EFULL);
    assert_int_equal(core_queue_size(q), 2);
    core_queue_stats(q, &st);
    assert_int_equal(st.unfinished, 2); /* the failed put did not count */
    assert_int_equal(st.puts, 2);
    assert_true(CORE_EFULL != CORE_EEMPTY);
    core_queue_destroy(q);
    return 0;
}

static void test_queue_nowait_full_and_empty_errors(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(nowait_errors_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* The ready path neither suspends nor checks for cancellation [4.5]. */
static int ready_path_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_FIFO, 4);
    struct core_loop_stats before, after;
    void *it;

    (void)arg;
    core_loop_stats(core_coro_loop(co), &before);
    assert_int_equal(core_queue_put(co, q, ITEM(1), -1), 0);
    core_coro_cancel(co);
    assert_int_equal(core_queue_put(co, q, ITEM(2), -1), 0);
    assert_int_equal(core_queue_get(co, q, &it, -1), 0);
    assert_int_equal(core_queue_get(co, q, &it, -1), 0);
    core_loop_stats(core_coro_loop(co), &after);
    assert_int_equal(after.switches, before.switches);
    /* The next wait that would suspend sees the cancel. */
    assert_int_equal(core_queue_get(co, q, &it, -1), -ECANCELED);
    core_queue_destroy(q);
    return 0;
}

static void test_queue_ready_path_does_not_suspend(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(ready_path_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* --- blocking and FIFO wake-ups [4.1-4.4] ------------------------------------------------ */

static int backpressure_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_FIFO, 1);
    struct core_group *g = mkgroup(co);
    struct putter p = {q, ITEM(2), -1, 1, 0};
    void *it;

    (void)arg;
    assert_int_equal(core_queue_put(co, q, ITEM(1), -1), 0);
    assert_int_equal(core_group_spawn(g, putter_body, &p, NULL), 0);
    settle(co);
    assert_false(p.done);              /* full: the putter waits */
    assert_int_equal(core_queue_get(co, q, &it, -1), 0);
    assert_int_equal(NUM(it), 1);
    assert_int_equal(core_queue_size(q), 1); /* its item moved in at once (hand-off) */
    settle(co);
    assert_true(p.done);
    assert_int_equal(p.rc, 0);
    assert_int_equal(core_queue_get(co, q, &it, -1), 0);
    assert_int_equal(NUM(it), 2);
    core_group_destroy(g);
    core_queue_destroy(q);
    return 0;
}

static void test_queue_put_waits_while_full(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(backpressure_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int getters_fifo_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_FIFO, 0);
    struct core_group *g = mkgroup(co);
    struct getter gs[3] = {{q, -1, 1, NULL, 0, 0, 0}, {q, -1, 1, NULL, 0, 0, 0},
                           {q, -1, 1, NULL, 0, 0, 0}};
    int i;

    (void)arg;
    for (i = 0; i < 3; i++) {
        assert_int_equal(core_group_spawn(g, getter_body, &gs[i], NULL), 0);
        settle(co); /* g1 parks before g2, before g3 */
    }
    assert_false(gs[0].done);
    for (i = 1; i <= 3; i++)
        assert_int_equal(core_queue_put(co, q, ITEM(i), -1), 0);
    settle(co);
    for (i = 0; i < 3; i++) {
        assert_true(gs[i].done);
        assert_int_equal(gs[i].rc, 0);
        assert_int_equal(NUM(gs[i].item), i + 1); /* [B2] */
    }
    core_group_destroy(g);
    core_queue_destroy(q);
    return 0;
}

static void test_queue_waiting_getters_served_in_fifo_order(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(getters_fifo_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int putters_fifo_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_FIFO, 1);
    struct core_group *g = mkgroup(co);
    struct putter ps[3] = {{q, ITEM(1), -1, 1, 0}, {q, ITEM(2), -1, 1, 0},
                           {q, ITEM(3), -1, 1, 0}};
    void *it;
    int i;

    (void)arg;
    assert_int_equal(core_queue_put(co, q, ITEM(0), -1), 0);
    for (i = 0; i < 3; i++) {
        assert_int_equal(core_group_spawn(g, putter_body, &ps[i], NULL), 0);
        settle(co);
    }
    for (i = 0; i <= 3; i++) {
        assert_int_equal(core_queue_get(co, q, &it, -1), 0);
        assert_int_equal(NUM(it), i); /* [B1] */
    }
    settle(co);
    for (i = 0; i < 3; i++)
        assert_true(ps[i].done && ps[i].rc == 0);
    core_group_destroy(g);
    core_queue_destroy(q);
    return 0;
}

static void test_queue_waiting_putters_served_in_fifo_order(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(putters_fifo_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* [B4] gh-83055: in asyncio a put_nowait can barge past a woken putter. Not here. */
static int no_barging_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_FIFO, 1);
    struct core_group *g = mkgroup(co);
    struct putter p = {q, ITEM('b'), -1, 1, 0};
    void *it;

    (void)arg;
    assert_int_equal(core_queue_put(co, q, ITEM('a'), -1), 0);
    assert_int_equal(core_group_spawn(g, putter_body, &p, NULL), 0);
    settle(co);
    assert_int_equal(core_queue_get_nowait(q, &it), 0);
    assert_int_equal(NUM(it), 'a');
    assert_int_equal(core_queue_put_nowait(q, ITEM('c')), CORE_EFULL); /* 'b' has the slot */
    assert_int_equal(core_queue_get_nowait(q, &it), 0);
    assert_int_equal(NUM(it), 'b');
    settle(co);
    core_group_destroy(g);
    core_queue_destroy(q);
    return 0;
}

static void test_queue_woken_putter_keeps_its_turn(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(no_barging_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* --- task_done / join [7.1-7.5] ---------------------------------------------------------- */

static int task_done_too_many_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_FIFO, 0);
    struct core_queue_stats st;
    void *it;

    (void)arg;
    assert_int_equal(core_queue_task_done(q), CORE_ETASKDONE); /* [D1] */
    assert_int_equal(core_queue_put(co, q, ITEM(1), -1), 0);
    assert_int_equal(core_queue_get(co, q, &it, -1), 0);
    assert_int_equal(core_queue_task_done(q), 0);
    assert_int_equal(core_queue_task_done(q), CORE_ETASKDONE);
    core_queue_stats(q, &st);
    assert_int_equal(st.unfinished, 0); /* unchanged by the failed call */
    core_queue_destroy(q);
    return 0;
}

static void test_queue_task_done_too_many_times_fails(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(task_done_too_many_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

struct joiner {
    struct core_queue *q;
    int64_t deadline;
    int rc;
    int done;
};

static int joiner_body(struct core_coro *co, void *arg)
{
    struct joiner *j = arg;

    j->rc = core_queue_join(co, j->q, j->deadline);
    j->done = 1;
    return 0;
}

static int join_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_FIFO, 0);
    struct core_group *g = mkgroup(co);
    struct joiner js[3] = {{q, -1, 1, 0}, {q, -1, 1, 0}, {q, -1, 1, 0}};
    void *it;
    int i;

    (void)arg;
    assert_int_equal(core_queue_join(co, q, -1), 0); /* [D2] never used: at once */
    assert_int_equal(core_queue_put(co, q, ITEM(1), -1), 0);
    assert_int_equal(core_queue_put(co, q, ITEM(2), -1), 0);
    for (i = 0; i < 3; i++)
        assert_int_equal(core_group_spawn(g, joiner_body, &js[i], NULL), 0);
    settle(co);
    assert_int_equal(core_queue_get(co, q, &it, -1), 0);
    assert_int_equal(core_queue_get(co, q, &it, -1), 0);
    settle(co);
    assert_false(js[0].done); /* [D4] empty, but items not acknowledged */
    assert_int_equal(core_queue_task_done(q), 0);
    settle(co);
    assert_false(js[0].done);
    assert_int_equal(core_queue_task_done(q), 0);
    settle(co);
    for (i = 0; i < 3; i++) /* [D3] every joiner wakes */
        assert_true(js[i].done && js[i].rc == 0);
    /* A put after the count reached 0 re-arms join. */
    assert_int_equal(core_queue_put(co, q, ITEM(3), -1), 0);
    assert_int_equal(core_queue_join(co, q, core_now_ms()), -ETIMEDOUT);
    core_group_destroy(g);
    core_queue_destroy(q);
    return 0;
}

static void test_queue_join_waits_for_every_task_done(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(join_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* --- shutdown [8.1-8.5] ------------------------------------------------------------------ */

static int shutdown_graceful_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_FIFO, 2);
    struct core_queue_stats st;
    void *it;

    (void)arg;
    assert_int_equal(core_queue_put(co, q, ITEM(1), -1), 0);
    assert_int_equal(core_queue_put(co, q, ITEM(2), -1), 0);
    core_queue_shutdown(q, false);
    assert_true(core_queue_is_shutdown(q));
    assert_int_equal(core_queue_put(co, q, ITEM(3), -1), -EPIPE);
    assert_int_equal(core_queue_put_nowait(q, ITEM(3)), -EPIPE); /* [E2] not EFULL */
    assert_int_equal(core_queue_get(co, q, &it, -1), 0);
    assert_int_equal(NUM(it), 1);
    assert_int_equal(core_queue_get_nowait(q, &it), 0);
    assert_int_equal(NUM(it), 2);
    assert_int_equal(core_queue_get(co, q, &it, -1), -EPIPE);
    assert_int_equal(core_queue_get_nowait(q, &it), -EPIPE); /* [E3] not EEMPTY */
    core_queue_stats(q, &st);
    assert_int_equal(st.unfinished, 2); /* [E1] join still needs the task_dones */
    assert_int_equal(core_queue_task_done(q), 0);
    assert_int_equal(core_queue_task_done(q), 0);
    assert_int_equal(core_queue_join(co, q, -1), 0);
    core_queue_destroy(q);
    return 0;
}

static void test_queue_graceful_shutdown_fails_puts_and_drains_gets(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(shutdown_graceful_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int shutdown_wakes_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_FIFO, 1);
    struct core_queue *q2 = mkq(co, CORE_QUEUE_FIFO, 1);
    struct core_group *g = mkgroup(co);
    struct getter gt[2] = {{q, -1, 1, NULL, 0, 0, 0}, {q, -1, 1, NULL, 0, 0, 0}};
    struct putter pt[2] = {{q2, ITEM(5), -1, 1, 0}, {q2, ITEM(6), -1, 1, 0}};
    struct joiner j = {q2, -1, 1, 0};
    void *it;
    int i;

    (void)arg;
    assert_int_equal(core_queue_put(co, q2, ITEM(4), -1), 0);
    for (i = 0; i < 2; i++) {
        assert_int_equal(core_group_spawn(g, getter_body, &gt[i], NULL), 0);
        assert_int_equal(core_group_spawn(g, putter_body, &pt[i], NULL), 0);
    }
    assert_int_equal(core_group_spawn(g, joiner_body, &j, NULL), 0);
    settle(co);
    core_queue_shutdown(q, false);  /* [F6 / gh-117531] blocked getters are released */
    core_queue_shutdown(q2, false);
    settle(co);
    for (i = 0; i < 2; i++) {
        assert_true(gt[i].done);
        assert_int_equal(gt[i].rc, -EPIPE);
        assert_true(pt[i].done);
        assert_int_equal(pt[i].rc, -EPIPE);
    }
    assert_false(j.done);                 /* [8.5] shutdown alone never wakes joiners */
    assert_int_equal(core_queue_size(q2), 1); /* the waiting putters' items were not added */
    assert_int_equal(core_queue_get(co, q2, &it, -1), 0);
    assert_int_equal(NUM(it), 4);
    assert_int_equal(core_queue_task_done(q2), 0);
    settle(co);
    assert_true(j.done);
    core_group_destroy(g);
    core_queue_destroy(q);
    core_queue_destroy(q2);
    return 0;
}

static void test_queue_shutdown_releases_waiting_getters_and_putters(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(shutdown_wakes_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

struct dropped {
    int n;
    int sum;
};

static void count_drop(void *item, void *arg)
{
    struct dropped *d = arg;

    d->n++;
    d->sum += NUM(item);
}

static int shutdown_immediate_body(struct core_coro *co, void *arg)
{
    struct core_queue_opts o;
    struct core_queue *q;
    struct core_group *g = mkgroup(co);
    struct dropped d = {0, 0};
    struct joiner j = {NULL, -1, 1, 0};
    struct core_queue_stats st;
    void *it;

    (void)arg;
    core_queue_opts_init(&o, CORE_QUEUE_FIFO, 0);
    o.drop = count_drop;
    o.drop_arg = &d;
    assert_int_equal(core_queue_create(core_coro_loop(co), &o, &q), 0);
    j.q = q;
    assert_int_equal(core_queue_put(co, q, ITEM(1), -1), 0);
    assert_int_equal(core_queue_put(co, q, ITEM(2), -1), 0);
    assert_int_equal(core_queue_put(co, q, ITEM(3), -1), 0);
    assert_int_equal(core_queue_get(co, q, &it, -1), 0); /* item 1 is in our hands */
    assert_int_equal(core_group_spawn(g, joiner_body, &j, NULL), 0);
    settle(co);
    core_queue_shutdown(q, false);
    core_queue_shutdown(q, true); /* [E5] escalation drains */
    assert_int_equal(d.n, 2);
    assert_int_equal(d.sum, 5);
    assert_int_equal(core_queue_size(q), 0);
    assert_int_equal(core_queue_get_nowait(q, &it), -EPIPE);
    core_queue_stats(q, &st);
    assert_int_equal(st.unfinished, 1); /* [E4] the item in hand still counts */
    settle(co);
    assert_false(j.done);
    assert_int_equal(core_queue_task_done(q), 0);
    settle(co);
    assert_true(j.done);
    assert_int_equal(j.rc, 0);
    assert_int_equal(core_queue_task_done(q), CORE_ETASKDONE);
    core_group_destroy(g);
    core_queue_destroy(q);
    return 0;
}

static void test_queue_immediate_shutdown_drops_items_and_releases_join(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(shutdown_immediate_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int destroy_drops_body(struct core_coro *co, void *arg)
{
    struct core_queue_opts o;
    struct core_queue *q;
    struct dropped d = {0, 0};
    int i;

    (void)arg;
    core_queue_opts_init(&o, CORE_QUEUE_PRIO, 0);
    o.drop = count_drop;
    o.drop_arg = &d;
    assert_int_equal(core_queue_create(core_coro_loop(co), &o, &q), 0);
    for (i = 1; i <= 10; i++)
        assert_int_equal(core_queue_put_prio(co, q, ITEM(i), 10 - i, -1), 0);
    core_queue_destroy(q);
    assert_int_equal(d.n, 10);
    assert_int_equal(d.sum, 55);
    return 0;
}

static void test_queue_destroy_drops_buffered_items(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(destroy_drops_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int senders_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_FIFO, 0);
    void *it;
    int n = 0;

    (void)arg;
    assert_int_equal(core_queue_close_sender(q), -EINVAL);
    core_queue_add_sender(q);
    core_queue_add_sender(q);
    assert_int_equal(core_queue_put(co, q, ITEM(1), -1), 0);
    assert_int_equal(core_queue_close_sender(q), 0);
    assert_false(core_queue_is_shutdown(q));
    assert_int_equal(core_queue_put(co, q, ITEM(2), -1), 0);
    assert_int_equal(core_queue_close_sender(q), 0);
    assert_true(core_queue_is_shutdown(q));
    while (core_queue_get(co, q, &it, -1) == 0) /* no sentinels needed */
        n++;
    assert_int_equal(n, 2);
    core_queue_destroy(q);
    return 0;
}

static void test_queue_last_sender_close_shuts_down(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(senders_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* --- cancellation [5.1-5.4] -------------------------------------------------------------- */

/* [C1, C4] a getter cancelled while waiting takes nothing and leaves no waiter behind. */
static int cancel_waiting_get_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_FIFO, 0);
    struct core_group *g = mkgroup(co);
    struct getter a = {q, -1, 1, NULL, 0, 0, 0}, b = {q, -1, 1, NULL, 0, 0, 0};
    struct core_coro *ha;
    struct core_queue_stats st;
    int res;

    (void)arg;
    assert_int_equal(core_group_spawn(g, getter_body, &a, &ha), 0);
    assert_int_equal(core_group_spawn(g, getter_body, &b, NULL), 0);
    settle(co);
    core_coro_cancel(ha);
    assert_int_equal(core_coro_join(co, ha, -1, &res), 0);
    assert_int_equal(a.rc, -ECANCELED);
    core_queue_stats(q, &st);
    assert_int_equal(st.getters, 1);
    assert_int_equal(core_queue_put(co, q, ITEM(7), -1), 0);
    settle(co);
    assert_true(b.done);
    assert_int_equal(b.rc, 0);
    assert_int_equal(NUM(b.item), 7); /* not lost to the cancelled getter */
    core_queue_stats(q, &st);
    assert_int_equal(st.getters, 0);
    assert_int_equal(st.unfinished, 1); /* a cancelled get never touches the count [5.4] */
    core_group_destroy(g);
    core_queue_destroy(q);
    return 0;
}

static void test_queue_cancelled_waiting_get_loses_no_item(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(cancel_waiting_get_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* [C2 / python/asyncio#265] a getter woken with an item and cancelled before it runs: the
 * item is its (hand-off completed), the cancel arrives at its next wait, and the second
 * getter still receives the next item: no wake-up is swallowed. */
static int cancel_after_wake_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_FIFO, 0);
    struct core_group *g = mkgroup(co);
    struct getter a = {q, -1, 1, NULL, 0, 0, 1}, b = {q, -1, 1, NULL, 0, 0, 0};
    struct core_coro *ha;

    (void)arg;
    assert_int_equal(core_group_spawn(g, getter_body, &a, &ha), 0);
    assert_int_equal(core_group_spawn(g, getter_body, &b, NULL), 0);
    settle(co);
    assert_int_equal(core_queue_put_nowait(q, ITEM(1)), 0); /* handed to a */
    core_coro_cancel(ha);                                    /* before a has run */
    assert_int_equal(core_queue_put_nowait(q, ITEM(2)), 0); /* handed to b */
    settle(co);
    assert_int_equal(a.rc, 0);
    assert_int_equal(NUM(a.item), 1);
    assert_int_equal(a.rc_after, -ECANCELED);
    assert_int_equal(b.rc, 0);
    assert_int_equal(NUM(b.item), 2);
    assert_int_equal(core_queue_size(q), 0);
    assert_int_equal(core_coro_join(co, ha, -1, NULL), 0);
    core_group_destroy(g);
    core_queue_destroy(q);
    return 0;
}

static void test_queue_getter_cancelled_after_wake_keeps_item_and_wakeup(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(cancel_after_wake_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* [C3, C5] a putter cancelled while waiting: its item is not enqueued, no putter remains,
 * and the next waiting putter gets the slot. */
static int cancel_waiting_put_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_FIFO, 1);
    struct core_group *g = mkgroup(co);
    struct putter a = {q, ITEM(2), -1, 1, 0}, b = {q, ITEM(3), -1, 1, 0};
    struct core_coro *ha;
    struct core_queue_stats st;
    void *it;

    (void)arg;
    assert_int_equal(core_queue_put(co, q, ITEM(1), -1), 0);
    assert_int_equal(core_group_spawn(g, putter_body, &a, &ha), 0);
    assert_int_equal(core_group_spawn(g, putter_body, &b, NULL), 0);
    settle(co);
    core_coro_cancel(ha);
    settle(co);
    assert_int_equal(a.rc, -ECANCELED);
    core_queue_stats(q, &st);
    assert_int_equal(st.putters, 1);
    assert_int_equal(st.unfinished, 1);
    assert_int_equal(core_queue_get(co, q, &it, -1), 0);
    assert_int_equal(NUM(it), 1);
    assert_int_equal(core_queue_get(co, q, &it, -1), 0);
    assert_int_equal(NUM(it), 3); /* 2 was never enqueued */
    assert_int_equal(core_queue_get_nowait(q, &it), CORE_EEMPTY);
    settle(co);
    assert_int_equal(b.rc, 0);
    assert_int_equal(core_coro_join(co, ha, -1, NULL), 0);
    core_group_destroy(g);
    core_queue_destroy(q);
    return 0;
}

static void test_queue_cancelled_waiting_put_is_not_enqueued(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(cancel_waiting_put_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* --- deadlines [6.1-6.2] ----------------------------------------------------------------- */

static int timeouts_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_FIFO, 1);
    struct core_group *g = mkgroup(co);
    struct putter late = {q, ITEM(9), -1, 1, 0};
    struct core_queue_stats st;
    int64_t t0;
    void *it;

    (void)arg;
    t0 = core_now_ms();
    assert_int_equal(core_queue_get(co, q, &it, t0 + 50), -ETIMEDOUT); /* [F2] */
    assert_true(core_now_ms() - t0 >= 50);
    assert_int_equal(core_queue_get(co, q, &it, 0), -ETIMEDOUT); /* past deadline: no wait */
    assert_int_equal(core_queue_put(co, q, ITEM(1), 0), 0);       /* ready path ignores it */
    t0 = core_now_ms();
    assert_int_equal(core_queue_put(co, q, ITEM(2), t0 + 50), -ETIMEDOUT); /* [F1] */
    assert_true(core_now_ms() - t0 >= 50);
    core_queue_stats(q, &st);
    assert_int_equal(st.getters + st.putters, 0); /* [C4, C5] no waiter left behind */
    assert_int_equal(st.size, 1);
    assert_int_equal(core_queue_get(co, q, &it, -1), 0);
    /* Not firing: the item arrives well before the deadline. */
    assert_int_equal(core_group_spawn(g, putter_body, &late, NULL), 0);
    assert_int_equal(core_queue_get(co, q, &it, core_deadline_in(60000)), 0);
    assert_int_equal(NUM(it), 9);
    core_group_destroy(g);
    core_queue_destroy(q);
    return 0;
}

static void test_queue_get_and_put_deadlines_fire_and_do_not_fire(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(timeouts_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int scoped_get(struct core_coro *co, void *arg)
{
    void *it;

    return core_queue_get(co, arg, &it, -1);
}

static int wait_for_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_FIFO, 0);
    struct core_queue_stats st;

    (void)arg;
    assert_int_equal(core_wait_for(co, core_deadline_in(30), scoped_get, q), -ETIMEDOUT);
    core_queue_stats(q, &st);
    assert_int_equal(st.getters, 0);
    assert_int_equal(core_queue_put(co, q, ITEM(1), -1), 0);
    assert_int_equal(core_wait_for(co, core_deadline_in(30), scoped_get, q), 0);
    core_queue_destroy(q);
    return 0;
}

static void test_queue_wait_for_bounds_a_get_without_deadline(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(wait_for_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* A deadline that fires after the hand-off has completed changes nothing. */
static int deadline_after_handoff_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_FIFO, 0);
    struct core_group *g = mkgroup(co);
    struct getter a = {q, 0, 1, NULL, 0, 0, 0};
    int64_t put_at;

    (void)arg;
    a.deadline = core_deadline_in(200);
    assert_int_equal(core_group_spawn(g, getter_body, &a, NULL), 0);
    settle(co);
    put_at = core_now_ms();
    assert_int_equal(core_queue_put_nowait(q, ITEM(5)), 0);
    assert_int_equal(core_sleep(co, a.deadline + 20), 0);
    assert_true(a.done);
    if (put_at >= a.deadline) {
        /* a loaded machine got to the put after the deadline: the get timed out first */
        assert_int_equal(a.rc, -ETIMEDOUT);
    } else {
        assert_int_equal(a.rc, 0);
        assert_int_equal(NUM(a.item), 5);
    }
    core_group_destroy(g);
    core_queue_destroy(q);
    return 0;
}

static void test_queue_deadline_after_handoff_keeps_item(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(deadline_after_handoff_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* --- allocation failure ------------------------------------------------------------------ */

static int enomem_body(struct core_coro *co, void *arg)
{
    struct core_queue *q = mkq(co, CORE_QUEUE_PRIO, 0);
    struct core_queue_stats st;
    void *it;
    int i;

    (void)arg;
    core_mem_fail_after(0); /* the first buffer allocation fails */
    assert_int_equal(core_queue_put_nowait(q, ITEM(1)), -ENOMEM);
    core_queue_stats(q, &st);
    assert_int_equal(st.size + st.unfinished + st.puts, 0);
    for (i = 0; i < 16; i++)
        assert_int_equal(core_queue_put_nowait(q, ITEM(i)), 0);
    core_mem_fail_after(0); /* growth past 16 fails */
    assert_int_equal(core_queue_put(co, q, ITEM(99), -1), -ENOMEM);
    core_mem_fail_after(-1);
    assert_int_equal(core_queue_size(q), 16);
    for (i = 0; i < 16; i++) {
        assert_int_equal(core_queue_get_nowait(q, &it), 0);
        assert_int_equal(NUM(it), i);
    }
    core_queue_destroy(q);
    return 0;
}

static void test_queue_allocation_failure_changes_nothing(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(enomem_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue_fifo_order),
        cmocka_unit_test(test_queue_lifo_order),
        cmocka_unit_test(test_queue_prio_ties_in_insertion_order),
        cmocka_unit_test(test_queue_prio_1000_random_sorted_and_stable),
        cmocka_unit_test(test_queue_fifo_survives_wraparound_and_growth),
        cmocka_unit_test(test_queue_unbounded_is_never_full),
        cmocka_unit_test(test_queue_nowait_full_and_empty_errors),
        cmocka_unit_test(test_queue_ready_path_does_not_suspend),
        cmocka_unit_test(test_queue_put_waits_while_full),
        cmocka_unit_test(test_queue_waiting_getters_served_in_fifo_order),
        cmocka_unit_test(test_queue_waiting_putters_served_in_fifo_order),
        cmocka_unit_test(test_queue_woken_putter_keeps_its_turn),
        cmocka_unit_test(test_queue_task_done_too_many_times_fails),
        cmocka_unit_test(test_queue_join_waits_for_every_task_done),
        cmocka_unit_test(test_queue_graceful_shutdown_fails_puts_and_drains_gets),
        cmocka_unit_test(test_queue_shutdown_releases_waiting_getters_and_putters),
        cmocka_unit_test(test_queue_immediate_shutdown_drops_items_and_releases_join),
        cmocka_unit_test(test_queue_destroy_drops_buffered_items),
        cmocka_unit_test(test_queue_last_sender_close_shuts_down),
        cmocka_unit_test(test_queue_cancelled_waiting_get_loses_no_item),
        cmocka_unit_test(test_queue_getter_cancelled_after_wake_keeps_item_and_wakeup),
        cmocka_unit_test(test_queue_cancelled_waiting_put_is_not_enqueued),
        cmocka_unit_test(test_queue_get_and_put_deadlines_fire_and_do_not_fire),
        cmocka_unit_test(test_queue_wait_for_bounds_a_get_without_deadline),
        cmocka_unit_test(test_queue_deadline_after_handoff_keeps_item),
        cmocka_unit_test(test_queue_allocation_failure_changes_nothing),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
