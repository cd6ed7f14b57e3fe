/* app/frontier.h: the crawl frontier: URLs waiting to be fetched, in bfs, dfs or best order.
 *
 * A frontier is an unbounded core queue (LIFO for dfs; priority for bfs, keyed by depth, and
 * for best, keyed by depth then URL path length) plus the bookkeeping that makes depths exact:
 * - It never blocks a producer: workers both take and add URLs, and a bounded queue whose
 *   puts wait could deadlock the crawl with every worker waiting to add. Memory is bounded per
 *   queued URL instead: a job is one allocation of sizeof(struct frontier_job) + strlen(url) + 1
 *   bytes (40 + URL length, rounded up by malloc to 16) plus one queue slot (24 bytes in the
 *   priority queue of bfs/best, 8 in dfs's LIFO); its parent URL is shared by all the jobs
 *   that page produced (one reference-counted copy per page).
 * - bfs finishes each level before the next starts: a worker that takes a job of depth d
 *   waits until no job of a smaller depth is still being processed. Depths are then the exact
 *   shortest distances, whatever order servers answer in.
 * - Ending: every job taken is finished with frontier_done; frontier_join returns when every
 *   job added has been done, and frontier_close then makes every waiting take fail with -EPIPE.
 *
 * Ownership: jobs are allocated by frontier_add and freed by frontier_done (or by the frontier
 * when it drops them: frontier_close(immediate) and destroy). The loop is borrowed. Loop
 * thread only. */
#ifndef APP_FRONTIER_H
#define APP_FRONTIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct core_loop;
struct core_coro;
struct frontier;

enum frontier_order {
    FRONTIER_BFS,
    FRONTIER_DFS,
    FRONTIER_BEST
};

/* A URL shared as the parent of many jobs. */
struct frontier_parent {
    uint32_t refs;
    char url[];
};

struct frontier_job {
    struct frontier_parent *parent;  /* NULL for seeds */
    uint64_t fp;                     /* visited-set fingerprint of url */
    uint32_t depth;                  /* depth when added (the visited set has the current one) */
    uint32_t taken_depth;            /* the level this job counts against while taken (bfs) */
    char url[];
};

CORE_MUST_CHECK int frontier_create(struct core_loop *loop, enum frontier_order order,
                                    struct frontier **out);
void frontier_destroy(struct frontier *f);

/* A parent reference for the jobs of one page (refs start at 1: release it when done adding). */
struct frontier_parent *frontier_parent_new(const char *url);
void frontier_parent_release(struct frontier_parent *p);

/* Queue url at depth, found on parent (may be NULL). Never waits. 0, -ENOMEM or -EPIPE. */
int frontier_add(struct frontier *f, const char *url, size_t len, uint64_t fp, uint32_t depth,
                 struct frontier_parent *parent);
/* Take the next job (bfs: once no shallower job is still in progress). 0 and *job, -EPIPE
 * when closed and drained, -ECANCELED. */
int frontier_take(struct core_coro *co, struct frontier *f, struct frontier_job **job);
/* Finish a taken job and free it. */
void frontier_done(struct frontier *f, struct frontier_job *job);
/* Wait until every job added has been done. 0 or -ECANCELED. */
int frontier_join(struct core_coro *co, struct frontier *f);
/* No more adds; takes drain what is queued (or, immediate, nothing) and then fail. */
void frontier_close(struct frontier *f, bool immediate);

size_t frontier_queued(const struct frontier *f);
size_t frontier_in_progress(const struct frontier *f);
/* The high-water mark of queued jobs. */
size_t frontier_peak(const struct frontier *f);

#endif
