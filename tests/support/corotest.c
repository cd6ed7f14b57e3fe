/* tests/support/corotest.c: see corotest.h. */
#include "tests/support/corotest.h"

#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "core/group.h"
#include "core/loop.h"

struct run {
    core_coro_fn *fn;
    void *arg;
    int result;
    int ran;
};

static void on_watchdog(uv_timer_t *t)
{
    (void)t;
    fprintf(stderr, "corotest: watchdog expired: the test hung\n");
    abort();
}

static int body(struct core_coro *co, void *arg)
{
    struct run *r = arg;

    r->result = r->fn(co, r->arg);
    r->ran = 1;
    return r->result;
}

static void on_closed(uv_handle_t *h)
{
    (void)h;
}

int corotest_run(core_coro_fn *fn, void *arg, int64_t watchdog_ms)
{
    struct core_loop *loop;
    struct core_group *g;
    struct run r = {fn, arg, 0, 0};
    uv_timer_t dog;
    int rc;

    assert_int_equal(core_loop_create(&loop), 0);
    assert_int_equal(core_group_create(loop, 0, &g), 0);
    uv_timer_init(core_loop_uv(loop), &dog);
    uv_timer_start(&dog, on_watchdog, (uint64_t)watchdog_ms, 0);
    uv_unref((uv_handle_t *)&dog); /* the watchdog alone must not keep the loop running */
    assert_int_equal(core_group_spawn(g, body, &r, NULL), 0);
    rc = core_loop_run(loop);
    if (rc != 0)
        fprintf(stderr, "corotest: loop ended with %s\n", core_strerror(rc));
    assert_int_equal(rc, 0);
    assert_true(r.ran);
    core_group_destroy(g);
    uv_close((uv_handle_t *)&dog, on_closed);
    core_loop_destroy(loop);
    return r.result;
}
