/* app/cli.c — the admin commands. Output is plain text for people or, with --json, one
 * JSON document for scripts. Command flags come out of argv first; the rest are settings. */
#include "app/cli.h"
#include "api/render.h"
#include "crypto/passwd.h"
#include "domain/admin.h"
#include "domain/company.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/log.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
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

static struct store *open_store(struct config *cfg)
{
    struct store *st = NULL;
    if (sodium_init() < 0 || store_open(cfg->db, &st) != TA_OK) {
        fprintf(stderr, "tradeauth: cannot open database %s\n", cfg->db);
        return NULL;
    }
    bool created;
    if (store_migrate(st) != TA_OK || company_seed_default(st, &created) != TA_OK) {
        fprintf(stderr, "tradeauth: cannot prepare database %s\n", cfg->db);
        store_close(st);
        return NULL;
    }
    return st;
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

/* Applies the company flags shared by add and set. Returns 0, or -1 after a message. */
static int company_flags(struct cli_args *args, struct company *co)
{
    const char *v;
    const char *many[TA_MAX_OFFERS];
    int64_t n;
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
    struct {
        const char *flag;
        int64_t *field;
    } times[] = {{"session-idle-s", &co->session_idle_ms},
                 {"session-absolute-s", &co->session_absolute_ms},
                 {"refresh-s", &co->refresh_ms}};
    for (size_t i = 0; i < 3; i++) {
        if ((v = cli_take(args, times[i].flag)) != NULL) {
            if (!parse_i64(v, 0, 315360000, &n)) {
                fprintf(stderr, "tradeauth: --%s should be seconds (0: server default)\n",
                        times[i].flag);
                return -1;
            }
            *times[i].field = n * 1000;
        }
    }
    int k = cli_take_all(args, "asset", many, TA_MAX_ASSETS);
    if (k > TA_MAX_ASSETS) {
        fprintf(stderr, "tradeauth: at most %d assets\n", TA_MAX_ASSETS);
        return -1;
    }
    if (k > 0) {
        co->n_assets = 0;
        for (int i = 0; i < k; i++) {
            char cur[TA_CURRENCY_MAX];
            long long id = 0;
            int digits = 0, used = 0;
            if (sscanf(many[i], "%15[A-Za-z0-9]:%lld:%d%n", cur, &id, &digits, &used) != 3 ||
                digits < 0 || digits > 18 || id <= 0 ||
                (many[i][used] != '\0' && many[i][used] != ':')) {
                fprintf(stderr,
                        "tradeauth: --asset '%s' should be CURRENCY:ASSETS_ID:DIGITS[:DEMO]\n",
                        many[i]);
                return -1;
            }
            struct company_asset *as = &co->assets[co->n_assets++];
            memset(as, 0, sizeof *as);
            snprintf(as->currency, sizeof as->currency, "%s", cur);
            as->assets_id = id;
            as->digits = digits;
            if (many[i][used] == ':' &&
                !parse_amount(many[i] + used + 1, digits, &as->demo_balance)) {
                fprintf(stderr, "tradeauth: --asset '%s': bad demo balance\n", many[i]);
                return -1;
            }
        }
    }
    k = cli_take_all(args, "trade-type", many, TA_MAX_OFFERS);
    if (k > TA_MAX_OFFERS) {
        fprintf(stderr, "tradeauth: at most %d trade types\n", TA_MAX_OFFERS);
        return -1;
    }
    if (k > 0) {
        co->n_offers = 0;
        for (int i = 0; i < k; i++) {
            char cur[TA_CURRENCY_MAX], flag[16] = "";
            int tt = 0;
            int got = sscanf(many[i], "%d:%15[A-Za-z0-9]:%15s", &tt, cur, flag);
            if (got < 2 || tt < 1 || tt > 99 || (got == 3 && strcmp(flag, "default") != 0)) {
                fprintf(stderr, "tradeauth: --trade-type '%s' should be TYPE:CURRENCY[:default]\n",
                        many[i]);
                return -1;
            }
            struct company_offer *o = &co->offers[co->n_offers++];
            o->trade_type = tt;
            snprintf(o->currency, sizeof o->currency, "%s", cur);
            o->is_default = got == 3;
        }
    }
    k = cli_take_all(args, "group", many, TA_MAX_GROUPS);
    if (k > TA_MAX_GROUPS) {
        fprintf(stderr, "tradeauth: at most %d groups\n", TA_MAX_GROUPS);
        return -1;
    }
    if (k > 0) {
        co->n_groups = 0;
        for (int i = 0; i < k; i++) {
            long long id = 0;
            char flag[16] = "";
            int got = sscanf(many[i], "%lld:%15s", &id, flag);
            if (got < 1 || id <= 0 || (got == 2 && strcmp(flag, "default") != 0)) {
                fprintf(stderr, "tradeauth: --group '%s' should be ID[:default]\n", many[i]);
                return -1;
            }
            co->groups[co->n_groups++] = (struct company_group){id, got == 2};
        }
    }
    for (size_t i = 0; i < co->n_offers; i++) {
        if (company_asset_find(co, co->offers[i].currency) == NULL) {
            fprintf(stderr, "tradeauth: trade type %d:%s names a currency with no --asset\n",
                    co->offers[i].trade_type, co->offers[i].currency);
            return -1;
        }
    }
    return 0;
}

static void company_help(void)
{
    printf("Usage:\n"
           "  tradeauth company list [--json]\n"
           "  tradeauth company show ID [--json]\n"
           "  tradeauth company add --name NAME [--id ID] [--no-twin] [--twin-id ID] [flags]\n"
           "  tradeauth company set ID [flags]\n"
           "Flags:\n"
           "  --kyc on|off  --review on|off  --single-session on|off  --prefix DIGITS\n"
           "  --asset CURRENCY:ASSETS_ID:DIGITS[:DEMO_BALANCE]   (repeat; replaces the list)\n"
           "  --trade-type TYPE:CURRENCY[:default]              (repeat; default = opened at "
           "register)\n"
           "  --group ID[:default]                              (repeat)\n"
           "  --session-idle-s N  --session-absolute-s N  --refresh-s N   (0: server default)\n"
           "Without --asset/--trade-type/--group, add uses USDT(13,4,100000) and BTC(16,8,1) spot "
           "accounts and group 1.\n");
}

static int company_one(struct store *st, int64_t id, bool json)
{
    struct company co;
    ta_err e = STORE(st, company_get, id, &co);
    if (e != TA_OK) {
        fprintf(stderr, "tradeauth: no company %" PRId64 "\n", id);
        return 1;
    }
    if (json) {
        json_t *o = company_json(&co);
        json_dumpf(o, stdout, JSON_INDENT(2));
        printf("\n");
        json_decref(o);
    } else {
        company_print(&co);
    }
    return 0;
}

int cli_company(const char *sub, struct cli_args *args, struct config *cfg)
{
    if (strcmp(sub, "--help") == 0 || cli_flag(args, "help")) {
        company_help();
        return 0;
    }
    bool json = cli_flag(args, "json");
    const char *id_text = NULL;
    if ((strcmp(sub, "show") == 0 || strcmp(sub, "set") == 0) && args->argc > 0 &&
        strncmp(args->argv[0], "--", 2) != 0) {
        id_text = args->argv[0];
        drop(args, 0, 1);
    }
    struct company co;
    const char *new_id = NULL, *twin_id = NULL;
    bool no_twin = false;
    int64_t id = 0;
    if (strcmp(sub, "add") == 0) {
        company_default_real(&co);
        co.id = 0;
        co.name[0] = '\0';
        new_id = cli_take(args, "id");
        twin_id = cli_take(args, "twin-id");
        no_twin = cli_flag(args, "no-twin");
        if (company_flags(args, &co) != 0)
            return 2;
        if (co.name[0] == '\0') {
            fprintf(stderr, "tradeauth: company add needs --name\n");
            return 2;
        }
    } else if (strcmp(sub, "set") == 0) {
        if (id_text == NULL || !parse_i64(id_text, 1, INT64_MAX, &id)) {
            fprintf(stderr, "tradeauth: company set needs the company id\n");
            return 2;
        }
    } else if (strcmp(sub, "show") == 0) {
        if (id_text == NULL || !parse_i64(id_text, 1, INT64_MAX, &id)) {
            fprintf(stderr, "tradeauth: company show needs the company id\n");
            return 2;
        }
    } else if (strcmp(sub, "list") != 0) {
        fprintf(stderr, "tradeauth: unknown company command '%s'\n", sub);
        company_help();
        return 2;
    }
    /* set: flags must be read against the stored company, so keep them for later. */
    struct cli_args saved = *args;
    char *copy[64];
    int copy_n = 0;
    if (strcmp(sub, "set") == 0) {
        /* settings and command flags are mixed: pull the command's out after loading. */
        for (int i = 0; i < args->argc && i < 64; i++)
            copy[copy_n++] = args->argv[i];
        saved.argv = copy;
        saved.argc = copy_n;
        static const char *const cmd_flags[] = {"name",
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
        for (size_t f = 0; f < sizeof cmd_flags / sizeof cmd_flags[0]; f++) {
            const char *vals[TA_MAX_OFFERS];
            (void)cli_take_all(args, cmd_flags[f], vals, TA_MAX_OFFERS);
        }
    }
    if (cli_settings(args, cfg) != 0)
        return 2;
    struct store *st = open_store(cfg);
    if (st == NULL)
        return 1;
    int rc = 0;
    if (strcmp(sub, "list") == 0) {
        struct arena *a = arena_new(64 * 1024 * 1024);
        struct company *all = NULL;
        size_t n = 0;
        if (STORE(st, company_list, a, &all, &n) != TA_OK) {
            rc = 1;
        } else if (json) {
            json_t *arr = json_array();
            for (size_t i = 0; i < n; i++)
                json_array_append_new(arr, company_json(&all[i]));
            json_dumpf(arr, stdout, JSON_INDENT(2));
            printf("\n");
            json_decref(arr);
        } else {
            for (size_t i = 0; i < n; i++)
                company_print(&all[i]);
        }
        arena_free(a);
    } else if (strcmp(sub, "show") == 0) {
        rc = company_one(st, id, json);
    } else if (strcmp(sub, "set") == 0) {
        if (STORE(st, company_get, id, &co) != TA_OK) {
            fprintf(stderr, "tradeauth: no company %" PRId64 "\n", id);
            rc = 1;
        } else if (company_flags(&saved, &co) != 0) {
            rc = 2;
        } else if (STORE(st, company_update, &co) != TA_OK) {
            fprintf(stderr, "tradeauth: could not update company %" PRId64 "\n", id);
            rc = 1;
        } else {
            rc = company_one(st, id, json);
        }
    } else {
        int64_t want = 0, want_twin = 0, rid = 0, did = 0;
        if ((new_id && !parse_i64(new_id, 1, INT64_MAX, &want)) ||
            (twin_id && !parse_i64(twin_id, 1, INT64_MAX, &want_twin))) {
            fprintf(stderr, "tradeauth: --id and --twin-id take positive numbers\n");
            rc = 2;
        } else {
            co.id = want;
            ta_err e = company_create(st, &co, !no_twin, want_twin, &rid, &did);
            if (e != TA_OK) {
                fprintf(stderr, "tradeauth: could not add the company (%s)\n",
                        e == TA_E_CONFLICT ? "that id is taken" : ta_err_name(e));
                rc = 1;
            } else {
                if (!json)
                    printf("added company %" PRId64 "%s", rid, did ? "" : "\n");
                if (!json && did)
                    printf(" with demo twin %" PRId64 "\n", did);
                rc = company_one(st, rid, json);
            }
        }
    }
    store_close(st);
    return rc;
}

/* ---- customers ------------------------------------------------------------------- */

static json_t *customer_json(const struct customer *c)
{
    return json_pack("{s:I,s:s,s:I,s:s?,s:s?,s:s?,s:i,s:i,s:b,s:b,s:I,s:I}", "id",
                     (json_int_t)c->id, "customerNo", c->customer_no, "companyId",
                     (json_int_t)c->company_id, "email", c->email, "phoneArea", c->phone_area,
                     "phone", c->phone, "status", c->status, "kycAuditStatus", c->kyc_audit_status,
                     "password", c->pw_hash != NULL, "mfa", c->mfa_id > 0, "relationCustomerId",
                     (json_int_t)c->relation_customer_id, "createTime", (json_int_t)c->created_ms);
}

static void customer_help(void)
{
    printf("Usage (CUSTOMER is a customerNo, or #ID):\n"
           "  tradeauth customer list --company ID [--json] [--after ID] [--limit N]\n"
           "  tradeauth customer show --company ID CUSTOMER [--json]\n"
           "  tradeauth customer disable|enable|unlock --company ID CUSTOMER\n"
           "  tradeauth customer kyc --company ID CUSTOMER --status 0|1|2|3 [--remark TEXT]\n"
           "  tradeauth customer audit --company ID CUSTOMER [--json] [--limit N]\n"
           "  tradeauth customer seed --company ID --count N [--password MD5HEX]\n");
}

int cli_customer(const char *sub, struct cli_args *args, struct config *cfg)
{
    if (strcmp(sub, "--help") == 0 || cli_flag(args, "help")) {
        customer_help();
        return 0;
    }
    bool json = cli_flag(args, "json");
    const char *company_text = cli_take(args, "company");
    const char *status_text = cli_take(args, "status");
    const char *remark = cli_take(args, "remark");
    const char *count_text = cli_take(args, "count");
    const char *password = cli_take(args, "password");
    const char *after_text = cli_take(args, "after");
    const char *limit_text = cli_take(args, "limit");
    const char *which = NULL;
    if (args->argc > 0 && strncmp(args->argv[0], "--", 2) != 0) {
        which = args->argv[0];
        drop(args, 0, 1);
    }
    int64_t company_id = 0, status = 0, count = 0, after = 0, limit = 100;
    if (company_text == NULL || !parse_i64(company_text, 1, INT64_MAX, &company_id)) {
        fprintf(stderr, "tradeauth: customer %s needs --company ID\n", sub);
        return 2;
    }
    if ((after_text && !parse_i64(after_text, 0, INT64_MAX, &after)) ||
        (limit_text && !parse_i64(limit_text, 1, 100000, &limit))) {
        fprintf(stderr, "tradeauth: --after and --limit take numbers\n");
        return 2;
    }
    bool needs_which = strcmp(sub, "list") != 0 && strcmp(sub, "seed") != 0;
    if (needs_which && which == NULL) {
        fprintf(stderr, "tradeauth: customer %s needs a customerNo or #id\n", sub);
        return 2;
    }
    if (strcmp(sub, "kyc") == 0 &&
        (status_text == NULL || !parse_i64(status_text, 0, 3, &status))) {
        fprintf(stderr, "tradeauth: customer kyc needs --status 0|1|2|3\n");
        return 2;
    }
    if (strcmp(sub, "seed") == 0 &&
        (count_text == NULL || !parse_i64(count_text, 1, 100000000, &count))) {
        fprintf(stderr, "tradeauth: customer seed needs --count N\n");
        return 2;
    }
    if (cli_settings(args, cfg) != 0)
        return 2;
    struct store *st = open_store(cfg);
    if (st == NULL)
        return 1;
    struct arena *a = arena_new(256 * 1024 * 1024);
    struct customer c;
    int rc = 0;
    ta_err e = TA_OK;
    int64_t now = clock_now_ms();
    if (needs_which) {
        e = admin_customer_find(st, company_id, which, a, &c);
        if (e != TA_OK) {
            fprintf(stderr, "tradeauth: no customer '%s' in company %" PRId64 "\n", which,
                    company_id);
            rc = 1;
            goto out;
        }
    }
    if (strcmp(sub, "list") == 0) {
        struct customer *all = NULL;
        size_t n = 0;
        e = STORE(st, customer_list, company_id, after, (size_t)limit, a, &all, &n);
        if (e == TA_OK && json) {
            json_t *arr = json_array();
            for (size_t i = 0; i < n; i++)
                json_array_append_new(arr, customer_json(&all[i]));
            json_dumpf(arr, stdout, JSON_INDENT(2));
            printf("\n");
            json_decref(arr);
        } else if (e == TA_OK) {
            for (size_t i = 0; i < n; i++)
                printf("%" PRId64 " %s %s %s%s status=%d\n", all[i].id, all[i].customer_no,
                       all[i].email ? all[i].email : "-",
                       all[i].phone_area ? all[i].phone_area : "", all[i].phone ? all[i].phone : "",
                       all[i].status);
        }
    } else if (strcmp(sub, "show") == 0) {
        json_t *o = customer_json(&c);
        json_dumpf(o, stdout, json ? JSON_INDENT(2) : JSON_COMPACT);
        printf("\n");
        json_decref(o);
    } else if (strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0) {
        e = admin_customer_status(st, &c, sub[0] == 'd' ? CUSTOMER_DISABLED : CUSTOMER_NORMAL, now);
        if (e == TA_OK)
            printf("customer %s %sd\n", c.customer_no, sub);
    } else if (strcmp(sub, "kyc") == 0) {
        e = admin_customer_kyc(st, &c, (int)status, remark);
        if (e == TA_OK)
            printf("customer %s kyc status %" PRId64 "\n", c.customer_no, status);
    } else if (strcmp(sub, "unlock") == 0) {
        e = admin_customer_unlock(st, &c);
        if (e == TA_OK)
            printf("customer %s unlocked\n", c.customer_no);
    } else if (strcmp(sub, "audit") == 0) {
        struct audit_row *rows = NULL;
        size_t n = 0;
        e = STORE(st, audit_list, c.id, (size_t)limit, a, &rows, &n);
        for (size_t i = 0; e == TA_OK && i < n; i++) {
            json_t *o = json_pack(
                "{s:I,s:I,s:I,s:s,s:s,s:s,s:i,s:s}", "time", (json_int_t)rows[i].time_ms,
                "companyId", (json_int_t)rows[i].company_id, "customerId",
                (json_int_t)rows[i].customer_id, "event", rows[i].event, "outcome", rows[i].outcome,
                "client", rows[i].client_addr, "device", rows[i].device, "detail", rows[i].detail);
            json_dumpf(o, stdout, JSON_COMPACT);
            printf("\n");
            json_decref(o);
        }
    } else if (strcmp(sub, "seed") == 0) {
        const char *pw = password ? password : "e10adc3949ba59abbe56e057f20f883e"; /* md5 123456 */
        int64_t made = 0;
        e = admin_customer_seed(st, company_id, count, pw, (unsigned long long)cfg->argon2_ops,
                                (size_t)cfg->argon2_mem_kib * 1024u, now, &made);
        if (e == TA_OK)
            printf("seeded %" PRId64 " customers (seed<N>@seed.invalid)\n", made);
    } else {
        fprintf(stderr, "tradeauth: unknown customer command '%s'\n", sub);
        customer_help();
        rc = 2;
    }
    if (e != TA_OK && rc == 0) {
        fprintf(stderr, "tradeauth: customer %s failed (%s)\n", sub, ta_err_name(e));
        rc = 1;
    }
out:
    arena_free(a);
    store_close(st);
    return rc;
}

/* ---- migrate and bench-kdf --------------------------------------------------------- */

int cli_migrate(struct cli_args *args, struct config *cfg)
{
    if (cli_settings(args, cfg) != 0)
        return 2;
    struct store *st = open_store(cfg);
    if (st == NULL)
        return 1;
    printf("database %s is up to date\n", cfg->db);
    store_close(st);
    return 0;
}

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

int cli_bench_kdf(struct cli_args *args, struct config *cfg)
{
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
