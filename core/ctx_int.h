/* core/ctx_int.h: the machine context switch under coroutines.
 *
 * A context is one saved stack pointer: switching pushes the callee-saved registers (and the
 * floating-point control words) on the current stack, stores the stack pointer, loads the
 * other one and pops. On x86-64 this is a dozen instructions (ctx_x86_64.S); other machines,
 * or a build with TRAWL_UCONTEXT=ON, use ucontext (ctx_ucontext.c), which is portable but
 * makes a sigprocmask system call per switch. bench/core measures both.
 *
 * Ownership: the stack memory belongs to the caller (core/stack.c); a context only points into
 * it. Loop thread only. */
#ifndef CORE_CTX_INT_H
#define CORE_CTX_INT_H

#include <stddef.h>

typedef void core__ctx_entry_fn(void *arg);

#if defined(__x86_64__) && !defined(TRAWL_UCONTEXT)
struct core__ctx {
    void *sp;
};
#define CORE__CTX_ASM 1
#else
#include <ucontext.h>
struct core__ctx {
    ucontext_t uc;
};
#endif

/* Prepare ctx to run entry(arg) on [stack, stack + size) when first switched to.
 * entry must never return: it ends by switching away for good. */
void core__ctx_make(struct core__ctx *ctx, void *stack, size_t size, core__ctx_entry_fn *entry,
                    void *arg);
/* Save the running context in from and continue in to. Returns when something switches back. */
void core__ctx_switch(struct core__ctx *from, struct core__ctx *to);

#endif
