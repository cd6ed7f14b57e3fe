/* core/timer.c: binary min-heap of deadlines (see timer_int.h). */
#include "core/timer_int.h"

#include <errno.h>
#include <stdbool.h>

#include "core/mem.h"

void core__timer_init(struct core__timer *t, core__timer_fn *fn)
{
    t->deadline = 0;
    t->seq = 0;
    t->idx = SIZE_MAX;
    t->fn = fn;
}

static bool before(const struct core__timer *a, const struct core__timer *b)
{
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void place(struct core__timer_heap *h, size_t i, struct core__timer *t)
{
    h->items[i] = t;
    t->idx = i;
}

static void sift_up(struct core__timer_heap *h, size_t i)
{
    struct core__timer *t = h->items[i];

    while (i > 0) {
        size_t parent = (i - 1) / 2;

        if (!before(t, h->items[parent]))
            break;
        place(h, i, h->items[parent]);
        i = parent;
    }
    place(h, i, t);
}

static void sift_down(struct core__timer_heap *h, size_t i)
{
    struct core__timer *t = h->items[i];

    for (;;) {
        size_t child = 2 * i + 1;

        if (child >= h->count)
            break;
        if (child + 1 < h->count && before(h->items[child + 1], h->items[child]))
            child++;
        if (!before(h->items[child], t))
            break;
        place(h, i, h->items[child]);
        i = child;
    }
    place(h, i, t);
}

int core__timer_heap_add(struct core__timer_heap *h, struct core__timer *t, int64_t deadline)
{
    if (t->idx != SIZE_MAX)
        core__timer_heap_remove(h, t);
    if (h->count == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 16;
        struct core__timer **items = core_reallocarray(h->items, cap, sizeof(*items));

        if (!items)
            return -ENOMEM;
        h->items = items;
        h->cap = cap;
    }
    t->deadline = deadline;
    t->seq = h->seq++;
    place(h, h->count++, t);
    sift_up(h, t->idx);
    return 0;
}

void core__timer_heap_remove(struct core__timer_heap *h, struct core__timer *t)
{
    size_t i = t->idx;
    struct core__timer *last;

    if (i == SIZE_MAX)
        return;
    t->idx = SIZE_MAX;
    last = h->items[--h->count];
    if (last == t)
        return;
    place(h, i, last);
    if (i > 0 && before(last, h->items[(i - 1) / 2]))
        sift_up(h, i);
    else
        sift_down(h, i);
}

struct core__timer *core__timer_heap_peek(const struct core__timer_heap *h)
{
    return h->count ? h->items[0] : NULL;
}

void core__timer_heap_free(struct core__timer_heap *h)
{
    core_free(h->items);
    h->items = NULL;
    h->count = 0;
    h->cap = 0;
}
