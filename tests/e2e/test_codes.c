/* tests/e2e/test_codes.c — verification codes end to end (contract B5, C1, D): what the
 * delivery log receives, the MESSAGE_API_02xx family as register and login see it, the
 * per-address sending limit, and a code asked for right before SIGTERM still delivered. */
#include "support/e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One server for the whole file (e2e_group_setup / e2e_group_teardown). */
#define srv e2e_group_server

static struct e2e_resp send_code(const struct e2e_server *s, const char *biz, const char *to,
                                 const struct e2e_opts *o)
{
    json_t *body = to != NULL ? json_pack("{s:s,s:s}", "bizType", biz, "toUser", to)
                              : json_pack("{s:s}", "bizType", biz);
    return e2e_callj(s, E2E_SEND, body, o);
}

static json_t *register_body(const char *email, const char *send_token, const char *code)
{
    return json_pack("{s:i,s:s,s:s,s:s,s:s,s:i,s:s}", "type", 1, "loginName", email, "country",
                     "CN", "verifyCode", code, "sendToken", send_token, "registerSource", 1, "pwd",
                     E2E_PWD);
}

/* A code that is not `code` (same length, all digits). */
static void wrong_code(const char *code, char out[7])
{
    for (int i = 0; i < 6; i++)
        out[i] = (char)('0' + (code[i] - '0' + 1) % 10);
    out[6] = '\0';
}

/* ---- delivery ------------------------------------------------------------------------- */

static void send__email__delivery_line_has_every_field_in_the_request_language(void **state)
{
    (void)state;
    char email[96], upper[96];
    e2e_email(email, "mail");
    snprintf(upper, sizeof upper, "%s", email);
    upper[0] = 'M';
    struct e2e_opts o = {.lang = "zh-HK"};
    struct e2e_resp r = send_code(srv, "EMAIL_REGISTER_VERIFICATION_CODE", upper, &o);
    E2E_EXPECT(r, 200, "0");
    const char *t = E2E_STR(json_object_get(r.json, "data"), "token");
    assert_true(strlen(t) >= 16);
    assert_int_equal(json_object_size(json_object_get(r.json, "data")), 1);
    e2e_resp_free(&r);

    json_t *line = e2e_wait_delivery(srv, email, 5000);
    assert_non_null(line);
    assert_true(json_is_integer(json_object_get(line, "time")));
    assert_true(json_is_integer(json_object_get(line, "id")));
    assert_int_equal(json_integer_value(json_object_get(line, "companyId")), 1);
    assert_string_equal(E2E_STR(line, "channel"), "email");
    assert_string_equal(E2E_STR(line, "to"), email); /* stored lowercased */
    assert_string_equal(E2E_STR(line, "bizType"), "EMAIL_REGISTER_VERIFICATION_CODE");
    const char *code = E2E_STR(line, "code");
    assert_int_equal(strlen(code), 6);
    assert_int_equal(strspn(code, "0123456789"), 6);
    assert_string_equal(E2E_STR(line, "lang"), "zh-HK");
    assert_true(strlen(E2E_STR(line, "subject")) > 0);
    const char *text = E2E_STR(line, "text");
    assert_non_null(strstr(text, code));
    assert_non_null(strstr(text, "碼")); /* traditional: 驗證碼 */
    json_decref(line);
}

static void send__sms_bare_number__goes_to_plus86(void **state)
{
    (void)state;
    char phone[16], rcpt[40];
    e2e_phone(phone);
    struct e2e_resp r = send_code(srv, "SMS_REGISTER_VERIFICATION_CODE", phone, NULL);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    snprintf(rcpt, sizeof rcpt, "+86 %s", phone);
    json_t *line = e2e_wait_delivery(srv, rcpt, 5000);
    assert_non_null(line);
    assert_string_equal(E2E_STR(line, "channel"), "sms");
    assert_string_equal(E2E_STR(line, "lang"), "en-US");
    json_decref(line);
}

static void send__login_code_to_unknown_recipient__success_but_nothing_delivered(void **state)
{
    (void)state;
    char ghost[96], real[96], tok[100], code[7];
    e2e_email(ghost, "ghost");
    e2e_email(real, "real");
    struct e2e_resp r = send_code(srv, "EMAIL_LOGIN_VERIFICATION_CODE", ghost, NULL);
    E2E_EXPECT(r, 200, "0");
    assert_true(strlen(E2E_STR(json_object_get(r.json, "data"), "token")) >= 16);
    e2e_resp_free(&r);
    struct e2e_resp p = send_code(srv, "EMAIL_PASSWORD_VERIFICATION_CODE", ghost, NULL);
    E2E_EXPECT(p, 200, "0");
    e2e_resp_free(&p);
    /* A later send is delivered; the worker goes in order, so the ghost had its turn. */
    E2E_SEND_CODE(srv, "EMAIL_REGISTER_VERIFICATION_CODE", real, NULL, tok);
    E2E_WAIT_CODE(srv, real, code);
    assert_int_equal(e2e_delivery_count(srv, ghost), 0);
}

static void send__logined_type__needs_a_token_and_goes_to_own_address(void **state)
{
    (void)state;
    struct e2e_resp r = send_code(srv, "EMAIL_LOGINED_VERIFICATION_CODE", "x@example.com", NULL);
    E2E_EXPECT(r, 200, "GATEWAY_CODE_001");
    e2e_resp_free(&r);
    char email[96], other[96];
    e2e_email(email, "logined");
    e2e_email(other, "elsewhere");
    json_t *data = E2E_REGISTER_EMAIL(srv, email, E2E_PWD);
    struct e2e_opts o = {.token = E2E_STR(data, "token")};
    struct e2e_resp ok = send_code(srv, "EMAIL_LOGINED_VERIFICATION_CODE", other, &o);
    E2E_EXPECT(ok, 200, "0");
    e2e_resp_free(&ok);
    json_decref(data);
    char code[7];
    E2E_WAIT_CODE(srv, email, code); /* toUser is ignored: the customer's own email */
    assert_int_equal(e2e_delivery_count(srv, other), 0);
}

/* ---- MESSAGE_API_0000206 / 100 ----------------------------------------------------------- */

static void send__unknown_biztype_or_unfit_recipient__206(void **state)
{
    (void)state;
    char email[96], phone[16];
    e2e_email(email, "fit");
    e2e_phone(phone);
    struct {
        const char *biz, *to;
    } cases[] = {
        {"EMAIL_NOPE_VERIFICATION_CODE", email},
        {"email_register_verification_code", email},
        {"SMS_REGISTER_VERIFICATION_CODE", email},
        {"SMS_LOGIN_VERIFICATION_CODE", email},
        {"EMAIL_REGISTER_VERIFICATION_CODE", phone},
        {"SMS_REGISTER_VERIFICATION_CODE", "+86  13800000000"},
        {"SMS_REGISTER_VERIFICATION_CODE", "+86 123"},
        {"EMAIL_REGISTER_VERIFICATION_CODE", "no-at-sign"},
        {"EMAIL_REGISTER_VERIFICATION_CODE", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct e2e_resp r = send_code(srv, cases[i].biz, cases[i].to, NULL);
        E2E_EXPECT(r, 200, "MESSAGE_API_0000206");
        e2e_resp_free(&r);
    }
    assert_int_equal(e2e_delivery_count(srv, email), 0);
    struct e2e_resp r = e2e_call(srv, E2E_SEND, "{\"toUser\":\"a@b.cd\"}", NULL);
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000100", "bizType");
    e2e_resp_free(&r);
    struct e2e_resp r2 = e2e_call(srv, E2E_SEND, "{\"bizType\":5,\"toUser\":\"a@b.cd\"}", NULL);
    E2E_EXPECT_PARAMS(r2, 200, "CUSTOMER_API_0000100", "bizType");
    e2e_resp_free(&r2);
}

/* ---- MESSAGE_API_0000204 ---------------------------------------------------------------- */

static void send__again_inside_60_s__204_with_seconds_to_wait(void **state)
{
    (void)state;
    char email[96], tok[100], code[7];
    e2e_email(email, "resend");
    E2E_SEND_CODE(srv, "EMAIL_REGISTER_VERIFICATION_CODE", email, NULL, tok);
    E2E_WAIT_CODE(srv, email, code);
    /* From another address too: the cooldown belongs to the recipient. */
    struct e2e_resp r = send_code(srv, "EMAIL_REGISTER_VERIFICATION_CODE", email, NULL);
    E2E_EXPECT_ONE_PARAM(r, 200, "MESSAGE_API_0000204");
    long s = e2e_param_long(&r);
    assert_in_range(s, 55, 60);
    e2e_resp_free(&r);
    /* The refused send wrote nothing: the first code still registers. */
    struct e2e_resp ok = e2e_callj(srv, E2E_REGISTER, register_body(email, tok, code), NULL);
    E2E_EXPECT(ok, 200, "0");
    e2e_resp_free(&ok);
    /* Another purpose for the same recipient has its own cooldown. */
    char tok2[100];
    E2E_SEND_CODE(srv, "EMAIL_LOGIN_VERIFICATION_CODE", email, NULL, tok2);
}

/* ---- MESSAGE_API_0000201 / 202 / 203 ------------------------------------------------------ */

static void register__wrong_code__201_with_attempts_left(void **state)
{
    (void)state;
    char email[96], tok[100], code[7], bad[7];
    e2e_email(email, "wrong");
    E2E_SEND_CODE(srv, "EMAIL_REGISTER_VERIFICATION_CODE", email, NULL, tok);
    E2E_WAIT_CODE(srv, email, code);
    wrong_code(code, bad);
    struct e2e_resp r = e2e_callj(srv, E2E_REGISTER, register_body(email, tok, bad), NULL);
    E2E_EXPECT_PARAMS(r, 200, "MESSAGE_API_0000201", "4");
    e2e_resp_free(&r);
    struct e2e_resp r2 = e2e_callj(srv, E2E_REGISTER, register_body(email, tok, bad), NULL);
    E2E_EXPECT_PARAMS(r2, 200, "MESSAGE_API_0000201", "3");
    e2e_resp_free(&r2);
    struct e2e_resp ok = e2e_callj(srv, E2E_REGISTER, register_body(email, tok, code), NULL);
    E2E_EXPECT(ok, 200, "0");
    e2e_resp_free(&ok);
}

static void register__unknown_send_token__202(void **state)
{
    (void)state;
    char email[96], tok[100], code[7];
    e2e_email(email, "unknown");
    E2E_SEND_CODE(srv, "EMAIL_REGISTER_VERIFICATION_CODE", email, NULL, tok);
    E2E_WAIT_CODE(srv, email, code);
    char fake[65];
    memset(fake, 'f', 64);
    fake[64] = '\0';
    struct e2e_resp r = e2e_callj(srv, E2E_REGISTER, register_body(email, fake, code), NULL);
    E2E_EXPECT(r, 200, "MESSAGE_API_0000202");
    e2e_resp_free(&r);
    /* The real sendToken still works. */
    struct e2e_resp ok = e2e_callj(srv, E2E_REGISTER, register_body(email, tok, code), NULL);
    E2E_EXPECT(ok, 200, "0");
    e2e_resp_free(&ok);
}

static void login__code_used_twice__202(void **state)
{
    (void)state;
    char email[96], tok[100], code[7];
    e2e_email(email, "twice");
    json_t *data = E2E_REGISTER_EMAIL(srv, email, E2E_PWD);
    json_decref(data);
    E2E_SEND_CODE(srv, "EMAIL_LOGIN_VERIFICATION_CODE", email, NULL, tok);
    E2E_WAIT_CODE(srv, email, code);
    for (int i = 0; i < 2; i++) {
        struct e2e_resp r = e2e_callj(srv, E2E_LOGIN,
                                      json_pack("{s:i,s:s,s:s,s:s,s:s,s:i}", "type", 1, "loginName",
                                                email, "loginPwd", E2E_MD5_EMPTY, "verifyCode",
                                                code, "sendToken", tok, "device", 1),
                                      NULL);
        E2E_EXPECT(r, 200, i == 0 ? "0" : "MESSAGE_API_0000202");
        e2e_resp_free(&r);
    }
}

static void register__five_wrong_codes__203_even_for_the_right_code(void **state)
{
    (void)state;
    char email[96], tok[100], code[7], bad[7];
    e2e_email(email, "five");
    E2E_SEND_CODE(srv, "EMAIL_REGISTER_VERIFICATION_CODE", email, NULL, tok);
    E2E_WAIT_CODE(srv, email, code);
    wrong_code(code, bad);
    static const char *const left[] = {"4", "3", "2", "1"};
    for (size_t i = 0; i < 4; i++) {
        struct e2e_resp r = e2e_callj(srv, E2E_REGISTER, register_body(email, tok, bad), NULL);
        E2E_EXPECT_PARAMS(r, 200, "MESSAGE_API_0000201", left[i]);
        e2e_resp_free(&r);
    }
    /* The fifth wrong code ends the ticket. */
    struct e2e_resp r5 = e2e_callj(srv, E2E_REGISTER, register_body(email, tok, bad), NULL);
    E2E_EXPECT(r5, 200, "MESSAGE_API_0000203");
    e2e_resp_free(&r5);
    struct e2e_resp r6 = e2e_callj(srv, E2E_REGISTER, register_body(email, tok, code), NULL);
    E2E_EXPECT(r6, 200, "MESSAGE_API_0000203");
    e2e_resp_free(&r6);
}

/* ---- MESSAGE_API_0000205 (a server with tight sending limits) ----------------------------- */

static int setup_tight(void **state)
{
    *state = e2e_server_up(E2E_ARGS("--codes-per-address-hour", "2", "--code-resend-s", "0"));
    return 0;
}

static void send__third_code_from_one_address__205(void **state)
{
    struct e2e_server *s = *state;
    char addr[32], other[32];
    e2e_addr(addr);
    e2e_addr(other);
    char a[96], b[96], c[96], tok[100];
    e2e_email(a, "lim");
    e2e_email(b, "lim");
    e2e_email(c, "lim");
    E2E_SEND_CODE(s, "EMAIL_REGISTER_VERIFICATION_CODE", a, addr, tok);
    E2E_SEND_CODE(s, "EMAIL_REGISTER_VERIFICATION_CODE", b, addr, tok);
    struct e2e_opts o = {.xff = addr};
    struct e2e_resp r = send_code(s, "EMAIL_REGISTER_VERIFICATION_CODE", c, &o);
    E2E_EXPECT(r, 200, "MESSAGE_API_0000205");
    e2e_resp_free(&r);
    /* Another address may still send to the same new recipient. */
    E2E_SEND_CODE(s, "EMAIL_REGISTER_VERIFICATION_CODE", c, other, tok);
    char code[7];
    E2E_WAIT_CODE(s, c, code);
    assert_int_equal(e2e_delivery_count(s, c), 1);
}

static void send__eleventh_code_to_one_recipient_in_an_hour__205(void **state)
{
    struct e2e_server *s = *state;
    char email[96], tok[100];
    e2e_email(email, "often");
    for (int i = 0; i < 10; i++)
        E2E_SEND_CODE(s, "EMAIL_REGISTER_VERIFICATION_CODE", email, NULL, tok);
    struct e2e_resp r = send_code(s, "EMAIL_REGISTER_VERIFICATION_CODE", email, NULL);
    E2E_EXPECT(r, 200, "MESSAGE_API_0000205");
    e2e_resp_free(&r);
    /* The limit is per recipient: another purpose to the same one is refused too. */
    struct e2e_resp l = send_code(s, "EMAIL_LOGIN_VERIFICATION_CODE", email, NULL);
    E2E_EXPECT(l, 200, "MESSAGE_API_0000205");
    e2e_resp_free(&l);
    /* The last code that went out still registers. */
    char code[7];
    json_t *line = NULL;
    for (int i = 0; i < 10; i++) {
        json_decref(line);
        line = e2e_wait_delivery(s, email, 5000);
        assert_non_null(line);
    }
    snprintf(code, sizeof code, "%s", E2E_STR(line, "code"));
    json_decref(line);
    struct e2e_resp ok = e2e_callj(s, E2E_REGISTER, register_body(email, tok, code), NULL);
    E2E_EXPECT(ok, 200, "0");
    e2e_resp_free(&ok);
}

static void send__new_code__ends_the_previous_ticket(void **state)
{
    struct e2e_server *s = *state;
    char email[96], tok1[100], tok2[100], code1[7], code2[7];
    e2e_email(email, "renew");
    E2E_SEND_CODE(s, "EMAIL_REGISTER_VERIFICATION_CODE", email, NULL, tok1);
    E2E_WAIT_CODE(s, email, code1);
    E2E_SEND_CODE(s, "EMAIL_REGISTER_VERIFICATION_CODE", email, NULL, tok2);
    E2E_WAIT_CODE(s, email, code2);
    struct e2e_resp old = e2e_callj(s, E2E_REGISTER, register_body(email, tok1, code1), NULL);
    E2E_EXPECT(old, 200, "MESSAGE_API_0000202");
    e2e_resp_free(&old);
    struct e2e_resp ok = e2e_callj(s, E2E_REGISTER, register_body(email, tok2, code2), NULL);
    E2E_EXPECT(ok, 200, "0");
    e2e_resp_free(&ok);
}

/* ---- graceful shutdown ---------------------------------------------------------------------- */

/* The worker would not poll again for a minute: only the shutdown flush can deliver. */
static int setup_slow_poll(void **state)
{
    *state = e2e_server_up(E2E_ARGS("--delivery-poll-ms", "60000"));
    return 0;
}

static void shutdown__code_requested_right_before_sigterm__is_delivered_after_exit(void **state)
{
    struct e2e_server *s = *state;
    char email[96], tok[100];
    e2e_email(email, "bye");
    /* Give the worker its first (empty) pass, so the next one is a minute away. */
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
    E2E_SEND_CODE(s, "EMAIL_REGISTER_VERIFICATION_CODE", email, NULL, tok);
    assert_int_equal(e2e_delivery_count(s, email), 0);
    e2e_server_stop(s); /* SIGTERM; asserts exit status 0 */
    assert_int_equal(e2e_delivery_count(s, email), 1);
    json_t *line = e2e_wait_delivery(s, email, 0);
    assert_non_null(line);
    const char *code = E2E_STR(line, "code");
    assert_int_equal(strspn(code, "0123456789"), 6);
    json_decref(line);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(send__email__delivery_line_has_every_field_in_the_request_language),
        cmocka_unit_test(send__sms_bare_number__goes_to_plus86),
        cmocka_unit_test(send__login_code_to_unknown_recipient__success_but_nothing_delivered),
        cmocka_unit_test(send__logined_type__needs_a_token_and_goes_to_own_address),
        cmocka_unit_test(send__unknown_biztype_or_unfit_recipient__206),
        cmocka_unit_test(send__again_inside_60_s__204_with_seconds_to_wait),
        cmocka_unit_test(register__wrong_code__201_with_attempts_left),
        cmocka_unit_test(register__unknown_send_token__202),
        cmocka_unit_test(login__code_used_twice__202),
        cmocka_unit_test(register__five_wrong_codes__203_even_for_the_right_code),
        cmocka_unit_test_setup_teardown(send__third_code_from_one_address__205, setup_tight,
                                        e2e_teardown_server),
        cmocka_unit_test_setup_teardown(send__eleventh_code_to_one_recipient_in_an_hour__205,
                                        setup_tight, e2e_teardown_server),
        cmocka_unit_test_setup_teardown(send__new_code__ends_the_previous_ticket, setup_tight,
                                        e2e_teardown_server),
        cmocka_unit_test_setup_teardown(
            shutdown__code_requested_right_before_sigterm__is_delivered_after_exit, setup_slow_poll,
            e2e_teardown_server),
    };
    return cmocka_run_group_tests(tests, e2e_group_setup, e2e_group_teardown);
}
