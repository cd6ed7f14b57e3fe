/* parse/visited.h: the crawler's visited set: URL fingerprints with a depth and a 2-bit state.
 *
 * Each URL is represented by a 64-bit fingerprint of its normalised bytes (normalise first:
 * this module hashes exactly the bytes it is given). The set keeps the top 54 bits of each
 * fingerprint with a 2-bit state and an 8-bit depth in one uint64_t, so the low 10 bits of a
 * fingerprint are ignored: two fingerprints that differ only there are the same URL. A key
 * (the top 54 bits) of 0 is stored as 1, so that no entry is ever 0 (an empty slot).
 *
 * Fingerprint: SipHash-1-3 (core/siphash.h, the hash-table variant of SipHash, as in Rust's
 * HashMap and CPython's str hash) keyed from the seed given to create. With a random seed an adversary who
 * cannot see the fingerprints cannot build URLs that collide or that pile into one part of the
 * table (hash flooding); a fixed seed makes runs reproducible, and a saved set is only valid
 * with the seed that built it.
 *
 * False positives: two distinct URLs whose fingerprints agree in 54 bits are one entry, so the
 * second is reported as already seen and is not crawled. With n URLs the chance that a given
 * new URL is wrongly reported seen is about n / 2^54, and the expected number of such losses
 * over a whole crawl is n^2 / 2^55 (birthday bound):
 *     n = 1,000,000:     per URL 5.6e-11, whole crawl 2.8e-5 (1 crawl in 36,000 loses a URL)
 *     n = 100,000,000:   per URL 5.6e-9,  whole crawl 0.28 (P(at least one) = 24%)
 *
 * Table: open addressing with linear probing and no wrap-around, kept sorted by fingerprint
 * (which is Robin Hood order here), with a home slot chosen by multiply-shift ("fastrange":
 * home = fp * cap / 2^64), so the capacity need not be a power of two. Sorted order lets a
 * lookup of an absent URL stop at the first larger fingerprint instead of at an empty slot,
 * so misses cost about what hits cost even at high load. The table grows by 1.5x when it
 * would pass 7/8 full; because home slots only move right when the capacity grows, growth is
 * done in place: the array is realloc'ed (glibc moves a large block with mremap, without
 * copying) and the entries are moved back to front into their new slots, with a transient
 * bitmap of 1 bit per new slot. A few (32) overflow slots past the last home slot take the
 * entries that spill off the end; more are added if that ever fills up.
 *
 * Memory: parse_visited_bytes() = 48 + 8 * (cap + 32), where cap runs 16, 24, 36, 54, ... (each
 * step cap + cap / 2) and is the smallest step with n <= cap * 7 / 8 (plus 32 slots per overflow
 * extension, which needs a run of ~30 fingerprints piled on the last home slot: not seen with
 * real hashes). Per URL that is a saw-tooth between 13.71 bytes (just after a growth) and
 * 9.14 bytes (just before the next one), at every size past a few thousand URLs:
 *            n URLs         cap        bytes  bytes/URL
 *            10,000      15,585      124,984      12.50
 *           100,000     118,342      947,040       9.47
 *         1,000,000   1,347,984   10,784,176      10.78  (at most 13.71 for any n near 1M)
 *        10,000,000  15,354,379  122,835,336      12.28
 *       100,000,000 116,597,313  932,778,808       9.33
 * (these match bench/bench_visited byte for byte). While growing, the set also holds the bitmap
 * (cap / 8 bytes) and, when realloc cannot grow the block in place, both arrays for the copy
 * (up to 22.9 bytes/URL for that moment). With glibc, tables past 128 KiB are mmap'ed and
 * grow by mremap: the benchmark measured a peak RSS growth of 9.5-13 bytes/URL, 10k-100M URLs.
 *
 * Ownership: parse_visited_create allocates the set (through core/mem.h), parse_visited_destroy
 * frees it. URL bytes passed to parse_visited_fingerprint are only read during the call. No
 * I/O, clock or globals; not thread-safe: one thread at a time per set. */
#ifndef PARSE_VISITED_H
#define PARSE_VISITED_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct parse_visited;

enum { PARSE_VISITED_STATE_MAX = 3 };  /* states are 0..3; their meaning is the caller's */

/* Results of parse_visited_add (all positive, so that "rc < 0" means failure). */
enum {
    PARSE_VISITED_NEW = 1,      /* added, with state 0 */
    PARSE_VISITED_SHORTER = 2,  /* known, recorded depth lowered to the new one */
    PARSE_VISITED_SEEN = 3      /* known at the same or a smaller depth: nothing changed */
};

enum { PARSE_VISITED_MAX_DEPTH = 255 };  /* depths above this are recorded as this */

/* Create an empty set whose fingerprints are keyed by seed (pass a random value to resist hash
 * flooding). 0 and *out, or -ENOMEM. */
CORE_MUST_CHECK int parse_visited_create(uint64_t seed, struct parse_visited **out);
/* Free the set. NULL is a no-op. */
void parse_visited_destroy(struct parse_visited *v);
/* SipHash-1-3 of url[0..len) under the set's key. Only the top 54 bits are used by the set. */
uint64_t parse_visited_fingerprint(const struct parse_visited *v, const char *url, size_t len);
/* Record fp at depth (saturating at 255). Returns PARSE_VISITED_NEW, PARSE_VISITED_SHORTER or
 * PARSE_VISITED_SEEN; for SHORTER and SEEN, *prev_depth and *state (either may be NULL) receive
 * the depth and state recorded before the call, and NEW leaves them alone. SHORTER keeps the
 * state: the caller decides whether to queue the URL again. -ENOMEM (growth failed) leaves the
 * set exactly as it was. */
CORE_MUST_CHECK int parse_visited_add(struct parse_visited *v, uint64_t fp, unsigned depth,
                                      unsigned *prev_depth, unsigned *state);
/* Depth and state of fp (either pointer may be NULL): 0, or -ENOENT when fp is not in the set. */
int parse_visited_get(const struct parse_visited *v, uint64_t fp, unsigned *depth,
                      unsigned *state);
/* Set the state of a known fp: 0, -ENOENT (unknown fp) or -EINVAL (not a valid state). */
int parse_visited_set_state(struct parse_visited *v, uint64_t fp, unsigned state);
/* Make room for n URLs in all, so that adding them never grows the table. Fingerprints added in
 * sorted order (a saved set read back by key) need it: with a table sized for the URLs so far,
 * they would all have their homes in its first slots, and linear probing through ever longer
 * runs would make loading quadratic (100,000 sorted fingerprints: 2.4 s instead of 0.02 s). 0 or
 * -ENOMEM (the set unchanged). */
CORE_MUST_CHECK int parse_visited_reserve(struct parse_visited *v, size_t n);
/* Number of URLs recorded. */
size_t parse_visited_count(const struct parse_visited *v);
/* Bytes of memory the set holds (the struct and its table). */
size_t parse_visited_bytes(const struct parse_visited *v);

#endif
