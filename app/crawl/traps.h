/* app/crawl/traps.h: crawler-trap detection for newly found URLs.
 *
 * Two tests, each cheap and explainable: a path in which one segment occurs more than
 * max_repeat times (/a/b/a/b/a/b/a/... from relative links that keep stacking up), and a path
 * seen with more than max_variants distinct query strings (calendars, session ids, sort and
 * filter combinations). Only URLs that are new to the crawl should be passed in: each distinct
 * URL with a query counts once for its path.
 *
 * With --state the counts are kept (traps_keep, traps_set), so a resumed crawl goes on counting.
 *
 * Ownership: create/destroy. Memory: 16 bytes per distinct path with a query (an
 * open-addressing map of path fingerprints to counts). Loop thread only. */
#ifndef APP_TRAPS_H
#define APP_TRAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct traps;

CORE_MUST_CHECK int traps_create(unsigned max_repeat, unsigned max_variants, struct traps **out);
void traps_destroy(struct traps *t);
/* Whether url (normalised, absolute; origin_len bytes of scheme://host[:port]) is a trap. A
 * URL that passes is counted for its path. Out of memory counts as no trap. */
bool traps_check(struct traps *t, const char *url, size_t len, size_t origin_len);
/* fn hears of every count as it changes (a path's key and its new count), for the state. */
typedef void traps_keep_fn(void *arg, uint64_t key, uint64_t count);
void traps_keep(struct traps *t, traps_keep_fn *fn, void *arg);
/* Put back a count fn heard of (a resumed crawl). 0 or -ENOMEM. */
CORE_MUST_CHECK int traps_set(struct traps *t, uint64_t key, uint64_t count);

#endif
