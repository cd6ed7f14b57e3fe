/* tests/test_app_order.c: JSON order lines: a table of valid and invalid lines with the exact
 * class, column, path and message; every truncated prefix; hostile and NUL bytes at every
 * position; huge numbers; deep nesting; BOMs; allocation counts and failures. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/orders/order.h"
#include "core/mem.h"
#include "tests/support/corotest.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Pieces of a valid order line; a case swaps one of them. */
#define ID "\"id\":\"ORD-1\","
#define CUST "\"customer\":\"C-17\","
#define CUR "\"currency\":\"EUR\","
#define TS "\"created_at\":\"2026-11-21T10:00:00Z\","
#define ITEM "{\"sku\":\"A-1\",\"qty\":2,\"unit_price\":\"12.50\"}"
#define ITEMS "\"items\":[" ITEM "]"
#define VALID "{" ID CUST CUR TS ITEMS "}"
#define WITH_TS(ts) "{" ID CUST CUR "\"created_at\":\"" ts "\"," ITEMS "}"
#define WITH_ITEM(it) "{" ID CUST CUR TS "\"items\":[" it "]}"
#define WITH_QTY(q) WITH_ITEM("{\"sku\":\"A-1\",\"qty\":" q ",\"unit_price\":\"12.50\"}")
#define WITH_PRICE(p) WITH_ITEM("{\"sku\":\"A-1\",\"qty\":2,\"unit_price\":" p "}")
#define IN_CUR(c, p) "{" ID CUST "\"currency\":\"" c "\"," TS "\"items\":[{\"sku\":\"A-1\"," \
                     "\"qty\":2,\"unit_price\":" p "}]}"

static const char full_line[] =
    "{\"id\": \"ORD-1001\", \"customer\": \"C-17\", \"priority\": \"express\", \"currency\": "
    "\"EUR\", \"items\": [{\"sku\": \"A-1\", \"qty\": 2, \"unit_price\": \"12.50\"}, {\"sku\": "
    "\"B-22\", \"qty\": 10, \"unit_price\": 0.99}], \"created_at\": \"2026-11-21T10:00:00Z\"}";

#define P CORE_EPARSE
#define I (-EINVAL)
#define ID_CONTROL "must not contain control characters (U+0000-U+001F, U+007F): it is sent " \
                   "as the Idempotency-Key header"

struct json_case {
    const char *line;
    int rc;
    size_t column;    /* parse errors */
    const char *path;
    const char *msg;
};

static const struct json_case cases[] = {
    /* valid lines */
    {VALID, 0, 0, "", ""},
    {full_line, 0, 0, "", ""},
    {"  " VALID " \t\r ", 0, 0, "", ""},
    {"{" ID CUST "\"priority\":\"bulk\"," CUR TS ITEMS "}", 0, 0, "", ""},
    {"{" ITEMS "," TS CUR CUST "\"id\":\"x\"}", 0, 0, "", ""},                 /* any key order */
    {"{" ID CUST CUR TS ITEMS ",\"note\":{\"a\":[1,-2.5e+3,{\"b\":null}],\"t\":true}}", 0, 0,
     "", ""},                                                                    /* unknown */
    {"{\"\\u0069d\":\"x\"," CUST CUR TS ITEMS "}", 0, 0, "", ""},                /* escaped key */
    /* control characters are data in a customer or SKU (escaped, or a raw DEL) */
    {"{" ID "\"customer\":\"tab\\there\"," CUR TS ITEMS "}", 0, 0, "", ""},
    {"{" ID "\"customer\":\"\\u0000\\r\\n\x7f\"," CUR TS ITEMS "}", 0, 0, "", ""},
    {WITH_ITEM("{\"sku\":\"A\\u001fB\\b\\f\",\"qty\":2,\"unit_price\":\"1\"}"), 0, 0,
     "", ""},
    {WITH_TS("2024-02-29T23:59:60Z"), 0, 0, "", ""},
    {WITH_TS("2000-02-29t10:00:00.123456z"), 0, 0, "", ""},
    {WITH_TS("2026-12-31T18:59:60-05:00"), 0, 0, "", ""},                       /* 23:59:60Z */
    {WITH_TS("2026-11-21T10:00:00+14:00"), 0, 0, "", ""},
    {WITH_QTY("1000000000"), 0, 0, "", ""},
    {WITH_PRICE("12.5"), 0, 0, "", ""},
    {WITH_PRICE("0"), 0, 0, "", ""},
    {WITH_PRICE("\"-0.00\""), 0, 0, "", ""},
    {IN_CUR("JPY", "1500"), 0, 0, "", ""},
    {IN_CUR("KWD", "\"1.234\""), 0, 0, "", ""},

    /* syntax: column of the first bad byte */
    {"", P, 1, "", "empty line"},
    {" \t ", P, 1, "", "empty line"},
    {"[1]", P, 1, "", "a line must hold one JSON object"},
    {"\"x\"", P, 1, "", "a line must hold one JSON object"},
    {"{", P, 2, "", "unexpected end of line"},
    {"{} x", P, 4, "", "unexpected data after the object"},
    {"{}{}", P, 3, "", "unexpected data after the object"},
    {"{\"a\":1}}", P, 8, "", "unexpected data after the object"},
    {"{\"a\":1,}", P, 8, "", "expected a string key"},
    {"{'a':1}", P, 2, "", "expected a string key or '}'"},
    {"{\"a\" 1}", P, 6, "", "expected ':'"},
    {"{\"a\":1 \"b\":2}", P, 8, "", "expected ',' or '}'"},
    {"{\"a\":[1 2]}", P, 9, "", "expected ',' or ']'"},
    {"{\"a\":[1}", P, 8, "", "expected ',' or ']'"},
    {"{\"a\":[1,]}", P, 9, "", "expected a value"},
    {"{\"a\":[}", P, 7, "", "expected a value or ']'"},
    {"{\"a\":{]}", P, 7, "", "expected a string key or '}'"},
    {"{\"a\":}", P, 6, "", "expected a value"},
    {"{\"a\":tru}", P, 6, "", "invalid literal"},
    {"{\"a\":True}", P, 6, "", "expected a value"},
    {"{\"a\":nul", P, 9, "", "unexpected end of line"},
    {"{\"a\":NaN}", P, 6, "", "expected a value"},
    {"{\"a\":01}", P, 7, "", "leading zero in a number"},
    {"{\"a\":1.}", P, 8, "", "invalid number"},
    {"{\"a\":-}", P, 7, "", "invalid number"},
    {"{\"a\":+1}", P, 6, "", "expected a value"},
    {"{\"a\":.5}", P, 6, "", "expected a value"},
    {"{\"a\":1e}", P, 8, "", "invalid number"},
    {"{\"a\":1e+}", P, 9, "", "invalid number"},
    {"{\"a\":\"x\ty\"}", P, 8, "", "control character in a string (it must be escaped)"},
    {"{\"a\":\"\\x\"}", P, 7, "", "invalid escape in a string"},
    {"{\"a\":\"\\u12G4\"}", P, 7, "", "invalid \\u escape"},
    {"{\"a\":\"\\ud800\"}", P, 7, "", "lone surrogate in a \\u escape"},
    {"{\"a\":\"\\uDC00\"}", P, 7, "", "lone surrogate in a \\u escape"},
    {"{\"a\":\"\\ud800\\u0041\"}", P, 7, "", "lone surrogate in a \\u escape"},
    {"{\"a\":\"\\ud800\\n\"}", P, 7, "", "lone surrogate in a \\u escape"},
    {"{\"a\":\"\\ud800\\uzzzz\"}", P, 13, "", "invalid \\u escape"},
    {"{\"a\":\"\xff\"}", P, 7, "", "invalid UTF-8"},
    {"{\"a\":\"ok\xc3\"}", P, 9, "", "invalid UTF-8"},
    {"{\"a\":\"\xed\xa0\x80\"}", P, 7, "", "invalid UTF-8"},                  /* surrogate */
    {"{\"a\":\"\xc0\xaf\"}", P, 7, "", "invalid UTF-8"},                      /* overlong */
    {"{\"a\":\"\xf4\x90\x80\x80\"}", P, 7, "", "invalid UTF-8"},              /* > U+10FFFF */
    {"{\"a\":1}\xff", P, 8, "", "invalid UTF-8"},
    {"{\"\xc3\xa9\":1,\xc3\xa9:2}", P, 9, "", "expected a string key"},
    {"\xef\xbb\xbf{}", P, 1, "", "unexpected byte order mark"},
    {"{\xef\xbb\xbf\"a\":1}", P, 2, "", "unexpected byte order mark"},
    {"{\"a\":\"x", P, 8, "", "unexpected end of line"},
    {"{\"a\":\"\\", P, 8, "", "unexpected end of line"},
    {"{\"a\":\"\\ud83d", P, 13, "", "unexpected end of line"},
    {"{\"a\":\"\\ud83d\\", P, 14, "", "unexpected end of line"},

    /* content: path and message, in the fixed order */
    {"{}", I, 0, "id", "missing"},
    {"{\"id\":5}", I, 0, "id", "must be a string"},
    {"{\"id\":\"\"}", I, 0, "id", "must not be empty"},
    {"{\"id\":\"a\\u0001b\"}", I, 0, "id", ID_CONTROL},
    {"{\"id\":\"a\\u007f\"}", I, 0, "id", ID_CONTROL},
    {"{\"id\":\"a\x7f\"}", I, 0, "id", ID_CONTROL},                          /* raw DEL */
    {"{\"id\":\"a\\tb\"}", I, 0, "id", ID_CONTROL},
    {"{\"id\":\"a\\r\\nb\"}", I, 0, "id", ID_CONTROL},
    {"{\"id\":\"a\\u0000\"}", I, 0, "id", ID_CONTROL},
    {"{\"id\":\"ORD-1\"}", I, 0, "customer", "missing"},
    {"{" ID "\"customer\":null}", I, 0, "customer", "must be a string"},
    {"{" ID CUST "\"priority\":\"urgent\"}", I, 0, "priority",
     "must be one of express, standard, bulk"},
    {"{" ID CUST "\"priority\":\"Express\"}", I, 0, "priority",
     "must be one of express, standard, bulk"},
    {"{" ID CUST "\"priority\":1}", I, 0, "priority", "must be one of express, standard, bulk"},
    {"{" ID "\"customer\":\"C-17\"}", I, 0, "currency", "missing"},
    {"{" ID CUST "\"currency\":978}", I, 0, "currency", "must be a string"},
    {"{" ID CUST "\"currency\":\"eur\"}", I, 0, "currency", "must be 3 uppercase letters"},
    {"{" ID CUST "\"currency\":\"EURO\"}", I, 0, "currency", "must be 3 uppercase letters"},
    {"{" ID CUST "\"currency\":\"XYZ\"}", I, 0, "currency", "unknown currency 'XYZ'"},
    {"{" ID CUST CUR "\"items\":[]}", I, 0, "created_at", "missing"},
    {WITH_TS("2026-11-21"), I, 0, "created_at",
     "must be an RFC 3339 date-time like 2026-11-21T10:00:00Z"},
    {WITH_TS("2026-11-21T10:00:00"), I, 0, "created_at",
     "must be an RFC 3339 date-time like 2026-11-21T10:00:00Z"},
    {WITH_TS("2026-11-21 10:00:00Z"), I, 0, "created_at",
     "must be an RFC 3339 date-time like 2026-11-21T10:00:00Z"},
    {WITH_TS("2026-11-21T10:00:00.Z"), I, 0, "created_at",
     "must be an RFC 3339 date-time like 2026-11-21T10:00:00Z"},
    {WITH_TS("2026-11-21T10:00:00+0100"), I, 0, "created_at",
     "must be an RFC 3339 date-time like 2026-11-21T10:00:00Z"},
    {WITH_TS("2026-11-21T10:00:00Z "), I, 0, "created_at",
     "must be an RFC 3339 date-time like 2026-11-21T10:00:00Z"},
    {WITH_TS("2026-02-29T10:00:00Z"), I, 0, "created_at", "has an invalid date"},
    {WITH_TS("1900-02-29T10:00:00Z"), I, 0, "created_at", "has an invalid date"},
    {WITH_TS("2026-04-31T10:00:00Z"), I, 0, "created_at", "has an invalid date"},
    {WITH_TS("2026-13-01T10:00:00Z"), I, 0, "created_at", "has an invalid date"},
    {WITH_TS("2026-00-10T10:00:00Z"), I, 0, "created_at", "has an invalid date"},
    {WITH_TS("2026-11-21T24:00:00Z"), I, 0, "created_at", "has an invalid time"},
    {WITH_TS("2026-11-21T10:60:00Z"), I, 0, "created_at", "has an invalid time"},
    {WITH_TS("2026-11-21T10:00:60Z"), I, 0, "created_at", "has an invalid time"},
    {WITH_TS("2026-11-21T23:59:60+01:00"), I, 0, "created_at", "has an invalid time"},
    {WITH_TS("2026-11-21T10:00:00+24:00"), I, 0, "created_at", "has an invalid time"},
    {"{" ID CUST CUR TS "\"x\":1}", I, 0, "items", "missing"},
    {"{" ID CUST CUR TS "\"items\":{}}", I, 0, "items", "must be an array"},
    {"{" ID CUST CUR TS "\"items\":[]}", I, 0, "items", "must not be empty"},
    {WITH_ITEM("1"), I, 0, "items[0]", "must be an object"},
    {WITH_ITEM(ITEM ",[]"), I, 0, "items[1]", "must be an object"},
    {WITH_ITEM("{\"qty\":2}"), I, 0, "items[0].sku", "missing"},
    {WITH_ITEM("{\"sku\":\"\"}"), I, 0, "items[0].sku", "must not be empty"},
    {WITH_ITEM("{\"sku\":7}"), I, 0, "items[0].sku", "must be a string"},
    {WITH_ITEM("{\"sku\":\"A\"}"), I, 0, "items[0].qty", "missing"},
    {WITH_QTY("0"), I, 0, "items[0].qty", "must be a positive integer"},
    {WITH_QTY("-1"), I, 0, "items[0].qty", "must be a positive integer"},
    {WITH_QTY("1.0"), I, 0, "items[0].qty", "must be a positive integer"},
    {WITH_QTY("1e3"), I, 0, "items[0].qty", "must be a positive integer"},
    {WITH_QTY("\"2\""), I, 0, "items[0].qty", "must be a positive integer"},
    {WITH_QTY("true"), I, 0, "items[0].qty", "must be a positive integer"},
    {WITH_QTY("1000000001"), I, 0, "items[0].qty", "must be at most 1000000000"},
    {WITH_QTY("99999999999999999999999999"), I, 0, "items[0].qty", "must be at most 1000000000"},
    {WITH_ITEM("{\"sku\":\"A\",\"qty\":1}"), I, 0, "items[0].unit_price", "missing"},
    {WITH_PRICE("\"12.345\""), I, 0, "items[0].unit_price", "has more than 2 decimals for EUR"},
    {WITH_PRICE("12.345"), I, 0, "items[0].unit_price", "has more than 2 decimals for EUR"},
    {WITH_PRICE("\"-1\""), I, 0, "items[0].unit_price", "must not be negative"},
    {WITH_PRICE("-0.01"), I, 0, "items[0].unit_price", "must not be negative"},
    {WITH_PRICE("\"abc\""), I, 0, "items[0].unit_price", "must be a decimal amount like 12.50"},
    {WITH_PRICE("\" 1\""), I, 0, "items[0].unit_price", "must be a decimal amount like 12.50"},
    {WITH_PRICE("1e2"), I, 0, "items[0].unit_price", "must be a decimal amount like 12.50"},
    {WITH_PRICE("null"), I, 0, "items[0].unit_price", "must be a decimal amount like 12.50"},
    {WITH_PRICE("[1]"), I, 0, "items[0].unit_price", "must be a decimal amount like 12.50"},
    {WITH_PRICE("\"99999999999999999999\""), I, 0, "items[0].unit_price", "is too large"},
    {IN_CUR("JPY", "\"100.5\""), I, 0, "items[0].unit_price", "has more than 0 decimals for JPY"},
    {IN_CUR("KWD", "1.2345"), I, 0, "items[0].unit_price", "has more than 3 decimals for KWD"},
    {WITH_ITEM(ITEM "," ITEM ",{\"sku\":\"C\",\"qty\":0}"), I, 0, "items[2].qty",
     "must be a positive integer"},
    /* duplicate keys, compared unescaped, anywhere in the line */
    {"{\"id\":\"a\",\"id\":\"b\"}", I, 0, "id", "duplicate key"},
    {"{\"id\":\"a\",\"\\u0069d\":\"b\"}", I, 0, "\\u0069d", "duplicate key"},
    {"{" ID CUST CUR TS "\"items\":[" ITEM ",{\"sku\":\"A\",\"qty\":1,\"qty\":2}]}", I, 0,
     "items[1].qty", "duplicate key"},
    {"{\"meta\":{\"x\":1,\"y\":2,\"x\":3}}", I, 0, "meta.x", "duplicate key"},
    {"{\"meta\":[0,{\"k\":1,\"k\":1}]}", I, 0, "meta[1].k", "duplicate key"},
    {"{\"a\\/b\":1,\"a/b\":2}", I, 0, "a/b", "duplicate key"},
    {"{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}", I, 0, "\xf0\x9f\x98\x80",
     "duplicate key"},
    {"{\"ab\":1,\"a\":2,\"abc\":3}", I, 0, "id", "missing"},                  /* no false dup */
};

static void expect_case(const char *line, size_t len, const struct json_case *c, size_t i)
{
    struct order *o = (struct order *)1;
    struct order_error err;
    int rc;

    memset(&err, 0x5A, sizeof(err));
    rc = order_parse_json(line, len, &o, &err);
    if (rc != c->rc)
        fail_msg("case %zu (%s): rc %d, want %d (%s: %s)", i, line, rc, c->rc, err.path,
                 err.msg);
    if (rc == 0) {
        assert_non_null(o);
        order_free(o);
        return;
    }
    assert_true(o == (struct order *)1);   /* not written on failure */
    if (rc == CORE_EPARSE) {
        assert_int_equal(err.cls, ORDER_E_PARSE);
        assert_true(err.line == 1);
        if (err.column != c->column)
            fail_msg("case %zu (%s): column %zu, want %zu (%s)", i, line, err.column,
                     c->column, err.msg);
    } else {
        assert_int_equal(err.cls, ORDER_E_INVALID);
        assert_int_equal(err.column, 0);
    }
    if (strcmp(err.path, c->path) != 0 || strcmp(err.msg, c->msg) != 0)
        fail_msg("case %zu (%s): '%s: %s', want '%s: %s'", i, line, err.path, err.msg, c->path,
                 c->msg);
}

static void test_order_json_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < ARRAY_LEN(cases); i++)
        expect_case(cases[i].line, strlen(cases[i].line), &cases[i], i);
}

static void test_order_fields_are_unescaped_copies(void **state)
{
    static const char line[] =
        "{\"id\":\"ORD-\\u00e9\\ud83d\\ude00\",\"customer\":\"C \\\"17\\\"\\/x\",\"currency\":"
        "\"KWD\",\"created_at\":\"2026-11-21T10:00:00.5+01:00\",\"items\":[{\"sku\":\"A\\u0020B\","
        "\"qty\":3,\"unit_price\":\"1.5\"},{\"unit_price\":0.001,\"qty\":1000000000,\"sku\":"
        "\"\\u0041\"}],\"x\":[]}";
    char *copy = strdup(line);
    struct order *o;
    struct order_error err;

    (void)state;
    assert_int_equal(order_parse_json(copy, strlen(copy), &o, &err), 0);
    memset(copy, 'X', strlen(copy));   /* the order keeps nothing of the line */
    free(copy);
    assert_int_equal(o->id_len, 4 + 2 + 4);
    assert_string_equal(o->id, "ORD-\xc3\xa9\xf0\x9f\x98\x80");
    assert_string_equal(o->customer, "C \"17\"/x");
    assert_int_equal(o->customer_len, 8);
    assert_int_equal(o->priority, ORDER_STANDARD);
    assert_string_equal(o->currency, "KWD");
    assert_int_equal(o->decimals, 3);
    assert_string_equal(o->created_at, "2026-11-21T10:00:00.5+01:00");
    assert_int_equal(o->created_at_len, 27);
    assert_int_equal(o->nitems, 2);
    assert_string_equal(o->items[0].sku, "A B");
    assert_true(o->items[0].qty == 3);
    assert_true(o->items[0].unit_price == 1500);
    assert_string_equal(o->items[1].sku, "A");
    assert_int_equal(o->items[1].sku_len, 1);
    assert_true(o->items[1].qty == 1000000000);
    assert_true(o->items[1].unit_price == 1);
    order_free(o);
    order_free(NULL);
}

/* Run one line and return rc; frees the order. The line is copied to an exact-size heap
 * block so that ASan catches any read past its end. */
static int parse_exact(const char *line, size_t len, struct order_error *err)
{
    char *copy = test_malloc(len ? len : 1);
    struct order *o = NULL;
    int rc;

    memcpy(copy, line, len);
    rc = order_parse_json(copy, len, &o, err);
    if (rc == 0)
        order_free(o);
    test_free(copy);
    return rc;
}

static void test_order_every_truncated_prefix_is_a_parse_error(void **state)
{
    static const char *const lines[] = {
        full_line,
        VALID,
        "{\"id\":\"\\ud83d\\ude00\\u00e9\\n\",\"n\":[-1.5e+10,true,false,null,{}],\"e\":\"\"}",
    };
    struct order_error err;
    size_t i, k, len;
    int rc;

    (void)state;
    for (i = 0; i < ARRAY_LEN(lines); i++) {
        len = strlen(lines[i]);
        for (k = 0; k < len; k++) {
            rc = parse_exact(lines[i], k, &err);
            if (rc != CORE_EPARSE)
                fail_msg("%s: prefix of %zu bytes: rc %d", lines[i], k, rc);
            assert_true(err.column >= 1 && err.column <= k + 1);
        }
        rc = parse_exact(lines[i], len, &err);
        assert_true(rc == 0 || rc == -EINVAL);   /* the third line is an invalid order */
    }
}

static void test_order_hostile_bytes_at_every_position(void **state)
{
    const size_t len = strlen(full_line);
    char *line = test_malloc(len);
    struct order_error err;
    size_t k;
    int b, rc, ok = 0;

    (void)state;
    for (k = 0; k < len; k++)
        for (b = 0; b < 256; b++) {
            memcpy(line, full_line, len);
            line[k] = (char)b;
            rc = parse_exact(line, len, &err);
            assert_true(rc == 0 || rc == CORE_EPARSE || rc == -EINVAL);
            if (rc == CORE_EPARSE)
                assert_true(err.column >= 1 && err.column <= len + 1);
            ok += rc == 0;
            /* a NUL is never valid JSON text: the error is at that very byte */
            if (b == 0) {
                assert_int_equal(rc, CORE_EPARSE);
                assert_int_equal(err.column, k + 1);
            }
        }
    assert_true(ok > 0);
    test_free(line);
}

static void test_order_nul_bytes_and_bom_in_the_middle(void **state)
{
    static const char nul_in_string[] = "{\"id\":\"a\0b\"}";
    static const char nul_after[] = "{\"id\":\"a\"}\0";
    static const char bom_in_sku[] = WITH_ITEM("{\"sku\":\"\xef\xbb\xbf" "A\",\"qty\":1,"
                                               "\"unit_price\":1}");
    struct order_error err;
    struct order *o;

    (void)state;
    assert_int_equal(parse_exact(nul_in_string, sizeof(nul_in_string) - 1, &err), CORE_EPARSE);
    assert_int_equal(err.column, 9);
    assert_string_equal(err.msg, "control character in a string (it must be escaped)");
    assert_int_equal(parse_exact(nul_after, sizeof(nul_after) - 1, &err), CORE_EPARSE);
    assert_int_equal(err.column, 11);
    /* a BOM inside a string is just U+FEFF; outside one it is an error (see the table) */
    assert_int_equal(order_parse_json(bom_in_sku, strlen(bom_in_sku), &o, &err), 0);
    assert_string_equal(o->items[0].sku, "\xef\xbb\xbf" "A");
    order_free(o);
}

/* Build a line in a growing heap string. */
struct text {
    char *s;
    size_t len, cap;
};

static void put(struct text *t, const char *s)
{
    const size_t n = strlen(s);

    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->s = realloc(t->s, t->cap);
        assert_non_null(t->s);
    }
    memcpy(t->s + t->len, s, n + 1);
    t->len += n;
}

static void test_order_huge_numbers(void **state)
{
    struct text t = {0};
    struct order_error err;
    int i;

    (void)state;
    /* qty with 5000 digits */
    put(&t, "{" ID CUST CUR TS "\"items\":[{\"sku\":\"A\",\"qty\":");
    for (i = 0; i < 5000; i++)
        put(&t, "9");
    put(&t, ",\"unit_price\":1}]}");
    assert_int_equal(parse_exact(t.s, t.len, &err), -EINVAL);
    assert_string_equal(err.path, "items[0].qty");
    assert_string_equal(err.msg, "must be at most 1000000000");
    /* a price with 5000 digits, as a number and as a string */
    t.len = 0;
    put(&t, "{" ID CUST CUR TS "\"items\":[{\"sku\":\"A\",\"qty\":1,\"unit_price\":");
    for (i = 0; i < 5000; i++)
        put(&t, "1");
    put(&t, "}]}");
    assert_int_equal(parse_exact(t.s, t.len, &err), -EINVAL);
    assert_string_equal(err.msg, "is too large");
    /* an unknown key may hold any valid number */
    t.len = 0;
    put(&t, "{\"big\":-");
    for (i = 0; i < 5000; i++)
        put(&t, "7");
    put(&t, ".5e-99999," ID CUST CUR TS ITEMS "}");
    assert_int_equal(parse_exact(t.s, t.len, &err), 0);
    free(t.s);
}

static void test_order_deep_nesting(void **state)
{
    struct text t = {0};
    struct order_error err;
    int i;

    (void)state;
    /* the root is level 1: 63 more levels are fine */
    put(&t, "{" ID CUST CUR TS ITEMS ",\"deep\":");
    for (i = 0; i < ORDER_MAX_DEPTH - 1; i++)
        put(&t, i % 2 ? "{\"k\":" : "[");
    for (i = ORDER_MAX_DEPTH - 2; i >= 0; i--)
        put(&t, i % 2 ? "}" : "]");
    put(&t, "}");
    assert_int_equal(parse_exact(t.s, t.len, &err), 0);
    /* 100000 levels: a parse error at the first one too many, no recursion anywhere */
    t.len = 0;
    put(&t, "{\"deep\":");
    for (i = 0; i < 100000; i++)
        put(&t, "[");
    assert_int_equal(parse_exact(t.s, t.len, &err), CORE_EPARSE);
    assert_int_equal(err.column, 8 + ORDER_MAX_DEPTH);
    assert_string_equal(err.msg, "nested deeper than 64 levels");
    free(t.s);
}

static void test_order_size_limits(void **state)
{
    struct text t = {0};
    struct order_error err;
    struct order *o;
    char id[ORDER_MAX_ID + 2];
    int i;

    (void)state;
    /* id: 128 bytes fine, 129 not */
    memset(id, 'x', sizeof(id));
    id[ORDER_MAX_ID] = '\0';
    put(&t, "{\"id\":\"");
    put(&t, id);
    put(&t, "\"," CUST CUR TS ITEMS "}");
    assert_int_equal(parse_exact(t.s, t.len, &err), 0);
    t.len = 0;
    id[ORDER_MAX_ID] = 'x';
    id[ORDER_MAX_ID + 1] = '\0';
    put(&t, "{\"id\":\"");
    put(&t, id);
    put(&t, "\"," CUST CUR TS ITEMS "}");
    assert_int_equal(parse_exact(t.s, t.len, &err), -EINVAL);
    assert_string_equal(err.path, "id");
    assert_string_equal(err.msg, "must be at most 128 bytes");

    /* 1000 items fine (on the heap token path), 1001 too many */
    t.len = 0;
    put(&t, "{" ID CUST CUR TS "\"items\":[" ITEM);
    for (i = 1; i < ORDER_MAX_ITEMS; i++)
        put(&t, "," ITEM);
    put(&t, "]}");
    assert_int_equal(order_parse_json(t.s, t.len, &o, &err), 0);
    assert_int_equal(o->nitems, ORDER_MAX_ITEMS);
    assert_string_equal(o->items[999].sku, "A-1");
    order_free(o);
    t.len -= 2;
    put(&t, "," ITEM "]}");
    assert_int_equal(parse_exact(t.s, t.len, &err), -EINVAL);
    assert_string_equal(err.path, "items");
    assert_string_equal(err.msg, "too many items (at most 1000)");

    /* more JSON values than ORDER_MAX_TOKENS */
    t.len = 0;
    put(&t, "{\"x\":[0");
    for (i = 0; i < ORDER_MAX_TOKENS; i++)
        put(&t, ",0");
    put(&t, "]}");
    assert_int_equal(parse_exact(t.s, t.len, &err), -EINVAL);
    assert_string_equal(err.path, "");
    assert_string_equal(err.msg, "too many JSON values (more than 16384)");

    /* a big object: duplicates found by sorting, the first one in document order wins */
    for (i = 0; i < 3; i++) {
        int k;

        t.len = 0;
        put(&t, "{" ID CUST CUR TS ITEMS);
        for (k = 0; k < 300; k++) {
            char key[32];

            /* i = 0: k7 again at 250; i = 1: also k3 again at 200; i = 2: unique keys */
            snprintf(key, sizeof(key), ",\"k%d\":%d",
                     i < 2 && k == 250 ? 7 : i == 1 && k == 200 ? 3 : k, k);
            put(&t, key);
        }
        put(&t, i == 2 ? ",\"k\\u0033\":1}" : "}");   /* "k3" escaped */
        assert_int_equal(parse_exact(t.s, t.len, &err), -EINVAL);
        assert_string_equal(err.path, i == 0 ? "k7" : i == 1 ? "k3" : "k\\u0033");
        assert_string_equal(err.msg, "duplicate key");
    }
    free(t.s);
}

static void test_order_one_allocation_and_nomem(void **state)
{
    struct text t = {0};
    struct order_error err;
    struct order *o;
    unsigned long before;
    long n;
    int rc, i;

    (void)state;
    before = core_mem_allocs();
    assert_int_equal(order_parse_json(full_line, strlen(full_line), &o, &err), 0);
    assert_int_equal(core_mem_allocs() - before, 1);
    order_free(o);
    before = core_mem_allocs();
    assert_int_equal(order_parse_json("{\"a\":", 5, &o, &err), CORE_EPARSE);
    assert_int_equal(core_mem_allocs() - before, 0);

    core_mem_fail_after(0);
    assert_int_equal(order_parse_json(full_line, strlen(full_line), &o, &err), -ENOMEM);
    assert_string_equal(err.msg, "out of memory");
    core_mem_fail_after(-1);

    /* a line past ORDER_STACK_TOKENS needs token scratch too: fail each allocation in turn */
    put(&t, "{" ID CUST CUR TS "\"items\":[" ITEM);
    for (i = 1; i < 100; i++)
        put(&t, "," ITEM);
    put(&t, "]}");
    for (n = 0;; n++) {
        core_mem_fail_after(n);
        rc = order_parse_json(t.s, t.len, &o, &err);
        core_mem_fail_after(-1);
        if (rc == 0)
            break;
        assert_int_equal(rc, -ENOMEM);
    }
    assert_int_equal(n, 2);
    order_free(o);
    free(t.s);
}

static void test_order_error_format(void **state)
{
    struct order_error err;
    char buf[64];

    (void)state;
    memset(&err, 0, sizeof(err));
    err.cls = ORDER_E_INVALID;
    snprintf(err.path, sizeof(err.path), "items[2].qty");
    snprintf(err.msg, sizeof(err.msg), "must be a positive integer");
    assert_int_equal(order_error_format(&err, buf, sizeof(buf)), 40);
    assert_string_equal(buf, "items[2].qty: must be a positive integer");
    err.path[0] = '\0';
    assert_int_equal(order_error_format(&err, buf, sizeof(buf)), 26);
    assert_string_equal(buf, "must be a positive integer");
    err.cls = ORDER_E_PARSE;
    err.line = 1;
    err.column = 17;
    snprintf(err.msg, sizeof(err.msg), "expected ':'");
    assert_int_equal(order_error_format(&err, buf, sizeof(buf)), 31);
    assert_string_equal(buf, "line 1, column 17: expected ':'");
    assert_int_equal(order_error_format(&err, buf, 10), -EMSGSIZE);
    assert_string_equal(buf, "line 1, c");
    assert_string_equal(order_priority_name(ORDER_EXPRESS), "express");
    assert_string_equal(order_priority_name(ORDER_STANDARD), "standard");
    assert_string_equal(order_priority_name(ORDER_BULK), "bulk");

    /* a path longer than the field is cut with "..." */
    {
        struct text t = {0};
        int i;

        put(&t, "{\"");
        for (i = 0; i < 200; i++)
            put(&t, "k");
        put(&t, "\":1,\"");
        for (i = 0; i < 200; i++)
            put(&t, "k");
        put(&t, "\":2}");
        assert_int_equal(parse_exact(t.s, t.len, &err), -EINVAL);
        assert_int_equal(strlen(err.path), sizeof(err.path) - 1);
        assert_string_equal(err.path + sizeof(err.path) - 4, "...");
        free(t.s);
    }
}

/* Control characters in an id are found at every position of strings of every length (the
 * check looks at 8 bytes at a time), and bytes next to them in value (0x20, 0x7E, 0x80) are
 * not one. In a customer the same characters are data: kept, unescaped, at their position. */
static void test_order_control_characters_at_every_position(void **state)
{
    static const struct {
        const char *esc;    /* as written in the line */
        const char *bytes;  /* as unescaped */
        size_t n;
        bool control;
    } chars[] = {
        {"\\u0000", "\0", 1, true},  {"\\u0001", "\x01", 1, true},
        {"\\u001f", "\x1f", 1, true}, {"\\u007f", "\x7f", 1, true},
        {"\\t", "\t", 1, true},       {"\\n", "\n", 1, true},
        {" ", " ", 1, false},          {"~", "~", 1, false},
        {"\\u0080", "\xc2\x80", 2, false}, {"\\u00ff", "\xc3\xbf", 2, false},
    };
    char line[512], text[256], want[64];
    struct order_error err;
    struct order *o;
    size_t len, pos, k, n, w;

    (void)state;
    for (len = 1; len <= 33; len++) {
        for (pos = 0; pos < len; pos++) {
            for (k = 0; k < ARRAY_LEN(chars); k++) {
                int rc;

                n = w = 0;
                for (size_t i = 0; i < len; i++) {
                    n += (size_t)snprintf(text + n, sizeof(text) - n, "%s",
                                          i == pos ? chars[k].esc : "x");
                    memcpy(want + w, i == pos ? chars[k].bytes : "x", i == pos ? chars[k].n : 1);
                    w += i == pos ? chars[k].n : 1;
                }
                snprintf(line, sizeof(line), "{\"id\":\"%s\"," CUST CUR TS ITEMS "}", text);
                rc = order_parse_json(line, strlen(line), &o, &err);
                if (chars[k].control) {
                    assert_int_equal(rc, -EINVAL);
                    assert_string_equal(err.path, "id");
                    assert_string_equal(err.msg, ID_CONTROL);
                } else {
                    assert_int_equal(rc, 0);
                    order_free(o);
                }
                snprintf(line, sizeof(line), "{" ID "\"customer\":\"%s\"," CUR TS ITEMS "}", text);
                rc = order_parse_json(line, strlen(line), &o, &err);
                if (rc != 0)
                    fail_msg("%s: %s: %s", line, err.path, err.msg);
                assert_int_equal(o->customer_len, w);
                assert_memory_equal(o->customer, want, w);
                order_free(o);
            }
        }
    }
}

/* The example that rejected real orders: a tab, a line break, a NUL and the other escapes in a
 * customer and in SKUs are kept as the bytes they stand for, by every way in (the full parser:
 * the fast path leaves escapes to it). */
static void test_order_customer_and_sku_keep_control_characters(void **state)
{
    static const char line[] =
        "{\"id\":\"ORD-1\",\"customer\":\"tab\\there\\nnext line\\u0000nul\",\"currency\":"
        "\"EUR\",\"created_at\":\"2026-11-21T10:00:00Z\",\"items\":[{\"sku\":\"A\\r\\nB\","
        "\"qty\":1,\"unit_price\":\"1.00\"},{\"sku\":\"\\b\\f\\u0001\\u001f\x7f\",\"qty\":2,"
        "\"unit_price\":\"0.50\"}]}";
    static const char customer[] = "tab\there\nnext line\0nul";
    _Alignas(16) char buf[1024];
    struct order_error err;
    struct order *o;
    int round;

    (void)state;
    for (round = 0; round < 2; round++) {
        if (round == 0)
            assert_int_equal(order_parse_json(line, strlen(line), &o, &err), 0);
        else
            assert_int_equal(order_parse_json_into(line, strlen(line), buf, sizeof(buf), &o,
                                                   &err), 0);
        assert_int_equal(o->customer_len, sizeof(customer) - 1);
        assert_memory_equal(o->customer, customer, sizeof(customer) - 1);
        assert_int_equal(o->nitems, 2);
        assert_int_equal(o->items[0].sku_len, 4);
        assert_memory_equal(o->items[0].sku, "A\r\nB", 4);
        assert_int_equal(o->items[1].sku_len, 5);
        assert_memory_equal(o->items[1].sku, "\b\f\x01\x1f\x7f", 5);
        assert_true(o->items[1].unit_price == 50);
        order_free(o);
    }
}

/* order_parse_json_into: an order that fits is built in the caller's buffer (aligned inside
 * it, no allocation, order_free leaves it alone), by the fast path and the full parser alike;
 * one that does not fit is allocated; a failed line allocates nothing. */
static void test_order_parse_into_a_buffer(void **state)
{
    static const char escaped[] = "{\"id\":\"a\\u0041\"," CUST CUR TS ITEMS "}";
    const char *lines[] = {full_line, escaped};
    _Alignas(16) char buf[1024 + 1];
    struct order_error err;
    struct order *o, *ref;
    unsigned long before;
    size_t i, k;

    (void)state;
    for (i = 0; i < ARRAY_LEN(lines); i++) {
        assert_int_equal(order_parse_json(lines[i], strlen(lines[i]), &ref, &err), 0);
        assert_false(ref->in_place);
        for (k = 0; k < 2; k++) {
            char *start = buf + k; /* aligned, then misaligned */

            before = core_mem_allocs();
            assert_int_equal(order_parse_json_into(lines[i], strlen(lines[i]), start, 1024, &o,
                                                   &err), 0);
            assert_int_equal(core_mem_allocs(), before);
            assert_true(o->in_place);
            assert_true((char *)o >= start && (char *)o < start + 1024);
            assert_int_equal((uintptr_t)o % _Alignof(max_align_t), 0);
            assert_true(o->items[0].sku >= start && o->items[0].sku < start + 1024);
            assert_string_equal(o->id, ref->id);
            assert_string_equal(o->customer, ref->customer);
            assert_int_equal(o->nitems, ref->nitems);
            assert_int_equal(o->items[0].unit_price, ref->items[0].unit_price);
            order_free(o); /* a no-op: freeing the buffer would be caught by ASan */
        }
        /* too small: allocated as usual */
        before = core_mem_allocs();
        assert_int_equal(order_parse_json_into(lines[i], strlen(lines[i]), buf, 64, &o, &err), 0);
        assert_int_equal(core_mem_allocs() - before, 1);
        assert_false(o->in_place);
        assert_string_equal(o->id, ref->id);
        order_free(o);
        order_free(ref);
    }
    /* a failed line: nothing allocated, *out untouched */
    o = (struct order *)(void *)buf;
    before = core_mem_allocs();
    assert_int_equal(order_parse_json_into(WITH_QTY("0"), strlen(WITH_QTY("0")), buf, 1024, &o,
                                           &err), -EINVAL);
    assert_int_equal(core_mem_allocs(), before);
    assert_ptr_equal(o, (struct order *)(void *)buf);
    assert_string_equal(err.path, "items[0].qty");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_json_table),
        cmocka_unit_test(test_order_fields_are_unescaped_copies),
        cmocka_unit_test(test_order_every_truncated_prefix_is_a_parse_error),
        cmocka_unit_test(test_order_hostile_bytes_at_every_position),
        cmocka_unit_test(test_order_nul_bytes_and_bom_in_the_middle),
        cmocka_unit_test(test_order_huge_numbers),
        cmocka_unit_test(test_order_deep_nesting),
        cmocka_unit_test(test_order_size_limits),
        cmocka_unit_test(test_order_one_allocation_and_nomem),
        cmocka_unit_test(test_order_error_format),
        cmocka_unit_test(test_order_control_characters_at_every_position),
        cmocka_unit_test(test_order_customer_and_sku_keep_control_characters),
        cmocka_unit_test(test_order_parse_into_a_buffer),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
