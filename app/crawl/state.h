/* app/crawl/state.h: a crawl's durable state (--state, --resume): the frontier's durable store
 * (frontier.h's struct frontier_store) and the rest of what a resumed crawl must know, kept in
 * a statedb (app/state/statedb.h).
 *
 * What is kept: every URL the crawl knows with its depth and state (the visited set, and the
 * seed that keys its fingerprints), every job not yet finished (url, depth, kind, attempts,
 * parent, its redirect or retry chain), each host's robots.txt outcome and Crawl-delay, the URLs listed in --skipped (so none is listed twice),
 * seeds that moved (scope), the counters, how many pages were started (--max-pages), and each
 * output file's committed length.
 *
 * How: every change is appended to an in-memory batch on the loop (a few bytes, no I/O); a
 * commit takes the batch and the outputs' lengths at one instant, and on the thread pool
 * fdatasyncs the outputs, then writes the batch and the lengths in one SQLite transaction.
 * Changes made while a commit runs go to the next batch. So each commit is a state the crawl
 * was really in, with outputs at least as long as it says: a kill at any instant resumes from
 * the last commit, cutting the outputs back to the lengths it recorded. A URL becomes known and
 * its job stored in the same batch, so no URL is ever known without its job.
 *
 * Ownership: crawl_state_open borrows db (the caller closes it after destroy); destroy frees
 * the batch (an uncommitted batch is lost, as a kill would lose it). Loop thread only, but for
 * the commit's own pool work. */
#ifndef APP_CRAWL_STATE_H
#define APP_CRAWL_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/crawl/frontier.h"
#include "core/buf.h"
#include "core/err.h"

struct core_coro;
struct crawl_stats;
struct crawl_state;
struct statedb;

/* An output file as a commit records it. */
struct crawl_state_file {
    const char *name;           /* the statedb output name ("records", "skipped"...) */
    const char *path;
    int fd;                     /* to fdatasync (-1: nothing to sync) */
    int64_t len;                /* bytes written so far */
};

/* What a host's robots.txt came to. */
enum crawl_state_robots {
    CRAWL_STATE_ROBOTS_BODY,        /* a 2xx: its rules are the body's */
    CRAWL_STATE_ROBOTS_ALLOW,       /* a 4xx: everything allowed */
    CRAWL_STATE_ROBOTS_DISALLOW     /* a 5xx or no answer: nothing allowed */
};

/* What a resumed crawl is given back, through callbacks, in this order: the visited set's
 * seed and the counters (in *loaded), the URLs, the skipped list, the moved seeds, the hosts'
 * robots.txt outcomes, the jobs. */
struct crawl_state_loaded {
    uint64_t seed;
    uint64_t started;
    bool has_stats;
};
struct crawl_state_load {
    /* how many URLs come next (read by key: in sorted order) */
    void (*urls)(void *arg, size_t n);
    void (*url)(void *arg, uint64_t fp, unsigned depth, unsigned state);
    void (*skips)(void *arg, size_t n);     /* how many skipped URLs come next */
    void (*skipped)(void *arg, uint64_t fp);
    void (*scope)(void *arg, const char *url);
    /* a host's robots.txt outcome (how: enum crawl_state_robots) */
    void (*robots)(void *arg, const char *origin, unsigned how, const char *body, size_t len,
                   int64_t delay_ms);
    /* a payload archived before (--warc: revisits for it) */
    void (*digest)(void *arg, const char *digest, const char *uri, int64_t date_ms,
                   const char *record_id);
    /* a host starts nothing before until_ms (wall clock: a retry's backoff or Retry-After) */
    void (*host_wait)(void *arg, const char *origin, int64_t until_ms);
    /* a path's count of query variants (a traps_keep_fn's report) */
    void (*trap)(void *arg, uint64_t key, uint64_t count);
    /* a page's links in the link store (dfs, best) */
    void (*links)(void *arg, uint64_t fp, uint64_t off, uint64_t len);
    /* n->extra is the callee's (core_malloc'ed) */
    void (*job)(void *arg, const struct frontier_new *n, const char *parent);
    void *arg;
};

/* Create the crawl's tables in db if new. 0 and *out, or a negated errno. */
CORE_MUST_CHECK int crawl_state_open(struct statedb *db, struct crawl_state **out);
void crawl_state_destroy(struct crawl_state *s);

/* The frontier's store: puts and dones go to the batch. */
const struct frontier_store *crawl_state_store(struct crawl_state *s);
/* A page job that could not be queued (a stop closed the frontier) but must be kept (its URL
 * is known). n->extra is not kept. */
void crawl_state_job(struct crawl_state *s, const struct frontier_new *n);
/* A URL's depth or state changed (the visited set). */
void crawl_state_url(struct crawl_state *s, uint64_t fp, unsigned depth, unsigned state);
/* A host's robots.txt outcome and its Crawl-delay (< 0: none), so a resumed crawl need not
 * fetch it again. */
void crawl_state_robots(struct crawl_state *s, const char *origin, unsigned how,
                        const char *body, size_t len, int64_t delay_ms);
/* A payload digest the archive's dedup table took (a crawl_warc_keep_fn; arg is the state). */
void crawl_state_digest(void *arg, const char *digest, const char *uri, int64_t date_ms,
                        const char *record_id);
/* A path's count of query variants changed (a traps_keep_fn; arg is the state). */
void crawl_state_trap(void *arg, uint64_t key, uint64_t count);
/* A page's links went to the link store at off (a linkstore_keep_fn; arg is the state). */
void crawl_state_links(void *arg, uint64_t fp, uint64_t off, uint64_t len);
/* A URL was listed in --skipped. */
void crawl_state_skipped(struct crawl_state *s, uint64_t fp);
/* A seed moved (redirected): its new URL widens the scope. */
void crawl_state_scope(struct crawl_state *s, const char *url);
/* First run: the visited set's seed. */
void crawl_state_seed(struct crawl_state *s, uint64_t seed);

/* A resumed crawl's visited-set seed (before crawl_state_read). 0, -ENOENT when nothing was
 * ever committed (the crawl starts afresh), or a negated errno. */
CORE_MUST_CHECK int crawl_state_seed_of(struct crawl_state *s, uint64_t *seed);
/* Read everything back (a resume), before the crawl starts. *loaded gets the seed, started
 * and, when has_stats, *st the counters. 0 or a negated errno. */
CORE_MUST_CHECK int crawl_state_read(struct crawl_state *s, const struct crawl_state_load *cb,
                                     struct crawl_state_loaded *loaded, struct crawl_stats *st);

/* Commit the batch with the counters, started, the files (their lengths now), the archive's
 * blob (crawl_warc_save; warc_len 0: none) and, if finished, the end of the crawl. Waits for
 * the pool. 0 or a negated errno (-ENOSPC, -EIO: the last commit stays the state). */
CORE_MUST_CHECK int crawl_state_commit(struct core_coro *co, struct crawl_state *s,
                                       const struct crawl_stats *st, uint64_t started,
                                       const struct crawl_state_file *files, size_t nfiles,
                                       const void *warc, size_t warc_len, bool finished);
/* The blob last committed under key ("warc") appended to out: 0, -ENOENT (none) or an error. */
CORE_MUST_CHECK int crawl_state_blob(struct crawl_state *s, const char *key,
                                     struct core_buf *out);
/* Bytes in the batch waiting for a commit. */
size_t crawl_state_pending(const struct crawl_state *s);

#endif
