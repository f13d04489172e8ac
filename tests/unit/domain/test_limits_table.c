/* tests/unit/domain/test_limits_table.c — the limits table of domain/limits.c: keys,
 * windows and maxima from the settings, the wait told in msgParams, windows that restart,
 * limits that are off, and the fail-then-lock rows; on a real SQLite counter store. */
#include "support/test_app.h"

#include <string.h>

#include "domain/limits.h"
#include "domain/session.h"
#include "util/arena.h"
#include "util/clock.h"

static struct dctx ctx_of(struct test_app *app, struct arena *a)
{
    struct dctx ctx = {.cfg = &app->cfg, .st = app->st, .a = a, .now_ms = clock_now_ms()};
    return ctx;
}

static void keys__prefix_then_parts(void **state)
{
    (void)state;
    char key[LIMIT_KEY_MAX];
    limit_key(key, LIMIT_LOGIN_ADDR, "%s", "192.0.2.1");
    assert_string_equal(key, "la:192.0.2.1");
    limit_key(key, LIMIT_CODE_RESEND, "%d:%s:%s", 1, "EMAIL_LOGIN_VERIFICATION_CODE", "a@b.cn");
    assert_string_equal(key, "cd:1:EMAIL_LOGIN_VERIFICATION_CODE:a@b.cn");
    limit_key(key, LIMIT_CUSTOMER_OPS, "%d", 7);
    assert_string_equal(key, "cops:7");
    limit_key(key, LIMIT_NAME_LOCK, "%s", "1:2:ab");
    assert_string_equal(key, "lnl:1:2:ab");
}

static void windows_and_maxima__from_the_settings(void **state)
{
    struct test_app *app = *state;
    app->cfg.login_per_address_min = 17;
    app->cfg.code_resend_s = 45;
    app->cfg.login_lock_s = 600;
    assert_int_equal(limit_window_ms(&app->cfg, LIMIT_LOGIN_ADDR), 60000);
    assert_int_equal(limit_max(&app->cfg, LIMIT_LOGIN_ADDR), 17);
    assert_int_equal(limit_window_ms(&app->cfg, LIMIT_CODE_RESEND), 45000);
    assert_int_equal(limit_max(&app->cfg, LIMIT_CODE_RESEND), 1);
    assert_int_equal(limit_window_ms(&app->cfg, LIMIT_CODES_RCPT_DAY), 86400000);
    assert_int_equal(limit_window_ms(&app->cfg, LIMIT_LOGIN_LOCK), 600000);
    assert_int_equal(limit_wait_s(0, 60000, 0), 60);
    assert_int_equal(limit_wait_s(0, 60000, 59001), 1);
    assert_int_equal(limit_wait_s(0, 60000, 58999), 2);
    assert_int_equal(limit_wait_s(0, 60000, 90000), 1); /* never less than one second */
}

static void hit__past_the_maximum_tells_the_wait(void **state)
{
    struct test_app *app = *state;
    app->cfg.login_per_address_min = 2;
    struct arena *a = arena_new(1 << 16);
    struct dctx ctx = ctx_of(app, a);
    assert_int_equal(limit_hitf(&ctx, LIMIT_LOGIN_ADDR, "%s", "x"), TA_OK);
    assert_int_equal(limit_hitf(&ctx, LIMIT_LOGIN_ADDR, "%s", "x"), TA_OK);
    assert_int_equal(limit_hitf(&ctx, LIMIT_LOGIN_ADDR, "%s", "y"), TA_OK); /* its own row */
    assert_int_equal(limit_hitf(&ctx, LIMIT_LOGIN_ADDR, "%s", "x"), TA_E_RATE_LIMITED);
    assert_string_equal(ctx.detail, "60");
    ctx.detail = NULL;
    ctx.now_ms += 30500;
    assert_int_equal(limit_hitf(&ctx, LIMIT_LOGIN_ADDR, "%s", "x"), TA_E_RATE_LIMITED);
    assert_string_equal(ctx.detail, "30");
    ctx.now_ms += 30000; /* the window has run out: it restarts at this hit */
    assert_int_equal(limit_hitf(&ctx, LIMIT_LOGIN_ADDR, "%s", "x"), TA_OK);
    assert_int_equal(ta_sql_int(app, "SELECT count FROM counters WHERE key = ?1", "la:x"), 1);
    arena_free(a);
}

static void hit__send_limits_tell_no_wait_and_resend_can_be_off(void **state)
{
    struct test_app *app = *state;
    app->cfg.codes_per_recipient_hour = 1;
    app->cfg.code_resend_s = 0;
    struct arena *a = arena_new(1 << 16);
    struct dctx ctx = ctx_of(app, a);
    for (int i = 0; i < 3; i++) /* off: never counted */
        assert_int_equal(limit_hitf(&ctx, LIMIT_CODE_RESEND, "%s", "r"), TA_OK);
    assert_int_equal(ta_sql_int(app, "SELECT count(*) FROM counters WHERE key = ?1", "cd:r"), 0);
    assert_int_equal(limit_hitf(&ctx, LIMIT_CODES_RCPT_HOUR, "%s", "r"), TA_OK);
    assert_int_equal(limit_hitf(&ctx, LIMIT_CODES_RCPT_HOUR, "%s", "r"), TA_E_SEND_LIMIT);
    assert_null(ctx.detail);
    arena_free(a);
}

static void fail_and_lock__locks_at_the_maximum_for_the_lock_time(void **state)
{
    struct test_app *app = *state;
    app->cfg.login_fail_max = 3;
    app->cfg.login_lock_s = 900;
    struct arena *a = arena_new(1 << 16);
    struct dctx ctx = ctx_of(app, a);
    assert_int_equal(limit_login_locked(&ctx, 42), TA_OK);
    assert_false(limit_login_failed(&ctx, 42));
    assert_false(limit_login_failed(&ctx, 42));
    assert_true(limit_login_failed(&ctx, 42)); /* the third locks */
    assert_int_equal(limit_login_locked(&ctx, 42), TA_E_LOCKED);
    assert_string_equal(ctx.detail, "15"); /* minutes, rounded up */
    assert_int_equal(limit_login_locked(&ctx, 43), TA_OK);
    ctx.now_ms += 900 * 1000;
    assert_int_equal(limit_login_locked(&ctx, 42), TA_OK); /* the lock has run out */
    ctx.now_ms -= 900 * 1000;
    assert_int_equal(limit_login_clear(app->st, 42), TA_OK);
    assert_int_equal(limit_login_locked(&ctx, 42), TA_OK);
    arena_free(a);
}

static void session_lifetimes__company_overrides_the_settings(void **state)
{
    struct test_app *app = *state;
    app->cfg.session_idle_s = 3600;
    app->cfg.session_absolute_s = 86400;
    struct dctx ctx = {.cfg = &app->cfg};
    struct company co;
    memset(&co, 0, sizeof co);
    assert_int_equal(session_idle_ms(&ctx, &co), 3600 * 1000);
    assert_int_equal(session_absolute_ms(&ctx, &co), 86400 * 1000);
    co.session_idle_ms = 120000;
    co.session_absolute_ms = 600000;
    assert_int_equal(session_idle_ms(&ctx, &co), 120000);
    assert_int_equal(session_absolute_ms(&ctx, &co), 600000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys__prefix_then_parts),
        cmocka_unit_test_setup_teardown(windows_and_maxima__from_the_settings, test_app_setup,
                                        test_app_teardown),
        cmocka_unit_test_setup_teardown(hit__past_the_maximum_tells_the_wait, test_app_setup,
                                        test_app_teardown),
        cmocka_unit_test_setup_teardown(hit__send_limits_tell_no_wait_and_resend_can_be_off,
                                        test_app_setup, test_app_teardown),
        cmocka_unit_test_setup_teardown(fail_and_lock__locks_at_the_maximum_for_the_lock_time,
                                        test_app_setup, test_app_teardown),
        cmocka_unit_test_setup_teardown(session_lifetimes__company_overrides_the_settings,
                                        test_app_setup, test_app_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
