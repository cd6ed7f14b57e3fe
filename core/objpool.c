/* core/objpool.c: same-size blocks reused in batches under one mutex (see objpool.h). */
#include "core/objpool.h"

#include <errno.h>
#include <string.h>
#include <uv.h>

#include "core/mem.h"

struct core_objpool {
    uv_mutex_t lock;
    size_t size;        /* bytes per block, at least a pointer */
    void *idle;         /* blocks given back, chained through their first word */
    size_t nidle;
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
    p->size = size < sizeof(void *) ? sizeof(void *) : size;
    *out = p;
    return 0;
}

void core_objpool_destroy(struct core_objpool *p)
{
    if (!p)
        return;
    while (p->idle) {
        void *b = p->idle;

        memcpy(&p->idle, b, sizeof(void *));
        core_free(b);
    }
    uv_mutex_destroy(&p->lock);
    core_free(p);
}

size_t core_objpool_get(struct core_objpool *p, void **blocks, size_t n)
{
    size_t got = 0, i;

    uv_mutex_lock(&p->lock);
    for (; got < n && p->idle; got++) {
        blocks[got] = p->idle;
        memcpy(&p->idle, p->idle, sizeof(void *));
        p->nidle--;
    }
    uv_mutex_unlock(&p->lock);
    for (i = 0; i < got; i++)
        memset(blocks[i], 0, p->size);
    /* the rest are new: allocated outside the lock, counted under it */
    for (i = got; got < n; got++) {
        blocks[got] = core_calloc(1, p->size);
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

void core_objpool_put(struct core_objpool *p, void *const *blocks, size_t n)
{
    void *head = NULL, *tail = NULL;
    size_t i, k = 0;

    /* chain them first, then splice the chain in under the lock */
    for (i = 0; i < n; i++) {
        if (!blocks[i])
            continue;
        memcpy(blocks[i], &head, sizeof(void *));
        if (!head)
            tail = blocks[i];
        head = blocks[i];
        k++;
    }
    if (!head)
        return;
    uv_mutex_lock(&p->lock);
    memcpy(tail, &p->idle, sizeof(void *));
    p->idle = head;
    p->nidle += k;
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
