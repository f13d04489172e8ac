/* store/sqlite/customer.c — customers (lookups by email, phone, number; field
 * setters; the TOTP replay guard) and their trading accounts. Every lookup is scoped by
 * company, and emails compare in lowercase on both sides. */
#include "store/sqlite/sqlite_int.h"

/* ------------------------------------------------------------------------------------------
 * Customers
 * ---------------------------------------------------------------------------------------- */

#define CUSTOMER_COLS                                                                              \
    "id, company_id, group_id, customer_no, email, phone_area, phone, pw_hash, country, lang, "    \
    "register_source, register_device, utm_source, utm_medium, utm_campaign, utm_content, "        \
    "utm_term, third_server_code, third_server_source, open_account_type, kyc_audit_status, "      \
    "kyc_audit_remark, type, status, mfa_secret, mfa_id, mfa_last_step, relation_customer_id, "    \
    "created_ms"

static const char SQL_INSERT[] =
    "INSERT INTO customers (company_id, group_id, customer_no, email, phone_area, phone, "
    "pw_hash, country, lang, register_source, register_device, utm_source, utm_medium, "
    "utm_campaign, utm_content, utm_term, third_server_code, third_server_source, "
    "open_account_type, kyc_audit_status, kyc_audit_remark, type, status, mfa_secret, mfa_id, "
    "mfa_last_step, relation_customer_id, created_ms) VALUES (?1, ?2, ?3, lower(?4), ?5, ?6, "
    "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, "
    "?25, ?26, ?27, ?28)";
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
    "UPDATE customers SET mfa_secret = ?2, mfa_id = ?3, mfa_last_step = 0 WHERE id = ?1";
/* The compare and the set in one statement: two requests with the same TOTP step cannot
 * both pass, whatever the isolation of the surrounding transaction. */
static const char SQL_MFA_ADVANCE[] =
    "UPDATE customers SET mfa_last_step = ?2 WHERE id = ?1 AND mfa_last_step < ?2";

ta_err sq__customer_insert(struct store *st, const struct customer *c, int64_t *id_out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_CUSTOMER_INSERT, SQL_INSERT);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);

    sqlite3_bind_int64(q, 1, c->company_id);
    sqlite3_bind_int64(q, 2, c->group_id);
    sq__bind_str(q, 3, c->customer_no);
    sq__bind_str(q, 4, c->email);
    sq__bind_str(q, 5, c->phone_area);
    sq__bind_str(q, 6, c->phone);
    sq__bind_str(q, 7, c->pw_hash);
    sq__bind_str(q, 8, c->country);
    sq__bind_str(q, 9, c->lang);
    sqlite3_bind_int(q, 10, c->register_source);
    sq__bind_str(q, 11, c->register_device);
    sq__bind_str(q, 12, c->utm_source);
    sq__bind_str(q, 13, c->utm_medium);
    sq__bind_str(q, 14, c->utm_campaign);
    sq__bind_str(q, 15, c->utm_content);
    sq__bind_str(q, 16, c->utm_term);
    sq__bind_str(q, 17, c->third_server_code);
    sq__bind_str(q, 18, c->third_server_source);
    sqlite3_bind_int(q, 19, c->open_account_type);
    sqlite3_bind_int(q, 20, c->kyc_audit_status);
    sq__bind_str(q, 21, c->kyc_audit_remark);
    sqlite3_bind_int(q, 22, c->type);
    sqlite3_bind_int(q, 23, c->status);
    sq__bind_str(q, 24, c->mfa_secret);
    sqlite3_bind_int64(q, 25, c->mfa_id);
    sqlite3_bind_int64(q, 26, c->mfa_last_step);
    sqlite3_bind_int64(q, 27, c->relation_customer_id);
    sqlite3_bind_int64(q, 28, c->created_ms);

    ta_err err = sq__run(sq, q, "customer_insert", NULL);
    if (err == TA_OK)
        *id_out = sqlite3_last_insert_rowid(sq->db);
    sq__release(q);
    return err;
}

/* Reads a CUSTOMER_COLS row; strings come from a. */
static ta_err read_customer(sqlite3_stmt *q, struct arena *a, struct customer *c)
{
    ta_err err = TA_OK;

    c->id = sqlite3_column_int64(q, 0);
    c->company_id = sqlite3_column_int64(q, 1);
    c->group_id = sqlite3_column_int64(q, 2);
    c->customer_no = sq__col_str(q, 3, a, &err);
    c->email = sq__col_str(q, 4, a, &err);
    c->phone_area = sq__col_str(q, 5, a, &err);
    c->phone = sq__col_str(q, 6, a, &err);
    c->pw_hash = sq__col_str(q, 7, a, &err);
    c->country = sq__col_str(q, 8, a, &err);
    c->lang = sq__col_str(q, 9, a, &err);
    c->register_source = sqlite3_column_int(q, 10);
    c->register_device = sq__col_str(q, 11, a, &err);
    c->utm_source = sq__col_str(q, 12, a, &err);
    c->utm_medium = sq__col_str(q, 13, a, &err);
    c->utm_campaign = sq__col_str(q, 14, a, &err);
    c->utm_content = sq__col_str(q, 15, a, &err);
    c->utm_term = sq__col_str(q, 16, a, &err);
    c->third_server_code = sq__col_str(q, 17, a, &err);
    c->third_server_source = sq__col_str(q, 18, a, &err);
    c->open_account_type = sqlite3_column_int(q, 19);
    c->kyc_audit_status = sqlite3_column_int(q, 20);
    c->kyc_audit_remark = sq__col_str(q, 21, a, &err);
    c->type = sqlite3_column_int(q, 22);
    c->status = sqlite3_column_int(q, 23);
    c->mfa_secret = sq__col_str(q, 24, a, &err);
    c->mfa_id = sqlite3_column_int64(q, 25);
    c->mfa_last_step = sqlite3_column_int64(q, 26);
    c->relation_customer_id = sqlite3_column_int64(q, 27);
    c->created_ms = sqlite3_column_int64(q, 28);
    return err;
}

/* Runs a lookup whose parameters are bound, expecting at most one row. With ambiguous set,
 * a second row answers TA_E_CONFLICT. Releases q. */
static ta_err fetch_one(struct sq_store *sq, sqlite3_stmt *q, bool ambiguous, struct arena *a,
                        struct customer *out, const char *what)
{
    struct customer c;
    ta_err err;

    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        err = read_customer(q, a, &c);
        if (err == TA_OK && ambiguous) {
            rc = sqlite3_step(q);
            if (rc == SQLITE_ROW)
                err = TA_E_CONFLICT;
            else if (rc != SQLITE_DONE)
                err = sq__error(sq, rc, what);
        }
    } else if (rc == SQLITE_DONE) {
        err = TA_E_NOT_FOUND;
    } else {
        err = sq__error(sq, rc, what);
    }
    sq__release(q);
    if (err == TA_OK)
        *out = c;
    return err;
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
    void *items = NULL;
    size_t n = 0, cap = 0;
    ta_err err = TA_OK;
    int rc;

    sqlite3_stmt *q = sq__stmt(sq, SQ_CUSTOMER_LIST, SQL_LIST);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, company_id);
    sqlite3_bind_int64(q, 2, after_id);
    sqlite3_bind_int64(q, 3, limit > INT64_MAX ? INT64_MAX : (sqlite3_int64)limit);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct customer *c = sq__grow(a, &items, &cap, n, sizeof *c);
        if (c == NULL) {
            err = TA_E_TOO_LARGE;
            break;
        }
        err = read_customer(q, a, c);
        if (err != TA_OK)
            break;
        n++;
    }
    if (err == TA_OK && rc != SQLITE_DONE)
        err = sq__error(sq, rc, "customer_list");
    sq__release(q);
    if (err == TA_OK) {
        *out = items;
        *n_out = n;
    }
    return err;
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

/* Runs a bound single-row UPDATE by id: no row changed means no such customer. */
static ta_err update_one(struct sq_store *sq, sqlite3_stmt *q, const char *what)
{
    int changed = 0;
    ta_err err = sq__run(sq, q, what, &changed);
    sq__release(q);
    if (err == TA_OK && changed == 0)
        err = TA_E_NOT_FOUND;
    return err;
}

ta_err sq__customer_set_password(struct store *st, int64_t id, const char *pw_hash)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_CUSTOMER_SET_PASSWORD, SQL_SET_PASSWORD);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, id);
    sq__bind_str(q, 2, pw_hash);
    return update_one(sq, q, "customer_set_password");
}

ta_err sq__customer_set_lang(struct store *st, int64_t id, const char *lang)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_CUSTOMER_SET_LANG, SQL_SET_LANG);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, id);
    sq__bind_str(q, 2, lang);
    return update_one(sq, q, "customer_set_lang");
}

ta_err sq__customer_set_status(struct store *st, int64_t id, int status)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_CUSTOMER_SET_STATUS, SQL_SET_STATUS);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int(q, 2, status);
    return update_one(sq, q, "customer_set_status");
}

ta_err sq__customer_set_kyc(struct store *st, int64_t id, int audit_status, const char *remark)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_CUSTOMER_SET_KYC, SQL_SET_KYC);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int(q, 2, audit_status);
    sq__bind_str(q, 3, remark);
    return update_one(sq, q, "customer_set_kyc");
}

ta_err sq__customer_set_relation(struct store *st, int64_t id, int64_t relation_id)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_CUSTOMER_SET_RELATION, SQL_SET_RELATION);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, relation_id);
    return update_one(sq, q, "customer_set_relation");
}

ta_err sq__customer_set_mfa(struct store *st, int64_t id, const char *secret, int64_t mfa_id)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_CUSTOMER_SET_MFA, SQL_SET_MFA);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, id);
    sq__bind_str(q, 2, secret);
    sqlite3_bind_int64(q, 3, mfa_id);
    return update_one(sq, q, "customer_set_mfa");
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

#define ACCOUNT_COLS                                                                               \
    "id, customer_id, company_id, trade_type, currency, assets_id, digits, balance, frozen, "      \
    "liabilities, interest, not_withdraw, first_deposit_ms, first_withdraw_ms, created_ms, "       \
    "activated_ms"

static const char SQL_ACCOUNT_INSERT[] =
    "INSERT INTO accounts (customer_id, company_id, trade_type, currency, assets_id, digits, "
    "balance, frozen, liabilities, interest, not_withdraw, first_deposit_ms, first_withdraw_ms, "
    "created_ms, activated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
    "?14, ?15)";
static const char SQL_ACCOUNT_LIST[] =
    "SELECT " ACCOUNT_COLS " FROM accounts WHERE customer_id = ?1 ORDER BY id";
static const char SQL_ACCOUNT_SET_AMOUNTS[] =
    "UPDATE accounts SET balance = ?2, frozen = ?3, liabilities = ?4, interest = ?5, "
    "not_withdraw = ?6, first_deposit_ms = ?7, first_withdraw_ms = ?8 WHERE id = ?1";

ta_err sq__account_insert(struct store *st, const struct account *acc, int64_t *id_out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_ACCOUNT_INSERT, SQL_ACCOUNT_INSERT);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);

    sqlite3_bind_int64(q, 1, acc->customer_id);
    sqlite3_bind_int64(q, 2, acc->company_id);
    sqlite3_bind_int(q, 3, acc->trade_type);
    sq__bind_fixed(q, 4, acc->currency, sizeof acc->currency);
    sqlite3_bind_int64(q, 5, acc->assets_id);
    sqlite3_bind_int(q, 6, acc->digits);
    sqlite3_bind_int64(q, 7, acc->balance);
    sqlite3_bind_int64(q, 8, acc->frozen);
    sqlite3_bind_int64(q, 9, acc->liabilities);
    sqlite3_bind_int64(q, 10, acc->interest);
    sqlite3_bind_int64(q, 11, acc->not_withdraw);
    sqlite3_bind_int64(q, 12, acc->first_deposit_ms);
    sqlite3_bind_int64(q, 13, acc->first_withdraw_ms);
    sqlite3_bind_int64(q, 14, acc->created_ms);
    sqlite3_bind_int64(q, 15, acc->activated_ms);

    ta_err err = sq__run(sq, q, "account_insert", NULL);
    if (err == TA_OK)
        *id_out = sqlite3_last_insert_rowid(sq->db);
    sq__release(q);
    return err;
}

static void read_account(sqlite3_stmt *q, struct account *acc)
{
    acc->id = sqlite3_column_int64(q, 0);
    acc->customer_id = sqlite3_column_int64(q, 1);
    acc->company_id = sqlite3_column_int64(q, 2);
    acc->trade_type = sqlite3_column_int(q, 3);
    sq__col_fixed(q, 4, acc->currency, sizeof acc->currency);
    acc->assets_id = sqlite3_column_int64(q, 5);
    acc->digits = sqlite3_column_int(q, 6);
    acc->balance = sqlite3_column_int64(q, 7);
    acc->frozen = sqlite3_column_int64(q, 8);
    acc->liabilities = sqlite3_column_int64(q, 9);
    acc->interest = sqlite3_column_int64(q, 10);
    acc->not_withdraw = sqlite3_column_int64(q, 11);
    acc->first_deposit_ms = sqlite3_column_int64(q, 12);
    acc->first_withdraw_ms = sqlite3_column_int64(q, 13);
    acc->created_ms = sqlite3_column_int64(q, 14);
    acc->activated_ms = sqlite3_column_int64(q, 15);
}

ta_err sq__account_list(struct store *st, int64_t customer_id, struct arena *a,
                        struct account **out, size_t *n_out)
{
    struct sq_store *sq = sq__from(st);
    void *items = NULL;
    size_t n = 0, cap = 0;
    ta_err err = TA_OK;
    int rc;

    sqlite3_stmt *q = sq__stmt(sq, SQ_ACCOUNT_LIST, SQL_ACCOUNT_LIST);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, customer_id);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct account *acc = sq__grow(a, &items, &cap, n, sizeof *acc);
        if (acc == NULL) {
            err = TA_E_TOO_LARGE;
            break;
        }
        read_account(q, acc);
        n++;
    }
    if (err == TA_OK && rc != SQLITE_DONE)
        err = sq__error(sq, rc, "account_list");
    sq__release(q);
    if (err == TA_OK) {
        *out = items;
        *n_out = n;
    }
    return err;
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
