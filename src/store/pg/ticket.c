/* store/pg/ticket.c — the race-sensitive small rows: verification tickets, single-use
 * secrets and rate-limit counters. Each check-and-change is one statement (conditional
 * UPDATE/DELETE, or an upsert for counters), so no two instances can both win. */
#include "store/pg/pg_int.h"

#include <string.h>

/*---- verification tickets ----*/

/* One statement. The UPDATE cannot see the row the same statement inserts (one snapshot), so
 * only older tickets are ended, and only when the insert happened: a send hash already taken
 * answers TA_E_CONFLICT with the previous ticket still open. */
static const struct pg_stmt q_ticket_insert = {
    PG_Q_TICKET_INSERT, "ticket_insert",
    "WITH ins AS (INSERT INTO tickets (" TICKET_COLS ")"
    "  VALUES (DEFAULT, $1::bigint, $2::text, $3::text, $4::bytea, $5::bytea, $6::bigint, "
    "$7::bigint,"
    "  $8::integer, $9::boolean) ON CONFLICT DO NOTHING RETURNING id),"
    "old AS (UPDATE tickets SET consumed = true WHERE company_id = $1::bigint"
    "  AND biz_type = $2::text AND recipient = $3::text AND NOT consumed"
    "  AND EXISTS (SELECT 1 FROM ins))"
    " SELECT id FROM ins"};

ta_err pg__ticket_insert(struct store *st, const struct ticket *t, int64_t *id_out)
{
    return pg__insert_row((struct pg_store *)st, &q_ticket_insert, &row_ticket, t, id_out);
}

static const struct pg_stmt q_ticket_by_send = {
    PG_Q_TICKET_BY_SEND, "ticket_by_send",
    "SELECT " TICKET_COLS " FROM tickets WHERE send_hash = $2::bytea AND company_id = $1::bigint"
    " ORDER BY id DESC LIMIT 1"};

ta_err pg__ticket_by_send(struct store *st, int64_t company_id, const unsigned char *hash,
                          struct ticket *out)
{
    struct pg_params pp;

    pg__p_init(&pp);
    pg__p_i64(&pp, company_id);
    pg__p_bytes(&pp, hash, TA_HASH_BYTES);
    return pg__read_one((struct pg_store *)st, &q_ticket_by_send, &pp, &row_ticket, NULL, out,
                        sizeof *out);
}

static const struct pg_stmt q_ticket_spend = {
    PG_Q_TICKET_SPEND, "ticket_spend",
    "UPDATE tickets SET attempts_left = attempts_left - 1"
    " WHERE id = $1::bigint AND attempts_left > 0 AND NOT consumed RETURNING attempts_left"};

ta_err pg__ticket_spend(struct store *st, int64_t id, int *left_out)
{
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_i64(&pp, id);
    ta_err err = pg__exec_row((struct pg_store *)st, &q_ticket_spend, &pp, &res);
    if (err != TA_OK)
        return err;
    *left_out = pg__int(res, 0, 0);
    PQclear(res);
    return TA_OK;
}

/* An unknown id answers TA_E_CONFLICT as well, as on SQLite: the caller has just read the
 * ticket, so only a concurrent consumer can make the row disappear from under it. */
static const struct pg_stmt q_ticket_consume = {
    PG_Q_TICKET_CONSUME, "ticket_consume",
    "UPDATE tickets SET consumed = true WHERE id = $1::bigint AND NOT consumed"};

ta_err pg__ticket_consume(struct store *st, int64_t id)
{
    struct pg_params pp;

    pg__p_init(&pp);
    pg__p_i64(&pp, id);
    ta_err err = pg__exec_touch((struct pg_store *)st, &q_ticket_consume, &pp);
    return err == TA_E_NOT_FOUND ? TA_E_CONFLICT : err;
}

/*---- single-use secrets ----*/

static const struct pg_stmt q_onetime_insert = {PG_Q_ONETIME_INSERT, "onetime_insert",
                                                "INSERT INTO onetime (" ONETIME_COLS
                                                ") VALUES (DEFAULT, $1, $2, $3, $4, $5, $6, $7, $8)"
                                                " ON CONFLICT DO NOTHING RETURNING id"};

ta_err pg__onetime_insert(struct store *st, const struct onetime *o, int64_t *id_out)
{
    /* A conflict: (kind, hash) is taken. */
    return pg__insert_row((struct pg_store *)st, &q_onetime_insert, &row_onetime, o, id_out);
}

/* Of two concurrent DELETEs the second waits for the first one's row lock and, once that
 * commits, finds the row gone: exactly one consumer gets it. */
static const struct pg_stmt q_onetime_consume = {
    PG_Q_ONETIME_CONSUME, "onetime_consume",
    "DELETE FROM onetime WHERE kind = $1::integer AND hash = $2::bytea"
    " AND $3::bigint < expires_ms RETURNING " ONETIME_COLS};

static const struct pg_stmt q_onetime_peek = {
    PG_Q_ONETIME_PEEK, "onetime_peek",
    "SELECT " ONETIME_COLS " FROM onetime WHERE kind = $1::integer AND hash = $2::bytea"
    " AND $3::bigint < expires_ms"};

static ta_err onetime_one(struct store *st, const struct pg_stmt *q, int kind,
                          const unsigned char *hash, int64_t now_ms, struct onetime *out)
{
    struct pg_params pp;

    pg__p_init(&pp);
    pg__p_i64(&pp, kind);
    pg__p_bytes(&pp, hash, TA_HASH_BYTES);
    pg__p_i64(&pp, now_ms);
    return pg__read_one((struct pg_store *)st, q, &pp, &row_onetime, NULL, out, sizeof *out);
}

ta_err pg__onetime_consume(struct store *st, int kind, const unsigned char *hash, int64_t now_ms,
                           struct onetime *out)
{
    return onetime_one(st, &q_onetime_consume, kind, hash, now_ms, out);
}

ta_err pg__onetime_peek(struct store *st, int kind, const unsigned char *hash, int64_t now_ms,
                        struct onetime *out)
{
    return onetime_one(st, &q_onetime_peek, kind, hash, now_ms, out);
}

/*---- rate-limit counters ----*/

/* The row lock taken by ON CONFLICT DO UPDATE serialises hits on one key; the window restarts
 * inside the same statement when it has run out. */
static const struct pg_stmt q_counter_hit = {
    PG_Q_COUNTER_HIT, "counter_hit",
    "INSERT INTO counters AS c (key, count, window_start_ms)"
    " VALUES ($1::text, $4::bigint, $2::bigint)"
    " ON CONFLICT (key) DO UPDATE SET"
    "  count = CASE WHEN c.window_start_ms + $3::bigint <= $2::bigint THEN $4::bigint"
    "    ELSE c.count + $4::bigint END,"
    "  window_start_ms = CASE WHEN c.window_start_ms + $3::bigint <= $2::bigint THEN $2::bigint"
    "    ELSE c.window_start_ms END"
    " RETURNING count, window_start_ms"};

ta_err pg__counter_hit(struct store *st, const char *key, int64_t now_ms, int64_t window_ms,
                       int64_t inc, struct counter *out)
{
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_text(&pp, key);
    pg__p_i64(&pp, now_ms);
    pg__p_i64(&pp, window_ms);
    pg__p_i64(&pp, inc);
    ta_err err = pg__exec_row((struct pg_store *)st, &q_counter_hit, &pp, &res);
    if (err != TA_OK)
        return err;
    out->count = pg__i64(res, 0, 0);
    out->window_start_ms = pg__i64(res, 0, 1);
    PQclear(res);
    return TA_OK;
}

static const struct pg_stmt q_counter_peek = {
    PG_Q_COUNTER_PEEK, "counter_peek",
    "SELECT count, window_start_ms FROM counters"
    " WHERE key = $1::text AND window_start_ms + $3::bigint > $2::bigint"};

ta_err pg__counter_peek(struct store *st, const char *key, int64_t now_ms, int64_t window_ms,
                        struct counter *out)
{
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_text(&pp, key);
    pg__p_i64(&pp, now_ms);
    pg__p_i64(&pp, window_ms);
    ta_err err = pg__exec_row((struct pg_store *)st, &q_counter_peek, &pp, &res);
    if (err == TA_E_NOT_FOUND) {
        /* Unknown or run out: an empty window starting now. */
        out->count = 0;
        out->window_start_ms = now_ms;
        return TA_OK;
    }
    if (err != TA_OK)
        return err;
    out->count = pg__i64(res, 0, 0);
    out->window_start_ms = pg__i64(res, 0, 1);
    PQclear(res);
    return TA_OK;
}

static const struct pg_stmt q_counter_clear = {PG_Q_COUNTER_CLEAR, "counter_clear",
                                               "DELETE FROM counters WHERE key = $1::text"};

ta_err pg__counter_clear(struct store *st, const char *key)
{
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_text(&pp, key);
    ta_err err = pg__exec((struct pg_store *)st, &q_counter_clear, &pp, &res);
    if (err == TA_OK)
        PQclear(res); /* clearing an unknown key is fine */
    return err;
}
