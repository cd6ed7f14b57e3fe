/* bench/bench_core.c: microbenchmarks of the core runtime.
 *
 * Prints one tab-separated line per figure (label, value, unit): coroutine switch time, queue hand-off rate between coroutines
 * (1 producer : 1 consumer and 8 : 8, bounded and unbounded), and priority-queue put+get at
 * 1M items. Each figure is the best of --runs runs (default 5), to damp noise on shared
 * machines. bench/core_baseline.py measures the same things with Python's asyncio. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/group.h"
#include "core/loop.h"
#include "core/queue.h"

static double now_s(void)
{
    return (double)uv_hrtime() / 1e9;
}

/* Run fn as the only top-level coroutine of a fresh loop; returns its result. */
static int run(core_coro_fn *fn, void *arg)
{
    struct core_loop *loop;
    struct core_group *g;

    if (core_loop_create(&loop) != 0 || core_group_create(loop, 0, &g) != 0)
        exit(1);
    if (core_group_spawn(g, fn, arg, NULL) != 0 || core_loop_run(loop) != 0)
        exit(1);
    core_group_destroy(g);
    core_loop_destroy(loop);
    return 0;
}

/* --- switch time ---------------------------------------------------------------------------- */

struct pingpong {
    long n;
    double seconds;
};

static int yielder(struct core_coro *co, void *arg)
{
    long i, n = *(long *)arg;

    for (i = 0; i < n; i++)
        core_coro_yield(co);
    return 0;
}

static int switch_body(struct core_coro *co, void *arg)
{
    struct pingpong *p = arg;
    struct core_group *g;
    double t0;

    if (core_group_create(core_coro_loop(co), 0, &g) != 0)
        return -1;
    t0 = now_s();
    if (core_group_spawn(g, yielder, &p->n, NULL) != 0 ||
        core_group_spawn(g, yielder, &p->n, NULL) != 0 || core_group_wait(co, g, -1) != 0)
        return -1;
    p->seconds = now_s() - t0;
    core_group_destroy(g);
    return 0;
}

/* --- queue hand-off ------------------------------------------------------------------------- */

struct handoff {
    enum core_queue_kind kind;
    size_t maxsize;
    int producers;
    int consumers;
    long items;          /* in total */
    double seconds;
    struct core_queue *q;
    long got;
};

static int producer(struct core_coro *co, void *arg)
{
    struct handoff *h = arg;
    long i, n = h->items / h->producers;

    for (i = 0; i < n; i++)
        if (core_queue_put(co, h->q, (void *)(uintptr_t)(i + 1), -1) != 0)
            return -1;
    return core_queue_close_sender(h->q);
}

static int consumer(struct core_coro *co, void *arg)
{
    struct handoff *h = arg;
    void *it;
    long got = 0;

    while (core_queue_get(co, h->q, &it, -1) == 0)
        got++;
    h->got += got;
    return 0;
}

static int handoff_body(struct core_coro *co, void *arg)
{
    struct handoff *h = arg;
    struct core_queue_opts o;
    struct core_group *g;
    double t0;
    int i;

    core_queue_opts_init(&o, h->kind, h->maxsize);
    if (core_queue_create(core_coro_loop(co), &o, &h->q) != 0 ||
        core_group_create(core_coro_loop(co), 0, &g) != 0)
        return -1;
    h->got = 0;
    for (i = 0; i < h->producers; i++)
        core_queue_add_sender(h->q);
    t0 = now_s();
    for (i = 0; i < h->consumers; i++)
        if (core_group_spawn(g, consumer, h, NULL) != 0)
            return -1;
    for (i = 0; i < h->producers; i++)
        if (core_group_spawn(g, producer, h, NULL) != 0)
            return -1;
    if (core_group_wait(co, g, -1) != 0)
        return -1;
    h->seconds = now_s() - t0;
    if (h->got != h->items / h->producers * h->producers) {
        fprintf(stderr, "lost items: %ld of %ld\n", h->got, h->items);
        exit(1);
    }
    core_group_destroy(g);
    core_queue_destroy(h->q);
    return 0;
}

/* --- priority queue at 1M items ------------------------------------------------------------- */

struct prio {
    long items;
    double seconds;
};

static int prio_body(struct core_coro *co, void *arg)
{
    struct prio *p = arg;
    struct core_queue_opts o;
    struct core_queue *q;
    uint32_t x = 2463534242u;
    void *it;
    double t0;
    long i;

    core_queue_opts_init(&o, CORE_QUEUE_PRIO, 0);
    if (core_queue_create(core_coro_loop(co), &o, &q) != 0)
        return -1;
    t0 = now_s();
    for (i = 0; i < p->items; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        if (core_queue_put_prio(co, q, (void *)(uintptr_t)i, x % 1000000u, -1) != 0)
            return -1;
    }
    for (i = 0; i < p->items; i++)
        if (core_queue_get(co, q, &it, -1) != 0)
            return -1;
    p->seconds = now_s() - t0;
    core_queue_destroy(q);
    return 0;
}

int main(int argc, char **argv)
{
    int runs = 5, r, i;
    long n = 2000000;
    double best;
    struct handoff cases[] = {
        {CORE_QUEUE_FIFO, 0, 1, 1, 0, 0, NULL, 0},
        {CORE_QUEUE_FIFO, 100, 1, 1, 0, 0, NULL, 0},
        {CORE_QUEUE_FIFO, 1, 1, 1, 0, 0, NULL, 0},
        {CORE_QUEUE_FIFO, 0, 8, 8, 0, 0, NULL, 0},
        {CORE_QUEUE_FIFO, 100, 8, 8, 0, 0, NULL, 0},
    };

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--items") == 0 && i + 1 < argc)
            n = atol(argv[++i]);
    }

    best = 1e9;
    for (r = 0; r < runs; r++) {
        struct pingpong p = {n / 2, 0};

        run(switch_body, &p);
        if (p.seconds < best)
            best = p.seconds;
    }
    /* two coroutines, n/2 yields each: n resumes in all */
    printf("switch (resume + suspend)\t%.1f\tns\n", best / (double)n * 1e9);

    for (i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++) {
        best = 1e9;
        for (r = 0; r < runs; r++) {
            cases[i].items = n;
            run(handoff_body, &cases[i]);
            if (cases[i].seconds < best)
                best = cases[i].seconds;
        }
        printf("handoff %d:%d %s\t%.2f\tM items/s\n", cases[i].producers, cases[i].consumers,
               cases[i].maxsize ? (cases[i].maxsize == 1 ? "maxsize=1" : "maxsize=100") : "unbounded",
               (double)n / best / 1e6);
    }

    best = 1e9;
    for (r = 0; r < runs; r++) {
        struct prio p = {1000000, 0};

        run(prio_body, &p);
        if (p.seconds < best)
            best = p.seconds;
    }
    printf("priority put+get, 1M items\t%.2f\tM ops/s\n", 2e6 / best / 1e6);
    return 0;
}
