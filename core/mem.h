/* core/mem.h: the only allocator trawl calls.
 *
 * Every allocation goes through here so that tests can count allocations and make the Nth one
 * fail (core_mem_fail_after), to prove that each error path returns -ENOMEM and leaks nothing.
 * core_calloc checks n * size for overflow; core_reallocarray does the same for arrays.
 *
 * Ownership: memory from these functions is freed with core_free (NULL is a no-op).
 * Thread-safe: the counters are atomic, because offloaded work may allocate on libuv's pool.
 * The counters are the one piece of process-wide mutable state in core/, and exist for tests. */
#ifndef CORE_MEM_H
#define CORE_MEM_H

#include <stddef.h>

void *core_malloc(size_t size);
void *core_calloc(size_t n, size_t size);
void *core_reallocarray(void *p, size_t n, size_t size);
void core_free(void *p);
/* A copy of the first len bytes of s plus a NUL, or NULL when out of memory. */
char *core_strndup(const char *s, size_t len);
char *core_strdup(const char *s);

/* Tests: make the allocation after n more succeed fail (n = 0 fails the next one); -1 disarms. */
void core_mem_fail_after(long n);
/* Tests: number of allocations made since start (successful or not). */
unsigned long core_mem_allocs(void);

#endif
