/* app/crawl/crawl.h: the crawl engine: seeds in, one record per URL attempted out.
 *
 * N worker coroutines take jobs from the frontier (per-host queues with a concurrency limit
 * and a delay per host, app/crawl/frontier.h), make one HTTP request per job through one
 * fetch_client, analyse HTML pages on the thread pool (app/crawl/page.h), and add each new in-scope
 * link at depth + 1. A redirect's target and a retry go back into the frontier as jobs of their
 * own, so politeness, robots.txt and deduplication apply to every hop and no worker sleeps
 * through a backoff; a URL's record is written when its chain of hops ends.
 * robots.txt (RFC 9309) is fetched once per host before its first page; pages it disallows are
 * recorded with error "robots" and never requested.
 * Depth is the shortest link distance from a seed whatever the order: the visited set keeps
 * each URL's best depth, and a page reached again by a shorter route after it was fetched has
 * its stored links followed again from there (app/crawl/linkstore.h). The crawl ends when every job,
 * including those waiting for a retry time, a host delay or a robots.txt, is done.
 *
 * Stopping: when the stop watcher reaches CORE_STOP_GRACEFUL, nothing new is started (queued
 * URLs are dropped and counted), fetches in flight may finish within grace_ms, then they are
 * aborted; CORE_STOP_IMMEDIATE aborts them at once. Aborted fetches still produce a record.
 *
 * Ownership: the config and everything it points to are borrowed for the call. on_record is
 * called on the loop thread with a record valid only during the call. */
#ifndef APP_CRAWL_H
#define APP_CRAWL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/crawl/frontier.h"
#include "fetch/client.h"
#include "parse/html.h"

struct core_coro;
struct core_sigwatch;
struct crawl_warc;
struct scope;

struct crawl_record {
    const char *url;
    const char *final_url;      /* where the last redirect hop led, or url */
    unsigned depth;
    const char *parent;         /* the page it was first found on, or NULL for seeds */
    long status;                /* 0 when no response */
    const char *content_type;   /* "" when none */
    int64_t bytes;              /* body bytes received (after decoding) */
    const char *title;          /* NULL when none */
    long links_found;           /* -1 when the page was not parsed for links */
    long links_new;             /* -1 likewise */
    double fetch_ms;            /* all hops, first byte sent to last byte received */
    const char *error;          /* NULL, or a word from crawl_error_name */
    int64_t fetched_at_ms;      /* Unix time in ms when the fetch started */
    unsigned redirects;
    unsigned attempts;          /* requests made for it, retries included; 0 when none */
    const char *warc_file;      /* WARC file of its (last hop's) response or revisit record,
                                   NULL when none (no --warc, or no answer) */
    int64_t warc_offset;        /* that record's offset in the file; -1 when none */
};

/* Why a discovered URL was not fetched (--skipped). */
enum crawl_skip {
    CRAWL_SKIP_SCOPE,
    CRAWL_SKIP_DEPTH,
    CRAWL_SKIP_ROBOTS,
    CRAWL_SKIP_NOFOLLOW,
    CRAWL_SKIP_SCHEME,
    CRAWL_SKIP_TOO_LONG,
    CRAWL_SKIP_MALFORMED,
    CRAWL_SKIP_TRAP,
    CRAWL_SKIP_MAX_PAGES,
    CRAWL_SKIP_REDIRECT_OUT_OF_SCOPE,
    CRAWL_SKIP_INTERRUPTED,
    CRAWL_SKIP_TOO_MANY_LINKS,  /* url is a page fetched whose links past max_links_per_page
                                   were dropped unseen; listed once, with its own parent */
    CRAWL_SKIP_COUNT
};

const char *crawl_skip_name(enum crawl_skip s);
typedef void crawl_skip_fn(const char *url, const char *parent, enum crawl_skip why, void *arg);

typedef void crawl_record_fn(const struct crawl_record *r, void *arg);

/* Live figures for a progress line. */
struct crawl_progress {
    uint64_t done;
    size_t queued;
    size_t in_flight;
    uint64_t errors;
};


struct crawl_state;
struct crawl_state_file;

struct crawl_config {
    const char *const *seeds;   /* normalised absolute URLs */
    size_t nseeds;
    unsigned max_depth;
    unsigned workers;
    uint64_t max_pages;         /* 0 = no limit */
    enum frontier_order order;
    struct scope *scope;        /* seeds are added by crawl_run */
    struct fetch_opts fetch;
    bool follow_nofollow;
    unsigned html_parser;       /* enum parse_html_parser: PARSE_HTML_SCANNER (0) by default */
    size_t max_url_len;
    size_t max_links_per_page;  /* links of a page judged, in document order; the rest are
                                   dropped and counted (0 = parse/html.h's default) */
    unsigned max_redirects;
    int64_t grace_ms;
    unsigned per_host;          /* requests in flight per host (0 = no limit) */
    int64_t delay_ms;           /* between requests to one host */
    bool robots;                /* obey robots.txt */
    int64_t max_crawl_delay_ms; /* cap on a robots.txt Crawl-delay */
    unsigned retries;           /* extra attempts on timeouts, connection errors, 5xx, 429 */
    int64_t retry_base_ms;
    int64_t max_retry_wait_ms;  /* cap on backoff and Retry-After */
    unsigned max_path_repeat;   /* a path segment repeated more often is a trap */
    unsigned max_query_variants;/* distinct query strings per path before it is a trap */
    bool sitemaps;              /* seed the crawl from the sitemaps robots.txt lists */
    size_t max_sitemap_bytes;   /* a sitemap file's size cap, after decompression */
    crawl_skip_fn *on_skip;     /* --skipped, or NULL */
    crawl_record_fn *on_record;
    void (*on_progress)(const struct crawl_progress *p, void *arg); /* every progress_ms */
    int64_t progress_ms;
    void *arg;                  /* for on_record and on_progress */
    struct crawl_warc *warc;    /* archive every fetch here (app/crawl/warc.h), or NULL */
    /* --state: the durable state (app/crawl/state.h), or NULL. With resume, the crawl goes on
     * from what it holds (seeds only widen the scope). The state commits, with the files
     * state_files lists (at most max, returns how many), once at the start, then as soon as
     * the last commit is over and there is something new (looking every commit_ms when idle),
     * and at the end. */
    struct crawl_state *state;
    bool resume;
    const char *links_path;     /* --state with dfs or best: the link store's file, kept */
    uint64_t links_len;         /* ... and its committed length (a resume) */
    int64_t commit_ms;
    size_t (*state_files)(struct crawl_state_file *files, size_t max, void *arg);
    /* --redis: the shared frontier (app/crawl/redisfront.h), created or joined, or NULL. The
     * crawl takes its jobs from there and commits to it (state_files: the outputs whose
     * lengths each commit records); seeds were added by the caller. */
    struct redisfront *redis;
    const char *worker_id;
    uint64_t redis_seq;         /* the last commit Redis holds for this worker */
    int64_t lease_ms;           /* the crawl's lease (renewed every third of it) */
    size_t lease_batch;         /* jobs leased per call at most (0: workers) */
};

void crawl_config_init(struct crawl_config *c);

/* Error classes of a record, and how many of each. */
enum crawl_error {
    CRAWL_OK,
    CRAWL_E_DNS,
    CRAWL_E_CONNECT,
    CRAWL_E_TIMEOUT,
    CRAWL_E_TLS,
    CRAWL_E_TOO_LARGE,
    CRAWL_E_PROTOCOL,
    CRAWL_E_RESET,
    CRAWL_E_REDIRECT_LOOP,
    CRAWL_E_REDIRECT_LIMIT,
    CRAWL_E_REDIRECT_OUT_OF_SCOPE,
    CRAWL_E_REDIRECT_SCHEME,
    CRAWL_E_CANCELLED,
    CRAWL_E_ROBOTS,
    CRAWL_E_OTHER,
    CRAWL_E_DEAD_LETTER,        /* --redis: its leases kept killing workers */
    CRAWL_E_COUNT
};

const char *crawl_error_name(enum crawl_error e);

/* Classes of a record's last HTTP status, for the summary. */
enum crawl_status_class {
    CRAWL_STATUS_NONE,          /* no response (status 0) */
    CRAWL_STATUS_1XX,
    CRAWL_STATUS_2XX,
    CRAWL_STATUS_3XX,
    CRAWL_STATUS_4XX,
    CRAWL_STATUS_5XX,
    CRAWL_STATUS_OTHER,         /* a response outside 100-599 */
    CRAWL_STATUS_COUNT
};

/* "none", "1xx" ... "5xx", "other". */
const char *crawl_status_class_name(enum crawl_status_class c);

struct crawl_stats {
    uint64_t attempted;         /* records written */
    uint64_t ok;                /* 2xx responses */
    uint64_t http_errors;       /* 4xx and 5xx responses */
    uint64_t status[CRAWL_STATUS_COUNT]; /* records by their status's class */
    uint64_t errors[CRAWL_E_COUNT];
    uint64_t bytes;
    uint64_t links_found;
    uint64_t duplicates;        /* links to URLs already known */
    uint64_t out_of_scope;
    uint64_t beyond_depth;
    uint64_t skipped_links;     /* scheme, malformed, too long, nofollow */
    uint64_t traps;             /* URLs dropped as crawler traps */
    uint64_t links_dropped;     /* links past max_links_per_page (or the page's byte cap for
                                   links, app/crawl/page.h), never judged */
    uint64_t link_capped_pages; /* pages that had such links */
    uint64_t robots_denied;     /* pages robots.txt disallowed */
    uint64_t robots_fetched;    /* robots.txt files requested */
    uint64_t sitemaps;          /* Sitemap: lines seen in robots.txt files */
    uint64_t sitemaps_fetched;  /* sitemap files requested (--sitemaps) */
    uint64_t sitemap_urls;      /* <loc> URLs they listed */
    uint64_t retries;           /* requests made again after a failure */
    uint64_t shorter_routes;    /* URLs later reached by a shorter route */
    uint64_t not_reached;       /* queued URLs dropped by a stop or --max-pages */
    uint64_t visited;           /* URLs known to the visited set */
    uint64_t html_read[2];      /* HTML pages read, by enum parse_html_parser */
    uint64_t html_best_effort;  /* ... of which too deep for gumbo: the scanner, best effort */
    uint64_t html_why[PARSE_HTML_DEFER_COUNT]; /* pages that went to gumbo, by reason */
    size_t frontier_peak;
    size_t hosts;
    int64_t elapsed_ms;
    bool interrupted;
    int state_error;            /* a commit of --state (or to Redis) failed: it stopped */
    uint64_t remote_calls;      /* --redis: scripts run (round trips) */
    uint64_t remote_leased;     /* jobs leased */
    uint64_t remote_committed;  /* jobs committed back */
    uint64_t remote_handed_on;  /* host slots handed on to a job leased ahead (no round trip) */
    uint64_t remote_stale;      /* leases that ran out before their commit */
};

/* Run the crawl to its end. 0, or a setup error (-ENOMEM, ...). st is filled either way. */
int crawl_run(struct core_coro *co, const struct crawl_config *cfg, struct core_sigwatch *stop,
              struct crawl_stats *st);

#endif
