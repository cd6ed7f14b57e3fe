/* app/state/statedb.h: a run's durable state (--state DIR, --resume DIR): one SQLite database,
 * DIR/state.db, in WAL mode, shared by both engines.
 *
 * What it keeps for every run: its kind ("crawl", "orders"), the options it was started with
 * (opaque text, JSON by convention), whether it finished, and each output file's committed
 * length. The engines keep their own tables in the same database (statedb_sql), so that one
 * transaction commits an engine's progress and the output lengths that record it.
 *
 * Commit order (the rule resume relies on): an engine writes its outputs' bytes first, then
 * calls statedb_sync_file on each output it wrote to, sets their new lengths with
 * statedb_output_set inside the transaction, and commits. On resume every output is cut back to
 * its committed length (statedb_output_reopen: never opened with O_TRUNC), so bytes written
 * after the last commit, a torn record included, are gone and the work that wrote them is done
 * again.
 *
 * Durability: PRAGMA journal_mode=WAL, synchronous=FULL: each commit fsyncs the WAL, so a
 * committed transaction survives a kill -9 and a power loss alike. Outputs are fdatasync'ed
 * before the commit that records their lengths, so the state never says more than the disk
 * holds: a power loss loses at most the commit in progress, never consistency. (NORMAL would
 * sync the WAL only at checkpoints: a power loss could then bring back a state whose outputs
 * were never synced, or lose seconds of commits.)
 *
 * Locking: the directory holds a lock file (DIR/lock, flock) for as long as the state is open:
 * a second process on the same DIR gets -EBUSY.
 *
 * Errors: negated errno values (core/err.h), with a human sentence in the msg buffer of the
 * calls that take one: -EEXIST (CREATE on a DIR that holds a state), -ENOENT (RESUME of a DIR
 * with none), -EINVAL (another kind of run, a damaged or foreign database), -EBUSY, -EACCES
 * / -EROFS (cannot write the state), -ENOSPC (disk full; the state stays resumable), -EIO.
 *
 * Ownership: statedb_open allocates; statedb_close rolls back an open transaction, releases
 * the lock and frees. Strings returned live until the next call on the same object. One thread
 * at a time (the loop's, or a pool thread the loop hands a commit to and waits for: the
 * connection is opened SQLITE_OPEN_NOMUTEX, so two threads must never use it at once). */
#ifndef APP_STATE_STATEDB_H
#define APP_STATE_STATEDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct sqlite3;
struct statedb;

enum statedb_mode {
    STATEDB_CREATE,             /* a new run: DIR is created if missing; must hold no state */
    STATEDB_RESUME              /* continue the run whose state DIR holds */
};

/* Open DIR's state for a run of kind. CREATE stores options (as given) and kind; RESUME checks
 * kind. 0 and *out, or a negated errno with a sentence in msg (msgsz bytes, may be 0). */
CORE_MUST_CHECK int statedb_open(const char *dir, const char *kind, const char *options,
                                 enum statedb_mode mode, char *msg, size_t msgsz,
                                 struct statedb **out);
void statedb_close(struct statedb *s);

/* The database, for the engine's own tables (CREATE TABLE IF NOT EXISTS at start). */
struct sqlite3 *statedb_sql(struct statedb *s);
/* A SQLite result code (from a call on statedb_sql's database) as a negated errno, mapped as
 * the calls here map theirs: SQLITE_FULL -> -ENOSPC, BUSY -> -EBUSY, CORRUPT/NOTADB -> -EINVAL,
 * READONLY -> -EACCES or -EROFS, CANTOPEN/IOERR -> the failed system call's errno (ENOSPC,
 * EDQUOT, EFBIG, EROFS, EACCES...) when SQLite keeps it, else -EIO;
 * SQLITE_OK, ROW and DONE -> 0. (Added with statedb.c: engines run their own statements.) */
int statedb_error(struct sqlite3 *db, int rc);
/* The options stored when the run was created. */
const char *statedb_options(const struct statedb *s);
/* Whether statedb_set_finished was committed (resuming a finished run does nothing). */
bool statedb_finished(const struct statedb *s);

/* Transactions: statedb_begin, any writes (the engine's and the calls below), statedb_commit.
 * Committing turns SQLITE_FULL into -ENOSPC and leaves the last committed state intact. A
 * commit that fails has rolled the transaction back (statedb_rollback after it is a no-op), so
 * the state is the last committed one and statedb_begin may be called again. Begin inside a
 * transaction, commit or set_finished outside one are -EINVAL. */
CORE_MUST_CHECK int statedb_begin(struct statedb *s);
CORE_MUST_CHECK int statedb_commit(struct statedb *s);
void statedb_rollback(struct statedb *s);
/* Mark the run finished (inside a transaction). */
CORE_MUST_CHECK int statedb_set_finished(struct statedb *s);

/* Outputs, by a name the engine chooses ("jsonl", "skipped", "warc-00003"...). The committed
 * length of name, 0 when it has none (a new output); inside a transaction, the length set in it.
 * A negated errno when the database cannot be read. */
int64_t statedb_output_len(struct statedb *s, const char *name);
/* Record name's committed length and path (inside a transaction). */
CORE_MUST_CHECK int statedb_output_set(struct statedb *s, const char *name, const char *path,
                                       int64_t len);
/* Open path for appending after cutting it to len bytes (no O_TRUNC: a file shorter than len is
 * an error, -EIO with a sentence in msg, since bytes that were committed are gone). A missing
 * file with len 0 is created, and for len 0 its directory is fsync'ed (so that a power loss
 * cannot take the entry of a file whose bytes a commit vouches for). The fd is
 * O_WRONLY|O_APPEND|O_CLOEXEC. 0 and *fd or an error. */
CORE_MUST_CHECK int statedb_output_reopen(const char *path, int64_t len, char *msg, size_t msgsz,
                                          int *fd);
/* fdatasync fd unless it is not a regular file (a pipe, a tty: nothing to sync). 0 or error. */
int statedb_sync_file(int fd);
/* fsync the directory that holds path: after creating an output whose bytes a commit will
 * vouch for, so that a power loss cannot take its directory entry. 0 or a negated errno.
 * (Added with the orders side, which reopens outputs with app_outfile_reopen.) */
int statedb_sync_parent(const char *path);

#endif
