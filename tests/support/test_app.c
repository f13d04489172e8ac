/* tests/support/test_app.c — the in-process harness of tests/api/. It does what app_open
 * does, then runs each request through the edge's own steps (http/request.c), minus sockets
 * and the hash pool: slow routes simply run on the calling thread. */
#include "test_app.h"

#include "api/api.h"
#include "domain/company.h"
#include "domain/keys.h"
#include "domain/sealed.h"
#include "http/request.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/clock.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define ARENA_BYTES (1024 * 1024) /* as http/server.c gives each request */
#define TRACE "t"

const char ta_omit[] = "<omit>";
static const char any_param[] = "<any>";
const char *const ta_one_param[] = {any_param, NULL};

#define FAIL_AT(file, line, ...)                                                                   \
    do {                                                                                           \
        print_error("%s:%d: ", (file), (line));                                                    \
        print_error(__VA_ARGS__);                                                                  \
        print_error("\n");                                                                         \
        _fail((file), (line));                                                                     \
    } while (0)

/* ---- the app ------------------------------------------------------------------------- */

static void remove_db_files(const struct test_app *app)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char path[PATH_MAX + 16];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(path, sizeof path, "%s%s", app->db_path, suffixes[i]);
        unlink(path);
    }
    rmdir(app->dir);
}

struct test_app *test_app_new(void (*tune)(struct config *))
{
    assert_true(sodium_init() >= 0);
    struct test_app *app = calloc(1, sizeof *app);
    assert_non_null(app);

    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    int n = snprintf(app->dir, sizeof app->dir, "%s/ta-app-XXXXXX", tmp);
    assert_true(n > 0 && (size_t)n < sizeof app->dir);
    assert_non_null(mkdtemp(app->dir));
    n = snprintf(app->db_path, sizeof app->db_path, "%s/db", app->dir);
    assert_true(n > 0 && (size_t)n < sizeof app->db_path);

    config_init(&app->cfg);
    /* libsodium's minimum argon2id cost: the api tests hash on every login. */
    app->cfg.argon2_ops = 1;
    app->cfg.argon2_mem_kib = 8;
    size_t url_len = strlen(app->db_path) + 8;
    char *url = malloc(url_len);
    assert_non_null(url);
    snprintf(url, url_len, "sqlite:%s", app->db_path);
    free(app->cfg.db);
    app->cfg.db = url;
    if (tune != NULL)
        tune(&app->cfg);

    app->keep = json_array();
    assert_non_null(app->keep);
    clock_fake_set(TA_T0);
    company_cache_clear(); /* a company cached from an earlier app's database */
    sealed_cache_clear();  /* and its encrypted-body policy (C19) */

    bool created = false;
    assert_int_equal(store_open(app->cfg.db, &app->st), TA_OK);
    assert_int_equal(store_migrate(app->st), TA_OK);
    assert_int_equal(company_seed_default(app->st, &created), TA_OK);
    assert_true(created);
    assert_int_equal(keys_load(app->st), TA_OK);
    return app;
}

void test_app_free(struct test_app *app)
{
    if (app == NULL)
        return;
    store_close(app->st);
    remove_db_files(app);
    json_decref(app->keep);
    config_cleanup(&app->cfg);
    company_cache_clear();
    sealed_cache_clear();
    clock_fake_clear();
    free(app);
}

int test_app_setup(void **state)
{
    *state = test_app_new(NULL);
    return 0;
}

int test_app_teardown(void **state)
{
    test_app_free(*state);
    *state = NULL;
    return 0;
}

/* ---- requests ------------------------------------------------------------------------ */

/* Keeps env alive until test_app_free and returns it (borrowed from then on). */
static json_t *keep(struct test_app *app, json_t *env)
{
    json_array_append_new(app->keep, env);
    return env;
}

/* The headers of one ta_call, as the edge would read them off the wire. */
struct call_headers {
    const struct ta_hdr *h;
};

static const char *call_header(void *ud, const char *name)
{
    const struct ta_hdr *h = ((struct call_headers *)ud)->h;
    if (strcasecmp(name, "companyId") == 0)
        return h->company == NULL ? "1" : h->company == ta_omit ? NULL : h->company;
    if (strcasecmp(name, "token") == 0)
        return h->token;
    if (strcasecmp(name, "lang") == 0)
        return h->lang;
    if (strcasecmp(name, "trace") == 0)
        return TRACE;
    if (strcasecmp(name, "User-Agent") == 0)
        return "test_app";
    return NULL;
}

ta_err ta_call(struct test_app *app, const char *path, const struct ta_hdr *h, const char *body,
               json_t **out)
{
    static const struct ta_hdr none = {0};
    static const struct http_hooks hooks = {0}; /* no hash pool: slow routes run here */
    struct call_headers hdrs = {h != NULL ? h : &none};
    struct arena *a = arena_new(ARENA_BYTES);
    assert_non_null(a);
    struct request rq;
    request_init(&rq, &app->cfg, &hooks, a, call_header, &hdrs);
    enum request_next next =
        request_begin(&rq, "POST", path, hdrs.h->addr != NULL ? hdrs.h->addr : TA_ADDR);
    if (next == REQ_READ_BODY) {
        if (body != NULL)
            request_body(&rq, body, strlen(body));
        next = request_body_done(&rq);
    }
    if (next == REQ_RUN || next == REQ_SLOW)
        request_run(&rq, app->st);
    json_error_t jerr;
    json_t *env = rq.reply != NULL ? json_loads(rq.reply, 0, &jerr) : NULL;
    *out = keep(app, env != NULL ? env : json_null());
    ta_err e = rq.outcome;
    request_free(&rq);
    arena_free(a);
    return e;
}

json_t *ta_post(struct test_app *app, const char *path, const struct ta_hdr *h, const char *fmt,
                ...)
{
    va_list ap;
    va_start(ap, fmt);
    json_error_t jerr;
    json_t *body = json_vpack_ex(&jerr, 0, fmt, ap);
    va_end(ap);
    if (body == NULL)
        fail_msg("json_pack(\"%s\"): %s", fmt, jerr.text);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    assert_non_null(text);
    json_t *env = NULL;
    ta_call(app, path, h, text, &env);
    free(text);
    return env;
}

/* ---- envelope assertions --------------------------------------------------------------- */

static const char *type_name(const json_t *v)
{
    if (v == NULL)
        return "missing";
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "?";
}

void ta_expect_(const json_t *env, const char *code, const char *const *params, const char *file,
                int line)
{
    char *text = env != NULL ? json_dumps(env, JSON_COMPACT) : NULL;
    char shown[700];
    snprintf(shown, sizeof shown, "%.690s", text != NULL ? text : "(none)");
    free(text);

    if (!json_is_object(env))
        FAIL_AT(file, line, "expected an envelope with code %s, got %s", code, shown);
    const json_t *c = json_object_get(env, "code");
    if (!json_is_string(c) || strcmp(json_string_value(c), code) != 0)
        FAIL_AT(file, line, "expected code \"%s\", got %s", code, shown);
    static const char *const keys[] = {"code",    "msg",       "data", "trace", "tm",
                                       "bizCode", "msgParams", "ok",   "fail"};
    const size_t nkeys = sizeof keys / sizeof keys[0];
    for (size_t i = 0; i < nkeys; i++)
        if (json_object_get(env, keys[i]) == NULL)
            FAIL_AT(file, line, "envelope has no \"%s\": %s", keys[i], shown);
    if (json_object_size(env) != nkeys)
        FAIL_AT(file, line, "envelope has %zu fields, want %zu: %s", json_object_size(env), nkeys,
                shown);
    const json_t *msg = json_object_get(env, "msg");
    if (!json_is_string(msg) || json_string_length(msg) == 0)
        FAIL_AT(file, line, "msg should be a non-empty string, is %s", type_name(msg));
    bool ok = strcmp(code, "0") == 0;
    const json_t *data = json_object_get(env, "data");
    if (!ok && strcmp(code, "CUSTOMER_API_00010001") != 0 && !json_is_null(data))
        FAIL_AT(file, line, "data should be null on failure, is %s", type_name(data));
    const json_t *trace = json_object_get(env, "trace");
    if (!json_is_string(trace) || strcmp(json_string_value(trace), TRACE) != 0)
        FAIL_AT(file, line, "trace should echo \"%s\": %s", TRACE, shown);
    const json_t *tm = json_object_get(env, "tm");
    if (!json_is_integer(tm) || json_integer_value(tm) < 0)
        FAIL_AT(file, line, "tm should be a non-negative integer, is %s", type_name(tm));
    const json_t *biz = json_object_get(env, "bizCode");
    if (!json_is_string(biz) || json_string_length(biz) != 0)
        FAIL_AT(file, line, "bizCode should be \"\": %s", shown);
    if (!json_is_boolean(json_object_get(env, "ok")) ||
        json_is_true(json_object_get(env, "ok")) != ok ||
        !json_is_boolean(json_object_get(env, "fail")) ||
        json_is_true(json_object_get(env, "fail")) == ok)
        FAIL_AT(file, line, "ok/fail do not match code %s: %s", code, shown);

    const json_t *mp = json_object_get(env, "msgParams");
    if (params == NULL) {
        if (!json_is_null(mp))
            FAIL_AT(file, line, "msgParams should be null: %s", shown);
        return;
    }
    size_t want = 0;
    while (params[want] != NULL)
        want++;
    if (!json_is_array(mp) || json_array_size(mp) != want)
        FAIL_AT(file, line, "msgParams should be an array of %zu: %s", want, shown);
    for (size_t i = 0; i < want; i++) {
        const json_t *p = json_array_get(mp, i);
        if (params[i] == any_param) {
            const char *v = json_string_value(p);
            if (v == NULL || v[0] == '\0' || strspn(v, "0123456789") != strlen(v))
                FAIL_AT(file, line, "msgParams[%zu] should be a string of digits: %s", i, shown);
            if (strstr(json_string_value(msg), v) == NULL)
                FAIL_AT(file, line, "msg should embed \"%s\": %s", v, shown);
            continue;
        }
        if (!json_is_string(p) || strcmp(json_string_value(p), params[i]) != 0)
            FAIL_AT(file, line, "msgParams[%zu] should be \"%s\": %s", i, params[i], shown);
        if (strstr(json_string_value(msg), params[i]) == NULL)
            FAIL_AT(file, line, "msg should embed \"%s\": %s", params[i], shown);
    }
}

const json_t *ta_data(const json_t *env)
{
    return json_object_get(env, "data");
}

const char *ta_str_(const json_t *obj, const char *key, const char *file, int line)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        FAIL_AT(file, line, "\"%s\" should be a string, is %s", key, type_name(v));
    return json_string_value(v);
}

int64_t ta_int_(const json_t *obj, const char *key, const char *file, int line)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v))
        FAIL_AT(file, line, "\"%s\" should be an integer, is %s", key, type_name(v));
    return (int64_t)json_integer_value(v);
}

/* ---- the outbox and the database --------------------------------------------------------- */

bool ta_outbox_code(struct test_app *app, const char *recipient, char code[7])
{
    struct arena *a = arena_new(ARENA_BYTES);
    assert_non_null(a);
    int64_t now = clock_now_ms();
    struct outbox_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(STORE(app->st, outbox_claim, now, 30000, 10000, a, &rows, &n), TA_OK);
    int64_t best = 0;
    code[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        bool mine = rows[i].to != NULL && strcasecmp(rows[i].to, recipient) == 0;
        if (mine && rows[i].code != NULL && rows[i].id > best) {
            best = rows[i].id;
            snprintf(code, 7, "%s", rows[i].code);
        }
        int status = mine ? OUTBOX_SENT : OUTBOX_PENDING;
        assert_int_equal(STORE(app->st, outbox_finish, rows[i].id, status, now), TA_OK);
    }
    arena_free(a);
    return best != 0 && strlen(code) == 6;
}

void ta_outbox_code_(struct test_app *app, const char *recipient, char code[7], const char *file,
                     int line)
{
    if (!ta_outbox_code(app, recipient, code))
        FAIL_AT(file, line, "no pending outbox code for %s", recipient);
}

int64_t ta_sql_int(struct test_app *app, const char *sql, const char *arg)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    int64_t v = -1;
    int rc = sqlite3_open_v2(app->db_path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc == SQLITE_OK && arg != NULL)
        rc = sqlite3_bind_text(stmt, 1, arg, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            v = sqlite3_column_int64(stmt, 0);
            rc = SQLITE_OK;
        }
    }
    if (rc != SQLITE_OK)
        print_error("ta_sql_int(%s): %s\n", sql, db != NULL ? sqlite3_errmsg(db) : "no db");
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    assert_int_equal(rc, SQLITE_OK);
    return v;
}

int64_t ta_outbox_rows(struct test_app *app, const char *recipient)
{
    return ta_sql_int(app, "SELECT count(*) FROM outbox WHERE lower(to_addr) = lower(?1)",
                      recipient);
}

int64_t ta_ticket_rows(struct test_app *app, const char *recipient)
{
    return ta_sql_int(app, "SELECT count(*) FROM tickets WHERE lower(recipient) = lower(?1)",
                      recipient);
}

/* ---- flows ------------------------------------------------------------------------------ */

const char *ta_send_code_(struct test_app *app, const struct ta_hdr *h, const char *biz,
                          const char *to, const char *file, int line)
{
    json_t *env = to != NULL ? ta_post(app, TA_R_SEND, h, "{s:s,s:s}", "bizType", biz, "toUser", to)
                             : ta_post(app, TA_R_SEND, h, "{s:s}", "bizType", biz);
    ta_expect_(env, "0", NULL, file, line);
    return ta_str_(ta_data(env), "token", file, line);
}

const json_t *ta_register_email_(struct test_app *app, const struct ta_hdr *h, const char *email,
                                 const char *pwd, const char *file, int line)
{
    char code[7];
    const char *tok = ta_send_code_(app, h, "EMAIL_REGISTER_VERIFICATION_CODE", email, file, line);
    ta_outbox_code_(app, email, code, file, line);
    json_t *env = ta_post(app, TA_R_REGISTER, h, "{s:i,s:s,s:s,s:s,s:s,s:i,s:s*}", "type", 1,
                          "loginName", email, "country", "CN", "verifyCode", code, "sendToken", tok,
                          "registerSource", 1, "pwd", pwd);
    ta_expect_(env, "0", NULL, file, line);
    return ta_data(env);
}

json_t *ta_login_email(struct test_app *app, const struct ta_hdr *h, const char *email,
                       const char *pwd, const char *google_code)
{
    return ta_post(app, TA_R_LOGIN, h, "{s:i,s:s,s:i,s:s,s:s*}", "type", 1, "loginName", email,
                   "device", 2, "loginPwd", pwd, "googleCode", google_code);
}

struct ta_hdr ta_with_token(const char *token)
{
    return (struct ta_hdr){.company = "1", .token = token, .lang = NULL, .addr = TA_ADDR};
}

void ta_other_code(const char *const *avoid, size_t n, char out[7])
{
    for (unsigned v = 0; v < 1000000; v++) {
        snprintf(out, 7, "%06u", (v * 7919u + 123457u) % 1000000u);
        bool clash = false;
        for (size_t i = 0; i < n; i++)
            clash = clash || (avoid[i] != NULL && strcmp(avoid[i], out) == 0);
        if (!clash)
            return;
    }
    fail_msg("ta_other_code: no free code");
}
