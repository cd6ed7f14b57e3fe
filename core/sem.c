/* core/sem.c: counting semaphore with FIFO hand-off (see sem.h). */
#include "core/sem.h"

#include <assert.h>
#include <errno.h>

#include "core/coro.h"
#include "core/list_int.h"
#include "core/mem.h"

struct core_sem {
    size_t value;               /* free permits; > 0 only while nobody waits */
    size_t max;                 /* 0 = unbounded */
    size_t nwaiters;
    struct core__link waiters;
};

struct sem_waiter {
    struct core__link link;
    struct core_coro *co;
    struct core_sem *s;
};

int core_sem_create(size_t value, size_t max, struct core_sem **out)
{
    struct core_sem *s;

    if (max > 0 && value > max)
        return -EINVAL;
    s = core_calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->value = value;
    s->max = max;
    core__list_init(&s->waiters);
    *out = s;
    return 0;
}

void core_sem_destroy(struct core_sem *s)
{
    if (!s)
        return;
    assert(s->nwaiters == 0);
    core_free(s);
}

int core_sem_try_acquire(struct core_sem *s)
{
    if (s->value == 0)
        return -EAGAIN;
    s->value--;
    return 0;
}

static bool abort_acquire(void *arg, int reason)
{
    struct sem_waiter *w = arg;

    (void)reason;
    core__list_remove(&w->link);
    w->s->nwaiters--;
    return true;
}

int core_sem_acquire(struct core_coro *co, struct core_sem *s, int64_t deadline)
{
    struct sem_waiter w;

    if (core_sem_try_acquire(s) == 0)
        return 0;
    w.co = co;
    w.s = s;
    core__list_push_back(&s->waiters, &w.link);
    s->nwaiters++;
    /* On 0 the permit was handed to us by release: the value was never incremented. */
    return core_coro_park(co, deadline, abort_acquire, &w);
}

int core_sem_release(struct core_sem *s)
{
    struct core__link *n = core__list_pop_front(&s->waiters);

    if (n) {
        s->nwaiters--;
        core_coro_wake(core__container(n, struct sem_waiter, link)->co, 0);
        return 0;
    }
    if (s->max > 0 && s->value >= s->max)
        return -EOVERFLOW;
    s->value++;
    return 0;
}

size_t core_sem_value(const struct core_sem *s)
{
    return s->value;
}

size_t core_sem_waiters(const struct core_sem *s)
{
    return s->nwaiters;
}
