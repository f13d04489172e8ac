/* store/sqlite/backup.c — tradeauth backup/restore on SQLite: the online backup API
 * for a consistent copy without stopping, and a check that nobody has the database open
 * before a restore replaces it. */
#include "store/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SCHEME "sqlite:"

static ta_err why(struct backup_report *rep, ta_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static ta_err why(struct backup_report *rep, ta_err e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->why, sizeof rep->why, fmt, ap);
    va_end(ap);
    return e;
}

static const char *sqlite_path(const char *url, struct backup_report *rep)
{
    if (url == NULL || strncmp(url, SCHEME, strlen(SCHEME)) != 0 || url[strlen(SCHEME)] == '\0') {
        why(rep, TA_E_BAD_REQUEST,
            "backup and restore work on SQLite (--db sqlite:PATH); for PostgreSQL use "
            "pg_dump / pg_restore (docs/operations.md)");
        return NULL;
    }
    return url + strlen(SCHEME);
}

/* flags: SQLITE_OPEN_*; the same busy wait as the server (5 s) for its write lock. */
static sqlite3 *open_db(const char *path, int flags, struct backup_report *rep)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, flags, NULL);
    if (rc != SQLITE_OK) {
        why(rep, TA_E_INTERNAL, "cannot open %s: %s", path,
            db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 5000);
    return db;
}

/* PRAGMA integrity_check answers the single row "ok" on a sound database. */
static ta_err check_integrity(sqlite3 *db, const char *path, struct backup_report *rep)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    bool ok = rc == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(q, 0), "ok") == 0;
    if (!ok && rc == SQLITE_ROW)
        why(rep, TA_E_INTERNAL, "%s: integrity_check: %s", path, sqlite3_column_text(q, 0));
    else if (!ok)
        why(rep, TA_E_INTERNAL, "%s: integrity_check: %s", path, sqlite3_errmsg(db));
    sqlite3_finalize(q);
    return ok ? TA_OK : TA_E_INTERNAL;
}

/* All of src into dst in one step (one read transaction on src: a consistent snapshot;
 * writers of a WAL database are not blocked by it). */
static ta_err copy_all(sqlite3 *dst, sqlite3 *src, struct backup_report *rep)
{
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (b == NULL)
        return why(rep, TA_E_INTERNAL, "backup: %s", sqlite3_errmsg(dst));
    int rc;
    while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED)
        sqlite3_sleep(10);
    rep->pages = sqlite3_backup_pagecount(b);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE)
        return why(rep, TA_E_INTERNAL, "backup: %s", sqlite3_errstr(rc));
    return TA_OK;
}

static ta_err exec(sqlite3 *db, const char *sql, struct backup_report *rep)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK)
        return TA_OK;
    why(rep, TA_E_INTERNAL, "%s: %s", sql, msg != NULL ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return TA_E_INTERNAL;
}

ta_err store_backup(const char *url, const char *dest, struct backup_report *rep)
{
    rep->pages = 0;
    rep->why[0] = '\0';
    const char *path = sqlite_path(url, rep);
    if (path == NULL)
        return TA_E_BAD_REQUEST;
    if (access(dest, F_OK) == 0)
        return why(rep, TA_E_CONFLICT, "%s exists; give a new file name", dest);
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.partial", dest) >= sizeof tmp)
        return why(rep, TA_E_BAD_REQUEST, "file name too long");
    unlink(tmp);
    sqlite3 *src = open_db(path, SQLITE_OPEN_READWRITE, rep);
    if (src == NULL)
        return TA_E_INTERNAL;
    sqlite3 *dst = open_db(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, rep);
    ta_err err = dst == NULL ? TA_E_INTERNAL : copy_all(dst, src, rep);
    sqlite3_close(src);
    /* A backup is one file: no -wal beside it to forget when it is copied elsewhere. */
    if (err == TA_OK)
        err = exec(dst, "PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL", rep);
    if (err == TA_OK)
        err = check_integrity(dst, tmp, rep);
    if (dst != NULL && sqlite3_close(dst) != SQLITE_OK && err == TA_OK)
        err = why(rep, TA_E_INTERNAL, "closing %s failed", tmp);
    if (err == TA_OK && rename(tmp, dest) != 0)
        err = why(rep, TA_E_INTERNAL, "rename %s: %s", tmp, strerror(errno));
    if (err != TA_OK)
        unlink(tmp);
    return err;
}

/* Every connection to a WAL database holds a read lock on the "DMS" byte of its -shm file
 * (offset 128: after the 8 WAL lock bytes at 120) for as long as it is open; SQLite uses it
 * to tell whether it is the only one. Returns the pid of a holder, 0 when none. */
static long shm_holder(const char *path)
{
    char shm[4096];
    if ((size_t)snprintf(shm, sizeof shm, "%s-shm", path) >= sizeof shm)
        return -1;
    int fd = open(shm, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0; /* no -shm: no connection in WAL mode */
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 128, .l_len = 1};
    long pid = 0;
    if (fcntl(fd, F_GETLK, &fl) != 0)
        pid = -1;
    else if (fl.l_type != F_UNLCK)
        pid = fl.l_pid > 0 ? (long)fl.l_pid : -1;
    close(fd);
    return pid;
}

ta_err store_restore(const char *url, const char *src_path, struct backup_report *rep)
{
    rep->pages = 0;
    rep->why[0] = '\0';
    const char *path = sqlite_path(url, rep);
    if (path == NULL)
        return TA_E_BAD_REQUEST;
    sqlite3 *src = open_db(src_path, SQLITE_OPEN_READONLY, rep);
    if (src == NULL)
        return TA_E_INTERNAL;
    ta_err err = check_integrity(src, src_path, rep);
    long holder = err == TA_OK ? shm_holder(path) : 0;
    if (holder != 0) {
        err = why(rep, TA_E_CONFLICT,
                  holder > 0 ? "%s is open in process %ld (a running server?): stop it first"
                             : "%s is open in another process: stop it first",
                  path, holder);
    }
    sqlite3 *dst =
        err == TA_OK ? open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, rep) : NULL;
    if (err == TA_OK && dst == NULL)
        err = TA_E_INTERNAL;
    /* Into the live file through SQLite (not a file copy): its -wal is reset with it. */
    if (err == TA_OK)
        err = copy_all(dst, src, rep);
    if (err == TA_OK)
        err = exec(dst, "PRAGMA journal_mode = WAL", rep);
    if (err == TA_OK)
        err = check_integrity(dst, path, rep);
    sqlite3_close(dst);
    sqlite3_close(src);
    return err;
}
