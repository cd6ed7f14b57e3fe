/* app/crawl/hostqueue.c: the queue of jobs waiting on one host of the frontier.
 *
 * In bfs and dfs a singly linked list (appended to, or pushed on the front), in best a
 * min-heap by (prio, seq); a bfs queue that jobs would put out of depth order becomes such a
 * heap for good. The robots job, while pending, stays first in line. Loop thread only. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "app/crawl/frontier_int.h"
#include "core/mem.h"

static bool job_before(const struct frontier_job *a, const struct frontier_job *b)
{
    return a->prio < b->prio || (a->prio == b->prio && a->seq < b->seq);
}

static int job_heap_push(struct frontier_host *h, struct frontier_job *j)
{
    size_t i;

    if (h->nheap == h->capheap) {
        size_t cap = h->capheap ? h->capheap * 2 : 8;
        struct frontier_job **a = core_reallocarray(h->heap, cap, sizeof(*a));

        if (!a)
            return -ENOMEM;
        h->heap = a;
        h->capheap = cap;
    }
    for (i = h->nheap++; i > 0 && job_before(j, h->heap[(i - 1) / 2]); i = (i - 1) / 2)
        h->heap[i] = h->heap[(i - 1) / 2];
    h->heap[i] = j;
    return 0;
}

static struct frontier_job *job_heap_pop(struct frontier_host *h)
{
    struct frontier_job *top = h->heap[0], *last = h->heap[--h->nheap];
    size_t i = 0;

    for (;;) {
        size_t c = 2 * i + 1;

        if (c >= h->nheap)
            break;
        if (c + 1 < h->nheap && job_before(h->heap[c + 1], h->heap[c]))
            c++;
        if (!job_before(h->heap[c], last))
            break;
        h->heap[i] = h->heap[c];
        i = c;
    }
    if (h->nheap > 0)
        h->heap[i] = last;
    return top;
}

/* bfs hands out a host's first job only when no shallower job is left anywhere, so a host's
 * queue must stay in depth order: a shallower job behind a deeper one would wait for its own
 * level forever. Jobs mostly come in that order (links found at the current level are one
 * deeper), so the queue is a FIFO list; a job that would break it (a redirect hop keeps its
 * page's depth, a sitemap's URLs are depth 0, a retried job goes first) turns the host's queue
 * into a heap by (depth, order of adding) for good. The robots job is not a page: it comes
 * first whatever its depth (see lower_robots_job). */
static bool breaks_depth_order(const struct frontier_host *h, const struct frontier_job *j,
                               bool front)
{
    const struct frontier_job *first = h->robots_first && h->head ? h->head->next : h->head;

    if (j->kind == FRONTIER_ROBOTS || !first)
        return false;
    return front ? j->depth > first->depth : j->depth < h->tail->depth;
}

static int to_heap(struct frontier_host *h)
{
    struct frontier_job **a = core_calloc(h->queued + 8, sizeof(*a));
    struct frontier_job *j, *next;

    if (!a)
        return -ENOMEM;
    h->heap = a;
    h->capheap = h->queued + 8;
    h->nheap = 0;
    for (j = h->head; j; j = next) {
        next = j->next;
        j->next = NULL;
        (void)job_heap_push(h, j); /* there is room: it cannot fail */
    }
    h->head = NULL;
    h->tail = NULL;
    return 0;
}

/* The robots job goes first on its host, so it takes the depth of the host's shallowest job:
 * in bfs a deeper robots job would wait for a level that waits for it. r is counted. */
static void lower_robots_job(struct frontier *f, struct frontier_job *r, uint32_t depth)
{
    if (!r || depth >= r->depth)
        return;
    f->levels[level_of(r->depth)]--;
    f->levels[level_of(depth)]++;
    r->depth = depth;
    if (level_of(depth) < f->level)
        f->level = level_of(depth);
}

int crawl__hostqueue_push(struct frontier *f, struct frontier_host *h, struct frontier_job *j,
                          bool front)
{
    if (f->o.order == FRONTIER_BFS && !h->heap && breaks_depth_order(h, j, front)) {
        int rc = to_heap(h);

        if (rc < 0)
            return rc;
    }
    if (j->kind != FRONTIER_ROBOTS && h->robots_first)
        lower_robots_job(f, head_of(h), j->depth);
    else if (j->kind == FRONTIER_ROBOTS && head_of(h)) /* a retried robots job */
        lower_robots_job(f, j, head_of(h)->depth);
    if (h->heap) {
        int rc = job_heap_push(h, j);

        if (rc < 0)
            return rc;
    } else if (front || f->o.order == FRONTIER_DFS) {
        if (h->robots_first && h->head && j->kind != FRONTIER_ROBOTS) {
            /* the robots job stays first in line */
            j->next = h->head->next;
            h->head->next = j;
            if (!j->next)
                h->tail = j;
        } else {
            j->next = h->head;
            h->head = j;
            if (!h->tail)
                h->tail = j;
        }
    } else {
        j->next = NULL;
        if (h->tail)
            h->tail->next = j;
        else
            h->head = j;
        h->tail = j;
    }
    if (j->kind == FRONTIER_ROBOTS)
        h->robots_first = true; /* first in line again after a retry, too */
    h->queued++;
    return 0;
}

struct frontier_job *crawl__hostqueue_pop(struct frontier_host *h)
{
    struct frontier_job *j;

    if (h->heap)
        j = job_heap_pop(h);
    else {
        j = h->head;
        h->head = j->next;
        if (!h->head)
            h->tail = NULL;
    }
    j->next = NULL;
    h->queued--;
    if (j->kind == FRONTIER_ROBOTS)
        h->robots_first = false;
    return j;
}
