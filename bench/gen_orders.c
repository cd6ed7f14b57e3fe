/* bench/gen_orders.c: deterministic order batches (JSONL) for tests and benchmarks.
 *
 *   gen_orders N [--seed S] [--invalid-every K]
 *
 * Writes N order lines to stdout, ~250 bytes each: ids ORD-0000000001.. in order, customers,
 * 1-4 items with SKUs, quantities and prices, all three priorities and seven currencies (EUR
 * USD GBP CHF SEK with 2 decimals, JPY with 0, KWD with 3), prices as JSON strings and
 * sometimes as numbers. The same N and seed give the same bytes.
 *
 * With --invalid-every K, line K, 2K, 3K... is broken on purpose, in rotation:
 *   1. malformed JSON (the closing brace is missing),
 *   2. a bad quantity (0),
 *   3. an unknown currency (XYZ),
 *   4. the id of the line before it (a duplicate id: valid on its own, rejected by a
 *      pipeline that tracks ids; with K = 1 that earlier line is itself broken).
 *
 * Lines are formatted by hand into a 1 MiB buffer and written with fwrite, so generation runs
 * at several million lines per second. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gen {
    char *buf;
    size_t len, cap;
    uint64_t rng;
};

static uint64_t next(struct gen *g)
{
    uint64_t x = (g->rng += 0x9e3779b97f4a7c15u);

    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

static void flush(struct gen *g)
{
    if (g->len > 0 && fwrite(g->buf, 1, g->len, stdout) != g->len) {
        perror("gen_orders: write");
        exit(1);
    }
    g->len = 0;
}

static void puts_n(struct gen *g, const char *s, size_t n)
{
    memcpy(g->buf + g->len, s, n);
    g->len += n;
}

#define PUT(g, lit) puts_n((g), (lit), sizeof(lit) - 1)

/* value as exactly width digits (zero-padded). */
static void put_digits(struct gen *g, uint64_t value, int width)
{
    char *p = g->buf + g->len;
    int i;

    for (i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + value % 10);
        value /= 10;
    }
    g->len += (size_t)width;
}

static void put_uint(struct gen *g, uint64_t value)
{
    char tmp[24];
    int n = 0;

    do {
        tmp[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    while (n > 0)
        g->buf[g->len++] = tmp[--n];
}

/* minor units with decimals places: 1250, 2 -> 12.50 */
static void put_amount(struct gen *g, uint64_t minor, int decimals)
{
    static const uint64_t pow10[] = {1, 10, 100, 1000};

    put_uint(g, minor / pow10[decimals]);
    if (decimals > 0) {
        g->buf[g->len++] = '.';
        put_digits(g, minor % pow10[decimals], decimals);
    }
}

static const struct {
    const char *code;
    int decimals;
    uint64_t lo, hi;   /* unit price range in minor units */
} currencies[] = {
    {"EUR", 2, 99, 49999}, {"USD", 2, 99, 49999}, {"GBP", 2, 99, 39999},
    {"CHF", 2, 99, 49999}, {"SEK", 2, 990, 499999}, {"JPY", 0, 100, 80000},
    {"KWD", 3, 100, 150000},
};

static const char *const priorities[] = {"express", "standard", "bulk"};
static const char *const colours[] = {"BLK", "WHT", "RED", "BLU", "GRN", "GRY"};
static const char *const sizes[] = {"S", "M", "L", "XL"};

static void order_line(struct gen *g, uint64_t i, int broken)
{
    const uint64_t r = next(g);
    const int cur = (int)(r % (sizeof(currencies) / sizeof(currencies[0])));
    const int nitems = 1 + (int)((r >> 8) % 4);
    const uint64_t secs = (i * 37 + (r >> 16) % 30) % (30u * 86400);
    const uint64_t id = broken == 4 && i > 1 ? i - 1 : i;
    int k;

    PUT(g, "{\"id\":\"ORD-");
    put_digits(g, id, 10);
    PUT(g, "\",\"customer\":\"C-");
    put_digits(g, (r >> 20) % 1000000, 6);
    PUT(g, "\",\"priority\":\"");
    puts_n(g, priorities[(r >> 40) % 3], strlen(priorities[(r >> 40) % 3]));
    PUT(g, "\",\"currency\":\"");
    if (broken == 3)
        PUT(g, "XYZ");
    else
        puts_n(g, currencies[cur].code, 3);
    PUT(g, "\",\"items\":[");
    for (k = 0; k < nitems; k++) {
        const uint64_t s = next(g);
        const uint64_t price = currencies[cur].lo + s % (currencies[cur].hi - currencies[cur].lo);
        const uint64_t qty = 1 + (s >> 32) % ((s >> 40) % 8 == 0 ? 50 : 5);

        if (k > 0)
            g->buf[g->len++] = ',';
        PUT(g, "{\"sku\":\"SKU-");
        put_digits(g, (s >> 12) % 100000, 5);
        g->buf[g->len++] = '-';
        puts_n(g, colours[(s >> 50) % 6], 3);
        g->buf[g->len++] = '-';
        puts_n(g, sizes[(s >> 56) % 4], strlen(sizes[(s >> 56) % 4]));
        PUT(g, "\",\"qty\":");
        put_uint(g, broken == 2 && k == nitems - 1 ? 0 : qty);
        PUT(g, ",\"unit_price\":");
        if ((s >> 60) % 5 == 0) {   /* sometimes a JSON number */
            put_amount(g, price, currencies[cur].decimals);
        } else {
            g->buf[g->len++] = '"';
            put_amount(g, price, currencies[cur].decimals);
            g->buf[g->len++] = '"';
        }
        g->buf[g->len++] = '}';
    }
    PUT(g, "],\"created_at\":\"2026-11-");
    put_digits(g, 1 + secs / 86400, 2);
    g->buf[g->len++] = 'T';
    put_digits(g, secs % 86400 / 3600, 2);
    g->buf[g->len++] = ':';
    put_digits(g, secs % 3600 / 60, 2);
    g->buf[g->len++] = ':';
    put_digits(g, secs % 60, 2);
    PUT(g, "Z\"");
    if (broken != 1)
        g->buf[g->len++] = '}';
    g->buf[g->len++] = '\n';
}

static int usage(void)
{
    fprintf(stderr, "usage: gen_orders N [--seed S] [--invalid-every K]\n");
    return 2;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t n, seed = 1, every = 0, i, invalid = 0;
    struct gen g;
    int a;

    if (argc < 2 || parse_u64(argv[1], &n) < 0)
        return usage();
    for (a = 2; a < argc; a++) {
        if (a + 1 < argc && strcmp(argv[a], "--seed") == 0) {
            if (parse_u64(argv[++a], &seed) < 0)
                return usage();
        } else if (a + 1 < argc && strcmp(argv[a], "--invalid-every") == 0) {
            if (parse_u64(argv[++a], &every) < 0 || every == 0)
                return usage();
        } else {
            return usage();
        }
    }
    g.cap = 1 << 20;
    g.buf = malloc(g.cap);
    g.len = 0;
    g.rng = seed;
    if (!g.buf)
        return 1;
    for (i = 1; i <= n; i++) {
        int broken = 0;

        if (every && i % every == 0)
            broken = 1 + (int)(invalid++ % 4);
        if (g.cap - g.len < 1024)   /* a line is at most ~500 bytes */
            flush(&g);
        order_line(&g, i, broken);
    }
    flush(&g);
    free(g.buf);
    if (fflush(stdout) != 0) {
        perror("gen_orders: write");
        return 1;
    }
    return 0;
}
