/* app/export/warcgz.h: one WARC record in, one gzip member out.
 *
 * A .warc.gz file is a series of gzip members, one per record, so that a reader can seek to a
 * record's offset (from a CDXJ index) and inflate just that member. This module turns the parts
 * of a record (WARC header, HTTP header, body, the closing CRLF CRLF) into one complete member
 * in memory, so that the file writer can append it with one write(2).
 *
 * The compressor is libdeflate, at level 1 unless told otherwise. Measured with
 * bench/bench_warc.c (BENCHMARKS.md, "WARC compression"), one member per record, one thread:
 * libdeflate beats zlib at every level (at level 6 the same ratio as zlib 6, what gzip, wget,
 * warcio and Heritrix write, at 1.3-1.8x its speed; at level 1 a smaller ratio than zlib 1 at
 * 2-2.5x its speed). Between libdeflate's levels, on the crawl benchmark's pages (15 KB):
 * level 1 compresses at 187 MB/s to 0.316 of the input, level 6 at 46 MB/s to 0.293; on real
 * documentation pages (/usr/share/doc) 390 MB/s / 0.136 against 147 MB/s / 0.119. Level 6
 * thus costs 2.7-4x the CPU for files 7-13% smaller, and compression is most of what archiving
 * costs a crawl (about 80 us of a 15 KB page at level 1, 300 us at level 6, against about 90 us
 * for the whole crawl of it without --warc): the default is level 1, so that an archived crawl
 * keeps as much of its speed as gzip allows; --warc-level 6 (or recompressing later) buys
 * the smaller files.
 * libdeflate compresses whole buffers only, so the parts are first copied into one scratch
 * buffer (a memcpy, at a few GB/s, against compression at tens of MB/s); both buffers live in
 * the object and are reused, as is the compressor, whose setup costs about 30 us at level 6
 * (a sixth of the time a 14 KB page takes): keep one object per worker thread.
 * Inputs of at most 1 KiB (a fetch's request record, a redirect's response) are stored, not
 * compressed: one stored deflate block with its CRC-32, which any gzip reader takes. Compressing
 * a 600-byte request record costs libdeflate 6-10 us whatever its level (it resets its hash
 * tables, 128 KB or more, and builds Huffman codes on every call; in a crawl, with cold caches,
 * 18 us a page, 6% of an archived crawl's CPU per page), while its WARC header is mostly random
 * ids and digests: a 590-byte request record deflates to about 424 bytes, stored it takes 613
 * (on the bench site, 190 bytes more per page, +3.6%).
 *
 * Ownership: app_warcgz_create allocates the object (compressor and scratch); destroy frees it.
 * Parts are read during the call only; the member is appended to the caller's core_buf. Any
 * thread, one thread at a time per object. */
#ifndef APP_WARCGZ_H
#define APP_WARCGZ_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

enum {
    APP_WARCGZ_DEFAULT_LEVEL = 1,
    APP_WARCGZ_STORE = -1       /* no compression: stored deflate blocks, still gzip members */
};

struct app_warcgz;

/* A piece of the record to compress: len bytes at p. */
struct app_warcgz_part {
    const void *p;
    size_t len;
};

/* A compressor at level (1-12; 0 means APP_WARCGZ_DEFAULT_LEVEL; APP_WARCGZ_STORE stores).
 * 0 and *out, -EINVAL for a bad level, or -ENOMEM. */
CORE_MUST_CHECK int app_warcgz_create(int level, struct app_warcgz **out);
/* Compress the concatenation of the n parts into one gzip member appended to out. 0, or -ENOMEM,
 * -EMSGSIZE (out's cap), -EOVERFLOW (parts larger than the compressor takes); on failure out is
 * as it was. */
CORE_MUST_CHECK int app_warcgz_member(struct app_warcgz *gz, const struct app_warcgz_part *parts,
                                      size_t n, struct core_buf *out);
/* NULL is a no-op. */
void app_warcgz_destroy(struct app_warcgz *gz);

#endif
