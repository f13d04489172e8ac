/* store/sqlite/events.c — cache events between processes sharing one SQLite file
 * (a second server, the admin CLI). A change inserts a row in its own transaction; a
 * watcher checks PRAGMA data_version (a counter local to its connection that moves when
 * any other connection commits) every 50 ms and reads the rows it has not seen yet. */
#include "store/events.h"
#include "store/sqlite/sqlite_int.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEEP_ROWS 10000 /* a watcher further behind than this flushes everything */
#define STEP_MS 50

static const char create_sql[] =
    "CREATE TABLE IF NOT EXISTS cache_event (id INTEGER PRIMARY KEY, origin INTEGER NOT NULL,"
    " scope INTEGER NOT NULL, ref INTEGER NOT NULL)";

static int insert_row(sqlite3 *db, uint64_t origin, const struct store_event *ev)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(
        db, "INSERT INTO cache_event (origin, scope, ref) VALUES (?1, ?2, ?3)", -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, (sqlite3_int64)origin);
        sqlite3_bind_int(q, 2, ev->scope);
        sqlite3_bind_int64(q, 3, ev->ref);
        rc = sqlite3_step(q);
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static ta_err sq_publish(struct store *st, uint64_t origin, const struct store_event *ev)
{
    struct sq_store *sq = sq__from(st);
    int rc = insert_row(sq->db, origin, ev);
    if (rc == SQLITE_ERROR && strstr(sqlite3_errmsg(sq->db), "no such table") != NULL) {
        /* A database made before this table existed and never watched yet. */
        rc = sqlite3_exec(sq->db, create_sql, NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            rc = insert_row(sq->db, origin, ev);
    }
    return rc == SQLITE_OK ? TA_OK : sq__error(sq, rc, "cache event");
}

struct sq_watch {
    struct store_watch base;
    struct store *st; /* an unwrapped connection of its own */
    uint64_t origin;
    int64_t data_version;
    int64_t last_id;
    int polls;
};

static bool one_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return rc == SQLITE_ROW;
}

static struct store_watch *sq_watch_open(const char *url, uint64_t origin)
{
    if (strstr(url, ":memory:") != NULL)
        return NULL; /* nobody else can open it */
    struct store *st = NULL;
    if (store_sqlite_ops.open(url, &st) != TA_OK)
        return NULL;
    sqlite3 *db = sq__from(st)->db;
    struct sq_watch *w = xcalloc(1, sizeof *w);
    w->base.b = &store_sqlite_events;
    w->st = st;
    w->origin = origin;
    if (sqlite3_exec(db, create_sql, NULL, NULL, NULL) != SQLITE_OK ||
        !one_int(db, "PRAGMA data_version", &w->data_version) ||
        !one_int(db, "SELECT coalesce(max(id), 0) FROM cache_event", &w->last_id)) {
        log_error(NULL, "sqlite cache watcher: %s", sqlite3_errmsg(db));
        store_sqlite_ops.close(st);
        free(w);
        return NULL;
    }
    return &w->base;
}

/* Reads the rows after last_id. False when some were purged before this watcher saw them. */
static bool read_new(struct sq_watch *w, store_event_sink sink)
{
    sqlite3 *db = sq__from(w->st)->db;
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(
        db, "SELECT id, origin, scope, ref FROM cache_event WHERE id > ?1 ORDER BY id", -1, &q,
        NULL);
    if (rc == SQLITE_OK)
        sqlite3_bind_int64(q, 1, w->last_id);
    bool first = true, ok = rc == SQLITE_OK;
    while (ok && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        if (first && id != w->last_id + 1 && w->last_id != 0)
            ok = false; /* a gap: rows were purged before we read them */
        first = false;
        w->last_id = id;
        struct store_event ev = {sqlite3_column_int(q, 2), sqlite3_column_int64(q, 3)};
        if ((uint64_t)sqlite3_column_int64(q, 1) != w->origin && sink != NULL)
            sink(&ev);
    }
    if (ok && rc != SQLITE_DONE)
        ok = false;
    sqlite3_finalize(q);
    return ok;
}

static void purge_old(struct sq_watch *w)
{
    char sql[128];
    snprintf(sql, sizeof sql,
             "DELETE FROM cache_event WHERE id <= (SELECT max(id) FROM cache_event) - %d",
             KEEP_ROWS);
    (void)sqlite3_exec(sq__from(w->st)->db, sql, NULL, NULL, NULL);
}

static bool sq_watch_poll(struct store_watch *base, int timeout_ms, store_event_sink sink)
{
    struct sq_watch *w = (struct sq_watch *)base;
    sqlite3 *db = sq__from(w->st)->db;
    for (int waited = 0;; waited += STEP_MS) {
        int64_t v = 0;
        if (!one_int(db, "PRAGMA data_version", &v))
            return false;
        if (v != w->data_version) {
            w->data_version = v;
            if (!read_new(w, sink))
                return false;
            if (++w->polls % 1000 == 0)
                purge_old(w);
            return true;
        }
        if (waited >= timeout_ms)
            return true;
        struct timespec ts = {0, STEP_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static void sq_watch_close(struct store_watch *base)
{
    struct sq_watch *w = (struct sq_watch *)base;
    store_sqlite_ops.close(w->st);
    free(w);
}

const struct store_event_backend store_sqlite_events = {
    "sqlite:", sq_publish, sq_watch_open, sq_watch_poll, sq_watch_close,
};
