/* tests/e2e/test_cache_model.c — the session cache against a reference model, on two
 * instances sharing one database (SQLite file or PostgreSQL, per TA_E2E_BACKEND). Random
 * operations (login, logout, logout allDevices, switchAccount, refresh, CLI disable and
 * enable), each on a random instance; after every step every known token is checked with
 * /auth/check on both instances against the model: exactly at once on the instance that made
 * the change, within 1 s on the other. Then the revocation delay between instances: logouts
 * on A read on B, p50/p99 printed.
 * Fixed seed in make test; a longer run: TA_MODEL_SEED=n TA_MODEL_STEPS=5000, and
 * TA_REVOKE_ROUNDS for the delay test (default 1000 on PostgreSQL, 200 on SQLite). */
#include "support/e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CUSTOMERS 3
#define TOKENS_MAX 4096
#define CHECKED 10 /* the newest tokens checked after each step */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static uint64_t rng;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static int pick(int n)
{
    return (int)(next_rand() % (uint64_t)n);
}

static long env_long(const char *name, long def)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? strtol(v, NULL, 10) : def;
}

/* ---- the model -------------------------------------------------------------------- */

struct cust {
    char email[96], no[32];
    long long id, demo_id; /* demo_id 0 until a switch made the twin known */
    bool disabled;
};

enum tstate { ALIVE, DEAD, GRACE };

struct tok {
    char token[128], rtoken[128];
    int owner;   /* index into custs */
    bool demo;   /* the twin's session (company 2) */
    int session; /* tokens of one session die together */
    enum tstate st;
    const char *dead_code;
    double grace_until; /* e2e_now_ms() of a rotated-away token's end */
};

static struct cust custs[CUSTOMERS];
static struct tok toks[TOKENS_MAX];
static int n_toks, n_sessions;
static struct e2e_server *inst[2];

static const char *company_of(const struct tok *t)
{
    return t->demo ? "2" : "1";
}

static void kill_session(int session, const char *code)
{
    for (int i = 0; i < n_toks; i++)
        if (toks[i].session == session && toks[i].st != DEAD) {
            toks[i].st = DEAD;
            toks[i].dead_code = code;
        }
}

static void kill_customer(int owner, bool demo, const char *code)
{
    for (int i = 0; i < n_toks; i++)
        if (toks[i].owner == owner && toks[i].demo == demo && toks[i].st != DEAD) {
            toks[i].st = DEAD;
            toks[i].dead_code = code;
        }
}

static struct tok *add_token(const json_t *data, int owner, bool demo, int session)
{
    assert_true(n_toks < TOKENS_MAX);
    struct tok *t = &toks[n_toks++];
    memset(t, 0, sizeof *t);
    snprintf(t->token, sizeof t->token, "%s", E2E_STR(data, "token"));
    snprintf(t->rtoken, sizeof t->rtoken, "%s", E2E_STR(data, "rToken"));
    t->owner = owner;
    t->demo = demo;
    t->session = session >= 0 ? session : n_sessions++;
    t->st = ALIVE;
    return t;
}

/* ---- checking ----------------------------------------------------------------------- */

/* Where a rotated-away token stands: 1 within its grace, 0 past it, -1 too close to tell. */
static int in_grace(const struct tok *t)
{
    double now = e2e_now_ms();
    return now < t->grace_until - 3000 ? 1 : (now > t->grace_until + 2000 ? 0 : -1);
}

/* What the model says of t now: 1 alive, 0 dead, -1 not decidable (near a grace end). */
static int expect_alive(const struct tok *t)
{
    if (t->st == ALIVE)
        return 1;
    if (t->st == DEAD)
        return t->grace_until == 0 || in_grace(t) == 1 ? 0 : (in_grace(t) == 0 ? 0 : -1);
    return in_grace(t);
}

/* The code a dead token answers: its session's end, or "unknown" once its grace is over
 * (the database no longer matches it to the session at all). */
static const char *dead_code(const struct tok *t)
{
    if (t->grace_until != 0 && in_grace(t) == 0)
        return "GATEWAY_CODE_001";
    return t->st == GRACE ? "GATEWAY_CODE_001" : t->dead_code;
}

static bool matches(const struct e2e_server *s, const struct tok *t, char *why, size_t size)
{
    int want = expect_alive(t);
    if (want < 0)
        return true;
    struct e2e_opts o = {.method = "GET", .token = t->token, .company = company_of(t)};
    struct e2e_resp r = e2e_call(s, "/auth/check", NULL, &o);
    bool ok;
    char id[32] = "", want_id[32];
    const struct cust *c = &custs[t->owner];
    snprintf(want_id, sizeof want_id, "%lld", t->demo ? c->demo_id : c->id);
    if (want == 1) {
        ok = r.status == 200 && e2e_header(&r, "X-Customer-Id", id, sizeof id) != NULL &&
             strcmp(id, want_id) == 0;
    } else {
        const char *code = json_string_value(json_object_get(r.json, "code"));
        ok = r.status == 401 && code != NULL && strcmp(code, dead_code(t)) == 0;
    }
    snprintf(why, size, "want %s (%s), got HTTP %ld id %s body %s", want ? "alive" : "dead",
             want ? want_id : dead_code(t), r.status, id, r.body);
    e2e_resp_free(&r);
    return ok;
}

/* Every recent token: at once on the instance that changed (-1: the change came from the
 * CLI, another process), within 1 s on the other(s). */
static void check_all(int changed_on, int step)
{
    char why[600];
    int from = n_toks > CHECKED ? n_toks - CHECKED : 0;
    for (int i = from; i < n_toks; i++) {
        if (changed_on >= 0 && !matches(inst[changed_on], &toks[i], why, sizeof why))
            fail_msg("step %d, token %d on the changing instance: %s", step, i, why);
        for (int k = 0; k < 2; k++) {
            if (k == changed_on)
                continue;
            double t0 = e2e_now_ms();
            while (!matches(inst[k], &toks[i], why, sizeof why)) {
                if (e2e_now_ms() - t0 > 1000)
                    fail_msg("step %d, token %d on instance %d after 1 s: %s", step, i, k, why);
                sleep_ms(10);
            }
        }
    }
}

/* ---- operations --------------------------------------------------------------------- */

static struct tok *random_token(void)
{
    if (n_toks == 0)
        return NULL;
    int from = n_toks > CHECKED ? n_toks - CHECKED : 0;
    return &toks[from + pick(n_toks - from)];
}

static void op_login(struct e2e_server *s)
{
    int c = pick(CUSTOMERS);
    struct e2e_resp r = e2e_login(s, 1, custs[c].email, NULL, E2E_PWD, NULL);
    if (custs[c].disabled) {
        E2E_EXPECT(r, 200, "CUSTOMER_API_0000104");
    } else {
        E2E_EXPECT(r, 200, "0");
        add_token(json_object_get(r.json, "data"), c, false, -1);
    }
    e2e_resp_free(&r);
}

static void op_logout(struct e2e_server *s, bool all)
{
    struct tok *t = random_token();
    if (t == NULL)
        return;
    struct e2e_opts o = {.token = t->token, .company = company_of(t)};
    struct e2e_resp r = e2e_call(s, E2E_LOGOUT, all ? "{\"allDevices\":true}" : "{}", &o);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    if (expect_alive(t) != 1)
        return; /* a dead token (or one at its grace end) logs nothing out */
    if (!all) {
        kill_session(t->session, "GATEWAY_CODE_001");
        return;
    }
    kill_customer(t->owner, false, "GATEWAY_CODE_001"); /* the customer and its twin */
    kill_customer(t->owner, true, "GATEWAY_CODE_001");
}

static void op_switch(struct e2e_server *s)
{
    struct tok *t = random_token();
    if (t == NULL || t->demo || expect_alive(t) != 1)
        return;
    struct e2e_opts o = {.token = t->token, .company = "1"};
    struct e2e_resp r = e2e_call(s, E2E_PREFIX "/thirdExt/switchAccount", "{}", &o);
    E2E_EXPECT(r, 200, "0");
    const json_t *d = json_object_get(r.json, "data");
    custs[t->owner].demo_id = (long long)json_integer_value(json_object_get(d, "id"));
    int owner = t->owner;
    kill_session(t->session, "GATEWAY_CODE_001");
    add_token(d, owner, true, -1);
    e2e_resp_free(&r);
}

static void op_refresh(struct e2e_server *s)
{
    struct tok *t = random_token();
    if (t == NULL || t->st != ALIVE || t->rtoken[0] == '\0')
        return;
    struct e2e_opts o = {.company = company_of(t)};
    struct e2e_resp r = e2e_callj(s, E2E_REFRESH, json_pack("{s:s}", "rToken", t->rtoken), &o);
    E2E_EXPECT(r, 200, "0");
    int session = t->session, owner = t->owner;
    bool demo = t->demo;
    t->st = GRACE; /* the old access token keeps working for 30 s */
    t->grace_until = e2e_now_ms() + 30000;
    t->rtoken[0] = '\0';
    add_token(json_object_get(r.json, "data"), owner, demo, session);
    e2e_resp_free(&r);
}

static void op_cli(struct e2e_server *s, bool disable)
{
    int c = pick(CUSTOMERS);
    char out[2048];
    int rc = e2e_cli(
        s, out, sizeof out,
        E2E_ARGS("customer", disable ? "disable" : "enable", "--company", "1", custs[c].no));
    assert_int_equal(rc, 0);
    if (disable) {
        kill_customer(c, false, "GATEWAY_CODE_005");
        custs[c].disabled = true;
    } else {
        custs[c].disabled = false;
    }
}

static void model__random_operations_on_two_instances(void **state)
{
    (void)state;
    const char *const flags[] = {"--customer-ops-per-min", "1000000", "--login-per-address-min",
                                 "1000000", NULL};
    inst[0] = e2e_server_new();
    e2e_server_start(inst[0], flags);
    inst[1] = e2e_server_new_db(inst[0]->db_url);
    /* One delivery log for both: whichever worker claims a code appends it there. */
    snprintf(inst[1]->delivery_log, sizeof inst[1]->delivery_log, "%s", inst[0]->delivery_log);
    e2e_server_start(inst[1], flags);
    rng = (uint64_t)env_long("TA_MODEL_SEED", 20261129);
    long steps = env_long("TA_MODEL_STEPS", 150);
    n_toks = n_sessions = 0;
    for (int c = 0; c < CUSTOMERS; c++) {
        memset(&custs[c], 0, sizeof custs[c]);
        e2e_email(custs[c].email, "model");
        json_t *d = E2E_REGISTER_EMAIL(inst[0], custs[c].email, E2E_PWD);
        custs[c].id = (long long)json_integer_value(json_object_get(d, "id"));
        snprintf(custs[c].no, sizeof custs[c].no, "%s", E2E_STR(d, "customerNo"));
        add_token(d, c, false, -1);
        json_decref(d);
    }
    for (long step = 0; step < steps; step++) {
        int on = pick(2);
        int op = pick(100);
        if (op < 30)
            op_login(inst[on]);
        else if (op < 50)
            op_logout(inst[on], false);
        else if (op < 58)
            op_logout(inst[on], true);
        else if (op < 70)
            op_switch(inst[on]);
        else if (op < 85)
            op_refresh(inst[on]);
        else if (op < 92)
            op_cli(inst[on], true);
        else
            op_cli(inst[on], false);
        check_all(op < 85 ? on : -1, (int)step);
    }
    print_message("model: %ld steps, %d tokens, seed %ld: every answer as the model said\n", steps,
                  n_toks, env_long("TA_MODEL_SEED", 20261129));
    e2e_server_stop(inst[1]);
    e2e_server_free(inst[1]);
    e2e_server_stop(inst[0]);
    e2e_server_free(inst[0]);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Logouts on A, read on B: how long B still says "alive". */
static void revocation__between_instances__p99_within_1s(void **state)
{
    (void)state;
    const char *const flags[] = {"--login-per-address-min", "1000000", NULL};
    struct e2e_server *a = e2e_server_new();
    e2e_server_start(a, flags);
    struct e2e_server *b = e2e_server_new_db(a->db_url);
    snprintf(b->delivery_log, sizeof b->delivery_log, "%s", a->delivery_log);
    e2e_server_start(b, flags);
    char email[96];
    e2e_email(email, "revoke");
    json_decref(E2E_REGISTER_EMAIL(a, email, E2E_PWD));
    /* 1000 across PostgreSQL instances (LISTEN/NOTIFY, about a millisecond each); the SQLite
     * watcher polls every 50 ms, so 200 rounds already take 10 s there. */
    long rounds = env_long("TA_REVOKE_ROUNDS", e2e_backend_pg() ? 1000 : 200);
    double *delay = calloc((size_t)rounds, sizeof *delay);
    assert_non_null(delay);
    struct e2e_conn *ca = e2e_conn_new(), *cb = e2e_conn_new();
    for (long i = 0; i < rounds; i++) {
        struct e2e_resp r = e2e_login(a, 1, email, NULL, E2E_PWD, NULL);
        E2E_EXPECT(r, 200, "0");
        char token[128];
        snprintf(token, sizeof token, "%s", E2E_STR(json_object_get(r.json, "data"), "token"));
        e2e_resp_free(&r);
        struct e2e_opts ob = {.method = "GET", .token = token, .conn = cb};
        r = e2e_call(b, "/auth/check", NULL, &ob); /* B now holds it */
        assert_int_equal(r.status, 200);
        e2e_resp_free(&r);
        struct e2e_opts oa = {.token = token, .conn = ca};
        r = e2e_call(a, E2E_LOGOUT, "{}", &oa);
        double t0 = e2e_now_ms();
        E2E_EXPECT(r, 200, "0");
        e2e_resp_free(&r);
        for (;;) {
            r = e2e_call(b, "/auth/check", NULL, &ob);
            long st = r.status;
            e2e_resp_free(&r);
            delay[i] = e2e_now_ms() - t0;
            if (st == 401)
                break;
            assert_int_equal(st, 200);
            if (delay[i] > 5000)
                fail_msg("round %ld: B still answers 200 after 5 s", i);
        }
    }
    e2e_conn_free(ca);
    e2e_conn_free(cb);
    qsort(delay, (size_t)rounds, sizeof *delay, cmp_double);
    double p50 = delay[rounds / 2], p99 = delay[(rounds * 99) / 100], max = delay[rounds - 1];
    print_message("revocation A->B over %ld logouts (%s): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                  rounds, e2e_backend_pg() ? "PostgreSQL" : "SQLite", p50, p99, max);
    free(delay);
    assert_true(p99 <= 1000);
    e2e_server_stop(b);
    e2e_server_free(b);
    e2e_server_stop(a);
    e2e_server_free(a);
}

/* PostgreSQL: the watcher's connection dies (pg_terminate_backend); the cache is emptied at
 * once and serves again once the watcher is back; a logout meanwhile is never missed. */
static void lost_change_feed__whole_cache_flushed(void **state)
{
    (void)state;
    if (!e2e_backend_pg()) {
        print_message("SQLite: the change feed is a file, it cannot be lost\n");
        return;
    }
    struct e2e_server *s = e2e_server_up(NULL);
    char email[96];
    e2e_email(email, "lost");
    json_t *d = E2E_REGISTER_EMAIL(s, email, E2E_PWD);
    char token[128];
    snprintf(token, sizeof token, "%s", E2E_STR(d, "token"));
    json_decref(d);
    struct e2e_opts o = {.method = "GET", .token = token};
    for (int i = 0; i < 3; i++) {
        struct e2e_resp r = e2e_call(s, "/auth/check", NULL, &o);
        assert_int_equal(r.status, 200);
        e2e_resp_free(&r);
    }
    assert_true(e2e_metric(s, "tradeauth_session_cache_entries") >= 1);
    double flushes = e2e_metric(s, "tradeauth_session_cache_flushes_total");
    assert_int_equal(e2e_sql(s, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                                "application_name = 'tradeauth-cache-watch' AND datname = "
                                "current_database()"),
                     1);
    double t0 = e2e_now_ms();
    while (e2e_metric(s, "tradeauth_session_cache_flushes_total") < flushes + 1) {
        if (e2e_now_ms() - t0 > 1000)
            fail_msg("no flush within 1 s of losing the change feed");
        sleep_ms(10);
    }
    /* Served from the database meanwhile, and from the cache again once it reconnected. */
    double hits = e2e_metric(s, "tradeauth_session_cache_hits_total");
    t0 = e2e_now_ms();
    for (;;) {
        struct e2e_resp r = e2e_call(s, "/auth/check", NULL, &o);
        assert_int_equal(r.status, 200);
        e2e_resp_free(&r);
        if (e2e_metric(s, "tradeauth_session_cache_hits_total") > hits)
            break;
        if (e2e_now_ms() - t0 > 5000)
            fail_msg("the cache did not come back within 5 s");
        sleep_ms(50);
    }
    e2e_server_stop(s);
    e2e_server_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lost_change_feed__whole_cache_flushed),
        cmocka_unit_test(model__random_operations_on_two_instances),
        cmocka_unit_test(revocation__between_instances__p99_within_1s),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
