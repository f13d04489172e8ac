/* store/sqlite/backend.c — the embedded backend: open, close, transactions and the method
 * table; statements and columns are run in exec.c, the method groups live in the other files.
 * One connection per thread (SQLITE_OPEN_NOMUTEX), WAL, synchronous=FULL. */
#include "store/sqlite/sqlite_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/arena.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/stats.h"

#define SCHEME "sqlite:"

/* ------------------------------------------------------------------------------------------
 * Transactions
 * ---------------------------------------------------------------------------------------- */

ta_err sq__begin(struct store *st)
{
    /* IMMEDIATE takes the write lock now (waiting up to busy_timeout), so a use case never
     * fails halfway on a lock upgrade the way a deferred transaction can in WAL mode. */
    return sq__exec(sq__from(st), SQ_BEGIN, "BEGIN IMMEDIATE", "begin");
}

ta_err sq__commit(struct store *st)
{
    return sq__exec(sq__from(st), SQ_COMMIT, "COMMIT", "commit");
}

ta_err sq__read_begin(struct store *st)
{
    /* Deferred: takes the WAL read lock at the first read and keeps it to read_end, instead
     * of taking and dropping it around every statement. */
    return sq__exec(sq__from(st), SQ_BEGIN_READ, "BEGIN DEFERRED", "read_begin");
}

void sq__read_end(struct store *st)
{
    struct sq_store *sq = sq__from(st);
    if (!sqlite3_get_autocommit(sq->db))
        (void)sq__exec(sq, SQ_COMMIT, "COMMIT", "read_end");
}

void sq__rollback(struct store *st)
{
    struct sq_store *sq = sq__from(st);
    /* Nothing to undo without a transaction (or after SQLite already rolled it back on an
     * I/O error), and ROLLBACK would then fail. */
    if (sqlite3_get_autocommit(sq->db))
        return;
    (void)sq__exec(sq, SQ_ROLLBACK, "ROLLBACK", "rollback");
}

ta_err sq__atomic_begin(struct sq_store *sq, bool use_savepoint, struct sq_atomic *at)
{
    at->own_tx = false;
    at->savepoint = false;
    if (sqlite3_get_autocommit(sq->db)) {
        at->own_tx = true;
        return sq__exec(sq, SQ_BEGIN, "BEGIN IMMEDIATE", "begin");
    }
    if (!use_savepoint)
        return TA_OK;
    at->savepoint = true;
    return sq__exec(sq, SQ_SAVEPOINT, "SAVEPOINT ta_op", "savepoint");
}

ta_err sq__atomic_end(struct sq_store *sq, const struct sq_atomic *at, ta_err err)
{
    if (err == TA_OK) {
        if (at->own_tx)
            err = sq__exec(sq, SQ_COMMIT, "COMMIT", "commit");
        else if (at->savepoint)
            err = sq__exec(sq, SQ_RELEASE, "RELEASE ta_op", "release");
        if (err == TA_OK)
            return TA_OK;
    }
    /* Some errors (I/O, full disk) make SQLite roll back the whole transaction itself; then
     * there is neither a transaction nor a savepoint left to undo. */
    if (sqlite3_get_autocommit(sq->db))
        return err;
    if (at->own_tx) {
        (void)sq__exec(sq, SQ_ROLLBACK, "ROLLBACK", "rollback");
    } else if (at->savepoint) {
        (void)sq__exec(sq, SQ_ROLLBACK_TO, "ROLLBACK TO ta_op", "rollback to");
        (void)sq__exec(sq, SQ_RELEASE, "RELEASE ta_op", "release");
    }
    return err;
}

/* ------------------------------------------------------------------------------------------
 * Open, close, migrate
 * ---------------------------------------------------------------------------------------- */

/* mkdir -p of the directory part of path. Directories are 0700: the database holds the
 * server secret and password hashes. */
static ta_err make_parent_dirs(const char *path)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    ta_err err = TA_OK;

    if (slash == NULL || slash == dir)
        goto out; /* the current directory or "/" */
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        bool end = *p == '\0';
        if (*p != '/' && !end)
            continue;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            char buf[128];
            log_error(NULL, "sqlite open: cannot create directory %s: %s", dir,
                      strerror_r(errno, buf, sizeof buf));
            err = TA_FAIL(TA_E_INTERNAL);
            goto out;
        }
        if (end)
            break;
        *p = '/';
    }
out:
    free(dir);
    return err;
}

/* Creates the database file 0600 when missing; SQLite gives its -wal and -shm files the
 * same mode as the main file, so none of them becomes world-readable through the umask.
 * O_EXCL matters: closing any descriptor of the database file drops every POSIX lock this
 * process holds on it, including the WAL locks of the other threads' connections; then
 * another process (the sqlite3 shell, a second tradeauth) thinks it is alone and deletes
 * the WAL under us. With O_EXCL an existing file is never opened here. */
static void create_private_file(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0)
        close(fd);
    /* On failure sqlite3_open_v2 reports the reason. */
}

/* Waiting for the write lock. SQLite's own busy_timeout sleeps 1, 2, 5, 10 ... 100 ms
 * between tries, and the waiting thread sleeps with every request it serves, while the lock
 * is usually free again within a fraction of a millisecond (one short transaction and its
 * fsync). So: poll every 50 µs for the first 10 ms, then every 0.5 ms, and give up
 * (SQLITE_BUSY → TA_E_RETRY) at the request's deadline, or store_busy_ms after the wait
 * began: a lock another process holds for minutes costs a request at most that (issue 13). */
static _Thread_local int64_t busy_since_ns;

static int on_busy(void *arg, int tries)
{
    (void)arg;
    int64_t now = clock_mono_ns();
    if (tries == 0) {
        busy_since_ns = now;
        if (store_on_http_thread())
            stats_add(STAT_HTTP_WAITS, 1);
    }
    int64_t left = store_deadline_for(busy_since_ns) - now;
    if (left <= 0)
        return 0;
    long step = now - busy_since_ns < 10000000 ? 50000L : 500000L;
    struct timespec ts = {0, left < step ? (long)left : step};
    nanosleep(&ts, NULL);
    return 1;
}

static int journal_mode_cb(void *arg, int ncol, char **vals, char **names)
{
    (void)names;
    if (ncol > 0 && vals[0] != NULL)
        *(bool *)arg = strcmp(vals[0], "wal") == 0 || strcmp(vals[0], "memory") == 0;
    return 0;
}

static void sq_close(struct store *st)
{
    struct sq_store *sq = sq__from(st);
    if (sq == NULL)
        return;
    for (size_t i = 0; i < SQ_SLOT_COUNT_; i++)
        sqlite3_finalize(sq->stmt[i]);
    /* Rolls back a transaction left open; cannot be busy, every statement is finalized. */
    sqlite3_close(sq->db);
    free(sq);
}

static ta_err sq_open(const char *url, struct store **out)
{
    const char *path = url + strlen(SCHEME);
    sqlite3 *db = NULL;
    char *msg = NULL;
    bool wal = false;

    if (strncmp(url, SCHEME, strlen(SCHEME)) != 0 || *path == '\0') {
        log_error(NULL, "sqlite open: database URL must be sqlite:PATH");
        return TA_FAIL(TA_E_INTERNAL);
    }
    if (strcmp(path, ":memory:") != 0) {
        ta_err err = make_parent_dirs(path);
        if (err != TA_OK)
            return err;
        create_private_file(path);
    }

    int rc = sqlite3_open_v2(
        path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        log_error(NULL, "sqlite open %s: %s", path,
                  db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_extended_result_codes(db, 1);
    /* The busy handler first, so switching to WAL waits for another process's lock. WAL
     * lets readers run beside the one writer; FULL makes an acknowledged commit survive
     * power loss; foreign keys are off by default in SQLite. */
    sqlite3_busy_handler(db, on_busy, NULL);
    rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", journal_mode_cb, &wal, &msg);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", NULL, NULL,
                          &msg);
    if (rc != SQLITE_OK) {
        log_error(NULL, "sqlite open %s: %s", path, msg != NULL ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        goto fail;
    }
    if (!wal) {
        log_error(NULL, "sqlite open %s: the database refused WAL mode", path);
        goto fail;
    }

    struct sq_store *sq = xcalloc(1, sizeof *sq);
    sq->base.ops = &store_sqlite_ops;
    sq->db = db;
    *out = &sq->base;
    return TA_OK;

fail:
    sqlite3_close(db);
    return TA_FAIL(TA_E_INTERNAL);
}

ta_err sq__ping(struct store *st)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_PING, "SELECT 1");
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    int rc = sqlite3_step(q);
    ta_err err = rc == SQLITE_ROW ? TA_OK : sq__error(sq, rc, "ping");
    sq__release(q);
    return err;
}

/* ------------------------------------------------------------------------------------------
 * The method table
 * ---------------------------------------------------------------------------------------- */

/* clang-format off */
#define SQ_METHOD(ret, name, params) .name = sq__##name,
const struct store_ops store_sqlite_ops = {
    .scheme = SCHEME,
    .open = sq_open,
    .close = sq_close,
    STORE_METHODS(SQ_METHOD)
};
#undef SQ_METHOD
/* clang-format on */
