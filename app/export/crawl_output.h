/* app/export/crawl_output.h: crawl records as JSONL or CSV lines in an output file.
 *
 * One line per record, written whole with one write(2) as soon as the record exists (see
 * app/export/outfile.h), so a kill leaves at most the last line incomplete and a normal or
 * interrupted end leaves a complete, valid file. CSV starts with a header row.
 * Fields, in order: url, final_url, depth, parent, status, content_type, bytes, title,
 * links_found, links_new, fetch_ms, error, fetched_at (ISO 8601 UTC, milliseconds), attempts.
 * Unknown values are JSON null / empty CSV fields.
 *
 * Ownership: create opens the file (so an unwritable path fails before any fetch);
 * destroy closes it. Loop thread only. */
#ifndef APP_CRAWL_OUTPUT_H
#define APP_CRAWL_OUTPUT_H

#include <stdbool.h>

#include "app/common/format.h"
#include "app/crawl/crawl.h"
#include "core/err.h"

struct app_outfile;
struct crawl_output;

/* Open path ("-" = stdout). 0, or a negated errno (nothing is left behind on failure). */
CORE_MUST_CHECK int crawl_output_create(const char *path, enum file_format fmt,
                                        struct crawl_output **out);
/* Go on writing path after its first len bytes (a resumed crawl: see app_outfile_reopen); a
 * CSV header is written only when len is 0. */
CORE_MUST_CHECK int crawl_output_reopen(const char *path, enum file_format fmt, int64_t len,
                                        struct crawl_output **out);
/* The file (its length and descriptor, for a commit of --state). */
struct app_outfile *crawl_output_file(struct crawl_output *o);
/* Write one record. 0 or a negated errno (the first error is also kept for destroy). */
int crawl_output_write(struct crawl_output *o, const struct crawl_record *r);
/* A --skipped line: {"url", "parent", "reason"}. 0 or a negated errno. */
int crawl_output_skip(struct crawl_output *o, const char *url, const char *parent,
                      const char *reason);
/* Close. Returns the first error seen while writing or closing. NULL gives 0. */
int crawl_output_destroy(struct crawl_output *o);
/* Format a Unix time in ms as 2026-11-22T10:00:00.123Z into buf (at least 25 bytes). */
void crawl_format_time(int64_t unix_ms, char *buf, size_t cap);

#endif
