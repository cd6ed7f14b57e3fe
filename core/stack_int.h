/* core/stack_int.h: coroutine stacks with a guard page, and a small per-loop cache of them.
 *
 * A stack is one anonymous mapping: the lowest page is PROT_NONE, so running off the end of the
 * stack faults at once instead of overwriting whatever lies below it (core/coro.c turns that
 * fault into a clear message and an abort). Only touched pages cost physical memory.
 * Freed stacks of the default size are kept for reuse (up to CORE__STACK_CACHE) so that
 * spawning a coroutine costs no system call in steady state.
 *
 * Ownership: the cache belongs to a core_loop and is emptied by core__stack_cache_drain.
 * Loop thread only. */
#ifndef CORE_STACK_INT_H
#define CORE_STACK_INT_H

#include <stdbool.h>
#include <stddef.h>

#define CORE__STACK_CACHE 64

struct core__stack {
    void *base;    /* start of the mapping (the guard page) */
    size_t size;   /* usable bytes above the guard page */
    void *lo;      /* lowest usable byte */
};

struct core__stack_cache {
    struct core__stack items[CORE__STACK_CACHE];
    size_t count;
    size_t size;   /* the one size that is cached */
};

/* Map a stack of at least size usable bytes. 0 or -ENOMEM. */
int core__stack_alloc(struct core__stack_cache *c, size_t size, struct core__stack *out);
void core__stack_release(struct core__stack_cache *c, struct core__stack *s);
void core__stack_cache_drain(struct core__stack_cache *c);
/* True when addr lies in some stack's guard page region (used by the overflow handler). */
bool core__stack_addr_is_guard(const struct core__stack *s, const void *addr);
size_t core__page_size(void);

#endif
