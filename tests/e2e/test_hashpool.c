/* tests/e2e/test_hashpool.c — the bounded hash pool (contract D): with one worker and room
 * for one waiting hash, a burst of logins gets GATEWAY_CODE_004 for what does not fit,
 * at once, instead of an unbounded queue; and the pool serves again afterwards. Admission
 * is by expected wait: 64 logins at once with the default argon2id cost are all served,
 * and a tiny --hash-max-wait-ms refuses what would wait. */
#include "support/e2e.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BURST 8

struct shot {
    struct e2e_server *s;
    const char *email;
    char code[64];
    char param[16];
    double ms;
};

static void *fire(void *arg)
{
    struct shot *sh = arg;
    /* Admitted logins wait their turn: under a loaded test machine that can exceed the
     * harness's default 10 s client timeout. */
    json_t *body = json_pack("{s:i,s:s,s:s,s:i}", "type", 1, "loginName", sh->email, "loginPwd",
                             E2E_PWD, "device", 2);
    struct e2e_opts o = {.timeout_ms = 60000};
    struct e2e_resp r = e2e_callj(sh->s, E2E_LOGIN, body, &o);
    const char *c = json_string_value(json_object_get(r.json, "code"));
    snprintf(sh->code, sizeof sh->code, "%s", c ? c : "none");
    json_t *p = json_array_get(json_object_get(r.json, "msgParams"), 0);
    snprintf(sh->param, sizeof sh->param, "%s", json_is_string(p) ? json_string_value(p) : "");
    sh->ms = r.ms;
    e2e_resp_free(&r);
    return NULL;
}

static void full_queue__answers_004_at_once_then_serves_again(void **state)
{
    (void)state;
    struct e2e_server *s =
        e2e_server_up(E2E_ARGS("--hash-threads", "1", "--hash-queue", "1", "--argon2-ops", "3",
                               "--argon2-mem-kib", "65536"));
    char email[96];
    e2e_email(email, "burst");
    json_decref(E2E_REGISTER_EMAIL(s, email, E2E_PWD));

    struct shot shots[BURST];
    pthread_t th[BURST];
    for (int i = 0; i < BURST; i++) {
        shots[i] = (struct shot){.s = s, .email = email};
        pthread_create(&th[i], NULL, fire, &shots[i]);
    }
    int ok = 0, busy = 0;
    double slowest_busy = 0;
    for (int i = 0; i < BURST; i++) {
        pthread_join(th[i], NULL);
        if (strcmp(shots[i].code, "0") == 0) {
            ok++;
        } else if (strcmp(shots[i].code, "GATEWAY_CODE_004") == 0) {
            busy++;
            assert_string_equal(shots[i].param, "1");
            if (shots[i].ms > slowest_busy)
                slowest_busy = shots[i].ms;
        } else {
            fail_msg("login %d answered %s", i, shots[i].code);
        }
    }
    assert_int_equal(ok + busy, BURST);
    assert_true(busy >= 1);
    assert_true(ok >= 1); /* the first always gets in (a second may still be queued) */

    /* After the burst the pool takes work again. */
    struct e2e_resp r = e2e_login(s, 1, email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);

    struct e2e_resp m = e2e_call(s, "/metrics", NULL, &(struct e2e_opts){.method = "GET"});
    assert_int_equal(m.status, 200);
    char want[64];
    snprintf(want, sizeof want, "\ntradeauth_hash_rejected_total %d\n", busy);
    if (strstr(m.body, want) == NULL)
        fail_msg("metrics lack '%s'", want + 1);
    e2e_resp_free(&m);
    e2e_server_stop(s);
    e2e_server_free(s);
}

/* Fires n logins of email at once; returns how many answered "0" and "004". */
static void burst(struct e2e_server *s, const char *email, int n, int *ok, int *busy)
{
    struct shot *shots = calloc((size_t)n, sizeof *shots);
    pthread_t *th = calloc((size_t)n, sizeof *th);
    assert_non_null(shots);
    assert_non_null(th);
    for (int i = 0; i < n; i++) {
        shots[i] = (struct shot){.s = s, .email = email};
        pthread_create(&th[i], NULL, fire, &shots[i]);
    }
    *ok = *busy = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        if (strcmp(shots[i].code, "0") == 0)
            (*ok)++;
        else if (strcmp(shots[i].code, "GATEWAY_CODE_004") == 0)
            (*busy)++;
        else
            fail_msg("login %d answered %s", i, shots[i].code);
    }
    free(shots);
    free(th);
}

static void burst_of_64__default_cost__all_served(void **state)
{
    (void)state;
    /* The production argon2id cost (t=2, 19 MiB), two workers as on this 2-core machine. */
    struct e2e_server *s =
        e2e_server_up(E2E_ARGS("--hash-threads", "2", "--argon2-ops", "2", "--argon2-mem-kib",
                               "19456", "--login-per-address-min", "1000"));
    char email[96];
    e2e_email(email, "b64");
    json_decref(E2E_REGISTER_EMAIL(s, email, E2E_PWD));
    struct e2e_resp r = e2e_login(s, 1, email, NULL, E2E_PWD, NULL); /* measures a hash */
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    double t0 = e2e_now_ms();
    int ok, busy;
    burst(s, email, 64, &ok, &busy);
    double took = e2e_now_ms() - t0;
    print_message("64 concurrent logins: %d answered 0, %d busy, %.0f ms\n", ok, busy, took);
    assert_int_equal(busy, 0);
    assert_int_equal(ok, 64);
    assert_true(took < 60000);
    e2e_server_stop(s);
    e2e_server_free(s);
}

static void expected_wait_beyond_max__004(void **state)
{
    (void)state;
    struct e2e_server *s =
        e2e_server_up(E2E_ARGS("--hash-threads", "1", "--hash-max-wait-ms", "1", "--argon2-ops",
                               "3", "--argon2-mem-kib", "65536"));
    char email[96];
    e2e_email(email, "wait");
    json_decref(E2E_REGISTER_EMAIL(s, email, E2E_PWD));
    int ok, busy;
    burst(s, email, 8, &ok, &busy);
    assert_int_equal(ok + busy, 8);
    assert_true(ok >= 1);   /* a free worker means no wait */
    assert_true(busy >= 1); /* anything queued behind a ~100 ms hash waits beyond 1 ms */
    e2e_server_stop(s);
    e2e_server_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_queue__answers_004_at_once_then_serves_again),
        cmocka_unit_test(burst_of_64__default_cost__all_served),
        cmocka_unit_test(expected_wait_beyond_max__004),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
