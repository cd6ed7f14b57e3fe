/* app/common/retry.c: which failures to retry, and backoff with equal jitter (see retry.h). */
#include "app/common/retry.h"

#include <errno.h>

#include "core/err.h"

bool retry_is_worth_it(int err, long status)
{
    switch (err) {
    case 0:
        return status == 429 || (status >= 500 && status <= 599);
    case CORE_EDNS:
    case CORE_ECONNECT:
    case -ETIMEDOUT:
    case -ECONNRESET:
    case CORE_EHTTP:
        return true;
    default:
        return false;
    }
}

void retry_backoff_init(struct retry_backoff *b, int64_t base_ms, int64_t cap_ms,
                        int64_t max_wait_ms, uint64_t seed)
{
    b->base_ms = base_ms > 0 ? base_ms : 1;
    b->cap_ms = cap_ms > b->base_ms ? cap_ms : b->base_ms;
    b->max_wait_ms = max_wait_ms;
    b->rng = seed ? seed : 0x9E3779B97F4A7C15u;
}

static uint64_t next(struct retry_backoff *b)
{
    uint64_t x = b->rng;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return b->rng = x;
}

int64_t retry_backoff_delay(struct retry_backoff *b, unsigned n, int64_t retry_after_s)
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
