/* core/lock.h: mutual exclusion between coroutines (asyncio.Lock).
 *
 * A binary semaphore that remembers its owner: unlocking a lock you do not hold is an error,
 * and waiters get the lock in FIFO order by hand-off, exactly as core/sem.h describes.
 *
 * Ownership: create/destroy; destroying a held lock or one with waiters is a programmer error.
 * Loop thread only. */
#ifndef CORE_LOCK_H
#define CORE_LOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

struct core_coro;
struct core_lock;

CORE_MUST_CHECK int core_lock_create(struct core_lock **out);
void core_lock_destroy(struct core_lock *l);
/* 0, -ETIMEDOUT, -ECANCELED, or -EDEADLK when co already holds it. */
int core_lock_acquire(struct core_coro *co, struct core_lock *l, int64_t deadline);
/* 0, or -EPERM when co does not hold the lock. */
int core_lock_release(struct core_coro *co, struct core_lock *l);
bool core_lock_is_locked(const struct core_lock *l);

#endif
