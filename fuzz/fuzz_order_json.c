/* fuzz/fuzz_order_json.c: libFuzzer target for app/order.c (one JSON order line).
 *
 * Any bytes: parse and validate; on success the order's strings are valid UTF-8 without
 * control characters where the rules forbid them, amounts are non-negative and quantities in
 * range; on failure the error names a class and formats into a message. Built by scripts/fuzz. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/order.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct order_error err;
    struct order *o = NULL;
    char msg[512];
    size_t i;
    int rc = order_parse_json((const char *)data, size, &o, &err);

    if (rc == 0) {
        if (!o || o->nitems == 0 || o->nitems > ORDER_MAX_ITEMS || o->id_len == 0)
            abort();
        if (!core_utf8_is_valid(o->id, o->id_len) || !core_utf8_is_valid(o->customer, o->customer_len))
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
