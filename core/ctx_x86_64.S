/* core/ctx_x86_64.S: context switch for x86-64 System V (see ctx_int.h).
 *
 * core__ctx_switch(from, to): from and to point at struct core__ctx, whose first member is the
 * saved stack pointer. Saves rbp, rbx, r12-r15, MXCSR and the x87 control word; the caller has
 * already saved everything else, as the ABI allows. */
    .text

    .globl core__ctx_swap
    .hidden core__ctx_swap
    .type core__ctx_swap,@function
core__ctx_swap:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq (%rsi), %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size core__ctx_swap, .-core__ctx_swap

/* A new context's first switch "returns" here with the entry function in r13 and its argument
 * in r12 (see core__ctx_make). The entry function never returns; ud2 traps if it does. */
    .globl core__ctx_trampoline
    .hidden core__ctx_trampoline
    .type core__ctx_trampoline,@function
core__ctx_trampoline:
    movq %r12, %rdi
    callq *%r13
    ud2
    .size core__ctx_trampoline, .-core__ctx_trampoline

    .section .note.GNU-stack,"",@progbits
