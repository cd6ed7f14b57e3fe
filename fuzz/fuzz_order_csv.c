/* fuzz/fuzz_order_csv.c: libFuzzer target for app/orders/order_csv.c (CSV order batches).
 *
 * The first byte picks a chunk size; the rest is fed in chunks of that size. Every result is
 * an order or an error, their line ranges never go backwards, and nothing leaks. Built by
 * scripts/fuzz. */
#include <stdint.h>
#include <stdlib.h>

#include "app/orders/order.h"
#include "app/orders/order_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct order_csv *c;
    struct order_csv_result res;
    size_t chunk, off = 0;
    uint64_t last = 0;
    int rc = 0;

    if (size < 1 || order_csv_create(4096, &c) != 0)
        return 0;
    chunk = (size_t)data[0] % 64 + 1;
    data++;
    size--;
    while (rc >= 0) {
        size_t n = size - off < chunk ? size - off : chunk;
        bool eof = off + n == size;

        rc = order_csv_feed(c, (const char *)data + off, n, eof);
        while (rc >= 0 && (rc = order_csv_next(c, &res)) == 1) {
            if (res.first_line < last || res.last_line < res.first_line)
                abort();
            last = res.last_line;
            order_free(res.order);
        }
        off += n;
        if (eof)
            break;
    }
    order_csv_destroy(c);
    return 0;
}
