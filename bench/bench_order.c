/* bench/bench_order.c: speed of the order reader's pure pieces on one core.
 *
 *   parse    order_parse_json + order_free on a ~250-byte valid line with 2 items (ns/line)
 *   reject   order_parse_json on invalid lines: a syntax error near the end, and a bad qty
 *   lines    the line splitter over a buffer of such lines fed in 64 KiB chunks (lines/s)
 *
 * With --file PATH it instead reads a JSONL batch (e.g. from gen_orders) in 64 KiB chunks with
 * read(2), splits it with app/lines and parses every line, on one core, and prints the lines,
 * how many were valid orders and orders/s: the C side of the file-level comparison with
 * bench/orders_baseline.py (which also prices and writes; this does not).
 *
 * Each figure is the best of --runs runs (default 5). Output is tab-separated: figure, value,
 * unit.
 *
 * Build and run (Release):
 *   cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DTRAWL_TESTS=OFF
 *   cmake --build build/release --target bench_order && build/release/bench/bench_order */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/orders/lines.h"
#include "app/orders/order.h"

static const char line_valid[] =
    "{\"id\":\"ORD-2026-0001001\",\"customer\":\"C-001717\",\"priority\":\"express\","
    "\"currency\":\"EUR\",\"items\":[{\"sku\":\"SKU-48213-BLK-M\",\"qty\":2,"
    "\"unit_price\":\"12.50\"},{\"sku\":\"SKU-00917-WHT-L\",\"qty\":1,\"unit_price\":"
    "\"149.99\"}],\"created_at\":\"2026-11-21T10:00:00Z\",\"note\":\"gift wrap\"}";

static const char line_bad_syntax[] =
    "{\"id\":\"ORD-2026-0001001\",\"customer\":\"C-001717\",\"priority\":\"express\","
    "\"currency\":\"EUR\",\"items\":[{\"sku\":\"SKU-48213-BLK-M\",\"qty\":2,"
    "\"unit_price\":\"12.50\"},{\"sku\":\"SKU-00917-WHT-L\",\"qty\":1,\"unit_price\":"
    "\"149.99\"}],\"created_at\":\"2026-11-21T10:00:00Z\",\"note\":\"gift wrap\"";

static const char line_bad_qty[] =
    "{\"id\":\"ORD-2026-0001001\",\"customer\":\"C-001717\",\"priority\":\"express\","
    "\"currency\":\"EUR\",\"items\":[{\"sku\":\"SKU-48213-BLK-M\",\"qty\":2,"
    "\"unit_price\":\"12.50\"},{\"sku\":\"SKU-00917-WHT-L\",\"qty\":0,\"unit_price\":"
    "\"149.99\"}],\"created_at\":\"2026-11-21T10:00:00Z\",\"note\":\"gift wrap\"}";

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ns per order_parse_json call on line, best of runs. */
static double bench_parse(const char *line, int want_rc, int runs)
{
    const size_t len = strlen(line);
    const long n = 2000000;
    double best = 1e30;
    int r;

    for (r = 0; r < runs; r++) {
        const double t0 = now_s();
        long i;

        for (i = 0; i < n; i++) {
            struct order *o;
            struct order_error err;
            const int rc = order_parse_json(line, len, &o, &err);

            if (rc != want_rc) {
                fprintf(stderr, "bench_order: rc %d, want %d\n", rc, want_rc);
                exit(1);
            }
            if (rc == 0)
                order_free(o);
        }
        const double ns = (now_s() - t0) * 1e9 / (double)n;
        if (ns < best)
            best = ns;
    }
    return best;
}

/* Lines per second through lines_feed/lines_next for a 256 MB buffer of order lines. */
static double bench_lines(int runs)
{
    const size_t len = strlen(line_valid) + 1, count = (256u << 20) / len;
    const size_t total = count * len, chunk = 64 * 1024;
    char *buf = malloc(total);
    double best = 0;
    size_t i;
    int r;

    if (!buf)
        exit(1);
    for (i = 0; i < count; i++) {
        memcpy(buf + i * len, line_valid, len - 1);
        buf[i * len + len - 1] = '\n';
    }
    for (r = 0; r < runs; r++) {
        struct lines *l;
        struct lines_line line;
        size_t pos = 0, got = 0;
        const double t0 = now_s();
        double rate;

        if (lines_create(0, &l) < 0)
            exit(1);
        while (pos < total) {
            const size_t n = total - pos < chunk ? total - pos : chunk;

            if (lines_feed(l, buf + pos, n, pos + n == total) < 0)
                exit(1);
            while (lines_next(l, &line) == 1)
                got++;
            pos += n;
        }
        rate = (double)got / (now_s() - t0);
        lines_destroy(l);
        if (got != count) {
            fprintf(stderr, "bench_order: %zu lines, want %zu\n", got, count);
            exit(1);
        }
        if (rate > best)
            best = rate;
    }
    free(buf);
    return best;
}

/* Read, split and parse a whole file; print the counts and orders/s. */
static int bench_file(const char *path)
{
    static char chunk[64 * 1024];
    struct lines *l;
    struct lines_line line;
    unsigned long long total = 0, valid = 0, parse_err = 0;
    const int fd = open(path, O_RDONLY);
    const double t0 = now_s();
    double secs;
    ssize_t n;

    if (fd < 0 || lines_create(0, &l) < 0) {
        perror(path);
        return 1;
    }
    do {
        n = read(fd, chunk, sizeof(chunk));
        if (n < 0 || lines_feed(l, chunk, (size_t)(n > 0 ? n : 0), n == 0) < 0) {
            perror(path);
            return 1;
        }
        while (lines_next(l, &line) == 1) {
            struct order *o;
            struct order_error err;
            const int rc = order_parse_json(line.text, line.len, &o, &err);

            total++;
            valid += rc == 0;
            parse_err += rc == -10011;
            if (rc == 0)
                order_free(o);
        }
    } while (n > 0);
    secs = now_s() - t0;
    lines_destroy(l);
    close(fd);
    printf("lines\t%llu\nvalid\t%llu\nparse errors\t%llu\ninvalid\t%llu\nseconds\t%.3f\n"
           "orders/s\t%.0f\n", total, valid, parse_err, total - valid - parse_err, secs,
           (double)total / secs);
    return 0;
}

int main(int argc, char **argv)
{
    int runs = 5;

    if (argc == 3 && strcmp(argv[1], "--file") == 0)
        return bench_file(argv[2]);
    if (argc == 3 && strcmp(argv[1], "--runs") == 0)
        runs = atoi(argv[2]);
    if (runs < 1)
        runs = 1;
    printf("line bytes\t%zu\tB\n", strlen(line_valid));
    printf("parse valid\t%.1f\tns/line\n", bench_parse(line_valid, 0, runs));
    printf("reject syntax\t%.1f\tns/line\n", bench_parse(line_bad_syntax, -10011, runs));
    printf("reject qty\t%.1f\tns/line\n", bench_parse(line_bad_qty, -22, runs));
    printf("split lines\t%.2f\tM lines/s\n", bench_lines(runs) / 1e6);
    return 0;
}
