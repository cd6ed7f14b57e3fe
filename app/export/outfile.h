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
/* Take over fd for path (kept for messages): a regular file opened for appending after len
 * bytes of complete records, as statedb_output_reopen leaves an output that a run resumes
 * (O_APPEND, cut back to its committed length, never truncated). A failed write is cut back to
 * the last whole record, never below len. 0 and *out (the fd is then closed by
 * app_outfile_close), or -ENOMEM and the fd stays the caller's. */
CORE_MUST_CHECK int app_outfile_adopt(int fd, const char *path, int64_t len,
                                      struct app_outfile **out);
/* Write one whole record: 0 once all len bytes are in the kernel, or a negated errno (-ENOSPC,
 * -EPIPE, -EFBIG, -EIO...), which is also returned by every later write and by close. */
CORE_MUST_CHECK int app_outfile_write(struct app_outfile *f, const char *rec, size_t len);
/* fsync (regular files only, not pipes or ttys), close (not stdout) and free. Returns the first
 * error seen by any write, the fsync or the close. NULL is a no-op returning 0. */
int app_outfile_close(struct app_outfile *f);
/* The path given to app_outfile_open ("-" for stdout), for messages. */
const char *app_outfile_path(const struct app_outfile *f);
/* The descriptor, for fdatasync (statedb_sync_file) from another thread while records are
 * written: syncing covers every record written before the call. */
int app_outfile_fd(const struct app_outfile *f);
/* Bytes of complete records in the file: what app_outfile_adopt started with plus what was
 * written since (for a file app_outfile_open truncated, what was written). Same thread as
 * the writes. */
int64_t app_outfile_length(const struct app_outfile *f);

#endif
