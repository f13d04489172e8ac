/* store/pg/security.c — the security center's rows (contract C21-C24) on PostgreSQL:
 * contacts and country, the customer_security row, live sessions, the customer's audit
 * page, known devices and the erasure of deleted customers. Same answers as SQLite. */
#include "store/pg/pg_int.h"

#include <string.h>

#include "util/arena.h"

static const struct pg_stmt q_set_email = {
    PG_Q_SEC_SET_EMAIL, "sec_set_email",
    "UPDATE customers SET email = $2::text WHERE id = $1::bigint"};
static const struct pg_stmt q_set_phone = {
    PG_Q_SEC_SET_PHONE, "sec_set_phone",
    "UPDATE customers SET phone_area = $2::text, phone = $3::text WHERE id = $1::bigint"};
static const struct pg_stmt q_set_country = {
    PG_Q_SEC_SET_COUNTRY, "sec_set_country",
    "UPDATE customers SET country = $2::text WHERE id = $1::bigint"};
static const struct pg_stmt q_get = {
    PG_Q_SEC_GET, "sec_get",
    "SELECT customer_id, company_id, fund_pw_hash, anti_phish, hold_until_ms, hold_reason,"
    " delete_requested_ms, erased_ms, pw_login_blocked FROM customer_security"
    " WHERE customer_id = $1::bigint"};
static const struct pg_stmt q_put = {
    PG_Q_SEC_PUT, "sec_put",
    "INSERT INTO customer_security (customer_id, company_id, fund_pw_hash, anti_phish,"
    " hold_until_ms, hold_reason, delete_requested_ms, erased_ms, pw_login_blocked)"
    " VALUES ($1::bigint, $2::bigint, $3::text, $4::text, $5::bigint, $6::text, $7::bigint,"
    " $8::bigint, $9::boolean) ON CONFLICT (customer_id) DO UPDATE SET"
    " company_id = excluded.company_id, fund_pw_hash = excluded.fund_pw_hash,"
    " anti_phish = excluded.anti_phish, hold_until_ms = excluded.hold_until_ms,"
    " hold_reason = excluded.hold_reason, delete_requested_ms = excluded.delete_requested_ms,"
    " erased_ms = excluded.erased_ms, pw_login_blocked = excluded.pw_login_blocked"};
static const struct pg_stmt q_session_list = {
    PG_Q_SEC_SESSION_LIST, "sec_session_list",
    "SELECT id, company_id, customer_id, device, client_addr, user_agent, created_ms,"
    " last_used_ms, refresh_expires_ms FROM sessions WHERE customer_id = $1::bigint"
    " AND ended_ms = 0 ORDER BY last_used_ms DESC, id DESC"};
static const struct pg_stmt q_audit_page = {
    PG_Q_SEC_AUDIT_PAGE, "sec_audit_page",
    "SELECT id, time_ms, company_id, customer_id, event, outcome, client_addr, device, detail"
    " FROM audit WHERE customer_id = $1::bigint AND time_ms >= $2::bigint"
    " ORDER BY time_ms DESC, id DESC OFFSET $3::bigint LIMIT $4::bigint"};
/* Known device: one row updated. Unknown: the insert tells NEW from FIRST by whether the
 * customer had any device row before; a concurrent insert of the same key loses quietly. */
static const struct pg_stmt q_device_touch = {
    PG_Q_SEC_DEVICE_TOUCH, "sec_device_touch",
    "UPDATE customer_device SET last_ms = $3::bigint WHERE customer_id = $1::bigint"
    " AND device_key = $2::bytea"};
static const struct pg_stmt q_device_insert = {
    PG_Q_SEC_DEVICE_INSERT, "sec_device_insert",
    "WITH had AS (SELECT count(*) AS n FROM customer_device WHERE customer_id = $1::bigint),"
    " ins AS (INSERT INTO customer_device (customer_id, device_key, first_ms, last_ms)"
    " VALUES ($1::bigint, $2::bytea, $3::bigint, $3::bigint) ON CONFLICT DO NOTHING"
    " RETURNING 1) SELECT (SELECT count(*) FROM ins), (SELECT n FROM had)"};
/* One statement, so atomic: the security rows are claimed first and drive the rest. */
static const struct pg_stmt q_erase_due = {
    PG_Q_SEC_ERASE_DUE, "sec_erase_due",
    "WITH due AS (UPDATE customer_security SET fund_pw_hash = NULL, anti_phish = NULL,"
    " erased_ms = $2::bigint WHERE delete_requested_ms > 0 AND delete_requested_ms <= $1::bigint"
    " AND erased_ms = 0 RETURNING customer_id),"
    " c AS (UPDATE customers SET email = NULL, phone = NULL, phone_area = NULL, pw_hash = NULL,"
    " mfa_secret = NULL, mfa_id = -1 WHERE id IN (SELECT customer_id FROM due) RETURNING id),"
    " d AS (DELETE FROM customer_device WHERE customer_id IN (SELECT customer_id FROM due)"
    " RETURNING 1) SELECT (SELECT count(*) FROM c), (SELECT count(*) FROM d)"};

/* A contact update inside a savepoint: a unique violation (TA_E_CONFLICT) must leave the
 * caller's transaction usable. */
static ta_err update_atomic(struct store *st, const struct pg_stmt *q, const struct pg_params *pp)
{
    struct pg_store *p = (struct pg_store *)st;
    struct pg_atomic at;
    ta_err err = pg__atomic_begin(p, false, &at);
    if (err == TA_OK)
        err = pg__exec_touch(p, q, pp);
    return pg__atomic_end(p, &at, err);
}

ta_err pg__customer_set_email(struct store *st, int64_t id, const char *email)
{
    struct pg_params pp;
    pg__p_init(&pp);
    pg__p_i64(&pp, id);
    pg__p_text(&pp, email);
    return update_atomic(st, &q_set_email, &pp);
}

ta_err pg__customer_set_phone(struct store *st, int64_t id, const char *phone_area,
                              const char *phone)
{
    struct pg_params pp;
    pg__p_init(&pp);
    pg__p_i64(&pp, id);
    pg__p_text(&pp, phone_area);
    pg__p_text(&pp, phone);
    return update_atomic(st, &q_set_phone, &pp);
}

ta_err pg__customer_set_country(struct store *st, int64_t id, const char *country)
{
    struct pg_params pp;
    pg__p_init(&pp);
    pg__p_i64(&pp, id);
    pg__p_text(&pp, country);
    return pg__exec_touch((struct pg_store *)st, &q_set_country, &pp);
}

ta_err pg__security_get(struct store *st, int64_t customer_id, struct arena *a,
                        struct customer_security *out)
{
    struct pg_params pp;
    PGresult *res;
    pg__p_init(&pp);
    pg__p_i64(&pp, customer_id);
    ta_err err = pg__exec_row((struct pg_store *)st, &q_get, &pp, &res);
    if (err != TA_OK)
        return err;
    struct customer_security s = {0};
    s.customer_id = pg__i64(res, 0, 0);
    s.company_id = pg__i64(res, 0, 1);
    bool ok = pg__str(a, res, 0, 2, &s.fund_pw_hash) && pg__str(a, res, 0, 3, &s.anti_phish);
    s.hold_until_ms = pg__i64(res, 0, 4);
    pg__copy(s.hold_reason, sizeof s.hold_reason, res, 0, 5);
    s.delete_requested_ms = pg__i64(res, 0, 6);
    s.erased_ms = pg__i64(res, 0, 7);
    s.pw_login_blocked = pg__bool(res, 0, 8);
    PQclear(res);
    if (!ok)
        return TA_E_TOO_LARGE;
    *out = s;
    return TA_OK;
}

ta_err pg__security_put(struct store *st, const struct customer_security *s)
{
    struct pg_params pp;
    PGresult *res;
    pg__p_init(&pp);
    pg__p_i64(&pp, s->customer_id);
    pg__p_i64(&pp, s->company_id);
    pg__p_text(&pp, s->fund_pw_hash);
    pg__p_text(&pp, s->anti_phish);
    pg__p_i64(&pp, s->hold_until_ms);
    pg__p_chars(&pp, s->hold_reason, sizeof s->hold_reason);
    pg__p_i64(&pp, s->delete_requested_ms);
    pg__p_i64(&pp, s->erased_ms);
    pg__p_bool(&pp, s->pw_login_blocked);
    ta_err err = pg__exec((struct pg_store *)st, &q_put, &pp, &res);
    if (err == TA_OK)
        PQclear(res);
    return err;
}

ta_err pg__session_list(struct store *st, int64_t customer_id, struct arena *a,
                        struct session **out, size_t *n_out)
{
    struct pg_params pp;
    PGresult *res;
    pg__p_init(&pp);
    pg__p_i64(&pp, customer_id);
    ta_err err = pg__exec((struct pg_store *)st, &q_session_list, &pp, &res);
    if (err != TA_OK)
        return err;
    int n = PQntuples(res);
    struct session *list = arena_alloc(a, (size_t)(n ? n : 1) * sizeof *list);
    if (list == NULL) {
        PQclear(res);
        return TA_E_TOO_LARGE;
    }
    for (int r = 0; r < n; r++) {
        struct session *s = &list[r];
        memset(s, 0, sizeof *s);
        s->id = pg__i64(res, r, 0);
        s->company_id = pg__i64(res, r, 1);
        s->customer_id = pg__i64(res, r, 2);
        s->device = pg__int(res, r, 3);
        pg__copy(s->client_addr, sizeof s->client_addr, res, r, 4);
        pg__copy(s->user_agent, sizeof s->user_agent, res, r, 5);
        s->created_ms = pg__i64(res, r, 6);
        s->last_used_ms = pg__i64(res, r, 7);
        s->refresh_expires_ms = pg__i64(res, r, 8);
    }
    PQclear(res);
    *out = list;
    *n_out = (size_t)n;
    return TA_OK;
}

ta_err pg__audit_page(struct store *st, int64_t customer_id, int64_t since_ms, size_t offset,
                      size_t limit, struct arena *a, struct audit_row **out, size_t *n_out)
{
    struct pg_params pp;
    PGresult *res;
    pg__p_init(&pp);
    pg__p_i64(&pp, customer_id);
    pg__p_i64(&pp, since_ms);
    pg__p_i64(&pp, offset > INT64_MAX ? INT64_MAX : (int64_t)offset);
    pg__p_i64(&pp, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    ta_err err = pg__exec((struct pg_store *)st, &q_audit_page, &pp, &res);
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

ta_err pg__device_seen(struct store *st, int64_t customer_id, const unsigned char *key,
                       int64_t now_ms, int *state_out)
{
    struct pg_store *p = (struct pg_store *)st;
    struct pg_params pp;
    PGresult *res;
    pg__p_init(&pp);
    pg__p_i64(&pp, customer_id);
    pg__p_bytes(&pp, key, TA_HASH_BYTES);
    pg__p_i64(&pp, now_ms);
    ta_err err = pg__exec_touch(p, &q_device_touch, &pp);
    if (err == TA_OK) {
        *state_out = DEVICE_KNOWN;
        return TA_OK;
    }
    if (err != TA_E_NOT_FOUND)
        return err;
    err = pg__exec_row(p, &q_device_insert, &pp, &res);
    if (err != TA_OK)
        return err;
    int64_t inserted = pg__i64(res, 0, 0), had = pg__i64(res, 0, 1);
    PQclear(res);
    *state_out = inserted == 0 ? DEVICE_KNOWN : (had > 0 ? DEVICE_NEW : DEVICE_FIRST);
    return TA_OK;
}

ta_err pg__customer_erase_due(struct store *st, int64_t before_ms, int64_t now_ms, int64_t *n_out)
{
    struct pg_params pp;
    PGresult *res;
    pg__p_init(&pp);
    pg__p_i64(&pp, before_ms);
    pg__p_i64(&pp, now_ms);
    ta_err err = pg__exec_row((struct pg_store *)st, &q_erase_due, &pp, &res);
    if (err != TA_OK)
        return err;
    *n_out = pg__i64(res, 0, 0);
    PQclear(res);
    return TA_OK;
}
