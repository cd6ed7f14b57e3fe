/* tests/test_core_buf.c: the capped, NUL-terminated growable buffer. */
#include <errno.h>
#include <string.h>

#include "core/ascii.h"
#include "core/buf.h"
#include "core/mem.h"
#include "tests/support/corotest.h"

static void test_buf_append_grows_and_terminates(void **state)
{
    struct core_buf b;
    char *s;
    int i;

    (void)state;
    core_buf_init(&b, 1 << 20);
    for (i = 0; i < 1000; i++)
        assert_int_equal(core_buf_append(&b, "abc", 3), 0);
    assert_int_equal(b.len, 3000);
    assert_int_equal(b.data[3000], '\0');
    assert_int_equal(core_buf_printf(&b, "-%d-%s", 42, "x"), 0);
    assert_string_equal(b.data + 3000, "-42-x");
    core_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    assert_int_equal(core_buf_puts(&b, "hi"), 0);
    s = core_buf_steal(&b);
    assert_string_equal(s, "hi");
    assert_null(b.data);
    core_free(s);
    s = core_buf_steal(&b); /* an empty buffer still gives a string */
    assert_string_equal(s, "");
    core_free(s);
}

static void test_buf_cap_refuses_and_keeps_contents(void **state)
{
    struct core_buf b;

    (void)state;
    core_buf_init(&b, 8);
    assert_int_equal(core_buf_append(&b, "12345678", 8), 0);
    assert_int_equal(core_buf_putc(&b, '9'), -EMSGSIZE);
    assert_int_equal(core_buf_printf(&b, "%d", 1), -EMSGSIZE);
    assert_int_equal(b.len, 8);
    assert_string_equal(b.data, "12345678");
    core_buf_free(&b);
}

/* A maximum lowered below an allocation already made is kept by the inline append too. */
static void test_buf_lowered_max_refuses_within_capacity(void **state)
{
    struct core_buf b;

    (void)state;
    core_buf_init(&b, 1024);
    assert_int_equal(core_buf_append(&b, "abcdef", 6), 0);
    core_buf_reset(&b);
    b.max = 3;
    assert_int_equal(core_buf_append(&b, "xy", 2), 0);
    assert_int_equal(core_buf_append(&b, "zw", 2), -EMSGSIZE);
    assert_int_equal(core_buf_putc(&b, 'z'), 0);
    assert_int_equal(core_buf_putc(&b, 'w'), -EMSGSIZE);
    assert_int_equal(b.len, 3);
    assert_string_equal(b.data, "xyz");
    core_buf_free(&b);
}

static void test_buf_out_of_memory_keeps_contents(void **state)
{
    static const char more[1 << 10];
    struct core_buf b;

    (void)state;
    core_buf_init(&b, 1 << 20);
    assert_int_equal(core_buf_puts(&b, "keep"), 0);
    core_mem_fail_after(0);
    assert_int_equal(core_buf_append(&b, more, sizeof(more)), -ENOMEM);
    assert_string_equal(b.data, "keep");
    core_buf_free(&b);
}

static void test_buf_hex_round_trips_every_byte(void **state)
{
    unsigned char bytes[256], back[256];
    struct core_buf b;

    (void)state;
    for (unsigned i = 0; i < 256; i++)
        bytes[i] = (unsigned char)(255 - i);
    core_buf_init(&b, 1 << 20);
    assert_int_equal(core_buf_puts(&b, "x "), 0);
    assert_int_equal(core_buf_puthex(&b, bytes, sizeof(bytes)), 0);
    assert_int_equal(b.len, 2 + 512);
    assert_memory_equal(b.data, "x fffefd", 8);
    assert_string_equal(b.data + b.len - 4, "0100");
    assert_int_equal(core_ascii_unhex(b.data + 2, 512, back), 0);
    assert_memory_equal(back, bytes, sizeof(bytes));
    /* odd lengths and non-digits are refused */
    assert_int_equal(core_ascii_unhex("abc", 3, back), -EINVAL);
    assert_int_equal(core_ascii_unhex("0g", 2, back), -EINVAL);
    assert_int_equal(core_ascii_unhex("A0", 2, back), 0);
    assert_int_equal(back[0], 0xa0);
    /* over the cap: refused, contents kept */
    b.max = b.len + 3;
    assert_int_equal(core_buf_puthex(&b, bytes, 2), -EMSGSIZE);
    assert_int_equal(b.len, 2 + 512);
    core_buf_free(&b);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_append_grows_and_terminates),
        cmocka_unit_test(test_buf_cap_refuses_and_keeps_contents),
        cmocka_unit_test(test_buf_lowered_max_refuses_within_capacity),
        cmocka_unit_test(test_buf_out_of_memory_keeps_contents),
        cmocka_unit_test(test_buf_hex_round_trips_every_byte),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
