/* core/loop_int.h: what loop.c, coro.c and group.c share: the loop's fields, the coroutine's
 * fields, and the scheduler's entry points. No other folder includes this. */
#ifndef CORE_LOOP_INT_H
#define CORE_LOOP_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "core/coro.h"
#include "core/ctx_int.h"
#include "core/list_int.h"
#include "core/loop.h"
#include "core/stack_int.h"
#include "core/timer_int.h"

struct core_group;

struct core_loop {
    uv_loop_t uv;
    uv_idle_t idle;                 /* active while the ready list is not empty */
    uv_timer_t timer;               /* armed for the earliest deadline in timers */
    int64_t timer_due;              /* deadline timer is armed for, -1 when stopped */
    struct core__timer_heap timers;
    struct core__link ready;        /* coroutines to resume, FIFO */
    size_t nready;
    struct core__stack_cache stacks;
    struct core_coro *current;      /* running coroutine, NULL on the loop's own stack */
    size_t live;                    /* coroutines started and not finished */
    struct core__link orphans;      /* members of destroyed groups that could not stop yet */
    uint64_t switches;
    void *altstack;                 /* signal stack for the overflow handler, or NULL */
};

enum core__coro_state {
    CORE__READY,      /* in the ready list */
    CORE__RUNNING,    /* on the CPU (or resumed something that is) */
    CORE__PARKED,     /* waiting in core_coro_park */
    CORE__DONE        /* returned; stack released */
};

struct core_coro {
    struct core_loop *loop;
    struct core_group *group;           /* NULL once orphaned */
    struct core__link sched;            /* in loop->ready while READY */
    struct core__link member;           /* in the group's live or done list, or loop->orphans */
    struct core__ctx ctx;               /* this coroutine's saved context */
    struct core__ctx caller;            /* context that resumed it */
    struct core__stack stack;
    core_coro_fn *fn;
    void *arg;
    int result;
    enum core__coro_state state;
    bool cancelled;
    unsigned shield;                    /* > 0: cancellation waits until it drops to 0 */
    bool has_handle;                    /* someone may join it: keep the struct after it ends */
    int wake_rc;
    core_coro_abort_fn *abort;          /* how to leave the current park early */
    void *abort_arg;
    struct core__timer timer;           /* the current park's deadline */
    int64_t scope_deadline;             /* from core_wait_for, -1 = none */
    struct core_coro *joiner;           /* coroutine parked in core_coro_join on this one */
    void *asan_fake;                    /* ASan fiber bookkeeping */
    void *tsan_fiber;                   /* TSan: this coroutine's fiber, and its resumer's */
    void *tsan_caller;
    const void *caller_bottom;
    size_t caller_size;
};

/* Start co: allocate its stack and make it ready. 0 or -ENOMEM. */
int core__coro_start(struct core_loop *l, struct core_coro *co, size_t stack_size);
/* Switch to co now (it must be READY and out of the ready list). Returns when it parks,
 * yields or ends; an ended coroutine has been handed to core__group_member_done. */
void core__coro_resume(struct core_loop *l, struct core_coro *co);
void core__ready_push(struct core_loop *l, struct core_coro *co);
void core__ready_remove(struct core_loop *l, struct core_coro *co);
/* Arm or disarm the loop's deadline heap entries. 0 or -ENOMEM. */
int core__loop_timer_add(struct core_loop *l, struct core__timer *t, int64_t deadline);
void core__loop_timer_remove(struct core_loop *l, struct core__timer *t);
/* Called by the scheduler when a member of a group (or an orphan) has returned. */
void core__group_member_done(struct core_coro *co);
void core__coro_free(struct core_coro *co);

#endif
