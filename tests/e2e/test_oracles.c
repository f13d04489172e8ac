/* tests/e2e/test_oracles.c — issue 13 points 3-5 and 7: no unthrottled existence oracle
 * (REGISTER sends share checkStatus's per-address limit), the password lock counted by
 * login name so known and unknown names answer alike while code login stays open, the
 * no-store/nosniff headers on every answer, and a private delivery log. One server. */
#include "support/e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define srv e2e_group_server
#define R_CHECK_STATUS E2E_PREFIX "/global/" E2E_CWS "checkStatus"
#define BIZ_REGISTER "EMAIL_REGISTER_VERIFICATION_CODE"
#define BIZ_LOGIN "EMAIL_LOGIN_VERIFICATION_CODE"

static struct e2e_resp send_from(const char *biz, const char *to, const char *xff)
{
    struct e2e_opts o = {.xff = xff};
    return e2e_callj(srv, E2E_SEND, json_pack("{s:s,s:s}", "bizType", biz, "toUser", to), &o);
}

static struct e2e_resp status_from(const char *email, const char *xff)
{
    struct e2e_opts o = {.xff = xff};
    return e2e_callj(srv, R_CHECK_STATUS, json_pack("{s:i,s:s}", "type", 1, "loginName", email),
                     &o);
}

/* ---- point 3: REGISTER sends are lookups ------------------------------------------------ */

static void register_send__known_recipient__limited_like_check_status(void **state)
{
    (void)state;
    char email[96], xff[32];
    e2e_email(email, "oracle");
    json_decref(E2E_REGISTER_EMAIL(srv, email, E2E_PWD));
    e2e_addr(xff);
    /* Before the fix all 40 answered 105. The limit is 30 a minute per address. */
    for (int i = 0; i < 30; i++) {
        struct e2e_resp r = send_from(BIZ_REGISTER, email, xff);
        E2E_EXPECT(r, 200, "CUSTOMER_API_0000105");
        e2e_resp_free(&r);
    }
    struct e2e_resp r = send_from(BIZ_REGISTER, email, xff);
    E2E_EXPECT_ONE_PARAM(r, 200, "GATEWAY_CODE_004");
    e2e_resp_free(&r);
    /* One budget: checkStatus from that address is spent too. */
    struct e2e_resp c = status_from(email, xff);
    E2E_EXPECT_ONE_PARAM(c, 200, "GATEWAY_CODE_004");
    e2e_resp_free(&c);
}

static void register_send__unknown_recipients_and_check_status__share_one_budget(void **state)
{
    (void)state;
    char xff[32];
    e2e_addr(xff);
    for (int i = 0; i < 15; i++) {
        char email[96];
        e2e_email(email, "fresh");
        struct e2e_resp r = send_from(BIZ_REGISTER, email, xff);
        E2E_EXPECT(r, 200, "0");
        e2e_resp_free(&r);
        struct e2e_resp c = status_from(email, xff);
        E2E_EXPECT(c, 200, "0");
        e2e_resp_free(&c);
    }
    char email[96];
    e2e_email(email, "fresh");
    struct e2e_resp r = send_from(BIZ_REGISTER, email, xff);
    E2E_EXPECT_ONE_PARAM(r, 200, "GATEWAY_CODE_004");
    e2e_resp_free(&r);
    /* LOGIN sends answer alike for known and unknown recipients: not an oracle, not counted. */
    char other[32];
    e2e_addr(other);
    for (int i = 0; i < 30; i++) {
        char e[96];
        e2e_email(e, "loginsend");
        struct e2e_resp l = send_from(BIZ_LOGIN, e, other);
        E2E_EXPECT(l, 200, "0");
        e2e_resp_free(&l);
    }
    struct e2e_resp c = status_from(email, other);
    E2E_EXPECT(c, 200, "0");
    e2e_resp_free(&c);
}

/* ---- point 4: the lock by login name ---------------------------------------------------- */

static const char *msg_of(const struct e2e_resp *r)
{
    return json_string_value(json_object_get(r->json, "msg"));
}

static void lockout__known_and_unknown_names__answer_alike(void **state)
{
    (void)state;
    char known[96], ghost[96];
    e2e_email(known, "locked");
    e2e_email(ghost, "nobody");
    json_decref(E2E_REGISTER_EMAIL(srv, known, E2E_PWD));
    for (int i = 0; i < 10; i++) {
        struct e2e_resp a = e2e_login(srv, 1, known, NULL, E2E_PWD_OTHER, NULL);
        struct e2e_resp b = e2e_login(srv, 1, ghost, NULL, E2E_PWD_OTHER, NULL);
        E2E_EXPECT(a, 200, "CUSTOMER_API_0000102");
        E2E_EXPECT(b, 200, "CUSTOMER_API_0000102");
        e2e_resp_free(&a);
        e2e_resp_free(&b);
    }
    /* The 11th: before the fix the known one answered 103 and the unknown one 102. */
    struct e2e_resp a = e2e_login(srv, 1, known, NULL, E2E_PWD_OTHER, NULL);
    struct e2e_resp b = e2e_login(srv, 1, ghost, NULL, E2E_PWD_OTHER, NULL);
    E2E_EXPECT_PARAMS(a, 200, "CUSTOMER_API_0000103", "15");
    E2E_EXPECT_PARAMS(b, 200, "CUSTOMER_API_0000103", "15");
    assert_string_equal(msg_of(&a), msg_of(&b));
    e2e_resp_free(&a);
    e2e_resp_free(&b);
    /* The name is canonical: another case of the same address is the same name. */
    for (char *p = ghost; *p != '\0'; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    struct e2e_resp c = e2e_login(srv, 1, ghost, NULL, E2E_PWD, NULL);
    E2E_EXPECT_PARAMS(c, 200, "CUSTOMER_API_0000103", "15");
    e2e_resp_free(&c);
}

static void lockout__code_login_stays_open_and_the_message_says_so(void **state)
{
    (void)state;
    char email[96];
    e2e_email(email, "codeopen");
    json_decref(E2E_REGISTER_EMAIL(srv, email, E2E_PWD));
    for (int i = 0; i < 10; i++) {
        struct e2e_resp r = e2e_login(srv, 1, email, NULL, E2E_PWD_OTHER, NULL);
        E2E_EXPECT(r, 200, "CUSTOMER_API_0000102");
        e2e_resp_free(&r);
    }
    struct e2e_resp r = e2e_login(srv, 1, email, NULL, E2E_PWD, NULL);
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000103", "15");
    assert_non_null(strstr(msg_of(&r), "verification code still works"));
    e2e_resp_free(&r);
    char tok[100], code[7];
    E2E_SEND_CODE(srv, BIZ_LOGIN, email, NULL, tok);
    E2E_WAIT_CODE(srv, email, code);
    struct e2e_resp l = e2e_callj(srv, E2E_LOGIN,
                                  json_pack("{s:i,s:s,s:s,s:s,s:i}", "type", 1, "loginName", email,
                                            "verifyCode", code, "sendToken", tok, "device", 1),
                                  NULL);
    E2E_EXPECT(l, 200, "0");
    e2e_resp_free(&l);
}

/* ---- point 5: headers on every answer ---------------------------------------------------- */

static void assert_safety_headers(const struct e2e_resp *r)
{
    char buf[64];
    assert_non_null(e2e_header(r, "Cache-Control", buf, sizeof buf));
    assert_string_equal(buf, "no-store");
    assert_non_null(e2e_header(r, "X-Content-Type-Options", buf, sizeof buf));
    assert_string_equal(buf, "nosniff");
}

static void headers__no_store_and_nosniff__on_every_answer(void **state)
{
    (void)state;
    char email[96];
    e2e_email(email, "hdr");
    json_t *data = E2E_REGISTER_EMAIL(srv, email, E2E_PWD);
    struct e2e_opts tok = {.token = E2E_STR(data, "token")};
    struct e2e_resp ok = e2e_call(srv, E2E_INFO, "{}", &tok);
    E2E_EXPECT(ok, 200, "0");
    assert_safety_headers(&ok);
    e2e_resp_free(&ok);
    json_decref(data);

    struct e2e_resp login = e2e_login(srv, 1, email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(login, 200, "0");
    assert_safety_headers(&login);
    e2e_resp_free(&login);
    struct e2e_resp bad = e2e_call(srv, E2E_INFO, "{", NULL);
    assert_safety_headers(&bad);
    e2e_resp_free(&bad);
    struct e2e_resp none = e2e_call(srv, "/api/nothing", "{}", NULL);
    E2E_EXPECT(none, 404, "GATEWAY_CODE_404");
    assert_safety_headers(&none);
    e2e_resp_free(&none);
    static const char *const ops[] = {"/healthz", "/readyz", "/metrics"};
    for (size_t i = 0; i < 3; i++) {
        struct e2e_opts g = {.method = "GET"};
        struct e2e_resp r = e2e_call(srv, ops[i], NULL, &g);
        assert_int_equal(r.status, 200);
        assert_safety_headers(&r);
        e2e_resp_free(&r);
    }
    struct e2e_opts pre = {.method = "OPTIONS"};
    struct e2e_resp p = e2e_call(srv, E2E_LOGIN, NULL, &pre);
    assert_int_equal(p.status, 204);
    assert_safety_headers(&p);
    e2e_resp_free(&p);
}

/* ---- point 7: the delivery log holds live codes ------------------------------------------ */

static void delivery_log__created_0600(void **state)
{
    (void)state;
    struct stat sb;
    assert_int_equal(stat(srv->delivery_log, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(delivery_log__created_0600),
        cmocka_unit_test(register_send__known_recipient__limited_like_check_status),
        cmocka_unit_test(register_send__unknown_recipients_and_check_status__share_one_budget),
        cmocka_unit_test(lockout__known_and_unknown_names__answer_alike),
        cmocka_unit_test(lockout__code_login_stays_open_and_the_message_says_so),
        cmocka_unit_test(headers__no_store_and_nosniff__on_every_answer),
    };
    return cmocka_run_group_tests(tests, e2e_group_setup, e2e_group_teardown);
}
