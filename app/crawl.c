/* app/crawl.c: the crawl engine (see crawl.h).
 *
 * Every URL the crawl knows is in the visited set with its best depth and a state:
 * QUEUED (a job waits in the frontier), ACTIVE (a worker has it), DONE, or BEYOND (seen only
 * past the depth limit). discover() is the one place a found URL is judged; process() is what
 * a worker does with one job. Both run on the loop thread; page analysis runs on the pool. */
#include "app/crawl.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "app/linkstore.h"
#include "app/page.h"
#include "app/scope.h"
#include "core/group.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/offload.h"
#include "core/sigwatch.h"
#include "parse/url.h"
#include "parse/visited.h"

/* A stored link that is a redirect target keeps the page's depth instead of depth + 1. */
#define REDIRECT_MARK '\x01'

struct crawl {
    const struct crawl_config *cfg;
    struct core_loop *loop;
    struct fetch_client *http;
    struct frontier *frontier;
    struct parse_visited *visited;
    struct linkstore *links;        /* dfs and best only */
    struct core_group *workers;
    struct core_group *aux;         /* stop watcher, progress */
    struct core_sigwatch *stop;
    struct crawl_stats st;
    struct core_buf scratch;        /* normalising redirect targets */
    uint64_t started;
    bool stopping;
    int setup_error;
};

void crawl_config_init(struct crawl_config *c)
{
    memset(c, 0, sizeof(*c));
    c->max_depth = 2;
    c->workers = 32;
    c->order = FRONTIER_BFS;
    fetch_opts_init(&c->fetch);
    c->fetch.timeout_ms = 30000;
    c->fetch.connect_timeout_ms = 10000;
    c->max_url_len = 2048;
    c->max_redirects = 5;
    c->grace_ms = 5000;
    c->progress_ms = 250;
}

const char *crawl_error_name(enum crawl_error e)
{
    static const char *const names[CRAWL_E_COUNT] = {
        NULL, "dns", "connect", "timeout", "tls", "too_large", "protocol", "reset",
        "redirect_loop", "redirect_limit", "redirect_out_of_scope", "redirect_scheme",
        "cancelled", "other"};

    return e < CRAWL_E_COUNT ? names[e] : "other";
}

static enum crawl_error error_of(int err)
{
    switch (err) {
    case 0: return CRAWL_OK;
    case CORE_EDNS: return CRAWL_E_DNS;
    case CORE_ECONNECT: return CRAWL_E_CONNECT;
    case -ETIMEDOUT: return CRAWL_E_TIMEOUT;
    case CORE_ETLS: return CRAWL_E_TLS;
    case CORE_ETOOLARGE: return CRAWL_E_TOO_LARGE;
    case CORE_EHTTP: return CRAWL_E_PROTOCOL;
    case -ECONNRESET: return CRAWL_E_RESET;
    case CORE_ESCHEME: return CRAWL_E_REDIRECT_SCHEME;
    case -ECANCELED: return CRAWL_E_CANCELLED;
    default: return CRAWL_E_OTHER;
    }
}

static int64_t wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool is_html(const char *content_type)
{
    size_t n = strcspn(content_type, "; \t");

    return (n == 9 && strncasecmp(content_type, "text/html", 9) == 0) ||
           (n == 21 && strncasecmp(content_type, "application/xhtml+xml", 21) == 0);
}

/* --- discovering URLs ------------------------------------------------------------------ */

static void reexpand(struct crawl *c, uint64_t fp, const char *url, unsigned depth);

/* Judge one URL found at depth on parent's page (or a seed, parent NULL). Counts new jobs in
 * *added. Failures to queue (out of memory, a closed frontier) drop the URL. */
static void discover(struct crawl *c, const char *url, size_t len, unsigned depth,
                     struct frontier_parent *parent, long *added)
{
    const struct crawl_config *cfg = c->cfg;
    enum parse_visited_state state = PARSE_VISITED_QUEUED;
    bool beyond = depth > cfg->max_depth;
    unsigned prev = 0;
    uint64_t fp;
    int rc;

    if (scope_check(cfg->scope, url, len) != SCOPE_IN) {
        c->st.out_of_scope++;
        return;
    }
    fp = parse_visited_fingerprint(c->visited, url, len);
    rc = parse_visited_add(c->visited, fp, depth, &prev, &state);
    if (rc == PARSE_VISITED_SEEN) {
        c->st.duplicates++;
        return;
    }
    if (rc == PARSE_VISITED_SHORTER) {
        c->st.shorter_routes++;
        if (state == PARSE_VISITED_DONE)
            reexpand(c, fp, url, depth);
        if (state != PARSE_VISITED_BEYOND)
            return; /* QUEUED and ACTIVE jobs read the better depth themselves */
    } else if (rc != PARSE_VISITED_NEW) {
        return; /* -ENOMEM: the URL is lost, and counted nowhere better */
    }
    if (beyond) {
        parse_visited_set_state(c->visited, fp, PARSE_VISITED_BEYOND);
        c->st.beyond_depth += rc == PARSE_VISITED_NEW;
        return;
    }
    parse_visited_set_state(c->visited, fp, PARSE_VISITED_QUEUED);
    if (frontier_add(c->frontier, url, len, fp, depth, parent) == 0 && added)
        (*added)++;
}

/* A fetched page was reached by a shorter route: follow its stored links from there. */
static void reexpand(struct crawl *c, uint64_t fp, const char *url, unsigned depth)
{
    struct frontier_parent *parent;
    struct core_buf links;
    size_t off;

    if (!c->links)
        return;
    core_buf_init(&links, 256u << 20);
    if (linkstore_get(c->links, fp, &links) == 0 && (parent = frontier_parent_new(url)) != NULL) {
        for (off = 0; off < links.len;) {
            const char *l = links.data + off;
            size_t n = strlen(l);
            bool hop = l[0] == REDIRECT_MARK;

            discover(c, l + hop, n - hop, hop ? depth : depth + 1, parent, NULL);
            off += n + 1;
        }
        frontier_parent_release(parent);
    }
    core_buf_free(&links);
}

/* --- fetching one job ------------------------------------------------------------------ */

struct hop_chain {
    uint64_t fps[32];
    unsigned n;
};

/* Decide about a redirect from cur (at depth) to location. Returns true when the chain goes
 * on to fetch the target (now in c->scratch), false when it ends with *err (or none). */
static bool follow_hop(struct crawl *c, struct hop_chain *chain, const char *cur,
                       const char *location, unsigned depth, enum crawl_error *err)
{
    const struct crawl_config *cfg = c->cfg;
    enum parse_visited_state state = PARSE_VISITED_QUEUED;
    unsigned prev, i;
    uint64_t fp;
    int rc;

    if (chain->n > cfg->max_redirects || chain->n >= 32) {
        *err = CRAWL_E_REDIRECT_LIMIT;
        return false;
    }
    rc = parse_url_resolve(cur, strlen(cur), location, strlen(location), &c->scratch);
    if (rc < 0) {
        *err = rc == CORE_ESCHEME ? CRAWL_E_REDIRECT_SCHEME : CRAWL_E_PROTOCOL;
        return false;
    }
    if (depth == 0)
        scope_add_seed(cfg->scope, c->scratch.data, c->scratch.len);
    if (scope_check(cfg->scope, c->scratch.data, c->scratch.len) != SCOPE_IN) {
        *err = CRAWL_E_REDIRECT_OUT_OF_SCOPE;
        return false;
    }
    fp = parse_visited_fingerprint(c->visited, c->scratch.data, c->scratch.len);
    for (i = 0; i < chain->n; i++)
        if (chain->fps[i] == fp) {
            *err = CRAWL_E_REDIRECT_LOOP;
            return false;
        }
    if (c->links) {
        /* so a later, shorter route to cur also reaches the target */
        struct core_buf hop;

        core_buf_init(&hop, c->scratch.len + 2);
        if (core_buf_putc(&hop, REDIRECT_MARK) == 0 &&
            core_buf_append(&hop, c->scratch.data, c->scratch.len + 1) == 0)
            linkstore_put(c->links, chain->fps[chain->n - 1], hop.data, hop.len);
        core_buf_free(&hop);
    }
    rc = parse_visited_add(c->visited, fp, depth, &prev, &state);
    if (rc == PARSE_VISITED_NEW || (rc == PARSE_VISITED_SHORTER && state == PARSE_VISITED_BEYOND)) {
        parse_visited_set_state(c->visited, fp, PARSE_VISITED_ACTIVE);
        chain->fps[chain->n++] = fp;
        return true;
    }
    if (rc == PARSE_VISITED_SHORTER && state == PARSE_VISITED_DONE)
        reexpand(c, fp, c->scratch.data, depth);
    c->st.duplicates++;
    return false; /* someone else has fetched or will fetch it */
}

/* Fetch job->url and the redirects after it. Leaves the last response in res, the last URL
 * requested or pointed at in *final (owned), and the hops in chain. */
static enum crawl_error fetch_chain(struct core_coro *co, struct crawl *c,
                                    const struct frontier_job *job, unsigned depth,
                                    struct hop_chain *chain, struct fetch_result *res,
                                    char **final, struct crawl_record *rec)
{
    enum crawl_error err = CRAWL_OK;
    char *cur = core_strdup(job->url);
    int rc;

    chain->fps[0] = job->fp;
    chain->n = 1;
    while (cur) {
        fetch_result_free(res);
        fetch_result_init(res);
        rc = fetch_client_get(co, c->http, cur, res);
        rec->fetch_ms += res->ms_total;
        if (rc != 0) {
            err = error_of(rc);
            break;
        }
        if (res->status < 300 || res->status >= 400 || !res->location)
            break;
        if (!follow_hop(c, chain, cur, res->location, depth, &err)) {
            if (err == CRAWL_OK) { /* ended at a URL handled elsewhere */
                core_free(cur);
                cur = core_strdup(c->scratch.data);
            }
            break;
        }
        core_free(cur);
        cur = core_strdup(c->scratch.data);
        rec->redirects++;
    }
    *final = cur;
    return cur ? err : CRAWL_E_OTHER;
}

struct analysis {
    struct page_input in;
    struct page_output out;
};

static int analyze_on_pool(void *arg)
{
    struct analysis *a = arg;

    return page_analyze(&a->in, &a->out);
}

/* Parse a fetched HTML page off the loop, then judge its links. */
static void expand(struct core_coro *co, struct crawl *c, const struct fetch_result *res,
                   const char *page_url, uint64_t fp, struct crawl_record *rec,
                   struct analysis *a)
{
    const struct crawl_config *cfg = c->cfg;
    struct frontier_parent *parent;
    unsigned depth = rec->depth;
    long added = 0;
    size_t off;

    a->in.body = res->body.data ? res->body.data : "";
    a->in.len = res->body.len;
    a->in.content_type = res->content_type;
    a->in.url = page_url;
    /* bfs depths are final, so a page at the limit needs its title only */
    a->in.title_only = cfg->order == FRONTIER_BFS && depth >= cfg->max_depth;
    a->in.follow_nofollow = cfg->follow_nofollow;
    a->in.max_url_len = cfg->max_url_len;
    if (core_offload(co, analyze_on_pool, a, -1) != 0)
        return;
    rec->title = a->out.title;
    c->st.skipped_links += a->out.nskipped;
    if (a->in.title_only)
        return;
    rec->links_found = (long)a->out.links_found;
    c->st.links_found += a->out.links_found;
    /* the page may have been reached by a shorter route while it was being fetched */
    parse_visited_get(c->visited, fp, &depth, NULL);
    parent = frontier_parent_new(page_url);
    for (off = 0; parent && off < a->out.links.len;) {
        const char *l = a->out.links.data + off;
        size_t n = strlen(l);

        discover(c, l, n, depth + 1, parent, &added);
        off += n + 1;
    }
    frontier_parent_release(parent);
    rec->links_new = added;
    if (c->links && depth > 0 && a->out.links.len > 0)
        linkstore_put(c->links, fp, a->out.links.data, a->out.links.len);
}

static void emit(struct crawl *c, struct crawl_record *rec, enum crawl_error err)
{
    rec->error = crawl_error_name(err);
    c->st.attempted++;
    c->st.errors[err]++;
    if (err == CRAWL_OK && rec->status >= 200 && rec->status < 300)
        c->st.ok++;
    else if (rec->status >= 400)
        c->st.http_errors++;
    c->st.bytes += (uint64_t)rec->bytes;
    if (c->cfg->on_record)
        c->cfg->on_record(rec, c->cfg->arg);
}

/* Whether this job may still be fetched (stop requested, --max-pages reached). */
static bool may_start(struct crawl *c)
{
    if (c->stopping)
        return false;
    if (c->cfg->max_pages && c->started >= c->cfg->max_pages)
        return false;
    if (c->cfg->max_pages && c->started + 1 == c->cfg->max_pages) {
        /* this is the last one: drop the rest now so the crawl ends promptly */
        c->st.not_reached += frontier_queued(c->frontier);
        frontier_close(c->frontier, true);
    }
    c->started++;
    return true;
}

static void process(struct core_coro *co, struct crawl *c, struct frontier_job *job)
{
    struct crawl_record rec;
    struct fetch_result res;
    struct hop_chain chain;
    struct analysis a;
    enum crawl_error err;
    char *final = NULL;
    unsigned i;

    if (!may_start(c)) {
        c->st.not_reached++;
        return;
    }
    memset(&rec, 0, sizeof(rec));
    rec.url = job->url;
    rec.parent = job->parent ? job->parent->url : NULL;
    rec.links_found = -1;
    rec.links_new = -1;
    rec.fetched_at_ms = wall_ms();
    parse_visited_get(c->visited, job->fp, &rec.depth, NULL);
    parse_visited_set_state(c->visited, job->fp, PARSE_VISITED_ACTIVE);
    fetch_result_init(&res);
    page_output_init(&a.out);
    err = fetch_chain(co, c, job, rec.depth, &chain, &res, &final, &rec);
    rec.final_url = final ? final : job->url;
    rec.status = res.status;
    rec.content_type = res.content_type;
    rec.bytes = (int64_t)res.body.len;
    if (err == CRAWL_OK && res.status >= 200 && res.status < 300 && is_html(res.content_type))
        expand(co, c, &res, rec.final_url, chain.fps[chain.n - 1], &rec, &a);
    for (i = 0; i < chain.n; i++)
        parse_visited_set_state(c->visited, chain.fps[i], PARSE_VISITED_DONE);
    emit(c, &rec, err);
    page_output_free(&a.out);
    fetch_result_free(&res);
    core_free(final);
}

/* --- coroutines --------------------------------------------------------------------------- */

static int worker(struct core_coro *co, void *arg)
{
    struct crawl *c = arg;
    struct frontier_job *job;
    int rc;

    while ((rc = frontier_take(co, c->frontier, &job)) == 0) {
        process(co, c, job);
        frontier_done(c->frontier, job);
    }
    return rc == -EPIPE ? 0 : rc;
}

/* Waits for a stop request, then drops the queue and gives fetches in flight grace_ms. */
static int stopper(struct core_coro *co, void *arg)
{
    struct crawl *c = arg;
    int64_t deadline;

    if (core_sigwatch_wait(co, c->stop, -1) < 0)
        return 0;
    c->stopping = true;
    c->st.interrupted = true;
    c->st.not_reached += frontier_queued(c->frontier);
    frontier_close(c->frontier, true);
    deadline = core_deadline_in(c->cfg->grace_ms);
    while (core_sigwatch_level(c->stop) < CORE_STOP_IMMEDIATE && core_now_ms() < deadline) {
        int64_t next = core_deadline_in(20);

        if (core_sleep(co, next < deadline ? next : deadline) < 0)
            return 0;
    }
    core_group_cancel(c->workers);
    return 0;
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
    for (i = 0; i < cfg->nseeds; i++)
        discover(c, cfg->seeds[i], strlen(cfg->seeds[i]), 0, NULL, NULL);
    return 0;
}

static int setup(struct crawl *c, struct core_coro *co)
{
    int rc;

    c->loop = core_coro_loop(co);
    core_buf_init(&c->scratch, c->cfg->max_url_len);
    rc = fetch_client_create(c->loop, &c->cfg->fetch, &c->http);
    if (rc == 0)
        rc = frontier_create(c->loop, c->cfg->order, &c->frontier);
    if (rc == 0)
        rc = parse_visited_create(((uint64_t)wall_ms() << 20) ^ (uint64_t)(uintptr_t)c, &c->visited);
    if (rc == 0 && c->cfg->order != FRONTIER_BFS)
        rc = linkstore_create(&c->links);
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
    if (c->frontier)
        c->st.frontier_peak = frontier_peak(c->frontier);
    frontier_destroy(c->frontier);
    if (c->visited)
        c->st.visited = parse_visited_count(c->visited);
    parse_visited_destroy(c->visited);
    linkstore_destroy(c->links);
    core_buf_free(&c->scratch);
}

int crawl_run(struct core_coro *co, const struct crawl_config *cfg, struct core_sigwatch *stop,
              struct crawl_stats *st)
{
    struct crawl c;
    int64_t t0 = core_now_ms();
    unsigned i;
    int rc;

    memset(&c, 0, sizeof(c));
    c.cfg = cfg;
    c.stop = stop;
    rc = setup(&c, co);
    if (rc == 0)
        rc = add_seeds(&c);
    for (i = 0; rc == 0 && i < cfg->workers; i++)
        rc = core_group_spawn(c.workers, worker, &c, NULL);
    if (rc == 0 && stop)
        rc = core_group_spawn(c.aux, stopper, &c, NULL);
    if (rc == 0 && cfg->on_progress)
        rc = core_group_spawn(c.aux, progress, &c, NULL);
    if (rc == 0) {
        /* The crawl is over when every job added has been done. */
        rc = frontier_join(co, c.frontier);
        frontier_close(c.frontier, false);
        if (rc == 0)
            rc = core_group_wait(co, c.workers, -1);
    }
    c.st.elapsed_ms = core_now_ms() - t0;
    teardown(&c);
    *st = c.st;
    return rc;
}
