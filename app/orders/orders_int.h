/* app/orders/orders_int.h: what the order pipeline's files share: the pipe, the batches of
 * input lines and the items that carry each order through the stages (orders.c: setup and
 * run; read.c, validate.c, price.c, deliver.c, record.c: one stage each). app/orders/ only.
 *
 * Threads: the loop runs the coroutines (reader, sequencer with the id set, pricers,
 * deliverers, recorders' hand-off); the pool parses, hashes ids, formats and writes. An item
 * is only ever touched by one thread at a time: the offload hand-offs order the accesses. */
#ifndef APP_ORDERS_ORDERS_INT_H
#define APP_ORDERS_ORDERS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "app/common/retry.h"
#include "app/common/stopper.h"
#include "app/orders/order.h"
#include "app/orders/orders.h"
#include "core/buf.h"
#include "core/coro.h"
#include "core/mem.h"

/* Sizes: each batch is one trip to the pool to validate and, after pricing, about two to
 * format and write; libuv wakes the loop for every trip, so batches are large (1024 lines:
 * ~1000 trips per million orders to validate; 256 made 4x as many wake-ups and cost ~10%), and
 * few are in flight, so memory stays flat. At most SEQ_WINDOW * BATCH_LINES + Q_PRICE +
 * Q_RECORD + RECORDERS * RECORD_BATCH = 8,448 orders are inside the pipeline at once (each
 * in an item of about 640 bytes, its order included): the summary's max_in_flight. */
#define BATCH_LINES 1024
#define BATCH_TEXT (512u * 1024u)   /* a batch closes past this many text bytes */
#define READ_CHUNK (256u * 1024u)
#define SEQ_WINDOW 6                /* batches between "taken" and "released" */
#define SPARE_BATCHES (SEQ_WINDOW + Q_RAW + 2) /* enough for every batch in flight */
#define Q_RAW 2
#define Q_PRICE 256
#define Q_DELIVER 256
#define Q_RECORD 1024
#define PRICE_BATCH 32              /* items a pricer takes at once (see take_ready) */
#define RECORD_BATCH 512            /* items a recorder formats and writes at once */
#define RECORDERS 2
#define ORDER_SPACE 512             /* bytes for the order inside its item */
#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

/* Items: a batch carries up to BATCH_LINES raw input lines (or parsed CSV orders) from the
 * reader to a validator, which parses them on the pool, each valid order straight into an item
 * (a block of the pipe's object pool, the order inside it); the sequencer releases each entry
 * as that item, or as a reject, and the item travels on through price, deliver and record. */
struct item;

struct entry {
    uint64_t first_line;
    uint64_t last_line;
    size_t off;                 /* the raw line in batch->text (JSONL) */
    size_t len;
    bool too_long;
    int rc;                     /* 0, CORE_EPARSE, -EINVAL, -ENOMEM */
    struct order *order;        /* a valid order not yet in an item */
    struct item *item;          /* JSONL: made on the pool, with the order in it */
    uint64_t idkey;             /* JSONL: the id's key in the id set, hashed on the pool */
    bool overflows;             /* JSONL: its amounts do not fit; the pricers will reject it */
    char *error;                /* a line that failed: its message (NULL if out of memory) */
    uint64_t tag;               /* with a feed: the line's tag */
    unsigned dead;              /* with a feed: a dead letter (deliveries), rejected unparsed */
};

struct batch {
    struct batch *next;         /* on the spare list */
    const struct app_idset *ids; /* to hash ids on the pool */
    struct core_objpool *items; /* to take items from on the pool */
    const struct orders_config *cfg; /* to price on the pool */
    uint64_t seq;
    unsigned src;
    bool parsed;                /* CSV: entries already hold orders or errors */
    size_t n;
    struct core_buf text;
    struct entry e[BATCH_LINES];
};

enum item_kind { ITEM_JOB, ITEM_REJECT };

struct item {
    enum item_kind kind;
    unsigned src;
    uint64_t first_line;
    uint64_t last_line;
    struct order *order;        /* jobs (and delivery rejects) */
    char *line;                 /* the original line, for rejects (NULL for CSV) */
    size_t line_len;
    /* priced */
    int64_t subtotal, tax, total, units;
    /* delivered */
    bool delivered;
    unsigned attempts;
    long http_status;
    double latency_ms;
    /* rejects */
    enum orders_reject_class cls;
    char *error;                /* rejects only: allocated, so jobs stay small */
    /* with a state (cfg->state): the entry's place in the progress ledger (with a feed: its
     * tag), and whether a stop
     * cut its delivery off (it is then neither written nor marked: the resume redoes it) */
    uint64_t lseq;
    bool abandoned;
    bool id_new;                /* the id set took its id as new (its key is committed with it) */
    uint64_t idkey;             /* that key when the validator hashed it (JSONL), else 0 */
    /* The order itself when it fits (order_parse_json_into): most do (a 270-byte line with 2
     * items needs about 420 bytes), so an order costs no malloc or free of its own. Not
     * zeroed by item_init: the parser writes what it uses. */
    _Alignas(max_align_t) char order_space[ORDER_SPACE];
};

struct pipe {
    const struct orders_config *cfg;
    struct core_loop *loop;
    struct core_sigwatch *stop;
    struct stopper stopper;
    struct orders_stats st;
    struct core_queue *raw, *price, *deliver, *record;
    struct core_group *g_read, *g_validate, *g_seq, *g_price, *g_deliver, *g_record, *g_aux;
    struct core_group *g_commit; /* the committer (with a state) */
    struct progress *progress;  /* with a state: the ledger of outcomes (progress.c), else NULL */
    struct core_sem *window;    /* SEQ_WINDOW slots */
    struct core_sem *inflight;  /* delivery concurrency */
    uv_mutex_t write_lock;      /* the recorders write from pool threads, one at a time */
    bool write_lock_ok;         /* initialised */
    struct app_idset *ids;
    struct core_objpool *items; /* blocks for struct item */
    struct fetch_client *http;
    struct retry_backoff backoff;
    struct batch *slots[SEQ_WINDOW];
    struct batch *spare;        /* released batches kept for reuse (loop thread) */
    size_t nspare;
    size_t batch_lines;         /* lines per batch: fewer when delivering (see setup) */
    size_t price_batch;         /* items a pricer takes at once (see take_ready) */
    uint64_t next_seq;          /* reader: next batch number */
    uint64_t release_seq;       /* sequencer: next batch to release */
    struct core_event *validated; /* a batch reached its slot, or a validator ended */
    unsigned validators;        /* still running */
    bool stopping;
    int64_t next_send_ms;       /* pacing for cfg->rate */
    int fatal;                  /* first internal error (out of memory) */
    uint64_t seq_pos[BATCH_LINES]; /* the sequencer's: a batch's positions (with a state) */
};

/* --- items ---------------------------------------------------------------------------------- */

/* Items are blocks of the pipe's object pool, taken in batches by the validators on the pool
 * and one at a time by the sequencer, given back in batches by the recorders on the pool (or
 * freed by orders__item_free on error paths and at teardown: pool blocks are core_malloc'd).
 * Every item comes from the pool, so it never holds more than were in flight at once. */

/* Free what the item holds, leaving the bare block. Inline: the recorders call it per item. */
static inline void orders__item_empty(struct item *it)
{
    order_free(it->order);
    core_free(it->line);
    core_free(it->error);
}

static inline void orders__item_free(struct item *it)
{
    if (!it)
        return;
    orders__item_empty(it);
    core_free(it);
}

/* orders.c */
/* Note the first internal error (out of memory) and stop reading. */
void orders__fail(struct pipe *p, int rc);
/* Set a reject's message. Out of memory leaves a generic one (the reject still counts). */
void orders__item_errorf(struct item *it, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* read.c */
/* The reader coroutine: reads cfg->inputs in turn into batches for the validators. */
int orders__reader(struct core_coro *co, void *arg);
/* Done with a batch (loop thread): keep it for reuse by the reader, or free it. */
void orders__batch_release(struct pipe *p, struct batch *b);
/* Free a batch and what its entries still hold. NULL is a no-op. */
void orders__batch_free(struct batch *b);

/* validate.c */
/* The validator coroutines: take batches from the reader, parse them on the pool. */
int orders__validator(struct core_coro *co, void *arg);
/* The sequencer coroutine: releases validated batches in input order, judging ids. */
int orders__sequencer(struct core_coro *co, void *arg);
/* A parse or validation error as the reject's message, allocated (NULL if out of memory). */
char *orders__error_text(const struct order_error *err);

/* price.c */
/* An order's amounts: subtotal = sum(qty x unit_price), tax, total and units. 0, or a negative
 * error code when a sum does not fit in 64-bit minor units. Pure: any thread. */
int orders__price_order(const struct orders_config *cfg, const struct order *o,
                        int64_t *subtotal, int64_t *tax, int64_t *total, int64_t *units);
/* The pricer coroutines: price orders in priority order, pass them on. */
int orders__pricer(struct core_coro *co, void *arg);

/* deliver.c */
/* The deliverer coroutines (only with an endpoint): POST each order, with retries. */
int orders__deliverer(struct core_coro *co, void *arg);

/* progress.c: durable progress with a state (see orders.h). Positions order entries across the
 * inputs: ORDERS_POS(src, first line). The reader skips the entries an earlier run committed;
 * the sequencer appends the others to a ledger, in input order; the recorders mark the ones
 * they wrote, under the pipe's write_lock, with the bytes they added; a commit snapshots both
 * under that lock (so the lengths it records hold exactly the marked lines), syncs the outputs,
 * and stores the done positions as ranges. */
#define ORDERS_POS(src, line) (((uint64_t)(src) << 40) | (uint64_t)(line))  /* lines < 2^40 */
struct progress;
struct app_idset;
/* Create the engine's tables if needed and load what earlier runs committed; seed is the id
 * set's for a run that has none yet. Setup thread. */
int orders__progress_open(const struct orders_config *cfg, uint64_t seed, struct progress **out);
void orders__progress_close(struct progress *pr);
/* The id set's seed: the one given to open, or the one an earlier run committed. */
uint64_t orders__progress_seed(const struct progress *pr);
/* Add the ids of every order committed so far to ids (made with that seed). Setup thread. */
int orders__progress_load_ids(struct progress *pr, struct app_idset *ids);
/* Whether an earlier run committed pos (ascending pos only: a cursor walks the ranges). */
bool orders__progress_committed(struct progress *pr, uint64_t pos);
/* Append n entries (ascending positions) not done yet; returns the ledger number of the
 * first, the rest follow. -ENOMEM leaves the ledger as it was. */
int orders__progress_append(struct progress *pr, const uint64_t *pos, size_t n, uint64_t *first);
/* After a batch's records were written in whole (the caller holds the write lock): their
 * ledger numbers, the id-set keys of the orders among them the id set took as new, and the
 * bytes and records they added. */
void orders__progress_written(struct progress *pr, const uint64_t *lseq, size_t n,
                              const uint64_t *keys, size_t nkeys, size_t results_bytes,
                              size_t rejects_bytes, uint64_t nresults, uint64_t nrejects);
/* Commit what is written now (fdatasync outputs, one transaction), finished or not. Takes
 * write_lock for the snapshot. 0 or a negated errno; any thread, one at a time. */
int orders__progress_commit(struct progress *pr, uv_mutex_t *write_lock, bool finished);
/* Results and rejects committed so far (earlier runs included), as of the last commit that
 * succeeded, for the stats. */
void orders__progress_totals(struct progress *pr, uint64_t *results, uint64_t *rejects);
/* Commits made, and the longest one in ms (*max_ms). */
uint64_t orders__progress_commits(const struct progress *pr, int64_t *max_ms);
/* The committer coroutine: commits every cfg->commit_ms until cancelled. */
int orders__committer(struct core_coro *co, void *arg);

/* record.c */
/* The recorder coroutines: count, format and write results and rejects in batches. */
int orders__recorder(struct core_coro *co, void *arg);

#endif
