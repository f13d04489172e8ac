/* store/sqlite/security.c — the security center's rows (contract C21-C24): contacts
 * and country of a customer, the customer_security row, the live-session list, the
 * customer's own audit page, known devices and the erasure of deleted customers. */
#include "store/sqlite/sqlite_int.h"

static const char SQL_SET_EMAIL[] = "UPDATE customers SET email = ?2 WHERE id = ?1";
static const char SQL_SET_PHONE[] =
    "UPDATE customers SET phone_area = ?2, phone = ?3 WHERE id = ?1";
static const char SQL_SET_COUNTRY[] = "UPDATE customers SET country = ?2 WHERE id = ?1";
static const char SQL_GET[] =
    "SELECT customer_id, company_id, fund_pw_hash, anti_phish, hold_until_ms, hold_reason,"
    " delete_requested_ms, erased_ms, pw_login_blocked FROM customer_security"
    " WHERE customer_id = ?1";
static const char SQL_PUT[] =
    "INSERT INTO customer_security (customer_id, company_id, fund_pw_hash, anti_phish,"
    " hold_until_ms, hold_reason, delete_requested_ms, erased_ms, pw_login_blocked)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (customer_id) DO UPDATE SET"
    " company_id = excluded.company_id, fund_pw_hash = excluded.fund_pw_hash,"
    " anti_phish = excluded.anti_phish, hold_until_ms = excluded.hold_until_ms,"
    " hold_reason = excluded.hold_reason, delete_requested_ms = excluded.delete_requested_ms,"
    " erased_ms = excluded.erased_ms, pw_login_blocked = excluded.pw_login_blocked";
static const char SQL_SESSION_LIST[] =
    "SELECT id, company_id, customer_id, device, client_addr, user_agent, created_ms,"
    " last_used_ms, refresh_expires_ms FROM sessions WHERE customer_id = ?1 AND ended_ms = 0"
    " ORDER BY last_used_ms DESC, id DESC";
static const char SQL_AUDIT_PAGE[] =
    "SELECT id, time_ms, company_id, customer_id, event, outcome, client_addr, device, detail"
    " FROM audit WHERE customer_id = ?1 AND time_ms >= ?2 ORDER BY time_ms DESC, id DESC"
    " LIMIT ?4 OFFSET ?3";
static const char SQL_DEVICE_FIND[] =
    "UPDATE customer_device SET last_ms = ?3 WHERE customer_id = ?1 AND device_key = ?2";
static const char SQL_DEVICE_ANY[] = "SELECT 1 FROM customer_device WHERE customer_id = ?1 LIMIT 1";
static const char SQL_DEVICE_PUT[] = "INSERT INTO customer_device (customer_id, device_key,"
                                     " first_ms, last_ms) VALUES (?1, ?2, ?3, ?3)";

static ta_err update_one(struct sq_store *sq, sqlite3_stmt *q, const char *what)
{
    int changed = 0;
    ta_err err = sq__run(sq, q, what, &changed);
    sq__release(q);
    if (err == TA_OK && changed == 0)
        err = TA_E_NOT_FOUND;
    return err;
}

ta_err sq__customer_set_email(struct store *st, int64_t id, const char *email)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_SEC_SET_EMAIL, SQL_SET_EMAIL);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, id);
    sq__bind_str(q, 2, email);
    return update_one(sq, q, "customer_set_email");
}

ta_err sq__customer_set_phone(struct store *st, int64_t id, const char *phone_area,
                              const char *phone)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_SEC_SET_PHONE, SQL_SET_PHONE);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, id);
    sq__bind_str(q, 2, phone_area);
    sq__bind_str(q, 3, phone);
    return update_one(sq, q, "customer_set_phone");
}

ta_err sq__customer_set_country(struct store *st, int64_t id, const char *country)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_SEC_SET_COUNTRY, SQL_SET_COUNTRY);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, id);
    sq__bind_str(q, 2, country);
    return update_one(sq, q, "customer_set_country");
}

ta_err sq__security_get(struct store *st, int64_t customer_id, struct arena *a,
                        struct customer_security *out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_SEC_GET, SQL_GET);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, customer_id);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        sq__release(q);
        return rc == SQLITE_DONE ? TA_E_NOT_FOUND : sq__error(sq, rc, "security_get");
    }
    struct customer_security s = {0};
    ta_err err = TA_OK;
    s.customer_id = sqlite3_column_int64(q, 0);
    s.company_id = sqlite3_column_int64(q, 1);
    s.fund_pw_hash = sq__col_str(q, 2, a, &err);
    s.anti_phish = sq__col_str(q, 3, a, &err);
    s.hold_until_ms = sqlite3_column_int64(q, 4);
    sq__col_fixed(q, 5, s.hold_reason, sizeof s.hold_reason);
    s.delete_requested_ms = sqlite3_column_int64(q, 6);
    s.erased_ms = sqlite3_column_int64(q, 7);
    s.pw_login_blocked = sqlite3_column_int(q, 8) != 0;
    if (err == TA_OK)
        err = sq__step_done(sq, q, "security_get");
    sq__release(q);
    if (err == TA_OK)
        *out = s;
    return err;
}

ta_err sq__security_put(struct store *st, const struct customer_security *s)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_SEC_PUT, SQL_PUT);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, s->customer_id);
    sqlite3_bind_int64(q, 2, s->company_id);
    sq__bind_str(q, 3, s->fund_pw_hash);
    sq__bind_str(q, 4, s->anti_phish);
    sqlite3_bind_int64(q, 5, s->hold_until_ms);
    sq__bind_fixed(q, 6, s->hold_reason, sizeof s->hold_reason);
    sqlite3_bind_int64(q, 7, s->delete_requested_ms);
    sqlite3_bind_int64(q, 8, s->erased_ms);
    sqlite3_bind_int(q, 9, s->pw_login_blocked ? 1 : 0);
    ta_err err = sq__run(sq, q, "security_put", NULL);
    sq__release(q);
    return err;
}

ta_err sq__session_list(struct store *st, int64_t customer_id, struct arena *a,
                        struct session **out, size_t *n_out)
{
    struct sq_store *sq = sq__from(st);
    void *items = NULL;
    size_t n = 0, cap = 0;
    ta_err err = TA_OK;
    int rc;
    sqlite3_stmt *q = sq__stmt(sq, SQ_SEC_SESSION_LIST, SQL_SESSION_LIST);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, customer_id);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct session *s = sq__grow(a, &items, &cap, n, sizeof *s);
        if (s == NULL) {
            err = TA_E_TOO_LARGE;
            break;
        }
        *s = (struct session){0};
        s->id = sqlite3_column_int64(q, 0);
        s->company_id = sqlite3_column_int64(q, 1);
        s->customer_id = sqlite3_column_int64(q, 2);
        s->device = sqlite3_column_int(q, 3);
        sq__col_fixed(q, 4, s->client_addr, sizeof s->client_addr);
        sq__col_fixed(q, 5, s->user_agent, sizeof s->user_agent);
        s->created_ms = sqlite3_column_int64(q, 6);
        s->last_used_ms = sqlite3_column_int64(q, 7);
        s->refresh_expires_ms = sqlite3_column_int64(q, 8);
        n++;
    }
    if (err == TA_OK && rc != SQLITE_DONE)
        err = sq__error(sq, rc, "session_list");
    sq__release(q);
    if (err == TA_OK) {
        *out = items;
        *n_out = n;
    }
    return err;
}

ta_err sq__audit_page(struct store *st, int64_t customer_id, int64_t since_ms, size_t offset,
                      size_t limit, struct arena *a, struct audit_row **out, size_t *n_out)
{
    struct sq_store *sq = sq__from(st);
    void *items = NULL;
    size_t n = 0, cap = 0;
    ta_err err = TA_OK;
    int rc;
    sqlite3_stmt *q = sq__stmt(sq, SQ_SEC_AUDIT_PAGE, SQL_AUDIT_PAGE);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, customer_id);
    sqlite3_bind_int64(q, 2, since_ms);
    sqlite3_bind_int64(q, 3, offset > INT64_MAX ? INT64_MAX : (sqlite3_int64)offset);
    sqlite3_bind_int64(q, 4, limit > INT64_MAX ? INT64_MAX : (sqlite3_int64)limit);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct audit_row *r = sq__grow(a, &items, &cap, n, sizeof *r);
        if (r == NULL) {
            err = TA_E_TOO_LARGE;
            break;
        }
        r->id = sqlite3_column_int64(q, 0);
        r->time_ms = sqlite3_column_int64(q, 1);
        r->company_id = sqlite3_column_int64(q, 2);
        r->customer_id = sqlite3_column_int64(q, 3);
        sq__col_fixed(q, 4, r->event, sizeof r->event);
        sq__col_fixed(q, 5, r->outcome, sizeof r->outcome);
        sq__col_fixed(q, 6, r->client_addr, sizeof r->client_addr);
        r->device = sqlite3_column_int(q, 7);
        sq__col_fixed(q, 8, r->detail, sizeof r->detail);
        n++;
    }
    if (err == TA_OK && rc != SQLITE_DONE)
        err = sq__error(sq, rc, "audit_page");
    sq__release(q);
    if (err == TA_OK) {
        *out = items;
        *n_out = n;
    }
    return err;
}

/* Known: bump last_ms. Unknown: tell NEW from FIRST by whether any device row exists,
 * then insert. Atomic, so two sign-ins at once cannot both see the device as new. */
static ta_err device_seen_body(struct sq_store *sq, int64_t customer_id, const unsigned char *key,
                               int64_t now_ms, int *state_out)
{
    sqlite3_stmt *q = sq__stmt(sq, SQ_SEC_DEVICE_FIND, SQL_DEVICE_FIND);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, customer_id);
    sq__bind_hash(q, 2, key, false);
    sqlite3_bind_int64(q, 3, now_ms);
    int changed = 0;
    ta_err err = sq__run(sq, q, "device_seen", &changed);
    sq__release(q);
    if (err != TA_OK || changed > 0) {
        *state_out = DEVICE_KNOWN;
        return err;
    }
    q = sq__stmt(sq, SQ_SEC_DEVICE_ANY, SQL_DEVICE_ANY);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, customer_id);
    int rc = sqlite3_step(q);
    sq__release(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sq__error(sq, rc, "device_seen");
    *state_out = rc == SQLITE_ROW ? DEVICE_NEW : DEVICE_FIRST;
    q = sq__stmt(sq, SQ_SEC_DEVICE_PUT, SQL_DEVICE_PUT);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, customer_id);
    sq__bind_hash(q, 2, key, false);
    sqlite3_bind_int64(q, 3, now_ms);
    err = sq__run(sq, q, "device_seen", NULL);
    sq__release(q);
    return err;
}

ta_err sq__device_seen(struct store *st, int64_t customer_id, const unsigned char *key,
                       int64_t now_ms, int *state_out)
{
    struct sq_store *sq = sq__from(st);
    struct sq_atomic at;
    int state = DEVICE_KNOWN;
    ta_err err = sq__atomic_begin(sq, true, &at);
    if (err == TA_OK)
        err = device_seen_body(sq, customer_id, key, now_ms, &state);
    err = sq__atomic_end(sq, &at, err);
    if (err == TA_OK)
        *state_out = state;
    return err;
}

/* Rarely run (housekeeping): prepared per call instead of taking cache slots. ?1 before_ms,
 * ?2 now_ms. The customer list is fixed first, so every statement erases the same ones. */
static const char *const erase_sql[] = {
    "CREATE TEMP TABLE IF NOT EXISTS erase_due (id INTEGER PRIMARY KEY)",
    "DELETE FROM erase_due",
    "INSERT INTO erase_due SELECT customer_id FROM customer_security"
    " WHERE delete_requested_ms > 0 AND delete_requested_ms <= ?1 AND erased_ms = 0",
    "UPDATE customers SET email = NULL, phone = NULL, phone_area = NULL, pw_hash = NULL,"
    " mfa_secret = NULL, mfa_id = -1 WHERE id IN (SELECT id FROM erase_due)",
    "DELETE FROM customer_device WHERE customer_id IN (SELECT id FROM erase_due)",
    "UPDATE customer_security SET fund_pw_hash = NULL, anti_phish = NULL, erased_ms = ?2"
    " WHERE customer_id IN (SELECT id FROM erase_due)",
};

ta_err sq__customer_erase_due(struct store *st, int64_t before_ms, int64_t now_ms, int64_t *n_out)
{
    struct sq_store *sq = sq__from(st);
    struct sq_atomic at;
    int erased = 0;
    ta_err err = sq__atomic_begin(sq, false, &at);
    for (size_t i = 0; err == TA_OK && i < sizeof erase_sql / sizeof erase_sql[0]; i++) {
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(sq->db, erase_sql[i], -1, &q, NULL) != SQLITE_OK) {
            err = sq__error(sq, sqlite3_errcode(sq->db), "customer_erase_due");
            break;
        }
        int np = sqlite3_bind_parameter_count(q);
        if (np >= 1)
            sqlite3_bind_int64(q, 1, before_ms);
        if (np >= 2)
            sqlite3_bind_int64(q, 2, now_ms);
        int changes = 0;
        err = sq__run(sq, q, "customer_erase_due", &changes);
        if (i == 2)
            erased = changes;
        sqlite3_finalize(q);
    }
    err = sq__atomic_end(sq, &at, err);
    if (err == TA_OK)
        *n_out = erased;
    return err;
}
