/* tests/test_app_histogram.c: percentiles within the promised 1.6%. */
#include <math.h>
#include <stdlib.h>

#include "app/orders/histogram.h"
#include "tests/support/corotest.h"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static void test_histogram_quantiles_within_two_percent(void **state)
{
    static struct histogram h;
    static double v[20000];
    static const double qs[] = {0.5, 0.9, 0.95, 0.99, 0.999};
    size_t i, k;

    (void)state;
    histogram_init(&h);
    assert_true(histogram_quantile(&h, 0.5) == 0);
    srand(3);
    for (i = 0; i < 20000; i++) {
        /* log-uniform from 0.01 ms to 10 s: every octave gets samples */
        v[i] = 0.01 * pow(10.0, 6.0 * rand() / (double)RAND_MAX);
        histogram_add(&h, v[i]);
    }
    qsort(v, 20000, sizeof(v[0]), cmp);
    for (k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
        double want = v[(size_t)ceil(qs[k] * 20000) - 1], got = histogram_quantile(&h, qs[k]);
        double tol = want < 1.0 ? 1.0 / 64 : want * 0.016;

        if (fabs(got - want) > tol)
            fail_msg("q%.3f: got %f, want %f", qs[k], got, want);
    }
    assert_true(histogram_quantile(&h, 1.0) <= v[19999]);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_histogram_quantiles_within_two_percent),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
