/* store/pg/customer.c — customers and their trading accounts.
 * Uniqueness (email, phone, customer number per company; one account per trade type and
 * currency) is kept by unique indexes and answered with ON CONFLICT DO NOTHING. */
#include "store/pg/pg_int.h"

#include <string.h>

#include "util/arena.h"

/*---- customers ----*/

/* Runs a lookup that yields at most one customer row and reads it into *out. */
static ta_err customer_one(struct pg_store *p, const struct pg_stmt *q, const struct pg_params *pp,
                           struct arena *a, struct customer *out)
{
    return pg__read_one(p, q, pp, &row_customer, a, out, sizeof *out);
}

/* No conflict target: any of the three unique keys makes it an ordinary TA_E_CONFLICT, and
 * the caller's transaction stays usable (an error would abort it). */
static const struct pg_stmt q_customer_insert = {
    PG_Q_CUSTOMER_INSERT, "customer_insert",
    "INSERT INTO customers (" CUSTOMER_COLS ")"
    " VALUES (DEFAULT, $1, $2, $3, lower($4::text), $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,"
    " $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28)"
    " ON CONFLICT DO NOTHING RETURNING id"};

ta_err pg__customer_insert(struct store *st, const struct customer *c, int64_t *id_out)
{
    return pg__insert_row((struct pg_store *)st, &q_customer_insert, &row_customer, c, id_out);
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
    memset(&c, 0, sizeof c);
    if (PQntuples(res) > 1)
        err = TA_E_CONFLICT;
    else
        err = pg__read_row(res, 0, 0, &row_customer, a, &c);
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

    pg__p_init(&pp);
    pg__p_i64(&pp, company_id);
    pg__p_i64(&pp, after_id);
    pg__p_i64(&pp, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    return pg__read_all((struct pg_store *)st, &q_customer_list, &pp, &row_customer, a,
                        sizeof **out, (void **)out, n_out);
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

/* A conflict stays an ordinary answer: openAccount relies on it. */
static const struct pg_stmt q_account_insert = {
    PG_Q_ACCOUNT_INSERT, "account_insert",
    "INSERT INTO accounts (" ACCOUNT_COLS ")"
    " VALUES (DEFAULT, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    " ON CONFLICT DO NOTHING RETURNING id"};

ta_err pg__account_insert(struct store *st, const struct account *acc, int64_t *id_out)
{
    return pg__insert_row((struct pg_store *)st, &q_account_insert, &row_account, acc, id_out);
}

static const struct pg_stmt q_account_list = {
    PG_Q_ACCOUNT_LIST, "account_list",
    "SELECT " ACCOUNT_COLS " FROM accounts WHERE customer_id = $1::bigint ORDER BY id"};

ta_err pg__account_list(struct store *st, int64_t customer_id, struct arena *a,
                        struct account **out, size_t *n_out)
{
    struct pg_params pp;

    pg__p_init(&pp);
    pg__p_i64(&pp, customer_id);
    return pg__read_all((struct pg_store *)st, &q_account_list, &pp, &row_account, a, sizeof **out,
                        (void **)out, n_out);
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
