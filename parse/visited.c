/* parse/visited.c: sorted linear-probing set of URL fingerprints (see visited.h).
 *
 * The table is a core_sortab (core/sortab.h: sorted linear probing, grown in place) whose
 * entries are key << 10 | state << 8 | depth, where key is the top 54 bits of the fingerprint
 * (a key of 0 is stored as 1) and state is 0..3, so no entry is 0; count <= cap * 7 / 8 (the
 * maximum load), except that overflow slots past the home range exist for entries that spill
 * off its end.
 */
#include "parse/visited.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/mem.h"
#include "core/sortab.h"
#include "core/siphash.h"

#define KEY_SHIFT 10            /* bits below the key: 2 of state, 8 of depth */
#define LOW_MASK ((uint64_t)0x3FF)
#define STATE_SHIFT 8
#define DEPTH_MASK ((uint64_t)0xFF)
#define MIN_CAP 16              /* home slots of the first table */
#define TAIL 32                 /* overflow slots past the home range (one is the sentinel) */
#define LOAD_NUM 7              /* maximum load: count <= cap * 7 / 8 */
#define LOAD_DEN 8

struct parse_visited {
    struct core_siphash_key key;  /* of the fingerprints */
    struct core_sortab t; /* shift KEY_SHIFT; no slots until the first add */
    size_t count;      /* entries */
};

/* ---- table -------------------------------------------------------------------------------- */

/* Slot of key, or SIZE_MAX when absent. */
static size_t find(const struct parse_visited *v, uint64_t key)
{
    size_t i;

    if (!v->t.slots)
        return SIZE_MAX;
    i = core_sortab_seek(&v->t, key);
    return v->t.slots[i] != 0 && (v->t.slots[i] >> KEY_SHIFT) == key ? i : SIZE_MAX;
}

/* Grow to 1.5x the home slots, in place. -ENOMEM leaves v untouched. */
static int grow(struct parse_visited *v)
{
    if (v->t.cap > SIZE_MAX / 32)
        return -ENOMEM;
    return core_sortab_grow(&v->t, v->t.cap < MIN_CAP ? MIN_CAP : v->t.cap + v->t.cap / 2, TAIL);
}

/* ---- API ---------------------------------------------------------------------------------- */

int parse_visited_create(uint64_t seed, struct parse_visited **out)
{
    struct parse_visited *v = core_calloc(1, sizeof(*v));

    if (!v)
        return -ENOMEM;
    v->t.shift = KEY_SHIFT;
    core_siphash_key_from_seed(seed, &v->key);
    *out = v;
    return 0;
}

void parse_visited_destroy(struct parse_visited *v)
{
    if (!v)
        return;
    core_sortab_free(&v->t);
    core_free(v);
}

/* The key of a fingerprint: its top 54 bits, never 0 (0 would make an entry look empty). */
static inline uint64_t key_of(uint64_t fp)
{
    uint64_t k = fp >> KEY_SHIFT;

    return k ? k : 1;
}

uint64_t parse_visited_fingerprint(const struct parse_visited *v, const char *url, size_t len)
{
    return core_siphash13(&v->key, url, len);
}

int parse_visited_add(struct parse_visited *v, uint64_t fp, unsigned depth,
                      unsigned *prev_depth, unsigned *state)
{
    const uint64_t key = key_of(fp);
    const uint64_t d = depth > PARSE_VISITED_MAX_DEPTH ? PARSE_VISITED_MAX_DEPTH : depth;
    size_t i, j;
    int rc;

    i = find(v, key);
    if (i != SIZE_MAX) {
        const uint64_t e = v->t.slots[i];

        if (prev_depth)
            *prev_depth = (unsigned)(e & DEPTH_MASK);
        if (state)
            *state = (unsigned)((e >> STATE_SHIFT) & 3);
        if (d >= (e & DEPTH_MASK))
            return PARSE_VISITED_SEEN;
        v->t.slots[i] = (e & ~DEPTH_MASK) | d;
        return PARSE_VISITED_SHORTER;
    }
    if ((v->count + 1) * LOAD_DEN > v->t.cap * LOAD_NUM) {
        rc = grow(v);
        if (rc < 0)
            return rc;
    }
    i = core_sortab_seek(&v->t, key);
    for (j = i; v->t.slots[j] != 0; j++)
        ;
    if (j == v->t.nslots - 1) {
        rc = core_sortab_extend(&v->t, TAIL);
        if (rc < 0)
            return rc;
    }
    memmove(v->t.slots + i + 1, v->t.slots + i, (j - i) * sizeof(*v->t.slots));
    v->t.slots[i] = key << KEY_SHIFT | d;   /* state 0 */
    v->count++;
    return PARSE_VISITED_NEW;
}

int parse_visited_get(const struct parse_visited *v, uint64_t fp, unsigned *depth,
                      unsigned *state)
{
    size_t i = find(v, key_of(fp));

    if (i == SIZE_MAX)
        return -ENOENT;
    if (depth)
        *depth = (unsigned)(v->t.slots[i] & DEPTH_MASK);
    if (state)
        *state = (unsigned)((v->t.slots[i] >> STATE_SHIFT) & 3);
    return 0;
}

int parse_visited_set_state(struct parse_visited *v, uint64_t fp, unsigned state)
{
    size_t i;

    if (state > PARSE_VISITED_STATE_MAX)
        return -EINVAL;
    i = find(v, key_of(fp));
    if (i == SIZE_MAX)
        return -ENOENT;
    v->t.slots[i] = (v->t.slots[i] & ~((uint64_t)3 << STATE_SHIFT)) |
                  (uint64_t)state << STATE_SHIFT;
    return 0;
}

int parse_visited_reserve(struct parse_visited *v, size_t n)
{
    size_t cap = v->t.cap < MIN_CAP ? MIN_CAP : v->t.cap;

    /* the capacities growth would step through, so a reserved set is one grown by adding */
    while ((n + 1) * LOAD_DEN > cap * LOAD_NUM) {
        if (cap > SIZE_MAX / 32)
            return -ENOMEM;
        cap += cap / 2;
    }
    if (cap == v->t.cap)
        return 0;
    return core_sortab_grow(&v->t, cap, TAIL);
}

size_t parse_visited_count(const struct parse_visited *v)
{
    return v->count;
}

size_t parse_visited_bytes(const struct parse_visited *v)
{
    return sizeof(*v) + v->t.nslots * sizeof(*v->t.slots);
}
