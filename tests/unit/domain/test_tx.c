/* tests/unit/domain/test_tx.c — the one transaction helper (dctx_tx_run): commit on TA_OK,
 * rollback on any error, the retry flags, the attempt cap, and no transaction left open;
 * on a real SQLite store. */
#include "support/test_app.h"

#include "domain/ctx.h"
#include "store/store.h"
#include "util/clock.h"

struct script {
    int runs;
    ta_err answers[8]; /* what each run answers after writing its counter hit */
};

static ta_err scripted(struct dctx *ctx, void *arg)
{
    struct script *s = arg;
    struct counter c;
    assert_true(store_in_tx(ctx->st));
    assert_int_equal(STORE(ctx->st, counter_hit, "tx:test", ctx->now_ms, 60000, 1, &c), TA_OK);
    return s->answers[s->runs++];
}

static int64_t hits(struct test_app *app)
{
    return ta_sql_int(app, "SELECT coalesce(sum(count), 0) FROM counters WHERE key = ?1",
                      "tx:test");
}

static ta_err run(struct test_app *app, unsigned flags, struct script *s)
{
    struct dctx ctx = {.cfg = &app->cfg, .st = app->st, .now_ms = clock_now_ms()};
    ta_err e = dctx_tx_run(&ctx, flags, scripted, s);
    assert_false(store_in_tx(app->st)); /* never left open */
    assert_false(dctx_tx_left_open(&ctx));
    return e;
}

static void ok__commits_once(void **state)
{
    struct test_app *app = *state;
    struct script s = {0, {TA_OK}};
    assert_int_equal(run(app, TX_RETRY, &s), TA_OK);
    assert_int_equal(s.runs, 1);
    assert_int_equal(hits(app), 1);
}

static void error__rolls_back_everything(void **state)
{
    struct test_app *app = *state;
    struct script s = {0, {TA_E_PASSWORD_SET}};
    assert_int_equal(run(app, TX_RETRY | TX_RETRY_CONFLICT, &s), TA_E_PASSWORD_SET);
    assert_int_equal(s.runs, 1);
    assert_int_equal(hits(app), 0);
}

static void retry__runs_again_and_keeps_only_the_last_run(void **state)
{
    struct test_app *app = *state;
    struct script s = {0, {TA_E_RETRY, TA_E_RETRY, TA_OK}};
    assert_int_equal(run(app, TX_RETRY, &s), TA_OK);
    assert_int_equal(s.runs, 3);
    assert_int_equal(hits(app), 1);

    struct script once = {0, {TA_E_RETRY, TA_OK}};
    assert_int_equal(run(app, TX_ONCE, &once), TA_E_RETRY);
    assert_int_equal(once.runs, 1);
}

static void conflict__retried_only_when_asked(void **state)
{
    struct test_app *app = *state;
    struct script plain = {0, {TA_E_CONFLICT, TA_OK}};
    assert_int_equal(run(app, TX_RETRY, &plain), TA_E_CONFLICT);
    assert_int_equal(plain.runs, 1);
    struct script asked = {0, {TA_E_CONFLICT, TA_OK}};
    assert_int_equal(run(app, TX_RETRY | TX_RETRY_CONFLICT, &asked), TA_OK);
    assert_int_equal(asked.runs, 2);
    assert_int_equal(hits(app), 1);
}

static void attempts__at_most_five(void **state)
{
    struct test_app *app = *state;
    struct script s = {0, {TA_E_RETRY, TA_E_RETRY, TA_E_RETRY, TA_E_RETRY, TA_E_RETRY, TA_OK}};
    assert_int_equal(run(app, TX_RETRY, &s), TA_E_RETRY);
    assert_int_equal(s.runs, TX_ATTEMPTS);
    assert_int_equal(hits(app), 0);
}

static void left_open__is_reported_and_rolled_back(void **state)
{
    struct test_app *app = *state;
    struct dctx ctx = {.cfg = &app->cfg, .st = app->st, .now_ms = clock_now_ms()};
    struct counter c;
    assert_int_equal(store_begin(app->st), TA_OK);
    assert_int_equal(STORE(app->st, counter_hit, "tx:test", ctx.now_ms, 60000, 1, &c), TA_OK);
    assert_true(dctx_tx_left_open(&ctx)); /* what the edge asks after every handler */
    assert_false(store_in_tx(app->st));
    assert_int_equal(hits(app), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ok__commits_once, test_app_setup, test_app_teardown),
        cmocka_unit_test_setup_teardown(error__rolls_back_everything, test_app_setup,
                                        test_app_teardown),
        cmocka_unit_test_setup_teardown(retry__runs_again_and_keeps_only_the_last_run,
                                        test_app_setup, test_app_teardown),
        cmocka_unit_test_setup_teardown(conflict__retried_only_when_asked, test_app_setup,
                                        test_app_teardown),
        cmocka_unit_test_setup_teardown(attempts__at_most_five, test_app_setup, test_app_teardown),
        cmocka_unit_test_setup_teardown(left_open__is_reported_and_rolled_back, test_app_setup,
                                        test_app_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
