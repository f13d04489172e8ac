/* tests/e2e/test_security_fund.c — the fund password over HTTP (contract C23): bind, update,
 * its own failure counter and lock, forget by email and by phone with a LOGINED code
 * (step-up shape 4), the fund service's verify route, assertPassStatus and the hold, and
 * bad input answering its code with nothing changed. */
#include "support/security_flow.h"

#include <stdio.h>
#include <string.h>

#define R_VERIFY E2E_PREFIX "/auth/fund-password/verify"
#define PWD_A "0cc175b9c0f1b6a831c399e269772661" /* md5("a") */
#define PWD_B "92eb5ffee6ae2fec3ad71c777531578f" /* md5("b") */
#define PWD_C "4a8a08f09d37b73795649038408b5f33" /* md5("c") */

static void expect_code(struct e2e_resp r, const char *code)
{
    E2E_EXPECT(r, 200, code);
    e2e_resp_free(&r);
}

static void expect_field(struct e2e_resp r, const char *field)
{
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000100", field);
    e2e_resp_free(&r);
}

static const char *fund_status(const struct sec_cust *c)
{
    static char buf[8];
    json_t *d = sec_info(c);
    snprintf(buf, sizeof buf, "%s", json_string_value(json_object_get(d, "assertPassStatus")));
    json_decref(d);
    return buf;
}

static void bind_update_verify_lock(void **state)
{
    (void)state;
    struct sec_cust c;
    sec_register_email(&c, "fund");
    assert_string_equal(fund_status(&c), "1");
    expect_code(sec_call(&c, R_VERIFY, json_pack("{s:s}", "pwd", PWD_A)), "CUSTOMER_API_0000116");
    expect_code(sec_call(&c, SEC_R("updateAssertsPwd"),
                         json_pack("{s:s,s:s}", "oldPwd", PWD_A, "newPwd", PWD_B)),
                "CUSTOMER_API_0000116");
    expect_field(sec_call(&c, SEC_R("bindAssertsPwd"), json_pack("{s:s}", "pwd", "not-an-md5")),
                 "pwd");
    expect_field(sec_call(&c, SEC_R("bindAssertsPwd"), json_pack("{s:i}", "pwd", 12345)), "pwd");
    expect_field(sec_call(&c, SEC_R("bindAssertsPwd"), json_object()), "pwd");
    assert_string_equal(fund_status(&c), "1");

    expect_code(sec_call(&c, SEC_R("bindAssertsPwd"),
                         json_pack("{s:s,s:s}", "pwd", PWD_A, "googleCode", "")),
                "0");
    assert_string_equal(fund_status(&c), "2");
    expect_code(sec_call(&c, SEC_R("bindAssertsPwd"), json_pack("{s:s}", "pwd", PWD_B)),
                "CUSTOMER_API_0000116");
    expect_code(sec_call(&c, R_VERIFY, json_pack("{s:s}", "pwd", PWD_A)), "0");
    /* The login password is not the fund password. */
    struct e2e_resp r = sec_call(&c, R_VERIFY, json_pack("{s:s}", "pwd", E2E_PWD));
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000117", "4");
    e2e_resp_free(&r);
    /* A right one clears the count; then 5 wrong lock it for 15 minutes. */
    expect_code(sec_call(&c, R_VERIFY, json_pack("{s:s}", "pwd", PWD_A)), "0");
    const char *left[] = {"4", "3", "2", "1"};
    for (size_t i = 0; i < 4; i++) {
        r = sec_call(&c, SEC_R("updateAssertsPwd"),
                     json_pack("{s:s,s:s}", "oldPwd", PWD_C, "newPwd", PWD_B));
        E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000117", left[i]);
        e2e_resp_free(&r);
    }
    r = sec_call(&c, R_VERIFY, json_pack("{s:s}", "pwd", PWD_C));
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000118", "15");
    e2e_resp_free(&r);
    /* Locked: even the right one is refused, on both routes. */
    r = sec_call(&c, R_VERIFY, json_pack("{s:s}", "pwd", PWD_A));
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000118", "15");
    e2e_resp_free(&r);
    r = sec_call(&c, SEC_R("updateAssertsPwd"),
                 json_pack("{s:s,s:s}", "oldPwd", PWD_A, "newPwd", PWD_B));
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000118", "15");
    e2e_resp_free(&r);
    /* The login password has its own counter: sign-in still works. */
    r = e2e_login(sec_server, 1, c.email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);

    /* Forget by email: a LOGINED code of the named contact; clears the lock, starts the
     * hold. Bad input first. */
    char tok[100], code[7];
    sec_logined(&c, "EMAIL", tok, code);
    expect_field(sec_call(&c, SEC_R("forgetAssertsPwd"),
                          json_pack("{s:i,s:s,s:s,s:s,s:s}", "type", 3, "loginName", c.email,
                                    "verifyCode", code, "sendToken", tok, "newPwd", PWD_B)),
                 "type");
    expect_field(
        sec_call(&c, SEC_R("forgetAssertsPwd"),
                 json_pack("{s:i,s:s,s:s,s:s,s:s}", "type", 1, "loginName", "someone@example.com",
                           "verifyCode", code, "sendToken", tok, "newPwd", PWD_B)),
        "loginName");
    expect_field(sec_call(&c, SEC_R("forgetAssertsPwd"),
                          json_pack("{s:i,s:s,s:s,s:s,s:s,s:s}", "type", 1, "loginName", c.email,
                                    "verifyCode", code, "sendToken", tok, "newPwd", PWD_B,
                                    "verifyCodeToken", "abc")),
                 "verifyCodeToken");
    r = sec_call(&c, SEC_R("forgetAssertsPwd"),
                 json_pack("{s:i,s:s,s:s,s:s}", "type", 1, "loginName", c.email, "verifyCode", code,
                           "newPwd", PWD_B));
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000119", "sendToken");
    e2e_resp_free(&r);
    /* Shape 4 type 2 names a phone the customer does not have. */
    expect_field(
        sec_call(&c, SEC_R("forgetAssertsPwd"),
                 json_pack("{s:i,s:s,s:s,s:s,s:s}", "type", 2, "loginName", "+86 13800001111",
                           "verifyCode", code, "sendToken", tok, "newPwd", PWD_B)),
        "loginName");
    expect_code(sec_call(&c, SEC_R("forgetAssertsPwdV1v1v2"),
                         json_pack("{s:i,s:s,s:s,s:s,s:s,s:s}", "type", 1, "loginName", c.email,
                                   "verifyCode", code, "sendToken", tok, "newPwd", PWD_B,
                                   "verifyCodeToken", "")),
                "0");
    /* The proof is spent. */
    expect_code(sec_call(&c, SEC_R("forgetAssertsPwd"),
                         json_pack("{s:i,s:s,s:s,s:s,s:s}", "type", 1, "loginName", c.email,
                                   "verifyCode", code, "sendToken", tok, "newPwd", PWD_C)),
                "MESSAGE_API_0000202");
    expect_code(sec_call(&c, R_VERIFY, json_pack("{s:s}", "pwd", PWD_B)), "0");
    json_t *d = sec_info(&c);
    assert_string_equal(json_string_value(json_object_get(d, "securityHoldReason")),
                        "fund_password_reset");
    assert_true(json_is_integer(json_object_get(d, "securityHoldUntil")));
    json_decref(d);

    /* Update with the right old one. */
    expect_code(sec_call(&c, SEC_R("updateAssertsPwd"),
                         json_pack("{s:s,s:s}", "oldPwd", PWD_B, "newPwd", PWD_C)),
                "0");
    expect_code(sec_call(&c, R_VERIFY, json_pack("{s:s}", "pwd", PWD_C)), "0");
    /* The verify route wants the customer's own live token. */
    r = e2e_call(sec_server, R_VERIFY, "{\"pwd\":\"" PWD_C "\"}", NULL);
    E2E_EXPECT(r, 200, "GATEWAY_CODE_001");
    e2e_resp_free(&r);
}

static void forget_by_phone_with_mfa(void **state)
{
    (void)state;
    struct sec_cust c;
    sec_register_phone(&c);
    sec_mfa_on(&c);
    char g[7];
    struct e2e_resp r = sec_call(&c, SEC_R("bindAssertsPwd"), json_pack("{s:s}", "pwd", PWD_A));
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000119", "googleCode");
    e2e_resp_free(&r);
    sec_totp_next(&c, g);
    expect_code(sec_call(&c, SEC_R("bindAssertsPwd"),
                         json_pack("{s:s,s:s}", "pwd", PWD_A, "googleCode", g)),
                "0");
    char tok[100], code[7], name[40];
    sec_logined(&c, "SMS", tok, code);
    snprintf(name, sizeof name, "+86 %s", c.phone);
    /* A replayed TOTP step: 107, nothing changed. */
    expect_code(
        sec_call(&c, SEC_R("forgetAssertsPwd"),
                 json_pack("{s:i,s:s,s:s,s:s,s:s,s:s}", "type", 2, "loginName", name, "verifyCode",
                           code, "sendToken", tok, "newPwd", PWD_B, "googleCode", g)),
        "CUSTOMER_API_0000107");
    expect_code(sec_call(&c, R_VERIFY, json_pack("{s:s}", "pwd", PWD_A)), "0");
    sec_totp_next(&c, g);
    expect_code(sec_call(&c, SEC_R("forgetAssertsPwd"),
                         json_pack("{s:i,s:s,s:s,s:s,s:s,s:s,s:s}", "type", 2, "loginName", name,
                                   "phoneArea", "+86", "verifyCode", code, "sendToken", tok,
                                   "newPwd", PWD_B, "googleCode", g)),
                "0");
    expect_code(sec_call(&c, R_VERIFY, json_pack("{s:s}", "pwd", PWD_B)), "0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bind_update_verify_lock),
        cmocka_unit_test(forget_by_phone_with_mfa),
    };
    return cmocka_run_group_tests(tests, sec_group_setup, sec_group_teardown);
}
