/* parse/visited.c: sorted linear-probing set of URL fingerprints (see visited.h).
 *
 * Invariants of struct parse_visited:
 * - slots[0..nslots) holds count entries; an entry is key << 10 | state << 8 | depth, where key
 *   is the top 54 bits of the fingerprint (a key of 0 is stored as 1) and state is 0..3, so no
 *   entry is 0 and 0 marks an empty slot.
 * - Each entry sits at or after its home slot home(key) = key * cap / 2^54 and every slot from
 *   its home to it is occupied (linear probing without wrap-around); the entries appear in
 *   increasing key order. Since home() is monotonic in the key, this is the one layout in which
 *   entry i sits at max(home_i, position of entry i-1 + 1): the layout does not depend on the
 *   order of insertion.
 * - slots[nslots - 1] is always empty, so every scan stops inside the array.
 * - count <= cap * 7 / 8 (the maximum load), except that nslots - cap overflow slots exist past
 *   the home range for entries that spill off its end.
 */
#include "parse/visited.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/mem.h"
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
    uint64_t *slots;   /* nslots entries; NULL until the first add */
    size_t cap;        /* home slots */
    size_t nslots;     /* cap plus overflow slots */
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

/* High 64 bits of a * b. */
static inline uint64_t mulhi64(uint64_t a, uint64_t b)
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

/* Home slot of key among cap home slots: monotonic in key, and never smaller for a larger cap. */
static inline size_t home(uint64_t key, size_t cap)
{
    return (size_t)mulhi64(key << KEY_SHIFT, (uint64_t)cap);
}

/* The first slot at or after key's home holding nothing or a key >= key: where key is, or
 * where it belongs. Needs a table (the empty last slot stops the scan). */
static inline size_t seek(const struct parse_visited *v, uint64_t key)
{
    const uint64_t *s = v->slots;
    size_t i = home(key, v->cap);

    while (s[i] != 0 && (s[i] >> KEY_SHIFT) < key)
        i++;
    return i;
}

/* Slot of key, or SIZE_MAX when absent. */
static size_t find(const struct parse_visited *v, uint64_t key)
{
    size_t i;

    if (!v->slots)
        return SIZE_MAX;
    i = seek(v, key);
    return v->slots[i] != 0 && (v->slots[i] >> KEY_SHIFT) == key ? i : SIZE_MAX;
}

/* Walk the entries in order and place each at max(its home for cap, previous place + 1): the
 * layout the table will have with cap home slots. Marks the places in bits when non-NULL and
 * returns one past the last place (0 when empty). */
static size_t layout(const struct parse_visited *v, size_t cap, uint64_t *bits)
{
    size_t i, next = 0, p;

    for (i = 0; i < v->nslots; i++) {
        if (v->slots[i] == 0)
            continue;
        p = home(v->slots[i] >> KEY_SHIFT, cap);
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

/* Grow to 1.5x the home slots, in place. The new layout puts every entry at or after its old
 * slot (homes only move right, and by induction so do places), so moving entries from the last
 * to the first never overwrites one that has not moved yet. -ENOMEM leaves v untouched. */
static int grow(struct parse_visited *v)
{
    size_t cap, nslots, end, i, q;
    uint64_t *bits, *slots;

    if (v->cap > SIZE_MAX / 32)
        return -ENOMEM;
    cap = v->cap < MIN_CAP ? MIN_CAP : v->cap + v->cap / 2;
    end = layout(v, cap, NULL);
    nslots = cap + TAIL;
    if (nslots < end + 2)
        nslots = end + 2;     /* the last slot stays empty even after the next insertion */
    if (nslots < v->nslots)
        nslots = v->nslots;   /* entries are moved after the realloc: never shrink */
    bits = core_calloc((nslots + 63) / 64, sizeof(*bits));
    if (!bits)
        return -ENOMEM;
    slots = core_reallocarray(v->slots, nslots, sizeof(*slots));
    if (!slots) {
        core_free(bits);
        return -ENOMEM;
    }
    v->slots = slots;
    layout(v, cap, bits);
    memset(slots + v->nslots, 0, (nslots - v->nslots) * sizeof(*slots));
    q = nslots;
    for (i = v->nslots; i-- > 0;) {
        uint64_t e = slots[i];

        if (e == 0)
            continue;
        q = prev_bit(bits, q);
        slots[i] = 0;
        slots[q] = e;
    }
    core_free(bits);
    v->cap = cap;
    v->nslots = nslots;
    return 0;
}

/* Add TAIL more overflow slots (a cluster reached the end of the array). */
static int extend(struct parse_visited *v)
{
    uint64_t *slots;

    if (v->nslots > SIZE_MAX / 16)
        return -ENOMEM;
    slots = core_reallocarray(v->slots, v->nslots + TAIL, sizeof(*slots));
    if (!slots)
        return -ENOMEM;
    memset(slots + v->nslots, 0, TAIL * sizeof(*slots));
    v->slots = slots;
    v->nslots += TAIL;
    return 0;
}

/* ---- API ---------------------------------------------------------------------------------- */

int parse_visited_create(uint64_t seed, struct parse_visited **out)
{
    struct parse_visited *v = core_calloc(1, sizeof(*v));

    if (!v)
        return -ENOMEM;
    v->k0 = mix64(seed);
    v->k1 = mix64(seed + 0x9e3779b97f4a7c15u);
    *out = v;
    return 0;
}

void parse_visited_destroy(struct parse_visited *v)
{
    if (!v)
        return;
    core_free(v->slots);
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
        const uint64_t e = v->slots[i];

        if (prev_depth)
            *prev_depth = (unsigned)(e & DEPTH_MASK);
        if (state)
            *state = (enum parse_visited_state)((e >> STATE_SHIFT) & 3);
        if (d >= (e & DEPTH_MASK))
            return PARSE_VISITED_SEEN;
        v->slots[i] = (e & ~DEPTH_MASK) | d;
        return PARSE_VISITED_SHORTER;
    }
    if ((v->count + 1) * LOAD_DEN > v->cap * LOAD_NUM) {
        rc = grow(v);
        if (rc < 0)
            return rc;
    }
    i = seek(v, key);
    for (j = i; v->slots[j] != 0; j++)
        ;
    if (j == v->nslots - 1) {
        rc = extend(v);
        if (rc < 0)
            return rc;
    }
    memmove(v->slots + i + 1, v->slots + i, (j - i) * sizeof(*v->slots));
    v->slots[i] = key << KEY_SHIFT | (uint64_t)PARSE_VISITED_QUEUED << STATE_SHIFT | d;
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
        *depth = (unsigned)(v->slots[i] & DEPTH_MASK);
    if (state)
        *state = (enum parse_visited_state)((v->slots[i] >> STATE_SHIFT) & 3);
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
    v->slots[i] = (v->slots[i] & ~((uint64_t)3 << STATE_SHIFT)) |
                  (uint64_t)state << STATE_SHIFT;
    return 0;
}

size_t parse_visited_count(const struct parse_visited *v)
{
    return v->count;
}

size_t parse_visited_bytes(const struct parse_visited *v)
{
    return sizeof(*v) + v->nslots * sizeof(*v->slots);
}
