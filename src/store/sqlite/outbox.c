/* store/sqlite/outbox.c — the delivery outbox (insert, lease-based claim, finish), the
 * audit trail and housekeeping. The outbox holds verification codes in clear until delivery, so
 * every way out of PENDING wipes code and text. */
#include "store/sqlite/sqlite_int.h"

#include <stdlib.h>

/* ------------------------------------------------------------------------------------------
 * Outbox
 * ---------------------------------------------------------------------------------------- */

/* status is left out of the record: a new row is PENDING. */
static const char SQL_INSERT[] =
    "INSERT INTO outbox (" OUTBOX_COLS ", status) "
    "VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0)";
/* A code past its ticket's expiry is useless and must not linger: FAILED, wiped. */
static const char SQL_EXPIRE[] = "UPDATE outbox SET status = 2, code = NULL, text = NULL "
                                 "WHERE status = 0 AND expires_ms <= ?1";
/* The lease: a claimed row is invisible to other claims until next_at_ms; a worker that
 * dies mid-send leaves the row to be claimed again when the lease runs out. */
static const char SQL_CLAIM[] =
    "UPDATE outbox SET next_at_ms = ?2, attempts = attempts + 1, claimed_by = nullif(?4, '') "
    "WHERE id IN (SELECT id FROM outbox WHERE status = 0 AND next_at_ms <= ?1 "
    "ORDER BY next_at_ms, id LIMIT ?3) "
    "RETURNING " OUTBOX_COLS;
/* ?2 status, ?3 next_at_ms: PENDING reschedules and keeps the message, SENT/FAILED wipe. */
static const char SQL_FINISH[] = "UPDATE outbox SET status = ?2, "
                                 "next_at_ms = CASE WHEN ?2 = 0 THEN ?3 ELSE next_at_ms END, "
                                 "code = CASE WHEN ?2 = 0 THEN code END, "
                                 "text = CASE WHEN ?2 = 0 THEN text END "
                                 "WHERE id = ?1";
static const char SQL_COUNT[] = "SELECT count(*) FROM outbox WHERE status = ?1";

ta_err sq__outbox_insert(struct store *st, const struct outbox_row *row, int64_t *id_out)
{
    return sq__insert_row(sq__from(st), SQ_OUTBOX_INSERT, SQL_INSERT, &row_outbox, row, id_out,
                          "outbox_insert");
}

static int by_id(const void *x, const void *y)
{
    int64_t a = ((const struct outbox_row *)x)->id, b = ((const struct outbox_row *)y)->id;
    return (a > b) - (a < b);
}

/* Both statements run in one IMMEDIATE transaction (or the caller's): SQLite has a single
 * writer, so no other worker can claim between the expiry pass and the claim, nor claim
 * the same row. */
ta_err sq__outbox_claim(struct store *st, int64_t now_ms, int64_t lease_ms, size_t max,
                        struct arena *a, struct outbox_row **out, size_t *n_out)
{
    struct sq_store *sq = sq__from(st);
    struct sq_atomic at;
    void *items = NULL;
    size_t n = 0;

    sqlite3_stmt *qe = sq__stmt(sq, SQ_OUTBOX_EXPIRE, SQL_EXPIRE);
    sqlite3_stmt *qc = sq__stmt(sq, SQ_OUTBOX_CLAIM, SQL_CLAIM);
    if (qe == NULL || qc == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    /* No savepoint inside the caller's transaction: both statements fail only with errors
     * after which the caller rolls back anyway. */
    ta_err err = sq__atomic_begin(sq, false, &at);
    if (err != TA_OK)
        return err;

    sqlite3_bind_int64(qe, 1, now_ms);
    err = sq__run(sq, qe, "outbox_claim", NULL);
    sq__release(qe);

    if (err == TA_OK && max > 0) {
        sqlite3_bind_int64(qc, 1, now_ms);
        sqlite3_bind_int64(qc, 2, now_ms + lease_ms);
        sqlite3_bind_int64(qc, 3, max > INT64_MAX ? INT64_MAX : (sqlite3_int64)max);
        sqlite3_bind_text(qc, 4, store_instance_id, -1, SQLITE_STATIC);
        /* RETURNING hands the rows over after all of them are updated. */
        err = sq__read_all(sq, qc, &row_outbox, a, sizeof(struct outbox_row), &items, &n,
                           "outbox_claim");
    }
    err = sq__atomic_end(sq, &at, err);
    if (err != TA_OK)
        return err;
    /* RETURNING order is unspecified; hand rows back in a stable order. */
    if (n > 1)
        qsort(items, n, sizeof(struct outbox_row), by_id);
    *out = items;
    *n_out = n;
    return TA_OK;
}

static const char SQL_RECLAIM[] = "UPDATE outbox SET next_at_ms = ?2 "
                                  "WHERE status = 0 AND claimed_by = ?1 AND next_at_ms > ?2";

ta_err sq__outbox_reclaim(struct store *st, const char *owner, int64_t now_ms, int64_t *n_out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_OUTBOX_RECLAIM, SQL_RECLAIM);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_text(q, 1, owner, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, now_ms);
    int changes = 0;
    ta_err err = sq__run(sq, q, "outbox_reclaim", &changes);
    sq__release(q);
    *n_out = changes;
    return err;
}

ta_err sq__outbox_finish(struct store *st, int64_t id, int status, int64_t next_at_ms)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_OUTBOX_FINISH, SQL_FINISH);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int(q, 2, status); /* the CHECK constraint refuses anything but 0, 1, 2 */
    sqlite3_bind_int64(q, 3, next_at_ms);
    int changed = 0;
    ta_err err = sq__run(sq, q, "outbox_finish", &changed);
    sq__release(q);
    if (err == TA_OK && changed == 0)
        err = TA_E_NOT_FOUND;
    return err;
}

ta_err sq__outbox_count(struct store *st, int status, int64_t *n_out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_OUTBOX_COUNT, SQL_COUNT);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int(q, 1, status);
    ta_err err = TA_OK;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *n_out = sqlite3_column_int64(q, 0);
    else
        err = sq__error(sq, rc, "outbox_count");
    sq__release(q);
    return err;
}

/* ------------------------------------------------------------------------------------------
 * Audit
 * ---------------------------------------------------------------------------------------- */

static const char SQL_AUDIT_INSERT[] =
    "INSERT INTO audit (" AUDIT_COLS ") VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char SQL_AUDIT_LIST[] = "SELECT " AUDIT_COLS " FROM audit WHERE customer_id = ?1 "
                                     "ORDER BY time_ms DESC, id DESC LIMIT ?2";

ta_err sq__audit_insert(struct store *st, const struct audit_row *row)
{
    return sq__insert_row(sq__from(st), SQ_AUDIT_INSERT, SQL_AUDIT_INSERT, &row_audit, row, NULL,
                          "audit_insert");
}

ta_err sq__audit_list(struct store *st, int64_t customer_id, size_t limit, struct arena *a,
                      struct audit_row **out, size_t *n_out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_AUDIT_LIST, SQL_AUDIT_LIST);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, customer_id);
    sqlite3_bind_int64(q, 2, limit > INT64_MAX ? INT64_MAX : (sqlite3_int64)limit);
    return sq__read_all(sq, q, &row_audit, a, sizeof **out, (void **)out, n_out, "audit_list");
}

/* ------------------------------------------------------------------------------------------
 * Housekeeping (rarely run: prepared per call instead of taking cache slots)
 * ---------------------------------------------------------------------------------------- */

static const char *const purge_sql[] = {
    "DELETE FROM onetime WHERE expires_ms <= ?1",
    "DELETE FROM tickets WHERE expires_ms <= ?1 - ?2",
    "DELETE FROM counters WHERE window_start_ms <= ?1 - ?2",
    "DELETE FROM sessions WHERE (ended_ms > 0 AND ended_ms <= ?1 - ?2)"
    " OR last_used_ms <= ?1 - ?3",
    "DELETE FROM outbox WHERE status <> 0 AND created_ms <= ?1 - ?2",
};

ta_err sq__purge(struct store *st, int64_t now_ms, int64_t keep_ms, int64_t idle_max_ms,
                 int64_t *n_out)
{
    struct sq_store *sq = sq__from(st);
    struct sq_atomic at;
    int64_t total = 0;
    ta_err err = sq__atomic_begin(sq, false, &at);
    for (size_t i = 0; err == TA_OK && i < sizeof purge_sql / sizeof purge_sql[0]; i++) {
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(sq->db, purge_sql[i], -1, &q, NULL) != SQLITE_OK) {
            err = sq__error(sq, sqlite3_errcode(sq->db), "purge");
            break;
        }
        sqlite3_bind_int64(q, 1, now_ms);
        if (sqlite3_bind_parameter_count(q) >= 2)
            sqlite3_bind_int64(q, 2, keep_ms);
        if (sqlite3_bind_parameter_count(q) >= 3)
            sqlite3_bind_int64(q, 3, idle_max_ms);
        int changes = 0;
        err = sq__run(sq, q, "purge", &changes);
        total += changes;
        sqlite3_finalize(q);
    }
    err = sq__atomic_end(sq, &at, err);
    if (err == TA_OK)
        *n_out = total;
    return err;
}
