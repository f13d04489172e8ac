/* store/sqlite/exec.c — running statements on one SQLite connection: the per-connection
 * statement cache, error mapping to ta_err, and binding and reading columns. */
#include "store/sqlite/sqlite_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/log.h"

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
 * Rows by description (store/rows.h): one case per column kind
 * ---------------------------------------------------------------------------------------- */

static ta_err bind_col(sqlite3_stmt *q, int i, const struct col *c, const char *f, const char *what)
{
    switch (c->kind) {
    case COL_I64:
    case COL_INT:
    case COL_BOOL:
        sqlite3_bind_int64(q, i, row_get_int(c, f));
        break;
    case COL_STR:
        sq__bind_str(q, i, *(char *const *)f);
        break;
    case COL_CHARS:
        sq__bind_fixed(q, i, f, c->size);
        break;
    case COL_HASH:
    case COL_HASH_OPT:
        sq__bind_hash(q, i, (const unsigned char *)f, c->kind == COL_HASH_OPT);
        break;
    case COL_BLOB: {
        size_t len = *(const size_t *)(f - c->off + c->len_off);
        if (len > c->size) { /* more than the model's array can hold: a caller bug */
            log_error(NULL, "sqlite %s: %s length %zu too large", what, c->name, len);
            return TA_FAIL(TA_E_INTERNAL);
        }
        if (len == 0)
            sqlite3_bind_null(q, i);
        else
            sqlite3_bind_blob(q, i, f, (int)len, SQLITE_STATIC);
        break;
    }
    }
    return TA_OK;
}

ta_err sq__bind_row(sqlite3_stmt *q, int first, const struct row_desc *d, const void *rec,
                    const char *what)
{
    ta_err err = TA_OK;
    for (size_t k = 1; k < d->n && err == TA_OK; k++)
        err =
            bind_col(q, first + (int)k - 1, &d->cols[k], (const char *)rec + d->cols[k].off, what);
    return err;
}

static void read_blob(sqlite3_stmt *q, int i, const struct col *c, char *f)
{
    const void *b = sqlite3_column_blob(q, i);
    size_t len = (size_t)sqlite3_column_bytes(q, i);
    if (b == NULL || len > c->size)
        len = 0; /* longer than the model holds: read as none */
    memset(f, 0, c->size);
    if (len > 0)
        memcpy(f, b, len);
    *(size_t *)(f - c->off + c->len_off) = len;
}

ta_err sq__read_row(sqlite3_stmt *q, int first, const struct row_desc *d, struct arena *a,
                    void *rec)
{
    ta_err err = TA_OK;
    for (size_t k = 0; k < d->n; k++) {
        const struct col *c = &d->cols[k];
        char *f = (char *)rec + c->off;
        int i = first + (int)k;
        switch (c->kind) {
        case COL_I64:
        case COL_INT:
        case COL_BOOL:
            row_put_int(c, f, sqlite3_column_int64(q, i));
            break;
        case COL_STR:
            *(char **)f = sq__col_str(q, i, a, &err);
            break;
        case COL_CHARS:
            sq__col_fixed(q, i, f, c->size);
            break;
        case COL_HASH:
        case COL_HASH_OPT:
            sq__col_hash(q, i, (unsigned char *)f);
            break;
        case COL_BLOB:
            read_blob(q, i, c, f);
            break;
        }
    }
    return err;
}

ta_err sq__read_one(struct sq_store *sq, sqlite3_stmt *q, const struct row_desc *d, struct arena *a,
                    bool ambiguous, void *out, size_t size, const char *what)
{
    union row_any row;
    ta_err err;

    if (size > sizeof row)
        abort(); /* a record union row_any (store/rows.h) does not know yet */
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        memset(&row, 0, sizeof row);
        err = sq__read_row(q, 0, d, a, &row);
        /* To the end: a RETURNING statement finishes (and commits) there. */
        rc = err == TA_OK ? sqlite3_step(q) : SQLITE_DONE;
        if (rc == SQLITE_ROW && ambiguous)
            err = TA_E_CONFLICT;
        else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            err = sq__error(sq, rc, what);
    } else if (rc == SQLITE_DONE) {
        err = TA_E_NOT_FOUND;
    } else {
        err = sq__error(sq, rc, what);
    }
    sq__release(q);
    if (err == TA_OK)
        memcpy(out, &row, size);
    return err;
}

ta_err sq__read_all(struct sq_store *sq, sqlite3_stmt *q, const struct row_desc *d, struct arena *a,
                    size_t size, void **out, size_t *n_out, const char *what)
{
    void *items = NULL;
    size_t n = 0, cap = 0;
    ta_err err = TA_OK;
    int rc;

    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        void *rec = sq__grow(a, &items, &cap, n, size);
        if (rec == NULL) {
            err = TA_E_TOO_LARGE;
            break;
        }
        memset(rec, 0, size);
        err = sq__read_row(q, 0, d, a, rec);
        if (err != TA_OK)
            break;
        n++;
    }
    if (err == TA_OK && rc != SQLITE_DONE)
        err = sq__error(sq, rc, what);
    sq__release(q);
    if (err == TA_OK) {
        *out = items;
        *n_out = n;
    }
    return err;
}

ta_err sq__insert_row(struct sq_store *sq, enum sq_slot slot, const char *sql,
                      const struct row_desc *d, const void *rec, int64_t *id_out, const char *what)
{
    sqlite3_stmt *q = sq__stmt(sq, slot, sql);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    ta_err err = sq__bind_row(q, 1, d, rec, what);
    if (err == TA_OK)
        err = sq__run(sq, q, what, NULL);
    if (err == TA_OK && id_out != NULL)
        *id_out = sqlite3_last_insert_rowid(sq->db);
    sq__release(q);
    return err;
}
