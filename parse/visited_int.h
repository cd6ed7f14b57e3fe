/* parse/visited_int.h: parse/-internal pieces of the visited set, exposed for tests.
 *
 * parse__siphash is SipHash with c compression and d finalisation rounds (1, 3 for the
 * fingerprints; 2, 4 is the original, whose published vectors the tests check as well) under the
 * 128-bit key (k0, k1), k0 holding key bytes 0-7 little-endian.
 *
 * Ownership: a pure function; data is read during the call only. Thread-safe. */
#ifndef PARSE_VISITED_INT_H
#define PARSE_VISITED_INT_H

#include <stddef.h>
#include <stdint.h>

uint64_t parse__siphash(uint64_t k0, uint64_t k1, unsigned c, unsigned d, const void *data,
                        size_t len);

#endif
