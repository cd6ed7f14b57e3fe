/* app/orders/orders.c: the order pipeline (see orders.h).
 *
 * Items: a batch carries up to BATCH_LINES raw input lines (or parsed CSV orders) from the
 * reader to a validator, which parses them on the pool, each valid order straight into an item
 * (a block of the pipe's object pool, the order inside it); the sequencer releases each entry
 * as that item, or as a reject, and the item travels on through price, deliver and record.
 * Threads: the loop runs the coroutines (reader, sequencer with the id set, pricers,
 * deliverers, recorders' hand-off); the pool parses, hashes ids, formats and writes. An item
 * is only ever touched by one thread at a time: the offload hand-offs order the accesses.
 * Sequencing: validators finish batches in any order; a batch is released only when every
 * batch before it has been, so duplicate ids are judged in input order. At most SEQ_WINDOW
 * batches are between "taken by a validator" and "released" (a semaphore), which bounds memory
 * and cannot deadlock: the oldest of them is always being validated or ready to release. */
#include "app/orders/orders.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#include "app/common/format.h"
#include "app/common/retry.h"
#include "app/common/stopper.h"
#include "app/orders/idset.h"
#include "app/orders/input.h"
#include "app/export/jsonw.h"
#include "app/orders/lines.h"
#include "app/orders/order_csv.h"
#include "core/buf.h"
#include "core/event.h"
#include "core/group.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/objpool.h"
#include "core/offload.h"
#include "core/queue.h"
#include "core/sem.h"
#include "core/sigwatch.h"
#include "core/utf8.h"

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
#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif
#define ORDER_SPACE 512             /* bytes for the order inside its item */
#define REJECT_INPUT_MAX (64u * 1024u) /* bytes of an original line kept in a reject */

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
};

static const char *const class_names[ORDERS_R_COUNT] = {"parse", "invalid", "duplicate",
                                                        "delivery"};

const char *orders_reject_class_name(enum orders_reject_class c)
{
    return c < ORDERS_R_COUNT ? class_names[c] : "invalid";
}

void orders_config_init(struct orders_config *c)
{
    memset(c, 0, sizeof(*c));
    c->validate_workers = 2;
    c->price_workers = 2;
    c->deliver_workers = 16;
    c->max_line = LINES_DEFAULT_MAX;
    c->concurrency = 16;
    fetch_opts_init(&c->fetch);
    c->fetch.timeout_ms = 10000;
    c->fetch.connect_timeout_ms = 5000;
    c->fetch.max_body = 64u * 1024u;
    c->retries = 3;
    c->retry_base_ms = 200;
    c->max_retry_wait_ms = 30000;
    c->grace_ms = 5000;
}

static void fail(struct pipe *p, int rc)
{
    if (p->fatal == 0)
        p->fatal = rc;
    p->stopping = true;
}

/* --- items ---------------------------------------------------------------------------------- */

/* Items are blocks of the pipe's object pool, taken in batches by validate_on_pool and one at
 * a time by item_new, given back in batches by record_on_pool (or freed by item_free on error
 * paths and at teardown: pool blocks are core_malloc'd). Every item comes from the pool, so
 * it never holds more than were in flight at once. */
static struct item *item_init(struct item *it, enum item_kind kind, unsigned src, uint64_t first,
                              uint64_t last)
{
    memset(it, 0, offsetof(struct item, order_space));
    it->kind = kind;
    it->src = src;
    it->first_line = first;
    it->last_line = last;
    return it;
}

static struct item *item_new(struct core_objpool *pool, enum item_kind kind, unsigned src,
                             uint64_t first, uint64_t last)
{
    void *it;

    return core_objpool_get(pool, &it, 1) == 1 ? item_init(it, kind, src, first, last) : NULL;
}

/* Free what the item holds, leaving the bare block. */
static void item_empty(struct item *it)
{
    order_free(it->order);
    core_free(it->line);
    core_free(it->error);
}

static void item_free(struct item *it)
{
    if (!it)
        return;
    item_empty(it);
    core_free(it);
}

/* Set a reject's message. Out of memory leaves a generic one (the reject still counts). */
static void item_errorf(struct item *it, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void item_errorf(struct item *it, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    core_free(it->error);
    it->error = core_strdup(buf);
}

/* Keep the original line of a reject: its valid UTF-8 prefix, at most REJECT_INPUT_MAX. */
static void keep_line(struct item *it, const char *text, size_t len)
{
    size_t n = core_utf8_valid_prefix(text, len < REJECT_INPUT_MAX ? len : REJECT_INPUT_MAX);

    it->line = core_strndup(text, n);
    it->line_len = it->line ? n : 0;
}

static void drop_item(void *item, void *arg)
{
    (void)arg;
    item_free(item);
}

/* --- read ----------------------------------------------------------------------------------- */

static bool is_csv(const struct orders_config *cfg, const char *path)
{
    if (cfg->format != ORDERS_INPUT_AUTO)
        return cfg->format == ORDERS_INPUT_CSV;
    return file_format_for_path(path) == FILE_FORMAT_CSV;
}

/* A batch to fill: a spare one when there is one (a new one costs a 75 KiB allocation and the
 * text buffer's growth by doubling), else a new one. */
static struct batch *batch_new(struct pipe *p, unsigned src, bool parsed)
{
    struct batch *b = p->spare;

    if (b) {
        p->spare = b->next;
        p->nspare--;
        core_buf_reset(&b->text);
    } else {
        b = core_malloc(sizeof(*b));
        if (!b)
            return NULL;
        core_buf_init(&b->text, (size_t)1 << 31);
    }
    b->next = NULL;
    b->ids = p->ids;
    b->items = p->items;
    b->cfg = p->cfg;
    b->seq = p->next_seq++;
    b->src = src;
    b->parsed = parsed;
    b->n = 0;
    return b;
}

/* Free what the entries still hold (orders and items not passed on). */
static void batch_clear(struct batch *b)
{
    size_t i;

    for (i = 0; i < b->n; i++) {
        order_free(b->e[i].order);
        item_free(b->e[i].item);
        core_free(b->e[i].error);
    }
    b->n = 0;
}

static void batch_free(struct batch *b)
{
    if (!b)
        return;
    batch_clear(b);
    core_buf_free(&b->text);
    core_free(b);
}

/* Done with a batch: keep it for reuse, unless enough are kept or its text buffer grew large
 * (a batch of very long lines), which is then given back. */
static void batch_release(struct pipe *p, struct batch *b)
{
    if (p->nspare == SPARE_BATCHES || b->text.cap > 2 * BATCH_TEXT) {
        batch_free(b);
        return;
    }
    batch_clear(b);
    b->next = p->spare;
    p->spare = b;
    p->nspare++;
}

static void drop_batch(void *item, void *arg)
{
    (void)arg;
    batch_free(item);
}

/* Hand a batch to the validators (waits while they are behind). */
static int ship(struct core_coro *co, struct pipe *p, struct batch **b)
{
    int rc = 0;

    if (*b && (*b)->n > 0) {
        rc = core_queue_put(co, p->raw, *b, -1);
        if (rc < 0)
            batch_free(*b);
    } else {
        batch_free(*b);
        if (*b)
            p->next_seq--; /* an empty batch never existed */
    }
    *b = NULL;
    return rc;
}

struct reader {
    struct pipe *p;
    unsigned src;
    const char *path;
    struct input *in;
    struct lines *lines;
    struct order_csv *csv;
    struct batch *b;
    uint64_t consumed;          /* last input line put into a batch */
    char *chunk;
};

static int add_line(struct core_coro *co, struct reader *r, const struct lines_line *l)
{
    struct entry *e;
    int rc;

    if (!r->b && !(r->b = batch_new(r->p, r->src, false)))
        return -ENOMEM;
    e = &r->b->e[r->b->n];
    memset(e, 0, sizeof(*e));
    e->first_line = e->last_line = l->lineno;
    e->too_long = l->too_long;
    e->off = r->b->text.len;
    e->len = l->len;
    rc = core_buf_append(&r->b->text, l->text, l->len);
    if (rc < 0)
        return rc;
    r->b->n++;
    r->consumed = l->lineno;
    if (r->b->n == r->p->batch_lines || r->b->text.len >= BATCH_TEXT)
        return ship(co, r->p, &r->b);
    return 0;
}

/* A parse or validation error as the reject's message, allocated (NULL if out of memory). */
static char *error_text(const struct order_error *err)
{
    char msg[512];

    order_error_format(err, msg, sizeof(msg));
    return core_strdup(msg);
}

static int add_csv(struct core_coro *co, struct reader *r, struct order_csv_result *res)
{
    struct entry *e;

    if (!r->b && !(r->b = batch_new(r->p, r->src, true))) {
        order_free(res->order);
        return -ENOMEM;
    }
    e = &r->b->e[r->b->n++];
    memset(e, 0, sizeof(*e));
    e->first_line = res->first_line;
    e->last_line = res->last_line;
    e->order = res->order;
    e->rc = res->order ? 0 : (res->err.cls == ORDER_E_PARSE ? CORE_EPARSE : -EINVAL);
    if (!res->order)
        e->error = error_text(&res->err);
    r->consumed = res->last_line;
    if (r->b->n == r->p->batch_lines)
        return ship(co, r->p, &r->b);
    return 0;
}

/* Feed one chunk (eof: the last) and batch what it completes. */
static int digest(struct core_coro *co, struct reader *r, size_t n, bool eof)
{
    int rc;

    if (r->csv) {
        struct order_csv_result res;

        rc = order_csv_feed(r->csv, r->chunk, n, eof);
        while (rc >= 0 && !r->p->stopping && (rc = order_csv_next(r->csv, &res)) == 1)
            rc = add_csv(co, r, &res);
    } else {
        struct lines_line l;

        rc = lines_feed(r->lines, r->chunk, n, eof);
        /* after a stop, what is left of the chunk stays unread (it is "not reached") */
        while (rc >= 0 && !r->p->stopping && (rc = lines_next(r->lines, &l)) == 1)
            rc = add_line(co, r, &l);
    }
    return rc < 0 ? rc : 0;
}

static void note_resume(struct pipe *p, const char *path, uint64_t line)
{
    if (p->st.resume_source[0])
        return;
    snprintf(p->st.resume_source, sizeof(p->st.resume_source), "%s", path);
    p->st.resume_line = line;
}

/* After a stop: how many lines of in (from line `after` on) were never read. */
static void count_not_reached(struct core_coro *co, struct pipe *p, struct input *in, bool csv,
                              uint64_t after)
{
    unsigned long long total = 0;

    if (p->st.lines_not_reached == UINT64_MAX)
        return;
    if (!input_is_file(in) || input_count_lines(co, in, &total) < 0) {
        p->st.lines_not_reached = UINT64_MAX;
        return;
    }
    if (csv && after == 0 && total > 0)
        total--; /* the header row is not an order line */
    p->st.lines_not_reached += total > after ? total - after : 0;
}

static int read_file(struct core_coro *co, struct pipe *p, unsigned src, const char *path)
{
    struct reader r;
    size_t n = 0;
    int rc;

    memset(&r, 0, sizeof(r));
    r.p = p;
    r.src = src;
    r.path = path;
    r.chunk = core_malloc(READ_CHUNK);
    rc = r.chunk ? input_open(p->loop, path, &r.in) : -ENOMEM;
    if (rc == 0)
        rc = is_csv(p->cfg, path) ? order_csv_create(p->cfg->max_line * 8, &r.csv)
                                  : lines_create(p->cfg->max_line, &r.lines);
    /* Everything but the read itself is shielded: a stop request cancels this coroutine only
     * to end a read that waits on stdin; batches already read must still go on. */
    core_coro_shield(co, true);
    while (rc == 0 && !p->stopping) {
        core_coro_shield(co, false);
        rc = input_read(co, r.in, r.chunk, READ_CHUNK, &n);
        core_coro_shield(co, true);
        if (rc == 0)
            rc = digest(co, &r, n, n == 0);
        if (n == 0)
            break;
    }
    if (rc == 0 || rc == -ECANCELED) {
        int r2 = ship(co, p, &r.b);

        rc = rc == 0 ? r2 : rc;
    } else {
        batch_free(r.b);
    }
    if (p->stopping || rc < 0) {
        /* lines read but not yet batched are not reached either */
        note_resume(p, path, r.consumed + 1 + (r.csv && r.consumed == 0));
        if (r.in)
            count_not_reached(co, p, r.in, r.csv != NULL, r.consumed);
    }
    core_coro_shield(co, false);
    if (rc < 0 && rc != -ECANCELED && !p->st.input_error) {
        p->st.input_error = true;
        snprintf(p->st.input_error_text, sizeof(p->st.input_error_text), "%s: %s", path,
                 core_strerror(rc));
    }
    lines_destroy(r.lines);
    order_csv_destroy(r.csv);
    input_close(r.in);
    core_free(r.chunk);
    return rc;
}

static int reader(struct core_coro *co, void *arg)
{
    struct pipe *p = arg;
    size_t i;
    int rc = 0;

    for (i = 0; i < p->cfg->ninputs; i++) {
        const char *path = p->cfg->inputs[i];
        struct input *in;

        if (!p->stopping && rc >= 0) {
            rc = read_file(co, p, (unsigned)i, path);
            continue;
        }
        /* never started: every line of it is not reached */
        note_resume(p, path, is_csv(p->cfg, path) ? 2 : 1);
        core_coro_shield(co, true);
        if (input_open(p->loop, path, &in) == 0) {
            count_not_reached(co, p, in, is_csv(p->cfg, path), 0);
            input_close(in);
        }
        core_coro_shield(co, false);
    }
    core_queue_close_sender(p->raw);
    return 0;
}

/* --- validate and sequence ----------------------------------------------------------------- */

/* An order's amounts: subtotal = sum(qty x unit_price), tax, total and units. 0, or a negative
 * error code when a sum does not fit in 64-bit minor units. Pure, so the validators can run it
 * on the pool to learn which orders the pricers will reject (see validate_on_pool). */
static int price_order(const struct orders_config *cfg, const struct order *o, int64_t *subtotal,
                       int64_t *tax, int64_t *total, int64_t *units)
{
    size_t i;
    int64_t line;
    int rc = 0;

    *subtotal = 0;
    *units = 0;
    for (i = 0; rc == 0 && i < o->nitems; i++) {
        rc = money_mul(o->items[i].unit_price, o->items[i].qty, &line);
        if (rc == 0)
            rc = money_add(*subtotal, line, subtotal);
        if (rc == 0)
            rc = money_add(*units, o->items[i].qty, units);
    }
    *tax = 0;
    if (rc == 0 && cfg->has_tax)
        rc = money_tax(*subtotal, &cfg->tax, tax);
    if (rc == 0)
        rc = money_add(*subtotal, *tax, total);
    return rc;
}

/* Parse a batch's lines, hash each valid order's id and give the order its item, all here on
 * the pool: the loop thread is left with the id set's table and the queues. Items come from
 * the pipe's object pool in one trip per batch and go back to it from record_on_pool, so the
 * loop does no per-order malloc or free and items never go through malloc at all. Each order
 * is also priced here once, while it is in this core's cache, only to flag the few that will
 * overflow: their reject needs the line, which only this batch still holds (the pricers
 * compute the amounts that go out). */
static int validate_on_pool(void *arg)
{
    struct batch *b = arg;
    struct order_error err;
    void *blocks[BATCH_LINES];
    int64_t sub, tax, total, units;
    size_t i, got;

    /* one trip to the item pool for the whole batch, a block per line; the blocks of lines
     * that fail go back at the end. A line left without one (out of memory) is parsed into an
     * allocated order and gets its item from take_item on the loop. */
    got = core_objpool_get(b->items, blocks, b->n);
    for (i = 0; i < b->n; i++) {
        struct entry *e = &b->e[i];
        struct item *it = i < got ? blocks[i] : NULL;
        const char *line = b->text.data + e->off;

        if (e->too_long) {
            e->rc = CORE_EPARSE;
            continue;
        }
        if (it)
            e->rc = order_parse_json_into(line, e->len, it->order_space, sizeof(it->order_space),
                                          &e->order, &err);
        else
            e->rc = order_parse_json(line, e->len, &e->order, &err);
        if (e->rc != 0) {
            e->error = error_text(&err);
            continue;
        }
        e->idkey = app_idset_key(b->ids, e->order->id, e->order->id_len);
        e->overflows = price_order(b->cfg, e->order, &sub, &tax, &total, &units) < 0;
        if (it) {
            e->item = item_init(it, ITEM_JOB, b->src, e->first_line, e->last_line);
            e->item->order = e->order;
            e->order = NULL;
            blocks[i] = NULL; /* taken */
        }
    }
    core_objpool_put(b->items, blocks, got);
    return 0;
}

/* The item of a valid entry: the one made on the pool, else a new one (CSV, or the pool was
 * out of memory). NULL when out of memory. */
static struct item *take_item(const struct batch *b, struct entry *e)
{
    struct item *it = e->item;

    if (!it && (it = item_new(b->items, ITEM_JOB, b->src, e->first_line, e->last_line))) {
        it->order = e->order;
        e->order = NULL;
    }
    e->item = NULL;
    return it;
}

static const struct order *entry_order(const struct entry *e)
{
    return e->item ? e->item->order : e->order;
}

static int emit_reject(struct core_coro *co, struct pipe *p, struct item *it)
{
    int rc = core_queue_put(co, p->record, it, -1);

    if (rc < 0)
        item_free(it);
    return rc;
}

/* Turn one validated entry into a job or a reject and pass it on. seen is the id set's answer
 * for a valid order: 1 new, 0 a duplicate, < 0 could not be checked. */
static int release_entry(struct core_coro *co, struct pipe *p, const struct batch *b,
                         struct entry *e, int seen)
{
    const char *text = b->text.data ? b->text.data + e->off : "";
    struct item *it;
    int rc = seen;

    if (e->rc == 0) {
        it = take_item(b, e);
        if (!it)
            return -ENOMEM;
        if (rc == 1) {
            /* the batch's text is gone by the time a pricer or deliverer rejects an order, so
             * an order that may still become a reject takes its line along: every one with
             * delivery, else only one whose amounts overflow */
            if (!b->parsed && (p->cfg->endpoint || e->overflows))
                keep_line(it, text, e->len);
            rc = core_queue_put_prio(co, p->price, it, (int64_t)it->order->priority, -1);
            if (rc < 0)
                item_free(it);
            return rc;
        }
        it->kind = ITEM_REJECT;
        it->cls = ORDERS_R_DUPLICATE;
        if (rc == 0)
            item_errorf(it, "id: duplicate id '%.200s' (an earlier order has it)",
                     it->order->id);
        else
            item_errorf(it, "id: could not check for duplicates: %s",
                     core_strerror(rc));
        if (rc < 0)
            it->cls = ORDERS_R_INVALID;
    } else {
        it = item_new(b->items, ITEM_REJECT, b->src, e->first_line, e->last_line);
        if (!it)
            return -ENOMEM;
        if (e->too_long) {
            it->cls = ORDERS_R_PARSE;
            item_errorf(it, "line longer than --max-line-bytes (%zu)", p->cfg->max_line);
        } else {
            it->cls = e->rc == -EINVAL ? ORDERS_R_INVALID : ORDERS_R_PARSE;
            it->error = e->error; /* NULL (out of memory) gets a generic message */
            e->error = NULL;
        }
    }
    if (!b->parsed)
        keep_line(it, text, e->len);
    return emit_reject(co, p, it);
}

/* Look up every valid order's id of a batch in one go, in input order. */
static void check_ids(struct pipe *p, const struct batch *b, int *seen)
{
    struct app_idset_item items[BATCH_LINES];
    size_t i, n = 0;
    int rc;

    for (i = 0; i < b->n; i++) {
        if (b->e[i].rc != 0)
            continue;
        items[n].id = entry_order(&b->e[i])->id;
        items[n].len = entry_order(&b->e[i])->id_len;
        items[n].key = b->e[i].idkey; /* 0 for CSV: hashed by the set */
        n++;
    }
    /* On an error, results up to it are set and the rest say -ECANCELED (not checked):
     * release_entry rejects those orders rather than risk letting a duplicate through. */
    rc = n ? app_idset_add_batch(p->ids, items, n) : 0;
    (void)rc;
    for (i = 0, n = 0; i < b->n; i++)
        seen[i] = b->e[i].rc == 0 ? items[n++].result : 0;
}

/* Items were written on a pool thread; the sequencer and then a pricer on this thread read
 * their header, the order's header and its items array: the first 320 bytes of the block when
 * the order is in place. Fetching them PREFETCH_AHEAD entries early turns a chain of cache
 * misses per order (most of the pricers' time) into loads that overlap. */
#define PREFETCH_AHEAD 8

static void prefetch_ahead(const struct batch *b, size_t i)
{
    const struct item *it;
    size_t k;

    if (i + PREFETCH_AHEAD >= b->n || !(it = b->e[i + PREFETCH_AHEAD].item))
        return;
    for (k = 0; k < 320; k += 64)
        PREFETCH((const char *)it + k);
}

/* Releases validated batches in input order (the one place ids are judged, so the first of
 * two orders with one id wins), then frees their window slots. */
static int sequencer(struct core_coro *co, void *arg)
{
    struct pipe *p = arg;
    int seen[BATCH_LINES];
    struct batch *b;
    size_t i;
    int rc = 0;

    for (;;) {
        b = p->slots[p->release_seq % SEQ_WINDOW];
        if (!b || b->seq != p->release_seq) {
            if (p->validators == 0)
                break; /* every batch has been released */
            rc = core_event_wait(co, p->validated, -1);
            if (rc < 0)
                break;
            continue;
        }
        p->slots[p->release_seq % SEQ_WINDOW] = NULL;
        check_ids(p, b, seen);
        for (i = 0; rc == 0 && i < b->n; i++) {
            prefetch_ahead(b, i);
            p->st.lines += b->e[i].last_line - b->e[i].first_line + 1;
            p->st.entries++;
            rc = release_entry(co, p, b, &b->e[i], seen[i]);
        }
        p->release_seq++;
        batch_release(p, b);
        core_sem_release(p->window);
        if (rc < 0) {
            fail(p, rc);
            break;
        }
    }
    core_queue_close_sender(p->price);
    core_queue_close_sender(p->record);
    return rc;
}

static void notify(struct pipe *p)
{
    core_event_set(p->validated);
    core_event_clear(p->validated);
}

static int validator(struct core_coro *co, void *arg)
{
    struct pipe *p = arg;
    struct batch *b;
    int rc;

    for (;;) {
        rc = core_sem_acquire(co, p->window, -1);
        if (rc < 0)
            break;
        rc = core_queue_get(co, p->raw, (void **)&b, -1);
        if (rc < 0) {
            core_sem_release(p->window);
            break;
        }
        if (!b->parsed)
            core_offload(co, validate_on_pool, b, -1);
        p->slots[b->seq % SEQ_WINDOW] = b;
        notify(p);
    }
    p->validators--;
    notify(p);
    return rc == -EPIPE ? 0 : rc;
}

/* --- price ---------------------------------------------------------------------------------- */

static int price(const struct orders_config *cfg, struct item *it)
{
    return price_order(cfg, it->order, &it->subtotal, &it->tax, &it->total, &it->units);
}

#define PRICE_BATCH 32

/* Take the items that are ready, in priority order (up to p->price_batch, waiting only for
 * the first), and start fetching their orders: they were written on a pool thread and have
 * often waited in the queue long enough to leave this core's cache. Pricing them one at a time
 * would wait out one cache miss per order; fetched together, the misses overlap. With
 * delivery the batch is 1: items held by a pricer while the deliverers are busy could not be
 * overtaken by a later express order. */
static int take_ready(struct core_coro *co, struct pipe *p, struct item **its, size_t *n)
{
    size_t i;
    int rc = core_queue_get(co, p->price, (void **)&its[0], -1);

    if (rc < 0)
        return rc;
    *n = 1;
    while (*n < p->price_batch && core_queue_get_nowait(p->price, (void **)&its[*n]) == 0)
        (*n)++;
    for (i = 0; i < *n; i++)
        PREFETCH(its[i]->order->items);
    return 0;
}

static int pricer(struct core_coro *co, void *arg)
{
    struct pipe *p = arg;
    struct item *its[PRICE_BATCH];
    size_t n, i;
    int rc;

    while ((rc = take_ready(co, p, its, &n)) == 0) {
        for (i = 0; i < n; i++) {
            struct core_queue *next = p->cfg->endpoint ? p->deliver : p->record;
            struct item *it = its[i];

            if (price(p->cfg, it) < 0) {
                it->kind = ITEM_REJECT;
                it->cls = ORDERS_R_INVALID;
                item_errorf(it, "items: the total does not fit in 64-bit minor units");
                next = p->record;
            }
            rc = core_queue_put(co, next, it, -1);
            if (rc < 0)
                break;
        }
        if (rc < 0) {
            for (; i < n; i++)
                item_free(its[i]);
            fail(p, rc);
            break;
        }
    }
    if (p->cfg->endpoint)
        core_queue_close_sender(p->deliver);
    core_queue_close_sender(p->record);
    return rc == -EPIPE ? 0 : rc;
}

/* --- deliver -------------------------------------------------------------------------------- */

static int delivery_body(const struct item *it, struct core_buf *out)
{
    const struct order *o = it->order;
    char amount[48];
    struct jsonw w;
    size_t i;

    jsonw_init(&w, out);
    jsonw_begin_object(&w);
    jsonw_key(&w, "id");
    jsonw_string(&w, o->id, o->id_len);
    jsonw_key(&w, "customer");
    jsonw_string(&w, o->customer, o->customer_len);
    jsonw_key(&w, "priority");
    jsonw_string(&w, order_priority_name(o->priority), strlen(order_priority_name(o->priority)));
    jsonw_key(&w, "currency");
    jsonw_string(&w, o->currency, 3);
    jsonw_key(&w, "created_at");
    jsonw_string(&w, o->created_at, o->created_at_len);
    jsonw_key(&w, "items");
    jsonw_begin_array(&w);
    for (i = 0; i < o->nitems; i++) {
        jsonw_begin_object(&w);
        jsonw_key(&w, "sku");
        jsonw_string(&w, o->items[i].sku, o->items[i].sku_len);
        jsonw_key(&w, "qty");
        jsonw_int(&w, o->items[i].qty);
        jsonw_key(&w, "unit_price");
        money_format(o->items[i].unit_price, o->decimals, amount, sizeof(amount));
        jsonw_string(&w, amount, strlen(amount));
        jsonw_end_object(&w);
    }
    jsonw_end_array(&w);
    jsonw_key(&w, "subtotal");
    money_format(it->subtotal, o->decimals, amount, sizeof(amount));
    jsonw_string(&w, amount, strlen(amount));
    jsonw_key(&w, "tax");
    money_format(it->tax, o->decimals, amount, sizeof(amount));
    jsonw_string(&w, amount, strlen(amount));
    jsonw_key(&w, "total");
    money_format(it->total, o->decimals, amount, sizeof(amount));
    jsonw_string(&w, amount, strlen(amount));
    jsonw_end_object(&w);
    return jsonw_finish(&w);
}

/* Wait for our turn under --rate. */
static int pace(struct core_coro *co, struct pipe *p)
{
    int64_t now = core_now_ms(), at;

    if (p->cfg->rate <= 0)
        return 0;
    at = p->next_send_ms > now ? p->next_send_ms : now;
    p->next_send_ms = at + (int64_t)(1000.0 / p->cfg->rate + 0.5);
    return at > now ? core_sleep(co, at) : 0;
}

static void describe(char *buf, size_t cap, int err, const struct fetch_result *res)
{
    if (err != 0)
        snprintf(buf, cap, "%.150s", res->error[0] ? res->error : core_strerror(err));
    else
        snprintf(buf, cap, "HTTP %ld", res->status);
}

static void deliver_one(struct core_coro *co, struct pipe *p, struct item *it)
{
    char key[200], last[160] = "";
    const char *hdrs[2] = {"Content-Type: application/json", key};
    struct fetch_request req;
    struct fetch_result res;
    struct core_buf body;
    uint64_t t0 = 0;            /* ns, at the first attempt */
    int err = 0, rc;

    core_buf_init(&body, 8u << 20);
    snprintf(key, sizeof(key), "Idempotency-Key: %.160s", it->order->id);
    memset(&req, 0, sizeof(req));
    req.url = p->cfg->endpoint;
    req.method = "POST";
    req.headers = hdrs;
    req.nheaders = 2;
    if (delivery_body(it, &body) < 0) {
        err = -ENOMEM;
        goto reject;
    }
    req.body = body.data;
    req.body_len = body.len;
    for (;;) {
        rc = pace(co, p);
        if (rc == 0)
            rc = core_sem_acquire(co, p->inflight, -1);
        if (rc < 0) {
            err = rc;
            break;
        }
        if (it->attempts == 0)
            t0 = uv_hrtime(); /* latency: from the first attempt, not from the queue */
        fetch_result_init(&res);
        err = fetch_client_do(co, p->http, &req, &res);
        core_sem_release(p->inflight);
        it->attempts++;
        it->http_status = res.status;
        if (err == 0 && res.status >= 200 && res.status < 300) {
            it->delivered = true;
            it->latency_ms = (double)(uv_hrtime() - t0) / 1e6;
            fetch_result_free(&res);
            core_buf_free(&body);
            return;
        }
        describe(last, sizeof(last), err, &res);
        if (err == 0 && !retry_is_worth_it(0, res.status)) {
            /* the endpoint refused the order: say what it said */
            size_t n = core_utf8_valid_prefix(res.body.data ? res.body.data : "",
                                              res.body.len < 200 ? res.body.len : 200);

            item_errorf(it, "delivery: HTTP %ld: %.*s", res.status,
                     (int)n, res.body.data ? res.body.data : "");
            fetch_result_free(&res);
            goto out_reject;
        }
        if (!retry_is_worth_it(err, res.status) || it->attempts > p->cfg->retries) {
            fetch_result_free(&res);
            break;
        }
        rc = core_sleep(co, core_deadline_in(retry_backoff_delay(&p->backoff, it->attempts,
                                                           res.retry_after_s)));
        p->st.retries++;
        fetch_result_free(&res);
        if (rc < 0) {
            err = rc;
            break;
        }
    }
reject:
    if (err == -ECANCELED)
        item_errorf(it, "delivery: interrupted after %u attempt%s (%s); not confirmed, the "
                 "Idempotency-Key makes a retry safe", it->attempts, it->attempts == 1 ? "" : "s",
                 last[0] ? last : "no answer yet");
    else
        item_errorf(it, "delivery: gave up after %u attempt%s: %s",
                 it->attempts, it->attempts == 1 ? "" : "s",
                 last[0] ? last : core_strerror(err));
out_reject:
    it->kind = ITEM_REJECT;
    it->cls = ORDERS_R_DELIVERY;
    core_buf_free(&body);
}

static int deliverer(struct core_coro *co, void *arg)
{
    struct pipe *p = arg;
    struct item *it;
    int rc;

    /* After the grace period the stopper cancels this coroutine: from then on each delivery
     * ends at once as "interrupted", but taking orders and handing them on stay shielded, so
     * the queue is still drained to its end and nothing is lost. */
    for (;;) {
        core_coro_shield(co, true);
        rc = core_queue_get(co, p->deliver, (void **)&it, -1);
        core_coro_shield(co, false);
        if (rc < 0)
            break;
        deliver_one(co, p, it);
        core_coro_shield(co, true);
        rc = core_queue_put(co, p->record, it, -1);
        core_coro_shield(co, false);
        if (rc < 0) {
            item_free(it);
            fail(p, rc);
            break;
        }
    }
    core_queue_close_sender(p->record);
    return rc == -EPIPE ? 0 : rc;
}

/* --- record --------------------------------------------------------------------------------- */

static void add_total(struct orders_stats *st, const struct order *o, int64_t total)
{
    size_t i;

    for (i = 0; i < st->ncurrencies; i++)
        if (memcmp(st->totals[i].code, o->currency, 3) == 0)
            break;
    if (i == st->ncurrencies) {
        if (i == sizeof(st->totals) / sizeof(st->totals[0]))
            return;
        memcpy(st->totals[i].code, o->currency, 4);
        st->totals[i].decimals = o->decimals;
        st->ncurrencies++;
    }
    if (money_add(st->totals[i].total, total, &st->totals[i].total) < 0)
        st->totals[i].overflow = true;
}

/* Count an item in the stats (loop thread). */
static void count_one(struct pipe *p, const struct item *it)
{
    if (it->kind == ITEM_JOB) {
        p->st.results++;
        if (it->delivered) {
            p->st.delivered++;
            histogram_add(&p->st.latency, it->latency_ms);
        } else {
            p->st.priced++;
        }
        add_total(&p->st, it->order, it->total);
    } else {
        p->st.rejects[it->cls]++;
    }
}

/* Format an item into the batch's buffers (on the thread pool). */
static int format_one(const struct orders_config *cfg, const struct item *it,
                      struct core_buf *results, struct core_buf *rejects)
{
    const char *src = cfg->inputs[it->src];

    if (it->kind == ITEM_JOB) {
        struct orders_result r;

        memset(&r, 0, sizeof(r));
        r.order = it->order;
        r.subtotal = it->subtotal;
        r.tax = it->tax;
        r.total = it->total;
        r.units = it->units;
        r.delivered = it->delivered;
        r.attempts = it->attempts;
        r.http_status = it->http_status;
        r.latency_ms = it->latency_ms;
        r.source = src;
        r.source_index = it->src;
        r.first_line = it->first_line;
        r.last_line = it->last_line;
        return cfg->format_result ? cfg->format_result(&r, results, cfg->arg) : 0;
    } else {
        struct orders_reject r;

        memset(&r, 0, sizeof(r));
        r.source = src;
        r.first_line = it->first_line;
        r.last_line = it->last_line;
        r.input = it->line;
        r.input_len = it->line_len;
        r.cls = it->cls;
        r.error = it->error ? it->error : "out of memory while describing this reject";
        r.http_status = it->cls == ORDERS_R_DELIVERY ? it->http_status : 0;
        r.attempts = it->attempts;
        return cfg->format_reject ? cfg->format_reject(&r, rejects, cfg->arg) : 0;
    }
}

#define RECORD_BATCH 512
#define RECORDERS 2

struct record_batch {
    const struct orders_config *cfg;
    struct core_objpool *pool;  /* where the items go back to */
    uv_mutex_t *write_lock;
    struct item *items[RECORD_BATCH];
    size_t n;
    struct core_buf results;
    struct core_buf rejects;
    int err;                    /* formatting failed (out of memory) */
    int write_err;              /* writing failed */
};

static int write_batch(struct record_batch *rb)
{
    const struct orders_config *cfg = rb->cfg;
    int rc = 0;

    uv_mutex_lock(rb->write_lock);
    if (rb->results.len && cfg->write_results)
        rc = cfg->write_results(rb->results.data, rb->results.len, cfg->arg);
    if (rc == 0 && rb->rejects.len && cfg->write_rejects)
        rc = cfg->write_rejects(rb->rejects.data, rb->rejects.len, cfg->arg);
    uv_mutex_unlock(rb->write_lock);
    return rc;
}

/* Format a batch, give its items back and write it. On the pool: a write to a file whose pages
 * are being written back can block for milliseconds, which on the loop would stall every
 * stage. */
static int record_on_pool(void *arg)
{
    struct record_batch *rb = arg;
    size_t i;

    for (i = 0; i < rb->n && rb->err == 0; i++)
        rb->err = format_one(rb->cfg, rb->items[i], &rb->results, &rb->rejects);
    for (i = 0; i < rb->n; i++)
        item_empty(rb->items[i]);
    core_objpool_put(rb->pool, (void *const *)rb->items, rb->n);
    rb->write_err = write_batch(rb);
    return 0;
}

/* Records in batches: formatting is most of the per-order work left, so two recorders have
 * batches formatted on the pool at the same time while the loop goes on with other orders;
 * each batch is then written whole. */
static int recorder(struct core_coro *co, void *arg)
{
    struct pipe *p = arg;
    struct record_batch *rb = core_calloc(1, sizeof(*rb));
    size_t i;
    int rc = 0;

    if (!rb)
        return -ENOMEM;
    rb->cfg = p->cfg;
    rb->write_lock = &p->write_lock;
    rb->pool = p->items;
    core_buf_init(&rb->results, 256u << 20);
    core_buf_init(&rb->rejects, 256u << 20);
    for (;;) {
        rc = core_queue_get(co, p->record, (void **)&rb->items[0], -1);
        if (rc < 0)
            break;
        rb->n = 1;
        while (rb->n < RECORD_BATCH &&
               core_queue_get_nowait(p->record, (void **)&rb->items[rb->n]) == 0)
            rb->n++;
        for (i = 0; i < rb->n; i++)
            count_one(p, rb->items[i]);
        core_buf_reset(&rb->results);
        core_buf_reset(&rb->rejects);
        rb->err = rb->write_err = 0;
        if (rb->n <= 8 || core_offload(co, record_on_pool, rb, -1) < 0)
            record_on_pool(rb); /* a trickle (not worth a trip to the pool), or no pool */
        if (rb->err)
            fail(p, rb->err);
        if (rb->write_err && p->stop) /* nothing more can be recorded: stop at once */
            core_sigwatch_request(p->stop, CORE_STOP_IMMEDIATE);
    }
    core_buf_free(&rb->results);
    core_buf_free(&rb->rejects);
    core_free(rb);
    return rc == -EPIPE ? 0 : rc;
}

/* --- stop ----------------------------------------------------------------------------------- */

/* The first stop request stops the reading (a read waiting on stdin ends now); what was read
 * still goes through, and deliveries in flight get the grace period. */
static void on_stop(void *arg)
{
    struct pipe *p = arg;

    p->stopping = true;
    p->st.interrupted = true;
    core_group_cancel(p->g_read);
}

/* Grace over, or a second request: deliveries in flight end (the rest is rejected as
 * interrupted). */
static void on_abort(void *arg)
{
    struct pipe *p = arg;

    core_group_cancel(p->g_deliver);
}

/* --- setup ---------------------------------------------------------------------------------- */

static int mkqueue(struct pipe *p, enum core_queue_kind kind, size_t max, core_queue_drop_fn *drop,
                   struct core_queue **q)
{
    struct core_queue_opts o;

    core_queue_opts_init(&o, kind, max);
    o.drop = drop;
    return core_queue_create(p->loop, &o, q);
}

static int spawn_n(struct core_group *g, unsigned n, core_coro_fn *fn, void *arg)
{
    unsigned i;
    int rc = 0;

    for (i = 0; rc == 0 && i < n; i++)
        rc = core_group_spawn(g, fn, arg, NULL);
    return rc;
}

static int setup(struct pipe *p)
{
    const struct orders_config *cfg = p->cfg;
    struct core_group **groups[] = {&p->g_read, &p->g_validate, &p->g_seq, &p->g_price,
                                    &p->g_deliver, &p->g_record, &p->g_aux};
    size_t window = SEQ_WINDOW, nprice = Q_PRICE, ndeliver = Q_DELIVER, i;
    unsigned conc = cfg->concurrency ? cfg->concurrency : 1;
    int rc;

    p->batch_lines = BATCH_LINES;
    p->price_batch = cfg->endpoint ? 1 : PRICE_BATCH;
    if (cfg->endpoint) {
        /* The network sets the pace: reading far ahead of it buys nothing, and everything
         * read when a stop comes must still be delivered or rejected. Keep a few times the
         * concurrency in the pipeline (so the priority queue still has orders to choose
         * from), not thousands. */
        p->batch_lines = 32;
        window = 4;
        nprice = 4 * (size_t)conc > 64 ? 4 * (size_t)conc : 64;
        ndeliver = conc;
    }
    rc = mkqueue(p, CORE_QUEUE_FIFO, Q_RAW, drop_batch, &p->raw);
    if (rc == 0)
        rc = mkqueue(p, CORE_QUEUE_PRIO, nprice, drop_item, &p->price);
    if (rc == 0)
        rc = mkqueue(p, CORE_QUEUE_FIFO, ndeliver, drop_item, &p->deliver);
    if (rc == 0)
        rc = mkqueue(p, CORE_QUEUE_FIFO, Q_RECORD, drop_item, &p->record);
    for (i = 0; rc == 0 && i < sizeof(groups) / sizeof(groups[0]); i++)
        rc = core_group_create(p->loop, 0, groups[i]);
    if (rc == 0)
        rc = core_objpool_create(sizeof(struct item), &p->items);
    if (rc == 0)
        rc = uv_mutex_init(&p->write_lock);
    if (rc == 0)
        p->write_lock_ok = true;
    if (rc == 0)
        rc = core_sem_create(window, window, &p->window);
    if (rc == 0)
        rc = core_event_create(&p->validated);
    if (rc == 0)
        rc = core_sem_create(cfg->concurrency ? cfg->concurrency : 1, 0, &p->inflight);
    if (rc == 0)
        rc = app_idset_create((uint64_t)time(NULL) * 0x9E3779B97F4A7C15u ^ (uint64_t)(uintptr_t)p,
                              cfg->idset_memory, NULL, &p->ids);
    if (rc == 0 && cfg->endpoint)
        rc = fetch_client_create(p->loop, &cfg->fetch, &p->http);
    retry_backoff_init(&p->backoff, cfg->retry_base_ms, cfg->max_retry_wait_ms, cfg->max_retry_wait_ms,
                 (uint64_t)core_now_ms() | 1);
    return rc;
}

static void teardown(struct pipe *p)
{
    size_t i;

    core_group_destroy(p->g_aux);
    core_group_destroy(p->g_read);
    core_group_destroy(p->g_validate);
    core_group_destroy(p->g_seq);
    core_group_destroy(p->g_price);
    core_group_destroy(p->g_deliver);
    core_group_destroy(p->g_record);
    for (i = 0; i < SEQ_WINDOW; i++)
        batch_free(p->slots[i]);
    while (p->spare) {
        struct batch *b = p->spare;

        p->spare = b->next;
        batch_free(b);
    }
    core_queue_destroy(p->raw);
    core_queue_destroy(p->price);
    core_queue_destroy(p->deliver);
    core_queue_destroy(p->record);
    core_sem_destroy(p->window);
    if (p->write_lock_ok)
        uv_mutex_destroy(&p->write_lock);
    core_event_destroy(p->validated);
    core_sem_destroy(p->inflight);
    app_idset_destroy(p->ids);
    core_objpool_destroy(p->items);
    fetch_client_destroy(p->http);
}

int orders_run(struct core_coro *co, const struct orders_config *cfg, struct core_sigwatch *stop,
               struct orders_stats *st)
{
    struct pipe *p = core_calloc(1, sizeof(*p));
    int64_t t0 = core_now_ms();
    unsigned nv = cfg->validate_workers ? cfg->validate_workers : 1;
    unsigned np = cfg->price_workers ? cfg->price_workers : 1;
    unsigned nd = cfg->deliver_workers ? cfg->deliver_workers : 1;
    int rc;

    if (!p)
        return -ENOMEM;
    p->cfg = cfg;
    p->loop = core_coro_loop(co);
    p->stop = stop;
    histogram_init(&p->st.latency);
    rc = setup(p);
    if (rc == 0) {
        /* senders are counted before anyone runs, so no stage can close early */
        core_queue_add_sender(p->raw);
        core_queue_add_sender(p->price);  /* the sequencer */
        core_queue_add_sender(p->record);
        for (unsigned i = 0; i < np; i++) {
            if (cfg->endpoint)
                core_queue_add_sender(p->deliver);
            core_queue_add_sender(p->record);
        }
        if (cfg->endpoint)
            for (unsigned i = 0; i < nd; i++)
                core_queue_add_sender(p->record);
        rc = core_group_spawn(p->g_read, reader, p, NULL);
        p->validators = nv;
        if (rc == 0)
            rc = spawn_n(p->g_validate, nv, validator, p);
        if (rc == 0)
            rc = core_group_spawn(p->g_seq, sequencer, p, NULL);
        if (rc == 0)
            rc = spawn_n(p->g_price, np, pricer, p);
        if (rc == 0 && cfg->endpoint)
            rc = spawn_n(p->g_deliver, nd, deliverer, p);
        if (rc == 0)
            rc = spawn_n(p->g_record, RECORDERS, recorder, p);
        if (rc == 0 && stop) {
            p->stopper = (struct stopper){stop, cfg->grace_ms, on_stop, on_abort, p};
            rc = core_group_spawn(p->g_aux, stopper_run, &p->stopper, NULL);
        }
    }
    if (rc == 0) {
        /* the record stage ends last: when every stage before it has closed */
        rc = core_group_wait(co, p->g_record, -1);
        if (rc == 0)
            rc = core_group_wait(co, p->g_read, -1);
    }
    if (rc == 0 && p->fatal)
        rc = p->fatal;
    p->st.elapsed_ms = core_now_ms() - t0;
    if (p->items) {
        p->st.max_in_flight = core_objpool_made(p->items);
        p->st.items_returned = core_objpool_idle(p->items);
    }
    teardown(p);
    *st = p->st;
    core_free(p);
    return rc;
}
