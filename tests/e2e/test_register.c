/* tests/e2e/test_register.c — register over real HTTP (contract C3, A7 masking): the token
 * it hands out works at once, the payload describes the new customer, and every refusal
 * (105, 113, 114, field errors) leaves the code usable. */
#include "support/e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One server for the whole file (e2e_group_setup / e2e_group_teardown). */
#define srv e2e_group_server

/* A REGISTER email code for email: the sendToken and the code. */
static void email_code(const char *email, char send_token[100], char code[7])
{
    E2E_SEND_CODE(srv, "EMAIL_REGISTER_VERIFICATION_CODE", email, NULL, send_token);
    E2E_WAIT_CODE(srv, email, code);
}

/* A register body by email; the caller may add or replace fields. */
static json_t *email_body(const char *email, const char *send_token, const char *code)
{
    return json_pack("{s:i,s:s,s:s,s:s,s:s,s:i,s:s}", "type", 1, "loginName", email, "country",
                     "CN", "verifyCode", code, "sendToken", send_token, "registerSource", 1, "pwd",
                     E2E_PWD);
}

static struct e2e_resp info(const char *token)
{
    struct e2e_opts o = {.token = token};
    return e2e_call(srv, E2E_INFO, "{}", &o);
}

static const json_t *account(const json_t *data, const char *currency)
{
    const json_t *list = json_object_get(data, "accountList");
    size_t i;
    json_t *a;
    json_array_foreach(list, i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "currency")), currency) == 0)
            return a;
    }
    return NULL;
}

static void register__by_email__token_works_and_payload_describes_customer(void **state)
{
    (void)state;
    char email[96], tok[100], code[7];
    e2e_email(email, "alice");
    email_code(email, tok, code);
    struct e2e_resp r = e2e_callj(srv, E2E_REGISTER, email_body(email, tok, code), NULL);
    E2E_EXPECT(r, 200, "0");
    json_t *data = json_object_get(r.json, "data");
    E2E_CHECK_REGISTER(data);
    assert_string_equal(E2E_STR(data, "email"), "al**@example.com");
    assert_true(json_is_null(json_object_get(data, "phone")));
    assert_true(json_is_null(json_object_get(data, "phoneArea")));
    assert_string_equal(E2E_STR(data, "loginPassStatus"), "2");
    assert_string_equal(E2E_STR(data, "companyType"), "real");
    assert_int_equal(json_integer_value(json_object_get(data, "companyId")), 1);
    assert_int_equal(json_integer_value(json_object_get(data, "associationCompanyId")), 2);
    assert_string_equal(E2E_STR(data, "country"), "CN");
    assert_string_equal(E2E_STR(data, "source"), "H5");
    assert_string_equal(E2E_STR(data, "thirdServerCode"), "");
    assert_int_equal(json_integer_value(json_object_get(data, "openAccountType")), 0);
    assert_int_equal(json_integer_value(json_object_get(data, "companyKycStatus")), 2);
    char token[128], customer_no[64];
    snprintf(token, sizeof token, "%s", E2E_STR(data, "token"));
    snprintf(customer_no, sizeof customer_no, "%s", E2E_STR(data, "customerNo"));
    json_int_t id = json_integer_value(json_object_get(data, "id"));
    e2e_resp_free(&r);

    struct e2e_resp i = info(token);
    E2E_EXPECT(i, 200, "0");
    json_t *c = json_object_get(i.json, "data");
    E2E_CHECK_CUSTOMER(c, E2E_RTOKEN_NULL);
    assert_int_equal(json_integer_value(json_object_get(c, "id")), id);
    assert_string_equal(E2E_STR(c, "customerNo"), customer_no);
    assert_string_equal(E2E_STR(c, "token"), token);
    assert_string_equal(E2E_STR(c, "email"), "al**@example.com");
    assert_string_equal(E2E_STR(c, "loginPassStatus"), "2");
    assert_int_equal(json_integer_value(json_object_get(c, "registerSource")), 1);
    assert_int_equal(json_integer_value(json_object_get(c, "kycAuditStatus")), 2);
    assert_int_equal(json_array_size(json_object_get(c, "accountList")), 2);
    const json_t *usdt = account(c, "USDT"), *btc = account(c, "BTC");
    assert_non_null(usdt);
    assert_non_null(btc);
    assert_int_equal(json_integer_value(json_object_get(usdt, "digits")), 4);
    assert_int_equal(json_integer_value(json_object_get(usdt, "tradeType")), 5);
    assert_string_equal(E2E_STR(usdt, "balance"), "0.0000");
    assert_string_equal(E2E_STR(usdt, "available"), "0.0000");
    assert_int_equal(json_integer_value(json_object_get(btc, "digits")), 8);
    assert_int_equal(json_integer_value(json_object_get(btc, "tradeType")), 5);
    assert_string_equal(E2E_STR(btc, "balance"), "0.00000000");
    assert_string_equal(E2E_STR(btc, "netAssets"), "0.00000000");
    e2e_resp_free(&i);
}

static void register__by_phone_area_86__stored_as_plus86_and_masked(void **state)
{
    (void)state;
    char phone[16];
    e2e_phone(phone);
    json_t *data = E2E_REGISTER_PHONE(srv, "86", phone, E2E_PWD);
    E2E_CHECK_REGISTER(data);
    assert_string_equal(E2E_STR(data, "phoneArea"), "+86");
    char masked[32];
    snprintf(masked, sizeof masked, "%.3s******%s", phone, phone + strlen(phone) - 4);
    assert_string_equal(masked, "138******5678");
    assert_string_equal(E2E_STR(data, "phone"), "138******5678");
    assert_true(json_is_null(json_object_get(data, "email")));
    char token[128];
    snprintf(token, sizeof token, "%s", E2E_STR(data, "token"));
    json_decref(data);

    struct e2e_resp i = info(token);
    E2E_EXPECT(i, 200, "0");
    json_t *c = json_object_get(i.json, "data");
    E2E_CHECK_CUSTOMER(c, E2E_RTOKEN_NULL);
    assert_string_equal(E2E_STR(c, "phoneArea"), "+86");
    assert_string_equal(E2E_STR(c, "phone"), "138******5678");
    assert_true(json_is_null(json_object_get(c, "email")));
    e2e_resp_free(&i);
}

static void register__phone_area_spellings__are_one_number(void **state)
{
    (void)state;
    char phone[16], to[64], tok[100];
    e2e_phone(phone);
    json_t *data = E2E_REGISTER_PHONE(srv, "0086", phone, NULL);
    assert_string_equal(E2E_STR(data, "phoneArea"), "+86");
    json_decref(data);
    static const char *const spellings[] = {"+86 %s", "86 %s", "0086 %s", "%s"};
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
        snprintf(to, sizeof to, spellings[i], phone);
        struct e2e_resp r = e2e_callj(
            srv, E2E_SEND,
            json_pack("{s:s,s:s}", "bizType", "SMS_REGISTER_VERIFICATION_CODE", "toUser", to),
            NULL);
        E2E_EXPECT(r, 200, "CUSTOMER_API_0000105");
        e2e_resp_free(&r);
    }
    /* The same number in another area is another phone. */
    snprintf(to, sizeof to, "852 %s", phone);
    E2E_SEND_CODE(srv, "SMS_REGISTER_VERIFICATION_CODE", to, NULL, tok);
}

static void register__without_password__login_pass_status_1(void **state)
{
    (void)state;
    char email[96];
    e2e_email(email, "nopw");
    json_t *data = E2E_REGISTER_EMAIL(srv, email, NULL);
    assert_string_equal(E2E_STR(data, "loginPassStatus"), "1");
    char token[128];
    snprintf(token, sizeof token, "%s", E2E_STR(data, "token"));
    json_decref(data);
    struct e2e_resp i = info(token);
    E2E_EXPECT(i, 200, "0");
    assert_string_equal(E2E_STR(json_object_get(i.json, "data"), "loginPassStatus"), "1");
    e2e_resp_free(&i);
    /* No password: a password login fails like a wrong one. */
    struct e2e_resp l = e2e_login(srv, 1, email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(l, 200, "CUSTOMER_API_0000102");
    e2e_resp_free(&l);
}

static void register__twice__105(void **state)
{
    (void)state;
    char email[96], tok[100], code[7];
    e2e_email(email, "twice");
    email_code(email, tok, code);
    struct e2e_resp r = e2e_callj(srv, E2E_REGISTER, email_body(email, tok, code), NULL);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    struct e2e_resp again = e2e_callj(srv, E2E_REGISTER, email_body(email, tok, code), NULL);
    E2E_EXPECT(again, 200, "CUSTOMER_API_0000105");
    e2e_resp_free(&again);
    /* Emails compare case-insensitively. */
    char upper[96];
    snprintf(upper, sizeof upper, "%s", email);
    upper[0] = 'T';
    upper[1] = 'W';
    struct e2e_resp up = e2e_callj(srv, E2E_REGISTER, email_body(upper, tok, code), NULL);
    E2E_EXPECT(up, 200, "CUSTOMER_API_0000105");
    e2e_resp_free(&up);
}

static void register__code_send_to_a_registered_email__105(void **state)
{
    (void)state;
    char email[96];
    e2e_email(email, "taken");
    json_t *data = E2E_REGISTER_EMAIL(srv, email, E2E_PWD);
    json_decref(data);
    char upper[96];
    snprintf(upper, sizeof upper, "%s", email);
    for (char *p = upper; *p != '\0'; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    static const char *const bizs[] = {"EMAIL_REGISTER_VERIFICATION_CODE"};
    const char *tos[] = {email, upper};
    for (size_t i = 0; i < 2; i++) {
        struct e2e_resp r = e2e_callj(
            srv, E2E_SEND, json_pack("{s:s,s:s}", "bizType", bizs[0], "toUser", tos[i]), NULL);
        E2E_EXPECT(r, 200, "CUSTOMER_API_0000105");
        e2e_resp_free(&r);
    }
    /* Nothing was delivered for the refused sends. */
    assert_int_equal(e2e_delivery_count(srv, email), 1);
}

static void register__trade_pair_not_offered__113_and_code_stays_usable(void **state)
{
    (void)state;
    char email[96], tok[100], code[7];
    e2e_email(email, "pairs");
    email_code(email, tok, code);
    json_t *body = email_body(email, tok, code);
    json_object_set_new(body, "tradeTypeCurrencyList",
                        json_pack("[{s:s,s:s}]", "tradeType", "5", "allCurrency", "ETH"));
    struct e2e_resp r = e2e_callj(srv, E2E_REGISTER, body, NULL);
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000113", "5:ETH");
    e2e_resp_free(&r);
    /* The first pair that is not offered is named. */
    body = email_body(email, tok, code);
    json_object_set_new(body, "tradeTypeCurrencyList",
                        json_pack("[{s:s,s:s},{s:i,s:[s]}]", "tradeType", "5", "allCurrency",
                                  "USDT,BTC", "tradeType", 1, "allCurrency", "USDT"));
    r = e2e_callj(srv, E2E_REGISTER, body, NULL);
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000113", "1:USDT");
    e2e_resp_free(&r);
    /* Nothing changed: the code still registers, with only the pair asked for. */
    body = email_body(email, tok, code);
    json_object_set_new(body, "tradeTypeCurrencyList",
                        json_pack("[{s:s,s:[s]}]", "tradeType", "5", "allCurrency", "BTC"));
    r = e2e_callj(srv, E2E_REGISTER, body, NULL);
    E2E_EXPECT(r, 200, "0");
    char token[128];
    snprintf(token, sizeof token, "%s", E2E_STR(json_object_get(r.json, "data"), "token"));
    e2e_resp_free(&r);
    struct e2e_resp i = info(token);
    E2E_EXPECT(i, 200, "0");
    json_t *c = json_object_get(i.json, "data");
    E2E_CHECK_CUSTOMER(c, E2E_RTOKEN_NULL);
    assert_int_equal(json_array_size(json_object_get(c, "accountList")), 1);
    assert_non_null(account(c, "BTC"));
    e2e_resp_free(&i);
}

static void register__on_the_demo_company__114(void **state)
{
    (void)state;
    char email[96], tok[100], code[7];
    e2e_email(email, "demo");
    email_code(email, tok, code);
    struct e2e_opts demo = {.company = "2"};
    struct e2e_resp r = e2e_callj(srv, E2E_REGISTER, email_body(email, tok, code), &demo);
    E2E_EXPECT(r, 200, "CUSTOMER_API_0000114");
    e2e_resp_free(&r);
    /* The real company still takes the code. */
    struct e2e_resp ok = e2e_callj(srv, E2E_REGISTER, email_body(email, tok, code), NULL);
    E2E_EXPECT(ok, 200, "0");
    e2e_resp_free(&ok);
}

static void register__bad_fields__100_naming_the_field(void **state)
{
    (void)state;
    char email[96], tok[100], code[7];
    e2e_email(email, "fields");
    email_code(email, tok, code);
    struct {
        const char *field;
        json_t *value; /* NULL: remove the field */
        const char *named;
    } cases[] = {
        {"type", json_string("x"), "type"},
        {"type", json_real(1.5), "type"},
        {"type", json_integer(3), "type"},
        {"type", json_string("1a"), "type"},
        {"type", json_object(), "type"},
        {"type", NULL, "type"},
        {"loginName", NULL, "loginName"},
        {"loginName", json_string("not-an-email"), "loginName"},
        {"loginName", json_integer(5), "loginName"},
        {"country", NULL, "country"},
        {"country", json_string(""), "country"},
        {"verifyCode", json_string("12a456"), "verifyCode"},
        {"verifyCode", json_string("12345"), "verifyCode"},
        {"verifyCode", json_null(), "verifyCode"},
        {"sendToken", NULL, "sendToken"},
        {"registerSource", json_integer(10), "registerSource"},
        {"registerSource", json_integer(0), "registerSource"},
        {"registerSource", NULL, "registerSource"},
        {"pwd", json_string("123456"), "pwd"},
        {"pwd", json_string("zz0adc3949ba59abbe56e057f20f883e"), "pwd"},
        {"openAccountType", json_integer(2), "openAccountType"},
        {"customerGroupId", json_integer(999), "customerGroupId"},
        {"customerGroupId", json_string("1x"), "customerGroupId"},
        {"tradeTypeCurrencyList", json_string("5:USDT"), "tradeTypeCurrencyList"},
        {"tradeTypeCurrencyList", json_array(), "tradeTypeCurrencyList"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *body = email_body(email, tok, code);
        if (cases[i].value == NULL)
            json_object_del(body, cases[i].field);
        else
            json_object_set_new(body, cases[i].field, cases[i].value);
        struct e2e_resp r = e2e_callj(srv, E2E_REGISTER, body, NULL);
        E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000100", cases[i].named);
        e2e_resp_free(&r);
    }
    /* Field errors spend no attempt: the code still registers. Integers may be digit
     * strings; registerSource 4 is Android. */
    json_t *body = email_body(email, tok, code);
    json_object_set_new(body, "type", json_string("1"));
    json_object_set_new(body, "registerSource", json_string("4"));
    json_object_set_new(body, "customerGroupId", json_string("1"));
    json_object_set_new(body, "openAccountType", json_integer(1));
    json_object_set_new(body, "phoneArea", json_string("")); /* "" means absent */
    struct e2e_resp r = e2e_callj(srv, E2E_REGISTER, body, NULL);
    E2E_EXPECT(r, 200, "0");
    json_t *data = json_object_get(r.json, "data");
    E2E_CHECK_REGISTER(data);
    assert_string_equal(E2E_STR(data, "source"), "Android");
    assert_int_equal(json_integer_value(json_object_get(data, "openAccountType")), 1);
    assert_int_equal(json_integer_value(json_object_get(data, "customerGroupId")), 1);
    e2e_resp_free(&r);
}

static void register__code_for_another_recipient__202(void **state)
{
    (void)state;
    char a[96], b[96], tok[100], code[7];
    e2e_email(a, "codeA");
    e2e_email(b, "codeB");
    email_code(a, tok, code);
    struct e2e_resp r = e2e_callj(srv, E2E_REGISTER, email_body(b, tok, code), NULL);
    E2E_EXPECT(r, 200, "MESSAGE_API_0000202");
    e2e_resp_free(&r);
    struct e2e_resp ok = e2e_callj(srv, E2E_REGISTER, email_body(a, tok, code), NULL);
    E2E_EXPECT(ok, 200, "0");
    e2e_resp_free(&ok);
}

static void register__recipient_spelling_may_differ_from_the_code_request(void **state)
{
    (void)state;
    /* Email: any case. */
    char email[96], upper[96], tok[100], code[7];
    e2e_email(email, "spell");
    snprintf(upper, sizeof upper, "%s", email);
    upper[0] = 'S';
    upper[1] = 'P';
    E2E_SEND_CODE(srv, "EMAIL_REGISTER_VERIFICATION_CODE", upper, NULL, tok);
    E2E_WAIT_CODE(srv, email, code);
    struct e2e_resp r = e2e_callj(srv, E2E_REGISTER, email_body(email, tok, code), NULL);
    E2E_EXPECT(r, 200, "0");
    assert_string_equal(E2E_STR(json_object_get(r.json, "data"), "email"), "sp**@example.com");
    e2e_resp_free(&r);

    /* Phone: a bare toUser and no phoneArea both mean +86. */
    char phone[16], rcpt[40];
    e2e_phone(phone);
    E2E_SEND_CODE(srv, "SMS_REGISTER_VERIFICATION_CODE", phone, NULL, tok);
    snprintf(rcpt, sizeof rcpt, "+86 %s", phone);
    E2E_WAIT_CODE(srv, rcpt, code);
    struct e2e_resp p =
        e2e_callj(srv, E2E_REGISTER,
                  json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "type", "2", "loginName", phone, "country",
                            "HK", "verifyCode", code, "sendToken", tok, "registerSource", "2"),
                  NULL);
    E2E_EXPECT(p, 200, "0");
    json_t *data = json_object_get(p.json, "data");
    E2E_CHECK_REGISTER(data);
    assert_string_equal(E2E_STR(data, "phoneArea"), "+86");
    assert_string_equal(E2E_STR(data, "phone"), "138******5678");
    assert_string_equal(E2E_STR(data, "source"), "PC_Web");
    assert_string_equal(E2E_STR(data, "country"), "HK");
    e2e_resp_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(register__by_email__token_works_and_payload_describes_customer),
        cmocka_unit_test(register__by_phone_area_86__stored_as_plus86_and_masked),
        cmocka_unit_test(register__phone_area_spellings__are_one_number),
        cmocka_unit_test(register__without_password__login_pass_status_1),
        cmocka_unit_test(register__twice__105),
        cmocka_unit_test(register__code_send_to_a_registered_email__105),
        cmocka_unit_test(register__trade_pair_not_offered__113_and_code_stays_usable),
        cmocka_unit_test(register__on_the_demo_company__114),
        cmocka_unit_test(register__bad_fields__100_naming_the_field),
        cmocka_unit_test(register__code_for_another_recipient__202),
        cmocka_unit_test(register__recipient_spelling_may_differ_from_the_code_request),
    };
    return cmocka_run_group_tests(tests, e2e_group_setup, e2e_group_teardown);
}
