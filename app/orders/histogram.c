/* app/orders/histogram.c: log-linear latency histogram (see histogram.h). */
#include "app/orders/histogram.h"

#include <math.h>
#include <string.h>

void histogram_init(struct histogram *h)
{
    memset(h, 0, sizeof(*h));
}

/* log2 of v, v >= 1 */
static unsigned ilog2(uint64_t v)
{
    unsigned k = 0;

    while (v >>= 1)
        k++;
    return k;
}

static unsigned bucket(uint64_t v)
{
    unsigned k, b;

    if (v < HISTOGRAM_EXACT)
        return (unsigned)v;
    k = ilog2(v); /* >= 6: v in [2^k, 2^(k+1)), split into 32 steps of 2^(k-5) */
    b = HISTOGRAM_EXACT + (k - 6) * HISTOGRAM_SUB + (unsigned)((v >> (k - 5)) - HISTOGRAM_SUB);
    return b < HISTOGRAM_BUCKETS ? b : HISTOGRAM_BUCKETS - 1;
}

/* The middle of bucket b, in milliseconds. */
static double middle(unsigned b)
{
    unsigned k, sub;

    if (b < HISTOGRAM_EXACT)
        return (b + 0.5) / 64.0;
    k = 6 + (b - HISTOGRAM_EXACT) / HISTOGRAM_SUB;
    sub = (b - HISTOGRAM_EXACT) % HISTOGRAM_SUB;
    return ldexp(HISTOGRAM_SUB + sub + 0.5, (int)k - 5) / 64.0;
}

void histogram_add(struct histogram *h, double ms)
{
    uint64_t v = ms <= 0 ? 0 : ms >= 1e15 ? UINT64_MAX / 2 : (uint64_t)(ms * 64.0);

    h->counts[bucket(v)]++;
    h->n++;
    if (ms > h->max)
        h->max = ms;
}

double histogram_quantile(const struct histogram *h, double q)
{
    uint64_t want, seen = 0;
    unsigned b;

    if (h->n == 0)
        return 0;
    want = (uint64_t)ceil(q * (double)h->n);
    if (want == 0)
        want = 1;
    for (b = 0; b < HISTOGRAM_BUCKETS; b++) {
        seen += h->counts[b];
        if (seen >= want)
            return middle(b) < h->max ? middle(b) : h->max;
    }
    return h->max;
}
