/* core/mem.c: allocation wrappers with overflow checks and test-only failure injection. */
#include "core/mem.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static atomic_long fail_countdown = -1;
/* Per thread, so that counting costs no shared cache line on every allocation. */
static _Thread_local unsigned long alloc_count;

/* True when this allocation must fail because a test asked for it. */
static int injected_failure(void)
{
    long n;

    alloc_count++;
    n = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
    if (n < 0)
        return 0;
    if (n == 0) {
        atomic_store(&fail_countdown, -1);
        return 1;
    }
    atomic_fetch_sub(&fail_countdown, 1);
    return 0;
}

void *core_malloc(size_t size)
{
    if (injected_failure())
        return NULL;
    return malloc(size ? size : 1);
}

void *core_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    if (injected_failure())
        return NULL;
    return calloc(n ? n : 1, size ? size : 1);
}

void *core_reallocarray(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    if (injected_failure())
        return NULL;
    n *= size;
    return realloc(p, n ? n : 1);
}

void core_free(void *p)
{
    free(p);
}

char *core_strndup(const char *s, size_t len)
{
    char *d;

    if (len == SIZE_MAX)
        return NULL;
    d = core_malloc(len + 1);
    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *core_strdup(const char *s)
{
    return core_strndup(s, strlen(s));
}

void core_mem_fail_after(long n)
{
    atomic_store(&fail_countdown, n);
}

unsigned long core_mem_allocs(void)
{
    return alloc_count;
}
