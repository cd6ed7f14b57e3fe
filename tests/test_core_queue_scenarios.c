/* tests/test_core_queue_scenarios.c: the seeds' producer-consumer programs, ported to core, plus
 * a randomized stress test with cancellations and deadlines. Each checks exact accounting:
 * every item is handled exactly once. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/group.h"
#include "core/loop.h"
#include "core/queue.h"
#include "tests/support/corotest.h"

#define ITEM(n) ((void *)(uintptr_t)(n))
#define NUM(p) ((int)(uintptr_t)(p))

static uint32_t xorshift(uint32_t *s)
{
    uint32_t x = *s;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static struct core_queue *mkq(struct core_coro *co, enum core_queue_kind kind, size_t maxsize)
{
    struct core_queue_opts o;
    struct core_queue *q;

    core_queue_opts_init(&o, kind, maxsize);
    assert_int_equal(core_queue_create(core_coro_loop(co), &o, &q), 0);
    return q;
}

/* --- supermarket checkout: 20 customers, queue of 10, 3 cashiers ------------------------- */

struct market {
    struct core_queue *line;
    int served[20];
    int by_cashier[3];
    uint32_t rng;
};

struct cashier {
    struct market *m;
    int id;
};

static int cashier(struct core_coro *co, void *arg)
{
    struct cashier *c = arg;
    void *it;
    int rc;

    for (;;) {
        rc = core_queue_get(co, c->m->line, &it, -1);
        if (rc < 0)
            return rc; /* cancelled once the line is done */
        rc = core_sleep(co, core_deadline_in((int64_t)(xorshift(&c->m->rng) % 4)));
        c->m->served[NUM(it)]++;
        c->m->by_cashier[c->id]++;
        assert_int_equal(core_queue_task_done(c->m->line), 0);
        if (rc < 0)
            return rc;
    }
}

static int supermarket_body(struct core_coro *co, void *arg)
{
    struct market m;
    struct cashier cs[3];
    struct core_coro *hs[3];
    struct core_group *g;
    struct core_queue_stats st;
    int i, results[3];

    (void)arg;
    memset(&m, 0, sizeof(m));
    m.rng = 2463534242u;
    m.line = mkq(co, CORE_QUEUE_FIFO, 10);
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    for (i = 0; i < 3; i++) {
        cs[i] = (struct cashier){&m, i};
        assert_int_equal(core_group_spawn(g, cashier, &cs[i], &hs[i]), 0);
    }
    for (i = 0; i < 20; i++)
        assert_int_equal(core_queue_put(co, m.line, ITEM(i), -1), 0);
    assert_int_equal(core_queue_join(co, m.line, -1), 0);
    for (i = 0; i < 3; i++)
        core_coro_cancel(hs[i]);
    assert_int_equal(core_gather(co, hs, 3, results, -1), 0);
    for (i = 0; i < 3; i++) {
        assert_int_equal(results[i], -ECANCELED);
        assert_true(m.by_cashier[i] > 0); /* the work was shared */
    }
    for (i = 0; i < 20; i++)
        assert_int_equal(m.served[i], 1);
    core_queue_stats(m.line, &st);
    assert_true(st.high_water <= 10);
    assert_int_equal(st.unfinished, 0);
    core_group_destroy(g);
    core_queue_destroy(m.line);
    return 0;
}

static void test_scenario_supermarket_serves_every_customer_once(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(supermarket_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* --- producer/consumer with maxsize 3: the producer must wait ---------------------------- */

struct pc {
    struct core_queue *q;
    int produced;
    int consumed;
    int blocked_seen;
    size_t max_size_seen;
};

static int producer(struct core_coro *co, void *arg)
{
    struct pc *p = arg;
    int i, rc;

    for (i = 0; i < 30; i++) {
        if (core_queue_size(p->q) > p->max_size_seen)
            p->max_size_seen = core_queue_size(p->q);
        rc = core_queue_put(co, p->q, ITEM(i), -1);
        if (rc < 0)
            return rc;
        p->produced++;
    }
    core_queue_shutdown(p->q, false);
    return 0;
}

static int consumer(struct core_coro *co, void *arg)
{
    struct pc *p = arg;
    struct core_queue_stats st;
    void *it;

    for (;;) {
        core_queue_stats(p->q, &st);
        if (st.putters > 0)
            p->blocked_seen++;
        if (st.size > p->max_size_seen)
            p->max_size_seen = st.size;
        if (core_queue_get(co, p->q, &it, -1) != 0)
            return 0; /* shut down and drained */
        assert_int_equal(NUM(it), p->consumed);
        p->consumed++;
        assert_int_equal(core_sleep(co, core_deadline_in(1)), 0); /* slower than the producer */
    }
}

static int backpressure_body(struct core_coro *co, void *arg)
{
    struct pc p = {NULL, 0, 0, 0, 0};
    struct core_group *g;
    struct core_queue_stats st;

    (void)arg;
    p.q = mkq(co, CORE_QUEUE_FIFO, 3);
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    assert_int_equal(core_group_spawn(g, producer, &p, NULL), 0);
    assert_int_equal(core_group_spawn(g, consumer, &p, NULL), 0);
    assert_int_equal(core_group_wait(co, g, -1), 0);
    assert_int_equal(p.produced, 30);
    assert_int_equal(p.consumed, 30);
    assert_true(p.blocked_seen > 20); /* the producer waited for nearly every item */
    core_queue_stats(p.q, &st);
    assert_int_equal(st.high_water, 3); /* never more than 3 in the queue */
    assert_true(p.max_size_seen <= 3);
    core_group_destroy(g);
    core_queue_destroy(p.q);
    return 0;
}

static void test_scenario_producer_waits_on_full_queue(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(backpressure_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* --- download -> resize -> upload, 3/4/5 workers, 1000 items, closed stage by stage ------- */

#define PIPE_ITEMS 1000

struct stage {
    struct core_queue *in;
    struct core_queue *out;    /* NULL for the last stage */
    int *done;                 /* last stage: per-item completion count */
    int handled;
    uint32_t rng;
};

static int stage_worker(struct core_coro *co, void *arg)
{
    struct stage *s = arg;
    void *it;
    int rc = 0;

    while (core_queue_get(co, s->in, &it, -1) == 0) {
        if (xorshift(&s->rng) % 4 == 0) /* simulated I/O: some items take a turn */
            rc = core_coro_yield(co);
        if (rc == 0 && s->out)
            rc = core_queue_put(co, s->out, it, -1);
        else if (rc == 0)
            s->done[NUM(it)]++;
        s->handled++;
        assert_int_equal(core_queue_task_done(s->in), 0);
        if (rc < 0)
            break;
    }
    /* Input shut down and drained: this worker will send no more. */
    if (s->out)
        assert_int_equal(core_queue_close_sender(s->out), 0);
    return rc;
}

static int pipeline_body(struct core_coro *co, void *arg)
{
    static const int workers[3] = {3, 4, 5};
    struct core_queue *qs[3];
    struct stage st[12];
    struct core_group *g;
    int done[PIPE_ITEMS] = {0}, i, s, w, n = 0, total = 0;

    (void)arg;
    for (s = 0; s < 3; s++)
        qs[s] = mkq(co, CORE_QUEUE_FIFO, 8);
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    core_queue_add_sender(qs[0]); /* the source */
    for (s = 0; s < 3; s++) {
        for (w = 0; w < workers[s]; w++) {
            st[n] = (struct stage){qs[s], s < 2 ? qs[s + 1] : NULL, done, 0, (uint32_t)(n + 1)};
            /* Senders are counted before any worker runs, so no stage can close early. */
            if (s < 2)
                core_queue_add_sender(qs[s + 1]);
            assert_int_equal(core_group_spawn(g, stage_worker, &st[n], NULL), 0);
            n++;
        }
    }
    for (i = 0; i < PIPE_ITEMS; i++)
        assert_int_equal(core_queue_put(co, qs[0], ITEM(i), -1), 0);
    assert_int_equal(core_queue_close_sender(qs[0]), 0);
    /* No polling: the shutdown travels down the stages and every worker returns. */
    assert_int_equal(core_group_wait(co, g, -1), 0);
    assert_int_equal(core_group_error(g), 0);
    for (i = 0; i < PIPE_ITEMS; i++)
        assert_int_equal(done[i], 1);
    for (i = 7; i < 12; i++) /* the upload stage's 5 workers */
        total += st[i].handled;
    assert_int_equal(total, PIPE_ITEMS);
    for (s = 0; s < 3; s++) {
        struct core_queue_stats qst;

        core_queue_stats(qs[s], &qst);
        assert_true(qst.shutdown);
        assert_int_equal(qst.unfinished, 0);
        assert_int_equal(qst.puts, PIPE_ITEMS);
        assert_true(qst.high_water <= 8);
        core_queue_destroy(qs[s]);
    }
    core_group_destroy(g);
    return 0;
}

static void test_scenario_three_stage_pipeline_finishes_every_item(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(pipeline_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* --- stress: many producers and consumers, random deadlines and cancellations ------------- */

#define STRESS_PRODUCERS 16
#define STRESS_PER_PRODUCER 400
#define STRESS_ITEMS (STRESS_PRODUCERS * STRESS_PER_PRODUCER)
#define STRESS_CONSUMERS 12

struct stress {
    struct core_queue *q;
    struct core_group *consumers;
    unsigned char put_ok[STRESS_ITEMS];
    unsigned char consumed[STRESS_ITEMS];
    struct core_coro *chandles[64];
    struct core_coro *phandles[STRESS_PRODUCERS];
    int nc;
    uint32_t rng;
    int cancels;
};

struct sp {
    struct stress *s;
    int base;
};

static int stress_producer(struct core_coro *co, void *arg)
{
    struct sp *p = arg;
    struct stress *s = p->s;
    int i, rc;

    for (i = 0; i < STRESS_PER_PRODUCER; i++) {
        int id = p->base + i;

        do {
            int64_t dl = core_deadline_in((int64_t)(xorshift(&s->rng) % 3));

            if (xorshift(&s->rng) % 2)
                rc = core_queue_put_prio(co, s->q, ITEM(id), xorshift(&s->rng) % 5, dl);
            else
                rc = core_queue_put_prio_nowait(s->q, ITEM(id), 0);
        } while (rc == -ETIMEDOUT || rc == CORE_EFULL);
        if (rc == -ECANCELED)
            return 0; /* this id was not put; the rest neither */
        assert_int_equal(rc, 0);
        assert_int_equal(s->put_ok[id], 0);
        s->put_ok[id] = 1;
    }
    return 0;
}

static int stress_consumer(struct core_coro *co, void *arg)
{
    struct stress *s = arg;
    void *it;
    int rc;

    for (;;) {
        rc = core_queue_get(co, s->q, &it, core_deadline_in((int64_t)(xorshift(&s->rng) % 4)));
        if (rc == 0) {
            s->consumed[NUM(it)]++;
            assert_int_equal(core_queue_task_done(s->q), 0);
            if (xorshift(&s->rng) % 2 && core_coro_yield(co) < 0)
                return 0;
            continue;
        }
        if (rc == -ETIMEDOUT)
            continue;
        assert_true(rc == -ECANCELED || rc == -EPIPE);
        return 0;
    }
}

static int stress_body(struct core_coro *co, void *arg)
{
    static struct stress s;
    struct sp ps[STRESS_PRODUCERS];
    struct core_group *producers;
    struct core_queue_stats st;
    enum core_queue_kind kind = (enum core_queue_kind)(intptr_t)arg;
    int i, round, put = 0, got = 0;

    memset(&s, 0, sizeof(s));
    s.rng = 88172645u + (uint32_t)kind;
    s.q = mkq(co, kind, 8);
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &producers), 0);
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &s.consumers), 0);
    for (i = 0; i < STRESS_PRODUCERS; i++) {
        ps[i] = (struct sp){&s, i * STRESS_PER_PRODUCER};
        assert_int_equal(core_group_spawn(producers, stress_producer, &ps[i], &s.phandles[i]), 0);
    }
    for (i = 0; i < STRESS_CONSUMERS; i++)
        assert_int_equal(core_group_spawn(s.consumers, stress_consumer, &s, &s.chandles[s.nc++]),
                         0);
    /* Chaos: cancel a random consumer (and replace it) or, rarely, a producer. */
    for (round = 0; core_group_running(producers) > 0; round++) {
        uint32_t r = xorshift(&s.rng);

        assert_int_equal(core_coro_yield(co), 0);
        if (r % 5 == 0 && s.nc < 64) {
            core_coro_cancel(s.chandles[r % (uint32_t)s.nc]);
            assert_int_equal(core_group_spawn(s.consumers, stress_consumer, &s,
                                              &s.chandles[s.nc++]), 0);
            s.cancels++;
        } else if (r % 97 == 0) {
            core_coro_cancel(s.phandles[r % STRESS_PRODUCERS]);
            s.cancels++;
        }
    }
    core_queue_shutdown(s.q, false);
    assert_int_equal(core_group_wait(co, s.consumers, -1), 0);
    for (i = 0; i < STRESS_ITEMS; i++) {
        assert_int_equal(s.consumed[i], s.put_ok[i]); /* exactly once, or never put */
        put += s.put_ok[i];
        got += s.consumed[i];
    }
    assert_int_equal(put, got);
    assert_true(put > STRESS_ITEMS / 4);
    assert_true(s.cancels > 20);
    core_queue_stats(s.q, &st);
    assert_int_equal(st.unfinished, 0);
    assert_int_equal(st.getters + st.putters, 0);
    assert_true(st.high_water <= 8);
    core_group_destroy(producers);
    core_group_destroy(s.consumers);
    core_queue_destroy(s.q);
    return 0;
}

static void test_scenario_stress_fifo_cancellations_lose_nothing(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(stress_body, ITEM(CORE_QUEUE_FIFO), COROTEST_WATCHDOG_MS), 0);
}

static void test_scenario_stress_lifo_cancellations_lose_nothing(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(stress_body, ITEM(CORE_QUEUE_LIFO), COROTEST_WATCHDOG_MS), 0);
}

static void test_scenario_stress_prio_cancellations_lose_nothing(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(stress_body, ITEM(CORE_QUEUE_PRIO), COROTEST_WATCHDOG_MS), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenario_supermarket_serves_every_customer_once),
        cmocka_unit_test(test_scenario_producer_waits_on_full_queue),
        cmocka_unit_test(test_scenario_three_stage_pipeline_finishes_every_item),
        cmocka_unit_test(test_scenario_stress_fifo_cancellations_lose_nothing),
        cmocka_unit_test(test_scenario_stress_lifo_cancellations_lose_nothing),
        cmocka_unit_test(test_scenario_stress_prio_cancellations_lose_nothing),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
