/* tests/test_app_cli.c: the helpers every command shares (see app/cli.h): exit codes, usage
 * errors on stderr, whole-number and seconds parsing with their bounds, list files (comments,
 * blank lines, trimming, line numbers, CRLF, stdin, errors) and cli_run (the body as a
 * coroutine, the stop watcher during it, UV_THREADPOOL_SIZE).
 *
 * Some tests point stdin or stderr at a temporary file for a moment and restore them, and the
 * cli_run tests set UV_THREADPOOL_SIZE in this process: each test sets what it relies on first,
 * so they pass alone (as ctest runs them) or all in one process. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "app/cli.h"
#include "core/loop.h"
#include "core/sigwatch.h"
#include "tests/support/corotest.h"

/* --- temporary files --------------------------------------------------------------------- */

/* Write len bytes to a new temporary file; its path goes to path (at least 64 bytes). */
static void write_temp(char *path, const char *data, size_t len)
{
    int fd;

    snprintf(path, 64, "/tmp/trawl-test-cli-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

/* The whole of a (small) file as a NUL-terminated string in buf. */
static void read_all(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n;

    assert_non_null(f);
    n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* --- exit codes and usage errors --------------------------------------------------------- */

static void test_cli_exit_codes(void **state)
{
    (void)state;
    /* the documented contract with shells and scripts */
    assert_int_equal(CLI_EXIT_OK, 0);
    assert_int_equal(CLI_EXIT_FATAL, 1);
    assert_int_equal(CLI_EXIT_USAGE, 2);
    assert_int_equal(CLI_EXIT_INTERRUPTED, 130);
}

/* Call cli_usage_error with stderr pointed at a temporary file; the text goes to out. */
static int usage_error_captured(char *out, size_t cap, const char *cmd, const char *arg)
{
    char path[64];
    int saved, fd, rc;

    write_temp(path, "", 0);
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    fflush(stderr);
    saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    rc = cli_usage_error(cmd, "--depth must be a number, not '%s'", arg);
    fflush(stderr);
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    close(fd);
    read_all(path, out, cap);
    unlink(path);
    return rc;
}

static void test_cli_usage_error_prints_two_lines_and_returns_2(void **state)
{
    char text[256];

    (void)state;
    assert_int_equal(usage_error_captured(text, sizeof(text), "crawl", "x"), CLI_EXIT_USAGE);
    assert_string_equal(text, "trawl crawl: --depth must be a number, not 'x'\n"
                              "Try 'trawl crawl --help'.\n");
}

static void test_cli_usage_error_without_command(void **state)
{
    char text[256];

    (void)state;
    assert_int_equal(usage_error_captured(text, sizeof(text), NULL, "-1"), 2);
    assert_string_equal(text, "trawl: --depth must be a number, not '-1'\n"
                              "Try 'trawl --help'.\n");
}

/* --- numbers ----------------------------------------------------------------------------- */

struct u64_case {
    const char *s;
    uint64_t min, max;
    bool ok;
    uint64_t want;
};

static void test_cli_parse_u64_table(void **state)
{
    static const struct u64_case cases[] = {
        {"0", 0, 10, true, 0},
        {"7", 0, 10, true, 7},
        {"10", 0, 10, true, 10},                   /* max is inclusive */
        {"11", 0, 10, false},
        {"1", 1, 10, true, 1},                     /* min is inclusive */
        {"0", 1, 10, false},
        {"5", 5, 5, true, 5},
        {"007", 0, 10, true, 7},                   /* decimal, not octal */
        {"4294967296", 0, UINT64_MAX, true, 4294967296u},
        {"18446744073709551615", 0, UINT64_MAX, true, UINT64_MAX},
        {"18446744073709551616", 0, UINT64_MAX, false},     /* overflow */
        {"99999999999999999999999", 0, UINT64_MAX, false},
        {"", 0, 10, false},
        {"-1", 0, UINT64_MAX, false},              /* strtoull would wrap this */
        {"-0", 0, 10, false},
        {"+1", 0, 10, false},                      /* no sign */
        {" 1", 0, 10, false},                      /* no surrounding spaces */
        {"1 ", 0, 10, false},
        {"\t1", 0, 10, false},
        {"1\n", 0, 10, false},
        {"1x", 0, 10, false},
        {"x1", 0, 10, false},
        {"0x10", 0, 100, false},                   /* no hex */
        {"1.0", 0, 10, false},
        {"1e3", 0, 10000, false},
        {"1,000", 0, 10000, false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct u64_case *c = &cases[i];
        uint64_t out = 12345;   /* written only on success */
        bool ok = cli_parse_u64(c->s, c->min, c->max, &out);

        if (ok != c->ok)
            fail_msg("'%s' in [%llu, %llu]: %s, want %s", c->s, (unsigned long long)c->min,
                     (unsigned long long)c->max, ok ? "accepted" : "refused",
                     c->ok ? "accepted" : "refused");
        if (out != (c->ok ? c->want : 12345))
            fail_msg("'%s': out %llu", c->s, (unsigned long long)out);
    }
}

static void test_cli_parse_u64_null(void **state)
{
    uint64_t out = 3;

    (void)state;
    assert_false(cli_parse_u64(NULL, 0, 10, &out));
    assert_int_equal(out, 3);
}

struct seconds_case {
    const char *s;
    int64_t max_ms;
    bool ok;
    int64_t want_ms;
};

static void test_cli_parse_seconds_table(void **state)
{
    static const struct seconds_case cases[] = {
        {"0", 1000, true, 0},
        {"1", 1000, true, 1000},
        {"2.5", 10000, true, 2500},
        {".5", 10000, true, 500},
        {"1.", 10000, true, 1000},
        {"0.001", 10000, true, 1},
        {"0.25", 10000, true, 250},
        {"1.2346", 10000, true, 1235},             /* to the nearest millisecond */
        {"0.0004", 10000, true, 0},
        {"0.0006", 10000, true, 1},
        {"007.5", 10000, true, 7500},
        {"86400", 86400000, true, 86400000},       /* max is inclusive */
        {"86400.001", 86400000, false},
        {"86401", 86400000, false},
        {"1.5", 1000, false},
        {"0", 0, true, 0},
        {"0.001", 0, false},
        {"-1", 10000, false},                      /* negative */
        {"-0", 10000, false},
        {"-0.5", 10000, false},
        {"+1", 10000, false},
        {"", 10000, false},
        {".", 10000, false},
        {" 1", 10000, false},
        {"1 ", 10000, false},
        {"1s", 10000, false},
        {"abc", 10000, false},
        {"1,5", 10000, false},
        {"1.5.2", 10000, false},
        {"inf", INT64_MAX, false},
        {"nan", INT64_MAX, false},
        {"1e999", INT64_MAX, false},               /* out of double range */
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct seconds_case *c = &cases[i];
        int64_t out = -7;   /* written only on success */
        bool ok = cli_parse_seconds(c->s, c->max_ms, &out);

        if (ok != c->ok)
            fail_msg("'%s' with max %lld ms: %s, want %s", c->s, (long long)c->max_ms,
                     ok ? "accepted" : "refused", c->ok ? "accepted" : "refused");
        if (out != (c->ok ? c->want_ms : -7))
            fail_msg("'%s': %lld ms", c->s, (long long)out);
    }
}

static void test_cli_parse_seconds_null(void **state)
{
    int64_t out = -7;

    (void)state;
    assert_false(cli_parse_seconds(NULL, 1000, &out));
    assert_int_equal(out, -7);
}

static void test_cli_parse_seconds_stays_in_range_near_int64_max(void **state)
{
    /* numbers of milliseconds around 2^63, where a double can no longer tell INT64_MAX from
     * 2^63: whatever is accepted must lie in [0, max_ms] */
    static const char *const huge[] = {
        "9223372036854775", "9223372036854775.807", "9223372036854775.808",
        "9223372036854776", "9223372036854777", "9.3e15", "1e16",
    };
    static const int64_t maxes[] = {INT64_MAX, INT64_MAX - 1500, 9223372036854774784};
    size_t i, j;

    (void)state;
    for (j = 0; j < sizeof(maxes) / sizeof(maxes[0]); j++) {
        for (i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
            int64_t out = -7;

            if (cli_parse_seconds(huge[i], maxes[j], &out) && (out < 0 || out > maxes[j]))
                fail_msg("'%s' with max %lld ms: accepted as %lld ms", huge[i],
                         (long long)maxes[j], (long long)out);
        }
    }
    {
        int64_t out = -7;

        /* still accepted where it fits */
        assert_true(cli_parse_seconds("9000000000000000", INT64_MAX, &out));
        assert_true(out == INT64_C(9000000000000000000));
    }
}

/* --- list files -------------------------------------------------------------------------- */

struct entries {
    char text[16][64];
    size_t lineno[16];
    size_t n;
    size_t longest;
};

static void on_entry(const char *entry, size_t lineno, void *arg)
{
    struct entries *e = arg;
    size_t len = strlen(entry);

    if (len > e->longest)
        e->longest = len;
    if (e->n < 16) {
        snprintf(e->text[e->n], sizeof(e->text[0]), "%s", entry);
        e->lineno[e->n] = lineno;
    }
    e->n++;
}

static void expect_entry(const struct entries *e, size_t i, const char *text, size_t lineno)
{
    assert_true(i < e->n);
    assert_string_equal(e->text[i], text);
    assert_int_equal(e->lineno[i], lineno);
}

static const char LIST[] =
    "# seeds for the test\n"           /* 1: comment */
    "\n"                               /* 2: blank */
    "http://a.test/\n"                 /* 3 */
    "   http://b.test/   \n"           /* 4: trimmed */
    "\thttp://c.test/\r\n"             /* 5: CRLF and a tab */
    "  # indented comment\n"           /* 6 */
    " \t \r\n"                         /* 7: only whitespace */
    "two words#not a comment\n"        /* 8: inner space and '#' kept */
    "#\n"                              /* 9 */
    "last";                            /* 10: no final newline */

static void expect_list(const struct entries *e)
{
    assert_int_equal(e->n, 5);
    expect_entry(e, 0, "http://a.test/", 3);
    expect_entry(e, 1, "http://b.test/", 4);
    expect_entry(e, 2, "http://c.test/", 5);
    expect_entry(e, 3, "two words#not a comment", 8);
    expect_entry(e, 4, "last", 10);
}

static void test_cli_read_list_entries_and_line_numbers(void **state)
{
    struct entries e = {0};
    char path[64];

    (void)state;
    write_temp(path, LIST, strlen(LIST));
    assert_int_equal(cli_read_list(path, on_entry, &e), 0);
    unlink(path);
    expect_list(&e);
}

static void test_cli_read_list_empty_and_comment_only(void **state)
{
    static const char *const bodies[] = {"", "\n\n\n", "# a\n#b\n   #c\r\n", "   \t\n"};
    char path[64];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct entries e = {0};

        write_temp(path, bodies[i], strlen(bodies[i]));
        assert_int_equal(cli_read_list(path, on_entry, &e), 0);
        unlink(path);
        assert_int_equal(e.n, 0);
    }
}

static void test_cli_read_list_long_line(void **state)
{
    const size_t len = 200000;   /* far past any fixed line buffer */
    char *body = malloc(len + 3);
    struct entries e = {0};
    char path[64];

    (void)state;
    assert_non_null(body);
    memset(body, 'u', len + 3);
    body[0] = ' ';
    body[len + 1] = '\n';
    body[len + 2] = 'z';
    write_temp(path, body, len + 3);
    free(body);
    assert_int_equal(cli_read_list(path, on_entry, &e), 0);
    unlink(path);
    assert_int_equal(e.n, 2);
    assert_int_equal(e.longest, len);   /* the leading space trimmed, the rest whole */
    expect_entry(&e, 1, "z", 2);
}

static void test_cli_read_list_missing_file(void **state)
{
    struct entries e = {0};

    (void)state;
    assert_int_equal(cli_read_list("/nonexistent/trawl/list.txt", on_entry, &e), -ENOENT);
    assert_int_equal(e.n, 0);
}

static void test_cli_read_list_directory_is_an_error(void **state)
{
    struct entries e = {0};

    (void)state;
    assert_true(cli_read_list("/tmp", on_entry, &e) < 0);
    assert_int_equal(e.n, 0);
}

static void test_cli_read_list_dash_reads_stdin(void **state)
{
    struct entries e = {0};
    char path[64];
    int saved, fd;

    (void)state;
    write_temp(path, LIST, strlen(LIST));
    fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    saved = dup(STDIN_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    clearerr(stdin);
    assert_int_equal(cli_read_list("-", on_entry, &e), 0);
    /* stdin is borrowed, not closed */
    assert_true(fcntl(STDIN_FILENO, F_GETFD) >= 0);
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
    clearerr(stdin);
    unlink(path);
    expect_list(&e);
}

/* --- cli_run ----------------------------------------------------------------------------- */

struct run_state {
    struct core_sigwatch *stop;
    bool ran;
    bool had_stop;
    bool had_loop;
    int body_rc;              /* what the body returns */
    int wait_rc;
    int setup_rc;             /* raise() or starting a timer, checked after the run */
    enum core_stop_level level;
    int signum;
    const char *pool_size;    /* UV_THREADPOOL_SIZE as the body saw it */
    bool timer_fired;
    uv_timer_t timer;
};

static int plain_body(struct core_coro *co, void *arg)
{
    struct run_state *r = arg;

    r->ran = true;
    r->had_stop = r->stop != NULL && r->stop != (struct core_sigwatch *)0x1;
    r->had_loop = core_coro_loop(co) != NULL;
    if (r->had_stop)
        r->level = core_sigwatch_level(r->stop);
    r->pool_size = getenv("UV_THREADPOOL_SIZE");
    /* a wait proves this is a coroutine that the loop resumes */
    r->wait_rc = core_sleep(co, core_deadline_in(1));
    return r->body_rc;
}

static void test_cli_run_runs_body_with_stop_watcher(void **state)
{
    struct run_state r = {0};

    (void)state;
    r.stop = (struct core_sigwatch *)0x1;   /* overwritten before the body runs */
    assert_int_equal(cli_run(plain_body, &r, &r.stop), 0);
    assert_true(r.ran);
    assert_true(r.had_loop);
    assert_true(r.had_stop);
    assert_int_equal(r.level, CORE_STOP_NONE);
    assert_int_equal(r.wait_rc, 0);
    assert_null(r.stop);
}

static void test_cli_run_keeps_body_result_out_of_its_own(void **state)
{
    struct run_state r = {0};

    (void)state;
    r.body_rc = -EIO;   /* the body's failure is the caller's to report */
    assert_int_equal(cli_run(plain_body, &r, &r.stop), 0);
    assert_true(r.ran);
    assert_null(r.stop);
}

static int signal_body(struct core_coro *co, void *arg)
{
    struct run_state *r = arg;

    r->ran = true;
    /* were SIGTERM not watched, this would end the test program */
    r->setup_rc = raise(SIGTERM);
    r->wait_rc = core_sigwatch_wait(co, r->stop, core_deadline_in(20000));
    r->level = core_sigwatch_level(r->stop);
    r->signum = core_sigwatch_signum(r->stop);
    return 0;
}

static void test_cli_run_watches_sigterm(void **state)
{
    struct run_state r = {0};

    (void)state;
    assert_int_equal(cli_run(signal_body, &r, &r.stop), 0);
    assert_true(r.ran);
    assert_int_equal(r.setup_rc, 0);
    assert_int_equal(r.wait_rc, 0);
    assert_int_equal(r.level, CORE_STOP_GRACEFUL);
    assert_int_equal(r.signum, SIGTERM);
    assert_null(r.stop);
}

static void on_timer_closed(uv_handle_t *h)
{
    (void)h;
}

static void on_late_timer(uv_timer_t *t)
{
    struct run_state *r = t->data;

    r->timer_fired = true;
    uv_close((uv_handle_t *)t, on_timer_closed);
}

static int timer_body(struct core_coro *co, void *arg)
{
    struct run_state *r = arg;

    r->ran = true;
    /* work the body leaves behind on the loop: cli_run runs until it is done */
    r->setup_rc = uv_timer_init(core_loop_uv(core_coro_loop(co)), &r->timer);
    r->timer.data = r;
    if (r->setup_rc == 0)
        r->setup_rc = uv_timer_start(&r->timer, on_late_timer, 5, 0);
    return 0;
}

static void test_cli_run_runs_until_loop_is_empty(void **state)
{
    struct run_state r = {0};

    (void)state;
    assert_int_equal(cli_run(timer_body, &r, &r.stop), 0);
    assert_true(r.ran);
    assert_int_equal(r.setup_rc, 0);
    assert_true(r.timer_fired);
}

static int stuck_body(struct core_coro *co, void *arg)
{
    struct run_state *r = arg;

    r->ran = true;
    /* the watcher does not keep the loop alive, so nothing can end this wait */
    r->wait_rc = core_sigwatch_wait(co, r->stop, -1);
    return r->wait_rc;
}

static void test_cli_run_reports_deadlock_and_cleans_up(void **state)
{
    struct run_state r = {0};

    (void)state;
    assert_int_equal(cli_run(stuck_body, &r, &r.stop), CORE_EDEADLK);
    assert_true(r.ran);
    assert_int_equal(r.wait_rc, -ECANCELED);   /* cancelled by the group's destruction */
    assert_null(r.stop);
}

static void test_cli_run_sets_pool_size_when_unset(void **state)
{
    struct run_state r = {0};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    char want[24];

    (void)state;
    snprintf(want, sizeof(want), "%ld", cpus > 1 ? cpus : 2);
    assert_int_equal(unsetenv("UV_THREADPOOL_SIZE"), 0);
    assert_int_equal(cli_run(plain_body, &r, &r.stop), 0);
    /* set before the body (and so before anything could start libuv's pool) */
    assert_non_null(r.pool_size);
    assert_string_equal(r.pool_size, want);
    assert_non_null(getenv("UV_THREADPOOL_SIZE"));
    assert_string_equal(getenv("UV_THREADPOOL_SIZE"), want);
}

static void test_cli_run_respects_pool_size_when_set(void **state)
{
    static const char *const values[] = {"3", "1", "128"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        struct run_state r = {0};

        assert_int_equal(setenv("UV_THREADPOOL_SIZE", values[i], 1), 0);
        assert_int_equal(cli_run(plain_body, &r, &r.stop), 0);
        assert_non_null(r.pool_size);
        assert_string_equal(r.pool_size, values[i]);
        assert_string_equal(getenv("UV_THREADPOOL_SIZE"), values[i]);
    }
    assert_int_equal(unsetenv("UV_THREADPOOL_SIZE"), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_exit_codes),
        cmocka_unit_test(test_cli_usage_error_prints_two_lines_and_returns_2),
        cmocka_unit_test(test_cli_usage_error_without_command),
        cmocka_unit_test(test_cli_parse_u64_table),
        cmocka_unit_test(test_cli_parse_u64_null),
        cmocka_unit_test(test_cli_parse_seconds_table),
        cmocka_unit_test(test_cli_parse_seconds_null),
        cmocka_unit_test(test_cli_parse_seconds_stays_in_range_near_int64_max),
        cmocka_unit_test(test_cli_read_list_entries_and_line_numbers),
        cmocka_unit_test(test_cli_read_list_empty_and_comment_only),
        cmocka_unit_test(test_cli_read_list_long_line),
        cmocka_unit_test(test_cli_read_list_missing_file),
        cmocka_unit_test(test_cli_read_list_directory_is_an_error),
        cmocka_unit_test(test_cli_read_list_dash_reads_stdin),
        cmocka_unit_test(test_cli_run_runs_body_with_stop_watcher),
        cmocka_unit_test(test_cli_run_keeps_body_result_out_of_its_own),
        cmocka_unit_test(test_cli_run_watches_sigterm),
        cmocka_unit_test(test_cli_run_runs_until_loop_is_empty),
        cmocka_unit_test(test_cli_run_reports_deadlock_and_cleans_up),
        cmocka_unit_test(test_cli_run_sets_pool_size_when_unset),
        cmocka_unit_test(test_cli_run_respects_pool_size_when_set),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
