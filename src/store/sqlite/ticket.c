/* store/sqlite/ticket.c — the race-sensitive small rows: verification tickets,
 * single-use secrets and rate-limit counters. Each check-and-change is one statement
 * (UPDATE/DELETE ... RETURNING or an UPSERT), so two connections can never both win. */
#include "store/sqlite/sqlite_int.h"

#include <string.h>

/* ------------------------------------------------------------------------------------------
 * Verification tickets
 * ---------------------------------------------------------------------------------------- */

#define TICKET_COLS                                                                                \
    "id, company_id, biz_type, recipient, code_hash, send_hash, created_ms, expires_ms, "          \
    "attempts_left, consumed"

/* "consumed = 0" is spelled out so the partial index tickets_open applies. */
static const char SQL_END_OPEN[] =
    "UPDATE tickets SET consumed = 1 "
    "WHERE company_id = ?1 AND biz_type = ?2 AND recipient = ?3 AND consumed = 0";
static const char SQL_TICKET_INSERT[] =
    "INSERT INTO tickets (company_id, biz_type, recipient, code_hash, send_hash, created_ms, "
    "expires_ms, attempts_left, consumed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
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
        sqlite3_bind_int64(qi, 1, t->company_id);
        sq__bind_fixed(qi, 2, t->biz_type, sizeof t->biz_type);
        sq__bind_fixed(qi, 3, t->recipient, sizeof t->recipient);
        sq__bind_hash(qi, 4, t->code_hash, false);
        sq__bind_hash(qi, 5, t->send_hash, false);
        sqlite3_bind_int64(qi, 6, t->created_ms);
        sqlite3_bind_int64(qi, 7, t->expires_ms);
        sqlite3_bind_int(qi, 8, t->attempts_left);
        sqlite3_bind_int(qi, 9, t->consumed);
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

    ta_err err = TA_OK;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->id = sqlite3_column_int64(q, 0);
        out->company_id = sqlite3_column_int64(q, 1);
        sq__col_fixed(q, 2, out->biz_type, sizeof out->biz_type);
        sq__col_fixed(q, 3, out->recipient, sizeof out->recipient);
        sq__col_hash(q, 4, out->code_hash);
        sq__col_hash(q, 5, out->send_hash);
        out->created_ms = sqlite3_column_int64(q, 6);
        out->expires_ms = sqlite3_column_int64(q, 7);
        out->attempts_left = sqlite3_column_int(q, 8);
        out->consumed = sqlite3_column_int(q, 9) != 0;
    } else if (rc == SQLITE_DONE) {
        err = TA_E_NOT_FOUND;
    } else {
        err = sq__error(sq, rc, "ticket_by_send");
    }
    sq__release(q);
    return err;
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

#define ONETIME_COLS "id, kind, hash, company_id, customer_id, ref_id, device, data, expires_ms"

static const char SQL_ONETIME_INSERT[] =
    "INSERT INTO onetime (kind, hash, company_id, customer_id, ref_id, device, data, "
    "expires_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
/* The DELETE is the claim: of two connections only the one that deletes the row gets it. */
static const char SQL_ONETIME_CONSUME[] =
    "DELETE FROM onetime WHERE kind = ?1 AND hash = ?2 AND expires_ms > ?3 "
    "RETURNING " ONETIME_COLS;
static const char SQL_ONETIME_PEEK[] =
    "SELECT " ONETIME_COLS " FROM onetime WHERE kind = ?1 AND hash = ?2 AND expires_ms > ?3";

ta_err sq__onetime_insert(struct store *st, const struct onetime *o, int64_t *id_out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_ONETIME_INSERT, SQL_ONETIME_INSERT);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int(q, 1, o->kind);
    sq__bind_hash(q, 2, o->hash, false);
    sqlite3_bind_int64(q, 3, o->company_id);
    sqlite3_bind_int64(q, 4, o->customer_id);
    sqlite3_bind_int64(q, 5, o->ref_id);
    sqlite3_bind_int(q, 6, o->device);
    sq__bind_fixed(q, 7, o->data, sizeof o->data);
    sqlite3_bind_int64(q, 8, o->expires_ms);
    ta_err err = sq__run(sq, q, "onetime_insert", NULL);
    if (err == TA_OK)
        *id_out = sqlite3_last_insert_rowid(sq->db);
    sq__release(q);
    return err;
}

static void read_onetime(sqlite3_stmt *q, struct onetime *o)
{
    memset(o, 0, sizeof *o);
    o->id = sqlite3_column_int64(q, 0);
    o->kind = sqlite3_column_int(q, 1);
    sq__col_hash(q, 2, o->hash);
    o->company_id = sqlite3_column_int64(q, 3);
    o->customer_id = sqlite3_column_int64(q, 4);
    o->ref_id = sqlite3_column_int64(q, 5);
    o->device = sqlite3_column_int(q, 6);
    sq__col_fixed(q, 7, o->data, sizeof o->data);
    o->expires_ms = sqlite3_column_int64(q, 8);
}

/* Shared by consume and peek: the statements differ only in deleting the row. */
static ta_err onetime_fetch(struct sq_store *sq, enum sq_slot slot, const char *sql, int kind,
                            const unsigned char *hash, int64_t now_ms, struct onetime *out,
                            const char *what)
{
    struct onetime o;
    sqlite3_stmt *q = sq__stmt(sq, slot, sql);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int(q, 1, kind);
    sq__bind_hash(q, 2, hash, false);
    sqlite3_bind_int64(q, 3, now_ms);

    ta_err err;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        read_onetime(q, &o);
        err = sq__step_done(sq, q, what); /* (kind, hash) is unique: one row at most */
    } else if (rc == SQLITE_DONE) {
        err = TA_E_NOT_FOUND;
    } else {
        err = sq__error(sq, rc, what);
    }
    sq__release(q);
    if (err == TA_OK)
        *out = o;
    return err;
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
