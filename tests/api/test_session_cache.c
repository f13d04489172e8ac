/* tests/api/test_session_cache.c — the session cache is wired: with it on, a repeated token
 * read makes no store call at all (the store's fault injection would fail the first one);
 * with it off the same read fails, so this test cannot pass through a bypassed cache. And
 * every change is seen by the next read in the same process. */
#include "support/test_app.h"

#include "domain/session_cache.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static void start_cache(struct test_app *app)
{
    assert_int_equal(session_cache_start(&app->cfg, 1000), TA_OK);
    for (int i = 0; i < 200 && !session_cache_active(); i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL); /* the watcher opens its connection */
    }
    assert_true(session_cache_active());
}

static const char *new_customer(struct test_app *app, const char *email, int64_t *id)
{
    const json_t *d = TA_REGISTER_EMAIL(app, NULL, email, TA_PWD);
    if (id != NULL)
        *id = TA_INT(d, "id");
    return TA_STR(d, "token");
}

static json_t *info(struct test_app *app, const char *token)
{
    struct ta_hdr h = ta_with_token(token);
    return ta_post(app, TA_R_INFO, &h, "{}");
}

static void hit__makes_no_store_call(void **state)
{
    struct test_app *app = *state;
    start_cache(app);
    const char *token = new_customer(app, "cache1@example.com", NULL);
    TA_EXPECT(info(app, token), "0"); /* a miss: read and remembered */

    struct session_cache_stats before, after;
    session_cache_stats(&before);
    store_fault_countdown = 1; /* the next store call on this thread fails */
    json_t *env = info(app, token);
    int left = store_fault_countdown;
    store_fault_countdown = 0;
    TA_EXPECT(env, "0");
    assert_int_equal(left, 1); /* no store call was made */
    assert_string_equal(json_string_value(json_object_get(ta_data(env), "email")),
                        "ca**@example.com");
    session_cache_stats(&after);
    assert_int_equal(after.hits, before.hits + 1);

    /* Bypassed (cache off), the very same read needs the store and fails. */
    session_cache_stop();
    store_fault_countdown = 1;
    env = info(app, token);
    store_fault_countdown = 0;
    TA_EXPECT(env, "GATEWAY_CODE_500");
}

static void changes__seen_by_the_next_read(void **state)
{
    struct test_app *app = *state;
    start_cache(app);
    int64_t id = 0;
    const char *a = new_customer(app, "cache2@example.com", &id);
    const char *b =
        TA_STR(ta_data(ta_login_email(app, NULL, "cache2@example.com", TA_PWD, NULL)), "token");
    TA_EXPECT(info(app, a), "0");
    TA_EXPECT(info(app, b), "0");

    /* logout of one session */
    struct ta_hdr h = ta_with_token(a);
    TA_EXPECT(ta_post(app, "/logout", &h, "{}"), "0");
    TA_EXPECT(info(app, a), "GATEWAY_CODE_001");
    TA_EXPECT(info(app, b), "0");

    /* changeLang writes the customer row: the cached copy goes, the session stays */
    h = ta_with_token(b);
    TA_EXPECT(ta_post(app, "/global/" TA_CWS "changeLang", &h, "{s:s}", "newLang", "zh-CN"), "0");
    TA_EXPECT(info(app, b), "0");

    /* an admin status change through the store (what the CLI does) */
    assert_int_equal(STORE(app->st, customer_set_status, id, CUSTOMER_DISABLED), TA_OK);
    TA_EXPECT(info(app, b), "GATEWAY_CODE_005");
    assert_int_equal(STORE(app->st, customer_set_status, id, CUSTOMER_NORMAL), TA_OK);
    TA_EXPECT(info(app, b), "0");

    /* a change inside a transaction is applied at commit, and dropped by a rollback */
    assert_int_equal(store_begin(app->st), TA_OK);
    assert_int_equal(STORE(app->st, customer_set_status, id, CUSTOMER_DISABLED), TA_OK);
    store_rollback(app->st);
    TA_EXPECT(info(app, b), "0");
    session_cache_stop();
}

static int teardown(void **state)
{
    session_cache_stop();
    return test_app_teardown(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(hit__makes_no_store_call, test_app_setup, teardown),
        cmocka_unit_test_setup_teardown(changes__seen_by_the_next_read, test_app_setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
