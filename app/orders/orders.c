/* app/orders/orders.c: the order pipeline (see orders.h): its configuration, the wiring of
 * its stages (queues, groups, the sequencing window, the item pool: setup and teardown), the
 * stop handlers, and orders_run, which starts every stage and waits for the last. The stages
 * are read.c, validate.c, price.c, deliver.c and record.c; orders_int.h is what they share.
 * Loop thread only. */
#include "app/orders/orders.h"
#include "app/orders/orders_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/orders/idset.h"
#include "app/orders/lines.h"
#include "core/event.h"
#include "core/group.h"
#include "core/loop.h"
#include "core/objpool.h"
#include "core/queue.h"
#include "core/sem.h"
#include "core/sigwatch.h"

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
    c->commit_ms = 200;
}

/* --- what the stages share ------------------------------------------------------------------ */

void orders__fail(struct pipe *p, int rc)
{
    if (p->fatal == 0)
        p->fatal = rc;
    p->stopping = true;
}

void orders__item_errorf(struct item *it, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    core_free(it->error);
    it->error = core_strdup(buf);
}

/* The queues' drop hooks: what is left in a queue at teardown. */
static void drop_item(void *item, void *arg)
{
    (void)arg;
    orders__item_free(item);
}

static void drop_batch(void *item, void *arg)
{
    (void)arg;
    orders__batch_free(item);
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
                                    &p->g_deliver, &p->g_record, &p->g_aux, &p->g_commit};
    size_t window = SEQ_WINDOW, nprice = Q_PRICE, ndeliver = Q_DELIVER, i;
    unsigned conc = cfg->concurrency ? cfg->concurrency : 1;
    uint64_t seed;
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
    seed = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15u ^ (uint64_t)(uintptr_t)p;
    /* with a state, the id set is keyed as the run's earlier parts were, and holds their ids */
    if (rc == 0 && cfg->state)
        rc = orders__progress_open(cfg, seed, &p->progress);
    if (rc == 0)
        rc = app_idset_create(p->progress ? orders__progress_seed(p->progress) : seed,
                              cfg->idset_memory, NULL, &p->ids);
    if (rc == 0 && p->progress)
        rc = orders__progress_load_ids(p->progress, p->ids);
    if (rc == 0 && cfg->endpoint)
        rc = fetch_client_create(p->loop, &cfg->fetch, &p->http);
    retry_backoff_init(&p->backoff, cfg->retry_base_ms, cfg->max_retry_wait_ms, cfg->max_retry_wait_ms,
                 (uint64_t)core_now_ms() | 1);
    return rc;
}

static void teardown(struct pipe *p)
{
    size_t i;

    core_group_destroy(p->g_commit);
    core_group_destroy(p->g_aux);
    core_group_destroy(p->g_read);
    core_group_destroy(p->g_validate);
    core_group_destroy(p->g_seq);
    core_group_destroy(p->g_price);
    core_group_destroy(p->g_deliver);
    core_group_destroy(p->g_record);
    for (i = 0; i < SEQ_WINDOW; i++)
        orders__batch_free(p->slots[i]);
    while (p->spare) {
        struct batch *b = p->spare;

        p->spare = b->next;
        orders__batch_free(b);
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
    orders__progress_close(p->progress);
}

/* With a state, after the run: the committer has stopped; commit what was written, as finished
 * when every line has its outcome (nothing interrupted, abandoned or failed). */
static int last_commit(struct core_coro *co, struct pipe *p, int rc)
{
    bool finished;
    int err;

    /* wait for the committer to end: a commit it has on the pool runs to its end (destroying
     * the group would not wait for that), and two commits must never overlap */
    core_group_cancel(p->g_commit);
    err = core_group_wait(co, p->g_commit, -1);
    if (err < 0)
        return rc ? rc : err;
    core_group_destroy(p->g_commit);
    p->g_commit = NULL;
    finished = rc == 0 && !p->fatal && !p->st.interrupted && !p->st.input_error &&
               p->st.abandoned == 0;
    /* on this thread: the stages are over, and the loop has nothing left to keep going */
    err = orders__progress_commit(p->progress, &p->write_lock, finished);
    orders__progress_totals(p->progress, &p->st.total_results, &p->st.total_rejects);
    p->st.commits = orders__progress_commits(p->progress, &p->st.commit_max_ms);
    if (err < 0) {
        if (p->st.state_error == 0)
            p->st.state_error = err;
        return rc ? rc : err;
    }
    p->st.finished = finished;
    return rc;
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
        rc = core_group_spawn(p->g_read, orders__reader, p, NULL);
        p->validators = nv;
        if (rc == 0)
            rc = spawn_n(p->g_validate, nv, orders__validator, p);
        if (rc == 0)
            rc = core_group_spawn(p->g_seq, orders__sequencer, p, NULL);
        if (rc == 0)
            rc = spawn_n(p->g_price, np, orders__pricer, p);
        if (rc == 0 && cfg->endpoint)
            rc = spawn_n(p->g_deliver, nd, orders__deliverer, p);
        if (rc == 0)
            rc = spawn_n(p->g_record, RECORDERS, orders__recorder, p);
        if (rc == 0 && stop) {
            p->stopper = (struct stopper){stop, cfg->grace_ms, on_stop, on_abort, p};
            rc = core_group_spawn(p->g_aux, stopper_run, &p->stopper, NULL);
        }
        if (rc == 0 && p->progress)
            rc = core_group_spawn(p->g_commit, orders__committer, p, NULL);
    }
    if (rc == 0) {
        /* the record stage ends last: when every stage before it has closed */
        rc = core_group_wait(co, p->g_record, -1);
        if (rc == 0)
            rc = core_group_wait(co, p->g_read, -1);
    }
    if (rc == 0 && p->fatal)
        rc = p->fatal;
    if (p->progress && p->g_record)
        rc = last_commit(co, p, rc);
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
