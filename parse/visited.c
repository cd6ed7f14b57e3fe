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
#include "parse/visited_int.h"

#define KEY_SHIFT 10            /* bits below the key: 2 of state, 8 of depth */
#define LOW_MASK ((uint64_t)0x3FF)
#define STATE_SHIFT 8
#define DEPTH_MASK ((uint64_t)0xFF)
#define MIN_CAP 16              /* home slots of the first table */
#define TAIL 32                 /* overflow slots past the home range (one is the sentinel) */
#define LOAD_NUM 7              /* maximum load: count <= cap * 7 / 8 */
#define LOAD_DEN 8

struct parse_visited {
    uint64_t k0, k1;   /* SipHash key */
    struct core_sortab t; /* shift KEY_SHIFT; no slots until the first add */
    size_t count;      /* entries */
};

/* ---- SipHash ------------------------------------------------------------------------------ */

static inline uint64_t rotl(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (64 - b));
}

static inline uint64_t load64le(const unsigned char *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

#define SIPROUND(v0, v1, v2, v3) \
    do { \
        v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); \
        v2 += v3; v3 = rotl(v3, 16); v3 ^= v2; \
        v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; \
        v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32); \
    } while (0)

/* Inlined with constant rounds where the fingerprint is computed. */
static inline uint64_t siphash(uint64_t k0, uint64_t k1, unsigned c, unsigned d,
                               const unsigned char *p, size_t len)
{
    uint64_t v0 = k0 ^ 0x736f6d6570736575u, v1 = k1 ^ 0x646f72616e646f6du;
    uint64_t v2 = k0 ^ 0x6c7967656e657261u, v3 = k1 ^ 0x7465646279746573u;
    uint64_t m, b = (uint64_t)len << 56;
    size_t i, tail = len & 7;
    unsigned r;

    for (i = 0; i + 8 <= len; i += 8) {
        m = load64le(p + i);
        v3 ^= m;
        for (r = 0; r < c; r++)
            SIPROUND(v0, v1, v2, v3);
        v0 ^= m;
    }
    while (tail-- > 0)
        b |= (uint64_t)p[i + tail] << (8 * tail);
    v3 ^= b;
    for (r = 0; r < c; r++)
        SIPROUND(v0, v1, v2, v3);
    v0 ^= b;
    v2 ^= 0xff;
    for (r = 0; r < d; r++)
        SIPROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t parse__siphash(uint64_t k0, uint64_t k1, unsigned c, unsigned d, const void *data,
                        size_t len)
{
    return siphash(k0, k1, c, d, data, len);
}

/* splitmix64: spreads the seed over the two key words. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

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
    v->k0 = mix64(seed);
    v->k1 = mix64(seed + 0x9e3779b97f4a7c15u);
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
    return siphash(v->k0, v->k1, 1, 3, (const unsigned char *)url, len);
}

int parse_visited_add(struct parse_visited *v, uint64_t fp, unsigned depth,
                      unsigned *prev_depth, enum parse_visited_state *state)
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
            *state = (enum parse_visited_state)((e >> STATE_SHIFT) & 3);
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
    v->t.slots[i] = key << KEY_SHIFT | (uint64_t)PARSE_VISITED_QUEUED << STATE_SHIFT | d;
    v->count++;
    return PARSE_VISITED_NEW;
}

int parse_visited_get(const struct parse_visited *v, uint64_t fp, unsigned *depth,
                      enum parse_visited_state *state)
{
    size_t i = find(v, key_of(fp));

    if (i == SIZE_MAX)
        return -ENOENT;
    if (depth)
        *depth = (unsigned)(v->t.slots[i] & DEPTH_MASK);
    if (state)
        *state = (enum parse_visited_state)((v->t.slots[i] >> STATE_SHIFT) & 3);
    return 0;
}

int parse_visited_set_state(struct parse_visited *v, uint64_t fp, enum parse_visited_state state)
{
    size_t i;

    if ((unsigned)state > PARSE_VISITED_DONE)
        return -EINVAL;
    i = find(v, key_of(fp));
    if (i == SIZE_MAX)
        return -ENOENT;
    v->t.slots[i] = (v->t.slots[i] & ~((uint64_t)3 << STATE_SHIFT)) |
                  (uint64_t)state << STATE_SHIFT;
    return 0;
}

size_t parse_visited_count(const struct parse_visited *v)
{
    return v->count;
}

size_t parse_visited_bytes(const struct parse_visited *v)
{
    return sizeof(*v) + v->t.nslots * sizeof(*v->t.slots);
}
