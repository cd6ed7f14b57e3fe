/* tests/test_app_crawl_resume.c: `trawl crawl --state` / `--resume`: a crawl killed with kill -9
 * again and again, or stopped with SIGINT, and resumed each time, ends with every reachable page
 * recorded exactly once, never fetches again a page whose record had been committed, and leaves
 * a whole archive (WARC files that gzip, warcio.js and the digest checker accept, each page's
 * response once, a CDXJ that matches warcio's, a WACZ whose hashes check); options are kept
 * and checked on resume. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "app/state/statedb.h"
#include "tests/support/proc.h"
#include "tests/support/warccheck.h"
#include "tools/httpd.h"

/* The site: "/" links to /p0; /pI links to /p(2I+1), /p(2I+2), /p(I+1) (mod N) and to "/":
 * every page is reachable within about log2(N) hops, and most links are duplicates. */
#define PAGES 2000
#define KILLS 20

static void handler(const struct httpd_request *req, struct httpd_response *resp, void *arg)
{
    char body[512];
    unsigned i;
    int n;

    (void)arg;
    if (strcmp(req->target, "/") == 0) {
        n = snprintf(body, sizeof(body), "<title>Home</title><a href=\"/p0\">start</a>");
    } else if (sscanf(req->target, "/p%u", &i) == 1 && i < PAGES) {
        n = snprintf(body, sizeof(body),
                     "<title>Page %u</title><a href=\"/p%u\">a</a> <a href=\"/p%u\">b</a> "
                     "<a href=\"/p%u\">c</a> <a href=\"/\">home</a>",
                     i, (2 * i + 1) % PAGES, (2 * i + 2) % PAGES, (i + 1) % PAGES);
    } else {
        httpd_respond(resp, 404, "text/plain", NULL, "no", 2);
        return;
    }
    httpd_respond(resp, 200, "text/html", NULL, body, (size_t)n);
}

/* --- reading the outputs ------------------------------------------------------------------ */

/* The "url" of each JSONL line of text[0..len) (URLs here need no escapes), in order. */
static size_t urls_of(const char *text, size_t len, char (*urls)[64], size_t max)
{
    const char *p = text, *end = text + len;
    size_t n = 0;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *u = strstr(p, "{\"url\":\"");

        assert_non_null(nl); /* a committed prefix holds whole lines only */
        assert_true(u == p);
        u += 8;
        assert_true(n < max);
        snprintf(urls[n], sizeof(urls[n]), "%.*s", (int)(strchr(u, '"') - u), u);
        n++;
        p = nl + 1;
    }
    return n;
}

/* The path of a URL of the site ("/p12"). */
static const char *path_of(const char *url)
{
    const char *p = strstr(url, "://");

    return p ? strchr(p + 3, '/') : url;
}

/* The committed length of output name, or -1 when the crawl was killed before its state
 * existed. */
static int64_t committed_len(const char *dir, const char *name)
{
    struct statedb *db;
    int64_t len;
    int rc = statedb_open(dir, "crawl", NULL, STATEDB_RESUME, NULL, 0, &db);

    if (rc == -ENOENT)
        return -1;
    assert_int_equal(rc, 0);
    len = statedb_output_len(db, name);
    statedb_close(db);
    return len;
}

/* Every page exactly once in the final records, each with status 200 and no error. */
static void assert_each_page_once(const char *out)
{
    static char urls[PAGES + 64][64];
    static unsigned seen[PAGES + 1];
    char *text = proc_slurp(out);
    size_t n = urls_of(text, strlen(text), urls, PAGES + 64), i;
    unsigned k;

    memset(seen, 0, sizeof(seen));
    for (i = 0; i < n; i++) {
        const char *path = path_of(urls[i]);

        if (strcmp(path, "/") == 0)
            seen[PAGES]++;
        else if (sscanf(path, "/p%u", &k) == 1 && k < PAGES)
            seen[k]++;
        else
            fail_msg("a record of an unknown URL: %s", urls[i]);
    }
    for (k = 0; k <= PAGES; k++)
        if (seen[k] != 1)
            fail_msg("page %u recorded %u times", k, seen[k]);
    assert_null(strstr(text, "\"error\":\"")); /* every record a success */
    free(text);
}

/* --- the archive --------------------------------------------------------------------------- */

/* Each page's response record is in the index exactly once (fetches redone after a kill were
 * written as revisits); returns the number of revisits. */
static unsigned assert_one_response_per_page(const char *cdx)
{
    static unsigned responses[PAGES + 1];
    char *text = proc_slurp(cdx), *line, *save = NULL;
    unsigned k, revisits = 0;

    memset(responses, 0, sizeof(responses));
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        const char *u = strstr(line, "\"url\": \""), *path;

        if (!u)
            u = strstr(line, "\"url\":\"");
        assert_non_null(u);
        u = strchr(u + 6, '"') + 1;
        path = path_of(u);
        if (strstr(line, "warc/revisit")) {
            revisits++;
        } else if (strncmp(path, "/\"", 2) == 0) {
            responses[PAGES]++;
        } else if (sscanf(path, "/p%u\"", &k) == 1 && k < PAGES) {
            responses[k]++;
        }
    }
    for (k = 0; k <= PAGES; k++)
        if (responses[k] != 1)
            fail_msg("page %u has %u response records", k, responses[k]);
    free(text);
    return revisits;
}

/* --- the kill loop ------------------------------------------------------------------------- */

struct kill_point {
    uint64_t requests;          /* the server's log length when the process was dead */
    size_t ncommitted;          /* records committed then */
};

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* No request after a kill asks again for a page whose record was committed before it. */
static void assert_no_refetch(struct httpd *srv, const char *out, const struct kill_point *kp,
                              size_t nkills)
{
    static char urls[PAGES + 64][64];
    char *text = proc_slurp(out);
    size_t n = urls_of(text, strlen(text), urls, PAGES + 64), k, i;
    uint64_t r, total = httpd_requests(srv);

    for (k = 0; k < nkills; k++) {
        assert_true(kp[k].ncommitted <= n);
        for (r = kp[k].requests; r < total; r++) {
            char *t = httpd_log_target(srv, r);

            for (i = 0; i < kp[k].ncommitted; i++)
                if (strcmp(t, path_of(urls[i])) == 0)
                    fail_msg("%s was fetched again after kill %zu, its record committed", t,
                             k + 1);
            free(t);
        }
    }
    free(text);
}

/* Start first, then kills times: wait 20-200 ms, kill -9, note what the state had committed,
 * resume. Returns how many kills found the crawl running (each must, for the test to mean
 * anything); the last resume is left running. */
static unsigned kill_and_resume(struct proc *p, struct httpd *srv, const char *const *first,
                                const char *dir, const char *out, struct kill_point *kp,
                                unsigned kills)
{
    static char urls[PAGES + 64][64];
    unsigned killed = 0, k;

    proc_start(p, first, NULL);
    for (k = 0; k < kills; k++) {
        char *text;
        int64_t len;

        sleep_ms(20 + (unsigned)rand() % 180);
        kill(p->pid, SIGKILL); /* proc_signal waits for a pending signal to be taken */
        if (proc_wait(p, PROC_WATCHDOG_MS) == 128 + SIGKILL)
            killed++;
        kp[k].requests = httpd_requests(srv);
        len = committed_len(dir, "records");
        if (len < 0) {
            /* killed before its state existed: the crawl never began, so begin it again */
            kp[k].ncommitted = 0;
            proc_start(p, first, NULL);
            continue;
        }
        text = proc_slurp(out);
        assert_true((size_t)len <= strlen(text));
        kp[k].ncommitted = urls_of(text, (size_t)len, urls, PAGES + 64);
        free(text);
        proc_start(p, (const char *[]){"crawl", "--resume", dir, "-q", NULL}, NULL);
    }
    return killed;
}

static void test_kill_9_twenty_times_then_resume_gives_each_page_once_and_a_whole_archive(
    void **state)
{
    static struct kill_point kp[KILLS];
    struct httpd *srv;
    struct proc p = {0};
    char u[128], dir[160], out[160], skipped[160], warc[160], cdx[160], wacz[160];
    unsigned seed = (unsigned)time(NULL), killed;
    uint64_t page_fetches = 0, r;
    /* --delay 4 bounds a run's progress (at most one page per 4 ms from the one host), so the
     * 20 runs below, of at most 200 ms each, cannot finish the crawl: every kill is real. The
     * archive rotates every 300 kB, so kills also land around a file's rotation. */
    const char *const first[] = {"crawl", "-q", "-d", "40", "-w", "8", "--delay", "4", "--state",
                                 dir, "-o", out, "--skipped", skipped, "--warc", warc,
                                 "--warc-max-size", "300000", "--cdx", cdx, "--wacz", wacz, u,
                                 NULL};

    (void)state;
    print_message("seed %u\n", seed);
    fflush(stdout);
    srand(seed);
    assert_int_equal(httpd_start(0, handler, NULL, &srv), 0);
    proc_init(&p);
    proc_path(&p, "state", dir, sizeof(dir));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "skipped.jsonl", skipped, sizeof(skipped));
    proc_path(&p, "arc", warc, sizeof(warc));
    proc_path(&p, "index.cdxj", cdx, sizeof(cdx));
    proc_path(&p, "crawl.wacz", wacz, sizeof(wacz));
    httpd_url(srv, "/", u, sizeof(u));
    killed = kill_and_resume(&p, srv, first, dir, out, kp, KILLS);
    assert_int_equal(proc_wait(&p, PROC_WATCHDOG_MS), 0);
    assert_int_equal(killed, KILLS);
    assert_each_page_once(out);
    assert_no_refetch(srv, out, kp, KILLS);
    for (r = 0; r < httpd_requests(srv); r++) {
        char *t = httpd_log_target(srv, r);

        page_fetches += strcmp(t, "/robots.txt") != 0;
        free(t);
    }
    warccheck_assert_archive(p.dir, cdx, wacz);
    print_message("%u kills: %llu page fetches for %u pages (%llu again: in flight or not yet "
                  "committed at a kill), %u revisit records\n", killed,
                  (unsigned long long)page_fetches, PAGES + 1,
                  (unsigned long long)(page_fetches - PAGES - 1),
                  assert_one_response_per_page(cdx));
    {
        char *sk = proc_slurp(skipped);

        /* nothing was skipped, and no stop listed pages as interrupted */
        assert_string_equal(sk, "");
        free(sk);
    }
    /* a finished crawl says so */
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "--resume", dir, NULL},
                              PROC_WATCHDOG_MS), 0);
    {
        char *err = proc_slurp(p.err);

        assert_non_null(strstr(err, "is finished"));
        free(err);
    }
    {
        /* killed after the archive was finished but before the state said so: the resume
         * finds the archive finished, touches nothing and marks the crawl finished */
        char db[200], *err;
        sqlite3 *sql;

        snprintf(db, sizeof(db), "%s/state.db", dir);
        assert_int_equal(sqlite3_open(db, &sql), SQLITE_OK);
        assert_int_equal(sqlite3_exec(sql, "UPDATE meta SET finished = 0", NULL, NULL, NULL),
                         SQLITE_OK);
        sqlite3_close(sql);
        assert_int_equal(proc_run(&p, (const char *[]){"crawl", "--resume", dir, NULL},
                                  PROC_WATCHDOG_MS), 0);
        err = proc_slurp(p.err);
        assert_non_null(strstr(err, "the archive"));
        assert_non_null(strstr(err, "is finished: nothing to do"));
        free(err);
        warccheck_assert_archive(p.dir, cdx, wacz);
        assert_int_equal(proc_run(&p, (const char *[]){"crawl", "--resume", dir, NULL},
                                  PROC_WATCHDOG_MS), 0);
        err = proc_slurp(p.err);
        assert_non_null(strstr(err, "the crawl kept in"));
        free(err);
    }
    proc_cleanup(&p);
    httpd_stop(srv);
}

/* dfs reaches pages by long routes first; a page found again by a shorter one is re-expanded
 * from the link store, which --state keeps in its directory: killed and resumed, the crawl still
 * finds every page once, as bfs does. */
static void test_dfs_killed_and_resumed_finds_each_page_once(void **state)
{
    static struct kill_point kp[8];
    struct httpd *srv;
    struct proc p = {0};
    char u[128], dir[160], out[160];
    unsigned seed = (unsigned)time(NULL);
    const char *const first[] = {"crawl", "-q", "--order", "dfs", "-d", "40", "-w", "8",
                                 "--delay", "4", "--state", dir, "-o", out, u, NULL};

    (void)state;
    print_message("seed %u\n", seed);
    fflush(stdout);
    srand(seed);
    assert_int_equal(httpd_start(0, handler, NULL, &srv), 0);
    proc_init(&p);
    proc_path(&p, "state", dir, sizeof(dir));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    httpd_url(srv, "/", u, sizeof(u));
    assert_int_equal(kill_and_resume(&p, srv, first, dir, out, kp, 8), 8);
    assert_int_equal(proc_wait(&p, PROC_WATCHDOG_MS), 0);
    assert_each_page_once(out);
    assert_no_refetch(srv, out, kp, 8);
    proc_cleanup(&p);
    httpd_stop(srv);
}

static bool has_records(void *arg)
{
    char *text = proc_slurp(arg);
    bool yes = strlen(text) > 2000;

    free(text);
    return yes;
}

static void test_sigint_then_resume_gives_each_page_once(void **state)
{
    struct kill_point kp;
    struct httpd *srv;
    struct proc p = {0};
    char u[128], dir[160], out[160];
    char *text;

    (void)state;
    assert_int_equal(httpd_start(0, handler, NULL, &srv), 0);
    proc_init(&p);
    proc_path(&p, "state", dir, sizeof(dir));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_start(&p, (const char *[]){"crawl", "-d", "40", "-w", "8", "--delay", "2", "--state",
                                    dir, "-o", out, httpd_url(srv, "/", u, sizeof(u)), NULL},
               NULL);
    proc_wait_until(has_records, out);
    proc_signal(&p, SIGINT);
    assert_int_equal(proc_wait(&p, PROC_WATCHDOG_MS), 130);
    text = proc_slurp(p.err);
    assert_non_null(strstr(text, "--resume"));
    free(text);
    kp.requests = httpd_requests(srv);
    text = proc_slurp(out);
    {
        static char urls[PAGES + 64][64];

        /* after a stop every record written is committed */
        assert_int_equal(committed_len(dir, "records"), (int64_t)strlen(text));
        kp.ncommitted = urls_of(text, strlen(text), urls, PAGES + 64);
    }
    free(text);
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "--resume", dir, "-q", NULL},
                              PROC_WATCHDOG_MS), 0);
    assert_each_page_once(out);
    assert_no_refetch(srv, out, &kp, 1);
    /* the host's robots.txt outcome was kept: the resumed crawl did not ask again */
    assert_int_equal(httpd_hits(srv, "/robots.txt"), 1);
    proc_cleanup(&p);
    httpd_stop(srv);
}

/* Killed while its WARC file rotated (the file renamed to its final name, the next not begun):
 * with no index there is no telling that from a finished archive, so the resume goes on with
 * the file (renamed back) rather than take the crawl for finished. The state of that moment is
 * made by hand from a stopped crawl's: its current file renamed as a rotation renames it. */
static bool exists_path(void *arg)
{
    return access(arg, F_OK) == 0;
}

static void test_a_warc_file_renamed_by_a_rotation_is_gone_on_with(void **state)
{
    struct httpd *srv;
    struct proc p = {0};
    char u[128], dir[160], out[160], warc[160], second[200], cmd[1024];

    (void)state;
    assert_int_equal(httpd_start(0, handler, NULL, &srv), 0);
    proc_init(&p);
    proc_path(&p, "state", dir, sizeof(dir));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "arc", warc, sizeof(warc));
    proc_start(&p, (const char *[]){"crawl", "-q", "-d", "40", "-w", "8", "--delay", "2",
                                    "--state", dir, "-o", out, "--warc", warc,
                                    "--warc-max-size", "20000", httpd_url(srv, "/", u, sizeof(u)),
                                    NULL},
               NULL);
    snprintf(second, sizeof(second), "%s-00001.warc.gz.open", warc);
    proc_wait_until(exists_path, second);   /* rotated once */
    proc_signal(&p, SIGINT);
    assert_int_equal(proc_wait(&p, PROC_WATCHDOG_MS), 130);
    snprintf(cmd, sizeof(cmd), "cd %s && ls arc-*.warc.gz | wc -l | grep -qv '^0$' && "
             "f=$(ls arc-*.warc.gz.open) && test $(echo \"$f\" | wc -l) = 1 && "
             "mv \"$f\" \"${f%%.open}\"", p.dir);
    assert_int_equal(warccheck_run(cmd), 0); /* rotated at least once; one .open, renamed */
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "--resume", dir, "-q", NULL},
                              PROC_WATCHDOG_MS), 0);
    assert_each_page_once(out);
    snprintf(cmd, sizeof(cmd), "cd %s && test -z \"$(ls | grep -E '\\.open$')\" && "
             "for f in arc-*.warc.gz; do gzip -t $f || exit 1; done && "
             "node %s/tests/warcio/check.mjs digests arc-*.warc.gz 2>&1", p.dir, TRAWL_SOURCE_DIR);
    assert_int_equal(warccheck_run(cmd), 0);
    proc_cleanup(&p);
    httpd_stop(srv);
}

/* --- a payload archived before a kill ------------------------------------------------------- */

/* "/" links to /a; /a to /b; /a and /b send the same body. /b waits until the test lets it go,
 * so the first crawl is killed with /a committed and /b not yet answered. */
static pthread_mutex_t b_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t b_cond = PTHREAD_COND_INITIALIZER;
static bool b_go;

/* A held request waits here until release() (server thread). */
static void wait_released(void)
{
    pthread_mutex_lock(&b_lock);
    while (!b_go)
        pthread_cond_wait(&b_cond, &b_lock);
    pthread_mutex_unlock(&b_lock);
}

static void release(void)
{
    pthread_mutex_lock(&b_lock);
    b_go = true;
    pthread_cond_broadcast(&b_cond);
    pthread_mutex_unlock(&b_lock);
}

static void dup_handler(const struct httpd_request *req, struct httpd_response *resp, void *arg)
{
    static const char same[] = "<title>Same</title><p>one payload, two URLs</p><a href=\"/b\">b</a>";
    static const char home[] = "<title>Home</title><a href=\"/a\">a</a>";

    (void)arg;
    if (strcmp(req->target, "/") == 0) {
        httpd_respond(resp, 200, "text/html", NULL, home, sizeof(home) - 1);
    } else if (strcmp(req->target, "/a") == 0 || strcmp(req->target, "/b") == 0) {
        if (req->target[1] == 'b')
            wait_released();
        httpd_respond(resp, 200, "text/html", NULL, same, sizeof(same) - 1);
    } else {
        httpd_respond(resp, 404, "text/plain", NULL, "no", 2);
    }
}

struct committed_a {
    const char *db;
    const char *out;
    const char *needle;         /* in the committed records, e.g. "/a\"" */
};

/* The state has committed a records file that holds /a's record (read beside the running crawl:
 * SQLite readers do not block its writer). */
static bool a_committed(void *arg)
{
    const struct committed_a *ca = arg;
    sqlite3 *db;
    sqlite3_stmt *q;
    int64_t len = -1;
    char *text;
    bool yes = false;

    if (sqlite3_open_v2(ca->db, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return false;
    }
    if (sqlite3_prepare_v2(db, "SELECT len FROM outputs WHERE name = 'records'", -1, &q, NULL) ==
        SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            len = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    text = proc_slurp(ca->out);
    if (len > 0 && (size_t)len <= strlen(text)) {
        text[len] = '\0';
        yes = strstr(text, ca->needle) != NULL;
    }
    free(text);
    return yes;
}

static void test_a_payload_archived_before_a_kill_is_a_revisit_after_it(void **state)
{
    struct httpd *srv;
    struct proc p = {0};
    char u[128], dir[160], out[160], warc[160], cdx[160], db[200];
    struct committed_a ca = {db, out, "/a\""};
    char *idx, *b_line;

    (void)state;
    b_go = false;
    assert_int_equal(httpd_start(0, dup_handler, NULL, &srv), 0);
    proc_init(&p);
    proc_path(&p, "state", dir, sizeof(dir));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "arc", warc, sizeof(warc));
    proc_path(&p, "index.cdxj", cdx, sizeof(cdx));
    snprintf(db, sizeof(db), "%s/state.db", dir);
    proc_start(&p, (const char *[]){"crawl", "-q", "--state", dir, "-o", out, "--warc", warc,
                                    "--cdx", cdx, httpd_url(srv, "/", u, sizeof(u)), NULL},
               NULL);
    proc_wait_until(a_committed, &ca);
    kill(p.pid, SIGKILL);
    assert_int_equal(proc_wait(&p, PROC_WATCHDOG_MS), 128 + SIGKILL);
    release();
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "--resume", dir, "-q", NULL},
                              PROC_WATCHDOG_MS), 0);
    warccheck_assert_archive(p.dir, cdx, NULL);
    idx = proc_slurp(cdx);
    b_line = strstr(idx, "/b\"");
    assert_non_null(b_line);
    while (b_line > idx && b_line[-1] != '\n')
        b_line--;
    /* /b's payload was archived with /a before the kill: a revisit, not a second copy */
    assert_non_null(strstr(b_line, "warc/revisit"));
    assert_true(strstr(b_line, "warc/revisit") < strchr(b_line, '\n'));
    free(idx);
    proc_cleanup(&p);
    httpd_stop(srv);
}

/* dfs, depth 3: "/" links /a and /b; /a -> /c -> /p, so /p is fetched at depth 3 and its link
 * /q (depth 4) is beyond the limit. /b, which links /p at depth 2, is held by the server until
 * the state has committed /p's record and the crawl is killed. Resumed, /b finds /p by the
 * shorter route: /p's links come back from the link store kept in the state directory, and /q
 * is fetched at depth 3. */
static void reexpand_handler(const struct httpd_request *req, struct httpd_response *resp,
                             void *arg)
{
    static const struct {
        const char *path, *body;
    } pages[] = {
        {"/", "<a href=\"/a\">a</a><a href=\"/b\">b</a>"},
        {"/a", "<a href=\"/c\">c</a>"},
        {"/b", "<a href=\"/p\">p</a>"},
        {"/c", "<a href=\"/p\">p</a>"},
        {"/p", "<title>P</title><a href=\"/q\">q</a>"},
        {"/q", "<title>Q</title>"},
    };
    size_t i;

    (void)arg;
    for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
        if (strcmp(req->target, pages[i].path) == 0) {
            httpd_respond(resp, 200, "text/html", NULL, pages[i].body, strlen(pages[i].body));
            /* held without blocking the server thread, which still answers the others */
            resp->hold = strcmp(req->target, "/b") == 0;
            return;
        }
    httpd_respond(resp, 404, "text/plain", NULL, "no", 2);
}

static void test_dfs_reexpands_from_the_kept_link_store_after_a_resume(void **state)
{
    struct httpd *srv;
    struct proc p = {0};
    char u[128], dir[160], out[160], db[200], *text, *q;
    struct committed_a ca = {db, out, "/p\""};

    (void)state;
    assert_int_equal(httpd_start(0, reexpand_handler, NULL, &srv), 0);
    proc_init(&p);
    proc_path(&p, "state", dir, sizeof(dir));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    snprintf(db, sizeof(db), "%s/state.db", dir);
    proc_start(&p, (const char *[]){"crawl", "-q", "--order", "dfs", "-d", "3", "-w", "4",
                                    "--state", dir, "-o", out,
                                    httpd_url(srv, "/", u, sizeof(u)), NULL},
               NULL);
    proc_wait_until(a_committed, &ca);
    kill(p.pid, SIGKILL);
    assert_int_equal(proc_wait(&p, PROC_WATCHDOG_MS), 128 + SIGKILL);
    text = proc_slurp(out);
    assert_null(strstr(text, "/q\"")); /* beyond the limit on the long route */
    free(text);
    httpd_release(srv);
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "--resume", dir, "-q", NULL},
                              PROC_WATCHDOG_MS), 0);
    text = proc_slurp(out);
    q = strstr(text, "/q\",\"final_url\""); /* /q's record */
    assert_non_null(q);
    assert_null(strstr(q + 1, "/q\",\"final_url\""));         /* once */
    assert_non_null(strstr(q, "\"depth\":3,\"parent\":\"")); /* by way of /b and /p */
    assert_int_equal(httpd_hits(srv, "/p"), 1); /* not fetched again */
    free(text);
    proc_cleanup(&p);
    httpd_stop(srv);
}

/* --- a retry's wait kept --------------------------------------------------------------------- */

/* "/" links /p; /p answers 503 with Retry-After: 4 the first time, then 200. */
static void retry_handler(const struct httpd_request *req, struct httpd_response *resp,
                          void *arg)
{
    static const char home[] = "<a href=\"/p\">p</a>";
    static int p_hits; /* the server thread's own */

    (void)arg;
    if (strcmp(req->target, "/") == 0)
        httpd_respond(resp, 200, "text/html", NULL, home, sizeof(home) - 1);
    else if (strcmp(req->target, "/p") == 0 && p_hits++ == 0)
        httpd_respond(resp, 503, "text/plain", "Retry-After: 4\r\n", "later", 5);
    else if (strcmp(req->target, "/p") == 0)
        httpd_respond(resp, 200, "text/html", NULL, "<title>P</title>", 16);
    else
        httpd_respond(resp, 404, "text/plain", NULL, "no", 2);
}

/* The state holds a host's wait (its retry, queued again, in the same commit). */
static bool wait_committed(void *arg)
{
    sqlite3 *db;
    sqlite3_stmt *q;
    bool yes = false;

    if (sqlite3_open_v2(arg, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT count(*) FROM crawl_hostwait", -1, &q, NULL) ==
            SQLITE_OK) {
        yes = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) > 0;
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    return yes;
}

/* The i-th request for target (0-based) in the server's log: when it came in (ms). */
static int64_t nth_request_ms(struct httpd *srv, const char *target, int nth)
{
    uint64_t i, n = httpd_requests(srv);
    int64_t recv = -1, done;

    for (i = 0; i < n; i++) {
        char *t = httpd_log_target(srv, i);
        bool match = t && strcmp(t, target) == 0;

        free(t);
        if (match && nth-- == 0) {
            assert_int_equal(httpd_log_times(srv, i, &recv, &done), 0);
            break;
        }
    }
    return recv;
}

/* A Retry-After that was waiting when the crawl was killed still holds after the resume: the
 * server is not asked again before it said (the wait is kept as wall-clock time). A lower
 * bound only: a slow machine makes the gap longer, never shorter. */
static void test_a_retry_after_waiting_at_a_kill_holds_after_the_resume(void **state)
{
    struct httpd *srv;
    struct proc p = {0};
    char u[128], dir[160], out[160], db[200];
    int64_t first, second;

    (void)state;
    assert_int_equal(httpd_start(0, retry_handler, NULL, &srv), 0);
    proc_init(&p);
    proc_path(&p, "state", dir, sizeof(dir));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    snprintf(db, sizeof(db), "%s/state.db", dir);
    proc_start(&p, (const char *[]){"crawl", "-q", "--no-robots", "--state", dir, "-o", out,
                                    httpd_url(srv, "/", u, sizeof(u)), NULL},
               NULL);
    proc_wait_until(wait_committed, db);
    kill(p.pid, SIGKILL);
    assert_int_equal(proc_wait(&p, PROC_WATCHDOG_MS), 128 + SIGKILL);
    assert_int_equal(httpd_hits(srv, "/p"), 1);
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "--resume", dir, "-q", NULL},
                              PROC_WATCHDOG_MS), 0);
    assert_int_equal(httpd_hits(srv, "/p"), 2);
    first = nth_request_ms(srv, "/p", 0);
    second = nth_request_ms(srv, "/p", 1);
    assert_true(first > 0 && second > 0);
    /* 4 s less a few ms of rounding between the clocks */
    if (second - first < 3950)
        fail_msg("/p asked again %lld ms after its Retry-After: 4", (long long)(second - first));
    proc_cleanup(&p);
    httpd_stop(srv);
}

/* --- the crawler-trap counts kept -------------------------------------------------------------- */

/* "/" links /a and /b; /a links /c?1 and /c?2; /b (held until released) links /c?3 to /c?5. */
static void trap_handler(const struct httpd_request *req, struct httpd_response *resp, void *arg)
{
    static const char home[] = "<a href=\"/a\">a</a><a href=\"/b\">b</a>";
    static const char a[] = "<a href=\"/c?1\">1</a><a href=\"/c?2\">2</a>";
    static const char b[] = "<a href=\"/c?3\">3</a><a href=\"/c?4\">4</a><a href=\"/c?5\">5</a>";

    (void)arg;
    if (strcmp(req->target, "/") == 0)
        httpd_respond(resp, 200, "text/html", NULL, home, sizeof(home) - 1);
    else if (strcmp(req->target, "/a") == 0)
        httpd_respond(resp, 200, "text/html", NULL, a, sizeof(a) - 1);
    else if (strcmp(req->target, "/b") == 0) {
        httpd_respond(resp, 200, "text/html", NULL, b, sizeof(b) - 1);
        resp->hold = true;
    } else if (strncmp(req->target, "/c?", 3) == 0)
        httpd_respond(resp, 200, "text/html", NULL, "<title>C</title>", 16);
    else
        httpd_respond(resp, 404, "text/plain", NULL, "no", 2);
}

/* --max-query-variants 3: /c had two variants (from /a) when the crawl was killed; resumed, /b's
 * three make five, so only /c?3 is fetched. Counting from zero again would fetch all three. */
static void test_query_variant_counts_go_on_after_a_resume(void **state)
{
    struct httpd *srv;
    struct proc p = {0};
    char u[128], dir[160], out[160], db[200];
    struct committed_a ca = {db, out, "/a\""};

    (void)state;
    assert_int_equal(httpd_start(0, trap_handler, NULL, &srv), 0);
    proc_init(&p);
    proc_path(&p, "state", dir, sizeof(dir));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    snprintf(db, sizeof(db), "%s/state.db", dir);
    proc_start(&p, (const char *[]){"crawl", "-q", "--no-robots", "--max-query-variants", "3",
                                    "--state", dir, "-o", out,
                                    httpd_url(srv, "/", u, sizeof(u)), NULL},
               NULL);
    proc_wait_until(a_committed, &ca);
    kill(p.pid, SIGKILL);
    assert_int_equal(proc_wait(&p, PROC_WATCHDOG_MS), 128 + SIGKILL);
    httpd_release(srv);
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "--resume", dir, "-q", NULL},
                              PROC_WATCHDOG_MS), 0);
    assert_int_equal(httpd_hits(srv, "/c?1"), 1);
    assert_int_equal(httpd_hits(srv, "/c?2"), 1);
    assert_int_equal(httpd_hits(srv, "/c?3"), 1);
    assert_int_equal(httpd_hits(srv, "/c?4"), 0);
    assert_int_equal(httpd_hits(srv, "/c?5"), 0);
    proc_cleanup(&p);
    httpd_stop(srv);
}

/* --- a state that cannot be written -------------------------------------------------------- */

/* The state's files limited to 128 KiB (RLIMIT_FSIZE with SIGXFSZ ignored: writes fail with
 * EFBIG, as on a full disk), the records on /dev/null: the first commit past the limit fails,
 * the crawl stops with status 1 and says how to resume; resumed without the limit, it finishes
 * with every page counted once. */
static void test_a_failing_commit_stops_the_crawl_resumable(void **state)
{
    struct httpd *srv;
    struct proc p = {0};
    struct rlimit old, lim;
    char u[128], dir[160], sum[160], want[64];
    void (*old_xfsz)(int);
    char *text;

    (void)state;
    assert_int_equal(httpd_start(0, handler, NULL, &srv), 0);
    proc_init(&p);
    proc_path(&p, "state", dir, sizeof(dir));
    proc_path(&p, "summary.json", sum, sizeof(sum));
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim.rlim_cur = 128 << 10; /* the soft limit only, so it can be raised back */
    lim.rlim_max = old.rlim_max;
    old_xfsz = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0); /* inherited by the crawl */
    proc_start(&p, (const char *[]){"crawl", "-d", "40", "-w", "8", "--state", dir, "-o",
                                    "/dev/null", "--summary", sum,
                                    httpd_url(srv, "/", u, sizeof(u)), NULL},
               NULL);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_xfsz);
    assert_int_equal(proc_wait(&p, PROC_WATCHDOG_MS), 1);
    text = proc_slurp(p.err);
    assert_non_null(strstr(text, "keeping the state in"));
    assert_non_null(strstr(text, "--resume"));
    free(text);
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "--resume", dir, "-q", NULL},
                              PROC_WATCHDOG_MS), 0);
    text = proc_slurp(sum);
    snprintf(want, sizeof(want), "\"urls\":%d,\"ok\":%d,", PAGES + 1, PAGES + 1);
    assert_non_null(strstr(text, want));
    free(text);
    proc_cleanup(&p);
    httpd_stop(srv);
}

/* --- options ------------------------------------------------------------------------------ */

static void test_resume_refuses_options_that_change_the_crawl(void **state)
{
    struct httpd *srv;
    struct proc p = {0};
    char u[128], dir[160], out[160];
    char *err;

    (void)state;
    assert_int_equal(httpd_start(0, handler, NULL, &srv), 0);
    proc_init(&p);
    proc_path(&p, "st", dir, sizeof(dir));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    httpd_url(srv, "/", u, sizeof(u));
    /* stdout cannot be gone on with */
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "--state", dir, u, NULL},
                              PROC_WATCHDOG_MS), 2);
    /* nor can stdin be read again */
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "--state", dir, "-o", out, "-i", "-",
                                                   NULL},
                              PROC_WATCHDOG_MS), 2);
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "-q", "-d", "1", "--state", dir,
                                                   "-o", out, u, NULL},
                              PROC_WATCHDOG_MS), 0);
    /* a state directory holds one crawl */
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "-q", "--state", dir, "-o", out, u,
                                                   NULL},
                              PROC_WATCHDOG_MS), 1);
    err = proc_slurp(p.err);
    assert_non_null(strstr(err, dir));
    free(err);
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "--resume", dir, "-d", "3", NULL},
                              PROC_WATCHDOG_MS), 2);
    err = proc_slurp(p.err);
    assert_non_null(strstr(err, "--depth cannot be given with --resume"));
    free(err);
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "--resume", dir, u, NULL},
                              PROC_WATCHDOG_MS), 2);
    /* harmless ones are fine (and the crawl is finished) */
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "--resume", dir, "-q", "-w", "3",
                                                   "--grace", "1", NULL},
                              PROC_WATCHDOG_MS), 0);
    /* nothing to resume */
    proc_path(&p, "none", dir, sizeof(dir));
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "--resume", dir, NULL},
                              PROC_WATCHDOG_MS), 1);
    /* the state of another kind of run */
    {
        struct statedb *db;

        proc_path(&p, "orders-state", dir, sizeof(dir));
        assert_int_equal(statedb_open(dir, "orders", "{}", STATEDB_CREATE, NULL, 0, &db), 0);
        statedb_close(db);
        assert_int_equal(proc_run(&p, (const char *[]){"crawl", "--resume", dir, NULL},
                                  PROC_WATCHDOG_MS), 1);
        err = proc_slurp(p.err);
        assert_non_null(strstr(err, "orders"));
        free(err);
    }
    proc_cleanup(&p);
    httpd_stop(srv);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_9_twenty_times_then_resume_gives_each_page_once_and_a_whole_archive),
        cmocka_unit_test(test_dfs_killed_and_resumed_finds_each_page_once),
        cmocka_unit_test(test_sigint_then_resume_gives_each_page_once),
        cmocka_unit_test(test_a_warc_file_renamed_by_a_rotation_is_gone_on_with),
        cmocka_unit_test(test_a_payload_archived_before_a_kill_is_a_revisit_after_it),
        cmocka_unit_test(test_dfs_reexpands_from_the_kept_link_store_after_a_resume),
        cmocka_unit_test(test_a_retry_after_waiting_at_a_kill_holds_after_the_resume),
        cmocka_unit_test(test_query_variant_counts_go_on_after_a_resume),
        cmocka_unit_test(test_a_failing_commit_stops_the_crawl_resumable),
        cmocka_unit_test(test_resume_refuses_options_that_change_the_crawl),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
