/* tests/e2e/test_bruteforce.c — guessing at scale through a trusted proxy (every request
 * from a new X-Forwarded-For address): the account lock and the ticket's attempt limit
 * must hold however many addresses an attacker has. "Checked" is read from the audit log
 * (a password compared against the hash) and from the answers (a code compared). */
#include "support/e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GUESSES 1000

/* Wrong passwords for one account: exactly 10 are compared, the other 990 meet the lock. */
static void password_guesses__at_most_ten_checked(void **state)
{
    struct e2e_server *s = *state;
    char email[96], xff[32];
    e2e_email(email, "brute");
    json_t *reg = E2E_REGISTER_EMAIL(s, email, E2E_PWD);
    char customer_no[64];
    snprintf(customer_no, sizeof customer_no, "%s", E2E_STR(reg, "customerNo"));
    json_decref(reg);

    int wrong = 0, locked = 0;
    for (int i = 0; i < GUESSES; i++) {
        e2e_addr(xff);
        char guess[33];
        snprintf(guess, sizeof guess, "%032x", i + 1);
        struct e2e_resp r = e2e_login(s, 1, email, NULL, guess, xff);
        const char *code = json_string_value(json_object_get(r.json, "code"));
        assert_non_null(code);
        if (strcmp(code, "CUSTOMER_API_0000102") == 0)
            wrong++;
        else if (strcmp(code, "CUSTOMER_API_0000103") == 0)
            locked++;
        else
            fail_msg("guess %d answered %s", i, code);
        e2e_resp_free(&r);
    }
    assert_int_equal(wrong, 10);
    assert_int_equal(locked, GUESSES - 10);

    /* Even the right password is refused while locked. */
    e2e_addr(xff);
    struct e2e_resp r = e2e_login(s, 1, email, NULL, E2E_PWD, xff);
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000103", "15");
    e2e_resp_free(&r);

    /* The audit log: 10 compared passwords, one lockout, the rest refused before any check. */
    static char out[1 << 20];
    assert_int_equal(
        e2e_cli(s, out, sizeof out,
                E2E_ARGS("customer", "audit", "--company", "1", customer_no, "--limit", "5000")),
        0);
    int checked = 0, refused = 0, lockouts = 0;
    for (char *line = out; line != NULL && *line != '\0';) {
        char *nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = '\0';
        json_t *o = json_loads(line, 0, NULL);
        line = nl != NULL ? nl + 1 : NULL;
        if (o == NULL)
            continue;
        const char *event = json_string_value(json_object_get(o, "event"));
        const char *detail = json_string_value(json_object_get(o, "detail"));
        if (event != NULL && strcmp(event, "login_fail") == 0 && detail != NULL) {
            checked += strcmp(detail, "password") == 0;
            refused += strcmp(detail, "locked") == 0;
        }
        lockouts += event != NULL && strcmp(event, "lockout") == 0;
        json_decref(o);
    }
    assert_int_equal(checked, 10);
    assert_int_equal(lockouts, 1);
    assert_int_equal(refused, GUESSES - 10 + 1);
}

/* Wrong codes on one ticket: 5 are compared, then the ticket is spent for good. */
static void code_guesses__at_most_five_checked(void **state)
{
    struct e2e_server *s = *state;
    char email[96], token[100], code[7];
    e2e_email(email, "guess");
    E2E_SEND_CODE(s, "EMAIL_REGISTER_VERIFICATION_CODE", email, NULL, token);
    E2E_WAIT_CODE(s, email, code);

    int wrong = 0, spent = 0;
    for (int i = 0; i < GUESSES; i++) {
        char guess[7];
        snprintf(guess, sizeof guess, "%06d", (int)((strtol(code, NULL, 10) + 1 + i) % 1000000));
        json_t *body = json_pack("{s:s,s:s,s:s,s:s}", "bizType", "EMAIL_REGISTER_VERIFICATION_CODE",
                                 "toUser", email, "sendToken", token, "code", guess);
        struct e2e_resp r = e2e_callj(
            s, E2E_PREFIX "/global/message.app.VerificationApiService.verifyCodeCheck", body, NULL);
        const char *c = json_string_value(json_object_get(r.json, "code"));
        assert_non_null(c);
        if (strcmp(c, "MESSAGE_API_0000201") == 0)
            wrong++;
        else if (strcmp(c, "MESSAGE_API_0000203") == 0)
            spent++;
        else
            fail_msg("guess %d answered %s", i, c);
        e2e_resp_free(&r);
    }
    assert_int_equal(wrong, 4);           /* attempts left 4, 3, 2, 1 */
    assert_int_equal(spent, GUESSES - 4); /* the 5th ends the ticket, the rest never compare */

    json_t *body = json_pack("{s:s,s:s,s:s,s:s}", "bizType", "EMAIL_REGISTER_VERIFICATION_CODE",
                             "toUser", email, "sendToken", token, "code", code);
    struct e2e_resp r = e2e_callj(
        s, E2E_PREFIX "/global/message.app.VerificationApiService.verifyCodeCheck", body, NULL);
    E2E_EXPECT(r, 200, "MESSAGE_API_0000203"); /* the right code is too late */
    e2e_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(password_guesses__at_most_ten_checked, e2e_setup_server,
                                        e2e_teardown_server),
        cmocka_unit_test_setup_teardown(code_guesses__at_most_five_checked, e2e_setup_server,
                                        e2e_teardown_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
