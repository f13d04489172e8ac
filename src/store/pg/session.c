/* store/pg/session.c — sessions: lookup by access or refresh token hash, rotation as one
 * compare-and-set, ending one, ending a customer's by device class. Everything two instances
 * could race on is one conditional UPDATE: the loser waits for the row lock, then finds the
 * condition false and gets TA_E_CONFLICT or TA_E_NOT_FOUND. */
#include "store/pg/pg_int.h"

#include <string.h>

#include "util/log.h"

/*---- sessions ----*/

#define SESSION_COLS                                                                               \
    "id, customer_id, company_id, device, token_hash, prev_token_hash, prev_token_until_ms,"       \
    " refresh_hash, prev_refresh_hash, rotated_ms, grace_box, client_addr, user_agent,"            \
    " created_ms, last_used_ms, refresh_expires_ms, ended_ms, end_reason"

static void read_session(const PGresult *res, int r, struct session *s)
{
    memset(s, 0, sizeof *s);
    s->id = pg__i64(res, r, 0);
    s->customer_id = pg__i64(res, r, 1);
    s->company_id = pg__i64(res, r, 2);
    s->device = pg__int(res, r, 3);
    pg__bytes(s->token_hash, sizeof s->token_hash, res, r, 4, NULL);
    pg__bytes(s->prev_token_hash, sizeof s->prev_token_hash, res, r, 5, NULL);
    s->prev_token_until_ms = pg__i64(res, r, 6);
    pg__bytes(s->refresh_hash, sizeof s->refresh_hash, res, r, 7, NULL);
    pg__bytes(s->prev_refresh_hash, sizeof s->prev_refresh_hash, res, r, 8, NULL);
    s->rotated_ms = pg__i64(res, r, 9);
    pg__bytes(s->grace_box, sizeof s->grace_box, res, r, 10, &s->grace_box_len);
    pg__copy(s->client_addr, sizeof s->client_addr, res, r, 11);
    pg__copy(s->user_agent, sizeof s->user_agent, res, r, 12);
    s->created_ms = pg__i64(res, r, 13);
    s->last_used_ms = pg__i64(res, r, 14);
    s->refresh_expires_ms = pg__i64(res, r, 15);
    s->ended_ms = pg__i64(res, r, 16);
    s->end_reason = pg__int(res, r, 17);
}

static ta_err session_one(struct pg_store *p, const struct pg_stmt *q, const struct pg_params *pp,
                          struct session *out)
{
    PGresult *res;
    ta_err err = pg__exec_row(p, q, pp, &res);
    if (err != TA_OK)
        return err;
    read_session(res, 0, out);
    PQclear(res);
    return TA_OK;
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
    "INSERT INTO sessions (customer_id, company_id, device, token_hash, prev_token_hash,"
    " prev_token_until_ms, refresh_hash, prev_refresh_hash, rotated_ms, grace_box, client_addr,"
    " user_agent, created_ms, last_used_ms, refresh_expires_ms, ended_ms, end_reason)"
    " VALUES ($1::bigint, $2::bigint, $3::integer, $4::bytea, $5::bytea, $6::bigint,"
    " $7::bytea, $8::bytea, $9::bigint, $10::bytea, $11::text, $12::text, $13::bigint,"
    " $14::bigint, $15::bigint, $16::bigint, $17::integer)"
    " ON CONFLICT DO NOTHING RETURNING id"};

ta_err pg__session_insert(struct store *st, const struct session *s, int64_t *id_out)
{
    struct pg_params pp;
    PGresult *res;

    ta_err err = check_box(s, "session_insert");
    if (err != TA_OK)
        return err;

    pg__p_init(&pp);
    pg__p_i64(&pp, s->customer_id);
    pg__p_i64(&pp, s->company_id);
    pg__p_i64(&pp, s->device);
    pg__p_bytes(&pp, s->token_hash, sizeof s->token_hash);
    pg__p_hash_or_null(&pp, s->prev_token_hash, sizeof s->prev_token_hash);
    pg__p_i64(&pp, s->prev_token_until_ms);
    pg__p_bytes(&pp, s->refresh_hash, sizeof s->refresh_hash);
    pg__p_hash_or_null(&pp, s->prev_refresh_hash, sizeof s->prev_refresh_hash);
    pg__p_i64(&pp, s->rotated_ms);
    pg__p_bytes(&pp, s->grace_box, s->grace_box_len);
    pg__p_chars(&pp, s->client_addr, sizeof s->client_addr);
    pg__p_chars(&pp, s->user_agent, sizeof s->user_agent);
    pg__p_i64(&pp, s->created_ms);
    pg__p_i64(&pp, s->last_used_ms);
    pg__p_i64(&pp, s->refresh_expires_ms);
    pg__p_i64(&pp, s->ended_ms);
    pg__p_i64(&pp, s->end_reason);
    /* A token or refresh hash already taken: an answer, and the caller's transaction lives. */
    err = pg__exec_row((struct pg_store *)st, &q_session_insert, &pp, &res);
    if (err == TA_E_NOT_FOUND)
        return TA_E_CONFLICT;
    if (err != TA_OK)
        return err;
    *id_out = pg__i64(res, 0, 0);
    PQclear(res);
    return TA_OK;
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
