/* tests/test_app_redisfront.c: the shared crawl frontier (app/crawl/redisfront.h) against a
 * real redis-server (tests/support/redisd.h). No assertion reads the wall clock: times are
 * compared as Redis's own clock returned them, and every wait is a bounded poll. */
#include <errno.h>
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
#include "core/buf.h"
#include "core/coro.h"
#include "core/group.h"
#include "core/loop.h"
#include "core/mem.h"
#include "redis/client.h"
#include "tests/support/corotest.h"
#include "tests/support/proc.h"
#include "tests/support/redisd.h"

#define POLL_MS 5
#define MAX_POLLS (PROC_WATCHDOG_MS / POLL_MS)
#define MAX_URLS 512

struct fx {
    struct redisd d;
    struct redis_opts ropts;
    struct redisfront_opts opts;
    char urls[MAX_URLS][64];
    struct redisfront_url u[MAX_URLS];
    size_t nurls;
    /* two workers sharing a crawl */
    int leased[MAX_URLS];           /* times each URL was leased */
    int host_inflight[16];          /* as the test saw them: see per_host_worker */
    int host_peak;
    size_t completed;
    int worker_rc[2];
};

/* FNV-1a: any 64-bit fingerprint will do here, as long as every worker computes the same. */
static uint64_t fingerprint(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;

    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static struct redisfront_url url_of(const char *s, uint32_t depth)
{
    const char *p = strstr(s, "://");
    const char *slash = strchr(p + 3, '/');

    return (struct redisfront_url){
        .url = s,
        .len = strlen(s),
        .origin_len = slash ? (size_t)(slash - s) : strlen(s),
        .fp = fingerprint(s, strlen(s)),
        .depth = depth,
    };
}

/* URL i of the fixture: http://hN.test/pI with N = i % hosts. */
static void make_urls(struct fx *f, size_t n, unsigned hosts)
{
    assert_true(n <= MAX_URLS);
    for (size_t i = 0; i < n; i++) {
        snprintf(f->urls[i], sizeof(f->urls[i]), "http://h%u.test/p%zu", (unsigned)(i % hosts),
                 i);
        f->u[i] = url_of(f->urls[i], 1);
    }
    f->nurls = n;
}

static size_t index_of(const struct fx *f, uint64_t fp)
{
    for (size_t i = 0; i < f->nurls; i++)
        if (f->u[i].fp == fp)
            return i;
    fail_msg("a fingerprint the test never added");
    return 0;
}

static unsigned host_of(const struct redisfront_job *j)
{
    unsigned h = 0;

    assert_int_equal(sscanf(j->url, "http://h%u.test/", &h), 1);
    assert_true(h < 16);
    return h;
}

static void fx_start(struct fx *f)
{
    REDISD_SKIP_UNLESS_AVAILABLE();
    memset(f, 0, sizeof(*f));
    redisd_start(&f->d);
    redis_opts_init(&f->ropts);
    redisfront_opts_init(&f->opts);
}

static void run(struct fx *f, core_coro_fn *body)
{
    assert_int_equal(corotest_run(body, f, COROTEST_WATCHDOG_MS), 0);
    redisd_cleanup(&f->d);
}

/* A client and a frontier on crawl "t", which the first of them creates with f->opts. */
static struct redisfront *open_front(struct core_coro *co, struct fx *f, struct redis_client **c)
{
    struct redisfront *rf;
    int rc;

    assert_int_equal(redis_client_create(core_coro_loop(co), f->d.url, &f->ropts, c), 0);
    assert_int_equal(redisfront_create(*c, "t", &rf), 0);
    rc = redisfront_create_crawl(co, rf, &f->opts, NULL);
    if (rc < 0)
        fail_msg("create_crawl: %s", redisfront_error(rf));
    return rf;
}

static void close_front(struct redisfront *rf, struct redis_client *c)
{
    redisfront_destroy(rf);
    redis_client_destroy(c);
}

static void stats(struct core_coro *co, struct redisfront *rf, struct redisfront_stats *s)
{
    assert_int_equal(redisfront_stats(co, rf, s), 0);
}

/* Release worker's leases: how many went back to a queue (none is dead here). */
static size_t release(struct core_coro *co, struct redisfront *rf, const char *worker)
{
    struct redisfront_lease l;
    size_t n;

    assert_int_equal(redisfront_release(co, rf, worker, &l), 0);
    assert_int_equal(l.njobs, 0);
    assert_int_equal(l.ndead, 0);
    n = l.requeued;
    redisfront_lease_free(&l);
    return n;
}

static void complete_one(struct core_coro *co, struct redisfront *rf,
                         const struct redisfront_job *j, bool expect)
{
    const struct redisfront_done d = redisfront_done_of(j);
    bool ok = !expect;

    assert_int_equal(redisfront_complete(co, rf, "w", &d, 1, NULL, 0, &ok, NULL),
                     expect ? 0 : -ESTALE);
    assert_int_equal(ok, expect);
}

/* Reap until one lease has been requeued (or dead-lettered: *l then holds it), polling as
 * Redis's clock moves past the expiry. */
static void reap_until(struct core_coro *co, struct redisfront *rf, bool dead,
                       struct redisfront_lease *l)
{
    for (int i = 0;; i++) {
        assert_true(i < MAX_POLLS);
        assert_int_equal(redisfront_reap(co, rf, 100, l), 0);
        if (dead ? l->ndead > 0 : l->requeued > 0)
            return;
        assert_int_equal(l->ndead, 0);
        assert_int_equal(l->requeued, 0);
        redisfront_lease_free(l);
        assert_int_equal(core_sleep(co, core_deadline_in(POLL_MS)), 0);
    }
}

/* --- creating and joining -------------------------------------------------------------------- */

static int create_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf, *other;
    struct redisfront_opts o = f->opts, got;
    bool created = false;

    assert_int_equal(redis_client_create(core_coro_loop(co), f->d.url, &f->ropts, &c), 0);
    assert_int_equal(redisfront_create(c, "t", &rf), 0);
    o.per_host = 2;
    o.delay_ms = 250;
    o.config = "depth=3 scope=host";
    assert_int_equal(redisfront_create_crawl(co, rf, &o, &created), 0);
    assert_true(created);
    /* the same options join */
    assert_int_equal(redisfront_create_crawl(co, rf, &o, &created), 0);
    assert_false(created);
    /* other options are refused, naming the option and both values */
    o.per_host = 3;
    assert_int_equal(redisfront_create_crawl(co, rf, &o, &created), -EEXIST);
    print_message("%s\n", redisfront_error(rf));
    assert_non_null(strstr(redisfront_error(rf), "per_host is \"2\" there, not \"3\""));
    o.per_host = 2;
    o.config = "depth=4 scope=host";
    assert_int_equal(redisfront_create_crawl(co, rf, &o, &created), -EEXIST);
    assert_non_null(strstr(redisfront_error(rf), "config"));
    /* join hands out the stored options */
    assert_int_equal(redisfront_join(co, rf, &got), 0);
    assert_string_equal(redisfront_error(rf), "");
    assert_int_equal(got.per_host, 2);
    assert_int_equal(got.delay_ms, 250);
    assert_int_equal(got.lease_ms, f->opts.lease_ms);
    assert_int_equal(got.max_leases, f->opts.max_leases);
    assert_string_equal(got.config, "depth=3 scope=host");
    /* another crawl on the same server is another set of keys */
    assert_int_equal(redisfront_create(c, "u", &other), 0);
    o.per_host = 7;
    assert_int_equal(redisfront_create_crawl(co, other, &o, &created), 0);
    assert_true(created);
    redisfront_destroy(other);
    assert_int_equal(redisfront_create(c, "", &other), -EINVAL);
    assert_int_equal(redisfront_create(c, "a\nb", &other), -EINVAL);
    close_front(rf, c);
    return 0;
}

static void test_redisfront_create_with_other_options_is_refused(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, create_body);
}

static int join_missing_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_opts got;
    struct redisfront_lease l;
    struct redisfront_url u = url_of("http://a.test/", 0);

    assert_int_equal(redis_client_create(core_coro_loop(co), f->d.url, &f->ropts, &c), 0);
    assert_int_equal(redisfront_create(c, "nothing", &rf), 0);
    assert_int_equal(redisfront_join(co, rf, &got), -ENOENT);
    print_message("%s\n", redisfront_error(rf));
    assert_string_equal(redisfront_error(rf), "there is no crawl nothing in Redis");
    /* nor does any other operation create it behind the caller's back */
    assert_int_equal(redisfront_lease(co, rf, "w", 4, &l), -ENOENT);
    assert_int_equal(redisfront_add(co, rf, &u, 1, NULL, NULL, NULL), -ENOENT);
    assert_int_equal(redisfront_join(co, rf, &got), -ENOENT);
    close_front(rf, c);
    return 0;
}

static void test_redisfront_join_of_a_missing_crawl_is_refused(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, join_missing_body);
}

/* --- adding ---------------------------------------------------------------------------------- */

static int dedup_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf = open_front(co, f, &c);
    struct redisfront_url batch[6], more[3];
    struct redisfront_lease l;
    struct redisfront_stats s;
    bool is_new[6], ok;
    size_t added = 99;

    batch[0] = url_of("http://a.test/1", 0);
    batch[1] = url_of("http://a.test/2", 0);
    batch[2] = url_of("http://a.test/1", 0);   /* a repeat within the batch */
    batch[3] = url_of("http://b.test/1", 0);
    batch[4] = url_of("http://a.test/2", 0);
    batch[5] = url_of("http://a.test/1", 0);
    assert_int_equal(redisfront_add(co, rf, batch, 6, NULL, &added, is_new), 0);
    assert_int_equal(added, 3);
    assert_true(is_new[0] && is_new[1] && !is_new[2] && is_new[3] && !is_new[4] && !is_new[5]);
    /* URLs known already, with one new */
    more[0] = url_of("http://b.test/1", 1);
    more[1] = url_of("http://c.test/1", 1);
    more[2] = url_of("http://a.test/2", 1);
    assert_int_equal(redisfront_add(co, rf, more, 3, "http://a.test/1", &added, is_new), 0);
    assert_int_equal(added, 1);
    assert_true(!is_new[0] && is_new[1] && !is_new[2]);
    stats(co, rf, &s);
    assert_int_equal(s.known, 4);
    assert_int_equal(s.queued, 4);
    /* links carried by a completion are deduplicated the same way, and keep their parent */
    assert_int_equal(redisfront_lease(co, rf, "w", 1, &l), 0);
    assert_int_equal(l.njobs, 1);
    assert_string_equal(l.jobs[0].url, "http://a.test/1");
    assert_null(l.jobs[0].parent);
    {
        const struct redisfront_url links[] = {url_of("http://a.test/1", 1),
                                               url_of("http://c.test/1", 1),
                                               url_of("http://d.test/x", 1),
                                               url_of("http://d.test/x", 1)};
        struct redisfront_done d = redisfront_done_of(&l.jobs[0]);

        d.links = links;
        d.nlinks = 4;

        assert_int_equal(redisfront_complete(co, rf, "w", &d, 1, NULL, 0, &ok, &added), 0);
        assert_true(ok);
        assert_int_equal(added, 1);
    }
    redisfront_lease_free(&l);
    stats(co, rf, &s);
    assert_int_equal(s.known, 5);
    assert_int_equal(s.queued, 4);
    assert_int_equal(s.done, 1);
    /* an empty batch is fine */
    assert_int_equal(redisfront_add(co, rf, NULL, 0, NULL, &added, NULL), 0);
    assert_int_equal(added, 0);
    /* the parent comes back with the job */
    assert_int_equal(redisfront_lease(co, rf, "w", 10, &l), 0);
    assert_int_equal(l.njobs, 4);
    for (size_t i = 0; i < l.njobs; i++) {
        if (strcmp(l.jobs[i].url, "http://d.test/x") == 0)
            assert_string_equal(l.jobs[i].parent, "http://a.test/1");
        if (strcmp(l.jobs[i].url, "http://c.test/1") == 0) {
            assert_string_equal(l.jobs[i].parent, "http://a.test/1");
            assert_int_equal(l.jobs[i].depth, 1);
            assert_int_equal(l.jobs[i].origin_len, strlen("http://c.test"));
        }
    }
    redisfront_lease_free(&l);
    close_front(rf, c);
    return 0;
}

static void test_redisfront_add_dedups_repeats_and_known_urls(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, dedup_body);
}

/* --- two workers ----------------------------------------------------------------------------- */

struct worker {
    struct fx *f;
    int id;
    size_t batch;
    bool check_hosts;
};

/* Lease batches and complete them until the crawl has nothing queued or in flight. With
 * check_hosts, a host counts as busy from the lease's reply to the moment its completion is
 * sent: inside the time Redis holds its slot, so two overlapping here would be two
 * overlapping there. */
static int worker_body(struct core_coro *co, void *arg)
{
    struct worker *w = arg;
    struct fx *f = w->f;
    struct redis_client *c;
    struct redisfront *rf = open_front(co, f, &c);
    char name[16];

    snprintf(name, sizeof(name), "w%d", w->id);
    for (int idle = 0;;) {
        struct redisfront_lease l;
        struct redisfront_done d[16];
        bool ok[16];

        assert_int_equal(redisfront_lease(co, rf, name, w->batch, &l), 0);
        if (l.njobs == 0) {
            bool over = l.queued == 0 && l.in_flight == 0;

            redisfront_lease_free(&l);
            if (over)
                break;
            assert_true(++idle < MAX_POLLS);
            assert_int_equal(core_sleep(co, core_deadline_in(1)), 0);
            continue;
        }
        assert_true(l.njobs <= w->batch);
        for (size_t i = 0; i < l.njobs; i++) {
            f->leased[index_of(f, l.jobs[i].fp)]++;
            if (w->check_hosts) {
                int n = ++f->host_inflight[host_of(&l.jobs[i])];

                if (n > f->host_peak)
                    f->host_peak = n;
            }
            d[i] = redisfront_done_of(&l.jobs[i]);
        }
        /* hold the jobs for a moment, as a fetch would, so the other worker runs meanwhile */
        assert_int_equal(core_sleep(co, core_deadline_in(1)), 0);
        for (size_t i = 0; i < l.njobs; i++)
            if (w->check_hosts)
                f->host_inflight[host_of(&l.jobs[i])]--;
        assert_int_equal(redisfront_complete(co, rf, name, d, l.njobs, NULL, 0, ok, NULL), 0);
        for (size_t i = 0; i < l.njobs; i++)
            assert_true(ok[i]);
        f->completed += l.njobs;
        redisfront_lease_free(&l);
    }
    close_front(rf, c);
    return 0;
}

static void run_two_workers(struct core_coro *co, struct fx *f, size_t batch, bool check_hosts)
{
    struct core_group *g;
    struct worker w[2] = {{f, 0, batch, check_hosts}, {f, 1, batch, check_hosts}};

    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(core_group_spawn(g, worker_body, &w[i], NULL), 0);
    assert_int_equal(core_group_wait(co, g, -1), 0);
    assert_int_equal(core_group_error(g), 0);
    core_group_destroy(g);
}

static int two_clients_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_stats s;

    f->opts.per_host = 0;
    rf = open_front(co, f, &c);
    make_urls(f, 400, 10);
    assert_int_equal(redisfront_add(co, rf, f->u, f->nurls, NULL, NULL, NULL), 0);
    run_two_workers(co, f, 7, false);
    for (size_t i = 0; i < f->nurls; i++)
        assert_int_equal(f->leased[i], 1);
    assert_int_equal(f->completed, 400);
    stats(co, rf, &s);
    assert_int_equal(s.done, 400);
    assert_int_equal(s.queued, 0);
    assert_int_equal(s.in_flight, 0);
    assert_int_equal(s.hosts_busy, 0);
    assert_int_equal(s.hosts_waiting, 0);
    close_front(rf, c);
    return 0;
}

static void test_redisfront_two_clients_never_lease_the_same_job(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, two_clients_body);
}

static int per_host_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_lease l;
    struct redisfront_stats s;

    f->opts.per_host = 1;
    rf = open_front(co, f, &c);
    make_urls(f, 120, 4);
    assert_int_equal(redisfront_add(co, rf, f->u, f->nurls, NULL, NULL, NULL), 0);
    /* one lease call never hands out two jobs of one host */
    assert_int_equal(redisfront_lease(co, rf, "probe", 16, &l), 0);
    assert_int_equal(l.njobs, 4);
    for (size_t i = 0; i < l.njobs; i++)
        for (size_t k = 0; k < i; k++)
            assert_int_not_equal(host_of(&l.jobs[i]), host_of(&l.jobs[k]));
    {
        struct redisfront_lease none;

        assert_int_equal(redisfront_lease(co, rf, "probe", 16, &none), 0);
        assert_int_equal(none.njobs, 0);
        assert_int_equal(none.in_flight, 4);
        redisfront_lease_free(&none);
    }
    for (size_t i = 0; i < l.njobs; i++) {
        f->leased[index_of(f, l.jobs[i].fp)]++;
        complete_one(co, rf, &l.jobs[i], true);
    }
    f->completed = l.njobs;
    redisfront_lease_free(&l);
    /* two workers: never two jobs of one host at once */
    run_two_workers(co, f, 3, true);
    assert_int_equal(f->host_peak, 1);
    for (size_t i = 0; i < f->nurls; i++)
        assert_int_equal(f->leased[i], 1);
    assert_int_equal(f->completed, 120);
    stats(co, rf, &s);
    assert_int_equal(s.done, 120);
    close_front(rf, c);
    return 0;
}

static void test_redisfront_per_host_one_never_leases_two_jobs_of_a_host(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, per_host_body);
}

/* per_host 3 and no delay: one lease call takes each host's free slots at once, its jobs in
 * queue order, and no more until one completes. */
static int slots_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_lease l, none, more;
    unsigned per[2] = {0, 0};

    f->opts.per_host = 3;
    rf = open_front(co, f, &c);
    make_urls(f, 20, 2);    /* h0: p0, p2, ... ; h1: p1, p3, ... */
    assert_int_equal(redisfront_add(co, rf, f->u, f->nurls, NULL, NULL, NULL), 0);
    assert_int_equal(redisfront_lease(co, rf, "w", 16, &l), 0);
    assert_int_equal(l.njobs, 6);
    for (size_t i = 0; i < l.njobs; i++) {
        unsigned h = host_of(&l.jobs[i]);
        char want[64];

        /* the host's queue order: its first, second and third URL */
        snprintf(want, sizeof(want), "http://h%u.test/p%u", h, h + 2 * per[h]);
        assert_string_equal(l.jobs[i].url, want);
        per[h]++;
    }
    assert_int_equal(per[0], 3);
    assert_int_equal(per[1], 3);
    assert_int_equal(redisfront_lease(co, rf, "w", 16, &none), 0);
    assert_int_equal(none.njobs, 0);
    assert_int_equal(none.in_flight, 6);
    redisfront_lease_free(&none);
    /* one of h0's completes: h0 has one slot again, and only that */
    complete_one(co, rf, &l.jobs[0], true);
    assert_int_equal(redisfront_lease(co, rf, "w", 16, &more), 0);
    assert_int_equal(more.njobs, 1);
    assert_int_equal(host_of(&more.jobs[0]), host_of(&l.jobs[0]));
    redisfront_lease_free(&more);
    redisfront_lease_free(&l);
    close_front(rf, c);
    return 0;
}

static void test_redisfront_per_host_slots_are_leased_together_within_the_limit(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, slots_body);
}

/* --- politeness ------------------------------------------------------------------------------ */

/* Lease until a job of url comes; every lease before it must not hand out another job. */
static void lease_until(struct core_coro *co, struct redisfront *rf, const char *url,
                        struct redisfront_lease *l)
{
    for (int i = 0;; i++) {
        assert_true(i < MAX_POLLS);
        assert_int_equal(redisfront_lease(co, rf, "w", 8, l), 0);
        if (l->njobs) {
            assert_int_equal(l->njobs, 1);
            assert_string_equal(l->jobs[0].url, url);
            return;
        }
        redisfront_lease_free(l);
        assert_int_equal(core_sleep(co, core_deadline_in(POLL_MS)), 0);
    }
}

static int delay_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_lease l, l2;
    struct redisfront_url u[3];
    int64_t next;

    f->opts.per_host = 0;   /* the delay alone holds the host back */
    f->opts.delay_ms = 100;
    rf = open_front(co, f, &c);
    u[0] = url_of("http://a.test/1", 0);
    u[1] = url_of("http://a.test/2", 0);
    u[2] = url_of("http://b.test/1", 0);
    assert_int_equal(redisfront_add(co, rf, u, 3, NULL, NULL, NULL), 0);
    assert_int_equal(redisfront_lease(co, rf, "w", 8, &l), 0);
    assert_int_equal(l.njobs, 2);      /* a's first and b's: a's second waits */
    assert_string_equal(l.jobs[0].url, "http://a.test/1");
    assert_string_equal(l.jobs[1].url, "http://b.test/1");
    assert_int_equal(l.ready_ms, l.now_ms + 100);   /* when a may go next */
    lease_until(co, rf, "http://a.test/2", &l2);
    print_message("a's second job leased %lld ms after its first (delay 100 ms)\n",
                  (long long)(l2.now_ms - l.now_ms));
    assert_true(l2.now_ms >= l.now_ms + 100);
    redisfront_lease_free(&l2);

    /* a host delay (Retry-After) set by one worker holds every worker */
    u[0] = url_of("http://b.test/2", 0);
    assert_int_equal(redisfront_add(co, rf, u, 1, NULL, NULL, NULL), 0);
    assert_int_equal(redisfront_host_delay(co, rf, "http://b.test", 13, 300, &next), 0);
    assert_true(next >= l.now_ms + 300);
    lease_until(co, rf, "http://b.test/2", &l2);
    assert_true(l2.now_ms >= next);
    /* an earlier time does not shorten a later one */
    {
        int64_t later, kept;

        assert_int_equal(redisfront_host_delay(co, rf, "http://b.test", 13, 5000, &later), 0);
        assert_int_equal(redisfront_host_delay(co, rf, "http://b.test", 13, 10, &kept), 0);
        assert_int_equal(kept, later);
    }
    redisfront_lease_free(&l2);
    redisfront_lease_free(&l);
    close_front(rf, c);
    return 0;
}

static void test_redisfront_delay_holds_a_host_until_its_next_allowed_time(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, delay_body);
}

/* --- leases ---------------------------------------------------------------------------------- */

static int expiry_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *ca, *cb;
    struct redisfront *a, *b;
    struct redisfront_lease la, lb, r;
    struct redisfront_url u[2];
    struct redisfront_held held;
    struct redisfront_stats s;
    int64_t exp;

    f->opts.lease_ms = 50;
    f->opts.max_leases = 5;
    a = open_front(co, f, &ca);
    b = open_front(co, f, &cb);
    u[0] = url_of("http://a.test/1", 0);
    assert_int_equal(redisfront_add(co, a, u, 1, NULL, NULL, NULL), 0);
    assert_int_equal(redisfront_lease(co, a, "A", 1, &la), 0);
    assert_int_equal(la.njobs, 1);
    assert_int_equal(la.jobs[0].expiry_ms, la.now_ms + 50);
    assert_int_equal(la.jobs[0].leases, 1);
    /* A never renews: the reaper puts the job back once Redis's clock passes the expiry */
    reap_until(co, b, false, &r);
    assert_true(r.now_ms >= la.jobs[0].expiry_ms);
    redisfront_lease_free(&r);
    assert_int_equal(redisfront_lease(co, b, "B", 1, &lb), 0);
    assert_int_equal(lb.njobs, 1);
    assert_int_equal(lb.jobs[0].fp, la.jobs[0].fp);
    assert_true(lb.jobs[0].token > la.jobs[0].token);
    assert_int_equal(lb.jobs[0].leases, 2);
    /* A's token is stale: renewal and completion refused; B's completion accepted */
    held = (struct redisfront_held){.fp = la.jobs[0].fp, .token = la.jobs[0].token};
    assert_int_equal(redisfront_renew(co, a, &held, 1, &exp), 0);
    assert_int_equal(exp, 0);
    complete_one(co, a, &la.jobs[0], false);
    complete_one(co, b, &lb.jobs[0], true);
    complete_one(co, b, &lb.jobs[0], false);   /* once only */
    redisfront_lease_free(&la);
    redisfront_lease_free(&lb);

    /* requeued by a lease call too (continuous, no reaper needed) */
    u[1] = url_of("http://a.test/2", 0);
    assert_int_equal(redisfront_add(co, a, &u[1], 1, NULL, NULL, NULL), 0);
    assert_int_equal(redisfront_lease(co, a, "A", 1, &la), 0);
    assert_int_equal(la.njobs, 1);
    for (int i = 0;; i++) {
        assert_true(i < MAX_POLLS);
        assert_int_equal(redisfront_lease(co, b, "B", 1, &lb), 0);
        if (lb.njobs)
            break;
        redisfront_lease_free(&lb);
        assert_int_equal(core_sleep(co, core_deadline_in(POLL_MS)), 0);
    }
    assert_int_equal(lb.requeued, 1);
    assert_int_equal(lb.jobs[0].fp, la.jobs[0].fp);
    assert_true(lb.now_ms >= la.jobs[0].expiry_ms);
    complete_one(co, a, &la.jobs[0], false);
    complete_one(co, b, &lb.jobs[0], true);
    redisfront_lease_free(&la);
    redisfront_lease_free(&lb);
    stats(co, a, &s);
    assert_int_equal(s.done, 2);
    assert_int_equal(s.requeued, 2);
    assert_int_equal(s.queued, 0);
    assert_int_equal(s.in_flight, 0);
    close_front(a, ca);
    close_front(b, cb);
    return 0;
}

static void test_redisfront_expired_lease_is_requeued_and_its_old_token_refused(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, expiry_body);
}

static int renew_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_lease l, r;
    struct redisfront_stats s;
    struct redisfront_url u = url_of("http://a.test/1", 0);
    bool conclusive = false;

    f->opts.lease_ms = 400;
    rf = open_front(co, f, &c);
    assert_int_equal(redisfront_add(co, rf, &u, 1, NULL, NULL, NULL), 0);
    /* On a loaded machine the check below may find Redis's clock past the renewed expiry too
     * (the worker stalled for longer than a lease): then nothing is shown, and it runs again. */
    for (int attempt = 0; attempt < 20 && !conclusive; attempt++) {
        struct redisfront_held h;
        int64_t exp;

        assert_int_equal(redisfront_lease(co, rf, "w", 1, &l), 0);
        assert_int_equal(l.njobs, 1);
        h = (struct redisfront_held){.fp = l.jobs[0].fp, .token = l.jobs[0].token};
        /* wait until a renewal moves the expiry out by at least 200 ms */
        for (int i = 0;; i++) {
            assert_true(i < MAX_POLLS);
            stats(co, rf, &s);
            if (s.now_ms >= l.now_ms + 200)
                break;
            assert_int_equal(core_sleep(co, core_deadline_in(POLL_MS)), 0);
        }
        assert_int_equal(redisfront_renew(co, rf, &h, 1, &exp), 0);
        assert_true(exp >= l.jobs[0].expiry_ms + 200);
        /* past the first expiry, before the renewed one: the reaper leaves it alone */
        for (int i = 0;; i++) {
            assert_true(i < MAX_POLLS);
            assert_int_equal(redisfront_reap(co, rf, 100, &r), 0);
            if (r.now_ms > l.jobs[0].expiry_ms || r.requeued)
                break;
            redisfront_lease_free(&r);
            assert_int_equal(core_sleep(co, core_deadline_in(POLL_MS)), 0);
        }
        if (r.now_ms < exp) {
            assert_int_equal(r.requeued, 0);
            assert_int_equal(r.expiry_ms, exp);
            assert_int_equal(r.in_flight, 1);
            complete_one(co, rf, &l.jobs[0], true);
            conclusive = true;
        } else {
            print_message("attempt %d inconclusive: the renewed lease expired too\n", attempt);
            if (!r.requeued)
                complete_one(co, rf, &l.jobs[0], true);
            else
                assert_int_equal(redisfront_add(co, rf, &u, 1, NULL, NULL, NULL), 0);
        }
        redisfront_lease_free(&r);
        redisfront_lease_free(&l);
    }
    assert_true(conclusive);
    close_front(rf, c);
    return 0;
}

static void test_redisfront_renew_keeps_a_lease_past_its_first_expiry(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, renew_body);
}

static int dead_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_lease l, r;
    struct redisfront_url u = url_of("http://a.test/killer", 2);
    struct redisfront_stats s;

    f->opts.lease_ms = 30;
    f->opts.max_leases = 2;
    rf = open_front(co, f, &c);
    assert_int_equal(redisfront_add(co, rf, &u, 1, "http://a.test/", NULL, NULL), 0);
    /* leased twice, never completed */
    for (unsigned n = 1; n <= 2; n++) {
        assert_int_equal(redisfront_lease(co, rf, "w", 1, &l), 0);
        assert_int_equal(l.njobs, 1);
        assert_int_equal(l.jobs[0].leases, n);
        reap_until(co, rf, n == 2, &r);
        if (n == 1) {
            assert_int_equal(r.requeued, 1);
        } else {
            assert_int_equal(r.requeued, 0);
            assert_int_equal(r.ndead, 1);
            assert_int_equal(r.dead[0].fp, u.fp);
            assert_string_equal(r.dead[0].url, "http://a.test/killer");
            assert_string_equal(r.dead[0].parent, "http://a.test/");
            assert_int_equal(r.dead[0].depth, 2);
            assert_int_equal(r.dead[0].leases, 2);
        }
        redisfront_lease_free(&r);
        /* its holder's completion is refused either way */
        complete_one(co, rf, &l.jobs[0], false);
        redisfront_lease_free(&l);
    }
    /* reported once: the next reap and lease say nothing of it, and it is not queued */
    assert_int_equal(redisfront_reap(co, rf, 100, &r), 0);
    assert_int_equal(r.ndead, 0);
    redisfront_lease_free(&r);
    assert_int_equal(redisfront_lease(co, rf, "w", 4, &l), 0);
    assert_int_equal(l.njobs, 0);
    assert_int_equal(l.ndead, 0);
    redisfront_lease_free(&l);
    stats(co, rf, &s);
    assert_int_equal(s.dead, 1);
    assert_int_equal(s.queued, 0);
    assert_int_equal(s.in_flight, 0);
    assert_int_equal(s.hosts_busy, 0);
    /* still known: found again, it is not queued again */
    {
        size_t added = 9;

        assert_int_equal(redisfront_add(co, rf, &u, 1, NULL, &added, NULL), 0);
        assert_int_equal(added, 0);
    }
    close_front(rf, c);
    return 0;
}

static void test_redisfront_dead_letters_a_job_after_max_leases(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, dead_body);
}

/* --- Redis restarted ------------------------------------------------------------------------- */

static int restart_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_lease l, rest;
    struct redisfront_stats s;
    struct redisfront_done d[3];
    bool ok[3];

    f->opts.per_host = 0;
    f->ropts.outage_timeout_ms = PROC_WATCHDOG_MS;
    rf = open_front(co, f, &c);
    make_urls(f, 10, 3);
    assert_int_equal(redisfront_add(co, rf, f->u, f->nurls, NULL, NULL, NULL), 0);
    assert_int_equal(redisfront_lease(co, rf, "w", 3, &l), 0);
    assert_int_equal(l.njobs, 3);
    complete_one(co, rf, &l.jobs[0], true);

    redisd_kill(&f->d);
    for (int i = 0; redis_client_is_connected(c); i++) {
        assert_true(i < MAX_POLLS);
        assert_int_equal(core_sleep(co, core_deadline_in(POLL_MS)), 0);
    }
    redisd_restart(&f->d);

    /* every acknowledged write survived (appendfsync always); the scripts are loaded again */
    stats(co, rf, &s);
    assert_int_equal(s.known, 10);
    assert_int_equal(s.queued, 7);
    assert_int_equal(s.in_flight, 2);
    assert_int_equal(s.done, 1);
    assert_true(redis_client_connects(c) >= 2);
    /* the leases taken before still hold with their tokens */
    for (size_t i = 1; i < 3; i++)
        d[i - 1] = redisfront_done_of(&l.jobs[i]);
    assert_int_equal(redisfront_complete(co, rf, "w", d, 2, NULL, 0, ok, NULL), 0);
    assert_true(ok[0] && ok[1]);
    /* and new tokens are fresh */
    assert_int_equal(redisfront_lease(co, rf, "w", 10, &rest), 0);
    assert_int_equal(rest.njobs, 7);
    assert_true(rest.jobs[0].token > l.jobs[2].token);
    for (size_t i = 0; i < rest.njobs; i++)
        complete_one(co, rf, &rest.jobs[i], true);
    stats(co, rf, &s);
    assert_int_equal(s.done, 10);
    assert_int_equal(s.queued, 0);
    assert_int_equal(s.in_flight, 0);
    redisfront_lease_free(&rest);
    redisfront_lease_free(&l);
    close_front(rf, c);
    return 0;
}

static void test_redisfront_state_survives_a_redis_restart(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, restart_body);
}

/* --- big batches ------------------------------------------------------------------------------ */

#define BIG 9000

struct big {
    char urls[BIG][40];
    struct redisfront_url u[BIG];
    bool is_new[BIG];
    struct redisfront_held held[BIG];
    int64_t expiry[BIG];
};

static int big_batch_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_lease l;
    struct redisfront_stats s;
    struct redisfront_done d[3];
    struct big *b = test_malloc(sizeof(*b));
    bool ok[3];
    size_t added = 0;

    f->opts.per_host = 0;
    rf = open_front(co, f, &c);
    /* more URLs than one Lua unpack takes (the scripts call in chunks), half of them twice */
    for (size_t i = 0; i < BIG; i++) {
        snprintf(b->urls[i], sizeof(b->urls[i]), "http://h%zu.test/p%zu", i % 50, i % (BIG / 2));
        b->u[i] = url_of(b->urls[i], 1);
    }
    assert_int_equal(redisfront_add(co, rf, b->u, BIG, NULL, &added, b->is_new), 0);
    assert_int_equal(added, BIG / 2);
    for (size_t i = 0; i < BIG; i++)
        assert_int_equal(b->is_new[i], i < BIG / 2);
    stats(co, rf, &s);
    assert_int_equal(s.known, BIG / 2);
    assert_int_equal(s.queued, BIG / 2);
    /* a batch of completions naming one job twice: accepted once */
    assert_int_equal(redisfront_lease(co, rf, "w", 2, &l), 0);
    assert_int_equal(l.njobs, 2);
    d[0] = redisfront_done_of(&l.jobs[0]);
    d[1] = redisfront_done_of(&l.jobs[0]);
    d[2] = redisfront_done_of(&l.jobs[1]);
    d[2].failed = true;
    /* all or nothing: the repeat is stale, so nothing is committed; without it, all is */
    assert_int_equal(redisfront_complete(co, rf, "w", d, 3, NULL, 0, ok, NULL), -ESTALE);
    assert_true(ok[0]);
    assert_false(ok[1]);
    assert_true(ok[2]);
    stats(co, rf, &s);
    assert_int_equal(s.done, 0);
    assert_int_equal(s.in_flight, 2);
    d[1] = d[2];
    assert_int_equal(redisfront_complete(co, rf, "w", d, 2, NULL, 0, ok, NULL), 0);
    assert_true(ok[0] && ok[1]);
    redisfront_lease_free(&l);
    stats(co, rf, &s);
    assert_int_equal(s.done, 1);
    assert_int_equal(s.failed, 1);
    assert_int_equal(s.in_flight, 0);
    assert_int_equal(s.queued, BIG / 2 - 2);
    /* a lease of thousands at once */
    assert_int_equal(redisfront_lease(co, rf, "w", BIG, &l), 0);
    assert_int_equal(l.njobs, BIG / 2 - 2);
    assert_int_equal(l.queued, 0);
    assert_int_equal(l.in_flight, BIG / 2 - 2);
    /* and renewed at once */
    for (size_t i = 0; i < l.njobs; i++)
        b->held[i] = (struct redisfront_held){.fp = l.jobs[i].fp, .token = l.jobs[i].token};
    assert_int_equal(redisfront_renew(co, rf, b->held, l.njobs, b->expiry), 0);
    for (size_t i = 0; i < l.njobs; i++)
        assert_true(b->expiry[i] >= l.jobs[i].expiry_ms);
    redisfront_lease_free(&l);
    test_free(b);
    close_front(rf, c);
    return 0;
}

static void test_redisfront_batches_of_thousands_and_a_job_completed_twice_in_one(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, big_batch_body);
}

/* --- robots.txt ------------------------------------------------------------------------------ */

static struct redisfront_url robots_of(const char *s)
{
    struct redisfront_url u = url_of(s, 0);

    u.kind = 1;
    return u;
}

/* The stored outcome of one origin: known, and its rules as a string ("" for none). */
static bool robots_rules(struct core_coro *co, struct redisfront *rf, const char *origin,
                         char *rules, size_t cap)
{
    const char *const o[] = {origin};
    const size_t len[] = {strlen(origin)};
    struct redisfront_robots r;
    bool known;

    assert_int_equal(redisfront_robots(co, rf, o, len, 1, &r), 0);
    assert_int_equal(r.n, 1);
    known = r.hosts[0].known;
    assert_true(r.hosts[0].len < cap);
    if (r.hosts[0].len)
        memcpy(rules, r.hosts[0].rules, r.hosts[0].len);
    else
        assert_null(r.hosts[0].rules);
    rules[r.hosts[0].len] = '\0';
    redisfront_robots_free(&r);
    return known;
}

static int robots_hold_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_lease l;
    struct redisfront_stats s;
    const struct redisfront_url pages[] = {url_of("http://a.test/1", 1),
                                           url_of("http://a.test/2", 1),
                                           url_of("http://b.test/1", 1),
                                           url_of("http://c.test/1", 1)};
    const struct redisfront_url robots[] = {robots_of("http://a.test/robots.txt"),
                                            robots_of("http://c.test/robots.txt")};
    const struct redisfront_url late = url_of("http://a.test/3", 1);
    struct redisfront_done d = {0};
    const struct redisfront_job *ra = NULL, *rc_ = NULL;
    char rules[64];
    bool ok[2];

    f->opts.per_host = 0;   /* only the hold keeps a host's pages back */
    rf = open_front(co, f, &c);
    /* the pages come first and the robots jobs after: these still go to the head */
    assert_int_equal(redisfront_add(co, rf, pages, 4, NULL, NULL, NULL), 0);
    assert_int_equal(redisfront_add(co, rf, robots, 2, NULL, NULL, NULL), 0);
    stats(co, rf, &s);
    assert_int_equal(s.hosts_held, 2);
    assert_false(robots_rules(co, rf, "http://a.test", rules, sizeof(rules)));
    /* a held host hands out its robots job only, then nothing while it is leased */
    assert_int_equal(redisfront_lease(co, rf, "w", 10, &l), 0);
    assert_int_equal(l.njobs, 3);
    for (size_t i = 0; i < l.njobs; i++) {
        if (strcmp(l.jobs[i].url, "http://a.test/robots.txt") == 0)
            ra = &l.jobs[i];
        else if (strcmp(l.jobs[i].url, "http://c.test/robots.txt") == 0)
            rc_ = &l.jobs[i];
        else
            assert_string_equal(l.jobs[i].url, "http://b.test/1");
    }
    assert_non_null(ra);
    assert_non_null(rc_);
    assert_int_equal(ra->kind, 1);
    {
        struct redisfront_lease none;

        assert_int_equal(redisfront_add(co, rf, &late, 1, NULL, NULL, NULL), 0);
        assert_int_equal(redisfront_lease(co, rf, "w", 10, &none), 0);
        assert_int_equal(none.njobs, 0);
        assert_int_equal(none.queued, 4);
        redisfront_lease_free(&none);
    }
    /* a's robots job done with rules and a crawl delay; c's failed: no rules, no delay */
    d = redisfront_done_of(ra);
    d.robots = "RULES a";
    d.robots_len = 7;
    d.crawl_delay_ms = 60000;
    assert_int_equal(redisfront_complete(co, rf, "w", &d, 1, NULL, 0, ok, NULL), 0);
    d = redisfront_done_of(rc_);
    d.failed = true;
    d.robots = "RULES c";
    d.robots_len = 7;
    d.crawl_delay_ms = 60000;
    assert_int_equal(redisfront_complete(co, rf, "w", &d, 1, NULL, 0, ok, NULL), 0);
    redisfront_lease_free(&l);
    stats(co, rf, &s);
    assert_int_equal(s.hosts_held, 0);
    assert_int_equal(s.failed, 1);
    assert_true(robots_rules(co, rf, "http://a.test", rules, sizeof(rules)));
    assert_string_equal(rules, "RULES a");
    assert_true(robots_rules(co, rf, "http://c.test", rules, sizeof(rules)));
    assert_string_equal(rules, "");
    assert_false(robots_rules(co, rf, "http://b.test", rules, sizeof(rules)));
    /* c's pages lease at once; a's one crawl delay after its robots.txt request ended (the
     * crawl's own delay is 0), as a local crawl counts it */
    assert_int_equal(redisfront_lease(co, rf, "w", 10, &l), 0);
    assert_int_equal(l.njobs, 1);
    assert_string_equal(l.jobs[0].url, "http://c.test/1");
    assert_true(l.ready_ms >= l.now_ms + 59000 && l.ready_ms <= l.now_ms + 60000);
    assert_int_equal(l.queued, 3);
    redisfront_lease_free(&l);
    close_front(rf, c);
    return 0;
}

static void test_redisfront_robots_job_holds_its_host_until_it_is_completed(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, robots_hold_body);
}

static int robots_reap_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_lease l, r;
    struct redisfront_stats s;
    const struct redisfront_url urls[] = {url_of("http://a.test/1", 1),
                                          robots_of("http://a.test/robots.txt")};
    char rules[8];

    f->opts.lease_ms = 50;
    f->opts.max_leases = 2;
    rf = open_front(co, f, &c);
    assert_int_equal(redisfront_add(co, rf, urls, 2, NULL, NULL, NULL), 0);
    for (uint32_t lease = 1; lease <= 2; lease++) {
        /* the robots job each time, never the page */
        assert_int_equal(redisfront_lease(co, rf, "w", 10, &l), 0);
        assert_int_equal(l.njobs, 1);
        assert_string_equal(l.jobs[0].url, "http://a.test/robots.txt");
        assert_int_equal(l.jobs[0].leases, lease);
        redisfront_lease_free(&l);
        reap_until(co, rf, lease == 2, &r);
        stats(co, rf, &s);
        if (lease == 1) {
            /* requeued at the head, the host still held */
            assert_int_equal(s.hosts_held, 1);
            assert_int_equal(s.queued, 2);
        } else {
            /* dead-lettered: the hold ends with no rules */
            assert_int_equal(r.ndead, 1);
            assert_int_equal(r.dead[0].kind, 1);
            assert_int_equal(s.hosts_held, 0);
            assert_int_equal(s.dead, 1);
            assert_true(robots_rules(co, rf, "http://a.test", rules, sizeof(rules)));
            assert_string_equal(rules, "");
        }
        redisfront_lease_free(&r);
    }
    assert_int_equal(redisfront_lease(co, rf, "w", 10, &l), 0);
    assert_int_equal(l.njobs, 1);
    assert_string_equal(l.jobs[0].url, "http://a.test/1");
    complete_one(co, rf, &l.jobs[0], true);
    redisfront_lease_free(&l);
    close_front(rf, c);
    return 0;
}

static void test_redisfront_reaped_robots_job_keeps_the_hold_and_a_dead_one_ends_it(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, robots_reap_body);
}

/* --- commits --------------------------------------------------------------------------------- */

static void expect_lengths(struct core_coro *co, struct redisfront *rf, const char *worker,
                           const char *want)
{
    struct core_buf b;

    core_buf_init(&b, 1024);
    if (!want) {
        assert_int_equal(redisfront_worker_lengths(co, rf, worker, &b), -ENOENT);
    } else {
        assert_int_equal(redisfront_worker_lengths(co, rf, worker, &b), 0);
        assert_int_equal(b.len, strlen(want));
        assert_memory_equal(b.data, want, b.len);
    }
    core_buf_free(&b);
}

static int commit_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_lease l;
    struct redisfront_stats s, before;
    const struct redisfront_url links[] = {url_of("http://x.test/1", 2),
                                           url_of("http://x.test/2", 2)};
    struct redisfront_done d[3];
    bool ok[3];
    size_t added = 0;

    f->opts.per_host = 0;
    rf = open_front(co, f, &c);
    make_urls(f, 4, 2);
    assert_int_equal(redisfront_add(co, rf, f->u, f->nurls, NULL, NULL, NULL), 0);
    assert_int_equal(redisfront_lease(co, rf, "w2", 3, &l), 0);
    assert_int_equal(l.njobs, 3);
    /* job 0 is committed alone, without lengths: its token is void from then on */
    complete_one(co, rf, &l.jobs[0], true);
    expect_lengths(co, rf, "w", NULL);
    stats(co, rf, &before);
    /* a commit naming it again among fresh ones changes nothing at all */
    d[0] = redisfront_done_of(&l.jobs[1]);
    d[0].links = links;
    d[0].nlinks = 2;
    d[1] = redisfront_done_of(&l.jobs[0]);
    d[2] = redisfront_done_of(&l.jobs[2]);
    d[2].failed = true;
    memset(ok, 0, sizeof(ok));
    assert_int_equal(redisfront_complete(co, rf, "w2", d, 3, "L1", 2, ok, &added), -ESTALE);
    assert_true(ok[0]);
    assert_false(ok[1]);
    assert_true(ok[2]);
    stats(co, rf, &s);
    assert_int_equal(s.known, before.known);
    assert_int_equal(s.queued, before.queued);
    assert_int_equal(s.in_flight, 2);
    assert_int_equal(s.done, 1);
    assert_int_equal(s.failed, 0);
    expect_lengths(co, rf, "w2", NULL);
    /* without the stale one: all of it, the lengths with it */
    d[1] = d[2];
    assert_int_equal(redisfront_complete(co, rf, "w2", d, 2, "L1", 2, ok, &added), 0);
    assert_true(ok[0] && ok[1]);
    assert_int_equal(added, 2);
    stats(co, rf, &s);
    assert_int_equal(s.known, before.known + 2);
    assert_int_equal(s.queued, before.queued + 2);
    assert_int_equal(s.in_flight, 0);
    assert_int_equal(s.done, 2);
    assert_int_equal(s.failed, 1);
    expect_lengths(co, rf, "w2", "L1");
    /* a commit of lengths alone, and binary lengths */
    assert_int_equal(redisfront_complete(co, rf, "w2", NULL, 0, "L\0002", 3, NULL, NULL), 0);
    {
        struct core_buf b;

        core_buf_init(&b, 1024);
        assert_int_equal(redisfront_worker_lengths(co, rf, "w2", &b), 0);
        assert_int_equal(b.len, 3);
        assert_memory_equal(b.data, "L\0002", 3);
        core_buf_free(&b);
    }
    redisfront_lease_free(&l);
    close_front(rf, c);
    return 0;
}

static void test_redisfront_complete_is_all_or_nothing_and_stores_the_lengths(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, commit_body);
}

static int release_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_lease a, b, again;
    struct redisfront_stats s;
    int64_t exp = 1;

    f->opts.per_host = 0;
    f->opts.lease_ms = 600000;   /* nothing expires: only release gives them back */
    rf = open_front(co, f, &c);
    make_urls(f, 5, 2);
    assert_int_equal(redisfront_add(co, rf, f->u, f->nurls, NULL, NULL, NULL), 0);
    assert_int_equal(redisfront_lease(co, rf, "a", 3, &a), 0);
    assert_int_equal(a.njobs, 3);
    assert_int_equal(redisfront_lease(co, rf, "b", 1, &b), 0);
    assert_int_equal(b.njobs, 1);
    assert_int_equal(release(co, rf, "a"), 3);
    stats(co, rf, &s);
    assert_int_equal(s.in_flight, 1);
    assert_int_equal(s.queued, 4);
    assert_int_equal(s.requeued, 3);
    /* the old tokens are void */
    complete_one(co, rf, &a.jobs[0], false);
    {
        const struct redisfront_held h = {.fp = a.jobs[1].fp, .token = a.jobs[1].token};

        assert_int_equal(redisfront_renew(co, rf, &h, 1, &exp), 0);
        assert_int_equal(exp, 0);
    }
    /* and the jobs lease again at once, their lease count unchanged by the release */
    assert_int_equal(redisfront_lease(co, rf, "a", 10, &again), 0);
    assert_int_equal(again.njobs, 4);
    for (size_t i = 0; i < again.njobs; i++) {
        bool released = false;

        for (size_t k = 0; k < a.njobs; k++)
            released |= a.jobs[k].fp == again.jobs[i].fp;
        assert_int_equal(again.jobs[i].leases, released ? 2 : 1);
        complete_one(co, rf, &again.jobs[i], true);
    }
    /* nothing left to release for a; b's lease is b's */
    assert_int_equal(release(co, rf, "a"), 0);
    assert_int_equal(release(co, rf, "b"), 1);
    stats(co, rf, &s);
    assert_int_equal(s.in_flight, 0);
    assert_int_equal(s.queued, 1);
    assert_int_equal(s.done, 4);
    redisfront_lease_free(&again);
    redisfront_lease_free(&b);
    redisfront_lease_free(&a);
    close_front(rf, c);
    return 0;
}

static void test_redisfront_release_gives_a_workers_leases_back_at_once(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, release_body);
}

static int lanes_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_lease a, b, a2, b2, next;
    struct redisfront_held over;
    struct redisfront_ask ask = {"w", 1, 5, 0, NULL, 0, NULL, 0, NULL, 0};
    struct redisfront_stats s;

    f->opts.per_host = 1;
    rf = open_front(co, f, &c);
    make_urls(f, 6, 2); /* h0: p0 p2 p4, h1: p1 p3 p5 */
    assert_int_equal(redisfront_add(co, rf, f->u, f->nurls, NULL, NULL, NULL), 0);
    /* two calls in flight at once, in two lanes: each is made again after a lost reply and
     * gets its own jobs back, with the same tokens, and no more leases */
    assert_int_equal(redisfront_lease_ask(co, rf, &ask, &a), 0);
    ask.lane = 1;
    ask.seq = 9;
    assert_int_equal(redisfront_lease_ask(co, rf, &ask, &b), 0);
    assert_int_equal(a.njobs, 1);
    assert_int_equal(b.njobs, 1);
    assert_true(a.jobs[0].fp != b.jobs[0].fp);
    ask.lane = 0;
    ask.seq = 5;
    assert_int_equal(redisfront_lease_ask(co, rf, &ask, &a2), 0);
    ask.lane = 1;
    ask.seq = 9;
    assert_int_equal(redisfront_lease_ask(co, rf, &ask, &b2), 0);
    assert_int_equal(a2.njobs, 1);
    assert_int_equal(a2.jobs[0].fp, a.jobs[0].fp);
    assert_int_equal(a2.jobs[0].token, a.jobs[0].token);
    assert_int_equal(b2.njobs, 1);
    assert_int_equal(b2.jobs[0].fp, b.jobs[0].fp);
    assert_int_equal(b2.jobs[0].token, b.jobs[0].token);
    stats(co, rf, &s);
    assert_int_equal(s.in_flight, 2);
    assert_int_equal(s.queued, 4);
    /* both hosts are at per_host 1: a new call leases nothing ... */
    ask.lane = 0;
    ask.seq = 6;
    assert_int_equal(redisfront_lease_ask(co, rf, &ask, &next), 0);
    assert_int_equal(next.njobs, 0);
    redisfront_lease_free(&next);
    /* ... until it says a's request is over: its host's slot is free before a's commit, and
     * the same call leases that host's next job; said twice, it frees the slot once */
    over = (struct redisfront_held){.fp = a.jobs[0].fp, .token = a.jobs[0].token,
                                    .origin = a.jobs[0].url, .origin_len = a.jobs[0].origin_len};
    ask.fetched = &over;
    ask.nfetched = 1;
    ask.seq = 7;
    assert_int_equal(redisfront_lease_ask(co, rf, &ask, &next), 0);
    assert_int_equal(next.njobs, 1);
    assert_int_equal(next.jobs[0].origin_len, a.jobs[0].origin_len);
    assert_memory_equal(next.jobs[0].url, a.jobs[0].url, a.jobs[0].origin_len);
    redisfront_lease_free(&next);
    ask.seq = 8;
    assert_int_equal(redisfront_lease_ask(co, rf, &ask, &next), 0);
    assert_int_equal(next.njobs, 0);
    redisfront_lease_free(&next);
    /* a stale token frees nothing */
    over.token = a.jobs[0].token + 1000;
    over.fp = b.jobs[0].fp;
    over.origin = b.jobs[0].url;
    over.origin_len = b.jobs[0].origin_len;
    ask.seq = 9;
    assert_int_equal(redisfront_lease_ask(co, rf, &ask, &next), 0);
    assert_int_equal(next.njobs, 0);
    redisfront_lease_free(&next);
    stats(co, rf, &s);
    assert_int_equal(s.in_flight, 3);
    /* a's commit, its request told over before, does not free the slot a second time */
    complete_one(co, rf, &a.jobs[0], true);
    ask.nfetched = 0;
    ask.seq = 10;
    assert_int_equal(redisfront_lease_ask(co, rf, &ask, &next), 0);
    assert_int_equal(next.njobs, 0);
    redisfront_lease_free(&next);
    redisfront_lease_free(&b2);
    redisfront_lease_free(&a2);
    redisfront_lease_free(&b);
    redisfront_lease_free(&a);
    close_front(rf, c);
    return 0;
}

static void test_redisfront_lease_lanes_replay_their_own_reply_and_over_marks_free_slots(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, lanes_body);
}

static int hungry_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_lease a, b, a2, b2;
    struct redisfront_held over[4];
    struct redisfront_ask ask = {"a", 4, 0, 0, NULL, 0, NULL, 0, NULL, 0};

    f->opts.per_host = 4;
    f->opts.lease_ms = 600000;
    rf = open_front(co, f, &c);
    make_urls(f, 10, 1);
    assert_int_equal(redisfront_add(co, rf, f->u, f->nurls, NULL, NULL, NULL), 0);
    /* a takes every slot; b finds none free while jobs are queued: b is hungry */
    assert_int_equal(redisfront_lease_ask(co, rf, &ask, &a), 0);
    assert_int_equal(a.njobs, 4);
    assert_int_equal(redisfront_lease(co, rf, "b", 4, &b), 0);
    assert_int_equal(b.njobs, 0);
    /* a's four requests are over: it frees four slots and, b hungry, takes back two only */
    for (size_t i = 0; i < 4; i++)
        over[i] = (struct redisfront_held){.fp = a.jobs[i].fp, .token = a.jobs[i].token,
                                           .origin = a.jobs[i].url,
                                           .origin_len = a.jobs[i].origin_len};
    ask.fetched = over;
    ask.nfetched = 4;
    assert_int_equal(redisfront_lease_ask(co, rf, &ask, &a2), 0);
    assert_int_equal(a2.njobs, 2);
    /* and b gets the other two */
    assert_int_equal(redisfront_lease(co, rf, "b", 4, &b2), 0);
    assert_int_equal(b2.njobs, 2);
    redisfront_lease_free(&b2);
    redisfront_lease_free(&a2);
    redisfront_lease_free(&b);
    redisfront_lease_free(&a);
    close_front(rf, c);
    return 0;
}

static void test_redisfront_a_hungry_worker_is_left_slots_the_others_free(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, hungry_body);
}

/* --- jobs leased ahead ------------------------------------------------------------------------ */

/* The lease of one host's jobs (origin http://h0.test) for worker w: max with a slot, n ahead. */
static void lease_ahead(struct core_coro *co, struct redisfront *rf, const char *w, size_t max,
                        size_t n, const struct redisfront_held *over, size_t nover,
                        const struct redisfront_held *back, size_t nback,
                        struct redisfront_lease *out)
{
    const struct redisfront_ahead ah = {"http://h0.test", 14, n};
    const struct redisfront_ask ask = {w, max, 0, 0, over, nover, &ah, n ? 1 : 0, back, nback};

    assert_int_equal(redisfront_lease_ask(co, rf, &ask, out), 0);
}

/* A request over whose slot goes on to succ (or is freed: succ NULL). */
static struct redisfront_held handed(const struct redisfront_job *j,
                                     const struct redisfront_job *succ)
{
    return (struct redisfront_held){.fp = j->fp, .token = j->token, .origin = j->url,
                                    .origin_len = j->origin_len, .has_succ = succ != NULL,
                                    .succ = succ ? succ->fp : 0};
}

/* per_host 1: a worker holds the slot and two jobs ahead, which hold none; its request over
 * hands the slot on to one of them (another worker still gets nothing), and that one's commit
 * frees it, once. A job given back goes to the head of the queue, its lease not counted. */
static int ahead_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_lease a, b, a2, b2, a3, b3, c3;
    struct redisfront_held over, back;
    struct redisfront_done d[2];
    struct redisfront_stats s;
    bool ok[2];

    f->opts.per_host = 1;
    f->opts.lease_ms = 600000;
    rf = open_front(co, f, &c);
    make_urls(f, 6, 1);
    assert_int_equal(redisfront_add(co, rf, f->u, f->nurls, NULL, NULL, NULL), 0);
    lease_ahead(co, rf, "a", 1, 2, NULL, 0, NULL, 0, &a);
    assert_int_equal(a.njobs, 1);
    assert_int_equal(a.nahead, 2);
    stats(co, rf, &s);
    assert_int_equal(s.queued, 3);
    assert_int_equal(s.in_flight, 3);
    /* the slot is a's: b gets nothing */
    assert_int_equal(redisfront_lease(co, rf, "b", 4, &b), 0);
    assert_int_equal(b.njobs, 0);
    /* a's request is over, its slot handed on to its first job ahead: still nothing for b */
    over = handed(&a.jobs[0], &a.ahead[0]);
    lease_ahead(co, rf, "a", 0, 0, &over, 1, NULL, 0, &a2);
    assert_int_equal(a2.njobs, 0);
    assert_int_equal(redisfront_lease(co, rf, "b", 4, &b2), 0);
    assert_int_equal(b2.njobs, 0);
    /* both commit, the hand-on told again with them (it counts once): the slot is freed once */
    d[0] = redisfront_done_of(&a.jobs[0]);
    d[1] = redisfront_done_of(&a.ahead[0]);
    {
        const struct redisfront_commit cm = {"a", &over, 1, d, 2, NULL, 0};

        assert_int_equal(redisfront_commit(co, rf, &cm, ok, NULL), 0);
    }
    assert_true(ok[0] && ok[1]);
    assert_int_equal(redisfront_lease(co, rf, "b", 4, &b3), 0);
    assert_int_equal(b3.njobs, 1);
    /* a gives its other job ahead back: queued again, no slot freed (b's is the only one) */
    back = (struct redisfront_held){.fp = a.ahead[1].fp, .token = a.ahead[1].token};
    lease_ahead(co, rf, "a", 0, 0, NULL, 0, &back, 1, &a3);
    assert_int_equal(a3.njobs, 0);
    stats(co, rf, &s);
    assert_int_equal(s.queued, 3);
    assert_int_equal(s.in_flight, 1);
    assert_int_equal(s.done, 2);
    /* its token is void; when b's request is done, it is the next job, its lease not counted */
    complete_one(co, rf, &a.ahead[1], false);
    complete_one(co, rf, &b3.jobs[0], true);
    assert_int_equal(redisfront_lease(co, rf, "c", 4, &c3), 0);
    assert_int_equal(c3.njobs, 1);
    assert_true(c3.jobs[0].fp == a.ahead[1].fp);
    assert_int_equal(c3.jobs[0].leases, 1);
    redisfront_lease_free(&c3);
    redisfront_lease_free(&a3);
    redisfront_lease_free(&b3);
    redisfront_lease_free(&b2);
    redisfront_lease_free(&a2);
    redisfront_lease_free(&b);
    redisfront_lease_free(&a);
    close_front(rf, c);
    return 0;
}

static void test_redisfront_jobs_leased_ahead_hold_no_slot_until_one_is_handed_on(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, ahead_body);
}

/* A job leased ahead and completed with its slot never handed on to it held no slot: its
 * completion frees none (the host's one slot stays its holder's job's). */
static int ahead_unhanded_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_lease a, b, b2;

    f->opts.per_host = 1;
    f->opts.lease_ms = 600000;
    rf = open_front(co, f, &c);
    make_urls(f, 4, 1);
    assert_int_equal(redisfront_add(co, rf, f->u, f->nurls, NULL, NULL, NULL), 0);
    lease_ahead(co, rf, "a", 1, 1, NULL, 0, NULL, 0, &a);
    assert_int_equal(a.njobs, 1);
    assert_int_equal(a.nahead, 1);
    complete_one(co, rf, &a.ahead[0], true);
    assert_int_equal(redisfront_lease(co, rf, "b", 4, &b), 0);
    assert_int_equal(b.njobs, 0);
    complete_one(co, rf, &a.jobs[0], true);
    assert_int_equal(redisfront_lease(co, rf, "b", 4, &b2), 0);
    assert_int_equal(b2.njobs, 1);
    redisfront_lease_free(&b2);
    redisfront_lease_free(&b);
    redisfront_lease_free(&a);
    close_front(rf, c);
    return 0;
}

static void test_redisfront_a_job_completed_ahead_frees_no_slot(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, ahead_unhanded_body);
}

/* A worker released (restarted) with jobs ahead: they go back uncounted and free no slot; its
 * job with the slot is counted and frees it. */
static int ahead_release_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_lease a, d;
    struct redisfront_stats s;

    f->opts.per_host = 2;
    f->opts.lease_ms = 600000;
    rf = open_front(co, f, &c);
    make_urls(f, 4, 1);
    assert_int_equal(redisfront_add(co, rf, f->u, f->nurls, NULL, NULL, NULL), 0);
    lease_ahead(co, rf, "a", 1, 2, NULL, 0, NULL, 0, &a);
    assert_int_equal(a.njobs, 1);
    assert_int_equal(a.nahead, 2);
    /* one slot of two is a's: d takes the other, with the last job */
    assert_int_equal(redisfront_lease(co, rf, "d", 4, &d), 0);
    assert_int_equal(d.njobs, 1);
    redisfront_lease_free(&d);
    assert_int_equal(release(co, rf, "a"), 3);
    stats(co, rf, &s);
    assert_int_equal(s.queued, 3);
    assert_int_equal(s.in_flight, 1);
    /* one slot free (not three), and each job's leases counted: 2 for a's job with the slot
     * (this lease included), 1 for the others */
    for (int round = 0; round < 3; round++) {
        assert_int_equal(redisfront_lease(co, rf, "e", 4, &d), 0);
        assert_int_equal(d.njobs, 1);
        assert_int_equal(d.jobs[0].leases, d.jobs[0].fp == a.jobs[0].fp ? 2 : 1);
        complete_one(co, rf, &d.jobs[0], true);
        redisfront_lease_free(&d);
    }
    redisfront_lease_free(&a);
    close_front(rf, c);
    return 0;
}

/* Jobs ahead that went back with their worker are suspect (one may have been started in a slot
 * handed on to it, and killed the worker before Redis knew): never leased ahead again, only
 * with a slot, until completed. */
static int suspect_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_lease a, b, d;
    struct redisfront_stats s;

    f->opts.per_host = 1;
    f->opts.lease_ms = 600000;
    rf = open_front(co, f, &c);
    make_urls(f, 6, 1);
    assert_int_equal(redisfront_add(co, rf, f->u, f->nurls, NULL, NULL, NULL), 0);
    lease_ahead(co, rf, "a", 1, 2, NULL, 0, NULL, 0, &a);
    assert_int_equal(a.nahead, 2);
    assert_int_equal(release(co, rf, "a"), 3);
    /* b: a slot job, and ahead only jobs that are not suspect (p3, p4, p5 are not) */
    lease_ahead(co, rf, "b", 1, 5, NULL, 0, NULL, 0, &b);
    assert_int_equal(b.njobs, 1);
    for (size_t i = 0; i < b.nahead; i++)
        assert_true(b.ahead[i].fp != a.ahead[0].fp && b.ahead[i].fp != a.ahead[1].fp);
    stats(co, rf, &s);
    assert_int_equal(s.queued, 6 - 1 - b.nahead);
    /* with b's slot job done, the jobs still queued (suspects among them) are leased with the
     * slot, one at a time, a suspect with its one lease */
    complete_one(co, rf, &b.jobs[0], true);
    for (size_t round = 0; round < 6 - 1 - b.nahead; round++) {
        bool suspect = false;

        assert_int_equal(redisfront_lease(co, rf, "d", 4, &d), 0);
        assert_int_equal(d.njobs, 1);
        for (int k = 0; k < 2; k++)
            suspect |= d.jobs[0].fp == a.ahead[k].fp;
        if (suspect)
            assert_int_equal(d.jobs[0].leases, 1);
        complete_one(co, rf, &d.jobs[0], true);
        redisfront_lease_free(&d);
    }
    redisfront_lease_free(&b);
    redisfront_lease_free(&a);
    close_front(rf, c);
    return 0;
}

static void test_redisfront_jobs_ahead_back_with_their_worker_are_leased_with_a_slot_only(
    void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, suspect_body);
}

static void test_redisfront_jobs_leased_ahead_go_back_uncounted_with_their_worker(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, ahead_release_body);
}

/* --- status ---------------------------------------------------------------------------------- */

static int status_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_lease l;
    struct redisfront_status st;
    struct redisfront_stats s;
    const char *const hosts[] = {"http://h0.test", "http://h0.test", "http://h0.test",
                                 "http://h0.test", "http://h1.test", "http://h1.test",
                                 "http://h2.test"};
    char urls[7][32];
    struct redisfront_url u[7];

    f->opts.per_host = 1;
    rf = open_front(co, f, &c);
    for (size_t i = 0; i < 7; i++) {
        snprintf(urls[i], sizeof(urls[i]), "%s/p%zu", hosts[i], i);
        u[i] = url_of(urls[i], 0);
    }
    assert_int_equal(redisfront_add(co, rf, u, 7, NULL, NULL, NULL), 0);
    assert_int_equal(redisfront_status(co, rf, 2, &st), 0);
    assert_int_equal(st.stats.queued, 7);
    assert_int_equal(st.nworkers, 0);
    assert_int_equal(st.nhosts, 2);
    assert_string_equal(st.hosts[0].origin, "http://h0.test");
    assert_int_equal(st.hosts[0].queued, 4);
    assert_int_equal(st.hosts[1].len, strlen("http://h1.test"));
    assert_int_equal(st.hosts[1].queued, 2);
    redisfront_status_free(&st);
    /* one job of each host in flight; two commits by w1, some time apart */
    assert_int_equal(redisfront_lease(co, rf, "w1", 10, &l), 0);
    assert_int_equal(l.njobs, 3);
    complete_one(co, rf, &l.jobs[0], true);
    for (int i = 0;; i++) {
        assert_true(i < MAX_POLLS);
        stats(co, rf, &s);
        if (s.now_ms >= l.now_ms + 20)
            break;
        assert_int_equal(core_sleep(co, core_deadline_in(POLL_MS)), 0);
    }
    {
        struct redisfront_done d[2];
        bool ok[2];

        for (size_t i = 1; i < 3; i++) {
            d[i - 1] = redisfront_done_of(&l.jobs[i]);
            if (strcmp(l.jobs[i].url, "http://h1.test/p4") == 0)
                d[i - 1].failed = true;
        }
        assert_int_equal(redisfront_complete(co, rf, "w1", d, 2, NULL, 0, ok, NULL), 0);
    }
    redisfront_lease_free(&l);
    assert_int_equal(redisfront_lease(co, rf, "w2", 1, &l), 0);
    assert_int_equal(l.njobs, 1);
    assert_int_equal(redisfront_status(co, rf, 10, &st), 0);
    assert_int_equal(st.stats.queued, 3);
    assert_int_equal(st.stats.in_flight, 1);
    assert_int_equal(st.stats.done, 2);
    assert_int_equal(st.stats.failed, 1);
    assert_int_equal(st.stats.known, 7);
    /* h2 has nothing left: it is gone from the list */
    assert_int_equal(st.nhosts, 2);
    assert_string_equal(st.hosts[0].origin, "http://h0.test");
    assert_int_equal(st.hosts[0].queued + st.hosts[0].in_flight, 3);
    assert_string_equal(st.hosts[1].origin, "http://h1.test");
    assert_int_equal(st.hosts[1].queued + st.hosts[1].in_flight, 1);
    /* w ran complete_one, w1 the rest; w2 has committed nothing */
    assert_int_equal(st.nworkers, 2);
    assert_string_equal(st.workers[0].id, "w");
    assert_int_equal(st.workers[0].done, 1);
    assert_int_equal(st.workers[0].pages_per_s, 0);
    assert_string_equal(st.workers[1].id, "w1");
    assert_int_equal(st.workers[1].done + st.workers[1].failed, 2);
    assert_int_equal(st.workers[1].failed, 1);
    assert_true(st.workers[1].first_ms > 0);
    assert_true(st.workers[1].last_ms >= st.workers[0].last_ms);
    assert_true(st.workers[1].idle_ms >= 0);
    assert_true(st.workers[1].idle_ms <= st.stats.now_ms - st.workers[1].first_ms);
    redisfront_status_free(&st);
    complete_one(co, rf, &l.jobs[0], true);
    redisfront_lease_free(&l);
    close_front(rf, c);
    return 0;
}

static void test_redisfront_status_lists_workers_and_the_busiest_hosts(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, status_body);
}

/* --- Redis not ready ------------------------------------------------------------------------- */

struct busy {
    struct fx *f;
    bool running;               /* the long script has been sent */
};

/* A script that keeps Redis busy for a while (a counted loop: no clock inside a script). */
static int busy_body(struct core_coro *co, void *arg)
{
    struct busy *b = arg;
    struct redis_client *c;
    struct redis_reply *r;

    assert_int_equal(redis_client_create(core_coro_loop(co), b->f->d.url, &b->f->ropts, &c), 0);
    b->running = true;
    assert_int_equal(redis_client_cmdf(co, c, &r,
                                       "EVAL %s 0", "local x = 0 for i = 1, 200000000 do "
                                                    "x = x + i end return 1"),
                     0);
    redis_reply_free(r);
    redis_client_destroy(c);
    return 0;
}

static int busy_reply_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_stats s;
    struct redis_reply *r;
    struct core_group *g;
    struct busy b = {f, false};
    int rc = 0;

    f->ropts.cmd_timeout_ms = PROC_WATCHDOG_MS;
    rf = open_front(co, f, &c);
    /* a script counts as busy after 1 ms (busy-reply-threshold, lua-time-limit before 7.0) */
    assert_int_equal(redis_client_cmdf(co, c, &r, "CONFIG SET lua-time-limit 1"), 0);
    assert_int_equal(r->type, REDIS_T_STATUS);
    redis_reply_free(r);
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    assert_int_equal(core_group_spawn(g, busy_body, &b, NULL), 0);
    /* until the long script runs, and then while it does, scripts are refused with BUSY */
    for (int i = 0; i < MAX_POLLS; i++) {
        assert_int_equal(core_sleep(co, core_deadline_in(POLL_MS)), 0);
        if (!b.running)
            continue;
        rc = redisfront_stats(co, rf, &s);
        if (rc == -EAGAIN)
            break;
        assert_int_equal(rc, 0);
        if (core_group_running(g) == 0)
            break;
    }
    assert_int_equal(rc, -EAGAIN);
    assert_non_null(strstr(redisfront_error(rf), "BUSY"));
    assert_int_equal(core_group_wait(co, g, -1), 0);
    core_group_destroy(g);
    /* and once it has ended, they run */
    stats(co, rf, &s);
    close_front(rf, c);
    return 0;
}

static void test_redisfront_busy_redis_is_eagain_and_runs_nothing(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, busy_reply_body);
}

/* --- allocation failures ---------------------------------------------------------------- */

static int nomem_body(struct core_coro *co, void *arg)
{
    struct fx *f = arg;
    struct redis_client *c;
    struct redisfront *rf = NULL;
    struct redisfront_lease l;
    struct redisfront_stats s;
    struct redisfront_done d;
    size_t added = 0;
    bool ok = false;
    int rc = -ENOMEM;
    long n;

    f->opts.per_host = 0;
    assert_int_equal(redis_client_create(core_coro_loop(co), f->d.url, &f->ropts, &c), 0);
    for (n = 0; rc == -ENOMEM; n++) {
        core_mem_fail_after(n);
        rc = redisfront_create(c, "t", &rf);
        if (rc == 0) {
            rc = redisfront_create_crawl(co, rf, &f->opts, NULL);
            if (rc < 0)
                redisfront_destroy(rf);
        }
        core_mem_fail_after(-1);
        assert_true(rc == 0 || rc == -ENOMEM);
    }
    make_urls(f, 100, 5);
    rc = -ENOMEM;
    for (n = 0; rc == -ENOMEM; n++) {
        core_mem_fail_after(n);
        rc = redisfront_add(co, rf, f->u, f->nurls, NULL, &added, NULL);
        core_mem_fail_after(-1);
        assert_true(rc == 0 || rc == -ENOMEM);
    }
    assert_true(n > 2);
    /* a lease whose reply is lost to a failed allocation still ran in Redis: its jobs wait
     * for their expiry like those of a worker that died */
    rc = -ENOMEM;
    for (n = 0; rc == -ENOMEM; n++) {
        core_mem_fail_after(n);
        rc = redisfront_lease(co, rf, "w", 2, &l);
        core_mem_fail_after(-1);
        assert_true(rc == 0 || rc == -ENOMEM);
    }
    assert_true(n > 2);
    assert_int_equal(l.njobs, 2);
    d = redisfront_done_of(&l.jobs[0]);
    d.links = &f->u[0];
    d.nlinks = 1;
    rc = -ENOMEM;
    for (n = 0; rc == -ENOMEM; n++) {
        core_mem_fail_after(n);
        rc = redisfront_complete(co, rf, "w", &d, 1, NULL, 0, &ok, NULL);
        core_mem_fail_after(-1);
        /* a commit whose reply was lost to a failed allocation ran: its retry is stale */
        assert_true(rc == 0 || rc == -ENOMEM || rc == -ESTALE);
    }
    redisfront_lease_free(&l);
    rc = -ENOMEM;
    for (n = 0; rc == -ENOMEM; n++) {
        core_mem_fail_after(n);
        rc = redisfront_stats(co, rf, &s);
        core_mem_fail_after(-1);
        assert_true(rc == 0 || rc == -ENOMEM);
    }
    assert_int_equal(s.known, 100);
    assert_int_equal(s.done, 1);
    rc = -ENOMEM;
    for (n = 0; rc == -ENOMEM; n++) {
        struct redisfront_status st;

        core_mem_fail_after(n);
        rc = redisfront_status(co, rf, 10, &st);
        core_mem_fail_after(-1);
        assert_true(rc == 0 || rc == -ENOMEM);
        if (rc == 0) {
            assert_int_equal(st.nworkers, 1);
            assert_int_equal(st.nhosts, 5);
            redisfront_status_free(&st);
        }
    }
    rc = -ENOMEM;
    for (n = 0; rc == -ENOMEM; n++) {
        const char *const o[] = {"http://h0.test", "http://h1.test"};
        const size_t lens[] = {14, 14};
        struct redisfront_robots r;

        core_mem_fail_after(n);
        rc = redisfront_robots(co, rf, o, lens, 2, &r);
        core_mem_fail_after(-1);
        assert_true(rc == 0 || rc == -ENOMEM);
        if (rc == 0) {
            assert_false(r.hosts[0].known);
            redisfront_robots_free(&r);
        }
    }
    close_front(rf, c);
    return 0;
}

static void test_redisfront_fails_each_allocation_with_enomem_and_leaks_nothing(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f);
    run(&f, nomem_body);
}

/* The job records the scripts store (P jobs), read back by the lease replies' parser; anything
 * else is refused, never read past its end. */
static void test_redisfront_parse_record_reads_stored_jobs_and_refuses_the_rest(void **state)
{
    static const char *const bad[] = {
        "", "0 1 2 3", "0 1 2 3\nhttp://a", "x 1 2 3\nu\n", "0 1 2\nu\n", "0  1 2 3\nu\n",
        "0 1 2 3 \nu\n", "256 1 2 3\nu\n", "0 4294967296 2 3\nu\n", "0 1 2 4294967295\nu\n",
        "0 1 9 0\nhttp://\n", "0 1 2 99999999999999999999\nu\n", "-1 1 2 3\nu\n",
    };
    char rec[] = "1 7 13 2\nhttp://a.test/robots.txt\nhttp://a.test/";
    char seed[] = "0 0 15 0\nhttp://b.test:8/\n";
    struct redisfront_job j;

    (void)state;
    memset(&j, 0, sizeof(j));
    assert_true(redisfront_parse_record(rec, strlen(rec), &j));
    assert_int_equal(j.kind, 1);
    assert_int_equal(j.depth, 7);
    assert_int_equal(j.origin_len, 13);
    assert_int_equal(j.leases, 2);
    assert_string_equal(j.url, "http://a.test/robots.txt");
    assert_int_equal(j.len, 24);
    assert_string_equal(j.parent, "http://a.test/");
    assert_true(redisfront_parse_record(seed, strlen(seed), &j));
    assert_int_equal(j.origin_len, 15);
    assert_string_equal(j.url, "http://b.test:8/");
    assert_null(j.parent);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t n = strlen(bad[i]);
        char *copy = malloc(n + 1);

        assert_non_null(copy);
        memcpy(copy, bad[i], n + 1);
        if (redisfront_parse_record(copy, n, &j))
            fail_msg("record %zu (\"%s\") was taken", i, bad[i]);
        free(copy);
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redisfront_parse_record_reads_stored_jobs_and_refuses_the_rest),
        cmocka_unit_test(test_redisfront_create_with_other_options_is_refused),
        cmocka_unit_test(test_redisfront_join_of_a_missing_crawl_is_refused),
        cmocka_unit_test(test_redisfront_add_dedups_repeats_and_known_urls),
        cmocka_unit_test(test_redisfront_two_clients_never_lease_the_same_job),
        cmocka_unit_test(test_redisfront_per_host_one_never_leases_two_jobs_of_a_host),
        cmocka_unit_test(test_redisfront_per_host_slots_are_leased_together_within_the_limit),
        cmocka_unit_test(test_redisfront_delay_holds_a_host_until_its_next_allowed_time),
        cmocka_unit_test(test_redisfront_expired_lease_is_requeued_and_its_old_token_refused),
        cmocka_unit_test(test_redisfront_renew_keeps_a_lease_past_its_first_expiry),
        cmocka_unit_test(test_redisfront_dead_letters_a_job_after_max_leases),
        cmocka_unit_test(test_redisfront_state_survives_a_redis_restart),
        cmocka_unit_test(test_redisfront_batches_of_thousands_and_a_job_completed_twice_in_one),
        cmocka_unit_test(test_redisfront_robots_job_holds_its_host_until_it_is_completed),
        cmocka_unit_test(test_redisfront_reaped_robots_job_keeps_the_hold_and_a_dead_one_ends_it),
        cmocka_unit_test(test_redisfront_complete_is_all_or_nothing_and_stores_the_lengths),
        cmocka_unit_test(test_redisfront_release_gives_a_workers_leases_back_at_once),
        cmocka_unit_test(test_redisfront_lease_lanes_replay_their_own_reply_and_over_marks_free_slots),
        cmocka_unit_test(test_redisfront_a_hungry_worker_is_left_slots_the_others_free),
        cmocka_unit_test(test_redisfront_jobs_leased_ahead_hold_no_slot_until_one_is_handed_on),
        cmocka_unit_test(test_redisfront_a_job_completed_ahead_frees_no_slot),
        cmocka_unit_test(test_redisfront_jobs_leased_ahead_go_back_uncounted_with_their_worker),
        cmocka_unit_test(test_redisfront_jobs_ahead_back_with_their_worker_are_leased_with_a_slot_only),
        cmocka_unit_test(test_redisfront_status_lists_workers_and_the_busiest_hosts),
        cmocka_unit_test(test_redisfront_busy_redis_is_eagain_and_runs_nothing),
        cmocka_unit_test(test_redisfront_fails_each_allocation_with_enomem_and_leaks_nothing),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
