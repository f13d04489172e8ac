/* store/sqlite/session.c — sessions: lookup by access or refresh token hash,
 * rotation as one compare-and-set, ending one, ending a customer's by device class.
 * This is the hottest table: every token request reads it by token_hash. */
#include "store/sqlite/sqlite_int.h"

#include <string.h>

#include "util/log.h"

static const char SQL_INSERT[] =
    "INSERT INTO sessions (" SESSION_COLS ") VALUES "
    "(NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";
/* Two branches so each uses its own index; the current token wins if both could match, and
 * LIMIT 1 stops before the second branch runs when the first finds the row. */
static const char SQL_BY_TOKEN[] =
    "SELECT " SESSION_COLS " FROM sessions WHERE token_hash = ?1 "
    "UNION ALL "
    "SELECT " SESSION_COLS " FROM sessions WHERE prev_token_hash = ?1 "
    "AND prev_token_until_ms > ?2 "
    "LIMIT 1";
static const char SQL_BY_REFRESH[] =
    "SELECT " SESSION_COLS " FROM sessions WHERE refresh_hash = ?1 "
    "UNION ALL "
    "SELECT " SESSION_COLS " FROM sessions WHERE prev_refresh_hash = ?1 "
    "LIMIT 1";
static const char SQL_GET[] = "SELECT " SESSION_COLS " FROM sessions WHERE id = ?1";
static const char SQL_TOUCH[] = "UPDATE sessions SET last_used_ms = ?2 WHERE id = ?1";
/* SET expressions see the row as it was, so token_hash → prev_token_hash moves the old
 * value. The WHERE is the compare of the compare-and-set. */
static const char SQL_ROTATE[] =
    "UPDATE sessions SET prev_token_hash = token_hash, prev_token_until_ms = ?3, "
    "token_hash = ?4, prev_refresh_hash = refresh_hash, refresh_hash = ?5, grace_box = ?6, "
    "rotated_ms = ?7, refresh_expires_ms = ?8 "
    "WHERE id = ?1 AND refresh_hash = ?2 AND ended_ms = 0";
static const char SQL_END[] =
    "UPDATE sessions SET ended_ms = ?2, end_reason = ?3 WHERE id = ?1 AND ended_ms = 0";
static const char SQL_EXISTS[] = "SELECT 1 FROM sessions WHERE id = ?1";
/* Device classes of CONTRACT B4: mobile {1,4,5,6}, desktop {2,7,8}, anything else other. */
static const char SQL_END_CUSTOMER[] =
    "UPDATE sessions SET ended_ms = ?4, end_reason = ?5 "
    "WHERE customer_id = ?1 AND ended_ms = 0 AND id <> ?2 AND (?3 = 0 OR ?3 = "
    "CASE WHEN device IN (1, 4, 5, 6) THEN 1 WHEN device IN (2, 7, 8) THEN 2 ELSE 3 END)";
static const char SQL_COUNT_LIVE[] =
    "SELECT count(*) FROM sessions WHERE ended_ms = 0 AND last_used_ms > ?1";

/* The grace box is a BLOB; more than the model's array can hold is a caller bug. */
static ta_err bind_grace(sqlite3_stmt *q, int i, const struct session *s, const char *what)
{
    if (s->grace_box_len > sizeof s->grace_box) {
        log_error(NULL, "sqlite %s: grace_box_len %zu too large", what, s->grace_box_len);
        return TA_FAIL(TA_E_INTERNAL);
    }
    if (s->grace_box_len == 0)
        sqlite3_bind_null(q, i);
    else
        sqlite3_bind_blob(q, i, s->grace_box, (int)s->grace_box_len, SQLITE_STATIC);
    return TA_OK;
}

ta_err sq__session_insert(struct store *st, const struct session *s, int64_t *id_out)
{
    return sq__insert_row(sq__from(st), SQ_SESSION_INSERT, SQL_INSERT, &row_session, s, id_out,
                          "session_insert");
}

/* Steps a bound lookup of at most one row into *out; releases q. */
static ta_err fetch_one(struct sq_store *sq, sqlite3_stmt *q, struct session *out, const char *what)
{
    return sq__read_one(sq, q, &row_session, NULL, false, out, sizeof *out, what);
}

ta_err sq__session_by_token(struct store *st, const unsigned char *hash, int64_t now_ms,
                            struct session *out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_SESSION_BY_TOKEN, SQL_BY_TOKEN);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sq__bind_hash(q, 1, hash, false);
    sqlite3_bind_int64(q, 2, now_ms);
    return fetch_one(sq, q, out, "session_by_token");
}

ta_err sq__session_by_refresh(struct store *st, const unsigned char *hash, struct session *out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_SESSION_BY_REFRESH, SQL_BY_REFRESH);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sq__bind_hash(q, 1, hash, false);
    return fetch_one(sq, q, out, "session_by_refresh");
}

ta_err sq__session_get(struct store *st, int64_t id, struct session *out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_SESSION_GET, SQL_GET);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, id);
    return fetch_one(sq, q, out, "session_get");
}

ta_err sq__session_touch(struct store *st, int64_t id, int64_t now_ms)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_SESSION_TOUCH, SQL_TOUCH);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, now_ms);
    int changed = 0;
    ta_err err = sq__run(sq, q, "session_touch", &changed);
    sq__release(q);
    if (err == TA_OK && changed == 0)
        err = TA_E_NOT_FOUND;
    return err;
}

ta_err sq__session_rotate(struct store *st, int64_t id, const unsigned char *old_refresh_hash,
                          const struct session *next, int64_t now_ms)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_SESSION_ROTATE, SQL_ROTATE);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);

    int changed = 0;
    ta_err err = bind_grace(q, 6, next, "session_rotate");
    if (err == TA_OK) {
        sqlite3_bind_int64(q, 1, id);
        sq__bind_hash(q, 2, old_refresh_hash, false);
        sqlite3_bind_int64(q, 3, next->prev_token_until_ms);
        sq__bind_hash(q, 4, next->token_hash, false);
        sq__bind_hash(q, 5, next->refresh_hash, false);
        sqlite3_bind_int64(q, 7, now_ms);
        sqlite3_bind_int64(q, 8, next->refresh_expires_ms);
        err = sq__run(sq, q, "session_rotate", &changed);
    }
    sq__release(q);
    if (err == TA_OK && changed == 0)
        err = TA_E_CONFLICT; /* ended, unknown, or the refresh token was already rotated */
    return err;
}

ta_err sq__session_end(struct store *st, int64_t id, int64_t now_ms, int reason)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_SESSION_END, SQL_END);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, now_ms);
    sqlite3_bind_int(q, 3, reason);
    int changed = 0;
    ta_err err = sq__run(sq, q, "session_end", &changed);
    sq__release(q);
    if (err != TA_OK || changed > 0)
        return err;

    /* Nothing ended: already ended (an answer, TA_OK, the first end time kept) or unknown.
     * Only logout of a dead session takes this second query. */
    q = sq__stmt(sq, SQ_SESSION_EXISTS, SQL_EXISTS);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        err = TA_OK;
    else if (rc == SQLITE_DONE)
        err = TA_E_NOT_FOUND;
    else
        err = sq__error(sq, rc, "session_end");
    sq__release(q);
    return err;
}

ta_err sq__session_end_customer(struct store *st, int64_t customer_id, int64_t except_id,
                                int device_class, int64_t now_ms, int reason, size_t *n_out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_SESSION_END_CUSTOMER, SQL_END_CUSTOMER);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, customer_id);
    sqlite3_bind_int64(q, 2, except_id);
    sqlite3_bind_int(q, 3, device_class);
    sqlite3_bind_int64(q, 4, now_ms);
    sqlite3_bind_int(q, 5, reason);
    int changed = 0;
    ta_err err = sq__run(sq, q, "session_end_customer", &changed);
    sq__release(q);
    if (err == TA_OK && n_out != NULL)
        *n_out = (size_t)changed;
    return err;
}

ta_err sq__session_count_live(struct store *st, int64_t idle_since_ms, int64_t *n_out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_SESSION_COUNT_LIVE, SQL_COUNT_LIVE);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, idle_since_ms);
    ta_err err = TA_OK;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *n_out = sqlite3_column_int64(q, 0);
    else
        err = sq__error(sq, rc, "session_count_live");
    sq__release(q);
    return err;
}
