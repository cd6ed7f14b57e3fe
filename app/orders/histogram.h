/* app/orders/histogram.h: latency percentiles in constant memory.
 *
 * Values (milliseconds, >= 0) are counted in units of 1/64 ms: exactly below 1 ms, then in 32
 * equal buckets per power of two, so any percentile is within 1.6% of the true value (the idea
 * of HdrHistogram, at about two significant digits). 1,344 counters whatever the number of
 * samples; values past 2^46 units (about 35 years) land in the last bucket.
 *
 * Ownership: a plain struct the caller embeds. Not thread-safe. */
#ifndef APP_HISTOGRAM_H
#define APP_HISTOGRAM_H

#include <stdint.h>

#define HISTOGRAM_EXACT 64      /* units below this are counted one by one */
#define HISTOGRAM_SUB 32        /* buckets per power of two above that */
#define HISTOGRAM_OCTAVES 40
#define HISTOGRAM_BUCKETS (HISTOGRAM_EXACT + HISTOGRAM_OCTAVES * HISTOGRAM_SUB)

struct histogram {
    uint64_t counts[HISTOGRAM_BUCKETS];
    uint64_t n;
    double max;
};

void histogram_init(struct histogram *h);
void histogram_add(struct histogram *h, double ms);
/* The value below which a fraction q (0..1) of the samples fall; 0 when empty. */
double histogram_quantile(const struct histogram *h, double q);

#endif
