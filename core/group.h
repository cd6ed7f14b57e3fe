/* core/group.h: groups of coroutines: spawn, wait for all, cancel all, collect errors.
 *
 * Every coroutine belongs to the group that spawned it. core_group_wait suspends until every
 * member has finished (asyncio.wait / a TaskGroup's exit); core_group_cancel cancels them all;
 * core_group_destroy cancels what is still running, lets each member run to its end at once
 * (cancelled waits return immediately, so members unwind their cleanup code right there), and
 * frees. A member stuck in an operation that cannot be interrupted (offloaded work already on
 * a thread) is handed to the loop, which frees it when the operation ends.
 *
 * Ownership: the creator owns the group and must destroy it before the loop. Handles returned
 * by core_group_spawn are valid until joined or until the group is destroyed. Loop thread only. */
#ifndef CORE_GROUP_H
#define CORE_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "core/coro.h"
#include "core/err.h"

struct core_group;

/* Create a group whose coroutines get stack_size usable stack bytes (0 = CORE_STACK_DEFAULT,
 * rounded up to whole pages, at least CORE_STACK_MIN). 0 and *out, or -ENOMEM. */
CORE_MUST_CHECK int core_group_create(struct core_loop *loop, size_t stack_size,
                                      struct core_group **out);
/* Cancel the members, run them to their end, free. NULL is a no-op. Must not be called by a
 * member of g. */
void core_group_destroy(struct core_group *g);
/* Start fn(co, arg) in g; it first runs on a later loop turn. With out != NULL the caller gets
 * a handle to join (core_coro_join); with NULL the coroutine is freed when it ends.
 * 0, -ENOMEM, or -ECANCELED when g is being destroyed. */
CORE_MUST_CHECK int core_group_spawn(struct core_group *g, core_coro_fn *fn, void *arg,
                                     struct core_coro **out);
/* Wait until every member has finished. 0, -ETIMEDOUT or -ECANCELED. co must not be in g. */
CORE_MUST_CHECK int core_group_wait(struct core_coro *co, struct core_group *g,
                                    int64_t deadline);
/* Cancel every running member; returns at once (wait with core_group_wait). */
void core_group_cancel(struct core_group *g);
/* Members started and not yet finished. */
size_t core_group_running(const struct core_group *g);
/* The first result of a finished member that was neither 0 nor -ECANCELED, else 0. */
int core_group_error(const struct core_group *g);

#endif
