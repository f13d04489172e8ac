/* store/pg/outbox.c — the outbox of codes to deliver, the audit trail and housekeeping.
 * Several delivery workers, in several instances, claim from one outbox: FOR UPDATE SKIP
 * LOCKED hands each of them different rows without waiting on one another. */
#include "store/pg/pg_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

/*---- outbox ----*/

static const struct pg_stmt q_outbox_insert = {
    PG_Q_OUTBOX_INSERT, "outbox_insert",
    "INSERT INTO outbox (" OUTBOX_COLS ", status) VALUES (DEFAULT, $1, $2, $3, $4, $5, $6, $7,"
    " $8, $9, $10, $11, $12, 0) RETURNING id"};

ta_err pg__outbox_insert(struct store *st, const struct outbox_row *row, int64_t *id_out)
{
    return pg__insert_row((struct pg_store *)st, &q_outbox_insert, &row_outbox, row, id_out);
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
    "  attempts = o.attempts + 1, claimed_by = nullif($4::text, '')"
    "  FROM picked WHERE o.id = picked.id RETURNING o.*)"
    " SELECT " OUTBOX_COLS " FROM claimed ORDER BY id"};

ta_err pg__outbox_claim(struct store *st, int64_t now_ms, int64_t lease_ms, size_t max,
                        struct arena *a, struct outbox_row **out, size_t *n_out)
{
    struct pg_params pp;

    pg__p_init(&pp);
    pg__p_i64(&pp, now_ms);
    pg__p_i64(&pp, lease_ms);
    pg__p_i64(&pp, max > INT64_MAX ? INT64_MAX : (int64_t)max);
    pg__p_text(&pp, store_instance_id);
    return pg__read_all((struct pg_store *)st, &q_outbox_claim, &pp, &row_outbox, a, sizeof **out,
                        (void **)out, n_out);
}

static const struct pg_stmt q_outbox_reclaim = {
    PG_Q_OUTBOX_RECLAIM, "outbox_reclaim",
    "UPDATE outbox SET next_at_ms = $2::bigint"
    " WHERE status = 0 AND claimed_by = $1::text AND next_at_ms > $2::bigint"};

ta_err pg__outbox_reclaim(struct store *st, const char *owner, int64_t now_ms, int64_t *n_out)
{
    struct pg_params pp;
    PGresult *res = NULL;

    pg__p_init(&pp);
    pg__p_text(&pp, owner);
    pg__p_i64(&pp, now_ms);
    ta_err err = pg__exec((struct pg_store *)st, &q_outbox_reclaim, &pp, &res);
    *n_out = err == TA_OK ? strtoll(PQcmdTuples(res), NULL, 10) : 0;
    PQclear(res);
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

static const struct pg_stmt q_audit_insert = {PG_Q_AUDIT_INSERT, "audit_insert",
                                              "INSERT INTO audit (" AUDIT_COLS
                                              ") VALUES (DEFAULT, $1, $2, $3, $4, $5, $6, $7, $8)"};

ta_err pg__audit_insert(struct store *st, const struct audit_row *row)
{
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    ta_err err = pg__p_row(&pp, &row_audit, row, "audit_insert");
    if (err == TA_OK)
        err = pg__exec((struct pg_store *)st, &q_audit_insert, &pp, &res);
    if (err == TA_OK)
        PQclear(res);
    return err;
}

static const struct pg_stmt q_audit_list = {
    PG_Q_AUDIT_LIST, "audit_list",
    "SELECT " AUDIT_COLS " FROM audit WHERE customer_id = $1::bigint ORDER BY time_ms DESC, id DESC"
    " LIMIT $2::bigint"};

ta_err pg__audit_list(struct store *st, int64_t customer_id, size_t limit, struct arena *a,
                      struct audit_row **out, size_t *n_out)
{
    struct pg_params pp;

    pg__p_init(&pp);
    pg__p_i64(&pp, customer_id);
    pg__p_i64(&pp, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    return pg__read_all((struct pg_store *)st, &q_audit_list, &pp, &row_audit, a, sizeof **out,
                        (void **)out, n_out);
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
