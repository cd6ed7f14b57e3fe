/* core/utf8.h: UTF-8 validation and repair.
 *
 * Text that reaches an output file (titles, URLs, error messages, original input lines) must
 * be valid UTF-8 whatever bytes the network or a file supplied. core_utf8_sanitize copies text
 * and replaces each maximal invalid subsequence (WHATWG "decode" rules: overlongs, surrogates,
 * code points past U+10FFFF, truncated sequences) with U+FFFD; with CORE_UTF8_NO_CONTROLS it
 * also replaces NUL and other C0 controls except tab, newline and carriage return.
 *
 * Ownership: pure functions; out is the caller's buffer (appended to). Thread-safe. */
#ifndef CORE_UTF8_H
#define CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

enum {
    CORE_UTF8_NO_CONTROLS = 1 << 0
};

/* Length of the longest valid UTF-8 prefix of s[0..len). */
size_t core_utf8_valid_prefix(const char *s, size_t len);
bool core_utf8_is_valid(const char *s, size_t len);
/* Append s to out with invalid sequences replaced by U+FFFD. 0, -ENOMEM or -EMSGSIZE. */
CORE_MUST_CHECK int core_utf8_sanitize(const char *s, size_t len, unsigned flags,
                                       struct core_buf *out);

#endif
