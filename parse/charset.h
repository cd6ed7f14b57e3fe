/* parse/charset.h: which character encoding a fetched page uses, and conversion to UTF-8.
 *
 * Detection follows the WHATWG HTML order: a byte order mark, then the charset= parameter
 * of the Content-Type header, then a prescan of the first 1024 bytes for <meta charset> or
 * <meta http-equiv="Content-Type" content="...charset=...">, else windows-1252. Labels are
 * mapped to encodings with the WHATWG Encoding Standard's label table, so "latin1",
 * "iso-8859-1" and "us-ascii" all mean windows-1252, as in browsers. A label that is not in
 * the table is ignored and the next source is tried. Names returned are the WHATWG encoding
 * names in lower case ("utf-8", "windows-1252", "shift_jis", "gbk", ...). The "replacement"
 * encodings (iso-2022-kr, hz-gb-2312, ...) are treated as unknown labels, and x-user-defined
 * as windows-1252.
 *
 * Conversion opens its own iconv descriptor on each call (glibc's iconv_open costs about a
 * microsecond once its modules are loaded), so calls on different threads share nothing.
 *
 * Ownership: pure functions; every pointer argument is borrowed for the call. out is the
 * caller's buffer and is appended to. Thread-safe. */
#ifndef PARSE_CHARSET_H
#define PARSE_CHARSET_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/* Room for any name parse_charset_detect writes, NUL included. */
#define PARSE_CHARSET_NAME_MAX 16

/* Detect the encoding of body (its first bytes are enough) given the Content-Type header
 * value (NULL or ct_len 0 when there is none), and write its canonical name to name.
 * 0, or -EMSGSIZE when cap < PARSE_CHARSET_NAME_MAX (name is then untouched). Never fails
 * on content: the fallback is "windows-1252". */
CORE_MUST_CHECK int parse_charset_detect(const char *body, size_t len, const char *content_type,
                                         size_t ct_len, char *name, size_t cap);

/* Canonical name for an encoding label ("Latin1" -> "windows-1252"), or NULL when the
 * label is unknown. Surrounding ASCII whitespace is ignored. The result is static. */
const char *parse_charset_canonical(const char *label, size_t len);

/* Append body, decoded from charset (a canonical name or any known label), to out as UTF-8.
 * A byte order mark for charset at the start is dropped. Bytes that are invalid in charset
 * become U+FFFD, so the output is always valid UTF-8 and decoding never fails on content.
 * NUL and other control characters are kept. "utf-8" is only repaired (core_utf8_sanitize).
 * 0, -EINVAL (unknown charset), -ENOTSUP (iconv lacks the conversion), -ENOMEM or
 * -EMSGSIZE (out reached its maximum); on error out is left as it was. */
CORE_MUST_CHECK int parse_charset_to_utf8(const char *body, size_t len, const char *charset,
                                          struct core_buf *out);

#endif
