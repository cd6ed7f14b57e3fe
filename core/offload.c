/* core/offload.c: thread-pool work awaited by a coroutine (see offload.h). */
#include "core/offload.h"

#include <errno.h>
#include <uv.h>

#include "core/coro.h"
#include "core/loop.h"

struct offload {
    uv_work_t req;
    struct core_coro *co;
    core_offload_fn *fn;
    void *arg;
    int result;
    int stop_reason;       /* why we tried to cancel: -ECANCELED or -ETIMEDOUT */
};

static void run_work(uv_work_t *req)
{
    struct offload *o = req->data;

    o->result = o->fn(o->arg);
}

static void after_work(uv_work_t *req, int status)
{
    struct offload *o = req->data;

    core_coro_wake(o->co, status == UV_ECANCELED ? o->stop_reason : o->result);
}

static bool abort_offload(void *arg, int reason)
{
    struct offload *o = arg;

    if (o->stop_reason == 0)
        o->stop_reason = reason;
    /* Either way after_work runs later and ends the wait: with UV_ECANCELED if the work had
     * not started, or with the result once it is done. */
    uv_cancel((uv_req_t *)&o->req);
    return false;
}

int core_offload(struct core_coro *co, core_offload_fn *fn, void *arg, int64_t deadline)
{
    struct offload o;
    int rc;

    o.req.data = &o;
    o.co = co;
    o.fn = fn;
    o.arg = arg;
    o.result = 0;
    o.stop_reason = 0;
    rc = uv_queue_work(core_loop_uv(core_coro_loop(co)), &o.req, run_work, after_work);
    if (rc < 0)
        return rc;
    return core_coro_park(co, deadline, abort_offload, &o);
}
