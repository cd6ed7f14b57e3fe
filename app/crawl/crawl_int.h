/* app/crawl/crawl_int.h: what the crawl engine's files share (crawl.c: workers, setup, run;
 * discover.c: judging found URLs; jobs.c: what a worker does with one job). app/crawl/ only.
 * Loop thread only, like the engine. */
#ifndef APP_CRAWL_CRAWL_INT_H
#define APP_CRAWL_CRAWL_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "app/common/retry.h"
#include "app/common/stopper.h"
#include "app/crawl/crawl.h"
#include "app/crawl/linkstore.h"
#include "app/crawl/traps.h"
#include "core/buf.h"
#include "core/group.h"
#include "parse/visited.h"

/* What the crawl knows of a URL, kept as the 2-bit state of its visited-set entry (a new entry
 * has state 0, QUEUED). A URL found past the depth limit is BEYOND until a shorter route queues
 * it; ACTIVE while its fetch runs; DONE once recorded (or judged a trap). */
enum crawl_url_state {
    CRAWL_URL_QUEUED = 0,
    CRAWL_URL_BEYOND = 1,
    CRAWL_URL_ACTIVE = 2,
    CRAWL_URL_DONE = 3
};

/* A stored link that is a redirect target keeps the page's depth instead of depth + 1. */
#define REDIRECT_MARK '\x01'
#define CHAIN_MAX 32
#define ROBOTS_MAX_BYTES (500u * 1024u)   /* RFC 9309 2.5: at least 500 KiB must be parsed */
#define ROBOTS_MAX_HOPS 5

/* The state a URL's record needs across retries and redirect hops. */
struct chain {
    uint64_t fps[CHAIN_MAX];    /* URLs of the chain so far (loop detection) */
    unsigned n;
    unsigned depth;
    int64_t fetched_at_ms;      /* when its first request started */
    double fetch_ms;            /* all requests so far */
    long last_status;           /* of the last failed attempt, for a record written at a stop */
    int last_error;
    char url[];                 /* the URL whose record this is */
};

struct crawl {
    const struct crawl_config *cfg;
    struct core_loop *loop;
    struct fetch_client *http;
    struct frontier *frontier;
    struct parse_visited *visited;
    struct parse_visited *skip_seen;    /* URLs already listed in --skipped */
    struct linkstore *links;            /* dfs and best only */
    struct traps *traps;
    struct core_group *workers;
    struct core_group *aux;             /* stop watcher, progress */
    struct core_sigwatch *stop;
    struct stopper stopper;
    struct retry_backoff backoff;
    struct crawl_stats st;
    struct core_buf scratch;            /* normalising redirect targets */
    char agent[64];                     /* robots.txt product token */
    uint64_t started;
    bool stopping;
    int64_t t0;                         /* core_now_ms() when this run began */
    int64_t elapsed_base;               /* ms the crawl ran before (a resumed crawl) */
    struct frontier_parent *load_parent;/* resuming: the parent of the last job read */
    bool load_failed;
    bool resuming;                      /* --resume of a crawl that had committed */
    struct crawl_remote *remote;        /* --redis: the shared frontier's side (remote.c) */
};

/* How a job left its worker: finished, queued again (a retry), or left for a resumed crawl (a
 * stop with --state: the state still holds it). */
enum job_end { JOB_DONE, JOB_REQUEUED, JOB_ABANDONED };

/* crawl.c */
/* The outputs a commit records (state_files', the link store, the archive's files: at most
 * max, their number in *nfiles) and the archive's blob appended to archive (none without
 * --warc). 0 or -ENOMEM. */
struct crawl_state_file;
int crawl__outputs(struct crawl *c, struct crawl_state_file *files, size_t max, size_t *nfiles,
                   struct core_buf *archive);

/* discover.c */
/* The visited set, with each change kept in --state: parse_visited_add and set_state. */
int crawl__visit(struct crawl *c, uint64_t fp, unsigned depth, unsigned *state);
void crawl__set_state(struct crawl *c, uint64_t fp, unsigned state);
/* With --state, a stop leaves a job for the resumed crawl instead of ending it. */
bool crawl__leave_for_resume(const struct crawl *c);
/* Length of "scheme://host[:port]" in a normalised URL. */
size_t crawl__origin_len(const char *url, size_t len);
/* List url under why, once per URL (if we do not know it from the visited set already). */
void crawl__skipped(struct crawl *c, const char *url, size_t len, const char *parent,
                    enum crawl_skip why, bool dedup);
/* A fetched page was reached by a shorter route: follow its stored links from there. */
void crawl__reexpand(struct crawl *c, uint64_t fp, const char *url, unsigned depth);
/* Queue url as a new job at depth (the visited set already knows it), with extra (a chain,
 * the job's once queued). 0 and *out (may be NULL), or an error. */
int crawl__enqueue(struct crawl *c, const char *url, size_t len, uint64_t fp, unsigned depth,
                   struct frontier_parent *parent, void *extra, struct frontier_job **out);
/* Judge one URL found at depth on parent's page (or a seed, parent NULL). Counts new jobs in
 * *added. Failures to queue (out of memory, a closed frontier) drop the URL. */
void crawl__discover(struct crawl *c, const char *url, size_t len, unsigned depth,
                     struct frontier_parent *parent, long *added);

/* jobs.c */
/* Wall-clock time, ms since the epoch (for fetched_at). */
int64_t crawl__wall_ms(void);
/* A queued job the frontier dropped at a stop: a chain already begun gets its record. */
void crawl__on_dropped(const struct frontier_job *job, void *arg);
/* Fetch a page or a redirect hop: retry, follow, or record it and discover its links. */
enum job_end crawl__page_job(struct core_coro *co, struct crawl *c, struct frontier_job *job);
/* Fetch a sitemap: its URLs become seeds (depth 0); an index's entries, more sitemaps. */
enum job_end crawl__sitemap_job(struct core_coro *co, struct crawl *c, struct frontier_job *job);
/* The frontier's hooks for a host's parsed robots.txt rules. */
bool crawl__robots_allowed(const void *rules, const char *target, size_t len);
/* The rules and Crawl-delay (capped; < 0 none) of a robots.txt outcome (enum
 * crawl_state_robots, with the body of a 2xx). 0 or -ENOMEM. */
struct parse_robots;
int crawl__robots_rules(struct crawl *c, unsigned how, const char *body, size_t len,
                        struct parse_robots **rules, int64_t *delay);
void crawl__robots_free(void *rules);
/* RFC 9309 2.3.1: a 2xx file is parsed; 4xx means no rules; 5xx or no answer means nothing
 * may be fetched. Redirects are followed up to ROBOTS_MAX_HOPS. */
enum job_end crawl__robots_job(struct core_coro *co, struct crawl *c, struct frontier_job *job);

/* Record a URL the shared frontier dead-lettered (its leases kept killing workers). */
void crawl__emit_dead(struct crawl *c, const char *url, const char *parent, unsigned depth,
                      unsigned leases);

/* remote.c: a crawl shared on Redis (--redis). Each worker leases jobs from the shared
 * frontier into its local one (per_host and delay are Redis's to keep), and commits each
 * finished page, with the links it found and the outputs' lengths, in one script: all or
 * nothing. Links go to Redis, never to the local frontier; a redirect's target is a link
 * (its own record). */
struct crawl_remote;
/* The visited set's key with --redis: every worker must fingerprint a URL alike. */
#define REMOTE_VISITED_SEED 0x747261776c726564ull
/* seq: the last commit Redis holds for this worker (0: none). */
int crawl__remote_create(struct crawl *c, uint64_t seq, struct crawl_remote **out);
void crawl__remote_destroy(struct crawl_remote *r);
/* The leased page whose links are being judged (fp), or none (0): links go with it. */
void crawl__remote_page(struct crawl *c, uint64_t fp);
/* A URL new to this worker, for the shared frontier (with its host's robots.txt job first,
 * when the host is new to this worker). 0 or -ENOMEM. */
int crawl__remote_link(struct crawl *c, const char *url, size_t len, uint64_t fp,
                       unsigned depth, uint8_t kind);
/* url's record is about to be written: false when its lease went to another worker (drop
 * the record); else its lease is finished and goes into the next commit. */
bool crawl__remote_record(struct crawl *c, const char *url, bool failed);
/* A host's robots.txt outcome (a leased robots job), for the other workers. */
/* A leased job that writes no record (a sitemap) is done: committed with the next commit. */
void crawl__remote_done(struct crawl *c, uint64_t fp);
void crawl__remote_robots(struct crawl *c, const char *origin, unsigned how, const char *body,
                          size_t len, int64_t delay_ms);
/* A host must wait until not_before_ms (core_now_ms clock): every worker, through Redis. */
void crawl__remote_host_wait(struct crawl *c, const char *origin, int64_t not_before_ms);
/* A local job ended: room for another lease. */
void crawl__remote_job_ended(struct crawl *c);
/* Lease into the local frontier until the shared crawl is over or this worker stops; closes
 * the local frontier. 0 or an error. */
int crawl__remote_run(struct core_coro *co, struct crawl *c);
/* Coroutines (arg: the crawl): commit as soon as the last commit is over; renew leases. */
int crawl__remote_committer(struct core_coro *co, void *arg);
int crawl__remote_renewer(struct core_coro *co, void *arg);
/* The last commit, and leases still held given back. 0 or the Redis error that stopped it. */
int crawl__remote_finish(struct core_coro *co, struct crawl *c);

#endif
