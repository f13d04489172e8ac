/* tests/e2e/test_session.c — the token routes and the session family over real HTTP
 * (contract A5, C5, C6, C7): findCustomerInfo with missing, unknown and foreign tokens,
 * logout with live and dead tokens, refresh rotation. A second company is added with the
 * CLI before the server starts, so a token can be presented to the wrong company. */
#include "support/e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct e2e_server *srv;
static char other_company[24]; /* the id the CLI gave the second real company */

static int group_setup(void **state)
{
    (void)state;
    char out[4096];
    srv = e2e_server_new();
    int rc = e2e_cli(srv, out, sizeof out, E2E_ARGS("company", "add", "--name", "Other"));
    if (rc != 0)
        fail_msg("company add exited %d: %s", rc, out);
    long id = 0;
    const char *p = strstr(out, "added company ");
    if (p == NULL || (id = strtol(p + strlen("added company "), NULL, 10)) <= 2)
        fail_msg("cannot read the new company id from: %s", out);
    snprintf(other_company, sizeof other_company, "%ld", id);
    e2e_server_start(srv, NULL);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    e2e_server_stop(srv);
    e2e_server_free(srv);
    srv = NULL;
    return 0;
}

/* A fresh customer: its access and refresh tokens. */
static void fresh_session(char token[128], char rtoken[128])
{
    char email[96];
    e2e_email(email, "sess");
    json_t *data = E2E_REGISTER_EMAIL(srv, email, E2E_PWD);
    snprintf(token, 128, "%s", E2E_STR(data, "token"));
    if (rtoken != NULL)
        snprintf(rtoken, 128, "%s", E2E_STR(data, "rToken"));
    json_decref(data);
}

static struct e2e_resp info(const char *token, const char *company)
{
    struct e2e_opts o = {.token = token, .company = company};
    return e2e_call(srv, E2E_INFO, "{}", &o);
}

static void expect_info_code(const char *token, const char *company, const char *code)
{
    struct e2e_resp r = info(token, company);
    E2E_EXPECT(r, 200, code);
    e2e_resp_free(&r);
}

static void info__missing_empty_null_or_unknown_token__001(void **state)
{
    (void)state;
    expect_info_code(NULL, NULL, "GATEWAY_CODE_001");
    expect_info_code("", NULL, "GATEWAY_CODE_001");
    expect_info_code("null", NULL, "GATEWAY_CODE_001");
    expect_info_code("a541f9d5-2507-42b3-b790-59e1f755c380app", NULL, "GATEWAY_CODE_001");
    expect_info_code("Bearer a541f9d5-2507-42b3-b790-59e1f755c380app", NULL, "GATEWAY_CODE_001");
    /* A refresh token is not an access token. */
    char token[128], rtoken[128];
    fresh_session(token, rtoken);
    expect_info_code(rtoken, NULL, "GATEWAY_CODE_001");
    /* The company check comes before the token check. */
    expect_info_code(token, "999", "GATEWAY_CODE_002");
}

static void info__token_with_another_companys_id__001(void **state)
{
    (void)state;
    char token[128];
    fresh_session(token, NULL);
    expect_info_code(token, other_company, "GATEWAY_CODE_001");
    expect_info_code(token, "2", "GATEWAY_CODE_001"); /* not even the demo twin */
    /* The token itself is still good for its own company. */
    expect_info_code(token, "1", "0");
}

static void info__live_token__payload_with_presented_token_and_null_rtoken(void **state)
{
    (void)state;
    char token[128];
    fresh_session(token, NULL);
    struct e2e_resp r = info(token, NULL);
    E2E_EXPECT(r, 200, "0");
    json_t *data = json_object_get(r.json, "data");
    E2E_CHECK_CUSTOMER(data, E2E_RTOKEN_NULL);
    assert_string_equal(E2E_STR(data, "token"), token);
    assert_int_equal(json_integer_value(json_object_get(data, "companyId")), 1);
    assert_string_equal(E2E_STR(data, "companyType"), "real");
    assert_int_equal(json_integer_value(json_object_get(data, "associationCompanyId")), 2);
    /* The demo twin exists from registration on (C9): same customerNo in company 2. */
    json_int_t rel = json_integer_value(json_object_get(data, "relationCustomerId"));
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT id FROM customers WHERE company_id = 2 AND customer_no = '%s'",
             E2E_STR(data, "customerNo"));
    assert_true(rel > 0);
    assert_int_equal(rel, e2e_sql_int(srv, sql));
    assert_int_equal(json_integer_value(json_object_get(data, "googleId")), -1);
    e2e_resp_free(&r);
}

static void info__kyc_remarks__follow_the_request_language(void **state)
{
    (void)state;
    char token[128];
    fresh_session(token, NULL);
    static const char *const langs[] = {"en-US", "zh-CN", "zh-HK"};
    char audit[3][256], remark[3][256];
    for (size_t i = 0; i < 3; i++) {
        struct e2e_opts o = {.token = token, .lang = langs[i]};
        struct e2e_resp r = e2e_call(srv, E2E_INFO, "{}", &o);
        E2E_EXPECT(r, 200, "0");
        json_t *data = json_object_get(r.json, "data");
        snprintf(audit[i], sizeof audit[i], "%s", E2E_STR(data, "kycAuditRemark"));
        snprintf(remark[i], sizeof remark[i], "%s", E2E_STR(data, "kycRemark"));
        assert_true(audit[i][0] != '\0');
        assert_true(remark[i][0] != '\0');
        e2e_resp_free(&r);
    }
    for (size_t i = 0; i < 3; i++) {
        for (size_t k = i + 1; k < 3; k++) {
            assert_string_not_equal(audit[i], audit[k]);
            assert_string_not_equal(remark[i], remark[k]);
        }
    }
}

static void info__token_format__uuid_v4_app_and_64_hex_rtoken(void **state)
{
    (void)state;
    char token[128], rtoken[128];
    fresh_session(token, rtoken);
    /* xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx + "app": the UUID part is checked with the
     * generated-trace parser, given a current ms suffix. */
    assert_int_equal(strlen(token), 39);
    assert_string_equal(token + 36, "app");
    char probe[160];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(probe, sizeof probe, "x-%.36s-%lld", token,
             (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    assert_true(e2e_generated_trace(probe));
    assert_int_equal(strlen(rtoken), 64);
    assert_int_equal(strspn(rtoken, "0123456789abcdef"), 64);
}

static void logout__dead_missing_or_junk_token__still_0_with_null_data(void **state)
{
    (void)state;
    static const char *const tokens[] = {NULL, "", "null", "junk",
                                         "a541f9d5-2507-42b3-b790-59e1f755c380app"};
    for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
        struct e2e_opts o = {.token = tokens[i]};
        struct e2e_resp r = e2e_call(srv, E2E_LOGOUT, "{}", &o);
        E2E_EXPECT(r, 200, "0");
        assert_true(json_is_null(json_object_get(r.json, "data")));
        e2e_resp_free(&r);
    }
    /* A malformed allDevices does not stop a client from getting out. */
    struct e2e_opts o = {.token = "junk"};
    struct e2e_resp r = e2e_call(srv, E2E_LOGOUT, "{\"allDevices\":\"yes\"}", &o);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
}

static void logout__then_the_token__001_and_logout_again_still_0(void **state)
{
    (void)state;
    char token[128];
    fresh_session(token, NULL);
    expect_info_code(token, NULL, "0");
    struct e2e_opts o = {.token = token};
    struct e2e_resp r = e2e_call(srv, E2E_LOGOUT, "{}", &o);
    E2E_EXPECT(r, 200, "0");
    assert_true(json_is_null(json_object_get(r.json, "data")));
    e2e_resp_free(&r);
    expect_info_code(token, NULL, "GATEWAY_CODE_001");
    struct e2e_resp again = e2e_call(srv, E2E_LOGOUT, "{}", &o);
    E2E_EXPECT(again, 200, "0");
    assert_true(json_is_null(json_object_get(again.json, "data")));
    e2e_resp_free(&again);
}

static void logout__one_session__leaves_the_others(void **state)
{
    (void)state;
    char email[96];
    e2e_email(email, "multi");
    json_t *reg = E2E_REGISTER_EMAIL(srv, email, E2E_PWD);
    char first[128];
    snprintf(first, sizeof first, "%s", E2E_STR(reg, "token"));
    json_decref(reg);
    struct e2e_resp l = e2e_login(srv, 1, email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(l, 200, "0");
    char second[128];
    snprintf(second, sizeof second, "%s", E2E_STR(json_object_get(l.json, "data"), "token"));
    e2e_resp_free(&l);
    assert_string_not_equal(first, second);

    struct e2e_opts o = {.token = first};
    struct e2e_resp r = e2e_call(srv, E2E_LOGOUT, "{\"allDevices\":false}", &o);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    expect_info_code(first, NULL, "GATEWAY_CODE_001");
    expect_info_code(second, NULL, "0");
}

static void logout__all_devices__ends_every_session(void **state)
{
    (void)state;
    char email[96];
    e2e_email(email, "alldev");
    json_t *reg = E2E_REGISTER_EMAIL(srv, email, E2E_PWD);
    char first[128];
    snprintf(first, sizeof first, "%s", E2E_STR(reg, "token"));
    json_decref(reg);
    struct e2e_resp l = e2e_login(srv, 1, email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(l, 200, "0");
    char second[128];
    snprintf(second, sizeof second, "%s", E2E_STR(json_object_get(l.json, "data"), "token"));
    e2e_resp_free(&l);

    struct e2e_opts o = {.token = second};
    struct e2e_resp r = e2e_call(srv, E2E_LOGOUT, "{\"allDevices\":true}", &o);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    expect_info_code(first, NULL, "GATEWAY_CODE_001");
    expect_info_code(second, NULL, "GATEWAY_CODE_001");
}

static void guest_routes__ignore_stale_tokens(void **state)
{
    (void)state;
    char email[96], code[7];
    e2e_email(email, "stale");
    struct e2e_opts o = {.token = "a541f9d5-2507-42b3-b790-59e1f755c380app"};
    struct e2e_resp r = e2e_callj(
        srv, E2E_SEND,
        json_pack("{s:s,s:s}", "bizType", "EMAIL_REGISTER_VERIFICATION_CODE", "toUser", email), &o);
    E2E_EXPECT(r, 200, "0");
    char send_token[100];
    snprintf(send_token, sizeof send_token, "%s",
             E2E_STR(json_object_get(r.json, "data"), "token"));
    e2e_resp_free(&r);
    E2E_WAIT_CODE(srv, email, code);

    struct e2e_opts null_tok = {.token = "null"};
    struct e2e_resp reg = e2e_callj(
        srv, E2E_REGISTER,
        json_pack("{s:i,s:s,s:s,s:s,s:s,s:i,s:s}", "type", 1, "loginName", email, "country", "CN",
                  "verifyCode", code, "sendToken", send_token, "registerSource", 2, "pwd", E2E_PWD),
        &null_tok);
    E2E_EXPECT(reg, 200, "0");
    e2e_resp_free(&reg);

    struct e2e_opts junk = {.token = "junk"};
    struct e2e_resp l = e2e_callj(srv, E2E_LOGIN,
                                  json_pack("{s:i,s:s,s:s,s:i}", "type", 1, "loginName", email,
                                            "loginPwd", E2E_PWD, "device", 1),
                                  &junk);
    E2E_EXPECT(l, 200, "0");
    e2e_resp_free(&l);
}

static void refresh__rotates_both_tokens(void **state)
{
    (void)state;
    char token[128], rtoken[128];
    fresh_session(token, rtoken);
    struct e2e_resp r = e2e_callj(srv, E2E_REFRESH, json_pack("{s:s}", "rToken", rtoken), NULL);
    E2E_EXPECT(r, 200, "0");
    json_t *data = json_object_get(r.json, "data");
    E2E_CHECK_CUSTOMER(data, E2E_RTOKEN_STRING);
    char token2[128], rtoken2[128];
    snprintf(token2, sizeof token2, "%s", E2E_STR(data, "token"));
    snprintf(rtoken2, sizeof rtoken2, "%s", E2E_STR(data, "rToken"));
    e2e_resp_free(&r);
    assert_string_not_equal(token, token2);
    assert_string_not_equal(rtoken, rtoken2);
    expect_info_code(token2, NULL, "0");
    expect_info_code(token, NULL, "0"); /* the old one keeps working for 30 s */
    /* The new refresh token rotates again. */
    struct e2e_resp r2 = e2e_callj(srv, E2E_REFRESH, json_pack("{s:s}", "rToken", rtoken2), NULL);
    E2E_EXPECT(r2, 200, "0");
    e2e_resp_free(&r2);
}

static void refresh__unknown_or_malformed_rtoken(void **state)
{
    (void)state;
    char unknown[65];
    memset(unknown, 'a', 64);
    unknown[64] = '\0';
    struct e2e_resp r = e2e_callj(srv, E2E_REFRESH, json_pack("{s:s}", "rToken", unknown), NULL);
    E2E_EXPECT(r, 200, "CUSTOMER_API_0000112");
    e2e_resp_free(&r);
    struct e2e_resp r2 = e2e_callj(srv, E2E_REFRESH, json_pack("{s:s}", "rToken", "abc"), NULL);
    E2E_EXPECT_PARAMS(r2, 200, "CUSTOMER_API_0000100", "rToken");
    e2e_resp_free(&r2);
    struct e2e_resp r3 = e2e_call(srv, E2E_REFRESH, "{}", NULL);
    E2E_EXPECT_PARAMS(r3, 200, "CUSTOMER_API_0000100", "rToken");
    e2e_resp_free(&r3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(info__missing_empty_null_or_unknown_token__001),
        cmocka_unit_test(info__token_with_another_companys_id__001),
        cmocka_unit_test(info__live_token__payload_with_presented_token_and_null_rtoken),
        cmocka_unit_test(info__kyc_remarks__follow_the_request_language),
        cmocka_unit_test(info__token_format__uuid_v4_app_and_64_hex_rtoken),
        cmocka_unit_test(logout__dead_missing_or_junk_token__still_0_with_null_data),
        cmocka_unit_test(logout__then_the_token__001_and_logout_again_still_0),
        cmocka_unit_test(logout__one_session__leaves_the_others),
        cmocka_unit_test(logout__all_devices__ends_every_session),
        cmocka_unit_test(guest_routes__ignore_stale_tokens),
        cmocka_unit_test(refresh__rotates_both_tokens),
        cmocka_unit_test(refresh__unknown_or_malformed_rtoken),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
