/* app/crawl/warc.h: the crawl's archive: every fetch written to WARC files as it happens, indexed
 * in CDXJ and packaged as a WACZ at the end (--warc, --warc-max-size, --cdx, --wacz).
 *
 * Each fetch that got an answer (every redirect hop, every retried attempt, robots.txt and
 * sitemap files) becomes a request record and a response record naming each other in
 * WARC-Concurrent-To, or a request record and a revisit record (identical-payload-digest) when
 * its payload was archived before in this crawl. The CDXJ indexes every response and revisit
 * record; there are no metadata records (and cdxj-indexer leaves warc-fields metadata out of
 * its index anyway). Digests and compression run on the thread pool (core_offload), at most 8
 * fetches at a time, each with a compressor from a free list; the append (one write(2) of whole gzip members),
 * the dedup table and the index stay on the loop.
 *
 * Ownership: crawl_warc_open copies the options and allocates; crawl_warc_finish closes the
 * files and writes the index and package; crawl_warc_destroy frees (a WARC not finished keeps
 * its ".open" name). Locations returned live until destroy. Loop thread only, but for the
 * pool work it starts itself. */
#ifndef APP_CRAWL_WARC_H
#define APP_CRAWL_WARC_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "fetch/client.h"

struct core_coro;
struct crawl_warc;

struct crawl_warc_opts {
    const char *name;           /* --warc NAME */
    uint64_t max_size;          /* --warc-max-size, bytes per file (0: no limit) */
    bool numbered;              /* --warc-max-size given: NAME-00000.warc.gz from the start */
    const char *cdx;            /* --cdx FILE, or NULL */
    const char *wacz;           /* --wacz FILE, or NULL */
    const char *user_agent;     /* for the warcinfo records */
    bool robots;                /* robots.txt obeyed */
    const char *options;        /* the command line, for the warcinfo records */
    int level;                  /* --warc-level: compression, 1-12 (0: libdeflate's 1) */
};

/* Where a fetch's response (or revisit) record went. */
struct crawl_warc_at {
    const char *file;           /* base name of the WARC file, NULL when nothing was written */
    uint64_t offset;            /* of the record's gzip member */
};

/* Open the first WARC file, the index and the package. 0 and *out, or a negated errno. */
CORE_MUST_CHECK int crawl_warc_open(const struct crawl_warc_opts *o, struct crawl_warc **out);
/* Archive one fetch of uri begun at date_ms (wall clock, ms) that ended with err and res
 * (fetch_request.archive set). Nothing is written when no response header came back. Fills
 * *at (file NULL when nothing was written). 0, or a negated errno (a write error is sticky
 * and also returned by crawl_warc_finish). */
int crawl_warc_fetch(struct core_coro *co, struct crawl_warc *w, const char *uri,
                     int64_t date_ms, int err, const struct fetch_result *res,
                     struct crawl_warc_at *at);
/* A page for the package's pages.jsonl (title NULL: none). */
void crawl_warc_page(struct crawl_warc *w, const char *url, int64_t ts_ms, const char *title,
                     bool seed);
/* Finish the WARC files (".open" removed), sort the index, write the package: its main page is
 * the first seed page archived (else seed, may be NULL). 0 or the first error. */
int crawl_warc_finish(struct crawl_warc *w, const char *seed);
/* Counts, for the summary: records of responses and revisits written. */
uint64_t crawl_warc_responses(const struct crawl_warc *w);
uint64_t crawl_warc_revisits(const struct crawl_warc *w);
/* NULL is a no-op. */
void crawl_warc_destroy(struct crawl_warc *w);

#endif
