/* bench/bench_frontier.c: the cost of the frontier's per-host scheduling as hosts multiply.
 *
 * bench_frontier [JOBS]: for 1, 100, 10,000 and 100,000 hosts, adds JOBS jobs (default
 * 1,000,000) spread round-robin over the hosts, then takes and finishes them all with a
 * per-host limit of 1 (so every take goes through the ready heap), in one coroutine. Prints
 * ns per job (add + take + done). With O(log hosts) scheduling the cost grows slowly with
 * the number of hosts; a linear scan would grow 100,000-fold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "app/crawl/frontier.h"
#include "core/group.h"
#include "core/loop.h"

struct run {
    size_t hosts;
    size_t jobs;
    double seconds;
};

static int body(struct core_coro *co, void *arg)
{
    struct run *r = arg;
    struct frontier_opts o;
    struct frontier *f;
    struct frontier_job *j;
    char url[64];
    uint64_t t0;
    size_t i;

    frontier_opts_init(&o);
    o.per_host = 1;
    if (frontier_create(core_coro_loop(co), &o, &f) != 0)
        return -1;
    t0 = uv_hrtime();
    for (i = 0; i < r->jobs; i++) {
        int n = snprintf(url, sizeof(url), "http://h%zu.test/p%zu", i % r->hosts, i / r->hosts);
        size_t origin = (size_t)(strchr(url + 7, '/') - url);

        if (frontier_add(f, url, (size_t)n, origin, i, 1, NULL, NULL) != 0)
            return -1;
    }
    for (i = 0; i < r->jobs; i++) {
        if (frontier_take(co, f, &j) != 0)
            return -1;
        frontier_done(f, j);
    }
    r->seconds = (double)(uv_hrtime() - t0) / 1e9;
    frontier_destroy(f);
    return 0;
}

int main(int argc, char **argv)
{
    static const size_t hosts[] = {1, 100, 10000, 100000};
    size_t jobs = argc > 1 ? (size_t)atol(argv[1]) : 1000000, k;

    printf("hosts\tjobs\tns/job (add + take + done)\n");
    for (k = 0; k < sizeof(hosts) / sizeof(hosts[0]); k++) {
        struct run r = {hosts[k], jobs, 0};
        struct core_loop *loop;
        struct core_group *g;

        if (core_loop_create(&loop) != 0 || core_group_create(loop, 0, &g) != 0 ||
            core_group_spawn(g, body, &r, NULL) != 0 || core_loop_run(loop) != 0)
            return 1;
        core_group_destroy(g);
        core_loop_destroy(loop);
        printf("%zu\t%zu\t%.0f\n", r.hosts, r.jobs, r.seconds / (double)jobs * 1e9);
    }
    return 0;
}
