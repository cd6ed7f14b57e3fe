/* tests/test_app_traps.c: repeated path segments and query-string caps. */
#include <stdio.h>
#include <string.h>

#include "app/crawl/traps.h"
#include "tests/support/corotest.h"

static bool check(struct traps *t, const char *url)
{
    return traps_check(t, url, strlen(url), strlen("http://h"));
}

static void test_traps_repeated_segments(void **state)
{
    struct traps *t;

    (void)state;
    assert_int_equal(traps_create(3, 0, &t), 0);
    assert_false(check(t, "http://h/"));
    assert_false(check(t, "http://h/a/b/c/d"));
    assert_false(check(t, "http://h/a/b/a/b/a/b"));     /* a three times: allowed */
    assert_true(check(t, "http://h/a/b/a/b/a/b/a/b"));  /* four times */
    assert_true(check(t, "http://h/x/x/x/x"));
    assert_false(check(t, "http://h/x/x/x?x/x/x/x"));   /* the query is not the path */
    assert_false(check(t, "http://h/ab/a/abc/a/a"));    /* whole segments only */
    traps_destroy(t);
}

static void test_traps_query_variants_capped_per_path(void **state)
{
    struct traps *t;
    char url[128];
    int i;

    (void)state;
    assert_int_equal(traps_create(0, 5, &t), 0);
    for (i = 0; i < 5; i++) {
        snprintf(url, sizeof(url), "http://h/cal?day=%d", i);
        assert_false(check(t, url));
    }
    assert_true(check(t, "http://h/cal?day=99"));
    assert_false(check(t, "http://h/cal"));            /* no query: not counted */
    assert_false(check(t, "http://h/other?day=1"));    /* another path has its own count */
    for (i = 0; i < 2000; i++) {                        /* many paths: the map grows */
        snprintf(url, sizeof(url), "http://h/p%d?x=1", i);
        assert_false(check(t, url));
    }
    assert_true(check(t, "http://h/cal?day=100"));
    traps_destroy(t);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_traps_repeated_segments),
        cmocka_unit_test(test_traps_query_variants_capped_per_path),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
