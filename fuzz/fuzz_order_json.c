/* fuzz/fuzz_order_json.c: libFuzzer target for app/orders/order.c (one JSON order line).
 *
 * Any bytes: parse and validate; on success the order's strings are valid UTF-8, the id has
 * no control characters (customers and SKUs may), amounts are non-negative and quantities in
 * range; on failure the error names a class and formats into a message. And the fast path
 * (order_fast.c) never takes a line that the full parser would reject or build differently.
 * Built by scripts/fuzz. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/orders/order.h"
#include "app/orders/order_int.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

/* If the fast path takes the line, the full parser must build the same order. */
static void check_fast_path(const char *line, size_t size)
{
    struct order *fast = NULL, *full = NULL;
    struct order_error err;
    size_t i;
    int rc = order__parse_fast(line, size, NULL, &fast);

    if (rc < 0 || rc > 1)
        abort();
    if (rc == 0)
        return;
    if (order__parse_full(line, size, NULL, &full, &err) != 0)
        abort();
    if (!same(fast->id, fast->id_len, full->id, full->id_len) ||
        !same(fast->customer, fast->customer_len, full->customer, full->customer_len) ||
        !same(fast->created_at, fast->created_at_len, full->created_at, full->created_at_len) ||
        fast->priority != full->priority || strcmp(fast->currency, full->currency) != 0 ||
        fast->decimals != full->decimals || fast->nitems != full->nitems)
        abort();
    for (i = 0; i < fast->nitems; i++)
        if (!same(fast->items[i].sku, fast->items[i].sku_len, full->items[i].sku,
                  full->items[i].sku_len) ||
            fast->items[i].qty != full->items[i].qty ||
            fast->items[i].unit_price != full->items[i].unit_price)
            abort();
    order_free(fast);
    order_free(full);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct order_error err;
    struct order *o = NULL;
    char msg[512];
    size_t i;
    int rc;

    check_fast_path((const char *)data, size);
    rc = order_parse_json((const char *)data, size, &o, &err);

    if (rc == 0) {
        if (!o || o->nitems == 0 || o->nitems > ORDER_MAX_ITEMS || o->id_len == 0)
            abort();
        if (!core_utf8_is_valid(o->id, o->id_len) || !core_utf8_is_valid(o->customer, o->customer_len))
            abort();
        for (i = 0; i < o->id_len; i++)
            if ((unsigned char)o->id[i] < 0x20 || o->id[i] == 0x7F)
                abort();
        for (i = 0; i < o->nitems; i++)
            if (o->items[i].qty < 1 || o->items[i].qty > ORDER_MAX_QTY || o->items[i].unit_price < 0)
                abort();
        order_free(o);
        return 0;
    }
    if (rc != CORE_EPARSE && rc != -EINVAL && rc != -ENOMEM)
        abort();
    if (order_error_format(&err, msg, sizeof(msg)) < 0 && rc != -ENOMEM)
        abort();
    return 0;
}
