/* tests/test_app_order_fast.c: the fast path of the JSON order reader (app/orders/order_fast.c) against
 * the full parser: the common shapes are taken by it (so a change that makes it decline them
 * shows here, not only in a benchmark), the uncommon ones are left to the full parser, and on
 * thousands of mutated lines an order it accepts is always one the full parser builds the same. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/orders/order.h"
#include "app/orders/order_int.h"
#include "core/mem.h"
#include "tests/support/corotest.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define ID "\"id\":\"ORD-1\","
#define CUST "\"customer\":\"C-17\","
#define CUR "\"currency\":\"EUR\","
#define TS "\"created_at\":\"2026-11-21T10:00:00Z\","
#define ITEM "{\"sku\":\"A-1\",\"qty\":2,\"unit_price\":\"12.50\"}"
#define ITEMS "\"items\":[" ITEM "]"
#define VALID "{" ID CUST CUR TS ITEMS "}"
#define WITH_ITEM(it) "{" ID CUST CUR TS "\"items\":[" it "]}"

static const char generated[] =
    "{\"id\":\"ORD-0000000002\",\"customer\":\"C-090739\",\"priority\":\"bulk\",\"currency\":"
    "\"USD\",\"items\":[{\"sku\":\"SKU-51020-RED-M\",\"qty\":5,\"unit_price\":\"496.34\"},"
    "{\"sku\":\"SKU-95451-BLK-M\",\"qty\":1,\"unit_price\":\"57.60\"}],\"created_at\":"
    "\"2026-11-01T00:01:30Z\"}";

static const char spaced[] =
    "{\"id\": \"ORD-1001\", \"customer\": \"C-17\", \"priority\": \"express\", \"currency\": "
    "\"EUR\", \"items\": [{\"sku\": \"A-1\", \"qty\": 2, \"unit_price\": \"12.50\"}, {\"sku\": "
    "\"B-22\", \"qty\": 10, \"unit_price\": 0.99}], \"created_at\": \"2026-11-21T10:00:00Z\"}";

/* Lines the fast path must take. */
static const char *const taken[] = {
    VALID,
    generated,
    spaced,
    " \t" VALID "\r\n ",
    "{" ITEMS "," TS CUR CUST "\"id\":\"x\"}",                          /* any key order */
    "{" ID CUST "\"priority\":\"express\"," CUR TS ITEMS "}",
    "{" ID CUST CUR TS ITEMS ",\"note\":\"gift wrap\",\"n\":-1.5e+3,\"t\":true,\"f\":false,"
    "\"z\":null,\"zero\":0}",                                            /* ignored scalars */
    WITH_ITEM("{\"sku\":\"A-1\",\"qty\":2,\"unit_price\":\"12.50\",\"name\":\"cup\"}"),
    WITH_ITEM("{\"unit_price\":12.5,\"qty\":1000000000,\"sku\":\"A-1\"}"),
    WITH_ITEM("{\"sku\":\"A-1\",\"qty\":2,\"unit_price\":0}"),
    WITH_ITEM("{\"sku\":\"A-1\",\"qty\":2,\"unit_price\":\"-0.00\"}"),
    "{" ID CUST "\"currency\":\"JPY\"," TS "\"items\":[{\"sku\":\"A\",\"qty\":1,\"unit_price\":"
    "1500}]}",
};

/* Lines the fast path must leave to the full parser (valid or not). */
static const char *const declined[] = {
    "",
    "{}",
    VALID " x",
    "{\"\\u0069d\":\"x\"," CUST CUR TS ITEMS "}",                        /* escaped key */
    "{\"id\":\"caf\xc3\xa9\"," CUST CUR TS ITEMS "}",                    /* non-ASCII */
    "{\"id\":\"a\\\"b\"," CUST CUR TS ITEMS "}",                         /* escape in a value */
    "{" ID "\"customer\":\"tab\\there\"," CUR TS ITEMS "}",               /* valid controls */
    "{" ID "\"customer\":\"\\u0000\"," CUR TS ITEMS "}",
    "{" ID "\"customer\":\"del\x7f\"," CUR TS ITEMS "}",
    WITH_ITEM("{\"sku\":\"A\\nB\",\"qty\":2,\"unit_price\":\"1\"}"),
    "{\"id\":\"a\\tb\"," CUST CUR TS ITEMS "}",                          /* invalid id */
    "{" ID CUST CUR TS ITEMS ",\"note\":{\"a\":1}}",                     /* nested unknown */
    "{" ID CUST CUR TS ITEMS ",\"note\":[1]}",
    "{" ID ID CUST CUR TS ITEMS "}",                                     /* repeated key */
    "{" ID CUST CUR TS ITEMS ",\"n\":1,\"n\":2}",                        /* repeated unknown */
    "{" ID CUST CUR TS ITEMS "," ITEMS "}",
    WITH_ITEM("{\"sku\":\"A-1\",\"qty\":-1,\"unit_price\":\"1\"}"),
    WITH_ITEM("{\"sku\":\"A-1\",\"qty\":2.0,\"unit_price\":\"1\"}"),
    WITH_ITEM("{\"sku\":\"A-1\",\"qty\":2e1,\"unit_price\":\"1\"}"),
    WITH_ITEM("{\"sku\":\"A-1\",\"qty\":02,\"unit_price\":\"1\"}"),
    WITH_ITEM("{\"sku\":\"A-1\",\"qty\":0,\"unit_price\":\"1\"}"),       /* invalid content */
    WITH_ITEM("{\"sku\":\"A-1\",\"qty\":2,\"unit_price\":1e2}"),
    WITH_ITEM("{\"sku\":\"A-1\",\"qty\":2,\"unit_price\":\"1.234\"}"),   /* EUR has 2 */
    WITH_ITEM("{\"sku\":\"A-1\",\"qty\":2,\"unit_price\":\"1\",\"qty\":3}"),
    WITH_ITEM("{\"sku\":\"\",\"qty\":2,\"unit_price\":\"1\"}"),
    WITH_ITEM("{\"sku\":\"A-1\",\"qty\":2}"),                            /* missing */
    "{" ID CUST CUR TS "\"items\":[]}",
    "{" ID CUST CUR TS "\"items\":[1]}",
    "{" ID CUST "\"currency\":\"XYZ\"," TS ITEMS "}",
    "{" ID CUST "\"priority\":\"urgent\"," CUR TS ITEMS "}",
    "{" ID CUST CUR "\"created_at\":\"2026-02-30T10:00:00Z\"," ITEMS "}",
    "{" CUST CUR TS ITEMS "}",                                           /* no id */
    "{\"id\":\"\"," CUST CUR TS ITEMS "}",
    "{" ID CUST CUR TS ITEMS ",\"t\":tru}",
    "{" ID CUST CUR TS ITEMS ",\"n\":1.}",
    "{" ID CUST CUR TS ITEMS ",\"n\":-}",
    "{" ID CUST CUR TS ITEMS ",}",
    "{" ID CUST CUR TS "\"items\":[" ITEM "," "]}",
    "{" ID CUST CUR TS ITEMS,                                            /* cut short */
};

static void assert_same_order(const struct order *a, const struct order *b)
{
    size_t i;

    assert_int_equal(a->id_len, b->id_len);
    assert_memory_equal(a->id, b->id, a->id_len);
    assert_int_equal(a->customer_len, b->customer_len);
    assert_memory_equal(a->customer, b->customer, a->customer_len);
    assert_int_equal(a->priority, b->priority);
    assert_string_equal(a->currency, b->currency);
    assert_int_equal(a->decimals, b->decimals);
    assert_int_equal(a->created_at_len, b->created_at_len);
    assert_memory_equal(a->created_at, b->created_at, a->created_at_len);
    assert_int_equal(a->nitems, b->nitems);
    for (i = 0; i < a->nitems; i++) {
        assert_int_equal(a->items[i].sku_len, b->items[i].sku_len);
        assert_memory_equal(a->items[i].sku, b->items[i].sku, a->items[i].sku_len);
        assert_int_equal(a->items[i].qty, b->items[i].qty);
        assert_int_equal(a->items[i].unit_price, b->items[i].unit_price);
        /* strings are NUL-terminated copies, as the full parser's are */
        assert_int_equal(a->items[i].sku[a->items[i].sku_len], '\0');
    }
    assert_int_equal(a->id[a->id_len], '\0');
}

/* 1 when the fast path took the line (and then the full parser agrees), 0 when it declined. */
static int compare(const char *line, size_t len)
{
    struct order *fast = NULL, *full = NULL;
    struct order_error err;
    int rc = order__parse_fast(line, len, NULL, &fast);

    assert_true(rc == 0 || rc == 1);
    if (rc == 0) {
        assert_null(fast);
        return 0;
    }
    if (order__parse_full(line, len, NULL, &full, &err) != 0)
        fail_msg("the fast path took a line the full parser rejects (%s): %.*s", err.msg,
                 (int)len, line);
    assert_same_order(fast, full);
    order_free(fast);
    order_free(full);
    return 1;
}

static void test_order_fast_takes_the_common_shapes(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < ARRAY_LEN(taken); i++)
        if (compare(taken[i], strlen(taken[i])) != 1)
            fail_msg("the fast path declined: %s", taken[i]);
}

static void test_order_fast_leaves_the_rest_to_the_full_parser(void **state)
{
    struct order *o = NULL;
    size_t i;

    (void)state;
    for (i = 0; i < ARRAY_LEN(declined); i++) {
        if (order__parse_fast(declined[i], strlen(declined[i]), NULL, &o) != 0)
            fail_msg("the fast path took: %s", declined[i]);
        assert_null(o);
    }
}

static void test_order_fast_many_items(void **state)
{
    char line[16384];
    size_t n, used;
    struct order *o = NULL;

    (void)state;
    /* up to its item limit it takes the line; past it, the full parser does the work */
    for (n = 60; n <= 70; n++) {
        size_t i;

        used = (size_t)snprintf(line, sizeof(line), "{" ID CUST CUR TS "\"items\":[");
        for (i = 0; i < n; i++)
            used += (size_t)snprintf(line + used, sizeof(line) - used, "%s" ITEM, i ? "," : "");
        used += (size_t)snprintf(line + used, sizeof(line) - used, "]}");
        assert_int_equal(compare(line, used), n <= 64);
        assert_int_equal(order_parse_json(line, used, &o, &(struct order_error){0}), 0);
        assert_int_equal(o->nitems, n);
        order_free(o);
    }
}

/* Every single-byte change of a few valid lines: the fast path never takes a line the full
 * parser would not build the same. */
static void test_order_fast_agrees_with_the_full_parser_on_mutations(void **state)
{
    static const char subst[] = "\"\\,:{}[] 0159-+.eEtnx\x01\x7f\x80\xff";
    const char *bases[] = {VALID, generated, spaced, taken[6]};
    char buf[1024];
    size_t b, pos, k, took = 0, left = 0;

    (void)state;
    for (b = 0; b < ARRAY_LEN(bases); b++) {
        const size_t len = strlen(bases[b]);

        for (pos = 0; pos < len; pos++) {
            /* delete the byte */
            memcpy(buf, bases[b], pos);
            memcpy(buf + pos, bases[b] + pos + 1, len - pos - 1);
            compare(buf, len - 1) ? took++ : left++;
            for (k = 0; k < sizeof(subst) - 1; k++) {
                /* replace it */
                memcpy(buf, bases[b], len);
                buf[pos] = subst[k];
                compare(buf, len) ? took++ : left++;
                /* insert before it */
                memcpy(buf, bases[b], pos);
                buf[pos] = subst[k];
                memcpy(buf + pos + 1, bases[b] + pos, len - pos);
                compare(buf, len + 1) ? took++ : left++;
            }
        }
    }
    /* both outcomes happen often: the comparison above was not vacuous */
    assert_true(took > 1000);
    assert_true(left > 1000);
}

static void test_order_fast_out_of_memory(void **state)
{
    struct order *o = NULL;
    struct order_error err;

    (void)state;
    core_mem_fail_after(0);
    assert_int_equal(order__parse_fast(VALID, strlen(VALID), NULL, &o), -ENOMEM);
    assert_null(o);
    core_mem_fail_after(0);
    assert_int_equal(order_parse_json(VALID, strlen(VALID), &o, &err), -ENOMEM);
    assert_string_equal(err.msg, "out of memory");
    core_mem_fail_after(-1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_fast_takes_the_common_shapes),
        cmocka_unit_test(test_order_fast_leaves_the_rest_to_the_full_parser),
        cmocka_unit_test(test_order_fast_many_items),
        cmocka_unit_test(test_order_fast_agrees_with_the_full_parser_on_mutations),
        cmocka_unit_test(test_order_fast_out_of_memory),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
