/* tests/test_app_retry.c: the retry policy: what is retried, and delays (exponential, jittered,
 * capped, Retry-After first). */
#include "app/common/retry.h"

#include <errno.h>

#include "core/err.h"
#include "tests/support/corotest.h"

static void test_backoff_grows_with_jitter_and_honours_retry_after(void **state)
{
    struct retry_backoff b;
    unsigned n;
    int i;

    (void)state;
    retry_backoff_init(&b, 100, 2000, 5000, 42);
    for (i = 0; i < 100; i++) {
        for (n = 1; n <= 8; n++) {
            int64_t d = retry_backoff_delay(&b, n, -1), full = 100;
            unsigned j;

            for (j = 1; j < n && full < 2000; j++)
                full *= 2;
            if (full > 2000)
                full = 2000;
            assert_true(d >= full / 2 && d <= full); /* equal jitter */
        }
    }
    assert_int_equal(retry_backoff_delay(&b, 1, 3), 3000);   /* Retry-After wins */
    assert_int_equal(retry_backoff_delay(&b, 1, 60), 5000);  /* capped by max_wait */
    assert_int_equal(retry_backoff_delay(&b, 1, 0), 0);
}

static void test_retry_policy_retries_what_a_later_attempt_can_fix(void **state)
{
    static const long again[] = {429, 500, 502, 503, 504, 599};
    static const long final[] = {200, 204, 301, 400, 401, 403, 404, 410, 499, 600};
    static const int err_again[] = {CORE_EDNS, CORE_ECONNECT, -ETIMEDOUT, -ECONNRESET, CORE_EHTTP};
    static const int err_final[] = {CORE_ETLS, CORE_ETOOLARGE, CORE_ESCHEME, CORE_ECURL,
                                    -ECANCELED, -ENOMEM};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(again) / sizeof(again[0]); i++)
        assert_true(retry_is_worth_it(0, again[i]));
    for (i = 0; i < sizeof(final) / sizeof(final[0]); i++)
        assert_false(retry_is_worth_it(0, final[i]));
    for (i = 0; i < sizeof(err_again) / sizeof(err_again[0]); i++)
        assert_true(retry_is_worth_it(err_again[i], 0));
    for (i = 0; i < sizeof(err_final) / sizeof(err_final[0]); i++)
        assert_false(retry_is_worth_it(err_final[i], 0));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_grows_with_jitter_and_honours_retry_after),
        cmocka_unit_test(test_retry_policy_retries_what_a_later_attempt_can_fix),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
