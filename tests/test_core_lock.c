/* tests/test_core_lock.c: mutual exclusion, ownership, FIFO hand-off. */
#include <errno.h>

#include "core/group.h"
#include "core/lock.h"
#include "core/loop.h"
#include "tests/support/corotest.h"

struct crit {
    struct core_lock *l;
    int inside;
    int violations;
    char log[64];
    int n;
};

struct who {
    struct crit *c;
    char name;
};

static int critical(struct core_coro *co, void *arg)
{
    struct who *w = arg;
    struct crit *c = w->c;
    int i;

    for (i = 0; i < 2; i++) {
        assert_int_equal(core_lock_acquire(co, c->l, -1), 0);
        if (c->inside++)
            c->violations++;
        c->log[c->n++] = w->name;
        assert_int_equal(core_coro_yield(co), 0); /* others run, but cannot enter */
        c->inside--;
        assert_int_equal(core_lock_release(co, c->l), 0);
    }
    return 0;
}

static int exclusion_body(struct core_coro *co, void *arg)
{
    struct crit c = {NULL, 0, 0, {0}, 0};
    struct who w[3] = {{&c, 'a'}, {&c, 'b'}, {&c, 'c'}};
    struct core_group *g;
    int i;

    (void)arg;
    assert_int_equal(core_lock_create(&c.l), 0);
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    for (i = 0; i < 3; i++)
        assert_int_equal(core_group_spawn(g, critical, &w[i], NULL), 0);
    assert_int_equal(core_group_wait(co, g, -1), 0);
    assert_int_equal(c.violations, 0);
    assert_string_equal(c.log, "abcabc"); /* FIFO hand-off: fair turns */
    assert_false(core_lock_is_locked(c.l));
    core_group_destroy(g);
    core_lock_destroy(c.l);
    return 0;
}

static void test_lock_excludes_and_hands_off_in_fifo_order(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(exclusion_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

struct holder {
    struct core_lock *l;
    int rc;
};

static int release_other(struct core_coro *co, void *arg)
{
    struct holder *h = arg;

    h->rc = core_lock_release(co, h->l);
    return 0;
}

static int ownership_body(struct core_coro *co, void *arg)
{
    struct core_lock *l;
    struct core_group *g;
    struct core_coro *hc;
    struct holder h;

    (void)arg;
    assert_int_equal(core_lock_create(&l), 0);
    assert_int_equal(core_group_create(core_coro_loop(co), 0, &g), 0);
    assert_int_equal(core_lock_release(co, l), -EPERM);
    assert_int_equal(core_lock_acquire(co, l, -1), 0);
    assert_true(core_lock_is_locked(l));
    assert_int_equal(core_lock_acquire(co, l, -1), -EDEADLK);
    h = (struct holder){l, 1};
    assert_int_equal(core_group_spawn(g, release_other, &h, &hc), 0);
    assert_int_equal(core_coro_join(co, hc, -1, NULL), 0);
    assert_int_equal(h.rc, -EPERM);
    assert_true(core_lock_is_locked(l));
    assert_int_equal(core_lock_release(co, l), 0);
    core_group_destroy(g);
    core_lock_destroy(l);
    return 0;
}

static void test_lock_only_owner_releases(void **state)
{
    (void)state;
    assert_int_equal(corotest_run(ownership_body, NULL, COROTEST_WATCHDOG_MS), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lock_excludes_and_hands_off_in_fifo_order),
        cmocka_unit_test(test_lock_only_owner_releases),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
