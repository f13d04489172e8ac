/* tests/e2e/test_password_flow.c — the clients' forgot-password flow over HTTP (contract
 * C8, C1, C2, C13): checkStatus → verifyCodeSend PASSWORD → verifyCodeCheck →
 * forgetLoginPwd with the same code and the proof → old sessions end (005) → the new
 * password signs in, the old one does not. */
#include "support/e2e.h"

#include <stdio.h>
#include <string.h>

#define R_CHECK_STATUS E2E_PREFIX "/global/" E2E_CWS "checkStatus"
#define R_CODE_CHECK E2E_PREFIX "/global/message.app.VerificationApiService.verifyCodeCheck"
#define R_FORGET E2E_PREFIX "/global/" E2E_CWS "forgetLoginPwd"

static void forgot_password__the_clients_flow(void **state)
{
    struct e2e_server *s = *state;
    char email[96], send_token[100], code[7], proof[100];
    e2e_email(email, "forgot");
    json_t *reg = E2E_REGISTER_EMAIL(s, email, E2E_PWD);
    char old_token[80];
    snprintf(old_token, sizeof old_token, "%s", E2E_STR(reg, "token"));
    json_decref(reg);

    /* 1. The page asks whether the account exists. */
    struct e2e_resp r =
        e2e_callj(s, R_CHECK_STATUS, json_pack("{s:i,s:s}", "type", 1, "loginName", email), NULL);
    E2E_EXPECT(r, 200, "0");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r.json, "data"), "status")),
                     1);
    e2e_resp_free(&r);

    /* 2. A PASSWORD code, delivered. */
    E2E_SEND_CODE(s, "EMAIL_PASSWORD_VERIFICATION_CODE", email, NULL, send_token);
    E2E_WAIT_CODE(s, email, code);

    /* 3. verifyCodeCheck: a proof, and the ticket stays usable. */
    r = e2e_callj(s, R_CODE_CHECK,
                  json_pack("{s:s,s:s,s:s,s:s}", "bizType", "EMAIL_PASSWORD_VERIFICATION_CODE",
                            "toUser", email, "sendToken", send_token, "code", code),
                  NULL);
    E2E_EXPECT(r, 200, "0");
    snprintf(proof, sizeof proof, "%s", E2E_STR(json_object_get(r.json, "data"), "token"));
    assert_int_equal(strlen(proof), 64);
    e2e_resp_free(&r);

    /* 4. forgetLoginPwd with the same code and the proof. */
    r = e2e_callj(s, R_FORGET,
                  json_pack("{s:i,s:s,s:s,s:s,s:s,s:s}", "type", 1, "loginName", email,
                            "verifyCode", code, "sendToken", send_token, "verifyCodeToken", proof,
                            "newPwd", E2E_PWD_OTHER),
                  NULL);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);

    /* 5. The session from before the reset was ended by the server. */
    r = e2e_call(s, E2E_INFO, "{}", &(struct e2e_opts){.token = old_token});
    E2E_EXPECT(r, 200, "GATEWAY_CODE_005");
    e2e_resp_free(&r);

    /* 6. The new password signs in; the old one does not. */
    r = e2e_login(s, 1, email, NULL, E2E_PWD_OTHER, NULL);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    r = e2e_login(s, 1, email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(r, 200, "CUSTOMER_API_0000102");
    e2e_resp_free(&r);

    /* 7. Code and proof were used up: replaying either is refused. */
    r = e2e_callj(s, R_FORGET,
                  json_pack("{s:i,s:s,s:s,s:s}", "type", 1, "loginName", email, "verifyCodeToken",
                            proof, "newPwd", E2E_PWD),
                  NULL);
    E2E_EXPECT(r, 200, "MESSAGE_API_0000202");
    e2e_resp_free(&r);
    r = e2e_callj(s, R_FORGET,
                  json_pack("{s:i,s:s,s:s,s:s,s:s}", "type", 1, "loginName", email, "verifyCode",
                            code, "sendToken", send_token, "newPwd", E2E_PWD),
                  NULL);
    E2E_EXPECT(r, 200, "MESSAGE_API_0000202");
    e2e_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(forgot_password__the_clients_flow, e2e_setup_server,
                                        e2e_teardown_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
