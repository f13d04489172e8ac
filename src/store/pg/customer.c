/* store/pg/customer.c — customers and their trading accounts.
 * Uniqueness (email, phone, customer number per company; one account per trade type and
 * currency) is kept by unique indexes and answered with ON CONFLICT DO NOTHING. */
#include "store/pg/pg_int.h"

#include <string.h>

#include "util/arena.h"

/*---- customers ----*/

#define CUSTOMER_COLS                                                                              \
    "id, company_id, group_id, customer_no, email, phone_area, phone, pw_hash, country, lang,"     \
    " register_source, register_device, utm_source, utm_medium, utm_campaign, utm_content,"        \
    " utm_term, third_server_code, third_server_source, open_account_type, kyc_audit_status,"      \
    " kyc_audit_remark, type, status, mfa_secret, mfa_id, mfa_last_step, relation_customer_id,"    \
    " created_ms"

/* Fills c from one row of CUSTOMER_COLS; false when the arena is full. */
static bool read_customer(struct arena *a, const PGresult *res, int r, struct customer *c)
{
    memset(c, 0, sizeof *c);
    c->id = pg__i64(res, r, 0);
    c->company_id = pg__i64(res, r, 1);
    c->group_id = pg__i64(res, r, 2);
    c->register_source = pg__int(res, r, 10);
    c->open_account_type = pg__int(res, r, 19);
    c->kyc_audit_status = pg__int(res, r, 20);
    c->type = pg__int(res, r, 22);
    c->status = pg__int(res, r, 23);
    c->mfa_id = pg__i64(res, r, 25);
    c->mfa_last_step = pg__i64(res, r, 26);
    c->relation_customer_id = pg__i64(res, r, 27);
    c->created_ms = pg__i64(res, r, 28);
    return pg__str(a, res, r, 3, &c->customer_no) && pg__str(a, res, r, 4, &c->email) &&
           pg__str(a, res, r, 5, &c->phone_area) && pg__str(a, res, r, 6, &c->phone) &&
           pg__str(a, res, r, 7, &c->pw_hash) && pg__str(a, res, r, 8, &c->country) &&
           pg__str(a, res, r, 9, &c->lang) && pg__str(a, res, r, 11, &c->register_device) &&
           pg__str(a, res, r, 12, &c->utm_source) && pg__str(a, res, r, 13, &c->utm_medium) &&
           pg__str(a, res, r, 14, &c->utm_campaign) && pg__str(a, res, r, 15, &c->utm_content) &&
           pg__str(a, res, r, 16, &c->utm_term) && pg__str(a, res, r, 17, &c->third_server_code) &&
           pg__str(a, res, r, 18, &c->third_server_source) &&
           pg__str(a, res, r, 21, &c->kyc_audit_remark) && pg__str(a, res, r, 24, &c->mfa_secret);
}

/* Runs a lookup that yields at most one customer row and reads it into *out. */
static ta_err customer_one(struct pg_store *p, const struct pg_stmt *q, const struct pg_params *pp,
                           struct arena *a, struct customer *out)
{
    PGresult *res;
    ta_err err = pg__exec_row(p, q, pp, &res);
    if (err != TA_OK)
        return err;
    struct customer c;
    err = read_customer(a, res, 0, &c) ? TA_OK : TA_E_TOO_LARGE;
    PQclear(res);
    if (err == TA_OK)
        *out = c;
    return err;
}

static const struct pg_stmt q_customer_insert = {
    PG_Q_CUSTOMER_INSERT, "customer_insert",
    "INSERT INTO customers (company_id, group_id, customer_no, email, phone_area, phone, pw_hash,"
    " country, lang, register_source, register_device, utm_source, utm_medium, utm_campaign,"
    " utm_content, utm_term, third_server_code, third_server_source, open_account_type,"
    " kyc_audit_status, kyc_audit_remark, type, status, mfa_secret, mfa_id, mfa_last_step,"
    " relation_customer_id, created_ms)"
    " VALUES ($1::bigint, $2::bigint, $3::text, lower($4::text), $5::text, $6::text, $7::text,"
    " $8::text, $9::text, $10::integer, $11::text, $12::text, $13::text, $14::text, $15::text,"
    " $16::text, $17::text, $18::text, $19::integer, $20::integer, $21::text, $22::integer,"
    " $23::integer, $24::text, $25::bigint, $26::bigint, $27::bigint, $28::bigint)"
    " ON CONFLICT DO NOTHING RETURNING id"};

ta_err pg__customer_insert(struct store *st, const struct customer *c, int64_t *id_out)
{
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_i64(&pp, c->company_id);
    pg__p_i64(&pp, c->group_id);
    pg__p_text(&pp, c->customer_no);
    pg__p_text(&pp, c->email);
    pg__p_text(&pp, c->phone_area);
    pg__p_text(&pp, c->phone);
    pg__p_text(&pp, c->pw_hash);
    pg__p_text(&pp, c->country);
    pg__p_text(&pp, c->lang);
    pg__p_i64(&pp, c->register_source);
    pg__p_text(&pp, c->register_device);
    pg__p_text(&pp, c->utm_source);
    pg__p_text(&pp, c->utm_medium);
    pg__p_text(&pp, c->utm_campaign);
    pg__p_text(&pp, c->utm_content);
    pg__p_text(&pp, c->utm_term);
    pg__p_text(&pp, c->third_server_code);
    pg__p_text(&pp, c->third_server_source);
    pg__p_i64(&pp, c->open_account_type);
    pg__p_i64(&pp, c->kyc_audit_status);
    pg__p_text(&pp, c->kyc_audit_remark);
    pg__p_i64(&pp, c->type);
    pg__p_i64(&pp, c->status);
    pg__p_text(&pp, c->mfa_secret);
    pg__p_i64(&pp, c->mfa_id);
    pg__p_i64(&pp, c->mfa_last_step);
    pg__p_i64(&pp, c->relation_customer_id);
    pg__p_i64(&pp, c->created_ms);
    /* No conflict target: any of the three unique keys makes it an ordinary TA_E_CONFLICT,
     * and the caller's transaction stays usable (an error would abort it). */
    ta_err err = pg__exec_row((struct pg_store *)st, &q_customer_insert, &pp, &res);
    if (err == TA_E_NOT_FOUND)
        return TA_E_CONFLICT;
    if (err != TA_OK)
        return err;
    *id_out = pg__i64(res, 0, 0);
    PQclear(res);
    return TA_OK;
}

static const struct pg_stmt q_customer_get = {PG_Q_CUSTOMER_GET, "customer_get",
                                              "SELECT " CUSTOMER_COLS
                                              " FROM customers WHERE id = $1::bigint"};

ta_err pg__customer_get(struct store *st, int64_t id, struct arena *a, struct customer *out)
{
    struct pg_params pp;

    pg__p_init(&pp);
    pg__p_i64(&pp, id);
    return customer_one((struct pg_store *)st, &q_customer_get, &pp, a, out);
}

static const struct pg_stmt q_customer_by_email = {
    PG_Q_CUSTOMER_BY_EMAIL, "customer_by_email",
    "SELECT " CUSTOMER_COLS " FROM customers"
    " WHERE company_id = $1::bigint AND lower(email) = lower($2::text)"};

ta_err pg__customer_by_email(struct store *st, int64_t company_id, const char *email,
                             struct arena *a, struct customer *out)
{
    struct pg_params pp;

    pg__p_init(&pp);
    pg__p_i64(&pp, company_id);
    pg__p_text(&pp, email);
    return customer_one((struct pg_store *)st, &q_customer_by_email, &pp, a, out);
}

static const struct pg_stmt q_customer_by_phone = {
    PG_Q_CUSTOMER_BY_PHONE, "customer_by_phone",
    "SELECT " CUSTOMER_COLS " FROM customers"
    " WHERE company_id = $1::bigint AND phone_area = $2::text AND phone = $3::text"};

/* Two rows are enough to know the number is ambiguous. */
static const struct pg_stmt q_customer_by_phone_any = {
    PG_Q_CUSTOMER_BY_PHONE_ANY, "customer_by_phone_any",
    "SELECT " CUSTOMER_COLS " FROM customers WHERE company_id = $1::bigint AND phone = $2::text"
    " ORDER BY id LIMIT 2"};

ta_err pg__customer_by_phone(struct store *st, int64_t company_id, const char *phone_area,
                             const char *phone, struct arena *a, struct customer *out)
{
    struct pg_store *p = (struct pg_store *)st;
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_i64(&pp, company_id);
    if (phone_area != NULL) {
        pg__p_text(&pp, phone_area);
        pg__p_text(&pp, phone);
        return customer_one(p, &q_customer_by_phone, &pp, a, out);
    }
    pg__p_text(&pp, phone);
    ta_err err = pg__exec_row(p, &q_customer_by_phone_any, &pp, &res);
    if (err != TA_OK)
        return err;
    struct customer c;
    if (PQntuples(res) > 1)
        err = TA_E_CONFLICT;
    else if (!read_customer(a, res, 0, &c))
        err = TA_E_TOO_LARGE;
    PQclear(res);
    if (err == TA_OK)
        *out = c;
    return err;
}

static const struct pg_stmt q_customer_by_no = {
    PG_Q_CUSTOMER_BY_NO, "customer_by_no",
    "SELECT " CUSTOMER_COLS " FROM customers"
    " WHERE company_id = $1::bigint AND customer_no = $2::text"};

ta_err pg__customer_by_no(struct store *st, int64_t company_id, const char *customer_no,
                          struct arena *a, struct customer *out)
{
    struct pg_params pp;

    pg__p_init(&pp);
    pg__p_i64(&pp, company_id);
    pg__p_text(&pp, customer_no);
    return customer_one((struct pg_store *)st, &q_customer_by_no, &pp, a, out);
}

static const struct pg_stmt q_customer_list = {
    PG_Q_CUSTOMER_LIST, "customer_list",
    "SELECT " CUSTOMER_COLS " FROM customers WHERE company_id = $1::bigint AND id > $2::bigint"
    " ORDER BY id LIMIT $3::bigint"};

ta_err pg__customer_list(struct store *st, int64_t company_id, int64_t after_id, size_t limit,
                         struct arena *a, struct customer **out, size_t *n_out)
{
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_i64(&pp, company_id);
    pg__p_i64(&pp, after_id);
    pg__p_i64(&pp, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    ta_err err = pg__exec((struct pg_store *)st, &q_customer_list, &pp, &res);
    if (err != TA_OK)
        return err;
    size_t n = (size_t)PQntuples(res);
    struct customer *list = arena_alloc(a, (n ? n : 1) * sizeof *list);
    if (list == NULL)
        err = TA_E_TOO_LARGE;
    for (size_t i = 0; i < n && err == TA_OK; i++)
        if (!read_customer(a, res, (int)i, &list[i]))
            err = TA_E_TOO_LARGE;
    PQclear(res);
    if (err == TA_OK) {
        *out = list;
        *n_out = n;
    }
    return err;
}

/*---- customer updates: one row by id, TA_E_NOT_FOUND when there is none ----*/

static const struct pg_stmt q_set_password = {
    PG_Q_CUSTOMER_SET_PASSWORD, "customer_set_password",
    "UPDATE customers SET pw_hash = $2::text WHERE id = $1::bigint"};
static const struct pg_stmt q_set_lang = {
    PG_Q_CUSTOMER_SET_LANG, "customer_set_lang",
    "UPDATE customers SET lang = $2::text WHERE id = $1::bigint"};
static const struct pg_stmt q_set_status = {
    PG_Q_CUSTOMER_SET_STATUS, "customer_set_status",
    "UPDATE customers SET status = $2::integer WHERE id = $1::bigint"};
static const struct pg_stmt q_set_kyc = {
    PG_Q_CUSTOMER_SET_KYC, "customer_set_kyc",
    "UPDATE customers SET kyc_audit_status = $2::integer, kyc_audit_remark = $3::text"
    " WHERE id = $1::bigint"};
static const struct pg_stmt q_set_relation = {
    PG_Q_CUSTOMER_SET_RELATION, "customer_set_relation",
    "UPDATE customers SET relation_customer_id = $2::bigint WHERE id = $1::bigint"};
static const struct pg_stmt q_set_mfa = {
    PG_Q_CUSTOMER_SET_MFA, "customer_set_mfa",
    "UPDATE customers SET mfa_secret = $2::text, mfa_id = $3::bigint, mfa_last_step = 0"
    " WHERE id = $1::bigint"};

static ta_err set_text(struct store *st, const struct pg_stmt *q, int64_t id, const char *s)
{
    struct pg_params pp;

    pg__p_init(&pp);
    pg__p_i64(&pp, id);
    pg__p_text(&pp, s);
    return pg__exec_touch((struct pg_store *)st, q, &pp);
}

static ta_err set_i64(struct store *st, const struct pg_stmt *q, int64_t id, int64_t v)
{
    struct pg_params pp;

    pg__p_init(&pp);
    pg__p_i64(&pp, id);
    pg__p_i64(&pp, v);
    return pg__exec_touch((struct pg_store *)st, q, &pp);
}

ta_err pg__customer_set_password(struct store *st, int64_t id, const char *pw_hash)
{
    return set_text(st, &q_set_password, id, pw_hash);
}

static const struct pg_stmt q_lock = {PG_Q_CUSTOMER_LOCK, "customer_lock",
                                      "SELECT id FROM customers WHERE id = $1::bigint FOR UPDATE"};

ta_err pg__customer_lock(struct store *st, int64_t id)
{
    struct pg_params pp;
    PGresult *res = NULL;
    pg__p_init(&pp);
    pg__p_i64(&pp, id);
    ta_err err = pg__exec_row((struct pg_store *)st, &q_lock, &pp, &res);
    if (err == TA_OK)
        PQclear(res);
    return err;
}

ta_err pg__customer_set_lang(struct store *st, int64_t id, const char *lang)
{
    return set_text(st, &q_set_lang, id, lang);
}

ta_err pg__customer_set_status(struct store *st, int64_t id, int status)
{
    return set_i64(st, &q_set_status, id, status);
}

ta_err pg__customer_set_relation(struct store *st, int64_t id, int64_t relation_id)
{
    return set_i64(st, &q_set_relation, id, relation_id);
}

ta_err pg__customer_set_kyc(struct store *st, int64_t id, int audit_status, const char *remark)
{
    struct pg_params pp;

    pg__p_init(&pp);
    pg__p_i64(&pp, id);
    pg__p_i64(&pp, audit_status);
    pg__p_text(&pp, remark);
    return pg__exec_touch((struct pg_store *)st, &q_set_kyc, &pp);
}

ta_err pg__customer_set_mfa(struct store *st, int64_t id, const char *secret, int64_t mfa_id)
{
    struct pg_params pp;

    pg__p_init(&pp);
    pg__p_i64(&pp, id);
    pg__p_text(&pp, secret);
    pg__p_i64(&pp, mfa_id);
    return pg__exec_touch((struct pg_store *)st, &q_set_mfa, &pp);
}

/* Compare-and-set: a concurrent caller with the same step waits for the row lock, then finds
 * the condition false. An unknown id answers TA_E_CONFLICT too, as on SQLite: the caller has
 * just read the customer. */
static const struct pg_stmt q_mfa_advance = {
    PG_Q_CUSTOMER_MFA_ADVANCE, "customer_mfa_advance",
    "UPDATE customers SET mfa_last_step = $2::bigint"
    " WHERE id = $1::bigint AND mfa_last_step < $2::bigint"};

ta_err pg__customer_mfa_advance(struct store *st, int64_t id, int64_t step)
{
    ta_err err = set_i64(st, &q_mfa_advance, id, step);
    return err == TA_E_NOT_FOUND ? TA_E_CONFLICT : err;
}

/*---- accounts ----*/

#define ACCOUNT_COLS                                                                               \
    "id, customer_id, company_id, trade_type, currency, assets_id, digits, balance, frozen,"       \
    " liabilities, interest, not_withdraw, first_deposit_ms, first_withdraw_ms, created_ms,"       \
    " activated_ms"

static const struct pg_stmt q_account_insert = {
    PG_Q_ACCOUNT_INSERT, "account_insert",
    "INSERT INTO accounts (customer_id, company_id, trade_type, currency, assets_id, digits,"
    " balance, frozen, liabilities, interest, not_withdraw, first_deposit_ms, first_withdraw_ms,"
    " created_ms, activated_ms)"
    " VALUES ($1::bigint, $2::bigint, $3::integer, $4::text, $5::bigint, $6::integer,"
    " $7::bigint, $8::bigint, $9::bigint, $10::bigint, $11::bigint, $12::bigint, $13::bigint,"
    " $14::bigint, $15::bigint)"
    " ON CONFLICT DO NOTHING RETURNING id"};

ta_err pg__account_insert(struct store *st, const struct account *acc, int64_t *id_out)
{
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_i64(&pp, acc->customer_id);
    pg__p_i64(&pp, acc->company_id);
    pg__p_i64(&pp, acc->trade_type);
    pg__p_chars(&pp, acc->currency, sizeof acc->currency);
    pg__p_i64(&pp, acc->assets_id);
    pg__p_i64(&pp, acc->digits);
    pg__p_i64(&pp, acc->balance);
    pg__p_i64(&pp, acc->frozen);
    pg__p_i64(&pp, acc->liabilities);
    pg__p_i64(&pp, acc->interest);
    pg__p_i64(&pp, acc->not_withdraw);
    pg__p_i64(&pp, acc->first_deposit_ms);
    pg__p_i64(&pp, acc->first_withdraw_ms);
    pg__p_i64(&pp, acc->created_ms);
    pg__p_i64(&pp, acc->activated_ms);
    ta_err err = pg__exec_row((struct pg_store *)st, &q_account_insert, &pp, &res);
    if (err == TA_E_NOT_FOUND)
        return TA_E_CONFLICT; /* openAccount relies on this staying an ordinary answer */
    if (err != TA_OK)
        return err;
    *id_out = pg__i64(res, 0, 0);
    PQclear(res);
    return TA_OK;
}

static const struct pg_stmt q_account_list = {
    PG_Q_ACCOUNT_LIST, "account_list",
    "SELECT " ACCOUNT_COLS " FROM accounts WHERE customer_id = $1::bigint ORDER BY id"};

ta_err pg__account_list(struct store *st, int64_t customer_id, struct arena *a,
                        struct account **out, size_t *n_out)
{
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_i64(&pp, customer_id);
    ta_err err = pg__exec((struct pg_store *)st, &q_account_list, &pp, &res);
    if (err != TA_OK)
        return err;
    int n = PQntuples(res);
    struct account *list = arena_alloc(a, (size_t)(n ? n : 1) * sizeof *list);
    if (list == NULL) {
        PQclear(res);
        return TA_E_TOO_LARGE;
    }
    for (int r = 0; r < n; r++) {
        struct account *x = &list[r];
        x->id = pg__i64(res, r, 0);
        x->customer_id = pg__i64(res, r, 1);
        x->company_id = pg__i64(res, r, 2);
        x->trade_type = pg__int(res, r, 3);
        pg__copy(x->currency, sizeof x->currency, res, r, 4);
        x->assets_id = pg__i64(res, r, 5);
        x->digits = pg__int(res, r, 6);
        x->balance = pg__i64(res, r, 7);
        x->frozen = pg__i64(res, r, 8);
        x->liabilities = pg__i64(res, r, 9);
        x->interest = pg__i64(res, r, 10);
        x->not_withdraw = pg__i64(res, r, 11);
        x->first_deposit_ms = pg__i64(res, r, 12);
        x->first_withdraw_ms = pg__i64(res, r, 13);
        x->created_ms = pg__i64(res, r, 14);
        x->activated_ms = pg__i64(res, r, 15);
    }
    PQclear(res);
    *out = list;
    *n_out = (size_t)n;
    return TA_OK;
}

static const struct pg_stmt q_account_set_amounts = {
    PG_Q_ACCOUNT_SET_AMOUNTS, "account_set_amounts",
    "UPDATE accounts SET balance = $2::bigint, frozen = $3::bigint, liabilities = $4::bigint,"
    " interest = $5::bigint, not_withdraw = $6::bigint, first_deposit_ms = $7::bigint,"
    " first_withdraw_ms = $8::bigint WHERE id = $1::bigint"};

ta_err pg__account_set_amounts(struct store *st, const struct account *acc)
{
    struct pg_params pp;

    pg__p_init(&pp);
    pg__p_i64(&pp, acc->id);
    pg__p_i64(&pp, acc->balance);
    pg__p_i64(&pp, acc->frozen);
    pg__p_i64(&pp, acc->liabilities);
    pg__p_i64(&pp, acc->interest);
    pg__p_i64(&pp, acc->not_withdraw);
    pg__p_i64(&pp, acc->first_deposit_ms);
    pg__p_i64(&pp, acc->first_withdraw_ms);
    return pg__exec_touch((struct pg_store *)st, &q_account_set_amounts, &pp);
}
