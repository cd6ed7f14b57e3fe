/* tests/test_app_order_csv.c: CSV batches: a table of inputs and the results they give (as
 * text), the same results for every way of cutting the input into chunks, line ranges that
 * cover every line once, hostile bytes, truncated inputs, limits and allocation failures. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/orders/order_csv.h"
#include "core/mem.h"
#include "tests/support/corotest.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define HDR "id,customer,priority,currency,created_at,sku,qty,unit_price\n"
#define TS "2026-11-21T10:00:00Z"
#define ID_CONTROL "must not contain control characters (U+0000-U+001F, U+007F): it is sent " \
                   "as the Idempotency-Key header"

struct out {
    char *s;          /* results as text, one per line */
    size_t len, cap;
    uint64_t next_line;   /* for the coverage check: where the next result must start */
    bool covered;     /* every result started where the previous one ended */
};

static void out_put(struct out *o, const char *s)
{
    const size_t n = strlen(s);

    if (o->len + n + 1 > o->cap) {
        o->cap = (o->len + n + 1) * 2;
        o->s = realloc(o->s, o->cap);
        assert_non_null(o->s);
    }
    memcpy(o->s + o->len, s, n + 1);
    o->len += n;
}

static void describe(struct out *o, const struct order_csv_result *r)
{
    char line[512], err[300];

    if (o->len > 0)
        out_put(o, "\n");
    if (r->order) {
        snprintf(line, sizeof(line), "L%llu-%llu order %s x%zu", (unsigned long long)r->first_line,
                 (unsigned long long)r->last_line, r->order->id, r->order->nitems);
    } else {
        assert_true(order_error_format(&r->err, err, sizeof(err)) > 0);
        snprintf(line, sizeof(line), "L%llu-%llu %s", (unsigned long long)r->first_line,
                 (unsigned long long)r->last_line, err);
    }
    out_put(o, line);
    if (o->next_line && r->first_line != o->next_line)
        o->covered = false;
    if (r->last_line < r->first_line || r->rows == 0)
        o->covered = false;
    o->next_line = r->last_line + 1;
}

/* Read in[0..len) fed in chunks of the given sizes (cycled; 0 = the rest), as text. With keep,
 * the first order is handed to *kept instead of being freed. */
static void run(const char *in, size_t len, size_t max_record, const size_t *sizes,
                size_t nsizes, struct out *o, struct order **kept)
{
    struct order_csv *c;
    struct order_csv_result r;
    size_t pos = 0, k = 0;
    int rc;

    memset(o, 0, sizeof(*o));
    o->covered = true;
    out_put(o, "");
    assert_int_equal(order_csv_create(max_record, &c), 0);
    for (;;) {
        size_t n = nsizes ? sizes[k++ % nsizes] : 0;
        char *copy;
        bool eof;

        if (n == 0 || n > len - pos)
            n = len - pos;
        eof = pos + n == len;
        copy = test_malloc(n ? n : 1);   /* exact size: ASan sees any read past the chunk */
        memcpy(copy, in + pos, n);
        assert_int_equal(order_csv_feed(c, copy, n, eof), 0);
        while ((rc = order_csv_next(c, &r)) == 1) {
            describe(o, &r);
            if (kept && r.order && !*kept)
                *kept = r.order;
            else
                order_free(r.order);
        }
        assert_int_equal(rc, 0);
        test_free(copy);
        pos += n;
        if (eof)
            break;
    }
    assert_int_equal(order_csv_next(c, &r), 0);
    assert_int_equal(order_csv_feed(c, "x", 1, true), -EINVAL);
    order_csv_destroy(c);
}

static const struct {
    const char *in;
    const char *want;
} cases[] = {
    /* orders: consecutive rows with one id */
    {HDR "A,C-1,express,EUR," TS ",S-1,2,12.50\n"
         "A,C-1,express,EUR," TS ",S-2,1,0.99\n"
         "B,C-2,,JPY," TS ",S-3,5,1500\n",
     "L2-3 order A x2\nL4-4 order B x1"},
    /* header: any order and case, extra columns, no priority, no final newline */
    {"SKU,Qty,ID,note,Unit_Price,CURRENCY,customer,created_at\r\n"
     "S-1,1,A,\"hi, there\",1.5,EUR,C,2026-11-21T10:00:00+01:00\r\n"
     "S-2,3,A,,2,EUR,C,2026-11-21T10:00:00+01:00",
     "L2-3 order A x2"},
    /* a quoted field across lines (in an ignored column, or in a customer: control characters
     * are data there): the record takes lines 2-4 */
    {"id,customer,priority,currency,created_at,sku,qty,unit_price,note\n"
     "A,\"C, \"\"1\"\"\",bulk,EUR," TS ",S-1,1,1,\"multi\nline\n\"\nB,C,,EUR," TS ",S,1,1,\n",
     "L2-4 order A x1\nL5-5 order B x1"},
    {HDR "A,\"C\nD\",,EUR," TS ",S,1,1\n", "L2-3 order A x1"},
    /* but not in an id, which becomes an HTTP header */
    {HDR "\"A\nB\",C,,EUR," TS ",S,1,1\n", "L2-3 row 2, column id: " ID_CONTROL},
    {HDR "A\tB,C,,EUR," TS ",S,1,1\n", "L2-2 row 2, column id: " ID_CONTROL},
    /* a BOM at the very start */
    {"\xEF\xBB\xBF" HDR "A,C,,EUR," TS ",S,1,1\n", "L2-2 order A x1"},
    /* empty input, header only */
    {"", ""},
    {HDR, ""},
    {"\xEF\xBB\xBF", ""},
    /* invalid content, at the right row and column */
    {HDR "A,C,,EUR," TS ",S,1,1\nA,D,,EUR," TS ",S,1,1\nA,C,,EUR," TS ",S,1,1\n",
     "L2-4 row 3, column customer: rows disagree on customer"},
    {HDR "A,C,,EUR," TS ",S,1,1\nA,C,bulk,EUR," TS ",S,1,1\n",
     "L2-3 row 3, column priority: rows disagree on priority"},
    {HDR "A,C,,EUR," TS ",S,1,1\nA,C,,EUR," TS ",S,0,1\n",
     "L2-3 row 3, column qty: must be a positive integer"},
    {HDR "A,C,,EUR," TS ",S,01,1\n", "L2-2 row 2, column qty: must be a positive integer"},
    {HDR "A,C,,EUR," TS ",S,+1,1\n", "L2-2 row 2, column qty: must be a positive integer"},
    {HDR "A,C,,EUR," TS ",S,2000000000,1\n",
     "L2-2 row 2, column qty: must be at most 1000000000"},
    {HDR "A,C,,EUR," TS ",S,1,1.234\n",
     "L2-2 row 2, column unit_price: has more than 2 decimals for EUR"},
    {HDR "A,C,,EUR," TS ",S,1,-1\n", "L2-2 row 2, column unit_price: must not be negative"},
    {HDR "A,C,,EUR," TS ",S,1,\n",
     "L2-2 row 2, column unit_price: must be a decimal amount like 12.50"},
    {HDR "A,C,,XYZ," TS ",S,1,1\n", "L2-2 row 2, column currency: unknown currency 'XYZ'"},
    {HDR "A,C,,eur," TS ",S,1,1\n", "L2-2 row 2, column currency: must be 3 uppercase letters"},
    {HDR "A,C,urgent,EUR," TS ",S,1,1\n",
     "L2-2 row 2, column priority: must be one of express, standard, bulk"},
    {HDR ",C,,EUR," TS ",S,1,1\n", "L2-2 row 2, column id: must not be empty"},
    {HDR "A,,,EUR," TS ",S,1,1\n", "L2-2 row 2, column customer: must not be empty"},
    {HDR "A,C,,EUR,2026-02-30T10:00:00Z,S,1,1\n",
     "L2-2 row 2, column created_at: has an invalid date"},
    {HDR "A,C,,EUR,yesterday,S,1,1\n",
     "L2-2 row 2, column created_at: must be an RFC 3339 date-time like 2026-11-21T10:00:00Z"},
    {HDR "A,C,,EUR," TS ",,1,1\n", "L2-2 row 2, column sku: must not be empty"},
    {HDR "A,C,,EUR," TS ",\"S\x01\",1,1\n", "L2-2 order A x1"},
    {HDR "A,C,,JPY," TS ",S,1,1.5\n",
     "L2-2 row 2, column unit_price: has more than 0 decimals for JPY"},
    /* the id check comes first: an order's first row names the order-level fields */
    {HDR "A,,,XYZ," TS ",S,0,1\n", "L2-2 row 2, column customer: must not be empty"},
    /* malformed records: line and column, and they end the order before them */
    {HDR "A,C,,EUR," TS ",S,1,1\nA,C\"x,,EUR," TS ",S,1,1\nA,C,,EUR," TS ",S,1,1\n",
     "L2-2 order A x1\nL3-3 line 3, column 4: quote in an unquoted field\nL4-4 order A x1"},
    {HDR "A,\"C\"x,,EUR," TS ",S,1,1\n", "L2-2 line 2, column 6: character after a closing quote"},
    {HDR "A,\"C\"\rx\n", "L2-2 line 2, column 7: character after a closing quote"},
    {HDR "A,C,,EUR," TS ",S,1,1\nB,\"C,,EUR\n", 
     "L2-2 order A x1\nL3-3 line 3, column 3: quoted field not closed at the end of input"},
    {HDR "B,\"C,,EUR\nx", "L2-3 line 2, column 3: quoted field not closed at the end of input"},
    {HDR "A,C,,EUR," TS ",S,1,1,extra\n", "L2-2 line 2, column 37: too many fields (9, expected 8)"},
    {HDR "A,C,,EUR," TS ",S,1\n", "L2-2 line 2, column 34: too few fields (7, expected 8)"},
    {HDR "A,C,,EUR," TS ",S,1,1\n\nB,C,,EUR," TS ",S,1,1\n\r\n",
     "L2-2 order A x1\nL3-3 line 3, column 1: empty line\nL4-4 order B x1\n"
     "L5-5 line 5, column 1: empty line"},
    {HDR "A,C,,EUR," TS ",S\xff,1,1\n", "L2-2 line 2, column 32: invalid UTF-8"},
    {HDR "A,C,,EUR," TS ",\"x\ny\xff\",1,1\n", "L2-3 line 2, column 31: invalid UTF-8"},
    /* a lone CR is data (in a SKU too); CR at the end of input ends */
    {HDR "A,C,,EUR," TS ",S\rT,1,1\n", "L2-2 order A x1"},
    {HDR "A,C,,EUR," TS ",S,1,1\r", "L2-2 order A x1"},
    /* bad headers: one reject for the header, then each record is rejected */
    {"id,customer,currency,created_at,qty,unit_price\nA,C,EUR," TS ",1,1\n\n",
     "L1-1 line 1, column 1: no column 'sku' in the header\n"
     "L2-2 line 2, column 1: no usable header\nL3-3 line 3, column 1: no usable header"},
    {"id,customer,currency,created_at,sku,qty,unit_price,QTY\n",
     "L1-1 line 1, column 52: duplicate column 'qty'"},
    {"\n", "L1-1 line 1, column 1: empty line"},
};

static void test_order_csv_table(void **state)
{
    struct out o;
    size_t i;

    (void)state;
    for (i = 0; i < ARRAY_LEN(cases); i++) {
        run(cases[i].in, strlen(cases[i].in), 0, NULL, 0, &o, NULL);
        if (strcmp(o.s, cases[i].want) != 0)
            fail_msg("case %zu: got\n%s\nwant\n%s", i, o.s, cases[i].want);
        assert_true(o.covered);
        free(o.s);
    }
}

static void test_order_csv_fields_are_copied(void **state)
{
    static const char in[] =
        "id,customer,priority,currency,created_at,sku,qty,unit_price\r\n"
        "\"ORD,1\",\"C \"\"x\"\"\",Express,KWD," TS ",\"S,1\",3,1.5\r\n"
        "\"ORD,1\",\"C \"\"x\"\"\",Express,KWD," TS ",S2,1000000000,0.001\r\n";
    struct order *o = NULL;
    struct out out;

    (void)state;
    run(in, strlen(in), 0, NULL, 0, &out, &o);
    /* Express is not a priority: values are case-sensitive, unlike header names */
    assert_string_equal(out.s, "L2-3 row 2, column priority: must be one of express, standard, "
                               "bulk");
    free(out.s);
    assert_null(o);

    {
        char fixed[sizeof(in)];
        char *p;

        memcpy(fixed, in, sizeof(in));
        while ((p = strstr(fixed, "Express")) != NULL)
            memcpy(p, "express", 7);
        run(fixed, strlen(fixed), 0, NULL, 0, &out, &o);
    }
    assert_string_equal(out.s, "L2-3 order ORD,1 x2");
    free(out.s);
    assert_non_null(o);
    assert_string_equal(o->id, "ORD,1");
    assert_string_equal(o->customer, "C \"x\"");
    assert_int_equal(o->customer_len, 5);
    assert_int_equal(o->priority, ORDER_EXPRESS);
    assert_string_equal(o->currency, "KWD");
    assert_int_equal(o->decimals, 3);
    assert_string_equal(o->created_at, TS);
    assert_string_equal(o->items[0].sku, "S,1");
    assert_true(o->items[1].qty == 1000000000);
    assert_true(o->items[1].unit_price == 1);
    order_free(o);
}

/* CSV has no escapes: control characters come raw, a line break inside quotes, and are kept
 * byte for byte in a customer and a SKU, as JSON's escaped ones are. */
static void test_order_csv_control_characters_are_data(void **state)
{
    static const char in[] =
        HDR "A,\"tab\there\r\nnext\x01\x7f\",,EUR," TS ",\"S\nT\",1,1\n"
        "A,\"tab\there\r\nnext\x01\x7f\",,EUR," TS ",U\x1fV\rW\t,2,1\n";
    static const char customer[] = "tab\there\r\nnext\x01\x7f";
    struct order *o = NULL;
    struct out out;

    (void)state;
    run(in, sizeof(in) - 1, 0, NULL, 0, &out, &o);
    assert_string_equal(out.s, "L2-6 order A x2");
    free(out.s);
    assert_non_null(o);
    assert_int_equal(o->customer_len, sizeof(customer) - 1);
    assert_memory_equal(o->customer, customer, sizeof(customer) - 1);
    assert_int_equal(o->items[0].sku_len, 3);
    assert_memory_equal(o->items[0].sku, "S\nT", 3);
    assert_int_equal(o->items[1].sku_len, 6);
    assert_memory_equal(o->items[1].sku, "U\x1fV\rW\t", 6);
    order_free(o);
}

/* A sample with every kind of record, for the chunking and byte tests. */
static const char sample[] =
    "\xEF\xBB\xBFId,Customer,Currency,Created_At,SKU,Qty,Unit_Price,Note\r\n"
    "A,C-1,EUR," TS ",S-1,2,12.50,\"a, \"\"quoted\"\"\r\nnote\"\r\n"
    "A,C-1,EUR," TS ",S-2,1,0.99,\r\n"
    "B,C-2,JPY," TS ",S-3,1,15.5,x\n"
    "\n"
    "C,C\"3,EUR," TS ",S,1,1,\n"
    "D,\"C\"x,EUR," TS ",S,1,1,\n"
    "E,C-5,KWD," TS ",S,3,1.234,\"\"\n"
    "E,C-5,KWD," TS ",S,3,1.234,y,z\n"
    "F,C-6,EUR," TS ",S,1,1,\"open\nand never closed";

static void test_order_csv_every_split_and_byte_feeds(void **state)
{
    static const size_t patterns[][3] = {{1}, {2}, {3}, {7}, {1, 5}, {64}, {3, 1, 11}};
    const size_t len = strlen(sample);
    struct out want, got;
    size_t cut, p;

    (void)state;
    run(sample, len, 0, NULL, 0, &want, NULL);
    assert_true(want.covered);
    assert_string_equal(want.s,
        "L2-4 order A x2\n"
        "L5-5 row 4, column unit_price: has more than 0 decimals for JPY\n"
        "L6-6 line 6, column 1: empty line\n"
        "L7-7 line 7, column 4: quote in an unquoted field\n"
        "L8-8 line 8, column 6: character after a closing quote\n"
        "L9-9 order E x1\n"
        "L10-10 line 10, column 44: too many fields (9, expected 8)\n"
        "L11-12 line 11, column 38: quoted field not closed at the end of input");
    for (cut = 0; cut <= len; cut++) {
        const size_t sizes[2] = {cut, 0};

        run(sample, len, 0, sizes, cut ? 2 : 1, &got, NULL);
        if (strcmp(got.s, want.s) != 0)
            fail_msg("cut %zu: got\n%s\nwant\n%s", cut, got.s, want.s);
        free(got.s);
    }
    for (p = 0; p < ARRAY_LEN(patterns); p++) {
        size_t n = 0;

        while (n < 3 && patterns[p][n])
            n++;
        run(sample, len, 0, patterns[p], n, &got, NULL);
        assert_string_equal(got.s, want.s);
        free(got.s);
    }
    free(want.s);
}

static void test_order_csv_hostile_bytes_and_truncated_input(void **state)
{
    const size_t len = strlen(sample);
    static const size_t one[1] = {1};
    char *in = test_malloc(len);
    struct out got;
    size_t k;
    int b;

    (void)state;
    /* every prefix is a complete (shorter) input: results still cover its lines */
    for (k = 0; k <= len; k++) {
        run(sample, k, 0, NULL, 0, &got, NULL);
        assert_true(got.covered);
        free(got.s);
    }
    for (k = 0; k < len; k++)
        for (b = 0; b < 256; b += (k % 7 == 0 ? 1 : 17)) {
            memcpy(in, sample, len);
            in[k] = (char)b;
            run(in, len, 0, NULL, 0, &got, NULL);
            assert_true(got.covered);
            free(got.s);
        }
    /* and byte at a time once with NULs everywhere */
    memset(in, 0, len);
    memcpy(in, HDR, strlen(HDR));
    run(in, len, 0, one, 1, &got, NULL);
    assert_true(got.covered);
    free(got.s);
    test_free(in);
}

/* Text of an input with a header and n rows of order id (all the same). */
static char *rows_of(const char *id, int n, size_t *len)
{
    const size_t row = strlen(id) + 64;
    char *s = malloc(strlen(HDR) + (size_t)n * row + 1);
    size_t o;
    int i;

    assert_non_null(s);
    o = (size_t)sprintf(s, "%s", HDR);
    for (i = 0; i < n; i++)
        o += (size_t)sprintf(s + o, "%s,C,,EUR," TS ",S-%d,1,1\n", id, i);
    *len = o;
    return s;
}

static void test_order_csv_limits(void **state)
{
    struct order *o = NULL;
    struct out got;
    size_t len;
    char *in, want[128], big[400];

    (void)state;
    /* 1000 rows are one order; 1001 and 1500 are too many items, at the row past the limit */
    in = rows_of("A", ORDER_MAX_ITEMS, &len);
    run(in, len, 0, NULL, 0, &got, &o);
    assert_string_equal(got.s, "L2-1001 order A x1000");
    assert_string_equal(o->items[999].sku, "S-999");
    order_free(o);
    free(got.s);
    free(in);
    in = rows_of("A", 1500, &len);
    run(in, len, 0, NULL, 0, &got, NULL);
    assert_string_equal(got.s, "L2-1501 row 1002: too many items (at most 1000)");
    free(got.s);
    free(in);

    /* a record longer than max_record; the reader carries on with the next one */
    in = malloc(strlen(HDR) + 3 * 200);
    assert_non_null(in);
    len = (size_t)sprintf(in, HDR "A,C,,EUR," TS ",%0100d,1,1\nB,C,,EUR," TS ",S,1,1\n", 7);
    run(in, len, 100, NULL, 0, &got, NULL);
    assert_string_equal(got.s, "L2-2 line 2, column 1: record longer than 100 bytes\n"
                               "L3-3 order B x1");
    free(got.s);
    free(in);

    /* more fields than ORDER_CSV_MAX_FIELDS, in a data record and in the header */
    memset(big, ',', sizeof(big));
    memcpy(big + sizeof(big) - 2, "x", 2);
    in = malloc(strlen(HDR) + sizeof(big) + 64);
    assert_non_null(in);
    len = (size_t)sprintf(in, HDR "%s\n", big);
    run(in, len, 0, NULL, 0, &got, NULL);
    assert_string_equal(got.s, "L2-2 line 2, column 9: too many fields (399, expected 8)");
    free(got.s);
    len = (size_t)sprintf(in, "%s\n", big);
    run(in, len, 0, NULL, 0, &got, NULL);
    snprintf(want, sizeof(want), "L1-1 line 1, column 1: more than %d columns",
             ORDER_CSV_MAX_FIELDS);
    assert_string_equal(got.s, want);
    free(got.s);
    free(in);

    /* a reader destroyed with an order still queued frees it */
    {
        static const char two[] = HDR "A,C,,EUR," TS ",S,1,1\nB,C,,EUR," TS ",S,1,1\n";
        struct order_csv *c;
        struct order_csv_result r;

        assert_int_equal(order_csv_create(0, &c), 0);
        assert_int_equal(order_csv_feed(c, two, strlen(two), true), 0);
        assert_int_equal(order_csv_next(c, &r), 1);
        assert_string_equal(r.order->id, "A");
        order_free(r.order);
        assert_int_equal(order_csv_feed(c, "x", 1, false), -EINVAL);
        order_csv_destroy(c);
        order_csv_destroy(NULL);
    }
}

static void test_order_csv_nomem_is_sticky_and_leaks_nothing(void **state)
{
    size_t len;
    char *in = rows_of("A", 40, &len);
    long n;

    (void)state;
    for (n = 0;; n++) {
        struct order_csv *c;
        struct order_csv_result r;
        int rc, results = 0;

        core_mem_fail_after(n);
        rc = order_csv_create(0, &c);
        if (rc < 0) {
            core_mem_fail_after(-1);
            assert_int_equal(rc, -ENOMEM);
            continue;
        }
        assert_int_equal(order_csv_feed(c, in, len, true), 0);
        while ((rc = order_csv_next(c, &r)) == 1) {
            results++;
            order_free(r.order);
        }
        core_mem_fail_after(-1);
        if (rc == 0) {
            assert_int_equal(results, 1);
            order_csv_destroy(c);
            break;
        }
        assert_int_equal(rc, -ENOMEM);
        assert_int_equal(order_csv_next(c, &r), -ENOMEM);   /* sticky */
        order_csv_destroy(c);
    }
    assert_true(n > 3);
    free(in);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_csv_table),
        cmocka_unit_test(test_order_csv_fields_are_copied),
        cmocka_unit_test(test_order_csv_control_characters_are_data),
        cmocka_unit_test(test_order_csv_every_split_and_byte_feeds),
        cmocka_unit_test(test_order_csv_hostile_bytes_and_truncated_input),
        cmocka_unit_test(test_order_csv_limits),
        cmocka_unit_test(test_order_csv_nomem_is_sticky_and_leaks_nothing),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
