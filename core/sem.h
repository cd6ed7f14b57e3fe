/* core/sem.h: counting semaphore for coroutines (asyncio.Semaphore / BoundedSemaphore).
 *
 * acquire takes a permit or waits for one; release gives it back. Waiters are served in FIFO
 * order by direct hand-off: a release with waiters passes its permit to the first of them, so
 * nobody barges past a waiter and no wake-up can be lost when a woken waiter is cancelled
 * (the bugs of python/asyncio#270 and gh-90155 cannot occur). A cancelled or timed-out waiter
 * that had not yet been handed a permit leaves the semaphore exactly as it was.
 *
 * Ownership: create/destroy; destroying with waiters is a programmer error. Loop thread only. */
#ifndef CORE_SEM_H
#define CORE_SEM_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct core_coro;
struct core_sem;

/* A semaphore with value permits; max > 0 makes releases past max fail (BoundedSemaphore),
 * max = 0 leaves it unbounded. 0 and *out, -ENOMEM or -EINVAL (value > max). */
CORE_MUST_CHECK int core_sem_create(size_t value, size_t max, struct core_sem **out);
void core_sem_destroy(struct core_sem *s);
/* 0, -ETIMEDOUT or -ECANCELED. */
int core_sem_acquire(struct core_coro *co, struct core_sem *s, int64_t deadline);
/* 0, or -EAGAIN when no permit is free, never waiting. */
int core_sem_try_acquire(struct core_sem *s);
/* 0, or -EOVERFLOW when a bounded semaphore would go past its max. */
int core_sem_release(struct core_sem *s);
size_t core_sem_value(const struct core_sem *s);
size_t core_sem_waiters(const struct core_sem *s);

#endif
