/* tests/test_app_status_cmd.c: the trawl status binary on a crawl in a real redis-server
 * (tests/support/redisd.h), made here through app/crawl/redisfront.h: text, --json (parsed
 * with jsmn in strict mode), and its exit codes. */
#include <jsmn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "app/crawl/redisfront.h"
#include "core/coro.h"
#include "redis/client.h"
#include "tests/support/corotest.h"
#include "tests/support/proc.h"
#include "tests/support/redisd.h"

static struct redisfront_url url_of(const char *s, uint64_t fp)
{
    const char *slash = strchr(strstr(s, "://") + 3, '/');

    return (struct redisfront_url){.url = s, .len = strlen(s),
                                   .origin_len = (size_t)(slash - s), .fp = fp};
}

/* Crawl "st": 4 URLs on 2 hosts, 2 leased by w1, 1 of them committed (done). */
static int seed_body(struct core_coro *co, void *arg)
{
    const struct redisd *d = arg;
    const struct redisfront_url u[] = {url_of("http://a.test/1", 1), url_of("http://a.test/2", 2),
                                       url_of("http://a.test/3", 3), url_of("http://b.test/1", 4)};
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_opts o;
    struct redisfront_lease l;
    struct redisfront_done done;
    struct redis_opts ro;
    bool ok = false;

    redis_opts_init(&ro);
    redisfront_opts_init(&o);
    o.per_host = 0;
    assert_int_equal(redis_client_create(core_coro_loop(co), d->url, &ro, &c), 0);
    assert_int_equal(redisfront_create(c, "st", &rf), 0);
    assert_int_equal(redisfront_create_crawl(co, rf, &o, NULL), 0);
    assert_int_equal(redisfront_add(co, rf, u, 4, NULL, NULL, NULL), 0);
    assert_int_equal(redisfront_lease(co, rf, "w1", 2, &l), 0);
    assert_int_equal(l.njobs, 2);
    done = redisfront_done_of(&l.jobs[0]);
    assert_int_equal(redisfront_complete(co, rf, "w1", &done, 1, NULL, 0, &ok, NULL), 0);
    assert_true(ok);
    redisfront_lease_free(&l);
    redisfront_destroy(rf);
    redis_client_destroy(c);
    return 0;
}

/* The index of the token after token i's subtree. */
static int tok_skip(const jsmntok_t *t, int i)
{
    int n = t[i].size;

    i++;
    while (n-- > 0)
        i = tok_skip(t, i);
    return i;
}

/* The value token of key in the object at token obj, or -1. */
static int member(const char *js, const jsmntok_t *t, int obj, const char *key)
{
    int i = obj + 1;

    assert_int_equal(t[obj].type, JSMN_OBJECT);
    for (int k = 0; k < t[obj].size; k++) {
        if ((size_t)(t[i].end - t[i].start) == strlen(key) &&
            memcmp(js + t[i].start, key, strlen(key)) == 0)
            return i + 1;
        i = tok_skip(t, i + 1);
    }
    return -1;
}

static long long number(const char *js, const jsmntok_t *t, int obj, const char *key)
{
    int v = member(js, t, obj, key);

    assert_true(v > 0);
    assert_int_equal(t[v].type, JSMN_PRIMITIVE);
    return strtoll(js + t[v].start, NULL, 10);
}

static void json_string_is(const char *js, const jsmntok_t *t, int obj, const char *key,
                          const char *want)
{
    int v = member(js, t, obj, key);

    assert_true(v > 0);
    assert_int_equal(t[v].type, JSMN_STRING);
    assert_int_equal(t[v].end - t[v].start, (int)strlen(want));
    assert_memory_equal(js + t[v].start, want, strlen(want));
}

static void test_status_cmd_shows_a_crawl_as_text_and_as_json(void **state)
{
    struct redisd d;
    struct proc p;
    char *out;

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    redisd_start(&d);
    assert_int_equal(corotest_run(seed_body, &d, COROTEST_WATCHDOG_MS), 0);
    {
        const char *argv[] = {"status", "--redis", d.url, "--crawl", "st", NULL};

        memset(&p, 0, sizeof(p));
        assert_int_equal(proc_run(&p, argv, PROC_WATCHDOG_MS), 0);
    }
    out = proc_slurp(p.out);
    print_message("%s", out);
    assert_non_null(strstr(out, "crawl st\n"));
    assert_non_null(strstr(out, "  queued         2\n"));
    assert_non_null(strstr(out, "  in flight      1\n"));
    assert_non_null(strstr(out, "  done           1\n"));
    assert_non_null(strstr(out, "  failed         0\n"));
    assert_non_null(strstr(out, "  dead-lettered  0\n"));
    assert_non_null(strstr(out, "  known URLs     4\n"));
    assert_non_null(strstr(out, "workers: 1\n"));
    assert_non_null(strstr(out, "  w1 "));
    assert_non_null(strstr(out, "busiest hosts: 2\n"));
    assert_non_null(strstr(out, "  http://a.test\n"));
    free(out);
    proc_cleanup(&p);
    {
        const char *argv[] = {"status", "--redis", d.url, "--crawl", "st", "--json", "--top", "1",
                              NULL};
        jsmn_parser jp;
        jsmntok_t t[128];
        size_t len;
        int n, w, h;

        memset(&p, 0, sizeof(p));
        assert_int_equal(proc_run(&p, argv, PROC_WATCHDOG_MS), 0);
        out = proc_slurp(p.out);
        print_message("%s", out);
        len = strlen(out);
        assert_true(len > 2);
        assert_int_equal(out[len - 1], '\n');
        jsmn_init(&jp);
        n = jsmn_parse(&jp, out, len - 1, t, 128);
        assert_true(n > 0);
        assert_int_equal(tok_skip(t, 0), n);   /* one object, every token in it */
        json_string_is(out, t, 0, "crawl", "st");
        assert_int_equal(number(out, t, 0, "queued"), 2);
        assert_int_equal(number(out, t, 0, "in_flight"), 1);
        assert_int_equal(number(out, t, 0, "done"), 1);
        assert_int_equal(number(out, t, 0, "failed"), 0);
        assert_int_equal(number(out, t, 0, "dead"), 0);
        assert_int_equal(number(out, t, 0, "requeued"), 0);
        assert_int_equal(number(out, t, 0, "known"), 4);
        assert_true(number(out, t, 0, "now_ms") > 0);
        w = member(out, t, 0, "workers");
        assert_true(w > 0);
        assert_int_equal(t[w].type, JSMN_ARRAY);
        assert_int_equal(t[w].size, 1);
        json_string_is(out, t, w + 1, "id", "w1");
        assert_int_equal(number(out, t, w + 1, "done"), 1);
        assert_true(member(out, t, w + 1, "pages_per_s") > 0);
        assert_true(number(out, t, w + 1, "idle_ms") >= 0);
        h = member(out, t, 0, "hosts");
        assert_true(h > 0);
        assert_int_equal(t[h].type, JSMN_ARRAY);
        assert_int_equal(t[h].size, 1);
        json_string_is(out, t, h + 1, "origin", "http://a.test");
        assert_int_equal(number(out, t, h + 1, "queued") + number(out, t, h + 1, "in_flight"), 2);
        free(out);
        proc_cleanup(&p);
    }
    redisd_cleanup(&d);
}

static void test_status_cmd_of_a_missing_crawl_exits_2(void **state)
{
    struct redisd d;
    struct proc p;
    const char *argv[4][8] = {
        {"status", "--redis", NULL, "--crawl", "nope", NULL},
        {"status", "--redis", NULL, NULL},
        {"status", "--redis", NULL, "--crawl", "st", "--top", "x", NULL},
        {"status", "--redis", "http://x", "--crawl", "st", NULL},
    };
    const char *want[4] = {"there is no crawl 'nope' in Redis at", "--redis and --crawl",
                           "--top", "--redis 'http://x'"};
    char *err;

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    redisd_start(&d);
    for (int i = 0; i < 4; i++) {
        if (!argv[i][2])
            argv[i][2] = d.url;
        memset(&p, 0, sizeof(p));
        assert_int_equal(proc_run(&p, argv[i], PROC_WATCHDOG_MS), 2);
        err = proc_slurp(p.err);
        print_message("%s", err);
        assert_non_null(strstr(err, want[i]));
        assert_true(strncmp(err, "trawl status: ", 14) == 0);
        free(err);
        proc_cleanup(&p);
    }
    redisd_cleanup(&d);
}

static void test_status_cmd_with_redis_unreachable_exits_1_naming_the_cause(void **state)
{
    struct redisd d;
    struct proc p;
    char *err, *out;

    (void)state;
    REDISD_SKIP_UNLESS_AVAILABLE();
    redisd_start(&d);
    redisd_stop(&d);    /* its port, closed */
    {
        const char *argv[] = {"status", "--redis", d.url, "--crawl", "st", "--redis-timeout",
                              "0.2", NULL};

        memset(&p, 0, sizeof(p));
        assert_int_equal(proc_run(&p, argv, PROC_WATCHDOG_MS), 1);
    }
    err = proc_slurp(p.err);
    out = proc_slurp(p.out);
    print_message("%s", err);
    assert_string_equal(out, "");
    assert_true(strncmp(err, "trawl status: Redis at ", 23) == 0);
    assert_non_null(strstr(err, "is unreachable: "));
    assert_non_null(strstr(err, "refused"));
    assert_int_equal(strchr(err, '\n') - err + 1, (long)strlen(err));   /* one line */
    free(err);
    free(out);
    proc_cleanup(&p);
    redisd_cleanup(&d);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_cmd_shows_a_crawl_as_text_and_as_json),
        cmocka_unit_test(test_status_cmd_of_a_missing_crawl_exits_2),
        cmocka_unit_test(test_status_cmd_with_redis_unreachable_exits_1_naming_the_cause),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
