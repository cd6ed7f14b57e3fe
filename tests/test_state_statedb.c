/* tests/test_state_statedb.c: the durable state of --state/--resume (app/state/statedb.c):
 * create and resume, the errors at open (-EEXIST, -ENOENT, -EINVAL for another kind or a
 * damaged file, -EBUSY, -EACCES), a kill in the middle of a transaction, a full disk at commit
 * (a wrapping VFS that answers SQLITE_FULL, as the unix VFS does on ENOSPC) and outputs cut
 * back to their committed length. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "app/state/statedb.h"

struct fixture {
    char dir[64];     /* a fresh directory under /tmp, removed at teardown */
    char state[96];   /* dir/st: the state directory of the test */
    char path[128];   /* scratch */
};

static int setup(void **state)
{
    static struct fixture fx;

    memset(&fx, 0, sizeof(fx));
    snprintf(fx.dir, sizeof(fx.dir), "/tmp/trawl-statedb-XXXXXX");
    if (!mkdtemp(fx.dir) || chmod(fx.dir, 0755) < 0)
        return -1;
    snprintf(fx.state, sizeof(fx.state), "%s/st", fx.dir);
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    const struct fixture *fx = *state;
    char cmd[160];

    snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s'; rm -rf '%s'", fx->dir, fx->dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *in_state(struct fixture *fx, const char *name)
{
    snprintf(fx->path, sizeof(fx->path), "%s/%s", fx->state, name);
    return fx->path;
}

/* --- a VFS over the default one whose writes fail with SQLITE_FULL while armed --- */

static struct {
    sqlite3_vfs vfs;
    sqlite3_vfs *real;
    bool full;            /* armed: every xWrite answers SQLITE_FULL */
    sqlite3_io_methods methods;
} fullvfs;

struct full_file {
    sqlite3_file base;
    sqlite3_file *real;   /* the real VFS's file, allocated right after this struct */
};

#define REAL(f) (((struct full_file *)(f))->real)

static int ff_close(sqlite3_file *f)
{
    return REAL(f)->pMethods->xClose(REAL(f));
}
static int ff_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
    return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}
static int ff_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
    if (fullvfs.full)
        return SQLITE_FULL;
    return REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}
static int ff_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int ff_sync(sqlite3_file *f, int flags)
{
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int ff_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int ff_lock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xLock(REAL(f), l);
}
static int ff_unlock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), l);
}
static int ff_reserved(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int ff_fcntl(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int ff_sector(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int ff_devchar(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int ff_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp);
}
static int ff_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}
static void ff_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int ff_shm_unmap(sqlite3_file *f, int del)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}
static int ff_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp)
{
    return REAL(f)->pMethods->xFetch(REAL(f), off, n, pp);
}
static int ff_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static int ff_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *oflags)
{
    struct full_file *p = (struct full_file *)file;
    int rc;

    (void)vfs;
    p->real = (sqlite3_file *)&p[1];
    memset(p->real, 0, (size_t)fullvfs.real->szOsFile);
    rc = fullvfs.real->xOpen(fullvfs.real, name, p->real, flags, oflags);
    p->base.pMethods = p->real->pMethods ? &fullvfs.methods : NULL;
    return rc;
}

/* Make the wrapping VFS SQLite's default (before any database is opened). */
static void fullvfs_install(void)
{
    fullvfs.real = sqlite3_vfs_find(NULL);
    fullvfs.vfs = *fullvfs.real;
    fullvfs.vfs.zName = "trawl-test-full";
    fullvfs.vfs.szOsFile = (int)sizeof(struct full_file) + fullvfs.real->szOsFile;
    fullvfs.vfs.xOpen = ff_open;
    fullvfs.methods = (sqlite3_io_methods){
        3, ff_close, ff_read, ff_write, ff_truncate, ff_sync, ff_size, ff_lock, ff_unlock,
        ff_reserved, ff_fcntl, ff_sector, ff_devchar, ff_shm_map, ff_shm_lock, ff_shm_barrier,
        ff_shm_unmap, ff_fetch, ff_unfetch};
    if (sqlite3_vfs_register(&fullvfs.vfs, 1) != SQLITE_OK)
        abort();
}

/* --- helpers --- */

static struct statedb *open_ok(const char *dir, const char *kind, const char *options,
                               enum statedb_mode mode)
{
    struct statedb *s = NULL;
    char msg[256];
    int rc = statedb_open(dir, kind, options, mode, msg, sizeof(msg), &s);

    if (rc != 0)
        print_error("statedb_open(%s): %d %s\n", dir, rc, msg);
    assert_int_equal(rc, 0);
    assert_non_null(s);
    return s;
}

/* statedb_open must fail with want and a sentence. */
static void open_fails(const char *dir, const char *kind, enum statedb_mode mode, int want)
{
    struct statedb *s = NULL;
    char msg[256] = "x";
    int rc = statedb_open(dir, kind, "{}", mode, msg, sizeof(msg), &s);

    if (rc != want)
        print_error("want %d, got %d: %s\n", want, rc, msg);
    assert_int_equal(rc, want);
    assert_null(s);
    assert_true(strlen(msg) > 10);
}

static void sql_ok(struct statedb *s, const char *sql)
{
    char *err = NULL;
    int rc = sqlite3_exec(statedb_sql(s), sql, NULL, NULL, &err);

    if (rc != SQLITE_OK)
        print_error("%s: %s\n", sql, err ? err : "?");
    sqlite3_free(err);
    assert_int_equal(rc, SQLITE_OK);
}

/* An int from a one-value query. */
static int64_t sql_int(struct statedb *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v;

    assert_int_equal(sqlite3_prepare_v2(statedb_sql(s), sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Commit one row i of table t and the output length 10 * i. */
static int commit_row(struct statedb *s, int i)
{
    char sql[128];
    int rc;

    rc = statedb_begin(s);
    if (rc < 0)
        return rc;
    snprintf(sql, sizeof(sql), "INSERT INTO t (i, pad) VALUES (%d, zeroblob(200))", i);
    rc = sqlite3_exec(statedb_sql(s), sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        statedb_rollback(s);
        return statedb_error(statedb_sql(s), rc);
    }
    rc = statedb_output_set(s, "jsonl", "/dev/null", 10 * (int64_t)i);
    if (rc < 0) {
        statedb_rollback(s);
        return rc;
    }
    return statedb_commit(s);
}

static void write_file(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
}

static off_t file_size(const char *path)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

/* --- tests --- */

static void test_statedb_create_then_resume_round_trip(void **state)
{
    struct fixture *fx = *state;
    struct statedb *s;

    s = open_ok(fx->state, "orders", "{\"workers\":4}", STATEDB_CREATE);
    assert_string_equal(statedb_options(s), "{\"workers\":4}");
    assert_false(statedb_finished(s));
    assert_int_equal(statedb_output_len(s, "jsonl"), 0);
    sql_ok(s, "CREATE TABLE IF NOT EXISTS t (i INTEGER PRIMARY KEY, pad BLOB)");
    assert_int_equal(commit_row(s, 1), 0);
    assert_int_equal(commit_row(s, 2), 0);
    assert_int_equal(statedb_output_len(s, "jsonl"), 20);
    /* a rolled-back transaction leaves nothing */
    assert_int_equal(statedb_begin(s), 0);
    assert_int_equal(statedb_begin(s), -EINVAL);
    assert_int_equal(statedb_output_set(s, "jsonl", "/dev/null", 999), 0);
    assert_int_equal(statedb_output_len(s, "jsonl"), 999);
    statedb_rollback(s);
    assert_int_equal(statedb_output_len(s, "jsonl"), 20);
    assert_int_equal(statedb_commit(s), -EINVAL);
    assert_int_equal(statedb_set_finished(s), -EINVAL);
    assert_int_equal(statedb_output_set(s, "jsonl", "/dev/null", 1), -EINVAL);
    statedb_close(s);

    s = open_ok(fx->state, "orders", "ignored on resume", STATEDB_RESUME);
    assert_string_equal(statedb_options(s), "{\"workers\":4}");
    assert_false(statedb_finished(s));
    assert_int_equal(statedb_output_len(s, "jsonl"), 20);
    assert_int_equal(statedb_output_len(s, "other"), 0);
    assert_int_equal(sql_int(s, "SELECT count(*) FROM t"), 2);
    assert_int_equal(statedb_begin(s), 0);
    assert_int_equal(statedb_set_finished(s), 0);
    assert_false(statedb_finished(s));   /* not before the commit */
    assert_int_equal(statedb_commit(s), 0);
    assert_true(statedb_finished(s));
    statedb_close(s);

    s = open_ok(fx->state, "orders", NULL, STATEDB_RESUME);
    assert_true(statedb_finished(s));
    statedb_close(s);
    statedb_close(NULL);
}

static void test_statedb_create_on_existing_state_is_eexist(void **state)
{
    struct fixture *fx = *state;
    struct statedb *s = open_ok(fx->state, "orders", "{}", STATEDB_CREATE);

    statedb_close(s);
    open_fails(fx->state, "orders", STATEDB_CREATE, -EEXIST);
    open_fails(fx->state, "crawl", STATEDB_CREATE, -EEXIST);
    /* and the state is untouched */
    s = open_ok(fx->state, "orders", NULL, STATEDB_RESUME);
    statedb_close(s);
}

static void test_statedb_resume_without_state_is_enoent(void **state)
{
    struct fixture *fx = *state;

    open_fails(fx->state, "orders", STATEDB_RESUME, -ENOENT);     /* no such directory */
    assert_int_equal(mkdir(fx->state, 0755), 0);
    open_fails(fx->state, "orders", STATEDB_RESUME, -ENOENT);     /* an empty one */
    assert_int_equal(access(in_state(fx, "lock"), F_OK), -1);    /* nothing left in it */
    /* a file where the directory should be */
    write_file(in_state(fx, "state.db"), "", 0);
    snprintf(fx->path, sizeof(fx->path), "%s/st/state.db", fx->dir);
    open_fails(fx->path, "orders", STATEDB_RESUME, -ENOTDIR);
    open_fails(fx->path, "orders", STATEDB_CREATE, -ENOTDIR);
}

static void test_statedb_resume_of_another_kind_is_einval(void **state)
{
    struct fixture *fx = *state;
    struct statedb *s = open_ok(fx->state, "crawl", "{}", STATEDB_CREATE);
    char msg[256];

    statedb_close(s);
    s = NULL;
    assert_int_equal(statedb_open(fx->state, "orders", "{}", STATEDB_RESUME, msg, sizeof(msg),
                                  &s), -EINVAL);
    assert_null(s);
    assert_non_null(strstr(msg, "crawl"));
    /* msgsz 0 is allowed */
    assert_int_equal(statedb_open(fx->state, "orders", "{}", STATEDB_RESUME, NULL, 0, &s),
                     -EINVAL);
}

static void test_statedb_second_open_is_ebusy(void **state)
{
    struct fixture *fx = *state;
    struct statedb *s = open_ok(fx->state, "orders", "{}", STATEDB_CREATE);
    struct statedb *s2;
    int status;
    pid_t pid;

    open_fails(fx->state, "orders", STATEDB_RESUME, -EBUSY);
    /* another process too */
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char msg[128];

        s2 = NULL;
        _exit(statedb_open(fx->state, "orders", "{}", STATEDB_RESUME, msg, sizeof(msg), &s2)
              == -EBUSY ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    statedb_close(s);
    /* released at close */
    s2 = open_ok(fx->state, "orders", NULL, STATEDB_RESUME);
    statedb_close(s2);
}

/* A reader in another process holding a read lock while the state opens (as the tests' own
 * pollers and a user's sqlite3 do) is waited for, not a failure: the switch to WAL needs the
 * database to itself. Made to need the switch by putting the file back in rollback mode. */
static void test_statedb_open_waits_for_a_readers_lock(void **state)
{
    struct fixture *fx = *state;
    struct statedb *s = open_ok(fx->state, "orders", "{}", STATEDB_CREATE);
    char path[PATH_MAX], c;
    sqlite3 *db;
    int fds[2], status;
    pid_t pid;

    statedb_close(s);
    snprintf(path, sizeof(path), "%s/state.db", fx->state);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* hold a shared lock for 300 ms, then let go */
        close(fds[0]);
        if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
            sqlite3_exec(db, "BEGIN; SELECT count(*) FROM meta", NULL, NULL, NULL) != SQLITE_OK)
            _exit(1);
        if (write(fds[1], "x", 1) != 1)
            _exit(1);
        usleep(300 * 1000);
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        sqlite3_close(db);
        _exit(0);
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], &c, 1), 1); /* the reader holds its lock */
    close(fds[0]);
    s = open_ok(fx->state, "orders", NULL, STATEDB_RESUME);
    statedb_close(s);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_statedb_damaged_database_is_einval(void **state)
{
    struct fixture *fx = *state;
    struct statedb *s = open_ok(fx->state, "orders", "{}", STATEDB_CREATE);
    char garbage[8192];
    off_t size;
    int i;

    sql_ok(s, "CREATE TABLE t (i INTEGER PRIMARY KEY, pad BLOB)");
    for (i = 1; i <= 200; i++)
        assert_int_equal(commit_row(s, i), 0);
    statedb_close(s);
    size = file_size(in_state(fx, "state.db"));
    assert_true(size > 40000);
    /* cut in half */
    assert_int_equal(truncate(in_state(fx, "state.db"), size / 2), 0);
    open_fails(fx->state, "orders", STATEDB_RESUME, -EINVAL);
    /* cut to less than a page */
    assert_int_equal(truncate(in_state(fx, "state.db"), 100), 0);
    open_fails(fx->state, "orders", STATEDB_RESUME, -EINVAL);
    /* garbage */
    for (i = 0; i < (int)sizeof(garbage); i++)
        garbage[i] = (char)(i * 7919 % 251);
    write_file(in_state(fx, "state.db"), garbage, sizeof(garbage));
    open_fails(fx->state, "orders", STATEDB_RESUME, -EINVAL);
    /* empty: a valid SQLite database with none of our tables */
    write_file(in_state(fx, "state.db"), "", 0);
    open_fails(fx->state, "orders", STATEDB_RESUME, -EINVAL);
    /* somebody else's SQLite database */
    {
        sqlite3 *db = NULL;

        assert_int_equal(unlink(in_state(fx, "state.db")), 0);
        assert_int_equal(sqlite3_open(in_state(fx, "state.db"), &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, "CREATE TABLE meta (x); INSERT INTO meta VALUES (1)",
                                      NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
    }
    open_fails(fx->state, "orders", STATEDB_RESUME, -EINVAL);
}

/* The child of the kill test: commit rows 1..n, then start a big transaction (bigger than the
 * page cache, so SQLite spills uncommitted pages into the WAL) and kill itself in its middle. */
static void kill_child(const char *dir, int n)
{
    struct statedb *s = NULL;
    char msg[256];
    int i;

    if (statedb_open(dir, "orders", NULL, STATEDB_RESUME, msg, sizeof(msg), &s) != 0)
        _exit(2);
    if (sqlite3_exec(statedb_sql(s), "PRAGMA cache_size = 8", NULL, NULL, NULL) != SQLITE_OK)
        _exit(3);
    for (i = 1; i <= n; i++)
        if (commit_row(s, i) != 0)
            _exit(4);
    if (statedb_begin(s) != 0)
        _exit(5);
    for (i = n + 1; i <= n + 500; i++) {
        char sql[96];

        snprintf(sql, sizeof(sql), "INSERT INTO t (i, pad) VALUES (%d, zeroblob(2000))", i);
        if (sqlite3_exec(statedb_sql(s), sql, NULL, NULL, NULL) != SQLITE_OK)
            _exit(6);
    }
    if (statedb_output_set(s, "jsonl", "/dev/null", 123456789) != 0)
        _exit(7);
    kill(getpid(), SIGKILL);
    _exit(8);
}

static void test_statedb_kill_mid_transaction_keeps_what_was_committed(void **state)
{
    struct fixture *fx = *state;
    static const int counts[] = {0, 1, 7, 60};
    struct statedb *s = open_ok(fx->state, "orders", "{}", STATEDB_CREATE);
    struct stat st;
    size_t k;
    int status;
    pid_t pid;

    sql_ok(s, "CREATE TABLE t (i INTEGER PRIMARY KEY, pad BLOB)");
    statedb_close(s);
    for (k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
            kill_child(fx->state, counts[k]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGKILL);
        /* the kill left a WAL with uncommitted frames in it */
        assert_int_equal(stat(in_state(fx, "state.db-wal"), &st), 0);
        assert_true(st.st_size > 0);

        s = open_ok(fx->state, "orders", NULL, STATEDB_RESUME);
        assert_int_equal(sql_int(s, "SELECT count(*) FROM t"), counts[k]);
        assert_int_equal(sql_int(s, "SELECT coalesce(max(i), 0) FROM t"), counts[k]);
        assert_int_equal(statedb_output_len(s, "jsonl"), 10 * (int64_t)counts[k]);
        /* the next child starts from an empty table again */
        assert_int_equal(statedb_begin(s), 0);
        sql_ok(s, "DELETE FROM t");
        assert_int_equal(statedb_output_set(s, "jsonl", "/dev/null", 0), 0);
        assert_int_equal(statedb_commit(s), 0);
        statedb_close(s);
    }
}

/* Whether the test runs with the power to write into a 0500 directory (root). */
static bool can_write_anyway(const char *dir)
{
    char path[160];
    int fd;

    snprintf(path, sizeof(path), "%s/probe", dir);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0)
        return false;
    close(fd);
    unlink(path);
    return true;
}

/* The checks of a read-only state dir, as plain returns (they also run in a child): 0, or the
 * number of the check that failed. */
static int read_only_checks(struct fixture *fx)
{
    struct statedb *s = NULL;
    char msg[256], path[160];
    int rc;

    if (chmod(fx->state, 0500) < 0 || can_write_anyway(fx->state))
        return 1;
    rc = statedb_open(fx->state, "orders", NULL, STATEDB_RESUME, msg, sizeof(msg), &s);
    if ((rc != -EACCES && rc != -EROFS) || s || !strstr(msg, "cannot write the state"))
        return 2;
    /* a new state under a read-only directory */
    if (chmod(fx->dir, 0500) < 0)
        return 3;
    snprintf(path, sizeof(path), "%s/new", fx->dir);
    rc = statedb_open(path, "orders", "{}", STATEDB_CREATE, msg, sizeof(msg), &s);
    if (rc != -EACCES || s || !strstr(msg, "cannot create the state directory"))
        return 4;
    /* writable again: the state was never damaged */
    if (chmod(fx->dir, 0755) < 0 || chmod(fx->state, 0755) < 0)
        return 5;
    if (statedb_open(fx->state, "orders", NULL, STATEDB_RESUME, msg, sizeof(msg), &s) != 0)
        return 6;
    statedb_close(s);
    return 0;
}

/* As root chmod stops nothing: the checks then run in a child that has become nobody
 * (uid 65534), owning the fixture's files. */
static void test_statedb_read_only_state_dir_is_a_clear_error(void **state)
{
    struct fixture *fx = *state;
    struct statedb *s = open_ok(fx->state, "orders", "{}", STATEDB_CREATE);
    int status;
    pid_t pid;

    statedb_close(s);
    if (!can_write_anyway(fx->state) || geteuid() != 0) {
        assert_int_equal(read_only_checks(fx), 0);
        return;
    }
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char cmd[200];

        snprintf(cmd, sizeof(cmd), "chown -R 65534:65534 '%s'", fx->dir);
        if (system(cmd) != 0 || setgid(65534) < 0 || setuid(65534) < 0)
            _exit(100);
        _exit(read_only_checks(fx));
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_statedb_disk_full_at_commit_is_enospc_and_resumable(void **state)
{
    struct fixture *fx = *state;
    struct statedb *s = open_ok(fx->state, "orders", "{}", STATEDB_CREATE);

    sql_ok(s, "CREATE TABLE t (i INTEGER PRIMARY KEY, pad BLOB)");
    assert_int_equal(commit_row(s, 1), 0);
    assert_int_equal(commit_row(s, 2), 0);
    /* the disk fills up: WAL frames are written at commit, and the write fails */
    fullvfs.full = true;
    assert_int_equal(commit_row(s, 3), -ENOSPC);
    assert_int_equal(statedb_output_len(s, "jsonl"), 20);
    statedb_rollback(s);  /* a no-op after a failed commit */
    assert_int_equal(commit_row(s, 3), -ENOSPC);
    fullvfs.full = false;
    statedb_close(s);

    s = open_ok(fx->state, "orders", NULL, STATEDB_RESUME);
    assert_int_equal(sql_int(s, "SELECT count(*) FROM t"), 2);
    assert_int_equal(statedb_output_len(s, "jsonl"), 20);
    /* and it goes on once there is room again */
    assert_int_equal(commit_row(s, 3), 0);
    statedb_close(s);
    s = open_ok(fx->state, "orders", NULL, STATEDB_RESUME);
    assert_int_equal(sql_int(s, "SELECT count(*) FROM t"), 3);
    statedb_close(s);
}

/* The database full by its own limit (PRAGMA max_page_count): the statement that needs a page
 * fails with SQLITE_FULL, which statedb_error turns into -ENOSPC. */
static void test_statedb_max_page_count_full_is_enospc(void **state)
{
    struct fixture *fx = *state;
    struct statedb *s = open_ok(fx->state, "orders", "{}", STATEDB_CREATE);
    int rc;

    sql_ok(s, "CREATE TABLE t (i INTEGER PRIMARY KEY, pad BLOB)");
    assert_int_equal(commit_row(s, 1), 0);
    sql_ok(s, "PRAGMA max_page_count = 8");
    assert_int_equal(statedb_begin(s), 0);
    rc = sqlite3_exec(statedb_sql(s), "INSERT INTO t VALUES (2, zeroblob(100000))", NULL, NULL,
                      NULL);
    assert_int_equal(rc & 0xff, SQLITE_FULL);
    assert_int_equal(statedb_error(statedb_sql(s), rc), -ENOSPC);
    statedb_rollback(s);
    statedb_close(s);
    s = open_ok(fx->state, "orders", NULL, STATEDB_RESUME);
    assert_int_equal(sql_int(s, "SELECT count(*) FROM t"), 1);
    assert_int_equal(statedb_output_len(s, "jsonl"), 10);
    statedb_close(s);
}

static void test_statedb_output_reopen_cuts_to_committed_length(void **state)
{
    struct fixture *fx = *state;
    char msg[256], buf[64];
    int fd = -1;
    ssize_t n;

    assert_int_equal(mkdir(fx->state, 0755), 0);
    write_file(in_state(fx, "out"), "line one\nline two\nline thr", 26);
    assert_int_equal(statedb_output_reopen(fx->path, 18, msg, sizeof(msg), &fd), 0);
    assert_true(fd >= 0);
    assert_int_equal(file_size(fx->path), 18);
    assert_int_equal(fcntl(fd, F_GETFL) & (O_APPEND | O_ACCMODE), O_APPEND | O_WRONLY);
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    assert_int_equal(write(fd, "line 3\n", 7), 7);
    assert_int_equal(statedb_sync_file(fd), 0);
    close(fd);
    fd = open(fx->path, O_RDONLY);
    n = read(fd, buf, sizeof(buf));
    close(fd);
    assert_int_equal(n, 25);
    assert_memory_equal(buf, "line one\nline two\nline 3\n", 25);

    /* the committed length exactly: nothing cut */
    assert_int_equal(statedb_output_reopen(fx->path, 25, msg, sizeof(msg), &fd), 0);
    close(fd);
    assert_int_equal(file_size(fx->path), 25);
    /* a missing file with nothing committed is created */
    in_state(fx, "new");
    assert_int_equal(statedb_output_reopen(fx->path, 0, msg, sizeof(msg), &fd), 0);
    close(fd);
    assert_int_equal(file_size(fx->path), 0);
}

static void test_statedb_output_reopen_of_a_shorter_file_fails(void **state)
{
    struct fixture *fx = *state;
    char msg[256];
    int fd = -1;

    assert_int_equal(mkdir(fx->state, 0755), 0);
    write_file(in_state(fx, "out"), "short\n", 6);
    msg[0] = '\0';
    assert_int_equal(statedb_output_reopen(fx->path, 100, msg, sizeof(msg), &fd), -EIO);
    assert_int_equal(fd, -1);
    assert_non_null(strstr(msg, "100"));
    assert_int_equal(file_size(fx->path), 6);   /* left as it was */
    /* a missing file with committed bytes */
    in_state(fx, "gone");
    assert_int_equal(statedb_output_reopen(fx->path, 10, msg, sizeof(msg), &fd), -EIO);
    assert_non_null(strstr(msg, "missing"));
    assert_int_equal(access(fx->path, F_OK), -1);
}

static void test_statedb_sync_file_skips_pipes(void **state)
{
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    assert_int_equal(statedb_sync_file(p[1]), 0);
    close(p[0]);
    close(p[1]);
    assert_int_equal(statedb_sync_file(p[1]), -EBADF);
}

static void test_statedb_error_maps_sqlite_codes(void **state)
{
    (void)state;
    assert_int_equal(statedb_error(NULL, SQLITE_OK), 0);
    assert_int_equal(statedb_error(NULL, SQLITE_DONE), 0);
    assert_int_equal(statedb_error(NULL, SQLITE_FULL), -ENOSPC);
    assert_int_equal(statedb_error(NULL, SQLITE_BUSY), -EBUSY);
    assert_int_equal(statedb_error(NULL, SQLITE_CORRUPT), -EINVAL);
    assert_int_equal(statedb_error(NULL, SQLITE_NOTADB), -EINVAL);
    assert_int_equal(statedb_error(NULL, SQLITE_READONLY), -EACCES);
    assert_int_equal(statedb_error(NULL, SQLITE_NOMEM), -ENOMEM);
    assert_int_equal(statedb_error(NULL, SQLITE_IOERR_READ), -EIO);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_statedb_create_then_resume_round_trip, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_statedb_create_on_existing_state_is_eexist, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_statedb_resume_without_state_is_enoent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_statedb_resume_of_another_kind_is_einval, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_statedb_second_open_is_ebusy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_statedb_open_waits_for_a_readers_lock, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_statedb_damaged_database_is_einval, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_statedb_kill_mid_transaction_keeps_what_was_committed,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_statedb_read_only_state_dir_is_a_clear_error, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_statedb_disk_full_at_commit_is_enospc_and_resumable,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_statedb_max_page_count_full_is_enospc, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_statedb_output_reopen_cuts_to_committed_length,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_statedb_output_reopen_of_a_shorter_file_fails,
                                        setup, teardown),
        cmocka_unit_test(test_statedb_sync_file_skips_pipes),
        cmocka_unit_test(test_statedb_error_maps_sqlite_codes),
    };

    fullvfs_install();
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
