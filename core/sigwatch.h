/* core/sigwatch.h: SIGINT/SIGTERM turned into a stop request on the loop.
 *
 * The signals are caught with uv_signal, so the application sees them as ordinary loop events,
 * never inside a signal handler. The first signal raises the stop level to CORE_STOP_GRACEFUL
 * (stop taking new work, finish what is in flight); the second to CORE_STOP_IMMEDIATE (abort
 * what is in flight, still leaving valid output); a third restores the default action and
 * re-raises, so a stuck program can always be killed from the keyboard. Each change calls the
 * callback and sets an event that coroutines can wait for. The watcher does not keep the loop
 * alive by itself.
 *
 * Ownership: create/destroy; the loop is borrowed and must outlive the watcher (destroy closes
 * its handles, which completes on the loop's next turn or in core_loop_destroy). Loop thread
 * only; one watcher per process. */
#ifndef CORE_SIGWATCH_H
#define CORE_SIGWATCH_H

#include <stdint.h>

#include "core/err.h"

struct core_loop;
struct core_coro;
struct core_sigwatch;

enum core_stop_level {
    CORE_STOP_NONE = 0,
    CORE_STOP_GRACEFUL = 1,
    CORE_STOP_IMMEDIATE = 2
};

/* Called on the loop each time the level rises; signum is the signal that raised it. */
typedef void core_sigwatch_fn(enum core_stop_level level, int signum, void *arg);

CORE_MUST_CHECK int core_sigwatch_create(struct core_loop *loop, core_sigwatch_fn *fn,
                                         void *arg, struct core_sigwatch **out);
void core_sigwatch_destroy(struct core_sigwatch *w);
enum core_stop_level core_sigwatch_level(const struct core_sigwatch *w);
/* The signal that first raised the level, or 0. */
int core_sigwatch_signum(const struct core_sigwatch *w);
/* Raise the level as a signal would (for a --timeout or a fatal error elsewhere). */
void core_sigwatch_request(struct core_sigwatch *w, enum core_stop_level level);
/* Wait until the level is at least CORE_STOP_GRACEFUL. 0, -ETIMEDOUT or -ECANCELED. */
int core_sigwatch_wait(struct core_coro *co, struct core_sigwatch *w, int64_t deadline);

#endif
