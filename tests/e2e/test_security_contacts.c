/* tests/e2e/test_security_contacts.c — contacts, country and the step-up over HTTP
 * (contract C21, C22): bind and change phone and email with COMMON and LOGINED codes, the
 * TOTP when MFA is on, uniqueness, the notice to the old contact, the hold, the masked
 * payload, and every kind of bad input answering its code with nothing changed. */
#include "support/security_flow.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int atoi_safe(const char *s)
{
    return (int)strtol(s, NULL, 10);
}

static int toupper_safe(char ch)
{
    return toupper((unsigned char)ch);
}

static void expect_str(const json_t *o, const char *key, const char *want)
{
    const char *v = json_string_value(json_object_get(o, key));
    if (v == NULL || strcmp(v, want) != 0)
        fail_msg("%s is \"%s\", want \"%s\"", key, v ? v : "(not a string)", want);
}

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

static json_t *bind_phone_body(const char *phone, const char *area, const char *code,
                               const char *tok)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "phone", phone, "phoneArea", area,
                     "verifyCode", code, "sendToken", tok, "verifyCodeOld", "", "sendTokenOld", "",
                     "googleCode", "");
}

static void bind_phone__common_code_then_masked_and_unmasked(void **state)
{
    (void)state;
    struct sec_cust c;
    sec_register_email(&c, "bindp");
    char phone[16], to[40], tok[100], code[7];
    e2e_phone(phone);
    snprintf(to, sizeof to, "+86 %s", phone);
    sec_common(&c, "SMS", to, to, tok, code);

    /* Bad input first: each answers its code and changes nothing. */
    expect_field(sec_call(&c, SEC_R("bindPhone"), bind_phone_body("12ab5678", "+86", code, tok)),
                 "phone");
    expect_field(sec_call(&c, SEC_R("bindPhone"),
                          json_pack("{s:i,s:s,s:s}", "phone", 13800000, "verifyCode", code,
                                    "sendToken", tok)),
                 "phone");
    expect_field(
        sec_call(&c, SEC_R("bindPhone"), json_pack("{s:s,s:s}", "phone", phone, "sendToken", tok)),
        "verifyCode");
    expect_code(
        sec_call(&c, SEC_R("bindPhone"), bind_phone_body(phone, "+86", code, "x")), /* unknown */
        "MESSAGE_API_0000202");
    char other[16];
    e2e_phone(other); /* the code was sent to another number */
    expect_code(sec_call(&c, SEC_R("bindPhone"), bind_phone_body(other, "+86", code, tok)),
                "MESSAGE_API_0000202");
    char bad[7];
    snprintf(bad, sizeof bad, "%06d", (atoi_safe(code) + 1) % 1000000);
    struct e2e_resp r = sec_call(&c, SEC_R("bindPhone"), bind_phone_body(phone, "+86", bad, tok));
    E2E_EXPECT_PARAMS(r, 200, "MESSAGE_API_0000201", "4");
    e2e_resp_free(&r);
    json_t *d = sec_info(&c);
    assert_true(json_is_null(json_object_get(d, "phone")));
    json_decref(d);

    /* A LOGINED code (another bizType) does not prove a new contact. */
    char ltok[100], lcode[7];
    sec_logined(&c, "EMAIL", ltok, lcode);
    expect_code(sec_call(&c, SEC_R("bindPhone"), bind_phone_body(phone, "+86", lcode, ltok)),
                "MESSAGE_API_0000202");

    /* The right code binds; "86" is the same area as "+86". */
    expect_code(sec_call(&c, SEC_R("bindPhone"), bind_phone_body(phone, "86", code, tok)), "0");
    d = sec_info(&c);
    char masked[32];
    snprintf(masked, sizeof masked, "%.3s******%s", phone, phone + strlen(phone) - 4);
    expect_str(d, "phone", masked);
    expect_str(d, "phoneArea", "+86");
    assert_true(json_is_null(json_object_get(d, "securityHoldUntil"))); /* a bind: no hold */
    json_decref(d);
    r = e2e_call(sec_server, E2E_PREFIX "/auth/check", NULL,
                 &(struct e2e_opts){.method = "GET", .token = c.token});
    assert_int_equal(r.status, 200);
    char hdr[64];
    assert_null(e2e_header(&r, "X-Security-Hold-Until", hdr, sizeof hdr));
    e2e_resp_free(&r);
    r = sec_call(&c, SEC_R("findPhoneAndEmail"), json_object());
    E2E_EXPECT(r, 200, "0");
    expect_str(json_object_get(r.json, "data"), "phone", phone);
    expect_str(json_object_get(r.json, "data"), "email", c.email);
    e2e_resp_free(&r);

    /* Replayed proof, and a second bind: nothing to bind. */
    expect_code(sec_call(&c, SEC_R("bindPhone"), bind_phone_body(phone, "+86", code, tok)),
                "CUSTOMER_API_0000120");
    /* The new phone signs in. */
    r = e2e_login(sec_server, 2, phone, "+86", E2E_PWD, NULL);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
}

static void bind_email__taken_answers_register_code(void **state)
{
    (void)state;
    struct sec_cust a, b;
    sec_register_email(&a, "takena");
    sec_register_phone(&b);
    char tok[100], code[7];
    /* b asks for a's email: the COMMON send itself goes out, the bind answers 105. */
    sec_common(&b, "EMAIL", a.email, a.email, tok, code);
    expect_code(sec_call(&b, SEC_R("bindEmail"),
                         json_pack("{s:s,s:s,s:s,s:s}", "email", a.email, "verifyCode", code,
                                   "sendToken", tok, "emailArea", "")),
                "CUSTOMER_API_0000105");
    /* Too long, wrong type. */
    char longmail[200];
    memset(longmail, 'a', 150);
    snprintf(longmail + 150, sizeof longmail - 150, "@example.com");
    expect_field(sec_call(&b, SEC_R("bindEmail"),
                          json_pack("{s:s,s:s,s:s}", "email", longmail, "verifyCode", code,
                                    "sendToken", tok)),
                 "email");
    expect_field(sec_call(&b, SEC_R("bindEmail"),
                          json_pack("{s:s,s:i,s:s}", "email", "x@example.com", "verifyCode", 123456,
                                    "sendToken", tok)),
                 "verifyCode");
    /* A fresh address binds (upper case in, lower case stored). */
    char mail[96], upper[96];
    e2e_email(mail, "newmail");
    for (size_t i = 0; i <= strlen(mail); i++)
        upper[i] = (char)toupper_safe(mail[i]);
    sec_common(&b, "EMAIL", upper, mail, tok, code);
    expect_code(
        sec_call(&b, SEC_R("bindEmail"),
                 json_pack("{s:s,s:s,s:s}", "email", upper, "verifyCode", code, "sendToken", tok)),
        "0");
    struct e2e_resp r = sec_call(&b, SEC_R("findPhoneAndEmail"), json_object());
    E2E_EXPECT(r, 200, "0");
    expect_str(json_object_get(r.json, "data"), "email", mail);
    e2e_resp_free(&r);
}

static json_t *change_email_body(const char *email, const char *code, const char *tok,
                                 const char *old_code, const char *old_tok, const char *g)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "email", email, "verifyCode", code,
                     "sendToken", tok, "verifyCodeOld", old_code, "sendTokenOld", old_tok,
                     "googleCode", g, "emailArea", "");
}

static void change_email__step_up_notice_hold(void **state)
{
    (void)state;
    struct sec_cust c;
    sec_register_email(&c, "chg");
    struct e2e_resp r = sec_call(&c, SEC_R("changeLang"), json_pack("{s:s}", "newLang", "zh-CN"));
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    char mail[96], tok[100], code[7], otok[100], ocode[7];
    e2e_email(mail, "chgnew");
    sec_common(&c, "EMAIL", mail, mail, tok, code);

    /* Step-up shape 3 missing: 119 naming the field, nothing consumed. */
    r = sec_call(&c, SEC_R("changeEmail"), change_email_body(mail, code, tok, "", "", ""));
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000119", "verifyCodeOld");
    e2e_resp_free(&r);
    sec_logined(&c, "EMAIL", otok, ocode);
    r = sec_call(&c, SEC_R("changeEmail"), change_email_body(mail, code, tok, ocode, "", ""));
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000119", "sendTokenOld");
    e2e_resp_free(&r);
    /* The new contact's COMMON code in the old-code slot: another bizType. */
    expect_code(
        sec_call(&c, SEC_R("changeEmail"), change_email_body(mail, code, tok, code, tok, "")),
        "MESSAGE_API_0000202");
    /* Changing to the current address (proved by its own COMMON code): nothing to change.
     * The new address's code for another address: 202 (and no word on who holds it). */
    expect_code(
        sec_call(&c, SEC_R("changeEmail"), change_email_body(c.email, code, tok, ocode, otok, "")),
        "MESSAGE_API_0000202");
    char stok[100], scode[7];
    sec_common(&c, "EMAIL", c.email, c.email, stok, scode);
    expect_code(sec_call(&c, SEC_R("changeEmail"),
                         change_email_body(c.email, scode, stok, ocode, otok, "")),
                "CUSTOMER_API_0000120");
    /* A customer without a phone cannot change one. */
    char phone[16];
    e2e_phone(phone);
    expect_code(sec_call(&c, SEC_R("changePhone"),
                         json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "phone", phone, "phoneArea", "+86",
                                   "verifyCode", code, "sendToken", tok, "verifyCodeOld", ocode,
                                   "sendTokenOld", otok)),
                "CUSTOMER_API_0000120");

    /* The V1v1v2 route, complete. */
    expect_code(sec_call(&c, SEC_R("changeEmailV1v1v2"),
                         change_email_body(mail, code, tok, ocode, otok, "")),
                "0");
    json_t *n = sec_delivery(c.email);
    expect_str(n, "bizType", "NOTICE_CONTACT_CHANGED");
    expect_str(n, "lang", "zh-CN");
    assert_non_null(strstr(json_string_value(json_object_get(n, "text")), "邮箱"));
    assert_true(json_is_null(json_object_get(n, "code")));
    json_decref(n);
    json_t *d = sec_info(&c);
    char masked[96];
    snprintf(masked, sizeof masked, "%.2s**%s", mail, strchr(mail, '@'));
    expect_str(d, "email", masked);
    expect_str(d, "securityHoldReason", "contact_change");
    json_int_t until = json_integer_value(json_object_get(d, "securityHoldUntil"));
    json_int_t reg = json_integer_value(json_object_get(d, "registerTime"));
    assert_true(until > reg + 86000000LL && until < reg + 86400000LL + 120000);
    json_decref(d);
    /* The gateway check tells the fund service (C20). */
    r = e2e_call(sec_server, E2E_PREFIX "/auth/check", NULL,
                 &(struct e2e_opts){.method = "GET", .token = c.token});
    assert_int_equal(r.status, 200);
    char hdr[64], want[32];
    snprintf(want, sizeof want, "%lld", (long long)until);
    assert_non_null(e2e_header(&r, "X-Security-Hold-Until", hdr, sizeof hdr));
    assert_string_equal(hdr, want);
    e2e_resp_free(&r);

    /* Replays: the old contact's code and the new one's are spent. */
    expect_code(
        sec_call(&c, SEC_R("changeEmail"), change_email_body(mail, code, tok, ocode, otok, "")),
        "MESSAGE_API_0000202");
    char mail2[96], tok2[100], code2[7];
    e2e_email(mail2, "chgtwo");
    sec_common(&c, "EMAIL", mail2, mail2, tok2, code2);
    expect_code(
        sec_call(&c, SEC_R("changeEmail"), change_email_body(mail2, code2, tok2, ocode, otok, "")),
        "MESSAGE_API_0000202");

    /* The old address no longer signs in, the new one does. */
    r = e2e_login(sec_server, 1, c.email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(r, 200, "CUSTOMER_API_0000102");
    e2e_resp_free(&r);
    r = e2e_login(sec_server, 1, mail, NULL, E2E_PWD, NULL);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
}

static json_t *change_phone_body(const char *phone, const char *code, const char *tok,
                                 const char *old_code, const char *old_tok, const char *g)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "phone", phone, "phoneArea", "+86",
                     "verifyCode", code, "sendToken", tok, "verifyCodeOld", old_code,
                     "sendTokenOld", old_tok, "googleCode", g);
}

static void change_phone__totp_when_mfa_on(void **state)
{
    (void)state;
    struct sec_cust c;
    sec_register_phone(&c);
    sec_mfa_on(&c);
    char phone[16], to[40], tok[100], code[7], otok[100], ocode[7], g[7];
    e2e_phone(phone);
    snprintf(to, sizeof to, "+86 %s", phone);
    sec_common(&c, "SMS", to, to, tok, code);
    sec_logined(&c, "SMS", otok, ocode);

    struct e2e_resp r =
        sec_call(&c, SEC_R("changePhone"), change_phone_body(phone, code, tok, ocode, otok, ""));
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000119", "googleCode");
    e2e_resp_free(&r);
    /* The step the enabling used, replayed: 107. A wrong code: 107 too. */
    sec_totp_replay(&c, g);
    expect_code(
        sec_call(&c, SEC_R("changePhone"), change_phone_body(phone, code, tok, ocode, otok, g)),
        "CUSTOMER_API_0000107");
    expect_code(sec_call(&c, SEC_R("changePhone"),
                         change_phone_body(phone, code, tok, ocode, otok, "000000")),
                "CUSTOMER_API_0000107");
    /* Nothing changed so far. */
    r = sec_call(&c, SEC_R("findPhoneAndEmail"), json_object());
    expect_str(json_object_get(r.json, "data"), "phone", c.phone);
    e2e_resp_free(&r);

    sec_totp_next(&c, g);
    expect_code(sec_call(&c, SEC_R("changePhoneV1v1v2"),
                         change_phone_body(phone, code, tok, ocode, otok, g)),
                "0");
    char old_to[40];
    snprintf(old_to, sizeof old_to, "+86 %s", c.phone);
    json_t *n = sec_delivery(old_to);
    expect_str(n, "channel", "sms");
    expect_str(n, "bizType", "NOTICE_CONTACT_CHANGED");
    json_decref(n);
    r = sec_call(&c, SEC_R("findPhoneAndEmail"), json_object());
    expect_str(json_object_get(r.json, "data"), "phone", phone);
    assert_true(json_is_null(json_object_get(json_object_get(r.json, "data"), "email")));
    e2e_resp_free(&r);
}

static void change_country__stored_and_checked(void **state)
{
    (void)state;
    struct sec_cust c;
    sec_register_email(&c, "country");
    expect_field(sec_call(&c, SEC_R("changeCountry"), json_object()), "newCountry");
    expect_field(sec_call(&c, SEC_R("changeCountry"), json_pack("{s:i}", "newCountry", 65)),
                 "newCountry");
    char longc[80];
    memset(longc, 'A', 70);
    longc[70] = '\0';
    expect_field(sec_call(&c, SEC_R("changeCountry"), json_pack("{s:s}", "newCountry", longc)),
                 "newCountry");
    expect_code(sec_call(&c, SEC_R("changeCountry"), json_pack("{s:s}", "newCountry", "SG")), "0");
    json_t *d = sec_info(&c);
    expect_str(d, "country", "SG");
    json_decref(d);
    /* Without a token: 001. */
    struct e2e_resp r =
        e2e_call(sec_server, SEC_R("changeCountry"), "{\"newCountry\":\"US\"}", NULL);
    E2E_EXPECT(r, 200, "GATEWAY_CODE_001");
    e2e_resp_free(&r);
}

static void mfa_unbind__shape_two_and_hold(void **state)
{
    (void)state;
    struct sec_cust c;
    sec_register_email(&c, "unbind");
    sec_mfa_on(&c);
    char tok[100], code[7], g[7];
    sec_logined(&c, "EMAIL", tok, code);
    /* Shape 2 names (API-key pages): emailCode + emailSendToken. */
    struct e2e_resp r =
        sec_call(&c, SEC_R("enableOrForbidMFA"),
                 json_pack("{s:i,s:s,s:s}", "type", 2, "emailCode", code, "emailSendToken", tok));
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000119", "googleCode");
    e2e_resp_free(&r);
    r = sec_call(&c, SEC_R("enableOrForbidMFA"),
                 json_pack("{s:i,s:s}", "type", 2, "emailCode", code));
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000119", "emailSendToken");
    e2e_resp_free(&r);
    sec_totp_next(&c, g);
    expect_code(sec_call(&c, SEC_R("enableOrForbidMFA"),
                         json_pack("{s:i,s:s,s:s,s:s}", "type", 2, "emailCode", code,
                                   "emailSendToken", tok, "googleCode", g)),
                "0");
    json_t *d = sec_info(&c);
    assert_int_equal(json_integer_value(json_object_get(d, "googleId")), -1);
    expect_str(d, "securityHoldReason", "mfa_unbind");
    json_decref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bind_phone__common_code_then_masked_and_unmasked),
        cmocka_unit_test(bind_email__taken_answers_register_code),
        cmocka_unit_test(change_email__step_up_notice_hold),
        cmocka_unit_test(change_phone__totp_when_mfa_on),
        cmocka_unit_test(change_country__stored_and_checked),
        cmocka_unit_test(mfa_unbind__shape_two_and_hold),
    };
    return cmocka_run_group_tests(tests, sec_group_setup, sec_group_teardown);
}
