/* tests/e2e/test_gateway_check.c — the gateway check of contract C20 over real HTTP: GET and
 * POST (and any method, any path below it: Envoy) under every prefix, the customer headers
 * of a live token, and for every dead token
 * (none, unknown, other company, logged out, switched away, disabled from the CLI, unknown
 * company) HTTP 401 with exactly the envelope findCustomerInfo answers. Never a 2xx for a no. */
#include "support/e2e.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK "/auth/check"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

struct who {
    char token[128];
    char customer_no[32];
    char email[96];
    long long id;
};

static void fresh(struct e2e_server *s, struct who *w, const char *local)
{
    e2e_email(w->email, local);
    json_t *d = E2E_REGISTER_EMAIL(s, w->email, E2E_PWD);
    snprintf(w->token, sizeof w->token, "%s", E2E_STR(d, "token"));
    snprintf(w->customer_no, sizeof w->customer_no, "%s", E2E_STR(d, "customerNo"));
    w->id = (long long)json_integer_value(json_object_get(d, "id"));
    json_decref(d);
}

static struct e2e_resp check(const struct e2e_server *s, const char *path, const char *method,
                             const char *token, const char *company)
{
    struct e2e_opts o = {.method = method, .token = token, .company = company};
    return e2e_call(s, path, NULL, &o);
}

static const char *hdr(const struct e2e_resp *r, const char *name, char *buf, size_t size)
{
    const char *v = e2e_header(r, name, buf, size);
    if (v == NULL)
        fail_msg("header %s missing in:\n%s", name, r->headers);
    return v;
}

static void expect_alive(const struct e2e_server *s, const char *path, const char *method,
                         const struct who *w, const char *company, const char *type)
{
    struct e2e_resp r = check(s, path, method, w->token, company);
    if (r.status != 200)
        fail_msg("%s %s: HTTP %ld %s", method, path, r.status, r.body);
    assert_int_equal(r.body_len, 0);
    char buf[128], want[32];
    snprintf(want, sizeof want, "%lld", w->id);
    assert_string_equal(hdr(&r, "X-Customer-Id", buf, sizeof buf), want);
    assert_string_equal(hdr(&r, "X-Customer-No", buf, sizeof buf), w->customer_no);
    assert_string_equal(hdr(&r, "X-Company-Id", buf, sizeof buf), company);
    assert_string_equal(hdr(&r, "X-Company-Type", buf, sizeof buf), type);
    const char *sid = hdr(&r, "X-Session-Id", buf, sizeof buf);
    assert_int_equal(strlen(sid), 32);
    for (const char *p = sid; *p; p++)
        assert_true(isxdigit((unsigned char)*p));
    assert_null(strstr(w->token, sid));
    assert_string_equal(hdr(&r, "X-Device", buf, sizeof buf), "1"); /* registerSource 1 */
    e2e_resp_free(&r);
}

/* The check answers 401 with the envelope findCustomerInfo gives for the same headers. */
static void expect_dead(const struct e2e_server *s, const char *token, const char *company,
                        const char *code)
{
    struct e2e_opts o = {.token = token, .company = company};
    struct e2e_resp info = e2e_call(s, E2E_INFO, "{}", &o);
    E2E_EXPECT(info, 200, code);
    e2e_resp_free(&info);
    static const char *const methods[] = {"GET", "POST"};
    for (size_t i = 0; i < 2; i++) {
        struct e2e_resp r = check(s, E2E_PREFIX CHECK, methods[i], token, company);
        E2E_EXPECT(r, 401, code);
        e2e_resp_free(&r);
    }
}

/* Waits (bounded, 1 s as the contract allows another process) for code on the check. */
static void expect_dead_soon(const struct e2e_server *s, const char *token, const char *code)
{
    for (int i = 0; i < 20; i++) {
        struct e2e_resp r = check(s, CHECK, "GET", token, "1");
        const char *c = json_string_value(json_object_get(r.json, "code"));
        bool done = r.status == 401 && c != NULL && strcmp(c, code) == 0;
        e2e_resp_free(&r);
        if (done)
            break;
        sleep_ms(50);
    }
    expect_dead(s, token, "1", code);
}

static void live_token__200_with_customer_headers_on_every_prefix(void **state)
{
    struct e2e_server *s = *state;
    struct who w;
    fresh(s, &w, "gw");
    static const char *const paths[] = {CHECK, "/api" CHECK, "/cats-gateway" CHECK,
                                        E2E_PREFIX CHECK};
    for (size_t i = 0; i < 4; i++) {
        expect_alive(s, paths[i], "GET", &w, "1", "real");
        expect_alive(s, paths[i], "POST", &w, "1", "real");
    }
    /* The same opaque id every time for one session; another session has another. */
    char a[64], b[64];
    struct e2e_resp r1 = check(s, CHECK, "GET", w.token, "1");
    struct who w2;
    fresh(s, &w2, "gw2");
    struct e2e_resp r2 = check(s, CHECK, "GET", w2.token, "1");
    struct e2e_resp r3 = check(s, CHECK, "GET", w.token, "1");
    assert_string_equal(hdr(&r1, "X-Session-Id", a, sizeof a),
                        hdr(&r3, "X-Session-Id", b, sizeof b));
    assert_string_not_equal(hdr(&r1, "X-Session-Id", a, sizeof a),
                            hdr(&r2, "X-Session-Id", b, sizeof b));
    e2e_resp_free(&r1);
    e2e_resp_free(&r2);
    e2e_resp_free(&r3);
}

static void dead_tokens__401_with_the_envelope_of_find_customer_info(void **state)
{
    struct e2e_server *s = *state;
    struct who w;
    fresh(s, &w, "gwdead");
    expect_dead(s, NULL, "1", "GATEWAY_CODE_001");
    expect_dead(s, "0123456789abcdef0123456789abcdef", "1", "GATEWAY_CODE_001");
    expect_dead(s, w.token, "2", "GATEWAY_CODE_001"); /* company 1's token at company 2 */
    expect_dead(s, w.token, "987654", "GATEWAY_CODE_002");
    expect_dead(s, w.token, E2E_OMIT, "GATEWAY_CODE_002");
    expect_alive(s, CHECK, "GET", &w, "1", "real"); /* still alive at its own company */

    struct e2e_opts o = {.token = w.token};
    struct e2e_resp r = e2e_call(s, E2E_LOGOUT, "{}", &o);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    expect_dead(s, w.token, "1", "GATEWAY_CODE_001");
}

/* Envoy asks with the client's method and path appended: /auth/check/<path>. */
static void any_method_and_path_below__answered_by_the_token(void **state)
{
    struct e2e_server *s = *state;
    struct who w;
    fresh(s, &w, "gwput");
    expect_alive(s, CHECK "/trade/order", "PUT", &w, "1", "real");
    expect_alive(s, "/api" CHECK "/x", "DELETE", &w, "1", "real");
    struct e2e_resp r = check(s, CHECK "/trade/order", "PUT", "dead", "1");
    E2E_EXPECT(r, 401, "GATEWAY_CODE_001");
    e2e_resp_free(&r);
    r = check(s, "/auth/checkout", "GET", w.token, "1"); /* not under it */
    E2E_EXPECT(r, 404, "GATEWAY_CODE_404");
    e2e_resp_free(&r);
    /* A proxy may forward the client's body: it is not judged. */
    struct e2e_opts o = {.token = w.token, .content_type = "text/plain"};
    r = e2e_call(s, CHECK, "this is not JSON", &o);
    assert_int_equal(r.status, 200);
    e2e_resp_free(&r);
}

static void switch_account__old_token_dead_new_one_demo(void **state)
{
    struct e2e_server *s = *state;
    struct who w;
    fresh(s, &w, "gwsw");
    struct e2e_opts o = {.token = w.token};
    struct e2e_resp r = e2e_call(s, E2E_PREFIX "/thirdExt/switchAccount", "{}", &o);
    E2E_EXPECT(r, 200, "0");
    json_t *d = json_object_get(r.json, "data");
    struct who demo;
    snprintf(demo.token, sizeof demo.token, "%s", E2E_STR(d, "token"));
    snprintf(demo.customer_no, sizeof demo.customer_no, "%s", E2E_STR(d, "customerNo"));
    demo.id = (long long)json_integer_value(json_object_get(d, "id"));
    e2e_resp_free(&r);
    expect_dead(s, w.token, "1", "GATEWAY_CODE_001");
    struct e2e_resp a = check(s, CHECK, "GET", demo.token, "2");
    assert_int_equal(a.status, 200);
    char buf[64];
    assert_string_equal(hdr(&a, "X-Company-Type", buf, sizeof buf), "demo");
    assert_string_equal(hdr(&a, "X-Company-Id", buf, sizeof buf), "2");
    e2e_resp_free(&a);
}

static void cli_disable__005_within_a_second(void **state)
{
    struct e2e_server *s = *state;
    struct who w;
    fresh(s, &w, "gwdis");
    expect_alive(s, CHECK, "GET", &w, "1", "real"); /* cached now */
    char out[4096];
    assert_int_equal(e2e_cli(s, out, sizeof out,
                             E2E_ARGS("customer", "disable", "--company", "1", w.customer_no)),
                     0);
    double t0 = e2e_now_ms();
    expect_dead_soon(s, w.token, "GATEWAY_CODE_005");
    assert_true(e2e_now_ms() - t0 < 1000);
}

/* At most one last-used write per --session-touch-s, written off the request's path. */
static void touch__at_most_once_per_interval(void **state)
{
    (void)state;
    struct e2e_server *s = e2e_server_up(E2E_ARGS("--session-touch-s", "1"));
    struct who w;
    fresh(s, &w, "gwtouch");
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT last_used_ms FROM sessions WHERE customer_id = %lld", w.id);
    long long l0 = e2e_sql_int(s, sql);
    sleep_ms(1100);
    expect_alive(s, CHECK, "GET", &w, "1", "real");
    long long l1 = l0;
    for (int i = 0; i < 40 && l1 == l0; i++) {
        sleep_ms(25);
        l1 = e2e_sql_int(s, sql);
    }
    assert_true(l1 > l0);
    for (int i = 0; i < 5; i++)
        expect_alive(s, CHECK, "POST", &w, "1", "real");
    sleep_ms(200);
    assert_int_equal(e2e_sql_int(s, sql), l1);
    e2e_server_stop(s);
    e2e_server_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(live_token__200_with_customer_headers_on_every_prefix),
        cmocka_unit_test(dead_tokens__401_with_the_envelope_of_find_customer_info),
        cmocka_unit_test(any_method_and_path_below__answered_by_the_token),
        cmocka_unit_test(switch_account__old_token_dead_new_one_demo),
        cmocka_unit_test(cli_disable__005_within_a_second),
        cmocka_unit_test(touch__at_most_once_per_interval),
    };
    return cmocka_run_group_tests(tests, e2e_setup_server, e2e_teardown_server);
}
