/* app/orders_state.c: the batches of a `trawl orders --state` run as they were (see
 * orders_state.h), one row per batch in orders_inputs. */
#include "app/orders_state.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "app/state/statedb.h"

static const char TABLE[] =
    "CREATE TABLE IF NOT EXISTS orders_inputs ("
    " i INTEGER PRIMARY KEY,"       /* the batch's place on the command line */
    " path TEXT NOT NULL,"
    " size INTEGER NOT NULL,"       /* bytes */
    " mtime_ns INTEGER NOT NULL)";

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

static int64_t mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

int orders_state_save_inputs(struct statedb *db, const char *const *inputs, size_t n, char *msg,
                             size_t msgsz)
{
    struct sqlite3 *sql = statedb_sql(db);
    sqlite3_stmt *st = NULL;
    struct stat sb;
    size_t i;
    int rc, err;

    /* the table and its rows in one transaction: a kill leaves all of them or none */
    err = statedb_begin(db);
    if (err == 0 && (rc = sqlite3_exec(sql, TABLE, NULL, NULL, NULL)) == SQLITE_OK)
        rc = sqlite3_prepare_v2(sql, "INSERT INTO orders_inputs (i, path, size, mtime_ns) "
                                "VALUES (?, ?, ?, ?)", -1, &st, NULL);
    if (err == 0 && rc != SQLITE_OK)
        err = statedb_error(sql, rc);
    for (i = 0; err == 0 && i < n; i++) {
        if (stat(inputs[i], &sb) < 0) {
            err = -errno;
            say(msg, msgsz, "cannot read '%s': %s", inputs[i], core_strerror(err));
            break;
        }
        (void)sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
        (void)sqlite3_bind_text(st, 2, inputs[i], -1, SQLITE_STATIC);
        (void)sqlite3_bind_int64(st, 3, (sqlite3_int64)sb.st_size);
        (void)sqlite3_bind_int64(st, 4, (sqlite3_int64)mtime_ns(&sb));
        rc = sqlite3_step(st);
        (void)sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            err = statedb_error(sql, rc);
    }
    if (err == 0)
        err = statedb_commit(db);
    else
        statedb_rollback(db);
    (void)sqlite3_finalize(st);
    if (err < 0 && msgsz && !msg[0])
        say(msg, msgsz, "cannot write the state: %s", core_strerror(err));
    return err;
}

int orders_state_check_inputs(struct statedb *db, const char *const *inputs, size_t n, char *msg,
                              size_t msgsz)
{
    struct sqlite3 *sql = statedb_sql(db);
    sqlite3_stmt *st = NULL;
    struct stat sb;
    size_t i = 0;
    int rc, err = 0;

    rc = sqlite3_prepare_v2(sql, "SELECT path, size, mtime_ns FROM orders_inputs ORDER BY i", -1,
                            &st, NULL);
    if (rc != SQLITE_OK) {
        /* no table: the run was killed between making its state and recording its batches,
         * before it opened an output or committed anything; record them now */
        return orders_state_save_inputs(db, inputs, n, msg, msgsz);
    }
    while (err == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *path = (const char *)sqlite3_column_text(st, 0);
        const int64_t size = sqlite3_column_int64(st, 1);

        if (i >= n || !path || strcmp(path, inputs[i]) != 0) {
            say(msg, msgsz, "the state's batches are not those of its command line");
            err = -EINVAL;
        } else if (stat(inputs[i], &sb) < 0) {
            err = -errno;
            say(msg, msgsz, "cannot read '%s': %s", inputs[i], core_strerror(err));
        } else if ((int64_t)sb.st_size != size || mtime_ns(&sb) != sqlite3_column_int64(st, 2)) {
            say(msg, msgsz, "'%s' changed since the run started (%lld bytes then, %lld now, or "
                "a new modification time): its committed lines may no longer be the same lines, "
                "so the run cannot resume", inputs[i], (long long)size, (long long)sb.st_size);
            err = -EINVAL;
        }
        i++;
    }
    if (err == 0 && rc != SQLITE_DONE) {
        err = statedb_error(sql, rc);
        say(msg, msgsz, "cannot read the state: %s", core_strerror(err));
    }
    if (err == 0 && i != n) {
        say(msg, msgsz, "the state's batches are not those of its command line");
        err = -EINVAL;
    }
    (void)sqlite3_finalize(st);
    return err;
}
