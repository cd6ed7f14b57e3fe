/* core/queue.h: asyncio-style async queues (FIFO, LIFO, priority) for coroutines.
 *
 * The semantics are asyncio.Queue's (Python 3.13, with shutdown), strengthened where asyncio is
 * known to be weak (each difference is named below, with the CPython issue where there is one):
 * - maxsize counts buffered items; 0 means unbounded. put waits while the queue is full
 *   (back-pressure) and get waits while it is empty.
 * - Waiting getters and putters are served strictly in FIFO order by direct hand-off: a put
 *   gives its item straight to the first waiting getter, and a get that frees a slot moves the
 *   first waiting putter's item into the queue at once. Nobody can barge past a waiter (this
 *   is a documented divergence from asyncio, whose woken waiter can lose its turn, gh-83055).
 * - Cancellation or a deadline ends a wait only while the waiter is still queued, and then
 *   leaves the queue exactly as if it had never waited: the item of a cancelled put was never
 *   enqueued, a cancelled get took nothing, and no wake-up is lost, because nothing is ever
 *   promised to a waiter that it has not already received.
 * - The ready path (get on a non-empty queue, put on a non-full one) does not suspend and so
 *   does not check for cancellation, as in asyncio.
 * - Priority queues pop the lowest priority first; equal priorities come out in insertion order
 *   (a 64-bit insertion counter breaks ties), a strengthening of asyncio.PriorityQueue.
 * - task_done/join count every item ever put: join returns when each has been task_done'd.
 * - shutdown(false): puts fail with -EPIPE at once (waiting putters too); gets drain what is
 *   left, then fail with -EPIPE. shutdown(true) also drops the buffered items (each passed to
 *   the drop function) and takes them off the unfinished count, so join can return.
 * - Producer counting (Go's close, Trio's clones): core_queue_add_sender / core_queue_close_sender;
 *   when the last sender closes, the queue shuts down gracefully, so consumers loop
 *   "while (core_queue_get(...) == 0)" with no sentinels.
 *
 * Error codes: CORE_EFULL and CORE_EEMPTY (nowait on full/empty), -EPIPE (shut down),
 * CORE_ETASKDONE (task_done too often), -ETIMEDOUT, -ECANCELED, -ENOMEM.
 *
 * Ownership: items are opaque pointers that the queue stores but never dereferences. The queue
 * owns a buffered item only in that it passes it to the drop function when it discards it
 * (immediate shutdown, destroy); a NULL drop means the items need no freeing. Destroying a
 * queue with coroutines waiting on it is a programmer error. Loop thread only. */
#ifndef CORE_QUEUE_H
#define CORE_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct core_loop;
struct core_coro;
struct core_queue;

enum core_queue_kind {
    CORE_QUEUE_FIFO,
    CORE_QUEUE_LIFO,
    CORE_QUEUE_PRIO
};

typedef void core_queue_drop_fn(void *item, void *arg);

struct core_queue_opts {
    enum core_queue_kind kind;
    size_t maxsize;               /* 0 = unbounded */
    core_queue_drop_fn *drop;     /* called on items the queue discards, or NULL */
    void *drop_arg;
};

struct core_queue_stats {
    size_t maxsize;
    size_t size;                  /* buffered items */
    size_t high_water;            /* most items ever buffered at once */
    size_t unfinished;            /* items put and not yet task_done'd */
    size_t getters;               /* coroutines waiting in get */
    size_t putters;               /* coroutines waiting in put */
    uint64_t puts;                /* items ever put */
    uint64_t gets;                /* items ever got */
    bool shutdown;
};

void core_queue_opts_init(struct core_queue_opts *o, enum core_queue_kind kind, size_t maxsize);
CORE_MUST_CHECK int core_queue_create(struct core_loop *loop, const struct core_queue_opts *o,
                                      struct core_queue **out);
/* Drop what is buffered and free. NULL is a no-op. */
void core_queue_destroy(struct core_queue *q);

/* Put item, waiting while the queue is full. 0, -EPIPE, -ETIMEDOUT, -ECANCELED, -ENOMEM.
 * On a priority queue the priority is 0. */
int core_queue_put(struct core_coro *co, struct core_queue *q, void *item, int64_t deadline);
int core_queue_put_prio(struct core_coro *co, struct core_queue *q, void *item, int64_t prio,
                        int64_t deadline);
/* 0, CORE_EFULL, -EPIPE or -ENOMEM, never waiting. */
int core_queue_put_nowait(struct core_queue *q, void *item);
int core_queue_put_prio_nowait(struct core_queue *q, void *item, int64_t prio);

/* Take the next item, waiting while the queue is empty. 0 and *item, -EPIPE (shut down and
 * drained), -ETIMEDOUT or -ECANCELED. */
int core_queue_get(struct core_coro *co, struct core_queue *q, void **item, int64_t deadline);
/* 0 and *item, CORE_EEMPTY or -EPIPE, never waiting. */
int core_queue_get_nowait(struct core_queue *q, void **item);

/* Mark one item as processed. 0, or CORE_ETASKDONE when more than were put. */
int core_queue_task_done(struct core_queue *q);
/* Wait until every item put has been task_done'd. 0, -ETIMEDOUT or -ECANCELED. */
int core_queue_join(struct core_coro *co, struct core_queue *q, int64_t deadline);

/* Shut the queue down (see above). Idempotent; immediate may follow a graceful one. */
void core_queue_shutdown(struct core_queue *q, bool immediate);
bool core_queue_is_shutdown(const struct core_queue *q);

/* Producer counting: the queue shuts down gracefully when the last sender closes.
 * close_sender returns -EINVAL when no sender is open. */
void core_queue_add_sender(struct core_queue *q);
int core_queue_close_sender(struct core_queue *q);

size_t core_queue_size(const struct core_queue *q);
size_t core_queue_maxsize(const struct core_queue *q);
bool core_queue_is_empty(const struct core_queue *q);
bool core_queue_is_full(const struct core_queue *q);
void core_queue_stats(const struct core_queue *q, struct core_queue_stats *out);

#endif
