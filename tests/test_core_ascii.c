/* tests/test_core_ascii.c: locale-free ASCII classes against a plain reading of the tables. */
#include <stdio.h>
#include <string.h>

#include "core/ascii.h"
#include "tests/support/corotest.h"

static void test_ascii_every_byte(void **state)
{
    static const char hex[] = "0123456789abcdef", HEX[] = "0123456789ABCDEF";
    int b;

    (void)state;
    for (b = 0; b < 256; b++) {
        const char c = (char)b;
        const char *lo = b ? strchr(hex, c) : NULL, *up = b ? strchr(HEX, c) : NULL;
        const int want = lo ? (int)(lo - hex) : up ? (int)(up - HEX) : -1;

        assert_int_equal(core_ascii_is_digit(c), b >= '0' && b <= '9');
        assert_int_equal(core_ascii_is_hex(c), want >= 0);
        assert_int_equal(core_ascii_hex_value(c), want);
        if (want >= 0)
            assert_int_equal(core_ascii_xdigit(c), (unsigned)want);
        assert_int_equal(core_ascii_lower(c), b >= 'A' && b <= 'Z' ? b + 32 : (char)b);
    }
}

/* Decimal numbers match snprintf's at the edges and across every power of ten. */
static void test_ascii_numbers_match_snprintf(void **state)
{
    const int64_t edges[] = {0, 1, -1, 9, 10, -10, 99, 100, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    char buf[CORE_ASCII_U64_BYTES + 1], want[32];
    (void)state;

    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        snprintf(want, sizeof(want), "%lld", (long long)edges[i]);
        assert_string_equal(core_ascii_i64(edges[i], buf + sizeof(buf)), want);
    }
    for (uint64_t v = 1, k = 0; k < 20; k++, v *= 10) {
        for (int d = -1; d <= 1; d++) {
            uint64_t x = v + (uint64_t)d;

            snprintf(want, sizeof(want), "%llu", (unsigned long long)x);
            assert_string_equal(core_ascii_u64(x, buf + CORE_ASCII_U64_BYTES), want);
        }
    }
    snprintf(want, sizeof(want), "%llu", (unsigned long long)UINT64_MAX);
    assert_string_equal(core_ascii_u64(UINT64_MAX, buf + CORE_ASCII_U64_BYTES), want);
    assert_ptr_equal(core_ascii_u64(UINT64_MAX, buf + CORE_ASCII_U64_BYTES), buf);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii_every_byte),
        cmocka_unit_test(test_ascii_numbers_match_snprintf),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
