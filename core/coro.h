/* core/coro.h: stackful coroutines on a core_loop.
 *
 * A coroutine is a function written as straight-line code that suspends in blocking-looking
 * calls (queue get/put, sleep, semaphores, HTTP fetches, offloaded work) and is resumed by the
 * loop when the call can complete. Every call that may suspend takes the running coroutine as
 * its first argument, so suspension points are visible in the code. Coroutines are started in
 * a group (core/group.h); none is detached.
 *
 * Stacks: each coroutine has its own mmap'd stack of CORE_STACK_DEFAULT (256 KiB) usable bytes
 * unless its group sets another size, with a PROT_NONE guard page below it: an overflow faults
 * at once and the process dies with "coroutine stack overflow" instead of corrupting memory.
 * Only pages a coroutine touches use physical memory (a worker typically touches 8-16 KiB).
 *
 * Cancellation (Trio's rule): core_coro_cancel() makes the coroutine's current wait, and every
 * later one, return -ECANCELED. A wait that had already completed when the cancel arrived
 * keeps its result (an item received stays received), and the cancel is delivered at the next
 * wait. A call whose fast path does not suspend (a get on a non-empty queue) does not check for
 * cancellation, as in asyncio.
 *
 * Shielding (Trio's shielded cancel scope): between core_coro_shield(co, true) and
 * core_coro_shield(co, false), a cancel does not interrupt the coroutine's waits; it stays
 * pending and arrives at the first wait after the shield is lifted. Cleanup that must wait
 * (handing a result on to a bounded queue, finishing a file) runs shielded. Shields nest.
 *
 * Deadlines: every waiting call takes an absolute deadline (core_now_ms() clock, -1 = none).
 * core_wait_for() adds a deadline to every wait inside a function, like asyncio.wait_for().
 *
 * Ownership: a coroutine's handle (from core_group_spawn) stays valid until core_coro_join
 * returns 0 or the group is destroyed. The arg pointer is borrowed: it must outlive the
 * coroutine. Loop thread only. */
#ifndef CORE_CORO_H
#define CORE_CORO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct core_loop;
struct core_coro;

/* A coroutine body. Its return value is the coroutine's result (0 or a negative error). */
typedef int core_coro_fn(struct core_coro *co, void *arg);

/* Wait for target to finish, then store its result in *result (if not NULL) and free target.
 * 0, -ETIMEDOUT or -ECANCELED (target is then still running and still valid). */
CORE_MUST_CHECK int core_coro_join(struct core_coro *co, struct core_coro *target,
                                   int64_t deadline, int *result);
/* Request cancellation of target (see above). A no-op on a finished coroutine. */
void core_coro_cancel(struct core_coro *target);
bool core_coro_is_cancelled(const struct core_coro *co);
/* Raise (on) or lower (!on) co's shield against cancellation. Shields nest. */
void core_coro_shield(struct core_coro *co, bool on);
bool core_coro_is_done(const struct core_coro *co);
struct core_loop *core_coro_loop(const struct core_coro *co);

/* Let other ready coroutines run, then continue. 0 or -ECANCELED. */
int core_coro_yield(struct core_coro *co);
/* Suspend until deadline. 0, or -ECANCELED, or -ETIMEDOUT when an enclosing core_wait_for
 * deadline comes first. */
int core_sleep(struct core_coro *co, int64_t deadline);
/* Run fn(co, arg) in this coroutine with every wait inside it bounded by deadline (waits that
 * hit it return -ETIMEDOUT). Returns fn's result. Nested calls keep the earliest deadline. */
int core_wait_for(struct core_coro *co, int64_t deadline, core_coro_fn *fn, void *arg);

/* Join every handle in hs (as core_coro_join) and store each result in results[i]. 0, or the
 * first error of a join (the handles not yet joined stay valid). asyncio.gather's shape. */
CORE_MUST_CHECK int core_gather(struct core_coro *co, struct core_coro **hs, size_t n,
                                int *results, int64_t deadline);

/* --- The awaitable protocol, for modules that wrap callbacks (fetch/, offload, queues). ---
 *
 * A coroutine registers itself wherever it will be woken, then calls core_coro_park. Exactly
 * one of these ends the wait: someone calls core_coro_wake(co, rc) and park returns rc; or the
 * deadline passes or a cancel arrives, and park calls abort(arg, reason) with -ETIMEDOUT or
 * -ECANCELED. abort must undo the registration and return true (park then returns reason), or
 * return false when the operation cannot be stopped now, in which case the coroutine stays
 * parked until the operation completes and calls core_coro_wake. abort may be NULL when there
 * is nothing to undo. If the coroutine is already cancelled or the deadline already passed,
 * abort is called before suspending. */
typedef bool core_coro_abort_fn(void *arg, int reason);
int core_coro_park(struct core_coro *co, int64_t deadline, core_coro_abort_fn *abort, void *arg);
/* End co's park with rc. Safe from callbacks and from other coroutines; co runs later. */
void core_coro_wake(struct core_coro *co, int rc);

#endif
