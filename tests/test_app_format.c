/* tests/test_app_format.c: one rule for a file's format, from its name or an option. */
#include <errno.h>

#include "app/common/format.h"
#include "tests/support/corotest.h"

static void test_format_from_suffix_any_case(void **state)
{
    (void)state;
    assert_int_equal(file_format_for_path("out.csv"), FILE_FORMAT_CSV);
    assert_int_equal(file_format_for_path("dir/OUT.CSV"), FILE_FORMAT_CSV);
    assert_int_equal(file_format_for_path(".csv"), FILE_FORMAT_CSV);
    assert_int_equal(file_format_for_path("out.jsonl"), FILE_FORMAT_JSONL);
    assert_int_equal(file_format_for_path("out.csv.gz"), FILE_FORMAT_JSONL);
    assert_int_equal(file_format_for_path("csv"), FILE_FORMAT_JSONL);
    assert_int_equal(file_format_for_path("-"), FILE_FORMAT_JSONL);
    assert_int_equal(file_format_for_path(""), FILE_FORMAT_JSONL);
}

static void test_format_names_parse_and_others_are_refused(void **state)
{
    enum file_format f = FILE_FORMAT_JSONL;

    (void)state;
    assert_int_equal(file_format_parse("csv", &f), 0);
    assert_int_equal(f, FILE_FORMAT_CSV);
    assert_int_equal(file_format_parse("jsonl", &f), 0);
    assert_int_equal(f, FILE_FORMAT_JSONL);
    f = FILE_FORMAT_CSV;
    assert_int_equal(file_format_parse("CSV", &f), -EINVAL);
    assert_int_equal(file_format_parse("json", &f), -EINVAL);
    assert_int_equal(file_format_parse("", &f), -EINVAL);
    assert_int_equal(f, FILE_FORMAT_CSV);   /* untouched on failure */
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_from_suffix_any_case),
        cmocka_unit_test(test_format_names_parse_and_others_are_refused),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
