/* tests/test_app_orders_workers.c: `trawl orders --redis URL --stream NAME --worker-id ID`, workers
 * of a consumer group on a real redis-server (tests/support/redisd.h) delivering to a local
 * idempotent endpoint: one worker gives what a local run of the same lines gives; a worker
 * killed with kill -9 and restarted with its id, and three workers of which one is killed and
 * never restarted (its entries taken over after --lease-ms), leave every line exactly once
 * across the outputs (a killed worker's counted up to the lengths it committed in Redis), no
 * key processed twice and no committed delivery sent again; an entry delivered more than
 * --max-deliveries times ends in NAME:dead with a reject; after a Redis restart or a read whose
 * reply was lost, the first line of an order id still wins; ids that cannot be judged end the
 * run with nothing recorded.
 *
 * Nothing depends on timing: kills come after a random number of requests, and every
 * assertion holds wherever they land. Watchdogs only bound hangs. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "redis/client.h"
#include "tests/support/corotest.h"
#include "tests/support/orderrun.h"
#include "tests/support/proc.h"
#include "tests/support/redisd.h"
#include "tools/httpd.h"



/* --- Redis, from the test --------------------------------------------------------------------- */

struct rq {
    const char *url;
    const char *const *cmds;     /* NULL-terminated, each a format without arguments */
    struct redis_reply *last;    /* the last command's reply */
};

static int rq_body(struct core_coro *co, void *arg)
{
    struct rq *q = arg;
    struct redis_opts o;
    struct redis_client *c;

    redis_opts_init(&o);
    assert_int_equal(redis_client_create(core_coro_loop(co), q->url, &o, &c), 0);
    for (size_t i = 0; q->cmds[i]; i++) {
        redis_reply_free(q->last);
        q->last = NULL;
        assert_int_equal(redis_client_cmdf(co, c, &q->last, q->cmds[i]), 0);
        if (q->last->type == REDIS_T_ERROR)
            fail_msg("%s: %s", q->cmds[i], q->last->str);
    }
    redis_client_destroy(c);
    return 0;
}

/* Run the commands in turn; the last one's reply, the caller's. */
static struct redis_reply *rq(const char *url, const char *const *cmds)
{
    struct rq q = {url, cmds, NULL};

    assert_int_equal(corotest_run(rq_body, &q, COROTEST_WATCHDOG_MS), 0);
    return q.last;
}

static long long rq_int(const char *url, const char *cmd)
{
    const char *const cmds[] = {cmd, NULL};
    struct redis_reply *r = rq(url, cmds);
    long long v = r->type == REDIS_T_INTEGER ? r->integer : -1;

    redis_reply_free(r);
    return v;
}

/* A field of worker id's hash (its committed output lengths), 0 when none. */
static int64_t committed(const char *url, const char *stream, const char *id, const char *name)
{
    char cmd[256];
    const char *const cmds[] = {cmd, NULL};
    struct redis_reply *r;
    int64_t v;

    snprintf(cmd, sizeof(cmd), "HGET %s:worker:%s %s", stream, id, name);
    r = rq(url, cmds);
    v = r->str ? strtoll(r->str, NULL, 10) : 0;
    redis_reply_free(r);
    return v;
}

static void enqueue(const char *url, const char *stream, const char *batch, const char *errpath)
{
    const char *const argv[] = {"orders", "--redis", url, "--stream", stream, "--enqueue", batch,
                                NULL};

    orun_expect_run(NULL, argv, errpath, 0);
}

/* --- checking ----------------------------------------------------------------------------------- */

struct outputs {
    char results[160];
    char rejects[160];
    int64_t limit[2];            /* count only this many bytes of each (-1: all) */
};


/* Every line 1..n exactly once across the outputs, with the outcome the batch gives it (dups:
 * false when the batch has none); with an endpoint e, each result delivered and its key
 * processed exactly once there, none processed that is not a result, and no committed delivery
 * sent again. */
static void check_outputs(const struct outputs *outs, size_t nouts, unsigned n,
                          struct endpoint *e)
{
    unsigned char *seen = calloc(n + 1, 1);
    unsigned long delivered = 0, total = 0;

    assert_non_null(seen);
    for (size_t o = 0; o < nouts; o++)
        for (int f = 0; f < 2; f++) {
            size_t len;
            char *text = orun_slurp_n(f == 0 ? outs[o].results : outs[o].rejects, &len), *line, *nl;

            if (outs[o].limit[f] >= 0) {
                assert_true((int64_t)len >= outs[o].limit[f]);
                len = (size_t)outs[o].limit[f];
                text[len] = '\0';
            }
            assert_true(len == 0 || text[len - 1] == '\n');     /* whole lines only */
            for (line = text; *line; line = nl + 1) {
                const char *at;
                unsigned long ln;

                nl = strchr(line, '\n');
                *nl = '\0';
                at = strstr(line, "\"line\":");
                assert_non_null(at);
                ln = strtoul(at + 7, NULL, 10);
                assert_true(ln >= 1 && ln <= n);
                if (seen[ln]++)
                    fail_msg("line %lu is in the outputs twice", ln);
                total++;
                orun_check_record(line, ln, f == 0, e);
                delivered += f == 0;
            }
            free(text);
        }
    assert_int_equal(total, n);
    if (e) {
        assert_int_equal(ep_get(e, &e->processed), delivered);
        assert_int_equal(ep_get(e, &e->violations), 0);
    }
    free(seen);
}

/* The lines of a file, sorted, as one string (for comparing outputs written in another order). */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void assert_same_lines(const char *a, const char *b)
{
    char *text[2], **lines[2];
    size_t n[2];

    for (int k = 0; k < 2; k++) {
        size_t len, cap = 1024;
        char *line, *nl;

        text[k] = orun_slurp_n(k ? b : a, &len);
        lines[k] = malloc(cap * sizeof(char *));
        n[k] = 0;
        for (line = text[k]; *line; line = nl + 1) {
            nl = strchr(line, '\n');
            assert_non_null(nl);
            *nl = '\0';
            if (n[k] == cap)
                lines[k] = realloc(lines[k], (cap *= 2) * sizeof(char *));
            lines[k][n[k]++] = line;
        }
        qsort(lines[k], n[k], sizeof(char *), cmp_str);
    }
    assert_int_equal(n[0], n[1]);
    for (size_t i = 0; i < n[0]; i++)
        if (strcmp(lines[0][i], lines[1][i]) != 0)
            fail_msg("%s and %s differ:\n%s\n%s", a, b, lines[0][i], lines[1][i]);
    for (int k = 0; k < 2; k++) {
        free(lines[k]);
        free(text[k]);
    }
}

/* --- tests ---------------------------------------------------------------------------------- */

/* One worker, --until-drained: the same records as `trawl orders FILE` on the same lines. */
static void test_workers_one_worker_gives_what_a_local_run_gives(void **state)
{
    struct redisd d;
    struct proc p = {0};
    char in[160], lo[160], lr[160], out[160], rej[160], err[160];

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    redisd_start(&d);
    proc_init(&p);
    proc_path(&p, "batch.jsonl", in, sizeof(in));
    proc_path(&p, "local.jsonl", lo, sizeof(lo));
    proc_path(&p, "local.rejects", lr, sizeof(lr));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "out.rejects", rej, sizeof(rej));
    proc_path(&p, "stderr", err, sizeof(err));
    orun_write_batch(in, 3000, true);
    {
        const char *const local[] = {"orders", "-q", "-o", lo, "--rejects", lr, in, NULL};
        const char *const worker[] = {"orders", "-q", "--redis", d.url, "--stream", "s",
                                      "--worker-id", "w1", "--until-drained", "-o", out,
                                      "--rejects", rej, NULL};

        orun_expect_run(NULL, local, err, 0);
        enqueue(d.url, "s", in, err);
        orun_expect_run(NULL, worker, err, 0);
    }
    assert_same_lines(lo, out);
    assert_same_lines(lr, rej);
    {
        struct outputs o = {.limit = {-1, -1}};

        snprintf(o.results, sizeof(o.results), "%s", out);
        snprintf(o.rejects, sizeof(o.rejects), "%s", rej);
        check_outputs(&o, 1, 3000, NULL);
    }
    assert_int_equal(rq_int(d.url, "XLEN s:dead"), 0);
    {
        size_t len;

        free(orun_slurp_n(out, &len));
        assert_int_equal(committed(d.url, "s", "w1", "results"), (int64_t)len);
        free(orun_slurp_n(rej, &len));
        assert_int_equal(committed(d.url, "s", "w1", "rejects"), (int64_t)len);
    }
    proc_cleanup(&p);
    redisd_cleanup(&d);
}

#define KILL_LINES 20000

/* Start a worker delivering to url. */
static pid_t start_worker(const char *redis, const char *id, const char *url,
                          const struct outputs *o, const char *lease, const char *errpath)
{
    const char *const argv[] = {"orders", "--redis", redis, "--stream", "s", "--worker-id", id, "--until-drained", "--lease-ms", lease, "--endpoint", url,
                                "--concurrency", "16", "--max-retry-wait", "0.3", "-o",
                                o->results, "--rejects", o->rejects, NULL};

    return orun_spawn(NULL, argv, errpath);
}

static void expect_exit(pid_t pid, const char *errpath, int want)
{
    int code = orun_reap(pid, PROC_WATCHDOG_MS);

    if (code != want) {
        char *text = proc_slurp(errpath);

        fail_msg("trawl exited %d, expected %d: %s", code, want, text);
    }
}

/* kill -9 one worker after a random number of requests, restart it with its id: every line
 * exactly once, no key processed twice, no committed delivery sent again. */
static void test_workers_killed_worker_resumes_with_its_id(void **state)
{
    struct endpoint *e = endpoint_new();
    struct httpd *srv;
    struct redisd d;
    struct proc p = {0};
    struct outputs o = {.limit = {-1, -1}};
    char in[160], err[160], url[128];
    unsigned seed = getenv("TRAWL_TEST_SEED") ? (unsigned)strtoul(getenv("TRAWL_TEST_SEED"), NULL, 10)
                                              : (unsigned)time(NULL) ^ (unsigned)getpid();
    unsigned long target;
    int code;
    pid_t pid;

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    print_message("seed %u\n", seed);
    srand(seed);
    redisd_start(&d);
    assert_int_equal(httpd_start(0, endpoint, e, &srv), 0);
    httpd_url(srv, "/orders", url, sizeof(url));
    proc_init(&p);
    proc_path(&p, "batch.jsonl", in, sizeof(in));
    proc_path(&p, "out.jsonl", o.results, sizeof(o.results));
    proc_path(&p, "out.rejects", o.rejects, sizeof(o.rejects));
    proc_path(&p, "stderr", err, sizeof(err));
    orun_write_batch(in, KILL_LINES, true);
    enqueue(d.url, "s", in, err);
    target = 500 + (unsigned long)(rand() % 8000);
    pid = start_worker(d.url, "w1", url, &o, "30000", err);
    while (!orun_ended(pid, &code)) {
        if (ep_requests(e) >= target) {
            kill(pid, SIGKILL);
            code = orun_reap(pid, PROC_WATCHDOG_MS);
            break;
        }
        usleep(1000);
    }
    print_message("killed after %lu requests (exit %d)\n", ep_requests(e), code);
    orun_mark_committed(e, o.results, committed(d.url, "s", "w1", "results"));
    pid = start_worker(d.url, "w1", url, &o, "30000", err);
    expect_exit(pid, err, 0);
    check_outputs(&o, 1, KILL_LINES, e);
    assert_int_equal(rq_int(d.url, "XLEN s:dead"), 0);
    print_message("endpoint: %lu requests, %lu replays of a stored answer\n",
                  ep_get(e, &e->requests), ep_get(e, &e->replays));
    httpd_stop(srv);
    endpoint_free(e);
    proc_cleanup(&p);
    redisd_cleanup(&d);
}

/* Three workers, one killed with kill -9 and never restarted: the other two take its entries
 * over after --lease-ms; the killed one's outputs count up to the lengths it committed. */
static void test_workers_three_workers_one_killed_for_good(void **state)
{
    static const char *const ids[3] = {"w1", "w2", "w3"};
    struct endpoint *e = endpoint_new();
    struct httpd *srv;
    struct redisd d;
    struct proc p = {0};
    struct outputs o[3];
    char in[160], err[3][160], url[128], name[32];
    unsigned seed = getenv("TRAWL_TEST_SEED") ? (unsigned)strtoul(getenv("TRAWL_TEST_SEED"), NULL, 10)
                                              : (unsigned)time(NULL) ^ (unsigned)getpid();
    /* the size: 100,000 lines (TRAWL_TEST_LINES=N for another) */
    const unsigned lines = getenv("TRAWL_TEST_LINES")
                               ? (unsigned)strtoul(getenv("TRAWL_TEST_LINES"), NULL, 10)
                               : 100000;
    unsigned long target, taken = 0;
    size_t held;
    pid_t pid[3];
    int code;

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    print_message("seed %u\n", seed);
    srand(seed);
    redisd_start(&d);
    assert_int_equal(httpd_start(0, endpoint, e, &srv), 0);
    httpd_url(srv, "/orders", url, sizeof(url));
    proc_init(&p);
    proc_path(&p, "batch.jsonl", in, sizeof(in));
    /* no duplicate ids: each worker judges ids among the lines it gets (see the README) */
    orun_write_batch(in, lines, false);
    for (int i = 0; i < 3; i++) {
        o[i].limit[0] = o[i].limit[1] = -1;
        snprintf(name, sizeof(name), "%s.jsonl", ids[i]);
        proc_path(&p, name, o[i].results, sizeof(o[i].results));
        snprintf(name, sizeof(name), "%s.rejects", ids[i]);
        proc_path(&p, name, o[i].rejects, sizeof(o[i].rejects));
        snprintf(name, sizeof(name), "%s.stderr", ids[i]);
        proc_path(&p, name, err[i], sizeof(err[i]));
    }
    enqueue(d.url, "s", in, err[0]);
    for (int i = 0; i < 3; i++)
        pid[i] = start_worker(d.url, ids[i], url, &o[i], "5000", err[i]);
    target = 1000 + (unsigned long)(rand() % (lines / 3));
    while (!orun_ended(pid[1], &code)) {
        if (ep_requests(e) >= target) {
            kill(pid[1], SIGKILL);
            code = orun_reap(pid[1], PROC_WATCHDOG_MS);
            break;
        }
        usleep(1000);
    }
    print_message("w2 killed after %lu requests (exit %d)\n", ep_requests(e), code);
    {
        /* what w2 held (not yet idle past the lease, so nobody took it yet) */
        const char *const cmds[] = {"XPENDING s trawl - + 1000000 w2", NULL};
        struct redis_reply *r = rq(d.url, cmds);

        held = r->elements;
        redis_reply_free(r);
    }
    o[1].limit[0] = committed(d.url, "s", "w2", "results");
    o[1].limit[1] = committed(d.url, "s", "w2", "rejects");
    orun_mark_committed(e, o[1].results, o[1].limit[0]);
    expect_exit(pid[0], err[0], 0);
    expect_exit(pid[2], err[2], 0);
    check_outputs(o, 3, lines, e);
    assert_int_equal(rq_int(d.url, "XLEN s:dead"), 0);
    {
        const char *const cmds[] = {"XPENDING s trawl", NULL};
        struct redis_reply *r = rq(d.url, cmds);

        assert_int_equal(r->element[0]->integer, 0);
        redis_reply_free(r);
    }
    for (int i = 0; i < 3; i += 2) {
        char *text = proc_slurp(err[i]);

        const char *at = strstr(text, "from its own pending list, ");

        print_message("%s", text);  /* the summary: what it read, took over, acked */
        assert_non_null(at);
        taken += strtoul(at + strlen("from its own pending list, "), NULL, 10);
        free(text);
    }
    print_message("w2 held %zu entries, %lu were taken over\n", held, taken);
    assert_true(taken >= held);     /* all of them (and maybe some of the others' own) */
    print_message("endpoint: %lu requests, %lu replays of a stored answer\n",
                  ep_get(e, &e->requests), ep_get(e, &e->replays));
    httpd_stop(srv);
    endpoint_free(e);
    proc_cleanup(&p);
    redisd_cleanup(&d);
}

/* Redis killed with kill -9 and started again mid-run (its append-only file fsyncs every write):
 * the worker waits for it, reconnects and goes on; every line exactly once. */
static void test_workers_survive_a_redis_restart(void **state)
{
    struct endpoint *e = endpoint_new();
    struct httpd *srv;
    struct redisd d;
    struct proc p = {0};
    struct outputs o = {.limit = {-1, -1}};
    char in[160], err[160], url[128];
    unsigned long target = 3000;
    int code;
    pid_t pid;

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    redisd_start(&d);
    assert_int_equal(httpd_start(0, endpoint, e, &srv), 0);
    httpd_url(srv, "/orders", url, sizeof(url));
    proc_init(&p);
    proc_path(&p, "batch.jsonl", in, sizeof(in));
    proc_path(&p, "out.jsonl", o.results, sizeof(o.results));
    proc_path(&p, "out.rejects", o.rejects, sizeof(o.rejects));
    proc_path(&p, "stderr", err, sizeof(err));
    orun_write_batch(in, KILL_LINES, true);
    enqueue(d.url, "s", in, err);
    pid = start_worker(d.url, "w1", url, &o, "30000", err);
    while (!orun_ended(pid, &code)) {
        if (target && ep_requests(e) >= target) {
            redisd_kill(&d);
            redisd_restart(&d);
            target = 0;
        }
        usleep(1000);
    }
    if (code != 0) {
        char *text = proc_slurp(err);

        fail_msg("trawl exited %d: %s", code, text);
    }
    assert_int_equal(target, 0);        /* the restart came before the end */
    check_outputs(&o, 1, KILL_LINES, e);
    httpd_stop(srv);
    endpoint_free(e);
    proc_cleanup(&p);
    redisd_cleanup(&d);
}

/* The lines in the committed part of a worker's outputs (its hash's lengths). */
static unsigned committed_lines(const char *url, const struct outputs *o, const char *id)
{
    unsigned lines = 0;

    for (int f = 0; f < 2; f++) {
        int64_t len = committed(url, "s", id, f == 0 ? "results" : "rejects");
        size_t n;
        char *text = orun_slurp_n(f == 0 ? o->results : o->rejects, &n);

        for (int64_t i = 0; i < len && (size_t)i < n; i++)
            lines += text[i] == '\n';
        free(text);
    }
    return lines;
}

/* The record of line ln in path (a copy, the caller's), or NULL. */
static char *record_of(const char *path, unsigned ln)
{
    size_t n;
    char *text = orun_slurp_n(path, &n), *line, *nl, *out = NULL;

    for (line = text; !out && *line; line = nl + 1) {
        const char *at = strstr(line, "\"line\":");

        nl = strchr(line, '\n');
        assert_non_null(nl);
        *nl = '\0';
        if (at && strtoul(at + 7, NULL, 10) == ln)
            out = strdup(line);
    }
    free(text);
    return out;
}

#define ORDER_JSON(id) "{\"id\":\"" id "\",\"customer\":\"C-1\",\"priority\":\"standard\"," \
    "\"currency\":\"EUR\",\"items\":[{\"sku\":\"S-1\",\"qty\":2,\"unit_price\":\"3.50\"}]," \
    "\"created_at\":\"2026-11-21T10:00:00Z\"}"

/* An XREADGROUP run by Redis whose reply was lost with the connection (a Redis killed after
 * writing it to its append-only file, before answering; what made a clean-checkout run of the
 * restart test fail): its entries are in the worker's pending list, not in its pipeline. They
 * must be read from there before new entries, or a later line with the same order id is judged
 * first and wins. Simulated without timing: one MULTI adds line 2 (K-2), reads it as w1, kills
 * w1's connections and adds line 3 (K-2 again). Line 2 must be the result, line 3 the
 * duplicate (before the fix, line 3 was the result and line 2 came after the lease). */
static void test_workers_lost_read_reply_keeps_the_first_line(void **state)
{
    struct redisd d;
    struct proc p = {0};
    struct outputs o = {.limit = {-1, -1}};
    char err[160], *rec;
    const int64_t deadline = orun_now_ms() + PROC_WATCHDOG_MS;
    struct redis_reply *r;
    pid_t pid;

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    redisd_start(&d);
    proc_init(&p);
    proc_path(&p, "out.jsonl", o.results, sizeof(o.results));
    proc_path(&p, "out.rejects", o.rejects, sizeof(o.rejects));
    proc_path(&p, "stderr", err, sizeof(err));
    {
        const char *const cmds[] = {"XADD s * source b.jsonl line 1 data " ORDER_JSON("K-1"),
                                    NULL};

        redis_reply_free(rq(d.url, cmds));
    }
    {
        const char *const argv[] = {"orders", "--redis", d.url, "--stream", "s", "--worker-id",
                                    "w1", "--lease-ms", "1000", "-o", o.results, "--rejects",
                                    o.rejects, NULL};

        pid = orun_spawn(NULL, argv, err);
    }
    /* line 1 committed: the worker is past its own pending list, reading new entries */
    while (committed_lines(d.url, &o, "w1") < 1) {
        assert_true(orun_now_ms() < deadline);
        usleep(10000);
    }
    {
        const char *const cmds[] = {
            "MULTI",
            "XADD s * source b.jsonl line 2 data " ORDER_JSON("K-2"),
            "XREADGROUP GROUP trawl w1 COUNT 1 STREAMS s >",
            "CLIENT KILL TYPE normal SKIPME yes",
            "XADD s * source b.jsonl line 3 data " ORDER_JSON("K-2"),
            "EXEC",
            NULL};

        r = rq(d.url, cmds);
        assert_int_equal(r->type, REDIS_T_ARRAY);
        assert_int_equal(r->elements, 4);
        assert_int_equal(r->element[1]->type, REDIS_T_ARRAY);     /* line 2, read as w1 */
        assert_true(r->element[2]->integer >= 1);                 /* w1's connections */
        redis_reply_free(r);
    }
    while (committed_lines(d.url, &o, "w1") < 3) {
        assert_true(orun_now_ms() < deadline);
        usleep(10000);
    }
    kill(pid, SIGINT);
    expect_exit(pid, err, 130);
    if ((rec = record_of(o.results, 3)) != NULL) {
        char shown[512];

        snprintf(shown, sizeof(shown), "%s", rec);
        free(rec);
        fail_msg("line 3: a result, expected a duplicate reject (line 2 has K-2 first): %s",
                 shown);
    }
    rec = record_of(o.results, 2);
    assert_non_null(rec);
    free(rec);
    rec = record_of(o.rejects, 3);
    assert_non_null(rec);
    assert_non_null(strstr(rec, "\"class\":\"duplicate\""));
    free(rec);
    proc_cleanup(&p);
    redisd_cleanup(&d);
}

/* Ids that cannot be judged (here NAME:ids is not a hash, so the id script fails): the run
 * ends with exit 1 and records nothing, every entry left pending, rather than recording the
 * orders as rejects with their ids not taken (a later line with the id would then win). Run
 * again once the key is fixed, the worker does every line from its pending list. */
static void test_workers_ids_not_judged_are_not_recorded(void **state)
{
    struct redisd d;
    struct proc p = {0};
    struct outputs o = {.limit = {-1, -1}};
    char in[160], err[160], *text;
    const char *const argv[] = {"orders", "-q", "--redis", NULL, "--stream", "s", "--worker-id",
                                "w1", "--until-drained", "-o", o.results, "--rejects",
                                o.rejects, NULL};
    const char *args[sizeof(argv) / sizeof(argv[0])];
    size_t len;

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    redisd_start(&d);
    proc_init(&p);
    proc_path(&p, "batch.jsonl", in, sizeof(in));
    proc_path(&p, "out.jsonl", o.results, sizeof(o.results));
    proc_path(&p, "out.rejects", o.rejects, sizeof(o.rejects));
    proc_path(&p, "stderr", err, sizeof(err));
    memcpy(args, argv, sizeof(args));
    args[3] = d.url;
    orun_write_batch(in, 200, true);
    enqueue(d.url, "s", in, err);
    {
        const char *const cmds[] = {"SET s:ids not-a-hash", NULL};

        redis_reply_free(rq(d.url, cmds));
    }
    orun_expect_run(NULL, args, err, 1);
    text = proc_slurp(err);
    if (!strstr(text, "Redis refused the id script")) {
        print_error("%s", text);
        free(text);
        fail_msg("no word of the id script in its stderr");
    }
    free(text);
    free(orun_slurp_n(o.results, &len));
    assert_int_equal(len, 0);
    assert_int_equal(committed(d.url, "s", "w1", "results"), 0);
    {
        const char *const cmds[] = {"XPENDING s trawl", NULL};
        struct redis_reply *r = rq(d.url, cmds);

        assert_true(r->element[0]->integer > 0);    /* what was read stays pending */
        redis_reply_free(r);
    }
    assert_int_equal(rq_int(d.url, "DEL s:ids"), 1);
    orun_expect_run(NULL, args, err, 0);
    check_outputs(&o, 1, 200, NULL);
    proc_cleanup(&p);
    redisd_cleanup(&d);
}

/* An entry delivered more than --max-deliveries times (here: read by a consumer "ghost" and
 * claimed again and again, as a worker it kills each time would) is taken over, rejected as a
 * dead letter, copied to s:dead and acked; the others are processed. */
static void test_workers_dead_letter_after_max_deliveries(void **state)
{
    struct redisd d;
    struct proc p = {0};
    struct outputs o = {.limit = {-1, -1}};
    char in[160], err[160], *text;
    struct redis_reply *r;

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    redisd_start(&d);
    proc_init(&p);
    proc_path(&p, "batch.jsonl", in, sizeof(in));
    proc_path(&p, "out.jsonl", o.results, sizeof(o.results));
    proc_path(&p, "out.rejects", o.rejects, sizeof(o.rejects));
    proc_path(&p, "stderr", err, sizeof(err));
    orun_write_batch(in, 50, true);
    enqueue(d.url, "s", in, err);
    {
        const char *const cmds[] = {"XGROUP CREATE s trawl 0", "XREADGROUP GROUP trawl ghost COUNT 1 STREAMS s >",
                                    NULL};
        char id[64], claim[128];
        const char *const again[] = {claim, claim, claim, "XPENDING s trawl - + 10", NULL};

        r = rq(d.url, cmds);
        snprintf(id, sizeof(id), "%s", r->element[0]->element[1]->element[0]->element[0]->str);
        redis_reply_free(r);
        snprintf(claim, sizeof(claim), "XCLAIM s trawl ghost 0 %s", id);
        r = rq(d.url, again);
        assert_int_equal(r->elements, 1);
        assert_int_equal(r->element[0]->element[3]->integer, 4);  /* delivered 4 times */
        redis_reply_free(r);
    }
    {
        const char *const worker[] = {"orders", "-q", "--redis", d.url, "--stream", "s",
                                      "--worker-id", "w1", "--until-drained", "--lease-ms",
                                      "100", "--max-deliveries", "3", "-o", o.results,
                                      "--rejects", o.rejects, NULL};

        orun_expect_run(NULL, worker, err, 0);
    }
    text = proc_slurp(o.rejects);
    assert_non_null(strstr(text, "{\"source\":"));
    {
        const char *line = strstr(text, "dead letter: delivered 5 times");

        assert_non_null(line);
    }
    free(text);
    /* line 1 is the dead letter: a delivery reject, whatever the line held */
    {
        char *rej = proc_slurp(o.rejects), *at = strstr(rej, "\"line\":1,");

        assert_non_null(at);
        assert_true(strncmp(at + 9, "\"class\":\"delivery\"", 18) == 0);
        free(rej);
    }
    {
        size_t lines = 0;

        for (int f = 0; f < 2; f++) {
            char *t = proc_slurp(f ? o.rejects : o.results);

            for (const char *c = t; *c; c++)
                lines += *c == '\n';
            free(t);
        }
        assert_int_equal(lines, 50);    /* every line once, the dead letter among them */
    }
    assert_int_equal(rq_int(d.url, "XLEN s:dead"), 1);
    {
        const char *const cmds[] = {"XRANGE s:dead - +", NULL};
        const struct redis_reply *f;
        bool src = false, dlv = false;

        r = rq(d.url, cmds);
        f = r->element[0]->element[1];
        for (size_t i = 0; i + 1 < f->elements; i += 2) {
            src |= strcmp(f->element[i]->str, "source") == 0 && strcmp(f->element[i + 1]->str, in) == 0;
            dlv |= strcmp(f->element[i]->str, "deliveries") == 0 && strcmp(f->element[i + 1]->str, "5") == 0;
        }
        assert_true(src);
        assert_true(dlv);
        redis_reply_free(r);
    }
    {
        const char *const cmds[] = {"XPENDING s trawl", NULL};

        r = rq(d.url, cmds);
        assert_int_equal(r->element[0]->integer, 0);
        redis_reply_free(r);
    }
    proc_cleanup(&p);
    redisd_cleanup(&d);
}

/* An order whose delivery kills its worker every time (the test kills it with kill -9 when the
 * endpoint sees the order's key, and restarts it with its id): after --max-deliveries deliveries
 * the next run does not send it again but rejects it as a dead letter; every other line is done
 * exactly once. */
struct poison {
    pthread_mutex_t mu;
    unsigned seen;              /* requests for the poisoned key */
    unsigned long others;       /* other requests */
};

static void poison_endpoint(const struct httpd_request *req, struct httpd_response *resp,
                            void *arg)
{
    static const char ok[] = "{\"ok\":true}";
    struct poison *e = arg;
    char key[64] = "";

    (void)httpd_header(req, "Idempotency-Key", key, sizeof(key));
    pthread_mutex_lock(&e->mu);
    if (strcmp(key, "K-7") == 0) {
        e->seen++;
        resp->delay_ms = 60000;     /* never answered: the worker is killed first */
    } else {
        e->others++;
    }
    pthread_mutex_unlock(&e->mu);
    httpd_respond(resp, 201, "application/json", NULL, ok, sizeof(ok) - 1);
}

static unsigned poison_seen(struct poison *e)
{
    unsigned n;

    pthread_mutex_lock(&e->mu);
    n = e->seen;
    pthread_mutex_unlock(&e->mu);
    return n;
}

static void test_workers_order_that_kills_its_worker_becomes_a_dead_letter(void **state)
{
    struct poison e = {.seen = 0};
    struct httpd *srv;
    struct redisd d;
    struct proc p = {0};
    char in[160], out[160], rej[160], err[160], url[128], *text, *at;
    unsigned kills = 0;
    int code = -1;

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    pthread_mutex_init(&e.mu, NULL);
    redisd_start(&d);
    assert_int_equal(httpd_start(0, poison_endpoint, &e, &srv), 0);
    httpd_url(srv, "/orders", url, sizeof(url));
    proc_init(&p);
    proc_path(&p, "batch.jsonl", in, sizeof(in));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "out.rejects", rej, sizeof(rej));
    proc_path(&p, "stderr", err, sizeof(err));
    orun_write_batch(in, 300, true);         /* line 7 is the plain order K-7 */
    enqueue(d.url, "s", in, err);
    for (;;) {
        const char *const argv[] = {"orders", "-q", "--redis", d.url, "--stream", "s",
                                    "--worker-id", "w1", "--until-drained", "--max-deliveries",
                                    "2", "--endpoint", url, "--max-retry-wait", "0.3", "-o", out,
                                    "--rejects", rej, NULL};
        const unsigned before = poison_seen(&e);
        pid_t pid = orun_spawn(NULL, argv, err);

        while (!orun_ended(pid, &code)) {
            if (poison_seen(&e) > before) {
                kill(pid, SIGKILL);
                code = orun_reap(pid, PROC_WATCHDOG_MS);
                break;
            }
            usleep(1000);
        }
        if (code != 128 + SIGKILL)
            break;
        kills++;
        assert_true(kills <= 2);
    }
    if (code != 0) {
        text = proc_slurp(err);
        fail_msg("exit %d: %s", code, text);
    }
    assert_int_equal(kills, 2);
    assert_int_equal(poison_seen(&e), 2);   /* delivered twice, then never again */
    text = proc_slurp(rej);
    at = strstr(text, "\"line\":7,");
    assert_non_null(at);
    {
        static const char want[] = "\"class\":\"delivery\",\"error\":\"dead letter: delivered "
                                   "3 times";

        assert_true(strncmp(at + 9, want, sizeof(want) - 1) == 0);
    }
    free(text);
    assert_int_equal(rq_int(d.url, "XLEN s:dead"), 1);
    {
        /* every line once; line 7 a reject where a result was due */
        size_t lines = 0;
        char *t = proc_slurp(out);

        assert_null(strstr(t, "\"line\":7}"));
        for (const char *c = t; *c; c++)
            lines += *c == '\n';
        free(t);
        t = proc_slurp(rej);
        for (const char *c = t; *c; c++)
            lines += *c == '\n';
        free(t);
        assert_int_equal(lines, 300);
    }
    httpd_stop(srv);
    pthread_mutex_destroy(&e.mu);
    proc_cleanup(&p);
    redisd_cleanup(&d);
}

static void test_workers_refuse_bad_options(void **state)
{
    static const char *const cases[][12] = {
        {"orders", "--worker-id", "w", "-o", "OUT", NULL},
        {"orders", "--redis", "redis://127.0.0.1:1/0", "--stream", "s", "--worker-id", "w", NULL},
        {"orders", "--redis", "redis://127.0.0.1:1/0", "--stream", "s", "--worker-id", "w", "-o",
         "-", NULL},
        {"orders", "--redis", "redis://127.0.0.1:1/0", "--stream", "s", "--worker-id", "w", "-o",
         "OUT", "BATCH", NULL},
        {"orders", "--redis", "redis://127.0.0.1:1/0", "--stream", "s", "--worker-id", "w", "-o",
         "OUT", "--state", "DIR", NULL},
        {"orders", "--until-drained", "-o", "OUT", "BATCH", NULL},
        {"orders", "--redis", "redis://127.0.0.1:1/0", "--stream", "s", "--worker-id", "w", "-o",
         "OUT", "--max-deliveries", "0", NULL},
    };
    struct proc p = {0};
    char path[128], out[128], dir[128];
    FILE *f;

    (void)state;
    proc_init(&p);
    proc_path(&p, "batch.jsonl", path, sizeof(path));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "st", dir, sizeof(dir));
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("{}\n", f);
    fclose(f);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *argv[13];
        size_t n = 0;
        char *text;

        for (; n < 12 && cases[i][n]; n++)
            argv[n] = strcmp(cases[i][n], "BATCH") == 0 ? path
                      : strcmp(cases[i][n], "OUT") == 0 ? out
                      : strcmp(cases[i][n], "DIR") == 0 ? dir : cases[i][n];
        argv[n] = NULL;
        assert_int_equal(proc_run(&p, argv, PROC_WATCHDOG_MS), 2);
        text = proc_slurp(p.err);
        assert_non_null(strstr(text, "Try 'trawl orders --help'"));
        free(text);
    }
    proc_cleanup(&p);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_workers_one_worker_gives_what_a_local_run_gives),
        cmocka_unit_test(test_workers_killed_worker_resumes_with_its_id),
        cmocka_unit_test(test_workers_three_workers_one_killed_for_good),
        cmocka_unit_test(test_workers_survive_a_redis_restart),
        cmocka_unit_test(test_workers_lost_read_reply_keeps_the_first_line),
        cmocka_unit_test(test_workers_ids_not_judged_are_not_recorded),
        cmocka_unit_test(test_workers_dead_letter_after_max_deliveries),
        cmocka_unit_test(test_workers_order_that_kills_its_worker_becomes_a_dead_letter),
        cmocka_unit_test(test_workers_refuse_bad_options),
    };

    signal(SIGPIPE, SIG_IGN);
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
