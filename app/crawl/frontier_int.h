/* app/crawl/frontier_int.h: what the frontier's files share (module-internal).
 *
 * frontier.c holds the hosts, the ready and waiting heaps of hosts and the public API;
 * hostqueue.c the queue of jobs on one host (a FIFO list, or a heap once out of order).
 * Ownership: all of it is the frontier's; loop thread only, as frontier.h says. */
#ifndef APP_CRAWL_FRONTIER_INT_H
#define APP_CRAWL_FRONTIER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/crawl/frontier.h"

#define LEVELS 256

enum robots_state {
    ROBOTS_OFF,                     /* robots disabled: all allowed */
    ROBOTS_PENDING,                 /* the robots job is queued or in progress */
    ROBOTS_KNOWN
};

struct frontier_host {
    char *origin;
    size_t origin_len;
    struct frontier_job *head;      /* bfs/dfs: a singly linked queue */
    struct frontier_job *tail;
    struct frontier_job **heap;     /* best: a min-heap by (prio, seq) */
    size_t nheap;
    size_t capheap;
    size_t queued;
    unsigned active;
    unsigned unsent;                /* taken paced jobs whose request has not gone out */
    int64_t next_ms;                /* earliest start of its next job */
    int64_t delay_ms;
    enum robots_state robots;
    bool robots_first;              /* the robots job is at the head of the queue */
    void *rules;                    /* robots.txt rules (opts.allowed reads them), or NULL */
    size_t ready_idx;               /* SIZE_MAX when not in that heap */
    size_t wait_idx;
};

struct host_heap {
    struct frontier_host **items;
    size_t n;
    size_t cap;
};

struct frontier {
    struct frontier_opts o;
    struct frontier_host **table;   /* open addressing by origin */
    size_t cap;
    size_t nhosts;
    struct host_heap ready;
    struct host_heap waiting;
    struct core_event *changed;     /* set and cleared whenever a taker might now succeed */
    struct core_event *all_done;
    size_t levels[LEVELS];
    size_t level;                   /* lowest depth with levels[d] > 0 (a lower bound) */
    size_t queued;
    size_t in_progress;
    size_t unfinished;
    size_t peak;
    uint64_t seq;
    bool closed;
};

static inline struct frontier_job *head_of(const struct frontier_host *h)
{
    return h->heap ? (h->nheap ? h->heap[0] : NULL) : h->head;
}

static inline size_t level_of(uint32_t depth)
{
    return depth < LEVELS ? depth : LEVELS - 1;
}

/* Queue a job on its host: at the back (bfs), the front (dfs, retries) or by priority (best,
 * and bfs hosts whose jobs came out of depth order). 0, or -ENOMEM with j not queued. */
int crawl__hostqueue_push(struct frontier *f, struct frontier_host *h, struct frontier_job *j,
                          bool front);
/* Take the first job of h, which has one queued. */
struct frontier_job *crawl__hostqueue_pop(struct frontier_host *h);

#endif
