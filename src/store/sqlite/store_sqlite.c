/* store/sqlite/store_sqlite.c — the embedded backend: connection, statement cache,
 * transactions, migrations and the shared helpers; the method groups live in sqlite_*.c.
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
#include "util/log.h"
#include "util/mem.h"

#define SCHEME "sqlite:"

/* ------------------------------------------------------------------------------------------
 * Statements and errors
 * ---------------------------------------------------------------------------------------- */

sqlite3_stmt *sq__stmt(struct sq_store *sq, enum sq_slot slot, const char *sql)
{
    sqlite3_stmt *q = sq->stmt[slot];
    if (q != NULL)
        return q;
    /* PERSISTENT: these live as long as the connection, so SQLite keeps them out of its
     * lookaside memory meant for short-lived statements. */
    int rc = sqlite3_prepare_v3(sq->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &q, NULL);
    if (rc != SQLITE_OK) {
        log_error(NULL, "sqlite prepare: %s (in: %.80s)", sqlite3_errmsg(sq->db), sql);
        sqlite3_finalize(q);
        return NULL;
    }
    sq->stmt[slot] = q;
    return q;
}

void sq__release(sqlite3_stmt *q)
{
    /* reset's return value repeats the last step's error, already handled by the caller. */
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
}

ta_err sq__error(struct sq_store *sq, int rc, const char *what)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return TA_E_RETRY; /* another writer held the lock past busy_timeout */
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
            return TA_E_CONFLICT; /* an answer, not a failure */
        break;
    default:
        break;
    }
    log_error(NULL, "sqlite %s: %s", what, sqlite3_errmsg(sq->db));
    return TA_FAIL(TA_E_INTERNAL);
}

ta_err sq__step_done(struct sq_store *sq, sqlite3_stmt *q, const char *what)
{
    /* For RETURNING statements the change is made by the first step but only finishes (and,
     * in autocommit mode, commits) when the statement runs to its end. */
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return TA_OK;
    if (rc == SQLITE_ROW) {
        log_error(NULL, "sqlite %s: more than one row", what);
        return TA_FAIL(TA_E_INTERNAL);
    }
    return sq__error(sq, rc, what);
}

ta_err sq__run(struct sq_store *sq, sqlite3_stmt *q, const char *what, int *changes_out)
{
    int rc = sqlite3_step(q);
    if (rc != SQLITE_DONE)
        return sq__error(sq, rc, what);
    if (changes_out != NULL)
        *changes_out = sqlite3_changes(sq->db);
    return TA_OK;
}

ta_err sq__exec(struct sq_store *sq, enum sq_slot slot, const char *sql, const char *what)
{
    sqlite3_stmt *q = sq__stmt(sq, slot, sql);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    ta_err err = sq__run(sq, q, what, NULL);
    sq__release(q);
    return err;
}

/* ------------------------------------------------------------------------------------------
 * Binding and reading
 * ---------------------------------------------------------------------------------------- */

void sq__bind_fixed(sqlite3_stmt *q, int i, const char *buf, size_t cap)
{
    sqlite3_bind_text(q, i, buf, (int)strnlen(buf, cap), SQLITE_STATIC);
}

void sq__bind_hash(sqlite3_stmt *q, int i, const unsigned char *hash, bool or_null)
{
    if (or_null) {
        unsigned char any = 0;
        for (size_t k = 0; k < TA_HASH_BYTES; k++)
            any |= hash[k];
        if (any == 0) {
            sqlite3_bind_null(q, i);
            return;
        }
    }
    sqlite3_bind_blob(q, i, hash, TA_HASH_BYTES, SQLITE_STATIC);
}

char *sq__col_str(sqlite3_stmt *q, int i, struct arena *a, ta_err *err)
{
    if (sqlite3_column_type(q, i) == SQLITE_NULL)
        return NULL;
    const unsigned char *t = sqlite3_column_text(q, i);
    size_t n = (size_t)sqlite3_column_bytes(q, i);
    if (t == NULL) {
        /* Not NULL yet no text: SQLite ran out of memory converting the value. */
        log_error(NULL, "sqlite column %d: out of memory", i);
        *err = TA_FAIL(TA_E_INTERNAL);
        return NULL;
    }
    char *p = arena_strndup(a, (const char *)t, n);
    if (p == NULL && *err == TA_OK)
        *err = TA_E_TOO_LARGE;
    return p;
}

void sq__col_fixed(sqlite3_stmt *q, int i, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    size_t n = t == NULL ? 0 : (size_t)sqlite3_column_bytes(q, i);
    if (n >= cap)
        n = cap - 1;
    if (n > 0)
        memcpy(dst, t, n);
    dst[n] = '\0';
}

void sq__col_hash(sqlite3_stmt *q, int i, unsigned char *dst)
{
    const void *b = sqlite3_column_blob(q, i);
    if (b != NULL && sqlite3_column_bytes(q, i) == TA_HASH_BYTES)
        memcpy(dst, b, TA_HASH_BYTES);
    else
        memset(dst, 0, TA_HASH_BYTES);
}

void *sq__grow(struct arena *a, void **items, size_t *cap, size_t n, size_t size)
{
    if (n == *cap) {
        size_t ncap = *cap == 0 ? 8 : *cap * 2;
        if (ncap > SIZE_MAX / size)
            return NULL;
        void *p = arena_alloc(a, ncap * size);
        if (p == NULL)
            return NULL;
        if (n > 0)
            memcpy(p, *items, n * size);
        *items = p;
        *cap = ncap;
    }
    return (char *)*items + n * size;
}

/* ------------------------------------------------------------------------------------------
 * Transactions
 * ---------------------------------------------------------------------------------------- */

static ta_err sq_begin(struct store *st)
{
    /* IMMEDIATE takes the write lock now (waiting up to busy_timeout), so a use case never
     * fails halfway on a lock upgrade the way a deferred transaction can in WAL mode. */
    return sq__exec(sq__from(st), SQ_BEGIN, "BEGIN IMMEDIATE", "begin");
}

static ta_err sq_commit(struct store *st)
{
    return sq__exec(sq__from(st), SQ_COMMIT, "COMMIT", "commit");
}

static ta_err sq_read_begin(struct store *st)
{
    /* Deferred: takes the WAL read lock at the first read and keeps it to read_end, instead
     * of taking and dropping it around every statement. */
    return sq__exec(sq__from(st), SQ_BEGIN_READ, "BEGIN DEFERRED", "read_begin");
}

static void sq_read_end(struct store *st)
{
    struct sq_store *sq = sq__from(st);
    if (!sqlite3_get_autocommit(sq->db))
        (void)sq__exec(sq, SQ_COMMIT, "COMMIT", "read_end");
}

static void sq_rollback(struct store *st)
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
 * between tries, and the waiting HTTP thread sleeps with every connection it serves, while
 * the lock is usually free again within a fraction of a millisecond (one short transaction
 * and its fsync). So: poll every 50 µs for the first 10 ms, then every 0.5 ms, and give up
 * (SQLITE_BUSY → TA_E_RETRY) after about 5 s, as busy_timeout = 5000 would. */
static int on_busy(void *arg, int tries)
{
    (void)arg;
    const int fast = 200;             /* 200 × 50 µs = 10 ms */
    const int slow = (5000 - 10) * 2; /* then 0.5 ms steps up to ~5 s */
    if (tries >= fast + slow)
        return 0;
    struct timespec ts = {0, tries < fast ? 50000L : 500000L};
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

/* The highest applied migration, 0 for a new database. */
static ta_err schema_version(struct sq_store *sq, int64_t *version_out)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(sq->db, "SELECT coalesce(max(version), 0) FROM schema_version", -1,
                                &q, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *version_out = sqlite3_column_int64(q, 0);
    ta_err err = rc == SQLITE_ROW ? TA_OK : sq__error(sq, rc, "migrate");
    sqlite3_finalize(q);
    return err;
}

static ta_err apply_migration(struct sq_store *sq, size_t i)
{
    char *msg = NULL;
    int rc = sqlite3_exec(sq->db, sq__migrations[i], NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        log_error(NULL, "sqlite migration %zu: %s", i + 1, msg != NULL ? msg : "?");
        sqlite3_free(msg);
        return TA_FAIL(TA_E_INTERNAL);
    }
    sqlite3_stmt *q = NULL;
    rc =
        sqlite3_prepare_v2(sq->db, "INSERT INTO schema_version (version) VALUES (?)", -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, (sqlite3_int64)i + 1);
        rc = sqlite3_step(q);
    }
    ta_err err = rc == SQLITE_DONE ? TA_OK : sq__error(sq, rc, "migrate");
    sqlite3_finalize(q);
    return err;
}

/* Migrations run once per process start, so their statements are prepared on the spot
 * instead of taking cache slots for the life of the connection. */
static ta_err sq_migrate(struct store *st)
{
    struct sq_store *sq = sq__from(st);
    int64_t version = 0;

    if (!sqlite3_get_autocommit(sq->db)) {
        log_error(NULL, "sqlite migrate: called inside a transaction");
        return TA_FAIL(TA_E_INTERNAL);
    }
    /* One IMMEDIATE transaction: two processes starting together apply each migration once. */
    ta_err err = sq__exec(sq, SQ_BEGIN, "BEGIN IMMEDIATE", "begin");
    if (err != TA_OK)
        return err;
    char *msg = NULL;
    int rc = sqlite3_exec(sq->db,
                          "CREATE TABLE IF NOT EXISTS schema_version ("
                          "  version INTEGER PRIMARY KEY)",
                          NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        log_error(NULL, "sqlite migrate: %s", msg != NULL ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        err = TA_FAIL(TA_E_INTERNAL);
    }
    if (err == TA_OK)
        err = schema_version(sq, &version);
    if (err == TA_OK && version > (int64_t)sq__migration_count) {
        /* A newer build migrated this database; running old code on it could corrupt it. */
        log_error(NULL, "sqlite migrate: schema version %lld is newer than this build (%zu)",
                  (long long)version, sq__migration_count);
        err = TA_FAIL(TA_E_INTERNAL);
    }
    for (size_t i = (size_t)version; err == TA_OK && i < sq__migration_count; i++)
        err = apply_migration(sq, i);
    if (err == TA_OK)
        err = sq__exec(sq, SQ_COMMIT, "COMMIT", "commit");
    if (err != TA_OK)
        sq_rollback(st);
    return err;
}

static ta_err sq_ping(struct store *st)
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
 * Meta
 * ---------------------------------------------------------------------------------------- */

static ta_err sq_meta_get(struct store *st, const char *key, struct arena *a, char **value_out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_META_GET, "SELECT value FROM meta WHERE key = ?1");
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sq__bind_str(q, 1, key);

    ta_err err = TA_OK;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        char *v = sq__col_str(q, 0, a, &err);
        if (err == TA_OK)
            *value_out = v;
    } else if (rc == SQLITE_DONE) {
        err = TA_E_NOT_FOUND;
    } else {
        err = sq__error(sq, rc, "meta_get");
    }
    sq__release(q);
    return err;
}

static ta_err sq_meta_put_new(struct store *st, const char *key, const char *value)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_META_PUT, "INSERT INTO meta (key, value) VALUES (?1, ?2)");
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sq__bind_str(q, 1, key);
    sq__bind_str(q, 2, value);
    ta_err err = sq__run(sq, q, "meta_put_new", NULL);
    sq__release(q);
    return err;
}

/* ------------------------------------------------------------------------------------------
 * The method table
 * ---------------------------------------------------------------------------------------- */

const struct store_ops store_sqlite_ops = {
    .scheme = SCHEME,
    .open = sq_open,
    .close = sq_close,
    .migrate = sq_migrate,
    .ping = sq_ping,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .read_begin = sq_read_begin,
    .read_end = sq_read_end,
    .meta_get = sq_meta_get,
    .meta_put_new = sq_meta_put_new,

    .company_insert = sq__company_insert,
    .company_update = sq__company_update,
    .company_get = sq__company_get,
    .company_list = sq__company_list,
    .company_next_no = sq__company_next_no,

    .customer_insert = sq__customer_insert,
    .customer_get = sq__customer_get,
    .customer_by_email = sq__customer_by_email,
    .customer_by_phone = sq__customer_by_phone,
    .customer_by_no = sq__customer_by_no,
    .customer_list = sq__customer_list,
    .customer_set_password = sq__customer_set_password,
    .customer_set_lang = sq__customer_set_lang,
    .customer_lock = sq__customer_lock,
    .customer_set_status = sq__customer_set_status,
    .customer_set_kyc = sq__customer_set_kyc,
    .customer_set_relation = sq__customer_set_relation,
    .customer_set_mfa = sq__customer_set_mfa,
    .customer_mfa_advance = sq__customer_mfa_advance,

    .account_insert = sq__account_insert,
    .account_list = sq__account_list,
    .account_set_amounts = sq__account_set_amounts,

    .session_insert = sq__session_insert,
    .session_by_token = sq__session_by_token,
    .session_by_refresh = sq__session_by_refresh,
    .session_get = sq__session_get,
    .session_touch = sq__session_touch,
    .session_rotate = sq__session_rotate,
    .session_end = sq__session_end,
    .session_end_customer = sq__session_end_customer,
    .session_count_live = sq__session_count_live,

    .ticket_insert = sq__ticket_insert,
    .ticket_by_send = sq__ticket_by_send,
    .ticket_spend = sq__ticket_spend,
    .ticket_consume = sq__ticket_consume,

    .purge = sq__purge,
    .onetime_insert = sq__onetime_insert,
    .onetime_consume = sq__onetime_consume,
    .onetime_peek = sq__onetime_peek,

    .counter_hit = sq__counter_hit,
    .counter_peek = sq__counter_peek,
    .counter_clear = sq__counter_clear,

    .outbox_insert = sq__outbox_insert,
    .outbox_claim = sq__outbox_claim,
    .outbox_finish = sq__outbox_finish,
    .outbox_count = sq__outbox_count,

    .audit_insert = sq__audit_insert,
    .audit_list = sq__audit_list,
    .customer_set_email = sq__customer_set_email,
    .customer_set_phone = sq__customer_set_phone,
    .customer_set_country = sq__customer_set_country,
    .security_get = sq__security_get,
    .security_put = sq__security_put,
    .session_list = sq__session_list,
    .audit_page = sq__audit_page,
    .device_seen = sq__device_seen,
    .customer_erase_due = sq__customer_erase_due,
};
