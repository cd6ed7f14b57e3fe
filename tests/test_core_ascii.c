/* tests/test_core_ascii.c: locale-free ASCII classes against a plain reading of the tables. */
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

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii_every_byte),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
