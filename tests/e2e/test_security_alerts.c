/* tests/e2e/test_security_alerts.c — new-device alerts and "this wasn't me" (contract C24),
 * the per-company switches of company-security, and destroy with the admin's undelete and
 * the erasure after the grace period, over HTTP on either backend. */
#include "support/security_flow.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define R_NOT_ME SEC_R("reportNotMe")
#define R_FORGET SEC_R("forgetLoginPwd")

static void expect_code(struct e2e_resp r, const char *code)
{
    E2E_EXPECT(r, 200, code);
    e2e_resp_free(&r);
}

/* Registers c by email from address xff (the device: that /24 and the harness's agent). */
static void register_from(struct sec_cust *c, const char *local, const char *xff)
{
    char tok[100], code[7];
    memset(c, 0, sizeof *c);
    e2e_email(c->email, local);
    E2E_SEND_CODE(sec_server, "EMAIL_REGISTER_VERIFICATION_CODE", c->email, xff, tok);
    E2E_WAIT_CODE(sec_server, c->email, code);
    struct e2e_resp r = e2e_callj(sec_server, E2E_REGISTER,
                                  json_pack("{s:i,s:s,s:s,s:s,s:s,s:i,s:s}", "type", 1, "loginName",
                                            c->email, "country", "CN", "verifyCode", code,
                                            "sendToken", tok, "registerSource", 2, "pwd", E2E_PWD),
                                  &(struct e2e_opts){.xff = xff});
    E2E_EXPECT(r, 200, "0");
    snprintf(c->token, sizeof c->token, "%s", E2E_STR(json_object_get(r.json, "data"), "token"));
    e2e_resp_free(&r);
}

static struct e2e_resp login(const struct sec_cust *c, const char *pwd, const char *xff)
{
    return e2e_login(sec_server, 1, c->email, NULL, pwd, xff);
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static size_t notices(const char *to, const char *biz)
{
    /* Only notices: code lines to the same address are consumed by the tests as they go. */
    size_t n = 0;
    json_t *o;
    while ((o = e2e_wait_delivery(sec_server, to, 0)) != NULL) {
        if (strcmp(json_string_value(json_object_get(o, "bizType")), biz) == 0)
            n++;
        json_decref(o);
    }
    return n;
}

static void new_device__alert_then_not_me(void **state)
{
    (void)state;
    struct sec_cust c;
    register_from(&c, "alert", "10.77.1.5");
    /* The same network and agent: a known device, no alert. */
    struct e2e_resp r = login(&c, E2E_PWD, "10.77.1.99");
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    pause_ms(300);
    assert_int_equal(notices(c.email, "NOTICE_NEW_DEVICE"), 0);

    r = login(&c, E2E_PWD, "10.78.2.3");
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    json_t *line = sec_delivery(c.email);
    assert_string_equal(json_string_value(json_object_get(line, "bizType")), "NOTICE_NEW_DEVICE");
    char code[80];
    snprintf(code, sizeof code, "%s", json_string_value(json_object_get(line, "code")));
    assert_int_equal(strlen(code), 64);
    const char *text = json_string_value(json_object_get(line, "text"));
    assert_non_null(strstr(text, "10.78.2.3"));
    assert_non_null(strstr(text, code));
    json_decref(line);
    /* The same new device again: known now. */
    r = login(&c, E2E_PWD, "10.78.2.4");
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    pause_ms(300);
    assert_int_equal(notices(c.email, "NOTICE_NEW_DEVICE"), 0);

    /* Bad codes change nothing. */
    r = e2e_callj(sec_server, R_NOT_ME, json_pack("{s:s}", "code", "abc"), NULL);
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000100", "code");
    e2e_resp_free(&r);
    char wrong[80];
    snprintf(wrong, sizeof wrong, "%s", code);
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    expect_code(e2e_callj(sec_server, R_NOT_ME, json_pack("{s:s}", "code", wrong), NULL),
                "MESSAGE_API_0000202");
    expect_code(sec_call(&c, SEC_R("findPhoneAndEmail"), json_object()), "0");

    /* "This wasn't me": every session ends, the hold starts, password sign-in is locked. */
    expect_code(e2e_callj(sec_server, R_NOT_ME, json_pack("{s:s}", "code", code), NULL), "0");
    expect_code(e2e_callj(sec_server, R_NOT_ME, json_pack("{s:s}", "code", code), NULL),
                "MESSAGE_API_0000202");
    r = e2e_call(sec_server, E2E_INFO, "{}", &(struct e2e_opts){.token = c.token});
    E2E_EXPECT(r, 200, "GATEWAY_CODE_005");
    e2e_resp_free(&r);
    expect_code(login(&c, E2E_PWD, "10.77.1.6"), "CUSTOMER_API_0000103");

    /* A LOGIN code still signs in (it proves the mailbox); the payload shows the hold. */
    char tok[100], lcode[7];
    E2E_SEND_CODE(sec_server, "EMAIL_LOGIN_VERIFICATION_CODE", c.email, NULL, tok);
    E2E_WAIT_CODE(sec_server, c.email, lcode);
    r = e2e_callj(sec_server, E2E_LOGIN,
                  json_pack("{s:i,s:s,s:i,s:s,s:s,s:s}", "type", 1, "loginName", c.email, "device",
                            2, "verifyCode", lcode, "sendToken", tok, "loginPwd", E2E_MD5_EMPTY),
                  &(struct e2e_opts){.xff = "10.77.1.7"});
    E2E_EXPECT(r, 200, "0");
    json_t *d = json_object_get(r.json, "data");
    E2E_CHECK_CUSTOMER(d, E2E_RTOKEN_STRING);
    assert_string_equal(E2E_STR(d, "securityHoldReason"), "not_me");
    snprintf(c.token, sizeof c.token, "%s", E2E_STR(d, "token"));
    e2e_resp_free(&r);

    /* A password reset lifts the lock and starts a password_reset hold. */
    E2E_SEND_CODE(sec_server, "EMAIL_PASSWORD_VERIFICATION_CODE", c.email, NULL, tok);
    E2E_WAIT_CODE(sec_server, c.email, lcode);
    expect_code(e2e_callj(sec_server, R_FORGET,
                          json_pack("{s:i,s:s,s:s,s:s,s:s}", "type", 1, "loginName", c.email,
                                    "verifyCode", lcode, "sendToken", tok, "newPwd", E2E_PWD_OTHER),
                          NULL),
                "0");
    r = login(&c, E2E_PWD_OTHER, "10.77.1.8");
    E2E_EXPECT(r, 200, "0");
    assert_string_equal(E2E_STR(json_object_get(r.json, "data"), "securityHoldReason"),
                        "password_reset");
    snprintf(c.token, sizeof c.token, "%s", E2E_STR(json_object_get(r.json, "data"), "token"));
    e2e_resp_free(&r);
    r = sec_call(&c, SEC_R("securityHistory"), json_object());
    E2E_EXPECT(r, 200, "0");
    const json_t *list = json_object_get(json_object_get(r.json, "data"), "list");
    bool saw_not_me = false, saw_alert = false;
    for (size_t i = 0; i < json_array_size(list); i++) {
        const char *ev = E2E_STR(json_array_get(list, i), "event");
        saw_not_me = saw_not_me || strcmp(ev, "not_me") == 0;
        saw_alert = saw_alert || strcmp(ev, "new_device_alert") == 0;
    }
    assert_true(saw_not_me && saw_alert);
    e2e_resp_free(&r);
}

static void destroy__disabled_code_undelete_then_erased(void **state)
{
    (void)state;
    struct sec_cust c;
    register_from(&c, "bye", "10.79.1.1");
    char no[40];
    json_t *d = sec_info(&c);
    snprintf(no, sizeof no, "%s", E2E_STR(d, "customerNo"));
    json_int_t id = json_integer_value(json_object_get(d, "id"));
    json_decref(d);
    char tok2[80];
    struct e2e_resp r = login(&c, E2E_PWD, "10.79.1.2");
    snprintf(tok2, sizeof tok2, "%s", E2E_STR(json_object_get(r.json, "data"), "token"));
    e2e_resp_free(&r);

    r = sec_call(&c, SEC_R("destroy"), json_pack("{s:i}", "remark", 5));
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000100", "remark");
    e2e_resp_free(&r);
    expect_code(sec_call(&c, SEC_R("findPhoneAndEmail"), json_object()), "0");
    expect_code(sec_call(&c, SEC_R("destroy"), json_pack("{s:s}", "remark", "bye")), "0");
    const char *toks[] = {c.token, tok2};
    for (size_t i = 0; i < 2; i++) {
        r = e2e_call(sec_server, E2E_INFO, "{}", &(struct e2e_opts){.token = toks[i]});
        E2E_EXPECT(r, 200, "GATEWAY_CODE_005");
        e2e_resp_free(&r);
    }
    expect_code(login(&c, E2E_PWD, "10.79.1.2"), "CUSTOMER_API_0000121");
    expect_code(login(&c, E2E_PWD_OTHER, "10.79.1.2"), "CUSTOMER_API_0000102");

    /* The admin cancels inside the grace period (enable would not: it is refused). */
    char out[256];
    assert_int_equal(
        e2e_cli(sec_server, out, sizeof out, E2E_ARGS("customer", "enable", "--company", "1", no)),
        1);
    assert_int_equal(e2e_cli(sec_server, out, sizeof out,
                             E2E_ARGS("customer", "undelete", "--company", "1", no)),
                     0);
    assert_int_equal(e2e_cli(sec_server, out, sizeof out,
                             E2E_ARGS("customer", "undelete", "--company", "1", no)),
                     1);
    r = login(&c, E2E_PWD, "10.79.1.2");
    E2E_EXPECT(r, 200, "0");
    snprintf(c.token, sizeof c.token, "%s", E2E_STR(json_object_get(r.json, "data"), "token"));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r.json, "data"), "status")),
                     1);
    e2e_resp_free(&r);

    /* Requested again; the grace period then runs out (restart with 0): contacts and
     * password gone, customerNo, accounts and audit kept, undelete refused. */
    expect_code(sec_call(&c, SEC_R("destroy"), json_object()), "0");
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM accounts WHERE customer_id = %lld",
             (long long)id);
    long long accounts = e2e_sql_int(sec_server, sql);
    assert_true(accounts > 0);
    e2e_server_stop(sec_server);
    e2e_server_start(sec_server, E2E_ARGS("--deletion-grace-s", "0", "--code-resend-s", "0"));
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM customers WHERE id = %lld AND email IS NULL AND pw_hash IS NULL"
             " AND customer_no = '%s' AND status = -2",
             (long long)id, no);
    for (int i = 0; i < 100 && e2e_sql_int(sec_server, sql) == 0; i++)
        pause_ms(50);
    assert_int_equal(e2e_sql_int(sec_server, sql), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM accounts WHERE customer_id = %lld",
             (long long)id);
    assert_int_equal(e2e_sql_int(sec_server, sql), accounts);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit WHERE customer_id = %lld AND event = 'deletion_requested'",
             (long long)id);
    assert_int_equal(e2e_sql_int(sec_server, sql), 2);
    expect_code(login(&c, E2E_PWD, "10.79.1.2"), "CUSTOMER_API_0000102");
    assert_int_equal(e2e_cli(sec_server, out, sizeof out,
                             E2E_ARGS("customer", "undelete", "--company", "1", no)),
                     1);
    /* The address is free again: a new customer may register it. */
    json_t *again = E2E_REGISTER_EMAIL(sec_server, c.email, E2E_PWD);
    assert_string_not_equal(E2E_STR(again, "customerNo"), no);
    json_decref(again);
}

/* company-security: company 1 without alerts and with a 60 s hold. */
static void company_switches__alert_off_and_hold_length(void **state)
{
    (void)state;
    struct e2e_server *keep = sec_server;
    sec_server = e2e_server_up(E2E_ARGS("--new-device-alert", "true", "--company-security",
                                        "1:alert=off,1:hold=60", "--code-resend-s", "0"));
    struct sec_cust c;
    register_from(&c, "coff", "10.80.1.1");
    struct e2e_resp r = login(&c, E2E_PWD, "10.81.1.1");
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    pause_ms(300);
    assert_int_equal(notices(c.email, "NOTICE_NEW_DEVICE"), 0);

    char tok[100], code[7];
    E2E_SEND_CODE(sec_server, "EMAIL_PASSWORD_VERIFICATION_CODE", c.email, NULL, tok);
    E2E_WAIT_CODE(sec_server, c.email, code);
    expect_code(e2e_callj(sec_server, R_FORGET,
                          json_pack("{s:i,s:s,s:s,s:s,s:s}", "type", 1, "loginName", c.email,
                                    "verifyCode", code, "sendToken", tok, "newPwd", E2E_PWD_OTHER),
                          NULL),
                "0");
    r = login(&c, E2E_PWD_OTHER, "10.80.1.2");
    E2E_EXPECT(r, 200, "0");
    const json_t *d = json_object_get(r.json, "data");
    json_int_t until = json_integer_value(json_object_get(d, "securityHoldUntil"));
    json_int_t at = json_integer_value(json_object_get(d, "loginTime"));
    assert_true(until > at + 55000 && until <= at + 60000);
    e2e_resp_free(&r);
    e2e_server_stop(sec_server);
    e2e_server_free(sec_server);
    sec_server = keep;
}

/* A second instance on the same database serves cached token reads: the fund password and
 * the hold set through the first one show there within the cache's invalidation time. */
static void second_instance__sees_the_change(void **state)
{
    (void)state;
    struct sec_cust c;
    register_from(&c, "two", "10.82.1.1");
    struct e2e_server *b = e2e_server_new_db(sec_server->db_url);
    e2e_server_start(b, NULL);
    struct e2e_resp r = e2e_call(b, E2E_INFO, "{}", &(struct e2e_opts){.token = c.token});
    E2E_EXPECT(r, 200, "0"); /* now in b's cache */
    assert_string_equal(E2E_STR(json_object_get(r.json, "data"), "assertPassStatus"), "1");
    e2e_resp_free(&r);
    expect_code(sec_call(&c, SEC_R("bindAssertsPwd"),
                         json_pack("{s:s}", "pwd", "0cc175b9c0f1b6a831c399e269772661")),
                "0");
    /* Either instance's worker may deliver it: both share the outbox. */
    r = sec_call(&c, E2E_SEND, json_pack("{s:s}", "bizType", "EMAIL_LOGINED_VERIFICATION_CODE"));
    E2E_EXPECT(r, 200, "0");
    char tok[100], code[7] = "";
    snprintf(tok, sizeof tok, "%s", E2E_STR(json_object_get(r.json, "data"), "token"));
    e2e_resp_free(&r);
    for (int i = 0; i < 100 && code[0] == '\0'; i++) {
        struct e2e_server *both[2] = {sec_server, b};
        for (int k = 0; k < 2 && code[0] == '\0'; k++) {
            json_t *line = e2e_wait_delivery(both[k], c.email, 0);
            if (line != NULL)
                snprintf(code, sizeof code, "%s", json_string_value(json_object_get(line, "code")));
            json_decref(line);
        }
        if (code[0] == '\0')
            pause_ms(50);
    }
    assert_int_equal(strlen(code), 6);
    expect_code(
        sec_call(&c, SEC_R("forgetAssertsPwd"),
                 json_pack("{s:i,s:s,s:s,s:s,s:s}", "type", 1, "loginName", c.email, "verifyCode",
                           code, "sendToken", tok, "newPwd", "92eb5ffee6ae2fec3ad71c777531578f")),
        "0");
    bool seen = false;
    for (int i = 0; i < 60 && !seen; i++) {
        r = e2e_call(b, E2E_INFO, "{}", &(struct e2e_opts){.token = c.token});
        E2E_EXPECT(r, 200, "0");
        const json_t *d = json_object_get(r.json, "data");
        seen = strcmp(E2E_STR(d, "assertPassStatus"), "2") == 0 &&
               json_is_string(json_object_get(d, "securityHoldReason"));
        e2e_resp_free(&r);
        if (!seen)
            pause_ms(50);
    }
    assert_true(seen);
    r = e2e_call(b, E2E_PREFIX "/auth/check", NULL,
                 &(struct e2e_opts){.method = "GET", .token = c.token});
    assert_int_equal(r.status, 200);
    char hdr[64];
    assert_non_null(e2e_header(&r, "X-Security-Hold-Until", hdr, sizeof hdr));
    e2e_resp_free(&r);
    /* destroy through the first: the second answers 005 at once after the event. */
    expect_code(sec_call(&c, SEC_R("destroy"), json_object()), "0");
    bool ended = false;
    for (int i = 0; i < 60 && !ended; i++) {
        r = e2e_call(b, E2E_INFO, "{}", &(struct e2e_opts){.token = c.token});
        ended = strcmp(json_string_value(json_object_get(r.json, "code")), "GATEWAY_CODE_005") == 0;
        e2e_resp_free(&r);
        if (!ended)
            pause_ms(50);
    }
    assert_true(ended);
    e2e_server_stop(b);
    e2e_server_free(b);
}

static int alerts_on(void **state)
{
    return sec_group_setup_with(state, E2E_ARGS("--new-device-alert", "true"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_device__alert_then_not_me),
        cmocka_unit_test(destroy__disabled_code_undelete_then_erased),
        cmocka_unit_test(company_switches__alert_off_and_hold_length),
        cmocka_unit_test(second_instance__sees_the_change),
    };
    return cmocka_run_group_tests(tests, alerts_on, sec_group_teardown);
}
