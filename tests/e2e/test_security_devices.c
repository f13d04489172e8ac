/* tests/e2e/test_security_devices.c — sessions, history, destroy, new-device alerts, "this
 * wasn't me", the anti-phishing phrase and the hold over HTTP (contract C16, C24), with bad
 * input answering its code and nothing changed. */
#include "support/security_flow.h"

#include <stdio.h>
#include <string.h>

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

/* A password sign-in of c's email from address xff; the token into tok (when it works). */
static struct e2e_resp login_from(const struct sec_cust *c, const char *xff, char tok[80])
{
    struct e2e_resp r = e2e_login(sec_server, 1, c->email, NULL, E2E_PWD, xff);
    if (tok != NULL && r.json != NULL &&
        strcmp(json_string_value(json_object_get(r.json, "code")), "0") == 0)
        snprintf(tok, 80, "%s", E2E_STR(json_object_get(r.json, "data"), "token"));
    return r;
}

static json_t *list_sessions(const char *token)
{
    struct e2e_resp r =
        e2e_call(sec_server, SEC_R("listSessions"), "{}", &(struct e2e_opts){.token = token});
    E2E_EXPECT(r, 200, "0");
    json_t *d = json_incref(json_object_get(r.json, "data"));
    e2e_resp_free(&r);
    assert_true(json_is_array(d));
    return d;
}

static void sessions__list_end_one_end_others(void **state)
{
    (void)state;
    struct sec_cust c, x;
    sec_register_email(&c, "devs");
    sec_register_email(&x, "devx");
    char b[80], d[80];
    struct e2e_resp r = login_from(&c, NULL, b);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    r = login_from(&c, NULL, d);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);

    json_t *list = list_sessions(c.token);
    assert_int_equal(json_array_size(list), 3);
    size_t current = 0;
    char other_id[64] = "";
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *s = json_array_get(list, i);
        assert_int_equal(json_object_size(s), 9);
        assert_int_equal(strlen(E2E_STR(s, "sessionId")), 32);
        assert_true(json_is_integer(json_object_get(s, "device")));
        /* Sign-ins here use device 2 (desktop), registration device 1 (H5: mobile). */
        json_int_t dev = json_integer_value(json_object_get(s, "device"));
        assert_true(dev == 1 || dev == 2);
        assert_string_equal(E2E_STR(s, "deviceClass"), dev == 2 ? "desktop" : "mobile");
        E2E_STR(s, "userAgent");
        assert_true(strlen(E2E_STR(s, "clientAddr")) > 0);
        assert_true(json_is_null(json_object_get(s, "country")));
        assert_true(json_is_integer(json_object_get(s, "createTime")));
        assert_true(json_is_integer(json_object_get(s, "lastUsedTime")));
        assert_true(json_is_boolean(json_object_get(s, "current")));
        if (json_is_true(json_object_get(s, "current")))
            current++;
        else if (other_id[0] == '\0')
            snprintf(other_id, sizeof other_id, "%s", E2E_STR(s, "sessionId"));
    }
    assert_int_equal(current, 1);
    json_decref(list);

    /* Another customer's session id, a malformed one, none: nothing ends. */
    json_t *xl = list_sessions(x.token);
    char xid[64];
    snprintf(xid, sizeof xid, "%s", E2E_STR(json_array_get(xl, 0), "sessionId"));
    json_decref(xl);
    expect_code(sec_call(&c, SEC_R("endSession"), json_pack("{s:s}", "sessionId", xid)),
                "CUSTOMER_API_0000122");
    expect_code(sec_call(&x, SEC_R("findPhoneAndEmail"), json_object()), "0");
    char longid[80];
    memset(longid, 'a', 70);
    longid[70] = '\0';
    expect_field(sec_call(&c, SEC_R("endSession"), json_pack("{s:s}", "sessionId", longid)),
                 "sessionId");
    expect_field(sec_call(&c, SEC_R("endSession"), json_pack("{s:i}", "sessionId", 5)),
                 "sessionId");
    expect_field(sec_call(&c, SEC_R("endSession"), json_object()), "sessionId");
    list = list_sessions(c.token);
    assert_int_equal(json_array_size(list), 3);
    json_decref(list);

    /* End one: exactly that session answers 005 afterwards. */
    expect_code(sec_call(&c, SEC_R("endSession"), json_pack("{s:s}", "sessionId", other_id)), "0");
    expect_code(sec_call(&c, SEC_R("endSession"), json_pack("{s:s}", "sessionId", other_id)),
                "CUSTOMER_API_0000122");
    int ended = 0;
    const char *toks[2] = {b, d};
    for (size_t i = 0; i < 2; i++) {
        r = e2e_call(sec_server, E2E_INFO, "{}", &(struct e2e_opts){.token = toks[i]});
        if (strcmp(json_string_value(json_object_get(r.json, "code")), "GATEWAY_CODE_005") == 0)
            ended++;
        e2e_resp_free(&r);
    }
    assert_int_equal(ended, 1);

    /* End all others: one was left; the current one lives on. */
    r = sec_call(&c, SEC_R("endOtherSessions"), json_object());
    E2E_EXPECT(r, 200, "0");
    assert_int_equal(json_integer_value(json_object_get(r.json, "data")), 1);
    e2e_resp_free(&r);
    for (size_t i = 0; i < 2; i++) {
        r = e2e_call(sec_server, E2E_INFO, "{}", &(struct e2e_opts){.token = toks[i]});
        E2E_EXPECT(r, 200, "GATEWAY_CODE_005");
        e2e_resp_free(&r);
    }
    list = list_sessions(c.token);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    /* x's session was never touched. */
    expect_code(sec_call(&x, SEC_R("findPhoneAndEmail"), json_object()), "0");
}

static void history__own_rows_paged(void **state)
{
    (void)state;
    struct sec_cust c, x;
    sec_register_email(&c, "hist");
    sec_register_email(&x, "histx");
    struct e2e_resp r = e2e_login(sec_server, 1, c.email, NULL, E2E_PWD_OTHER, NULL);
    E2E_EXPECT(r, 200, "CUSTOMER_API_0000102");
    e2e_resp_free(&r);
    r = e2e_login(sec_server, 1, x.email, NULL, E2E_PWD_OTHER, NULL); /* x's, not c's */
    e2e_resp_free(&r);
    r = login_from(&c, NULL, NULL);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);

    r = sec_call(&c, SEC_R("securityHistory"), json_object());
    E2E_EXPECT(r, 200, "0");
    const json_t *d = json_object_get(r.json, "data");
    assert_int_equal(json_integer_value(json_object_get(d, "page")), 1);
    assert_int_equal(json_integer_value(json_object_get(d, "pageSize")), 20);
    assert_true(json_is_false(json_object_get(d, "hasMore")));
    const json_t *list = json_object_get(d, "list");
    /* register, password_set, login_fail, login_ok: newest first, nothing of x's. */
    assert_int_equal(json_array_size(list), 4);
    assert_string_equal(E2E_STR(json_array_get(list, 0), "event"), "login_ok");
    assert_string_equal(E2E_STR(json_array_get(list, 0), "result"), "success");
    assert_string_equal(E2E_STR(json_array_get(list, 1), "event"), "login_fail");
    assert_string_equal(E2E_STR(json_array_get(list, 1), "result"), "failure");
    json_t *row = json_array_get(list, 1);
    assert_int_equal(json_object_size(row), 5); /* time, event, result, clientAddr, device */
    for (size_t i = 1; i < json_array_size(list); i++)
        assert_true(json_integer_value(json_object_get(json_array_get(list, i - 1), "time")) >=
                    json_integer_value(json_object_get(json_array_get(list, i), "time")));
    e2e_resp_free(&r);

    r = sec_call(&c, SEC_R("securityHistory"), json_pack("{s:s,s:i}", "page", "2", "pageSize", 1));
    E2E_EXPECT(r, 200, "0");
    d = json_object_get(r.json, "data");
    assert_int_equal(json_array_size(json_object_get(d, "list")), 1);
    assert_string_equal(E2E_STR(json_array_get(json_object_get(d, "list"), 0), "event"),
                        "login_fail");
    assert_true(json_is_true(json_object_get(d, "hasMore")));
    e2e_resp_free(&r);
    r = sec_call(&c, SEC_R("securityHistory"), json_pack("{s:i,s:i}", "page", 4, "pageSize", 1));
    E2E_EXPECT(r, 200, "0");
    assert_true(json_is_false(json_object_get(json_object_get(r.json, "data"), "hasMore")));
    e2e_resp_free(&r);
    expect_field(sec_call(&c, SEC_R("securityHistory"), json_pack("{s:i}", "page", 0)), "page");
    expect_field(sec_call(&c, SEC_R("securityHistory"), json_pack("{s:s}", "page", "x")), "page");
    expect_field(sec_call(&c, SEC_R("securityHistory"), json_pack("{s:i}", "pageSize", 101)),
                 "pageSize");
    expect_field(sec_call(&c, SEC_R("securityHistory"), json_pack("{s:f}", "pageSize", 1.5)),
                 "pageSize");
}

static void anti_phishing__step_up_then_in_every_message(void **state)
{
    (void)state;
    struct sec_cust c;
    sec_register_email(&c, "phish");
    struct e2e_resp r =
        sec_call(&c, SEC_R("setAntiPhishingCode"), json_pack("{s:s}", "antiPhishingCode", "Blue7"));
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000119", "verifyCodeEmail");
    e2e_resp_free(&r);
    char tok[100], code[7];
    sec_logined(&c, "EMAIL", tok, code);
    expect_field(sec_call(&c, SEC_R("setAntiPhishingCode"),
                          json_pack("{s:s,s:s,s:s}", "antiPhishingCode", "tab\there",
                                    "verifyCodeEmail", code, "sendTokenEmail", tok)),
                 "antiPhishingCode");
    expect_field(
        sec_call(&c, SEC_R("setAntiPhishingCode"),
                 json_pack("{s:s,s:s,s:s}", "antiPhishingCode", "123456789012345678901234567890123",
                           "verifyCodeEmail", code, "sendTokenEmail", tok)),
        "antiPhishingCode");
    expect_field(sec_call(&c, SEC_R("setAntiPhishingCode"),
                          json_pack("{s:i,s:s,s:s}", "antiPhishingCode", 7, "verifyCodeEmail", code,
                                    "sendTokenEmail", tok)),
                 "antiPhishingCode");
    expect_code(sec_call(&c, SEC_R("setAntiPhishingCode"),
                         json_pack("{s:s,s:s,s:s}", "antiPhishingCode", "Blue7", "verifyCodeEmail",
                                   code, "sendTokenEmail", tok)),
                "0");
    /* The proof is spent. */
    expect_code(sec_call(&c, SEC_R("setAntiPhishingCode"),
                         json_pack("{s:s,s:s,s:s}", "antiPhishingCode", "Red", "verifyCodeEmail",
                                   code, "sendTokenEmail", tok)),
                "MESSAGE_API_0000202");
    /* Every message to the customer carries it: a LOGINED code, a LOGIN code (guest send). */
    sec_logined(&c, "EMAIL", tok, code);
    E2E_SEND_CODE(sec_server, "EMAIL_LOGIN_VERIFICATION_CODE", c.email, NULL, tok);
    json_t *line = sec_delivery(c.email);
    assert_non_null(
        strstr(json_string_value(json_object_get(line, "text")), "[Anti-phishing code: Blue7]"));
    json_decref(line);
    /* In the customer's language. */
    r = sec_call(&c, SEC_R("changeLang"), json_pack("{s:s}", "newLang", "zh-HK"));
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    E2E_SEND_CODE(sec_server, "EMAIL_PASSWORD_VERIFICATION_CODE", c.email, NULL, tok);
    line = sec_delivery(c.email);
    assert_non_null(strstr(json_string_value(json_object_get(line, "text")), "防釣魚碼：Blue7"));
    json_decref(line);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sessions__list_end_one_end_others),
        cmocka_unit_test(history__own_rows_paged),
        cmocka_unit_test(anti_phishing__step_up_then_in_every_message),
    };
    return cmocka_run_group_tests(tests, sec_group_setup, sec_group_teardown);
}
