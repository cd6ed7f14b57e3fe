/* core/buf.h: a growable byte buffer with a hard maximum.
 *
 * Every buffer that the network or a file fills has a cap set at init; appending past it fails
 * with -EMSGSIZE and leaves the buffer as it was. The data is always NUL-terminated (the NUL is
 * not counted in len), so text can be handed to C string functions.
 *
 * Ownership: a plain struct owned by whoever embeds it; core_buf_free releases the storage.
 * core_buf_steal hands the storage to the caller (free it with core_free). Not thread-safe. */
#ifndef CORE_BUF_H
#define CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include "core/err.h"

struct core_buf {
    char *data;   /* NULL until the first append */
    size_t len;   /* bytes used, not counting the trailing NUL */
    size_t cap;   /* bytes allocated */
    size_t max;   /* len never exceeds this */
};

void core_buf_init(struct core_buf *b, size_t max);
void core_buf_free(struct core_buf *b);
/* Empty the buffer, keeping its storage. */
void core_buf_reset(struct core_buf *b);
/* Make room for extra more bytes. 0, -ENOMEM or -EMSGSIZE (past max). */
CORE_MUST_CHECK int core_buf_reserve(struct core_buf *b, size_t extra);
CORE_MUST_CHECK int core_buf_append_slow(struct core_buf *b, const void *p, size_t n);
/* Append n bytes. Inline when they fit (formatters call it for every few bytes they write);
 * else core_buf_append_slow grows the buffer. */
CORE_MUST_CHECK static inline int core_buf_append(struct core_buf *b, const void *p, size_t n)
{
    /* room for them and the NUL (cap is 0 until the first append), and within max, which a
     * caller may have lowered below an allocation already made */
    if (b->cap - b->len > n && b->max - b->len >= n) {
        if (n)   /* p may be NULL when n is 0 */
            memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return 0;
    }
    return core_buf_append_slow(b, p, n);
}
CORE_MUST_CHECK int core_buf_putc(struct core_buf *b, char c);
CORE_MUST_CHECK int core_buf_puts(struct core_buf *b, const char *s);
/* Append n bytes of p as 2n lowercase hex digits (core_ascii_unhex reads them back). */
CORE_MUST_CHECK int core_buf_puthex(struct core_buf *b, const void *p, size_t n);
/* printf-style append. 0, -ENOMEM, -EMSGSIZE or -EINVAL (bad format). */
CORE_MUST_CHECK int core_buf_printf(struct core_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Take the storage (never NULL: an empty buffer gives an empty string) or NULL on -ENOMEM. */
char *core_buf_steal(struct core_buf *b);

#endif
