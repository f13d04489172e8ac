/* store/sqlite/customer.c — customers (lookups by email, phone, number; field
 * setters; the TOTP replay guard) and their trading accounts. Every lookup is scoped by
 * company, and emails compare in lowercase on both sides. */
#include "store/sqlite/sqlite_int.h"

/* ------------------------------------------------------------------------------------------
 * Customers
 * ---------------------------------------------------------------------------------------- */

static const char SQL_INSERT[] =
    "INSERT INTO customers (" CUSTOMER_COLS ") VALUES (NULL, ?1, ?2, ?3, lower(?4), ?5, ?6, ?7, "
    "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, "
    "?26, ?27, ?28)";
static const char SQL_GET[] = "SELECT " CUSTOMER_COLS " FROM customers WHERE id = ?1";
/* lower(email) on both sides matches the expression index customers_email. */
static const char SQL_BY_EMAIL[] = "SELECT " CUSTOMER_COLS " FROM customers "
                                   "WHERE company_id = ?1 AND lower(email) = lower(?2)";
/* ?3 NULL: any area. LIMIT 2 is enough to tell "one" from "ambiguous". */
static const char SQL_BY_PHONE[] =
    "SELECT " CUSTOMER_COLS " FROM customers WHERE company_id = ?1 AND phone = ?2 "
    "AND (?3 IS NULL OR phone_area = ?3) LIMIT 2";
static const char SQL_BY_NO[] =
    "SELECT " CUSTOMER_COLS " FROM customers WHERE company_id = ?1 AND customer_no = ?2";
static const char SQL_LIST[] = "SELECT " CUSTOMER_COLS " FROM customers "
                               "WHERE company_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3";
static const char SQL_SET_PASSWORD[] = "UPDATE customers SET pw_hash = ?2 WHERE id = ?1";
static const char SQL_SET_LANG[] = "UPDATE customers SET lang = ?2 WHERE id = ?1";
static const char SQL_SET_STATUS[] = "UPDATE customers SET status = ?2 WHERE id = ?1";
static const char SQL_SET_KYC[] =
    "UPDATE customers SET kyc_audit_status = ?2, kyc_audit_remark = ?3 WHERE id = ?1";
static const char SQL_SET_RELATION[] =
    "UPDATE customers SET relation_customer_id = ?2 WHERE id = ?1";
static const char SQL_SET_MFA[] =
    "UPDATE customers SET mfa_id = ?2, mfa_secret = ?3, mfa_last_step = 0 WHERE id = ?1";
/* The compare and the set in one statement: two requests with the same TOTP step cannot
 * both pass, whatever the isolation of the surrounding transaction. */
static const char SQL_MFA_ADVANCE[] =
    "UPDATE customers SET mfa_last_step = ?2 WHERE id = ?1 AND mfa_last_step < ?2";

ta_err sq__customer_insert(struct store *st, const struct customer *c, int64_t *id_out)
{
    return sq__insert_row(sq__from(st), SQ_CUSTOMER_INSERT, SQL_INSERT, &row_customer, c, id_out,
                          "customer_insert");
}

static ta_err fetch_one(struct sq_store *sq, sqlite3_stmt *q, bool ambiguous, struct arena *a,
                        struct customer *out, const char *what)
{
    return sq__read_one(sq, q, &row_customer, a, ambiguous, out, sizeof *out, what);
}

ta_err sq__customer_get(struct store *st, int64_t id, struct arena *a, struct customer *out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_CUSTOMER_GET, SQL_GET);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, id);
    return fetch_one(sq, q, false, a, out, "customer_get");
}

ta_err sq__customer_by_email(struct store *st, int64_t company_id, const char *email,
                             struct arena *a, struct customer *out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_CUSTOMER_BY_EMAIL, SQL_BY_EMAIL);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, company_id);
    sq__bind_str(q, 2, email);
    return fetch_one(sq, q, false, a, out, "customer_by_email");
}

ta_err sq__customer_by_phone(struct store *st, int64_t company_id, const char *phone_area,
                             const char *phone, struct arena *a, struct customer *out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_CUSTOMER_BY_PHONE, SQL_BY_PHONE);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, company_id);
    sq__bind_str(q, 2, phone);
    sq__bind_str(q, 3, phone_area);
    return fetch_one(sq, q, phone_area == NULL, a, out, "customer_by_phone");
}

ta_err sq__customer_by_no(struct store *st, int64_t company_id, const char *customer_no,
                          struct arena *a, struct customer *out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_CUSTOMER_BY_NO, SQL_BY_NO);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, company_id);
    sq__bind_str(q, 2, customer_no);
    return fetch_one(sq, q, false, a, out, "customer_by_no");
}

ta_err sq__customer_list(struct store *st, int64_t company_id, int64_t after_id, size_t limit,
                         struct arena *a, struct customer **out, size_t *n_out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_CUSTOMER_LIST, SQL_LIST);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, company_id);
    sqlite3_bind_int64(q, 2, after_id);
    sqlite3_bind_int64(q, 3, limit > INT64_MAX ? INT64_MAX : (sqlite3_int64)limit);
    return sq__read_all(sq, q, &row_customer, a, sizeof **out, (void **)out, n_out,
                        "customer_list");
}

/* BEGIN IMMEDIATE already holds the database's one write lock for the whole transaction;
 * all that is left to say is whether the customer exists. */
ta_err sq__customer_lock(struct store *st, int64_t id)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(sq->db, "SELECT 1 FROM customers WHERE id = ?1", -1, &q, NULL) !=
        SQLITE_OK)
        return sq__error(sq, sqlite3_errcode(sq->db), "customer_lock");
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc == SQLITE_ROW)
        return TA_OK;
    return rc == SQLITE_DONE ? TA_E_NOT_FOUND : sq__error(sq, rc, "customer_lock");
}

/* Runs a bound single-row UPDATE by id: no row changed means no such row. Releases q. */
static ta_err update_one(struct sq_store *sq, sqlite3_stmt *q, const char *what)
{
    int changed = 0;
    ta_err err = sq__run(sq, q, what, &changed);
    sq__release(q);
    if (err == TA_OK && changed == 0)
        err = TA_E_NOT_FOUND;
    return err;
}

/* The setters: ?1 the id, ?2 the value (and ?3 the text of a two-value setter); s NULL
 * binds NULL. */
static ta_err set_text(struct store *st, enum sq_slot slot, const char *sql, int64_t id,
                       const char *s, const char *what)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, slot, sql);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, id);
    sq__bind_str(q, 2, s);
    return update_one(sq, q, what);
}

static ta_err set_i64(struct store *st, enum sq_slot slot, const char *sql, int64_t id, int64_t v,
                      const char *s, const char *what)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, slot, sql);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, v);
    if (sqlite3_bind_parameter_count(q) == 3)
        sq__bind_str(q, 3, s);
    return update_one(sq, q, what);
}

ta_err sq__customer_set_password(struct store *st, int64_t id, const char *pw_hash)
{
    return set_text(st, SQ_CUSTOMER_SET_PASSWORD, SQL_SET_PASSWORD, id, pw_hash,
                    "customer_set_password");
}

ta_err sq__customer_set_lang(struct store *st, int64_t id, const char *lang)
{
    return set_text(st, SQ_CUSTOMER_SET_LANG, SQL_SET_LANG, id, lang, "customer_set_lang");
}

ta_err sq__customer_set_status(struct store *st, int64_t id, int status)
{
    return set_i64(st, SQ_CUSTOMER_SET_STATUS, SQL_SET_STATUS, id, status, NULL,
                   "customer_set_status");
}

ta_err sq__customer_set_kyc(struct store *st, int64_t id, int audit_status, const char *remark)
{
    return set_i64(st, SQ_CUSTOMER_SET_KYC, SQL_SET_KYC, id, audit_status, remark,
                   "customer_set_kyc");
}

ta_err sq__customer_set_relation(struct store *st, int64_t id, int64_t relation_id)
{
    return set_i64(st, SQ_CUSTOMER_SET_RELATION, SQL_SET_RELATION, id, relation_id, NULL,
                   "customer_set_relation");
}

ta_err sq__customer_set_mfa(struct store *st, int64_t id, const char *secret, int64_t mfa_id)
{
    return set_i64(st, SQ_CUSTOMER_SET_MFA, SQL_SET_MFA, id, mfa_id, secret, "customer_set_mfa");
}

/* An unknown id also answers TA_E_CONFLICT: telling it apart would cost a second query on
 * a path that only ever sees ids of customers it has just read. */
ta_err sq__customer_mfa_advance(struct store *st, int64_t id, int64_t step)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_CUSTOMER_MFA_ADVANCE, SQL_MFA_ADVANCE);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, step);
    int changed = 0;
    ta_err err = sq__run(sq, q, "customer_mfa_advance", &changed);
    sq__release(q);
    if (err == TA_OK && changed == 0)
        err = TA_E_CONFLICT;
    return err;
}

/* ------------------------------------------------------------------------------------------
 * Accounts
 * ---------------------------------------------------------------------------------------- */

static const char SQL_ACCOUNT_INSERT[] =
    "INSERT INTO accounts (" ACCOUNT_COLS ") VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
    "?10, ?11, ?12, ?13, ?14, ?15)";
static const char SQL_ACCOUNT_LIST[] =
    "SELECT " ACCOUNT_COLS " FROM accounts WHERE customer_id = ?1 ORDER BY id";
static const char SQL_ACCOUNT_SET_AMOUNTS[] =
    "UPDATE accounts SET balance = ?2, frozen = ?3, liabilities = ?4, interest = ?5, "
    "not_withdraw = ?6, first_deposit_ms = ?7, first_withdraw_ms = ?8 WHERE id = ?1";

ta_err sq__account_insert(struct store *st, const struct account *acc, int64_t *id_out)
{
    return sq__insert_row(sq__from(st), SQ_ACCOUNT_INSERT, SQL_ACCOUNT_INSERT, &row_account, acc,
                          id_out, "account_insert");
}

ta_err sq__account_list(struct store *st, int64_t customer_id, struct arena *a,
                        struct account **out, size_t *n_out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_ACCOUNT_LIST, SQL_ACCOUNT_LIST);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, customer_id);
    return sq__read_all(sq, q, &row_account, a, sizeof **out, (void **)out, n_out, "account_list");
}

ta_err sq__account_set_amounts(struct store *st, const struct account *acc)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_ACCOUNT_SET_AMOUNTS, SQL_ACCOUNT_SET_AMOUNTS);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, acc->id);
    sqlite3_bind_int64(q, 2, acc->balance);
    sqlite3_bind_int64(q, 3, acc->frozen);
    sqlite3_bind_int64(q, 4, acc->liabilities);
    sqlite3_bind_int64(q, 5, acc->interest);
    sqlite3_bind_int64(q, 6, acc->not_withdraw);
    sqlite3_bind_int64(q, 7, acc->first_deposit_ms);
    sqlite3_bind_int64(q, 8, acc->first_withdraw_ms);
    return update_one(sq, q, "account_set_amounts");
}
