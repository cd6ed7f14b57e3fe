/* app/orders/consumer.h: a worker of a consumer group on a Redis stream of order lines (trawl
 * orders --stream NAME --worker-id ID), as a feed for the order pipeline (orders.h).
 *
 * The group is "trawl" on the stream NAME (made with XGROUP CREATE ... MKSTREAM when missing),
 * the consumer is the worker id. The feed first reads the worker's own pending entries (its
 * PEL, left by an earlier run with the same id: XREADGROUP from id 0), one at a time, each
 * committed before the next (a read raises an entry's delivery counter: this way only an entry
 * that kills the worker has it raised by its deaths), then new ones (">"), each entry a line
 * with its source and line number (app/orders/stream.h made them). Whenever the feed's
 * connection was lost since its last answered read (a read Redis ran but whose reply was lost
 * gave its entries to this worker unseen), it reads its PEL after the last entry it saw before
 * new ones, so entries reach the pipeline in stream order. Duplicate order ids are
 * judged in Redis for all workers: the hash NAME:ids gives each id to the first entry that asks
 * (HSETNX), and to that entry again when it is redone. Beside the feed, two coroutines run:
 *   committer  every commit_ms: the outputs' bytes are synced (sync_outputs), then one Lua
 *              script XACKs every entry whose record was written since the last commit and
 *              stores the outputs' lengths in the hash NAME:worker:ID (fields results and
 *              rejects). One script, so Redis never holds an ack without the bytes that go with
 *              it, nor bytes without their acks: a worker restarted with the same id cuts its
 *              outputs back to those lengths and finds in its PEL exactly the entries whose
 *              records were cut. An entry is acked only while this worker owns it (XPENDING):
 *              one taken over meanwhile is counted as lost (see the README on leases).
 *   claimer    every lease_ms / 4 (after the PEL was read): renews this worker's entries in
 *              the pipeline (XCLAIM ... JUSTID by their owner, which does not count as a
 *              delivery), then takes over entries idle past lease_ms in other consumers' PELs
 *              with XAUTOCLAIM (never JUSTID: the delivery counter goes up), which the feed
 *              gives out before new ones. So a killed worker's entries go on without waiting
 *              for the stream to run empty.
 * An entry delivered more than max_deliveries times (XPENDING's counter, checked for entries
 * from a PEL or taken over) is not processed: the pipeline rejects it as a dead letter, and
 * its commit copies it to NAME:dead (with stream_id, deliveries, worker) in the same script as
 * its XACK. With until_drained the feed ends once no new entry is left and the group's PEL is
 * empty. Trimming is not done here.
 *
 * Ownership: opts and what it points to are borrowed until destroy. The feed and the sources
 * array are the consumer's, valid until destroy. Loop thread only, but for the feed's written
 * callback (any thread, as orders.h says). */
#ifndef APP_ORDERS_CONSUMER_H
#define APP_ORDERS_CONSUMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct core_coro;
struct orders_feed;
struct redis_opts;
struct orders_consumer;

#define ORDERS_CONSUMER_GROUP "trawl"

struct orders_consumer_opts {
    const char *url;             /* redis://HOST:PORT/DB */
    const struct redis_opts *redis;
    const char *stream;
    const char *worker;          /* the consumer's name */
    int64_t lease_ms;            /* idle time after which others take an entry over */
    unsigned max_deliveries;     /* more than this: dead letter */
    bool until_drained;
    int64_t commit_ms;           /* between commits */
    int64_t block_ms;            /* XREADGROUP BLOCK */
    size_t max_line;             /* data longer than this is rejected as too long */
    /* Make the outputs' bytes so far durable before a commit records their lengths: 0 or a
     * negated errno. Pool thread. May be NULL. */
    int (*sync_outputs)(void *arg);
    void *arg;
};

struct orders_consumer_stats {
    uint64_t read;               /* entries given to the pipeline */
    uint64_t replayed;           /* of them, from this worker's PEL at the start */
    uint64_t claimed;            /* of them, taken over from other consumers */
    uint64_t dead;               /* of them, dead letters */
    uint64_t acked;              /* entries acked by commits */
    uint64_t lost;               /* entries another consumer took over before the commit */
    uint64_t missing;            /* entries in a PEL whose data was deleted (acked, no record) */
    uint64_t commits;
};

/* Connect, make the group if needed, and read what this worker committed before (see
 * orders_consumer_committed). 0 and *out, or an error with a sentence in err. */
CORE_MUST_CHECK int orders_consumer_open(struct core_coro *co,
                                         const struct orders_consumer_opts *opts,
                                         struct orders_consumer **out, char *err, size_t errsz);
/* The outputs' lengths an earlier run of this worker committed (0 and 0 for a new worker). */
void orders_consumer_committed(const struct orders_consumer *c, int64_t *results,
                               int64_t *rejects);
/* Start the committer and the claimer; the outputs are now results_len and rejects_len bytes
 * long (cut back, a CSV header written). 0 or -ENOMEM. */
CORE_MUST_CHECK int orders_consumer_start(struct orders_consumer *c, int64_t results_len,
                                          int64_t rejects_len);
/* The feed for cfg->feed, and the names of the sources for cfg->inputs. */
const struct orders_feed *orders_consumer_feed(struct orders_consumer *c);
const char *const *orders_consumer_sources(const struct orders_consumer *c);
/* After the pipeline's end: stop the coroutines and commit everything written. 0, or the
 * error of that commit (the entries stay pending, for this worker's next run). */
int orders_consumer_finish(struct core_coro *co, struct orders_consumer *c);
void orders_consumer_stats(const struct orders_consumer *c, struct orders_consumer_stats *out);
/* What went wrong last ("" if nothing). */
const char *orders_consumer_error(const struct orders_consumer *c);
/* NULL is a no-op. */
void orders_consumer_destroy(struct orders_consumer *c);

#endif
