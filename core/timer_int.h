/* core/timer_int.h: the loop's deadline heap.
 *
 * Every coroutine that waits with a deadline, every sleep and every internal delay is an entry
 * in one binary min-heap ordered by (deadline, insertion sequence), driven by a single
 * uv_timer armed for the earliest entry. Adding, removing and firing cost O(log n) and no
 * libuv handle per waiter, so nothing has to be closed asynchronously when a waiter goes away.
 *
 * Ownership: entries are embedded in their owners and must be removed (or fired) before the
 * owner is freed. Loop thread only. */
#ifndef CORE_TIMER_INT_H
#define CORE_TIMER_INT_H

#include <stddef.h>
#include <stdint.h>

struct core__timer;
typedef void core__timer_fn(struct core__timer *t);

struct core__timer {
    int64_t deadline;  /* ms, absolute, core_now_ms() clock */
    uint64_t seq;      /* ties fire in insertion order */
    size_t idx;        /* position in the heap, SIZE_MAX when not armed */
    core__timer_fn *fn;
};

struct core__timer_heap {
    struct core__timer **items;
    size_t count;
    size_t cap;
    uint64_t seq;
};

void core__timer_init(struct core__timer *t, core__timer_fn *fn);
/* Arm t for deadline (re-arming moves it). 0 or -ENOMEM. */
int core__timer_heap_add(struct core__timer_heap *h, struct core__timer *t, int64_t deadline);
void core__timer_heap_remove(struct core__timer_heap *h, struct core__timer *t);
/* The earliest armed timer, or NULL. */
struct core__timer *core__timer_heap_peek(const struct core__timer_heap *h);
void core__timer_heap_free(struct core__timer_heap *h);

#endif
