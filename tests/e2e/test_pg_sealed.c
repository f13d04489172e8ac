/* tests/e2e/test_pg_sealed.c — the replay check of encrypted bodies (contract C19) holds
 * across instances: two tradeauth processes on ONE PostgreSQL database, a request seen by
 * one is a replay for the other, and of the same request sent to both at once exactly one
 * is served. Registered only as a pg test (tests/CMakeLists.txt: e2e/test_pg_*.c). */
#include "support/e2e.h"
#include "support/sealed_client.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pair {
    char url[E2E_PATH_MAX + 32];
    struct e2e_server *a, *b;
    EVP_PKEY *key;
};

static int setup_pair(void **state)
{
    struct pair *p = calloc(1, sizeof *p);
    assert_non_null(p);
    e2e_pg_create(p->url, sizeof p->url);
    p->a = e2e_server_new_db(p->url);
    char pem[512], b64[512];
    p->key = sealed_keygen(2048, p->a->dir, "company1", pem, b64);
    static char out[4096];
    int rc =
        e2e_cli(p->a, out, sizeof out, E2E_ARGS("company", "set", "1", "--rsa-private-key", b64));
    if (rc != 0)
        fail_msg("company set exited %d: %s", rc, out);
    e2e_server_start(p->a, NULL);
    p->b = e2e_server_new_db(p->url);
    snprintf(p->b->delivery_log, sizeof p->b->delivery_log, "%s", p->a->delivery_log);
    e2e_server_start(p->b, NULL);
    *state = p;
    return 0;
}

static int teardown_pair(void **state)
{
    struct pair *p = *state;
    void *sa = p->a, *sb = p->b;
    int ra = e2e_teardown_server(&sa);
    int rb = e2e_teardown_server(&sb);
    e2e_pg_drop(p->url);
    EVP_PKEY_free(p->key);
    free(p);
    return ra == 0 && rb == 0 ? 0 : -1;
}

static struct e2e_resp call_at(const struct e2e_server *s, const char *body, long long ts)
{
    char hdr[64];
    snprintf(hdr, sizeof hdr, "timestamp: %lld", ts);
    const char *const with[] = {hdr, NULL};
    struct e2e_opts o = {.headers = with};
    return e2e_call(s, E2E_LOGIN, body, &o);
}

static char *login_body(struct pair *p, const char *email, long long ts)
{
    json_t *params = json_pack("{s:i,s:s,s:s,s:i}", "type", 1, "loginName", email, "loginPwd",
                               E2E_PWD, "device", 1);
    char *b = sealed_body(p->key, params, ts);
    json_decref(params);
    return b;
}

static const char *code_of(const struct e2e_resp *r)
{
    const char *c = json_string_value(json_object_get(r->json, "code"));
    return c != NULL ? c : "(no answer)";
}

static void replay__seen_by_a__refused_by_b(void **state)
{
    struct pair *p = *state;
    char email[96];
    e2e_email(email, "pair");
    json_decref(E2E_REGISTER_EMAIL(p->a, email, E2E_PWD));
    long long ts = sealed_now_ms();
    char *b = login_body(p, email, ts);
    struct e2e_resp r = call_at(p->a, b, ts);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    r = call_at(p->b, b, ts);
    E2E_EXPECT(r, 200, "GATEWAY_CODE_003");
    e2e_resp_free(&r);
    free(b);
    /* B serves a fresh request of the same customer. */
    ts = sealed_now_ms() + 1;
    b = login_body(p, email, ts);
    r = call_at(p->b, b, ts);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    free(b);
}

struct shot {
    const struct e2e_server *s;
    const char *body;
    long long ts;
    pthread_barrier_t *go;
    struct e2e_resp r;
};

static void *fire(void *arg)
{
    struct shot *x = arg;
    pthread_barrier_wait(x->go);
    x->r = call_at(x->s, x->body, x->ts);
    return NULL;
}

static void replay__same_request_to_both_at_once__exactly_one_served(void **state)
{
    struct pair *p = *state;
    char email[96];
    e2e_email(email, "race");
    json_decref(E2E_REGISTER_EMAIL(p->a, email, E2E_PWD));
    for (int round = 0; round < 5; round++) {
        long long ts = sealed_now_ms() + round;
        char *b = login_body(p, email, ts);
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, 2);
        struct shot x[2] = {{p->a, b, ts, &go, {0}}, {p->b, b, ts, &go, {0}}};
        pthread_t th[2];
        for (int i = 0; i < 2; i++)
            assert_int_equal(pthread_create(&th[i], NULL, fire, &x[i]), 0);
        for (int i = 0; i < 2; i++)
            pthread_join(th[i], NULL);
        pthread_barrier_destroy(&go);
        int ok = 0, refused = 0;
        for (int i = 0; i < 2; i++) {
            ok += strcmp(code_of(&x[i].r), "0") == 0;
            refused += strcmp(code_of(&x[i].r), "GATEWAY_CODE_003") == 0;
            e2e_resp_free(&x[i].r);
        }
        free(b);
        if (ok != 1 || refused != 1)
            fail_msg("round %d: %d served, %d refused (want 1 and 1)", round, ok, refused);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(replay__seen_by_a__refused_by_b, setup_pair, teardown_pair),
        cmocka_unit_test_setup_teardown(replay__same_request_to_both_at_once__exactly_one_served,
                                        setup_pair, teardown_pair),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
