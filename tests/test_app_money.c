/* tests/test_app_money.c: exact money (currency table, parsing, arithmetic, tax rounding,
 * formatting), with tables for every rule, every truncated prefix and hostile bytes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app/orders/money.h"
#include "tests/support/corotest.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void test_money_decimals_known_unknown_and_malformed(void **state)
{
    static const struct {
        const char *code;
        int want;
    } cases[] = {
        {"EUR", 2}, {"USD", 2}, {"GBP", 2}, {"CHF", 2}, {"CAD", 2}, {"AUD", 2}, {"CNY", 2},
        {"INR", 2}, {"BRL", 2}, {"MXN", 2}, {"SEK", 2}, {"HUF", 2}, {"IDR", 2}, {"AED", 2},
        {"ZWL", 2}, {"XCG", 2}, {"JPY", 0}, {"KRW", 0}, {"VND", 0}, {"CLP", 0}, {"ISK", 0},
        {"UGX", 0}, {"XAF", 0}, {"XOF", 0}, {"XPF", 0}, {"PYG", 0}, {"BHD", 3}, {"KWD", 3},
        {"OMR", 3}, {"JOD", 3}, {"TND", 3}, {"IQD", 3}, {"LYD", 3}, {"CLF", 4}, {"UYW", 4},
        /* well-formed, unknown */
        {"XYZ", -ENOENT}, {"AAA", -ENOENT}, {"ZZZ", -ENOENT}, {"XAU", -ENOENT},
        {"XTS", -ENOENT}, {"XXX", -ENOENT}, {"HRK", -ENOENT},
        /* not 3 uppercase letters */
        {"eur", CORE_EPARSE}, {"Eur", CORE_EPARSE}, {"EU", CORE_EPARSE}, {"EURO", CORE_EPARSE},
        {"", CORE_EPARSE}, {"E1R", CORE_EPARSE}, {"EU ", CORE_EPARSE}, {"@UR", CORE_EPARSE},
        {"[UR", CORE_EPARSE}, {"\xC3\x89UR", CORE_EPARSE},
    };
    size_t i;

    (void)state;
    for (i = 0; i < ARRAY_LEN(cases); i++) {
        const int got = money_decimals(cases[i].code, strlen(cases[i].code));

        if (got != cases[i].want)
            fail_msg("%s: got %d, want %d", cases[i].code, got, cases[i].want);
    }
    /* NUL inside the 3 bytes */
    assert_int_equal(money_decimals("E\0R", 3), CORE_EPARSE);
    /* only the first len bytes count */
    assert_int_equal(money_decimals("EURO", 3), 2);
}

static void test_money_decimals_every_code_is_sorted_and_found(void **state)
{
    char code[4] = "AAA";
    int known = 0, a, b, c;

    (void)state;
    /* every 3-letter code answers 0..4 or -ENOENT, and all 169 codes of the table are found
     * (a binary search over a badly sorted table would miss some) */
    for (a = 'A'; a <= 'Z'; a++)
        for (b = 'A'; b <= 'Z'; b++)
            for (c = 'A'; c <= 'Z'; c++) {
                int d;

                code[0] = (char)a;
                code[1] = (char)b;
                code[2] = (char)c;
                d = money_decimals(code, 3);
                assert_true(d == -ENOENT || (d >= 0 && d <= 4));
                known += d >= 0;
            }
    assert_int_equal(known, 169);
}

struct parse_case {
    const char *text;
    int decimals;
    int rc;
    int64_t want;
};

static const struct parse_case parse_cases[] = {
    {"12.50", 2, 0, 1250}, {"12.5", 2, 0, 1250}, {"12", 2, 0, 1200}, {"0", 2, 0, 0},
    {"0.50", 2, 0, 50}, {"0.05", 2, 0, 5}, {"-0.05", 2, 0, -5}, {"-0", 2, 0, 0},
    {"-12.34", 2, 0, -1234}, {"1000", 0, 0, 1000}, {"1.234", 3, 0, 1234}, {"1.2", 3, 0, 1200},
    {"7", 3, 0, 7000}, {"0.0001", 4, 0, 1}, {"999999999", 0, 0, 999999999},
    /* the int64 edges, for 0 and 2 decimals */
    {"9223372036854775807", 0, 0, INT64_MAX},
    {"-9223372036854775808", 0, 0, INT64_MIN},
    {"9223372036854775808", 0, -ERANGE, 0},
    {"-9223372036854775809", 0, -ERANGE, 0},
    {"92233720368547758.07", 2, 0, INT64_MAX},
    {"-92233720368547758.08", 2, 0, INT64_MIN},
    {"92233720368547758.08", 2, -ERANGE, 0},
    {"92233720368547758.1", 2, -ERANGE, 0},     /* overflow while padding */
    {"92233720368547759", 2, -ERANGE, 0},
    {"99999999999999999999999999999", 2, -ERANGE, 0},
    {"922337203685477580.7", 1, 0, INT64_MAX},
    {"0.000000000000000001", 18, 0, 1},
    {"9.223372036854775807", 18, 0, INT64_MAX},
    {"9.223372036854775808", 18, -ERANGE, 0},
    {"10", 18, -ERANGE, 0},
    /* too many decimals */
    {"12.345", 2, -EDOM, 0}, {"12.500", 2, -EDOM, 0}, {"1.0", 0, -EDOM, 0},
    {"0.12345", 4, -EDOM, 0}, {"-0.001", 2, -EDOM, 0},
    {"99999999999999999999.123", 2, -EDOM, 0},  /* EDOM is checked before range */
    /* malformed */
    {"", 2, CORE_EPARSE, 0}, {"-", 2, CORE_EPARSE, 0}, {".", 2, CORE_EPARSE, 0},
    {".5", 2, CORE_EPARSE, 0}, {"-.5", 2, CORE_EPARSE, 0}, {"5.", 2, CORE_EPARSE, 0},
    {"012", 2, CORE_EPARSE, 0}, {"00", 2, CORE_EPARSE, 0}, {"-012", 2, CORE_EPARSE, 0},
    {"00.5", 2, CORE_EPARSE, 0}, {"+1", 2, CORE_EPARSE, 0}, {"1e2", 2, CORE_EPARSE, 0},
    {"1E2", 2, CORE_EPARSE, 0}, {"1.5e1", 2, CORE_EPARSE, 0}, {" 1", 2, CORE_EPARSE, 0},
    {"1 ", 2, CORE_EPARSE, 0}, {"1,50", 2, CORE_EPARSE, 0}, {"1.2.3", 2, CORE_EPARSE, 0},
    {"--1", 2, CORE_EPARSE, 0}, {"1-", 2, CORE_EPARSE, 0}, {"NaN", 2, CORE_EPARSE, 0},
    {"Infinity", 2, CORE_EPARSE, 0}, {"0x10", 2, CORE_EPARSE, 0}, {"\"1\"", 2, CORE_EPARSE, 0},
    {"1\xC2\xA0", 2, CORE_EPARSE, 0}, {"\xEF\xBC\x91", 2, CORE_EPARSE, 0},
    {"12.345x", 2, CORE_EPARSE, 0},  /* malformed wins over too many decimals */
    {"12.50", -1, -EINVAL, 0}, {"12.50", 19, -EINVAL, 0},
};

static void test_money_parse_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < ARRAY_LEN(parse_cases); i++) {
        const struct parse_case *c = &parse_cases[i];
        int64_t got = 0x5A5A;
        const int rc = money_parse(c->text, strlen(c->text), c->decimals, &got);

        if (rc != c->rc)
            fail_msg("'%s'/%d: rc %d, want %d", c->text, c->decimals, rc, c->rc);
        if (rc == 0 && got != c->want)
            fail_msg("'%s'/%d: %lld, want %lld", c->text, c->decimals, (long long)got,
                     (long long)c->want);
        if (rc != 0 && got != 0x5A5A)
            fail_msg("'%s': out written on error", c->text);
    }
    /* len bounds the text: a NUL or more digits after it are not read */
    {
        int64_t v;

        assert_int_equal(money_parse("12.50xyz", 5, 2, &v), 0);
        assert_int_equal(v, 1250);
        assert_int_equal(money_parse("1\0" "2", 3, 2, &v), CORE_EPARSE);
    }
}

/* Every truncated prefix of every accepted case either parses (it is a shorter amount) or
 * fails cleanly; every byte value at every position does the same, with no crash. */
static void test_money_parse_prefixes_and_hostile_bytes(void **state)
{
    static const char *const samples[] = {"-92233720368547758.08", "12.50", "0.05", "1000"};
    char buf[64];
    size_t i, k, len;
    int64_t v;
    int b, rc;

    (void)state;
    for (i = 0; i < ARRAY_LEN(samples); i++) {
        len = strlen(samples[i]);
        for (k = 0; k <= len; k++) {
            char *copy = test_malloc(k ? k : 1);   /* exact size: ASan sees any over-read */

            memcpy(copy, samples[i], k);
            rc = money_parse(copy, k, 2, &v);
            assert_true(rc == 0 || rc == CORE_EPARSE || rc == -ERANGE);
            /* "-" "12." "0." and "" are the malformed prefixes */
            if (k == 0 || (k > 0 && (copy[k - 1] == '-' || copy[k - 1] == '.')))
                assert_int_equal(rc, CORE_EPARSE);
            test_free(copy);
        }
        for (k = 0; k < len; k++)
            for (b = 0; b < 256; b++) {
                memcpy(buf, samples[i], len);
                buf[k] = (char)b;
                rc = money_parse(buf, len, 2, &v);
                assert_true(rc == 0 || rc == CORE_EPARSE || rc == -ERANGE || rc == -EDOM);
                if (rc == 0)   /* only a digit (or '-' at the front) can keep it valid */
                    assert_true((b >= '0' && b <= '9') || b == '-' || b == '.' ||
                                b == samples[i][k]);
            }
    }
}

static void test_money_format_and_round_trip(void **state)
{
    static const struct {
        int64_t minor;
        int decimals;
        const char *want;
    } cases[] = {
        {1250, 2, "12.50"}, {-5, 2, "-0.05"}, {5, 2, "0.05"}, {0, 2, "0.00"}, {1000, 0, "1000"},
        {0, 0, "0"}, {-1, 0, "-1"}, {1, 3, "0.001"}, {1234, 3, "1.234"}, {-100, 2, "-1.00"},
        {INT64_MAX, 2, "92233720368547758.07"}, {INT64_MIN, 2, "-92233720368547758.08"},
        {INT64_MIN, 0, "-9223372036854775808"}, {INT64_MAX, 0, "9223372036854775807"},
        {INT64_MIN, 18, "-9.223372036854775808"}, {1, 18, "0.000000000000000001"},
        {-1, 18, "-0.000000000000000001"},
    };
    static const int64_t samples[] = {0, 1, -1, 9, 10, 99, 100, 101, -101, 123456789, INT64_MAX,
                                      INT64_MIN, INT64_MAX - 1, INT64_MIN + 1, -999999};
    char buf[MONEY_FMT_CAP];
    size_t i;
    int d, n;

    (void)state;
    for (i = 0; i < ARRAY_LEN(cases); i++) {
        n = money_format(cases[i].minor, cases[i].decimals, buf, sizeof(buf));
        assert_int_equal(n, (int)strlen(cases[i].want));
        assert_string_equal(buf, cases[i].want);
    }
    /* round trip through money_parse for every decimals count */
    for (d = 0; d <= MONEY_MAX_DECIMALS; d++)
        for (i = 0; i < ARRAY_LEN(samples); i++) {
            int64_t back;

            n = money_format(samples[i], d, buf, sizeof(buf));
            assert_true(n > 0 && n < MONEY_FMT_CAP);
            assert_int_equal(money_parse(buf, (size_t)n, d, &back), 0);
            assert_true(back == samples[i]);
        }
    /* the buffer must hold the text and its NUL; a short one is left untouched */
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(money_format(1250, 2, buf, 5), -EMSGSIZE);
    assert_int_equal(buf[0], 'x');
    assert_int_equal(money_format(1250, 2, buf, 6), 5);
    assert_string_equal(buf, "12.50");
    assert_int_equal(money_format(1250, 2, NULL, 0), -EMSGSIZE);
    assert_int_equal(money_format(1, -1, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(money_format(1, 19, buf, sizeof(buf)), -EINVAL);
}

static void test_money_mul_add_overflow_at_the_edges(void **state)
{
    int64_t r = 77;

    (void)state;
    assert_int_equal(money_mul(1250, 3, &r), 0);
    assert_int_equal(r, 3750);
    assert_int_equal(money_mul(-1250, 3, &r), 0);
    assert_int_equal(r, -3750);
    assert_int_equal(money_mul(INT64_MAX, 1, &r), 0);
    assert_true(r == INT64_MAX);
    assert_int_equal(money_mul(INT64_MIN, 1, &r), 0);
    assert_true(r == INT64_MIN);
    assert_int_equal(money_mul(INT64_MIN, -1, &r), -ERANGE);
    assert_int_equal(money_mul(INT64_MAX / 2 + 1, 2, &r), -ERANGE);
    assert_int_equal(money_mul(INT64_MAX / 2, 2, &r), 0);
    assert_true(r == INT64_MAX - 1);
    assert_int_equal(money_mul(4611686018427387904, 2, &r), -ERANGE);   /* 2^62 * 2 */
    assert_int_equal(money_mul(-4611686018427387904, 2, &r), 0);        /* -2^63 fits */
    assert_true(r == INT64_MIN);
    assert_int_equal(money_mul(3037000500, 3037000500, &r), -ERANGE);   /* > 2^63 */
    assert_int_equal(money_mul(3037000499, 3037000499, &r), 0);

    r = 77;
    assert_int_equal(money_add(INT64_MAX, 1, &r), -ERANGE);
    assert_int_equal(r, 77);
    assert_int_equal(money_add(INT64_MIN, -1, &r), -ERANGE);
    assert_int_equal(money_add(INT64_MAX, INT64_MIN, &r), 0);
    assert_int_equal(r, -1);
    assert_int_equal(money_add(INT64_MAX - 5, 5, &r), 0);
    assert_true(r == INT64_MAX);
    assert_int_equal(money_add(-5, 3, &r), 0);
    assert_int_equal(r, -2);
}

static void test_money_rate_parse_table(void **state)
{
    static const struct {
        const char *text;
        int rc;
        int64_t want;
    } cases[] = {
        {"19", 0, 19000000}, {"7.25", 0, 7250000}, {"0.125", 0, 125000}, {"0", 0, 0},
        {"0.000001", 0, 1}, {"1000", 0, 1000000000}, {"1000.000000", 0, 1000000000},
        {"100", 0, 100000000}, {"-0", 0, 0},
        {"1000.000001", -ERANGE, 0}, {"1001", -ERANGE, 0}, {"-1", -ERANGE, 0},
        {"99999999999999999999", -ERANGE, 0},
        {"0.0000001", -EDOM, 0}, {"19.1234567", -EDOM, 0},
        {"", CORE_EPARSE, 0}, {"19%", CORE_EPARSE, 0}, {"+19", CORE_EPARSE, 0},
        {"19.", CORE_EPARSE, 0}, {".5", CORE_EPARSE, 0}, {"019", CORE_EPARSE, 0},
        {"1e1", CORE_EPARSE, 0}, {" 19", CORE_EPARSE, 0}, {"19 ", CORE_EPARSE, 0},
        {"abc", CORE_EPARSE, 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < ARRAY_LEN(cases); i++) {
        struct money_rate r = {-7};
        const int rc = money_rate_parse(cases[i].text, &r);

        if (rc != cases[i].rc)
            fail_msg("'%s': rc %d, want %d", cases[i].text, rc, cases[i].rc);
        if (rc == 0)
            assert_true(r.millionths == cases[i].want);
        else
            assert_true(r.millionths == -7);
    }
}

static void test_money_tax_rounds_half_to_even(void **state)
{
    static const struct {
        int64_t subtotal;
        const char *rate;
        int64_t want;
    } cases[] = {
        /* 50% of odd cents: exact halves round to even */
        {1, "50", 0},     /* 0.5 -> 0 */
        {3, "50", 2},     /* 1.5 -> 2 */
        {5, "50", 2},     /* 2.5 -> 2 */
        {7, "50", 4},     /* 3.5 -> 4 */
        {-1, "50", 0},    /* -0.5 -> 0 */
        {-3, "50", -2},   /* -1.5 -> -2 */
        {-5, "50", -2},   /* -2.5 -> -2 */
        /* not halves: nearest */
        {1, "50.000001", 1}, {1, "49.999999", 0}, {-1, "50.000001", -1}, {-1, "49.999999", 0},
        /* everyday rates */
        {10000, "19", 1900}, {1999, "19", 380},      /* 379.81 */
        {1250, "7.25", 91},                          /* 90.625 */
        {1000, "0.125", 1},                          /* 1.25 */
        {1200, "0.125", 2},                          /* 1.5 -> 2 */
        {2000, "0.125", 2},                          /* 2.5 -> 2 */
        {99, "0", 0}, {99, "100", 99}, {99, "1000", 990},
        {0, "19", 0},
        /* a half of the smallest rate step is still exact */
        {50, "0.000001", 0},                          /* 0.0000005 */
        {50000000, "0.000001", 0},                    /* 0.5 -> 0 */
        {150000000, "0.000001", 2},                   /* 1.5 -> 2 */
        /* the edges: full precision, no overflow in the intermediate */
        {INT64_MAX, "100", INT64_MAX},
        {INT64_MIN, "100", INT64_MIN},
        {INT64_MAX, "50", 4611686018427387904},       /* 4611686018427387903.5 -> even */
        {INT64_MIN, "50", -4611686018427387904},
        {INT64_MAX - 1, "50", 4611686018427387903},
        {INT64_MAX, "19", 1752440687002407403},       /* ...403.33 */
    };
    size_t i;

    (void)state;
    for (i = 0; i < ARRAY_LEN(cases); i++) {
        struct money_rate r;
        int64_t tax = 12345;

        assert_int_equal(money_rate_parse(cases[i].rate, &r), 0);
        assert_int_equal(money_tax(cases[i].subtotal, &r, &tax), 0);
        if (tax != cases[i].want)
            fail_msg("case %zu: %lld at %s%%: %lld, want %lld", i,
                     (long long)cases[i].subtotal, cases[i].rate, (long long)tax,
                     (long long)cases[i].want);
    }
}

static void test_money_tax_overflow_and_bad_rate(void **state)
{
    struct money_rate r;
    int64_t tax = 5;

    (void)state;
    assert_int_equal(money_rate_parse("1000", &r), 0);
    assert_int_equal(money_tax(INT64_MAX, &r, &tax), -ERANGE);
    assert_int_equal(money_tax(INT64_MIN, &r, &tax), -ERANGE);
    assert_int_equal(money_tax(INT64_MAX / 10, &r, &tax), 0);
    assert_true(tax == INT64_MAX / 10 * 10);
    assert_int_equal(money_tax(INT64_MAX / 10 + 1, &r, &tax), -ERANGE);
    assert_int_equal(money_rate_parse("100.000001", &r), 0);
    assert_int_equal(money_tax(INT64_MAX, &r, &tax), -ERANGE);
    assert_int_equal(money_tax(INT64_MIN, &r, &tax), -ERANGE);
    tax = 5;
    r.millionths = -1;
    assert_int_equal(money_tax(100, &r, &tax), -EINVAL);
    r.millionths = 1000000001;
    assert_int_equal(money_tax(100, &r, &tax), -EINVAL);
    assert_int_equal(tax, 5);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_money_decimals_known_unknown_and_malformed),
        cmocka_unit_test(test_money_decimals_every_code_is_sorted_and_found),
        cmocka_unit_test(test_money_parse_table),
        cmocka_unit_test(test_money_parse_prefixes_and_hostile_bytes),
        cmocka_unit_test(test_money_format_and_round_trip),
        cmocka_unit_test(test_money_mul_add_overflow_at_the_edges),
        cmocka_unit_test(test_money_rate_parse_table),
        cmocka_unit_test(test_money_tax_rounds_half_to_even),
        cmocka_unit_test(test_money_tax_overflow_and_bad_rate),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
