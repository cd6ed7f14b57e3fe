/* core/siphash.h: SipHash (Aumasson and Bernstein), a keyed 64-bit hash of bytes, for tables and
 * fingerprints whose input an adversary chooses: with a secret key one cannot build inputs that
 * collide or pile into one part of a table (hash flooding).
 *
 * core_siphash13 is SipHash-1-3, the hash-table variant (Rust's HashMap, CPython's str hash): the
 * crawler's visited set and the order command's id set fingerprint with it. core_siphash is the
 * general form with c compression and d finalisation rounds (2, 4 is the original, whose
 * published vectors the tests check). Both are inline so that constant rounds unroll.
 *
 * Ownership: pure functions; data is read during the call only. Thread-safe. */
#ifndef CORE_SIPHASH_H
#define CORE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* The 128-bit key: k0 holds key bytes 0-7 little-endian, k1 bytes 8-15. */
struct core_siphash_key {
    uint64_t k0, k1;
};

/* A key spread from a 64-bit seed (splitmix64 of seed and of seed + the golden ratio). */
void core_siphash_key_from_seed(uint64_t seed, struct core_siphash_key *key);

static inline uint64_t core__siphash_rotl(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (64 - b));
}

static inline uint64_t core__siphash_load64le(const unsigned char *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

#define CORE__SIPROUND(v0, v1, v2, v3) \
    do { \
        v0 += v1; v1 = core__siphash_rotl(v1, 13); v1 ^= v0; v0 = core__siphash_rotl(v0, 32); \
        v2 += v3; v3 = core__siphash_rotl(v3, 16); v3 ^= v2; \
        v0 += v3; v3 = core__siphash_rotl(v3, 21); v3 ^= v0; \
        v2 += v1; v1 = core__siphash_rotl(v1, 17); v1 ^= v2; v2 = core__siphash_rotl(v2, 32); \
    } while (0)

/* SipHash-c-d of data[0..len) under key. */
static inline uint64_t core_siphash(const struct core_siphash_key *key, unsigned c, unsigned d,
                                    const void *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data;
    uint64_t v0 = key->k0 ^ 0x736f6d6570736575u, v1 = key->k1 ^ 0x646f72616e646f6du;
    uint64_t v2 = key->k0 ^ 0x6c7967656e657261u, v3 = key->k1 ^ 0x7465646279746573u;
    uint64_t m, b = (uint64_t)len << 56;
    size_t i, tail = len & 7;
    unsigned r;

    for (i = 0; i + 8 <= len; i += 8) {
        m = core__siphash_load64le(p + i);
        v3 ^= m;
        for (r = 0; r < c; r++)
            CORE__SIPROUND(v0, v1, v2, v3);
        v0 ^= m;
    }
    while (tail-- > 0)
        b |= (uint64_t)p[i + tail] << (8 * tail);
    v3 ^= b;
    for (r = 0; r < c; r++)
        CORE__SIPROUND(v0, v1, v2, v3);
    v0 ^= b;
    v2 ^= 0xff;
    for (r = 0; r < d; r++)
        CORE__SIPROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

/* SipHash-1-3 of data[0..len) under key. */
static inline uint64_t core_siphash13(const struct core_siphash_key *key, const void *data,
                                      size_t len)
{
    return core_siphash(key, 1, 3, data, len);
}

#endif
