/* tests/fault/test_faults.c — "changes nothing" under failure: every database call of a use
 * case is failed in turn (store_fault_countdown), and after each failure the database holds
 * either the whole result or none of it, and the request can simply be repeated. */
#include "support/test_app.h"

#include <stdio.h>
#include <string.h>

#include "store/store.h"

#define MAX_CALLS 200

static int64_t count(struct test_app *app, const char *sql, const char *arg)
{
    return ta_sql_int(app, sql, arg);
}

/* Register fails at call n: no customer, account or session appears, the code stays usable. */
static void register__each_store_call_failing__all_or_nothing(void **state)
{
    (void)state;
    int fired = 0;
    for (int n = 1; n < MAX_CALLS; n++) {
        struct test_app *app = test_app_new(NULL);
        const char *email = "fault@example.com";
        const char *tok = TA_SEND_CODE(app, NULL, "EMAIL_REGISTER_VERIFICATION_CODE", email);
        char code[7];
        TA_CODE(app, email, code);

        store_fault_countdown = n;
        json_t *env = ta_post(app, TA_R_REGISTER, NULL, "{s:i,s:s,s:s,s:s,s:s,s:i,s:s}", "type", 1,
                              "loginName", email, "country", "CN", "verifyCode", code, "sendToken",
                              tok, "registerSource", 1, "pwd", TA_PWD);
        bool hit = store_fault_countdown == 0;
        store_fault_countdown = 0;
        const char *got = json_string_value(json_object_get(env, "code"));

        int64_t customers = count(app, "SELECT count(*) FROM customers WHERE email = ?1", email);
        int64_t accounts = count(app,
                                 "SELECT count(*) FROM accounts a JOIN customers c ON "
                                 "a.customer_id = c.id WHERE c.email = ?1",
                                 email);
        int64_t sessions = count(app,
                                 "SELECT count(*) FROM sessions s JOIN customers c ON "
                                 "s.customer_id = c.id WHERE c.email = ?1",
                                 email);
        if (strcmp(got, "0") == 0 || customers != 0) {
            /* Done (the failure came after the commit, or never came): all of it is there,
             * the demo twin (same email in company 2) and its accounts included. */
            assert_int_equal(customers, 2);
            assert_int_equal(accounts, 4);
            assert_int_equal(sessions, 1);
        } else {
            assert_string_equal(got, "GATEWAY_CODE_500");
            assert_int_equal(accounts, 0);
            assert_int_equal(sessions, 0);
            /* Nothing was spent: the same code registers now. */
            TA_EXPECT(ta_post(app, TA_R_REGISTER, NULL, "{s:i,s:s,s:s,s:s,s:s,s:i,s:s}", "type", 1,
                              "loginName", email, "country", "CN", "verifyCode", code, "sendToken",
                              tok, "registerSource", 1, "pwd", TA_PWD),
                      "0");
            fired++;
        }
        test_app_free(app);
        if (!hit)
            break; /* n is past the last call: every call has been failed once */
        if (n == MAX_CALLS - 1)
            fail_msg("register made more than %d store calls", MAX_CALLS);
    }
    assert_true(fired >= 5);
}

/* Registration made the demo twin; a switch failing at any call leaves the real session
 * alive and opens none for the twin. */
static void switch__each_store_call_failing__real_session_kept(void **state)
{
    (void)state;
    int fired = 0;
    for (int n = 1; n < MAX_CALLS; n++) {
        struct test_app *app = test_app_new(NULL);
        const json_t *reg = TA_REGISTER_EMAIL(app, NULL, "twin@example.com", TA_PWD);
        struct ta_hdr h = ta_with_token(TA_STR(reg, "token"));

        store_fault_countdown = n;
        json_t *env = NULL;
        ta_call(app, TA_R_SWITCH, &h, "{}", &env);
        bool hit = store_fault_countdown == 0;
        store_fault_countdown = 0;
        const char *got = json_string_value(json_object_get(env, "code"));

        int64_t demo = count(app, "SELECT count(*) FROM customers WHERE company_id = 2", NULL);
        int64_t demo_accounts =
            count(app, "SELECT count(*) FROM accounts WHERE company_id = 2", NULL);
        int64_t linked = count(app,
                               "SELECT count(*) FROM customers WHERE company_id = 1 AND "
                               "relation_customer_id <> 0",
                               NULL);
        int64_t demo_sessions =
            count(app, "SELECT count(*) FROM sessions WHERE company_id = 2", NULL);
        assert_int_equal(demo, 1);
        assert_int_equal(demo_accounts, 2);
        assert_int_equal(linked, 1);
        if (strcmp(got, "0") == 0) {
            assert_int_equal(demo_sessions, 1);
        } else {
            assert_string_equal(got, "GATEWAY_CODE_500");
            assert_int_equal(demo_sessions, 0);
            json_t *info = NULL;
            ta_call(app, TA_R_INFO, &h, "{}", &info);
            TA_EXPECT(info, "0"); /* the real session did not end */
            ta_call(app, TA_R_SWITCH, &h, "{}", &env);
            TA_EXPECT(env, "0"); /* and the switch simply works when repeated */
            fired++;
        }
        test_app_free(app);
        if (!hit)
            break;
    }
    assert_true(fired >= 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(register__each_store_call_failing__all_or_nothing),
        cmocka_unit_test(switch__each_store_call_failing__real_session_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
