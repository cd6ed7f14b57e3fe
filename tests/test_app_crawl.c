/* tests/test_app_crawl.c: the crawl engine against a generated site on 127.0.0.1 with a known
 * link graph. The server's own request log proves what was (and was not) fetched. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/crawl/crawl.h"
#include "app/crawl/scope.h"
#include "core/loop.h"
#include "tests/support/corotest.h"
#include "tests/support/site.h"

/* --- the site ------------------------------------------------------------------------------
 * depth 0: /
 * depth 1: /a.html /b.html /c/
 * depth 2: /d.html /e.html /base/f.html /g.html
 * depth 3: /h.html /i.html (beyond -d 2)
 * never:   /nofollowed.html (rel=nofollow), {OTHER}/ext.html (another host), mailto:, js:
 * Duplicates spelled differently: /a.html#frag, {BASE}/a.html, /%61.html, /./a.html,
 * HTTP://127.0.0.1:PORT/b.html, /c/../b.html. */
static const struct site_page graph[] = {
    {"/", 0, NULL, NULL,
     "<html><head><title>  Home\n page </title></head><body>"
     "<a href=\"a.html\">a</a> <a href=\"/b.html\">b</a> <a href=\"./c/\">c</a>"
     "<a href=\"{BASE}/a.html#frag\">dup</a> <a href=\"mailto:x@example.com\">m</a>"
     "<a href=\"javascript:void(0)\">js</a> <a href=\"{OTHER}/ext.html\">ext</a>"
     "<a rel=\"nofollow\" href=\"/nofollowed.html\">nf</a>"
     "<a href=\"/\">self</a></body></html>", 0},
    {"/a.html", 0, NULL, NULL,
     "<title>A</title><a href=\"/\">home</a><a href=\"d.html\">d</a><a href=\"/%61.html\">a</a>"
     "<a href=\"/./a.html\">a2</a>", 0},
    {"/b.html", 0, NULL, NULL,
     "<title>B</title><a href=\"c/../e.html\">e</a><a href=\"/b.html#top\">top</a>"
     "<a href=\"HTTP://127.0.0.1:PORTX/b.html\">bad</a>", 0},
    {"/c/", 0, NULL, NULL,
     "<html><head><base href=\"/base/\"><title>C</title></head><body>"
     "<a href=\"f.html\">f</a><a href=\"../g.html\">g</a><a href=\"../c/../b.html\">b</a>"
     "</body></html>", 0},
    {"/d.html", 0, NULL, NULL, "<title>D</title><a href=\"/h.html\">h</a>", 0},
    {"/e.html", 0, NULL, NULL, "<title>E</title><a href=\"/i.html\">i</a><a href=\"/d.html\">d</a>", 0},
    {"/base/f.html", 0, NULL, NULL, "<title>F</title><a href=\"/\">home</a>", 0},
    {"/g.html", 0, NULL, NULL, "<title>G</title>", 0},
    {"/h.html", 0, NULL, NULL, "<title>H</title>", 0},
    {"/i.html", 0, NULL, NULL, "<title>I</title>", 0},
    {"/nofollowed.html", 0, NULL, NULL, "<title>NF</title>", 0},
    {"/ext.html", 0, NULL, NULL, "<title>EXT</title>", 0},
};

struct rec {
    char *url;
    char *final_url;
    char *parent;
    char *title;
    char *error;
    unsigned depth;
    long status;
    long links_found;
    long links_new;
};

struct capture {
    struct rec recs[256];
    size_t n;
};

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void on_record(const struct crawl_record *r, void *arg)
{
    struct capture *cap = arg;
    struct rec *x = &cap->recs[cap->n++];

    assert_true(cap->n < 256);
    x->url = strdup(r->url);
    x->final_url = dup_or_null(r->final_url);
    x->parent = dup_or_null(r->parent);
    x->title = dup_or_null(r->title);
    x->error = dup_or_null(r->error);
    x->depth = r->depth;
    x->status = r->status;
    x->links_found = r->links_found;
    x->links_new = r->links_new;
}

static void capture_free(struct capture *cap)
{
    size_t i;

    for (i = 0; i < cap->n; i++) {
        free(cap->recs[i].url);
        free(cap->recs[i].final_url);
        free(cap->recs[i].parent);
        free(cap->recs[i].title);
        free(cap->recs[i].error);
    }
    cap->n = 0;
}

static const struct rec *find(const struct capture *cap, const struct site *s, const char *path)
{
    char url[256];
    size_t i;

    site_url(s, path, url, sizeof(url));
    for (i = 0; i < cap->n; i++)
        if (strcmp(cap->recs[i].url, url) == 0)
            return &cap->recs[i];
    return NULL;
}

struct run {
    struct crawl_config cfg;
    struct crawl_stats st;
    struct capture cap;
    char seed[256];
    const char *seeds[1];
    int rc;
};

static int crawl_body(struct core_coro *co, void *arg)
{
    struct run *r = arg;

    r->rc = crawl_run(co, &r->cfg, NULL, &r->st);
    return 0;
}

static void run_crawl(struct run *r, struct site *s, const char *seed_path,
                      enum frontier_order order, unsigned depth)
{
    memset(&r->cap, 0, sizeof(r->cap));
    crawl_config_init(&r->cfg);
    r->cfg.order = order;
    r->cfg.max_depth = depth;
    r->cfg.workers = 8;
    site_url(s, seed_path, r->seed, sizeof(r->seed));
    r->seeds[0] = r->seed;
    r->cfg.seeds = r->seeds;
    r->cfg.nseeds = 1;
    r->cfg.on_record = on_record;
    r->cfg.arg = &r->cap;
    assert_int_equal(scope_create(SCOPE_HOST, &r->cfg.scope), 0);
    assert_int_equal(corotest_run(crawl_body, r, COROTEST_WATCHDOG_MS), 0);
    assert_int_equal(r->rc, 0);
    scope_destroy(r->cfg.scope);
}

static const struct { const char *path; unsigned depth; } expected[] = {
    {"/", 0}, {"/a.html", 1}, {"/b.html", 1}, {"/c/", 1},
    {"/d.html", 2}, {"/e.html", 2}, {"/base/f.html", 2}, {"/g.html", 2}};
#define NEXPECTED (sizeof(expected) / sizeof(expected[0]))

static void check_graph_crawl(struct run *r, struct site *s, bool exact_depths)
{
    size_t i;

    assert_int_equal(r->cap.n, NEXPECTED);
    for (i = 0; i < NEXPECTED; i++) {
        const struct rec *x = find(&r->cap, s, expected[i].path);

        if (!x)
            fail_msg("%s was not crawled", expected[i].path);
        assert_int_equal(x->status, 200);
        assert_null(x->error);
        if (exact_depths)
            assert_int_equal(x->depth, expected[i].depth);
        assert_int_equal(site_hits(s, expected[i].path), 1); /* fetched once */
    }
    assert_int_equal(site_hits(s, "/h.html"), 0);
    assert_int_equal(site_hits(s, "/i.html"), 0);
    assert_int_equal(site_hits(s, "/nofollowed.html"), 0);
    assert_int_equal(site_foreign_hosts(s), 0); /* {OTHER} was never requested */
    assert_int_equal(site_hits(s, "/robots.txt"), 1); /* once per host, before its pages */
    assert_int_equal(httpd_requests(s->srv), NEXPECTED + 1);
    assert_int_equal(r->st.attempted, NEXPECTED);
    assert_int_equal(r->st.ok, NEXPECTED);
    assert_int_equal(r->st.status[CRAWL_STATUS_2XX], NEXPECTED);
}

static void test_crawl_bfs_fetches_each_reachable_page_once_at_its_depth(void **state)
{
    struct site s;
    struct run r;
    const struct rec *home, *a, *c;

    (void)state;
    assert_int_equal(site_start(&s, graph, sizeof(graph) / sizeof(graph[0])), 0);
    run_crawl(&r, &s, "/", FRONTIER_BFS, 2);
    check_graph_crawl(&r, &s, true);
    home = find(&r.cap, &s, "/");
    assert_string_equal(home->title, "Home page");
    assert_null(home->parent);
    assert_int_equal(home->links_found, 9);
    assert_int_equal(home->links_new, 3); /* a, b, c */
    a = find(&r.cap, &s, "/a.html");
    assert_string_equal(a->parent, r.seed);
    c = find(&r.cap, &s, "/base/f.html");
    assert_non_null(c);                    /* found through <base href> */
    assert_true(strstr(c->parent, "/c/") != NULL);
    assert_int_equal(find(&r.cap, &s, "/d.html")->links_found, -1); /* at the limit: title only */
    assert_int_equal(r.st.out_of_scope, 1);  /* {OTHER}/ext.html */
    /* bfs reads only the titles of pages at the depth limit, so nothing past it is seen */
    assert_int_equal(r.st.beyond_depth, 0);
    assert_true(r.st.duplicates >= 6);
    capture_free(&r.cap);
    site_stop(&s);
}

static void test_crawl_every_order_finds_the_same_pages(void **state)
{
    static const enum frontier_order orders[] = {FRONTIER_DFS, FRONTIER_BEST};
    size_t i;

    (void)state;
    for (i = 0; i < 2; i++) {
        struct site s;
        struct run r;

        assert_int_equal(site_start(&s, graph, sizeof(graph) / sizeof(graph[0])), 0);
        run_crawl(&r, &s, "/", orders[i], 2);
        check_graph_crawl(&r, &s, false);
        capture_free(&r.cap);
        site_stop(&s);
    }
}

/* A page first reached by a long fast route and then by a short slow one: its links must be
 * followed as far as the short route allows, without fetching it twice.
 * Short: / -> /slow (400 ms) -> /target -> /leaf (depth 3)
 * Long:  / -> /f1 -> /f2 -> /target (depth 3) -> /leaf (depth 4: beyond -d 3) */
static const struct site_page routes[] = {
    {"/", 0, NULL, NULL, "<a href=\"/slow\">s</a><a href=\"/f1\">f</a>", 0},
    {"/slow", 0, NULL, NULL, "<a href=\"/target\">t</a>", 400},
    {"/f1", 0, NULL, NULL, "<a href=\"/f2\">f2</a>", 0},
    {"/f2", 0, NULL, NULL, "<a href=\"/target\">t</a>", 0},
    {"/target", 0, NULL, NULL, "<title>T</title><a href=\"/leaf\">leaf</a>", 0},
    {"/leaf", 0, NULL, NULL, "<title>L</title><a href=\"/deeper\">x</a>", 0},
    {"/deeper", 0, NULL, NULL, "<title>X</title>", 0},
};

static void test_crawl_shorter_route_found_later_extends_the_crawl(void **state)
{
    static const enum frontier_order orders[] = {FRONTIER_BFS, FRONTIER_DFS, FRONTIER_BEST};
    size_t i;

    (void)state;
    for (i = 0; i < 3; i++) {
        struct site s;
        struct run r;

        assert_int_equal(site_start(&s, routes, sizeof(routes) / sizeof(routes[0])), 0);
        run_crawl(&r, &s, "/", orders[i], 3);
        assert_int_equal(site_hits(&s, "/target"), 1);
        assert_int_equal(site_hits(&s, "/leaf"), 1);  /* depth 3 by the short route */
        assert_int_equal(site_hits(&s, "/deeper"), 0); /* depth 4 */
        assert_int_equal(r.cap.n, 6);
        if (orders[i] == FRONTIER_BFS) {
            assert_int_equal(find(&r.cap, &s, "/target")->depth, 2);
            assert_int_equal(find(&r.cap, &s, "/leaf")->depth, 3);
        }
        capture_free(&r.cap);
        site_stop(&s);
    }
}

static void test_crawl_max_pages_stops_at_the_limit(void **state)
{
    struct site s;
    struct run r;
    struct crawl_config *cfg = &r.cfg;

    (void)state;
    assert_int_equal(site_start(&s, graph, sizeof(graph) / sizeof(graph[0])), 0);
    memset(&r, 0, sizeof(r));
    crawl_config_init(cfg);
    cfg->max_pages = 3;
    cfg->max_depth = 5;
    cfg->workers = 4;
    site_url(&s, "/", r.seed, sizeof(r.seed));
    r.seeds[0] = r.seed;
    cfg->seeds = r.seeds;
    cfg->nseeds = 1;
    cfg->on_record = on_record;
    cfg->arg = &r.cap;
    assert_int_equal(scope_create(SCOPE_HOST, &cfg->scope), 0);
    assert_int_equal(corotest_run(crawl_body, &r, COROTEST_WATCHDOG_MS), 0);
    assert_int_equal(r.cap.n, 3);
    assert_int_equal(httpd_requests(s.srv), 3 + 1); /* and robots.txt */
    assert_true(r.st.not_reached > 0);
    scope_destroy(cfg->scope);
    capture_free(&r.cap);
    site_stop(&s);
}

static const struct site_page redirects[] = {
    {"/", 0, NULL, NULL,
     "<a href=\"/r1\">r1</a><a href=\"/loop1\">loop</a><a href=\"/away\">away</a>"
     "<a href=\"/ftp\">ftp</a><a href=\"/target\">t</a><a href=\"/text\">txt</a>"
     "<a href=\"/gone\">404</a><a href=\"/slowpoke\">slow</a>", 0},
    {"/r1", 301, NULL, "Location: /r2\r\n", "", 0},
    {"/r2", 302, NULL, "Location: {BASE}/target\r\n", "", 0},
    {"/target", 0, NULL, NULL, "<title>Target</title>", 0},
    {"/loop1", 302, NULL, "Location: /loop2\r\n", "", 0},
    {"/loop2", 302, NULL, "Location: /loop1\r\n", "", 0},
    {"/away", 302, NULL, "Location: {OTHER}/elsewhere\r\n", "", 0},
    {"/ftp", 302, NULL, "Location: ftp://127.0.0.1/file\r\n", "", 0},
    {"/text", 0, "text/plain", NULL, "<a href=\"/never\">not html</a>", 0},
    {"/slowpoke", 0, NULL, NULL, "<title>slow</title>", 3000},
};

static void test_crawl_redirects_are_followed_hop_by_hop(void **state)
{
    struct site s;
    struct run r;
    const struct rec *x;
    char url[256];
    size_t n_target = 0, i;
    uint64_t classes[CRAWL_STATUS_COUNT];

    (void)state;
    assert_int_equal(site_start(&s, redirects, sizeof(redirects) / sizeof(redirects[0])), 0);
    memset(&r, 0, sizeof(r));
    run_crawl(&r, &s, "/", FRONTIER_BFS, 2);
    /* /target is linked directly and reached by /r1 -> /r2 -> /target: fetched once */
    assert_int_equal(site_hits(&s, "/target"), 1);
    assert_int_equal(site_hits(&s, "/r1"), 1);
    assert_int_equal(site_hits(&s, "/r2"), 1);
    for (i = 0; i < r.cap.n; i++)
        n_target += strstr(r.cap.recs[i].final_url, "/target") != NULL;
    assert_true(n_target >= 1);
    x = find(&r.cap, &s, "/loop1");
    assert_string_equal(x->error, "redirect_loop");
    assert_int_equal(site_hits(&s, "/loop1"), 1);
    assert_int_equal(site_hits(&s, "/loop2"), 1);
    x = find(&r.cap, &s, "/away");
    assert_string_equal(x->error, "redirect_out_of_scope");
    assert_int_equal(site_foreign_hosts(&s), 0);
    x = find(&r.cap, &s, "/ftp");
    assert_string_equal(x->error, "redirect_scheme");
    x = find(&r.cap, &s, "/text");
    assert_int_equal(x->status, 200);
    assert_int_equal(x->links_found, -1); /* not HTML: not parsed */
    assert_int_equal(site_hits(&s, "/never"), 0);
    x = find(&r.cap, &s, "/gone");
    assert_int_equal(x->status, 404);
    assert_null(x->error);
    assert_non_null(find(&r.cap, &s, "/slowpoke"));
    /* the summary's status classes count each record once, by its last status (a loop, a hop
     * out of scope and a hop to ftp: end on a 3xx) */
    memset(classes, 0, sizeof(classes));
    for (i = 0; i < r.cap.n; i++) {
        long st = r.cap.recs[i].status;

        classes[st == 0 ? CRAWL_STATUS_NONE : CRAWL_STATUS_1XX + (size_t)(st / 100 - 1)]++;
    }
    for (i = 0; i < CRAWL_STATUS_COUNT; i++)
        assert_int_equal(r.st.status[i], classes[i]);
    assert_true(r.st.status[CRAWL_STATUS_3XX] >= 3);
    assert_int_equal(r.st.status[CRAWL_STATUS_4XX], 1);
    assert_int_equal(r.st.status[CRAWL_STATUS_NONE], 0);
    assert_string_equal(crawl_status_class_name(CRAWL_STATUS_3XX), "3xx");
    assert_string_equal(crawl_status_class_name(CRAWL_STATUS_NONE), "none");
    (void)url;
    capture_free(&r.cap);
    site_stop(&s);
}

static const struct site_page seed_moves[] = {
    {"/", 0, NULL, NULL, "<a href=\"/in\">in</a>", 0},
    {"/in", 0, NULL, NULL, "<title>in</title>", 0},
    {"/start", 301, NULL, "Location: {BASE}/\r\n", "", 0},
};

/* A seed on one host name that redirects to another: the crawl follows it there. */
static void test_crawl_seed_redirect_moves_the_scope(void **state)
{
    struct site s;
    struct run r;
    char other[128];

    (void)state;
    assert_int_equal(site_start(&s, seed_moves, 3), 0);
    memset(&r, 0, sizeof(r));
    crawl_config_init(&r.cfg);
    snprintf(other, sizeof(other), "http://localhost:%u/start", (unsigned)httpd_port(s.srv));
    r.seeds[0] = other;
    r.cfg.seeds = r.seeds;
    r.cfg.nseeds = 1;
    r.cfg.on_record = on_record;
    r.cfg.arg = &r.cap;
    assert_int_equal(scope_create(SCOPE_HOST, &r.cfg.scope), 0);
    assert_int_equal(corotest_run(crawl_body, &r, COROTEST_WATCHDOG_MS), 0);
    assert_int_equal(site_hits(&s, "/in"), 1);
    assert_int_equal(r.cap.n, 2);
    scope_destroy(r.cfg.scope);
    capture_free(&r.cap);
    site_stop(&s);
}

/* --- a page with many links ----------------------------------------------------------------
 * Real pages have more than 10,000 links (a contents page: 13,961; an "all items" page: 17,942).
 * Here / links to /p0 ... /p11999; robots.txt disallows them, so each one followed becomes a
 * record (error robots, at depth 1) without a request. */
#define MANY 12000

struct many {
    struct crawl_config cfg;
    struct crawl_stats st;
    char seed[256];
    const char *seeds[1];
    int rc;
    long home_found, home_new;
    size_t followed;            /* /pN records: depth 1, parent the seed, not fetched */
    size_t too_many;            /* too_many_links lines in --skipped */
    bool too_many_is_seed;      /* ... naming the seed, without parent */
};

static void many_on_record(const struct crawl_record *r, void *arg)
{
    struct many *m = arg;

    if (strcmp(r->url, m->seed) == 0) {
        m->home_found = r->links_found;
        m->home_new = r->links_new;
    } else if (r->depth == 1 && r->parent && strcmp(r->parent, m->seed) == 0 &&
               strcmp(r->error, "robots") == 0 && strstr(r->url, "/p")) {
        m->followed++;
    }
}

static void many_on_skip(const char *url, const char *parent, enum crawl_skip why, void *arg)
{
    struct many *m = arg;

    if (why != CRAWL_SKIP_TOO_MANY_LINKS)
        return;
    m->too_many++;
    m->too_many_is_seed = strcmp(url, m->seed) == 0 && parent == NULL;
}

static int many_body(struct core_coro *co, void *arg)
{
    struct many *m = arg;

    m->rc = crawl_run(co, &m->cfg, NULL, &m->st);
    return 0;
}

/* Crawl the many-links site to depth 1 with this per-page limit (0: the default). */
static void many_crawl(struct many *m, struct site *s, size_t max_links)
{
    memset(m, 0, sizeof(*m));
    crawl_config_init(&m->cfg);
    if (max_links)
        m->cfg.max_links_per_page = max_links;
    m->cfg.max_depth = 1;
    m->cfg.workers = 8;
    m->cfg.per_host = 0;
    m->cfg.fetch.timeout_ms = 5000;
    site_url(s, "/", m->seed, sizeof(m->seed));
    m->seeds[0] = m->seed;
    m->cfg.seeds = m->seeds;
    m->cfg.nseeds = 1;
    m->cfg.on_record = many_on_record;
    m->cfg.on_skip = many_on_skip;
    m->cfg.arg = m;
    assert_int_equal(scope_create(SCOPE_HOST, &m->cfg.scope), 0);
    assert_int_equal(corotest_run(many_body, m, COROTEST_WATCHDOG_MS), 0);
    assert_int_equal(m->rc, 0);
    scope_destroy(m->cfg.scope);
}

static void test_crawl_every_link_of_a_big_page_is_followed(void **state)
{
    struct site_page pages[2] = {
        {"/", 0, NULL, NULL, NULL, 0},
        {"/robots.txt", 0, "text/plain", NULL, "User-agent: *\nDisallow: /p\n", 0},
    };
    char *body = malloc(MANY * 32);
    struct many *m = malloc(sizeof(*m));
    struct site s;
    size_t len, i;

    (void)state;
    assert_non_null(body);
    assert_non_null(m);
    len = (size_t)sprintf(body, "<title>All items</title><ul>");
    for (i = 0; i < MANY; i++)
        len += (size_t)sprintf(body + len, "<li><a href=\"/p%zu\">p%zu</a>", i, i);
    pages[0].body = body;
    assert_int_equal(site_start(&s, pages, 2), 0);

    /* by default every link is followed, at its exact depth */
    many_crawl(m, &s, 0);
    assert_int_equal(m->home_found, MANY);
    assert_int_equal(m->home_new, MANY);
    assert_int_equal(m->followed, MANY);
    assert_int_equal(m->st.attempted, MANY + 1);
    assert_int_equal(m->st.links_found, MANY);
    assert_int_equal(m->st.robots_denied, MANY);
    assert_int_equal(m->st.links_dropped, 0);
    assert_int_equal(m->st.link_capped_pages, 0);
    assert_int_equal(m->too_many, 0);

    /* a limit cuts the page's links, and the record, the summary and --skipped say so */
    many_crawl(m, &s, 50);
    assert_int_equal(m->home_found, MANY);      /* every link on the page */
    assert_int_equal(m->home_new, 50);
    assert_int_equal(m->followed, 50);
    assert_int_equal(m->st.attempted, 50 + 1);
    assert_int_equal(m->st.links_found, MANY);
    assert_int_equal(m->st.links_dropped, MANY - 50);
    assert_int_equal(m->st.link_capped_pages, 1);
    assert_int_equal(m->too_many, 1);
    assert_true(m->too_many_is_seed);
    assert_string_equal(crawl_skip_name(CRAWL_SKIP_TOO_MANY_LINKS), "too_many_links");

    assert_int_equal(site_hits(&s, "/"), 2);
    assert_int_equal(httpd_requests(s.srv), 4);  /* / and robots.txt, twice: no /pN */
    site_stop(&s);
    free(m);
    free(body);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crawl_bfs_fetches_each_reachable_page_once_at_its_depth),
        cmocka_unit_test(test_crawl_every_order_finds_the_same_pages),
        cmocka_unit_test(test_crawl_shorter_route_found_later_extends_the_crawl),
        cmocka_unit_test(test_crawl_max_pages_stops_at_the_limit),
        cmocka_unit_test(test_crawl_redirects_are_followed_hop_by_hop),
        cmocka_unit_test(test_crawl_seed_redirect_moves_the_scope),
        cmocka_unit_test(test_crawl_every_link_of_a_big_page_is_followed),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
