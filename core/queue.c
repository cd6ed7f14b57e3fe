/* core/queue.c: async FIFO/LIFO/priority queues with hand-off to waiters (see queue.h).
 *
 * Invariants, true whenever no queue function is running:
 * - getters wait only while the buffer is empty; putters only while it is full;
 * - a waiter still on a list has received nothing, so removing it undoes its wait completely;
 * - unfinished = items put (buffered, handed over, or moved in from a putter) - task_done calls
 *   - items dropped by an immediate shutdown.
 * Buffer: a ring of pointers (FIFO pops the head, LIFO the tail) or, for priority queues, a
 * binary min-heap of (priority, sequence, item). Both grow on demand up to maxsize. */
#include "core/queue.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "core/coro.h"
#include "core/list_int.h"
#include "core/mem.h"

struct prio_entry {
    int64_t prio;
    uint64_t seq;
    void *item;
};

struct core_queue {
    struct core_loop *loop;
    enum core_queue_kind kind;
    size_t maxsize;
    core_queue_drop_fn *drop;
    void *drop_arg;
    /* buffer */
    void **ring;                 /* FIFO/LIFO: cap slots, count used from head */
    struct prio_entry *heap;     /* PRIO: cap entries, count used */
    size_t cap;
    size_t head;
    size_t count;
    uint64_t seq;
    /* waiters */
    struct core__link getters;
    struct core__link putters;
    struct core__link joiners;
    size_t ngetters;
    size_t nputters;
    /* accounting */
    size_t unfinished;
    size_t senders;
    size_t high_water;
    uint64_t puts;
    uint64_t gets;
    bool shutdown;
};

struct waiter {
    struct core__link link;
    struct core_coro *co;
    struct core_queue *q;
    size_t *counter;             /* ngetters or nputters, or NULL for joiners */
    void *item;
    int64_t prio;
};

void core_queue_opts_init(struct core_queue_opts *o, enum core_queue_kind kind, size_t maxsize)
{
    o->kind = kind;
    o->maxsize = maxsize;
    o->drop = NULL;
    o->drop_arg = NULL;
}

int core_queue_create(struct core_loop *loop, const struct core_queue_opts *o,
                      struct core_queue **out)
{
    struct core_queue *q = core_calloc(1, sizeof(*q));

    if (!q)
        return -ENOMEM;
    q->loop = loop;
    q->kind = o->kind;
    q->maxsize = o->maxsize;
    q->drop = o->drop;
    q->drop_arg = o->drop_arg;
    core__list_init(&q->getters);
    core__list_init(&q->putters);
    core__list_init(&q->joiners);
    *out = q;
    return 0;
}

/* --- buffer ------------------------------------------------------------------------------ */

static bool is_full(const struct core_queue *q)
{
    return q->maxsize > 0 && q->count >= q->maxsize;
}

static int grow(struct core_queue *q)
{
    size_t cap = q->cap ? q->cap * 2 : 16;

    if (q->maxsize > 0 && cap > q->maxsize)
        cap = q->maxsize;
    if (q->kind == CORE_QUEUE_PRIO) {
        struct prio_entry *h = core_reallocarray(q->heap, cap, sizeof(*h));

        if (!h)
            return -ENOMEM;
        q->heap = h;
    } else {
        void **r = core_reallocarray(q->ring, cap, sizeof(*r));
        size_t tail;

        if (!r)
            return -ENOMEM;
        /* Growth happens only when full. If the used slots wrap past the old end, slide the
         * part from head to the old end up to the new end, so they are contiguous again. */
        if (q->head > 0) {
            tail = q->cap - q->head;
            memmove(r + cap - tail, r + q->head, tail * sizeof(*r));
            q->head = cap - tail;
        }
        q->ring = r;
    }
    q->cap = cap;
    return 0;
}

static bool prio_before(const struct prio_entry *a, const struct prio_entry *b)
{
    return a->prio < b->prio || (a->prio == b->prio && a->seq < b->seq);
}

static void heap_push(struct core_queue *q, void *item, int64_t prio)
{
    struct prio_entry e = {prio, q->seq++, item};
    size_t i = q->count++;

    while (i > 0 && prio_before(&e, &q->heap[(i - 1) / 2])) {
        q->heap[i] = q->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    q->heap[i] = e;
}

static void *heap_pop(struct core_queue *q)
{
    void *top = q->heap[0].item;
    struct prio_entry last = q->heap[--q->count];
    size_t i = 0;

    for (;;) {
        size_t c = 2 * i + 1;

        if (c >= q->count)
            break;
        if (c + 1 < q->count && prio_before(&q->heap[c + 1], &q->heap[c]))
            c++;
        if (!prio_before(&q->heap[c], &last))
            break;
        q->heap[i] = q->heap[c];
        i = c;
    }
    if (q->count > 0)
        q->heap[i] = last;
    return top;
}

/* Ring index of the i-th used slot (i <= count), without a division. */
static size_t slot(const struct core_queue *q, size_t i)
{
    size_t at = q->head + i;

    return at >= q->cap ? at - q->cap : at;
}

/* Add to the buffer. The caller has checked it is not full. 0 or -ENOMEM. */
static int buffer_push(struct core_queue *q, void *item, int64_t prio)
{
    if (q->count == q->cap) {
        int rc = grow(q);

        if (rc < 0)
            return rc;
    }
    if (q->kind == CORE_QUEUE_PRIO)
        heap_push(q, item, prio);
    else
        q->ring[slot(q, q->count++)] = item;
    if (q->count > q->high_water)
        q->high_water = q->count;
    return 0;
}

/* Remove the next item in the queue's order. The caller has checked count > 0. */
static void *buffer_pop(struct core_queue *q)
{
    void *item;

    if (q->kind == CORE_QUEUE_PRIO)
        return heap_pop(q);
    if (q->kind == CORE_QUEUE_LIFO)
        return q->ring[slot(q, --q->count)];
    item = q->ring[q->head];
    q->head = slot(q, 1);
    q->count--;
    return item;
}

/* --- waiters ----------------------------------------------------------------------------- */

static struct waiter *pop_waiter(struct core__link *list, size_t *counter)
{
    struct core__link *n = core__list_pop_front(list);

    if (!n)
        return NULL;
    if (counter)
        (*counter)--;
    return core__container(n, struct waiter, link);
}

static bool abort_waiter(void *arg, int reason)
{
    struct waiter *w = arg;

    (void)reason;
    core__list_remove(&w->link);
    if (w->counter)
        (*w->counter)--;
    return true;
}

static int wait_on(struct core_coro *co, struct core_queue *q, struct waiter *w,
                   struct core__link *list, size_t *counter, int64_t deadline)
{
    w->co = co;
    w->q = q;
    w->counter = counter;
    core__list_push_back(list, &w->link);
    if (counter)
        (*counter)++;
    return core_coro_park(co, deadline, abort_waiter, w);
}

static void wake_all(struct core__link *list, size_t *counter, int rc)
{
    struct waiter *w;

    while ((w = pop_waiter(list, counter)) != NULL)
        core_coro_wake(w->co, rc);
}

/* --- put --------------------------------------------------------------------------------- */

int core_queue_put_prio_nowait(struct core_queue *q, void *item, int64_t prio)
{
    struct waiter *g;
    int rc;

    if (q->shutdown)
        return -EPIPE;
    g = pop_waiter(&q->getters, &q->ngetters);
    if (g) {
        /* A getter waits only on an empty buffer, so this item is next in any order. */
        g->item = item;
        q->gets++;
        core_coro_wake(g->co, 0);
    } else if (is_full(q)) {
        return CORE_EFULL;
    } else {
        rc = buffer_push(q, item, prio);
        if (rc < 0)
            return rc;
    }
    q->unfinished++;
    q->puts++;
    return 0;
}

int core_queue_put_nowait(struct core_queue *q, void *item)
{
    return core_queue_put_prio_nowait(q, item, 0);
}

int core_queue_put_prio(struct core_coro *co, struct core_queue *q, void *item, int64_t prio,
                        int64_t deadline)
{
    struct waiter w;
    int rc = core_queue_put_prio_nowait(q, item, prio);

    if (rc != CORE_EFULL)
        return rc;
    w.item = item;
    w.prio = prio;
    return wait_on(co, q, &w, &q->putters, &q->nputters, deadline);
}

int core_queue_put(struct core_coro *co, struct core_queue *q, void *item, int64_t deadline)
{
    return core_queue_put_prio(co, q, item, 0, deadline);
}

/* --- get --------------------------------------------------------------------------------- */

int core_queue_get_nowait(struct core_queue *q, void **item)
{
    struct waiter *p;

    if (q->count == 0)
        return q->shutdown ? -EPIPE : CORE_EEMPTY;
    *item = buffer_pop(q);
    q->gets++;
    p = pop_waiter(&q->putters, &q->nputters);
    if (p) {
        /* The slot just freed goes to the first waiting putter; it cannot fail for memory,
         * as the buffer never shrinks. */
        int rc = buffer_push(q, p->item, p->prio);

        assert(rc == 0);
        (void)rc;
        q->unfinished++;
        q->puts++;
        core_coro_wake(p->co, 0);
    }
    return 0;
}

int core_queue_get(struct core_coro *co, struct core_queue *q, void **item, int64_t deadline)
{
    struct waiter w;
    int rc = core_queue_get_nowait(q, item);

    if (rc != CORE_EEMPTY)
        return rc;
    rc = wait_on(co, q, &w, &q->getters, &q->ngetters, deadline);
    /* The queue is not touched after waking: it may already be gone (the getter that got
     * the last item is often the one that destroys the queue). */
    if (rc == 0)
        *item = w.item;
    return rc;
}

/* --- task_done / join -------------------------------------------------------------------- */

int core_queue_task_done(struct core_queue *q)
{
    if (q->unfinished == 0)
        return CORE_ETASKDONE;
    if (--q->unfinished == 0)
        wake_all(&q->joiners, NULL, 0);
    return 0;
}

int core_queue_join(struct core_coro *co, struct core_queue *q, int64_t deadline)
{
    struct waiter w;

    if (q->unfinished == 0)
        return 0;
    return wait_on(co, q, &w, &q->joiners, NULL, deadline);
}

/* --- shutdown ---------------------------------------------------------------------------- */

static void drop_buffered(struct core_queue *q)
{
    while (q->count > 0) {
        void *item = buffer_pop(q);

        if (q->drop)
            q->drop(item, q->drop_arg);
        if (q->unfinished > 0)
            q->unfinished--;
    }
}

void core_queue_shutdown(struct core_queue *q, bool immediate)
{
    q->shutdown = true;
    wake_all(&q->putters, &q->nputters, -EPIPE);
    wake_all(&q->getters, &q->ngetters, -EPIPE);
    if (!immediate)
        return;
    drop_buffered(q);
    if (q->unfinished == 0)
        wake_all(&q->joiners, NULL, 0);
}

bool core_queue_is_shutdown(const struct core_queue *q)
{
    return q->shutdown;
}

void core_queue_add_sender(struct core_queue *q)
{
    q->senders++;
}

int core_queue_close_sender(struct core_queue *q)
{
    if (q->senders == 0)
        return -EINVAL;
    if (--q->senders == 0)
        core_queue_shutdown(q, false);
    return 0;
}

/* --- introspection and teardown ---------------------------------------------------------- */

size_t core_queue_size(const struct core_queue *q)
{
    return q->count;
}

size_t core_queue_maxsize(const struct core_queue *q)
{
    return q->maxsize;
}

bool core_queue_is_empty(const struct core_queue *q)
{
    return q->count == 0;
}

bool core_queue_is_full(const struct core_queue *q)
{
    return is_full(q);
}

void core_queue_stats(const struct core_queue *q, struct core_queue_stats *out)
{
    out->maxsize = q->maxsize;
    out->size = q->count;
    out->high_water = q->high_water;
    out->unfinished = q->unfinished;
    out->getters = q->ngetters;
    out->putters = q->nputters;
    out->puts = q->puts;
    out->gets = q->gets;
    out->shutdown = q->shutdown;
}

void core_queue_destroy(struct core_queue *q)
{
    if (!q)
        return;
    assert(q->ngetters == 0 && q->nputters == 0 && core__list_empty(&q->joiners));
    drop_buffered(q);
    core_free(q->ring);
    core_free(q->heap);
    core_free(q);
}
