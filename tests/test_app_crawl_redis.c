/* tests/test_app_crawl_redis.c: `trawl crawl --redis`: several worker processes share one crawl
 * through a real redis-server (appendonly, fsync always). With a worker killed with kill -9 and
 * restarted under its id, killed for good, or Redis itself killed and restarted mid-crawl,
 * every reachable page is recorded exactly once across the workers' outputs (cut to what Redis
 * holds as committed), the site never sees more than --per-host requests in flight to a host
 * nor two requests to a host closer than --delay, and each robots.txt is fetched once. Each
 * worker's archive (--warc, --cdx, --wacz) goes on after a restart and ends whole, with a capture
 * of every page its records list. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/support/proc.h"
#include "tests/support/redisd.h"
#include "tests/support/warccheck.h"
#include "tools/httpd.h"

/* The site: HOSTS host names (h0.test ...) on one server (--connect-to); page /pI lives on host
 * I % HOSTS and links to pages 2I+1, 2I+2 and I+1 (mod PAGES) on their hosts and to its host's
 * "/", which links to the host's first page. */
#define PAGES 2000
#define HOSTS 8
#define RECORDS (PAGES + HOSTS)
#define WORKERS 3

static unsigned host_of(const struct httpd_request *req)
{
    char h[64];
    unsigned k;

    if (!httpd_header(req, "Host", h, sizeof(h)) || sscanf(h, "h%u.test", &k) != 1)
        return HOSTS;
    return k;
}

/* How long the pages (not robots.txt) take to answer, in ms: 0 but in one test. */
static atomic_uint page_delay_ms;

static void handler(const struct httpd_request *req, struct httpd_response *resp, void *arg)
{
    unsigned k = host_of(req), i, a, b, n;
    char body[512];
    int len;

    (void)arg;
    resp->delay_ms = atomic_load(&page_delay_ms);
    if (k >= HOSTS) {
        httpd_respond(resp, 404, "text/plain", NULL, "no", 2);
    } else if (strcmp(req->target, "/robots.txt") == 0) {
        resp->delay_ms = 0;
        httpd_respond(resp, 200, "text/plain", NULL, "User-agent: *\nDisallow: /private\n", 34);
    } else if (strcmp(req->target, "/") == 0) {
        len = snprintf(body, sizeof(body), "<title>Home</title><a href=\"/p%u\">start</a>", k);
        httpd_respond(resp, 200, "text/html", NULL, body, (size_t)len);
    } else if (sscanf(req->target, "/p%u", &i) == 1 && i < PAGES && i % HOSTS == k) {
        a = (2 * i + 1) % PAGES;
        b = (2 * i + 2) % PAGES;
        n = (i + 1) % PAGES;
        len = snprintf(body, sizeof(body),
                       "<title>Page %u</title><a href=\"http://h%u.test/p%u\">a</a> "
                       "<a href=\"http://h%u.test/p%u\">b</a> <a href=\"http://h%u.test/p%u\">c"
                       "</a> <a href=\"/\">home</a> <a href=\"/private/%u\">no</a>",
                       i, a % HOSTS, a, b % HOSTS, b, n % HOSTS, n, i);
        httpd_respond(resp, 200, "text/html", NULL, body, (size_t)len);
    } else {
        httpd_respond(resp, 404, "text/plain", NULL, "no", 2);
    }
}

/* --- a shared crawl --------------------------------------------------------------------------- */

struct shared {
    struct httpd *srv;
    struct redisd redis;
    struct proc w[WORKERS];
    char out[WORKERS][128];
    char connect_to[64];
    char seeds[HOSTS][32];
    const char *extra[16];      /* more options for every worker, NULL-terminated */
    bool archive;               /* each worker archives too: --warc, --cdx and --wacz */
    char warc[WORKERS][128], cdx[WORKERS][128], wacz[WORKERS][128];
};

static void shared_start(struct shared *s)
{
    memset(s, 0, sizeof(*s));
    assert_int_equal(httpd_start(0, handler, NULL, &s->srv), 0);
    redisd_start(&s->redis);
    snprintf(s->connect_to, sizeof(s->connect_to), "::127.0.0.1:%u",
             (unsigned)httpd_port(s->srv));
    for (unsigned k = 0; k < HOSTS; k++)
        snprintf(s->seeds[k], sizeof(s->seeds[k]), "http://h%u.test/", k);
    for (unsigned i = 0; i < WORKERS; i++) {
        proc_init(&s->w[i]);
        proc_path(&s->w[i], "records.jsonl", s->out[i], sizeof(s->out[i]));
        proc_path(&s->w[i], "crawl", s->warc[i], sizeof(s->warc[i]));
        proc_path(&s->w[i], "index.cdxj", s->cdx[i], sizeof(s->cdx[i]));
        proc_path(&s->w[i], "crawl.wacz", s->wacz[i], sizeof(s->wacz[i]));
    }
}

/* The options every worker is started with from now on (NULL-terminated). */
static void shared_options(struct shared *s, ...)
{
    va_list ap;
    size_t n = 0;
    const char *o;

    va_start(ap, s);
    while ((o = va_arg(ap, const char *)) != NULL && n + 1 < sizeof(s->extra) / sizeof(*s->extra))
        s->extra[n++] = o;
    va_end(ap);
    s->extra[n] = NULL;
}

static void shared_stop(struct shared *s)
{
    for (unsigned i = 0; i < WORKERS; i++)
        proc_cleanup(&s->w[i]);
    redisd_cleanup(&s->redis);
    httpd_stop(s->srv);
}

/* Start worker i (its id "wI", its own output), with the seeds when seeds. */
static void worker_start(struct shared *s, unsigned i, bool seeds)
{
    const char *argv[64];
    char id[16];
    size_t n = 0;

    snprintf(id, sizeof(id), "w%u", i);
    argv[n++] = "crawl";
    argv[n++] = getenv("TRAWL_TEST_SHOW") ? "-v" : "-q";
    argv[n++] = "--redis";
    argv[n++] = s->redis.url;
    argv[n++] = "--crawl";
    argv[n++] = "t";
    argv[n++] = "--worker-id";
    argv[n++] = id;
    argv[n++] = "-o";
    argv[n++] = s->out[i];
    argv[n++] = "-w";
    argv[n++] = "8";
    argv[n++] = "--connect-to";
    argv[n++] = s->connect_to;
    for (size_t k = 0; s->extra[k]; k++)
        argv[n++] = s->extra[k];
    if (s->archive) {
        argv[n++] = "--warc";
        argv[n++] = s->warc[i];
        argv[n++] = "--cdx";
        argv[n++] = s->cdx[i];
        argv[n++] = "--wacz";
        argv[n++] = s->wacz[i];
    }
    for (unsigned k = 0; seeds && k < HOSTS; k++)
        argv[n++] = s->seeds[k];
    argv[n] = NULL;
    proc_start(&s->w[i], argv, NULL);
}

static void worker_wait_ok(struct shared *s, unsigned i)
{
    int st = proc_wait(&s->w[i], PROC_WATCHDOG_MS);

    if (st != 0) {
        char *err = proc_slurp(s->w[i].err);

        size_t len = strlen(err);

        /* its last words */
        print_message("worker %u exited %d: %s\n", i, st, err + (len > 1500 ? len - 1500 : 0));
        free(err);
        fail();
    }
}

static size_t lines_in(const char *path)
{
    char *t = proc_slurp(path);
    size_t n = 0;

    for (const char *p = t; (p = strchr(p, '\n')) != NULL; p++)
        n++;
    free(t);
    return n;
}

struct enough {
    const char *path;
    size_t lines;
};

static bool has_enough(void *arg)
{
    const struct enough *e = arg;

    return lines_in(e->path) >= e->lines;
}

/* The committed length of worker i's records, as Redis holds it. */
static long long committed_records(struct shared *s, unsigned i)
{
    char cmd[256], line[256];
    long long len = -1;
    FILE *p;

    snprintf(cmd, sizeof(cmd), "redis-cli -p %d --raw HGET trawl:crawl:t:w:w%u lengths",
             s->redis.port, i);
    p = popen(cmd, "r");
    assert_non_null(p);
    while (fgets(line, sizeof(line), p))
        if (strncmp(line, "records ", 8) == 0)
            len = atoll(line + 8);
    pclose(p);
    return len;
}

/* --- what the outputs and the server say ------------------------------------------------------ */

/* Count each page's records in text[0..len) (whole lines only) into seen (PAGES + HOSTS
 * entries: pages, then the hosts' "/"); the robots-denied links are counted in *denied. */
static void count_records(const char *text, size_t len, unsigned *seen, unsigned *denied)
{
    const char *p = text, *end = text + len;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        unsigned k, i;
        char path[64];

        assert_non_null(nl); /* whole lines only */
        assert_int_equal(strncmp(p, "{\"url\":\"http://h", 16), 0);
        assert_int_equal(sscanf(p + 16, "%u.test%63[^\"]", &k, path), 2);
        assert_true(k < HOSTS);
        if (strncmp(path, "/private/", 9) == 0) {
            assert_non_null(strstr(p, "\"error\":\"robots\""));
            (*denied)++;
        } else if (strcmp(path, "/") == 0) {
            seen[PAGES + k]++;
        } else {
            assert_int_equal(sscanf(path, "/p%u", &i), 1);
            assert_true(i < PAGES);
            seen[i]++;
        }
        p = nl + 1;
    }
}

/* Every page and every host's "/" exactly once across the outputs of workers 0 to n - 1 (of
 * which worker i's counts only up to lens[i] bytes when lens[i] >= 0), every robots-denied link
 * once. */
static void assert_each_page_once(struct shared *s, size_t n, const long long *lens)
{
    static unsigned seen[RECORDS];
    unsigned denied = 0;

    memset(seen, 0, sizeof(seen));
    for (size_t i = 0; i < n; i++) {
        char *text = proc_slurp(s->out[i]);
        size_t len = lens[i] >= 0 ? (size_t)lens[i] : strlen(text);

        assert_true(len <= strlen(text));
        count_records(text, len, seen, &denied);
        free(text);
    }
    for (unsigned k = 0; k < RECORDS; k++)
        if (seen[k] != 1)
            fail_msg("%s %u recorded %u times", k < PAGES ? "page" : "the root of host",
                     k < PAGES ? k : k - PAGES, seen[k]);
    assert_int_equal(denied, PAGES); /* each page's /private/I link, judged once */
}

/* The page (or PAGES + k for host k's "/") of "http://hK.test/PATH" at url; robots.txt files
 * and other URLs give RECORDS. */
static unsigned page_of(const char *url)
{
    unsigned k, i;
    char path[64];

    if (sscanf(url, "http://h%u.test%63[^\"]", &k, path) != 2 || k >= HOSTS)
        return RECORDS;
    if (strcmp(path, "/") == 0)
        return PAGES + k;
    return sscanf(path, "/p%u", &i) == 1 && i < PAGES ? i : RECORDS;
}

/* Each worker's archive is whole and valid (warcio.js, the digest checker, gzip, the WACZ),
 * and holds a capture (a response or a revisit) of every page its records list. */
static void assert_archives(struct shared *s, size_t n)
{
    /* every page of the site answers 200: each page record is of a fetch the archive has */
    static bool captured[RECORDS];

    for (size_t i = 0; i < n; i++) {
        char *cdx = proc_slurp(s->cdx[i]), *out = proc_slurp(s->out[i]), *p;
        unsigned pages = 0;

        warccheck_assert_archive(s->w[i].dir, s->cdx[i], s->wacz[i]);
        memset(captured, 0, sizeof(captured));
        for (p = cdx; (p = strstr(p, "{\"url\":\"")) != NULL; p++) {
            unsigned k = page_of(p + 8);

            if (k < RECORDS)
                captured[k] = true;
        }
        for (p = out; (p = strstr(p, "{\"url\":\"")) != NULL; p++) {
            unsigned k = page_of(p + 8);

            if (k < RECORDS) {
                if (!captured[k])
                    fail_msg("worker %zu recorded page %u without archiving it: %.300s", i, k,
                             p);
                pages++;
            }
        }
        assert_true(pages > 0);
        free(cdx);
        free(out);
    }
}

/* Host k's requests in the server's order of events: at most per_host in progress at once, and
 * arrivals at least delay_ms apart. Each robots.txt was fetched exactly once. */
static void assert_polite(struct shared *s, unsigned per_host, int64_t delay_ms)
{
    uint64_t n = httpd_requests(s->srv);
    static uint64_t recv[HOSTS][RECORDS * 3], done[HOSTS][RECORDS * 3];
    static int64_t last[HOSTS];
    static size_t count[HOSTS];
    unsigned robots[HOSTS] = {0};

    memset(count, 0, sizeof(count));
    for (unsigned k = 0; k < HOSTS; k++)
        last[k] = -1;
    for (uint64_t i = 0; i < n; i++) {
        char *h = httpd_log_header(s->srv, i, "Host");
        char *target = httpd_log_target(s->srv, i);
        int64_t r, d;
        unsigned k;

        assert_non_null(h);
        assert_int_equal(sscanf(h, "h%u.test", &k), 1);
        assert_true(k < HOSTS && count[k] < RECORDS * 3);
        assert_int_equal(httpd_log_order(s->srv, i, &recv[k][count[k]], &done[k][count[k]]), 0);
        assert_int_equal(httpd_log_times(s->srv, i, &r, &d), 0);
        /* the log is in the server's order of events; arrival stamps come from the kernel */
        if (delay_ms > 0 && last[k] >= 0 && r - last[k] < delay_ms)
            fail_msg("h%u.test: two requests %lld ms apart (--delay %lld)", k,
                     (long long)(r - last[k]), (long long)delay_ms);
        last[k] = r;
        robots[k] += strcmp(target, "/robots.txt") == 0;
        count[k]++;
        free(h);
        free(target);
    }
    for (unsigned k = 0; k < HOSTS; k++) {
        assert_int_equal(robots[k], 1);
        /* in progress when request i came: arrived before it, not done before it came */
        for (size_t i = 0; i < count[k]; i++) {
            unsigned busy = 0;

            for (size_t j = i >= 64 ? i - 64 : 0; j <= i; j++)
                busy += recv[k][j] <= recv[k][i] && (done[k][j] == 0 || done[k][j] > recv[k][i]);
            if (busy > per_host)
                fail_msg("h%u.test: %u requests in progress at once (--per-host %u)", k, busy,
                         per_host);
        }
    }
}

/* Start the workers for a scenario that kills worker victim mid-crawl: the victim first, until
 * it has 150 records (so that it has a share whatever the others' speed: a worker's lease call
 * takes back first the slots its own finished requests free), then the others, until each
 * has a record of its own. The crawl is then well under way on every worker. */
static void start_with_victim(struct shared *s, unsigned victim)
{
    struct enough e = {s->out[victim], 150};

    worker_start(s, victim, true);
    proc_wait_until(has_enough, &e);
    for (unsigned i = 0; i < WORKERS; i++) {
        if (i == victim)
            continue;
        worker_start(s, i, true);
    }
    for (unsigned i = 0; i < WORKERS; i++) {
        e = (struct enough){s->out[i], 1};
        proc_wait_until(has_enough, &e);
    }
}

/* --- scenarios -------------------------------------------------------------------------------- */

/* Three workers; one is killed with kill -9 mid-crawl and started again with its id. */
static void test_three_workers_one_killed_and_restarted_record_each_page_once(void **state)
{
    static struct shared s;
    long long lens[WORKERS] = {-1, -1, -1};

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    shared_start(&s);
    shared_options(&s, "--per-host", "1", "--delay", "2", "-d", "60", NULL);
    s.archive = true;
    start_with_victim(&s, 1);
    kill(s.w[1].pid, SIGKILL);
    assert_int_equal(proc_wait(&s.w[1], PROC_WATCHDOG_MS), 128 + SIGKILL);
    /* again, with the same id and no seeds: it goes on with its outputs and its archive */
    worker_start(&s, 1, false);
    for (unsigned i = 0; i < WORKERS; i++)
        worker_wait_ok(&s, i);
    for (unsigned i = 0; i < WORKERS; i++)
        assert_true(lines_in(s.out[i]) > 0); /* every worker had a share */
    assert_each_page_once(&s, WORKERS, lens);
    assert_polite(&s, 1, 2);
    assert_archives(&s, WORKERS);
    {
        /* started again once the crawl is over, a worker leaves its finished archive as it is */
        size_t lines = lines_in(s.out[1]);
        char *err;

        worker_start(&s, 1, false);
        worker_wait_ok(&s, 1);
        err = proc_slurp(s.w[1].err);
        assert_non_null(strstr(err, "is finished: nothing to do"));
        free(err);
        assert_int_equal(lines_in(s.out[1]), lines);
        assert_archives(&s, WORKERS);
    }
    shared_stop(&s);
}

/* One worker is killed for good: its leases run out and the others finish the crawl; its
 * output is valid up to its last commit, and with the others' holds each page once. */
static void test_a_worker_killed_for_good_leaves_its_pages_to_the_others(void **state)
{
    static struct shared s;
    long long lens[WORKERS] = {-1, -1, -1};

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    shared_start(&s);
    /* --lease 10: the killed worker's run out soon; the others' are renewed every 3.3 s */
    shared_options(&s, "--per-host", "2", "--lease", "10", "-d", "60", NULL);
    start_with_victim(&s, 2);
    kill(s.w[2].pid, SIGKILL);
    assert_int_equal(proc_wait(&s.w[2], PROC_WATCHDOG_MS), 128 + SIGKILL);
    worker_wait_ok(&s, 0);
    worker_wait_ok(&s, 1);
    lens[2] = committed_records(&s, 2);
    assert_true(lens[2] > 0);
    assert_each_page_once(&s, WORKERS, lens);
    assert_polite(&s, 2, 0);
    shared_stop(&s);
}

/* Redis is killed (kill -9) and started again mid-crawl: the workers wait for it and finish. */
static void test_redis_restarted_mid_crawl(void **state)
{
    static struct shared s;
    struct enough e;
    long long lens[2] = {-1, -1};

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    shared_start(&s);
    shared_options(&s, "--per-host", "2", "-d", "60", NULL);
    for (unsigned i = 0; i < 2; i++)
        worker_start(&s, i, true);
    e = (struct enough){s.out[0], 200};
    proc_wait_until(has_enough, &e);
    redisd_kill(&s.redis);
    redisd_restart(&s.redis);
    for (unsigned i = 0; i < 2; i++)
        worker_wait_ok(&s, i);
    if (getenv("TRAWL_TEST_SHOW")) {
        for (unsigned i = 0; i < 2; i++) {
            char *err = proc_slurp(s.w[i].err);

            print_message("worker %u: %s\n", i, err + (strlen(err) > 1500 ? strlen(err) - 1500 : 0));
            free(err);
        }
    }
    assert_each_page_once(&s, 2, lens);
    assert_polite(&s, 2, 0);
    shared_stop(&s);
}

/* Redis stays away past --redis-timeout: each worker stops, exit 1, saying how to go on; started
 * again with their ids once Redis is back, they finish the crawl with each page once, and their
 * archives, left open at the stop, go on and end whole. */
static void test_an_outage_past_the_timeout_stops_workers_resumable(void **state)
{
    static struct shared s;
    struct enough e;
    long long lens[2] = {-1, -1};

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    shared_start(&s);
    shared_options(&s, "--per-host", "2", "-d", "60", "--redis-timeout", "1", NULL);
    s.archive = true;
    for (unsigned i = 0; i < 2; i++)
        worker_start(&s, i, true);
    e = (struct enough){s.out[0], 200};
    proc_wait_until(has_enough, &e);
    redisd_kill(&s.redis);
    for (unsigned i = 0; i < 2; i++) {
        char *err;

        assert_int_equal(proc_wait(&s.w[i], PROC_WATCHDOG_MS), 1);
        err = proc_slurp(s.w[i].err);
        assert_non_null(strstr(err, "start it again with the same --worker-id"));
        free(err);
    }
    redisd_restart(&s.redis);
    for (unsigned i = 0; i < 2; i++)
        worker_start(&s, i, false);
    for (unsigned i = 0; i < 2; i++)
        worker_wait_ok(&s, i);
    assert_each_page_once(&s, 2, lens);
    assert_archives(&s, 2); /* left open at the stop, gone on with after it */
    shared_stop(&s);
}

/* Ctrl-C stops a worker (exit 130) with its records committed and what it held given back at
 * once: the other finishes the crawl, each page once across the two outputs. The stopped
 * worker's archive, left open, is finished when it is started again after the crawl's end. */
static void test_an_interrupted_worker_gives_its_jobs_back(void **state)
{
    static struct shared s;
    struct enough e;
    long long lens[2] = {-1, -1};

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    shared_start(&s);
    shared_options(&s, "--per-host", "2", "-d", "60", NULL);
    s.archive = true;
    for (unsigned i = 0; i < 2; i++)
        worker_start(&s, i, true);
    e = (struct enough){s.out[1], 150};
    proc_wait_until(has_enough, &e);
    proc_signal(&s.w[1], SIGINT);
    if (proc_wait(&s.w[1], PROC_WATCHDOG_MS) != 130) {
        char *err = proc_slurp(s.w[1].err);

        print_message("%s\n", err + (strlen(err) > 1000 ? strlen(err) - 1000 : 0));
        free(err);
        fail();
    }
    worker_wait_ok(&s, 0);
    assert_each_page_once(&s, 2, lens);
    {
        /* its archive was left open for a restart; started again once the crawl is over, it
         * has nothing to do and finishes the archive */
        char open_path[160];

        snprintf(open_path, sizeof(open_path), "%s.warc.gz.open", s.warc[1]);
        assert_int_equal(access(open_path, F_OK), 0);
        worker_start(&s, 1, false);
        worker_wait_ok(&s, 1);
        assert_each_page_once(&s, 2, lens);
        assert_archives(&s, 2);
    }
    shared_stop(&s);
}

/* A worker without seeds takes the crawl's options from Redis; one with other options is
 * refused; with no such crawl, a worker without seeds says so. */
/* A worker whose hosts all wait out their --delay asks Redis again when the first is due (at
 * most every IDLE_POLL_MS), not at the 2 ms of a worker waiting for others' slots: its Redis
 * calls stay few. A bound on a count, not a time: a slower machine makes fewer calls. */
/* A count of the one worker's --summary "redis" object ("calls", "handed_on", ...). */
static long summary_count(const char *summary, const char *name)
{
    char *text = proc_slurp(summary), key[64], *at;
    long n;

    snprintf(key, sizeof(key), "\"%s\":", name);
    at = strstr(text, key);
    assert_non_null(at);
    n = strtol(at + strlen(key), NULL, 10);
    free(text);
    return n;
}

static void test_a_worker_waits_out_a_delay_without_polling_redis(void **state)
{
    static struct shared s;
    char summary[128];
    long calls;

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    shared_start(&s);
    proc_path(&s.w[0], "summary.json", summary, sizeof(summary));
    /* each host: its robots.txt, then its root a second later */
    shared_options(&s, "--per-host", "1", "--delay", "1000", "-d", "0", "--summary", summary,
                   NULL);
    worker_start(&s, 0, true);
    worker_wait_ok(&s, 0);
    assert_int_equal(lines_in(s.out[0]), HOSTS);
    calls = summary_count(summary, "calls");
    /* waiting for the due host: a call each 20 ms at most (about 50 over the second), and the
     * leases and commits (about 60 in all here); polling at 2 ms made 374 */
    if (calls < 8 || calls > 150)
        fail_msg("%ld Redis calls for %u pages that waited a second", calls, HOSTS);
    shared_stop(&s);
}

static void test_a_worker_holding_every_slot_asks_again_when_a_request_ends(void **state)
{
    static struct shared s;
    char summary[128];
    size_t pages;
    long calls;

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    shared_start(&s);
    proc_path(&s.w[0], "summary.json", summary, sizeof(summary));
    /* one request at a time to each host, each page taking 400 ms, more workers than hosts:
     * most of the time every host's slot is taken by this worker's own request while jobs
     * wait for it */
    atomic_store(&page_delay_ms, 400);
    shared_options(&s, "--per-host", "1", "-w", "32", "-d", "3", "--summary", summary, NULL);
    worker_start(&s, 0, true);
    worker_wait_ok(&s, 0);
    atomic_store(&page_delay_ms, 0);
    pages = lines_in(s.out[0]);
    assert_true(pages > 3 * HOSTS);
    calls = summary_count(summary, "calls");
    /* it waits for its own requests' end: at most a lease call and a commit a page, however
     * slow the machine (59 calls for 60 pages here); polling Redis every 20 ms instead made
     * 163, and more the longer the crawl takes */
    if (calls > (long)(2 * pages + 20))
        fail_msg("%ld Redis calls for %zu pages", calls, pages);
    shared_stop(&s);
}

/* One slot a host and more local workers than slots: what holds the worker back is the
 * hosts' slots, not a lack of jobs in Redis, so its commits still gather the pages finished
 * over a while (each commit is a round trip and an fdatasync of the outputs). */
static void test_a_worker_held_back_by_host_slots_commits_in_batches(void **state)
{
    static struct shared s;
    char summary[128];
    struct timespec t0, t1;
    long calls, ms, most;

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    shared_start(&s);
    proc_path(&s.w[0], "summary.json", summary, sizeof(summary));
    /* 8 slots, 10 ms pages: at most 800 pages a second, whatever the machine */
    atomic_store(&page_delay_ms, 10);
    shared_options(&s, "--per-host", "1", "-w", "64", "-d", "60", "--summary", summary, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    worker_start(&s, 0, true);
    worker_wait_ok(&s, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    atomic_store(&page_delay_ms, 0);
    assert_each_page_once(&s, 1, (const long long[]){-1});
    calls = summary_count(summary, "calls");
    ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    /* a lease call whenever a host's jobs leased ahead are half gone (a count of pages), and a
     * commit every 50 ms at most while jobs wait in Redis (a count of the crawl's time, which a
     * slower machine makes longer): about 460 calls in 2.5-4 s here. Committing as soon as
     * the last commit was over, as when the local frontier was short of jobs, made 2,800-3,200
     * in the same time: a round trip and an fdatasync apart, not 50 ms */
    most = RECORDS / 2 + 2 * (ms / 50);
    if (calls > most)
        fail_msg("%ld Redis calls for %u pages in %ld ms (at most %ld)", calls, RECORDS, ms,
                 most);
    shared_stop(&s);
}

/* One host slot each and slow pages: the worker leases jobs ahead and starts one the moment
 * its request to that host ends, with no round trip; the server still never sees two requests
 * to a host at once. */
static void test_a_worker_hands_a_hosts_slot_on_to_a_job_leased_ahead(void **state)
{
    static struct shared s;
    char summary[128];

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    shared_start(&s);
    proc_path(&s.w[0], "summary.json", summary, sizeof(summary));
    atomic_store(&page_delay_ms, 20);
    shared_options(&s, "--per-host", "1", "-w", "32", "-d", "5", "--summary", summary, NULL);
    worker_start(&s, 0, true);
    worker_wait_ok(&s, 0);
    atomic_store(&page_delay_ms, 0);
    assert_true(lines_in(s.out[0]) > 8 * HOSTS);
    assert_true(summary_count(summary, "handed_on") > 0);
    assert_polite(&s, 1, 0);
    shared_stop(&s);
}

static void test_workers_agree_on_the_crawls_options(void **state)
{
    static struct shared s;
    char *err;
    int st;

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    shared_start(&s);
    /* no crawl yet */
    worker_start(&s, 0, false);
    assert_int_equal(proc_wait(&s.w[0], PROC_WATCHDOG_MS), 2);
    err = proc_slurp(s.w[0].err);
    assert_non_null(strstr(err, "no crawl 't'"));
    free(err);
    /* created with -d 1 (the roots and their first pages only) */
    shared_options(&s, "-d", "1", NULL);
    worker_start(&s, 0, true);
    assert_int_equal(proc_wait(&s.w[0], PROC_WATCHDOG_MS), 0);
    /* other options: refused, naming the difference */
    shared_options(&s, "-d", "2", NULL);
    worker_start(&s, 1, true);
    st = proc_wait(&s.w[1], PROC_WATCHDOG_MS);
    assert_int_equal(st, 2);
    err = proc_slurp(s.w[1].err);
    assert_non_null(strstr(err, "other options"));
    free(err);
    /* no options, no seeds: joins the (finished) crawl with its options, and has nothing to do */
    shared_options(&s, NULL);
    worker_start(&s, 2, false);
    worker_wait_ok(&s, 2);
    assert_int_equal(lines_in(s.out[0]), 2 * HOSTS);   /* "/" and /pK of each host */
    assert_int_equal(lines_in(s.out[2]), 0);
    shared_stop(&s);
}

/* A page whose fetch kills its worker (the test kills it when the page is asked for): after
 * --max-leases leases it is dead-lettered, recorded once with error dead_letter, and the
 * crawl goes on without it. A page fetched and recorded before the kill is not counted
 * against (--per-host 1: it was over before the killer's lease). */
static volatile int killer_asked;

static void killer_handler(const struct httpd_request *req, struct httpd_response *resp,
                           void *arg)
{
    (void)arg;
    if (strcmp(req->target, "/killer") == 0) {
        __atomic_add_fetch(&killer_asked, 1, __ATOMIC_SEQ_CST);
        resp->action = HTTPD_HANG;
        return;
    }
    if (strcmp(req->target, "/") == 0) {
        static const char body[] = "<a href=\"/killer\">k</a><a href=\"/a\">a</a>";

        httpd_respond(resp, 200, "text/html", NULL, body, sizeof(body) - 1);
    } else if (strcmp(req->target, "/a") == 0) {
        httpd_respond(resp, 200, "text/html", NULL, "<a href=\"/b\">b</a>", 18);
    } else if (strcmp(req->target, "/b") == 0) {
        httpd_respond(resp, 200, "text/html", NULL, "b", 1);
    } else {
        httpd_respond(resp, 404, "text/plain", NULL, "no", 2);
    }
}

static bool killer_asked_n(void *arg)
{
    return __atomic_load_n(&killer_asked, __ATOMIC_SEQ_CST) >= *(int *)arg;
}

struct killer_run {
    struct proc *p;
    int asked;
};

/* /killer asked k->asked times, or the worker has exited (a zombie, not reaped: proc_wait
 * reaps it). */
static bool killer_asked_or_ended(void *arg)
{
    const struct killer_run *k = arg;
    char path[64], stat[256];
    const char *paren;
    FILE *f;
    size_t n;

    if (__atomic_load_n(&killer_asked, __ATOMIC_SEQ_CST) >= k->asked)
        return true;
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)k->p->pid);
    f = fopen(path, "r");
    if (!f)
        return true;
    n = fread(stat, 1, sizeof(stat) - 1, f);
    fclose(f);
    stat[n] = '\0';
    paren = strrchr(stat, ')');
    return paren && paren[1] == ' ' && paren[2] == 'Z';
}

static void test_a_page_that_keeps_killing_workers_is_dead_lettered(void **state)
{
    struct httpd *srv;
    struct redisd redis;
    struct proc p;
    char out[128], seed[64], *text;
    const char *argv[] = {"crawl", "-q", "--redis", NULL, "--crawl", "k", "--worker-id", "w",
                          "-o", out, "--max-leases", "2", "--per-host", "1", seed, NULL};

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    memset(&p, 0, sizeof(p));
    killer_asked = 0;
    assert_int_equal(httpd_start(0, killer_handler, NULL, &srv), 0);
    redisd_start(&redis);
    argv[3] = redis.url;
    httpd_url(srv, "/", seed, sizeof(seed));
    proc_init(&p);
    proc_path(&p, "records.jsonl", out, sizeof(out));
    for (int kill_at = 1; kill_at <= 2; kill_at++) {
        proc_start(&p, argv, NULL);
        proc_wait_until(killer_asked_n, &kill_at);
        kill(p.pid, SIGKILL);
        assert_int_equal(proc_wait(&p, PROC_WATCHDOG_MS), 128 + SIGKILL);
    }
    /* started again: /killer had its two leases, so it is dead-lettered, not asked again;
     * unless it was leased ahead once and started in a slot handed on to it before Redis knew
     * (then that lease was not counted, and it is leased with a slot only from then on): once
     * more at most */
    {
        struct killer_run k = {&p, 3};

        proc_start(&p, argv, NULL);
        proc_wait_until(killer_asked_or_ended, &k);
        if (__atomic_load_n(&killer_asked, __ATOMIC_SEQ_CST) >= 3) {
            kill(p.pid, SIGKILL);
            assert_int_equal(proc_wait(&p, PROC_WATCHDOG_MS), 128 + SIGKILL);
            proc_start(&p, argv, NULL);
        }
        assert_int_equal(proc_wait(&p, PROC_WATCHDOG_MS), 0);
    }
    assert_true(killer_asked == 2 || killer_asked == 3);
    text = proc_slurp(out);
    assert_non_null(strstr(text, "/killer\",\"final_url\""));
    assert_non_null(strstr(text, "\"error\":\"dead_letter\""));
    {
        /* each URL once: "/", /a, /b, /killer */
        unsigned n = 0;

        for (const char *q = text; (q = strstr(q, "{\"url\":")) != NULL; q++)
            n++;
        if (n != 4)
            print_message("records:\n%s\n", text);
        assert_int_equal(n, 4);
        assert_null(strstr(strstr(text, "/killer\",\"final_url\"") + 1,
                           "/killer\",\"final_url\""));
    }
    free(text);
    proc_cleanup(&p);
    redisd_cleanup(&redis);
    httpd_stop(srv);
}

/* --sitemaps: each host's robots.txt lists a sitemap, which lists pages nothing links to. Two
 * workers: each robots.txt and each sitemap is fetched once, by one worker, and every page of
 * the sitemaps is recorded once across the two outputs. */
#define SM_PAGES 10

static void sitemap_handler(const struct httpd_request *req, struct httpd_response *resp,
                            void *arg)
{
    unsigned k = host_of(req), i;
    char body[2048];
    int len = 0;

    (void)arg;
    if (k >= HOSTS) {
        httpd_respond(resp, 404, "text/plain", NULL, "no", 2);
    } else if (strcmp(req->target, "/robots.txt") == 0) {
        len = snprintf(body, sizeof(body), "User-agent: *\nSitemap: http://h%u.test/sitemap.xml\n",
                       k);
        httpd_respond(resp, 200, "text/plain", NULL, body, (size_t)len);
    } else if (strcmp(req->target, "/sitemap.xml") == 0) {
        len = snprintf(body, sizeof(body), "<?xml version=\"1.0\"?><urlset xmlns=\"http://www."
                       "sitemaps.org/schemas/sitemap/0.9\">");
        for (i = 0; i < SM_PAGES; i++)
            len += snprintf(body + len, sizeof(body) - (size_t)len,
                            "<url><loc>http://h%u.test/s%u</loc></url>", k, i);
        len += snprintf(body + len, sizeof(body) - (size_t)len, "</urlset>");
        httpd_respond(resp, 200, "application/xml", NULL, body, (size_t)len);
    } else if (strcmp(req->target, "/") == 0 ||
               (sscanf(req->target, "/s%u", &i) == 1 && i < SM_PAGES)) {
        httpd_respond(resp, 200, "text/html", NULL, "<title>t</title>", 16);
    } else {
        httpd_respond(resp, 404, "text/plain", NULL, "no", 2);
    }
}

static void test_sitemaps_are_fetched_once_and_their_pages_recorded_once(void **state)
{
    static struct shared s;
    unsigned seen[HOSTS][SM_PAGES + 1], robots[HOSTS], maps[HOSTS];

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    shared_start(&s);
    httpd_stop(s.srv);
    assert_int_equal(httpd_start(0, sitemap_handler, NULL, &s.srv), 0);
    snprintf(s.connect_to, sizeof(s.connect_to), "::127.0.0.1:%u", (unsigned)httpd_port(s.srv));
    shared_options(&s, "--sitemaps", "--per-host", "1", NULL);
    for (unsigned i = 0; i < 2; i++)
        worker_start(&s, i, true);
    for (unsigned i = 0; i < 2; i++)
        worker_wait_ok(&s, i);
    memset(seen, 0, sizeof(seen));
    for (unsigned i = 0; i < 2; i++) {
        char *text = proc_slurp(s.out[i]);

        for (const char *p = text; (p = strstr(p, "{\"url\":\"")) != NULL; p++) {
            unsigned k, n;
            char path[64];

            assert_int_equal(sscanf(p + 8, "http://h%u.test%63[^\"]", &k, path), 2);
            assert_true(k < HOSTS);
            assert_non_null(strstr(p, "\"status\":200"));
            if (strcmp(path, "/") == 0)
                seen[k][SM_PAGES]++;
            else if (sscanf(path, "/s%u", &n) == 1 && n < SM_PAGES)
                seen[k][n]++;
            else
                fail_msg("a record of %s", path);
        }
        free(text);
    }
    for (unsigned k = 0; k < HOSTS; k++)
        for (unsigned n = 0; n <= SM_PAGES; n++)
            if (seen[k][n] != 1)
                fail_msg("h%u.test page %u recorded %u times", k, n, seen[k][n]);
    memset(robots, 0, sizeof(robots));
    memset(maps, 0, sizeof(maps));
    for (uint64_t r = 0; r < httpd_requests(s.srv); r++) {
        char *h = httpd_log_header(s.srv, r, "Host"), *target = httpd_log_target(s.srv, r);
        unsigned k;

        assert_int_equal(sscanf(h, "h%u.test", &k), 1);
        robots[k] += strcmp(target, "/robots.txt") == 0;
        maps[k] += strcmp(target, "/sitemap.xml") == 0;
        free(h);
        free(target);
    }
    for (unsigned k = 0; k < HOSTS; k++) {
        assert_int_equal(robots[k], 1);
        assert_int_equal(maps[k], 1);
    }
    shared_stop(&s);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_workers_one_killed_and_restarted_record_each_page_once),
        cmocka_unit_test(test_a_worker_killed_for_good_leaves_its_pages_to_the_others),
        cmocka_unit_test(test_redis_restarted_mid_crawl),
        cmocka_unit_test(test_an_outage_past_the_timeout_stops_workers_resumable),
        cmocka_unit_test(test_an_interrupted_worker_gives_its_jobs_back),
        cmocka_unit_test(test_workers_agree_on_the_crawls_options),
        cmocka_unit_test(test_a_worker_waits_out_a_delay_without_polling_redis),
        cmocka_unit_test(test_a_worker_holding_every_slot_asks_again_when_a_request_ends),
        cmocka_unit_test(test_a_worker_held_back_by_host_slots_commits_in_batches),
        cmocka_unit_test(test_a_worker_hands_a_hosts_slot_on_to_a_job_leased_ahead),
        cmocka_unit_test(test_a_page_that_keeps_killing_workers_is_dead_lettered),
        cmocka_unit_test(test_sitemaps_are_fetched_once_and_their_pages_recorded_once),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
