/* app/orders/lines.h: an incremental line splitter for streamed input (JSONL batches).
 *
 * Pure, no I/O: the caller reads a file in chunks of any size (down to 1 byte), feeds each
 * chunk with lines_feed, then calls lines_next until it returns 0, and gets every complete line
 * in order. Rules:
 * - a line ends at LF; a CR just before the LF is removed (CRLF); a CR anywhere else, including
 *   at the very end of the stream, is kept as data;
 * - at eof a last line without LF is still a line; a stream that ends with LF has no extra
 *   empty line after it (so an empty final chunk produces nothing, and empty input nothing);
 * - a UTF-8 BOM (EF BB BF) at the very start of the stream is removed and had_bom is set on
 *   line 1; a BOM anywhere else is data;
 * - blank lines are returned (len 0): the caller decides what they mean;
 * - a line longer than max_line bytes (CR LF not counted) is returned once, as soon as it is
 *   known to be too long, with too_long set, its line number, and its first max_line bytes;
 *   the rest of it is skipped without being buffered.
 * Line numbers are 1-based and count every LF, too-long and blank lines included.
 *
 * Memory is flat whatever the input: a line that lies inside one chunk is returned in place
 * (zero copy); only the start of a line that spans chunks is copied, into a buffer that never
 * holds more than max_line + 1 bytes (lines_buffer_capacity tells how much it has allocated).
 *
 * Ownership: lines_create allocates the splitter, lines_destroy frees it. A chunk passed to
 * lines_feed is borrowed until lines_next has returned 0 for it; a line's text is valid until
 * the next lines_next, lines_feed or lines_destroy call. One thread at a time. */
#ifndef APP_LINES_H
#define APP_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum { LINES_DEFAULT_MAX = 1 << 20 };  /* bytes: 1 MiB */

struct lines;

struct lines_line {
    const char *text;  /* the line without its CR LF (the first max_line bytes if too_long) */
    size_t len;        /* bytes at text */
    uint64_t lineno;   /* 1-based */
    bool too_long;     /* the line had more than max_line bytes; the rest was skipped */
    bool had_bom;      /* line 1 only: a BOM was removed from its start */
};

/* Create a splitter for lines of at most max_line bytes (0 means LINES_DEFAULT_MAX). 0 and
 * *out, -EINVAL (max_line past SIZE_MAX / 4) or -ENOMEM. Allocates nothing for lines yet. */
CORE_MUST_CHECK int lines_create(size_t max_line, struct lines **out);
/* Free the splitter. NULL is a no-op. */
void lines_destroy(struct lines *l);
/* Hand the next chunk to the splitter (eof = true for the last call, possibly with len 0; data
 * may be NULL when len is 0). 0, -EBUSY when the previous chunk has not been drained with
 * lines_next (nothing is taken), or -EINVAL after the eof call. */
CORE_MUST_CHECK int lines_feed(struct lines *l, const char *data, size_t len, bool eof);
/* Next complete line: 1 and *line filled, 0 when none is ready (feed more, or the stream is
 * over), -ENOMEM (nothing consumed: the call can be repeated). */
CORE_MUST_CHECK int lines_next(struct lines *l, struct lines_line *line);
/* Bytes allocated for lines that span chunks: never more than max_line + 2. */
size_t lines_buffer_capacity(const struct lines *l);

#endif
