/* app/orders/deliver.c: the deliverers, coroutines on the loop thread (only with an endpoint):
 * POST each priced order as JSON with an Idempotency-Key, at most `concurrency` at once, paced
 * to `rate`, retried with backoff; an order the endpoint refuses, or that runs out of tries or
 * time, becomes a delivery reject. */
#include "app/orders/orders_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app/export/jsonw.h"
#include "app/orders/money.h"
#include "core/err.h"
#include "core/loop.h"
#include "core/queue.h"
#include "core/sem.h"
#include "core/utf8.h"
#include "fetch/client.h"

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

            orders__item_errorf(it, "delivery: HTTP %ld: %.*s", res.status,
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
    if (err == -ECANCELED && (p->progress || p->cfg->feed)) {
        /* with a state, a delivery a stop cut off has no outcome yet: it is left for the
         * resume, which sends it again with the same Idempotency-Key; from a feed (a stream),
         * it is not acked, so its worker's next run or another worker does it again */
        it->abandoned = true;
        it->kind = ITEM_REJECT;
        it->cls = ORDERS_R_DELIVERY;
        core_buf_free(&body);
        return;
    }
    if (err == -ECANCELED)
        orders__item_errorf(it, "delivery: interrupted after %u attempt%s (%s); not confirmed, the "
                 "Idempotency-Key makes a retry safe", it->attempts, it->attempts == 1 ? "" : "s",
                 last[0] ? last : "no answer yet");
    else
        orders__item_errorf(it, "delivery: gave up after %u attempt%s: %s",
                 it->attempts, it->attempts == 1 ? "" : "s",
                 last[0] ? last : core_strerror(err));
out_reject:
    it->kind = ITEM_REJECT;
    it->cls = ORDERS_R_DELIVERY;
    core_buf_free(&body);
}

int orders__deliverer(struct core_coro *co, void *arg)
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
            orders__item_free(it);
            orders__fail(p, rc);
            break;
        }
    }
    core_queue_close_sender(p->record);
    return rc == -EPIPE ? 0 : rc;
}
