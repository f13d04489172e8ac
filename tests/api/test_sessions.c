/* tests/api/test_sessions.c — session lifetimes (contract B4) and refresh rotation (C6)
 * with the clock injected: idle expiry extended by use, at most one touch per interval,
 * the absolute lifetime, the 30 s grace of a rotated token, the 10 s same-pair window and
 * theft after it, company overrides. */
#include "support/test_app.h"

#include <string.h>

#include "store/store.h"
#include "util/clock.h"
#include "util/config.h"

static json_t *info(struct test_app *app, const char *token)
{
    struct ta_hdr h = ta_with_token(token);
    json_t *env = NULL;
    ta_call(app, TA_R_INFO, &h, "{}", &env);
    return env;
}

static void idle__expires_after_24h_unused_and_use_extends_it(void **state)
{
    struct test_app *app = *state;
    const json_t *reg = TA_REGISTER_EMAIL(app, NULL, "idle@example.com", TA_PWD);
    const char *tok = TA_STR(reg, "token");

    clock_fake_advance(23 * TA_HOUR);
    TA_EXPECT(info(app, tok), "0"); /* used: idle life starts again */
    clock_fake_advance(23 * TA_HOUR);
    TA_EXPECT(info(app, tok), "0");
    clock_fake_advance(24 * TA_HOUR);
    TA_EXPECT(info(app, tok), "GATEWAY_CODE_001"); /* 24 h unused: expired, not "ended" */
}

static void idle__touch_written_at_most_once_per_interval(void **state)
{
    struct test_app *app = *state;
    const json_t *reg = TA_REGISTER_EMAIL(app, NULL, "touch@example.com", TA_PWD);
    const char *tok = TA_STR(reg, "token");
    int64_t id = TA_INT(reg, "id");
    const char *sql = "SELECT last_used_ms FROM sessions WHERE customer_id = ?1";
    char cid[24];
    snprintf(cid, sizeof cid, "%lld", (long long)id);

    int64_t t0 = ta_sql_int(app, sql, cid);
    clock_fake_advance(4 * TA_MINUTE);
    TA_EXPECT(info(app, tok), "0");
    assert_int_equal(ta_sql_int(app, sql, cid), t0); /* under 5 minutes: no write */
    clock_fake_advance(1 * TA_MINUTE);
    TA_EXPECT(info(app, tok), "0");
    assert_int_equal(ta_sql_int(app, sql, cid), t0 + 5 * TA_MINUTE);
}

static void absolute__30_days_even_when_used(void **state)
{
    struct test_app *app = *state;
    const json_t *reg = TA_REGISTER_EMAIL(app, NULL, "abs@example.com", TA_PWD);
    const char *tok = TA_STR(reg, "token");
    for (int step = 1; step < 60; step++) { /* used every 12 h: never idle */
        clock_fake_advance(12 * TA_HOUR);
        TA_EXPECT(info(app, tok), "0");
    }
    clock_fake_advance(12 * TA_HOUR - 1); /* created + 30 days - 1 ms */
    TA_EXPECT(info(app, tok), "0");
    clock_fake_advance(1); /* created + 30 days */
    TA_EXPECT(info(app, tok), "GATEWAY_CODE_001");
}

static void company_override__idle_lifetime(void **state)
{
    struct test_app *app = *state;
    struct company co;
    assert_int_equal(STORE(app->st, company_get, 1, &co), TA_OK);
    co.session_idle_ms = 10 * TA_MINUTE;
    assert_int_equal(STORE(app->st, company_update, &co), TA_OK);
    clock_fake_advance(3 * TA_SECOND); /* past the per-thread company cache */
    const json_t *reg = TA_REGISTER_EMAIL(app, NULL, "short@example.com", TA_PWD);
    const char *tok = TA_STR(reg, "token");
    clock_fake_advance(10 * TA_MINUTE - 1);
    TA_EXPECT(info(app, tok), "0");
    clock_fake_advance(10 * TA_MINUTE);
    TA_EXPECT(info(app, tok), "GATEWAY_CODE_001");
}

static json_t *refresh(struct test_app *app, const char *rtoken)
{
    return ta_post(app, TA_R_REFRESH, NULL, "{s:s}", "rToken", rtoken);
}

static void refresh__grace_same_pair_then_theft_ends_the_session(void **state)
{
    struct test_app *app = *state;
    const json_t *reg = TA_REGISTER_EMAIL(app, NULL, "rot@example.com", TA_PWD);
    const char *tok0 = TA_STR(reg, "token");
    const char *rt0 = TA_STR(reg, "rToken");

    json_t *r1 = refresh(app, rt0);
    TA_EXPECT(r1, "0");
    const char *tok1 = TA_STR(ta_data(r1), "token");
    const char *rt1 = TA_STR(ta_data(r1), "rToken");
    assert_string_not_equal(tok1, tok0);
    assert_string_not_equal(rt1, rt0);

    clock_fake_advance(10 * TA_SECOND); /* the same old rToken within 10 s: the same pair */
    json_t *again = refresh(app, rt0);
    TA_EXPECT(again, "0");
    assert_string_equal(TA_STR(ta_data(again), "token"), tok1);
    assert_string_equal(TA_STR(ta_data(again), "rToken"), rt1);

    clock_fake_advance(19 * TA_SECOND); /* 29 s after rotation: old access token still ok */
    TA_EXPECT(info(app, tok0), "0");
    clock_fake_advance(1 * TA_SECOND); /* 30 s: it is gone */
    TA_EXPECT(info(app, tok0), "GATEWAY_CODE_001");
    TA_EXPECT(info(app, tok1), "0");

    json_t *theft = refresh(app, rt0); /* after the window: theft */
    TA_EXPECT(theft, "CUSTOMER_API_0000112");
    TA_EXPECT(info(app, tok1), "GATEWAY_CODE_005"); /* the whole session ended */
    TA_EXPECT(refresh(app, rt1), "CUSTOMER_API_0000112");
}

static void refresh__expires_after_30_days(void **state)
{
    struct test_app *app = *state;
    const json_t *reg = TA_REGISTER_EMAIL(app, NULL, "rexp@example.com", TA_PWD);
    const char *rt = TA_STR(reg, "rToken");
    clock_fake_advance(30 * TA_DAY);
    TA_EXPECT(refresh(app, rt), "CUSTOMER_API_0000112");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(idle__expires_after_24h_unused_and_use_extends_it,
                                        test_app_setup, test_app_teardown),
        cmocka_unit_test_setup_teardown(idle__touch_written_at_most_once_per_interval,
                                        test_app_setup, test_app_teardown),
        cmocka_unit_test_setup_teardown(absolute__30_days_even_when_used, test_app_setup,
                                        test_app_teardown),
        cmocka_unit_test_setup_teardown(company_override__idle_lifetime, test_app_setup,
                                        test_app_teardown),
        cmocka_unit_test_setup_teardown(refresh__grace_same_pair_then_theft_ends_the_session,
                                        test_app_setup, test_app_teardown),
        cmocka_unit_test_setup_teardown(refresh__expires_after_30_days, test_app_setup,
                                        test_app_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
