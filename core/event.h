/* core/event.h: a flag that coroutines can wait for (asyncio.Event).
 *
 * wait returns at once while the event is set; otherwise it waits until core_event_set, which
 * wakes every waiter. clear makes later waits wait again; it does not affect waiters already
 * woken.
 *
 * Ownership: create/destroy; destroying with waiters is a programmer error. Loop thread only. */
#ifndef CORE_EVENT_H
#define CORE_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

struct core_coro;
struct core_event;

CORE_MUST_CHECK int core_event_create(struct core_event **out);
void core_event_destroy(struct core_event *e);
void core_event_set(struct core_event *e);
void core_event_clear(struct core_event *e);
bool core_event_is_set(const struct core_event *e);
/* 0, -ETIMEDOUT or -ECANCELED. */
int core_event_wait(struct core_coro *co, struct core_event *e, int64_t deadline);

#endif
