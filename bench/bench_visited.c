/* bench/bench_visited.c: speed and memory of the visited set (parse/visited.h).
 *
 * For each size N (default 10k, 100k, 1M, 10M; or the sizes given as arguments) a child
 * process builds a set of N fingerprints and reports:
 *   ns/fp      SipHash-1-3 fingerprint of a ~60-byte URL (URL text prepared beforehand)
 *   ns/add     adding N new fingerprints, growth included
 *   ns/seen    adding them all again (every one PARSE_VISITED_SEEN)
 *   ns/hit     looking them up in a scattered order
 *   ns/miss    looking up N fingerprints that are absent
 *   bytes/URL  parse_visited_bytes() / N
 *   peak/URL   growth of the child's peak RSS while building, / N: what growth really costs
 * The fingerprints fed to add/lookup are splitmix64 outputs (as uniform as SipHash's, and cheap
 * to recompute, ~1 ns), so table time is measured apart from hashing time.
 *
 * Build and run (Release):
 *   cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DTRAWL_TESTS=OFF
 *   cmake --build build/release --target bench_visited && build/release/bench/bench_visited */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "parse/visited.h"

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static long maxrss_kib(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Fingerprint speed on realistic URL text: URLs are prepared first, then hashed. */
static double bench_fingerprint(const struct parse_visited *v)
{
    enum { NURL = 4096, LEN = 96, ROUNDS = 256 };
    static char urls[NURL][LEN];
    static size_t lens[NURL];
    uint64_t sink = 0;
    double t0, t1;
    size_t i, r;

    for (i = 0; i < NURL; i++)
        lens[i] = (size_t)snprintf(urls[i], LEN, "https://www.example.com/category/%zu/item-%zu.html?ref=%zu",
                                   i % 37, i * 7919, i % 5);
    t0 = now_ns();
    for (r = 0; r < ROUNDS; r++)
        for (i = 0; i < NURL; i++)
            sink += parse_visited_fingerprint(v, urls[i], lens[i]);
    t1 = now_ns();
    if (sink == 42)
        puts("");
    return (t1 - t0) / (NURL * ROUNDS);
}

static int run(size_t n)
{
    struct parse_visited *v;
    double t0, t_add, t_seen, t_hit, t_miss, t_fp;
    long rss0, rss1;
    size_t i, found = 0;
    const size_t stride = 2654435761u % n ? 2654435761u : 1; /* scatter the lookup order */

    if (parse_visited_create(1, &v) < 0)
        return 1;
    t_fp = bench_fingerprint(v);
    rss0 = maxrss_kib();
    t0 = now_ns();
    for (i = 0; i < n; i++)
        if (parse_visited_add(v, mix(i), (unsigned)(i & 7), NULL, NULL) != PARSE_VISITED_NEW)
            return 2;
    t_add = now_ns() - t0;
    rss1 = maxrss_kib();
    t0 = now_ns();
    for (i = 0; i < n; i++)
        if (parse_visited_add(v, mix(i), 9, NULL, NULL) != PARSE_VISITED_SEEN)
            return 3;
    t_seen = now_ns() - t0;
    t0 = now_ns();
    for (i = 0; i < n; i++)
        found += parse_visited_get(v, mix((i * stride) % n), NULL, NULL) == 0;
    t_hit = now_ns() - t0;
    t0 = now_ns();
    for (i = 0; i < n; i++)
        found += parse_visited_get(v, mix(n + i), NULL, NULL) == 0;
    t_miss = now_ns() - t0;
    if (found != n)
        return 4;
    printf("%10zu %7.1f %7.1f %7.1f %7.1f %7.1f %10.2f %9.2f %12zu\n", n, t_fp, t_add / (double)n,
           t_seen / (double)n, t_hit / (double)n, t_miss / (double)n,
           (double)parse_visited_bytes(v) / (double)n, (double)(rss1 - rss0) * 1024 / (double)n,
           parse_visited_bytes(v));
    fflush(stdout);
    parse_visited_destroy(v);
    return 0;
}

int main(int argc, char **argv)
{
    static const size_t defaults[] = {10000, 100000, 1000000, 10000000};
    size_t sizes[32], nsizes = 0, i;
    int status;

    for (i = 1; i < (size_t)argc && nsizes < 32; i++)
        sizes[nsizes++] = strtoull(argv[i], NULL, 10);
    if (nsizes == 0)
        for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
            sizes[nsizes++] = defaults[i];
    printf("%10s %7s %7s %7s %7s %7s %10s %9s %12s\n", "URLs", "ns/fp", "ns/add", "ns/seen",
           "ns/hit", "ns/miss", "bytes/URL", "peak/URL", "bytes");
    fflush(stdout);
    for (i = 0; i < nsizes; i++) {
        pid_t pid;

        if (sizes[i] == 0)
            continue;
        pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0)
            _exit(run(sizes[i]));
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "bench_visited: size %zu failed\n", sizes[i]);
            return 1;
        }
    }
    return 0;
}
