/* app/export/outfile.h: an output file that is always complete and valid, written a record at a time.
 *
 * The crawler and the order processor produce records (a JSONL line, a CSV row) one at a time
 * and hand each whole record to app_outfile_write, which gives it to the kernel with as few
 * write(2) calls as it takes (one, unless the kernel takes part of it: partial writes, EINTR
 * and EAGAIN on a non-blocking stdout are retried). There is no user-space buffering, so:
 * - a crash or kill -9 loses nothing already written and leaves at most the last record
 *   incomplete (a reader resuming from the file should drop a last line without its newline);
 * - a normal end, or an interrupted one that goes through app_outfile_close (SIGINT handled by
 *   the stop flag), leaves only complete records, fsync'ed when the output is a regular file;
 *   on Linux, writeback of a regular file is started every 4 MiB as it is written
 *   (sync_file_range, not waited for), so dirty pages do not pile up and the final fsync is
 *   short;
 * - when a write fails part-way on a file this module opened (ENOSPC, EFBIG...), the file is
 *   cut back to the end of the last complete record, and the error is sticky: later writes
 *   return it without writing, so the file never has a gap in the middle;
 * - the file is opened (created or truncated) by app_outfile_open, so a bad path (-ENOENT,
 *   -EACCES, -EISDIR, -ENOTDIR, -EROFS...) is reported before any work starts.
 *
 * Why not write path.tmp and rename it at the end: the issue asks that output be streamed and
 * flushed as records are produced. A renamed file would show nothing until the end (no tail
 * -f, no pipe into jq), would lose every record on a crash instead of at most one, cannot work
 * for stdout, and doubles the disk needed for a rewrite. What rename would buy, never seeing a
 * half-finished file, is covered here by records being whole lines and the tail rule above.
 *
 * Pipes: the process must ignore SIGPIPE (each command, crawl_cmd.c and orders_cmd.c, sets it
 * to SIG_IGN before opening its outputs) so that writing to a closed pipe or socket (e.g.
 * `trawl ... | head`) returns -EPIPE here instead of killing the process. Writes block the calling thread until the kernel has the record: a slow
 * reader on a pipe slows the producer down, which is the back-pressure a pipeline wants.
 *
 * Ownership: app_outfile_open allocates the object and copies path; app_outfile_close flushes,
 * closes (stdout is flushed but left open) and frees it. Records are read during the call only.
 * One thread at a time per file. */
#ifndef APP_OUTFILE_H
#define APP_OUTFILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct app_outfile;

/* Open path for writing, creating or truncating it; "-" is stdout. 0 and *out, or a negated
 * errno that core_strerror() can describe (e.g. -EACCES, -ENOENT, -EISDIR, or -EBADF for a
 * closed or read-only stdout). */
CORE_MUST_CHECK int app_outfile_open(const char *path, struct app_outfile **out);
/* Open path to go on after its first len bytes (a resumed run, app/state/statedb.h): the file
 * is cut back to len, never emptied; a file shorter than len is -EIO (committed bytes are gone),
 * a missing one -ENOENT unless len is 0. 0 and *out, or a negated errno. */
CORE_MUST_CHECK int app_outfile_reopen(const char *path, int64_t len, struct app_outfile **out);
/* Bytes in the file: its length when it was opened plus every record written since. */
int64_t app_outfile_length(const struct app_outfile *f);
/* The file descriptor (for fdatasync by a commit); the object keeps it. */
int app_outfile_fd(const struct app_outfile *f);
/* Write one whole record: 0 once all len bytes are in the kernel, or a negated errno (-ENOSPC,
 * -EPIPE, -EFBIG, -EIO...), which is also returned by every later write and by close. */
CORE_MUST_CHECK int app_outfile_write(struct app_outfile *f, const char *rec, size_t len);
/* fsync (regular files only, not pipes or ttys), close (not stdout) and free. Returns the first
 * error seen by any write, the fsync or the close. NULL is a no-op returning 0. */
int app_outfile_close(struct app_outfile *f);
/* The path given to app_outfile_open ("-" for stdout), for messages. */
const char *app_outfile_path(const struct app_outfile *f);

#endif
