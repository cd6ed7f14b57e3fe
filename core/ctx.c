/* core/ctx.c: sets up new machine contexts, and switches with ucontext where there is no
 * assembly version (see ctx_int.h). */
#include "core/ctx_int.h"

#include <stdint.h>
#include <string.h>

#ifdef CORE__CTX_ASM

void core__ctx_swap(struct core__ctx *from, struct core__ctx *to);
void core__ctx_trampoline(void);

void core__ctx_make(struct core__ctx *ctx, void *stack, size_t size, core__ctx_entry_fn *entry,
                    void *arg)
{
    /* The frame core__ctx_swap pops, lowest address first: control words, r15, r14, r13, r12,
     * rbx, rbp, return address. After the final ret, rsp is 16-byte aligned, so the call in the
     * trampoline enters entry() with the alignment the ABI promises. */
    uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
    uint64_t *sp = (uint64_t *)(top - 16) - 8;
    uint32_t ctl[2] = {0x1F80u, 0x037Fu}; /* default MXCSR, default x87 control word */

    memcpy(&sp[0], ctl, sizeof(ctl));
    sp[1] = 0;                              /* r15 */
    sp[2] = 0;                              /* r14 */
    sp[3] = (uint64_t)(uintptr_t)entry;     /* r13 */
    sp[4] = (uint64_t)(uintptr_t)arg;       /* r12 */
    sp[5] = 0;                              /* rbx */
    sp[6] = 0;                              /* rbp: ends frame-pointer walks */
    sp[7] = (uint64_t)(uintptr_t)core__ctx_trampoline;
    ctx->sp = sp;
}

void core__ctx_switch(struct core__ctx *from, struct core__ctx *to)
{
    core__ctx_swap(from, to);
}

#else

/* makecontext passes int arguments only, so the pointers travel as two 32-bit halves. */
static void uc_entry(unsigned int fn_hi, unsigned int fn_lo, unsigned int arg_hi,
                     unsigned int arg_lo)
{
    uintptr_t fn = ((uintptr_t)fn_hi << 16 << 16) | fn_lo;
    uintptr_t arg = ((uintptr_t)arg_hi << 16 << 16) | arg_lo;
    core__ctx_entry_fn *entry;

    memcpy(&entry, &fn, sizeof(entry));
    entry((void *)arg);
}

void core__ctx_make(struct core__ctx *ctx, void *stack, size_t size, core__ctx_entry_fn *entry,
                    void *arg)
{
    uintptr_t fn, a = (uintptr_t)arg;

    memcpy(&fn, &entry, sizeof(fn));
    getcontext(&ctx->uc);
    ctx->uc.uc_stack.ss_sp = stack;
    ctx->uc.uc_stack.ss_size = size;
    ctx->uc.uc_link = NULL;
    makecontext(&ctx->uc, (void (*)(void))uc_entry, 4, (unsigned int)(fn >> 16 >> 16),
                (unsigned int)(fn & 0xFFFFFFFFu), (unsigned int)(a >> 16 >> 16),
                (unsigned int)(a & 0xFFFFFFFFu));
}

void core__ctx_switch(struct core__ctx *from, struct core__ctx *to)
{
    swapcontext(&from->uc, &to->uc);
}

#endif
