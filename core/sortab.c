/* core/sortab.c: growing a sorted open-addressing table in place (see sortab.h). */
#include "core/sortab.h"

#include <errno.h>
#include <string.h>

#include "core/mem.h"

/* Walk the entries in order and place each at max(its home for cap, previous place + 1): the
 * layout the table will have with cap home slots. Marks the places in bits when non-NULL and
 * returns one past the last place (0 when empty). */
static size_t layout(const struct core_sortab *t, size_t cap, uint64_t *bits)
{
    size_t i, next = 0, p;

    for (i = 0; i < t->nslots; i++) {
        if (t->slots[i] == 0)
            continue;
        p = core_sortab_home(t, t->slots[i] >> t->shift, cap);
        if (p < next)
            p = next;
        if (bits)
            bits[p / 64] |= (uint64_t)1 << (p % 64);
        next = p + 1;
    }
    return next;
}

/* The highest set bit of bits below index q (one is known to exist). */
static size_t prev_bit(const uint64_t *bits, size_t q)
{
    size_t w;
    uint64_t m;

    q--;
    w = q / 64;
    m = bits[w] & (~(uint64_t)0 >> (63 - q % 64));
    while (m == 0)
        m = bits[--w];
    return w * 64 + 63 - (size_t)__builtin_clzll(m);
}

/* The new layout puts every entry at or after its old slot (homes only move right, and by
 * induction so do places), so moving entries from the last to the first never overwrites one
 * that has not moved yet; realloc of a large block is an mremap, without a copy. */
int core_sortab_grow(struct core_sortab *t, size_t cap, size_t tail)
{
    size_t nslots, end, i, q;
    uint64_t *bits, *slots;

    if (cap < t->cap)
        cap = t->cap;
    if (cap > SIZE_MAX / 16 || tail > SIZE_MAX / 16)
        return -ENOMEM;
    end = layout(t, cap, NULL);
    nslots = cap + tail;
    if (nslots < end + 2)
        nslots = end + 2;     /* the last slot stays empty even after the next insertion */
    if (nslots < t->nslots)
        nslots = t->nslots;   /* entries are moved after the realloc: never shrink */
    bits = core_calloc((nslots + 63) / 64, sizeof(*bits));
    if (!bits)
        return -ENOMEM;
    slots = core_reallocarray(t->slots, nslots, sizeof(*slots));
    if (!slots) {
        core_free(bits);
        return -ENOMEM;
    }
    t->slots = slots;
    layout(t, cap, bits);
    memset(slots + t->nslots, 0, (nslots - t->nslots) * sizeof(*slots));
    q = nslots;
    for (i = t->nslots; i-- > 0;) {
        const uint64_t e = slots[i];

        if (e == 0)
            continue;
        q = prev_bit(bits, q);
        slots[i] = 0;
        slots[q] = e;
    }
    core_free(bits);
    t->cap = cap;
    t->nslots = nslots;
    return 0;
}

int core_sortab_extend(struct core_sortab *t, size_t tail)
{
    uint64_t *slots;

    if (t->nslots > SIZE_MAX / 16 || tail > SIZE_MAX / 16)
        return -ENOMEM;
    slots = core_reallocarray(t->slots, t->nslots + tail, sizeof(*slots));
    if (!slots)
        return -ENOMEM;
    memset(slots + t->nslots, 0, tail * sizeof(*slots));
    t->slots = slots;
    t->nslots += tail;
    return 0;
}

void core_sortab_free(struct core_sortab *t)
{
    core_free(t->slots);
    t->slots = NULL;
    t->cap = t->nslots = 0;
}
