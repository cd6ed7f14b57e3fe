/* tests/test_app_dedup.c: the payload-digest table behind revisit records: find and add, the
 * first capture kept, the entry cap, growth to many entries, allocation failures. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app/export/dedup.h"
#include "core/mem.h"
#include "tests/support/corotest.h"

static void digest_of(unsigned i, char *out)
{
    char text[32];

    snprintf(text, sizeof(text), "payload %u", i);
    app_warcrec_sha1(text, strlen(text), out);
}

static void test_dedup_find_add_and_first_capture_stays(void **state)
{
    struct app_dedup *d;
    struct app_dedup_hit hit;
    struct app_warc_id id, other;
    char dg[APP_WARC_DIGEST_LEN + 1];

    (void)state;
    assert_int_equal(app_warcrec_new_id(&id), 0);
    assert_int_equal(app_warcrec_new_id(&other), 0);
    digest_of(1, dg);
    assert_int_equal(app_dedup_create(0, &d), 0);
    assert_false(app_dedup_find(d, dg, &hit));
    assert_int_equal(app_dedup_add(d, dg, "https://example.org/a", 1000, &id), 0);
    assert_int_equal(app_dedup_add(d, dg, "https://example.org/b", 2000, &other), -EEXIST);
    assert_true(app_dedup_find(d, dg, &hit));
    assert_string_equal(hit.uri, "https://example.org/a");
    assert_int_equal(hit.date_ms, 1000);
    assert_string_equal(hit.id->s, id.s);
    assert_int_equal(app_dedup_count(d), 1);
    assert_int_equal(app_dedup_add(d, "sha1:this-is-not-a-digest-of-the-right-length", "u", 0,
                                   &id),
                     -EINVAL);
    app_dedup_destroy(d);
    app_dedup_destroy(NULL);
}

static void test_dedup_many_entries_and_the_cap(void **state)
{
    struct app_dedup *d;
    struct app_dedup_hit hit;
    struct app_warc_id id;
    char dg[APP_WARC_DIGEST_LEN + 1], uri[64];
    unsigned i;

    (void)state;
    assert_int_equal(app_warcrec_new_id(&id), 0);
    assert_int_equal(app_dedup_create(20000, &d), 0);
    for (i = 0; i < 20000; i++) {
        digest_of(i, dg);
        snprintf(uri, sizeof(uri), "https://example.org/%u", i);
        assert_int_equal(app_dedup_add(d, dg, uri, i, &id), 0);
    }
    digest_of(20000, dg);
    assert_int_equal(app_dedup_add(d, dg, "https://example.org/full", 0, &id), CORE_EFULL);
    assert_false(app_dedup_find(d, dg, &hit));
    for (i = 0; i < 20000; i++) {
        digest_of(i, dg);
        snprintf(uri, sizeof(uri), "https://example.org/%u", i);
        assert_true(app_dedup_find(d, dg, &hit));
        assert_string_equal(hit.uri, uri);
        assert_int_equal(hit.date_ms, i);
    }
    assert_int_equal(app_dedup_count(d), 20000);
    app_dedup_destroy(d);
}

static void test_dedup_allocation_failures(void **state)
{
    struct app_dedup *d;
    struct app_dedup_hit hit;
    struct app_warc_id id;
    char dg[APP_WARC_DIGEST_LEN + 1];
    unsigned i, failures = 0;
    long n;
    int rc;

    (void)state;
    assert_int_equal(app_warcrec_new_id(&id), 0);
    for (n = 0; n < 2; n++) {
        core_mem_fail_after(n);
        rc = app_dedup_create(0, &d);
        core_mem_fail_after(-1);
        assert_int_equal(rc, -ENOMEM);
    }
    assert_int_equal(app_dedup_create(0, &d), 0);
    for (i = 0; i < 200; i++) {   /* growing and copying URIs fail now and then */
        digest_of(i, dg);
        core_mem_fail_after(i % 3 == 0 ? 0 : -1);
        rc = app_dedup_add(d, dg, "https://example.org/", i, &id);
        core_mem_fail_after(-1);
        if (rc == -ENOMEM) {
            failures++;
            assert_false(app_dedup_find(d, dg, &hit));
        } else {
            assert_int_equal(rc, 0);
            assert_true(app_dedup_find(d, dg, &hit));
        }
    }
    assert_true(failures > 0);
    app_dedup_destroy(d);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dedup_find_add_and_first_capture_stays),
        cmocka_unit_test(test_dedup_many_entries_and_the_cap),
        cmocka_unit_test(test_dedup_allocation_failures),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
