/* app/cli.c — the admin commands. Output is plain text for people or, with --json, one
 * JSON document for scripts. Command flags come out of argv first; the rest are settings. */
#include "app/cli.h"
#include "api/render.h"
#include "app/app.h"
#include "crypto/passwd.h"
#include "domain/admin.h"
#include "domain/company.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/log.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- argument helpers ------------------------------------------------------------ */

static void drop(struct cli_args *args, int i, int n)
{
    for (int k = i; k + n < args->argc; k++)
        args->argv[k] = args->argv[k + n];
    args->argc -= n;
}

const char *cli_take(struct cli_args *args, const char *name)
{
    size_t len = strlen(name);
    for (int i = 0; i < args->argc; i++) {
        const char *a = args->argv[i];
        if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, len) != 0)
            continue;
        if (a[2 + len] == '=') {
            drop(args, i, 1);
            return a + 3 + len;
        }
        if (a[2 + len] == '\0' && i + 1 < args->argc) {
            const char *v = args->argv[i + 1];
            drop(args, i, 2);
            return v;
        }
    }
    return NULL;
}

bool cli_flag(struct cli_args *args, const char *name)
{
    for (int i = 0; i < args->argc; i++) {
        const char *a = args->argv[i];
        if (strncmp(a, "--", 2) == 0 && strcmp(a + 2, name) == 0) {
            drop(args, i, 1);
            return true;
        }
    }
    return false;
}

int cli_take_all(struct cli_args *args, const char *name, const char **out, int n)
{
    int found = 0;
    const char *v;
    while ((v = cli_take(args, name)) != NULL) {
        if (found < n)
            out[found] = v;
        found++;
    }
    return found;
}

int cli_settings(struct cli_args *args, struct config *cfg)
{
    if (config_load(cfg, args->argc, args->argv, stderr) != 0)
        return -1;
    int lv = log_level_parse(cfg->log_level);
    log_threshold = lv < 0 ? LOG_INFO : (enum log_level)lv;
    return 0;
}

static bool parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return false;
    *out = (int64_t)v;
    return true;
}

static bool parse_onoff(const char *s, bool *out)
{
    if (strcmp(s, "on") == 0 || strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
        *out = true;
    else if (strcmp(s, "off") == 0 || strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
        *out = false;
    else
        return false;
    return true;
}

/* Decimal text with up to digits decimals → minor units ("100000" → 1000000000 at 4). */
static bool parse_amount(const char *s, int digits, int64_t *out)
{
    int64_t whole = 0, frac = 0;
    int fd = 0;
    const char *p = s;
    if (*p == '\0')
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (whole > (INT64_MAX - 9) / 10)
            return false;
        whole = whole * 10 + (*p - '0');
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (++fd > digits)
                return false;
            frac = frac * 10 + (*p - '0');
        }
    }
    if (*p != '\0')
        return false;
    for (; fd < digits; fd++)
        frac *= 10;
    int64_t scale = 1;
    for (int i = 0; i < digits; i++)
        scale *= 10;
    if (whole > (INT64_MAX - frac) / scale)
        return false;
    *out = whole * scale + frac;
    return true;
}

/* ---- what every command shares ---------------------------------------------------- */

int cli_usage_error(struct cli_env *env, const char *fmt, ...)
{
    (void)env;
    va_list ap;
    va_start(ap, fmt);
    fputs("tradeauth: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

int cli_open(struct cli_env *env)
{
    if (cli_settings(env->args, env->cfg) != 0)
        return 2;
    const char *step = "open";
    if (admin_open(env->cfg->db, &env->st, &step) != TA_OK) {
        fprintf(stderr, "tradeauth: cannot %s database %s\n", step, env->cfg->db);
        return 1;
    }
    return 0;
}

void cli_keep(struct cli_env *env, const char *const *names, size_t n)
{
    int k = 0;
    for (size_t f = 0; f < n; f++) {
        const char *v;
        while ((v = cli_take(env->args, names[f])) != NULL && k + 2 <= CLI_KEPT_MAX) {
            env->kept[k++] = arena_printf(env->a, "--%s", names[f]);
            env->kept[k++] = (char *)v;
        }
    }
    env->cmd_flags.argc = k;
    env->cmd_flags.argv = env->kept;
}

const char *cli_take_word(struct cli_env *env)
{
    struct cli_args *args = env->args;
    if (args->argc == 0 || strncmp(args->argv[0], "--", 2) == 0)
        return NULL;
    const char *w = args->argv[0];
    drop(args, 0, 1);
    return w;
}

static void print_json(json_t *o, size_t flags)
{
    json_dumpf(o, stdout, flags);
    printf("\n");
    json_decref(o);
}

/* ---- companies ------------------------------------------------------------------- */

static json_t *company_json(const struct company *co)
{
    json_t *assets = json_array(), *offers = json_array(), *groups = json_array();
    for (size_t i = 0; i < co->n_assets; i++) {
        char bal[48];
        render_money(co->assets[i].demo_balance, co->assets[i].digits, bal, sizeof bal);
        json_array_append_new(assets,
                              json_pack("{s:s,s:I,s:i,s:s}", "currency", co->assets[i].currency,
                                        "assetsId", (json_int_t)co->assets[i].assets_id, "digits",
                                        co->assets[i].digits, "demoBalance", bal));
    }
    for (size_t i = 0; i < co->n_offers; i++)
        json_array_append_new(
            offers, json_pack("{s:i,s:s,s:b}", "tradeType", co->offers[i].trade_type, "currency",
                              co->offers[i].currency, "default", co->offers[i].is_default));
    for (size_t i = 0; i < co->n_groups; i++)
        json_array_append_new(groups, json_pack("{s:I,s:b}", "id", (json_int_t)co->groups[i].id,
                                                "default", co->groups[i].is_default));
    json_t *o = json_pack(
        "{s:I,s:s,s:s,s:o,s:b,s:b,s:s,s:b,s:I,s:I,s:I,s:o,s:o,s:o}", "id", (json_int_t)co->id,
        "name", co->name, "type", co->type == COMPANY_DEMO ? "demo" : "real", "twinId",
        co->twin_id ? json_integer(co->twin_id) : json_null(), "kyc", co->kyc_on, "manualReview",
        co->manual_review, "customerNoPrefix", co->no_prefix, "singleSession", co->single_session,
        "sessionIdleMs", (json_int_t)co->session_idle_ms, "sessionAbsoluteMs",
        (json_int_t)co->session_absolute_ms, "refreshMs", (json_int_t)co->refresh_ms, "assets",
        assets, "tradeTypes", offers, "groups", groups);
    return o;
}

static void company_print(const struct company *co)
{
    printf("company %" PRId64 " \"%s\" %s", co->id, co->name,
           co->type == COMPANY_DEMO ? "demo" : "real");
    if (co->twin_id)
        printf(" twin=%" PRId64, co->twin_id);
    printf(" kyc=%s review=%s prefix=%s single-session=%s\n", co->kyc_on ? "on" : "off",
           co->manual_review ? "on" : "off", co->no_prefix, co->single_session ? "on" : "off");
    for (size_t i = 0; i < co->n_assets; i++) {
        char bal[48];
        render_money(co->assets[i].demo_balance, co->assets[i].digits, bal, sizeof bal);
        printf("  asset %s id=%" PRId64 " digits=%d demo-balance=%s\n", co->assets[i].currency,
               co->assets[i].assets_id, co->assets[i].digits, bal);
    }
    for (size_t i = 0; i < co->n_offers; i++)
        printf("  trade-type %d %s%s\n", co->offers[i].trade_type, co->offers[i].currency,
               co->offers[i].is_default ? " (opened at register)" : "");
    for (size_t i = 0; i < co->n_groups; i++)
        printf("  group %" PRId64 "%s\n", co->groups[i].id,
               co->groups[i].is_default ? " (default)" : "");
}

/* ---- company flags, shared by add and set ------------------------------------------ */

static const char *const company_flag_names[] = {"name",
                                                 "prefix",
                                                 "kyc",
                                                 "review",
                                                 "single-session",
                                                 "session-idle-s",
                                                 "session-absolute-s",
                                                 "refresh-s",
                                                 "asset",
                                                 "trade-type",
                                                 "group"};

/* Each returns 0, or -1 after a message. */
static int flags_scalars(struct cli_args *args, struct company *co)
{
    const char *v;
    if ((v = cli_take(args, "name")) != NULL)
        snprintf(co->name, sizeof co->name, "%s", v);
    if ((v = cli_take(args, "prefix")) != NULL) {
        if (strlen(v) >= sizeof co->no_prefix || strspn(v, "0123456789") != strlen(v)) {
            fprintf(stderr, "tradeauth: --prefix '%s' should be up to 15 digits\n", v);
            return -1;
        }
        snprintf(co->no_prefix, sizeof co->no_prefix, "%s", v);
    }
    struct {
        const char *flag;
        bool *field;
    } switches[] = {{"kyc", &co->kyc_on},
                    {"review", &co->manual_review},
                    {"single-session", &co->single_session}};
    for (size_t i = 0; i < 3; i++) {
        if ((v = cli_take(args, switches[i].flag)) != NULL && !parse_onoff(v, switches[i].field)) {
            fprintf(stderr, "tradeauth: --%s should be on or off\n", switches[i].flag);
            return -1;
        }
    }
    return 0;
}

static int flags_lifetimes(struct cli_args *args, struct company *co)
{
    struct {
        const char *flag;
        int64_t *field;
    } times[] = {{"session-idle-s", &co->session_idle_ms},
                 {"session-absolute-s", &co->session_absolute_ms},
                 {"refresh-s", &co->refresh_ms}};
    for (size_t i = 0; i < 3; i++) {
        const char *v = cli_take(args, times[i].flag);
        int64_t n;
        if (v == NULL)
            continue;
        if (!parse_i64(v, 0, 315360000, &n)) {
            fprintf(stderr, "tradeauth: --%s should be seconds (0: server default)\n",
                    times[i].flag);
            return -1;
        }
        *times[i].field = n * 1000;
    }
    return 0;
}

/* "CURRENCY:ASSETS_ID:DIGITS[:DEMO_BALANCE]" */
static int parse_asset(const char *text, struct company_asset *as)
{
    char cur[TA_CURRENCY_MAX];
    long long id = 0;
    int digits = 0, used = 0;
    if (sscanf(text, "%15[A-Za-z0-9]:%lld:%d%n", cur, &id, &digits, &used) != 3 || digits < 0 ||
        digits > 18 || id <= 0 || (text[used] != '\0' && text[used] != ':')) {
        fprintf(stderr, "tradeauth: --asset '%s' should be CURRENCY:ASSETS_ID:DIGITS[:DEMO]\n",
                text);
        return -1;
    }
    memset(as, 0, sizeof *as);
    snprintf(as->currency, sizeof as->currency, "%s", cur);
    as->assets_id = id;
    as->digits = digits;
    if (text[used] == ':' && !parse_amount(text + used + 1, digits, &as->demo_balance)) {
        fprintf(stderr, "tradeauth: --asset '%s': bad demo balance\n", text);
        return -1;
    }
    return 0;
}

/* "TYPE:CURRENCY[:default]" */
static int parse_offer(const char *text, struct company_offer *o)
{
    char cur[TA_CURRENCY_MAX], flag[16] = "";
    int tt = 0;
    int got = sscanf(text, "%d:%15[A-Za-z0-9]:%15s", &tt, cur, flag);
    if (got < 2 || tt < 1 || tt > 99 || (got == 3 && strcmp(flag, "default") != 0)) {
        fprintf(stderr, "tradeauth: --trade-type '%s' should be TYPE:CURRENCY[:default]\n", text);
        return -1;
    }
    o->trade_type = tt;
    snprintf(o->currency, sizeof o->currency, "%s", cur);
    o->is_default = got == 3;
    return 0;
}

/* "ID[:default]" */
static int parse_group(const char *text, struct company_group *g)
{
    long long id = 0;
    char flag[16] = "";
    int got = sscanf(text, "%lld:%15s", &id, flag);
    if (got < 1 || id <= 0 || (got == 2 && strcmp(flag, "default") != 0)) {
        fprintf(stderr, "tradeauth: --group '%s' should be ID[:default]\n", text);
        return -1;
    }
    *g = (struct company_group){id, got == 2};
    return 0;
}

/* A repeated flag replaces its whole list: parse(text, &items[i]) for each value. */
struct list_flag {
    const char *flag, *plural;
    int max; /* at most 64 */
    int (*parse)(const char *text, void *item);
};

static int flags_list(struct cli_args *args, const struct list_flag *lf, void *items, size_t size,
                      size_t *n_out)
{
    const char *many[64];
    int k = cli_take_all(args, lf->flag, many, lf->max);
    if (k > lf->max) {
        fprintf(stderr, "tradeauth: at most %d %s\n", lf->max, lf->plural);
        return -1;
    }
    for (int i = 0; i < k; i++)
        if (lf->parse(many[i], (char *)items + (size_t)i * size) != 0)
            return -1;
    if (k > 0)
        *n_out = (size_t)k;
    return 0;
}

static int parse_asset_v(const char *t, void *p)
{
    return parse_asset(t, p);
}
static int parse_offer_v(const char *t, void *p)
{
    return parse_offer(t, p);
}
static int parse_group_v(const char *t, void *p)
{
    return parse_group(t, p);
}

/* Applies the company flags in args to co. Returns 0, or -1 after a message. */
static int company_flags(struct cli_args *args, struct company *co)
{
    static const struct list_flag assets = {"asset", "assets", TA_MAX_ASSETS, parse_asset_v};
    static const struct list_flag offers = {"trade-type", "trade types", TA_MAX_OFFERS,
                                            parse_offer_v};
    static const struct list_flag groups = {"group", "groups", TA_MAX_GROUPS, parse_group_v};
    struct company next = *co; /* lists are replaced only when the whole list parses */
    if (flags_scalars(args, &next) != 0 || flags_lifetimes(args, &next) != 0 ||
        flags_list(args, &assets, next.assets, sizeof next.assets[0], &next.n_assets) != 0 ||
        flags_list(args, &offers, next.offers, sizeof next.offers[0], &next.n_offers) != 0 ||
        flags_list(args, &groups, next.groups, sizeof next.groups[0], &next.n_groups) != 0)
        return -1;
    for (size_t i = 0; i < next.n_offers; i++) {
        if (company_asset_find(&next, next.offers[i].currency) == NULL) {
            fprintf(stderr, "tradeauth: trade type %d:%s names a currency with no --asset\n",
                    next.offers[i].trade_type, next.offers[i].currency);
            return -1;
        }
    }
    *co = next;
    return 0;
}

/* ---- company commands -------------------------------------------------------------- */

static int company_one(struct cli_env *env, int64_t id)
{
    struct company co;
    if (admin_company_get(env->st, id, &co) != TA_OK) {
        fprintf(stderr, "tradeauth: no company %" PRId64 "\n", id);
        return 1;
    }
    if (env->json)
        print_json(company_json(&co), JSON_INDENT(2));
    else
        company_print(&co);
    return 0;
}

static int take_company_id(struct cli_env *env, int64_t *id)
{
    const char *w = cli_take_word(env);
    if (w == NULL || !parse_i64(w, 1, INT64_MAX, id))
        return cli_usage_error(env, "company %s needs the company id", env->cmd->name);
    return 0;
}

static int company_list_cmd(struct cli_env *env)
{
    int rc = cli_open(env);
    struct company *all = NULL;
    size_t n = 0;
    if (rc != 0)
        return rc;
    if (admin_company_list(env->st, env->a, &all, &n) != TA_OK)
        return 1;
    if (env->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, company_json(&all[i]));
        print_json(arr, JSON_INDENT(2));
    } else {
        for (size_t i = 0; i < n; i++)
            company_print(&all[i]);
    }
    return 0;
}

static int company_show_cmd(struct cli_env *env)
{
    int64_t id = 0;
    int rc = take_company_id(env, &id);
    if (rc == 0)
        rc = cli_open(env);
    if (rc == 0)
        rc = company_one(env, id);
    if (rc == 0)
        cli_sealed_print(env, id);
    return rc;
}

static int company_add_cmd(struct cli_env *env)
{
    struct company co;
    company_default_real(&co);
    co.id = 0;
    co.name[0] = '\0';
    const char *new_id = cli_take(env->args, "id");
    const char *twin_id = cli_take(env->args, "twin-id");
    bool no_twin = cli_flag(env->args, "no-twin");
    cli_keep(env, company_flag_names, sizeof company_flag_names / sizeof company_flag_names[0]);
    if (company_flags(&env->cmd_flags, &co) != 0)
        return 2;
    if (co.name[0] == '\0')
        return cli_usage_error(env, "company add needs --name");
    int rc = cli_open(env);
    if (rc != 0)
        return rc;
    int64_t want_twin = 0, rid = 0, did = 0;
    if ((new_id && !parse_i64(new_id, 1, INT64_MAX, &co.id)) ||
        (twin_id && !parse_i64(twin_id, 1, INT64_MAX, &want_twin)))
        return cli_usage_error(env, "--id and --twin-id take positive numbers");
    ta_err e = company_create(env->st, &co, !no_twin, want_twin, &rid, &did);
    if (e != TA_OK) {
        fprintf(stderr, "tradeauth: could not add the company (%s)\n",
                e == TA_E_CONFLICT ? "that id is taken" : ta_err_name(e));
        return 1;
    }
    if (!env->json)
        printf("added company %" PRId64 "%s", rid, did ? "" : "\n");
    if (!env->json && did)
        printf(" with demo twin %" PRId64 "\n", did);
    return company_one(env, rid);
}

static int company_set_cmd(struct cli_env *env)
{
    int64_t id = 0;
    int rc = take_company_id(env, &id);
    if (rc != 0)
        return rc;
    struct cli_sealed sealed;
    if ((rc = cli_sealed_take(env, &sealed)) != 0)
        return rc;
    cli_keep(env, company_flag_names, sizeof company_flag_names / sizeof company_flag_names[0]);
    if ((rc = cli_open(env)) != 0)
        return rc;
    struct company co;
    if (admin_company_get(env->st, id, &co) != TA_OK) {
        fprintf(stderr, "tradeauth: no company %" PRId64 "\n", id);
        return 1;
    }
    if (company_flags(&env->cmd_flags, &co) != 0)
        return 2;
    /* The key first: a bad key file changes nothing at all. */
    if ((rc = cli_sealed_apply(env, id, &sealed)) != 0)
        return rc;
    if (admin_company_update(env->st, &co) != TA_OK) {
        fprintf(stderr, "tradeauth: could not update company %" PRId64 "\n", id);
        return 1;
    }
    rc = company_one(env, id);
    cli_sealed_print(env, id);
    return rc;
}

/* ---- customer commands --------------------------------------------------------------- */

static json_t *customer_json(const struct customer *c)
{
    return json_pack("{s:I,s:s,s:I,s:s?,s:s?,s:s?,s:i,s:i,s:b,s:b,s:I,s:I}", "id",
                     (json_int_t)c->id, "customerNo", c->customer_no, "companyId",
                     (json_int_t)c->company_id, "email", c->email, "phoneArea", c->phone_area,
                     "phone", c->phone, "status", c->status, "kycAuditStatus", c->kyc_audit_status,
                     "password", c->pw_hash != NULL, "mfa", c->mfa_id > 0, "relationCustomerId",
                     (json_int_t)c->relation_customer_id, "createTime", (json_int_t)c->created_ms);
}

static int take_company(struct cli_env *env, int64_t *company_id)
{
    const char *t = cli_take(env->args, "company");
    if (t == NULL || !parse_i64(t, 1, INT64_MAX, company_id))
        return cli_usage_error(env, "customer %s needs --company ID", env->cmd->name);
    return 0;
}

static int take_limit(struct cli_env *env, int64_t *limit)
{
    const char *t = cli_take(env->args, "limit");
    *limit = 100;
    if (t != NULL && !parse_i64(t, 1, 100000, limit))
        return cli_usage_error(env, "--after and --limit take numbers");
    return 0;
}

/* The commands on one customer: --company ID CUSTOMER (a customerNo or #id), then the
 * command's own flags (taken by the caller first), settings, the database, the lookup. */
static int find_customer(struct cli_env *env, struct customer *c)
{
    int64_t company_id = 0;
    int rc = take_company(env, &company_id);
    if (rc != 0)
        return rc;
    const char *which = cli_take_word(env);
    if (which == NULL)
        return cli_usage_error(env, "customer %s needs a customerNo or #id", env->cmd->name);
    if ((rc = cli_open(env)) != 0)
        return rc;
    if (admin_customer_find(env->st, company_id, which, env->a, c) != TA_OK) {
        fprintf(stderr, "tradeauth: no customer '%s' in company %" PRId64 "\n", which, company_id);
        return 1;
    }
    return 0;
}

static int customer_failed(struct cli_env *env, ta_err e)
{
    if (e == TA_OK)
        return 0;
    fprintf(stderr, "tradeauth: customer %s failed (%s)\n", env->cmd->name, ta_err_name(e));
    return 1;
}

static int customer_list_cmd(struct cli_env *env)
{
    int64_t company_id = 0, after = 0, limit = 100;
    const char *after_text = cli_take(env->args, "after");
    int rc = take_company(env, &company_id);
    if (rc == 0)
        rc = take_limit(env, &limit);
    if (rc == 0 && after_text && !parse_i64(after_text, 0, INT64_MAX, &after))
        rc = cli_usage_error(env, "--after and --limit take numbers");
    if (rc == 0)
        rc = cli_open(env);
    if (rc != 0)
        return rc;
    struct customer *all = NULL;
    size_t n = 0;
    ta_err e = admin_customer_list(env->st, company_id, after, (size_t)limit, env->a, &all, &n);
    if (e == TA_OK && env->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, customer_json(&all[i]));
        print_json(arr, JSON_INDENT(2));
    }
    for (size_t i = 0; e == TA_OK && !env->json && i < n; i++)
        printf("%" PRId64 " %s %s %s%s status=%d\n", all[i].id, all[i].customer_no,
               all[i].email ? all[i].email : "-", all[i].phone_area ? all[i].phone_area : "",
               all[i].phone ? all[i].phone : "", all[i].status);
    return customer_failed(env, e);
}

static int customer_show_cmd(struct cli_env *env)
{
    struct customer c;
    int rc = find_customer(env, &c);
    if (rc == 0)
        print_json(customer_json(&c), env->json ? JSON_INDENT(2) : JSON_COMPACT);
    return rc;
}

/* disable and enable */
static int customer_status_cmd(struct cli_env *env)
{
    struct customer c;
    int rc = find_customer(env, &c);
    if (rc != 0)
        return rc;
    bool disable = strcmp(env->cmd->name, "disable") == 0;
    if (!disable && c.status == CUSTOMER_DELETING) {
        /* enable would leave the deletion request to erase the customer later */
        fprintf(stderr, "tradeauth: customer %s has a deletion pending: use customer undelete\n",
                c.customer_no);
        return 1;
    }
    ta_err e = admin_customer_status(env->st, &c, disable ? CUSTOMER_DISABLED : CUSTOMER_NORMAL,
                                     clock_now_ms());
    if (e == TA_OK)
        printf("customer %s %sd\n", c.customer_no, env->cmd->name);
    return customer_failed(env, e);
}

/* Cancels a destroy inside its grace period (C24). */
static int customer_undelete_cmd(struct cli_env *env)
{
    struct customer c;
    int rc = find_customer(env, &c);
    if (rc != 0)
        return rc;
    ta_err e = admin_customer_undelete(env->st, &c, clock_now_ms());
    if (e == TA_OK)
        printf("customer %s undeleted\n", c.customer_no);
    else if (e == TA_E_CONFLICT)
        fprintf(stderr, "tradeauth: customer %s has no deletion pending\n", c.customer_no);
    else if (e == TA_E_DELETED)
        fprintf(stderr, "tradeauth: customer %s was already erased\n", c.customer_no);
    return e == TA_E_CONFLICT || e == TA_E_DELETED ? 1 : customer_failed(env, e);
}

static int customer_kyc_cmd(struct cli_env *env)
{
    const char *status_text = cli_take(env->args, "status");
    const char *remark = cli_take(env->args, "remark");
    int64_t status = 0;
    if (status_text == NULL || !parse_i64(status_text, 0, 3, &status))
        return cli_usage_error(env, "customer kyc needs --status 0|1|2|3");
    struct customer c;
    int rc = find_customer(env, &c);
    if (rc != 0)
        return rc;
    ta_err e = admin_customer_kyc(env->st, &c, (int)status, remark);
    if (e == TA_OK)
        printf("customer %s kyc status %" PRId64 "\n", c.customer_no, status);
    return customer_failed(env, e);
}

static int customer_unlock_cmd(struct cli_env *env)
{
    struct customer c;
    int rc = find_customer(env, &c);
    if (rc != 0)
        return rc;
    ta_err e = admin_customer_unlock(env->st, &c);
    if (e == TA_OK)
        printf("customer %s unlocked\n", c.customer_no);
    return customer_failed(env, e);
}

static int customer_audit_cmd(struct cli_env *env)
{
    int64_t limit = 100;
    int rc = take_limit(env, &limit);
    struct customer c;
    if (rc == 0)
        rc = find_customer(env, &c);
    if (rc != 0)
        return rc;
    struct audit_row *rows = NULL;
    size_t n = 0;
    ta_err e = admin_customer_audit(env->st, &c, (size_t)limit, env->a, &rows, &n);
    for (size_t i = 0; e == TA_OK && i < n; i++)
        print_json(json_pack("{s:I,s:I,s:I,s:s,s:s,s:s,s:i,s:s}", "time",
                             (json_int_t)rows[i].time_ms, "companyId",
                             (json_int_t)rows[i].company_id, "customerId",
                             (json_int_t)rows[i].customer_id, "event", rows[i].event, "outcome",
                             rows[i].outcome, "client", rows[i].client_addr, "device",
                             rows[i].device, "detail", rows[i].detail),
                   JSON_COMPACT);
    return customer_failed(env, e);
}

static int customer_seed_cmd(struct cli_env *env)
{
    const char *count_text = cli_take(env->args, "count");
    const char *password = cli_take(env->args, "password");
    int64_t company_id = 0, count = 0, made = 0;
    int rc = take_company(env, &company_id);
    if (rc != 0)
        return rc;
    if (count_text == NULL || !parse_i64(count_text, 1, 100000000, &count))
        return cli_usage_error(env, "customer seed needs --count N");
    if ((rc = cli_open(env)) != 0)
        return rc;
    const char *pw = password ? password : "e10adc3949ba59abbe56e057f20f883e"; /* md5 123456 */
    ta_err e = admin_customer_seed(env->st, company_id, count, pw,
                                   (unsigned long long)env->cfg->argon2_ops,
                                   (size_t)env->cfg->argon2_mem_kib * 1024u, clock_now_ms(), &made);
    if (e == TA_OK)
        printf("seeded %" PRId64 " customers (seed<N>@seed.invalid)\n", made);
    return customer_failed(env, e);
}

/* ---- one-word commands ---------------------------------------------------------------- */

static int serve_cmd(struct cli_env *env)
{
    if (cli_settings(env->args, env->cfg) != 0)
        return 2;
    return app_serve(env->cfg);
}

static int migrate_cmd(struct cli_env *env)
{
    int rc = cli_open(env);
    if (rc == 0)
        printf("database %s is up to date\n", env->cfg->db);
    return rc;
}

static int bench_kdf_cmd(struct cli_env *env);

/* ---- the command table: every admin command on one screen ----------------------------- */

static const struct cli_command commands[] = {
    {"serve", NULL, serve_cmd, "[settings] — run the HTTP server"},
    {"migrate", NULL, migrate_cmd, "[settings] — create or update the schema"},
    {"bench-kdf", NULL, bench_kdf_cmd,
     "[--seconds N] [settings] — argon2id verifications per second"},
    {"company", "list", company_list_cmd, "[--json]"},
    {"company", "show", company_show_cmd, "ID [--json]"},
    {"company", "add", company_add_cmd, "--name NAME [--id ID] [--no-twin] [--twin-id ID] [flags]"},
    {"company", "set", company_set_cmd,
     "ID [flags] [--rsa-private-key FILE] [--require-encryption on|off]"},
    {"customer", "list", customer_list_cmd, "--company ID [--json] [--after ID] [--limit N]"},
    {"customer", "show", customer_show_cmd, "--company ID CUSTOMER [--json]"},
    {"customer", "disable", customer_status_cmd, "--company ID CUSTOMER"},
    {"customer", "enable", customer_status_cmd, "--company ID CUSTOMER"},
    {"customer", "unlock", customer_unlock_cmd, "--company ID CUSTOMER"},
    {"customer", "undelete", customer_undelete_cmd, "--company ID CUSTOMER"},
    {"customer", "kyc", customer_kyc_cmd, "--company ID CUSTOMER --status 0|1|2|3 [--remark TEXT]"},
    {"customer", "audit", customer_audit_cmd, "--company ID CUSTOMER [--json] [--limit N]"},
    {"customer", "seed", customer_seed_cmd, "--company ID --count N [--password MD5HEX]"},
    {"customer", "import", cli_import_cmd,
     "FILE [settings] — bring customers over from JSON lines (docs/operations.md)"},
    {"backup", NULL, cli_backup_cmd,
     "FILE [settings] — copy the SQLite database to FILE while servers run"},
    {"restore", NULL, cli_restore_cmd,
     "FILE [settings] — put a backup back (refused while a server has it open)"},
    {"openapi", NULL, cli_openapi_cmd, "— print the OpenAPI 3.1 description (docs/openapi.json)"},
    {"man", NULL, cli_man_cmd, "— print this manual page tradeauth(1) (roff)"},
    {"example-config", NULL, cli_ini_cmd, "— print an INI file with every setting commented out"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

const struct cli_command *cli_command_at(size_t i)
{
    return i < N_COMMANDS ? &commands[i] : NULL;
}

/* What a group's --help adds below its commands. */
static const struct {
    const char *group, *text;
} group_notes[] = {
    {"company",
     "Flags:\n"
     "  --kyc on|off  --review on|off  --single-session on|off  --prefix DIGITS\n"
     "  --asset CURRENCY:ASSETS_ID:DIGITS[:DEMO_BALANCE]   (repeat; replaces the list)\n"
     "  --trade-type TYPE:CURRENCY[:default]              (repeat; default = opened at "
     "register)\n"
     "  --group ID[:default]                              (repeat)\n"
     "  --session-idle-s N  --session-absolute-s N  --refresh-s N   (0: server default)\n"
     "  set only: --rsa-private-key FILE (PEM or base64 PKCS#8 DER, 1024-4096 bits)\n"
     "            --require-encryption on|off   (encrypted request bodies, contract C19)\n"
     "Without --asset/--trade-type/--group, add uses USDT(13,4,100000) and BTC(16,8,1) spot "
     "accounts and group 1.\n"},
    {"customer", "CUSTOMER is a customerNo, or #ID.\n"},
};

static void group_help(FILE *out, const char *group)
{
    fprintf(out, "Usage:\n");
    bool one_word = false;
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(commands[i].group, group) != 0)
            continue;
        one_word = commands[i].name == NULL;
        fprintf(out, "  tradeauth %s%s%s %s\n", group, one_word ? "" : " ",
                one_word ? "" : commands[i].name, commands[i].usage);
    }
    for (size_t i = 0; i < sizeof group_notes / sizeof group_notes[0]; i++)
        if (strcmp(group_notes[i].group, group) == 0)
            fputs(group_notes[i].text, out);
    if (one_word) {
        fputc('\n', out);
        config_print_help(out);
    }
}

static const struct cli_command *find_command(const char *group, const char *name, bool *known)
{
    *known = false;
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(commands[i].group, group) != 0)
            continue;
        *known = true;
        if (commands[i].name == NULL || (name != NULL && strcmp(commands[i].name, name) == 0))
            return &commands[i];
    }
    return NULL;
}

int cli_run(int argc, char **argv, struct config *cfg)
{
    bool known = false;
    const struct cli_command *cmd = find_command(argv[0], argc > 1 ? argv[1] : NULL, &known);
    if (!known)
        return -1;
    if (cmd == NULL) {
        bool help = argc > 1 && strcmp(argv[1], "--help") == 0;
        if (!help)
            fprintf(stderr, "tradeauth: unknown %s command '%s'\n", argv[0],
                    argc > 1 ? argv[1] : "");
        group_help(help ? stdout : stderr, argv[0]);
        return help ? 0 : 2;
    }
    int skip = cmd->name != NULL ? 2 : 1;
    struct cli_args args = {argc - skip, argv + skip};
    if (cli_flag(&args, "help")) {
        group_help(stdout, argv[0]);
        return 0;
    }
    struct cli_env env = {.cmd = cmd, .args = &args, .cfg = cfg};
    env.json = cli_flag(&args, "json");
    env.a = arena_new(256 * 1024 * 1024);
    int rc = cmd->run(&env);
    admin_close(env.st);
    arena_free(env.a);
    return rc;
}

/* ---- bench-kdf ----------------------------------------------------------------------- */

struct kdf_job {
    const char *hash;
    int64_t until_ns;
    long done;
};

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *kdf_worker(void *arg)
{
    struct kdf_job *j = arg;
    while (mono_ns() < j->until_ns) {
        (void)passwd_verify(j->hash, "e10adc3949ba59abbe56e057f20f883e");
        j->done++;
    }
    return NULL;
}

static int bench_kdf_cmd(struct cli_env *env)
{
    struct cli_args *args = env->args;
    struct config *cfg = env->cfg;
    const char *secs_text = cli_take(args, "seconds");
    int64_t secs = 5;
    if (secs_text != NULL && !parse_i64(secs_text, 1, 600, &secs)) {
        fprintf(stderr, "tradeauth: --seconds takes 1 to 600\n");
        return 2;
    }
    if (cli_settings(args, cfg) != 0 || sodium_init() < 0)
        return 2;
    struct passwd_params p = {(unsigned long long)cfg->argon2_ops,
                              (size_t)cfg->argon2_mem_kib * 1024u};
    char hash[PASSWD_HASH_MAX];
    if (passwd_hash(&p, "e10adc3949ba59abbe56e057f20f883e", hash) != TA_OK)
        return 1;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int n = cfg->hash_threads > 0 ? cfg->hash_threads : (int)(cores > 0 ? cores : 1);
    pthread_t th[256];
    struct kdf_job jobs[256];
    int64_t start = mono_ns();
    for (int i = 0; i < n; i++) {
        jobs[i] = (struct kdf_job){hash, start + secs * 1000000000LL, 0};
        pthread_create(&th[i], NULL, kdf_worker, &jobs[i]);
    }
    long total = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        total += jobs[i].done;
    }
    double elapsed = (double)(mono_ns() - start) / 1e9;
    printf("{\"threads\":%d,\"argon2_ops\":%d,\"argon2_mem_kib\":%d,\"verifications\":%ld,"
           "\"seconds\":%.3f,\"per_second\":%.1f}\n",
           n, cfg->argon2_ops, cfg->argon2_mem_kib, total, elapsed, (double)total / elapsed);
    return 0;
}
