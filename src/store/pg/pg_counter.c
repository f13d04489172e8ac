/* store/pg/pg_counter.c — rate-limit counters: one row per key, a fixed window from the
 * first hit. Every instance counts in the same row, and a hit is one upsert, so no two
 * concurrent hits can both read the old count. */
#include "store/pg/pg_int.h"

/* The row lock taken by ON CONFLICT DO UPDATE serialises hits on one key; the window restarts
 * inside the same statement when it has run out. */
static const struct pg_stmt q_counter_hit = {
    PG_Q_COUNTER_HIT, "counter_hit",
    "INSERT INTO counter AS c (key, count, window_start_ms)"
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
    "SELECT count, window_start_ms FROM counter"
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
                                               "DELETE FROM counter WHERE key = $1::text"};

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

/* Housekeeping in one statement, so several instances purging at once cannot interleave
 * half-done passes. */
static const struct pg_stmt q_purge = {
    PG_Q_PURGE, "purge",
    "WITH o AS (DELETE FROM onetime WHERE expires_ms <= $1::bigint RETURNING 1),"
    " t AS (DELETE FROM ticket WHERE expires_ms <= $1::bigint - $2::bigint RETURNING 1),"
    " c AS (DELETE FROM counter WHERE window_start_ms <= $1::bigint - $2::bigint RETURNING 1),"
    " s AS (DELETE FROM session WHERE (ended_ms > 0 AND ended_ms <= $1::bigint - $2::bigint)"
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
