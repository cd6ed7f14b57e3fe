/* app/common/stopper.h: the two-stage stop of both engines, as one coroutine.
 *
 * On the first stop request (Ctrl-C or SIGTERM, from core/sigwatch.h) the engine stops taking
 * new work (on_stop); what is in flight then has grace_ms to finish. When the grace is over, or
 * at a second request, whichever comes first, the work in flight is cancelled (on_abort). A
 * run that ends before any request simply cancels the stopper's group.
 *
 * Ownership: struct stopper is a plain struct the engine fills in and keeps alive (with the
 * sigwatch and arg) until the coroutine has ended. Loop thread only. */
#ifndef APP_COMMON_STOPPER_H
#define APP_COMMON_STOPPER_H

#include <stdint.h>

#include "core/coro.h"
#include "core/sigwatch.h"

struct stopper {
    struct core_sigwatch *stop;
    int64_t grace_ms;              /* how long work in flight may finish after the first request */
    void (*on_stop)(void *arg);    /* first request: stop taking new work */
    void (*on_abort)(void *arg);   /* grace over or second request: cancel the work in flight */
    void *arg;
};

/* The stopper coroutine (a core_coro_fn: spawn it with a struct stopper * as its argument).
 * Returns 0, also when cancelled. */
int stopper_run(struct core_coro *co, void *stopper);

#endif
