/* core/loop.h: the event loop that runs coroutines: a libuv loop plus a scheduler.
 *
 * A core_loop owns one uv_loop_t. Coroutines (core/coro.h) run on it: a coroutine made ready is
 * resumed from a uv_idle callback, so ready coroutines and I/O take turns (at most
 * CORE_LOOP_BUDGET resumes per loop iteration). Deadlines of all waiters live in one heap
 * driven by a single uv_timer. Time is core_now_ms(): monotonic milliseconds.
 *
 * Ownership: core_loop_create allocates; core_loop_destroy frees, and requires every group on
 * the loop to have been destroyed first. Other modules may add their own libuv handles to
 * core_loop_uv() and must close them before core_loop_destroy. Loop thread only, except
 * core_now_ms(), which any thread may call. */
#ifndef CORE_LOOP_H
#define CORE_LOOP_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/err.h"

#define CORE_LOOP_BUDGET 4096
/* Usable stack per coroutine unless a group asks otherwise (plus one guard page). */
#define CORE_STACK_DEFAULT (256u * 1024u)
#define CORE_STACK_MIN (16u * 1024u)

struct core_loop;

struct core_loop_stats {
    uint64_t switches;     /* coroutine resumes so far */
    size_t live;           /* coroutines started and not finished */
    size_t ready;          /* coroutines waiting for their turn to run */
    size_t timers;         /* armed deadlines */
};

/* Create a loop. 0 and *out, or a negative error. */
CORE_MUST_CHECK int core_loop_create(struct core_loop **out);
/* Close the loop's own handles, wait for coroutines orphaned by destroyed groups, free.
 * NULL is a no-op. Must not be called from inside core_loop_run. */
void core_loop_destroy(struct core_loop *loop);
/* Run until nothing is left to do. 0 when no coroutine is left alive, CORE_EDEADLK when
 * coroutines are still waiting with nothing left that could wake them. */
int core_loop_run(struct core_loop *loop);
uv_loop_t *core_loop_uv(struct core_loop *loop);
void core_loop_stats(const struct core_loop *loop, struct core_loop_stats *out);

/* Monotonic clock in milliseconds. Deadlines everywhere are absolute values of this clock;
 * -1 means "no deadline" and a deadline in the past (for example 0) means "do not wait". */
int64_t core_now_ms(void);
/* core_now_ms() + ms, or -1 when ms < 0 (so "a negative timeout" means "forever"). */
int64_t core_deadline_in(int64_t ms);

#endif
