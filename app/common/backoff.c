/* app/common/backoff.c: exponential backoff with equal jitter and Retry-After (see backoff.h). */
#include "app/common/backoff.h"

void backoff_init(struct backoff *b, int64_t base_ms, int64_t cap_ms, int64_t max_wait_ms,
                  uint64_t seed)
{
    b->base_ms = base_ms > 0 ? base_ms : 1;
    b->cap_ms = cap_ms > b->base_ms ? cap_ms : b->base_ms;
    b->max_wait_ms = max_wait_ms;
    b->rng = seed ? seed : 0x9E3779B97F4A7C15u;
}

static uint64_t next(struct backoff *b)
{
    uint64_t x = b->rng;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return b->rng = x;
}

int64_t backoff_delay(struct backoff *b, unsigned n, int64_t retry_after_s)
{
    int64_t d = b->base_ms;
    unsigned i;

    if (retry_after_s >= 0) {
        d = retry_after_s > INT64_MAX / 1000 ? INT64_MAX : retry_after_s * 1000;
        return d < b->max_wait_ms ? d : b->max_wait_ms;
    }
    for (i = 1; i < n && d < b->cap_ms; i++)
        d *= 2;
    if (d > b->cap_ms)
        d = b->cap_ms;
    d = d / 2 + (int64_t)(next(b) % (uint64_t)(d / 2 + 1));
    return d < b->max_wait_ms ? d : b->max_wait_ms;
}
