/* store/pg/pg_int.h — what the files of the PostgreSQL backend share, and nothing else uses.
 * One pg_store per thread wraps one libpq connection, its prepared statements and the
 * state needed to recover from a lost connection. */
#ifndef TA_STORE_PG_PG_INT_H
#define TA_STORE_PG_PG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store/rows.h"
#include "store/store.h"

struct arena;

extern const struct store_ops store_pg_ops;

/* Every prepared statement of the backend; the value indexes pg_store.prepared. */
enum pg_q {
    PG_Q_META_GET,
    PG_Q_META_PUT_NEW,
    PG_Q_COMPANY_INSERT,
    PG_Q_COMPANY_UPDATE,
    PG_Q_COMPANY_LISTS_DELETE,
    PG_Q_COMPANY_LISTS_INSERT,
    PG_Q_COMPANY_GET,
    PG_Q_COMPANY_LIST,
    PG_Q_COMPANY_NEXT_NO,
    PG_Q_COMPANY_RAISE_NO,
    PG_Q_CUSTOMER_INSERT,
    PG_Q_CUSTOMER_GET,
    PG_Q_CUSTOMER_BY_EMAIL,
    PG_Q_CUSTOMER_BY_PHONE,
    PG_Q_CUSTOMER_BY_PHONE_ANY,
    PG_Q_CUSTOMER_BY_NO,
    PG_Q_CUSTOMER_LIST,
    PG_Q_CUSTOMER_SET_PASSWORD,
    PG_Q_CUSTOMER_SET_LANG,
    PG_Q_CUSTOMER_LOCK,
    PG_Q_CUSTOMER_SET_STATUS,
    PG_Q_CUSTOMER_SET_KYC,
    PG_Q_CUSTOMER_SET_RELATION,
    PG_Q_CUSTOMER_SET_MFA,
    PG_Q_CUSTOMER_MFA_ADVANCE,
    PG_Q_ACCOUNT_INSERT,
    PG_Q_ACCOUNT_LIST,
    PG_Q_ACCOUNT_SET_AMOUNTS,
    PG_Q_SESSION_INSERT,
    PG_Q_SESSION_BY_TOKEN,
    PG_Q_SESSION_BY_REFRESH,
    PG_Q_SESSION_GET,
    PG_Q_SESSION_TOUCH,
    PG_Q_SESSION_ROTATE,
    PG_Q_SESSION_END,
    PG_Q_SESSION_END_CUSTOMER,
    PG_Q_SESSION_COUNT_LIVE,
    PG_Q_TICKET_INSERT,
    PG_Q_TICKET_BY_SEND,
    PG_Q_TICKET_SPEND,
    PG_Q_TICKET_CONSUME,
    PG_Q_ONETIME_INSERT,
    PG_Q_ONETIME_CONSUME,
    PG_Q_ONETIME_PEEK,
    PG_Q_COUNTER_HIT,
    PG_Q_COUNTER_PEEK,
    PG_Q_COUNTER_CLEAR,
    PG_Q_PURGE,
    PG_Q_OUTBOX_INSERT,
    PG_Q_OUTBOX_CLAIM,
    PG_Q_OUTBOX_RECLAIM,
    PG_Q_OUTBOX_FINISH,
    PG_Q_OUTBOX_COUNT,
    PG_Q_AUDIT_INSERT,
    PG_Q_AUDIT_LIST,
    /* security.c */
    PG_Q_SEC_SET_EMAIL,
    PG_Q_SEC_SET_PHONE,
    PG_Q_SEC_SET_COUNTRY,
    PG_Q_SEC_GET,
    PG_Q_SEC_PUT,
    PG_Q_SEC_SESSION_LIST,
    PG_Q_SEC_AUDIT_PAGE,
    PG_Q_SEC_DEVICE_TOUCH,
    PG_Q_SEC_DEVICE_INSERT,
    PG_Q_SEC_ERASE_DUE,
    PG_Q_COMPANY_KEY_GET,
    PG_Q_COMPANY_KEY_SET,
    PG_Q_SIGNATURE_EXPIRE,
    PG_Q_SIGNATURE_INSERT,
    PG_Q_COUNT_
};

/* A statement: its slot, the server-side name and the SQL (parameters $1.. as text, except
 * hashes, which travel as binary bytea). Defined next to the method that runs it. */
struct pg_stmt {
    enum pg_q id;
    const char *name;
    const char *sql;
};

struct pg_store {
    struct store base; /* first, so struct store * casts back */
    PGconn *conn;
    bool prepared[PG_Q_COUNT_];
    bool in_tx;  /* between begin and commit/rollback */
    bool broken; /* the connection was lost: reset before the next statement */
};

#define PG_MAX_PARAMS 40

/* Parameters of one statement. Numbers are formatted into nums, so the struct must outlive
 * the execution; strings and byte buffers are borrowed. */
struct pg_params {
    int n;
    const char *values[PG_MAX_PARAMS];
    int lengths[PG_MAX_PARAMS];
    int formats[PG_MAX_PARAMS];
    char nums[PG_MAX_PARAMS][24];
};

/* ---- connection, statements, errors (exec.c) ---- */

/* Makes the connection usable: resets a lost one (once per call) unless a transaction was
 * lost with it, which only rollback clears. */
ta_err pg__ready(struct pg_store *p);
/* Prepares q on first use on this connection, runs it. On TA_OK *res_out is a result the
 * caller must PQclear; otherwise the error is mapped (and logged when unexpected). */
ta_err pg__exec(struct pg_store *p, const struct pg_stmt *q, const struct pg_params *pp,
                PGresult **res_out);
/* Runs SQL without parameters through the simple protocol (transactions, migrations); the
 * caller has made the connection ready. */
ta_err pg__simple(struct pg_store *p, const char *what, const char *sql, PGresult **res_out);
/* Maps a failed result: 23505 TA_E_CONFLICT, 40001/40P01 TA_E_RETRY, a lost connection or
 * anything else TA_E_INTERNAL (logged). res may be NULL. */
ta_err pg__error(struct pg_store *p, const PGresult *res, const char *what);
/* Runs q expecting at most one row; TA_E_NOT_FOUND when there is none. */
ta_err pg__exec_row(struct pg_store *p, const struct pg_stmt *q, const struct pg_params *pp,
                    PGresult **res_out);
/* Runs q and answers TA_E_NOT_FOUND when it touched no row. */
ta_err pg__exec_touch(struct pg_store *p, const struct pg_stmt *q, const struct pg_params *pp);

/* Makes a method atomic (backend.c). Outside a transaction it opens one (when need_tx)
 * and owns it; inside the caller's it sets a savepoint, so that a TA_E_CONFLICT halfway
 * leaves the caller's transaction usable (PostgreSQL aborts a transaction on any error). */
struct pg_atomic {
    bool own_tx;
    bool savepoint;
};
/* need_tx false: a single statement, atomic by itself outside a transaction. */
ta_err pg__atomic_begin(struct pg_store *p, bool need_tx, struct pg_atomic *at);
/* Commits or releases when err is TA_OK, else undoes; returns the final answer. */
ta_err pg__atomic_end(struct pg_store *p, const struct pg_atomic *at, ta_err err);

/* ---- parameters ---- */
void pg__p_init(struct pg_params *pp);
void pg__p_i64(struct pg_params *pp, int64_t v);
void pg__p_bool(struct pg_params *pp, bool v);
void pg__p_text(struct pg_params *pp, const char *s); /* NULL: SQL NULL */
/* A fixed-size char array of a record: sent up to its NUL, never past size. */
void pg__p_chars(struct pg_params *pp, const char *s, size_t size);
void pg__p_bytes(struct pg_params *pp, const void *b, size_t n);
/* A hash whose bytes are all zero means "none" in the records: sent as NULL. */
void pg__p_hash_or_null(struct pg_params *pp, const unsigned char *h, size_t n);

/* ---- result columns (NULL reads as 0, false, empty) ---- */
int64_t pg__i64_text(const char *s); /* a decimal from the server, such as PQcmdTuples */
int64_t pg__i64(const PGresult *res, int row, int col);
int pg__int(const PGresult *res, int row, int col);
bool pg__bool(const PGresult *res, int row, int col);
/* Copies a text column into a fixed array, truncated to fit and NUL-terminated. */
void pg__copy(char *dst, size_t size, const PGresult *res, int row, int col);
/* Decodes a bytea column (hex output) into dst; *len_out gets the byte count (may be NULL).
 * Bytes past size are dropped; the rest of dst is zeroed. */
void pg__bytes(unsigned char *dst, size_t size, const PGresult *res, int row, int col,
               size_t *len_out);
/* A text column as an arena string, NULL for SQL NULL. False when the arena is full. */
bool pg__str(struct arena *a, const PGresult *res, int row, int col, char **out);

/* ---- rows by description (store/rows.h) ---- */

/* Adds the fields after the id (cols[1..]) of rec as parameters, in order. Refuses (logged)
 * a blob longer than its array. */
ta_err pg__p_row(struct pg_params *pp, const struct row_desc *d, const void *rec, const char *what);
/* Reads columns first, first + 1, ... of row into every described field (cols[0..]) of rec;
 * strings come from a. TA_E_TOO_LARGE when the arena is full. */
ta_err pg__read_row(const PGresult *res, int row, int first, const struct row_desc *d,
                    struct arena *a, void *rec);
/* Runs q expecting at most one row of d and reads it into *out (size bytes, written only on
 * TA_OK). TA_E_NOT_FOUND without a row. */
ta_err pg__read_one(struct pg_store *p, const struct pg_stmt *q, const struct pg_params *pp,
                    const struct row_desc *d, struct arena *a, void *out, size_t size);
/* Runs q and reads every row of d into an arena array *out of *n_out records of size bytes. */
ta_err pg__read_all(struct pg_store *p, const struct pg_stmt *q, const struct pg_params *pp,
                    const struct row_desc *d, struct arena *a, size_t size, void **out,
                    size_t *n_out);

/* Runs an INSERT of the fields after the id of rec, as $1.., that ends in ON CONFLICT DO
 * NOTHING RETURNING id: *id_out on TA_OK, TA_E_CONFLICT when a unique key refused the row. */
ta_err pg__insert_row(struct pg_store *p, const struct pg_stmt *q, const struct row_desc *d,
                      const void *rec, int64_t *id_out);

/* The statements of customer_pair_missing, also migration 3 (twin.c). */
extern const char pg__pair_missing_sql[];

/* ---- the methods: pg__<name> for every X() of STORE_METHODS (store/store.h) ---- */
#define PG_DECLARE(ret, name, params) ret pg__##name params;
STORE_METHODS(PG_DECLARE)
#undef PG_DECLARE

#endif
