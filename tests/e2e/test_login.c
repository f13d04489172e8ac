/* tests/e2e/test_login.c — login over real HTTP (contract C4, D, E): every login name form,
 * code mode, the one answer for every credential failure, lockout, the disabled customer
 * (made with the CLI while the server runs), the demo company, field errors, the
 * per-address attempt limit, and the exact JSON type of every payload field. */
#include "support/e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One server for the whole file (e2e_group_setup / e2e_group_teardown). */
#define srv e2e_group_server

struct who {
    char email[96];
    char customer_no[64];
    char token[128];
    json_int_t id;
};

static void fresh_customer(struct who *w, const char *local)
{
    e2e_email(w->email, local);
    json_t *data = E2E_REGISTER_EMAIL(srv, w->email, E2E_PWD);
    snprintf(w->customer_no, sizeof w->customer_no, "%s", E2E_STR(data, "customerNo"));
    snprintf(w->token, sizeof w->token, "%s", E2E_STR(data, "token"));
    w->id = json_integer_value(json_object_get(data, "id"));
    json_decref(data);
}

static json_int_t data_id(const struct e2e_resp *r)
{
    return json_integer_value(json_object_get(json_object_get(r->json, "data"), "id"));
}

static struct e2e_resp login_body(json_t *body, const char *xff)
{
    struct e2e_opts o = {.xff = xff};
    return e2e_callj(srv, E2E_LOGIN, body, &o);
}

/* ---- the payload -------------------------------------------------------------------------- */

static void login__by_email__payload_has_every_field_with_its_exact_type(void **state)
{
    (void)state;
    struct who w;
    fresh_customer(&w, "types");
    struct e2e_resp r = e2e_login(srv, 1, w.email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(r, 200, "0");
    json_t *data = json_object_get(r.json, "data");
    E2E_CHECK_CUSTOMER(data, E2E_RTOKEN_STRING);
    assert_int_equal(json_integer_value(json_object_get(data, "id")), w.id);
    assert_string_equal(E2E_STR(data, "customerNo"), w.customer_no);
    assert_string_equal(E2E_STR(data, "email"), "ty**@example.com");
    assert_int_equal(json_integer_value(json_object_get(data, "companyId")), 1);
    assert_int_equal(json_integer_value(json_object_get(data, "customerGroupId")), 1);
    assert_string_equal(E2E_STR(data, "loginPassStatus"), "2");
    assert_int_equal(json_integer_value(json_object_get(data, "status")), 1);
    assert_int_equal(json_integer_value(json_object_get(data, "type")), 0);
    assert_int_equal(json_array_size(json_object_get(data, "accountList")), 2);
    /* A new session: tokens differ from the register session's. */
    assert_string_not_equal(E2E_STR(data, "token"), w.token);
    assert_int_equal(strlen(E2E_STR(data, "rToken")), 64);
    char token[128];
    snprintf(token, sizeof token, "%s", E2E_STR(data, "token"));
    e2e_resp_free(&r);
    struct e2e_opts o = {.token = token};
    struct e2e_resp i = e2e_call(srv, E2E_INFO, "{}", &o);
    E2E_EXPECT(i, 200, "0");
    E2E_CHECK_CUSTOMER(json_object_get(i.json, "data"), E2E_RTOKEN_NULL);
    e2e_resp_free(&i);
}

/* ---- login names ------------------------------------------------------------------------ */

static void login__email__case_insensitive(void **state)
{
    (void)state;
    struct who w;
    fresh_customer(&w, "case");
    char upper[96];
    snprintf(upper, sizeof upper, "%s", w.email);
    for (char *p = upper; *p != '\0'; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    struct e2e_resp r = e2e_login(srv, 1, upper, NULL, E2E_PWD, NULL);
    E2E_EXPECT(r, 200, "0");
    assert_int_equal(data_id(&r), w.id);
    e2e_resp_free(&r);
    /* phoneArea on an email login is ignored. */
    struct e2e_resp r2 = e2e_login(srv, 1, w.email, "+852", E2E_PWD, NULL);
    E2E_EXPECT(r2, 200, "0");
    e2e_resp_free(&r2);
}

static void login__phone__with_and_without_phone_area(void **state)
{
    (void)state;
    char phone[16];
    e2e_phone(phone);
    json_t *data = E2E_REGISTER_PHONE(srv, "+86", phone, E2E_PWD);
    json_int_t id = json_integer_value(json_object_get(data, "id"));
    json_decref(data);
    static const char *const areas[] = {"+86", "86", "0086", NULL};
    for (size_t i = 0; i < 4; i++) {
        struct e2e_resp r = e2e_login(srv, 2, phone, areas[i], E2E_PWD, NULL);
        E2E_EXPECT(r, 200, "0");
        assert_int_equal(data_id(&r), id);
        assert_string_equal(E2E_STR(json_object_get(r.json, "data"), "phone"), "138******5678");
        assert_string_equal(E2E_STR(json_object_get(r.json, "data"), "phoneArea"), "+86");
        e2e_resp_free(&r);
    }
    /* The right number in another area is another (unknown) account. */
    struct e2e_resp r = e2e_login(srv, 2, phone, "+852", E2E_PWD, NULL);
    E2E_EXPECT(r, 200, "CUSTOMER_API_0000102");
    e2e_resp_free(&r);
}

static void login__phone_in_two_areas_without_phone_area__100_phone_area(void **state)
{
    (void)state;
    char phone[16];
    e2e_phone(phone);
    json_t *a = E2E_REGISTER_PHONE(srv, "+86", phone, E2E_PWD);
    json_t *b = E2E_REGISTER_PHONE(srv, "+852", phone, E2E_PWD_OTHER);
    json_int_t id_b = json_integer_value(json_object_get(b, "id"));
    json_decref(a);
    json_decref(b);
    struct e2e_resp r = e2e_login(srv, 2, phone, NULL, E2E_PWD, NULL);
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000100", "phoneArea");
    e2e_resp_free(&r);
    struct e2e_resp r2 = e2e_login(srv, 2, phone, "852", E2E_PWD_OTHER, NULL);
    E2E_EXPECT(r2, 200, "0");
    assert_int_equal(data_id(&r2), id_b);
    e2e_resp_free(&r2);
}

static void login__customer_number__type_3(void **state)
{
    (void)state;
    struct who w;
    fresh_customer(&w, "custno");
    struct e2e_resp r = e2e_login(srv, 3, w.customer_no, NULL, E2E_PWD, NULL);
    E2E_EXPECT(r, 200, "0");
    assert_int_equal(data_id(&r), w.id);
    assert_string_equal(E2E_STR(json_object_get(r.json, "data"), "customerNo"), w.customer_no);
    e2e_resp_free(&r);
    struct e2e_resp r2 = e2e_login(srv, 3, "99999999999", NULL, E2E_PWD, NULL);
    E2E_EXPECT(r2, 200, "CUSTOMER_API_0000102");
    e2e_resp_free(&r2);
}

static void login__integers_as_digit_strings_and_uppercase_md5__accepted(void **state)
{
    (void)state;
    struct who w;
    fresh_customer(&w, "strings");
    char upper[33];
    snprintf(upper, sizeof upper, "%s", E2E_PWD);
    for (char *p = upper; *p != '\0'; p++)
        *p = (char)(*p >= 'a' && *p <= 'f' ? *p - 32 : *p);
    for (int device = 1; device <= 9; device++) {
        char dev[4];
        snprintf(dev, sizeof dev, "%d", device);
        struct e2e_resp r =
            login_body(json_pack("{s:s,s:s,s:s,s:s,s:b}", "type", "1", "loginName", w.email,
                                 "loginPwd", upper, "device", dev, "isThird", 0),
                       NULL);
        E2E_EXPECT(r, 200, "0");
        e2e_resp_free(&r);
    }
}

/* ---- code mode ----------------------------------------------------------------------------- */

static void login__by_code__works_with_md5_of_empty_as_login_pwd(void **state)
{
    (void)state;
    struct who w;
    fresh_customer(&w, "bycode");
    char tok[100], code[7];
    E2E_SEND_CODE(srv, "EMAIL_LOGIN_VERIFICATION_CODE", w.email, NULL, tok);
    E2E_WAIT_CODE(srv, w.email, code);
    struct e2e_resp r = login_body(json_pack("{s:i,s:s,s:s,s:s,s:s,s:i}", "type", 1, "loginName",
                                             w.email, "loginPwd", E2E_MD5_EMPTY, "verifyCode", code,
                                             "sendToken", tok, "device", 4),
                                   NULL);
    E2E_EXPECT(r, 200, "0");
    assert_int_equal(data_id(&r), w.id);
    E2E_CHECK_CUSTOMER(json_object_get(r.json, "data"), E2E_RTOKEN_STRING);
    e2e_resp_free(&r);
}

/* Code mode ignores loginPwd entirely, even one that is not an MD5. */
static void login__by_phone_code__without_any_password(void **state)
{
    (void)state;
    char phone[16], to[40], tok[100], code[7];
    e2e_phone(phone);
    json_t *data = E2E_REGISTER_PHONE(srv, "+86", phone, NULL); /* no password at all */
    json_int_t id = json_integer_value(json_object_get(data, "id"));
    json_decref(data);
    snprintf(to, sizeof to, "+86 %s", phone);
    E2E_SEND_CODE(srv, "SMS_LOGIN_VERIFICATION_CODE", to, NULL, tok);
    E2E_WAIT_CODE(srv, to, code);
    struct e2e_resp r =
        login_body(json_pack("{s:i,s:s,s:s,s:s,s:s,s:i}", "type", 2, "loginName", phone, "loginPwd",
                             "not-a-md5", "verifyCode", code, "sendToken", tok, "device", 5),
                   NULL);
    E2E_EXPECT(r, 200, "0");
    assert_int_equal(data_id(&r), id);
    assert_string_equal(E2E_STR(json_object_get(r.json, "data"), "loginPassStatus"), "1");
    e2e_resp_free(&r);
}

static void login__five_wrong_codes__203_even_for_the_right_code(void **state)
{
    (void)state;
    struct who w;
    fresh_customer(&w, "badcode");
    char tok[100], code[7], bad[7];
    E2E_SEND_CODE(srv, "EMAIL_LOGIN_VERIFICATION_CODE", w.email, NULL, tok);
    E2E_WAIT_CODE(srv, w.email, code);
    for (int i = 0; i < 6; i++)
        bad[i] = (char)('0' + (code[i] - '0' + 5) % 10);
    bad[6] = '\0';
    for (int i = 0; i < 4; i++) {
        struct e2e_resp r =
            login_body(json_pack("{s:i,s:s,s:s,s:s,s:i}", "type", 1, "loginName", w.email,
                                 "verifyCode", bad, "sendToken", tok, "device", 1),
                       NULL);
        /* Only the code here: the whole 102 envelope is the next test's business. */
        assert_int_equal(r.status, 200);
        assert_non_null(r.json);
        assert_string_equal(json_string_value(json_object_get(r.json, "code")),
                            "CUSTOMER_API_0000102");
        e2e_resp_free(&r);
    }
    struct e2e_resp r5 =
        login_body(json_pack("{s:i,s:s,s:s,s:s,s:i}", "type", 1, "loginName", w.email, "verifyCode",
                             bad, "sendToken", tok, "device", 1),
                   NULL);
    E2E_EXPECT(r5, 200, "MESSAGE_API_0000203");
    e2e_resp_free(&r5);
    struct e2e_resp r6 =
        login_body(json_pack("{s:i,s:s,s:s,s:s,s:i}", "type", 1, "loginName", w.email, "verifyCode",
                             code, "sendToken", tok, "device", 1),
                   NULL);
    E2E_EXPECT(r6, 200, "MESSAGE_API_0000203");
    e2e_resp_free(&r6);
    /* Wrong codes do not lock the password path. */
    struct e2e_resp p = e2e_login(srv, 1, w.email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(p, 200, "0");
    e2e_resp_free(&p);
}

static void login__code_resend_inside_60_s__204(void **state)
{
    (void)state;
    struct who w;
    fresh_customer(&w, "loginresend");
    char tok[100];
    E2E_SEND_CODE(srv, "EMAIL_LOGIN_VERIFICATION_CODE", w.email, NULL, tok);
    struct e2e_resp r = e2e_callj(
        srv, E2E_SEND,
        json_pack("{s:s,s:s}", "bizType", "EMAIL_LOGIN_VERIFICATION_CODE", "toUser", w.email),
        NULL);
    E2E_EXPECT_ONE_PARAM(r, 200, "MESSAGE_API_0000204");
    assert_in_range(e2e_param_long(&r), 55, 60);
    e2e_resp_free(&r);
}

static void login__code_of_another_purpose_or_recipient__202(void **state)
{
    (void)state;
    struct who a, b;
    fresh_customer(&a, "purpA");
    fresh_customer(&b, "purpB");
    char tok[100], code[7];
    E2E_SEND_CODE(srv, "EMAIL_PASSWORD_VERIFICATION_CODE", a.email, NULL, tok);
    E2E_WAIT_CODE(srv, a.email, code);
    struct e2e_resp r =
        login_body(json_pack("{s:i,s:s,s:s,s:s,s:i}", "type", 1, "loginName", a.email, "verifyCode",
                             code, "sendToken", tok, "device", 1),
                   NULL);
    E2E_EXPECT(r, 200, "MESSAGE_API_0000202");
    e2e_resp_free(&r);
    char tok2[100], code2[7];
    E2E_SEND_CODE(srv, "EMAIL_LOGIN_VERIFICATION_CODE", a.email, NULL, tok2);
    E2E_WAIT_CODE(srv, a.email, code2);
    struct e2e_resp r2 =
        login_body(json_pack("{s:i,s:s,s:s,s:s,s:i}", "type", 1, "loginName", b.email, "verifyCode",
                             code2, "sendToken", tok2, "device", 1),
                   NULL);
    E2E_EXPECT(r2, 200, "MESSAGE_API_0000202");
    e2e_resp_free(&r2);
}

/* ---- failures ------------------------------------------------------------------------------ */

static void login__wrong_password_unknown_account_wrong_code__one_answer_102(void **state)
{
    (void)state;
    struct who w;
    fresh_customer(&w, "one");
    char ghost[96];
    e2e_email(ghost, "ghost");
    struct e2e_resp a = e2e_login(srv, 1, w.email, NULL, E2E_PWD_OTHER, NULL);
    E2E_EXPECT(a, 200, "CUSTOMER_API_0000102");
    struct e2e_resp b = e2e_login(srv, 1, ghost, NULL, E2E_PWD, NULL);
    E2E_EXPECT(b, 200, "CUSTOMER_API_0000102");
    char tok[100], code[7], bad[7];
    E2E_SEND_CODE(srv, "EMAIL_LOGIN_VERIFICATION_CODE", w.email, NULL, tok);
    E2E_WAIT_CODE(srv, w.email, code);
    snprintf(bad, sizeof bad, "%06d", ((int)strtol(code, NULL, 10) + 1) % 1000000);
    struct e2e_resp c =
        login_body(json_pack("{s:i,s:s,s:s,s:s,s:i}", "type", 1, "loginName", w.email, "verifyCode",
                             bad, "sendToken", tok, "device", 1),
                   NULL);
    E2E_EXPECT(c, 200, "CUSTOMER_API_0000102");
    /* An unknown account asking for a login code: a token, nothing delivered, then 102. */
    char gtok[100];
    E2E_SEND_CODE(srv, "EMAIL_LOGIN_VERIFICATION_CODE", ghost, NULL, gtok);
    struct e2e_resp d =
        login_body(json_pack("{s:i,s:s,s:s,s:s,s:i}", "type", 1, "loginName", ghost, "verifyCode",
                             "123456", "sendToken", gtok, "device", 1),
                   NULL);
    E2E_EXPECT(d, 200, "CUSTOMER_API_0000102");
    const char *ma = json_string_value(json_object_get(a.json, "msg"));
    assert_string_equal(ma, json_string_value(json_object_get(b.json, "msg")));
    assert_string_equal(ma, json_string_value(json_object_get(c.json, "msg")));
    assert_string_equal(ma, json_string_value(json_object_get(d.json, "msg")));
    e2e_resp_free(&a);
    e2e_resp_free(&b);
    e2e_resp_free(&c);
    e2e_resp_free(&d);
}

static void login__ten_wrong_passwords__locked_103_for_15_minutes(void **state)
{
    (void)state;
    struct who w;
    fresh_customer(&w, "lock");
    for (int i = 0; i < 10; i++) {
        struct e2e_resp r = e2e_login(srv, 1, w.email, NULL, E2E_PWD_OTHER, NULL);
        E2E_EXPECT(r, 200, "CUSTOMER_API_0000102");
        e2e_resp_free(&r);
    }
    /* The right password now: still locked, for 15 minutes, by any login name form. */
    struct e2e_resp r = e2e_login(srv, 1, w.email, NULL, E2E_PWD, NULL);
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000103", "15");
    e2e_resp_free(&r);
    struct e2e_resp r2 = e2e_login(srv, 3, w.customer_no, NULL, E2E_PWD, NULL);
    E2E_EXPECT_PARAMS(r2, 200, "CUSTOMER_API_0000103", "15");
    e2e_resp_free(&r2);
    /* Sessions opened before the lock keep working. */
    struct e2e_opts o = {.token = w.token};
    struct e2e_resp i = e2e_call(srv, E2E_INFO, "{}", &o);
    E2E_EXPECT(i, 200, "0");
    e2e_resp_free(&i);
    /* Only the password path locks: a login code still gets in. */
    char tok[100], code[7];
    E2E_SEND_CODE(srv, "EMAIL_LOGIN_VERIFICATION_CODE", w.email, NULL, tok);
    E2E_WAIT_CODE(srv, w.email, code);
    struct e2e_resp c = login_body(json_pack("{s:i,s:s,s:s,s:s,s:s,s:i}", "type", 1, "loginName",
                                             w.email, "loginPwd", E2E_MD5_EMPTY, "verifyCode", code,
                                             "sendToken", tok, "device", 1),
                                   NULL);
    E2E_EXPECT(c, 200, "0");
    e2e_resp_free(&c);
}

static void login__disabled_customer__104_and_its_old_token__005(void **state)
{
    (void)state;
    struct who w;
    fresh_customer(&w, "disabled");
    char out[2048];
    int rc = e2e_cli(srv, out, sizeof out,
                     E2E_ARGS("customer", "disable", "--company", "1", w.customer_no));
    if (rc != 0)
        fail_msg("customer disable exited %d: %s", rc, out);
    struct e2e_resp r = e2e_login(srv, 1, w.email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(r, 200, "CUSTOMER_API_0000104");
    e2e_resp_free(&r);
    /* By code too. */
    char tok[100], code[7];
    E2E_SEND_CODE(srv, "EMAIL_LOGIN_VERIFICATION_CODE", w.email, NULL, tok);
    E2E_WAIT_CODE(srv, w.email, code);
    struct e2e_resp c =
        login_body(json_pack("{s:i,s:s,s:s,s:s,s:i}", "type", 1, "loginName", w.email, "verifyCode",
                             code, "sendToken", tok, "device", 1),
                   NULL);
    E2E_EXPECT(c, 200, "CUSTOMER_API_0000104");
    e2e_resp_free(&c);
    /* A wrong password stays the plain credentials answer: no probing for disabled. */
    struct e2e_resp wrong = e2e_login(srv, 1, w.email, NULL, E2E_PWD_OTHER, NULL);
    E2E_EXPECT(wrong, 200, "CUSTOMER_API_0000102");
    e2e_resp_free(&wrong);
    struct e2e_opts o = {.token = w.token};
    struct e2e_resp i = e2e_call(srv, E2E_INFO, "{}", &o);
    E2E_EXPECT(i, 200, "GATEWAY_CODE_005");
    e2e_resp_free(&i);
    /* Logout with it still answers 0. */
    struct e2e_resp out_r = e2e_call(srv, E2E_LOGOUT, "{}", &o);
    E2E_EXPECT(out_r, 200, "0");
    e2e_resp_free(&out_r);
    /* Enabled again: the password works, the old session stays ended. */
    rc = e2e_cli(srv, out, sizeof out,
                 E2E_ARGS("customer", "enable", "--company", "1", w.customer_no));
    if (rc != 0)
        fail_msg("customer enable exited %d: %s", rc, out);
    struct e2e_resp back = e2e_login(srv, 1, w.email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(back, 200, "0");
    e2e_resp_free(&back);
    struct e2e_resp i2 = e2e_call(srv, E2E_INFO, "{}", &o);
    E2E_EXPECT(i2, 200, "GATEWAY_CODE_005");
    e2e_resp_free(&i2);
}

static void login__on_the_demo_company__114(void **state)
{
    (void)state;
    struct who w;
    fresh_customer(&w, "demo");
    struct e2e_opts o = {.company = "2"};
    struct e2e_resp r = e2e_callj(srv, E2E_LOGIN,
                                  json_pack("{s:i,s:s,s:s,s:i}", "type", 1, "loginName", w.email,
                                            "loginPwd", E2E_PWD, "device", 1),
                                  &o);
    E2E_EXPECT(r, 200, "CUSTOMER_API_0000114");
    e2e_resp_free(&r);
}

static void login__bad_fields__100_naming_the_field(void **state)
{
    (void)state;
    struct who w;
    fresh_customer(&w, "badfield");
    struct {
        const char *field;
        json_t *value; /* NULL: remove the field */
        const char *named;
    } cases[] = {
        {"type", json_string("x"), "type"},
        {"type", json_real(1.5), "type"},
        {"type", json_integer(4), "type"},
        {"type", json_integer(0), "type"},
        {"type", json_true(), "type"},
        {"type", json_string("1a"), "type"},
        {"type", NULL, "type"},
        {"loginName", NULL, "loginName"},
        {"loginName", json_string("not-an-email"), "loginName"},
        {"device", json_integer(10), "device"},
        {"device", json_integer(0), "device"},
        {"device", json_string("10"), "device"},
        {"device", NULL, "device"},
        {"loginPwd", json_string("123456"), "loginPwd"},
        {"loginPwd", json_string("g10adc3949ba59abbe56e057f20f883e"), "loginPwd"},
        {"loginPwd", json_string("e10adc3949ba59abbe56e057f20f883e0"), "loginPwd"},
        {"loginPwd", NULL, "loginPwd"},
        {"loginPwd", json_string(""), "loginPwd"},
        {"verifyCode", json_string("12a456"), "verifyCode"},
        {"verifyCode", json_string("1234567"), "verifyCode"},
        {"verifyCode", json_integer(123456), "verifyCode"},
        {"isThird", json_string("true"), "isThird"},
        {"isThird", json_integer(1), "isThird"},
        {"googleCode", json_string("abcdef"), "googleCode"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *body = json_pack("{s:i,s:s,s:s,s:i}", "type", 1, "loginName", w.email, "loginPwd",
                                 E2E_PWD, "device", 1);
        if (cases[i].value == NULL)
            json_object_del(body, cases[i].field);
        else
            json_object_set_new(body, cases[i].field, cases[i].value);
        struct e2e_resp r = login_body(body, NULL);
        E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000100", cases[i].named);
        e2e_resp_free(&r);
    }
    /* Rules between fields. */
    struct e2e_resp r1 = login_body(json_pack("{s:i,s:s,s:s,s:i}", "type", 1, "loginName", w.email,
                                              "verifyCode", "123456", "device", 1),
                                    NULL);
    E2E_EXPECT_PARAMS(r1, 200, "CUSTOMER_API_0000100", "sendToken");
    e2e_resp_free(&r1);
    struct e2e_resp r2 =
        login_body(json_pack("{s:i,s:s,s:s,s:s,s:i}", "type", 3, "loginName", w.customer_no,
                             "verifyCode", "123456", "sendToken", "abc", "device", 1),
                   NULL);
    E2E_EXPECT_PARAMS(r2, 200, "CUSTOMER_API_0000100", "verifyCode");
    e2e_resp_free(&r2);
    struct e2e_resp r3 =
        login_body(json_pack("{s:i,s:s,s:s,s:s,s:i}", "type", 2, "loginName", "13800000000",
                             "phoneArea", "+12345", "loginPwd", E2E_PWD, "device", 1),
                   NULL);
    E2E_EXPECT_PARAMS(r3, 200, "CUSTOMER_API_0000100", "phoneArea");
    e2e_resp_free(&r3);
    struct e2e_resp r4 = login_body(json_pack("{s:i,s:s,s:s,s:i,s:s,s:s}", "type", 1, "loginName",
                                              w.email, "loginPwd", E2E_PWD, "device", 1,
                                              "bindThirdUserId", "g-123", "thirdSource", "google"),
                                    NULL);
    E2E_EXPECT_PARAMS(r4, 200, "CUSTOMER_API_0000100", "bindThirdUserId");
    e2e_resp_free(&r4);
    /* None of these counted as failed logins. */
    struct e2e_resp ok = e2e_login(srv, 1, w.email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(ok, 200, "0");
    e2e_resp_free(&ok);
}

static void login__type_beyond_int64__is_a_field_error(void **state)
{
    (void)state;
    /* A2: an out-of-range integer is a field error, like the same digits as a string. */
    char body[256];
    snprintf(body, sizeof body,
             "{\"type\":\"99999999999999999999\",\"loginName\":\"a@example.com\","
             "\"loginPwd\":\"%s\",\"device\":1}",
             E2E_PWD);
    struct e2e_resp s = e2e_call(srv, E2E_LOGIN, body, NULL);
    E2E_EXPECT_PARAMS(s, 200, "CUSTOMER_API_0000100", "type");
    e2e_resp_free(&s);
    snprintf(body, sizeof body,
             "{\"type\":99999999999999999999,\"loginName\":\"a@example.com\","
             "\"loginPwd\":\"%s\",\"device\":1}",
             E2E_PWD);
    struct e2e_resp n = e2e_call(srv, E2E_LOGIN, body, NULL);
    E2E_EXPECT_PARAMS(n, 200, "CUSTOMER_API_0000100", "type");
    e2e_resp_free(&n);
}

/* ---- GATEWAY_CODE_004 (a server allowing 3 login attempts per address and minute) -------- */

static int setup_three_per_minute(void **state)
{
    *state = e2e_server_up(E2E_ARGS("--login-per-address-min", "3"));
    return 0;
}

static void login__fourth_attempt_from_one_address__004_with_seconds(void **state)
{
    struct e2e_server *s = *state;
    char addr[32], other[32], ghost[96];
    e2e_addr(addr);
    e2e_addr(other);
    e2e_email(ghost, "ghost");
    for (int i = 0; i < 3; i++) {
        struct e2e_resp r = e2e_login(s, 1, ghost, NULL, E2E_PWD, addr);
        E2E_EXPECT(r, 200, "CUSTOMER_API_0000102");
        e2e_resp_free(&r);
    }
    struct e2e_resp r = e2e_login(s, 1, ghost, NULL, E2E_PWD, addr);
    E2E_EXPECT_ONE_PARAM(r, 200, "GATEWAY_CODE_004");
    assert_in_range(e2e_param_long(&r), 55, 60);
    e2e_resp_free(&r);
    /* Another address is not limited. */
    struct e2e_resp o = e2e_login(s, 1, ghost, NULL, E2E_PWD, other);
    E2E_EXPECT(o, 200, "CUSTOMER_API_0000102");
    e2e_resp_free(&o);
}

static void login__limit_counts_the_left_most_forwarded_address(void **state)
{
    struct e2e_server *s = *state;
    char client[32], proxy[32], ghost[96], xff[80];
    e2e_addr(client);
    e2e_email(ghost, "ghost");
    /* Three different proxies forward the same client: one address for the limit. */
    for (int i = 0; i < 3; i++) {
        e2e_addr(proxy);
        snprintf(xff, sizeof xff, "%s, %s", client, proxy);
        struct e2e_resp r = e2e_login(s, 1, ghost, NULL, E2E_PWD, xff);
        E2E_EXPECT(r, 200, "CUSTOMER_API_0000102");
        e2e_resp_free(&r);
    }
    struct e2e_resp r = e2e_login(s, 1, ghost, NULL, E2E_PWD, client);
    E2E_EXPECT_ONE_PARAM(r, 200, "GATEWAY_CODE_004");
    e2e_resp_free(&r);
}

/* A3: X-Forwarded-For counts only from a trusted proxy; with none trusted, every request
 * here comes from the peer 127.0.0.1 whatever the header says. */
static int setup_no_trusted_proxy(void **state)
{
    *state = e2e_server_up(E2E_ARGS("--login-per-address-min", "3", "--trusted-proxies", ""));
    return 0;
}

static void login__untrusted_forwarded_for__is_ignored_by_the_limit(void **state)
{
    struct e2e_server *s = *state;
    char ghost[96];
    e2e_email(ghost, "ghost");
    for (int i = 0; i < 3; i++) {
        struct e2e_resp r = e2e_login(s, 1, ghost, NULL, E2E_PWD, NULL); /* fresh XFF each */
        E2E_EXPECT(r, 200, "CUSTOMER_API_0000102");
        e2e_resp_free(&r);
    }
    struct e2e_resp r = e2e_login(s, 1, ghost, NULL, E2E_PWD, NULL);
    E2E_EXPECT_ONE_PARAM(r, 200, "GATEWAY_CODE_004");
    assert_in_range(e2e_param_long(&r), 55, 60);
    e2e_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(login__by_email__payload_has_every_field_with_its_exact_type),
        cmocka_unit_test(login__email__case_insensitive),
        cmocka_unit_test(login__phone__with_and_without_phone_area),
        cmocka_unit_test(login__phone_in_two_areas_without_phone_area__100_phone_area),
        cmocka_unit_test(login__customer_number__type_3),
        cmocka_unit_test(login__integers_as_digit_strings_and_uppercase_md5__accepted),
        cmocka_unit_test(login__by_code__works_with_md5_of_empty_as_login_pwd),
        cmocka_unit_test(login__by_phone_code__without_any_password),
        cmocka_unit_test(login__five_wrong_codes__203_even_for_the_right_code),
        cmocka_unit_test(login__code_resend_inside_60_s__204),
        cmocka_unit_test(login__code_of_another_purpose_or_recipient__202),
        cmocka_unit_test(login__wrong_password_unknown_account_wrong_code__one_answer_102),
        cmocka_unit_test(login__ten_wrong_passwords__locked_103_for_15_minutes),
        cmocka_unit_test(login__disabled_customer__104_and_its_old_token__005),
        cmocka_unit_test(login__on_the_demo_company__114),
        cmocka_unit_test(login__bad_fields__100_naming_the_field),
        cmocka_unit_test(login__type_beyond_int64__is_a_field_error),
        cmocka_unit_test_setup_teardown(login__fourth_attempt_from_one_address__004_with_seconds,
                                        setup_three_per_minute, e2e_teardown_server),
        cmocka_unit_test_setup_teardown(login__limit_counts_the_left_most_forwarded_address,
                                        setup_three_per_minute, e2e_teardown_server),
        cmocka_unit_test_setup_teardown(login__untrusted_forwarded_for__is_ignored_by_the_limit,
                                        setup_no_trusted_proxy, e2e_teardown_server),
    };
    return cmocka_run_group_tests(tests, e2e_group_setup, e2e_group_teardown);
}
