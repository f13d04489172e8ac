/* store/pg/session.c — sessions: lookup by access or refresh token hash, rotation as one
 * compare-and-set, ending one, ending a customer's by device class. Everything two instances
 * could race on is one conditional UPDATE: the loser waits for the row lock, then finds the
 * condition false and gets TA_E_CONFLICT or TA_E_NOT_FOUND. */
#include "store/pg/pg_int.h"

#include <string.h>

#include "util/log.h"

/*---- sessions ----*/

static ta_err session_one(struct pg_store *p, const struct pg_stmt *q, const struct pg_params *pp,
                          struct session *out)
{
    return pg__read_one(p, q, pp, &row_session, NULL, out, sizeof *out);
}

/* More than the record's array can hold is a caller bug: refuse rather than cut it. */
static ta_err check_box(const struct session *s, const char *what)
{
    if (s->grace_box_len <= sizeof s->grace_box)
        return TA_OK;
    log_error(NULL, "pg %s: grace_box_len %zu too large", what, s->grace_box_len);
    return TA_FAIL(TA_E_INTERNAL);
}

static const struct pg_stmt q_session_insert = {
    PG_Q_SESSION_INSERT, "session_insert",
    "INSERT INTO sessions (" SESSION_COLS ")"
    " VALUES (DEFAULT, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    " ON CONFLICT DO NOTHING RETURNING id"};

ta_err pg__session_insert(struct store *st, const struct session *s, int64_t *id_out)
{
    /* A token or refresh hash already taken: an answer, and the caller's transaction lives. */
    return pg__insert_row((struct pg_store *)st, &q_session_insert, &row_session, s, id_out);
}

/* The hot path of every authenticated request: one index probe per hash column (the OR
 * becomes a BitmapOr). A current token wins over a rotated-away one. */
static const struct pg_stmt q_session_by_token = {
    PG_Q_SESSION_BY_TOKEN, "session_by_token",
    "SELECT " SESSION_COLS " FROM sessions"
    " WHERE token_hash = $1::bytea"
    "  OR (prev_token_hash = $1::bytea AND $2::bigint < prev_token_until_ms)"
    " ORDER BY token_hash = $1::bytea DESC, id DESC LIMIT 1"};

ta_err pg__session_by_token(struct store *st, const unsigned char *hash, int64_t now_ms,
                            struct session *out)
{
    struct pg_params pp;

    pg__p_init(&pp);
    pg__p_bytes(&pp, hash, TA_HASH_BYTES);
    pg__p_i64(&pp, now_ms);
    return session_one((struct pg_store *)st, &q_session_by_token, &pp, out);
}

static const struct pg_stmt q_session_by_refresh = {
    PG_Q_SESSION_BY_REFRESH, "session_by_refresh",
    "SELECT " SESSION_COLS " FROM sessions"
    " WHERE refresh_hash = $1::bytea OR prev_refresh_hash = $1::bytea"
    " ORDER BY coalesce(refresh_hash = $1::bytea, false) DESC, id DESC LIMIT 1"};

ta_err pg__session_by_refresh(struct store *st, const unsigned char *hash, struct session *out)
{
    struct pg_params pp;

    pg__p_init(&pp);
    pg__p_bytes(&pp, hash, TA_HASH_BYTES);
    return session_one((struct pg_store *)st, &q_session_by_refresh, &pp, out);
}

static const struct pg_stmt q_session_get = {
    PG_Q_SESSION_GET, "session_get", "SELECT " SESSION_COLS " FROM sessions WHERE id = $1::bigint"};

ta_err pg__session_get(struct store *st, int64_t id, struct session *out)
{
    struct pg_params pp;

    pg__p_init(&pp);
    pg__p_i64(&pp, id);
    return session_one((struct pg_store *)st, &q_session_get, &pp, out);
}

static const struct pg_stmt q_session_touch = {
    PG_Q_SESSION_TOUCH, "session_touch",
    "UPDATE sessions SET last_used_ms = $2::bigint WHERE id = $1::bigint"};

ta_err pg__session_touch(struct store *st, int64_t id, int64_t now_ms)
{
    struct pg_params pp;

    pg__p_init(&pp);
    pg__p_i64(&pp, id);
    pg__p_i64(&pp, now_ms);
    return pg__exec_touch((struct pg_store *)st, &q_session_touch, &pp);
}

/* SET expressions read the row as it was, so the current hashes move to the prev_ columns
 * while the new ones take their place. */
static const struct pg_stmt q_session_rotate = {
    PG_Q_SESSION_ROTATE, "session_rotate",
    "UPDATE sessions SET prev_token_hash = token_hash, prev_token_until_ms = $4::bigint,"
    " prev_refresh_hash = refresh_hash, token_hash = $3::bytea, refresh_hash = $5::bytea,"
    " grace_box = $6::bytea, rotated_ms = $7::bigint, refresh_expires_ms = $8::bigint"
    " WHERE id = $1::bigint AND ended_ms = 0 AND refresh_hash = $2::bytea"};

ta_err pg__session_rotate(struct store *st, int64_t id, const unsigned char *old_refresh_hash,
                          const struct session *next, int64_t now_ms)
{
    struct pg_params pp;

    ta_err err = check_box(next, "session_rotate");
    if (err != TA_OK)
        return err;
    pg__p_init(&pp);
    pg__p_i64(&pp, id);
    pg__p_bytes(&pp, old_refresh_hash, TA_HASH_BYTES);
    pg__p_bytes(&pp, next->token_hash, sizeof next->token_hash);
    pg__p_i64(&pp, next->prev_token_until_ms);
    pg__p_bytes(&pp, next->refresh_hash, sizeof next->refresh_hash);
    pg__p_bytes(&pp, next->grace_box, next->grace_box_len);
    pg__p_i64(&pp, now_ms);
    pg__p_i64(&pp, next->refresh_expires_ms);
    /* No row: ended, unknown, or the refresh token was rotated already. */
    err = pg__exec_touch((struct pg_store *)st, &q_session_rotate, &pp);
    return err == TA_E_NOT_FOUND ? TA_E_CONFLICT : err;
}

/* Ending an ended session is a no-op; only an unknown id answers no row. */
static const struct pg_stmt q_session_end = {
    PG_Q_SESSION_END, "session_end",
    "WITH u AS (UPDATE sessions SET ended_ms = $2::bigint, end_reason = $3::integer"
    "  WHERE id = $1::bigint AND ended_ms = 0)"
    " SELECT 1 FROM sessions WHERE id = $1::bigint"};

ta_err pg__session_end(struct store *st, int64_t id, int64_t now_ms, int reason)
{
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_i64(&pp, id);
    pg__p_i64(&pp, now_ms);
    pg__p_i64(&pp, reason);
    ta_err err = pg__exec_row((struct pg_store *)st, &q_session_end, &pp, &res);
    if (err == TA_OK)
        PQclear(res);
    return err;
}

/* Device classes (store.h, CONTRACT B4): 1 mobile {1,4,5,6}, 2 desktop {2,7,8}, 3 the rest. */
static const struct pg_stmt q_session_end_customer = {
    PG_Q_SESSION_END_CUSTOMER, "session_end_customer",
    "UPDATE sessions SET ended_ms = $4::bigint, end_reason = $5::integer"
    " WHERE customer_id = $1::bigint AND ended_ms = 0 AND id <> $2::bigint"
    "  AND ($3::integer = 0 OR $3::integer = CASE WHEN device IN (1, 4, 5, 6) THEN 1"
    "    WHEN device IN (2, 7, 8) THEN 2 ELSE 3 END)"};

ta_err pg__session_end_customer(struct store *st, int64_t customer_id, int64_t except_id,
                                int device_class, int64_t now_ms, int reason, size_t *n_out)
{
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_i64(&pp, customer_id);
    pg__p_i64(&pp, except_id);
    pg__p_i64(&pp, device_class);
    pg__p_i64(&pp, now_ms);
    pg__p_i64(&pp, reason);
    ta_err err = pg__exec((struct pg_store *)st, &q_session_end_customer, &pp, &res);
    if (err != TA_OK)
        return err;
    if (n_out != NULL)
        *n_out = (size_t)pg__i64_text(PQcmdTuples(res));
    PQclear(res);
    return TA_OK;
}

static const struct pg_stmt q_session_count_live = {
    PG_Q_SESSION_COUNT_LIVE, "session_count_live",
    "SELECT count(*) FROM sessions WHERE ended_ms = 0 AND last_used_ms > $1::bigint"};

ta_err pg__session_count_live(struct store *st, int64_t idle_since_ms, int64_t *n_out)
{
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_i64(&pp, idle_since_ms);
    ta_err err = pg__exec_row((struct pg_store *)st, &q_session_count_live, &pp, &res);
    if (err != TA_OK)
        return err;
    *n_out = pg__i64(res, 0, 0);
    PQclear(res);
    return TA_OK;
}
