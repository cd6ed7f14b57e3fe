/* core/sigwatch.c: two-stage stop on SIGINT/SIGTERM via uv_signal (see sigwatch.h). */
#include "core/sigwatch.h"

#include <errno.h>
#include <signal.h>
#include <uv.h>

#include "core/event.h"
#include "core/loop.h"
#include "core/mem.h"

struct core_sigwatch {
    uv_signal_t sigint;
    uv_signal_t sigterm;
    struct core_event *stopped;
    core_sigwatch_fn *fn;
    void *arg;
    enum core_stop_level level;
    int signum;
    int open_handles;   /* close callbacks still to come */
};

static void raise_level(struct core_sigwatch *w, enum core_stop_level level, int signum)
{
    if (level <= w->level)
        return;
    w->level = level;
    if (!w->signum)
        w->signum = signum;
    core_event_set(w->stopped);
    if (w->fn)
        w->fn(level, signum, w->arg);
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct core_sigwatch *w = h->data;

    if (w->level == CORE_STOP_IMMEDIATE) {
        /* Two requests did not stop the program: let the signal do what it normally does. */
        uv_signal_stop(&w->sigint);
        uv_signal_stop(&w->sigterm);
        signal(signum, SIG_DFL);
        raise(signum);
        return;
    }
    raise_level(w, w->level == CORE_STOP_NONE ? CORE_STOP_GRACEFUL : CORE_STOP_IMMEDIATE, signum);
}

int core_sigwatch_create(struct core_loop *loop, core_sigwatch_fn *fn, void *arg,
                         struct core_sigwatch **out)
{
    struct core_sigwatch *w = core_calloc(1, sizeof(*w));
    uv_loop_t *uv = core_loop_uv(loop);
    int rc;

    if (!w)
        return -ENOMEM;
    rc = core_event_create(&w->stopped);
    if (rc < 0)
        goto out_free;
    w->fn = fn;
    w->arg = arg;
    uv_signal_init(uv, &w->sigint);
    uv_signal_init(uv, &w->sigterm);
    w->sigint.data = w;
    w->sigterm.data = w;
    rc = uv_signal_start(&w->sigint, on_signal, SIGINT);
    if (rc == 0)
        rc = uv_signal_start(&w->sigterm, on_signal, SIGTERM);
    if (rc < 0)
        goto out_close;
    /* Waiting for a signal must not keep an otherwise finished program running. */
    uv_unref((uv_handle_t *)&w->sigint);
    uv_unref((uv_handle_t *)&w->sigterm);
    *out = w;
    return 0;

out_close:
    core_sigwatch_destroy(w);
    return rc;
out_free:
    core_free(w);
    return rc;
}

static void on_closed(uv_handle_t *h)
{
    struct core_sigwatch *w = h->data;

    if (--w->open_handles == 0) {
        core_event_destroy(w->stopped);
        core_free(w);
    }
}

void core_sigwatch_destroy(struct core_sigwatch *w)
{
    if (!w)
        return;
    w->open_handles = 2;
    uv_close((uv_handle_t *)&w->sigint, on_closed);
    uv_close((uv_handle_t *)&w->sigterm, on_closed);
}

enum core_stop_level core_sigwatch_level(const struct core_sigwatch *w)
{
    return w->level;
}

int core_sigwatch_signum(const struct core_sigwatch *w)
{
    return w->signum;
}

void core_sigwatch_request(struct core_sigwatch *w, enum core_stop_level level)
{
    raise_level(w, level, 0);
}

int core_sigwatch_wait(struct core_coro *co, struct core_sigwatch *w, int64_t deadline)
{
    return core_event_wait(co, w->stopped, deadline);
}
