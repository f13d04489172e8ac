/* store/pg/outbox.c — the outbox of codes to deliver, the audit trail and housekeeping.
 * Several delivery workers, in several instances, claim from one outbox: FOR UPDATE SKIP
 * LOCKED hands each of them different rows without waiting on one another. */
#include "store/pg/pg_int.h"

#include <string.h>

#include "util/arena.h"

/*---- outbox ----*/

#define OUTBOX_COLS                                                                                \
    "id, company_id, channel, to_addr, biz_type, code, lang, subject, text, attempts,"             \
    " next_at_ms, expires_ms, created_ms"

static const struct pg_stmt q_outbox_insert = {
    PG_Q_OUTBOX_INSERT, "outbox_insert",
    "INSERT INTO outbox (company_id, channel, to_addr, biz_type, code, lang, subject, text,"
    " status, attempts, next_at_ms, expires_ms, created_ms)"
    " VALUES ($1::bigint, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text,"
    " 0, $9::integer, $10::bigint, $11::bigint, $12::bigint) RETURNING id"};

ta_err pg__outbox_insert(struct store *st, const struct outbox_row *row, int64_t *id_out)
{
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_i64(&pp, row->company_id);
    pg__p_chars(&pp, row->channel, sizeof row->channel);
    pg__p_text(&pp, row->to);
    pg__p_text(&pp, row->biz_type);
    pg__p_text(&pp, row->code);
    pg__p_text(&pp, row->lang);
    pg__p_text(&pp, row->subject);
    pg__p_text(&pp, row->text);
    pg__p_i64(&pp, row->attempts);
    pg__p_i64(&pp, row->next_at_ms);
    pg__p_i64(&pp, row->expires_ms);
    pg__p_i64(&pp, row->created_ms);
    ta_err err = pg__exec_row((struct pg_store *)st, &q_outbox_insert, &pp, &res);
    if (err != TA_OK)
        return err;
    *id_out = pg__i64(res, 0, 0);
    PQclear(res);
    return TA_OK;
}

/* One statement: expired pending rows turn FAILED (their secrets wiped), then up to $3 due
 * rows are locked, leased and returned. Rows another worker holds locked are skipped, not
 * waited for; a row it has just leased no longer matches once re-checked under the lock. */
static const struct pg_stmt q_outbox_claim = {
    PG_Q_OUTBOX_CLAIM, "outbox_claim",
    "WITH expired AS (UPDATE outbox SET status = 2, code = NULL, text = NULL"
    "  WHERE id IN (SELECT id FROM outbox WHERE status = 0 AND expires_ms <= $1::bigint"
    "   FOR UPDATE SKIP LOCKED)),"
    "picked AS (SELECT id FROM outbox WHERE status = 0 AND next_at_ms <= $1::bigint"
    "  AND expires_ms > $1::bigint ORDER BY next_at_ms, id LIMIT $3::bigint"
    "  FOR UPDATE SKIP LOCKED),"
    "claimed AS (UPDATE outbox o SET next_at_ms = $1::bigint + $2::bigint,"
    "  attempts = o.attempts + 1 FROM picked WHERE o.id = picked.id RETURNING o.*)"
    " SELECT " OUTBOX_COLS " FROM claimed ORDER BY id"};

/* Fills x from row r; false when the arena is full. */
static bool read_outbox(struct arena *a, const PGresult *res, int r, struct outbox_row *x)
{
    memset(x, 0, sizeof *x);
    x->id = pg__i64(res, r, 0);
    x->company_id = pg__i64(res, r, 1);
    pg__copy(x->channel, sizeof x->channel, res, r, 2);
    x->attempts = pg__int(res, r, 9);
    x->next_at_ms = pg__i64(res, r, 10);
    x->expires_ms = pg__i64(res, r, 11);
    x->created_ms = pg__i64(res, r, 12);
    return pg__str(a, res, r, 3, &x->to) && pg__str(a, res, r, 4, &x->biz_type) &&
           pg__str(a, res, r, 5, &x->code) && pg__str(a, res, r, 6, &x->lang) &&
           pg__str(a, res, r, 7, &x->subject) && pg__str(a, res, r, 8, &x->text);
}

ta_err pg__outbox_claim(struct store *st, int64_t now_ms, int64_t lease_ms, size_t max,
                        struct arena *a, struct outbox_row **out, size_t *n_out)
{
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_i64(&pp, now_ms);
    pg__p_i64(&pp, lease_ms);
    pg__p_i64(&pp, max > INT64_MAX ? INT64_MAX : (int64_t)max);
    ta_err err = pg__exec((struct pg_store *)st, &q_outbox_claim, &pp, &res);
    if (err != TA_OK)
        return err;
    size_t n = (size_t)PQntuples(res);
    struct outbox_row *list = arena_alloc(a, (n ? n : 1) * sizeof *list);
    if (list == NULL)
        err = TA_E_TOO_LARGE;
    for (size_t i = 0; i < n && err == TA_OK; i++)
        if (!read_outbox(a, res, (int)i, &list[i]))
            err = TA_E_TOO_LARGE;
    PQclear(res);
    if (err == TA_OK) {
        *out = list;
        *n_out = n;
    }
    return err;
}

static const struct pg_stmt q_outbox_finish = {
    PG_Q_OUTBOX_FINISH, "outbox_finish",
    "UPDATE outbox SET status = $2::integer,"
    " next_at_ms = CASE WHEN $2::integer = 0 THEN $3::bigint ELSE next_at_ms END,"
    " code = CASE WHEN $2::integer = 0 THEN code END,"
    " text = CASE WHEN $2::integer = 0 THEN text END"
    " WHERE id = $1::bigint"};

ta_err pg__outbox_finish(struct store *st, int64_t id, int status, int64_t next_at_ms)
{
    struct pg_params pp;

    pg__p_init(&pp);
    pg__p_i64(&pp, id);
    pg__p_i64(&pp, status);
    pg__p_i64(&pp, next_at_ms);
    return pg__exec_touch((struct pg_store *)st, &q_outbox_finish, &pp);
}

static const struct pg_stmt q_outbox_count = {
    PG_Q_OUTBOX_COUNT, "outbox_count", "SELECT count(*) FROM outbox WHERE status = $1::integer"};

ta_err pg__outbox_count(struct store *st, int status, int64_t *n_out)
{
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_i64(&pp, status);
    ta_err err = pg__exec_row((struct pg_store *)st, &q_outbox_count, &pp, &res);
    if (err != TA_OK)
        return err;
    *n_out = pg__i64(res, 0, 0);
    PQclear(res);
    return TA_OK;
}

/*---- audit ----*/

static const struct pg_stmt q_audit_insert = {
    PG_Q_AUDIT_INSERT, "audit_insert",
    "INSERT INTO audit (time_ms, company_id, customer_id, event, outcome, client_addr, device,"
    " detail) VALUES ($1::bigint, $2::bigint, $3::bigint, $4::text, $5::text, $6::text,"
    " $7::integer, $8::text)"};

ta_err pg__audit_insert(struct store *st, const struct audit_row *row)
{
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_i64(&pp, row->time_ms);
    pg__p_i64(&pp, row->company_id);
    pg__p_i64(&pp, row->customer_id);
    pg__p_chars(&pp, row->event, sizeof row->event);
    pg__p_chars(&pp, row->outcome, sizeof row->outcome);
    pg__p_chars(&pp, row->client_addr, sizeof row->client_addr);
    pg__p_i64(&pp, row->device);
    pg__p_chars(&pp, row->detail, sizeof row->detail);
    ta_err err = pg__exec((struct pg_store *)st, &q_audit_insert, &pp, &res);
    if (err == TA_OK)
        PQclear(res);
    return err;
}

static const struct pg_stmt q_audit_list = {
    PG_Q_AUDIT_LIST, "audit_list",
    "SELECT id, time_ms, company_id, customer_id, event, outcome, client_addr, device, detail"
    " FROM audit WHERE customer_id = $1::bigint ORDER BY time_ms DESC, id DESC"
    " LIMIT $2::bigint"};

ta_err pg__audit_list(struct store *st, int64_t customer_id, size_t limit, struct arena *a,
                      struct audit_row **out, size_t *n_out)
{
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_i64(&pp, customer_id);
    pg__p_i64(&pp, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    ta_err err = pg__exec((struct pg_store *)st, &q_audit_list, &pp, &res);
    if (err != TA_OK)
        return err;
    int n = PQntuples(res);
    struct audit_row *list = arena_alloc(a, (size_t)(n ? n : 1) * sizeof *list);
    if (list == NULL) {
        PQclear(res);
        return TA_E_TOO_LARGE;
    }
    for (int r = 0; r < n; r++) {
        struct audit_row *x = &list[r];
        x->id = pg__i64(res, r, 0);
        x->time_ms = pg__i64(res, r, 1);
        x->company_id = pg__i64(res, r, 2);
        x->customer_id = pg__i64(res, r, 3);
        pg__copy(x->event, sizeof x->event, res, r, 4);
        pg__copy(x->outcome, sizeof x->outcome, res, r, 5);
        pg__copy(x->client_addr, sizeof x->client_addr, res, r, 6);
        x->device = pg__int(res, r, 7);
        pg__copy(x->detail, sizeof x->detail, res, r, 8);
    }
    PQclear(res);
    *out = list;
    *n_out = (size_t)n;
    return TA_OK;
}

/*---- housekeeping ----*/

/* Housekeeping in one statement, so several instances purging at once cannot interleave
 * half-done passes. */
static const struct pg_stmt q_purge = {
    PG_Q_PURGE, "purge",
    "WITH o AS (DELETE FROM onetime WHERE expires_ms <= $1::bigint RETURNING 1),"
    " t AS (DELETE FROM tickets WHERE expires_ms <= $1::bigint - $2::bigint RETURNING 1),"
    " c AS (DELETE FROM counters WHERE window_start_ms <= $1::bigint - $2::bigint RETURNING 1),"
    " s AS (DELETE FROM sessions WHERE (ended_ms > 0 AND ended_ms <= $1::bigint - $2::bigint)"
    "       OR last_used_ms <= $1::bigint - $3::bigint RETURNING 1),"
    " x AS (DELETE FROM outbox WHERE status <> 0 AND created_ms <= $1::bigint - $2::bigint"
    "       RETURNING 1)"
    " SELECT (SELECT count(*) FROM o) + (SELECT count(*) FROM t) + (SELECT count(*) FROM c)"
    " + (SELECT count(*) FROM s) + (SELECT count(*) FROM x)"};

ta_err pg__purge(struct store *st, int64_t now_ms, int64_t keep_ms, int64_t idle_max_ms,
                 int64_t *n_out)
{
    struct pg_params pp;
    PGresult *res = NULL;

    pg__p_init(&pp);
    pg__p_i64(&pp, now_ms);
    pg__p_i64(&pp, keep_ms);
    pg__p_i64(&pp, idle_max_ms);
    ta_err err = pg__exec((struct pg_store *)st, &q_purge, &pp, &res);
    if (err != TA_OK)
        return err;
    *n_out = pg__i64(res, 0, 0);
    PQclear(res);
    return TA_OK;
}
