/* app/crawl/crawl.c: the crawl engine (see crawl.h): its workers, setup and run.
 *
 * Every URL the crawl knows is in the visited set with its best depth and a state (crawl_int.h).
 * discover.c is the one place a found URL is judged; a worker makes one request per job
 * (jobs.c). A chain of redirects and retries carries its state (struct chain) in the job's
 * extra block, so the URL's one record is written when the chain ends, whoever ends it. */
#include "app/crawl/crawl.h"
#include "app/crawl/crawl_int.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app/crawl/page.h"
#include "app/crawl/scope.h"
#include "app/crawl/state.h"
#include "app/crawl/warc.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/offload.h"
#include "core/sigwatch.h"
#include "parse/html.h"
#include "parse/robots.h"
#include "parse/sitemap.h"
#include "parse/url.h"

void crawl_config_init(struct crawl_config *c)
{
    memset(c, 0, sizeof(*c));
    c->max_depth = 2;
    c->workers = 32;
    c->order = FRONTIER_BFS;
    fetch_opts_init(&c->fetch);
    c->fetch.timeout_ms = 30000;
    c->fetch.connect_timeout_ms = 10000;
    c->fetch.low_speed_bytes = 1000;
    c->fetch.low_speed_ms = 15000;
    c->max_url_len = 2048;
    c->max_links_per_page = PARSE_HTML_MAX_LINKS_DEFAULT;
    c->max_redirects = 5;
    c->grace_ms = 5000;
    c->progress_ms = 250;
    c->commit_ms = 5;
    c->per_host = 2;
    c->robots = true;
    c->max_crawl_delay_ms = 60000;
    c->retries = 2;
    c->retry_base_ms = 500;
    c->max_retry_wait_ms = 60000;
    c->max_path_repeat = 3;
    c->max_query_variants = 1000;
    c->max_sitemap_bytes = 50u << 20; /* the sitemaps protocol's own limit */
}

const char *crawl_error_name(enum crawl_error e)
{
    static const char *const names[CRAWL_E_COUNT] = {
        NULL, "dns", "connect", "timeout", "tls", "too_large", "protocol", "reset",
        "redirect_loop", "redirect_limit", "redirect_out_of_scope", "redirect_scheme",
        "cancelled", "robots", "other", "dead_letter"};

    return e < CRAWL_E_COUNT ? names[e] : "other";
}

const char *crawl_status_class_name(enum crawl_status_class c)
{
    static const char *const names[CRAWL_STATUS_COUNT] = {
        "none", "1xx", "2xx", "3xx", "4xx", "5xx", "other"};

    return c < CRAWL_STATUS_COUNT ? names[c] : "other";
}

const char *crawl_skip_name(enum crawl_skip s)
{
    static const char *const names[CRAWL_SKIP_COUNT] = {
        "scope", "depth", "robots", "nofollow", "scheme", "too_long", "malformed", "trap",
        "max_pages", "redirect_out_of_scope", "interrupted", "too_many_links"};

    return s < CRAWL_SKIP_COUNT ? names[s] : "other";
}

/* --- coroutines ---------------------------------------------------------------------------- */

static int worker(struct core_coro *co, void *arg)
{
    struct crawl *c = arg;
    struct frontier_job *job;
    enum job_end end;
    int rc;

    while ((rc = frontier_take(co, c->frontier, &job)) == 0) {
        if (job->kind == FRONTIER_ROBOTS)
            end = crawl__robots_job(co, c, job);
        else if (job->kind == FRONTIER_SITEMAP)
            end = crawl__sitemap_job(co, c, job);
        else
            end = crawl__page_job(co, c, job);
        if (end == JOB_DONE)
            frontier_done(c->frontier, job);
        else if (end == JOB_ABANDONED)
            frontier_abandon(c->frontier, job);
        if (c->remote)
            crawl__remote_job_ended(c);
    }
    return rc == -EPIPE ? 0 : rc;
}

/* The first stop request drops the queue; fetches in flight get the grace period. */
static void on_stop(void *arg)
{
    struct crawl *c = arg;

    c->stopping = true;
    c->st.interrupted = true;
    frontier_close(c->frontier, true);
}

/* Grace over, or a second request: abort the fetches in flight (recorded as cancelled). */
static void on_abort(void *arg)
{
    struct crawl *c = arg;

    core_group_cancel(c->workers);
}

static int progress(struct core_coro *co, void *arg)
{
    struct crawl *c = arg;
    struct crawl_progress p;

    while (core_sleep(co, core_deadline_in(c->cfg->progress_ms)) == 0) {
        p.done = c->st.attempted;
        p.queued = frontier_queued(c->frontier);
        p.in_flight = frontier_in_progress(c->frontier);
        p.errors = c->st.attempted - c->st.ok;
        c->cfg->on_progress(&p, c->cfg->arg);
    }
    return 0;
}

/* --- --state -------------------------------------------------------------------------------- */

/* Commit the state with the outputs as they are now. A failure stops the crawl (the state stays
 * the last commit, so it can be resumed once the cause is gone). */
int crawl__outputs(struct crawl *c, struct crawl_state_file *files, size_t max, size_t *nfiles,
                   struct core_buf *archive)
{
    size_t n = c->cfg->state_files ? c->cfg->state_files(files, max, c->cfg->arg) : 0;
    int rc = 0;

    if (c->links && c->cfg->links_path && n < max)
        files[n++] = (struct crawl_state_file){"links", c->cfg->links_path,
                                               linkstore_fd(c->links),
                                               (int64_t)linkstore_end(c->links)};
    if (c->cfg->warc) {
        n += crawl_warc_files(c->cfg->warc, files + n, max - n);
        rc = crawl_warc_save(c->cfg->warc, archive);
    }
    *nfiles = n;
    return rc;
}

static int commit_state(struct core_coro *co, struct crawl *c, bool finished)
{
    struct crawl_state_file files[8];
    struct core_buf warc;
    size_t n;
    int rc;

    core_buf_init(&warc, 1u << 20);
    rc = crawl__outputs(c, files, 8, &n, &warc);
    c->st.elapsed_ms = c->elapsed_base + core_now_ms() - c->t0;
    if (rc == 0)
        rc = crawl_state_commit(co, c->cfg->state, &c->st, c->started, files, n, warc.data,
                                warc.len, finished);
    core_buf_free(&warc);

    if (rc < 0 && rc != -ECANCELED && !c->st.state_error) {
        c->st.state_error = rc;
        if (c->stop)
            core_sigwatch_request(c->stop, CORE_STOP_IMMEDIATE);
    }
    return rc;
}

/* Group commit: a commit starts as soon as the last one is over and there is something to
 * commit, so the state trails the crawl by one commit (a few ms), whatever the page rate. */
static int committer(struct core_coro *co, void *arg)
{
    struct crawl *c = arg;

    for (;;) {
        if (crawl_state_pending(c->cfg->state) == 0) {
            if (core_sleep(co, core_deadline_in(c->cfg->commit_ms)) != 0)
                break;
        } else if (commit_state(co, c, false) < 0) {
            break;
        }
    }
    return 0;
}

static void load_count(void *arg, size_t n)
{
    struct crawl *c = arg;

    if (parse_visited_reserve(c->visited, n) < 0)
        c->load_failed = true;
}

static void load_url(void *arg, uint64_t fp, unsigned depth, unsigned state)
{
    struct crawl *c = arg;

    if (parse_visited_add(c->visited, fp, depth, NULL, NULL) >= 0)
        parse_visited_set_state(c->visited, fp,
                                state == CRAWL_URL_ACTIVE ? CRAWL_URL_QUEUED : state);
}

static void load_skips(void *arg, size_t n)
{
    struct crawl *c = arg;

    if (c->skip_seen && parse_visited_reserve(c->skip_seen, n) < 0)
        c->load_failed = true;
}

static void load_skipped(void *arg, uint64_t fp)
{
    struct crawl *c = arg;

    if (c->skip_seen && parse_visited_add(c->skip_seen, fp, 0, NULL, NULL) < 0)
        c->load_failed = true;
}

static void load_scope(void *arg, const char *url)
{
    struct crawl *c = arg;

    (void)scope_add_seed(c->cfg->scope, url, strlen(url));
}

static void load_robots(void *arg, const char *origin, unsigned how, const char *body,
                        size_t len, int64_t delay)
{
    struct crawl *c = arg;
    struct parse_robots *rules = NULL;

    (void)delay; /* from the rules again, under this run's cap */
    if (!c->cfg->robots)
        return;
    if (crawl__robots_rules(c, how, body, len, &rules, &delay) < 0 ||
        frontier_host_known(c->frontier, origin, strlen(origin), rules, delay) < 0)
        c->load_failed = true;
}

/* A retry's wait, from wall-clock time back to the loop's clock; one that has passed is moot. */
static void load_host_wait(void *arg, const char *origin, int64_t until_ms)
{
    struct crawl *c = arg;
    int64_t left = until_ms - crawl__wall_ms();

    if (left > 0 && frontier_host_wait(c->frontier, origin, strlen(origin),
                                       core_now_ms() + left) < 0)
        c->load_failed = true;
}

static void load_trap(void *arg, uint64_t key, uint64_t count)
{
    struct crawl *c = arg;

    if (traps_set(c->traps, key, count) < 0)
        c->load_failed = true;
}

static void load_digest(void *arg, const char *digest, const char *uri, int64_t date_ms,
                        const char *record_id)
{
    struct crawl *c = arg;

    if (c->cfg->warc)
        crawl_warc_known(c->cfg->warc, digest, uri, date_ms, record_id);
}

static void load_job(void *arg, const struct frontier_new *n, const char *parent_url)
{
    struct crawl *c = arg;
    struct frontier_new job = *n;
    struct frontier_parent *parent = NULL;

    job.origin_len = crawl__origin_len(n->url, n->len);
    if (parent_url) {
        /* jobs of one page come together: share their parent as a live crawl does */
        if (c->load_parent && strcmp(c->load_parent->url, parent_url) == 0) {
            parent = c->load_parent;
        } else {
            frontier_parent_release(c->load_parent);
            parent = c->load_parent = frontier_parent_new(parent_url);
        }
    }
    job.parent = parent;
    /* a stored job's URL is QUEUED, whatever its row said (BEYOND before a shorter route) */
    if (parse_visited_add(c->visited, n->fp, n->depth, NULL, NULL) < 0 ||
        parse_visited_set_state(c->visited, n->fp, CRAWL_URL_QUEUED) < 0)
        c->load_failed = true;
    if (frontier_add_job(c->frontier, &job, true, NULL) < 0) {
        core_free(job.extra);
        c->load_failed = true;
    }
}

static void load_links(void *arg, uint64_t fp, uint64_t off, uint64_t len)
{
    struct crawl *c = arg;

    if (c->links && linkstore_index(c->links, fp, off, len) < 0)
        c->load_failed = true;
}

/* A resumed crawl: the visited set, the lists and the jobs back from the state. */
static int load_state(struct crawl *c)
{
    struct crawl_state_load cb = {
        .urls = load_count, .url = load_url, .skips = load_skips, .skipped = load_skipped,
        .scope = load_scope, .robots = load_robots, .host_wait = load_host_wait,
        .trap = load_trap, .digest = load_digest, .links = load_links, .job = load_job, .arg = c};
    struct crawl_state_loaded l;
    struct crawl_stats st;
    int rc;

    memset(&st, 0, sizeof(st));
    rc = crawl_state_read(c->cfg->state, &cb, &l, &st);
    frontier_parent_release(c->load_parent);
    c->load_parent = NULL;
    if (rc == 0 && c->load_failed)
        rc = -ENOMEM;
    if (rc == 0 && l.has_stats) {
        c->st = st;
        c->elapsed_base = st.elapsed_ms;
    }
    c->started = l.started;
    return rc;
}

/* The link store (dfs, best): a temporary file, or with --state one kept in the state
 * directory, every put kept. */
static int open_links(struct crawl *c)
{
    const struct crawl_config *cfg = c->cfg;
    int rc;

    if (!cfg->state || !cfg->links_path)
        return linkstore_create(&c->links);
    rc = linkstore_open(cfg->links_path, c->resuming ? cfg->links_len : 0, &c->links);
    if (rc == 0)
        linkstore_keep(c->links, crawl_state_links, cfg->state);
    return rc;
}

/* The visited set's fingerprints are keyed: a resumed crawl must use the key of the first. */
static int visited_seed(struct crawl *c, uint64_t *seed)
{
    int rc;

    if (!c->cfg->state)
        return 0;
    c->resuming = c->cfg->resume;
    if (c->resuming) {
        rc = crawl_state_seed_of(c->cfg->state, seed);
        if (rc != -ENOENT)
            return rc;
        c->resuming = false; /* killed before its first commit: begin again */
    }
    crawl_state_seed(c->cfg->state, *seed);
    return 0;
}

/* --- running ----------------------------------------------------------------------------------- */

static int add_seeds(struct crawl *c)
{
    const struct crawl_config *cfg = c->cfg;
    size_t i;
    int rc;

    for (i = 0; i < cfg->nseeds; i++) {
        rc = scope_add_seed(cfg->scope, cfg->seeds[i], strlen(cfg->seeds[i]));
        if (rc < 0)
            return rc;
    }
    if (c->resuming)
        return load_state(c);
    for (i = 0; i < cfg->nseeds; i++)
        crawl__discover(c, cfg->seeds[i], strlen(cfg->seeds[i]), 0, NULL, NULL);
    return 0;
}

/* The robots.txt product token: the User-Agent up to its first '/' or space ("trawl"). */
static void set_agent(struct crawl *c)
{
    const char *ua = c->cfg->fetch.user_agent ? c->cfg->fetch.user_agent : FETCH_USER_AGENT;
    size_t n = strcspn(ua, "/ \t");

    if (n == 0 || n >= sizeof(c->agent)) {
        ua = "trawl";
        n = strlen(ua);
    }
    memcpy(c->agent, ua, n);
    c->agent[n] = '\0';
}

static int setup(struct crawl *c, struct core_coro *co)
{
    const struct crawl_config *cfg = c->cfg;
    struct frontier_opts fo;
    uint64_t seed = ((uint64_t)crawl__wall_ms() << 20) ^ (uint64_t)(uintptr_t)c;
    int rc;

    c->loop = core_coro_loop(co);
    core_buf_init(&c->scratch, cfg->max_url_len);
    set_agent(c);
    retry_backoff_init(&c->backoff, cfg->retry_base_ms, cfg->max_retry_wait_ms,
                       cfg->max_retry_wait_ms,
                 seed | 1);
    frontier_opts_init(&fo);
    fo.order = cfg->order;
    fo.per_host = cfg->per_host;
    fo.delay_ms = cfg->delay_ms;
    fo.robots = cfg->robots;
    fo.allowed = crawl__robots_allowed;
    fo.rules_free = crawl__robots_free;
    fo.dropped = crawl__on_dropped;
    fo.arg = c;
    fo.store = cfg->state ? crawl_state_store(cfg->state) : NULL;
    if (cfg->redis) {
        /* Redis keeps per_host and the delay for every worker; here jobs just run, no host
         * waiting for a level (depths are the shared frontier's), and every worker
         * fingerprints URLs alike */
        fo.order = FRONTIER_DFS;
        fo.per_host = 0;
        fo.delay_ms = 0;
        seed = REMOTE_VISITED_SEED;
    }
    rc = visited_seed(c, &seed);
    if (rc == 0)
        rc = fetch_client_create(c->loop, &cfg->fetch, &c->http);
    if (rc == 0)
        rc = frontier_create(c->loop, &fo, &c->frontier);
    if (rc == 0)
        rc = parse_visited_create(seed, &c->visited);
    if (rc == 0 && cfg->on_skip)
        rc = parse_visited_create(seed ^ 0x5bd1e995u, &c->skip_seen);
    if (rc == 0)
        rc = traps_create(cfg->max_path_repeat, cfg->max_query_variants, &c->traps);
    if (rc == 0 && cfg->state)
        traps_keep(c->traps, crawl_state_trap, cfg->state);
    if (rc == 0 && cfg->order != FRONTIER_BFS && !cfg->redis)
        rc = open_links(c);
    if (rc == 0 && cfg->redis)
        rc = crawl__remote_create(c, cfg->redis_seq, &c->remote);
    if (rc == 0)
        rc = core_group_create(c->loop, 0, &c->workers);
    if (rc == 0)
        rc = core_group_create(c->loop, 0, &c->aux);
    return rc;
}

static void teardown(struct crawl *c)
{
    core_group_destroy(c->aux);
    core_group_destroy(c->workers);
    fetch_client_destroy(c->http);
    if (c->frontier) {
        c->st.frontier_peak = frontier_peak(c->frontier);
        c->st.hosts = frontier_hosts(c->frontier);
    }
    frontier_destroy(c->frontier);
    if (c->visited)
        c->st.visited = parse_visited_count(c->visited);
    parse_visited_destroy(c->visited);
    parse_visited_destroy(c->skip_seen);
    traps_destroy(c->traps);
    linkstore_destroy(c->links);
    crawl__remote_destroy(c->remote);
    core_buf_free(&c->scratch);
}

int crawl_run(struct core_coro *co, const struct crawl_config *cfg, struct core_sigwatch *stop,
              struct crawl_stats *st)
{
    struct crawl c;
    unsigned i;
    int rc;

    memset(&c, 0, sizeof(c));
    c.t0 = core_now_ms();
    c.cfg = cfg;
    c.stop = stop;
    rc = setup(&c, co);
    if (rc == 0)
        rc = add_seeds(&c);
    if (rc == 0 && cfg->state && !c.resuming)
        rc = commit_state(co, &c, false); /* the seeds' jobs: resumable from the start */
    for (i = 0; rc == 0 && i < cfg->workers; i++)
        rc = core_group_spawn(c.workers, worker, &c, NULL);
    if (rc == 0 && stop) {
        c.stopper = (struct stopper){stop, cfg->grace_ms, on_stop, on_abort, &c};
        rc = core_group_spawn(c.aux, stopper_run, &c.stopper, NULL);
    }
    if (rc == 0 && cfg->on_progress)
        rc = core_group_spawn(c.aux, progress, &c, NULL);
    if (rc == 0 && cfg->state)
        rc = core_group_spawn(c.aux, committer, &c, NULL);
    if (rc == 0 && c.remote)
        rc = core_group_spawn(c.aux, crawl__remote_committer, &c, NULL);
    if (rc == 0 && c.remote)
        rc = core_group_spawn(c.aux, crawl__remote_renewer, &c, NULL);
    if (rc == 0 && c.remote) {
        /* the shared crawl is over when nothing is queued or in flight anywhere */
        rc = crawl__remote_run(co, &c);
        if (rc == 0)
            rc = core_group_wait(co, c.workers, -1);
        core_group_cancel(c.aux);
        if (core_group_wait(co, c.aux, -1) < 0) {
            /* a member's error: the committer's was reported by the crawl's Redis error */
        }
        (void)crawl__remote_finish(co, &c);
    } else if (rc == 0) {
        /* The crawl is over when every job added has been done: pages, hops, retries that
         * wait for their time, robots.txt files. */
        rc = frontier_join(co, c.frontier);
        frontier_close(c.frontier, false);
        if (rc == 0)
            rc = core_group_wait(co, c.workers, -1);
    }
    c.st.elapsed_ms = c.elapsed_base + core_now_ms() - c.t0;
    if (rc == 0 && cfg->state) {
        /* the last commit, once the committer is out of its own; the crawl is finished when
         * nothing was left for a resume */
        core_group_cancel(c.aux);
        if (core_group_wait(co, c.aux, -1) < 0) {
            /* a member's error: the stop watcher's or progress's, nothing the state needs */
        }
        (void)commit_state(co, &c, !c.stopping && !c.st.state_error && !cfg->warc);
    }
    teardown(&c);
    *st = c.st;
    return rc;
}
