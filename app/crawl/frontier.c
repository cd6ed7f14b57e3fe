/* app/crawl/frontier.c: the crawl frontier: hosts, their ready and waiting heaps, and the API
 * (see frontier.h); the queue of jobs on each host is hostqueue.c.
 *
 * Invariants, whenever no frontier function runs:
 * - a host is in the ready heap iff it is eligible (queued work, below per_host, no paced job
 *   whose request has not gone out, robots known or its robots job first in line) and its
 *   next_ms has come; in the waiting heap iff it is eligible and next_ms is still ahead; in
 *   neither otherwise;
 * - levels[d] counts the jobs of depth d queued or in progress; unfinished counts all jobs
 *   added and not yet done (frontier_join waits for it to reach 0). */
#include "app/crawl/frontier_int.h"

#include <errno.h>
#include <string.h>

#include "core/coro.h"
#include "core/event.h"
#include "core/loop.h"
#include "core/mem.h"

void frontier_opts_init(struct frontier_opts *o)
{
    o->order = FRONTIER_BFS;
    o->per_host = 0;
    o->delay_ms = 0;
    o->robots = false;
}

/* --- host heaps ------------------------------------------------------------------------- */

/* Ready order: the crawl order of the hosts' first jobs. */
static bool ready_before(const struct frontier *f, const struct frontier_host *a,
                         const struct frontier_host *b)
{
    const struct frontier_job *x = head_of(a), *y = head_of(b);

    switch (f->o.order) {
    case FRONTIER_BFS:
        if (x->depth != y->depth)
            return x->depth < y->depth;
        return x->seq < y->seq;
    case FRONTIER_DFS:
        return x->seq > y->seq; /* newest first */
    case FRONTIER_BEST:
        if (x->prio != y->prio)
            return x->prio < y->prio;
        return x->seq < y->seq;
    }
    return false;
}

static bool before(const struct frontier *f, const struct host_heap *hp,
                   const struct frontier_host *a, const struct frontier_host *b)
{
    if (hp == &f->waiting)
        return a->next_ms < b->next_ms;
    return ready_before(f, a, b);
}

static size_t *idx_of(const struct frontier *f, const struct host_heap *hp,
                      struct frontier_host *h)
{
    return hp == &f->waiting ? &h->wait_idx : &h->ready_idx;
}

static void hput(struct frontier *f, struct host_heap *hp, size_t i, struct frontier_host *h)
{
    hp->items[i] = h;
    *idx_of(f, hp, h) = i;
}

static void sift_up(struct frontier *f, struct host_heap *hp, size_t i)
{
    struct frontier_host *h = hp->items[i];

    while (i > 0 && before(f, hp, h, hp->items[(i - 1) / 2])) {
        hput(f, hp, i, hp->items[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    hput(f, hp, i, h);
}

static void sift_down(struct frontier *f, struct host_heap *hp, size_t i)
{
    struct frontier_host *h = hp->items[i];

    for (;;) {
        size_t c = 2 * i + 1;

        if (c >= hp->n)
            break;
        if (c + 1 < hp->n && before(f, hp, hp->items[c + 1], hp->items[c]))
            c++;
        if (!before(f, hp, hp->items[c], h))
            break;
        hput(f, hp, i, hp->items[c]);
        i = c;
    }
    hput(f, hp, i, h);
}

static int heap_insert(struct frontier *f, struct host_heap *hp, struct frontier_host *h)
{
    if (hp->n == hp->cap) {
        size_t cap = hp->cap ? hp->cap * 2 : 64;
        struct frontier_host **items = core_reallocarray(hp->items, cap, sizeof(*items));

        if (!items)
            return -ENOMEM;
        hp->items = items;
        hp->cap = cap;
    }
    hput(f, hp, hp->n++, h);
    sift_up(f, hp, hp->n - 1);
    return 0;
}

static void heap_remove(struct frontier *f, struct host_heap *hp, struct frontier_host *h)
{
    size_t *idx = idx_of(f, hp, h), i = *idx;
    struct frontier_host *last;

    if (i == SIZE_MAX)
        return;
    *idx = SIZE_MAX;
    last = hp->items[--hp->n];
    if (last == h)
        return;
    hput(f, hp, i, last);
    if (i > 0 && before(f, hp, last, hp->items[(i - 1) / 2]))
        sift_up(f, hp, i);
    else
        sift_down(f, hp, i);
}

static bool eligible(const struct frontier *f, const struct frontier_host *h)
{
    if (h->queued == 0)
        return false;
    if (f->o.per_host && h->active >= f->o.per_host)
        return false;
    if (h->unsent > 0)
        return false; /* its next time is not known until that request goes out */
    return h->robots != ROBOTS_PENDING || h->robots_first;
}

/* Put h where it belongs now (see the invariants). */
static void place(struct frontier *f, struct frontier_host *h)
{
    heap_remove(f, &f->ready, h);
    heap_remove(f, &f->waiting, h);
    if (!eligible(f, h))
        return;
    /* On -ENOMEM the host is in no heap: its jobs wait until the next change to it. */
    if (h->next_ms > core_now_ms())
        heap_insert(f, &f->waiting, h);
    else
        heap_insert(f, &f->ready, h);
}

static void signal_change(struct frontier *f)
{
    core_event_set(f->changed);
    core_event_clear(f->changed);
}

/* --- hosts ------------------------------------------------------------------------------ */

static uint64_t hash(const char *s, size_t n)
{
    uint64_t x = 1469598103934665603u;
    size_t i;

    for (i = 0; i < n; i++)
        x = (x ^ (unsigned char)s[i]) * 1099511628211u;
    return x;
}

static size_t find_slot(struct frontier_host *const *t, size_t cap, const char *o, size_t n)
{
    size_t i = (size_t)hash(o, n) & (cap - 1);

    while (t[i] && !(t[i]->origin_len == n && memcmp(t[i]->origin, o, n) == 0))
        i = (i + 1) & (cap - 1);
    return i;
}

static int grow_table(struct frontier *f)
{
    size_t cap = f->cap ? f->cap * 2 : 64, i;
    struct frontier_host **t = core_calloc(cap, sizeof(*t));

    if (!t)
        return -ENOMEM;
    for (i = 0; i < f->cap; i++)
        if (f->table[i])
            t[find_slot(t, cap, f->table[i]->origin, f->table[i]->origin_len)] = f->table[i];
    core_free(f->table);
    f->table = t;
    f->cap = cap;
    return 0;
}

static struct frontier_job *job_new(const char *url, size_t len)
{
    struct frontier_job *j = core_malloc(sizeof(*j) + len + 1);

    if (!j)
        return NULL;
    memset(j, 0, sizeof(*j));
    memcpy(j->url, url, len);
    j->url[len] = '\0';
    return j;
}

static void count_in(struct frontier *f, struct frontier_job *j)
{
    size_t d = level_of(j->depth);

    j->seq = f->seq++;
    f->levels[d]++;
    if (d < f->level)
        f->level = d;
    f->queued++;
    f->unfinished++;
    if (f->queued > f->peak)
        f->peak = f->queued;
}

/* The host of an origin, created (with its robots job, if robots are on) when new. */
static struct frontier_host *host_get(struct frontier *f, const char *origin, size_t n,
                                      uint32_t depth)
{
    struct frontier_host *h;
    struct frontier_job *rj;
    size_t i;

    if (f->cap && (h = f->table[find_slot(f->table, f->cap, origin, n)]) != NULL)
        return h;
    if ((f->nhosts + 1) * 2 > f->cap && grow_table(f) < 0)
        return NULL;
    h = core_calloc(1, sizeof(*h));
    if (!h || !(h->origin = core_strndup(origin, n)))
        goto fail;
    h->origin_len = n;
    h->delay_ms = f->o.delay_ms;
    h->ready_idx = SIZE_MAX;
    h->wait_idx = SIZE_MAX;
    if (f->o.order == FRONTIER_BEST) {
        /* the heap exists from the start: h->heap is what marks the best order */
        h->heap = core_calloc(8, sizeof(*h->heap));
        h->capheap = 8;
        if (!h->heap)
            goto fail;
    }
    if (f->o.robots) {
        char path[] = "/robots.txt";
        char *u = core_malloc(n + sizeof(path));

        if (!u)
            goto fail;
        memcpy(u, origin, n);
        memcpy(u + n, path, sizeof(path));
        rj = job_new(u, n + sizeof(path) - 1);
        core_free(u);
        if (!rj)
            goto fail;
        rj->kind = FRONTIER_ROBOTS;
        rj->host = h;
        rj->depth = depth;
        h->robots = ROBOTS_PENDING;
        h->robots_first = true;
        if (crawl__hostqueue_push(f, h, rj, true) < 0) {
            core_free(rj);
            goto fail;
        }
        count_in(f, rj);
    }
    i = find_slot(f->table, f->cap, origin, n);
    f->table[i] = h;
    f->nhosts++;
    return h;

fail:
    if (h) {
        core_free(h->heap);
        core_free(h->origin);
        core_free(h);
    }
    return NULL;
}

/* --- public ----------------------------------------------------------------------------- */

int frontier_create(struct core_loop *loop, const struct frontier_opts *o, struct frontier **out)
{
    struct frontier *f = core_calloc(1, sizeof(*f));
    int rc;

    (void)loop;
    if (!f)
        return -ENOMEM;
    f->o = *o;
    f->level = LEVELS;
    rc = core_event_create(&f->changed);
    if (rc == 0)
        rc = core_event_create(&f->all_done);
    if (rc < 0) {
        core_event_destroy(f->changed);
        core_free(f);
        return rc;
    }
    *out = f;
    return 0;
}

static void job_free(struct frontier_job *j)
{
    frontier_parent_release(j->parent);
    core_free(j->extra);
    core_free(j);
}

/* Drop every queued job; returns how many pages (robots jobs not counted) went. */
static size_t drop_queued(struct frontier *f)
{
    size_t i, pages = 0;

    for (i = 0; i < f->cap; i++) {
        struct frontier_host *h = f->table[i];

        if (!h)
            continue;
        while (h->queued) {
            struct frontier_job *j = crawl__hostqueue_pop(h);
            uint32_t d = j->depth < LEVELS ? j->depth : LEVELS - 1;

            pages += j->kind == FRONTIER_PAGE;
            if (f->o.dropped)
                f->o.dropped(j, f->o.arg);
            f->levels[d]--;
            f->queued--;
            f->unfinished--;
            job_free(j);
        }
        place(f, h);
    }
    return pages;
}

void frontier_destroy(struct frontier *f)
{
    size_t i;

    if (!f)
        return;
    drop_queued(f);
    for (i = 0; i < f->cap; i++) {
        struct frontier_host *h = f->table[i];

        if (!h)
            continue;
        if (h->rules && f->o.rules_free)
            f->o.rules_free(h->rules);
        core_free(h->heap);
        core_free(h->origin);
        core_free(h);
    }
    core_free(f->table);
    core_free(f->ready.items);
    core_free(f->waiting.items);
    core_event_destroy(f->changed);
    core_event_destroy(f->all_done);
    core_free(f);
}

struct frontier_parent *frontier_parent_new(const char *url)
{
    size_t n = strlen(url) + 1;
    struct frontier_parent *p = core_malloc(sizeof(*p) + n);

    if (!p)
        return NULL;
    p->refs = 1;
    memcpy(p->url, url, n);
    return p;
}

void frontier_parent_release(struct frontier_parent *p)
{
    if (p && --p->refs == 0)
        core_free(p);
}

/* Length of the path of an absolute URL (for best-first): up to '?' or the end. */
static size_t path_len(const char *url, size_t len, size_t origin_len)
{
    const char *p = url + origin_len, *q = memchr(p, '?', len - origin_len);

    return (size_t)((q ? q : url + len) - p);
}

int frontier_add_job(struct frontier *f, const struct frontier_new *n, bool quiet,
                     struct frontier_job **out)
{
    struct frontier_host *h;
    struct frontier_job *j;

    if (f->closed)
        return -EPIPE;
    h = host_get(f, n->url, n->origin_len, n->depth);
    j = h ? job_new(n->url, n->len) : NULL;
    if (!j)
        return -ENOMEM;
    j->host = h;
    j->fp = n->fp;
    j->depth = n->depth;
    j->prio = (uint64_t)n->depth << 32;
    if (f->o.order == FRONTIER_BEST)
        j->prio |= path_len(n->url, n->len, n->origin_len);
    j->kind = (uint8_t)n->kind;
    j->attempts = n->attempts;
    if (crawl__hostqueue_push(f, h, j, false) < 0) {
        core_free(j);
        return -ENOMEM;
    }
    j->extra = n->extra;
    j->parent = n->parent;
    if (n->parent)
        n->parent->refs++;
    count_in(f, j);
    place(f, h);
    signal_change(f);
    if (f->o.store && !quiet)
        f->o.store->put(f->o.store->arg, j);
    if (out)
        *out = j;
    return 0;
}

int frontier_add(struct frontier *f, const char *url, size_t len, size_t origin_len, uint64_t fp,
                 uint32_t depth, struct frontier_parent *parent, struct frontier_job **out)
{
    struct frontier_new n = {url, len, origin_len, fp, depth, parent, FRONTIER_PAGE, 0, NULL};

    return frontier_add_job(f, &n, false, out);
}

/* The lowest depth with work queued or in progress. */
static size_t current_level(struct frontier *f)
{
    while (f->level < LEVELS && f->levels[f->level] == 0)
        f->level++;
    return f->level;
}

/* Target (path and query) of a job's URL, for the robots rules. */
static const char *target_of(const struct frontier_job *j, size_t *len)
{
    const char *t = j->url + j->host->origin_len;

    *len = strlen(t);
    return t;
}

int frontier_take(struct core_coro *co, struct frontier *f, struct frontier_job **out)
{
    for (;;) {
        int64_t now = core_now_ms(), deadline;
        struct frontier_host *h;
        struct frontier_job *j;
        int rc;

        while (f->waiting.n && f->waiting.items[0]->next_ms <= now) {
            h = f->waiting.items[0];
            heap_remove(f, &f->waiting, h);
            heap_insert(f, &f->ready, h);
        }
        if (f->closed && f->queued == 0)
            return -EPIPE;
        h = f->ready.n ? f->ready.items[0] : NULL;
        if (h && !(f->o.order == FRONTIER_BFS && head_of(h)->depth > current_level(f))) {
            size_t tlen;
            const char *t;

            j = crawl__hostqueue_pop(h);
            j->denied = false;
            if (j->kind == FRONTIER_PAGE && h->rules && f->o.allowed) {
                t = target_of(j, &tlen);
                j->denied = !f->o.allowed(h->rules, t, tlen);
            }
            h->active++;
            j->paced = !j->denied && h->delay_ms > 0;
            j->unsent = j->paced;
            h->unsent += j->unsent;
            f->queued--;
            f->in_progress++;
            place(f, h);
            *out = j;
            return 0;
        }
        /* nothing may start now: wait for a change, or for the first waiting host's time */
        deadline = f->waiting.n ? f->waiting.items[0]->next_ms : -1;
        rc = core_event_wait(co, f->changed, deadline);
        /* a timeout before our own deadline is an enclosing core_wait_for's: the caller's */
        if (rc == -ECANCELED || (rc == -ETIMEDOUT && (deadline < 0 || core_now_ms() < deadline)))
            return rc;
    }
}

/* A request of j went out now. core_now_ms() rounds down, so the mark is one ms on: never
 * before the moment itself, and the next request goes out at least delay_ms after it. */
static void mark_sent(struct frontier_host *h, struct frontier_job *j)
{
    int64_t at = core_now_ms() + 1 + h->delay_ms;

    if (j->unsent) {
        j->unsent = false;
        h->unsent--;
    }
    if (h->delay_ms > 0 && at > h->next_ms)
        h->next_ms = at;
}

void frontier_sent(struct frontier *f, struct frontier_job *j)
{
    mark_sent(j->host, j);
    place(f, j->host);
    signal_change(f);
}

/* The job is over for this process: finished (the store forgets it) or abandoned. */
static void end_job(struct frontier *f, struct frontier_job *j, bool finished)
{
    struct frontier_host *h = j->host;
    uint32_t d = j->depth < LEVELS ? j->depth : LEVELS - 1;

    if (j->unsent)
        mark_sent(h, j); /* a cancelled transfer may have sent it before we heard: count it */
    h->active--;
    f->in_progress--;
    f->levels[d]--;
    place(f, h);
    if (finished && f->o.store && j->kind != FRONTIER_ROBOTS)
        f->o.store->done(f->o.store->arg, j);
    job_free(j);
    if (--f->unfinished == 0)
        core_event_set(f->all_done);
    signal_change(f);
}

void frontier_done(struct frontier *f, struct frontier_job *j)
{
    end_job(f, j, true);
}

void frontier_abandon(struct frontier *f, struct frontier_job *j)
{
    end_job(f, j, false);
}

void frontier_retry(struct frontier *f, struct frontier_job *j, int64_t not_before_ms)
{
    struct frontier_host *h = j->host;

    if (j->unsent)
        mark_sent(h, j);
    h->active--;
    f->in_progress--;
    j->attempts++;
    if (crawl__hostqueue_push(f, h, j, true) < 0) {
        /* no room to queue it again: end it rather than lose the count */
        frontier_done(f, j);
        return;
    }
    f->queued++;
    if (not_before_ms > h->next_ms)
        h->next_ms = not_before_ms;
    if (f->o.store && j->kind != FRONTIER_ROBOTS) {
        if (f->o.store->host_wait && not_before_ms > core_now_ms())
            f->o.store->host_wait(f->o.store->arg, h, not_before_ms);
        f->o.store->put(f->o.store->arg, j);
    }
    place(f, h);
    signal_change(f);
}

int frontier_join(struct core_coro *co, struct frontier *f)
{
    if (f->unfinished == 0)
        return 0;
    core_event_clear(f->all_done);
    while (f->unfinished > 0) {
        int rc = core_event_wait(co, f->all_done, -1);

        if (rc < 0)
            return rc;
    }
    return 0;
}

size_t frontier_close(struct frontier *f, bool immediate)
{
    size_t dropped = 0;

    f->closed = true;
    if (immediate) {
        dropped = drop_queued(f);
        if (f->unfinished == 0)
            core_event_set(f->all_done);
    }
    signal_change(f);
    return dropped;
}

void frontier_host_set_robots(struct frontier *f, struct frontier_host *h, void *rules,
                              int64_t crawl_delay_ms)
{
    if (h->rules && f->o.rules_free)
        f->o.rules_free(h->rules);
    h->rules = rules;
    h->robots = ROBOTS_KNOWN;
    if (crawl_delay_ms > h->delay_ms) {
        /* the robots.txt request itself counts: the first page waits a Crawl-delay too (it went
         * out before now; one ms more for the clock's rounding down, as in mark_sent) */
        int64_t at = core_now_ms() + 1 + crawl_delay_ms;

        h->delay_ms = crawl_delay_ms;
        if (at > h->next_ms)
            h->next_ms = at;
    }
    place(f, h);
    signal_change(f);
}

int frontier_host_known(struct frontier *f, const char *origin, size_t len, void *rules,
                        int64_t crawl_delay_ms)
{
    bool robots = f->o.robots;
    struct frontier_host *h;

    f->o.robots = false; /* no robots job: its rules are known */
    h = host_get(f, origin, len, 0);
    f->o.robots = robots;
    if (!h) {
        if (rules && f->o.rules_free)
            f->o.rules_free(rules);
        return -ENOMEM;
    }
    frontier_host_set_robots(f, h, rules, crawl_delay_ms);
    return 0;
}

int frontier_host_wait(struct frontier *f, const char *origin, size_t len, int64_t not_before_ms)
{
    struct frontier_host *h = host_get(f, origin, len, 0);

    if (!h)
        return -ENOMEM;
    if (not_before_ms > h->next_ms)
        h->next_ms = not_before_ms;
    place(f, h);
    signal_change(f); /* its robots job may be new */
    return 0;
}

bool frontier_host_exists(const struct frontier *f, const char *origin, size_t len)
{
    return f->cap && f->table[find_slot(f->table, f->cap, origin, len)] != NULL;
}

const char *frontier_host_origin(const struct frontier_host *h)
{
    return h->origin;
}

int64_t frontier_host_next_ms(const struct frontier_host *h)
{
    return h->next_ms;
}

size_t frontier_queued(const struct frontier *f)
{
    return f->queued;
}

size_t frontier_in_progress(const struct frontier *f)
{
    return f->in_progress;
}

size_t frontier_hosts(const struct frontier *f)
{
    return f->nhosts;
}

size_t frontier_peak(const struct frontier *f)
{
    return f->peak;
}
