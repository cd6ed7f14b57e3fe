/* core/siphash.c: keys for SipHash (the hash itself is inline in core/siphash.h). */
#include "core/siphash.h"

/* splitmix64: spreads a seed over a key word. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

void core_siphash_key_from_seed(uint64_t seed, struct core_siphash_key *key)
{
    key->k0 = mix64(seed);
    key->k1 = mix64(seed + 0x9e3779b97f4a7c15u);
}
