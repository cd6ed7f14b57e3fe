/* tests/test_redis_client.c: the Redis client against a real redis-server (tests/support/redisd.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <uv.h>
#include <cmocka.h>

#include "core/group.h"
#include "core/loop.h"
#include "core/mem.h"
#include "redis/client.h"
#include "tests/support/corotest.h"
#include "tests/support/proc.h"
#include "tests/support/redisd.h"

#define POLL_MS 5

struct fx {
    struct redisd d;
    struct redis_opts opts;
    struct redis_client *c;
};

static void fx_start(struct fx *f)
{
    REDISD_SKIP_UNLESS_AVAILABLE();
    memset(f, 0, sizeof(*f));
    redisd_start(&f->d);
    redis_opts_init(&f->opts);
}

static void run(struct fx *f, core_coro_fn *body)
{
    assert_int_equal(corotest_run(body, f, COROTEST_WATCHDOG_MS), 0);
    redisd_cleanup(&f->d);
}

static struct redis_client *client(struct core_coro *co, struct fx *f)
{
    assert_int_equal(redis_client_create(core_coro_loop(co), f->d.url, &f->opts, &f->c), 0);
    return f->c;
}

/* SET key val: the reply must be +OK. */
static void set(struct core_coro *co, struct redis_client *c, const char *key, const char *val)
{
    struct redis_reply *r;

    assert_int_equal(redis_client_cmdf(co, c, &r, "SET %s %s", key, val), 0);
    assert_int_equal(r->type, REDIS_T_STATUS);
    assert_string_equal(r->str, "OK");
    redis_reply_free(r);
}

/* GET key must give val. */
static void get_is(struct core_coro *co, struct redis_client *c, const char *key, const char *val)
{
    struct redis_reply *r;

    assert_int_equal(redis_client_cmdf(co, c, &r, "GET %s", key), 0);
    assert_int_equal(r->type, REDIS_T_STRING);
    assert_string_equal(r->str, val);
    redis_reply_free(r);
}

/* Wait, a few ms at a time and a bounded number of times, until the client has seen its
 * connection go (the server's end was closed while nothing was sent). */
static void wait_disconnected(struct core_coro *co, struct redis_client *c)
{
    for (int i = 0; redis_client_is_connected(c); i++) {
        assert_true(i < PROC_WATCHDOG_MS / POLL_MS);
        assert_int_equal(core_sleep(co, core_deadline_in(POLL_MS)), 0);
    }
}

/* --- round trips ---------------------------------------------------------------------------- */

static int set_get_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c = client(co, f);
    const char *argv[] = {"SET", "bin", "a\0b"};
    const size_t lens[] = {3, 3, 3};
    const struct redis_cmd cmd = {3, argv, lens};
    struct redis_reply *r;

    set(co, c, "k", "hello world");
    get_is(co, c, "k", "hello world");
    assert_true(redis_client_is_connected(c));
    /* binary values keep their NULs */
    assert_int_equal(redis_client_cmd(co, c, &cmd, &r), 0);
    redis_reply_free(r);
    assert_int_equal(redis_client_cmdf(co, c, &r, "GET %s", "bin"), 0);
    assert_int_equal(r->type, REDIS_T_STRING);
    assert_int_equal(r->len, 3);
    assert_memory_equal(r->str, "a\0b", 3);
    redis_reply_free(r);
    /* a missing key, an error reply */
    assert_int_equal(redis_client_cmdf(co, c, &r, "GET %s", "missing"), 0);
    assert_int_equal(r->type, REDIS_T_NIL);
    redis_reply_free(r);
    assert_int_equal(redis_client_cmdf(co, c, &r, "NOSUCHCOMMAND"), 0);
    assert_int_equal(r->type, REDIS_T_ERROR);
    assert_non_null(strstr(r->str, "unknown command"));
    redis_reply_free(r);
    assert_int_equal(redis_client_connects(c), 1);
    redis_client_destroy(c);
    return 0;
}

static void test_client_set_get_round_trip(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, set_get_body);
}

static int select_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redis_reply *r;
    char url[96];

    /* DB 3 of the URL is selected: the key is not in DB 0 */
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/3", f->d.port);
    assert_int_equal(redis_client_create(core_coro_loop(co), url, &f->opts, &c), 0);
    set(co, c, "in3", "x");
    assert_int_equal(redis_client_cmdf(co, c, &r, "SELECT 0"), 0); /* ours: on this connection */
    redis_reply_free(r);
    assert_int_equal(redis_client_cmdf(co, c, &r, "EXISTS in3"), 0);
    assert_int_equal(r->integer, 0);
    redis_reply_free(r);
    redis_client_destroy(c);
    return 0;
}

static int bad_db_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redis_reply *r = NULL;
    char url[96];

    /* the server has 16 databases: SELECT 99 fails, each connection is dropped and the calls
     * fail past the outage timeout, saying why */
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/99", f->d.port);
    f->opts.outage_timeout_ms = 300;
    assert_int_equal(redis_client_create(core_coro_loop(co), url, &f->opts, &c), 0);
    for (int i = 0; !strstr(redis_client_last_error(c), "SELECT 99"); i++) {
        assert_true(i < PROC_WATCHDOG_MS / POLL_MS);
        assert_int_equal(core_sleep(co, core_deadline_in(POLL_MS)), 0);
    }
    print_message("last error: %s\n", redis_client_last_error(c));
    assert_non_null(strstr(redis_client_last_error(c), "DB index is out of range"));
    assert_int_equal(redis_client_cmdf(co, c, &r, "PING"), CORE_EOUTAGE);
    assert_null(r);
    assert_int_equal(redis_client_connects(c), 0);
    redis_client_destroy(c);
    return 0;
}

static void test_client_a_database_the_server_refuses_fails_with_eoutage(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, bad_db_body);
}

static void test_client_selects_the_database_of_the_url(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, select_body);
}

static int pipeline_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c = client(co, f);
    const char *argv[] = {"INCR", "counter"};
    struct redis_cmd cmds[100];
    struct redis_reply *replies[100];

    for (int i = 0; i < 100; i++)
        cmds[i] = (struct redis_cmd){2, argv, NULL};
    assert_int_equal(redis_client_pipeline(co, c, cmds, 100, replies), 0);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(replies[i]->type, REDIS_T_INTEGER);
        assert_int_equal(replies[i]->integer, i + 1);
    }
    redis_replies_free(replies, 100);
    redis_client_destroy(c);
    return 0;
}

static void test_client_pipeline_of_100_incrs_in_order(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, pipeline_body);
}

static int eval_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c = client(co, f);
    struct redis_script s, bad;
    struct redis_reply *r;
    const char *keys[] = {"evalkey"};
    const char *args[] = {"an argument"};

    assert_int_equal(redis_script_init(&s, "return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}"), 0);
    assert_int_equal(strlen(s.sha), 40);
    assert_int_equal(redis_client_cmdf(co, c, &r, "SCRIPT FLUSH"), 0);
    redis_reply_free(r);
    assert_int_equal(redis_client_cmdf(co, c, &r, "SCRIPT EXISTS %s", s.sha), 0);
    assert_int_equal(r->element[0]->integer, 0); /* not loaded: EVALSHA meets NOSCRIPT */
    redis_reply_free(r);
    for (int round = 1; round <= 2; round++) { /* loaded by the first, run directly by the second */
        assert_int_equal(redis_client_eval(co, c, &s, 1, keys, 1, args, &r), 0);
        assert_int_equal(r->type, REDIS_T_ARRAY);
        assert_int_equal(r->elements, 3);
        assert_string_equal(r->element[0]->str, "evalkey");
        assert_string_equal(r->element[1]->str, "an argument");
        assert_int_equal(r->element[2]->integer, round);
        redis_reply_free(r);
    }
    assert_int_equal(redis_client_cmdf(co, c, &r, "SCRIPT EXISTS %s", s.sha), 0);
    assert_int_equal(r->element[0]->integer, 1);
    redis_reply_free(r);
    /* binary-safe arguments: a NUL inside one, as an 8-byte fingerprint may have */
    {
        struct redis_script bin;
        const char *argv[] = {"binkey", "a\0b\0"};
        const size_t lens[] = {6, 4};

        assert_int_equal(redis_script_init(&bin, "return {KEYS[1], ARGV[1], #ARGV[1]}"), 0);
        assert_int_equal(redis_client_evalv(co, c, &bin, 1, 1, argv, lens, &r), 0);
        assert_int_equal(r->type, REDIS_T_ARRAY);
        assert_string_equal(r->element[0]->str, "binkey");
        assert_int_equal(r->element[1]->len, 4);
        assert_memory_equal(r->element[1]->str, "a\0b\0", 4);
        assert_int_equal(r->element[2]->integer, 4);
        redis_reply_free(r);
    }
    /* a script that does not compile: the error of SCRIPT LOAD */
    assert_int_equal(redis_script_init(&bad, "return +"), 0);
    assert_int_equal(redis_client_eval(co, c, &bad, 0, NULL, 0, NULL, &r), 0);
    assert_int_equal(r->type, REDIS_T_ERROR);
    redis_reply_free(r);
    redis_client_destroy(c);
    return 0;
}

static void test_client_evalsha_loads_the_script_on_noscript(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, eval_body);
}

/* --- URLs --------------------------------------------------------------------------------- */

static void test_client_refuses_a_malformed_url(void **state)
{
    static const char *const bad[] = {
        "", "redis:/", "http://127.0.0.1:6379/0", "redis://", "redis://:6379/0",
        "redis://127.0.0.1:/0", "redis://127.0.0.1:0/0", "redis://127.0.0.1:65536/0",
        "redis://127.0.0.1:63x9/0", "redis://127.0.0.1:6379/x", "redis://127.0.0.1:6379/0/1",
        "redis://127.0.0.1:6379/0?db=1", "redis://user:pw@127.0.0.1:6379/0", "redis://[::1/0",
        "redis://127.0.0.1:6379/99999999999", "redis://a b:6379/0",
    };
    static const struct {
        const char *url, *host;
        int port, db;
    } good[] = {
        {"redis://127.0.0.1:6380/2", "127.0.0.1", 6380, 2},
        {"redis://localhost", "localhost", 6379, 0},
        {"redis://redis.example:1/", "redis.example", 1, 0},
        {"redis://[::1]:7000/15", "::1", 7000, 15},
    };
    struct core_loop *loop;
    struct redis_client *c = NULL;
    struct redis_opts o;
    struct redis_url u;
    const char *why;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why = NULL;
        assert_int_equal(redis_url_parse(bad[i], &u, &why), CORE_EPARSE);
        assert_non_null(why);
        print_message("'%s': %s\n", bad[i], why);
    }
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(redis_url_parse(good[i].url, &u, NULL), 0);
        assert_string_equal(u.host, good[i].host);
        assert_int_equal(u.port, good[i].port);
        assert_int_equal(u.db, good[i].db);
    }
    assert_int_equal(core_loop_create(&loop), 0);
    redis_opts_init(&o);
    assert_int_equal(redis_client_create(loop, "redis//127.0.0.1:6379", &o, &c), CORE_EPARSE);
    assert_null(c);
    core_loop_destroy(loop);
}

/* --- failures ----------------------------------------------------------------------------- */

static int stopped_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redis_reply *r = NULL;

    f->opts.cmd_timeout_ms = 200;
    c = client(co, f);
    set(co, c, "k", "before");
    redisd_pause(&f->d);
    /* the command is written, the server answers nothing: the deadline ends it */
    assert_int_equal(redis_client_cmdf(co, c, &r, "GET %s", "k"), -ETIMEDOUT);
    assert_null(r);
    assert_false(redis_client_is_connected(c)); /* dropped */
    assert_string_equal(redis_client_last_error(c), "no reply within 200 ms");
    redisd_resume(&f->d);
    /* a new connection, and the next command works */
    set(co, c, "k", "after");
    get_is(co, c, "k", "after");
    assert_int_equal(redis_client_connects(c), 2);
    redis_client_destroy(c);
    return 0;
}

static void test_client_command_to_a_stopped_server_times_out(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, stopped_body);
}

static int restart_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c = client(co, f);

    set(co, c, "k", "1");
    redisd_kill(&f->d);
    wait_disconnected(co, c);
    redisd_restart(&f->d);
    /* waits for the reconnect (well within the 60 s outage timeout), then runs */
    set(co, c, "k", "2");
    get_is(co, c, "k", "2");
    assert_int_equal(redis_client_connects(c), 2);
    redis_client_destroy(c);
    return 0;
}

static void test_client_reconnects_after_a_restart(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, restart_body);
}

static int inflight_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c = client(co, f);
    struct redis_reply *r = NULL;

    set(co, c, "k", "1");
    redisd_pause(&f->d);
    redisd_kill(&f->d); /* a stopped process still dies of SIGKILL */
    /* however the loss shows (reset, or end of file), the command fails with -ECONNRESET */
    assert_int_equal(redis_client_cmdf(co, c, &r, "GET %s", "k"), -ECONNRESET);
    assert_null(r);
    redisd_restart(&f->d);
    get_is(co, c, "k", "1"); /* the append-only file kept it */
    redis_client_destroy(c);
    return 0;
}

static void test_client_command_on_a_lost_connection_fails_with_econnreset(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, inflight_body);
}

static int outage_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redis_reply *r = NULL;

    f->opts.outage_timeout_ms = 300;
    c = client(co, f);
    set(co, c, "k", "1");
    redisd_stop(&f->d);
    wait_disconnected(co, c);
    /* the reconnects are refused, and that is noticed at once (hiredis 0.14's libuv adapter
     * ignored the poll error: the attempt hung until the connect timeout) */
    for (int i = 0; !strstr(redis_client_last_error(c), "Connection refused"); i++) {
        assert_true(i < PROC_WATCHDOG_MS / POLL_MS);
        assert_int_equal(core_sleep(co, core_deadline_in(POLL_MS)), 0);
    }
    /* waits for a connection that never comes, until the outage timeout */
    assert_int_equal(redis_client_cmdf(co, c, &r, "GET %s", "k"), CORE_EOUTAGE);
    assert_null(r);
    /* and later calls fail at once */
    assert_int_equal(redis_client_cmdf(co, c, &r, "GET %s", "k"), CORE_EOUTAGE);
    assert_string_equal(core_strerror(CORE_EOUTAGE), "server unreachable past the outage timeout");
    redis_client_destroy(c);
    return 0;
}

static void test_client_outage_past_the_timeout_fails_with_eoutage(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, outage_body);
}

struct waiting {
    struct redis_client *c;
    int rc;
    bool done;
};

static int waiting_get(struct core_coro *co, void *arg)
{
    struct waiting *w = arg;
    struct redis_reply *r = NULL;

    w->rc = redis_client_cmdf(co, w->c, &r, "GET %s", "k");
    w->done = true;
    redis_reply_free(r);
    return 0;
}

static int destroy_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct core_group *g;
    struct waiting sent = {0}, waiting = {0};
    struct redis_client *down;
    struct redis_client *c;

    /* one command sent to a stopped server, one waiting for a server that is not there; no
     * deadline, so that only the destroy can end them */
    f->opts.cmd_timeout_ms = -1;
    f->opts.outage_timeout_ms = -1;
    c = client(co, f);
    set(co, c, "k", "1");
    redisd_pause(&f->d);
    sent.c = c;
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    assert_int_equal(core_group_spawn(g, waiting_get, &sent, NULL), 0);
    assert_int_equal(redis_client_create(core_coro_loop(co), "redis://127.0.0.1:1/0", &f->opts, &down), 0);
    waiting.c = down;
    assert_int_equal(core_group_spawn(g, waiting_get, &waiting, NULL), 0);
    for (int i = 0; i < 10; i++) /* let both get to their waits */
        assert_int_equal(core_coro_yield(co), 0);
    assert_false(sent.done);
    assert_false(waiting.done);
    redis_client_destroy(c);
    redis_client_destroy(down);
    assert_int_equal(core_group_wait(co, g, -1), 0);
    assert_int_equal(sent.rc, -ECANCELED);
    assert_int_equal(waiting.rc, -ECANCELED);
    core_group_destroy(g);
    redisd_resume(&f->d);
    return 0;
}

static void test_client_destroy_cancels_waiting_commands(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, destroy_body);
}

static int nomem_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c = client(co, f);
    const char *incr[] = {"INCR", "tries"};
    const char *push[] = {"RPUSH", "list", "a", "b", "c"};
    const char *lrange[] = {"LRANGE", "list", "0", "-1"};
    const char *keys[] = {"list"};
    const struct redis_cmd cmds[3] = {{2, incr, NULL}, {4, lrange, NULL}, {2, incr, NULL}};
    const struct redis_cmd fill = {5, push, NULL};
    struct redis_script s;
    struct redis_reply *replies[3], *r;
    int rc = -ENOMEM;
    long n;

    assert_int_equal(redis_client_cmd(co, c, &fill, &r), 0); /* connected, and a list */
    redis_reply_free(r);
    /* fail each allocation in turn: -ENOMEM and nothing leaked, until it succeeds */
    for (n = 0; rc == -ENOMEM; n++) {
        core_mem_fail_after(n);
        rc = redis_client_pipeline(co, c, cmds, 3, replies);
        core_mem_fail_after(-1);
        assert_true(rc == 0 || rc == -ENOMEM);
    }
    assert_true(n > 3);
    assert_int_equal(replies[1]->elements, 3);
    assert_int_equal(replies[2]->integer, replies[0]->integer + 1);
    redis_replies_free(replies, 3);
    assert_int_equal(redis_script_init(&s, "return #redis.call('LRANGE', KEYS[1], 0, -1)"), 0);
    rc = -ENOMEM;
    for (n = 0; rc == -ENOMEM; n++) {
        core_mem_fail_after(n);
        rc = redis_client_eval(co, c, &s, 1, keys, 0, NULL, &r);
        core_mem_fail_after(-1);
        assert_true(rc == 0 || rc == -ENOMEM);
    }
    assert_int_equal(r->type, REDIS_T_INTEGER);
    assert_int_equal(r->integer, 3);
    redis_reply_free(r);
    /* the connection still serves: the replies of the failed tries were thrown away */
    assert_int_equal(redis_client_cmdf(co, c, &r, "PING"), 0);
    assert_string_equal(r->str, "PONG");
    redis_reply_free(r);
    assert_int_equal(redis_client_connects(c), 1);
    redis_client_destroy(c);
    return 0;
}

static void test_client_fails_each_allocation_with_enomem_and_leaks_nothing(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, nomem_body);
}

/* A fake server on the test's loop: answers the client's SELECT with +OK, then resets the
 * connection (RST) when the next command arrives. */
struct resetter {
    uv_tcp_t server;
    uv_tcp_t conn;
    bool accepted;
    bool answered;              /* SELECT got its +OK */
    char buf[256];
    size_t got;
    uv_write_t w;
};

static void rs_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    struct resetter *r = h->data;

    (void)hint;
    *buf = uv_buf_init(r->buf + r->got, (unsigned)(sizeof(r->buf) - r->got - 1));
}

static void rs_closed(uv_handle_t *h)
{
    (void)h;
}

static void rs_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    static char ok[] = "+OK\r\n";
    struct resetter *r = s->data;
    uv_buf_t b = uv_buf_init(ok, 5);

    (void)buf;
    if (n < 0) {
        uv_close((uv_handle_t *)s, rs_closed);
        return;
    }
    r->got += (size_t)n;
    r->buf[r->got] = '\0';
    if (r->answered && strstr(r->buf, "GET")) {
        uv_read_stop(s);
        assert_int_equal(uv_tcp_close_reset(&r->conn, rs_closed), 0);
    } else if (!r->answered && strstr(r->buf, "SELECT")) {
        r->answered = true;
        assert_int_equal(uv_write(&r->w, s, &b, 1, NULL), 0);
    }
}

static void rs_accept(uv_stream_t *server, int status)
{
    struct resetter *r = server->data;

    assert_int_equal(status, 0);
    assert_false(r->accepted); /* one connection only */
    r->accepted = true;
    uv_tcp_init(server->loop, &r->conn);
    r->conn.data = r;
    assert_int_equal(uv_accept(server, (uv_stream_t *)&r->conn), 0);
    assert_int_equal(uv_read_start((uv_stream_t *)&r->conn, rs_alloc, rs_read), 0);
}

static int reset_body(struct core_coro *co, void *arg)
{
    struct resetter r;
    struct sockaddr_in a;
    int alen = sizeof(a);
    struct redis_opts o;
    struct redis_client *c;
    struct redis_reply *rep = NULL;
    char url[64];

    (void)arg;
    memset(&r, 0, sizeof(r));
    uv_tcp_init(core_loop_uv(core_coro_loop(co)), &r.server);
    r.server.data = &r;
    uv_ip4_addr("127.0.0.1", 0, &a);
    assert_int_equal(uv_tcp_bind(&r.server, (const struct sockaddr *)&a, 0), 0);
    assert_int_equal(uv_listen((uv_stream_t *)&r.server, 8, rs_accept), 0);
    assert_int_equal(uv_tcp_getsockname(&r.server, (struct sockaddr *)&a, &alen), 0);
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", ntohs(a.sin_port));
    redis_opts_init(&o);
    o.cmd_timeout_ms = -1; /* no deadline: only noticing the reset can end the command */
    assert_int_equal(redis_client_create(core_coro_loop(co), url, &o, &c), 0);
    /* the connection comes up (SELECT answered), then the GET meets the reset */
    for (int i = 0; !redis_client_is_connected(c); i++) {
        assert_true(i < PROC_WATCHDOG_MS / POLL_MS);
        assert_int_equal(core_sleep(co, core_deadline_in(POLL_MS)), 0);
    }
    assert_int_equal(redis_client_cmdf(co, c, &rep, "GET %s", "k"), -ECONNRESET);
    assert_null(rep);
    print_message("last error: %s\n", redis_client_last_error(c));
    redis_client_destroy(c);
    uv_close((uv_handle_t *)&r.server, rs_closed);
    if (r.accepted && !uv_is_closing((uv_handle_t *)&r.conn))
        uv_close((uv_handle_t *)&r.conn, rs_closed);
    /* a loop iteration runs the close callbacks while r is still alive */
    assert_int_equal(core_sleep(co, core_deadline_in(1)), 0);
    return 0;
}

static void test_client_connection_reset_fails_the_command_at_once(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(reset_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_set_get_round_trip),
        cmocka_unit_test(test_client_selects_the_database_of_the_url),
        cmocka_unit_test(test_client_a_database_the_server_refuses_fails_with_eoutage),
        cmocka_unit_test(test_client_pipeline_of_100_incrs_in_order),
        cmocka_unit_test(test_client_evalsha_loads_the_script_on_noscript),
        cmocka_unit_test(test_client_refuses_a_malformed_url),
        cmocka_unit_test(test_client_command_to_a_stopped_server_times_out),
        cmocka_unit_test(test_client_reconnects_after_a_restart),
        cmocka_unit_test(test_client_command_on_a_lost_connection_fails_with_econnreset),
        cmocka_unit_test(test_client_outage_past_the_timeout_fails_with_eoutage),
        cmocka_unit_test(test_client_destroy_cancels_waiting_commands),
        cmocka_unit_test(test_client_fails_each_allocation_with_enomem_and_leaks_nothing),
        cmocka_unit_test(test_client_connection_reset_fails_the_command_at_once),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
