/* core/stack.c: guarded coroutine stacks (see stack_int.h). */
#include "core/stack_int.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/asan_int.h"

size_t core__page_size(void)
{
    long p = sysconf(_SC_PAGESIZE);

    return p > 0 ? (size_t)p : 4096u;
}

static size_t round_up(size_t n, size_t to)
{
    return (n + to - 1) / to * to;
}

int core__stack_alloc(struct core__stack_cache *c, size_t size, struct core__stack *out)
{
    size_t page = core__page_size();
    void *base;

    size = round_up(size, page);
    if (size == c->size && c->count > 0) {
        *out = c->items[--c->count];
        return 0;
    }
    base = mmap(NULL, size + page, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (base == MAP_FAILED)
        return -ENOMEM;
    if (mprotect(base, page, PROT_NONE) != 0) {
        munmap(base, size + page);
        return -ENOMEM;
    }
    out->base = base;
    out->size = size;
    out->lo = (char *)base + page;
    return 0;
}

void core__stack_release(struct core__stack_cache *c, struct core__stack *s)
{
    if (s->size == c->size && c->count < CORE__STACK_CACHE) {
        /* Frames that died on this stack may have left ASan poison behind. */
        CORE__ASAN_UNPOISON(s->lo, s->size);
        c->items[c->count++] = *s;
        return;
    }
    munmap(s->base, s->size + core__page_size());
}

void core__stack_cache_drain(struct core__stack_cache *c)
{
    while (c->count > 0) {
        struct core__stack *s = &c->items[--c->count];

        munmap(s->base, s->size + core__page_size());
    }
}

bool core__stack_addr_is_guard(const struct core__stack *s, const void *addr)
{
    uintptr_t a = (uintptr_t)addr, lo = (uintptr_t)s->lo;

    /* The guard page, plus a page below it: a large frame can skip past the guard. */
    return a < lo && a + 2 * core__page_size() >= lo;
}
