/* app/common/backoff.h: how long to wait before retry number n, for HTTP clients that retry.
 *
 * Exponential backoff with "equal jitter": the n-th retry (n = 1, 2, ...) waits a random
 * time in [d/2, d] where d = min(cap, base * 2^(n-1)), so retries from many clients spread out
 * but never retry at once. A server's Retry-After (seconds, both header forms already turned
 * into seconds by fetch/) takes precedence, capped by max_wait.
 *
 * Ownership: a plain struct the caller embeds; the random state is per struct (no globals).
 * Not thread-safe. */
#ifndef APP_BACKOFF_H
#define APP_BACKOFF_H

#include <stdint.h>

struct backoff {
    int64_t base_ms;       /* first delay (before jitter) */
    int64_t cap_ms;        /* longest computed delay */
    int64_t max_wait_ms;   /* longest wait of any kind, Retry-After included */
    uint64_t rng;          /* xorshift state; any non-zero seed */
};

void backoff_init(struct backoff *b, int64_t base_ms, int64_t cap_ms, int64_t max_wait_ms,
                  uint64_t seed);
/* Delay before retry n (n >= 1), honouring retry_after_s when >= 0. */
int64_t backoff_delay(struct backoff *b, unsigned n, int64_t retry_after_s);

#endif
