/* store/sqlite/sqlite_int.h — what the files of the SQLite backend share and nobody else sees:
 * the connection handle, the statement cache slots and the bind/column/error helpers.
 * Helpers shared across these files carry the sq__ prefix (STYLE 3: module-internal). */
#ifndef TA_STORE_SQLITE_SQLITE_INT_H
#define TA_STORE_SQLITE_SQLITE_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/rows.h"
#include "store/store.h"

/* One slot per cached statement. Each slot is used by exactly one SQL text, which lives
 * next to the code that runs it; the slot only names where the prepared form is kept. */
enum sq_slot {
    SQ_BEGIN,
    SQ_BEGIN_READ,
    SQ_COMMIT,
    SQ_ROLLBACK,
    SQ_SAVEPOINT,
    SQ_RELEASE,
    SQ_ROLLBACK_TO,
    SQ_PING,
    SQ_META_GET,
    SQ_META_PUT,

    SQ_COMPANY_INSERT,
    SQ_COMPANY_UPDATE,
    SQ_COMPANY_GET,
    SQ_COMPANY_LIST,
    SQ_COMPANY_NEXT_NO,
    SQ_COMPANY_RAISE_NO,
    SQ_ASSET_INSERT,
    SQ_ASSET_DELETE,
    SQ_ASSET_LIST,
    SQ_OFFER_INSERT,
    SQ_OFFER_DELETE,
    SQ_OFFER_LIST,
    SQ_GROUP_INSERT,
    SQ_GROUP_DELETE,
    SQ_GROUP_LIST,

    SQ_CUSTOMER_INSERT,
    SQ_CUSTOMER_GET,
    SQ_CUSTOMER_BY_EMAIL,
    SQ_CUSTOMER_BY_PHONE,
    SQ_CUSTOMER_BY_NO,
    SQ_CUSTOMER_LIST,
    SQ_CUSTOMER_SET_PASSWORD,
    SQ_CUSTOMER_SET_LANG,
    SQ_CUSTOMER_SET_STATUS,
    SQ_CUSTOMER_SET_KYC,
    SQ_CUSTOMER_SET_RELATION,
    SQ_CUSTOMER_SET_MFA,
    SQ_CUSTOMER_MFA_ADVANCE,

    SQ_ACCOUNT_INSERT,
    SQ_ACCOUNT_LIST,
    SQ_ACCOUNT_SET_AMOUNTS,

    SQ_SESSION_INSERT,
    SQ_SESSION_BY_TOKEN,
    SQ_SESSION_BY_REFRESH,
    SQ_SESSION_GET,
    SQ_SESSION_TOUCH,
    SQ_SESSION_ROTATE,
    SQ_SESSION_END,
    SQ_SESSION_EXISTS,
    SQ_SESSION_END_CUSTOMER,
    SQ_SESSION_COUNT_LIVE,

    SQ_TICKET_END_OPEN,
    SQ_TICKET_INSERT,
    SQ_TICKET_BY_SEND,
    SQ_TICKET_SPEND,
    SQ_TICKET_CONSUME,

    SQ_ONETIME_INSERT,
    SQ_ONETIME_CONSUME,
    SQ_ONETIME_PEEK,

    SQ_COUNTER_HIT,
    SQ_COUNTER_PEEK,
    SQ_COUNTER_CLEAR,

    SQ_OUTBOX_INSERT,
    SQ_OUTBOX_EXPIRE,
    SQ_OUTBOX_CLAIM,
    SQ_OUTBOX_RECLAIM,
    SQ_OUTBOX_FINISH,
    SQ_OUTBOX_COUNT,

    SQ_AUDIT_INSERT,
    SQ_AUDIT_LIST,
    SQ_COMPANY_KEY_GET,
    SQ_COMPANY_KEY_SET,
    SQ_SIGNATURE_EXPIRE,
    SQ_SIGNATURE_INSERT,

    /* security.c */
    SQ_SEC_SET_EMAIL,
    SQ_SEC_SET_PHONE,
    SQ_SEC_SET_COUNTRY,
    SQ_SEC_GET,
    SQ_SEC_PUT,
    SQ_SEC_SESSION_LIST,
    SQ_SEC_AUDIT_PAGE,
    SQ_SEC_DEVICE_FIND,
    SQ_SEC_DEVICE_ANY,
    SQ_SEC_DEVICE_PUT,

    SQ_SLOT_COUNT_
};

/* The backend's handle: one connection, owned by one thread. */
struct sq_store {
    struct store base; /* first, so struct store * casts back */
    sqlite3 *db;
    sqlite3_stmt *stmt[SQ_SLOT_COUNT_]; /* prepared on first use, finalized on close */
};

static inline struct sq_store *sq__from(struct store *st)
{
    return (struct sq_store *)st;
}

/* The method table (backend.c); store/store.c declares it for its backend list. */
extern const struct store_ops store_sqlite_ops;

/* ---- statements and errors (exec.c) ---- */

/* The cached statement of slot, prepared from sql on first use. NULL (already logged) when
 * preparing fails. Every user ends with sq__release, so it is handed out clean. */
sqlite3_stmt *sq__stmt(struct sq_store *sq, enum sq_slot slot, const char *sql);
/* Resets q and clears its bindings: every use of a cached statement ends with this. */
void sq__release(sqlite3_stmt *q);
/* Maps a failed step's rc: BUSY/LOCKED → TA_E_RETRY, UNIQUE/PRIMARYKEY → TA_E_CONFLICT,
 * anything else is logged with the native message and becomes TA_E_INTERNAL. */
ta_err sq__error(struct sq_store *sq, int rc, const char *what);
/* Steps q once more after its only row was read; TA_OK when it reports DONE. */
ta_err sq__step_done(struct sq_store *sq, sqlite3_stmt *q, const char *what);
/* Steps a statement that returns no rows; *changes_out (may be NULL) gets the rows changed.
 * Does not release q. */
ta_err sq__run(struct sq_store *sq, sqlite3_stmt *q, const char *what, int *changes_out);
/* Prepares (once) and runs a statement without parameters, then releases it. */
ta_err sq__exec(struct sq_store *sq, enum sq_slot slot, const char *sql, const char *what);

/* Makes a multi-statement method atomic. Outside a transaction it runs BEGIN IMMEDIATE and
 * owns the transaction; inside the caller's one it opens a savepoint when use_savepoint is
 * set, so a CONFLICT answer halfway leaves the caller's transaction as it was. */
struct sq_atomic {
    bool own_tx;
    bool savepoint;
};
ta_err sq__atomic_begin(struct sq_store *sq, bool use_savepoint, struct sq_atomic *at);
/* Commits/releases when err is TA_OK, else undoes; returns the final answer. */
ta_err sq__atomic_end(struct sq_store *sq, const struct sq_atomic *at, ta_err err);

/* ---- binding (the caller's buffers outlive the step, hence SQLITE_STATIC) ---- */

/* bind results are not checked: with SQLITE_STATIC they fail only for an out-of-range index
 * (a bug the contract tests catch) or a value over SQLite's 1 GB limit. */
static inline void sq__bind_str(sqlite3_stmt *q, int i, const char *s)
{
    if (s == NULL)
        sqlite3_bind_null(q, i);
    else
        sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC);
}

/* A fixed char array of the model: bounded even if the caller forgot the NUL. */
void sq__bind_fixed(sqlite3_stmt *q, int i, const char *buf, size_t cap);
/* A TA_HASH_BYTES hash; with or_null, an all-zero hash (the model's "none") binds NULL. */
void sq__bind_hash(sqlite3_stmt *q, int i, const unsigned char *hash, bool or_null);

/* ---- reading columns ---- */

/* Arena copy of a text column; a NULL column gives NULL. On failure *err becomes
 * TA_E_TOO_LARGE (arena cap) and the result is NULL. */
char *sq__col_str(sqlite3_stmt *q, int i, struct arena *a, ta_err *err);
/* Copies a text column into a fixed array (truncated to fit, NUL-terminated). */
void sq__col_fixed(sqlite3_stmt *q, int i, char *dst, size_t cap);
/* Copies a hash column; NULL or a wrong length reads as all zero. */
void sq__col_hash(sqlite3_stmt *q, int i, unsigned char *dst);

/* Grows an arena array of records by one slot (geometric growth, old copy left in the
 * arena). NULL when the arena is full. */
void *sq__grow(struct arena *a, void **items, size_t *cap, size_t n, size_t size);

/* ---- rows by description (store/rows.h) ---- */

/* Binds the fields after the id (cols[1..]) of rec to parameters first, first + 1, ...
 * Refuses (logged) a blob longer than its array. */
ta_err sq__bind_row(sqlite3_stmt *q, int first, const struct row_desc *d, const void *rec,
                    const char *what);
/* Reads columns first, first + 1, ... into every described field (cols[0..]) of rec;
 * strings come from a. TA_E_TOO_LARGE when the arena is full. */
ta_err sq__read_row(sqlite3_stmt *q, int first, const struct row_desc *d, struct arena *a,
                    void *rec);
/* Steps a bound statement that yields at most one row of d (columns from 0) into *out
 * (size bytes, written only on TA_OK) and on to its end; with ambiguous, a second row
 * answers TA_E_CONFLICT. TA_E_NOT_FOUND without a row. Releases q. */
ta_err sq__read_one(struct sq_store *sq, sqlite3_stmt *q, const struct row_desc *d, struct arena *a,
                    bool ambiguous, void *out, size_t size, const char *what);
/* Steps a bound statement to its end, each row of d into a new record of size bytes in an
 * arena array *out of *n_out. Releases q. */
ta_err sq__read_all(struct sq_store *sq, sqlite3_stmt *q, const struct row_desc *d, struct arena *a,
                    size_t size, void **out, size_t *n_out, const char *what);

/* Runs the INSERT of slot (prepared from sql) with the fields after the id of rec as
 * ?1..; *id_out (may be NULL) gets the new rowid. TA_E_CONFLICT on a unique key. */
ta_err sq__insert_row(struct sq_store *sq, enum sq_slot slot, const char *sql,
                      const struct row_desc *d, const void *rec, int64_t *id_out, const char *what);

/* The statements of customer_pair_missing, also migration 3 (twin.c). */
extern const char sq__pair_missing_sql[];

/* ---- the methods: sq__<name> for every X() of STORE_METHODS (store/store.h) ---- */
#define SQ_DECLARE(ret, name, params) ret sq__##name params;
STORE_METHODS(SQ_DECLARE)
#undef SQ_DECLARE

#endif
