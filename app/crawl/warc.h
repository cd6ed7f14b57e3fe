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

struct core_buf;
struct core_coro;
struct crawl_state_file;
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
    /* Going on with an archive (--resume, or a worker of a shared crawl restarted with its
     * id): committed_len gives the committed length of each of its outputs ("warc", "cdx",
     * "pages"; a negated errno when unknown) and saved the blob crawl_warc_save wrote at that
     * commit (NULL when nothing was committed: then the archive begins again). committed_len
     * NULL: a new archive. */
    int64_t (*committed_len)(void *arg, const char *name);
    void *committed_arg;
    const void *saved;
    size_t saved_len;
};

/* Where a fetch's response (or revisit) record went. */
struct crawl_warc_at {
    const char *file;           /* base name of the WARC file, NULL when nothing was written */
    uint64_t offset;            /* of the record's gzip member */
};

/* Open the first WARC file, the index and the package, or go on with them (committed_len).
 * 0 and *out, -EALREADY when the archive to go on with was finished after its last commit
 * (nothing is touched), or a negated errno. */
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
 * the first seed page archived (else seed, may be NULL). 0 or the first error (then destroy
 * leaves what finishing again, after a resume, needs). */
int crawl_warc_finish(struct crawl_warc *w, const char *seed);
/* Counts, for the summary: records of responses and revisits written. */
uint64_t crawl_warc_responses(const struct crawl_warc *w);
uint64_t crawl_warc_revisits(const struct crawl_warc *w);

/* What the archive holds, for the summary. */
struct crawl_warc_counts {
    unsigned files;             /* WARC files started */
    uint64_t records;           /* records in them: warcinfo, request, response, revisit */
    uint64_t responses;         /* response records */
    uint64_t revisits;          /* revisit records */
    uint64_t bytes;             /* the files' sizes on disk, compressed */
};

/* Fill *out; before or after crawl_warc_finish (a file not found on disk counts 0 bytes). */
void crawl_warc_counts(const struct crawl_warc *w, struct crawl_warc_counts *out);
/* --state and --redis: the archive's files as a commit records them (the current WARC file, the unsorted
 * index, the pages list): at most max, returns how many. */
size_t crawl_warc_files(struct crawl_warc *w, struct crawl_state_file *files, size_t max);
/* --state and --redis: the archive's counters, current file and main page as a blob for a
 * commit (crawl_warc_opts.saved when going on). */
int crawl_warc_save(const struct crawl_warc *w, struct core_buf *out);
/* --state: fn hears of every payload digest added to the dedup table (so a resumed crawl
 * writes revisits for payloads archived before the kill); crawl_warc_known puts one back. */
typedef void crawl_warc_keep_fn(void *arg, const char *digest, const char *uri, int64_t date_ms,
                                const char *record_id);
void crawl_warc_keep(struct crawl_warc *w, crawl_warc_keep_fn *fn, void *arg);
void crawl_warc_known(struct crawl_warc *w, const char *digest, const char *uri,
                      int64_t date_ms, const char *record_id);
/* --state and --redis, at a stop: destroy without finish then leaves every file as the crawl
 * going on needs it (the .open WARC file, the unsorted index, the pages list). */
void crawl_warc_suspend(struct crawl_warc *w);
/* NULL is a no-op. */
void crawl_warc_destroy(struct crawl_warc *w);

#endif
