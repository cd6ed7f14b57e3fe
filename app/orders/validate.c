/* app/orders/validate.c: the validators, coroutines that have whole batches parsed, checked,
 * hashed and put into items on the thread pool, and the sequencer, one coroutine on the loop
 * thread that releases validated batches in input order: the one place ids are judged, and
 * where each entry becomes a job for the pricers or a reject for the recorders.
 *
 * Sequencing: validators finish batches in any order; a batch is released only when every
 * batch before it has been, so duplicate ids are judged in input order. At most SEQ_WINDOW
 * batches are between "taken by a validator" and "released" (a semaphore), which bounds memory
 * and cannot deadlock: the oldest of them is always being validated or ready to release. */
#include "app/orders/orders_int.h"

#include <errno.h>
#include <string.h>

#include "app/orders/idset.h"
#include "core/err.h"
#include "core/event.h"
#include "core/group.h"
#include "core/objpool.h"
#include "core/offload.h"
#include "core/queue.h"
#include "core/sem.h"
#include "core/utf8.h"

#define REJECT_INPUT_MAX (64u * 1024u) /* bytes of an original line kept in a reject */

/* --- validate (on the pool) ---------------------------------------------------------------- */

/* An item's header for an entry; its order_space is left for the parser to write. */
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

/* Keep the original line of a reject: its valid UTF-8 prefix, at most REJECT_INPUT_MAX. */
static void keep_line(struct item *it, const char *text, size_t len)
{
    size_t n = core_utf8_valid_prefix(text, len < REJECT_INPUT_MAX ? len : REJECT_INPUT_MAX);

    it->line = core_strndup(text, n);
    it->line_len = it->line ? n : 0;
}

/* A parse or validation error as the reject's message, allocated (NULL if out of memory). */
char *orders__error_text(const struct order_error *err)
{
    char msg[512];

    order_error_format(err, msg, sizeof(msg));
    return core_strdup(msg);
}

/* Parse a batch's lines, hash each valid order's id and give the order its item, all here on
 * the pool: the loop thread is left with the id set's table and the queues. Items come from
 * the pipe's object pool in one trip per batch and go back to it from record_on_pool
 * (record.c), so the loop does no per-order malloc or free and items never go through malloc
 * at all. Each order is also priced here once, while it is in this core's cache, only to flag
 * the few that will overflow: their reject needs the line, which only this batch still holds
 * (the pricers compute the amounts that go out). */
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

        if (e->too_long || e->dead) {
            e->rc = CORE_EPARSE;
            continue;
        }
        if (it)
            e->rc = order_parse_json_into(line, e->len, it->order_space, sizeof(it->order_space),
                                          &e->order, &err);
        else
            e->rc = order_parse_json(line, e->len, &e->order, &err);
        if (e->rc != 0) {
            e->error = orders__error_text(&err);
            continue;
        }
        e->idkey = app_idset_key(b->ids, e->order->id, e->order->id_len);
        e->overflows = orders__price_order(b->cfg, e->order, &sub, &tax, &total, &units) < 0;
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

/* --- sequence (loop thread) ---------------------------------------------------------------- */

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
        orders__item_free(it);
    return rc;
}

/* Turn one validated entry into a job or a reject and pass it on. seen is the id set's answer
 * for a valid order: 1 new, 0 a duplicate, < 0 could not be checked. */
static int release_entry(struct core_coro *co, struct pipe *p, const struct batch *b,
                         struct entry *e, int seen, uint64_t lseq)
{
    const char *text = b->text.data ? b->text.data + e->off : "";
    struct item *it;
    int rc = seen;

    if (e->rc == 0) {
        it = take_item(b, e);
        if (!it)
            return -ENOMEM;
        it->lseq = lseq;
        if (rc == 1) {
            it->id_new = true;
            it->idkey = e->idkey;
            /* the batch's text is gone by the time a pricer or deliverer rejects an order, so
             * an order that may still become a reject takes its line along: every one with
             * delivery, else only one whose amounts overflow */
            if (!b->parsed && (p->cfg->endpoint || e->overflows))
                keep_line(it, text, e->len);
            rc = core_queue_put_prio(co, p->price, it, (int64_t)it->order->priority, -1);
            if (rc < 0)
                orders__item_free(it);
            return rc;
        }
        it->kind = ITEM_REJECT;
        it->cls = ORDERS_R_DUPLICATE;
        if (rc == 0)
            orders__item_errorf(it, "id: duplicate id '%.200s' (an earlier order has it)",
                     it->order->id);
        else
            orders__item_errorf(it, "id: could not check for duplicates: %s",
                     core_strerror(rc));
        if (rc < 0)
            it->cls = ORDERS_R_INVALID;
    } else {
        it = item_new(b->items, ITEM_REJECT, b->src, e->first_line, e->last_line);
        if (!it)
            return -ENOMEM;
        it->lseq = lseq;
        if (e->dead) {
            it->cls = ORDERS_R_DELIVERY;
            it->attempts = e->dead;
            orders__item_errorf(it, "dead letter: delivered %u times, more than "
                                "--max-deliveries; moved to the dead-letter stream", e->dead);
        } else if (e->too_long) {
            it->cls = ORDERS_R_PARSE;
            orders__item_errorf(it, "line longer than --max-line-bytes (%zu)", p->cfg->max_line);
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

/* With a feed that judges ids itself (ids shared by several processes). An id it could not
 * judge is an error: the run ends without recording the batch (its lines stay the feed's to
 * give again), since a line recorded with its id unjudged would leave the id to a later line. */
static int check_feed_ids(struct core_coro *co, struct pipe *p, const struct batch *b, int *seen)
{
    const struct orders_feed *f = p->cfg->feed;
    struct orders_feed_id ids[BATCH_LINES];
    int results[BATCH_LINES];
    size_t i, n = 0;

    for (i = 0; i < b->n; i++) {
        if (b->e[i].rc != 0)
            continue;
        ids[n].id = entry_order(&b->e[i])->id;
        ids[n].len = entry_order(&b->e[i])->id_len;
        ids[n].tag = b->e[i].tag;
        n++;
    }
    if (n)
        f->check_ids(co, f->arg, ids, n, results);
    for (i = 0, n = 0; i < b->n; i++) {
        seen[i] = b->e[i].rc == 0 ? results[n++] : 0;
        if (seen[i] < 0)
            return seen[i];
    }
    return 0;
}

/* Look up every valid order's id of a batch in one go, in input order. 0, or a feed's error
 * (see check_feed_ids). */
static int check_ids(struct core_coro *co, struct pipe *p, const struct batch *b, int *seen)
{
    struct app_idset_item items[BATCH_LINES];
    size_t i, n = 0;
    int rc;

    if (p->cfg->feed && p->cfg->feed->check_ids)
        return check_feed_ids(co, p, b, seen);

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
    return 0;
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

/* With a state: put a batch's entries in the progress ledger, in input order, before any of
 * them can be written (each item carries its ledger number). */
static int to_ledger(struct pipe *p, const struct batch *b, uint64_t *first)
{
    size_t i;

    for (i = 0; i < b->n; i++)
        p->seq_pos[i] = ORDERS_POS(b->src, b->e[i].first_line);
    return orders__progress_append(p->progress, p->seq_pos, b->n, first);
}

/* Releases validated batches in input order (the one place ids are judged, so the first of
 * two orders with one id wins), then frees their window slots. When a feed's batch cannot be
 * released (its ids not judged), no later one is either: the reading stops and what was read
 * is dropped unrecorded (the feed gives it again in a later run). */
int orders__sequencer(struct core_coro *co, void *arg)
{
    struct pipe *p = arg;
    int seen[BATCH_LINES];
    struct batch *b;
    uint64_t lseq = 0;
    size_t i;
    int rc = 0, failed = 0;

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
        rc = failed ? 0 : check_ids(co, p, b, seen);
        if (rc == 0 && !failed && p->progress)
            rc = to_ledger(p, b, &lseq);
        for (i = 0; rc == 0 && !failed && i < b->n; i++) {
            prefetch_ahead(b, i);
            p->st.lines += b->e[i].last_line - b->e[i].first_line + 1;
            p->st.entries++;
            rc = release_entry(co, p, b, &b->e[i], seen[i],
                               p->cfg->feed ? b->e[i].tag : lseq + i);
        }
        p->release_seq++;
        orders__batch_release(p, b);
        core_sem_release(p->window);
        if (rc < 0) {
            orders__fail(p, rc);
            if (!p->cfg->feed)
                break;
            failed = rc;
            core_group_cancel(p->g_read);   /* its feed's wait; what it gave drains here */
        }
    }
    core_queue_close_sender(p->price);
    core_queue_close_sender(p->record);
    return failed ? failed : rc;
}

static void notify(struct pipe *p)
{
    core_event_set(p->validated);
    core_event_clear(p->validated);
}

int orders__validator(struct core_coro *co, void *arg)
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
