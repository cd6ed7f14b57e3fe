/* tests/test_app_frontier.c: the crawl frontier: crawl orders (bfs levels, dfs, best), per-host
 * limits and delays that never hold up other hosts, robots.txt jobs and rules, retries, join,
 * close, cancellation, and per-host scheduling with many hosts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/crawl/frontier.h"
#include "core/coro.h"
#include "core/group.h"
#include "core/loop.h"
#include "core/mem.h"
#include "tests/support/corotest.h"

/* --- helpers ---------------------------------------------------------------------------- */

/* A bound on waits that must end: only a hang reaches it, however loaded the machine. Times
 * are checked from below only (a job comes no sooner than allowed), and what may happen
 * "at once" is taken without waiting. */
#define SOON_MS 60000

static struct frontier *mk(struct core_coro *co, enum frontier_order order, unsigned per_host,
                           int64_t delay_ms)
{
    struct frontier_opts o;
    struct frontier *f;

    frontier_opts_init(&o);
    o.order = order;
    o.per_host = per_host;
    o.delay_ms = delay_ms;
    assert_int_equal(frontier_create(core_coro_loop(co), &o, &f), 0);
    return f;
}

static size_t origin_len(const char *url)
{
    const char *p = strchr(strstr(url, "://") + 3, '/');

    return p ? (size_t)(p - url) : strlen(url);
}

static struct frontier_job *add(struct frontier *f, const char *url, uint32_t depth)
{
    struct frontier_job *j = NULL;

    assert_int_equal(frontier_add(f, url, strlen(url), origin_len(url), 0, depth, NULL, &j), 0);
    return j;
}

static int take_body(struct core_coro *co, void *arg)
{
    void **a = arg;

    return frontier_take(co, a[0], (struct frontier_job **)a[1]);
}

/* Take with a deadline ms from now: 0 and *j, or -ETIMEDOUT when nothing may start by then. */
static int take_within(struct core_coro *co, struct frontier *f, int64_t ms,
                       struct frontier_job **j)
{
    void *a[2] = {f, j};

    return core_wait_for(co, core_deadline_in(ms), take_body, a);
}

/* Take, which must succeed at once, and check the URL. */
static struct frontier_job *take_url(struct core_coro *co, struct frontier *f, const char *url)
{
    struct frontier_job *j = NULL;

    assert_int_equal(take_within(co, f, SOON_MS, &j), 0);
    assert_string_equal(j->url, url);
    return j;
}

/* Take without waiting: something may start now. */
static struct frontier_job *take_now(struct core_coro *co, struct frontier *f)
{
    struct frontier_job *j = NULL;

    assert_int_equal(take_within(co, f, 0, &j), 0);
    return j;
}

/* Nothing may start until an event (not a time) lets it: a short look finds nothing. */
static void assert_blocks(struct core_coro *co, struct frontier *f)
{
    struct frontier_job *j = NULL;

    assert_int_equal(take_within(co, f, 30, &j), -ETIMEDOUT);
    assert_null(j);
}

/* --- orders ----------------------------------------------------------------------------- */

static int bfs_body(struct core_coro *co, void *arg)
{
    struct frontier *f = mk(co, FRONTIER_BFS, 0, 0);
    struct frontier_job *a0, *b0, *a1, *b1;

    (void)arg;
    add(f, "http://a/0", 0);
    add(f, "http://b/0", 0);
    a0 = take_url(co, f, "http://a/0");
    add(f, "http://a/1", 1);
    b0 = take_url(co, f, "http://b/0");
    add(f, "http://b/1", 1);
    /* depth 1 waits until every depth-0 job is done, whichever host it is on */
    frontier_done(f, a0);
    assert_blocks(co, f);
    frontier_done(f, b0);
    a1 = take_url(co, f, "http://a/1");
    b1 = take_url(co, f, "http://b/1");
    frontier_done(f, a1);
    frontier_done(f, b1);
    assert_int_equal(frontier_queued(f), 0);
    assert_int_equal(frontier_in_progress(f), 0);
    frontier_destroy(f);
    return 0;
}

static void test_frontier_bfs_finishes_each_level_first(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(bfs_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int bfs_shallow_body(struct core_coro *co, void *arg)
{
    struct frontier *f = mk(co, FRONTIER_BFS, 0, 0);
    struct frontier_job *j, *p;

    (void)arg;
    /* a deeper job added first still comes after a shallower one added later */
    add(f, "http://a/deep", 2);
    add(f, "http://b/shallow", 1);
    j = take_url(co, f, "http://b/shallow");
    frontier_done(f, j);
    j = take_url(co, f, "http://a/deep");
    frontier_done(f, j);
    /* on one host too: a page's link (one deeper) is queued, then its redirect (same depth):
     * the redirect goes first, at once (it waited behind the link forever) */
    add(f, "http://c/1", 1);
    p = take_now(co, f);
    assert_string_equal(p->url, "http://c/1");
    add(f, "http://c/2", 2);
    add(f, "http://c/1-moved", 1);
    add(f, "http://c/3", 2);
    frontier_done(f, p);
    j = take_now(co, f);
    assert_string_equal(j->url, "http://c/1-moved");
    frontier_done(f, j);
    j = take_now(co, f);
    assert_string_equal(j->url, "http://c/2"); /* then in the order they came */
    frontier_done(f, j);
    j = take_now(co, f);
    assert_string_equal(j->url, "http://c/3");
    frontier_done(f, j);
    frontier_destroy(f);
    return 0;
}

static void test_frontier_bfs_takes_the_shallowest_first(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(bfs_shallow_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int dfs_body(struct core_coro *co, void *arg)
{
    struct frontier *f = mk(co, FRONTIER_DFS, 0, 0);
    static const char *const want[] = {"http://b/3", "http://a/2", "http://a/1", "http://a/0"};
    size_t i;

    (void)arg;
    add(f, "http://a/0", 0);
    add(f, "http://a/1", 1);
    add(f, "http://a/2", 2);
    add(f, "http://b/3", 3);
    for (i = 0; i < 4; i++)
        frontier_done(f, take_url(co, f, want[i]));
    frontier_destroy(f);
    return 0;
}

static void test_frontier_dfs_takes_the_newest_first(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(dfs_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int best_body(struct core_coro *co, void *arg)
{
    struct frontier *f = mk(co, FRONTIER_BEST, 0, 0);
    static const char *const want[] = {"http://b/xxxxxx", "http://a/x?long-query",
                                       "http://b/y", "http://a/yyyy"};
    size_t i;

    (void)arg;
    /* lowest depth first, then the shortest path (the query does not count), then oldest */
    add(f, "http://a/yyyy", 1);
    add(f, "http://a/x?long-query", 1);
    add(f, "http://b/xxxxxx", 0);
    add(f, "http://b/y", 1);
    for (i = 0; i < 4; i++)
        frontier_done(f, take_url(co, f, want[i]));
    frontier_destroy(f);
    return 0;
}

static void test_frontier_best_takes_lowest_depth_then_shortest_path(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(best_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* --- politeness ------------------------------------------------------------------------- */

static int per_host_body(struct core_coro *co, void *arg)
{
    struct frontier *f = mk(co, FRONTIER_BFS, 1, 0);
    struct frontier_job *a1, *b1, *a2;

    (void)arg;
    add(f, "http://a/1", 0);
    add(f, "http://a/2", 0);
    add(f, "http://b/1", 0);
    a1 = take_url(co, f, "http://a/1");
    /* a/2 is older, but a has its one job in progress: b goes first */
    b1 = take_url(co, f, "http://b/1");
    assert_blocks(co, f);
    assert_int_equal(frontier_in_progress(f), 2);
    frontier_done(f, a1);
    a2 = take_url(co, f, "http://a/2");
    frontier_done(f, b1);
    frontier_done(f, a2);
    frontier_destroy(f);
    return 0;
}

static void test_frontier_per_host_limit_lets_other_hosts_go(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(per_host_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int delay_body(struct core_coro *co, void *arg)
{
    struct frontier *f = mk(co, FRONTIER_BFS, 0, 200);
    struct frontier_job *a1, *j;
    int64_t t0;
    int i;

    (void)arg;
    add(f, "http://a/1", 0);
    add(f, "http://a/2", 0);
    add(f, "http://b/1", 0);
    t0 = core_now_ms();
    a1 = take_url(co, f, "http://a/1");
    frontier_done(f, a1);
    /* a must wait 200 ms; b need not wait for a: b/1 goes at once, though a/2 is older (on a
     * machine held up past a's time a/2 may come first, and that is allowed) */
    j = take_now(co, f);
    for (i = 0; i < 2; i++) {
        if (strcmp(j->url, "http://a/2") == 0)
            assert_true(core_now_ms() - t0 >= 200);
        else
            assert_string_equal(j->url, "http://b/1");
        frontier_done(f, j);
        if (i == 0)
            assert_int_equal(take_within(co, f, SOON_MS, &j), 0);
    }
    frontier_destroy(f);
    return 0;
}

static void test_frontier_delay_spaces_one_host_only(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(delay_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int sent_body(struct core_coro *co, void *arg)
{
    struct frontier *f = mk(co, FRONTIER_BFS, 0, 100);
    struct frontier_job *a1, *a2, *a3, *b1;
    int64_t t;

    (void)arg;
    add(f, "http://a/1", 0);
    add(f, "http://a/2", 0);
    add(f, "http://a/3", 0);
    add(f, "http://b/1", 0);
    a1 = take_url(co, f, "http://a/1");
    assert_true(a1->paced);
    /* a/1's request has not gone out (it may wait for a connection as long as it takes): a
     * starts nothing else meanwhile; b goes on */
    b1 = take_url(co, f, "http://b/1");
    frontier_done(f, b1);
    assert_blocks(co, f);
    /* the delay counts from when the request went out, however long the job then runs */
    t = core_now_ms();
    frontier_sent(f, a1);
    a2 = NULL;
    assert_int_equal(take_within(co, f, SOON_MS, &a2), 0);
    assert_string_equal(a2->url, "http://a/2");
    assert_true(core_now_ms() - t >= 100);
    frontier_done(f, a1);
    /* a job that ends with no request out (a refused connection) counts as sent at its end */
    assert_blocks(co, f);
    t = core_now_ms();
    frontier_done(f, a2);
    a3 = NULL;
    assert_int_equal(take_within(co, f, SOON_MS, &a3), 0);
    assert_string_equal(a3->url, "http://a/3");
    assert_true(core_now_ms() - t >= 100);
    frontier_done(f, a3);
    frontier_destroy(f);
    return 0;
}

static void test_frontier_delay_counts_from_when_a_request_goes_out(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(sent_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* --- robots.txt ------------------------------------------------------------------------- */

static bool allow_unless_private(const void *rules, const char *target, size_t len)
{
    (void)rules;
    return !(len >= 9 && memcmp(target, "/private/", 9) == 0);
}

static int rules_freed;

static void count_free(void *rules)
{
    rules_freed++;
    core_free(rules);
}

static struct frontier *mk_robots(struct core_coro *co, int64_t delay_ms)
{
    struct frontier_opts o;
    struct frontier *f;

    frontier_opts_init(&o);
    o.robots = true;
    o.delay_ms = delay_ms;
    o.allowed = allow_unless_private;
    o.rules_free = count_free;
    assert_int_equal(frontier_create(core_coro_loop(co), &o, &f), 0);
    return f;
}

static int robots_body(struct core_coro *co, void *arg)
{
    struct frontier *f = mk_robots(co, 0);
    struct frontier_job *r, *p1, *p2, *b;

    (void)arg;
    rules_freed = 0;
    add(f, "http://a/public", 0);
    add(f, "http://a/private/x", 0);
    r = take_url(co, f, "http://a/robots.txt");
    assert_int_equal(r->kind, FRONTIER_ROBOTS);
    /* the host's pages wait for its robots.txt; another host does not */
    assert_blocks(co, f);
    add(f, "http://b/", 0);
    b = take_url(co, f, "http://b/robots.txt");
    frontier_host_set_robots(f, r->host, core_malloc(1), -1);
    frontier_done(f, r);
    p1 = take_url(co, f, "http://a/public");
    assert_int_equal(p1->kind, FRONTIER_PAGE);
    assert_false(p1->denied);
    p2 = take_url(co, f, "http://a/private/x");
    assert_true(p2->denied);
    frontier_done(f, p1);
    frontier_done(f, p2);
    /* no rules (a 4xx robots.txt): everything allowed */
    frontier_host_set_robots(f, b->host, NULL, -1);
    frontier_done(f, b);
    b = take_url(co, f, "http://b/");
    assert_false(b->denied);
    frontier_done(f, b);
    assert_int_equal(frontier_hosts(f), 2);
    frontier_destroy(f);
    assert_int_equal(rules_freed, 1);
    return 0;
}

static void test_frontier_robots_first_then_rules_mark_denied_jobs(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(robots_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int robots_shallower_body(struct core_coro *co, void *arg)
{
    struct frontier *f = mk_robots(co, 0);
    struct frontier_job *r, *j;

    (void)arg;
    /* a host first seen at depth 2, then at depth 0 (a sitemap's URL) before its robots.txt
     * was fetched: the robots job goes at once (at depth 2 it waited for level 0, which
     * waited behind it), then the pages by depth */
    add(f, "http://a/deep", 2);
    add(f, "http://a/seed", 0);
    r = take_now(co, f);
    assert_string_equal(r->url, "http://a/robots.txt");
    frontier_host_set_robots(f, r->host, NULL, -1);
    frontier_done(f, r);
    j = take_now(co, f);
    assert_string_equal(j->url, "http://a/seed");
    frontier_done(f, j);
    j = take_now(co, f);
    assert_string_equal(j->url, "http://a/deep");
    frontier_done(f, j);
    frontier_destroy(f);
    return 0;
}

static void test_frontier_robots_job_is_never_deeper_than_its_hosts_pages(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(robots_shallower_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int crawl_delay_body(struct core_coro *co, void *arg)
{
    int64_t *delays = arg;
    struct frontier *f = mk_robots(co, delays[0]);
    struct frontier_job *r, *p;
    int64_t t;

    add(f, "http://a/1", 0);
    add(f, "http://a/2", 0);
    r = take_url(co, f, "http://a/robots.txt");
    t = core_now_ms();
    frontier_host_set_robots(f, r->host, NULL, delays[1]);
    frontier_done(f, r);
    p = NULL;
    assert_int_equal(take_within(co, f, SOON_MS, &p), 0);
    assert_string_equal(p->url, "http://a/1");
    /* the robots.txt request counts: its Crawl-delay spaces the first page too */
    assert_true(core_now_ms() - t >= delays[1]);
    t = core_now_ms();
    frontier_done(f, p); /* its request never went out: it counts as sent now */
    p = NULL;
    assert_int_equal(take_within(co, f, SOON_MS, &p), 0);
    assert_string_equal(p->url, "http://a/2");
    /* the larger of --delay and Crawl-delay spaces the pages */
    assert_true(core_now_ms() - t >= (delays[0] > delays[1] ? delays[0] : delays[1]));
    frontier_done(f, p);
    frontier_destroy(f);
    return 0;
}

static void test_frontier_crawl_delay_raises_the_delay(void **state)
{
    int64_t delays[2] = {0, 150};

    (void)state;
    assert_int_equal(corotest_run(crawl_delay_body, delays, COROTEST_WATCHDOG_MS), 0);
}

static void test_frontier_crawl_delay_never_lowers_the_delay(void **state)
{
    int64_t delays[2] = {200, 20};

    (void)state;
    assert_int_equal(corotest_run(crawl_delay_body, delays, COROTEST_WATCHDOG_MS), 0);
}

/* --- retries, join, close --------------------------------------------------------------- */

struct joiner {
    struct frontier *f;
    int rc;
    bool done;
};

static int join_body(struct core_coro *co, void *arg)
{
    struct joiner *j = arg;

    j->rc = frontier_join(co, j->f);
    j->done = true;
    return 0;
}

static void settle(struct core_coro *co)
{
    int i;

    for (i = 0; i < 16; i++)
        assert_int_equal(core_coro_yield(co), 0);
}

static int retry_body(struct core_coro *co, void *arg)
{
    struct frontier *f = mk(co, FRONTIER_BFS, 0, 0);
    struct core_group *g;
    struct joiner jn = {f, -1, false};
    struct frontier_job *a1, *again, *a2, *b;
    int64_t t0;

    (void)arg;
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    add(f, "http://a/1", 0);
    add(f, "http://a/2", 0);
    add(f, "http://b/1", 0);
    assert_int_equal(core_group_spawn(g, join_body, &jn, NULL), 0);
    a1 = take_url(co, f, "http://a/1");
    t0 = core_now_ms();
    frontier_retry(f, a1, t0 + 150);
    assert_int_equal(frontier_queued(f), 3);
    /* the waiting host holds nothing up: b goes now (unless a machine held up past a's time
     * hands out the retried job first, which is allowed) */
    b = take_now(co, f);
    if (b == a1) {
        assert_true(core_now_ms() - t0 >= 150);
        again = b;
        b = take_url(co, f, "http://b/1");
        frontier_done(f, b);
    } else {
        assert_string_equal(b->url, "http://b/1");
        frontier_done(f, b);
        /* the retried job comes back first on its host, no sooner than its time */
        again = NULL;
        assert_int_equal(take_within(co, f, SOON_MS, &again), 0);
    }
    assert_ptr_equal(again, a1);
    assert_int_equal(again->attempts, 1);
    assert_true(core_now_ms() - t0 >= 150);
    frontier_done(f, again);
    a2 = take_url(co, f, "http://a/2");
    settle(co);
    assert_false(jn.done);            /* a/2 is still in progress */
    frontier_done(f, a2);
    assert_int_equal(core_group_wait(co, g, core_deadline_in(SOON_MS)), 0);
    assert_true(jn.done);
    assert_int_equal(jn.rc, 0);
    core_group_destroy(g);
    frontier_destroy(f);
    return 0;
}

static void test_frontier_retry_requeues_first_and_waits(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(retry_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int waiting_order_body(struct core_coro *co, void *arg)
{
    struct frontier *f = mk(co, FRONTIER_BFS, 0, 0);
    struct frontier_job *a, *b, *j;
    int64_t t0;

    (void)arg;
    add(f, "http://a/1", 0);
    add(f, "http://b/1", 0);
    a = take_url(co, f, "http://a/1");
    b = take_url(co, f, "http://b/1");
    t0 = core_now_ms();
    frontier_retry(f, a, t0 + 10000);
    frontier_retry(f, b, t0 + 100);
    /* the host whose time comes first goes first, though its job is younger (a's time is far
     * off, so that no loaded machine gets there first; it is dropped, not waited for) */
    j = NULL;
    assert_int_equal(take_within(co, f, SOON_MS, &j), 0);
    assert_ptr_equal(j, b);
    assert_true(core_now_ms() - t0 >= 100);
    frontier_done(f, j);
    frontier_destroy(f);
    return 0;
}

static void test_frontier_waiting_hosts_wake_in_time_order(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(waiting_order_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

static int close_graceful_body(struct core_coro *co, void *arg)
{
    struct frontier *f = mk(co, FRONTIER_BFS, 0, 0);
    struct frontier_job *j = NULL;

    (void)arg;
    add(f, "http://a/1", 0);
    assert_int_equal(frontier_close(f, false), 0);
    assert_int_equal(frontier_add(f, "http://a/2", 10, 8, 0, 0, NULL, NULL), -EPIPE);
    j = take_url(co, f, "http://a/1");   /* what is queued is still handed out */
    frontier_done(f, j);
    j = NULL;
    assert_int_equal(take_within(co, f, SOON_MS, &j), -EPIPE);
    assert_int_equal(frontier_join(co, f), 0);
    frontier_destroy(f);
    return 0;
}

static void test_frontier_close_drains_then_fails(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(close_graceful_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

struct drops {
    size_t n;
    char urls[8][32];
};

static void on_dropped(const struct frontier_job *j, void *arg)
{
    struct drops *d = arg;

    if (d->n < 8)
        snprintf(d->urls[d->n], sizeof(d->urls[0]), "%s", j->url);
    d->n++;
}

static int close_immediate_body(struct core_coro *co, void *arg)
{
    struct frontier_opts o;
    struct frontier *f;
    struct frontier_job *r, *j = NULL;
    struct drops d = {0};
    struct core_group *g;
    struct joiner jn;

    (void)arg;
    frontier_opts_init(&o);
    o.robots = true;
    o.dropped = on_dropped;
    o.arg = &d;
    assert_int_equal(frontier_create(core_coro_loop(co), &o, &f), 0);
    add(f, "http://a/1", 0);
    add(f, "http://a/2", 0);
    add(f, "http://b/1", 0);
    r = take_url(co, f, "http://a/robots.txt");
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    jn = (struct joiner){f, -1, false};
    assert_int_equal(core_group_spawn(g, join_body, &jn, NULL), 0);
    /* three pages go; b's robots job goes too but is not counted as a page */
    assert_int_equal(frontier_close(f, true), 3);
    assert_int_equal(d.n, 4);
    assert_int_equal(frontier_queued(f), 0);
    assert_int_equal(take_within(co, f, SOON_MS, &j), -EPIPE);
    settle(co);
    assert_false(jn.done);            /* the robots job in progress is not finished */
    frontier_done(f, r);
    assert_int_equal(core_group_wait(co, g, core_deadline_in(SOON_MS)), 0);
    assert_int_equal(jn.rc, 0);
    core_group_destroy(g);
    frontier_destroy(f);
    return 0;
}

static void test_frontier_close_immediate_drops_and_reports(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(close_immediate_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

struct waiter {
    struct frontier *f;
    struct frontier_job *j;
    int rc;
};

static int waiter_body(struct core_coro *co, void *arg)
{
    struct waiter *w = arg;

    w->rc = frontier_take(co, w->f, &w->j);
    return 0;
}

static int wake_cancel_body(struct core_coro *co, void *arg)
{
    struct frontier *f = mk(co, FRONTIER_BFS, 0, 0);
    struct core_group *g;
    struct core_coro *h1, *h2;
    struct waiter w1 = {f, NULL, 1}, w2 = {f, NULL, 1};

    (void)arg;
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    assert_int_equal(core_group_spawn(g, waiter_body, &w1, &h1), 0);
    assert_int_equal(core_group_spawn(g, waiter_body, &w2, &h2), 0);
    settle(co);
    assert_int_equal(w1.rc, 1);      /* both wait on an empty frontier */
    core_coro_cancel(h1);
    settle(co);
    assert_int_equal(w1.rc, -ECANCELED);
    assert_null(w1.j);
    add(f, "http://a/1", 0);        /* an add wakes the taker that is left */
    settle(co);
    assert_int_equal(w2.rc, 0);
    assert_string_equal(w2.j->url, "http://a/1");
    frontier_done(f, w2.j);
    assert_int_equal(core_coro_join(co, h1, -1, NULL), 0);
    assert_int_equal(core_coro_join(co, h2, -1, NULL), 0);
    core_group_destroy(g);
    assert_int_equal(frontier_join(co, f), 0);
    frontier_destroy(f);
    return 0;
}

static void test_frontier_add_wakes_a_taker_and_cancel_loses_nothing(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(wake_cancel_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

/* --- memory and scale ------------------------------------------------------------------- */

static int parent_body(struct core_coro *co, void *arg)
{
    struct frontier *f = mk(co, FRONTIER_BFS, 0, 0);
    struct frontier_parent *p = frontier_parent_new("http://a/");
    struct frontier_job *j;
    char url[32];
    int i;

    (void)arg;
    assert_non_null(p);
    for (i = 0; i < 5; i++) {
        snprintf(url, sizeof(url), "http://a/%d", i);
        assert_int_equal(frontier_add(f, url, strlen(url), 8, 0, 1, p, NULL), 0);
    }
    assert_int_equal(p->refs, 6);
    frontier_parent_release(p);
    j = take_url(co, f, "http://a/0");
    assert_string_equal(j->parent->url, "http://a/");
    frontier_done(f, j);
    assert_int_equal(p->refs, 4);
    assert_int_equal(frontier_peak(f), 5);
    frontier_destroy(f);            /* drops the rest, releasing the parent (ASan checks) */
    return 0;
}

static void test_frontier_parent_is_shared_and_released(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(parent_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

#define MANY 20000

static int many_hosts_body(struct core_coro *co, void *arg)
{
    struct frontier *f = mk(co, FRONTIER_BFS, 1, 0);
    struct frontier_job **taken = calloc(MANY, sizeof(*taken));
    unsigned char *seen = calloc(MANY, 1);
    char url[48];
    size_t i;

    (void)arg;
    assert_non_null(taken);
    assert_non_null(seen);
    /* two pages per host, hosts interleaved */
    for (i = 0; i < 2 * MANY; i++) {
        snprintf(url, sizeof(url), "http://h%zu.test/%zu", i % MANY, i / MANY);
        add(f, url, 0);
    }
    assert_int_equal(frontier_hosts(f), MANY);
    /* with one job per host in progress, every host's first page comes out once, in order */
    for (i = 0; i < MANY; i++) {
        size_t h;

        assert_int_equal(take_within(co, f, SOON_MS, &taken[i]), 0);
        assert_int_equal(sscanf(taken[i]->url, "http://h%zu.test/", &h), 1);
        assert_int_equal(h, i);
        assert_true(strcmp(strrchr(taken[i]->url, '/'), "/0") == 0);
        seen[h] = 1;
    }
    assert_blocks(co, f);
    for (i = 0; i < MANY; i++)
        frontier_done(f, taken[i]);
    for (i = 0; i < MANY; i++) {
        struct frontier_job *j = NULL;

        assert_int_equal(take_within(co, f, SOON_MS, &j), 0);
        assert_true(strcmp(strrchr(j->url, '/'), "/1") == 0);
        frontier_done(f, j);
    }
    assert_int_equal(frontier_join(co, f), 0);
    free(taken);
    free(seen);
    frontier_destroy(f);
    return 0;
}

static void test_frontier_many_hosts_each_served_in_turn(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(many_hosts_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frontier_bfs_finishes_each_level_first),
        cmocka_unit_test(test_frontier_bfs_takes_the_shallowest_first),
        cmocka_unit_test(test_frontier_dfs_takes_the_newest_first),
        cmocka_unit_test(test_frontier_best_takes_lowest_depth_then_shortest_path),
        cmocka_unit_test(test_frontier_per_host_limit_lets_other_hosts_go),
        cmocka_unit_test(test_frontier_delay_spaces_one_host_only),
        cmocka_unit_test(test_frontier_delay_counts_from_when_a_request_goes_out),
        cmocka_unit_test(test_frontier_robots_first_then_rules_mark_denied_jobs),
        cmocka_unit_test(test_frontier_robots_job_is_never_deeper_than_its_hosts_pages),
        cmocka_unit_test(test_frontier_crawl_delay_raises_the_delay),
        cmocka_unit_test(test_frontier_crawl_delay_never_lowers_the_delay),
        cmocka_unit_test(test_frontier_retry_requeues_first_and_waits),
        cmocka_unit_test(test_frontier_waiting_hosts_wake_in_time_order),
        cmocka_unit_test(test_frontier_close_drains_then_fails),
        cmocka_unit_test(test_frontier_close_immediate_drops_and_reports),
        cmocka_unit_test(test_frontier_add_wakes_a_taker_and_cancel_loses_nothing),
        cmocka_unit_test(test_frontier_parent_is_shared_and_released),
        cmocka_unit_test(test_frontier_many_hosts_each_served_in_turn),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
