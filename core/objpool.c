/* core/objpool.c: same-size blocks reused in batches under one mutex (see objpool.h).
 *
 * Idle blocks are kept as an array of pointers, not a list threaded through the blocks: taking
 * a batch is then one memcpy under the lock, and the blocks themselves are first touched
 * outside it, all addresses known at once (a list would make every block a dependent cache
 * miss, under the lock). */
#include "core/objpool.h"

#include <errno.h>
#include <string.h>
#include <uv.h>

#include "core/mem.h"

struct core_objpool {
    uv_mutex_t lock;
    size_t size;        /* bytes per block */
    void **idle;        /* blocks given back: idle[0..nidle) */
    size_t nidle;
    size_t cap;         /* room in idle */
    size_t made;        /* blocks allocated so far */
};

int core_objpool_create(size_t size, struct core_objpool **out)
{
    struct core_objpool *p;
    int rc;

    if (size == 0)
        return -EINVAL;
    p = core_calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    rc = uv_mutex_init(&p->lock);
    if (rc < 0) {
        core_free(p);
        return rc;
    }
    p->size = size;
    *out = p;
    return 0;
}

void core_objpool_destroy(struct core_objpool *p)
{
    size_t i;

    if (!p)
        return;
    for (i = 0; i < p->nidle; i++)
        core_free(p->idle[i]);
    core_free(p->idle);
    uv_mutex_destroy(&p->lock);
    core_free(p);
}

size_t core_objpool_get(struct core_objpool *p, void **blocks, size_t n)
{
    size_t got = 0, i;

    uv_mutex_lock(&p->lock);
    got = n < p->nidle ? n : p->nidle;
    p->nidle -= got;
    if (got)
        memcpy(blocks, p->idle + p->nidle, got * sizeof(void *));
    uv_mutex_unlock(&p->lock);
    /* the rest are new: allocated outside the lock, counted under it */
    for (i = got; got < n; got++) {
        blocks[got] = core_malloc(p->size);
        if (!blocks[got])
            break;
    }
    if (got > i) {
        uv_mutex_lock(&p->lock);
        p->made += got - i;
        uv_mutex_unlock(&p->lock);
    }
    return got;
}

/* Room for n more idle blocks (lock held). The array only grows past the most blocks that
 * were ever idle at once. */
static int reserve(struct core_objpool *p, size_t n)
{
    size_t cap = p->cap ? p->cap : 64;
    void **idle;

    if (p->nidle + n <= p->cap)
        return 0;
    while (cap < p->nidle + n)
        cap *= 2;
    idle = core_reallocarray(p->idle, cap, sizeof(void *));
    if (!idle)
        return -ENOMEM;
    p->idle = idle;
    p->cap = cap;
    return 0;
}

void core_objpool_put(struct core_objpool *p, void *const *blocks, size_t n)
{
    size_t i;

    uv_mutex_lock(&p->lock);
    if (reserve(p, n) < 0) {
        /* no room to keep them: give them back to the allocator instead */
        uv_mutex_unlock(&p->lock);
        for (i = 0; i < n; i++)
            core_free(blocks[i]);
        return;
    }
    for (i = 0; i < n; i++)
        if (blocks[i])
            p->idle[p->nidle++] = blocks[i];
    uv_mutex_unlock(&p->lock);
}

size_t core_objpool_made(struct core_objpool *p)
{
    size_t n;

    uv_mutex_lock(&p->lock);
    n = p->made;
    uv_mutex_unlock(&p->lock);
    return n;
}

size_t core_objpool_idle(struct core_objpool *p)
{
    size_t n;

    uv_mutex_lock(&p->lock);
    n = p->nidle;
    uv_mutex_unlock(&p->lock);
    return n;
}
