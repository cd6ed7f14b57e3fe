/* tests/test_app_orders_state.c: `trawl orders --state DIR` and `--resume DIR` end to end:
 * kill -9 (and Ctrl-C) at random points over a 100,000-line batch delivered to a local
 * idempotent endpoint, resuming each time, then every line exactly once across results and
 * rejects with the outcome one uninterrupted run gives it, no committed delivery sent again, no
 * key processed twice; the stored options and paths on resume (from another directory), what
 * --resume refuses, and a Ctrl-C whose cut-off deliveries are sent again with the same key.
 *
 * Nothing here depends on timing: kills come after a random number of requests or a random
 * sleep, and every assertion holds wherever they land (a run that ends before its kill is just
 * a run that ended). Watchdogs only bound hangs. */
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

#include "app/state/statedb.h"
#include "tests/support/corotest.h"
#include "tests/support/orderrun.h"
#include "tests/support/proc.h"
#include "tools/httpd.h"



/* --- the batch ---------------------------------------------------------------------------------
 * Line i (1-based) is, by the first rule that matches: i % 97 broken JSON (parse), i % 89 a
 * quantity of 0 (invalid), i % 83 the id of an earlier plain line, far back (duplicate),
 * i % 211 an id the endpoint refuses (delivery), i % 101 an id it fails once (delivered after a
 * retry), else a plain order K-i (delivered). */
/* --- running trawl -------------------------------------------------------------------------- */


/* The committed length of an output of the state in dir (no trawl runs on it now). */
static int64_t committed_len(const char *dir, const char *name)
{
    struct statedb *s = NULL;
    char msg[256];
    int64_t len;
    int rc = statedb_open(dir, "orders", NULL, STATEDB_RESUME, msg, sizeof(msg), &s);

    if (rc == -ENOENT)
        return 0;   /* killed before the state existed */
    if (rc != 0)
        fail_msg("statedb_open: %d %s", rc, msg);
    len = statedb_output_len(s, name);
    statedb_close(s);
    return len;
}

/* Whether dir holds a state (a run killed before it made one left none). */
static bool have_state(const char *dir)
{
    char path[200];

    snprintf(path, sizeof(path), "%s/state.db", dir);
    return access(path, F_OK) == 0;
}



/* Every line 1..n exactly once across the two files, with the outcome the batch gives it; with an
 * endpoint e, each result delivered, its key processed exactly once there, and no other key. */
static void check_outputs(const char *results, const char *rejects, unsigned n,
                          struct endpoint *e, bool csv)
{
    unsigned char *seen = calloc(n + 1, 1);
    const char *const files[2] = {results, rejects};
    unsigned long delivered = 0, total = 0;
    size_t len, f;

    assert_non_null(seen);
    for (f = 0; f < 2; f++) {
        char *text = orun_slurp_n(files[f], &len), *line, *nl;
        bool header = csv && f == 0;

        assert_true(len == 0 || text[len - 1] == '\n');     /* whole lines only */
        for (line = text; *line; line = nl + 1) {
            const char *at;
            unsigned long ln;

            nl = strchr(line, '\n');
            *nl = '\0';
            if (header) {
                assert_true(strncmp(line, "id,customer,", 12) == 0);
                header = false;
                continue;
            }
            if (csv && f == 0) {        /* ...,source,line: the last field */
                at = strrchr(line, ',');
                assert_non_null(at);
                ln = strtoul(at + 1, NULL, 10);
            } else {
                at = strstr(line, "\"line\":");
                assert_non_null(at);
                ln = strtoul(at + 7, NULL, 10);
            }
            assert_true(ln >= 1 && ln <= n);
            if (seen[ln]++)
                fail_msg("line %lu is in the outputs twice", ln);
            total++;
            orun_check_record(line, ln, f == 0, e);
            delivered += f == 0;
            if (f == 1)
                assert_null(strstr(line, "interrupted"));
        }
        free(text);
    }
    assert_int_equal(total, n);
    /* nothing processed at the endpoint that is not a delivered result */
    if (e)
        assert_int_equal(ep_get(e, &e->processed), delivered);
    free(seen);
}

/* --- tests ---------------------------------------------------------------------------------- */

#define KILL_LINES 100000
#define MIN_STOPS 20

/* kill -9 at random points (and now and then Ctrl-C), resume each time, until a run ends by
 * itself: every line exactly once, the outcome one run gives it, no committed delivery sent
 * again, no key processed twice. */
static void test_orders_state_kill_and_resume_loses_and_doubles_nothing(void **state)
{
    struct endpoint *e = endpoint_new();
    struct httpd *srv;
    struct proc p = {0};
    char dir[160], in[160], out[160], rej[160], err[160], url[128];
    /* TRAWL_TEST_SEED=N repeats a run's choices (the machine's timing still differs) */
    unsigned seed = getenv("TRAWL_TEST_SEED") ? (unsigned)strtoul(getenv("TRAWL_TEST_SEED"), NULL, 10)
                                              : (unsigned)time(NULL) ^ (unsigned)getpid();
    int stops = 0, sigints = 0, early = 0, code;
    const int64_t t0 = orun_now_ms();
    bool done = false;

    (void)state;
    print_message("seed %u\n", seed);
    srand(seed);
    assert_int_equal(httpd_start(0, endpoint, e, &srv), 0);
    httpd_url(srv, "/orders", url, sizeof(url));
    proc_init(&p);
    proc_path(&p, "st", dir, sizeof(dir));
    proc_path(&p, "batch.jsonl", in, sizeof(in));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "out.jsonl.rejects.jsonl", rej, sizeof(rej));
    proc_path(&p, "stderr", err, sizeof(err));
    orun_write_batch(in, KILL_LINES, true);

    while (!done) {
        const char *const first[] = {"orders", "-q", "--state", dir, "--endpoint", url,
                                     "--concurrency", "32", "--grace", "0.2",
                                     "--max-retry-wait", "0.3", "-o", out, in, NULL};
        const char *const again[] = {"orders", "-q", "--resume", dir, NULL};
        const bool more = stops < MIN_STOPS;
        const int mode = rand() % 6;     /* 0: at once, 1-2: after a random time, 3-5: requests */
        const unsigned long target = ep_requests(e) + 300 + (unsigned long)(rand() % 4000);
        const int64_t at = orun_now_ms() + (mode == 0 ? rand() % 60 : rand() % 700);
        const int sig = stops % 7 == 6 ? SIGINT : SIGKILL;
        pid_t pid = orun_spawn(NULL, have_state(dir) ? again : first, err);

        /* the stop comes after a random number of requests or a random time */
        for (;;) {
            if (orun_ended(pid, &code))
                break;
            if (more && (mode >= 3 ? ep_requests(e) >= target : orun_now_ms() >= at)) {
                kill(pid, sig);
                code = orun_reap(pid, PROC_WATCHDOG_MS);
                break;
            }
            if (orun_now_ms() - t0 > 170000)
                fail_msg("the kill loop ran past its watchdog (%d stops)", stops);
            usleep(1000);
        }
        if (code == 0) {
            done = true;
        } else if (code == 128 + SIGKILL || code == 130) {
            stops++;
            sigints += sig == SIGINT;
            early += mode == 0;     /* while starting: state, id set, skipping committed lines */
        } else {
            char *text = proc_slurp(err);

            fail_msg("trawl exited %d: %s", code, text);
        }
        /* what the state committed is never sent again */
        orun_mark_committed(e, out, committed_len(dir, "results"));
    }
    print_message("%d stops (%d Ctrl-C, %d within 60 ms of the start), %lu requests, %lu "
                  "replays, %.1f s\n", stops, sigints, early, ep_get(e, &e->requests),
                  ep_get(e, &e->replays), (double)(orun_now_ms() - t0) / 1000.0);
    assert_true(stops >= MIN_STOPS);
    check_outputs(out, rej, KILL_LINES, e, false);
    assert_int_equal(ep_get(e, &e->violations), 0);
    /* a finished run resumed says so and does nothing */
    {
        const char *const again[] = {"orders", "--resume", dir, NULL};
        char *text;

        orun_expect_run(NULL, again, err, 0);
        text = proc_slurp(err);
        assert_non_null(strstr(text, "has finished: nothing to resume"));
        free(text);
    }
    httpd_stop(srv);
    endpoint_free(e);
    proc_cleanup(&p);
}

/* Options, paths and format stay those the run started with: relative paths from the directory
 * it started in (the resume runs elsewhere), CSV results with one header, the tax rate. */
static void test_orders_state_resume_keeps_options_and_paths(void **state)
{
    struct proc p = {0};
    char dir[160], sub[160], other[160], err[160], out[160], rej[160], sum[160], *text;
    const unsigned n = 20000;
    int code, tries = 0;

    (void)state;
    proc_init(&p);
    proc_path(&p, "work", sub, sizeof(sub));
    proc_path(&p, "elsewhere", other, sizeof(other));
    proc_path(&p, "work/st", dir, sizeof(dir));
    proc_path(&p, "stderr", err, sizeof(err));
    proc_path(&p, "work/out.csv", out, sizeof(out));
    proc_path(&p, "work/rej.jsonl", rej, sizeof(rej));
    proc_path(&p, "elsewhere/summary.json", sum, sizeof(sum));
    assert_int_equal(mkdir(sub, 0755), 0);
    assert_int_equal(mkdir(other, 0755), 0);
    {
        char in[160];

        proc_path(&p, "work/batch.jsonl", in, sizeof(in));
        orun_write_batch(in, n, true);
    }
    /* started with relative paths, from work/; resumed from elsewhere/ by an absolute DIR, with
     * a summary there; killed at random points the first times */
    do {
        const char *const first[] = {"orders", "-q", "--state", "st", "--tax-rate", "19",
                                     "--rejects", "rej.jsonl", "-o", "out.csv", "batch.jsonl",
                                     NULL};
        const char *const again[] = {"orders", "--resume", dir, "--summary", "summary.json",
                                     "--workers", "validate=1", NULL};
        const bool resume = have_state(dir);
        pid_t pid = orun_spawn(resume ? other : sub, resume ? again : first, err);

        if (tries++ < 4) {
            usleep((useconds_t)(rand() % 400000));
            kill(pid, SIGKILL);
        }
        code = orun_reap(pid, PROC_WATCHDOG_MS);
        assert_true(code == 0 || code == 128 + SIGKILL);
    } while (code != 0 || !have_state(dir));
    if (access(sum, F_OK) < 0) {    /* the first run ended before its kill: resume it once */
        const char *const again[] = {"orders", "--resume", dir, "--summary", "summary.json",
                                     NULL};

        orun_expect_run(other, again, err, 0);
    }
    check_outputs(out, rej, n, NULL, true);
    text = proc_slurp(out);
    /* 2 x 3.50 = 7.00, 19% tax: 1.33; every result was priced with it */
    assert_null(strstr(text, ",7.00,0.00,8."));
    assert_non_null(strstr(text, ",7.00,1.33,8.33,priced,"));
    free(text);
    if (access(sum, F_OK) == 0) {   /* absent when the first run finished: nothing resumed */
        text = proc_slurp(sum);
        assert_non_null(strstr(text, "\"state\":{\"dir\":"));
        assert_non_null(strstr(text, "\"finished\":true"));
        free(text);
    }
    proc_cleanup(&p);
}

/* What --resume refuses, and what --state refuses, each with a sentence. */
static void test_orders_state_refusals(void **state)
{
    struct proc p = {0};
    char dir[160], in[160], out[160], err[160], empty[160], *text;
    static const struct {
        const char *argv[10];   /* DIR, IN, OUT as "@D", "@I", "@O" */
        int code;
        const char *says;
    } cases[] = {
        {{"orders", "--resume", "@D", "--tax-rate", "5"}, 2,
         "--tax-rate cannot be given with --resume"},
        {{"orders", "--resume", "@D", "-o", "x.jsonl"}, 2, "--output cannot be given"},
        {{"orders", "--resume", "@D", "--endpoint", "http://127.0.0.1:1/"}, 2,
         "--endpoint cannot be given"},
        {{"orders", "--resume", "@D", "@I"}, 2, "cannot be given with --resume"},
        {{"orders", "--resume", "@D", "--state", "@D"}, 2, "one of --state and --resume"},
        {{"orders", "--state", "@D", "-o", "@O", "@I"}, 1, "already holds a state"},
        {{"orders", "--state", "@E/new", "-o", "-", "--rejects", "r.jsonl", "@I"}, 2,
         "--state needs -o and --rejects to be files"},
        {{"orders", "--state", "@E/new", "-o", "@O", "-"}, 2, "stdin cannot be read again"},
        {{"orders", "--resume", "@E"}, 1, "holds no state to resume"},
    };
    size_t i, k;

    (void)state;
    proc_init(&p);
    proc_path(&p, "st", dir, sizeof(dir));
    proc_path(&p, "batch.jsonl", in, sizeof(in));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "stderr", err, sizeof(err));
    proc_path(&p, "empty", empty, sizeof(empty));
    assert_int_equal(mkdir(empty, 0755), 0);
    orun_write_batch(in, 300, true);
    {
        const char *const argv[] = {"orders", "-q", "--state", dir, "-o", out, in, NULL};

        orun_expect_run(NULL, argv, err, 0);
    }
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *argv[10] = {NULL};
        char buf[10][200];

        for (k = 0; cases[i].argv[k]; k++) {
            const char *a = cases[i].argv[k];

            if (a[0] == '@') {
                const char *base = a[1] == 'D' ? dir : a[1] == 'I' ? in : a[1] == 'O' ? out
                                                                                 : empty;

                snprintf(buf[k], sizeof(buf[k]), "%s%s", base, a + 2);
                a = buf[k];
            }
            argv[k] = a;
        }
        {
            int code = orun_run(NULL, argv, err);

            text = proc_slurp(err);
            if (code != cases[i].code || !strstr(text, cases[i].says))
                fail_msg("case %zu: exit %d, stderr: %s", i, code, text);
            free(text);
        }
    }
    proc_cleanup(&p);
}

/* Ctrl-C while deliveries are slow: those cut off after the grace are not rejected but left for
 * the resume, which sends them again with the same Idempotency-Key (the endpoint replays). */
static void test_orders_state_ctrl_c_leaves_cut_off_deliveries_for_resume(void **state)
{
    struct endpoint *e = endpoint_new();
    struct httpd *srv;
    struct proc p = {0};
    char dir[160], in[160], out[160], rej[160], err[160], url[128], *text;
    const unsigned n = 3000;
    int code;

    (void)state;
    ep_set_delay(e, 300);
    assert_int_equal(httpd_start(0, endpoint, e, &srv), 0);
    httpd_url(srv, "/orders", url, sizeof(url));
    proc_init(&p);
    proc_path(&p, "st", dir, sizeof(dir));
    proc_path(&p, "batch.jsonl", in, sizeof(in));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "out.jsonl.rejects.jsonl", rej, sizeof(rej));
    proc_path(&p, "stderr", err, sizeof(err));
    orun_write_batch(in, n, true);
    {
        const char *const argv[] = {"orders", "--state", dir, "--endpoint", url,
                                    "--concurrency", "8", "--grace", "0", "--max-retry-wait",
                                    "0.3", "-o", out, in, NULL};
        pid_t pid = orun_spawn(NULL, argv, err);
        int64_t deadline = orun_now_ms() + PROC_WATCHDOG_MS;

        while (ep_requests(e) < 20 && orun_now_ms() < deadline)
            usleep(2000);
        /* a second run on the same DIR meanwhile is refused (DIR/lock) */
        {
            const char *const again[] = {"orders", "--resume", dir, NULL};
            char err2[200], *text2;

            snprintf(err2, sizeof(err2), "%s.2", err);
            orun_expect_run(NULL, again, err2, 1);
            text2 = proc_slurp(err2);
            assert_non_null(strstr(text2, "is in use by another trawl run"));
            free(text2);
        }
        kill(pid, SIGINT);
        code = orun_reap(pid, PROC_WATCHDOG_MS);
    }
    text = proc_slurp(err);
    if (code != 130) {
        print_error("%s\n", text);
        fail_msg("exit %d", code);
    }
    /* 8 requests were in flight for 300 ms: the grace of 0 cut them off */
    assert_non_null(strstr(text, "deliveries cut off, left for the resume"));
    assert_non_null(strstr(text, "resume with: trawl orders --resume "));
    free(text);
    orun_mark_committed(e, out, committed_len(dir, "results"));
    {
        const char *const argv[] = {"orders", "-q", "--resume", dir, "--concurrency", "64",
                                    NULL};

        ep_set_delay(e, 0);
        orun_expect_run(NULL, argv, err, 0);
    }
    check_outputs(out, rej, n, e, false);
    assert_int_equal(ep_get(e, &e->violations), 0);
    assert_true(ep_get(e, &e->replays) > 0);    /* the cut-off ones, sent again with their key */
    httpd_stop(srv);
    endpoint_free(e);
    proc_cleanup(&p);
}

/* A batch that changed since the run started is refused on resume. */
static void test_orders_state_changed_batch_is_refused(void **state)
{
    struct proc p = {0};
    char dir[160], in[160], out[160], err[160], *text;
    FILE *f;

    (void)state;
    proc_init(&p);
    proc_path(&p, "st", dir, sizeof(dir));
    proc_path(&p, "batch.jsonl", in, sizeof(in));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "stderr", err, sizeof(err));
    orun_write_batch(in, 50000, true);
    {
        const char *const argv[] = {"orders", "-q", "--state", dir, "-o", out, in, NULL};
        pid_t pid = orun_spawn(NULL, argv, err);
        bool gone = false;
        int code;

        /* the outputs are opened once the batches are recorded in the state */
        while (access(out, F_OK) < 0 && !(gone = orun_ended(pid, &code)))
            usleep(1000);
        if (!gone) {
            kill(pid, SIGKILL);
            (void)orun_reap(pid, PROC_WATCHDOG_MS);
        }
    }
    f = fopen(in, "a");
    assert_non_null(f);
    fputs("{\"id\":\"late\"}\n", f);
    fclose(f);
    {
        const char *const argv[] = {"orders", "--resume", dir, NULL};
        int code = orun_run(NULL, argv, err);

        text = proc_slurp(err);
        if (code == 0 && strstr(text, "has finished")) {
            free(text);
            skip();     /* it ended before its kill: a finished run is not looked at again */
        }
        if (code != 1) {
            print_error("%s\n", text);
            fail_msg("exit %d", code);
        }
    }
    assert_non_null(strstr(text, "changed since the run started"));
    free(text);
    proc_cleanup(&p);
}

/* A CSV batch (orders of 1-3 rows, some broken, some reusing ids) and a JSONL one, killed at
 * random points and resumed until done: the outputs hold exactly the lines one uninterrupted
 * run without --state writes (sorted, since records come out in a different order). */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of the two files, sorted, as one NUL-separated list in *text (freed by caller). */
static char **sorted_lines(const char *a, const char *b, size_t *n, char **text)
{
    size_t la, lb, cap = 0, i;
    char *ta = orun_slurp_n(a, &la), *tb = orun_slurp_n(b, &lb), **lines, *line, *nl;

    *text = malloc(la + lb + 1);
    assert_non_null(*text);
    memcpy(*text, ta, la);
    memcpy(*text + la, tb, lb);
    (*text)[la + lb] = '\0';
    free(ta);
    free(tb);
    for (i = 0; i < la + lb; i++)
        cap += (*text)[i] == '\n';
    lines = calloc(cap + 1, sizeof(*lines));
    assert_non_null(lines);
    *n = 0;
    for (line = *text; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        assert_non_null(nl);
        *nl = '\0';
        lines[(*n)++] = line;
    }
    qsort(lines, *n, sizeof(*lines), cmp_str);
    return lines;
}

static void test_orders_state_resumed_outputs_equal_one_run(void **state)
{
    struct proc p = {0};
    char dir[160], csv[160], jsonl[160], out[160], rej[160], ref[160], refrej[160], err[160];
    char *ta, *tb, **la, **lb;
    int code, kills = 0;
    size_t na, nb, i;
    FILE *f;

    (void)state;
    proc_init(&p);
    proc_path(&p, "st", dir, sizeof(dir));
    proc_path(&p, "a.csv", csv, sizeof(csv));
    proc_path(&p, "b.jsonl", jsonl, sizeof(jsonl));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "rej.jsonl", rej, sizeof(rej));
    proc_path(&p, "ref.jsonl", ref, sizeof(ref));
    proc_path(&p, "ref.rejects.jsonl", refrej, sizeof(refrej));
    proc_path(&p, "stderr", err, sizeof(err));
    f = fopen(csv, "w");
    assert_non_null(f);
    fputs("id,customer,priority,currency,created_at,sku,qty,unit_price\n", f);
    for (i = 1; i <= 6000; i++) {
        size_t rows = 1 + i % 3, r;
        unsigned id = i % 41 == 0 ? (unsigned)(i / 3) : (unsigned)i;   /* some ids reused */

        for (r = 0; r < rows; r++)
            fprintf(f, "O-%u,C-%zu,%s,EUR,2026-11-21T10:00:00Z,S-%zu,%s,%zu.25\n", id, i % 5,
                    i % 2 ? "bulk" : "express", r, i % 37 == 0 && r == rows - 1 ? "x" : "3", r);
    }
    fclose(f);
    orun_write_batch(jsonl, 30000, true);
    {
        const char *const argv[] = {"orders", "-q", "--tax-rate", "7.25", "--rejects", refrej,
                                    "-o", ref, csv, jsonl, NULL};

        orun_expect_run(NULL, argv, err, 0);
    }
    do {
        const char *const first[] = {"orders", "-q", "--state", dir, "--tax-rate", "7.25",
                                     "--rejects", rej, "-o", out, csv, jsonl, NULL};
        const char *const again[] = {"orders", "-q", "--resume", dir, NULL};
        pid_t pid = orun_spawn(NULL, have_state(dir) ? again : first, err);

        if (kills < 8) {
            usleep((useconds_t)(rand() % 500000));
            kill(pid, kills % 4 == 3 ? SIGINT : SIGKILL);
            kills++;
        }
        code = orun_reap(pid, PROC_WATCHDOG_MS);
        if (code != 0 && code != 130 && code != 128 + SIGKILL) {
            char *text = proc_slurp(err);

            print_error("%s\n", text);
            free(text);
            fail_msg("exit %d", code);
        }
    } while (code != 0 || !have_state(dir));
    la = sorted_lines(ref, refrej, &na, &ta);
    lb = sorted_lines(out, rej, &nb, &tb);
    assert_int_equal(na, nb);
    for (i = 0; i < na; i++)
        if (strcmp(la[i], lb[i]) != 0)
            fail_msg("one run and the resumed ones differ:\n  %s\n  %s", la[i], lb[i]);
    free(la);
    free(lb);
    free(ta);
    free(tb);
    proc_cleanup(&p);
}

/* A commit that fails (the state's files may not grow past 256 KiB: EFBIG, as a full disk
 * would) stops the run with a sentence and exit 1; the state stays resumable, and the resume,
 * without the limit, finishes with every line committed once. */
static void test_orders_state_failed_commit_stops_the_run_resumably(void **state)
{
    struct proc p = {0};
    char dir[160], in[160], err[160], sum[160], *text;
    const unsigned n = 100000;
    unsigned long long results = 0, rejects = 0;
    const char *at;
    int code;

    (void)state;
    proc_init(&p);
    proc_path(&p, "st", dir, sizeof(dir));
    proc_path(&p, "batch.jsonl", in, sizeof(in));
    proc_path(&p, "stderr", err, sizeof(err));
    proc_path(&p, "summary.json", sum, sizeof(sum));
    orun_write_batch(in, n, true);
    {
        /* outputs to /dev/null (not regular files: nothing to cut or limit): only the state
         * grows, by 8 bytes of id-set key per order, 800 KB in all */
        const char *const argv[] = {"orders", "--state", dir, "--rejects", "/dev/null", "-o",
                                    "/dev/null", in, NULL};

        code = orun_reap(orun_spawn_limited(NULL, argv, err, 256 * 1024), PROC_WATCHDOG_MS);
    }
    text = proc_slurp(err);
    if (code != 1 || !strstr(text, "cannot commit the state in") ||
        !strstr(text, "it stays resumable from its last commit")) {
        print_error("%s\n", text);
        fail_msg("exit %d", code);
    }
    free(text);
    {
        const char *const argv[] = {"orders", "--resume", dir, "--summary", sum, NULL};

        orun_expect_run(NULL, argv, err, 0);
    }
    text = proc_slurp(sum);
    at = strstr(text, "\"total_results\":");
    assert_non_null(at);
    assert_int_equal(sscanf(at, "\"total_results\":%llu,\"total_rejects\":%llu", &results,
                            &rejects), 2);
    assert_int_equal(results + rejects, n);
    assert_non_null(strstr(text, "\"finished\":true"));
    free(text);
    proc_cleanup(&p);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orders_state_kill_and_resume_loses_and_doubles_nothing),
        cmocka_unit_test(test_orders_state_resume_keeps_options_and_paths),
        cmocka_unit_test(test_orders_state_refusals),
        cmocka_unit_test(test_orders_state_ctrl_c_leaves_cut_off_deliveries_for_resume),
        cmocka_unit_test(test_orders_state_changed_batch_is_refused),
        cmocka_unit_test(test_orders_state_resumed_outputs_equal_one_run),
        cmocka_unit_test(test_orders_state_failed_commit_stops_the_run_resumably),
    };

    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
