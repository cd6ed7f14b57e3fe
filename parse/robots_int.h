/* parse/robots_int.h: parse/-internal pieces of the robots.txt matcher, exposed for tests.
 *
 * parse__robots_pattern normalises one allow/disallow value (see robots.h, Patterns).
 * parse__robots_fail builds the Knuth-Morris-Pratt failure table of a normalised pattern:
 * for each byte, the length of the longest proper border of its '*'-free piece up to and
 * including that byte (pieces are tabled independently). parse__robots_match matches one
 * pattern against a target as parse_robots_allowed does, and adds to *steps (when not NULL)
 * the number of byte comparisons it made, so tests can check that the cost stays linear.
 *
 * Ownership: pure functions; out and fail are the caller's, with room for the returned
 * length and m entries. Thread-safe. */
#ifndef PARSE_ROBOTS_INT_H
#define PARSE_ROBOTS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Write the normalised form of v[0..n) to out (when not NULL) and return its length (at most
 * 3 * n bytes). */
size_t parse__robots_pattern(const char *v, size_t n, char *out);
void parse__robots_fail(const char *p, size_t m, uint16_t *fail);
bool parse__robots_match(const char *p, const uint16_t *fail, size_t m, const char *t, size_t n,
                         uint64_t *steps);

#endif
