/* core/loop.c: the scheduler and deadline heap of a core_loop (see loop.h).
 *
 * Ready coroutines are resumed from a uv_idle callback, at most CORE_LOOP_BUDGET per loop
 * iteration, so that a busy set of coroutines cannot starve I/O. An active idle handle also
 * makes libuv poll without blocking, which is what we want while work is ready. Deadlines are
 * kept in core__timer_heap and one uv_timer is armed for the earliest. */
#include "core/loop_int.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/asan_int.h"
#include "core/tsan_int.h"
#include "core/group.h"
#include "core/mem.h"

int64_t core_now_ms(void)
{
    return (int64_t)(uv_hrtime() / 1000000u);
}

int64_t core_deadline_in(int64_t ms)
{
    return ms < 0 ? -1 : core_now_ms() + ms;
}

/* --- stack overflow reporting --------------------------------------------------------------
 * A coroutine that runs off its stack hits the guard page. The handler runs on an alternate
 * signal stack, says what happened if the fault is in the running coroutine's guard zone, and
 * restores the previous action so the fault kills the process as it would have anyway. The
 * running stack is published in a thread-local for the handler: the only way a signal handler
 * can know it. ASan builds leave SIGSEGV to ASan, which reports it in its own words. */

static _Thread_local const struct core__stack *tls_running_stack;

#ifndef CORE__ASAN
static struct sigaction prev_segv;

static void on_segv(int sig, siginfo_t *si, void *uctx)
{
    static const char msg[] = "trawl: coroutine stack overflow (guard page hit); aborting\n";
    const struct core__stack *s = tls_running_stack;

    (void)uctx;
    if (s && core__stack_addr_is_guard(s, si->si_addr)) {
        ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);

        (void)w;
    }
    /* Return into the faulting instruction with the old disposition: it faults again and the
     * process ends exactly as it would have without us (signal, core dump). */
    sigaction(sig, &prev_segv, NULL);
}
#endif

static void install_overflow_handler(struct core_loop *l)
{
#ifndef CORE__ASAN
    stack_t ss, old;
    struct sigaction sa, cur;
    size_t size = 64u * 1024u;

    if (sigaltstack(NULL, &old) == 0 && !(old.ss_flags & SS_DISABLE))
        goto handler; /* someone already gave this thread a signal stack */
    l->altstack = core_malloc(size);
    if (!l->altstack)
        return;
    memset(&ss, 0, sizeof(ss));
    ss.ss_sp = l->altstack;
    ss.ss_size = size;
    if (sigaltstack(&ss, NULL) != 0) {
        core_free(l->altstack);
        l->altstack = NULL;
        return;
    }
handler:
    if (sigaction(SIGSEGV, NULL, &cur) == 0 && cur.sa_sigaction == on_segv)
        return;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &prev_segv);
#else
    (void)l;
#endif
}

static void remove_overflow_handler(struct core_loop *l)
{
    stack_t ss;

    if (!l->altstack)
        return;
    memset(&ss, 0, sizeof(ss));
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    core_free(l->altstack);
    l->altstack = NULL;
}

/* --- scheduler --------------------------------------------------------------------------- */

static void on_idle(uv_idle_t *h)
{
    struct core_loop *l = h->data;
    unsigned budget = CORE_LOOP_BUDGET;
    struct core__link *n;

    while (budget-- > 0 && (n = core__list_pop_front(&l->ready)) != NULL) {
        l->nready--;
        core__coro_resume(l, core__container(n, struct core_coro, sched));
    }
    if (l->nready == 0)
        uv_idle_stop(&l->idle);
}

void core__ready_push(struct core_loop *l, struct core_coro *co)
{
    co->state = CORE__READY;
    core__list_push_back(&l->ready, &co->sched);
    if (l->nready++ == 0)
        uv_idle_start(&l->idle, on_idle);
}

void core__ready_remove(struct core_loop *l, struct core_coro *co)
{
    core__list_remove(&co->sched);
    l->nready--;
}

void core__coro_resume(struct core_loop *l, struct core_coro *co)
{
    struct core_coro *prev = l->current;
    const struct core__stack *prev_stack = tls_running_stack;
    void *fake = NULL;

    co->state = CORE__RUNNING;
    l->current = co;
    l->switches++;
    tls_running_stack = &co->stack;
    CORE__ASAN_START_SWITCH(&fake, co->stack.lo, co->stack.size);
    co->tsan_caller = CORE__TSAN_CURRENT();
    CORE__TSAN_SWITCH(co->tsan_fiber);
    core__ctx_switch(&co->caller, &co->ctx);
    CORE__ASAN_FINISH_SWITCH(fake, NULL, NULL);
    tls_running_stack = prev_stack;
    l->current = prev;
    if (co->state == CORE__DONE) {
        /* Its stack can only be released from another stack: here. */
        core__stack_release(&l->stacks, &co->stack);
        CORE__TSAN_DESTROY(co->tsan_fiber);
        l->live--;
        core__group_member_done(co);
    }
}

/* --- deadlines --------------------------------------------------------------------------- */

static void on_timer(uv_timer_t *h);

static void arm(struct core_loop *l)
{
    struct core__timer *t = core__timer_heap_peek(&l->timers);
    int64_t delay;

    if (!t) {
        if (l->timer_due != -1) {
            uv_timer_stop(&l->timer);
            l->timer_due = -1;
        }
        return;
    }
    if (t->deadline == l->timer_due)
        return;
    delay = t->deadline - core_now_ms();
    if (delay < 0)
        delay = 0;
    l->timer_due = t->deadline;
    uv_timer_start(&l->timer, on_timer, (uint64_t)delay, 0);
}

static void on_timer(uv_timer_t *h)
{
    struct core_loop *l = h->data;
    int64_t now = core_now_ms();
    struct core__timer *t;

    l->timer_due = -1;
    /* libuv's clock is cached per iteration, so a timer may fire a little early: entries that
     * are not yet due stay, and the timer is re-armed for them. */
    while ((t = core__timer_heap_peek(&l->timers)) != NULL && t->deadline <= now) {
        core__timer_heap_remove(&l->timers, t);
        t->fn(t);
    }
    arm(l);
}

int core__loop_timer_add(struct core_loop *l, struct core__timer *t, int64_t deadline)
{
    int rc = core__timer_heap_add(&l->timers, t, deadline);

    if (rc == 0)
        arm(l);
    return rc;
}

void core__loop_timer_remove(struct core_loop *l, struct core__timer *t)
{
    if (t->idx == SIZE_MAX)
        return;
    core__timer_heap_remove(&l->timers, t);
    /* Leaving the uv_timer armed for a removed deadline costs one spurious wake-up at most;
     * stopping it at once when the heap empties lets the loop end without waiting for it. */
    if (l->timers.count == 0)
        arm(l);
}

/* --- lifetime ---------------------------------------------------------------------------- */

int core_loop_create(struct core_loop **out)
{
    struct core_loop *l = core_calloc(1, sizeof(*l));
    int rc;

    if (!l)
        return -ENOMEM;
    rc = uv_loop_init(&l->uv);
    if (rc < 0)
        goto out_free;
    uv_idle_init(&l->uv, &l->idle);
    uv_timer_init(&l->uv, &l->timer);
    l->idle.data = l;
    l->timer.data = l;
    l->timer_due = -1;
    core__list_init(&l->ready);
    core__list_init(&l->orphans);
    l->stacks.size = CORE_STACK_DEFAULT;
    install_overflow_handler(l);
    *out = l;
    return 0;

out_free:
    core_free(l);
    return rc;
}

int core_loop_run(struct core_loop *l)
{
    uv_run(&l->uv, UV_RUN_DEFAULT);
    return l->live > (size_t)0 ? CORE_EDEADLK : 0;
}

static void close_leftover(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

void core_loop_destroy(struct core_loop *l)
{
    if (!l)
        return;
    /* Orphans are waiting for operations that cannot be interrupted; let those end. */
    while (!core__list_empty(&l->orphans))
        if (uv_run(&l->uv, UV_RUN_ONCE) == 0 && !core__list_empty(&l->orphans))
            abort(); /* an orphan waits on nothing: a bug in whatever parked it */
    uv_close((uv_handle_t *)&l->idle, NULL);
    uv_close((uv_handle_t *)&l->timer, NULL);
    uv_run(&l->uv, UV_RUN_DEFAULT);
    if (uv_loop_close(&l->uv) != 0) {
        /* Someone left a handle open. Close it rather than leak the loop. */
        uv_walk(&l->uv, close_leftover, NULL);
        uv_run(&l->uv, UV_RUN_DEFAULT);
        uv_loop_close(&l->uv);
    }
    core__timer_heap_free(&l->timers);
    core__stack_cache_drain(&l->stacks);
    remove_overflow_handler(l);
    core_free(l);
}

uv_loop_t *core_loop_uv(struct core_loop *l)
{
    return &l->uv;
}

void core_loop_stats(const struct core_loop *l, struct core_loop_stats *out)
{
    out->switches = l->switches;
    out->live = l->live;
    out->ready = l->nready;
    out->timers = l->timers.count;
}
