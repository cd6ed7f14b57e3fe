/* app/common/stopper.c: the two-stage stop of both engines (see stopper.h). */
#include "app/common/stopper.h"

#include "core/loop.h"

int stopper_run(struct core_coro *co, void *arg)
{
    const struct stopper *s = arg;
    int64_t deadline;

    if (core_sigwatch_wait(co, s->stop, -1) < 0)
        return 0;
    s->on_stop(s->arg);
    deadline = core_deadline_in(s->grace_ms);
    /* the second request has no wake-up of its own: look at the level every 20 ms */
    while (core_sigwatch_level(s->stop) < CORE_STOP_IMMEDIATE && core_now_ms() < deadline) {
        int64_t next = core_deadline_in(20);

        if (core_sleep(co, next < deadline ? next : deadline) < 0)
            return 0;
    }
    s->on_abort(s->arg);
    return 0;
}
