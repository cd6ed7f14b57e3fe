/* core/offload.h: run blocking or CPU-heavy work on libuv's thread pool and await it
 * (asyncio's run_in_executor / to_thread), so that no coroutine ever blocks the loop.
 *
 * fn(arg) runs on a pool thread; the calling coroutine waits and gets fn's result. Work that
 * has not started yet can be cancelled (or time out) and then never runs. Work that has
 * started cannot be interrupted from outside: a cancel or deadline then takes effect when fn
 * returns, and the call returns fn's result with the cancel still pending for the next wait.
 * This is what lets arg live on the caller's stack.
 *
 * The pool has UV_THREADPOOL_SIZE threads (libuv's default 4, read once at first use).
 *
 * Ownership: arg is borrowed until the call returns. fn must not touch the loop or any
 * coroutine object: it runs on another thread. */
#ifndef CORE_OFFLOAD_H
#define CORE_OFFLOAD_H

#include <stdint.h>

struct core_coro;

typedef int core_offload_fn(void *arg);

/* fn's result, or -ECANCELED / -ETIMEDOUT if stopped before it started, or a libuv error. */
int core_offload(struct core_coro *co, core_offload_fn *fn, void *arg, int64_t deadline);

#endif
