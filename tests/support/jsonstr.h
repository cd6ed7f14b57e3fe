/* tests/support/jsonstr.h: decoding a JSON string body, to check what a writer wrote.
 *
 * Ownership: out is the caller's; it is reset and left holding the decoded bytes (never NULL
 * data). Fails the running cmocka test on a malformed escape or a surrogate \u escape (our
 * writers never make surrogate pairs). Test thread only. */
#ifndef TRAWL_TESTS_JSONSTR_H
#define TRAWL_TESTS_JSONSTR_H

#include <stddef.h>

#include "core/buf.h"

/* Decode the JSON string body s[0..len) (between the quotes) into out. */
void jsonstr_unescape(const char *s, size_t len, struct core_buf *out);

#endif
