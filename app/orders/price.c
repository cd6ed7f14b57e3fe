/* app/orders/price.c: the pricers, coroutines on the loop thread: take orders by priority,
 * compute subtotal, tax and total exactly in minor units, and pass each on to delivery (with
 * an endpoint) or to the recorders; an order whose amounts overflow becomes a reject. */
#include "app/orders/orders_int.h"

#include <errno.h>

#include "app/orders/money.h"
#include "core/queue.h"

/* An order's amounts: subtotal = sum(qty x unit_price), tax, total and units. 0, or a negative
 * error code when a sum does not fit in 64-bit minor units. Pure, so the validators can run it
 * on the pool to learn which orders the pricers will reject (see validate_on_pool). */
int orders__price_order(const struct orders_config *cfg, const struct order *o,
                        int64_t *subtotal, int64_t *tax, int64_t *total, int64_t *units)
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

static int price(const struct orders_config *cfg, struct item *it)
{
    return orders__price_order(cfg, it->order, &it->subtotal, &it->tax, &it->total, &it->units);
}

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

int orders__pricer(struct core_coro *co, void *arg)
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
                orders__item_errorf(it, "items: the total does not fit in 64-bit minor units");
                next = p->record;
            }
            rc = core_queue_put(co, next, it, -1);
            if (rc < 0)
                break;
        }
        if (rc < 0) {
            for (; i < n; i++)
                orders__item_free(its[i]);
            orders__fail(p, rc);
            break;
        }
    }
    if (p->cfg->endpoint)
        core_queue_close_sender(p->deliver);
    core_queue_close_sender(p->record);
    return rc == -EPIPE ? 0 : rc;
}
