/* app/status_cmd.c: `trawl status --redis URL --crawl NAME [--json]` (see status_cmd.h).
 *
 * One read of the crawl (redisfront_status: one script, so the numbers agree with each
 * other): the counters, each worker that has committed (pages done and failed, pages per
 * second between its first and last commit, how long ago its last one was) and the busiest
 * hosts (queued + in flight). Redis is reached as `trawl orders --enqueue` reaches it: the
 * URL checked by redis_url_parse before anything starts, then a redis_client whose outage
 * timeout is --redis-timeout; a Redis that stays unreachable that long is exit 1, a crawl that
 * does not exist exit 2, as a usage error would be. Ctrl-C ends the wait at once (exit 130). */
#include "app/status_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app/cli.h"
#include "app/crawl/redisfront.h"
#include "app/export/jsonw.h"
#include "core/buf.h"
#include "core/coro.h"
#include "core/group.h"
#include "core/sigwatch.h"
#include "redis/client.h"

#define TOP_DEFAULT 10
#define TOP_MAX 1000
#define OUT_MAX (16u << 20)

static const char usage_text[] =
    "Usage: trawl status --redis URL --crawl NAME [--json] [--top N]\n"
    "Show a crawl shared through Redis: jobs queued, in flight, done, failed and\n"
    "dead-lettered, the URLs known, each worker's pages per second and the busiest hosts.\n"
    "\n"
    "Options:\n"
    "      --redis URL         redis://HOST[:PORT][/DB]\n"
    "      --crawl NAME        the crawl's name\n"
    "      --json              one JSON object instead of text\n"
    "      --top N             the N busiest hosts (default 10, at most 1000)\n"
    "      --redis-timeout SECONDS  give up when Redis stays unreachable this long (default 10)\n"
    "  -h, --help\n"
    "\n"
    "Exit status: 0 shown, 1 Redis unreachable or failing, 2 no such crawl or a usage error.\n";

enum { OPT_REDIS = 256, OPT_CRAWL, OPT_JSON, OPT_TOP, OPT_REDIS_TIMEOUT };

static const struct option long_opts[] = {
    {"redis", required_argument, NULL, OPT_REDIS},
    {"crawl", required_argument, NULL, OPT_CRAWL},
    {"json", no_argument, NULL, OPT_JSON},
    {"top", required_argument, NULL, OPT_TOP},
    {"redis-timeout", required_argument, NULL, OPT_REDIS_TIMEOUT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

struct cmd {
    const char *redis_url;      /* --redis */
    const char *crawl;          /* --crawl */
    bool json;                  /* --json */
    size_t top;                 /* --top */
    int64_t redis_timeout_ms;   /* --redis-timeout */
    struct core_sigwatch *stop; /* while cli_run runs */
    struct core_group *fetch;   /* the read, cancelled by a signal */
    /* the outcome */
    int rc;                     /* of the read: 0 or a negative code */
    char why[320];              /* the cause, when rc < 0 */
    bool interrupted;
    struct core_buf out;        /* what to print */
};

/* --- options -------------------------------------------------------------------------------- */

/* 2 for a usage error (said), 0 after --help, -1 to go on. */
static int parse_options(struct cmd *c, int argc, char **argv)
{
    uint64_t n;
    int opt;

#if defined(__GLIBC__)
    optind = 0;
#else
    optind = 1;
#endif
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            fputs(usage_text, stdout);
            return CLI_EXIT_OK;
        case OPT_REDIS: {
            struct redis_url u;
            const char *why;

            if (redis_url_parse(optarg, &u, &why) < 0)
                return cli_usage_error("status", "--redis '%s': %s", optarg, why);
            c->redis_url = optarg;
            break;
        }
        case OPT_CRAWL:
            c->crawl = optarg;
            break;
        case OPT_JSON:
            c->json = true;
            break;
        case OPT_TOP:
            if (!cli_parse_u64(optarg, 0, TOP_MAX, &n))
                return cli_usage_error("status", "--top must be a whole number from 0 to %d, not '%s'",
                                       TOP_MAX, optarg);
            c->top = (size_t)n;
            break;
        case OPT_REDIS_TIMEOUT:
            if (!cli_parse_seconds(optarg, 86400000, &c->redis_timeout_ms))
                return cli_usage_error("status", "--redis-timeout must be seconds from 0 to 86400, not '%s'",
                                       optarg);
            break;
        case ':':
            return cli_usage_error("status", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("status", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("status", "unexpected argument '%s'", argv[optind]);
    if (!c->redis_url || !c->crawl)
        return cli_usage_error("status", "--redis and --crawl are needed");
    return -1;
}

/* --- output --------------------------------------------------------------------------------- */

static int put_json(struct core_buf *out, const struct cmd *c, const struct redisfront_status *st)
{
    const struct redisfront_stats *s = &st->stats;
    struct jsonw w;
    char num[32];
    int rc;

    jsonw_init(&w, out);
    jsonw_begin_object(&w);
    jsonw_key(&w, "crawl");
    jsonw_string(&w, c->crawl, strlen(c->crawl));
    jsonw_key(&w, "now_ms");
    jsonw_int(&w, s->now_ms);
    jsonw_key(&w, "queued");
    jsonw_uint(&w, s->queued);
    jsonw_key(&w, "in_flight");
    jsonw_uint(&w, s->in_flight);
    jsonw_key(&w, "done");
    jsonw_uint(&w, s->done);
    jsonw_key(&w, "failed");
    jsonw_uint(&w, s->failed);
    jsonw_key(&w, "dead");
    jsonw_uint(&w, s->dead);
    jsonw_key(&w, "requeued");
    jsonw_uint(&w, s->requeued);
    jsonw_key(&w, "known");
    jsonw_uint(&w, s->known);
    jsonw_key(&w, "hosts_busy");
    jsonw_uint(&w, s->hosts_busy);
    jsonw_key(&w, "hosts_waiting");
    jsonw_uint(&w, s->hosts_waiting);
    jsonw_key(&w, "hosts_held");
    jsonw_uint(&w, s->hosts_held);
    jsonw_key(&w, "workers");
    jsonw_begin_array(&w);
    for (size_t i = 0; i < st->nworkers; i++) {
        const struct redisfront_worker *k = &st->workers[i];

        jsonw_begin_object(&w);
        jsonw_key(&w, "id");
        jsonw_string(&w, k->id, k->id_len);
        jsonw_key(&w, "done");
        jsonw_uint(&w, k->done);
        jsonw_key(&w, "failed");
        jsonw_uint(&w, k->failed);
        jsonw_key(&w, "pages_per_s");
        snprintf(num, sizeof(num), "%.3f", k->pages_per_s);
        jsonw_raw(&w, num);
        jsonw_key(&w, "first_ms");
        jsonw_int(&w, k->first_ms);
        jsonw_key(&w, "last_ms");
        jsonw_int(&w, k->last_ms);
        jsonw_key(&w, "idle_ms");
        jsonw_int(&w, k->idle_ms);
        jsonw_end_object(&w);
    }
    jsonw_end_array(&w);
    jsonw_key(&w, "hosts");
    jsonw_begin_array(&w);
    for (size_t i = 0; i < st->nhosts; i++) {
        const struct redisfront_hostload *h = &st->hosts[i];

        jsonw_begin_object(&w);
        jsonw_key(&w, "origin");
        jsonw_string(&w, h->origin, h->len);
        jsonw_key(&w, "queued");
        jsonw_uint(&w, h->queued);
        jsonw_key(&w, "in_flight");
        jsonw_uint(&w, h->in_flight);
        jsonw_end_object(&w);
    }
    jsonw_end_array(&w);
    jsonw_end_object(&w);
    rc = jsonw_finish(&w);
    return rc < 0 ? rc : core_buf_append(out, "\n", 1);
}

static int put_text(struct core_buf *out, const struct cmd *c, const struct redisfront_status *st)
{
    const struct redisfront_stats *s = &st->stats;
    char line[512];
    int rc = 0;

#define PUT(...)                                                                               \
    do {                                                                                       \
        int n_ = snprintf(line, sizeof(line), __VA_ARGS__);                                    \
        if (n_ < 0)                                                                            \
            return -EINVAL;                                                                    \
        rc = core_buf_append(out, line, (size_t)n_ < sizeof(line) ? (size_t)n_ : sizeof(line) - 1); \
        if (rc < 0)                                                                            \
            return rc;                                                                         \
    } while (0)

    PUT("crawl %s\n", c->crawl);
    PUT("  queued         %" PRIu64 "\n", s->queued);
    PUT("  in flight      %" PRIu64 "\n", s->in_flight);
    PUT("  done           %" PRIu64 "\n", s->done);
    PUT("  failed         %" PRIu64 "\n", s->failed);
    PUT("  dead-lettered  %" PRIu64 "\n", s->dead);
    PUT("  requeued       %" PRIu64 "\n", s->requeued);
    PUT("  known URLs     %" PRIu64 "\n", s->known);
    PUT("  hosts          %" PRIu64 " busy, %" PRIu64 " waiting, %" PRIu64
        " held for robots.txt\n", s->hosts_busy, s->hosts_waiting, s->hosts_held);
    PUT("workers: %zu\n", st->nworkers);
    if (st->nworkers)
        PUT("  %-24s %10s %8s %9s %12s\n", "ID", "DONE", "FAILED", "PAGES/S", "LAST");
    for (size_t i = 0; i < st->nworkers; i++) {
        const struct redisfront_worker *k = &st->workers[i];

        PUT("  %-24.*s %10" PRIu64 " %8" PRIu64 " %9.2f %8.1f s ago\n", (int)k->id_len, k->id,
            k->done, k->failed, k->pages_per_s, (double)k->idle_ms / 1000.0);
    }
    PUT("busiest hosts: %zu\n", st->nhosts);
    if (st->nhosts)
        PUT("  %10s %10s  %s\n", "QUEUED", "IN FLIGHT", "HOST");
    for (size_t i = 0; i < st->nhosts; i++) {
        const struct redisfront_hostload *h = &st->hosts[i];

        PUT("  %10" PRIu64 " %10" PRIu64 "  %.*s\n", h->queued, h->in_flight, (int)h->len,
            h->origin);
    }
#undef PUT
    return rc;
}

/* --- the read ------------------------------------------------------------------------------- */

static int fetch_body(struct core_coro *co, void *arg)
{
    struct cmd *c = arg;
    struct redis_client *rc = NULL;
    struct redisfront *rf = NULL;
    struct redisfront_status st;
    struct redis_opts o;

    redis_opts_init(&o);
    o.outage_timeout_ms = c->redis_timeout_ms;
    if (o.connect_timeout_ms > c->redis_timeout_ms)
        o.connect_timeout_ms = c->redis_timeout_ms;
    c->rc = redis_client_create(core_coro_loop(co), c->redis_url, &o, &rc);
    if (c->rc < 0) {
        snprintf(c->why, sizeof(c->why), "Redis: %s", core_strerror(c->rc));
        return 0;
    }
    c->rc = redisfront_create(rc, c->crawl, &rf);
    if (c->rc < 0) {
        snprintf(c->why, sizeof(c->why), "%s",
                 c->rc == -EINVAL ? "--crawl NAME must be 1 to 200 bytes, no control characters"
                                  : core_strerror(c->rc));
        goto out;
    }
    c->rc = redisfront_status(co, rf, c->top, &st);
    if (c->rc == CORE_EOUTAGE || c->rc == -ETIMEDOUT || c->rc == -ECONNRESET) {
        const char *last = redis_client_last_error(rc);

        snprintf(c->why, sizeof(c->why), "Redis at %s is unreachable: %s", c->redis_url,
                 *last ? last : core_strerror(c->rc));
    } else if (c->rc == -ENOENT) {
        snprintf(c->why, sizeof(c->why), "there is no crawl '%s' in Redis at %s", c->crawl,
                 c->redis_url);
    } else if (c->rc < 0) {
        snprintf(c->why, sizeof(c->why), "%s", redisfront_error(rf));
    } else {
        c->rc = c->json ? put_json(&c->out, c, &st) : put_text(&c->out, c, &st);
        if (c->rc < 0)
            snprintf(c->why, sizeof(c->why), "formatting the status: %s", core_strerror(c->rc));
        redisfront_status_free(&st);
    }
out:
    redisfront_destroy(rf);
    redis_client_destroy(rc);
    return 0;
}

/* Ctrl-C (or SIGTERM) cancels the read. */
static int watch_body(struct core_coro *co, void *arg)
{
    struct cmd *c = arg;

    if (core_sigwatch_wait(co, c->stop, -1) == 0) {
        c->interrupted = true;
        core_group_cancel(c->fetch);
    }
    return 0;
}

static int status_body(struct core_coro *co, void *arg)
{
    struct cmd *c = arg;
    struct core_group *watch = NULL;
    int rc;

    rc = core_group_create(core_coro_loop(co), 0, &c->fetch);
    if (rc == 0)
        rc = core_group_create(core_coro_loop(co), 0, &watch);
    if (rc == 0)
        rc = core_group_spawn(c->fetch, fetch_body, c, NULL);
    if (rc == 0)
        rc = core_group_spawn(watch, watch_body, c, NULL);
    if (rc == 0)
        rc = core_group_wait(co, c->fetch, -1);
    if (rc < 0 && c->rc == 0) {
        c->rc = rc;
        snprintf(c->why, sizeof(c->why), "%s", core_strerror(rc));
    }
    core_group_destroy(watch);
    core_group_destroy(c->fetch);
    c->fetch = NULL;
    return 0;
}

int status_cmd_main(int argc, char **argv)
{
    struct cmd c;
    int code, rc;

    memset(&c, 0, sizeof(c));
    c.top = TOP_DEFAULT;
    c.redis_timeout_ms = 10000;
    code = parse_options(&c, argc, argv);
    if (code >= 0)
        return code;
    core_buf_init(&c.out, OUT_MAX);
    rc = cli_run(status_body, &c, &c.stop);
    if (rc < 0) {
        fprintf(stderr, "trawl status: %s\n", core_strerror(rc));
        code = CLI_EXIT_FATAL;
    } else if (c.interrupted) {
        code = CLI_EXIT_INTERRUPTED;
    } else if (c.rc == -ENOENT || c.rc == -EINVAL) {
        fprintf(stderr, "trawl status: %s\n", c.why);
        code = CLI_EXIT_USAGE;
    } else if (c.rc < 0) {
        fprintf(stderr, "trawl status: %s\n", c.why);
        code = CLI_EXIT_FATAL;
    } else if (fwrite(c.out.data, 1, c.out.len, stdout) != c.out.len || fflush(stdout) != 0) {
        fprintf(stderr, "trawl status: writing the output failed\n");
        code = CLI_EXIT_FATAL;
    } else {
        code = CLI_EXIT_OK;
    }
    core_buf_free(&c.out);
    return code;
}
