/* app/crawl/jobs.c: what a worker does with one job: a page (its redirect hops and retries,
 * parsing on the thread pool, links to discover), a sitemap, a robots.txt file; and the one
 * record a URL gets when its chain ends. */
#include "app/crawl/crawl_int.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app/crawl/page.h"
#include "app/crawl/state.h"
#include "app/crawl/scope.h"
#include "app/crawl/warc.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/offload.h"
#include "core/sigwatch.h"
#include "parse/robots.h"
#include "parse/sitemap.h"
#include "parse/url.h"

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

int64_t crawl__wall_ms(void)
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


static enum crawl_status_class status_class_of(long status)
{
    if (status == 0)
        return CRAWL_STATUS_NONE;
    if (status < 100 || status > 599)
        return CRAWL_STATUS_OTHER;
    return (enum crawl_status_class)(CRAWL_STATUS_1XX + (status / 100 - 1));
}

/* --- records ------------------------------------------------------------------------------ */

static void emit(struct crawl *c, struct crawl_record *rec, enum crawl_error err)
{
    if (c->remote && !crawl__remote_record(c, rec->url, err != CRAWL_OK))
        return; /* its lease ran out: the page is another worker's now */
    rec->error = crawl_error_name(err);
    /* the WACZ's pages: seeds and HTML pages that came whole */
    if (c->cfg->warc && rec->warc_file && err == CRAWL_OK && rec->status >= 200 &&
        rec->status < 300 && (rec->depth == 0 || is_html(rec->content_type)))
        crawl_warc_page(c->cfg->warc, rec->final_url, rec->fetched_at_ms, rec->title,
                        rec->depth == 0);
    c->st.attempted++;
    c->st.errors[err]++;
    c->st.status[status_class_of(rec->status)]++;
    if (err == CRAWL_OK && rec->status >= 200 && rec->status < 300)
        c->st.ok++;
    else if (rec->status >= 400)
        c->st.http_errors++;
    c->st.bytes += (uint64_t)rec->bytes;
    if (c->cfg->on_record)
        c->cfg->on_record(rec, c->cfg->arg);
}

/* The record of the URL a job stands for (its chain's first URL, or itself). */
static void record_for(struct crawl *c, const struct frontier_job *job, struct crawl_record *r)
{
    const struct chain *ch = job->extra;

    memset(r, 0, sizeof(*r));
    r->url = ch ? ch->url : job->url;
    r->final_url = job->url;
    r->parent = job->parent ? job->parent->url : NULL;
    r->links_found = -1;
    r->links_new = -1;
    r->content_type = "";
    r->warc_offset = -1;
    if (ch) {
        r->depth = ch->depth;
        r->fetched_at_ms = ch->fetched_at_ms;
        r->fetch_ms = ch->fetch_ms;
        r->redirects = ch->n > 0 ? ch->n - 1 : 0;
    } else {
        parse_visited_get(c->visited, job->fp, &r->depth, NULL);
        r->fetched_at_ms = crawl__wall_ms();
    }
}

/* The job's chain, created when it has none yet. NULL when out of memory. */
static struct chain *chain_of(struct frontier_job *job, unsigned depth)
{
    struct chain *ch = job->extra;
    size_t n;

    if (ch)
        return ch;
    n = strlen(job->url) + 1;
    ch = core_calloc(1, sizeof(*ch) + n);
    if (!ch)
        return NULL;
    memcpy(ch->url, job->url, n);
    ch->fps[0] = job->fp;
    ch->n = 1;
    ch->depth = depth;
    ch->fetched_at_ms = crawl__wall_ms();
    job->extra = ch;
    return ch;
}

void crawl__emit_dead(struct crawl *c, const char *url, const char *parent, unsigned depth,
                      unsigned leases)
{
    struct crawl_record rec;

    memset(&rec, 0, sizeof(rec));
    rec.url = rec.final_url = url;
    rec.parent = parent;
    rec.depth = depth;
    rec.content_type = "";
    rec.links_found = rec.links_new = -1;
    rec.warc_offset = -1;
    rec.fetched_at_ms = crawl__wall_ms();
    rec.attempts = leases;
    emit(c, &rec, CRAWL_E_DEAD_LETTER);
}

/* A queued job the frontier dropped at a stop: a chain already begun gets its record. */
void crawl__on_dropped(const struct frontier_job *job, void *arg)
{
    struct crawl *c = arg;
    const struct chain *ch = job->extra;
    struct crawl_record rec;

    if (c->cfg->state || c->remote)
        return; /* still stored (or leased: given back at the end): done later */
    c->st.not_reached++;
    if (job->kind != FRONTIER_PAGE)
        return;
    if (!ch) {
        crawl__skipped(c, job->url, strlen(job->url), job->parent ? job->parent->url : NULL,
                c->stopping ? CRAWL_SKIP_INTERRUPTED : CRAWL_SKIP_MAX_PAGES, false);
        return;
    }
    record_for(c, job, &rec);
    rec.status = ch->last_status;
    rec.attempts = job->attempts;
    emit(c, &rec, ch->last_error ? error_of(ch->last_error) : CRAWL_E_CANCELLED);
}

/* --- requests ----------------------------------------------------------------------------- */

/* A paced job's host delay counts from when each of its requests goes out (frontier.h), so the
 * frontier hears of every one from the fetch client. */
struct sent_note {
    struct frontier *f;
    struct frontier_job *job;
};

static void on_sent(void *arg)
{
    const struct sent_note *n = arg;

    frontier_sent(n->f, n->job);
}

/* When a job that failed may try again: its backoff, or the server's Retry-After, from now
 * (one ms on, as the ms clock rounds down: never sooner than asked). */
static int64_t retry_time(struct crawl *c, const struct frontier_job *job,
                          const struct fetch_result *res)
{
    return core_now_ms() + 1 + retry_backoff_delay(&c->backoff, job->attempts + 1u,
                                                   res->retry_after_s);
}

/* Queue a failed job again: its host waits until not_before_ms, here and (--redis) for every
 * worker. */
static void retry_later(struct crawl *c, struct frontier_job *job, int64_t not_before_ms)
{
    if (c->remote)
        crawl__remote_host_wait(c, frontier_host_origin(job->host), not_before_ms);
    frontier_retry(c->frontier, job, not_before_ms);
}

/* GET url (the job's own, or a robots.txt redirect's) for job, and archive the exchange when
 * the crawl has an archive: *at (may be NULL) says where its response record went. */
static int fetch_for(struct core_coro *co, struct crawl *c, struct frontier_job *job,
                     const char *url, struct fetch_result *res, struct crawl_warc_at *at)
{
    struct sent_note note = {c->frontier, job};
    struct crawl_warc_at ignored;
    struct fetch_request req;
    int64_t date_ms;
    int rc;

    memset(&req, 0, sizeof(req));
    req.url = url;
    req.archive = c->cfg->warc != NULL;
    if (job->paced) {
        req.on_sent = on_sent;
        req.sent_arg = &note; /* on_sent runs only while the transfer is in flight */
    }
    if (!c->cfg->warc)
        return fetch_client_do(co, c->http, &req, res);
    date_ms = crawl__wall_ms();
    rc = fetch_client_do(co, c->http, &req, res);
    /* a write error is sticky in the archive and reported at its end; the crawl goes on */
    (void)crawl_warc_fetch(co, c->cfg->warc, url, date_ms, rc, res, at ? at : &ignored);
    return rc;
}

/* --- one page ----------------------------------------------------------------------------- */

struct analysis {
    struct page_input in;
    struct page_output out;
};

static int analyze_on_pool(void *arg)
{
    struct analysis *a = arg;

    return page_analyze(&a->in, &a->out);
}

static void list_page_skips(struct crawl *c, const struct page_output *o, const char *page)
{
    static const enum crawl_skip why[] = {CRAWL_SKIP_SCHEME, CRAWL_SKIP_MALFORMED,
                                          CRAWL_SKIP_TOO_LONG, CRAWL_SKIP_NOFOLLOW};
    size_t off;

    for (off = 0; off < o->skipped.len;) {
        const char *e = o->skipped.data + off;
        size_t n = strlen(e + 1);

        if ((unsigned char)e[0] < sizeof(why) / sizeof(why[0]))
            crawl__skipped(c, e + 1, n, page, why[(unsigned char)e[0]], true);
        off += n + 2;
    }
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
    /* bfs depths are final, so a page at the limit needs its title only (unless --skipped
     * wants to list the links past the limit) */
    a->in.title_only = cfg->order == FRONTIER_BFS && depth >= cfg->max_depth && !cfg->on_skip;
    a->in.follow_nofollow = cfg->follow_nofollow;
    a->in.html_parser = cfg->html_parser;
    a->in.max_url_len = cfg->max_url_len;
    a->in.max_links = cfg->max_links_per_page;
    if (core_offload(co, analyze_on_pool, a, -1) != 0)
        return;
    if (a->out.err == 0) {
        c->st.html_read[a->out.parser == PARSE_HTML_GUMBO]++;
        c->st.html_best_effort += a->out.deep_fallback;
        if (a->out.defer < PARSE_HTML_DEFER_COUNT && a->out.defer != PARSE_HTML_DEFER_NONE)
            c->st.html_why[a->out.defer]++;
    }
    rec->title = a->out.title;
    c->st.skipped_links += a->out.nskipped;
    list_page_skips(c, &a->out, page_url);
    if (a->in.title_only)
        return;
    rec->links_found = (long)a->out.links_found;
    c->st.links_found += a->out.links_found;
    if (a->out.links_dropped > 0) {
        /* a hostile page, or a limit set too low: say so once, with the page */
        c->st.links_dropped += a->out.links_dropped;
        c->st.link_capped_pages++;
        crawl__skipped(c, page_url, strlen(page_url), rec->parent, CRAWL_SKIP_TOO_MANY_LINKS,
                       false);
    }
    /* the page may have been reached by a shorter route while it was being fetched */
    parse_visited_get(c->visited, fp, &depth, NULL);
    parent = frontier_parent_new(page_url);
    if (c->remote)
        crawl__remote_page(c, fp);
    for (off = 0; parent && off < a->out.links.len;) {
        const char *l = a->out.links.data + off;
        size_t n = strlen(l);

        crawl__discover(c, l, n, depth + 1, parent, &added);
        off += n + 1;
    }
    if (c->remote)
        crawl__remote_page(c, 0);
    frontier_parent_release(parent);
    rec->links_new = added;
    if (c->links && depth > 0 && a->out.links.len > 0)
        linkstore_put(c->links, fp, a->out.links.data, a->out.links.len);
}

/* --redis: a redirect's target is a URL of the shared frontier like a link (at the same
 * depth), so that the politeness of its host holds across workers; this URL's record ends
 * here, with the target as its final URL. */
static bool hand_on_hop(struct crawl *c, struct frontier_job *job, struct crawl_record *rec)
{
    struct frontier_parent *parent = frontier_parent_new(job->url);
    char *target = core_strndup(c->scratch.data, c->scratch.len);

    if (parent && target) {
        crawl__remote_page(c, job->fp);
        crawl__discover(c, target, strlen(target), rec->depth, parent, NULL);
        crawl__remote_page(c, 0);
    }
    frontier_parent_release(parent);
    core_free(target);
    return false;
}

/* A redirect from job's URL to location. Returns true when the chain goes on as a new job
 * (the record waits for it), false when the chain ends here with *err (or none). */
static bool follow_hop(struct crawl *c, struct frontier_job *job, const char *location,
                       struct crawl_record *rec, enum crawl_error *err)
{
    const struct crawl_config *cfg = c->cfg;
    unsigned state = CRAWL_URL_QUEUED;
    struct frontier_job *hop;
    struct chain *ch, *next;
    uint64_t fp;
    unsigned i;
    int rc;

    rc = parse_url_resolve(job->url, strlen(job->url), location, strlen(location), &c->scratch);
    if (rc < 0) {
        *err = rc == CORE_ESCHEME ? CRAWL_E_REDIRECT_SCHEME : CRAWL_E_PROTOCOL;
        return false;
    }
    rec->final_url = c->scratch.data;
    if (rec->depth == 0 && !job->extra)
        scope_add_seed(cfg->scope, c->scratch.data, c->scratch.len); /* a seed that moved */
    if (scope_check(cfg->scope, c->scratch.data, c->scratch.len) != SCOPE_IN) {
        *err = CRAWL_E_REDIRECT_OUT_OF_SCOPE;
        crawl__skipped(c, c->scratch.data, c->scratch.len, rec->url,
                       CRAWL_SKIP_REDIRECT_OUT_OF_SCOPE,
                true);
        return false;
    }
    if (c->remote)
        return hand_on_hop(c, job, rec);
    ch = chain_of(job, rec->depth);
    if (!ch) {
        *err = CRAWL_E_OTHER;
        return false;
    }
    ch->fetched_at_ms = rec->fetched_at_ms;
    ch->fetch_ms = rec->fetch_ms;
    fp = parse_visited_fingerprint(c->visited, c->scratch.data, c->scratch.len);
    for (i = 0; i < ch->n; i++)
        if (ch->fps[i] == fp) {
            *err = CRAWL_E_REDIRECT_LOOP;
            return false;
        }
    if (ch->n > cfg->max_redirects || ch->n >= CHAIN_MAX) {
        *err = CRAWL_E_REDIRECT_LIMIT;
        return false;
    }
    if (c->links) {
        /* so a later, shorter route to this URL also reaches the target */
        struct core_buf mark;

        core_buf_init(&mark, c->scratch.len + 2);
        if (core_buf_putc(&mark, REDIRECT_MARK) == 0 &&
            core_buf_append(&mark, c->scratch.data, c->scratch.len + 1) == 0)
            linkstore_put(c->links, job->fp, mark.data, mark.len);
        core_buf_free(&mark);
    }
    rc = crawl__visit(c, fp, rec->depth, &state);
    if (!(rc == PARSE_VISITED_NEW || (rc == PARSE_VISITED_SHORTER && state == CRAWL_URL_BEYOND))) {
        if (rc == PARSE_VISITED_SHORTER && state == CRAWL_URL_DONE)
            crawl__reexpand(c, fp, c->scratch.data, rec->depth);
        c->st.duplicates++;
        return false; /* someone else has fetched or will fetch it */
    }
    /* the chain goes on as a job of its own: its host's politeness and robots.txt apply */
    next = core_malloc(sizeof(*next) + strlen(ch->url) + 1);
    if (!next) {
        *err = CRAWL_E_OTHER;
        return false;
    }
    memcpy(next, ch, sizeof(*next) + strlen(ch->url) + 1);
    next->fps[next->n++] = fp;
    if (crawl__enqueue(c, c->scratch.data, c->scratch.len, fp, rec->depth, job->parent, next,
                       &hop) < 0) {
        core_free(next);
        *err = c->stopping ? CRAWL_E_CANCELLED : CRAWL_E_OTHER;
        return false;
    }
    return true;
}

/* Whether a new URL may still start (--max-pages, a stop). */
static bool may_start(struct crawl *c)
{
    if (c->stopping)
        return false;
    if (c->cfg->max_pages && c->started >= c->cfg->max_pages)
        return false;
    if (c->cfg->max_pages && c->started + 1 == c->cfg->max_pages) {
        /* this is the last one: drop the rest now so the crawl ends promptly */
        frontier_close(c->frontier, true);
    }
    c->started++;
    return true;
}

/* At a stop with --state, a fetch whose chain would go on (a retry, a redirect, a cancel) is
 * left whole for the resumed crawl, as if it had not begun. */
static bool unfinished_at_stop(const struct crawl *c, const struct frontier_job *job, int rc,
                               const struct fetch_result *res)
{
    if (rc == -ECANCELED)
        return true;
    if (retry_is_worth_it(rc, res->status) && job->attempts < c->cfg->retries)
        return true;
    return rc == 0 && res->status >= 300 && res->status < 400 && res->location;
}

enum job_end crawl__page_job(struct core_coro *co, struct crawl *c, struct frontier_job *job)
{
    struct chain *ch = job->extra;
    struct crawl_record rec;
    struct fetch_result res;
    struct analysis a;
    struct crawl_warc_at at = {NULL, 0};
    enum crawl_error err = CRAWL_OK;
    int rc;

    if (!ch && job->attempts == 0 && !may_start(c)) {
        if (crawl__leave_for_resume(c))
            return JOB_ABANDONED;
        crawl__skipped(c, job->url, strlen(job->url), job->parent ? job->parent->url : NULL,
                c->stopping ? CRAWL_SKIP_INTERRUPTED : CRAWL_SKIP_MAX_PAGES, false);
        c->st.not_reached++;
        return JOB_DONE;
    }
    record_for(c, job, &rec);
    if (job->denied) {
        c->st.robots_denied++;
        crawl__skipped(c, job->url, strlen(job->url), rec.parent, CRAWL_SKIP_ROBOTS, false);
        crawl__set_state(c, job->fp, CRAWL_URL_DONE);
        emit(c, &rec, CRAWL_E_ROBOTS);
        return JOB_DONE;
    }
    crawl__set_state(c, job->fp, CRAWL_URL_ACTIVE);
    fetch_result_init(&res);
    page_output_init(&a.out);
    rc = fetch_for(co, c, job, job->url, &res, &at);
    if (crawl__leave_for_resume(c) && unfinished_at_stop(c, job, rc, &res)) {
        page_output_free(&a.out);
        fetch_result_free(&res);
        return JOB_ABANDONED;
    }
    rec.fetch_ms += res.ms_total;
    rec.attempts = job->attempts + 1u;
    if (retry_is_worth_it(rc, res.status) && job->attempts < c->cfg->retries && !c->stopping &&
        (ch = chain_of(job, rec.depth)) != NULL) {
        /* try again later, from the frontier: a Retry-After or backoff holds the whole host */
        ch->fetched_at_ms = rec.fetched_at_ms;
        ch->fetch_ms = rec.fetch_ms;
        ch->last_status = res.status;
        ch->last_error = rc;
        c->st.retries++;
        retry_later(c, job, retry_time(c, job, &res));
        fetch_result_free(&res);
        return JOB_REQUEUED;
    }
    err = error_of(rc);
    rec.status = res.status;
    rec.content_type = res.content_type;
    rec.bytes = (int64_t)res.body.len;
    rec.warc_file = at.file;
    rec.warc_offset = at.file ? (int64_t)at.offset : -1;
    if (rc == 0 && res.status >= 300 && res.status < 400 && res.location &&
        follow_hop(c, job, res.location, &rec, &err)) {
        crawl__set_state(c, job->fp, CRAWL_URL_DONE);
        fetch_result_free(&res);
        page_output_free(&a.out);
        /* the hop's job carries the chain on (a copy was made for it) */
        return JOB_DONE;
    }
    if (rc == 0 && res.status >= 200 && res.status < 300 && is_html(res.content_type))
        expand(co, c, &res, job->url, job->fp, &rec, &a);
    crawl__set_state(c, job->fp, CRAWL_URL_DONE);
    emit(c, &rec, err);
    page_output_free(&a.out);
    fetch_result_free(&res);
    return JOB_DONE;
}

/* --- sitemaps ------------------------------------------------------------------------------ */

/* Queue a sitemap file (from robots.txt or a sitemap index) once, if it is in scope. */
static void add_sitemap(struct crawl *c, const char *base, const char *url, size_t len)
{
    unsigned state;
    struct frontier_new n;
    uint64_t fp;

    if (parse_url_resolve(base, strlen(base), url, len, &c->scratch) < 0 ||
        scope_check(c->cfg->scope, c->scratch.data, c->scratch.len) != SCOPE_IN)
        return;
    fp = parse_visited_fingerprint(c->visited, c->scratch.data, c->scratch.len);
    if (crawl__visit(c, fp, 0, &state) != PARSE_VISITED_NEW)
        return;
    if (c->remote) {
        /* the shared frontier's, like a link: one worker fetches it */
        (void)crawl__remote_link(c, c->scratch.data, c->scratch.len, fp, 0, FRONTIER_SITEMAP);
        return;
    }
    n = (struct frontier_new){c->scratch.data, c->scratch.len,
                              crawl__origin_len(c->scratch.data, c->scratch.len), fp, 0, NULL,
                              FRONTIER_SITEMAP, 0, NULL};
    (void)frontier_add_job(c->frontier, &n, false, NULL);
}

struct sitemap_walk {
    struct crawl *c;
    const char *url;
    bool index;
    struct core_buf locs;       /* NUL-separated */
};

static void on_loc(const char *loc, size_t len, void *arg)
{
    struct sitemap_walk *w = arg;

    /* a URL that does not fit is dropped whole (its NUL never lands, so it is cut back) */
    size_t mark = w->locs.len;

    if (core_buf_append(&w->locs, loc, len) < 0 || core_buf_putc(&w->locs, '\0') < 0) {
        w->locs.len = mark;
        if (w->locs.data)
            w->locs.data[mark] = '\0';
    }
}

/* Fetch a sitemap: its URLs become seeds (depth 0); an index's entries, more sitemaps. */
enum job_end crawl__sitemap_job(struct core_coro *co, struct crawl *c, struct frontier_job *job)
{
    struct sitemap_walk w = {c, job->url, false, {0}};
    struct fetch_result res;
    size_t off;
    int rc;

    c->st.sitemaps_fetched++;
    fetch_result_init(&res);
    rc = fetch_for(co, c, job, job->url, &res, NULL);
    if (rc == -ECANCELED && crawl__leave_for_resume(c)) {
        fetch_result_free(&res);
        return JOB_ABANDONED;
    }
    if (retry_is_worth_it(rc, res.status) && job->attempts < c->cfg->retries && !c->stopping) {
        c->st.retries++;
        retry_later(c, job, retry_time(c, job, &res));
        fetch_result_free(&res);
        return JOB_REQUEUED;
    }
    core_buf_init(&w.locs, 64u << 20);
    if (rc == 0 && res.status >= 200 && res.status < 300 && res.body.len > 0) {
        /* whatever it found before an error (too big, too many URLs) still counts */
        rc = parse_sitemap(res.body.data, res.body.len, c->cfg->max_sitemap_bytes, on_loc, &w,
                           &w.index);
        (void)rc;
    }
    if (c->remote)
        crawl__remote_page(c, job->fp); /* what it finds goes to Redis with its commit */
    for (off = 0; off < w.locs.len;) {
        const char *loc = w.locs.data + off;
        size_t n = strlen(loc);

        if (w.index) {
            add_sitemap(c, job->url, loc, n);
        } else if (parse_url_resolve(job->url, strlen(job->url), loc, n, &c->scratch) == 0) {
            char *url = core_strndup(c->scratch.data, c->scratch.len);

            c->st.sitemap_urls++;
            if (url)
                crawl__discover(c, url, strlen(url), 0, NULL, NULL);
            core_free(url);
        }
        off += n + 1;
    }
    crawl__set_state(c, job->fp, CRAWL_URL_DONE);
    if (c->remote) {
        crawl__remote_page(c, 0);
        crawl__remote_done(c, job->fp);
    }
    core_buf_free(&w.locs);
    fetch_result_free(&res);
    return JOB_DONE;
}

/* --- robots.txt ---------------------------------------------------------------------------- */

bool crawl__robots_allowed(const void *rules, const char *target, size_t len)
{
    return parse_robots_allowed(rules, target, len);
}

void crawl__robots_free(void *rules)
{
    parse_robots_destroy(rules);
}

/* RFC 9309 2.3.1: a 2xx file is parsed; 4xx means no rules; 5xx or no answer means nothing
 * may be fetched. Redirects are followed up to ROBOTS_MAX_HOPS. */
int crawl__robots_rules(struct crawl *c, unsigned how, const char *body, size_t len,
                        struct parse_robots **rules, int64_t *delay)
{
    int rc;

    if (how == CRAWL_STATE_ROBOTS_BODY)
        rc = parse_robots_create(body ? body : "", len, c->agent, rules);
    else if (how == CRAWL_STATE_ROBOTS_ALLOW)
        rc = parse_robots_allow_all(rules);
    else
        rc = parse_robots_disallow_all(rules);
    *delay = -1;
    if (rc == 0) {
        *delay = parse_robots_crawl_delay_ms(*rules);
        if (*delay > c->cfg->max_crawl_delay_ms)
            *delay = c->cfg->max_crawl_delay_ms;
    }
    return rc;
}

enum job_end crawl__robots_job(struct core_coro *co, struct crawl *c, struct frontier_job *job)
{
    unsigned how = CRAWL_STATE_ROBOTS_DISALLOW;
    struct parse_robots *rules = NULL;
    struct fetch_result res;
    struct core_buf url;
    int64_t delay = -1;
    unsigned hops = 0;
    int rc;

    core_buf_init(&url, c->cfg->max_url_len);
    if (core_buf_puts(&url, job->url) < 0)
        return JOB_DONE;
    c->st.robots_fetched++;
    for (;;) {
        int64_t next = frontier_host_next_ms(job->host);

        fetch_result_init(&res);
        /* a redirect's request is spaced from the one before like any request to the host */
        rc = hops > 0 && next > core_now_ms() ? core_sleep(co, next) : 0;
        if (rc == 0)
            rc = fetch_for(co, c, job, url.data, &res, NULL);
        if (rc == -ECANCELED && crawl__leave_for_resume(c)) {
            fetch_result_free(&res);
            core_buf_free(&url);
            return JOB_ABANDONED; /* no outcome to keep: the resumed crawl asks again */
        }
        if (retry_is_worth_it(rc, res.status) && job->attempts < c->cfg->retries && !c->stopping) {
            c->st.retries++;
            retry_later(c, job, retry_time(c, job, &res));
            fetch_result_free(&res);
            core_buf_free(&url);
            return JOB_REQUEUED;
        }
        if (rc == 0 && res.status >= 300 && res.status < 400 && res.location &&
            hops++ < ROBOTS_MAX_HOPS &&
            parse_url_resolve(url.data, url.len, res.location, strlen(res.location), &url) == 0) {
            fetch_result_free(&res);
            continue;
        }
        break;
    }
    if (rc == 0 && res.status >= 200 && res.status < 300)
        how = CRAWL_STATE_ROBOTS_BODY;
    else if (rc == 0 && res.status >= 400 && res.status < 500)
        how = CRAWL_STATE_ROBOTS_ALLOW;
    rc = crawl__robots_rules(c, how, res.body.data, res.body.len, &rules, &delay);
    if (rc == 0 && c->cfg->state)
        crawl_state_robots(c->cfg->state, frontier_host_origin(job->host), how, res.body.data,
                           how == CRAWL_STATE_ROBOTS_BODY ? res.body.len : 0, delay);
    if (rc == 0 && c->remote)
        crawl__remote_robots(c, frontier_host_origin(job->host), how, res.body.data,
                             how == CRAWL_STATE_ROBOTS_BODY ? res.body.len : 0, delay);
    if (rc == 0) {
        c->st.sitemaps += parse_robots_sitemaps(rules);
        for (size_t i = 0; c->cfg->sitemaps && i < parse_robots_sitemaps(rules); i++) {
            size_t len;
            const char *sm = parse_robots_sitemap(rules, i, &len);

            add_sitemap(c, url.data, sm, len);
        }
    }
    /* without rules (out of memory) the host stays allowed: rules NULL */
    frontier_host_set_robots(c->frontier, job->host, rc == 0 ? rules : NULL, delay);
    fetch_result_free(&res);
    core_buf_free(&url);
    return JOB_DONE;
}
