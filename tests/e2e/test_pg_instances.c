/* tests/e2e/test_pg_instances.c — two tradeauth processes on ONE PostgreSQL database (the
 * scale-out setup of ARCHITECTURE "Storage" and docs/operations.md): whatever one instance
 * writes, the other honours — tokens, code tickets and their attempts, the login lock,
 * the code limits, one-time tokens, and the outbox that both delivery workers drain. And
 * one instance across a PostgreSQL restart (a private cluster, restarted mid-stream).
 *
 * Registered only as a pg test (tests/CMakeLists.txt: e2e/test_pg_*.c): every pair test
 * makes its own database in the shared cluster (TA_TEST_PG_URL_FILE); the restart test
 * starts a private cluster with scripts/pg-test-cluster.sh, so restarting it disturbs no
 * other test. Both servers of a pair append to the SAME delivery log (O_APPEND), so every
 * wait for a code reads that one file. */
#include "support/e2e.h"
#include "support/pg_harness.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#define R_CHECK E2E_PREFIX "/global/message.app.VerificationApiService.verifyCodeCheck"
#define R_RANDOM_KEY E2E_PREFIX "/global/thirdExt/randomKey"
#define R_ONE_TIME E2E_PREFIX "/global/thirdExt/oneTimeToken"
#define BIZ_REG "EMAIL_REGISTER_VERIFICATION_CODE"

#define TOK_MAX 128

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static const char *code_of(const struct e2e_resp *r)
{
    const char *c = json_string_value(json_object_get(r->json, "code"));
    return c != NULL ? c : "(no answer)";
}

/* ---- a pair of servers on one fresh database ----------------------------------------- */

struct pair {
    char url[E2E_PATH_MAX + 32];
    struct e2e_server *a, *b;
};

static int setup_pair_with(void **state, const char *const *extra)
{
    struct pair *p = calloc(1, sizeof *p);
    assert_non_null(p);
    e2e_pg_create(p->url, sizeof p->url);
    p->a = e2e_server_new_db(p->url);
    e2e_server_start(p->a, extra); /* migrates; B then finds the schema in place */
    p->b = e2e_server_new_db(p->url);
    /* One delivery log for both: whichever worker claims a row appends it here. */
    snprintf(p->b->delivery_log, sizeof p->b->delivery_log, "%s", p->a->delivery_log);
    e2e_server_start(p->b, extra);
    *state = p;
    return 0;
}

static int setup_pair(void **state)
{
    return setup_pair_with(state, NULL);
}

static int setup_pair_no_resend_wait(void **state)
{
    return setup_pair_with(state, E2E_ARGS("--code-resend-s", "0"));
}

static int teardown_pair(void **state)
{
    struct pair *p = *state;
    *state = NULL;
    if (p == NULL)
        return 0;
    void *sa = p->a, *sb = p->b;
    int ra = e2e_teardown_server(&sa); /* SIGTERM, exit status 0, free */
    int rb = e2e_teardown_server(&sb);
    e2e_pg_drop(p->url);
    free(p);
    return ra == 0 && rb == 0 ? 0 : -1;
}

/* ---- helpers ------------------------------------------------------------------------- */

static struct e2e_resp check_code(const struct e2e_server *s, const char *to, const char *tok,
                                  const char *code)
{
    return e2e_callj(s, R_CHECK,
                     json_pack("{s:s,s:s,s:s,s:s}", "bizType", BIZ_REG, "toUser", to, "sendToken",
                               tok, "code", code),
                     NULL);
}

static struct e2e_resp register_with(const struct e2e_server *s, const char *email, const char *tok,
                                     const char *code)
{
    return e2e_callj(s, E2E_REGISTER,
                     json_pack("{s:i,s:s,s:s,s:s,s:s,s:i,s:s}", "type", 1, "loginName", email,
                               "country", "CN", "verifyCode", code, "sendToken", tok,
                               "registerSource", 1, "pwd", E2E_PWD),
                     NULL);
}

/* A six-digit code that is not `code`. */
static void wrong_code(const char code[7], char out[7])
{
    memcpy(out, code, 7);
    out[5] = (char)('0' + (out[5] - '0' + 1) % 10);
}

static struct e2e_resp with_token(const struct e2e_server *s, const char *path, const char *token)
{
    struct e2e_opts o = {.token = token};
    return e2e_call(s, path, "{}", &o);
}

/* ---- sessions ------------------------------------------------------------------------ */

static void token_from_a__works_on_b_and_back(void **state)
{
    struct pair *p = *state;
    char email[96], token[TOK_MAX];
    e2e_email(email, "tok");
    json_t *d = E2E_REGISTER_EMAIL(p->a, email, E2E_PWD);
    snprintf(token, sizeof token, "%s", E2E_STR(d, "token"));
    json_int_t id = json_integer_value(json_object_get(d, "id"));
    json_decref(d);

    struct e2e_resp r = with_token(p->b, E2E_INFO, token);
    E2E_EXPECT(r, 200, "0");
    E2E_CHECK_CUSTOMER(json_object_get(r.json, "data"), E2E_RTOKEN_NULL);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r.json, "data"), "id")),
                     id);
    e2e_resp_free(&r);

    /* A login on B, its token used on A; a logout on A ends it on B too. */
    r = e2e_login(p->b, 1, email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(r, 200, "0");
    char token_b[TOK_MAX];
    snprintf(token_b, sizeof token_b, "%s", E2E_STR(json_object_get(r.json, "data"), "token"));
    e2e_resp_free(&r);
    r = with_token(p->a, E2E_INFO, token_b);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    r = with_token(p->a, E2E_LOGOUT, token_b);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    r = with_token(p->b, E2E_INFO, token_b);
    E2E_EXPECT(r, 200, "GATEWAY_CODE_001");
    e2e_resp_free(&r);
    r = with_token(p->b, E2E_INFO, token); /* the other session lives on */
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
}

/* ---- code tickets -------------------------------------------------------------------- */

static void code_sent_through_a__registers_on_b(void **state)
{
    struct pair *p = *state;
    char email[96], tok[100], code[7];
    e2e_email(email, "cross");
    E2E_SEND_CODE(p->a, BIZ_REG, email, NULL, tok);
    E2E_WAIT_CODE(p->a, email, code);

    struct e2e_resp r = register_with(p->b, email, tok, code);
    E2E_EXPECT(r, 200, "0");
    E2E_CHECK_REGISTER(json_object_get(r.json, "data"));
    e2e_resp_free(&r);
    /* Used up on B means used up on A. */
    r = register_with(p->a, email, tok, code);
    E2E_EXPECT(r, 200, "CUSTOMER_API_0000105");
    e2e_resp_free(&r);
    r = e2e_login(p->a, 1, email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
}

/* Wrong codes on one ticket: `first` wrong attempts on x, then on y until the 5th, which
 * must end the ticket (203) on y; after it the right code is refused on both (203). */
static void spend_across(struct e2e_server *x, struct e2e_server *y, int first)
{
    char email[96], tok[100], code[7], bad[7], left[8];
    e2e_email(email, "attempts");
    E2E_SEND_CODE(x, BIZ_REG, email, NULL, tok);
    E2E_WAIT_CODE(x, email, code);
    wrong_code(code, bad);
    for (int i = 1; i <= 5; i++) {
        struct e2e_server *s = i <= first ? x : y;
        struct e2e_resp r = check_code(s, email, tok, bad);
        if (i < 5) {
            snprintf(left, sizeof left, "%d", 5 - i);
            E2E_EXPECT_PARAMS(r, 200, "MESSAGE_API_0000201", left);
        } else {
            E2E_EXPECT(r, 200, "MESSAGE_API_0000203");
        }
        e2e_resp_free(&r);
    }
    struct e2e_resp r = check_code(x, email, tok, code);
    E2E_EXPECT(r, 200, "MESSAGE_API_0000203");
    e2e_resp_free(&r);
    r = check_code(y, email, tok, code);
    E2E_EXPECT(r, 200, "MESSAGE_API_0000203");
    e2e_resp_free(&r);
    r = register_with(y, email, tok, code);
    E2E_EXPECT(r, 200, "MESSAGE_API_0000203");
    e2e_resp_free(&r);
}

static void wrong_codes__counted_across_instances(void **state)
{
    struct pair *p = *state;
    spend_across(p->a, p->b, 3); /* 3 wrong on A, 2 on B: the 5th (on B) ends it */
    spend_across(p->b, p->a, 2); /* 2 on B, 3 on A: the 5th (on A) ends it */

    /* A right code checked on one instance proves it there and on the other. */
    char email[96], tok[100], code[7];
    e2e_email(email, "check");
    E2E_SEND_CODE(p->b, BIZ_REG, email, NULL, tok);
    E2E_WAIT_CODE(p->a, email, code);
    struct e2e_resp r = check_code(p->a, email, tok, code);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    r = register_with(p->b, email, tok, code);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
}

/* ---- limits -------------------------------------------------------------------------- */

static void login_lock__ten_failures_over_both__locked_on_both(void **state)
{
    struct pair *p = *state;
    char email[96];
    e2e_email(email, "lock");
    json_decref(E2E_REGISTER_EMAIL(p->a, email, E2E_PWD));
    for (int i = 0; i < 10; i++) {
        struct e2e_resp r = e2e_login(i < 5 ? p->a : p->b, 1, email, NULL, E2E_PWD_OTHER, NULL);
        E2E_EXPECT(r, 200, "CUSTOMER_API_0000102");
        e2e_resp_free(&r);
    }
    struct e2e_resp r = e2e_login(p->a, 1, email, NULL, E2E_PWD, NULL);
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000103", "15");
    e2e_resp_free(&r);
    r = e2e_login(p->b, 1, email, NULL, E2E_PWD, NULL);
    E2E_EXPECT_PARAMS(r, 200, "CUSTOMER_API_0000103", "15");
    e2e_resp_free(&r);
}

static void resend_cooldown__second_send_on_other_instance__204(void **state)
{
    struct pair *p = *state;
    struct e2e_server *order[2][2] = {{p->a, p->b}, {p->b, p->a}};
    for (int k = 0; k < 2; k++) {
        char email[96], tok[100];
        e2e_email(email, "cool");
        E2E_SEND_CODE(order[k][0], BIZ_REG, email, NULL, tok);
        struct e2e_resp r =
            e2e_callj(order[k][1], E2E_SEND,
                      json_pack("{s:s,s:s}", "bizType", BIZ_REG, "toUser", email), NULL);
        E2E_EXPECT_ONE_PARAM(r, 200, "MESSAGE_API_0000204");
        long wait_s = e2e_param_long(&r);
        assert_true(wait_s >= 1 && wait_s <= 60);
        e2e_resp_free(&r);
        /* Only the first send was written: one message. */
        json_decref(e2e_wait_delivery(p->a, email, 5000));
        sleep_ms(100);
        assert_int_equal(e2e_delivery_count(p->a, email), 1);
    }
}

static void recipient_hour_limit__counted_across_instances__205(void **state)
{
    struct pair *p = *state; /* --code-resend-s 0: only the hourly limit (10) applies */
    char email[96], tok[100];
    e2e_email(email, "hour");
    for (int i = 0; i < 10; i++)
        E2E_SEND_CODE(i % 2 == 0 ? p->a : p->b, BIZ_REG, email, NULL, tok);
    for (int i = 0; i < 2; i++) {
        struct e2e_resp r =
            e2e_callj(i == 0 ? p->a : p->b, E2E_SEND,
                      json_pack("{s:s,s:s}", "bizType", BIZ_REG, "toUser", email), NULL);
        E2E_EXPECT(r, 200, "MESSAGE_API_0000205");
        e2e_resp_free(&r);
    }
}

/* ---- one-time tokens ----------------------------------------------------------------- */

struct racer {
    const struct e2e_server *s;
    const char *ott;
    pthread_barrier_t *go;
    char code[64];
    char token[TOK_MAX];
};

static void *race_random_key(void *arg)
{
    struct racer *x = arg;
    pthread_barrier_wait(x->go);
    struct e2e_opts o = {.token = x->ott};
    struct e2e_resp r = e2e_call(x->s, R_RANDOM_KEY, "{}", &o);
    snprintf(x->code, sizeof x->code, "%s", code_of(&r));
    const char *t = json_string_value(json_object_get(r.json, "data"));
    snprintf(x->token, sizeof x->token, "%s", t != NULL ? t : "");
    e2e_resp_free(&r);
    return NULL;
}

static void one_time_token__raced_on_a_and_b__exactly_one_wins(void **state)
{
    struct pair *p = *state;
    char email[96], token[TOK_MAX];
    e2e_email(email, "ott");
    json_t *d = E2E_REGISTER_EMAIL(p->a, email, E2E_PWD);
    snprintf(token, sizeof token, "%s", E2E_STR(d, "token"));
    json_decref(d);

    for (int round = 0; round < 20; round++) {
        char ott[TOK_MAX];
        struct e2e_resp r = with_token(round % 2 ? p->b : p->a, R_ONE_TIME, token);
        E2E_EXPECT(r, 200, "0");
        assert_true(json_is_string(json_object_get(r.json, "data")));
        snprintf(ott, sizeof ott, "%s", json_string_value(json_object_get(r.json, "data")));
        e2e_resp_free(&r);

        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, 2);
        struct racer x[2] = {{.s = p->a, .ott = ott, .go = &go},
                             {.s = p->b, .ott = ott, .go = &go}};
        pthread_t th[2];
        for (int i = 0; i < 2; i++)
            assert_int_equal(pthread_create(&th[i], NULL, race_random_key, &x[i]), 0);
        for (int i = 0; i < 2; i++)
            pthread_join(th[i], NULL);
        pthread_barrier_destroy(&go);
        int wins = (strcmp(x[0].code, "0") == 0) + (strcmp(x[1].code, "0") == 0);
        if (wins != 1)
            fail_msg("round %d: A answered \"%s\", B \"%s\"; want exactly one \"0\"", round,
                     x[0].code, x[1].code);
        int w = strcmp(x[0].code, "0") == 0 ? 0 : 1;
        assert_string_equal(x[1 - w].code, "GATEWAY_CODE_001");
        /* The winner's new access token works on the other instance. */
        r = with_token(w == 0 ? p->b : p->a, E2E_INFO, x[w].token);
        E2E_EXPECT(r, 200, "0");
        e2e_resp_free(&r);
    }
}

/* ---- the outbox, drained by both workers --------------------------------------------- */

#define OUTBOX_N 40

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        if (n == 0)
            break;
        len += n;
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* tradeauth_codes_total{channel="email",result=<result>} of one instance. */
static long long codes_metric(const struct e2e_server *s, const char *result)
{
    char series[128];
    snprintf(series, sizeof series, "tradeauth_codes_total{channel=\"email\",result=\"%s\"}",
             result);
    return (long long)e2e_metric(s, series);
}

static void outbox__two_workers__every_row_delivered_exactly_once(void **state)
{
    struct pair *p = *state;
    static char emails[OUTBOX_N][96], toks[OUTBOX_N][100];
    for (int i = 0; i < OUTBOX_N; i++) {
        e2e_email(emails[i], "many");
        E2E_SEND_CODE(i % 2 == 0 ? p->a : p->b, BIZ_REG, emails[i], NULL, toks[i]);
    }
    for (int i = 0; i < OUTBOX_N; i++) {
        json_t *o = e2e_wait_delivery(p->a, emails[i], 10000);
        if (o == NULL)
            fail_msg("no delivery to %s within 10 s", emails[i]);
        json_decref(o);
    }
    /* Room for a second copy to show up, then the whole file. */
    sleep_ms(500);
    char *text = read_all(p->a->delivery_log);
    assert_non_null(text);
    static json_int_t ids[4 * OUTBOX_N];
    static char codes[OUTBOX_N][7];
    int per_rcpt[OUTBOX_N] = {0};
    size_t n_ids = 0;
    for (char *line = text; *line != '\0';) {
        char *nl = strchr(line, '\n');
        if (nl == NULL)
            fail_msg("a partial line at the end of the delivery log: %s", line);
        *nl = '\0';
        json_error_t jerr;
        json_t *o = json_loads(line, 0, &jerr);
        if (o == NULL)
            fail_msg("delivery log line is not JSON (%s): %s", jerr.text, line);
        json_int_t id = json_integer_value(json_object_get(o, "id"));
        for (size_t k = 0; k < n_ids; k++)
            if (ids[k] == id)
                fail_msg("outbox id %lld delivered twice", (long long)id);
        assert_true(n_ids < sizeof ids / sizeof ids[0]);
        ids[n_ids++] = id;
        const char *to = json_string_value(json_object_get(o, "to"));
        const char *code = json_string_value(json_object_get(o, "code"));
        for (int i = 0; to != NULL && i < OUTBOX_N; i++) {
            if (strcmp(to, emails[i]) == 0) {
                per_rcpt[i]++;
                assert_non_null(code);
                assert_int_equal(strlen(code), 6);
                assert_int_equal(strspn(code, "0123456789"), 6);
                memcpy(codes[i], code, 7);
            }
        }
        json_decref(o);
        line = nl + 1;
    }
    free(text);
    assert_int_equal(n_ids, OUTBOX_N);
    for (int i = 0; i < OUTBOX_N; i++)
        if (per_rcpt[i] != 1)
            fail_msg("%s got %d messages, want 1", emails[i], per_rcpt[i]);

    /* Each delivered code is the one its ticket holds: checked on the other instance. */
    for (int i = 0; i < OUTBOX_N; i++) {
        struct e2e_resp r = check_code(i % 2 == 0 ? p->b : p->a, emails[i], toks[i], codes[i]);
        E2E_EXPECT(r, 200, "0");
        e2e_resp_free(&r);
    }
    /* The rows agree: all sent, none pending; and the two workers sent 40 between them. */
    assert_int_equal(e2e_sql_int(p->a, "SELECT count(*) FROM outbox WHERE status = 1"), OUTBOX_N);
    assert_int_equal(e2e_sql_int(p->a, "SELECT count(*) FROM outbox WHERE status <> 1"), 0);
    long long sent_a = codes_metric(p->a, "sent"), sent_b = codes_metric(p->b, "sent");
    print_message("outbox: instance A sent %lld, B sent %lld\n", sent_a, sent_b);
    assert_int_equal(sent_a + sent_b, OUTBOX_N);
}

/* ---- a PostgreSQL restart under a stream of registrations ----------------------------- */

#define RS_N 40
#define RS_RESTART_AFTER 8 /* acknowledged registrations before the restart */

enum rs_state { RS_PENDING, RS_ACKED, RS_LATE /* 105 on the retry after a 500 */, RS_BAD };

struct rs_reg {
    char email[96];
    char tok[100];
    char code[7];
    enum rs_state state;
    int n500;
    char bad[64]; /* the unexpected answer */
};

struct rs {
    struct e2e_server *s;
    struct rs_reg regs[RS_N];
    atomic_int acked;
    atomic_int done; /* registrar finished */
    atomic_int n500;
    atomic_int gap_seen; /* the prober met the database away */
    /* the prober */
    atomic_int probing;
    int ready_200, ready_503, ready_other;
    int info_0, info_500, info_other;
    char info_other_code[64];
    char token[TOK_MAX];
    struct e2e_resp gap_500; /* one GATEWAY_CODE_500 answer, checked in the main thread */
};

static void *registrar(void *arg)
{
    struct rs *x = arg;
    double until = e2e_now_ms() + 40000;
    for (int i = 0; i < RS_N; i++) {
        struct rs_reg *g = &x->regs[i];
        while (g->state == RS_PENDING) {
            struct e2e_resp r = register_with(x->s, g->email, g->tok, g->code);
            const char *c = code_of(&r);
            if (r.status == 200 && strcmp(c, "0") == 0) {
                g->state = RS_ACKED;
                atomic_fetch_add(&x->acked, 1);
            } else if (r.status == 200 && strcmp(c, "GATEWAY_CODE_500") == 0 &&
                       e2e_now_ms() < until) {
                g->n500++;
                atomic_fetch_add(&x->n500, 1);
                sleep_ms(20); /* the database is away: try the same one again */
            } else if (r.status == 200 && strcmp(c, "CUSTOMER_API_0000105") == 0 && g->n500 > 0) {
                /* Committed, but the answer was lost to the restart (the reload after the
                 * commit failed): present, yet never acknowledged. */
                g->state = RS_LATE;
            } else {
                g->state = RS_BAD;
                snprintf(g->bad, sizeof g->bad, "HTTP %ld %s", r.status, c);
            }
            e2e_resp_free(&r);
        }
        sleep_ms(15); /* a stream, not a burst: it must still run while the database is away */
        if (i == RS_RESTART_AFTER - 1) {
            /* The main thread restarts the database now: go on once it is away, so the
             * stream surely meets the gap. */
            double gap_until = e2e_now_ms() + 15000;
            while (!atomic_load(&x->gap_seen) && e2e_now_ms() < gap_until)
                sleep_ms(2);
        }
    }
    atomic_store(&x->done, 1);
    return NULL;
}

/* /readyz and a token request, back to back, until told to stop. */
static void *prober(void *arg)
{
    struct rs *x = arg;
    struct e2e_opts get = {.method = "GET", .timeout_ms = 5000};
    while (atomic_load(&x->probing)) {
        struct e2e_resp r = e2e_call(x->s, "/readyz", NULL, &get);
        if (r.status == 200) {
            x->ready_200++;
        } else if (r.status == 503) {
            x->ready_503++;
            atomic_store(&x->gap_seen, 1);
        } else {
            x->ready_other++;
        }
        e2e_resp_free(&r);
        struct e2e_opts o = {.token = x->token, .timeout_ms = 5000};
        r = e2e_call(x->s, E2E_INFO, "{}", &o);
        const char *c = code_of(&r);
        if (r.status == 200 && strcmp(c, "0") == 0) {
            x->info_0++;
        } else if (r.status == 200 && strcmp(c, "GATEWAY_CODE_500") == 0) {
            x->info_500++;
            atomic_store(&x->gap_seen, 1);
            if (x->gap_500.body == NULL) {
                x->gap_500 = r;
                continue;
            }
        } else {
            x->info_other++;
            snprintf(x->info_other_code, sizeof x->info_other_code, "HTTP %ld %s", r.status, c);
        }
        e2e_resp_free(&r);
        sleep_ms(5);
    }
    return NULL;
}

static int setup_private_cluster(void **state)
{
    char url[256];
    if (pg_harness_start(url, sizeof url) != 0) {
        print_error("cannot start a private PostgreSQL cluster\n");
        return -1;
    }
    struct e2e_server *s = e2e_server_new_db(url);
    e2e_server_start(s, NULL);
    *state = s;
    return 0;
}

static int teardown_private_cluster(void **state)
{
    int rc = e2e_teardown_server(state);
    pg_harness_stop();
    return rc;
}

static bool alive(pid_t pid)
{
    return pid > 0 && waitpid(pid, NULL, WNOHANG) == 0;
}

static void restart__stream_of_registrations__acknowledged_kept_none_partial(void **state)
{
    struct e2e_server *s = *state;
    static struct rs x;
    memset(&x, 0, sizeof x);
    x.s = s;

    /* A customer whose token the prober uses, then every code sent ahead. */
    char email[96];
    e2e_email(email, "probe");
    json_t *d = E2E_REGISTER_EMAIL(s, email, E2E_PWD);
    snprintf(x.token, sizeof x.token, "%s", E2E_STR(d, "token"));
    json_decref(d);
    for (int i = 0; i < RS_N; i++) {
        e2e_email(x.regs[i].email, "stream");
        E2E_SEND_CODE(s, BIZ_REG, x.regs[i].email, NULL, x.regs[i].tok);
    }
    for (int i = 0; i < RS_N; i++)
        E2E_WAIT_CODE(s, x.regs[i].email, x.regs[i].code);

    pthread_t reg_th, probe_th;
    assert_int_equal(pthread_create(&reg_th, NULL, registrar, &x), 0);
    double until = e2e_now_ms() + 20000;
    while (atomic_load(&x.acked) < RS_RESTART_AFTER && !atomic_load(&x.done) &&
           e2e_now_ms() < until)
        sleep_ms(5);
    atomic_store(&x.probing, 1);
    assert_int_equal(pthread_create(&probe_th, NULL, prober, &x), 0);

    int restarted = pg_harness_restart(); /* stop -m fast, start again on the same port */

    /* Ready again within 10 s of the database's return. */
    until = e2e_now_ms() + 10000;
    bool ready = false;
    while (!ready && e2e_now_ms() < until) {
        struct e2e_opts get = {.method = "GET"};
        struct e2e_resp r = e2e_call(s, "/readyz", NULL, &get);
        ready = r.status == 200;
        e2e_resp_free(&r);
        if (!ready)
            sleep_ms(20);
    }
    double back_ms = e2e_now_ms() - (until - 10000);
    atomic_store(&x.probing, 0);
    pthread_join(probe_th, NULL);
    pthread_join(reg_th, NULL);
    print_message("restart: /readyz 200 %.0f ms after the database was back\n", back_ms);
    print_message("restart: %d answers of GATEWAY_CODE_500 to registrations; "
                  "readyz 200/503/other %d/%d/%d; token requests 0/500/other %d/%d/%d\n",
                  atomic_load(&x.n500), x.ready_200, x.ready_503, x.ready_other, x.info_0,
                  x.info_500, x.info_other);

    assert_int_equal(restarted, 0);
    assert_true(ready);
    assert_true(alive(s->pid)); /* never a crash */
    /* While the database was away: /readyz 503, requests GATEWAY_CODE_500, nothing else. */
    assert_int_equal(x.ready_other, 0);
    assert_true(x.ready_503 > 0);
    if (x.info_other != 0)
        fail_msg("a token request during the restart answered %s", x.info_other_code);
    assert_true(x.info_500 > 0);
    assert_non_null(x.gap_500.body);
    E2E_EXPECT(x.gap_500, 200, "GATEWAY_CODE_500");
    e2e_resp_free(&x.gap_500);

    int acked = 0, late = 0;
    for (int i = 0; i < RS_N; i++) {
        const struct rs_reg *g = &x.regs[i];
        if (g->state == RS_BAD || g->state == RS_PENDING)
            fail_msg("registration %d (%s) answered %s", i, g->email,
                     g->state == RS_BAD ? g->bad : "nothing");
        acked += g->state == RS_ACKED;
        late += g->state == RS_LATE;
    }
    print_message("restart: %d registrations acknowledged, %d committed but answered "
                  "GATEWAY_CODE_500 (the retry answered CUSTOMER_API_0000105)\n",
                  acked, late);
    assert_int_equal(acked + late, RS_N);
    assert_true(atomic_load(&x.n500) > 0); /* the stream did meet the gap */

    /* Every registration is there and whole: the probe customer + RS_N, each with exactly
     * its two accounts, and every one can log in. */
    assert_int_equal(e2e_sql_int(s, "SELECT count(*) FROM customers WHERE company_id = 1"),
                     RS_N + 1);
    assert_int_equal(e2e_sql_int(s, "SELECT count(*) FROM customers c WHERE (SELECT count(*) "
                                    "FROM accounts a WHERE a.customer_id = c.id) <> 2"),
                     0);
    /* Each registration also made its demo twin (company 2) with its own two accounts. */
    assert_int_equal(e2e_sql_int(s, "SELECT count(*) FROM accounts a JOIN customers c ON "
                                    "c.id = a.customer_id WHERE c.company_id = 1"),
                     2 * (RS_N + 1));
    assert_int_equal(e2e_sql_int(s, "SELECT count(*) FROM accounts"), 4 * (RS_N + 1));
    for (int i = 0; i < RS_N; i++) {
        struct e2e_resp r = e2e_login(s, 1, x.regs[i].email, NULL, E2E_PWD, NULL);
        E2E_EXPECT(r, 200, "0");
        e2e_resp_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(token_from_a__works_on_b_and_back, setup_pair,
                                        teardown_pair),
        cmocka_unit_test_setup_teardown(code_sent_through_a__registers_on_b, setup_pair,
                                        teardown_pair),
        cmocka_unit_test_setup_teardown(wrong_codes__counted_across_instances, setup_pair,
                                        teardown_pair),
        cmocka_unit_test_setup_teardown(login_lock__ten_failures_over_both__locked_on_both,
                                        setup_pair, teardown_pair),
        cmocka_unit_test_setup_teardown(resend_cooldown__second_send_on_other_instance__204,
                                        setup_pair, teardown_pair),
        cmocka_unit_test_setup_teardown(recipient_hour_limit__counted_across_instances__205,
                                        setup_pair_no_resend_wait, teardown_pair),
        cmocka_unit_test_setup_teardown(one_time_token__raced_on_a_and_b__exactly_one_wins,
                                        setup_pair, teardown_pair),
        cmocka_unit_test_setup_teardown(outbox__two_workers__every_row_delivered_exactly_once,
                                        setup_pair, teardown_pair),
        cmocka_unit_test_setup_teardown(
            restart__stream_of_registrations__acknowledged_kept_none_partial, setup_private_cluster,
            teardown_private_cluster),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
