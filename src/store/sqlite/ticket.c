/* store/sqlite/ticket.c — the race-sensitive small rows: verification tickets,
 * single-use secrets and rate-limit counters. Each check-and-change is one statement
 * (UPDATE/DELETE ... RETURNING or an UPSERT), so two connections can never both win. */
#include "store/sqlite/sqlite_int.h"

#include <string.h>

/* ------------------------------------------------------------------------------------------
 * Verification tickets
 * ---------------------------------------------------------------------------------------- */

/* "consumed = 0" is spelled out so the partial index tickets_open applies. */
static const char SQL_END_OPEN[] =
    "UPDATE tickets SET consumed = 1 "
    "WHERE company_id = ?1 AND biz_type = ?2 AND recipient = ?3 AND consumed = 0";
static const char SQL_TICKET_INSERT[] = "INSERT INTO tickets (" TICKET_COLS ") VALUES "
                                        "(NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char SQL_BY_SEND[] =
    "SELECT " TICKET_COLS " FROM tickets WHERE company_id = ?1 AND send_hash = ?2";
static const char SQL_SPEND[] =
    "UPDATE tickets SET attempts_left = attempts_left - 1 "
    "WHERE id = ?1 AND attempts_left > 0 AND consumed = 0 RETURNING attempts_left";
static const char SQL_CONSUME[] = "UPDATE tickets SET consumed = 1 WHERE id = ?1 AND consumed = 0";

ta_err sq__ticket_insert(struct store *st, const struct ticket *t, int64_t *id_out)
{
    struct sq_store *sq = sq__from(st);
    struct sq_atomic at;
    int64_t id = 0;

    sqlite3_stmt *qe = sq__stmt(sq, SQ_TICKET_END_OPEN, SQL_END_OPEN);
    sqlite3_stmt *qi = sq__stmt(sq, SQ_TICKET_INSERT, SQL_TICKET_INSERT);
    if (qe == NULL || qi == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    /* Savepoint inside a caller's transaction: a CONFLICT on the insert must not leave the
     * previous ticket ended while the caller carries on. */
    ta_err err = sq__atomic_begin(sq, true, &at);
    if (err != TA_OK)
        return err;

    sqlite3_bind_int64(qe, 1, t->company_id);
    sq__bind_fixed(qe, 2, t->biz_type, sizeof t->biz_type);
    sq__bind_fixed(qe, 3, t->recipient, sizeof t->recipient);
    err = sq__run(sq, qe, "ticket_insert", NULL);
    sq__release(qe);

    if (err == TA_OK) {
        err = sq__bind_row(qi, 1, &row_ticket, t, "ticket_insert");
        if (err == TA_OK)
            err = sq__run(sq, qi, "ticket_insert", NULL);
        if (err == TA_OK)
            id = sqlite3_last_insert_rowid(sq->db);
        sq__release(qi);
    }
    err = sq__atomic_end(sq, &at, err);
    if (err == TA_OK)
        *id_out = id;
    return err;
}

ta_err sq__ticket_by_send(struct store *st, int64_t company_id, const unsigned char *hash,
                          struct ticket *out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_TICKET_BY_SEND, SQL_BY_SEND);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, company_id);
    sq__bind_hash(q, 2, hash, false);
    return sq__read_one(sq, q, &row_ticket, NULL, false, out, sizeof *out, "ticket_by_send");
}

ta_err sq__ticket_spend(struct store *st, int64_t id, int *left_out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_TICKET_SPEND, SQL_SPEND);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, id);

    ta_err err;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        int left = sqlite3_column_int(q, 0);
        err = sq__step_done(sq, q, "ticket_spend");
        if (err == TA_OK)
            *left_out = left;
    } else if (rc == SQLITE_DONE) {
        err = TA_E_NOT_FOUND; /* unknown, consumed, or no attempts left */
    } else {
        err = sq__error(sq, rc, "ticket_spend");
    }
    sq__release(q);
    return err;
}

/* An unknown id answers TA_E_CONFLICT as well: the caller has just read the ticket, and
 * "already consumed" is the only case that matters (a replay). */
ta_err sq__ticket_consume(struct store *st, int64_t id)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_TICKET_CONSUME, SQL_CONSUME);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, id);
    int changed = 0;
    ta_err err = sq__run(sq, q, "ticket_consume", &changed);
    sq__release(q);
    if (err == TA_OK && changed == 0)
        err = TA_E_CONFLICT;
    return err;
}

/* ------------------------------------------------------------------------------------------
 * Single-use secrets
 * ---------------------------------------------------------------------------------------- */

static const char SQL_ONETIME_INSERT[] =
    "INSERT INTO onetime (" ONETIME_COLS ") VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
/* The DELETE is the claim: of two connections only the one that deletes the row gets it. */
static const char SQL_ONETIME_CONSUME[] =
    "DELETE FROM onetime WHERE kind = ?1 AND hash = ?2 AND expires_ms > ?3 "
    "RETURNING " ONETIME_COLS;
static const char SQL_ONETIME_PEEK[] =
    "SELECT " ONETIME_COLS " FROM onetime WHERE kind = ?1 AND hash = ?2 AND expires_ms > ?3";

ta_err sq__onetime_insert(struct store *st, const struct onetime *o, int64_t *id_out)
{
    return sq__insert_row(sq__from(st), SQ_ONETIME_INSERT, SQL_ONETIME_INSERT, &row_onetime, o,
                          id_out, "onetime_insert");
}

/* Shared by consume and peek: the statements differ only in deleting the row. */
static ta_err onetime_fetch(struct sq_store *sq, enum sq_slot slot, const char *sql, int kind,
                            const unsigned char *hash, int64_t now_ms, struct onetime *out,
                            const char *what)
{
    sqlite3_stmt *q = sq__stmt(sq, slot, sql);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int(q, 1, kind);
    sq__bind_hash(q, 2, hash, false);
    sqlite3_bind_int64(q, 3, now_ms);
    return sq__read_one(sq, q, &row_onetime, NULL, false, out, sizeof *out, what);
}

ta_err sq__onetime_consume(struct store *st, int kind, const unsigned char *hash, int64_t now_ms,
                           struct onetime *out)
{
    return onetime_fetch(sq__from(st), SQ_ONETIME_CONSUME, SQL_ONETIME_CONSUME, kind, hash, now_ms,
                         out, "onetime_consume");
}

ta_err sq__onetime_peek(struct store *st, int kind, const unsigned char *hash, int64_t now_ms,
                        struct onetime *out)
{
    return onetime_fetch(sq__from(st), SQ_ONETIME_PEEK, SQL_ONETIME_PEEK, kind, hash, now_ms, out,
                         "onetime_peek");
}

/* ------------------------------------------------------------------------------------------
 * Rate-limit counters
 * ---------------------------------------------------------------------------------------- */

/* One UPSERT: ?1 key, ?2 now_ms, ?3 window_ms, ?4 inc. Both CASEs read the old row, so the
 * window restarts exactly when window_start_ms + window_ms <= now_ms. */
static const char SQL_COUNTER_HIT[] =
    "INSERT INTO counters (key, count, window_start_ms) VALUES (?1, ?4, ?2) "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN window_start_ms + ?3 <= ?2 THEN ?4 ELSE count + ?4 END, "
    "window_start_ms = CASE WHEN window_start_ms + ?3 <= ?2 THEN ?2 ELSE window_start_ms END "
    "RETURNING count, window_start_ms";
static const char SQL_COUNTER_PEEK[] = "SELECT count, window_start_ms FROM counters WHERE key = ?1";
static const char SQL_COUNTER_CLEAR[] = "DELETE FROM counters WHERE key = ?1";

ta_err sq__counter_hit(struct store *st, const char *key, int64_t now_ms, int64_t window_ms,
                       int64_t inc, struct counter *out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_COUNTER_HIT, SQL_COUNTER_HIT);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sq__bind_str(q, 1, key);
    sqlite3_bind_int64(q, 2, now_ms);
    sqlite3_bind_int64(q, 3, window_ms);
    sqlite3_bind_int64(q, 4, inc);

    ta_err err;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        struct counter c = {sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1)};
        err = sq__step_done(sq, q, "counter_hit");
        if (err == TA_OK)
            *out = c;
    } else {
        err = sq__error(sq, rc, "counter_hit"); /* an UPSERT ... RETURNING always yields a row */
    }
    sq__release(q);
    return err;
}

ta_err sq__counter_peek(struct store *st, const char *key, int64_t now_ms, int64_t window_ms,
                        struct counter *out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_COUNTER_PEEK, SQL_COUNTER_PEEK);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sq__bind_str(q, 1, key);

    ta_err err = TA_OK;
    struct counter c = {0, now_ms};
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        int64_t start = sqlite3_column_int64(q, 1);
        if (start + window_ms > now_ms) {
            c.count = sqlite3_column_int64(q, 0);
            c.window_start_ms = start;
        }
    } else if (rc != SQLITE_DONE) {
        err = sq__error(sq, rc, "counter_peek");
    }
    sq__release(q);
    if (err == TA_OK)
        *out = c;
    return err;
}

ta_err sq__counter_clear(struct store *st, const char *key)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_COUNTER_CLEAR, SQL_COUNTER_CLEAR);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sq__bind_str(q, 1, key);
    ta_err err = sq__run(sq, q, "counter_clear", NULL);
    sq__release(q);
    return err;
}
