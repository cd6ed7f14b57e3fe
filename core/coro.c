/* core/coro.c: coroutine bodies, parking and waking, cancellation, deadlines (see coro.h).
 *
 * A coroutine switches only between its own stack and the stack that resumed it (the loop's
 * stack, or a group being destroyed). park() records how to abort the wait, arms the deadline,
 * and switches away; wake() stores the result and puts the coroutine on the ready list; the
 * deadline timer and core_coro_cancel() go through the abort function. The three meet in one
 * place, end_park(), so a wait ends exactly once. */
#include "core/loop_int.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

#include "core/asan_int.h"
#include "core/tsan_int.h"
#include "core/group.h"
#include "core/mem.h"

static void coro_entry(void *arg)
{
    struct core_coro *co = arg;

    CORE__ASAN_FINISH_SWITCH(NULL, &co->caller_bottom, &co->caller_size);
    co->result = co->fn(co, co->arg);
    co->state = CORE__DONE;
    /* NULL: this stack's ASan fake frames die with it. */
    CORE__ASAN_START_SWITCH(NULL, co->caller_bottom, co->caller_size);
    CORE__TSAN_SWITCH(co->tsan_caller);
    core__ctx_switch(&co->ctx, &co->caller);
    abort(); /* a finished coroutine is never resumed */
}

static void on_deadline(struct core__timer *t);

int core__coro_start(struct core_loop *l, struct core_coro *co, size_t stack_size)
{
    int rc = core__stack_alloc(&l->stacks, stack_size, &co->stack);

    if (rc < 0)
        return rc;
    co->loop = l;
    core__list_init(&co->sched);
    core__list_init(&co->member);
    core__timer_init(&co->timer, on_deadline);
    co->scope_deadline = -1;
    core__ctx_make(&co->ctx, co->stack.lo, co->stack.size, coro_entry, co);
    co->tsan_fiber = CORE__TSAN_CREATE();
    l->live++;
    core__ready_push(l, co);
    return 0;
}

void core__coro_free(struct core_coro *co)
{
    core_free(co);
}

/* Switch back to whoever resumed us; returns when we are resumed again. */
static void suspend(struct core_coro *co)
{
    CORE__ASAN_START_SWITCH(&co->asan_fake, co->caller_bottom, co->caller_size);
    CORE__TSAN_SWITCH(co->tsan_caller);
    core__ctx_switch(&co->ctx, &co->caller);
    CORE__ASAN_FINISH_SWITCH(co->asan_fake, &co->caller_bottom, &co->caller_size);
}

/* The single way a park ends: record rc and make co ready. */
static void end_park(struct core_coro *co, int rc)
{
    assert(co->state == CORE__PARKED);
    core__loop_timer_remove(co->loop, &co->timer);
    co->abort = NULL;
    co->abort_arg = NULL;
    co->wake_rc = rc;
    core__ready_push(co->loop, co);
}

/* Try to leave the park early for reason; true when the wait has ended. */
static bool try_abort(struct core_coro *co, int reason)
{
    if (co->abort && !co->abort(co->abort_arg, reason))
        return false;
    end_park(co, reason);
    return true;
}

static void on_deadline(struct core__timer *t)
{
    struct core_coro *co = core__container(t, struct core_coro, timer);

    if (co->state == CORE__PARKED)
        try_abort(co, -ETIMEDOUT);
}

static int64_t earliest(int64_t a, int64_t b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

int core_coro_park(struct core_coro *co, int64_t deadline, core_coro_abort_fn *abort_fn,
                   void *arg)
{
    int rc;

    assert(co->state == CORE__RUNNING && co->loop->current == co);
    deadline = earliest(deadline, co->scope_deadline);
    co->abort = abort_fn;
    co->abort_arg = arg;
    co->state = CORE__PARKED;
    if (co->cancelled && co->shield == 0) {
        if (try_abort(co, -ECANCELED))
            goto done_now;
    } else if (deadline >= 0 && deadline <= core_now_ms()) {
        if (try_abort(co, -ETIMEDOUT))
            goto done_now;
    } else if (deadline >= 0) {
        rc = core__loop_timer_add(co->loop, &co->timer, deadline);
        if (rc < 0 && try_abort(co, rc))
            goto done_now;
    }
    suspend(co);
    return co->wake_rc;

done_now:
    /* The wait ended before it began: take ourselves back off the ready list. */
    core__ready_remove(co->loop, co);
    co->state = CORE__RUNNING;
    return co->wake_rc;
}

void core_coro_wake(struct core_coro *co, int rc)
{
    if (co->state == CORE__PARKED)
        end_park(co, rc);
}

void core_coro_cancel(struct core_coro *target)
{
    if (target->state == CORE__DONE)
        return;
    target->cancelled = true;
    if (target->state == CORE__PARKED && target->shield == 0)
        try_abort(target, -ECANCELED);
}

void core_coro_shield(struct core_coro *co, bool on)
{
    if (on)
        co->shield++;
    else if (co->shield > 0)
        co->shield--;
}

bool core_coro_is_cancelled(const struct core_coro *co)
{
    return co->cancelled;
}

bool core_coro_is_done(const struct core_coro *co)
{
    return co->state == CORE__DONE;
}

struct core_loop *core_coro_loop(const struct core_coro *co)
{
    return co->loop;
}

int core_coro_yield(struct core_coro *co)
{
    assert(co->state == CORE__RUNNING && co->loop->current == co);
    if (co->cancelled && co->shield == 0)
        return -ECANCELED;
    core__ready_push(co->loop, co);
    suspend(co);
    return 0;
}

int core_sleep(struct core_coro *co, int64_t deadline)
{
    int rc = core_coro_park(co, deadline, NULL, NULL);

    /* A timeout is the sleep's normal end, unless an enclosing core_wait_for ran out first. */
    if (rc == -ETIMEDOUT && deadline >= 0 && core_now_ms() >= deadline)
        return 0;
    return rc;
}

int core_wait_for(struct core_coro *co, int64_t deadline, core_coro_fn *fn, void *arg)
{
    int64_t saved = co->scope_deadline;
    int rc;

    co->scope_deadline = earliest(saved, deadline);
    rc = fn(co, arg);
    co->scope_deadline = saved;
    return rc;
}

/* --- join -------------------------------------------------------------------------------- */

static bool abort_join(void *arg, int reason)
{
    struct core_coro *target = arg;

    (void)reason;
    target->joiner = NULL;
    return true;
}

int core_coro_join(struct core_coro *co, struct core_coro *target, int64_t deadline,
                   int *result)
{
    int rc;

    assert(target->has_handle && target->joiner == NULL && target != co);
    if (target->state != CORE__DONE) {
        target->joiner = co;
        rc = core_coro_park(co, deadline, abort_join, target);
        if (rc < 0)
            return rc;
    }
    if (result)
        *result = target->result;
    core__list_remove(&target->member);
    core__coro_free(target);
    return 0;
}

int core_gather(struct core_coro *co, struct core_coro **hs, size_t n, int *results,
                int64_t deadline)
{
    size_t i;
    int rc;

    for (i = 0; i < n; i++) {
        rc = core_coro_join(co, hs[i], deadline, &results[i]);
        if (rc < 0)
            return rc;
        hs[i] = NULL;
    }
    return 0;
}
