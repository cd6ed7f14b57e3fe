/* core/event.c: one-to-many wake-up flag (see event.h). */
#include "core/event.h"

#include <assert.h>
#include <errno.h>

#include "core/coro.h"
#include "core/list_int.h"
#include "core/mem.h"

struct core_event {
    bool set;
    struct core__link waiters;
};

struct event_waiter {
    struct core__link link;
    struct core_coro *co;
};

int core_event_create(struct core_event **out)
{
    struct core_event *e = core_calloc(1, sizeof(*e));

    if (!e)
        return -ENOMEM;
    core__list_init(&e->waiters);
    *out = e;
    return 0;
}

void core_event_destroy(struct core_event *e)
{
    if (!e)
        return;
    assert(core__list_empty(&e->waiters));
    core_free(e);
}

void core_event_set(struct core_event *e)
{
    struct core__link *n;

    e->set = true;
    while ((n = core__list_pop_front(&e->waiters)) != NULL)
        core_coro_wake(core__container(n, struct event_waiter, link)->co, 0);
}

void core_event_clear(struct core_event *e)
{
    e->set = false;
}

bool core_event_is_set(const struct core_event *e)
{
    return e->set;
}

static bool abort_wait(void *arg, int reason)
{
    struct event_waiter *w = arg;

    (void)reason;
    core__list_remove(&w->link);
    return true;
}

int core_event_wait(struct core_coro *co, struct core_event *e, int64_t deadline)
{
    struct event_waiter w;

    if (e->set)
        return 0;
    w.co = co;
    core__list_push_back(&e->waiters, &w.link);
    return core_coro_park(co, deadline, abort_wait, &w);
}
