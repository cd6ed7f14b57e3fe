/* core/mem.h: the only allocator trawl calls.
 *
 * Every allocation goes through here so that tests can count allocations and make the Nth one
 * fail (core_mem_fail_after), to prove that each error path returns -ENOMEM and leaks nothing.
 * core_calloc checks n * size for overflow; core_reallocarray does the same for arrays.
 *
 * Ownership: memory from these functions is freed with core_free (NULL is a no-op).
 * Thread-safe: offloaded work allocates on libuv's pool too. The failure countdown is atomic
 * (one process-wide setting, armed by tests) and the allocation count is per thread (shared
 * counting would bounce a cache line between cores on every allocation). Both exist for tests
 * and are the one piece of mutable global state in core/. */
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
/* Tests: number of allocations made by the calling thread so far (successful or not). */
unsigned long core_mem_allocs(void);

#endif
