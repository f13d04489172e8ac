/* tests/support/security_flow.c — see security_flow.h. Asserting helpers, main thread only. */
#include "support/security_flow.h"

#include "crypto/totp.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

struct e2e_server *sec_server;

int sec_group_setup_with(void **state, const char *const *extra)
{
    const char *base[] = {
        "--code-resend-s",           "0",      "--codes-per-recipient-hour", "100000",
        "--codes-per-recipient-day", "100000", "--codes-per-address-hour",   "100000"};
    const char *args[64];
    size_t n = 0;
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++)
        args[n++] = base[i];
    for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 62; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    sec_server = e2e_server_up(args);
    *state = sec_server;
    return sec_server != NULL ? 0 : -1;
}

int sec_group_setup(void **state)
{
    return sec_group_setup_with(state, NULL);
}

int sec_group_teardown(void **state)
{
    (void)state;
    e2e_server_stop(sec_server);
    e2e_server_free(sec_server);
    sec_server = NULL;
    return 0;
}

void sec_register_email(struct sec_cust *c, const char *local)
{
    memset(c, 0, sizeof *c);
    e2e_email(c->email, local);
    json_t *d = E2E_REGISTER_EMAIL(sec_server, c->email, E2E_PWD);
    snprintf(c->token, sizeof c->token, "%s", E2E_STR(d, "token"));
    json_decref(d);
}

void sec_register_phone(struct sec_cust *c)
{
    memset(c, 0, sizeof *c);
    e2e_phone(c->phone);
    json_t *d = E2E_REGISTER_PHONE(sec_server, "+86", c->phone, E2E_PWD);
    snprintf(c->token, sizeof c->token, "%s", E2E_STR(d, "token"));
    json_decref(d);
}

struct e2e_resp sec_call(const struct sec_cust *c, const char *route, json_t *body)
{
    return e2e_callj(sec_server, route, body, &(struct e2e_opts){.token = c->token});
}

static void send_with_token(const struct sec_cust *c, const char *biz, const char *to_user,
                            char tok[100])
{
    json_t *body = json_pack("{s:s}", "bizType", biz);
    if (to_user != NULL)
        json_object_set_new(body, "toUser", json_string(to_user));
    struct e2e_resp r = sec_call(c, E2E_SEND, body);
    E2E_EXPECT(r, 200, "0");
    snprintf(tok, 100, "%s", E2E_STR(json_object_get(r.json, "data"), "token"));
    e2e_resp_free(&r);
}

void sec_logined(const struct sec_cust *c, const char *channel, char tok[100], char code[7])
{
    bool sms = strcmp(channel, "SMS") == 0;
    send_with_token(c, sms ? "SMS_LOGINED_VERIFICATION_CODE" : "EMAIL_LOGINED_VERIFICATION_CODE",
                    NULL, tok);
    char rcpt[128];
    if (sms)
        snprintf(rcpt, sizeof rcpt, "+86 %s", c->phone);
    else
        snprintf(rcpt, sizeof rcpt, "%s", c->email);
    E2E_WAIT_CODE(sec_server, rcpt, code);
}

void sec_common(const struct sec_cust *c, const char *channel, const char *to_user,
                const char *rcpt, char tok[100], char code[7])
{
    bool sms = strcmp(channel, "SMS") == 0;
    send_with_token(c, sms ? "SMS_COMMON_VERIFICATION_CODE" : "EMAIL_COMMON_VERIFICATION_CODE",
                    to_user, tok);
    E2E_WAIT_CODE(sec_server, rcpt, code);
}

static long long step_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec / 30;
}

void sec_totp_next(struct sec_cust *c, char out[7])
{
    /* The server accepts now ±1 step and never a step twice: take the next unused one,
     * waiting for the clock when the window is used up. */
    long long step = step_now() - 1;
    if (step <= c->last_step)
        step = c->last_step + 1;
    while (step > step_now() + 1) {
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(totp_code_at(c->mfa_secret, step, out), TA_OK);
    c->last_step = step;
}

void sec_totp_replay(const struct sec_cust *c, char out[7])
{
    assert_int_equal(totp_code_at(c->mfa_secret, c->last_step, out), TA_OK);
}

void sec_mfa_on(struct sec_cust *c)
{
    struct e2e_resp r =
        sec_call(c, E2E_PREFIX "/global/customer.app.GoogleVerifyApiService.generateGoogleAccount",
                 json_object());
    E2E_EXPECT(r, 200, "0");
    const json_t *d = json_object_get(r.json, "data");
    snprintf(c->mfa_secret, sizeof c->mfa_secret, "%s", E2E_STR(d, "secret"));
    json_int_t id = json_integer_value(json_object_get(d, "id"));
    e2e_resp_free(&r);
    char g[7], tok_e[100] = "", code_e[7] = "", tok_s[100] = "", code_s[7] = "";
    if (c->email[0] != '\0')
        sec_logined(c, "EMAIL", tok_e, code_e);
    if (c->phone[0] != '\0')
        sec_logined(c, "SMS", tok_s, code_s);
    c->last_step = 0;
    sec_totp_next(c, g);
    r = sec_call(c, SEC_R("enableOrForbidMFA"),
                 json_pack("{s:i,s:I,s:s,s:s,s:s,s:s,s:s}", "type", 1, "googleId", id, "googleCode",
                           g, "verifyCodeEmail", code_e, "sendTokenEmail", tok_e, "verifyCodeSMS",
                           code_s, "sendTokenSMS", tok_s));
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
}

json_t *sec_info(const struct sec_cust *c)
{
    struct e2e_resp r = e2e_call(sec_server, E2E_INFO, "{}", &(struct e2e_opts){.token = c->token});
    E2E_EXPECT(r, 200, "0");
    json_t *d = json_incref(json_object_get(r.json, "data"));
    E2E_CHECK_CUSTOMER(d, E2E_RTOKEN_NULL);
    e2e_resp_free(&r);
    return d;
}

json_t *sec_delivery(const char *to)
{
    json_t *o = e2e_wait_delivery(sec_server, to, 5000);
    if (o == NULL)
        fail_msg("no delivery to \"%s\" within 5 s", to);
    return o;
}
