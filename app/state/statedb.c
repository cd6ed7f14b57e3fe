/* app/state/statedb.c: a run's durable state in DIR/state.db (SQLite, WAL), see statedb.h.
 * Layout: DIR/lock (flock'ed while the state is open), DIR/state.db and, while it is open,
 * SQLite's DIR/state.db-wal and DIR/state.db-shm. The database holds two tables of ours,
 * meta(id = 1, version, kind, options, finished), one row written at creation, and
 * outputs(name, path, len), each output's committed length, plus whatever tables the engine
 * adds; PRAGMA application_id marks the file as trawl's. SQLite's result codes become negated
 * errnos in one place, statedb_error. */
#include "app/state/statedb.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"

/* The layout of our own tables; a state of a higher version is refused, not misread. */
#define STATEDB_VERSION 1
/* PRAGMA application_id of a trawl state: "trwl". */
#define STATEDB_APP_ID 0x7472776c

struct statedb {
    struct sqlite3 *db;
    int lockfd;                 /* DIR/lock, flock'ed LOCK_EX for the object's lifetime */
    bool finished;              /* finished = 1 is committed */
    bool finishing;             /* set_finished inside the open transaction */
    bool in_tx;
    char *options;              /* as stored at creation */
    sqlite3_stmt *begin, *commit, *rollback, *out_get, *out_set, *set_finished;
};

static const char SCHEMA[] =
    "CREATE TABLE meta ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " version INTEGER NOT NULL,"
    " kind TEXT NOT NULL,"
    " options TEXT NOT NULL,"
    " finished INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE outputs ("
    " name TEXT PRIMARY KEY,"
    " path TEXT NOT NULL,"
    " len INTEGER NOT NULL CHECK (len >= 0));";

static void say(char *msg, size_t msgsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *msg, size_t msgsz, const char *fmt, ...)
{
    va_list ap;

    if (msgsz == 0)
        return;
    va_start(ap, fmt);
    (void)vsnprintf(msg, msgsz, fmt, ap);
    va_end(ap);
}

/* With the errno of the failed system call where SQLite keeps one: a CANTOPEN on a read-only
 * directory is -EACCES or -EROFS, not a vague -EIO. */
int statedb_error(struct sqlite3 *db, int rc)
{
    const int sys = db ? sqlite3_system_errno(db) : 0;

    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return 0;
    case SQLITE_NOMEM:
        return -ENOMEM;
    case SQLITE_FULL:
        return -ENOSPC;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return -EBUSY;
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return -EACCES;
    case SQLITE_READONLY:
        return sys == EROFS ? -EROFS : -EACCES;
    case SQLITE_CANTOPEN:
        /* the errno of the open(2) that failed: EACCES, EROFS, ENOENT... */
        return sys > 0 ? -sys : -EACCES;
    case SQLITE_IOERR:
        if ((rc == SQLITE_IOERR_WRITE || rc == SQLITE_IOERR_FSYNC) && sys == ENOSPC)
            return -ENOSPC;
        return sys == ENOSPC || sys == EDQUOT || sys == EFBIG || sys == EROFS || sys == EACCES
                   ? -sys : -EIO;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT:
        return -EINVAL;
    case SQLITE_TOOBIG:
        return -EMSGSIZE;
    case SQLITE_INTERRUPT:
        return -ECANCELED;
    default:             /* SQLITE_ERROR (a missing table: a foreign database), CONSTRAINT... */
        return -EINVAL;
    }
}

/* One sentence for a failure on DIR's state, from SQLite's code and message. */
static int sql_fail(struct sqlite3 *db, int rc, const char *dir, const char *what, char *msg,
                    size_t msgsz)
{
    const int err = statedb_error(db, rc);
    const char *detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);

    switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT:
        say(msg, msgsz, "%s/state.db is damaged or not a trawl state (%s); remove %s to start "
            "over", dir, detail, dir);
        break;
    case SQLITE_FULL:
        say(msg, msgsz, "no space left to %s in %s (%s)", what, dir, detail);
        break;
    default:
        if (err == -EACCES || err == -EROFS)
            say(msg, msgsz, "cannot write the state in %s: %s", dir, core_strerror(err));
        else
            say(msg, msgsz, "cannot %s in %s: %s (%s)", what, dir, core_strerror(err), detail);
    }
    return err;
}

static int exec(struct sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* Make a directory entry (a rename, a new file) durable. */
static int sync_dir(const char *dir)
{
    int fd, rc = 0;

    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (fsync(fd) < 0 && errno != EINVAL)
        rc = -errno;
    close(fd);
    return rc;
}

int statedb_sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];

    if (!slash)
        return sync_dir(".");
    if (slash == path)
        return sync_dir("/");
    if ((size_t)(slash - path) >= sizeof(dir))
        return -ENAMETOOLONG;
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
    return sync_dir(dir);
}

/* How long a write waits for another connection's lock (a reader's) before SQLITE_BUSY. */
#define STATEDB_BUSY_MS 10000

static int open_db(const char *path, struct sqlite3 **out)
{
    struct sqlite3 *db = NULL;
    int rc;

    rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (db) {
        (void)sqlite3_extended_result_codes(db, 1);
        /* a reader (sqlite3, a monitor, a test) may hold a lock for a moment: wait for it */
        (void)sqlite3_busy_timeout(db, STATEDB_BUSY_MS);
    }
    *out = db;
    return rc;
}

/* Write a new state to DIR/state.db.new and rename it into place (and fsync DIR) only once it
 * is complete: a run killed while creating its state leaves either no state or a whole one,
 * never a state.db without its meta row. */
static int create_db(const char *dir, const char *path, const char *kind, const char *options,
                     char *msg, size_t msgsz)
{
    char tmp[PATH_MAX], sql[64];
    struct sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc, err;

    if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp)) {
        say(msg, msgsz, "state directory path too long: %s", dir);
        return -ENAMETOOLONG;
    }
    if (unlink(tmp) < 0 && errno != ENOENT) {   /* left by a run killed while creating */
        err = -errno;
        say(msg, msgsz, "cannot write the state in %s: %s", dir, core_strerror(err));
        return err;
    }
    rc = sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                         SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        goto out_fail;
    (void)sqlite3_extended_result_codes(db, 1);
    (void)snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", STATEDB_APP_ID);
    if ((rc = exec(db, sql)) != SQLITE_OK || (rc = exec(db, "BEGIN")) != SQLITE_OK ||
        (rc = exec(db, SCHEMA)) != SQLITE_OK)
        goto out_fail;
    rc = sqlite3_prepare_v2(db, "INSERT INTO meta (id, version, kind, options) VALUES (1, ?, ?, ?)",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        goto out_fail;
    (void)sqlite3_bind_int(st, 1, STATEDB_VERSION);
    (void)sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    (void)sqlite3_bind_text(st, 3, options ? options : "", -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        goto out_fail;
    (void)sqlite3_finalize(st);
    st = NULL;
    /* the default rollback journal syncs the file at COMMIT; WAL is switched on at open */
    if ((rc = exec(db, "COMMIT")) != SQLITE_OK)
        goto out_fail;
    rc = sqlite3_close(db);
    db = NULL;
    if (rc != SQLITE_OK)
        goto out_fail;
    if (rename(tmp, path) < 0) {
        err = -errno;
        say(msg, msgsz, "cannot write the state in %s: %s", dir, core_strerror(err));
        goto out_unlink;
    }
    err = sync_dir(dir);
    if (err < 0)
        say(msg, msgsz, "cannot sync the state directory %s: %s", dir, core_strerror(err));
    return err;

out_fail:
    err = sql_fail(db, rc, dir, "create the state", msg, msgsz);
    (void)sqlite3_finalize(st);
    (void)sqlite3_close(db);
out_unlink:
    (void)unlink(tmp);
    return err;
}

static int prepare(struct statedb *s, const char *sql, sqlite3_stmt **out)
{
    return sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL);
}

/* Read and check the meta row; keep options and finished. */
static int load_meta(struct statedb *s, const char *dir, const char *kind, char *msg,
                     size_t msgsz)
{
    sqlite3_stmt *st = NULL;
    const char *have;
    int rc, err = 0, version;

    rc = sqlite3_prepare_v2(s->db, "SELECT version, kind, options, finished FROM meta "
                            "WHERE id = 1", -1, &st, NULL);
    if (rc == SQLITE_ERROR) {   /* no table meta: somebody else's database */
        say(msg, msgsz, "%s/state.db is not a trawl state (%s)", dir, sqlite3_errmsg(s->db));
        return -EINVAL;
    }
    if (rc != SQLITE_OK)
        return sql_fail(s->db, rc, dir, "read the state", msg, msgsz);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        say(msg, msgsz, "%s/state.db is not a trawl state (no meta row)", dir);
        err = -EINVAL;
        goto out;
    }
    if (rc != SQLITE_ROW) {
        err = sql_fail(s->db, rc, dir, "read the state", msg, msgsz);
        goto out;
    }
    version = sqlite3_column_int(st, 0);
    have = (const char *)sqlite3_column_text(st, 1);
    if (version > STATEDB_VERSION) {
        say(msg, msgsz, "%s holds a state of version %d, written by a newer trawl (this one "
            "reads version %d)", dir, version, STATEDB_VERSION);
        err = -EINVAL;
        goto out;
    }
    if (!have || strcmp(have, kind) != 0) {
        say(msg, msgsz, "%s holds the state of a 'trawl %s' run, not of 'trawl %s'", dir,
            have ? have : "(unknown)", kind);
        err = -EINVAL;
        goto out;
    }
    s->options = core_strdup(sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2)
                                                        : "");
    if (!s->options) {
        err = -ENOMEM;
        say(msg, msgsz, "out of memory");
        goto out;
    }
    s->finished = sqlite3_column_int(st, 3) != 0;
out:
    (void)sqlite3_finalize(st);
    return err;
}

/* Take DIR/lock: -EBUSY when another open state (this process or another) holds it. */
static int take_lock(const char *dir, char *msg, size_t msgsz, int *out)
{
    char path[PATH_MAX];
    int fd, err;

    if (snprintf(path, sizeof(path), "%s/lock", dir) >= (int)sizeof(path)) {
        say(msg, msgsz, "state directory path too long: %s", dir);
        return -ENAMETOOLONG;
    }
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0666);
    if (fd < 0 && (errno == EACCES || errno == EROFS))
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);  /* flock needs no write access */
    if (fd < 0) {
        err = -errno;
        say(msg, msgsz, "cannot write the state in %s: %s", dir, core_strerror(err));
        return err;
    }
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EINTR)
            continue;
        err = errno == EWOULDBLOCK ? -EBUSY : -errno;
        if (err == -EBUSY)
            say(msg, msgsz, "%s is in use by another trawl run", dir);
        else
            say(msg, msgsz, "cannot lock %s: %s", path, core_strerror(err));
        close(fd);
        return err;
    }
    *out = fd;
    return 0;
}

/* Make DIR for a new run (one level, like mkdir) or check that it is a directory. */
static int make_dir(const char *dir, enum statedb_mode mode, char *msg, size_t msgsz)
{
    struct stat st;
    int err;

    if (mode == STATEDB_CREATE && mkdir(dir, 0777) == 0)
        return 0;
    if (mode == STATEDB_CREATE && errno != EEXIST) {
        err = -errno;
        say(msg, msgsz, "cannot create the state directory %s: %s", dir, core_strerror(err));
        return err;
    }
    if (stat(dir, &st) < 0) {
        err = -errno;
        if (err == -ENOENT)
            say(msg, msgsz, "%s holds no state to resume (no such directory)", dir);
        else
            say(msg, msgsz, "cannot use the state directory %s: %s", dir, core_strerror(err));
        return err;
    }
    if (!S_ISDIR(st.st_mode)) {
        say(msg, msgsz, "%s is not a directory", dir);
        return -ENOTDIR;
    }
    return 0;
}

static int prepare_all(struct statedb *s)
{
    int rc;

    if ((rc = prepare(s, "BEGIN IMMEDIATE", &s->begin)) != SQLITE_OK ||
        (rc = prepare(s, "COMMIT", &s->commit)) != SQLITE_OK ||
        (rc = prepare(s, "ROLLBACK", &s->rollback)) != SQLITE_OK ||
        (rc = prepare(s, "SELECT len FROM outputs WHERE name = ?", &s->out_get)) != SQLITE_OK ||
        (rc = prepare(s, "INSERT INTO outputs (name, path, len) VALUES (?, ?, ?) ON CONFLICT "
                      "(name) DO UPDATE SET path = excluded.path, len = excluded.len",
                      &s->out_set)) != SQLITE_OK ||
        (rc = prepare(s, "UPDATE meta SET finished = 1 WHERE id = 1", &s->set_finished))
            != SQLITE_OK)
        return rc;
    return SQLITE_OK;
}

int statedb_open(const char *dir, const char *kind, const char *options, enum statedb_mode mode,
                 char *msg, size_t msgsz, struct statedb **out)
{
    struct statedb *s;
    char path[PATH_MAX];
    struct stat st;
    int rc, err;

    if (msgsz > 0)
        msg[0] = '\0';
    if (snprintf(path, sizeof(path), "%s/state.db", dir) >= (int)sizeof(path)) {
        say(msg, msgsz, "state directory path too long: %s", dir);
        return -ENAMETOOLONG;
    }
    err = make_dir(dir, mode, msg, msgsz);
    if (err < 0)
        return err;
    /* RESUME of a directory without a state: say so before leaving a lock file in it */
    if (mode == STATEDB_RESUME && stat(path, &st) < 0 && errno == ENOENT) {
        say(msg, msgsz, "%s holds no state to resume (no state.db)", dir);
        return -ENOENT;
    }
    s = core_calloc(1, sizeof(*s));
    if (!s) {
        say(msg, msgsz, "out of memory");
        return -ENOMEM;
    }
    err = take_lock(dir, msg, msgsz, &s->lockfd);
    if (err < 0)
        goto out_free;
    /* checked again under the lock: the earlier look raced with other processes */
    if (stat(path, &st) == 0) {
        if (mode == STATEDB_CREATE) {
            say(msg, msgsz, "%s already holds a state; resume it with --resume %s or remove it",
                dir, dir);
            err = -EEXIST;
            goto out_unlock;
        }
    } else if (errno != ENOENT) {
        err = -errno;
        say(msg, msgsz, "cannot use the state in %s: %s", dir, core_strerror(err));
        goto out_unlock;
    } else if (mode == STATEDB_RESUME) {
        say(msg, msgsz, "%s holds no state to resume (no state.db)", dir);
        err = -ENOENT;
        goto out_unlock;
    } else {
        err = create_db(dir, path, kind, options, msg, msgsz);
        if (err < 0)
            goto out_unlock;
    }
    rc = open_db(path, &s->db);
    if (rc != SQLITE_OK)
        goto out_sql;
    /* we hold DIR/lock, so no other run writes the database; readers may look in (busy
     * timeout: switching to WAL waits for a reader's lock rather than failing) */
    if ((rc = exec(s->db, "PRAGMA journal_mode = WAL")) != SQLITE_OK ||
        (rc = exec(s->db, "PRAGMA synchronous = FULL")) != SQLITE_OK)
        goto out_sql;
    if (sqlite3_db_readonly(s->db, "main") == 1) {
        err = sqlite3_system_errno(s->db) == EROFS ? -EROFS : -EACCES;
        say(msg, msgsz, "cannot write the state in %s: %s", dir, core_strerror(err));
        goto out_close;
    }
    /* a state cut short or overwritten is refused here with a sentence, not found out later
     * by the engine (reads every page once: milliseconds for an orders state) */
    if (mode == STATEDB_RESUME) {
        sqlite3_stmt *st_check = NULL;
        const char *res;

        rc = sqlite3_prepare_v2(s->db, "PRAGMA quick_check(1)", -1, &st_check, NULL);
        if (rc == SQLITE_OK && (rc = sqlite3_step(st_check)) == SQLITE_ROW) {
            res = (const char *)sqlite3_column_text(st_check, 0);
            if (!res || strcmp(res, "ok") != 0) {
                say(msg, msgsz, "%s/state.db is damaged (%s); remove %s to start over", dir,
                    res ? res : "?", dir);
                (void)sqlite3_finalize(st_check);
                err = -EINVAL;
                goto out_close;
            }
            rc = SQLITE_OK;
        }
        (void)sqlite3_finalize(st_check);
        if (rc != SQLITE_OK)
            goto out_sql;
    }
    err = load_meta(s, dir, kind, msg, msgsz);
    if (err < 0)
        goto out_close;
    rc = prepare_all(s);
    if (rc != SQLITE_OK)
        goto out_sql;
    *out = s;
    return 0;

out_sql:
    err = sql_fail(s->db, rc, dir, "open the state", msg, msgsz);
out_close:
    statedb_close(s);
    return err;
out_unlock:
    close(s->lockfd);
out_free:
    core_free(s);
    return err;
}

void statedb_close(struct statedb *s)
{
    if (!s)
        return;
    if (s->in_tx)
        statedb_rollback(s);
    (void)sqlite3_finalize(s->begin);
    (void)sqlite3_finalize(s->commit);
    (void)sqlite3_finalize(s->rollback);
    (void)sqlite3_finalize(s->out_get);
    (void)sqlite3_finalize(s->out_set);
    (void)sqlite3_finalize(s->set_finished);
    /* sqlite3_close_v2: statements the engine left unfinalized must not keep the file open
     * past the lock (the close completes when they are finalized) */
    (void)sqlite3_close_v2(s->db);
    close(s->lockfd);   /* releases the flock, after the database is closed */
    core_free(s->options);
    core_free(s);
}

struct sqlite3 *statedb_sql(struct statedb *s)
{
    return s->db;
}

const char *statedb_options(const struct statedb *s)
{
    return s->options;
}

bool statedb_finished(const struct statedb *s)
{
    return s->finished;
}

/* Run a statement that returns no rows, then reset it. */
static int step_done(struct statedb *s, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    (void)sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : statedb_error(s->db, rc);
}

int statedb_begin(struct statedb *s)
{
    int err;

    if (s->in_tx)
        return -EINVAL;
    err = step_done(s, s->begin);
    if (err == 0) {
        s->in_tx = true;
        s->finishing = false;
    }
    return err;
}

int statedb_commit(struct statedb *s)
{
    int err;

    if (!s->in_tx)
        return -EINVAL;
    err = step_done(s, s->commit);
    if (err < 0) {
        /* SQLite may or may not have rolled back by itself (SQLITE_FULL, IOERR): make sure,
         * so that the state is the last committed one and the next begin starts clean */
        if (!sqlite3_get_autocommit(s->db))
            (void)step_done(s, s->rollback);
        s->in_tx = false;
        s->finishing = false;
        return err;
    }
    s->in_tx = false;
    if (s->finishing)
        s->finished = true;
    s->finishing = false;
    return 0;
}

void statedb_rollback(struct statedb *s)
{
    if (!s->in_tx)
        return;
    if (!sqlite3_get_autocommit(s->db))
        (void)step_done(s, s->rollback);
    s->in_tx = false;
    s->finishing = false;
}

int statedb_set_finished(struct statedb *s)
{
    int err;

    if (!s->in_tx)
        return -EINVAL;
    err = step_done(s, s->set_finished);
    if (err == 0)
        s->finishing = true;
    return err;
}

int64_t statedb_output_len(struct statedb *s, const char *name)
{
    int64_t len = 0;
    int rc;

    (void)sqlite3_bind_text(s->out_get, 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(s->out_get);
    if (rc == SQLITE_ROW)
        len = sqlite3_column_int64(s->out_get, 0);
    else if (rc != SQLITE_DONE)
        len = statedb_error(s->db, rc);
    (void)sqlite3_reset(s->out_get);
    (void)sqlite3_clear_bindings(s->out_get);
    return len;
}

int statedb_output_set(struct statedb *s, const char *name, const char *path, int64_t len)
{
    int err;

    if (!s->in_tx || len < 0)
        return -EINVAL;
    (void)sqlite3_bind_text(s->out_set, 1, name, -1, SQLITE_STATIC);
    (void)sqlite3_bind_text(s->out_set, 2, path, -1, SQLITE_STATIC);
    (void)sqlite3_bind_int64(s->out_set, 3, len);
    err = step_done(s, s->out_set);
    (void)sqlite3_clear_bindings(s->out_set);
    return err;
}

int statedb_output_reopen(const char *path, int64_t len, char *msg, size_t msgsz, int *fd)
{
    struct stat st;
    int f, err;

    if (msgsz > 0)
        msg[0] = '\0';
    if (len < 0) {
        say(msg, msgsz, "%s: negative committed length %" PRId64, path, len);
        return -EINVAL;
    }
    /* never O_TRUNC: the committed bytes are the run's results so far */
    do
        f = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | (len == 0 ? O_CREAT : 0),
                 0666);
    while (f < 0 && errno == EINTR);
    if (f < 0) {
        err = -errno;
        if (err == -ENOENT)
            say(msg, msgsz, "%s is missing, but %" PRId64 " bytes of it were committed; the run "
                "cannot resume without them", path, len);
        else
            say(msg, msgsz, "cannot reopen %s: %s", path, core_strerror(err));
        return err == -ENOENT ? -EIO : err;
    }
    if (fstat(f, &st) < 0) {
        err = -errno;
        say(msg, msgsz, "cannot reopen %s: %s", path, core_strerror(err));
        goto out_close;
    }
    /* a new output's directory entry must survive a power loss as surely as the bytes the
     * first commit will vouch for (fdatasync does not cover the entry) */
    if (len == 0 && S_ISREG(st.st_mode) && (err = statedb_sync_parent(path)) < 0) {
        say(msg, msgsz, "cannot sync the directory of %s: %s", path, core_strerror(err));
        goto out_close;
    }
    if (S_ISREG(st.st_mode)) {
        if (st.st_size < len) {
            say(msg, msgsz, "%s has %lld bytes, but %" PRId64 " were committed: it was cut or "
                "replaced since, and the run cannot resume without them", path,
                (long long)st.st_size, len);
            err = -EIO;
            goto out_close;
        }
        /* bytes past the last commit (a torn record among them) are redone by the engine */
        if (st.st_size > len && ftruncate(f, (off_t)len) < 0) {
            err = -errno;
            say(msg, msgsz, "cannot cut %s back to its committed %" PRId64 " bytes: %s", path,
                len, core_strerror(err));
            goto out_close;
        }
    }
    *fd = f;
    return 0;

out_close:
    close(f);
    return err;
}

int statedb_sync_file(int fd)
{
    struct stat st;

    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return 0;
    while (fdatasync(fd) < 0)
        if (errno != EINTR)
            return -errno;
    return 0;
}
