/* tests/test_app_backoff.c: retry delays: exponential, jittered, capped, Retry-After first. */
#include "app/common/backoff.h"
#include "tests/support/corotest.h"

static void test_backoff_grows_with_jitter_and_honours_retry_after(void **state)
{
    struct backoff b;
    unsigned n;
    int i;

    (void)state;
    backoff_init(&b, 100, 2000, 5000, 42);
    for (i = 0; i < 100; i++) {
        for (n = 1; n <= 8; n++) {
            int64_t d = backoff_delay(&b, n, -1), full = 100;
            unsigned j;

            for (j = 1; j < n && full < 2000; j++)
                full *= 2;
            if (full > 2000)
                full = 2000;
            assert_true(d >= full / 2 && d <= full); /* equal jitter */
        }
    }
    assert_int_equal(backoff_delay(&b, 1, 3), 3000);   /* Retry-After wins */
    assert_int_equal(backoff_delay(&b, 1, 60), 5000);  /* capped by max_wait */
    assert_int_equal(backoff_delay(&b, 1, 0), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_grows_with_jitter_and_honours_retry_after),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
