/* app/export/warcfile.h: the .warc.gz files of a crawl, appended one finished record at a time.
 *
 * Naming (NAME is the caller's, e.g. from --warc NAME, and may hold a directory):
 * - numbered (the caller asked for a maximum size, --warc-max-size): NAME-00000.warc.gz,
 *   NAME-00001.warc.gz, ... a new file being started when the next append would take the
 *   current one past max_size;
 * - not numbered: the first file is NAME.warc.gz; a crawl that fills it up to max_size (the
 *   caller's default, 1 GiB for trawl) goes on in NAME-00001.warc.gz, NAME-00002.warc.gz, ...
 *   so that no file grows without bound and no file is renamed after its records were indexed.
 *   max_size 0 means no limit.
 * A file gets at least one record after its warcinfo, so a record larger than max_size makes a
 * file of its own that is larger than max_size (records are never split into segments).
 *
 * While a file is written its name ends in ".open" (NAME-00000.warc.gz.open); it is fsync'ed,
 * closed and renamed to its final name when the next file is started or at app_warcfile_finish,
 * so a reader never takes a half-written file for a whole one. Files are created with O_EXCL:
 * an existing file of the same name (final or .open, e.g. another crawl's) is never overwritten
 * (-EEXIST).
 *
 * Each file opens with a warcinfo record (WARC-Filename is its final name; fields software,
 * format "WARC File Format 1.1", conformsTo, hostname, then the caller's robots policy,
 * user agent and crawl options). Records arrive built and compressed (app/export/warcrec.h) and
 * each append is one write(2) of whole gzip members (partial writes and EINTR are resumed), so
 * a kill leaves at most one torn member at the end of the .open file. When a write fails
 * (ENOSPC...), the file is cut back to its last whole record and the error is sticky, as in
 * app/export/outfile.h.
 *
 * Ownership: app_warcfile_open copies the options and allocates; app_warcfile_finish finishes the
 * last file; app_warcfile_destroy frees. File names returned are the object's and live until
 * destroy. Loop thread
 * (or any one thread): appends are blocking writes to a local file, as app_outfile's are. */
#ifndef APP_WARCFILE_H
#define APP_WARCFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct app_warcfile;

/* Filled by the caller after app_warcfile_opts_init; strings are copied by open. */
struct app_warcfile_opts {
    const char *name;         /* NAME, as above (required) */
    bool numbered;            /* NAME-00000.warc.gz from the first file on */
    uint64_t max_size;        /* bytes per file before rotating; 0: no limit */
    const char *software;     /* warcinfo software, e.g. "trawl/0.1.0" (default: that) */
    const char *robots;       /* warcinfo robots: "classic" (obeyed) or "ignore"; NULL: none */
    const char *user_agent;   /* warcinfo http-header-user-agent; NULL: none */
    const char *options;      /* warcinfo crawl-options: the crawl's command line; NULL: none */
    int level;                /* compression level of the warcinfo records (0: default) */
};

/* Where an appended record landed: the gzip member's position, for CDXJ and crawl records. */
struct app_warc_loc {
    const char *filename;   /* final base name ("crawl-00003.warc.gz"), until destroy */
    unsigned file;          /* 0, 1, ...: which file */
    uint64_t offset;        /* of the first appended member in the file */
    uint64_t length;        /* of everything appended by this call */
};

void app_warcfile_opts_init(struct app_warcfile_opts *o);
/* Create the first file (as NAME...warc.gz.open) and write its warcinfo record. 0 and *out, or
 * a negated errno (-EEXIST, -ENOENT, -EACCES, -EINVAL for a bad name...). */
CORE_MUST_CHECK int app_warcfile_open(const struct app_warcfile_opts *o, struct app_warcfile **out);
/* Go on with a crawl's files (a resumed crawl, app/crawl/state.h): files 0..file-1 are finished,
 * file is open as fd (the .open file, cut back to len bytes of whole records by the caller,
 * positioned at its end). fd is the object's from then on (also on failure). 0 and *out, or
 * -ENOMEM. */
CORE_MUST_CHECK int app_warcfile_resume(const struct app_warcfile_opts *o, unsigned file,
                                        int fd, uint64_t len, struct app_warcfile **out);
/* The final path of file i under o's naming (core_malloc'ed), or NULL. */
char *app_warcfile_path_of(const struct app_warcfile_opts *o, unsigned i);
/* The current file's descriptor (-1 after finish) and its bytes of whole records. */
int app_warcfile_fd(const struct app_warcfile *f);
uint64_t app_warcfile_size(const struct app_warcfile *f);
/* Append len bytes of whole gzip members (one or more records) with one write(2), starting a new
 * file first when max_size says so, and say where they went. 0, or a negated errno (also
 * returned by every later append and by finish). */
CORE_MUST_CHECK int app_warcfile_append(struct app_warcfile *f, const void *members, size_t len,
                                        struct app_warc_loc *loc);
/* Finish the current file (fsync, close, rename away ".open"). Returns the first error seen by
 * any append or by the finish; after an error the .open file is left as it is. Appends after
 * this fail with that error, or -EBADF. */
int app_warcfile_finish(struct app_warcfile *f);
/* Free. A file not finished is closed and left with its ".open" name, as after a crash. NULL
 * is a no-op. */
void app_warcfile_destroy(struct app_warcfile *f);
/* The files so far: count, and the final path (with NAME's directory) of file i (which has that
 * name on disk once the file is finished). */
unsigned app_warcfile_count(const struct app_warcfile *f);
const char *app_warcfile_path(const struct app_warcfile *f, unsigned i);

#endif
