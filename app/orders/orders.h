/* app/orders/orders.h: the order pipeline: batches in, every input line out exactly once.
 *
 * Stages, connected by bounded core queues (full means back-pressure) and closed stage by
 * stage when the input ends (each queue counts its senders, so no sentinels):
 *   read      1 coroutine: streams the batch files in chunks (read on the thread pool), splits
 *             lines (JSONL) or rows (CSV), and queues batches of up to 1024 lines;
 *   validate  N coroutines: parse and validate whole batches on the thread pool;
 *   sequence  1 coroutine: releases validated batches in input order, so that the first of
 *             two orders with one id wins (duplicate ids are found there, app/orders/idset.h); valid
 *             orders go on by priority (express, standard, bulk; stable within a priority);
 *   price     N coroutines: subtotal, tax (round half to even), total, exact in minor units;
 *   deliver   N coroutines (only with an endpoint): POST with an Idempotency-Key, at most
 *             `concurrency` requests at once, paced to `rate` per second, retried with backoff
 *             and jitter on connection errors, timeouts, 5xx and 429 (Retry-After honoured);
 *   record    2 coroutines: take up to 512 finished orders at a time, have the caller format
 *             them on the thread pool (both at once), and write each batch whole.
 * Accounting: every input line is covered by exactly one result or reject (CSV: an order's
 * rows by one), so lines = results + rejects, which the tests check on every run.
 *
 * Durable progress (cfg->state, --state/--resume; app/orders/progress.c): the outcome of every
 * line is committed to the state, together with the outputs' lengths, every commit_ms: the
 * outputs' new bytes are fdatasync'ed first (sync_outputs), then one SQLite transaction records
 * which lines have an outcome (ranges of positions) and the lengths. A resumed run reads its
 * inputs from the start again, so that duplicate ids are judged exactly as in one run, but
 * releases only the lines without a committed outcome (the rest count as skipped). With a state,
 * a delivery cancelled by a stop is not recorded as a reject: it is left for the resume
 * (counted as abandoned) and sent again there with the same Idempotency-Key.
 *
 * Stopping: at CORE_STOP_GRACEFUL the reader stops at a batch boundary; everything already
 * read still goes through, and deliveries in flight get grace_ms to finish, after which they
 * are cancelled and rejected as "delivery: interrupted" (the Idempotency-Key makes retrying
 * them safe). The stats then say where to resume. CORE_STOP_IMMEDIATE cancels at once.
 *
 * Ownership: cfg and what it points to are borrowed for the call; results and rejects passed
 * to the callbacks are valid only during the call. orders_run and the write callbacks run on
 * the loop thread; the format callbacks run on thread-pool threads, two at a time, so they
 * must only append to the buffer they are given. */
#ifndef APP_ORDERS_H
#define APP_ORDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/orders/histogram.h"
#include "app/orders/money.h"
#include "app/orders/order.h"
#include "core/buf.h"
#include "fetch/client.h"

struct core_coro;
struct core_sigwatch;

enum orders_input { ORDERS_INPUT_AUTO, ORDERS_INPUT_JSONL, ORDERS_INPUT_CSV };

enum orders_reject_class {
    ORDERS_R_PARSE,
    ORDERS_R_INVALID,
    ORDERS_R_DUPLICATE,
    ORDERS_R_DELIVERY,
    ORDERS_R_COUNT
};

struct orders_result {
    const struct order *order;
    int64_t subtotal;           /* minor units */
    int64_t tax;
    int64_t total;
    int64_t units;              /* sum of quantities */
    bool delivered;             /* status "delivered" (else "priced") */
    unsigned attempts;          /* HTTP attempts, 0 without delivery */
    long http_status;           /* last status, 0 without delivery */
    double latency_ms;          /* from the first attempt to the final answer */
    const char *source;
    unsigned source_index;      /* source is cfg->inputs[source_index] */
    uint64_t first_line;
    uint64_t last_line;
};

struct orders_reject {
    const char *source;         /* input path, "-" for stdin */
    uint64_t first_line;
    uint64_t last_line;
    const char *input;          /* the original line (JSONL), or NULL */
    size_t input_len;
    enum orders_reject_class cls;
    const char *error;          /* "items[2].qty: must be a positive integer" */
    long http_status;           /* delivery rejects: the endpoint's answer, else 0 */
    unsigned attempts;
};

/* A line from a feed (below): what the reader would have taken from a batch file. */
struct orders_feed_line {
    const char *text;           /* the line, without its LF; valid until the next read */
    size_t len;
    bool too_long;              /* cut at max_line: rejected as a local run would */
    unsigned src;               /* its source: cfg->inputs[src] */
    uint64_t lineno;            /* 1-based, in its source */
    uint64_t tag;               /* the feed's own, handed back by written() */
    unsigned dead;              /* > 0: not processed but rejected as a dead letter, with this
                                 * many deliveries in the message */
};

/* A valid order's id, for a feed's judge of duplicates. */
struct orders_feed_id {
    const char *id;
    size_t len;
    uint64_t tag;               /* its line's */
};

/* Lines from somewhere other than files (trawl orders --stream: app/orders/consumer.h). The
 * reader calls read instead of reading cfg->inputs (JSONL only), and the recorders call written
 * for every batch of records they wrote whole, with the tags of its lines. */
struct orders_feed {
    /* Fill up to max lines: their number, 0 at the end of the feed, or a negated errno (the
     * run ends as after an input error). Loop thread (the reader's coroutine); may wait. */
    int (*read)(struct core_coro *co, void *arg, struct orders_feed_line *out, size_t max);
    /* The records of the lines tagged tags[0..n) are written, whole, adding these bytes to
     * the outputs. Called with the writers' lock held (so in the order of the writes), on a
     * pool thread or the loop thread. */
    void (*written)(void *arg, const uint64_t *tags, size_t n, size_t results_bytes,
                    size_t rejects_bytes);
    /* Judge the ids of a batch's valid orders, in input order, instead of the in-memory id set
     * (NULL: that set, among this process's lines): results[i] = 1 new, 0 a duplicate, < 0 could
     * not be checked: the run then ends with that error, the batch not recorded (its lines stay
     * the feed's, to give again in a later run). Loop thread (the sequencer); may wait. */
    void (*check_ids)(struct core_coro *co, void *arg, const struct orders_feed_id *ids, size_t n,
                      int *results);
    void *arg;
};

struct orders_config {
    const char *const *inputs;  /* paths, "-" = stdin (with a feed: its sources' names) */
    size_t ninputs;
    enum orders_input format;
    unsigned validate_workers;
    unsigned price_workers;
    unsigned deliver_workers;
    size_t max_line;            /* bytes */
    bool has_tax;
    struct money_rate tax;
    const char *endpoint;       /* NULL: no delivery */
    unsigned concurrency;       /* requests in flight at most */
    double rate;                /* requests per second, 0 = unpaced */
    struct fetch_opts fetch;
    unsigned retries;           /* extra attempts after the first */
    int64_t retry_base_ms;
    int64_t max_retry_wait_ms;
    int64_t grace_ms;
    size_t idset_memory;        /* bytes for the in-memory part of the id set, 0 = default */
    /* --state: where progress is committed, or NULL (nothing is kept; nothing else changes).
     * Borrowed, open, with no transaction; its database is used from a pool thread during
     * the run (one thread at a time), and from the calling thread at setup and at the end. */
    struct statedb *state;
    const struct orders_feed *feed; /* lines from a feed instead of inputs, or NULL */
    int64_t commit_ms;          /* between commits (default 200) */
    const char *results_path;   /* the outputs, as recorded in the state ("results", */
    const char *rejects_path;   /* "rejects"), and their bytes at the start (committed */
    int64_t results_len;        /* length on resume, a CSV header...); written records add */
    int64_t rejects_len;        /* to these */
    /* Make every byte written to both outputs so far durable (fdatasync): 0 or a negated
     * errno. Called before each commit, from a pool thread while write callbacks may run. */
    int (*sync_outputs)(void *arg);
    /* Append one record (a whole line) to out. 0 or a negated errno. Pool threads. */
    int (*format_result)(const struct orders_result *r, struct core_buf *out, void *arg);
    int (*format_reject)(const struct orders_reject *r, struct core_buf *out, void *arg);
    /* Write whole records: 0 or a negated errno. Pool threads (or the loop thread), one call at
     * a time: orders_run serialises them. A failure stops the run at once (as a second
     * SIGINT would): nothing more could be recorded. */
    int (*write_results)(const char *data, size_t len, void *arg);
    int (*write_rejects)(const char *data, size_t len, void *arg);
    void *arg;
};

void orders_config_init(struct orders_config *c);

struct currency_total {
    char code[4];
    int decimals;
    int64_t total;              /* minor units */
    bool overflow;
};

struct orders_stats {
    uint64_t lines;             /* input lines read (data lines; CSV header not counted; with a
                                 * state, not those skipped as committed by an earlier run) */
    uint64_t entries;           /* lines (JSONL) or orders (CSV) released: results + rejects
                                 * (+ abandoned, with a state) */
    uint64_t results;
    uint64_t priced;
    uint64_t delivered;
    uint64_t rejects[ORDERS_R_COUNT];
    uint64_t retries;           /* delivery attempts after the first */
    struct currency_total totals[64];
    size_t ncurrencies;
    struct histogram latency;   /* delivery latency of delivered orders */
    int64_t elapsed_ms;
    bool interrupted;
    bool input_error;           /* an input could not be read to its end */
    char input_error_text[256];
    uint64_t lines_not_reached; /* counted after a stop, UINT64_MAX when not countable (stdin) */
    char resume_source[256];    /* where to start again after a stop */
    uint64_t resume_line;
    uint64_t max_in_flight;     /* the most orders inside the pipeline at once */
    uint64_t items_returned;    /* item blocks back in the pool at the end (<= max_in_flight) */
    /* with a state */
    uint64_t skipped;           /* entries whose outcome an earlier run committed */
    uint64_t abandoned;         /* deliveries cut off by a stop, left for the resume */
    uint64_t commits;           /* transactions committed */
    int64_t commit_max_ms;      /* the longest commit (sync of the outputs included) */
    uint64_t total_results;     /* results and rejects committed by this run and earlier ones */
    uint64_t total_rejects;
    bool finished;              /* the run was committed as finished: nothing left to resume */
    int state_error;            /* a commit failed (the run stopped): a negated errno */
};

const char *orders_reject_class_name(enum orders_reject_class c);
/* Run the pipeline to its end. 0, or a setup error (or, with a state, the failed commit's
 * error). st is filled either way. */
int orders_run(struct core_coro *co, const struct orders_config *cfg, struct core_sigwatch *stop,
               struct orders_stats *st);

#endif
