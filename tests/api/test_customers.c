/* tests/api/test_customers.c — registration and lookup rules around the customer record:
 * manual review (C3), one phone number under two areas (C4), the customer's language for
 * its codes (C15), and register's trade-type list (C3). */
#include "support/test_app.h"

#include <string.h>

#include "domain/company.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/config.h"

static json_t *register_phone(struct test_app *app, const char *area, const char *phone)
{
    char to[40], code[7];
    snprintf(to, sizeof to, "%s %s", area, phone);
    const char *tok = TA_SEND_CODE(app, NULL, "SMS_REGISTER_VERIFICATION_CODE", to);
    char rcpt[40];
    snprintf(rcpt, sizeof rcpt, "+%s %s", area[0] == '+' ? area + 1 : area, phone);
    TA_CODE(app, rcpt, code);
    return ta_post(app, TA_R_REGISTER, NULL, "{s:i,s:s,s:s,s:s,s:s,s:s,s:i,s:s}", "type", 2,
                   "loginName", phone, "phoneArea", area, "country", "CN", "verifyCode", code,
                   "sendToken", tok, "registerSource", 4, "pwd", TA_PWD);
}

static void register__company_reviews__pending_with_customer_no_and_no_login(void **state)
{
    struct test_app *app = *state;
    struct company co;
    assert_int_equal(STORE(app->st, company_get, 1, &co), TA_OK);
    co.manual_review = true;
    assert_int_equal(STORE(app->st, company_update, &co), TA_OK);
    clock_fake_advance(COMPANY_CACHE_MS);

    const char *email = "review@example.com";
    char code[7];
    const char *tok = TA_SEND_CODE(app, NULL, "EMAIL_REGISTER_VERIFICATION_CODE", email);
    TA_CODE(app, email, code);
    json_t *env = ta_post(app, TA_R_REGISTER, NULL, "{s:i,s:s,s:s,s:s,s:s,s:i,s:s}", "type", 1,
                          "loginName", email, "country", "CN", "verifyCode", code, "sendToken", tok,
                          "registerSource", 2, "pwd", TA_PWD);
    TA_EXPECT(env, "CUSTOMER_API_00010001");
    const json_t *data = ta_data(env);
    assert_int_equal(json_object_size(data), 1);
    assert_string_equal(TA_STR(data, "customerNo"), "86000001");
    /* Pending: the right password does not sign in until an operator enables it. */
    TA_EXPECT(ta_login_email(app, NULL, email, TA_PWD, NULL), "CUSTOMER_API_00010001");
    assert_int_equal(ta_sql_int(app, "SELECT count(*) FROM sessions", NULL), 0);
}

static void login__phone_under_two_areas__needs_the_area(void **state)
{
    struct test_app *app = *state;
    TA_EXPECT(register_phone(app, "86", "13800001234"), "0");
    TA_EXPECT(register_phone(app, "852", "13800001234"), "0");
    TA_EXPECT(register_phone(app, "1", "4155550100"), "0");

    json_t *env = ta_post(app, TA_R_LOGIN, NULL, "{s:i,s:s,s:i,s:s}", "type", 2, "loginName",
                          "13800001234", "device", 4, "loginPwd", TA_PWD);
    TA_EXPECT_PARAMS(env, "CUSTOMER_API_0000100", "phoneArea");
    env = ta_post(app, TA_R_LOGIN, NULL, "{s:i,s:s,s:s,s:i,s:s}", "type", 2, "loginName",
                  "13800001234", "phoneArea", "00852", "device", 4, "loginPwd", TA_PWD);
    TA_EXPECT(env, "0");
    assert_string_equal(TA_STR(ta_data(env), "phoneArea"), "+852");
    /* A number only one area has: no area needed. */
    env = ta_post(app, TA_R_LOGIN, NULL, "{s:i,s:s,s:i,s:s}", "type", 2, "loginName", "4155550100",
                  "device", 4, "loginPwd", TA_PWD);
    TA_EXPECT(env, "0");
    assert_string_equal(TA_STR(ta_data(env), "phone"), "415******0100");
}

static const char *outbox_lang(struct test_app *app, const char *to)
{
    static char lang[16];
    int64_t n = ta_sql_int(app,
                           "SELECT CASE lang WHEN 'zh-CN' THEN 1 WHEN 'zh-HK' THEN 2 ELSE 0 END "
                           "FROM outbox WHERE to_addr = ?1 ORDER BY id DESC LIMIT 1",
                           to);
    snprintf(lang, sizeof lang, "%s", n == 1 ? "zh-CN" : n == 2 ? "zh-HK" : "en-US");
    return lang;
}

static void change_lang__later_codes_for_the_customer_use_it(void **state)
{
    struct test_app *app = *state;
    const json_t *reg = TA_REGISTER_EMAIL(app, NULL, "lang@example.com", TA_PWD);
    struct ta_hdr h = ta_with_token(TA_STR(reg, "token"));
    TA_EXPECT(ta_post(app, "/global/" TA_CWS "changeLang", &h, "{s:s}", "newLang", "zh-hk"), "0");
    assert_int_equal(ta_sql_int(app, "SELECT count(*) FROM customers WHERE lang = 'zh-HK'", NULL),
                     1);
    /* A guest LOGIN code, asked in English, goes out in the customer's language. */
    clock_fake_advance(61 * TA_SECOND);
    struct ta_hdr en = {.lang = "en-US"};
    TA_SEND_CODE(app, &en, "EMAIL_LOGIN_VERIFICATION_CODE", "lang@example.com");
    assert_string_equal(outbox_lang(app, "lang@example.com"), "zh-HK");
    /* A new address, asked in zh-CN, uses the request's language. */
    struct ta_hdr zh = {.lang = "zh-CN"};
    TA_SEND_CODE(app, &zh, "EMAIL_REGISTER_VERIFICATION_CODE", "other@example.com");
    assert_string_equal(outbox_lang(app, "other@example.com"), "zh-CN");
}

static void register__trade_type_list__opens_exactly_those(void **state)
{
    struct test_app *app = *state;
    const char *email = "pairs@example.com";
    char code[7];
    const char *tok = TA_SEND_CODE(app, NULL, "EMAIL_REGISTER_VERIFICATION_CODE", email);
    TA_CODE(app, email, code);
    json_t *env = ta_post(app, TA_R_REGISTER, NULL, "{s:i,s:s,s:s,s:s,s:s,s:s,s:[{s:s,s:[s]}]}",
                          "type", 1, "loginName", email, "country", "CN", "verifyCode", code,
                          "sendToken", tok, "registerSource", "1", "tradeTypeCurrencyList",
                          "tradeType", "5", "allCurrency", "BTC");
    TA_EXPECT(env, "0");
    /* In the real company, and the same pair for the demo twin made with it. */
    for (int co = 1; co <= 2; co++) {
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM accounts WHERE company_id = %d", co);
        assert_int_equal(ta_sql_int(app, sql, NULL), 1);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM accounts WHERE company_id = %d AND currency = 'BTC'", co);
        assert_int_equal(ta_sql_int(app, sql, NULL), 1);
    }
}

static void ttl_ten_minutes(struct config *cfg)
{
    cfg->code_ttl_s = 600;
}

static void code_text__says_the_configured_lifetime(void **state)
{
    (void)state;
    struct test_app *app = test_app_new(ttl_ten_minutes);
    TA_SEND_CODE(app, NULL, "EMAIL_REGISTER_VERIFICATION_CODE", "ttl@example.com");
    assert_int_equal(ta_sql_int(app,
                                "SELECT instr(text, 'It expires in 10 minutes.') > 0 FROM outbox "
                                "WHERE to_addr = ?1",
                                "ttl@example.com"),
                     1);
    test_app_free(app);
}

static void check_customer_exist__other_holder_1_self_or_nobody_0__rate_limited(void **state)
{
    struct test_app *app = *state;
    const json_t *a = TA_REGISTER_EMAIL(app, NULL, "holder-a@example.com", TA_PWD);
    TA_REGISTER_EMAIL(app, NULL, "holder-b@example.com", TA_PWD);
    struct ta_hdr h = ta_with_token(TA_STR(a, "token"));
    const char *route = "/global/" TA_CWS "checkCustomerExist";

    json_t *env =
        ta_post(app, route, &h, "{s:i,s:s}", "type", 1, "loginName", "Holder-B@example.com");
    TA_EXPECT(env, "0");
    assert_int_equal(json_integer_value(ta_data(env)), 1);
    env = ta_post(app, route, &h, "{s:i,s:s}", "type", 1, "loginName", "holder-a@example.com");
    TA_EXPECT(env, "0");
    assert_int_equal(json_integer_value(ta_data(env)), 0); /* the caller's own address */
    env = ta_post(app, route, &h, "{s:i,s:s}", "type", 1, "loginName", "nobody@example.com");
    TA_EXPECT(env, "0");
    assert_true(json_is_integer(ta_data(env)));
    assert_int_equal(json_integer_value(ta_data(env)), 0);
    TA_EXPECT_PARAMS(ta_post(app, route, &h, "{s:i,s:s}", "type", 1, "loginName", "not-an-email"),
                     "CUSTOMER_API_0000100", "loginName");
    /* 30 lookups a minute per address, shared with checkStatus and the two REGISTER sends
     * above (issue 13): 25 more are fine. */
    for (int i = 0; i < 25; i++)
        TA_EXPECT(ta_post(app, route, &h, "{s:i,s:s}", "type", 1, "loginName", "x@example.com"),
                  "0");
    TA_EXPECT_PARAMS(ta_post(app, route, &h, "{s:i,s:s}", "type", 1, "loginName", "x@example.com"),
                     "GATEWAY_CODE_004", "60");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            register__company_reviews__pending_with_customer_no_and_no_login, test_app_setup,
            test_app_teardown),
        cmocka_unit_test_setup_teardown(login__phone_under_two_areas__needs_the_area,
                                        test_app_setup, test_app_teardown),
        cmocka_unit_test_setup_teardown(change_lang__later_codes_for_the_customer_use_it,
                                        test_app_setup, test_app_teardown),
        cmocka_unit_test_setup_teardown(register__trade_type_list__opens_exactly_those,
                                        test_app_setup, test_app_teardown),
        cmocka_unit_test(code_text__says_the_configured_lifetime),
        cmocka_unit_test_setup_teardown(
            check_customer_exist__other_holder_1_self_or_nobody_0__rate_limited, test_app_setup,
            test_app_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
