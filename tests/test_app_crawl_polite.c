/* tests/test_app_crawl_polite.c: politeness (per-host limits, delays, no stalling behind a slow
 * host), robots.txt (RFC 9309), retries with backoff and Retry-After, crawler traps, and ending
 * exactly, against a site on 127.0.0.1 reached under several host names (curl's connect-to). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "app/crawl/crawl.h"
#include "app/crawl/scope.h"
#include "core/loop.h"
#include "tests/support/corotest.h"
#include "tests/support/crawlrun.h"
#include "tests/support/site.h"

/* --- politeness ---------------------------------------------------------------------------- */

#define P(host, path, links, delay) {path, 0, NULL, NULL, links, delay, host}

static const struct site_page two_hosts[] = {
    P("a.test", "/", "<a href=\"/1\">1</a><a href=\"/2\">2</a><a href=\"/3\">3</a><a href=\"/4\">4</a>"
                     "<a href=\"/5\">5</a><a href=\"/6\">6</a><a href=\"/7\">7</a><a href=\"/8\">8</a>", 0),
    P("b.test", "/", "<a href=\"/1\">1</a><a href=\"/2\">2</a><a href=\"/3\">3</a><a href=\"/4\">4</a>"
                     "<a href=\"/5\">5</a><a href=\"/6\">6</a><a href=\"/7\">7</a><a href=\"/8\">8</a>", 0),
    P(NULL, "/1", "x", 80), P(NULL, "/2", "x", 80), P(NULL, "/3", "x", 80), P(NULL, "/4", "x", 80),
    P(NULL, "/5", "x", 80), P(NULL, "/6", "x", 80), P(NULL, "/7", "x", 80), P(NULL, "/8", "x", 80),
    {"/robots.txt", 404, "text/plain", NULL, "", 0},
};

/* The same, but the pages below / are held until three requests are held at once: only a
 * crawler that serves both hosts side by side gets there (one host alone has two at most). */
#define SIDE(path) {path, 0, NULL, NULL, "x", 0, NULL, 0, 0, NULL, HTTPD_REPLY, 0, 3}

static const struct site_page side_by_side[] = {
    P("a.test", "/", "<a href=\"/1\">1</a><a href=\"/2\">2</a><a href=\"/3\">3</a><a href=\"/4\">4</a>"
                     "<a href=\"/5\">5</a><a href=\"/6\">6</a><a href=\"/7\">7</a><a href=\"/8\">8</a>", 0),
    P("b.test", "/", "<a href=\"/1\">1</a><a href=\"/2\">2</a><a href=\"/3\">3</a><a href=\"/4\">4</a>"
                     "<a href=\"/5\">5</a><a href=\"/6\">6</a><a href=\"/7\">7</a><a href=\"/8\">8</a>", 0),
    SIDE("/1"), SIDE("/2"), SIDE("/3"), SIDE("/4"), SIDE("/5"), SIDE("/6"), SIDE("/7"), SIDE("/8"),
    {"/robots.txt", 404, "text/plain", NULL, "", 0},
};

static void test_polite_per_host_limit_holds_and_hosts_run_side_by_side(void **state)
{
    static const char *const seeds[] = {"http://a.test/", "http://b.test/"};
    struct site s;
    static struct crawlrun r;

    (void)state;
    assert_int_equal(site_start(&s, side_by_side, sizeof(side_by_side) / sizeof(side_by_side[0])),
                     0);
    crawlrun_setup(&r, &s, seeds, 2);
    r.cfg.per_host = 2;
    crawlrun_go(&r);
    assert_int_equal(r.n, 18);
    assert_true(site_max_overlap(&s, "a.test") <= 2);
    assert_true(site_max_overlap(&s, "b.test") <= 2);
    /* 16 workers, 2 hosts: both hosts were served at once, not one after the other */
    assert_true(site_max_overlap(&s, NULL) >= 3);
    assert_int_equal(r.st.hosts, 2);
    site_stop(&s);
}

static void test_polite_delay_between_requests_to_one_host(void **state)
{
    static const char *const seeds[] = {"http://a.test/"};
    struct site s;
    static struct crawlrun r;

    (void)state;
    assert_int_equal(site_start(&s, two_hosts, sizeof(two_hosts) / sizeof(two_hosts[0])), 0);
    crawlrun_setup(&r, &s, seeds, 1);
    r.cfg.per_host = 4;
    r.cfg.delay_ms = 120;
    crawlrun_go(&r);
    assert_int_equal(r.n, 9);
    /* what the site sees: arrivals (the kernel's times) at least the delay apart */
    assert_true(site_min_gap(&s, "a.test") >= 120);
    site_stop(&s);
}

/* A request can wait in the client after its job was taken: here for the host's one
 * connection, on the internet for a TCP and TLS handshake while a later request finds a warm
 * connection. The delay must count from when a request goes out, or the one after it arrives
 * on its heels (taken 100 ms apart, /a waited for /slow's connection and /b went right after). */
static const struct site_page one_conn[] = {
    P("c.test", "/", "<a href=\"/slow\">s</a><a href=\"/a\">a</a><a href=\"/b\">b</a>"
                     "<a href=\"/c\">c</a>", 0),
    P("c.test", "/slow", "x", 400), P("c.test", "/a", "x", 0), P("c.test", "/b", "x", 0),
    P("c.test", "/c", "x", 0),
    {"/robots.txt", 404, "text/plain", NULL, "", 0},
};

static void test_polite_delay_counts_from_when_a_request_goes_out(void **state)
{
    static const char *const seeds[] = {"http://c.test/"};
    struct site s;
    static struct crawlrun r;

    (void)state;
    assert_int_equal(site_start(&s, one_conn, sizeof(one_conn) / sizeof(one_conn[0])), 0);
    crawlrun_setup(&r, &s, seeds, 1);
    r.cfg.per_host = 2;
    r.cfg.delay_ms = 100;
    r.cfg.fetch.max_host_connections = 1;
    crawlrun_go(&r);
    assert_int_equal(r.n, 5);
    assert_true(site_min_gap(&s, "c.test") >= 100);
    site_stop(&s);
}

/* One host stalls on its first page and may have one request at a time; the other is fast.
 * The fast host's pages must not wait behind the slow ones: the slow host's pages are held
 * until the fast host's last page has been answered (a crawler that made the fast host wait
 * would never get there, and the watchdog would end the test). */
#define HELD(host, path) \
    {path, 0, NULL, NULL, "x", 0, host, 0, 0, NULL, HTTPD_REPLY, 0, SITE_HOLD_FOREVER}
#define RELEASING(host, path) \
    {path, 0, NULL, NULL, "x", 0, host, 0, 0, NULL, HTTPD_REPLY, 0, 0, true}

static const struct site_page slow_fast[] = {
    P("slow.test", "/", "<a href=\"/s1\">1</a><a href=\"/s2\">2</a><a href=\"/s3\">3</a>", 0),
    HELD("slow.test", "/s1"), HELD("slow.test", "/s2"), HELD("slow.test", "/s3"),
    P("fast.test", "/", "<a href=\"/f1\">1</a><a href=\"/f2\">2</a><a href=\"/f3\">3</a><a href=\"/f4\">4</a>"
                        "<a href=\"/f5\">5</a><a href=\"/f6\">6</a>", 0),
    P("fast.test", "/f1", "x", 0), P("fast.test", "/f2", "x", 0), P("fast.test", "/f3", "x", 0),
    P("fast.test", "/f4", "x", 0), P("fast.test", "/f5", "x", 0), RELEASING("fast.test", "/f6"),
    {"/robots.txt", 404, "text/plain", NULL, "", 0},
};

static void test_polite_slow_host_does_not_hold_back_the_others(void **state)
{
    static const char *const seeds[] = {"http://slow.test/", "http://fast.test/"};
    struct site s;
    static struct crawlrun r;
    uint64_t i, n, last_fast = 0, slow_seen[3] = {0};
    int ns = 0;

    (void)state;
    assert_int_equal(site_start(&s, slow_fast, sizeof(slow_fast) / sizeof(slow_fast[0])), 0);
    crawlrun_setup(&r, &s, seeds, 2);
    r.cfg.per_host = 1;
    r.cfg.workers = 4;
    crawlrun_go(&r);
    assert_int_equal(r.n, 2 + 3 + 6);
    /* the log is in the server's order of requests */
    n = httpd_requests(s.srv);
    for (i = 0; i < n; i++) {
        char *h = httpd_log_header(s.srv, i, "Host"), *t = httpd_log_target(s.srv, i);

        if (strncmp(h, "fast.test", 9) == 0)
            last_fast = i;
        if (strncmp(h, "slow.test", 9) == 0 && t[1] == 's' && ns < 3)
            slow_seen[ns++] = i;
        free(h);
        free(t);
    }
    /* every fast page came before the second slow one (the first was held until then) */
    assert_int_equal(ns, 3);
    assert_true(last_fast < slow_seen[1]);
    site_stop(&s);
}

/* --- robots.txt ---------------------------------------------------------------------------- */

static const struct site_page robots_site[] = {
    {"/robots.txt", 0, "text/plain", NULL,
     "# rules for everyone else\n"
     "User-agent: *\nDisallow: /\n\n"
     "User-agent: trawl\nDisallow: /private\nAllow: /private/ok\nDisallow: /*.pdf$\n"
     "Crawl-delay: 0.2\n"
     "Sitemap: http://127.0.0.1/sitemap.xml\n", 0},
    {"/", 0, NULL, NULL,
     "<a href=\"/public\">p</a><a href=\"/private/secret\">s</a><a href=\"/private/ok\">o</a>"
     "<a href=\"/doc.pdf\">d</a><a href=\"/doc.pdf?v=2\">d2</a>"
     "<a rel=\"nofollow\" href=\"/nf\">nf</a><a href=\"mailto:x@example.com\">m</a>", 0},
    {"/public", 0, NULL, NULL, "x", 0},
    {"/private/secret", 0, NULL, NULL, "x", 0},
    {"/private/ok", 0, NULL, NULL, "x", 0},
    {"/doc.pdf", 0, "application/pdf", NULL, "x", 0},
    {"/doc.pdf?v=2", 0, "application/pdf", NULL, "x", 0},
};

static void test_robots_rules_are_obeyed_and_recorded(void **state)
{
    struct site s;
    static struct crawlrun r;
    char seed[128], u[128];

    (void)state;
    assert_int_equal(site_start(&s, robots_site, sizeof(robots_site) / sizeof(robots_site[0])), 0);
    site_url(&s, "/", seed, sizeof(seed));
    {
        const char *seeds[] = {seed};

        crawlrun_setup(&r, &s, seeds, 1);
    }
    r.cfg.per_host = 4;
    crawlrun_go(&r);
    assert_int_equal(site_hits(&s, "/robots.txt"), 1);
    assert_int_equal(site_hits(&s, "/private/secret"), 0); /* never requested */
    assert_int_equal(site_hits(&s, "/doc.pdf"), 0);
    assert_int_equal(site_hits(&s, "/public"), 1);
    assert_int_equal(site_hits(&s, "/private/ok"), 1);      /* the longer Allow wins */
    assert_int_equal(site_hits(&s, "/doc.pdf?v=2"), 1);     /* $ anchors the end */
    assert_string_equal(crawlrun_find(&r, site_url(&s, "/private/secret", u, sizeof(u)))->error, "robots");
    assert_string_equal(crawlrun_find(&r, site_url(&s, "/doc.pdf", u, sizeof(u)))->error, "robots");
    assert_true(crawlrun_skipped(&r, "robots", "/private/secret"));
    assert_true(crawlrun_skipped(&r, "nofollow", "/nf"));       /* listed, not requested */
    assert_int_equal(site_hits(&s, "/nf"), 0);
    assert_true(crawlrun_skipped(&r, "scheme", "mailto:x@example.com"));
    assert_int_equal(r.st.robots_denied, 2);
    assert_int_equal(r.st.sitemaps, 1);
    assert_true(site_min_gap(&s, NULL) >= 200); /* Crawl-delay: 0.2 for trawl's group */
    site_stop(&s);
}

static const struct site_page robots_5xx[] = {
    {"/robots.txt", 503, "text/plain", NULL, "down", 0},
    {"/", 0, NULL, NULL, "<a href=\"/a\">a</a>", 0},
};

static const struct site_page robots_moved[] = {
    {"/robots.txt", 301, NULL, "Location: /real-robots.txt\r\n", "", 0},
    {"/real-robots.txt", 0, "text/plain", NULL, "User-agent: *\nDisallow: /a\n", 0},
    {"/", 0, NULL, NULL, "<a href=\"/a\">a</a><a href=\"/b\">b</a>", 0},
    {"/b", 0, NULL, NULL, "x", 0},
};

static void test_robots_unavailable_means_nothing_and_redirects_are_followed(void **state)
{
    struct site s;
    static struct crawlrun r;
    char seed[128];
    const char *seeds[] = {seed};

    (void)state;
    assert_int_equal(site_start(&s, robots_5xx, 2), 0);
    site_url(&s, "/", seed, sizeof(seed));
    crawlrun_setup(&r, &s, seeds, 1);
    r.cfg.retries = 0;
    crawlrun_go(&r);
    /* RFC 9309 2.3.1.4: a 5xx robots.txt allows nothing, the seed included */
    assert_int_equal(site_hits(&s, "/"), 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.recs[0].error, "robots");
    site_stop(&s);

    assert_int_equal(site_start(&s, robots_moved, 4), 0);
    site_url(&s, "/", seed, sizeof(seed));
    crawlrun_setup(&r, &s, seeds, 1);
    crawlrun_go(&r);
    assert_int_equal(site_hits(&s, "/real-robots.txt"), 1);
    assert_int_equal(site_hits(&s, "/a"), 0);
    assert_int_equal(site_hits(&s, "/b"), 1);
    site_stop(&s);

    /* with a delay, the redirect's request is spaced like any other */
    assert_int_equal(site_start(&s, robots_moved, 4), 0);
    site_url(&s, "/", seed, sizeof(seed));
    crawlrun_setup(&r, &s, seeds, 1);
    r.cfg.delay_ms = 100;
    crawlrun_go(&r);
    assert_int_equal(site_hits(&s, "/real-robots.txt"), 1);
    assert_int_equal(site_hits(&s, "/b"), 1);
    assert_true(site_min_gap(&s, NULL) >= 100);
    site_stop(&s);
}

static void test_robots_can_be_turned_off(void **state)
{
    struct site s;
    static struct crawlrun r;
    char seed[128];
    const char *seeds[] = {seed};

    (void)state;
    assert_int_equal(site_start(&s, robots_5xx, 2), 0);
    site_url(&s, "/", seed, sizeof(seed));
    crawlrun_setup(&r, &s, seeds, 1);
    r.cfg.robots = false;
    crawlrun_go(&r);
    assert_int_equal(site_hits(&s, "/robots.txt"), 0);
    assert_int_equal(site_hits(&s, "/"), 1);
    site_stop(&s);
}

/* --- sitemaps ------------------------------------------------------------------------------- */

static void test_sitemaps_seed_the_crawl_when_asked(void **state)
{
    static char gz[512];
    static struct site_page pages[] = {
        {"/robots.txt", 0, "text/plain", NULL, "Sitemap: {BASE}/index.xml\n", 0},
        {"/index.xml", 0, "application/xml", NULL,
         "<?xml version=\"1.0\"?><sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
         "<sitemap><loc>{BASE}/sm1.xml</loc></sitemap><sitemap><loc>{BASE}/sm2.xml.gz</loc></sitemap>"
         "</sitemapindex>", 0},
        {"/sm1.xml", 0, "application/xml", NULL,
         "<urlset><url><loc> {BASE}/from-sitemap-1 </loc></url>"
         "<url><loc>http://elsewhere.example/out</loc></url></urlset>", 0},
        {"/sm2.xml.gz", 0, "application/x-gzip", NULL, gz, 0},
        {"/", 0, NULL, NULL, "<title>home</title>", 0},
        {"/from-sitemap-1", 0, NULL, NULL, "<title>one</title>", 0},
        {"/from-sitemap-2", 0, NULL, NULL, "<title>two</title>", 0},
    };
    struct site s;
    static struct crawlrun r;
    char seed[128], xml[256];
    const char *seeds[] = {seed};
    z_stream z;
    int i;

    (void)state;
    for (i = 0; i < 2; i++) {
        assert_int_equal(site_start(&s, pages, sizeof(pages) / sizeof(pages[0])), 0);
        /* the gzip'd sitemap needs the server's address inside: build it now */
        snprintf(xml, sizeof(xml), "<urlset><url><loc>%s/from-sitemap-2</loc></url></urlset>", s.base);
        memset(&z, 0, sizeof(z));
        deflateInit2(&z, 9, Z_DEFLATED, 16 + 15, 9, Z_DEFAULT_STRATEGY);
        z.next_in = (unsigned char *)xml;
        z.avail_in = (uInt)strlen(xml);
        z.next_out = (unsigned char *)gz;
        z.avail_out = sizeof(gz);
        deflate(&z, Z_FINISH);
        pages[3].body_len = z.total_out;
        deflateEnd(&z);
        site_url(&s, "/", seed, sizeof(seed));
        crawlrun_setup(&r, &s, seeds, 1);
        scope_destroy(r.cfg.scope);
        assert_int_equal(scope_create(SCOPE_HOST, &r.cfg.scope), 0);
        r.cfg.sitemaps = i == 1;
        crawlrun_go(&r);
        assert_int_equal(r.st.sitemaps, 1);
        if (i == 0) {
            assert_int_equal(site_hits(&s, "/index.xml"), 0);
            assert_int_equal(site_hits(&s, "/from-sitemap-1"), 0);
        } else {
            assert_int_equal(site_hits(&s, "/index.xml"), 1);
            assert_int_equal(site_hits(&s, "/sm2.xml.gz"), 1);
            assert_int_equal(site_hits(&s, "/from-sitemap-1"), 1);
            assert_int_equal(site_hits(&s, "/from-sitemap-2"), 1);
            assert_int_equal(r.st.sitemaps_fetched, 3);
            assert_int_equal(r.st.sitemap_urls, 3);
            assert_true(crawlrun_skipped(&r, "scope", "elsewhere.example"));
        }
        site_stop(&s);
    }
}

/* --- retries ------------------------------------------------------------------------------- */

static const struct site_page flaky[] = {
    {"/robots.txt", 404, "text/plain", NULL, "", 0},
    {"/", 0, NULL, NULL,
     "<a href=\"/e500\">a</a><a href=\"/e429\">b</a><a href=\"/e404\">c</a><a href=\"/down\">d</a>"
     "<a href=\"/hang\">e</a><a href=\"/reset\">f</a>", 0},
    {"/e500", 0, NULL, NULL, "ok", 0, NULL, 1, 500},
    {"/e429", 0, NULL, NULL, "ok", 0, NULL, 1, 429, "Retry-After: 1\r\n"},
    {"/e404", 404, NULL, NULL, "gone", 0},
    {"/down", 0, NULL, NULL, "ok", 0, NULL, 100, 503},
    {"/hang", 0, NULL, NULL, "ok", 0, NULL, 1, 200, NULL, HTTPD_HANG},
    {"/reset", 0, NULL, NULL, "ok", 0, NULL, 1, 200, NULL, HTTPD_RESET},
};

static void test_retries_with_backoff_and_retry_after(void **state)
{
    struct site s;
    static struct crawlrun r;
    char seed[128], u[128];
    const char *seeds[] = {seed};
    const struct crawlrun_rec *x;
    int64_t r1, r2, d;
    uint64_t i, n, first = UINT64_MAX, second = UINT64_MAX;

    (void)state;
    assert_int_equal(site_start(&s, flaky, sizeof(flaky) / sizeof(flaky[0])), 0);
    site_url(&s, "/", seed, sizeof(seed));
    crawlrun_setup(&r, &s, seeds, 1);
    r.cfg.per_host = 8;
    r.cfg.retries = 2;
    /* /hang's first answer never comes; every other request must finish within it, loaded
     * machine or not: 5 s is plenty for a few bytes on loopback */
    r.cfg.fetch.timeout_ms = 5000;
    crawlrun_go(&r);
    x = crawlrun_find(&r, site_url(&s, "/e500", u, sizeof(u)));
    assert_int_equal(x->status, 200);
    assert_int_equal(x->attempts, 2);
    x = crawlrun_find(&r, site_url(&s, "/e429", u, sizeof(u)));
    assert_int_equal(x->status, 200);
    assert_int_equal(x->attempts, 2);
    x = crawlrun_find(&r, site_url(&s, "/e404", u, sizeof(u)));
    assert_int_equal(x->status, 404);
    assert_int_equal(x->attempts, 1);          /* a 4xx other than 429 is not retried */
    x = crawlrun_find(&r, site_url(&s, "/down", u, sizeof(u)));
    assert_int_equal(x->status, 503);
    assert_int_equal(x->attempts, 3);          /* 1 + 2 retries, then the failure stands */
    x = crawlrun_find(&r, site_url(&s, "/hang", u, sizeof(u)));
    assert_int_equal(x->status, 200);
    assert_int_equal(x->attempts, 2);
    x = crawlrun_find(&r, site_url(&s, "/reset", u, sizeof(u)));
    assert_int_equal(x->status, 200);
    assert_int_equal(site_hits(&s, "/down"), 3);
    /* Retry-After: 1 was honoured */
    n = httpd_requests(s.srv);
    for (i = 0; i < n; i++) {
        char *t = httpd_log_target(s.srv, i);

        if (strcmp(t, "/e429") == 0) {
            if (first == UINT64_MAX)
                first = i;
            else
                second = i;
        }
        free(t);
    }
    httpd_log_times(s.srv, first, &r1, &d);
    httpd_log_times(s.srv, second, &r2, &d);
    assert_true(r2 - r1 >= 1000);
    assert_true(r.st.retries >= 6);
    site_stop(&s);
}

/* --- traps --------------------------------------------------------------------------------- */

static const struct site_page traps_site[] = {
    {"/robots.txt", 404, "text/plain", NULL, "", 0},
    {"/", 0, NULL, NULL, "<a href=\"/t/a/\">t</a><a href=\"/cal?d=1\">cal</a>", 0},
    /* every page under /t/ links to "a/" below itself: /t/a/a/a/a/... */
    {"/t/a/", 0, NULL, NULL, "<a href=\"a/\">deeper</a>", 0},
    {"/t/a/a/", 0, NULL, NULL, "<a href=\"a/\">deeper</a>", 0},
    {"/t/a/a/a/", 0, NULL, NULL, "<a href=\"a/\">deeper</a>", 0},
    {"/t/a/a/a/a/", 0, NULL, NULL, "<a href=\"a/\">deeper</a>", 0},
    {"/cal?d=1", 0, NULL, NULL, "<a href=\"/cal?d=2\">next</a>", 0},
    {"/cal?d=2", 0, NULL, NULL, "<a href=\"/cal?d=3\">next</a>", 0},
    {"/cal?d=3", 0, NULL, NULL, "<a href=\"/cal?d=4\">next</a>", 0},
    {"/cal?d=4", 0, NULL, NULL, "<a href=\"/cal?d=5\">next</a>", 0},
};

static void test_traps_stop_runaway_paths_and_queries(void **state)
{
    struct site s;
    static struct crawlrun r;
    char seed[128];
    const char *seeds[] = {seed};

    (void)state;
    assert_int_equal(site_start(&s, traps_site, sizeof(traps_site) / sizeof(traps_site[0])), 0);
    site_url(&s, "/", seed, sizeof(seed));
    crawlrun_setup(&r, &s, seeds, 1);
    r.cfg.max_depth = 20;
    r.cfg.max_path_repeat = 3;
    r.cfg.max_query_variants = 2;
    crawlrun_go(&r);
    assert_int_equal(site_hits(&s, "/t/a/a/a/"), 1);    /* "a" three times: fine */
    assert_int_equal(site_hits(&s, "/t/a/a/a/a/"), 0);  /* four times: a trap */
    assert_true(crawlrun_skipped(&r, "trap", "/t/a/a/a/a/"));
    assert_int_equal(site_hits(&s, "/cal?d=2"), 1);
    assert_int_equal(site_hits(&s, "/cal?d=3"), 0);     /* third query string of /cal */
    assert_true(crawlrun_skipped(&r, "trap", "/cal?d=3"));
    assert_int_equal(r.st.traps, 2);
    site_stop(&s);
}

/* --- ending exactly -------------------------------------------------------------------------- */

/* Delays, retries waiting for their time, robots.txt with a Crawl-delay and redirects, all at
 * once: the crawl must end right after the last of them, with every page, never before. */
static const struct site_page busy[] = {
    {"/robots.txt", 0, "text/plain", NULL, "User-agent: *\nCrawl-delay: 0.1\n", 0, NULL, 1, 503},
    {"/", 0, NULL, NULL, "<a href=\"/r\">r</a><a href=\"/x\">x</a><a href=\"/y\">y</a>", 0},
    {"/r", 302, NULL, "Location: /r2\r\n", "", 0},
    {"/r2", 0, NULL, NULL, "<a href=\"/z\">z</a>", 0, NULL, 1, 500},
    {"/x", 0, NULL, NULL, "x", 0, NULL, 1, 429, "Retry-After: 1\r\n"},
    {"/y", 0, NULL, NULL, "y", 0},
    {"/z", 0, NULL, NULL, "z", 0},
};

static void test_crawl_ends_exactly_with_delays_retries_robots_and_redirects(void **state)
{
    struct site s;
    static struct crawlrun r;
    char seed[128], u[128];
    const char *seeds[] = {seed};
    int64_t t0;
    size_t i;

    (void)state;
    assert_int_equal(site_start(&s, busy, sizeof(busy) / sizeof(busy[0])), 0);
    site_url(&s, "/", seed, sizeof(seed));
    crawlrun_setup(&r, &s, seeds, 1);
    r.cfg.per_host = 4;
    r.cfg.delay_ms = 50;
    r.cfg.retries = 2;
    t0 = core_now_ms();
    crawlrun_go(&r);
    /* not early: every page is there, each with its final answer */
    assert_int_equal(r.n, 5); /* /, /r (-> /r2), /x, /y, /z */
    for (i = 0; i < r.n; i++)
        assert_int_equal(r.recs[i].status == 200 || r.recs[i].status == 302, 1);
    assert_int_equal(crawlrun_find(&r, site_url(&s, "/r", u, sizeof(u)))->status, 200);
    assert_int_equal(site_hits(&s, "/robots.txt"), 2); /* retried once after its 503 */
    assert_int_equal(site_hits(&s, "/z"), 1);
    /* not early either: the Retry-After of 1 s was waited out */
    assert_true(core_now_ms() - t0 >= 1000);
    /* and not stuck: the crawl ended without waiting out anything long. The bound is loose on
     * purpose (the machine may be loaded); the frontier's tests check its timing exactly. */
    assert_true(core_now_ms() - t0 < 30000);
    site_stop(&s);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_polite_per_host_limit_holds_and_hosts_run_side_by_side),
        cmocka_unit_test(test_polite_delay_between_requests_to_one_host),
        cmocka_unit_test(test_polite_delay_counts_from_when_a_request_goes_out),
        cmocka_unit_test(test_polite_slow_host_does_not_hold_back_the_others),
        cmocka_unit_test(test_robots_rules_are_obeyed_and_recorded),
        cmocka_unit_test(test_robots_unavailable_means_nothing_and_redirects_are_followed),
        cmocka_unit_test(test_robots_can_be_turned_off),
        cmocka_unit_test(test_sitemaps_seed_the_crawl_when_asked),
        cmocka_unit_test(test_retries_with_backoff_and_retry_after),
        cmocka_unit_test(test_traps_stop_runaway_paths_and_queries),
        cmocka_unit_test(test_crawl_ends_exactly_with_delays_retries_robots_and_redirects),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
