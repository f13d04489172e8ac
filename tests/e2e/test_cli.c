/* tests/e2e/test_cli.c — the admin CLI against the same database as a running server:
 * companies (add/list/show/set: KYC, single-session policy, demo balances) and customers
 * (kyc, disable/enable, unlock), each seen through the API afterwards. */
#include "support/e2e.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static json_t *cli_json(struct e2e_server *s, const char *const *args)
{
    static char out[1 << 16];
    int rc = e2e_cli(s, out, sizeof out, args);
    if (rc != 0)
        fail_msg("CLI exited %d: %s", rc, out);
    json_error_t err;
    json_t *j = json_loads(out, 0, &err);
    if (j == NULL)
        fail_msg("CLI output is not JSON: %s", out);
    return j;
}

static json_t *info(struct e2e_server *s, const char *company, const char *token)
{
    struct e2e_opts o = {.company = company, .token = token};
    struct e2e_resp r = e2e_call(s, E2E_INFO, "{}", &o);
    E2E_EXPECT(r, 200, "0");
    json_t *data = json_incref(json_object_get(r.json, "data"));
    e2e_resp_free(&r);
    return data;
}

/* The server hears of an admin command from another process within 1 s (the session cache's
 * watcher polls the SQLite file's data_version): the first answer after it may be older. */
static json_t *info_after_cli(struct e2e_server *s, const char *token, int64_t want_kyc)
{
    for (int i = 0;; i++) {
        json_t *d = info(s, "1", token);
        if (json_integer_value(json_object_get(d, "kycAuditStatus")) == want_kyc || i == 20)
            return d;
        json_decref(d);
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static const char *code_after_cli(struct e2e_server *s, const char *token, const char *want,
                                  struct e2e_resp *r)
{
    struct e2e_opts o = {.token = token};
    for (int i = 0;; i++) {
        *r = e2e_call(s, E2E_INFO, "{}", &o);
        const char *code = json_string_value(json_object_get(r->json, "code"));
        if ((code != NULL && strcmp(code, want) == 0) || i == 20)
            return code;
        e2e_resp_free(r);
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static void company__add_list_show__round_trip(void **state)
{
    (void)state;
    struct e2e_server *s = e2e_server_new();
    json_t *co = cli_json(s, E2E_ARGS("company", "add", "--name", "Broker X", "--kyc", "on",
                                      "--prefix", "77", "--asset", "USDT:13:4:50000", "--asset",
                                      "ETH:20:6:2.5", "--trade-type", "5:USDT:default",
                                      "--trade-type", "1:ETH", "--group", "7:default", "--json"));
    assert_int_equal(json_integer_value(json_object_get(co, "id")), 3);
    assert_int_equal(json_integer_value(json_object_get(co, "twinId")), 4);
    assert_string_equal(json_string_value(json_object_get(co, "type")), "real");
    assert_true(json_is_true(json_object_get(co, "kyc")));
    assert_string_equal(json_string_value(json_object_get(co, "customerNoPrefix")), "77");
    json_t *eth = json_array_get(json_object_get(co, "assets"), 1);
    assert_string_equal(json_string_value(json_object_get(eth, "currency")), "ETH");
    assert_int_equal(json_integer_value(json_object_get(eth, "digits")), 6);
    assert_string_equal(json_string_value(json_object_get(eth, "demoBalance")), "2.500000");
    json_decref(co);

    json_t *twin = cli_json(s, E2E_ARGS("company", "show", "4", "--json"));
    assert_string_equal(json_string_value(json_object_get(twin, "type")), "demo");
    assert_int_equal(json_integer_value(json_object_get(twin, "twinId")), 3);
    json_decref(twin);

    json_t *all = cli_json(s, E2E_ARGS("company", "list", "--json"));
    assert_int_equal(json_array_size(all), 4); /* the default pair and the new pair */
    json_decref(all);

    static char out[4096];
    assert_int_equal(e2e_cli(s, out, sizeof out, E2E_ARGS("company", "show", "99")), 1);
    assert_int_equal(e2e_cli(s, out, sizeof out,
                             E2E_ARGS("company", "add", "--name", "Bad", "--asset", "USDT:x")),
                     2); /* a usage error, and nothing added: */
    json_t *after = cli_json(s, E2E_ARGS("company", "list", "--json"));
    assert_int_equal(json_array_size(after), 4);
    json_decref(after);
    e2e_server_free(s);
}

/* Single-session policy: a second mobile login ends the first (005), a desktop one stays. */
static void company_set__single_session__ends_older_mobile_not_desktop(void **state)
{
    (void)state;
    struct e2e_server *s = e2e_server_new();
    json_t *co = cli_json(s, E2E_ARGS("company", "set", "1", "--single-session", "on", "--json"));
    assert_true(json_is_true(json_object_get(co, "singleSession")));
    json_decref(co);
    e2e_server_start(s, NULL);

    char email[96];
    e2e_email(email, "single");
    json_decref(E2E_REGISTER_EMAIL(s, email, E2E_PWD)); /* registerSource 1: a mobile session */

    char mobile1[80], desktop[80], mobile2[80];
    struct {
        int device;
        char *out;
    } logins[] = {{1, mobile1}, {2, desktop}, {5, mobile2}};
    for (size_t i = 0; i < 3; i++) {
        json_t *body = json_pack("{s:i,s:s,s:i,s:s}", "type", 1, "loginName", email, "device",
                                 logins[i].device, "loginPwd", E2E_PWD);
        struct e2e_resp r = e2e_callj(s, E2E_LOGIN, body, NULL);
        E2E_EXPECT(r, 200, "0");
        snprintf(logins[i].out, 80, "%s", E2E_STR(json_object_get(r.json, "data"), "token"));
        e2e_resp_free(&r);
    }
    struct e2e_opts o = {.token = mobile1};
    struct e2e_resp r = e2e_call(s, E2E_INFO, "{}", &o);
    E2E_EXPECT(r, 200, "GATEWAY_CODE_005"); /* replaced by the iOS login (device 5) */
    e2e_resp_free(&r);
    json_decref(info(s, "1", desktop));
    json_decref(info(s, "1", mobile2));
    e2e_server_stop(s);
    e2e_server_free(s);
}

static void company_set__demo_balances__used_by_the_next_twin(void **state)
{
    (void)state;
    struct e2e_server *s = e2e_server_new();
    json_decref(cli_json(s, E2E_ARGS("company", "set", "2", "--asset", "USDT:13:4:500", "--asset",
                                     "BTC:16:8:0.25", "--json")));
    e2e_server_start(s, NULL);
    char email[96];
    e2e_email(email, "demo");
    json_t *reg = E2E_REGISTER_EMAIL(s, email, E2E_PWD);
    struct e2e_opts o = {.token = E2E_STR(reg, "token")};
    struct e2e_resp r = e2e_call(s, "/thirdExt/switchAccount", "{}", &o);
    E2E_EXPECT(r, 200, "0");
    json_t *demo = info(s, "2", E2E_STR(json_object_get(r.json, "data"), "token"));
    json_t *list = json_object_get(demo, "accountList");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "balance")),
                        "500.0000");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "balance")),
                        "0.25000000");
    json_decref(demo);
    e2e_resp_free(&r);
    json_decref(reg);
    e2e_server_stop(s);
    e2e_server_free(s);
}

static void customer_kyc_disable_enable__seen_by_the_api(void **state)
{
    (void)state;
    struct e2e_server *s = e2e_server_new();
    json_decref(cli_json(s, E2E_ARGS("company", "set", "1", "--kyc", "on", "--json")));
    e2e_server_start(s, NULL);
    char email[96], no[64];
    e2e_email(email, "kyc");
    json_t *reg = E2E_REGISTER_EMAIL(s, email, E2E_PWD);
    snprintf(no, sizeof no, "%s", E2E_STR(reg, "customerNo"));
    const char *token = E2E_STR(reg, "token");

    json_t *d = info(s, "1", token);
    assert_int_equal(json_integer_value(json_object_get(d, "companyKycStatus")), 1);
    assert_int_equal(json_integer_value(json_object_get(d, "kycAuditStatus")), 0);
    assert_true(json_is_null(json_object_get(d, "kycAuditRemark")));
    json_decref(d);

    static char out[4096];
    assert_int_equal(e2e_cli(s, out, sizeof out,
                             E2E_ARGS("customer", "kyc", "--company", "1", no, "--status", "3",
                                      "--remark", "blurred photo")),
                     0);
    d = info_after_cli(s, token, 3);
    assert_int_equal(json_integer_value(json_object_get(d, "kycAuditStatus")), 3);
    assert_string_equal(json_string_value(json_object_get(d, "kycAuditRemark")), "blurred photo");
    json_decref(d);

    assert_int_equal(
        e2e_cli(s, out, sizeof out, E2E_ARGS("customer", "disable", "--company", "1", no)), 0);
    struct e2e_resp r;
    (void)code_after_cli(s, token, "GATEWAY_CODE_005", &r);
    E2E_EXPECT(r, 200, "GATEWAY_CODE_005");
    e2e_resp_free(&r);
    r = e2e_login(s, 1, email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(r, 200, "CUSTOMER_API_0000104");
    e2e_resp_free(&r);
    assert_int_equal(
        e2e_cli(s, out, sizeof out, E2E_ARGS("customer", "enable", "--company", "1", no)), 0);
    r = e2e_login(s, 1, email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);

    json_t *shown = cli_json(s, E2E_ARGS("customer", "show", "--company", "1", no, "--json"));
    assert_int_equal(json_integer_value(json_object_get(shown, "status")), 1);
    assert_string_equal(json_string_value(json_object_get(shown, "email")), email);
    json_decref(shown);
    assert_int_equal(
        e2e_cli(s, out, sizeof out, E2E_ARGS("customer", "show", "--company", "1", "99999999")), 1);
    json_decref(reg);
    e2e_server_stop(s);
    e2e_server_free(s);
}

static void customer_unlock__lets_a_locked_account_in(void **state)
{
    struct e2e_server *s = *state;
    char email[96], no[64], xff[32];
    e2e_email(email, "unlock");
    json_t *reg = E2E_REGISTER_EMAIL(s, email, E2E_PWD);
    snprintf(no, sizeof no, "%s", E2E_STR(reg, "customerNo"));
    json_decref(reg);
    for (int i = 0; i < 10; i++) {
        e2e_addr(xff);
        struct e2e_resp r = e2e_login(s, 1, email, NULL, E2E_PWD_OTHER, xff);
        E2E_EXPECT(r, 200, "CUSTOMER_API_0000102");
        e2e_resp_free(&r);
    }
    struct e2e_resp r = e2e_login(s, 1, email, NULL, E2E_PWD, NULL);
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000103", "15");
    e2e_resp_free(&r);
    static char out[4096];
    assert_int_equal(
        e2e_cli(s, out, sizeof out, E2E_ARGS("customer", "unlock", "--company", "1", no)), 0);
    r = e2e_login(s, 1, email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(company__add_list_show__round_trip),
        cmocka_unit_test(company_set__single_session__ends_older_mobile_not_desktop),
        cmocka_unit_test(company_set__demo_balances__used_by_the_next_twin),
        cmocka_unit_test(customer_kyc_disable_enable__seen_by_the_api),
        cmocka_unit_test_setup_teardown(customer_unlock__lets_a_locked_account_in, e2e_setup_server,
                                        e2e_teardown_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
