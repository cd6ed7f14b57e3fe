/* core/group.c: spawning, waiting for and cancelling groups of coroutines (see group.h).
 *
 * Members are on the group's live list until they return; then they move to the done list when
 * someone holds a handle to join, or are freed. Waiters of core_group_wait are woken together
 * when the live list empties. */
#include "core/group.h"

#include <assert.h>
#include <errno.h>

#include "core/loop_int.h"
#include "core/mem.h"

struct core_group {
    struct core_loop *loop;
    struct core__link live;      /* members not yet returned */
    struct core__link done;      /* returned members with a handle, not yet joined */
    struct core__link waiters;   /* struct group_waiter, in core_group_wait */
    size_t nlive;
    size_t stack_size;
    int first_error;
    bool destroying;
};

struct group_waiter {
    struct core__link link;
    struct core_coro *co;
};

int core_group_create(struct core_loop *loop, size_t stack_size, struct core_group **out)
{
    struct core_group *g = core_calloc(1, sizeof(*g));

    if (!g)
        return -ENOMEM;
    g->loop = loop;
    core__list_init(&g->live);
    core__list_init(&g->done);
    core__list_init(&g->waiters);
    if (stack_size == 0)
        stack_size = CORE_STACK_DEFAULT;
    g->stack_size = stack_size < CORE_STACK_MIN ? CORE_STACK_MIN : stack_size;
    *out = g;
    return 0;
}

int core_group_spawn(struct core_group *g, core_coro_fn *fn, void *arg, struct core_coro **out)
{
    struct core_coro *co;
    int rc;

    if (g->destroying)
        return -ECANCELED;
    co = core_calloc(1, sizeof(*co));
    if (!co)
        return -ENOMEM;
    co->fn = fn;
    co->arg = arg;
    co->group = g;
    co->has_handle = out != NULL;
    rc = core__coro_start(g->loop, co, g->stack_size);
    if (rc < 0) {
        core_free(co);
        return rc;
    }
    core__list_push_back(&g->live, &co->member);
    g->nlive++;
    if (out)
        *out = co;
    return 0;
}

/* When no member is left running, every core_group_wait returns. */
static void wake_if_all_done(struct core_group *g)
{
    struct core__link *n;

    if (g->nlive > 0)
        return;
    while ((n = core__list_pop_front(&g->waiters)) != NULL)
        core_coro_wake(core__container(n, struct group_waiter, link)->co, 0);
}

void core__group_member_done(struct core_coro *co)
{
    struct core_group *g = co->group;

    core__list_remove(&co->member);
    if (co->joiner)
        core_coro_wake(co->joiner, 0);
    if (!g) { /* an orphan: nobody will join it */
        core__coro_free(co);
        return;
    }
    if (co->result != 0 && co->result != -ECANCELED && g->first_error == 0)
        g->first_error = co->result;
    if (co->has_handle)
        core__list_push_back(&g->done, &co->member);
    else
        core__coro_free(co);
    g->nlive--;
    wake_if_all_done(g);
}

static bool abort_wait(void *arg, int reason)
{
    struct group_waiter *w = arg;

    (void)reason;
    core__list_remove(&w->link);
    return true;
}

int core_group_wait(struct core_coro *co, struct core_group *g, int64_t deadline)
{
    struct group_waiter w;

    assert(co->group != g);
    if (g->nlive == 0)
        return 0;
    w.co = co;
    core__list_push_back(&g->waiters, &w.link);
    return core_coro_park(co, deadline, abort_wait, &w);
}

void core_group_cancel(struct core_group *g)
{
    struct core__link *n, *next;

    /* Cancelling may end a member's park and so touch the ready list, never the live list. */
    for (n = g->live.next; n != &g->live; n = next) {
        next = n->next;
        core_coro_cancel(core__container(n, struct core_coro, member));
    }
}

/* Run one cancelled member until it returns, or hand it to the loop if it cannot. */
static void finish_member(struct core_group *g, struct core_coro *co)
{
    assert(co->state != CORE__RUNNING); /* a member must not destroy its own group */
    if (co->state == CORE__READY) {
        core__ready_remove(g->loop, co);
        core__coro_resume(g->loop, co); /* returns when it ends or parks unabortably */
        return;
    }
    /* Parked in something that cannot be stopped now: the loop frees it when that ends. */
    core__list_remove(&co->member);
    g->nlive--;
    co->group = NULL;
    co->has_handle = false;
    core__list_push_back(&g->loop->orphans, &co->member);
    wake_if_all_done(g);
}

void core_group_destroy(struct core_group *g)
{
    struct core__link *n;

    if (!g)
        return;
    g->destroying = true;
    core_group_cancel(g);
    while ((n = g->live.next) != &g->live)
        finish_member(g, core__container(n, struct core_coro, member));
    while ((n = core__list_pop_front(&g->done)) != NULL) {
        struct core_coro *co = core__container(n, struct core_coro, member);

        assert(co->joiner == NULL);
        core__coro_free(co);
    }
    assert(core__list_empty(&g->waiters));
    core_free(g);
}

size_t core_group_running(const struct core_group *g)
{
    return g->nlive;
}

int core_group_error(const struct core_group *g)
{
    return g->first_error;
}
