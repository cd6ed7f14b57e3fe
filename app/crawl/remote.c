/* app/crawl/remote.c: a crawl worker's side of a crawl shared on Redis (--redis): jobs leased
 * from the shared frontier (redisfront.h) into the local one, their leases renewed while they
 * run, and finished pages committed back with their links and the outputs' lengths. */
#include "app/crawl/crawl_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/crawl/redisfront.h"
#include "app/crawl/state.h"
#include "core/event.h"
#include "core/group.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/offload.h"
#include "core/sigwatch.h"
#include "parse/robots.h"

#define IDLE_POLL_MS 20         /* an idle worker asks Redis for work this often at most */
#define HUNGRY_POLL_MS 2        /* ... and this often while jobs wait for others' slots */
#define STARVED_POLL_MS 1000    /* ... and while they wait for this worker's own slots (an own
                                   request's end or a commit wakes it at once) */
#define RETRY_MS 50             /* after a lost reply, before asking again */
#define GATHER_MS 50            /* a commit waits at most this long for more pages */
#define FILES_MAX 8
#define AHEAD_HOSTS 16          /* hosts a lease call leases ahead for, at most */
#define AHEAD_PER_REQUEST 3     /* jobs leased ahead for each request in progress */
#define AHEAD_PER_HOST_MIN 12   /* ... and at least this many for a host with any */
#define LANES 2                 /* lease calls in flight at once, at most */

/* A link found on a leased page (its URL in the lease's text buffer). */
struct link {
    uint64_t fp;
    size_t off, len, origin_len;
    uint32_t depth;
    uint8_t kind;
};

/* A job this worker holds a lease on. */
struct lease {
    uint64_t fp;
    uint64_t token;
    uint8_t kind;
    char *url;                  /* as leased (a commit and an "over" mark name it) */
    size_t len, origin_len;
    bool finished;              /* its record is written (or its robots outcome known) */
    bool failed;
    bool stale;                 /* Redis gave it to someone else: drop what it makes */
    bool written;               /* a record of it reached the output */
    bool over;                  /* its request is over: its host's slot may go at once */
    bool over_told;             /* ... and Redis was told so */
    bool ahead;                 /* leased ahead: waits here for a slot of its host, which one
                                   of this worker's requests to it hands on when it ends */
    bool stranded;              /* leased ahead, and no request of its host left here */
    bool has_succ;              /* its request's slot went on to succ, a job leased ahead */
    uint64_t succ;
    uint32_t depth;             /* leased ahead: its job, for the local frontier */
    char *parent;
    char *origin;               /* robots jobs: the host */
    struct core_buf robots;     /* robots jobs: the outcome, for the other workers */
    int64_t crawl_delay_ms;
    struct core_buf text;       /* the links' URLs */
    struct link *links;
    size_t nlinks, cap;
};

struct crawl_remote {
    struct crawl *c;
    struct redisfront *rf;
    struct lease **leases;      /* held, in lease order */
    size_t nleases, cap;
    struct lease *page;         /* the lease whose links are being judged */
    struct lease orphans;       /* links with no page (seeds, a sitemap's URLs) */
    struct parse_visited *hosts;/* hosts whose robots.txt this worker knows or asked for */
    struct core_buf delays;     /* host waits to send: "origin\0" + int64 ms, repeated */
    struct core_event *wake;    /* a local job ended, or a commit freed slots in Redis */
    struct core_event *work;    /* something to commit */
    uint64_t seq;               /* commits made (the outputs' lengths carry it) */
    uint64_t lease_seq[LANES];  /* lease calls per lane: a retry after a lost reply has the
                                   same */
    struct core_group *asks;    /* the lease calls in flight (ask_run) */
    bool lane_busy[LANES];
    unsigned calls;             /* in flight */
    size_t asking;              /* jobs they ask for */
    int64_t not_before;         /* no lease call before (Redis had nothing to hand out) */
    bool starved;               /* ... while jobs wait for the slots this worker's own
                                   requests hold: their end lifts not_before */
    bool ended;                 /* a lease call found the shared crawl over */
    bool dirty;                 /* records written that no lease's commit carries (dead
                                   letters): the next commit takes the lengths anyway */
    bool sending;               /* send_extras is running */
    bool hurry;                 /* the feeder runs dry: commit (send links) now */
    int64_t queued;             /* jobs queued in Redis, as the last lease call saw (-1: none
                                   yet) */
    int error;                  /* the first Redis failure that stopped the crawl */
};

/* --- leases --------------------------------------------------------------------------------- */

static void lease_free(struct lease *l)
{
    if (!l)
        return;
    core_free(l->url);
    core_free(l->origin);
    core_free(l->parent);
    core_buf_free(&l->robots);
    core_buf_free(&l->text);
    core_free(l->links);
    core_free(l);
}

static struct lease *lease_find(struct crawl_remote *r, uint64_t fp)
{
    for (size_t i = 0; i < r->nleases; i++)
        if (r->leases[i]->fp == fp && r->leases[i]->kind != FRONTIER_ROBOTS)
            return r->leases[i];
    return NULL;
}

static struct lease *robots_lease_find(struct crawl_remote *r, const char *origin)
{
    for (size_t i = 0; i < r->nleases; i++)
        if (r->leases[i]->kind == FRONTIER_ROBOTS && strcmp(r->leases[i]->origin, origin) == 0)
            return r->leases[i];
    return NULL;
}

static int lease_add(struct crawl_remote *r, const struct redisfront_job *j, struct lease **out)
{
    struct lease *l = core_calloc(1, sizeof(*l));

    if (!l)
        return -ENOMEM;
    if (r->nleases == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 64;
        struct lease **p = core_reallocarray(r->leases, cap, sizeof(*p));

        if (!p) {
            core_free(l);
            return -ENOMEM;
        }
        r->leases = p;
        r->cap = cap;
    }
    l->fp = j->fp;
    l->token = j->token;
    l->kind = j->kind;
    l->crawl_delay_ms = -1;
    core_buf_init(&l->robots, ROBOTS_MAX_BYTES + 16);
    core_buf_init(&l->text, 256u << 20);
    l->len = j->len;
    l->origin_len = j->origin_len;
    if (!(l->url = core_strndup(j->url, j->len)) ||
        (j->kind == FRONTIER_ROBOTS && !(l->origin = core_strndup(j->url, j->origin_len)))) {
        lease_free(l);
        return -ENOMEM;
    }
    r->leases[r->nleases++] = l;
    *out = l;
    return 0;
}

static void lease_remove(struct crawl_remote *r, struct lease *l)
{
    for (size_t i = 0; i < r->nleases; i++)
        if (r->leases[i] == l) {
            memmove(&r->leases[i], &r->leases[i + 1], (r->nleases - i - 1) * sizeof(*r->leases));
            r->nleases--;
            break;
        }
    lease_free(l);
}

static int link_add(struct lease *l, const char *url, size_t len, uint64_t fp, unsigned depth,
                    uint8_t kind)
{
    struct link *k;

    if (l->nlinks == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        struct link *p = core_reallocarray(l->links, cap, sizeof(*p));

        if (!p)
            return -ENOMEM;
        l->links = p;
        l->cap = cap;
    }
    k = &l->links[l->nlinks];
    *k = (struct link){fp, l->text.len, len, crawl__origin_len(url, len), depth, kind};
    if (core_buf_append(&l->text, url, len) < 0)
        return -ENOMEM;
    l->nlinks++;
    return 0;
}

/* A lease's links as the shared frontier takes them (pointing into its text). */
static struct redisfront_url *links_of(const struct lease *l)
{
    struct redisfront_url *u = core_calloc(l->nlinks ? l->nlinks : 1, sizeof(*u));

    for (size_t i = 0; u && i < l->nlinks; i++) {
        const struct link *k = &l->links[i];

        u[i] = (struct redisfront_url){l->text.data + k->off, k->len, k->origin_len, k->fp,
                                       k->depth, k->kind};
    }
    return u;
}

/* --- failures --------------------------------------------------------------------------------- */

/* Errors after which the same call may be made again (its outcome unknown, or not run). */
static bool transient(int rc)
{
    return rc == -ECONNRESET || rc == -ETIMEDOUT || rc == -EAGAIN; /* EAGAIN: Redis loading */
}

/* After a call that failed with rc: true (having waited a little) when it may be made again.
 * A lost connection comes back by itself; an outage past --redis-timeout is CORE_EOUTAGE. */
static bool again(struct core_coro *co, int rc)
{
    return transient(rc) && core_sleep(co, core_deadline_in(RETRY_MS)) == 0;
}

/* The crawl cannot go on with Redis: stop it, leaving everything for a restart. */
static void fail(struct crawl *c, int rc)
{
    struct crawl_remote *r = c->remote;

    if (r->error || rc == -ECANCELED)
        return;
    r->error = rc;
    if (!c->st.state_error)
        c->st.state_error = rc;
    if (rc == -ESTALE)
        fprintf(stderr, "trawl crawl: a page's lease ran out while its record was being written "
                "(this worker stalled longer than --lease): it is another worker's now\n");
    else
        fprintf(stderr, "trawl crawl: redis: %s\n", redisfront_error(r->rf)[0]
                ? redisfront_error(r->rf) : core_strerror(rc));
    if (c->stop)
        core_sigwatch_request(c->stop, CORE_STOP_GRACEFUL);
    else
        frontier_close(c->frontier, true);
}

/* --- what the engine tells it ----------------------------------------------------------------- */

void crawl__remote_page(struct crawl *c, uint64_t fp)
{
    c->remote->page = fp ? lease_find(c->remote, fp) : NULL;
}

int crawl__remote_link(struct crawl *c, const char *url, size_t len, uint64_t fp, unsigned depth,
                       uint8_t kind)
{
    struct crawl_remote *r = c->remote;
    struct lease *to = r->page ? r->page : &r->orphans;
    int rc;

    if (c->cfg->robots) {
        /* a host new to this worker: its robots.txt job goes first (Redis keeps it once) */
        size_t olen = crawl__origin_len(url, len);
        uint64_t hfp = parse_visited_fingerprint(r->hosts, url, olen);

        if (parse_visited_add(r->hosts, hfp, 0, NULL, NULL) == PARSE_VISITED_NEW) {
            struct core_buf ru;

            core_buf_init(&ru, olen + 16);
            rc = core_buf_append(&ru, url, olen);
            if (rc == 0)
                rc = core_buf_puts(&ru, "/robots.txt");
            if (rc == 0)
                rc = link_add(to, ru.data, ru.len,
                              parse_visited_fingerprint(c->visited, ru.data, ru.len) ^
                                  0x9e3779b97f4a7c15ull, 0, FRONTIER_ROBOTS);
            core_buf_free(&ru);
            if (rc < 0)
                return rc;
        }
    }
    return link_add(to, url, len, fp, depth, kind);
}

static bool same_host(const struct lease *a, const struct lease *b)
{
    return a->origin_len == b->origin_len && memcmp(a->url, b->url, a->origin_len) == 0;
}

/* A job leased ahead, into the local frontier: it runs in the slot of x, whose request has
 * ended. 0 or an error (then it stays ahead, and x's slot is freed as usual). */
static int hand_on(struct crawl *c, struct lease *x, struct lease *y)
{
    struct frontier_parent *parent = y->parent ? frontier_parent_new(y->parent) : NULL;
    struct frontier_new n = {y->url, y->len, y->origin_len, y->fp, y->depth, parent,
                             y->kind == FRONTIER_SITEMAP ? FRONTIER_SITEMAP : FRONTIER_PAGE, 0,
                             NULL};
    int rc = y->parent && !parent ? -ENOMEM : frontier_add_job(c->frontier, &n, true, NULL);

    frontier_parent_release(parent);
    if (rc == 0) {
        y->ahead = false;
        x->has_succ = true;
        x->succ = y->fp;
        c->st.remote_handed_on++;
    }
    return rc;
}

/* The jobs to hold leased ahead for a host with running requests in progress here: a few
 * for each, and for a host with few (a low --per-host) enough that its slots turn over a
 * while between lease calls. */
static size_t ahead_target(size_t running)
{
    size_t n = AHEAD_PER_REQUEST * running;

    return n < AHEAD_PER_HOST_MIN ? AHEAD_PER_HOST_MIN : n;
}

/* A held job's request is over: its host's slot goes on to a job of the same host leased
 * ahead, if one waits here, or may go to the next job Redis hands out. A feeder that found
 * every slot taken by this worker's own requests asks again now. */
static void lease_over(struct crawl *c, struct lease *l)
{
    struct crawl_remote *r = c->remote;
    size_t running = 0, waiting = 0;
    bool handed = false;

    l->over = true;
    for (size_t i = 0; l->kind != FRONTIER_ROBOTS && i < r->nleases; i++) {
        struct lease *y = r->leases[i];

        if (y->stale || y->kind == FRONTIER_ROBOTS || !same_host(l, y))
            continue;
        if (y->ahead && !handed)
            handed = hand_on(c, l, y) == 0; /* failing, y waits for the next (or goes back) */
        else if (y->ahead)
            waiting++;
        else if (!y->over)
            running++;
    }
    /* with the host's jobs leased ahead still half there, the feeder need not ask yet */
    if (r->starved && (!handed || 2 * waiting < ahead_target(running + 1))) {
        r->starved = false;
        r->not_before = 0;
        core_event_set(r->wake);
    }
}

bool crawl__remote_record(struct crawl *c, const char *url, bool failed)
{
    struct lease *l = lease_find(c->remote, parse_visited_fingerprint(c->visited, url,
                                                                      strlen(url)));

    if (!l)
        return true; /* not a leased URL (cannot happen): keep the record */
    if (l->stale) {
        lease_remove(c->remote, l); /* another worker's now: nothing of it is kept here */
        return false;
    }
    l->finished = true;
    l->failed = failed;
    l->written = true;
    lease_over(c, l);
    core_event_set(c->remote->work);
    return true;
}

void crawl__remote_done(struct crawl *c, uint64_t fp)
{
    struct lease *l = lease_find(c->remote, fp);

    if (!l)
        return;
    if (l->stale) {
        lease_remove(c->remote, l);
        return;
    }
    l->finished = true;
    lease_over(c, l);
    core_event_set(c->remote->work);
}

void crawl__remote_robots(struct crawl *c, const char *origin, unsigned how, const char *body,
                          size_t len, int64_t delay_ms)
{
    struct lease *l = robots_lease_find(c->remote, origin);

    if (!l)
        return;
    l->finished = true;
    lease_over(c, l);
    l->crawl_delay_ms = delay_ms;
    if (core_buf_printf(&l->robots, "%u\n", how) < 0 ||
        (how == CRAWL_STATE_ROBOTS_BODY && core_buf_append(&l->robots, body ? body : "", len) < 0))
        l->failed = true; /* too big to share: the others allow everything */
    c->remote->hurry = true; /* the host's other jobs wait for this outcome in Redis */
    core_event_set(c->remote->work);
}

void crawl__remote_host_wait(struct crawl *c, const char *origin, int64_t not_before_ms)
{
    struct crawl_remote *r = c->remote;
    int64_t wait = not_before_ms - core_now_ms();
    size_t mark = r->delays.len;

    if (core_buf_append(&r->delays, origin, strlen(origin) + 1) < 0 ||
        core_buf_append(&r->delays, &wait, sizeof(wait)) < 0)
        r->delays.len = mark;
    core_event_set(r->work);
}

void crawl__remote_job_ended(struct crawl *c)
{
    core_event_set(c->remote->wake);
}

static int send_extras(struct core_coro *co, struct crawl *c);

/* --- taking jobs ------------------------------------------------------------------------------ */

/* A leased robots.txt job: the local frontier fetches it as a new host's first job. */
static int take_robots(struct crawl *c, const struct redisfront_job *j)
{
    struct crawl_remote *r = c->remote;
    struct lease *l;
    uint64_t hfp = parse_visited_fingerprint(r->hosts, j->url, j->origin_len);
    int rc = lease_add(r, j, &l);

    if (rc < 0)
        return rc;
    if (parse_visited_add(r->hosts, hfp, 0, NULL, NULL) < 0)
        return -ENOMEM;
    if (frontier_host_exists(c->frontier, l->origin, j->origin_len)) {
        /* known here already (a job taken back from another worker): nothing to share */
        l->finished = l->failed = true;
        return 0;
    }
    return frontier_host_wait(c->frontier, l->origin, j->origin_len, 0);
}

/* A host's rules from the outcome another worker shared (crawl__remote_robots: "HOW\nbody"),
 * none (NULL: everything allowed) when there is none. 0 or -ENOMEM. */
static int shared_rules(struct crawl *c, const char *blob, size_t len, struct parse_robots **rules)
{
    const char *nl = blob ? memchr(blob, '\n', len) : NULL;
    unsigned how = nl ? (unsigned)(blob[0] - '0') : CRAWL_STATE_ROBOTS_ALLOW;
    int64_t delay;

    *rules = NULL;
    if (!nl || how > CRAWL_STATE_ROBOTS_DISALLOW)
        return 0;
    return crawl__robots_rules(c, how, nl + 1, len - (size_t)(nl + 1 - blob), rules, &delay);
}

/* The rules the shared crawl holds for the hosts of l's page jobs that this worker does not
 * know yet, into the local frontier before their jobs. */
static int learn_hosts(struct core_coro *co, struct crawl *c, const struct redisfront_lease *ls)
{
    struct crawl_remote *r = c->remote;
    const char **origins = core_calloc(ls->njobs + 1, sizeof(*origins));
    size_t *lens = core_calloc(ls->njobs + 1, sizeof(*lens));
    struct redisfront_robots got;
    size_t n = 0;
    int rc = origins && lens ? 0 : -ENOMEM;

    for (size_t i = 0; rc == 0 && i < ls->njobs; i++) {
        const struct redisfront_job *j = &ls->jobs[i];
        bool dup = false;

        if (j->kind == FRONTIER_ROBOTS ||
            frontier_host_exists(c->frontier, j->url, j->origin_len))
            continue;
        for (size_t k = 0; k < n && !dup; k++)
            dup = lens[k] == j->origin_len && memcmp(origins[k], j->url, lens[k]) == 0;
        if (!dup) {
            origins[n] = j->url;
            lens[n++] = j->origin_len;
        }
    }
    memset(&got, 0, sizeof(got));
    if (rc == 0 && n > 0 && c->cfg->robots)
        rc = redisfront_robots(co, r->rf, origins, lens, n, &got);
    for (size_t k = 0; rc == 0 && k < n; k++) {
        struct parse_robots *rules = NULL;

        if (got.hosts)
            rc = shared_rules(c, got.hosts[k].rules, got.hosts[k].len, &rules);
        /* the host's delay is Redis's to keep: none here */
        if (rc == 0)
            rc = frontier_host_known(c->frontier, origins[k], lens[k], rules, -1);
    }
    redisfront_robots_free(&got);
    core_free(origins);
    core_free(lens);
    return rc;
}

/* A leased page or sitemap job, into the local frontier as a job of its own. */
static int take_page(struct crawl *c, const struct redisfront_job *j,
                     struct frontier_parent **parent)
{
    struct lease *l;
    struct frontier_new n = {j->url, j->len, j->origin_len, j->fp, j->depth, NULL,
                             j->kind == FRONTIER_SITEMAP ? FRONTIER_SITEMAP : FRONTIER_PAGE,
                             0, NULL};
    int rc;

    if (j->parent && (!*parent || strcmp((*parent)->url, j->parent) != 0)) {
        frontier_parent_release(*parent);
        *parent = frontier_parent_new(j->parent);
        if (!*parent)
            return -ENOMEM;
    }
    n.parent = j->parent ? *parent : NULL;
    rc = lease_add(c->remote, j, &l);
    if (rc == 0)
        rc = parse_visited_add(c->visited, j->fp, j->depth, NULL, NULL) < 0 ? -ENOMEM : 0;
    if (rc == 0)
        parse_visited_set_state(c->visited, j->fp, CRAWL_URL_QUEUED);
    if (rc == 0)
        rc = frontier_add_job(c->frontier, &n, true, NULL);
    return rc;
}

/* A job leased ahead: held here until one of this worker's requests to its host ends and hands
 * its slot on (lease_over). */
static int take_ahead(struct crawl *c, const struct redisfront_job *j)
{
    struct lease *l;
    int rc = lease_add(c->remote, j, &l);

    if (rc < 0)
        return rc;
    l->ahead = true;
    l->depth = j->depth;
    if (j->parent && !(l->parent = core_strdup(j->parent)))
        return -ENOMEM;
    if (parse_visited_add(c->visited, j->fp, j->depth, NULL, NULL) < 0)
        return -ENOMEM;
    parse_visited_set_state(c->visited, j->fp, CRAWL_URL_QUEUED);
    return 0;
}

/* Jobs Redis dead-lettered (their leases kept killing workers): a record each, committed
 * with the next commit. */
static void record_dead(struct crawl *c, const struct redisfront_lease *ls)
{
    for (size_t i = 0; i < ls->ndead; i++)
        if (ls->dead[i].kind == FRONTIER_PAGE) {
            crawl__emit_dead(c, ls->dead[i].url, ls->dead[i].parent, ls->dead[i].depth,
                             ls->dead[i].leases);
            c->remote->dirty = true;
            core_event_set(c->remote->work);
        }
}

static int take_jobs(struct core_coro *co, struct crawl *c, const struct redisfront_lease *ls)
{
    struct frontier_parent *parent = NULL;
    int rc = learn_hosts(co, c, ls);

    record_dead(c, ls);
    for (size_t i = 0; rc == 0 && i < ls->njobs; i++) {
        if (ls->jobs[i].kind == FRONTIER_ROBOTS)
            rc = take_robots(c, &ls->jobs[i]);
        else
            rc = take_page(c, &ls->jobs[i], &parent);
    }
    frontier_parent_release(parent);
    for (size_t i = 0; rc == 0 && i < ls->nahead; i++)
        rc = take_ahead(c, &ls->ahead[i]);
    c->st.remote_leased += ls->njobs + ls->nahead;
    return rc;
}

static uint64_t origin_hash(const struct lease *l)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */

    for (size_t i = 0; i < l->origin_len; i++)
        h = (h ^ (unsigned char)l->url[i]) * 1099511628211ull;
    return h;
}

/* Mark the jobs leased ahead that wait in vain: no request of their host is in progress here
 * to hand them a slot (l->stranded). How many. One pass over the leases, with a table of the
 * hosts in progress; none is marked if it cannot be had (they wait for the next call). */
static size_t mark_stranded(struct crawl_remote *r)
{
    size_t cap = 16, n = 0;
    const struct lease **set;

    while (cap < 2 * r->nleases)
        cap *= 2;
    set = core_calloc(cap, sizeof(*set));
    for (size_t i = 0; i < r->nleases; i++)
        r->leases[i]->stranded = false;
    if (!set)
        return 0;
    for (size_t i = 0; i < r->nleases; i++) {
        const struct lease *x = r->leases[i];
        size_t k;

        if (x->ahead || x->over || x->stale || x->kind == FRONTIER_ROBOTS)
            continue;
        k = origin_hash(x) & (cap - 1);
        while (set[k] && !same_host(set[k], x))
            k = (k + 1) & (cap - 1);
        set[k] = x;
    }
    for (size_t i = 0; i < r->nleases; i++) {
        struct lease *y = r->leases[i];
        size_t k;

        if (!y->ahead || y->stale)
            continue;
        k = origin_hash(y) & (cap - 1);
        while (set[k] && !same_host(set[k], y))
            k = (k + 1) & (cap - 1);
        y->stranded = set[k] == NULL;
        n += y->stranded;
    }
    core_free(set);
    return n;
}

/* The hosts to lease ahead for: ahead_target of this worker's requests in progress to a host,
 * less the jobs of it already waiting here (at most AHEAD_HOSTS hosts a call). Their
 * origins are copied into origins (reserved: the pointers stay put). How many. */
static size_t ahead_asks(const struct crawl_remote *r, struct redisfront_ahead *ah,
                         struct core_buf *origins)
{
    size_t n = 0, k;

    for (size_t i = 0; i < r->nleases; i++) {
        const struct lease *l = r->leases[i];

        if (l->ahead || l->over || l->stale || l->kind == FRONTIER_ROBOTS)
            continue;
        for (k = 0; k < n; k++)
            if (ah[k].origin_len == l->origin_len &&
                memcmp(ah[k].origin, l->url, l->origin_len) == 0)
                break;
        if (k == n) {
            if (n == AHEAD_HOSTS)
                continue;
            ah[n] = (struct redisfront_ahead){origins->data + origins->len, l->origin_len, 0};
            if (core_buf_append(origins, l->url, l->origin_len) < 0)
                break; /* cannot fail: reserved */
            n++;
        }
        ah[k].n++;
    }
    for (k = 0; k < n; k++)
        ah[k].n = ahead_target(ah[k].n);
    for (size_t i = 0; i < r->nleases; i++) {
        const struct lease *l = r->leases[i];

        for (k = 0; l->ahead && !l->stale && k < n; k++)
            if (ah[k].n > 0 && ah[k].origin_len == l->origin_len &&
                memcmp(ah[k].origin, l->url, l->origin_len) == 0) {
                ah[k].n--;
                break;
            }
    }
    for (size_t i = k = 0; i < n; i++)
        if (ah[i].n > 0)
            ah[k++] = ah[i];
    return k;
}

/* One lease call in lane: up to want jobs, telling Redis of the requests that are over (each
 * told once, by the call that takes it: their origins copied, as a commit may free the leases
 * before a retry), and, with no --delay, jobs leased ahead for the hosts of the requests in
 * progress. A retry after a lost reply keeps its number, so it gets the jobs the lost call
 * leased. */
static int lease(struct core_coro *co, struct crawl *c, unsigned lane, size_t want,
                 struct redisfront_lease *ls)
{
    struct crawl_remote *r = c->remote;
    struct redisfront_held *over = core_calloc(r->nleases + 1, sizeof(*over));
    struct redisfront_held *back = core_calloc(r->nleases + 1, sizeof(*back));
    struct redisfront_ahead ah[AHEAD_HOSTS];
    struct redisfront_ask ask = {c->cfg->worker_id, want, ++r->lease_seq[lane], lane, over, 0,
                                 ah, 0, back, 0};
    struct core_buf origins;
    size_t bytes = 0;
    int rc = over && back ? 0 : -ENOMEM;

    for (size_t i = 0; i < r->nleases; i++)
        bytes += 2 * r->leases[i]->origin_len;
    /* room for them all at once: the pointers into it stay put */
    core_buf_init(&origins, bytes);
    if (rc == 0)
        rc = core_buf_reserve(&origins, bytes);
    for (size_t i = 0; rc == 0 && i < r->nleases; i++) {
        struct lease *l = r->leases[i];

        if (!l->over || l->over_told || l->stale)
            continue;
        l->over_told = true;
        over[ask.nfetched++] = (struct redisfront_held){.fp = l->fp, .token = l->token,
                                                        .origin = origins.data + origins.len,
                                                        .origin_len = l->origin_len,
                                                        .has_succ = l->has_succ,
                                                        .succ = l->succ};
        rc = core_buf_append(&origins, l->url, l->origin_len);
    }
    if (rc == 0)
        (void)mark_stranded(r);
    for (size_t i = 0; rc == 0 && i < r->nleases;) {
        struct lease *l = r->leases[i];

        if (!l->stranded) {
            i++;
            continue;
        }
        back[ask.nback++] = (struct redisfront_held){.fp = l->fp, .token = l->token};
        lease_remove(r, l);
    }
    if (rc == 0 && c->cfg->delay_ms <= 0)
        ask.nahead = ahead_asks(r, ah, &origins);
    while (rc == 0) {
        rc = redisfront_lease_ask(co, r->rf, &ask, ls);
        c->st.remote_calls++;
        if (!again(co, rc))
            break;
        rc = 0;
    }
    core_buf_free(&origins);
    core_free(over);
    core_free(back);
    return rc;
}

/* Every lease this worker holds in Redis goes back at once: a restarted worker's (lost with
 * its memory), a stopping worker's (its fetches cut off, its queue dropped). */
static int release_all(struct core_coro *co, struct crawl *c)
{
    struct redisfront_lease ls;
    int rc;

    do {
        rc = redisfront_release(co, c->remote->rf, c->cfg->worker_id, &ls);
        c->st.remote_calls++;
    } while (again(co, rc));
    if (rc == 0) {
        record_dead(c, &ls);
        redisfront_lease_free(&ls);
    }
    return rc;
}

/* Whether a held job's request is over, its slot free, and Redis not told so yet. */
static bool over_untold(const struct crawl_remote *r)
{
    for (size_t i = 0; i < r->nleases; i++) {
        const struct lease *l = r->leases[i];

        if (l->over && !l->over_told && !l->stale && !l->has_succ)
            return true;
    }
    return false;
}

/* One lease call in flight (a member of r->asks). */
struct ask {
    struct crawl *c;
    unsigned lane;
    size_t want;
    bool alone;                 /* made with nothing here and no other call in flight */
};

/* A lease call and the jobs it brings into the local frontier; what it learnt of the shared
 * crawl is left for the feeder (r->ended, r->not_before). */
static int ask_run(struct core_coro *co, void *arg)
{
    struct ask *a = arg;
    struct crawl *c = a->c;
    struct crawl_remote *r = c->remote;
    struct redisfront_lease ls;
    int rc = lease(co, c, a->lane, a->want, &ls);

    if (rc == 0) {
        rc = take_jobs(co, c, &ls);
        r->starved = false;
        if (ls.njobs > 0)
            r->not_before = 0; /* more may be there: the feeder's own rules say when */
        if (ls.njobs == 0) {
            int64_t wait = ls.ready_ms > ls.now_ms ? ls.ready_ms - ls.now_ms : IDLE_POLL_MS;

            /* nothing to hand out: ask again when a host is ready, or after a while; soon when
             * jobs wait for slots other workers hold (they now leave some: P hungry); when
             * this worker's own requests hold them all, as soon as one of them ends */
            if (ls.ready_ms < 0 && ls.queued > 0 && ls.in_flight > r->nleases) {
                wait = HUNGRY_POLL_MS;
            } else if (ls.ready_ms < 0 && r->nleases > 0 && ls.in_flight <= r->nleases) {
                /* only this worker's own requests can change that (with nothing queued,
                 * the links its commits bring); one may have ended while the call was out:
                 * then at once */
                r->starved = !over_untold(r);
                wait = r->starved ? STARVED_POLL_MS : 0;
            }
            r->not_before = core_deadline_in(wait < IDLE_POLL_MS || r->starved ? wait
                                                                                 : IDLE_POLL_MS);
            if (ls.queued == 0 && 2 * a->want > c->cfg->workers) {
                r->hurry = true; /* the links of pages not committed yet may be all there is */
                core_event_set(r->work);
            }
        }
        if (mark_stranded(r) > 0) {
            r->not_before = 0; /* a request it waited for ended meanwhile: give it back */
            r->starved = false;
        }
        r->queued = ls.queued;
        r->ended |= a->alone && r->calls == 1 && ls.njobs == 0 && ls.queued == 0 &&
                    ls.in_flight == 0 && r->orphans.nlinks == 0;
        redisfront_lease_free(&ls);
    }
    if (rc == -EPIPE)
        rc = 0; /* a stop closed the local frontier: what was leased goes back at the end */
    if (rc < 0)
        fail(c, rc);
    r->asking -= a->want;
    r->calls--;
    r->lane_busy[a->lane] = false;
    core_event_set(r->wake);
    core_free(a);
    return 0;
}

/* Start a lease call for want jobs in a free lane. 0 or an error. */
static int ask_start(struct crawl *c, size_t want, bool alone)
{
    struct crawl_remote *r = c->remote;
    struct ask *a = core_calloc(1, sizeof(*a));
    unsigned lane = 0;
    int rc;

    if (!a)
        return -ENOMEM;
    while (r->lane_busy[lane])
        lane++;
    *a = (struct ask){c, lane, want, alone};
    rc = core_group_spawn(r->asks, ask_run, a, NULL);
    if (rc < 0) {
        core_free(a);
        return rc;
    }
    r->lane_busy[lane] = true;
    r->asking += want;
    r->calls++;
    return 0;
}

/* Lease jobs into the local frontier whenever its workers have room, until the shared crawl
 * has nothing queued or in flight anywhere, or this worker stops. Up to LANES lease calls are
 * in flight at once: a call's round trip (Redis busy with a commit, the loop with pages) would
 * otherwise leave the workers idle while it lasts. */
int crawl__remote_run(struct core_coro *co, struct crawl *c)
{
    struct crawl_remote *r = c->remote;
    size_t batch = c->cfg->lease_batch ? c->cfg->lease_batch : c->cfg->workers;
    int rc;

    /* a restarted worker's leases first, then the seeds, so that the crawl is not over
     * before it begins */
    rc = release_all(co, c);
    if (rc == 0)
        rc = send_extras(co, c);
    if (rc < 0 && rc != -ECANCELED)
        fail(c, rc);
    while (rc == 0 && !c->stopping && !r->error && !r->ended) {
        size_t have = frontier_queued(c->frontier) + frontier_in_progress(c->frontier) +
                      r->asking;
        size_t want = c->cfg->workers > have ? c->cfg->workers - have : 0;
        int64_t until = core_deadline_in(IDLE_POLL_MS);

        core_event_clear(r->wake); /* what happens from here on wakes the wait below */
        if (want > batch)
            want = batch;
        if (want > 0 && (have == 0 || want >= (c->cfg->workers + 3) / 4) &&
            r->calls < LANES && core_now_ms() >= r->not_before) {
            r->not_before = 0;
            rc = ask_start(c, want, have == 0 && r->calls == 0);
            if (rc < 0)
                fail(c, rc);
            continue;
        }
        if (r->not_before > core_now_ms() && r->not_before < until)
            until = r->not_before;
        if (core_event_wait(co, r->wake, until) == -ECANCELED)
            break;
    }
    /* the calls in flight end (a stop's are cut off: their jobs go back at the end) */
    if (c->stopping || r->error || rc < 0 || core_coro_is_cancelled(co))
        core_group_cancel(r->asks);
    core_coro_shield(co, true);
    if (core_group_wait(co, r->asks, -1) < 0) {
        /* shielded: no cancel; and a call's error is the crawl's (fail) */
    }
    core_coro_shield(co, false);
    /* what is queued here still runs (a stop drops it: on_stop) */
    frontier_close(c->frontier, false);
    return 0;
}

/* --- renewing --------------------------------------------------------------------------------- */

/* Every third of a lease, extend every lease held; one given to another worker meanwhile
 * (this worker stalled past its lease) is stale: what it makes is dropped. */
int crawl__remote_renewer(struct core_coro *co, void *arg)
{
    struct crawl *c = arg;
    struct crawl_remote *r = c->remote;
    int64_t period = c->cfg->lease_ms / 3 > 10 ? c->cfg->lease_ms / 3 : 10;

    while (core_sleep(co, core_deadline_in(period)) == 0) {
        size_t n = r->nleases;
        struct redisfront_held *h = core_calloc(n ? n : 1, sizeof(*h));
        int64_t *exp = core_calloc(n ? n : 1, sizeof(*exp));
        struct lease **ls = core_calloc(n ? n : 1, sizeof(*ls));
        int rc = h && exp && ls ? 0 : -ENOMEM;

        for (size_t i = 0; rc == 0 && i < n; i++) {
            ls[i] = r->leases[i];
            h[i] = (struct redisfront_held){.fp = ls[i]->fp, .token = ls[i]->token};
        }
        if (rc == 0 && n > 0) {
            rc = redisfront_renew(co, r->rf, h, n, exp);
            c->st.remote_calls++;
        }
        for (size_t i = 0; rc == 0 && i < n; i++) {
            bool held = false;

            /* still held: a lease committed meanwhile may have been freed and its memory
             * reused by a new lease, so the pointer alone does not say */
            for (size_t k = 0; k < r->nleases && !held; k++)
                held = r->leases[k] == ls[i] && ls[i]->fp == h[i].fp &&
                       ls[i]->token == h[i].token;
            if (held && exp[i] == 0 && !ls[i]->stale) {
                ls[i]->stale = true;
                c->st.remote_stale++;
                if (ls[i]->ahead)
                    lease_remove(r, ls[i]); /* never started: nothing of it to drop */
            }
        }
        core_free(h);
        core_free(exp);
        core_free(ls);
        if (rc == -ECANCELED)
            break;
        /* a lost renewal is made again at the next period, well inside the lease */
    }
    return 0;
}

/* --- committing ------------------------------------------------------------------------------- */

struct sync_job {
    int fds[FILES_MAX];
    size_t n;
};

static int sync_on_pool(void *arg)
{
    struct sync_job *s = arg;
    int rc = 0;

    for (size_t i = 0; i < s->n; i++)
        if (s->fds[i] >= 0 && fdatasync(s->fds[i]) < 0 && errno != EINVAL && rc == 0)
            rc = -errno;
    return rc;
}

/* The outputs' lengths now, as the text Redis keeps for this worker, their data synced first:
 * a commit never vouches for bytes a power loss could take back. */
static int outputs_now(struct core_coro *co, struct crawl *c, struct core_buf *lengths)
{
    struct crawl_state_file files[FILES_MAX];
    struct sync_job s = {{0}, 0};
    struct core_buf archive;
    size_t n;
    int rc;

    core_buf_init(&archive, 1u << 20);
    rc = crawl__outputs(c, files, FILES_MAX, &n, &archive);
    if (rc == 0)
        rc = core_buf_printf(lengths, "seq %llu\n", (unsigned long long)(c->remote->seq + 1));
    if (rc == 0 && archive.len > 0) {
        /* the archive's counters and current file, for a worker restarted with its id */
        rc = core_buf_puts(lengths, "archive ");
        if (rc == 0)
            rc = core_buf_puthex(lengths, archive.data, archive.len);
        if (rc == 0)
            rc = core_buf_putc(lengths, '\n');
    }
    core_buf_free(&archive);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = core_buf_printf(lengths, "%s %lld\n", files[i].name, (long long)files[i].len);
        s.fds[s.n] = files[i].fd >= 0 ? fcntl(files[i].fd, F_DUPFD_CLOEXEC, 0) : -1;
        if (files[i].fd >= 0 && s.fds[s.n] < 0 && rc == 0)
            rc = -errno;
        s.n++;
    }
    if (rc == 0 && s.n > 0)
        rc = core_offload(co, sync_on_pool, &s, -1);
    for (size_t i = 0; i < s.n; i++)
        if (s.fds[i] >= 0)
            close(s.fds[i]);
    return rc;
}

/* Has Redis kept this commit already (a reply lost after it ran)? */
static int committed_already(struct core_coro *co, struct crawl *c, const struct core_buf *lengths)
{
    struct core_buf kept;
    int rc;

    core_buf_init(&kept, 1u << 20);
    do {
        kept.len = 0;
        rc = redisfront_worker_lengths(co, c->remote->rf, c->cfg->worker_id, &kept);
    } while (again(co, rc));
    if (rc == 0)
        rc = kept.len == lengths->len && memcmp(kept.data, lengths->data, kept.len) == 0;
    else if (rc == -ENOENT)
        rc = 0;
    core_buf_free(&kept);
    return rc;
}

/* The commit call, made again after a lost reply unless Redis kept it already. 0 or an
 * error (-ESTALE: nothing taken, accepted says which tokens were stale). */
static int complete(struct core_coro *co, struct crawl *c, const struct redisfront_held *over,
                    size_t nover, const struct redisfront_done *d, size_t n,
                    const struct core_buf *lengths, bool *accepted)
{
    struct redisfront_commit cm = {c->cfg->worker_id, over, nover, d, n, lengths->data,
                                   lengths->len};
    int rc;

    for (;;) {
        rc = redisfront_commit(co, c->remote->rf, &cm, accepted, NULL);
        c->st.remote_calls++;
        if (!transient(rc))
            return rc;
        rc = committed_already(co, c, lengths);
        if (rc != 0)
            return rc == 1 ? 0 : rc;
        if ((rc = core_sleep(co, core_deadline_in(RETRY_MS))) < 0)
            return rc;
    }
}

/* Links found with no page (seeds, sitemaps' URLs) and host waits: sent on their own, by one
 * coroutine at a time (the feeder at the start, the committer after). */
static int send_extras(struct core_coro *co, struct crawl *c)
{
    struct crawl_remote *r = c->remote;
    int rc = 0;

    if (r->sending)
        return 0;
    r->sending = true;

    if (r->orphans.nlinks > 0) {
        /* taken whole: links found while they are sent start a new list (and the URLs sent
         * stay where the call reads them) */
        struct lease sending = r->orphans;
        struct redisfront_url *u = links_of(&sending);

        memset(&r->orphans, 0, sizeof(r->orphans));
        core_buf_init(&r->orphans.text, sending.text.max);
        do {
            rc = u ? redisfront_add(co, r->rf, u, sending.nlinks, NULL, NULL, NULL) : -ENOMEM;
            c->st.remote_calls++;
        } while (again(co, rc));
        for (size_t i = 0; rc < 0 && i < sending.nlinks; i++) {
            const struct link *k = &sending.links[i];

            /* not sent: back in the list, for the next commit */
            if (link_add(&r->orphans, sending.text.data + k->off, k->len, k->fp, k->depth,
                         k->kind) < 0)
                break;
        }
        core_free(u);
        core_free(sending.links);
        core_buf_free(&sending.text);
    }
    while (rc == 0 && r->delays.len > 0) {
        /* a copy: waits noted meanwhile may move the buffer */
        char *origin = core_strdup(r->delays.data);
        size_t olen = origin ? strlen(origin) : 0;
        int64_t wait;

        if (!origin) {
            rc = -ENOMEM;
            break;
        }
        memcpy(&wait, r->delays.data + olen + 1, sizeof(wait));
        do {
            rc = redisfront_host_delay(co, r->rf, origin, olen, wait, NULL);
            c->st.remote_calls++;
        } while (again(co, rc));
        core_free(origin);
        if (rc == 0) {
            size_t used = olen + 1 + sizeof(wait);

            memmove(r->delays.data, r->delays.data + used, r->delays.len - used);
            r->delays.len -= used;
        }
    }
    r->sending = false;
    return rc;
}

/* One commit: the finished leases, their links and the outputs' lengths, all or nothing. */
static int commit_once(struct core_coro *co, struct crawl *c, bool *idle)
{
    struct crawl_remote *r = c->remote;
    size_t n = 0, k = 0;
    size_t nover = 0;
    struct redisfront_done *d;
    struct redisfront_held *over;
    struct redisfront_url **urls;
    struct lease **ls;
    bool *accepted;
    struct core_buf lengths;
    int rc;

    for (size_t i = 0; i < r->nleases; i++)
        n += r->leases[i]->finished;
    *idle = n == 0 && r->orphans.nlinks == 0 && r->delays.len == 0 && !r->dirty;
    if (*idle)
        return 0;
    rc = send_extras(co, c);
    if (rc < 0)
        return rc;
    /* more pages may have finished while the extras were sent: counted again */
    for (size_t i = n = 0; i < r->nleases; i++)
        n += r->leases[i]->finished;
    if (n == 0 && !r->dirty)
        return 0;
    r->dirty = false; /* what is written from here on waits for the next commit */
    d = core_calloc(n + 1, sizeof(*d));
    over = core_calloc(n + 1, sizeof(*over));
    urls = core_calloc(n + 1, sizeof(*urls));
    ls = core_calloc(n + 1, sizeof(*ls));
    accepted = core_calloc(n + 1, sizeof(*accepted));
    core_buf_init(&lengths, 1u << 16);
    rc = d && over && urls && ls && accepted ? 0 : -ENOMEM;
    for (size_t i = 0; rc == 0 && i < r->nleases; i++) {
        struct lease *l = r->leases[i];

        if (!l->finished)
            continue;
        if (l->stale && l->written) {
            /* its record is in the output, and the page is someone else's now */
            rc = -ESTALE;
            break;
        }
        ls[k] = l;
        urls[k] = links_of(l);
        if (!urls[k]) {
            rc = -ENOMEM;
            break;
        }
        d[k] = (struct redisfront_done){.fp = l->fp, .token = l->token, .url = l->url,
                                        .len = l->len, .origin_len = l->origin_len,
                                        .kind = l->kind, .failed = l->failed,
                                        .links = urls[k], .nlinks = l->nlinks,
                                        .crawl_delay_ms = l->crawl_delay_ms};
        if (l->kind == FRONTIER_ROBOTS && !l->failed) {
            d[k].robots = l->robots.data ? l->robots.data : "";
            d[k].robots_len = l->robots.len;
        }
        /* a slot handed on is told before the commit that would free it (told twice, it
         * counts once) */
        if (l->has_succ)
            over[nover++] = (struct redisfront_held){.fp = l->fp, .token = l->token,
                                                     .origin = l->url,
                                                     .origin_len = l->origin_len,
                                                     .has_succ = true, .succ = l->succ};
        k++;
    }
    if (rc == 0)
        rc = outputs_now(co, c, &lengths);
    if (rc == 0)
        rc = complete(co, c, over, nover, d, k, &lengths, accepted);
    if (rc == 0) {
        r->seq++;
        c->st.remote_committed += k;
        for (size_t i = 0; i < k; i++)
            lease_remove(r, ls[i]);
        if (k > 0 && r->starved) {
            r->starved = false; /* their hosts have room again */
            r->not_before = 0;
        }
        core_event_set(r->wake);
    } else if (rc == -ESTALE) {
        /* a page's lease ran out before its commit: Redis took nothing; drop the stale ones
         * not yet written and try again, or stop if one is in the output already */
        bool written = false;

        for (size_t i = 0; i < k; i++)
            if (!accepted[i]) {
                ls[i]->stale = true;
                written |= ls[i]->written;
            }
        if (!written) {
            for (size_t i = 0; i < k; i++)
                if (!accepted[i])
                    lease_remove(r, ls[i]);
            rc = 0;
        }
    }
    for (size_t i = 0; urls && i < n; i++)
        core_free(urls[i]);
    core_free(d);
    core_free(over);
    core_free(urls);
    core_free(ls);
    core_free(accepted);
    core_buf_free(&lengths);
    return rc;
}

/* Group commit, as with --state: the next commit starts as soon as the last one is over. */
/* Leases whose pages are finished, for the next commit. */
static size_t finished_count(const struct crawl_remote *r)
{
    size_t n = 0;

    for (size_t i = 0; i < r->nleases; i++)
        n += r->leases[i]->finished;
    return n;
}

/* Before a commit: wait until a local worker's worth of pages are finished, the feeder runs
 * dry or the local frontier runs low while Redis has few jobs queued (their links are
 * wanted), or GATHER_MS. Fewer, larger commits: each costs a round trip and an fdatasync of
 * the outputs. 0 or -ECANCELED. */
static int gather(struct core_coro *co, struct crawl *c)
{
    struct crawl_remote *r = c->remote;
    const int64_t until = core_deadline_in(GATHER_MS);
    int rc = 0;

    /* and only while the local frontier is at least a quarter full, or Redis has a local
     * worker's worth of jobs queued: a worker with too little to do wants the links of its
     * finished pages in Redis now, unless what holds it back is the hosts' slots (a low
     * --per-host), not a lack of jobs (then a commit a page or two would cost a round trip and
     * an fdatasync for each) */
    while (!r->hurry && finished_count(r) < c->cfg->workers &&
           (4 * (frontier_queued(c->frontier) + frontier_in_progress(c->frontier)) >=
                c->cfg->workers ||
            r->queued >= (int64_t)c->cfg->workers)) {
        core_event_clear(r->work);
        rc = core_event_wait(co, r->work, until);
        if (rc < 0)
            break;
    }
    r->hurry = false;
    return rc == -ECANCELED ? rc : 0;
}

int crawl__remote_committer(struct core_coro *co, void *arg)
{
    struct crawl *c = arg;

    while (!c->remote->error) {
        bool idle = false;
        int rc;

        /* a commit is never cut off half-way (its reply lost to a cancel, it would be made
         * again at the end with tokens it already used up) */
        core_coro_shield(co, true);
        rc = commit_once(co, c, &idle);
        core_coro_shield(co, false);

        if (rc < 0) {
            if (rc != -ECANCELED)
                fail(c, rc);
            break;
        }
        if (idle) {
            core_event_clear(c->remote->work);
            rc = core_event_wait(co, c->remote->work, core_deadline_in(IDLE_POLL_MS));
        } else {
            rc = gather(co, c);
        }
        if (rc == -ECANCELED)
            break;
    }
    return 0;
}

/* At the end: the last commit, then every lease still held goes back to the shared queue at
 * once (a stop's fetches, jobs dropped), for the other workers. */
int crawl__remote_finish(struct core_coro *co, struct crawl *c)
{
    struct crawl_remote *r = c->remote;
    int rc = 0;

    for (int round = 0; round < 2 && !r->error; round++) {
        for (int i = 0; i < 3 && !r->error; i++) {
            bool idle = false;

            rc = commit_once(co, c, &idle);
            if (rc < 0 || idle)
                break;
        }
        if (rc < 0 && rc != -ECANCELED)
            fail(c, rc);
        if (r->error || r->nleases == 0 || round > 0)
            break;
        /* what is still leased goes back, and the dead it made are recorded, and committed */
        rc = release_all(co, c);
        if (rc < 0)
            fail(c, rc);
    }
    return r->error;
}

/* --- life ------------------------------------------------------------------------------------- */

int crawl__remote_create(struct crawl *c, uint64_t seq, struct crawl_remote **out)
{
    struct crawl_remote *r = core_calloc(1, sizeof(*r));
    int rc;

    if (!r)
        return -ENOMEM;
    r->c = c;
    r->rf = c->cfg->redis;
    r->seq = seq;
    r->queued = -1;
    for (unsigned i = 0; i < LANES; i++)
        r->lease_seq[i] = (uint64_t)crawl__wall_ms() * 1000; /* above any earlier run's */
    core_buf_init(&r->orphans.text, 256u << 20);
    core_buf_init(&r->delays, 1u << 20);
    rc = parse_visited_create(0x686f737473ull, &r->hosts);
    if (rc == 0)
        rc = core_event_create(&r->wake);
    if (rc == 0)
        rc = core_event_create(&r->work);
    if (rc == 0)
        rc = core_group_create(c->loop, 0, &r->asks);
    if (rc < 0) {
        crawl__remote_destroy(r);
        return rc;
    }
    *out = r;
    return 0;
}

void crawl__remote_destroy(struct crawl_remote *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nleases; i++)
        lease_free(r->leases[i]);
    core_free(r->leases);
    core_buf_free(&r->orphans.text);
    core_free(r->orphans.links);
    core_buf_free(&r->delays);
    parse_visited_destroy(r->hosts);
    if (r->wake)
        core_event_destroy(r->wake);
    if (r->work)
        core_event_destroy(r->work);
    if (r->asks)
        core_group_destroy(r->asks);
    core_free(r);
}
