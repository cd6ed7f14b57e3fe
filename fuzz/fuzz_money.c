/* fuzz/fuzz_money.c: libFuzzer target for app/orders/money.c.
 *
 * The first byte picks the decimals (0-4); the rest is parsed as an amount. A parsed amount
 * formats back to text that parses to the same value, and the tax of it (at a rate from the
 * same bytes) is exact or reports overflow. Built by scripts/fuzz. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/orders/money.h"
#include "core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct money_rate rate;
    char buf[64], rtext[16];
    int64_t v, back, tax;
    int dec, rc, n;

    if (size < 1)
        return 0;
    dec = data[0] % 5;
    rc = money_parse((const char *)data + 1, size - 1, dec, &v);
    if (rc != 0) {
        if (rc != CORE_EPARSE && rc != -EDOM && rc != -ERANGE)
            abort();
        return 0;
    }
    n = money_format(v, dec, buf, sizeof(buf));
    if (n < 0 || money_parse(buf, (size_t)n, dec, &back) != 0 || back != v)
        abort();
    n = snprintf(rtext, sizeof(rtext), "%u.%u", (unsigned)(data[0] % 100), (unsigned)(size % 1000));
    if (money_rate_parse(rtext, &rate) == 0) {
        rc = money_tax(v, &rate, &tax);
        if (rc != 0 && rc != -ERANGE)
            abort();
    }
    return 0;
}
