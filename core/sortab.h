/* core/sortab.h: a sorted open-addressing table of 64-bit entries: the storage under the
 * crawler's visited set (parse/visited.c) and the order command's id set (app/orders/idset.c).
 *
 * Entries are nonzero uint64_t (0 marks an empty slot); an entry's key is entry >> shift (the
 * low shift bits are its owner's payload). Each entry sits at or after its home slot
 * home(key) = (key << shift) * cap / 2^64, every slot from its home to it is occupied (linear
 * probing without wrap-around), and the entries appear in increasing key order. Since home()
 * is monotonic in the key, this is the one layout in which entry i sits at max(home_i,
 * position of entry i-1 + 1), whatever the order of insertion. So a miss stops at the first
 * larger key, a walk visits the keys in order, and growing moves every entry right, in place.
 * slots[nslots - 1] is always empty, so every scan stops inside the array; nslots - cap
 * overflow slots past the home range hold entries that spill off its end.
 *
 * The owner keeps count and load, inserts (core_sortab_seek, then shift the cluster right by
 * one) and decides when to grow. Ownership: a plain struct owned by whoever embeds it;
 * core_sortab_free releases the slots. Not thread-safe. */
#ifndef CORE_SORTAB_H
#define CORE_SORTAB_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct core_sortab {
    uint64_t *slots;   /* nslots entries, 0 = empty; NULL before the first grow */
    size_t cap;        /* home slots */
    size_t nslots;     /* cap plus overflow slots */
    unsigned shift;    /* key = entry >> shift */
};

/* High 64 bits of a * b. */
static inline uint64_t core_mulhi64(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
    __extension__ typedef unsigned __int128 u128;

    return (uint64_t)(((u128)a * b) >> 64);
#else
    uint64_t al = a & 0xffffffffu, ah = a >> 32, bl = b & 0xffffffffu, bh = b >> 32;
    uint64_t lh = al * bh, hl = ah * bl;
    uint64_t mid = ((al * bl) >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);

    return ah * bh + (lh >> 32) + (hl >> 32) + (mid >> 32);
#endif
}

/* Home slot of key among cap home slots: monotonic in key, never smaller for a larger cap. */
static inline size_t core_sortab_home(const struct core_sortab *t, uint64_t key, size_t cap)
{
    return (size_t)core_mulhi64(key << t->shift, (uint64_t)cap);
}

/* The first slot at or after key's home holding nothing or a key >= key: where key is, or
 * where it belongs. Needs slots (the empty last slot stops the scan). */
static inline size_t core_sortab_seek(const struct core_sortab *t, uint64_t key)
{
    const uint64_t *s = t->slots;
    size_t i = core_sortab_home(t, key, t->cap);

    while (s[i] != 0 && (s[i] >> t->shift) < key)
        i++;
    return i;
}

/* Grow to cap home slots (at least the current number) in place, with at least tail slots
 * past the home range and room for the last slot to stay empty after one more insertion; the
 * array never shrinks. -ENOMEM leaves t untouched. */
CORE_MUST_CHECK int core_sortab_grow(struct core_sortab *t, size_t cap, size_t tail);
/* Add tail more overflow slots at the end (a cluster reached it). -ENOMEM leaves t as it was. */
CORE_MUST_CHECK int core_sortab_extend(struct core_sortab *t, size_t tail);
void core_sortab_free(struct core_sortab *t);

#endif
