/* app/crawl/frontier.h: the crawl frontier: URLs waiting to be fetched, per host, politely.
 *
 * Every URL waits in its host's queue (host = scheme://host:port): FIFO for bfs, LIFO for dfs,
 * a heap by (depth, path length) for best. A host is "ready" when it has queued work, fewer than
 * per_host jobs in progress, and its next allowed start time (the host's delay after its last
 * request went out, or a retry's backoff) has come. Ready hosts wait in one heap ordered by the
 * crawl order of their first job; hosts that only wait for their time wait in a second heap
 * ordered by that time. Taking a job moves due hosts from the time heap to the ready heap and
 * pops the best ready host: O(log hosts) whatever their number, and no worker ever waits
 * behind a slow host while another host has a job ready.
 *
 * The delay is what the site sees: the gap between requests arriving, so it counts from when a
 * request went out (frontier_sent, which the caller reports from the fetch client), not from
 * when its job was taken: a job may wait for a connection (a TCP and TLS handshake, a
 * connection limit) for any time, and a later job on a warm connection would then arrive hard
 * on its heels. So while a taken job's request has not gone out, its host starts nothing else.
 *
 * bfs finishes each level before the next starts: a job of depth d is handed out only when no
 * job of a smaller depth is queued or in progress, so depths are the exact shortest distances.
 * So a host's queue is kept in depth order (a job that arrives shallower than the queue's last,
 * like a redirect hop or a sitemap's URL, turns that host's FIFO into a heap by depth and order
 * of adding), and its robots job takes the depth of its shallowest job: a shallower job stuck
 * behind a deeper one would wait for its own level forever.
 *
 * robots: with robots on, a host's first job is a FRONTIER_ROBOTS job for its robots.txt; its
 * other jobs are held back until frontier_host_set_robots is called for it, and every later job
 * is checked against those rules when taken (jobs they disallow are handed out marked denied,
 * without using up the host's delay, so the caller can record them).
 *
 * Never blocking a producer: adds never wait (workers both take and add, so a bounded frontier
 * whose adds wait could deadlock). Memory per queued URL: one allocation of
 * sizeof(struct frontier_job) (64 bytes) + URL length + 1 (and a heap slot of 8 bytes for best,
 * and for bfs hosts whose queue became a heap); the parent URL is shared by every job its page
 * produced; per host: one struct frontier_host plus its origin string.
 * Ending: frontier_join returns when every job added has been done, including jobs waiting for
 * a retry time or a robots.txt: the crawl ends exactly when nothing is left.
 *
 * Stores: where the frontier's jobs live beyond the process is its store's business (struct
 * frontier_store). The in-memory store is no store at all (opts.store NULL: nothing is called,
 * nothing costs). A durable store (app/crawl/state.h, --state) hears of every page and sitemap
 * job as it is queued or queued again (put) and as it is finished (done), and so holds exactly
 * the jobs not yet finished: a crawl killed at any instant finds them there, those that were in
 * progress included, and frontier_add_job puts them back. Jobs that end without being finished
 * (dropped at a stop, frontier_abandon) stay in the store, and a host's wait for a retry
 * (host_wait) goes with the retried job. robots.txt jobs are the frontier's own and are not
 * stored (the crawl's state keeps each host's outcome: frontier_host_known). A shared store
 * (Redis) would implement the same calls and hand out its own leases behind take.
 *
 * Ownership: frontier_add allocates jobs; frontier_done (or the frontier, when it drops them)
 * frees them; a job's extra block (if set) is freed with it by core_free. Robots rules passed to
 * frontier_host_set_robots belong to the frontier from then on (freed with opts.rules_free).
 * Loop thread only. */
#ifndef APP_FRONTIER_H
#define APP_FRONTIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct core_loop;
struct core_coro;
struct frontier;
struct frontier_host;
struct frontier_job;

enum frontier_order {
    FRONTIER_BFS,
    FRONTIER_DFS,
    FRONTIER_BEST
};

/* Where jobs are kept for a resume (see above). Both calls are made on the loop thread, with
 * the job complete (url, depth, kind, attempts, parent, extra), and must not call back. */
struct frontier_store {
    void (*put)(void *arg, const struct frontier_job *job);
    void (*done)(void *arg, const struct frontier_job *job);
    /* A host starts nothing before not_before_ms (core_now_ms() clock): a retry's backoff or
     * Retry-After, heard before the retried job's put. May be NULL. */
    void (*host_wait)(void *arg, const struct frontier_host *host, int64_t not_before_ms);
    void *arg;
};

struct frontier_opts {
    enum frontier_order order;
    unsigned per_host;          /* jobs in progress per host at most, 0 = no limit */
    int64_t delay_ms;           /* between requests going out to one host */
    bool robots;                /* fetch each host's robots.txt before its pages */
    /* A host's rules (from frontier_host_set_robots): may target (path and query) be taken? */
    bool (*allowed)(const void *rules, const char *target, size_t len);
    void (*rules_free)(void *rules);
    /* Called for each queued job the frontier drops (frontier_close(immediate)), before it
     * is freed, so the caller can say what was not fetched. */
    void (*dropped)(const struct frontier_job *job, void *arg);
    void *arg;
    const struct frontier_store *store;  /* NULL: jobs live in memory only */
};

void frontier_opts_init(struct frontier_opts *o);

/* A URL shared as the parent of many jobs. */
struct frontier_parent {
    uint32_t refs;
    char url[];
};

enum frontier_kind {
    FRONTIER_PAGE,
    FRONTIER_ROBOTS,
    FRONTIER_SITEMAP            /* set by the caller on a job it added: not a page */
};

struct frontier_job {
    struct frontier_job *next;       /* in its host's queue */
    struct frontier_host *host;
    struct frontier_parent *parent;  /* NULL for seeds */
    void *extra;                     /* caller's block (core_malloc'ed), freed with the job */
    uint64_t fp;                     /* visited-set fingerprint of url */
    uint64_t seq;                    /* order of adding */
    uint64_t prio;                   /* depth << 32, | path length for best (in heaps) */
    uint32_t depth;                  /* depth when added (the visited set has the current one) */
    uint16_t attempts;               /* times handed out before (retries) */
    uint8_t kind;                    /* enum frontier_kind */
    bool denied : 1;                 /* set by take: robots.txt disallows it */
    bool paced : 1;                  /* set by take: its host has a delay, so each request
                                        the job sends must be reported (frontier_sent) */
    bool unsent : 1;                 /* the frontier's: paced, and no request out yet */
    char url[];
};

CORE_MUST_CHECK int frontier_create(struct core_loop *loop, const struct frontier_opts *o,
                                    struct frontier **out);
void frontier_destroy(struct frontier *f);

/* A parent reference for the jobs of one page (refs start at 1: release it when done adding). */
struct frontier_parent *frontier_parent_new(const char *url);
void frontier_parent_release(struct frontier_parent *p);

/* Queue url at depth, found on parent (may be NULL). Never waits. origin is the URL's
 * scheme://host[:port] (its first origin_len bytes). 0 and, if out is not NULL, *out (the
 * job stays the frontier's), -ENOMEM or -EPIPE (closed). */
int frontier_add(struct frontier *f, const char *url, size_t len, size_t origin_len, uint64_t fp,
                 uint32_t depth, struct frontier_parent *parent, struct frontier_job **out);
/* A job to queue in full: what frontier_add takes, and what a resumed job had. */
struct frontier_new {
    const char *url;
    size_t len;
    size_t origin_len;
    uint64_t fp;
    uint32_t depth;
    struct frontier_parent *parent;     /* may be NULL; the job takes a reference */
    enum frontier_kind kind;            /* FRONTIER_PAGE or FRONTIER_SITEMAP */
    uint16_t attempts;
    void *extra;                        /* core_malloc'ed, the job's once queued (else the
                                           caller's still) */
};

/* Queue n as frontier_add does, with its kind, attempts and extra block; the store hears of it
 * unless quiet (a job loaded from the store). */
int frontier_add_job(struct frontier *f, const struct frontier_new *n, bool quiet,
                     struct frontier_job **out);
/* Take the next job in crawl order that politeness allows now, waiting for one if needed.
 * 0 and *job, -EPIPE when closed and nothing is left, -ECANCELED, or -ETIMEDOUT when an
 * enclosing core_wait_for deadline passes first. */
int frontier_take(struct core_coro *co, struct frontier *f, struct frontier_job **job);
/* A request of a taken job went out (its bytes were handed to the kernel, as fetch's on_sent
 * says): the host's next job starts no sooner than its delay from now. Call it for every
 * request of a paced job; a paced job that ends without one counts as sent when it ends. */
void frontier_sent(struct frontier *f, struct frontier_job *job);
/* Finish a taken job and free it. */
void frontier_done(struct frontier *f, struct frontier_job *job);
/* End a taken job without finishing it: freed, counted as over for frontier_join, but kept by
 * the store, so a resumed crawl does it again (a fetch cancelled at a stop). */
void frontier_abandon(struct frontier *f, struct frontier_job *job);
/* Put a taken job back at the head of its host's queue; the host starts nothing before
 * not_before_ms (a Retry-After or a backoff applies to the whole host). */
void frontier_retry(struct frontier *f, struct frontier_job *job, int64_t not_before_ms);
/* Wait until every job added has been done. 0 or -ECANCELED. */
int frontier_join(struct core_coro *co, struct frontier *f);
/* No more adds; takes hand out what is queued (or, immediate, nothing: queued jobs are
 * dropped, and their number returned) and then fail with -EPIPE. */
size_t frontier_close(struct frontier *f, bool immediate);

/* The robots.txt rules of a host (after its robots job), and its delay. rules may be NULL
 * (everything allowed); crawl_delay_ms < 0 when none. Lets the host's held jobs go. */
void frontier_host_set_robots(struct frontier *f, struct frontier_host *h, void *rules,
                              int64_t crawl_delay_ms);
/* A host whose robots.txt is known already (a resumed crawl): created with rules and delay as
 * frontier_host_set_robots takes them, and no robots job. Call it before adding its jobs.
 * 0 or -ENOMEM (rules freed). */
int frontier_host_known(struct frontier *f, const char *origin, size_t len, void *rules,
                        int64_t crawl_delay_ms);
/* A host starts nothing before not_before_ms (a resumed crawl: the wait a retry left). The
 * host is created as a new host is (its robots job too, if robots.txt is on and not known).
 * 0 or -ENOMEM. */
int frontier_host_wait(struct frontier *f, const char *origin, size_t len, int64_t not_before_ms);
/* Does the frontier know the host of origin (its first len bytes) yet? */
bool frontier_host_exists(const struct frontier *f, const char *origin, size_t len);
const char *frontier_host_origin(const struct frontier_host *h);
/* When the host may send its next request (core_now_ms() clock; in the past: now). */
int64_t frontier_host_next_ms(const struct frontier_host *h);

size_t frontier_queued(const struct frontier *f);
size_t frontier_in_progress(const struct frontier *f);
size_t frontier_hosts(const struct frontier *f);
/* The high-water mark of queued jobs. */
size_t frontier_peak(const struct frontier *f);

#endif
