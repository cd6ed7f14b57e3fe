/* app/common/retry.h: the retry policy of both engines (crawl fetches, order deliveries): which
 * failures are worth another attempt, and how long to wait before it.
 *
 * Worth retrying: what a later attempt can fix. DNS and connection failures, timeouts, resets,
 * protocol errors (a connection closed without an answer, a malformed response), and the
 * statuses 429 and 5xx. Not: TLS failures (a certificate does not fix itself), a body past its
 * cap, a scheme that is not allowed, other libcurl failures, cancellation, out of memory, and
 * every other status (a 4xx is the server's final word).
 *
 * Waiting: exponential backoff with "equal jitter": the n-th retry (n = 1, 2, ...) waits a random
 * time in [d/2, d] where d = min(cap, base * 2^(n-1)), so retries from many clients spread out
 * but never retry at once. A server's Retry-After (seconds, both header forms already turned
 * into seconds by fetch/) takes precedence, capped by max_wait.
 *
 * Ownership: struct retry_backoff is a plain struct the caller embeds; the random state is per
 * struct (no globals). Not thread-safe. */
#ifndef APP_COMMON_RETRY_H
#define APP_COMMON_RETRY_H

#include <stdbool.h>
#include <stdint.h>

/* Whether an attempt that ended with err (0 or a fetch error code) and HTTP status (when err is
 * 0) is worth another one. */
bool retry_is_worth_it(int err, long status);

struct retry_backoff {
    int64_t base_ms;       /* first delay (before jitter) */
    int64_t cap_ms;        /* longest computed delay */
    int64_t max_wait_ms;   /* longest wait of any kind, Retry-After included */
    uint64_t rng;          /* xorshift state; any non-zero seed */
};

void retry_backoff_init(struct retry_backoff *b, int64_t base_ms, int64_t cap_ms,
                        int64_t max_wait_ms, uint64_t seed);
/* Delay before retry n (n >= 1), honouring retry_after_s when >= 0. */
int64_t retry_backoff_delay(struct retry_backoff *b, unsigned n, int64_t retry_after_s);

#endif
