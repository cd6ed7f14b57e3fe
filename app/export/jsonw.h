/* app/export/jsonw.h: a streaming writer of compact JSON into a core_buf, for JSONL records.
 *
 * The caller opens and closes containers and writes keys and values; commas and colons come
 * from a small nesting stack (at most JSONW_MAX_DEPTH levels), so the output is always
 * well-formed or the writer reports an error. A record is one top-level value; after
 * jsonw_finish the caller appends '\n' to get one record per line, and may write the next
 * record with the same writer.
 *
 * Strings: invalid UTF-8 is replaced with U+FFFD (core_utf8_sanitize: one per maximal invalid
 * subpart); '"' and '\\' are escaped, controls become \b \f \n \r \t or \u00XX (DEL too), and
 * U+2028/U+2029 become \u2028/\u2029 so that a line is also a valid JavaScript literal. Other
 * text is copied as UTF-8. Numbers are integers (jsonw_int, jsonw_uint) or pre-formatted text
 * checked against the JSON number grammar (jsonw_raw); money goes out as a string.
 *
 * Errors are sticky: the first one (-ENOMEM, -EMSGSIZE from the buffer's cap or from nesting
 * past JSONW_MAX_DEPTH, -EINVAL for misuse such as a value where a key is needed) is kept,
 * every later call returns it without writing, and jsonw_finish returns it and cuts the buffer
 * back to where the record began, so a failed record leaves nothing behind.
 *
 * Ownership: struct jsonw is a plain struct the caller embeds; it allocates nothing itself.
 * The core_buf is borrowed and must outlive the writer; strings are read during the call only.
 * Not thread-safe. */
#ifndef APP_JSONW_H
#define APP_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

enum { JSONW_MAX_DEPTH = 32 };

struct jsonw {
    struct core_buf *out;  /* borrowed */
    size_t start;          /* out->len where the current record began, once started */
    int err;               /* first error, 0 if none */
    unsigned depth;        /* open containers, 0..JSONW_MAX_DEPTH */
    uint32_t is_object;    /* bit d-1 set: level d is an object, else an array */
    uint32_t has_items;    /* bit d-1 set: level d holds a member already (next needs a comma) */
    bool key_pending;      /* the innermost object has a key waiting for its value */
    bool started;          /* the record's top-level value has begun */
    bool done;             /* the top-level value is complete */
};

/* Write records at the end of out (each record starts at out->len when its value begins). */
void jsonw_init(struct jsonw *w, struct core_buf *out);
/* Each call below returns 0 or the writer's first error (see above). */
int jsonw_begin_object(struct jsonw *w);
int jsonw_end_object(struct jsonw *w);
int jsonw_begin_array(struct jsonw *w);
int jsonw_end_array(struct jsonw *w);
/* An object member's name (NUL-terminated, escaped like a string). */
int jsonw_key(struct jsonw *w, const char *name);
int jsonw_string(struct jsonw *w, const char *s, size_t len);
int jsonw_int(struct jsonw *w, int64_t v);
int jsonw_uint(struct jsonw *w, uint64_t v);
int jsonw_bool(struct jsonw *w, bool v);
int jsonw_null(struct jsonw *w);
/* A number already formatted (e.g. "12.50", "-3e7"): -EINVAL unless it matches the JSON
 * number grammar (RFC 8259 section 6). */
int jsonw_raw(struct jsonw *w, const char *text);
/* End the record: 0 when exactly one complete value was written, else the first error (or
 * -EINVAL for an open container or an empty record), in which case the buffer is cut back to
 * where the record began. Either way the writer is ready for the next record. */
CORE_MUST_CHECK int jsonw_finish(struct jsonw *w);

/* Append s to out as one quoted, escaped JSON string (the same escaping and UTF-8 repair as
 * jsonw_string), without a writer's bookkeeping: for callers that lay out records of a fixed
 * shape themselves. 0, -ENOMEM or -EMSGSIZE; on failure out may hold a partial string. */
int jsonw_quote(struct core_buf *out, const char *s, size_t len);

#endif
