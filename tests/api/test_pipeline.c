/* tests/api/test_pipeline.c — the api tests run the edge's own steps (http/request.c): the
 * optional prefixes, the int64-overflow fallback, the body checks and "null" headers, as a
 * client sees them over HTTP. */
#include "support/test_app.h"

#include <string.h>

static void prefixes__api_and_cats_gateway_both_optional(void **state)
{
    struct test_app *app = *state;
    static const char *const prefixes[] = {"", "/api", "/cats-gateway", "/api/cats-gateway"};
    for (size_t i = 0; i < 4; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s%s", prefixes[i], TA_R_CHECK_STATUS);
        json_t *env = NULL;
        ta_call(app, path, NULL, "{\"type\":1,\"loginName\":\"nobody@example.com\"}", &env);
        TA_EXPECT(env, "0");
    }
    json_t *env = NULL;
    assert_int_equal(ta_call(app, "/cats-gateway/api" TA_R_CHECK_STATUS, NULL, "{}", &env),
                     TA_E_NO_ROUTE); /* in that order only */
    TA_EXPECT(env, "GATEWAY_CODE_404");
}

static void body__beyond_int64_is_the_field_not_the_body(void **state)
{
    struct test_app *app = *state;
    json_t *env = NULL;
    assert_int_equal(ta_call(app, TA_R_LOGIN, NULL,
                             "{\"type\":99999999999999999999,\"loginName\":\"a@example.com\","
                             "\"loginPwd\":\"" TA_PWD "\",\"device\":1}",
                             &env),
                     TA_E_FIELD);
    TA_EXPECT_PARAMS(env, "CUSTOMER_API_0000100", "type");
}

static void body__not_one_object_is_003(void **state)
{
    struct test_app *app = *state;
    static const char *const bad[] = {"[]", "{", "{\"a\":1,\"a\":2}", "7", "{\"a\":1} x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *env = NULL;
        assert_int_equal(ta_call(app, TA_R_CHECK_STATUS, NULL, bad[i], &env), TA_E_BAD_REQUEST);
        TA_EXPECT(env, "GATEWAY_CODE_003");
    }
}

static void headers__null_company_and_token_count_as_absent(void **state)
{
    struct test_app *app = *state;
    json_t *env = NULL;
    struct ta_hdr h = {.company = "null"};
    assert_int_equal(ta_call(app, TA_R_CHECK_STATUS, &h, "{}", &env), TA_E_NO_COMPANY);
    struct ta_hdr t = {.token = "null"};
    assert_int_equal(ta_call(app, TA_R_INFO, &t, "{}", &env), TA_E_TOKEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(prefixes__api_and_cats_gateway_both_optional,
                                        test_app_setup, test_app_teardown),
        cmocka_unit_test_setup_teardown(body__beyond_int64_is_the_field_not_the_body,
                                        test_app_setup, test_app_teardown),
        cmocka_unit_test_setup_teardown(body__not_one_object_is_003, test_app_setup,
                                        test_app_teardown),
        cmocka_unit_test_setup_teardown(headers__null_company_and_token_count_as_absent,
                                        test_app_setup, test_app_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
