/* app/orders/record.c: the recorders, two coroutines on the loop thread: each takes up to
 * RECORD_BATCH finished orders and rejects, counts them in the stats, then has them formatted,
 * given back to the item pool and written on the thread pool (one batch written at a time). */
#include "app/orders/orders_int.h"

#include <errno.h>
#include <string.h>

#include "app/orders/histogram.h"
#include "app/orders/idset.h"
#include "app/orders/money.h"
#include "core/objpool.h"
#include "core/offload.h"
#include "core/queue.h"
#include "core/sigwatch.h"

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
    if (it->abandoned) {
        p->st.abandoned++;
        return;
    }
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

struct record_batch {
    const struct orders_config *cfg;
    struct core_objpool *pool;  /* where the items go back to */
    uv_mutex_t *write_lock;
    struct item *items[RECORD_BATCH];
    size_t n;
    /* with a state: what the batch writes, for the ledger (taken before the items go back) */
    struct progress *progress;
    const struct app_idset *ids;
    uint64_t lseq[RECORD_BATCH];
    size_t nmark;
    uint64_t keys[RECORD_BATCH];    /* id-set keys of the orders whose id was new */
    size_t nkeys;
    uint64_t nresults, nrejects;
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
    /* under the same lock as the write, so a commit sees both or neither; only a batch
     * written whole counts (after a failure the run stops, and what this batch did write is
     * past the committed lengths, cut off on resume) */
    if (rc == 0 && rb->err == 0 && rb->progress)
        orders__progress_written(rb->progress, rb->lseq, rb->nmark, rb->keys, rb->nkeys,
                                 rb->results.len, rb->rejects.len, rb->nresults, rb->nrejects);
    if (rc == 0 && rb->err == 0 && cfg->feed)
        cfg->feed->written(cfg->feed->arg, rb->lseq, rb->nmark, rb->results.len,
                           rb->rejects.len);
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
        if (!rb->items[i]->abandoned)
            rb->err = format_one(rb->cfg, rb->items[i], &rb->results, &rb->rejects);
    rb->nkeys = 0;
    for (i = 0; rb->progress && i < rb->n; i++) {
        const struct item *it = rb->items[i];

        if (it->id_new && !it->abandoned)
            rb->keys[rb->nkeys++] = it->idkey ? it->idkey
                                              : app_idset_key(rb->ids, it->order->id,
                                                              it->order->id_len);
    }
    for (i = 0; i < rb->n; i++)
        orders__item_empty(rb->items[i]);
    core_objpool_put(rb->pool, (void *const *)rb->items, rb->n);
    rb->write_err = write_batch(rb);
    return 0;
}

/* Records in batches: formatting is most of the per-order work left, so two recorders have
 * batches formatted on the pool at the same time while the loop goes on with other orders;
 * each batch is then written whole. */
int orders__recorder(struct core_coro *co, void *arg)
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
    rb->progress = p->progress;
    rb->ids = p->ids;
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
        rb->nmark = 0;
        rb->nresults = rb->nrejects = 0;
        for (i = 0; i < rb->n; i++) {
            const struct item *it = rb->items[i];

            count_one(p, it);
            if ((rb->progress || p->cfg->feed) && !it->abandoned) {
                rb->lseq[rb->nmark++] = it->lseq;
                if (it->kind == ITEM_JOB)
                    rb->nresults++;
                else
                    rb->nrejects++;
            }
        }
        core_buf_reset(&rb->results);
        core_buf_reset(&rb->rejects);
        rb->err = rb->write_err = 0;
        if (rb->n <= 8 || core_offload(co, record_on_pool, rb, -1) < 0)
            record_on_pool(rb); /* a trickle (not worth a trip to the pool), or no pool */
        if (rb->err)
            orders__fail(p, rb->err);
        if (rb->write_err && p->stop) /* nothing more can be recorded: stop at once */
            core_sigwatch_request(p->stop, CORE_STOP_IMMEDIATE);
    }
    core_buf_free(&rb->results);
    core_buf_free(&rb->rejects);
    core_free(rb);
    return rc == -EPIPE ? 0 : rc;
}
