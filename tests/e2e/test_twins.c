/* tests/e2e/test_twins.c — the real binary over HTTP for the session and twin endpoints:
 * switch between real and demo (contract C9), demo reset (C10), the token hand-off of C11
 * (oneTimeToken, randomKey), refresh (C6), logout (C5), openAccount (C12), changeLang (C15)
 * and checkStatus (C8). Every test gets its own server (default company 1 with demo twin 2,
 * USDT 4 digits and BTC 8 digits, demo balances 100000 USDT and 1 BTC). */
#include "support/e2e.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define R_SWITCH E2E_PREFIX "/thirdExt/switchAccount"
#define R_RESET E2E_PREFIX "/global/customer.app.CustomerDubboApiService.resetAccount"
#define R_RANDOM_KEY E2E_PREFIX "/global/thirdExt/randomKey"
#define R_ONE_TIME E2E_PREFIX "/global/thirdExt/oneTimeToken"
#define R_OPEN E2E_PREFIX "/global/" E2E_CWS "openAccount"
#define R_LANG E2E_PREFIX "/global/" E2E_CWS "changeLang"
#define R_STATUS E2E_PREFIX "/global/" E2E_CWS "checkStatus"

#define TOK_MAX 128

/* ---- helpers ------------------------------------------------------------------------- */

static const json_t *data_of(const struct e2e_resp *r)
{
    return json_object_get(r->json, "data");
}

static json_int_t int_of(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

/* B4: a lowercase UUIDv4 followed by "app". */
static bool is_access_token(const char *t)
{
    static const size_t parts[] = {8, 4, 4, 4, 12};
    const char *p = t;
    for (size_t i = 0; i < 5; i++) {
        for (size_t k = 0; k < parts[i]; k++, p++)
            if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
                return false;
        if (i < 4 && *p++ != '-')
            return false;
    }
    return t[14] == '4' && strchr("89ab", t[19]) != NULL && strcmp(p, "app") == 0;
}

/* B4: 64 lowercase hex characters. */
static bool is_hex64(const char *t)
{
    if (strlen(t) != 64)
        return false;
    for (size_t i = 0; i < 64; i++)
        if (!isxdigit((unsigned char)t[i]) || isupper((unsigned char)t[i]))
            return false;
    return true;
}

/* A token-route call with companyId `company`. */
static struct e2e_resp call_tok(const struct e2e_server *s, const char *path, const char *body,
                                const char *token, const char *company)
{
    struct e2e_opts o = {.token = token, .company = company};
    return e2e_call(s, path, body, &o);
}

/* findCustomerInfo must answer GATEWAY_CODE_001 for this token in this company. */
#define EXPECT_DEAD(s, token, company)                                                             \
    do {                                                                                           \
        struct e2e_resp dead_ = call_tok((s), E2E_INFO, "{}", (token), (company));                 \
        E2E_EXPECT(dead_, 200, "GATEWAY_CODE_001");                                                \
        e2e_resp_free(&dead_);                                                                     \
    } while (0)

/* findCustomerInfo must answer "0" for this token in this company, with the token echoed. */
#define EXPECT_LIVE(s, token, company)                                                             \
    do {                                                                                           \
        struct e2e_resp live_ = call_tok((s), E2E_INFO, "{}", (token), (company));                 \
        E2E_EXPECT(live_, 200, "0");                                                               \
        assert_string_equal(E2E_STR(data_of(&live_), "token"), (token));                           \
        e2e_resp_free(&live_);                                                                     \
    } while (0)

/* The accountList entry for a currency (borrowed), failing when absent. */
static const json_t *account_of(const json_t *list, const char *currency)
{
    size_t i;
    json_t *acc;
    json_array_foreach(list, i, acc)
    {
        if (strcmp(json_string_value(json_object_get(acc, "currency")), currency) == 0)
            return acc;
    }
    fail_msg("no %s account in the accountList", currency);
    return NULL;
}

static void expect_money(const json_t *acc, const char *field, const char *want)
{
    const char *got = json_string_value(json_object_get(acc, field));
    assert_non_null(got);
    if (strcmp(got, want) != 0)
        fail_msg("%s %s is \"%s\", want \"%s\"",
                 json_string_value(json_object_get(acc, "currency")), field, got, want);
}

/* A real customer registered by email in company 1 (with a password). */
struct real {
    char email[96];
    char token[TOK_MAX];
    char rtoken[TOK_MAX];
    char customer_no[64];
    json_int_t id;
};

static void register_real(struct e2e_server *s, struct real *out, const char *local)
{
    e2e_email(out->email, local);
    json_t *d = E2E_REGISTER_EMAIL(s, out->email, E2E_PWD);
    snprintf(out->token, sizeof out->token, "%s", E2E_STR(d, "token"));
    snprintf(out->rtoken, sizeof out->rtoken, "%s", E2E_STR(d, "rToken"));
    snprintf(out->customer_no, sizeof out->customer_no, "%s", E2E_STR(d, "customerNo"));
    out->id = int_of(d, "id");
    json_decref(d);
}

/* switchAccount with token in company; asserts "0" and returns the data (new reference). */
static json_t *switch_ok(const struct e2e_server *s, const char *token, const char *company)
{
    struct e2e_resp r = call_tok(s, R_SWITCH, "{}", token, company);
    E2E_EXPECT(r, 200, "0");
    json_t *d = json_incref((json_t *)data_of(&r));
    e2e_resp_free(&r);
    return d;
}

static struct e2e_resp refresh(const struct e2e_server *s, const char *rtoken, const char *company);

/* ---- C9: switch ------------------------------------------------------------------------- */

static void switch__real_to_demo__paired_customer_with_demo_balances(void **state)
{
    struct e2e_server *s = *state;
    struct real me;
    register_real(s, &me, "twin");

    json_t *sw = switch_ok(s, me.token, "1");
    assert_int_equal(int_of(sw, "associationCompanyId"), 2);
    assert_int_equal(int_of(sw, "companyId"), 2);
    assert_string_equal(E2E_STR(sw, "companyType"), "demo");
    assert_string_equal(E2E_STR(sw, "customerNo"), me.customer_no);
    assert_int_equal(int_of(sw, "relationCustomerId"), me.id);
    json_int_t demo_id = int_of(sw, "id");
    assert_true(demo_id > 0);
    assert_true(demo_id != me.id);
    char demo_token[TOK_MAX];
    snprintf(demo_token, sizeof demo_token, "%s", E2E_STR(sw, "token"));
    assert_true(is_access_token(demo_token));
    char demo_rtoken[TOK_MAX];
    snprintf(demo_rtoken, sizeof demo_rtoken, "%s", E2E_STR(sw, "rToken"));
    assert_true(is_hex64(demo_rtoken));
    json_decref(sw);

    struct e2e_resp r = call_tok(s, E2E_INFO, "{}", demo_token, "2");
    E2E_EXPECT(r, 200, "0");
    const json_t *d = data_of(&r);
    E2E_CHECK_CUSTOMER(d, E2E_RTOKEN_NULL);
    assert_int_equal(int_of(d, "id"), demo_id);
    assert_int_equal(int_of(d, "companyId"), 2);
    assert_string_equal(E2E_STR(d, "companyType"), "demo");
    assert_string_equal(E2E_STR(d, "customerNo"), me.customer_no);
    assert_int_equal(int_of(d, "relationCustomerId"), me.id);
    assert_int_equal(int_of(d, "associationCompanyId"), 1);
    assert_string_equal(E2E_STR(d, "token"), demo_token);
    const json_t *list = json_object_get(d, "accountList");
    assert_int_equal(json_array_size(list), 2);
    expect_money(account_of(list, "USDT"), "balance", "100000.0000");
    expect_money(account_of(list, "BTC"), "balance", "1.00000000");
    e2e_resp_free(&r);

    /* The presented session ended; the new token belongs to company 2 only. */
    EXPECT_DEAD(s, me.token, "1");
    EXPECT_DEAD(s, demo_token, "1");

    /* The demo rToken refreshes in company 2. */
    r = refresh(s, demo_rtoken, "2");
    E2E_EXPECT(r, 200, "0");
    E2E_CHECK_CUSTOMER(data_of(&r), E2E_RTOKEN_STRING);
    assert_int_equal(int_of(data_of(&r), "id"), demo_id);
    assert_string_equal(E2E_STR(data_of(&r), "companyType"), "demo");
    e2e_resp_free(&r);

    /* The real customer now names its pair. */
    struct e2e_resp lr = e2e_login(s, 1, me.email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(lr, 200, "0");
    assert_int_equal(int_of(data_of(&lr), "id"), me.id);
    assert_int_equal(int_of(data_of(&lr), "relationCustomerId"), demo_id);
    assert_int_equal(int_of(data_of(&lr), "associationCompanyId"), 2);
    assert_string_equal(E2E_STR(data_of(&lr), "companyType"), "real");
    e2e_resp_free(&lr);
}

static void switch__back_to_real_and_again__same_customers(void **state)
{
    struct e2e_server *s = *state;
    struct real me;
    register_real(s, &me, "back");

    json_t *sw = switch_ok(s, me.token, "1");
    json_int_t demo_id = int_of(sw, "id");
    char demo_token[TOK_MAX];
    snprintf(demo_token, sizeof demo_token, "%s", E2E_STR(sw, "token"));
    json_decref(sw);

    json_t *back = switch_ok(s, demo_token, "2");
    assert_int_equal(int_of(back, "associationCompanyId"), 1);
    assert_int_equal(int_of(back, "companyId"), 1);
    assert_string_equal(E2E_STR(back, "companyType"), "real");
    assert_int_equal(int_of(back, "id"), me.id);
    assert_int_equal(int_of(back, "relationCustomerId"), demo_id);
    assert_string_equal(E2E_STR(back, "customerNo"), me.customer_no);
    char real_token[TOK_MAX];
    snprintf(real_token, sizeof real_token, "%s", E2E_STR(back, "token"));
    json_decref(back);

    EXPECT_DEAD(s, demo_token, "2");
    struct e2e_resp r = call_tok(s, E2E_INFO, "{}", real_token, "1");
    E2E_EXPECT(r, 200, "0");
    assert_int_equal(int_of(data_of(&r), "id"), me.id);
    assert_string_equal(E2E_STR(data_of(&r), "companyType"), "real");
    assert_int_equal(int_of(data_of(&r), "relationCustomerId"), demo_id);
    e2e_resp_free(&r);

    /* The second switch to demo reuses the paired customer. */
    json_t *again = switch_ok(s, real_token, "1");
    assert_int_equal(int_of(again, "id"), demo_id);
    assert_int_equal(int_of(again, "companyId"), 2);
    assert_int_equal(int_of(again, "relationCustomerId"), me.id);
    json_decref(again);
}

/* ---- C9: the twin from registration on ---------------------------------------------- */

/* The published client's own flow: it switches only when findCustomerInfo answers
 * relationCustomerId > 0, then puts associationCompanyId in the companyId header. */
static void register__twin_from_the_start__info_switch_and_back(void **state)
{
    struct e2e_server *s = *state;
    char phone[16];
    e2e_phone(phone);
    json_t *reg = E2E_REGISTER_PHONE(s, "+86", phone, E2E_PWD);
    json_int_t me = int_of(reg, "id");
    char token[TOK_MAX], no[64];
    snprintf(token, sizeof token, "%s", E2E_STR(reg, "token"));
    snprintf(no, sizeof no, "%s", E2E_STR(reg, "customerNo"));
    json_decref(reg);

    struct e2e_resp r = call_tok(s, E2E_INFO, "{}", token, "1");
    E2E_EXPECT(r, 200, "0");
    json_int_t demo_id = int_of(data_of(&r), "relationCustomerId");
    assert_true(demo_id > 0);
    assert_true(demo_id != me);
    assert_int_equal(int_of(data_of(&r), "associationCompanyId"), 2);
    e2e_resp_free(&r);

    json_t *sw = switch_ok(s, token, "1");
    assert_int_equal(int_of(sw, "id"), demo_id);
    assert_int_equal(int_of(sw, "associationCompanyId"), 2);
    assert_int_equal(int_of(sw, "relationCustomerId"), me);
    char demo_token[TOK_MAX];
    snprintf(demo_token, sizeof demo_token, "%s", E2E_STR(sw, "token"));
    json_decref(sw);

    r = call_tok(s, E2E_INFO, "{}", demo_token, "2");
    E2E_EXPECT(r, 200, "0");
    const json_t *d = data_of(&r);
    assert_int_equal(int_of(d, "id"), demo_id);
    assert_int_equal(int_of(d, "relationCustomerId"), me);
    assert_string_equal(E2E_STR(d, "companyType"), "demo");
    assert_string_equal(E2E_STR(d, "customerNo"), no);
    assert_string_equal(E2E_STR(d, "phoneArea"), "+86");
    const json_t *list = json_object_get(d, "accountList");
    assert_int_equal(json_array_size(list), 2);
    expect_money(account_of(list, "USDT"), "balance", "100000.0000");
    expect_money(account_of(list, "BTC"), "balance", "1.00000000");
    e2e_resp_free(&r);

    json_t *back = switch_ok(s, demo_token, "2");
    assert_int_equal(int_of(back, "id"), me);
    assert_int_equal(int_of(back, "companyId"), 1);
    assert_int_equal(int_of(back, "relationCustomerId"), demo_id);
    json_decref(back);
    /* One demo customer for that customerNo: the switches made none. */
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM customers WHERE customer_no = '%s'", no);
    assert_int_equal(e2e_sql_int(s, sql), 2);
}

/* Makes a registered customer look like one from before eager twins: no twin, no link. */
static void unpair(struct e2e_server *s, json_int_t real_id)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "DELETE FROM accounts WHERE customer_id IN (SELECT id FROM customers WHERE "
             "relation_customer_id = %lld AND company_id = 2)",
             (long long)real_id);
    assert_int_equal(e2e_sql(s, sql), 2);
    snprintf(sql, sizeof sql,
             "DELETE FROM customers WHERE relation_customer_id = %lld AND company_id = 2",
             (long long)real_id);
    assert_int_equal(e2e_sql(s, sql), 1);
    snprintf(sql, sizeof sql, "UPDATE customers SET relation_customer_id = 0 WHERE id = %lld",
             (long long)real_id);
    assert_int_equal(e2e_sql(s, sql), 1);
}

/* A customer from before still gets its twin on the first switch. */
static void switch__customer_without_twin__made_on_first_switch(void **state)
{
    struct e2e_server *s = *state;
    struct real me;
    register_real(s, &me, "old");
    unpair(s, me.id);
    struct e2e_resp r = call_tok(s, E2E_INFO, "{}", me.token, "1");
    E2E_EXPECT(r, 200, "0");
    assert_int_equal(int_of(data_of(&r), "relationCustomerId"), 0);
    e2e_resp_free(&r);

    json_t *sw = switch_ok(s, me.token, "1");
    json_int_t demo_id = int_of(sw, "id");
    assert_true(demo_id > 0);
    assert_int_equal(int_of(sw, "relationCustomerId"), me.id);
    json_decref(sw);
    struct e2e_resp lr = e2e_login(s, 1, me.email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(lr, 200, "0");
    assert_int_equal(int_of(data_of(&lr), "relationCustomerId"), demo_id);
    e2e_resp_free(&lr);
}

/* The pairing of migration 3 (customer_pair_missing, which `customer seed` also runs): a
 * customer from before gets a twin as registration makes it; a paired one is left alone. */
static void pair_missing__old_customer_paired__others_untouched(void **state)
{
    struct e2e_server *s = *state;
    struct real old, fresh;
    register_real(s, &old, "before");
    register_real(s, &fresh, "after");
    unpair(s, old.id);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT relation_customer_id FROM customers WHERE id = %lld",
             (long long)fresh.id);
    long long fresh_twin = e2e_sql_int(s, sql);

    static char out[4096];
    int rc =
        e2e_cli(s, out, sizeof out, E2E_ARGS("customer", "seed", "--company", "1", "--count", "1"));
    if (rc != 0)
        fail_msg("customer seed exited %d: %s", rc, out);

    assert_int_equal(e2e_sql_int(s, sql), fresh_twin);
    struct e2e_resp lr = e2e_login(s, 1, old.email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(lr, 200, "0");
    json_int_t demo_id = int_of(data_of(&lr), "relationCustomerId");
    assert_true(demo_id > 0);
    char token[TOK_MAX];
    snprintf(token, sizeof token, "%s", E2E_STR(data_of(&lr), "token"));
    e2e_resp_free(&lr);
    json_t *sw = switch_ok(s, token, "1");
    assert_int_equal(int_of(sw, "id"), demo_id);
    assert_string_equal(E2E_STR(sw, "customerNo"), old.customer_no);
    char demo_token[TOK_MAX];
    snprintf(demo_token, sizeof demo_token, "%s", E2E_STR(sw, "token"));
    json_decref(sw);
    struct e2e_resp r = call_tok(s, E2E_INFO, "{}", demo_token, "2");
    E2E_EXPECT(r, 200, "0");
    const json_t *list = json_object_get(data_of(&r), "accountList");
    assert_int_equal(json_array_size(list), 2);
    expect_money(account_of(list, "USDT"), "balance", "100000.0000");
    expect_money(account_of(list, "BTC"), "balance", "1.00000000");
    assert_int_equal(int_of(data_of(&r), "kycAuditStatus"), 2);
    assert_int_equal(int_of(data_of(&r), "googleId"), -1);
    e2e_resp_free(&r);
    /* The seeded customer got its twin as well. */
    assert_int_equal(e2e_sql_int(s, "SELECT count(*) FROM customers WHERE company_id = 1 AND "
                                    "relation_customer_id = 0"),
                     0);
}

/* A server whose database also holds a company without a twin; its id in no_twin_id. */
static char no_twin_id[24];

static int setup_with_no_twin_company(void **state)
{
    struct e2e_server *s = e2e_server_new();
    *state = s;
    char out[4096];
    int rc = e2e_cli(s, out, sizeof out, E2E_ARGS("company", "add", "--name", "Solo", "--no-twin"));
    if (rc != 0) {
        print_error("company add exited %d: %s\n", rc, out);
        e2e_server_free(s);
        *state = NULL;
        return -1;
    }
    const char *p = strstr(out, "added company ");
    long id = p ? strtol(p + strlen("added company "), NULL, 10) : 0;
    if (id <= 2 || strstr(out, "demo twin") != NULL) {
        print_error("unexpected company add output: %s\n", out);
        e2e_server_free(s);
        *state = NULL;
        return -1;
    }
    snprintf(no_twin_id, sizeof no_twin_id, "%ld", id);
    e2e_server_start(s, NULL);
    return 0;
}

static void switch__company_without_twin__110(void **state)
{
    struct e2e_server *s = *state;
    char email[96], tok[100], code[7];
    e2e_email(email, "solo");
    struct e2e_opts o = {.company = no_twin_id};
    struct e2e_resp r = e2e_callj(
        s, E2E_SEND,
        json_pack("{s:s,s:s}", "bizType", "EMAIL_REGISTER_VERIFICATION_CODE", "toUser", email), &o);
    E2E_EXPECT(r, 200, "0");
    snprintf(tok, sizeof tok, "%s", E2E_STR(json_object_get(r.json, "data"), "token"));
    e2e_resp_free(&r);
    E2E_WAIT_CODE(s, email, code);
    r = e2e_callj(s, E2E_REGISTER,
                  json_pack("{s:i,s:s,s:s,s:s,s:s,s:i,s:s}", "type", 1, "loginName", email,
                            "country", "CN", "verifyCode", code, "sendToken", tok, "registerSource",
                            1, "pwd", E2E_PWD),
                  &o);
    E2E_EXPECT(r, 200, "0");
    const json_t *d = data_of(&r);
    assert_int_equal(int_of(d, "companyId"), strtol(no_twin_id, NULL, 10));
    assert_true(json_is_null(json_object_get(d, "associationCompanyId")));
    char token[TOK_MAX];
    snprintf(token, sizeof token, "%s", E2E_STR(d, "token"));
    e2e_resp_free(&r);

    r = call_tok(s, R_SWITCH, "{}", token, no_twin_id);
    E2E_EXPECT(r, 200, "CUSTOMER_API_0000110");
    e2e_resp_free(&r);
    /* Nothing happened to the presented session. */
    EXPECT_LIVE(s, token, no_twin_id);
}

/* ---- C10: reset ------------------------------------------------------------------------- */

static int64_t now_epoch_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void reset__real_token_111__demo_balances_restored(void **state)
{
    struct e2e_server *s = *state;
    struct real me;
    register_real(s, &me, "reset");

    struct e2e_resp r = call_tok(s, R_RESET, "{}", me.token, "1");
    E2E_EXPECT(r, 200, "CUSTOMER_API_0000111");
    e2e_resp_free(&r);

    json_t *sw = switch_ok(s, me.token, "1");
    char demo_token[TOK_MAX];
    snprintf(demo_token, sizeof demo_token, "%s", E2E_STR(sw, "token"));
    json_int_t demo_id = int_of(sw, "id");
    json_decref(sw);

    char sql[512];
    snprintf(sql, sizeof sql,
             "UPDATE accounts SET balance = 5, frozen = 2, liabilities = 1, interest = 1, "
             "not_withdraw = 1, first_deposit_ms = %lld, first_withdraw_ms = %lld "
             "WHERE company_id = 2",
             (long long)now_epoch_ms(), (long long)now_epoch_ms());
    assert_int_equal(e2e_sql(s, sql), 2); /* whichever backend the server runs on */
    /* The real customer's accounts are not the demo's business. */
    assert_int_equal(e2e_sql_accounts_set_balance(s, 1, 7), 2);
    r = call_tok(s, E2E_INFO, "{}", demo_token, "2");
    E2E_EXPECT(r, 200, "0");
    const json_t *list = json_object_get(data_of(&r), "accountList");
    expect_money(account_of(list, "USDT"), "balance", "0.0005");
    expect_money(account_of(list, "USDT"), "frozen", "0.0002");
    expect_money(account_of(list, "USDT"), "available", "0.0003");
    expect_money(account_of(list, "BTC"), "balance", "0.00000005");
    expect_money(account_of(list, "BTC"), "frozen", "0.00000002");
    expect_money(account_of(list, "BTC"), "liabilities", "0.00000001");
    assert_true(json_is_integer(json_object_get(account_of(list, "USDT"), "firstDepositTime")));
    e2e_resp_free(&r);

    r = call_tok(s, R_RESET, "{}", demo_token, "2");
    E2E_EXPECT(r, 200, "0");
    const json_t *d = data_of(&r);
    E2E_CHECK_CUSTOMER(d, E2E_RTOKEN_NULL);
    assert_int_equal(int_of(d, "id"), demo_id);
    assert_string_equal(E2E_STR(d, "token"), demo_token);
    list = json_object_get(d, "accountList");
    assert_int_equal(json_array_size(list), 2);
    expect_money(account_of(list, "USDT"), "balance", "100000.0000");
    expect_money(account_of(list, "USDT"), "frozen", "0.0000");
    expect_money(account_of(list, "USDT"), "available", "100000.0000");
    expect_money(account_of(list, "BTC"), "balance", "1.00000000");
    expect_money(account_of(list, "BTC"), "frozen", "0.00000000");
    e2e_resp_free(&r);

    /* And it is stored, not just rendered; every other amount is 0 and the times null. */
    r = call_tok(s, E2E_INFO, "{}", demo_token, "2");
    E2E_EXPECT(r, 200, "0");
    list = json_object_get(data_of(&r), "accountList");
    expect_money(account_of(list, "USDT"), "balance", "100000.0000");
    expect_money(account_of(list, "USDT"), "frozen", "0.0000");
    expect_money(account_of(list, "BTC"), "balance", "1.00000000");
    expect_money(account_of(list, "BTC"), "frozen", "0.00000000");
    static const char *const zero[] = {"liabilities", "interest", "notWithdrawAmount"};
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++) {
        expect_money(account_of(list, "USDT"), zero[i], "0.0000");
        expect_money(account_of(list, "BTC"), zero[i], "0.00000000");
    }
    static const char *const times[] = {"firstDepositTime", "firstWithdrawTime"};
    for (size_t i = 0; i < 2; i++) {
        assert_true(json_is_null(json_object_get(account_of(list, "USDT"), times[i])));
        assert_true(json_is_null(json_object_get(account_of(list, "BTC"), times[i])));
    }
    e2e_resp_free(&r);

    /* Back on the real side nothing was reset. */
    json_t *back = switch_ok(s, demo_token, "2");
    assert_int_equal(int_of(back, "id"), me.id);
    r = call_tok(s, E2E_INFO, "{}", E2E_STR(back, "token"), "1");
    json_decref(back);
    E2E_EXPECT(r, 200, "0");
    list = json_object_get(data_of(&r), "accountList");
    expect_money(account_of(list, "USDT"), "balance", "0.0007");
    expect_money(account_of(list, "BTC"), "balance", "0.00000007");
    e2e_resp_free(&r);
}

/* ---- C11: oneTimeToken and randomKey --------------------------------------------------- */

static void one_time(const struct e2e_server *s, const char *token, char out[TOK_MAX])
{
    struct e2e_resp r = call_tok(s, R_ONE_TIME, "{}", token, "1");
    E2E_EXPECT(r, 200, "0");
    const json_t *d = data_of(&r);
    assert_true(json_is_string(d));
    assert_true(json_string_length(d) > 0 && json_string_length(d) < TOK_MAX);
    snprintf(out, TOK_MAX, "%s", json_string_value(d));
    e2e_resp_free(&r);
}

struct racer {
    const struct e2e_server *s;
    const char *token;
    pthread_barrier_t *go;
    char code[64];
};

static void *race_random_key(void *arg)
{
    struct racer *x = arg;
    pthread_barrier_wait(x->go);
    struct e2e_resp r = call_tok(x->s, R_RANDOM_KEY, "{}", x->token, "1");
    const char *c = json_string_value(json_object_get(r.json, "code"));
    snprintf(x->code, sizeof x->code, "%s", c ? c : "(no code)");
    e2e_resp_free(&r);
    return NULL;
}

static void random_key__one_time_token__single_use_and_not_an_access_token(void **state)
{
    struct e2e_server *s = *state;
    struct real me;
    register_real(s, &me, "handoff");

    char ott[TOK_MAX];
    one_time(s, me.token, ott);
    /* Only randomKey accepts it. */
    EXPECT_DEAD(s, ott, "1");

    struct e2e_resp r = call_tok(s, R_RANDOM_KEY, "{}", ott, "1");
    E2E_EXPECT(r, 200, "0");
    assert_true(json_is_string(data_of(&r)));
    char fresh[TOK_MAX];
    snprintf(fresh, sizeof fresh, "%s", json_string_value(data_of(&r)));
    e2e_resp_free(&r);
    assert_true(is_access_token(fresh));
    struct e2e_resp info = call_tok(s, E2E_INFO, "{}", fresh, "1");
    E2E_EXPECT(info, 200, "0");
    assert_int_equal(int_of(data_of(&info), "id"), me.id);
    e2e_resp_free(&info);

    /* Spent. */
    r = call_tok(s, R_RANDOM_KEY, "{}", ott, "1");
    E2E_EXPECT(r, 200, "GATEWAY_CODE_001");
    e2e_resp_free(&r);
    EXPECT_DEAD(s, ott, "1");
}

static void random_key__two_concurrent_exchanges__exactly_one_wins(void **state)
{
    struct e2e_server *s = *state;
    struct real me;
    register_real(s, &me, "race");
    for (int round = 0; round < 5; round++) {
        char ott[TOK_MAX];
        one_time(s, me.token, ott);
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, 2);
        struct racer x[2] = {{s, ott, &go, ""}, {s, ott, &go, ""}};
        pthread_t th[2];
        for (int i = 0; i < 2; i++)
            assert_int_equal(pthread_create(&th[i], NULL, race_random_key, &x[i]), 0);
        for (int i = 0; i < 2; i++)
            pthread_join(th[i], NULL);
        pthread_barrier_destroy(&go);
        int wins = (strcmp(x[0].code, "0") == 0) + (strcmp(x[1].code, "0") == 0);
        if (wins != 1)
            fail_msg("round %d: codes \"%s\" and \"%s\", want exactly one \"0\"", round, x[0].code,
                     x[1].code);
        const char *loser = strcmp(x[0].code, "0") == 0 ? x[1].code : x[0].code;
        assert_string_equal(loser, "GATEWAY_CODE_001");
    }
}

static void random_key__access_token__exchanged_for_a_new_one(void **state)
{
    struct e2e_server *s = *state;
    struct real me;
    register_real(s, &me, "rk");

    struct e2e_resp r = call_tok(s, R_RANDOM_KEY, "{}", me.token, "1");
    E2E_EXPECT(r, 200, "0");
    assert_true(json_is_string(data_of(&r)));
    char fresh[TOK_MAX];
    snprintf(fresh, sizeof fresh, "%s", json_string_value(data_of(&r)));
    e2e_resp_free(&r);
    assert_true(is_access_token(fresh));
    assert_string_not_equal(fresh, me.token);
    EXPECT_LIVE(s, fresh, "1");
    EXPECT_DEAD(s, me.token, "1");

    /* Without a live token: 001. */
    r = call_tok(s, R_RANDOM_KEY, "{}", me.token, "1");
    E2E_EXPECT(r, 200, "GATEWAY_CODE_001");
    e2e_resp_free(&r);
    r = call_tok(s, R_RANDOM_KEY, "{}", NULL, "1");
    E2E_EXPECT(r, 200, "GATEWAY_CODE_001");
    e2e_resp_free(&r);
}

/* ---- C6: refresh ------------------------------------------------------------------------ */

static struct e2e_resp refresh(const struct e2e_server *s, const char *rtoken, const char *company)
{
    struct e2e_opts o = {.company = company};
    return e2e_callj(s, E2E_REFRESH, json_pack("{s:s}", "rToken", rtoken), &o);
}

static void refresh__rotates__grace_for_old_token_and_repeat(void **state)
{
    struct e2e_server *s = *state;
    struct real me;
    register_real(s, &me, "refresh");

    struct e2e_resp lr = e2e_login(s, 1, me.email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(lr, 200, "0");
    char token[TOK_MAX], rtoken[TOK_MAX];
    snprintf(token, sizeof token, "%s", E2E_STR(data_of(&lr), "token"));
    snprintf(rtoken, sizeof rtoken, "%s", E2E_STR(data_of(&lr), "rToken"));
    e2e_resp_free(&lr);
    assert_true(is_hex64(rtoken));

    struct e2e_resp r = refresh(s, rtoken, "1");
    E2E_EXPECT(r, 200, "0");
    E2E_CHECK_CUSTOMER(data_of(&r), E2E_RTOKEN_STRING);
    assert_int_equal(int_of(data_of(&r), "id"), me.id);
    char t2[TOK_MAX], r2[TOK_MAX];
    snprintf(t2, sizeof t2, "%s", E2E_STR(data_of(&r), "token"));
    snprintf(r2, sizeof r2, "%s", E2E_STR(data_of(&r), "rToken"));
    e2e_resp_free(&r);
    assert_true(is_access_token(t2));
    assert_true(is_hex64(r2));
    assert_string_not_equal(t2, token);
    assert_string_not_equal(r2, rtoken);

    /* The old access token keeps working for 30 s; the new one works. */
    EXPECT_LIVE(s, token, "1");
    EXPECT_LIVE(s, t2, "1");

    /* The same old rToken at once: the same new pair. */
    r = refresh(s, rtoken, "1");
    E2E_EXPECT(r, 200, "0");
    assert_string_equal(E2E_STR(data_of(&r), "token"), t2);
    assert_string_equal(E2E_STR(data_of(&r), "rToken"), r2);
    e2e_resp_free(&r);

    /* A company-1 rToken presented for company 2. */
    r = refresh(s, r2, "2");
    E2E_EXPECT(r, 200, "CUSTOMER_API_0000112");
    e2e_resp_free(&r);
}

static void refresh__unknown_rtoken__112(void **state)
{
    struct e2e_server *s = *state;
    struct e2e_resp r =
        refresh(s, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "1");
    E2E_EXPECT(r, 200, "CUSTOMER_API_0000112");
    e2e_resp_free(&r);
}

/* ---- C5: logout ------------------------------------------------------------------------- */

static void expect_logout_ok(const struct e2e_server *s, const char *body, const char *token)
{
    struct e2e_resp r = call_tok(s, E2E_LOGOUT, body, token, "1");
    E2E_EXPECT(r, 200, "0");
    assert_true(json_is_null(data_of(&r)));
    e2e_resp_free(&r);
}

static void logout__all_devices__ends_every_session(void **state)
{
    struct e2e_server *s = *state;
    struct real me;
    register_real(s, &me, "logout");
    struct e2e_resp lr = e2e_login(s, 1, me.email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(lr, 200, "0");
    char second[TOK_MAX];
    snprintf(second, sizeof second, "%s", E2E_STR(data_of(&lr), "token"));
    e2e_resp_free(&lr);
    EXPECT_LIVE(s, me.token, "1");
    EXPECT_LIVE(s, second, "1");

    expect_logout_ok(s, "{\"allDevices\":true}", me.token);
    EXPECT_DEAD(s, me.token, "1");
    EXPECT_DEAD(s, second, "1");
}

static void logout__all_devices__ends_sessions_in_both_twins(void **state)
{
    struct e2e_server *s = *state;
    struct real me;
    register_real(s, &me, "both");
    struct e2e_resp lr = e2e_login(s, 1, me.email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(lr, 200, "0");
    char second[TOK_MAX];
    snprintf(second, sizeof second, "%s", E2E_STR(data_of(&lr), "token"));
    e2e_resp_free(&lr);
    json_t *sw = switch_ok(s, second, "1");
    char demo_token[TOK_MAX];
    snprintf(demo_token, sizeof demo_token, "%s", E2E_STR(sw, "token"));
    json_decref(sw);
    EXPECT_LIVE(s, me.token, "1");
    EXPECT_LIVE(s, demo_token, "2");

    /* From the demo side: the real session ends too. */
    struct e2e_resp r = call_tok(s, E2E_LOGOUT, "{\"allDevices\":true}", demo_token, "2");
    E2E_EXPECT(r, 200, "0");
    assert_true(json_is_null(data_of(&r)));
    e2e_resp_free(&r);
    EXPECT_DEAD(s, demo_token, "2");
    EXPECT_DEAD(s, me.token, "1");
}

static void logout__dead_unknown_or_missing_token__still_0_with_null_data(void **state)
{
    struct e2e_server *s = *state;
    struct real me;
    register_real(s, &me, "bye");
    expect_logout_ok(s, "{}", me.token);
    EXPECT_DEAD(s, me.token, "1");
    expect_logout_ok(s, "{}", me.token); /* dead */
    expect_logout_ok(s, "{\"allDevices\":true}", me.token);
    expect_logout_ok(s, "{}", "00000000-0000-4000-8000-000000000000app"); /* unknown */
    expect_logout_ok(s, "{}", "null");
    expect_logout_ok(s, "{}", NULL); /* missing */
    expect_logout_ok(s, NULL, NULL); /* empty body */
}

/* ---- C12: openAccount ------------------------------------------------------------------- */

static void open_account__offered_pair__idempotent_account_list(void **state)
{
    struct e2e_server *s = *state;
    struct real me;
    register_real(s, &me, "open");
    static const char body[] =
        "{\"tradeTypeCurrencyList\":[{\"tradeType\":\"5\",\"allCurrency\":\"USDT\"}]}";

    json_int_t ids[2][2];
    for (int round = 0; round < 2; round++) {
        struct e2e_resp r = call_tok(s, R_OPEN, body, me.token, "1");
        E2E_EXPECT(r, 200, "0");
        const json_t *d = data_of(&r);
        assert_true(json_is_array(d));
        assert_int_equal(json_array_size(d), 2);
        const json_t *usdt = account_of(d, "USDT"), *btc = account_of(d, "BTC");
        ids[round][0] = int_of(usdt, "accountId");
        ids[round][1] = int_of(btc, "accountId");
        assert_int_equal(int_of(usdt, "tradeType"), 5);
        assert_int_equal(int_of(usdt, "customerId"), me.id);
        e2e_resp_free(&r);
    }
    assert_int_equal(ids[0][0], ids[1][0]);
    assert_int_equal(ids[0][1], ids[1][1]);
}

static void open_account__not_offered_113__malformed_100(void **state)
{
    struct e2e_server *s = *state;
    struct real me;
    register_real(s, &me, "openbad");

    struct e2e_resp r = call_tok(
        s, R_OPEN, "{\"tradeTypeCurrencyList\":[{\"tradeType\":\"5\",\"allCurrency\":\"ETH\"}]}",
        me.token, "1");
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000113", "5:ETH");
    e2e_resp_free(&r);

    static const char *const bad[] = {
        "{\"tradeTypeCurrencyList\":\"x\"}",
        "{\"tradeTypeCurrencyList\":[]}",
        "{\"tradeTypeCurrencyList\":[{\"tradeType\":\"a\",\"allCurrency\":\"USDT\"}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = call_tok(s, R_OPEN, bad[i], me.token, "1");
        E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000100", "tradeTypeCurrencyList");
        e2e_resp_free(&r);
    }

    /* Nothing was opened along the way. */
    r = call_tok(s, E2E_INFO, "{}", me.token, "1");
    E2E_EXPECT(r, 200, "0");
    assert_int_equal(json_array_size(json_object_get(data_of(&r), "accountList")), 2);
    e2e_resp_free(&r);
}

/* ---- C15: changeLang -------------------------------------------------------------------- */

static void change_lang__known_tag_0__unknown_100(void **state)
{
    struct e2e_server *s = *state;
    struct real me;
    register_real(s, &me, "lang");

    struct e2e_resp r = call_tok(s, R_LANG, "{\"newLang\":\"zh-CN\"}", me.token, "1");
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);

    r = call_tok(s, R_LANG, "{\"newLang\":\"fr-FR\"}", me.token, "1");
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000100", "newLang");
    e2e_resp_free(&r);
}

/* ---- C8: checkStatus -------------------------------------------------------------------- */

static void check_status__registered_1__unknown_2(void **state)
{
    struct e2e_server *s = *state;
    struct real me;
    register_real(s, &me, "status");

    struct e2e_resp r =
        e2e_callj(s, R_STATUS, json_pack("{s:i,s:s}", "type", 1, "loginName", me.email), NULL);
    E2E_EXPECT(r, 200, "0");
    const json_t *d = data_of(&r);
    assert_int_equal(int_of(d, "status"), 1);
    assert_string_equal(E2E_STR(d, "country"), "CN");
    e2e_resp_free(&r);

    char other[96];
    e2e_email(other, "nobody");
    r = e2e_callj(s, R_STATUS, json_pack("{s:i,s:s}", "type", 1, "loginName", other), NULL);
    E2E_EXPECT(r, 200, "0");
    d = data_of(&r);
    assert_int_equal(int_of(d, "status"), 2);
    assert_true(json_is_null(json_object_get(d, "phoneArea")));
    assert_true(json_is_null(json_object_get(d, "country")));
    e2e_resp_free(&r);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, e2e_setup_server, e2e_teardown_server)
    const struct CMUnitTest tests[] = {
        T(switch__real_to_demo__paired_customer_with_demo_balances),
        T(switch__back_to_real_and_again__same_customers),
        T(register__twin_from_the_start__info_switch_and_back),
        T(switch__customer_without_twin__made_on_first_switch),
        T(pair_missing__old_customer_paired__others_untouched),
        cmocka_unit_test_setup_teardown(switch__company_without_twin__110,
                                        setup_with_no_twin_company, e2e_teardown_server),
        T(reset__real_token_111__demo_balances_restored),
        T(random_key__one_time_token__single_use_and_not_an_access_token),
        T(random_key__two_concurrent_exchanges__exactly_one_wins),
        T(random_key__access_token__exchanged_for_a_new_one),
        T(refresh__rotates__grace_for_old_token_and_repeat),
        T(refresh__unknown_rtoken__112),
        T(logout__all_devices__ends_every_session),
        T(logout__all_devices__ends_sessions_in_both_twins),
        T(logout__dead_unknown_or_missing_token__still_0_with_null_data),
        T(open_account__offered_pair__idempotent_account_list),
        T(open_account__not_offered_113__malformed_100),
        T(change_lang__known_tag_0__unknown_100),
        T(check_status__registered_1__unknown_2),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
