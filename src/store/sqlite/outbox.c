/* store/sqlite/outbox.c — the delivery outbox (insert, lease-based claim, finish), the
 * audit trail and housekeeping. The outbox holds verification codes in clear until delivery, so
 * every way out of PENDING wipes code and text. */
#include "store/sqlite/sqlite_int.h"

#include <stdlib.h>

/* ------------------------------------------------------------------------------------------
 * Outbox
 * ---------------------------------------------------------------------------------------- */

#define OUTBOX_COLS                                                                                \
    "id, company_id, channel, to_addr, biz_type, code, lang, subject, text, attempts, "            \
    "next_at_ms, expires_ms, created_ms"

static const char SQL_INSERT[] =
    "INSERT INTO outbox (company_id, channel, to_addr, biz_type, code, lang, subject, text, "
    "status, attempts, next_at_ms, expires_ms, created_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?10, ?11, ?12)";
/* A code past its ticket's expiry is useless and must not linger: FAILED, wiped. */
static const char SQL_EXPIRE[] = "UPDATE outbox SET status = 2, code = NULL, text = NULL "
                                 "WHERE status = 0 AND expires_ms <= ?1";
/* The lease: a claimed row is invisible to other claims until next_at_ms; a worker that
 * dies mid-send leaves the row to be claimed again when the lease runs out. */
static const char SQL_CLAIM[] =
    "UPDATE outbox SET next_at_ms = ?2, attempts = attempts + 1 "
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
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_OUTBOX_INSERT, SQL_INSERT);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, row->company_id);
    sq__bind_fixed(q, 2, row->channel, sizeof row->channel);
    sq__bind_str(q, 3, row->to);
    sq__bind_str(q, 4, row->biz_type);
    sq__bind_str(q, 5, row->code);
    sq__bind_str(q, 6, row->lang);
    sq__bind_str(q, 7, row->subject);
    sq__bind_str(q, 8, row->text);
    sqlite3_bind_int(q, 9, row->attempts);
    sqlite3_bind_int64(q, 10, row->next_at_ms);
    sqlite3_bind_int64(q, 11, row->expires_ms);
    sqlite3_bind_int64(q, 12, row->created_ms);
    ta_err err = sq__run(sq, q, "outbox_insert", NULL);
    if (err == TA_OK)
        *id_out = sqlite3_last_insert_rowid(sq->db);
    sq__release(q);
    return err;
}

static ta_err read_outbox(sqlite3_stmt *q, struct arena *a, struct outbox_row *r)
{
    ta_err err = TA_OK;
    r->id = sqlite3_column_int64(q, 0);
    r->company_id = sqlite3_column_int64(q, 1);
    sq__col_fixed(q, 2, r->channel, sizeof r->channel);
    r->to = sq__col_str(q, 3, a, &err);
    r->biz_type = sq__col_str(q, 4, a, &err);
    r->code = sq__col_str(q, 5, a, &err);
    r->lang = sq__col_str(q, 6, a, &err);
    r->subject = sq__col_str(q, 7, a, &err);
    r->text = sq__col_str(q, 8, a, &err);
    r->attempts = sqlite3_column_int(q, 9);
    r->next_at_ms = sqlite3_column_int64(q, 10);
    r->expires_ms = sqlite3_column_int64(q, 11);
    r->created_ms = sqlite3_column_int64(q, 12);
    return err;
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
    size_t n = 0, cap = 0;
    int rc;

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
        /* RETURNING hands the rows over after all of them are updated. */
        while ((rc = sqlite3_step(qc)) == SQLITE_ROW) {
            struct outbox_row *r = sq__grow(a, &items, &cap, n, sizeof *r);
            if (r == NULL) {
                err = TA_E_TOO_LARGE;
                break;
            }
            err = read_outbox(qc, a, r);
            if (err != TA_OK)
                break;
            n++;
        }
        if (err == TA_OK && rc != SQLITE_DONE)
            err = sq__error(sq, rc, "outbox_claim");
        sq__release(qc);
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
    "INSERT INTO audit (time_ms, company_id, customer_id, event, outcome, client_addr, device, "
    "detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char SQL_AUDIT_LIST[] =
    "SELECT id, time_ms, company_id, customer_id, event, outcome, client_addr, device, detail "
    "FROM audit WHERE customer_id = ?1 ORDER BY time_ms DESC, id DESC LIMIT ?2";

ta_err sq__audit_insert(struct store *st, const struct audit_row *row)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_AUDIT_INSERT, SQL_AUDIT_INSERT);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, row->time_ms);
    sqlite3_bind_int64(q, 2, row->company_id);
    sqlite3_bind_int64(q, 3, row->customer_id);
    sq__bind_fixed(q, 4, row->event, sizeof row->event);
    sq__bind_fixed(q, 5, row->outcome, sizeof row->outcome);
    sq__bind_fixed(q, 6, row->client_addr, sizeof row->client_addr);
    sqlite3_bind_int(q, 7, row->device);
    sq__bind_fixed(q, 8, row->detail, sizeof row->detail);
    ta_err err = sq__run(sq, q, "audit_insert", NULL);
    sq__release(q);
    return err;
}

ta_err sq__audit_list(struct store *st, int64_t customer_id, size_t limit, struct arena *a,
                      struct audit_row **out, size_t *n_out)
{
    struct sq_store *sq = sq__from(st);
    void *items = NULL;
    size_t n = 0, cap = 0;
    ta_err err = TA_OK;
    int rc;

    sqlite3_stmt *q = sq__stmt(sq, SQ_AUDIT_LIST, SQL_AUDIT_LIST);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, customer_id);
    sqlite3_bind_int64(q, 2, limit > INT64_MAX ? INT64_MAX : (sqlite3_int64)limit);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct audit_row *r = sq__grow(a, &items, &cap, n, sizeof *r);
        if (r == NULL) {
            err = TA_E_TOO_LARGE;
            break;
        }
        r->id = sqlite3_column_int64(q, 0);
        r->time_ms = sqlite3_column_int64(q, 1);
        r->company_id = sqlite3_column_int64(q, 2);
        r->customer_id = sqlite3_column_int64(q, 3);
        sq__col_fixed(q, 4, r->event, sizeof r->event);
        sq__col_fixed(q, 5, r->outcome, sizeof r->outcome);
        sq__col_fixed(q, 6, r->client_addr, sizeof r->client_addr);
        r->device = sqlite3_column_int(q, 7);
        sq__col_fixed(q, 8, r->detail, sizeof r->detail);
        n++;
    }
    if (err == TA_OK && rc != SQLITE_DONE)
        err = sq__error(sq, rc, "audit_list");
    sq__release(q);
    if (err == TA_OK) {
        *out = items;
        *n_out = n;
    }
    return err;
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
