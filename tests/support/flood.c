/* tests/support/flood.c — the crash-consistency flood (flood.h). Threads never assert
 * (cmocka asserts belong to the main thread); they count and remember. */
#include "support/flood.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

struct worker {
    struct flood *f;
    int index;
};

static struct e2e_server *pick(struct flood *f, unsigned n)
{
    struct e2e_server *s = f->servers[n % 2];
    return s != NULL && s->pid > 0 ? s : f->servers[0];
}

static const char *code_of(const struct e2e_resp *r)
{
    const char *c = json_string_value(json_object_get(r->json, "code"));
    return c != NULL ? c : "";
}

static void nap(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* One registration; true when acknowledged. */
static bool register_one(struct flood *f, unsigned n, char email[96])
{
    struct e2e_server *s = pick(f, n);
    e2e_email(email, "crash");
    struct e2e_opts o = {.timeout_ms = 3000};
    char body[256];
    snprintf(body, sizeof body,
             "{\"bizType\":\"EMAIL_REGISTER_VERIFICATION_CODE\",\"toUser\":\"%s\"}", email);
    struct e2e_resp r = e2e_call(s, E2E_SEND, body, &o);
    const char *tok = json_string_value(json_object_get(json_object_get(r.json, "data"), "token"));
    bool ok = strcmp(code_of(&r), "0") == 0 && tok != NULL;
    char send_token[128] = "";
    if (ok)
        snprintf(send_token, sizeof send_token, "%s", tok);
    e2e_resp_free(&r);
    if (!ok)
        return false;
    json_t *line = e2e_wait_delivery(f->servers[0], email, 2000);
    const char *code = json_string_value(json_object_get(line, "code"));
    if (code == NULL) {
        json_decref(line);
        return false;
    }
    snprintf(body, sizeof body,
             "{\"type\":1,\"loginName\":\"%s\",\"country\":\"CN\",\"verifyCode\":\"%s\","
             "\"sendToken\":\"%s\",\"registerSource\":1,\"pwd\":\"" E2E_PWD "\"}",
             email, code, send_token);
    json_decref(line);
    struct e2e_resp g = e2e_call(pick(f, n + 1), E2E_REGISTER, body, &o);
    ok = strcmp(code_of(&g), "0") == 0;
    e2e_resp_free(&g);
    return ok;
}

static void *registrar(void *arg)
{
    struct worker *w = arg;
    struct flood *f = w->f;
    for (unsigned n = (unsigned)w->index; !atomic_load(&f->stop); n++) {
        char email[96];
        bool ok = register_one(f, n, email);
        pthread_mutex_lock(&f->lock);
        if (ok && f->n_acked < FLOOD_ACKED_MAX)
            snprintf(f->acked[f->n_acked++], 96, "%s", email);
        else if (!ok)
            f->failures++;
        pthread_mutex_unlock(&f->lock);
        if (!ok)
            nap(50);
    }
    free(w);
    return NULL;
}

static void *refresher(void *arg)
{
    struct worker *w = arg;
    struct flood *f = w->f;
    struct flood_refresher *me = &f->ref[w->index];
    for (unsigned n = (unsigned)w->index; !atomic_load(&f->stop); n++) {
        char body[200];
        pthread_mutex_lock(&f->lock);
        snprintf(body, sizeof body, "{\"rToken\":\"%s\"}", me->rtoken);
        pthread_mutex_unlock(&f->lock);
        struct e2e_opts o = {.timeout_ms = 3000};
        struct e2e_resp r = e2e_call(pick(f, n), E2E_REFRESH, body, &o);
        const char *rt =
            json_string_value(json_object_get(json_object_get(r.json, "data"), "rToken"));
        pthread_mutex_lock(&f->lock);
        if (strcmp(code_of(&r), "0") == 0 && rt != NULL) {
            snprintf(me->rtoken, sizeof me->rtoken, "%s", rt);
            me->rotations++;
        } else {
            f->failures++;
        }
        pthread_mutex_unlock(&f->lock);
        e2e_resp_free(&r);
        nap(100); /* refreshes count against 60 a minute per customer */
    }
    free(w);
    return NULL;
}

void flood_start(struct flood *f, struct e2e_server *a, struct e2e_server *b)
{
    memset(f, 0, sizeof *f);
    f->servers[0] = a;
    f->servers[1] = b;
    pthread_mutex_init(&f->lock, NULL);
    for (int i = 0; i < FLOOD_REFRESHERS; i++) {
        char email[96];
        e2e_email(email, "crashref");
        json_t *d = E2E_REGISTER_EMAIL(a, email, E2E_PWD);
        snprintf(f->ref[i].rtoken, sizeof f->ref[i].rtoken, "%s", E2E_STR(d, "rToken"));
        json_decref(d);
    }
    for (int i = 0; i < FLOOD_REGISTRARS + FLOOD_REFRESHERS; i++) {
        struct worker *w = calloc(1, sizeof *w);
        assert_non_null(w);
        w->f = f;
        w->index = i < FLOOD_REGISTRARS ? i : i - FLOOD_REGISTRARS;
        assert_int_equal(
            pthread_create(&f->threads[i], NULL, i < FLOOD_REGISTRARS ? registrar : refresher, w),
            0);
    }
}

void flood_stop(struct flood *f)
{
    atomic_store(&f->stop, true);
    for (int i = 0; i < FLOOD_REGISTRARS + FLOOD_REFRESHERS; i++)
        pthread_join(f->threads[i], NULL);
}

void flood_check(struct flood *f, struct e2e_server *s)
{
    for (int i = 0; i < f->n_acked; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM customers WHERE company_id = 1 AND email = '%s'",
                 f->acked[i]);
        if (e2e_sql_int(s, sql) != 1)
            fail_msg("acknowledged registration of %s is missing", f->acked[i]);
    }
    for (int i = 0; i < FLOOD_REFRESHERS; i++) {
        struct e2e_resp r =
            e2e_callj(s, E2E_REFRESH, json_pack("{s:s}", "rToken", f->ref[i].rtoken), NULL);
        E2E_EXPECT(r, 200, "0");
        e2e_resp_free(&r);
    }
}
