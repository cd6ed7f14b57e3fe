/* bench/bench_redisfront.c: the shared crawl frontier on Redis (app/crawl/redisfront.h) against
 * a local redis-server the bench starts itself (on 127.0.0.1, a free port, appendonly yes with
 * appendfsync everysec, Redis's recommended durability; a temporary directory).
 *
 * bench_redisfront [PAGES [LINKS [HOSTS [MEM_URLS]]]]   (defaults 20000, 10, 100, 100000)
 *
 * Worker loop: a simulated site of PAGES pages over HOSTS hosts, each page linking to the next
 * two pages and to LINKS - 2 pages picked by a hash (so most links are known already, as in a
 * real crawl). A worker leases a batch, "fetches" it (no time), then completes the batch with
 * each page's links in one call: two round trips per batch. Per configuration (batch size,
 * 1 or 2 workers, each worker its own connection): pages, round trips per page, wall µs per
 * page (the whole crawl's wall time / pages: with one worker the worker's Redis cost a page),
 * Redis's CPU per page (INFO cpu, user + sys), whose inverse bounds pages/s of one Redis
 * whatever the number of workers, and the workers' CPU per page (this process's: building the
 * links' arguments, hashing them, reading replies) that a crawling worker would pay.
 *
 * Memory: MEM_URLS URLs (about 60 bytes each, over 1,000 hosts) added in batches of 1,000:
 * INFO memory's used_memory before and after, per URL queued (visited-set entry, job record,
 * host queue entry); then all of them leased and completed: per URL known and done (the
 * visited-set entry alone).
 *
 * Output: tab-separated lines (figure, value, unit).
 * Environment: BENCH_REDISFRONT_APPENDONLY=no runs the server without its append-only file;
 * BENCH_REDISFRONT_COMMANDSTATS=1 prints Redis's INFO commandstats of each crawl (the commands
 * the scripts ran, with their calls and µs). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "app/crawl/redisfront.h"
#include "core/coro.h"
#include "core/group.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/siphash.h"
#include "redis/client.h"

#define URL_MAX 96
#define MAX_BATCH 256

static double now_s(void)
{
    return (double)uv_hrtime() / 1e9;
}

/* This process's CPU time (user + sys), s: the workers' side of the cost. */
static double cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* --- the server ------------------------------------------------------------------------------ */

struct server {
    pid_t pid;
    int port;
    char dir[64];
    char url[64];
};

static int free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
        perror("bench_redisfront: port");
        exit(1);
    }
    port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static bool answers(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char buf[16] = "";
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    bool ok = false;

    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        write(fd, "PING\r\n", 6) == 6 && read(fd, buf, sizeof(buf) - 1) > 0)
        ok = strncmp(buf, "+PONG", 5) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

static void server_start(struct server *s)
{
    char port[16];

    snprintf(s->dir, sizeof(s->dir), "/tmp/bench_redisfront.XXXXXX");
    if (!mkdtemp(s->dir)) {
        perror("bench_redisfront: mkdtemp");
        exit(1);
    }
    s->port = free_port();
    snprintf(port, sizeof(port), "%d", s->port);
    snprintf(s->url, sizeof(s->url), "redis://127.0.0.1:%d/0", s->port);
    s->pid = fork();
    if (s->pid < 0) {
        perror("bench_redisfront: fork");
        exit(1);
    }
    if (s->pid == 0) {
        const char *aof = getenv("BENCH_REDISFRONT_APPENDONLY");
        char log[96];

        snprintf(log, sizeof(log), "%s/redis.log", s->dir);
        execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1",
               "--appendonly", aof && strcmp(aof, "no") == 0 ? "no" : "yes", "--appendfsync",
               "everysec", "--save", "", "--dir", s->dir,
               "--logfile", log, "--daemonize", "no", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; !answers(s->port); i++) {
        int st;

        if (i > 1000 || waitpid(s->pid, &st, WNOHANG) == s->pid) {
            fprintf(stderr, "bench_redisfront: redis-server did not start (see %s)\n", s->dir);
            exit(1);
        }
        usleep(10000);
    }
}

static void server_stop(struct server *s)
{
    char cmd[128];

    kill(s->pid, SIGTERM);
    waitpid(s->pid, NULL, 0);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_redisfront: could not remove %s\n", s->dir);
}

/* --- the site ------------------------------------------------------------------------------- */

struct site {
    unsigned pages, links, hosts;
    struct core_siphash_key key;
};

static size_t page_url(const struct site *s, unsigned page, char *buf, size_t *origin_len)
{
    unsigned host = page % s->hosts;
    int n, o;

    o = snprintf(buf, URL_MAX, "http://host%04u.example.com", host);
    n = snprintf(buf + o, URL_MAX - (size_t)o, "/section-%u/page-%u.html", page % 13, page);
    *origin_len = (size_t)o;
    return (size_t)(o + n);
}

static unsigned page_of(const char *url)
{
    const char *p = strstr(url, "/page-");

    return p ? (unsigned)strtoul(p + 6, NULL, 10) : 0;
}

static unsigned link_target(const struct site *s, unsigned page, unsigned j)
{
    uint64_t h;
    unsigned in[2] = {page, j};

    if (j < 2)
        return (page + 1 + j) % s->pages;
    h = core_siphash13(&s->key, in, sizeof(in));
    return (unsigned)(h % s->pages);
}

static struct redisfront_url make_url(const struct site *s, unsigned page, uint32_t depth,
                                      char *buf)
{
    size_t olen, len = page_url(s, page, buf, &olen);

    return (struct redisfront_url){.url = buf, .len = len, .origin_len = olen,
                                   .fp = core_siphash13(&s->key, buf, len), .depth = depth};
}

/* --- helpers -------------------------------------------------------------------------------- */

static void die(const char *what, int rc, const struct redisfront *rf)
{
    fprintf(stderr, "bench_redisfront: %s: %s %s\n", what, core_strerror(rc),
            rf ? redisfront_error(rf) : "");
    exit(1);
}

/* A number from INFO's text ("used_memory:123\r\n"). */
static double info_field(struct core_coro *co, struct redis_client *c, const char *section,
                         const char *field)
{
    struct redis_reply *r;
    char key[64];
    const char *p;
    double v;

    if (redis_client_cmdf(co, c, &r, "INFO %s", section) != 0 || r->type != REDIS_T_STRING)
        die("INFO", CORE_EREPLY, NULL);
    snprintf(key, sizeof(key), "\n%s:", field);
    p = strstr(r->str, key);
    if (!p)
        die("INFO field", CORE_EREPLY, NULL);
    v = strtod(p + strlen(key), NULL);
    redis_reply_free(r);
    return v;
}

static double redis_cpu(struct core_coro *co, struct redis_client *c)
{
    return info_field(co, c, "cpu", "used_cpu_user") + info_field(co, c, "cpu", "used_cpu_sys");
}

static void flushall(struct core_coro *co, struct redis_client *c)
{
    struct redis_reply *r;

    if (redis_client_cmdf(co, c, &r, "FLUSHALL") != 0)
        die("FLUSHALL", CORE_EREPLY, NULL);
    redis_reply_free(r);
}

/* --- the worker loop ---------------------------------------------------------------------- */

struct run {
    const struct server *srv;
    const struct site *site;
    const char *crawl;
    size_t batch;
    uint64_t pages, round_trips, idle;
};

static int worker(struct core_coro *co, void *arg)
{
    struct run *r = arg;
    const struct site *s = r->site;
    struct redis_opts ro;
    struct redis_client *c;
    struct redisfront *rf;
    struct redisfront_opts o;
    struct redisfront_url *links = core_calloc(MAX_BATCH * (size_t)s->links, sizeof(*links));
    char (*bufs)[URL_MAX] = core_calloc(MAX_BATCH * (size_t)s->links, URL_MAX);
    struct redisfront_done done[MAX_BATCH];
    bool ok[MAX_BATCH];
    uint64_t lengths[4] = {0};
    int rc;

    if (!links || !bufs)
        die("memory", -ENOMEM, NULL);
    redis_opts_init(&ro);
    if (redis_client_create(core_coro_loop(co), r->srv->url, &ro, &c) != 0 ||
        redisfront_create(c, r->crawl, &rf) != 0)
        die("client", -ENOMEM, NULL);
    rc = redisfront_join(co, rf, &o);
    if (rc < 0)
        die("join", rc, rf);
    for (;;) {
        struct redisfront_lease l;

        rc = redisfront_lease(co, rf, "bench", r->batch, &l);
        r->round_trips++;
        if (rc < 0)
            die("lease", rc, rf);
        if (l.njobs == 0) {
            bool over = l.queued == 0 && l.in_flight == 0;

            redisfront_lease_free(&l);
            if (over)
                break;
            r->idle++;
            core_sleep(co, core_deadline_in(1));
            continue;
        }
        for (size_t i = 0; i < l.njobs; i++) {
            unsigned page = page_of(l.jobs[i].url);
            struct redisfront_url *ls = links + i * s->links;

            for (unsigned j = 0; j < s->links; j++)
                ls[j] = make_url(s, link_target(s, page, j), l.jobs[i].depth + 1,
                                 bufs[i * s->links + j]);
            done[i] = redisfront_done_of(&l.jobs[i]);
            done[i].links = ls;
            done[i].nlinks = s->links;
        }
        /* the commit carries the worker's output lengths, as a crawl's does (4 files) */
        lengths[0] += l.njobs;
        rc = redisfront_complete(co, rf, "bench", done, l.njobs, lengths, sizeof(lengths), ok,
                                 NULL);
        r->round_trips++;
        if (rc < 0)
            die("complete", rc, rf);
        r->pages += l.njobs;
        redisfront_lease_free(&l);
    }
    redisfront_destroy(rf);
    redis_client_destroy(c);
    core_free(bufs);
    core_free(links);
    return 0;
}

struct bench {
    struct server srv;
    struct site site;
    unsigned mem_urls;
};

static void crawl_once(struct core_coro *co, struct bench *b, struct redis_client *c,
                       size_t batch, int workers)
{
    struct run runs[2];
    struct core_group *g;
    struct redisfront *rf;
    struct redisfront_opts o;
    struct redisfront_url seed;
    char buf[URL_MAX];
    uint64_t pages = 0, rts = 0;
    double t0, t1, cpu0, cpu1, own0, own1;
    int rc;

    flushall(co, c);
    if (redisfront_create(c, "bench", &rf) != 0)
        die("create", -ENOMEM, NULL);
    redisfront_opts_init(&o);
    o.per_host = 2;   /* no delay: it would measure the wait, not Redis */
    rc = redisfront_create_crawl(co, rf, &o, NULL);
    if (rc < 0)
        die("create_crawl", rc, rf);
    seed = make_url(&b->site, 0, 0, buf);
    rc = redisfront_add(co, rf, &seed, 1, NULL, NULL, NULL);
    if (rc < 0)
        die("add", rc, rf);
    if (getenv("BENCH_REDISFRONT_COMMANDSTATS")) {
        struct redis_reply *r;

        if (redis_client_cmdf(co, c, &r, "CONFIG RESETSTAT") != 0)
            die("CONFIG RESETSTAT", CORE_EREPLY, NULL);
        redis_reply_free(r);
    }
    cpu0 = redis_cpu(co, c);
    own0 = cpu_s();
    t0 = now_s();
    if (core_group_create(core_coro_loop(co), 0, &g) != 0)
        die("group", -ENOMEM, NULL);
    for (int i = 0; i < workers; i++) {
        runs[i] = (struct run){&b->srv, &b->site, "bench", batch, 0, 0, 0};
        if (core_group_spawn(g, worker, &runs[i], NULL) != 0)
            die("spawn", -ENOMEM, NULL);
    }
    if (core_group_wait(co, g, -1) != 0)
        die("wait", -ECANCELED, NULL);
    core_group_destroy(g);
    t1 = now_s();
    own1 = cpu_s();
    cpu1 = redis_cpu(co, c);
    for (int i = 0; i < workers; i++) {
        pages += runs[i].pages;
        rts += runs[i].round_trips;
    }
    printf("crawl batch=%zu workers=%d\tpages\t%llu\n", batch, workers, (unsigned long long)pages);
    printf("crawl batch=%zu workers=%d\tround trips per page\t%.3f\n", batch, workers,
           (double)rts / (double)pages);
    printf("crawl batch=%zu workers=%d\twall per page\t%.1f\tus\n", batch, workers,
           (t1 - t0) * 1e6 / (double)pages);
    printf("crawl batch=%zu workers=%d\tpages per second\t%.0f\n", batch, workers,
           (double)pages / (t1 - t0));
    printf("crawl batch=%zu workers=%d\tredis cpu per page\t%.1f\tus\n", batch, workers,
           (cpu1 - cpu0) * 1e6 / (double)pages);
    printf("crawl batch=%zu workers=%d\tworker cpu per page\t%.1f\tus\n", batch, workers,
           (own1 - own0) * 1e6 / (double)pages);
    if (getenv("BENCH_REDISFRONT_COMMANDSTATS")) {
        struct redis_reply *r;

        if (redis_client_cmdf(co, c, &r, "INFO commandstats") != 0 || r->type != REDIS_T_STRING)
            die("INFO commandstats", CORE_EREPLY, NULL);
        printf("%s\n", r->str);
        redis_reply_free(r);
    }
    fflush(stdout);
    redisfront_destroy(rf);
}

static void memory(struct core_coro *co, struct bench *b, struct redis_client *c)
{
    struct redisfront *rf;
    struct redisfront_opts o;
    struct redisfront_url *u = core_calloc(1000, sizeof(*u));
    char (*bufs)[URL_MAX] = core_calloc(1000, URL_MAX);
    struct site s = b->site;
    double m0, m1, m2;
    uint64_t url_bytes = 0;
    size_t done = 0;
    int rc;

    if (!u || !bufs)
        die("memory", -ENOMEM, NULL);
    s.hosts = 1000;
    flushall(co, c);
    if (redisfront_create(c, "mem", &rf) != 0)
        die("create", -ENOMEM, NULL);
    redisfront_opts_init(&o);
    o.per_host = 0;
    rc = redisfront_create_crawl(co, rf, &o, NULL);
    if (rc < 0)
        die("create_crawl", rc, rf);
    m0 = info_field(co, c, "memory", "used_memory");
    for (unsigned i = 0; i < b->mem_urls; i += 1000) {
        size_t n = b->mem_urls - i < 1000 ? b->mem_urls - i : 1000;

        for (size_t k = 0; k < n; k++) {
            u[k] = make_url(&s, i + (unsigned)k, 1, bufs[k]);
            url_bytes += u[k].len;
        }
        rc = redisfront_add(co, rf, u, n, "http://host0000.example.com/", NULL, NULL);
        if (rc < 0)
            die("add", rc, rf);
    }
    m1 = info_field(co, c, "memory", "used_memory");
    while (done < b->mem_urls) {
        struct redisfront_lease l;
        struct redisfront_done d[MAX_BATCH];
        bool ok[MAX_BATCH];

        rc = redisfront_lease(co, rf, "bench", MAX_BATCH, &l);
        if (rc < 0)
            die("lease", rc, rf);
        for (size_t i = 0; i < l.njobs; i++)
            d[i] = redisfront_done_of(&l.jobs[i]);
        rc = redisfront_complete(co, rf, "bench", d, l.njobs, NULL, 0, ok, NULL);
        if (rc < 0)
            die("complete", rc, rf);
        done += l.njobs;
        redisfront_lease_free(&l);
    }
    m2 = info_field(co, c, "memory", "used_memory");
    printf("memory urls=%u\tmean url length\t%.1f\tbytes\n", b->mem_urls,
           (double)url_bytes / b->mem_urls);
    printf("memory urls=%u\tper url queued\t%.1f\tbytes\n", b->mem_urls,
           (m1 - m0) / b->mem_urls);
    printf("memory urls=%u\tper url known (done)\t%.1f\tbytes\n", b->mem_urls,
           (m2 - m0) / b->mem_urls);
    redisfront_destroy(rf);
    core_free(bufs);
    core_free(u);
}

static int body(struct core_coro *co, void *arg)
{
    struct bench *b = arg;
    struct redis_opts ro;
    struct redis_client *c;
    static const size_t batches[] = {1, 8, 32, 128};

    redis_opts_init(&ro);
    if (redis_client_create(core_coro_loop(co), b->srv.url, &ro, &c) != 0)
        die("client", -ENOMEM, NULL);
    for (size_t i = 0; i < sizeof(batches) / sizeof(batches[0]); i++)
        crawl_once(co, b, c, batches[i], 1);
    crawl_once(co, b, c, 32, 2);
    memory(co, b, c);
    redis_client_destroy(c);
    return 0;
}

int main(int argc, char **argv)
{
    struct bench b = {0};
    struct core_loop *loop;
    struct core_group *g;

    b.site.pages = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 20000;
    b.site.links = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 10;
    b.site.hosts = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 100;
    b.mem_urls = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 10) : 100000;
    if (b.site.pages < 2 || b.site.links < 2 || b.site.links > 64 || b.site.hosts < 1) {
        fprintf(stderr, "usage: bench_redisfront [PAGES [LINKS (2-64) [HOSTS [MEM_URLS]]]]\n");
        return 2;
    }
    core_siphash_key_from_seed(42, &b.site.key);
    server_start(&b.srv);
    printf("site\tpages %u, links %u, hosts %u; redis-server appendonly %s on %s\n",
           b.site.pages, b.site.links, b.site.hosts,
           getenv("BENCH_REDISFRONT_APPENDONLY") ? getenv("BENCH_REDISFRONT_APPENDONLY")
                                                 : "yes (everysec)", b.srv.url);
    if (core_loop_create(&loop) != 0 || core_group_create(loop, 0, &g) != 0)
        return 1;
    if (core_group_spawn(g, body, &b, NULL) != 0 || core_loop_run(loop) != 0)
        return 1;
    core_group_destroy(g);
    core_loop_destroy(loop);
    server_stop(&b.srv);
    return 0;
}
