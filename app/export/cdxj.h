/* app/export/cdxj.h: the CDXJ index of a crawl's WARC files, sorted.
 *
 * One line per indexed record (response, revisit, metadata):
 *   <SURT key> <14-digit timestamp> {"url":...,"mime":...,"status":...,"digest":...,
 *                                    "length":...,"offset":...,"filename":...}
 * as pywb's cdxj-indexer writes it: the key is app_surt_key of the URL, the timestamp the
 * record's WARC-Date to the second (UTC), mime the HTTP Content-Type up to ';' (a revisit's is
 * "warc/revisit", a metadata record's its WARC Content-Type, application/warc-fields), status the
 * HTTP status (left out when there is none), digest the labelled payload digest ("sha1:...",
 * left out when there is none), length and offset the gzip member's size and position in the
 * file, filename the WARC file's base name; status, length and offset are JSON strings, as
 * both cdxj-indexer and warcio.js write them. (cdxj-indexer and warcio.js leave metadata
 * records of type application/warc-fields out of their default index; the crawler decides
 * which records it adds here.)
 *
 * The file is sorted bytewise on the whole line (LC_ALL=C sort), the order pywb and
 * cdxj-indexer use and binary search needs. Lines arrive in crawl order, so they are appended
 * unsorted to PATH.unsorted as they come (one write(2) each: nothing is lost to a crash before
 * the end) and sorted by app_cdxj_finish into PATH.open, which is renamed to PATH when whole:
 * runs of up to 64 MiB of lines are sorted in memory and written to temporary files next to
 * PATH, then merged (at most 64 runs at a time, so any number of lines sorts in bounded
 * memory: about 64 MiB plus 64 read buffers). Temporary files are removed at the end, and
 * PATH.unsorted at destroy (so a crash after the sort still has the lines to sort again).
 *
 * Ownership: app_cdxj_open allocates and copies path; entries are read during the call;
 * app_cdxj_finish sorts and app_cdxj_destroy frees (removing the temporary files). Loop
 * thread (or any one thread). */
#ifndef APP_CDXJ_H
#define APP_CDXJ_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct app_cdxj;

/* One indexed record. Plain struct; pointers borrowed for the call. */
struct app_cdxj_entry {
    const char *url;        /* WARC-Target-URI */
    int64_t date_ms;        /* WARC-Date, ms since the epoch */
    const char *mime;       /* NULL or "": left out */
    size_t mime_len;        /* bytes of mime (so a view into a header can be passed) */
    int status;             /* 0: left out */
    const char *digest;     /* "sha1:..."; NULL: left out */
    uint64_t offset;        /* of the gzip member */
    uint64_t length;        /* of the gzip member */
    const char *filename;   /* base name of the WARC file */
};

/* Start an index to be sorted into path. 0 and *out, or a negated errno (path.unsorted could
 * not be created). */
CORE_MUST_CHECK int app_cdxj_open(const char *path, struct app_cdxj **out);
/* Go on with an index begun by a crawl that is resumed: fd is PATH.unsorted, cut back to len
 * bytes of whole lines (lines of them), positioned at its end, the object's from then on (also
 * on failure). 0 and *out, or -ENOMEM. */
CORE_MUST_CHECK int app_cdxj_resume(const char *path, int fd, uint64_t len, uint64_t lines,
                                    struct app_cdxj **out);
/* PATH.unsorted (core_malloc'ed), or NULL. */
char *app_cdxj_unsorted_path(const char *path);
/* Have destroy leave PATH.unsorted, for a crawl that will be resumed. */
void app_cdxj_keep(struct app_cdxj *c);
/* The unsorted file's descriptor and its bytes of whole lines. */
int app_cdxj_fd(const struct app_cdxj *c);
uint64_t app_cdxj_bytes(const struct app_cdxj *c);
/* Append e's line (unsorted, for now). 0 or a negated errno, which is sticky. */
CORE_MUST_CHECK int app_cdxj_add(struct app_cdxj *c, const struct app_cdxj_entry *e);
/* Sort every line into path (through path.open), keeping PATH.unsorted until destroy. 0 or
 * the first error. */
CORE_MUST_CHECK int app_cdxj_finish(struct app_cdxj *c);
/* Number of lines added. */
uint64_t app_cdxj_count(const struct app_cdxj *c);
/* Remove PATH.unsorted (unless kept) and free. NULL is a no-op. */
void app_cdxj_destroy(struct app_cdxj *c);

/* The line of e, with its '\n', appended to out (what app_cdxj_add writes). 0, or out's
 * errors. */
CORE_MUST_CHECK int app_cdxj_line(const struct app_cdxj_entry *e, struct core_buf *out);

/* Sort the lines of the file in into the file out bytewise, with runs of at most run_max bytes
 * in memory (tmpdir holds the runs). For app_cdxj_finish and for tests of the merge. */
CORE_MUST_CHECK int app_cdxj_sort_file(const char *in, const char *out, const char *tmpdir,
                                       size_t run_max);

#endif
