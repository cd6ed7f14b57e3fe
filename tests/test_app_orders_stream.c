/* tests/test_app_orders_stream.c: trawl orders --enqueue into a real redis-server's stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "redis/client.h"
#include "tests/support/corotest.h"
#include "tests/support/proc.h"
#include "tests/support/redisd.h"

#define NLINES 600   /* more than two pipelined batches */

struct check {
    const char *url;
    const char *path;
};

/* The value of field name in a stream entry's field list, or NULL. */
static const char *field(const struct redis_reply *fields, const char *name)
{
    for (size_t i = 0; i + 1 < fields->elements; i += 2)
        if (strcmp(fields->element[i]->str, name) == 0)
            return fields->element[i + 1]->str;
    return NULL;
}

static int check_body(struct core_coro *co, void *arg)
{
    const struct check *k = arg;
    struct redis_opts o;
    struct redis_client *c;
    struct redis_reply *r;
    char want[32];

    redis_opts_init(&o);
    assert_int_equal(redis_client_create(core_coro_loop(co), k->url, &o, &c), 0);
    assert_int_equal(redis_client_cmdf(co, c, &r, "XLEN orders"), 0);
    assert_int_equal(r->type, REDIS_T_INTEGER);
    assert_int_equal(r->integer, NLINES);
    redis_reply_free(r);
    assert_int_equal(redis_client_cmdf(co, c, &r, "XRANGE orders - +"), 0);
    assert_int_equal(r->elements, NLINES);
    for (size_t i = 0; i < r->elements; i++) {
        const struct redis_reply *fields = r->element[i]->element[1];
        const char *data = field(fields, "data");

        assert_string_equal(field(fields, "source"), k->path);
        snprintf(want, sizeof(want), "%zu", i + 1);
        assert_string_equal(field(fields, "line"), want);
        assert_non_null(data);
        if (i == 1) {
            assert_string_equal(data, "");              /* a blank line is an entry too */
        } else if (i == 2) {
            assert_string_equal(data, "{\"id\":\"crlf\"}"); /* CR LF removed */
        } else {
            snprintf(want, sizeof(want), "{\"id\":\"o%zu\"}", i + 1);
            assert_string_equal(data, want);
        }
        assert_null(field(fields, "too_long"));
    }
    redis_reply_free(r);
    redis_client_destroy(c);
    return 0;
}

static void test_stream_redis_enqueue_appends_every_line_with_source_and_number(void **state)
{
    struct redisd d;
    struct proc p = {0};
    struct check k;
    char path[128], *out;
    FILE *f;

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    redisd_start(&d);
    proc_init(&p);
    proc_path(&p, "batch.jsonl", path, sizeof(path));
    f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 1; i <= NLINES; i++) {
        if (i == 2)
            fputs("\n", f);
        else if (i == 3)
            fputs("{\"id\":\"crlf\"}\r\n", f);
        else if (i == NLINES)
            fprintf(f, "{\"id\":\"o%d\"}", i); /* the last line has no LF */
        else
            fprintf(f, "{\"id\":\"o%d\"}\n", i);
    }
    fclose(f);
    {
        const char *argv[] = {"orders", "--redis", d.url, "--stream", "orders", "--enqueue", path,
                              NULL};

        assert_int_equal(proc_run(&p, argv, PROC_WATCHDOG_MS), 0);
    }
    out = proc_slurp(p.out);
    assert_string_equal(out, "600 entries added to stream orders\n");
    free(out);
    k.url = d.url;
    k.path = path;
    assert_int_equal(corotest_run(check_body, &k, COROTEST_WATCHDOG_MS), 0);
    proc_cleanup(&p);
    redisd_cleanup(&d);
}

static void test_stream_redis_enqueue_refuses_bad_options(void **state)
{
    static const char *const cases[][8] = {
        {"orders", "--stream", "s", "--enqueue", "BATCH", NULL},
        {"orders", "--redis", "redis://127.0.0.1:1/0", "--enqueue", "BATCH", NULL},
        {"orders", "--redis", "redis://127.0.0.1:1/0", "--stream", "s", "BATCH", NULL},
        {"orders", "--redis", "http://127.0.0.1:1/0", "--stream", "s", "--enqueue", "BATCH", NULL},
        {"orders", "--redis", "redis://127.0.0.1:1/0", "--stream", "s", "--enqueue", NULL},
        {"orders", "--redis", "redis://127.0.0.1:1/0", "--stream", "s", "--enqueue", "-o", "x"},
    };
    struct proc p = {0};
    char path[128];
    FILE *f;

    (void)state;
    proc_init(&p);
    proc_path(&p, "batch.jsonl", path, sizeof(path));
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("{}\n", f);
    fclose(f);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *argv[10];
        size_t n = 0;
        char *err;

        for (; n < 8 && cases[i][n]; n++)
            argv[n] = strcmp(cases[i][n], "BATCH") == 0 ? path : cases[i][n];
        if (n == 8)
            argv[n++] = path;
        argv[n] = NULL;
        assert_int_equal(proc_run(&p, argv, PROC_WATCHDOG_MS), 2);
        err = proc_slurp(p.err);
        print_message("%s", err);
        assert_non_null(strstr(err, "Try 'trawl orders --help'"));
        if (i == 3)
            assert_non_null(strstr(err, "does not start with redis://"));
        free(err);
    }
    proc_cleanup(&p);
}

static void test_stream_redis_enqueue_fails_when_redis_stays_unreachable(void **state)
{
    struct proc p = {0};
    char path[128], *err, *out;
    FILE *f;

    (void)state;
    proc_init(&p);
    proc_path(&p, "batch.jsonl", path, sizeof(path));
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("{}\n", f);
    fclose(f);
    {
        /* nothing listens on port 1 */
        const char *argv[] = {"orders", "--redis", "redis://127.0.0.1:1/0", "--redis-timeout",
                              "0.3", "--stream", "s", "--enqueue", path, NULL};

        assert_int_equal(proc_run(&p, argv, PROC_WATCHDOG_MS), 1);
    }
    err = proc_slurp(p.err);
    out = proc_slurp(p.out);
    assert_non_null(strstr(err, "server unreachable past the outage timeout"));
    assert_string_equal(out, "0 entries added to stream s\n");
    free(err);
    free(out);
    proc_cleanup(&p);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_redis_enqueue_appends_every_line_with_source_and_number),
        cmocka_unit_test(test_stream_redis_enqueue_refuses_bad_options),
        cmocka_unit_test(test_stream_redis_enqueue_fails_when_redis_stays_unreachable),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
