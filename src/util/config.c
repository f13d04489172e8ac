/* util/config.c — the settings table and its three sources (INI file, environment, flags).
 * One row per setting: adding one here makes it a flag, an env var, an INI key and a
 * line of --help at once. */
#include "util/config.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/net.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum opt_type { OPT_STR, OPT_INT, OPT_BOOL };

struct opt {
    const char *name; /* flag --name, INI key name, env TRADEAUTH_NAME (dashes → _) */
    enum opt_type type;
    size_t offset;
    const char *def;
    long min, max;
    const char *help;
};

#define S(n, f, d, h)                                                                              \
    {                                                                                              \
        n, OPT_STR, offsetof(struct config, f), d, 0, 0, h                                         \
    }
#define I(n, f, d, lo, hi, h)                                                                      \
    {                                                                                              \
        n, OPT_INT, offsetof(struct config, f), d, lo, hi, h                                       \
    }
#define B(n, f, d, h)                                                                              \
    {                                                                                              \
        n, OPT_BOOL, offsetof(struct config, f), d, 0, 1, h                                        \
    }

static const struct opt opts[] = {
    S("config", config_file, "", "INI file to read first (key = value, same names as the flags)"),
    S("listen", listen, "127.0.0.1:8080",
      "address:port to serve HTTP on (port 0 picks a free one)"),
    S("db", db, "sqlite:var/tradeauth.db", "database URL: sqlite:PATH or postgres://..."),
    S("delivery-log", delivery_log, "var/outbox.jsonl",
      "file the 'log' transport appends one JSON line per message to"),
    S("log-level", log_level, "info", "debug, info, warn, error or off"),
    S("trusted-proxies", trusted_proxies, "127.0.0.0/8,::1/128",
      "CIDR list whose X-Forwarded-For is believed (empty: none)"),
    S("cors-origins", cors_origins, "*", "Access-Control-Allow-Origin: * or a comma list"),
    I("threads", threads, "0", 0, 256, "HTTP threads (0: one per core)"),
    I("hash-threads", hash_threads, "0", 0, 256, "password-hash workers (0: one per core)"),
    I("hash-queue", hash_queue, "0", 0, 100000,
      "hard cap on password hashes waiting (0: 4096); admission is by hash-max-wait-ms"),
    I("write-threads", write_threads, "0", 0, 256,
      "workers that run writing routes off the HTTP threads (0: one per core, at least 2)"),
    I("write-queue", write_queue, "0", 0, 100000,
      "writing requests allowed to wait (0: 32 x write-threads); beyond it GATEWAY_CODE_004"),
    S("instance-id", instance_id, "",
      "this instance's name on the outbox rows it claims, so that it takes them back at once "
      "after a crash (empty: host:listen, none when the port is 0)"),
    I("read-timeout-s", read_timeout_s, "10", 0, 3600,
      "a request (head and body) must arrive whole within this, or its connection is closed "
      "(0: no limit)"),
    I("db-busy-ms", db_busy_ms, "2000", 0, 600000,
      "longest a request waits for a database lock, retries included; then GATEWAY_CODE_500"),
    I("argon2-ops", argon2_ops, "2", 1, 100, "argon2id time cost t"),
    I("argon2-mem-kib", argon2_mem_kib, "19456", 8, 4194304,
      "argon2id memory cost in KiB (19456 = 19 MiB, the OWASP minimum)"),
    I("body-max-bytes", body_max_bytes, "65536", 1024, 16777216, "largest request body"),
    I("max-connections", max_connections, "10000", 1, 1000000, "open connections in all"),
    I("per-ip-connections", per_ip_connections, "256", 1, 1000000,
      "open connections per client address"),
    I("idle-timeout-s", idle_timeout_s, "30", 1, 3600, "close idle connections after"),
    I("connection-memory-kib", connection_memory_kib, "8", 4, 1024,
      "memory per connection for headers and buffers (bounds RSS with many idle clients)"),
    S("sms-transport", sms_transport, "log", "how SMS codes leave: log or webhook"),
    S("email-transport", email_transport, "log", "how email codes leave: log, smtp or webhook"),
    S("company-transports", company_transports, "",
      "per-company overrides, e.g. 3:sms=webhook,3:email=smtp (others use the defaults)"),
    S("smtp-url", smtp_url, "", "smtp://host:port (or smtps:// for TLS on connect)"),
    S("smtp-user", smtp_user, "", "SMTP user (empty: no AUTH)"),
    S("smtp-password", smtp_password, "", "SMTP password"),
    S("smtp-from", smtp_from, "no-reply@localhost", "From: address of code emails"),
    B("smtp-starttls", smtp_starttls, "false", "require STARTTLS on smtp:// URLs"),
    S("webhook-url", webhook_url, "", "URL the webhook transport POSTs JSON messages to"),
    S("webhook-bearer", webhook_bearer, "", "bearer token for the webhook (empty: none)"),
    S("webhook-hmac-key", webhook_hmac_key, "",
      "key for an X-Signature HMAC-SHA256 of the webhook body (empty: none)"),
    I("delivery-retries", delivery_retries, "5", 0, 100, "delivery attempts after the first"),
    I("delivery-backoff-ms", delivery_backoff_ms, "1000", 1, 3600000,
      "first retry delay; doubles each time"),
    I("delivery-poll-ms", delivery_poll_ms, "200", 1, 60000, "how often the outbox is polled"),
    B("console", console, "false",
      "serve the try-it page /console/ (on|off; development: needs the log transports)"),
    S("totp-issuer", totp_issuer, "tradeauth", "issuer shown in authenticator apps"),
    I("code-ttl-s", code_ttl_s, "300", 10, 86400, "verification code lifetime"),
    I("code-attempts", code_attempts, "5", 1, 100, "wrong codes allowed per ticket"),
    I("code-resend-s", code_resend_s, "60", 0, 86400, "resend cooldown per recipient and type"),
    I("codes-per-recipient-hour", codes_per_recipient_hour, "10", 1, 1000000,
      "codes sent to one phone or address per hour"),
    I("codes-per-recipient-day", codes_per_recipient_day, "20", 1, 1000000,
      "codes sent to one phone or address per day"),
    I("codes-per-address-hour", codes_per_address_hour, "30", 1, 1000000,
      "codes asked for by one client address per hour"),
    I("codes-per-company-day", codes_per_company_day, "10000", 1, 100000000, "SMS cost guard"),
    I("login-fail-max", login_fail_max, "10", 1, 1000, "failed password logins before a lock"),
    I("login-fail-window-s", login_fail_window_s, "900", 1, 86400, "window of those failures"),
    I("login-lock-s", login_lock_s, "900", 1, 86400, "how long a lock lasts"),
    I("login-per-address-min", login_per_address_min, "60", 1, 1000000,
      "login attempts per client address per minute"),
    I("lookup-per-address-min", lookup_per_address_min, "30", 1, 1000000,
      "checkStatus / checkGoogleMFAStatus per address per minute"),
    I("customer-ops-per-min", customer_ops_per_min, "60", 1, 1000000,
      "refresh, switch and randomKey per customer per minute"),
    I("session-idle-s", session_idle_s, "86400", 60, 31536000, "session idle lifetime"),
    I("session-absolute-s", session_absolute_s, "2592000", 60, 315360000,
      "session absolute lifetime"),
    I("refresh-s", refresh_s, "2592000", 60, 315360000, "refresh token lifetime"),
    I("session-touch-s", session_touch_s, "300", 0, 86400,
      "at most one last-used write per session per this many seconds"),
    I("session-cache-entries", session_cache_entries, "100000", 0, 100000000,
      "live sessions kept in memory for token reads (0: every read goes to the database)"),
    I("hash-max-wait-ms", hash_max_wait_ms, "2000", 1, 600000,
      "queue a login while its expected wait for a hash worker is within this; else "
      "GATEWAY_CODE_004"),
    I("security-hold-s", security_hold_s, "86400", 0, 31536000,
      "withdrawal hold after a security change (C24; 0: none)"),
    B("new-device-alert", new_device_alert, "true", "notice on sign-in from a new device (C24)"),
    S("company-security", company_security, "",
      "per-company overrides, e.g. 3:hold=3600,3:alert=off (others use the two above)"),
    I("deletion-grace-s", deletion_grace_s, "1209600", 0, 315360000,
      "time from destroy to the erasure of contacts and passwords (C24)"),
    I("fund-fail-max", fund_fail_max, "5", 1, 1000, "wrong fund passwords before a lock (C23)"),
    I("fund-fail-window-s", fund_fail_window_s, "900", 1, 86400, "window of those failures"),
    I("fund-lock-s", fund_lock_s, "900", 1, 86400, "how long a fund-password lock lasts"),
    I("sealed-window-s", sealed_window_s, "300", 1, 86400,
      "encrypted bodies: allowed clock difference of the timestamp header, and replay window"),
    I("sealed-max-pieces", sealed_max_pieces, "64", 1, 4096,
      "encrypted bodies: most RSA pieces in one body (each costs one private-key operation)"),
};

#define NOPTS (sizeof opts / sizeof opts[0])

static void *field(struct config *cfg, const struct opt *o)
{
    return (char *)cfg + o->offset;
}

static int set(struct config *cfg, const struct opt *o, const char *value, const char *source,
               FILE *err)
{
    if (o->type == OPT_STR) {
        char **p = field(cfg, o);
        free(*p);
        *p = xstrdup(value);
        return 0;
    }
    if (o->type == OPT_BOOL) {
        bool *p = field(cfg, o);
        if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0 || strcmp(value, "yes") == 0 ||
            strcmp(value, "on") == 0)
            *p = true;
        else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0 ||
                 strcmp(value, "no") == 0 || strcmp(value, "off") == 0)
            *p = false;
        else {
            fprintf(err, "tradeauth: %s: %s = '%s' is not a boolean (true or false)\n", source,
                    o->name, value);
            return -1;
        }
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || v < o->min || v > o->max) {
        fprintf(err, "tradeauth: %s: %s = '%s' should be a whole number from %ld to %ld\n", source,
                o->name, value, o->min, o->max);
        return -1;
    }
    *(int *)field(cfg, o) = (int)v;
    return 0;
}

static const struct opt *find(const char *name, size_t len)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
            return &opts[i];
    /* INI files may spell keys with underscores. */
    for (size_t i = 0; i < NOPTS; i++) {
        const char *n = opts[i].name;
        if (strlen(n) != len)
            continue;
        size_t k = 0;
        while (k < len && (n[k] == name[k] || (n[k] == '-' && name[k] == '_')))
            k++;
        if (k == len)
            return &opts[i];
    }
    return NULL;
}

void config_init(struct config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NOPTS; i++)
        set(cfg, &opts[i], opts[i].def, "default", stderr);
}

void config_cleanup(struct config *cfg)
{
    for (size_t i = 0; i < NOPTS; i++) {
        if (opts[i].type == OPT_STR) {
            char **p = field(cfg, &opts[i]);
            free(*p);
            *p = NULL;
        }
    }
}

struct ini_ctx {
    struct config *cfg;
    FILE *err;
    const char *path;
    int failed;
};

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
    struct ini_ctx *c = user;
    (void)section; /* sections only group keys for the reader */
    const struct opt *o = find(name, strlen(name));
    if (o == NULL || strcmp(o->name, "config") == 0) {
        fprintf(c->err, "tradeauth: %s: unknown key '%s'\n", c->path, name);
        c->failed = 1;
        return 0;
    }
    if (set(c->cfg, o, value, c->path, c->err) != 0)
        c->failed = 1;
    return c->failed ? 0 : 1;
}

static void env_name(const struct opt *o, char *buf, size_t size)
{
    size_t n = (size_t)snprintf(buf, size, "TRADEAUTH_");
    for (const char *p = o->name; *p != '\0' && n + 1 < size; p++)
        buf[n++] = *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    buf[n] = '\0';
}

/* Flags may come as "--name value" or "--name=value". */
static int parse_flags(struct config *cfg, int argc, char **argv, bool only_config, FILE *err)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) {
            fprintf(err, "tradeauth: unexpected argument '%s'\n", a);
            return -1;
        }
        a += 2;
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        const struct opt *o = find(a, len);
        if (o == NULL) {
            fprintf(err, "tradeauth: unknown flag '--%.*s' (see --help)\n", (int)len, a);
            return -1;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (value == NULL) {
            if (o->type == OPT_BOOL && (i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0)) {
                value = "true";
            } else if (i + 1 < argc) {
                value = argv[++i];
            } else {
                fprintf(err, "tradeauth: flag --%s needs a value\n", o->name);
                return -1;
            }
        }
        if (only_config != (strcmp(o->name, "config") == 0))
            continue;
        if (set(cfg, o, value, "flag", err) != 0)
            return -1;
    }
    return 0;
}

int config_load(struct config *cfg, int argc, char **argv, FILE *err)
{
    char env[96];

    /* The file comes first, so find out where it is before anything else. */
    const struct opt *copt = find("config", 6);
    env_name(copt, env, sizeof env);
    const char *cf = getenv(env);
    if (cf != NULL && set(cfg, copt, cf, env, err) != 0)
        return -1;
    if (parse_flags(cfg, argc, argv, true, err) != 0)
        return -1;
    if (cfg->config_file[0] != '\0') {
        struct ini_ctx c = {cfg, err, cfg->config_file, 0};
        int rc = ini_parse(cfg->config_file, on_ini, &c);
        if (rc < 0) {
            fprintf(err, "tradeauth: config: cannot read '%s'\n", cfg->config_file);
            return -1;
        }
        if (c.failed)
            return -1;
        if (rc > 0) {
            fprintf(err, "tradeauth: %s: syntax error on line %d\n", cfg->config_file, rc);
            return -1;
        }
    }
    for (size_t i = 0; i < NOPTS; i++) {
        if (&opts[i] == copt)
            continue;
        env_name(&opts[i], env, sizeof env);
        const char *v = getenv(env);
        if (v != NULL && set(cfg, &opts[i], v, env, err) != 0)
            return -1;
    }
    if (parse_flags(cfg, argc, argv, false, err) != 0)
        return -1;
    return config_check(cfg, err);
}

/* Listen address, trusted proxies, log level and database URL. */
static int check_basics(const struct config *cfg, FILE *err)
{
    struct net_addr a;
    if (net_parse_listen(cfg->listen, &a) != 0) {
        fprintf(err, "tradeauth: listen = '%s' should be HOST:PORT, e.g. 127.0.0.1:8080\n",
                cfg->listen);
        return -1;
    }
    struct net_cidr_list *cl = NULL;
    if (net_cidr_list_parse(cfg->trusted_proxies, &cl) != 0) {
        fprintf(err, "tradeauth: trusted-proxies = '%s' should be a comma list of CIDRs\n",
                cfg->trusted_proxies);
        return -1;
    }
    net_cidr_list_free(cl);
    if (log_level_parse(cfg->log_level) < 0) {
        fprintf(err, "tradeauth: log-level = '%s' should be debug, info, warn, error or off\n",
                cfg->log_level);
        return -1;
    }
    if (strncmp(cfg->db, "sqlite:", 7) != 0 && strncmp(cfg->db, "postgres://", 11) != 0 &&
        strncmp(cfg->db, "postgresql://", 13) != 0) {
        fprintf(err, "tradeauth: db = '%s' should start with sqlite: or postgres://\n", cfg->db);
        return -1;
    }
    return 0;
}

/* The transports of each channel, server-wide and per company; *any_smtp and *any_hook
 * say whether any company uses them. */
static int check_transports(const struct config *cfg, FILE *err, bool *any_smtp_out,
                            bool *any_hook_out)
{
    static const char *const sms_ok[] = {"log", "webhook", NULL};
    static const char *const mail_ok[] = {"log", "smtp", "webhook", NULL};
    struct {
        const char *key, *value;
        const char *const *allowed;
    } tr[] = {{"sms-transport", cfg->sms_transport, sms_ok},
              {"email-transport", cfg->email_transport, mail_ok}};
    for (size_t i = 0; i < 2; i++) {
        bool ok = false;
        for (const char *const *p = tr[i].allowed; *p != NULL; p++)
            ok = ok || strcmp(*p, tr[i].value) == 0;
        if (!ok) {
            fprintf(err, "tradeauth: %s = '%s' is not a transport this channel has\n", tr[i].key,
                    tr[i].value);
            return -1;
        }
    }
    /* Per-company overrides: ID:channel=kind, comma separated. */
    bool any_smtp = strcmp(cfg->email_transport, "smtp") == 0;
    bool any_hook =
        strcmp(cfg->email_transport, "webhook") == 0 || strcmp(cfg->sms_transport, "webhook") == 0;
    for (const char *p = cfg->company_transports; *p != '\0';) {
        long long id = 0;
        char ch[8], kind[10];
        int used = 0;
        if (sscanf(p, "%lld:%7[a-z]=%9[a-z]%n", &id, ch, kind, &used) != 3 || id <= 0 ||
            (p[used] != ',' && p[used] != '\0') ||
            !((strcmp(ch, "sms") == 0 &&
               (strcmp(kind, "log") == 0 || strcmp(kind, "webhook") == 0)) ||
              (strcmp(ch, "email") == 0 && (strcmp(kind, "log") == 0 || strcmp(kind, "smtp") == 0 ||
                                            strcmp(kind, "webhook") == 0)))) {
            fprintf(err,
                    "tradeauth: company-transports = '%s' should be ID:sms=log|webhook or "
                    "ID:email=log|smtp|webhook, comma separated\n",
                    cfg->company_transports);
            return -1;
        }
        any_smtp = any_smtp || strcmp(kind, "smtp") == 0;
        any_hook = any_hook || strcmp(kind, "webhook") == 0;
        p += used;
        if (*p == ',')
            p++;
    }
    *any_smtp_out = any_smtp;
    *any_hook_out = any_hook;
    return 0;
}

static int check_company_security(const struct config *cfg, FILE *err)
{
    /* company-security: ID:hold=SECONDS or ID:alert=on|off, comma separated. */
    for (const char *p = cfg->company_security; *p != '\0';) {
        long long id = 0;
        char key[8], val[16];
        int used = 0;
        bool ok = sscanf(p, "%lld:%7[a-z]=%15[a-z0-9]%n", &id, key, val, &used) == 3 && id > 0 &&
                  (p[used] == ',' || p[used] == '\0');
        ok = ok &&
             ((strcmp(key, "hold") == 0 && strspn(val, "0123456789") == strlen(val) &&
               strlen(val) <= 9) ||
              (strcmp(key, "alert") == 0 && (strcmp(val, "on") == 0 || strcmp(val, "off") == 0)));
        if (!ok) {
            fprintf(err,
                    "tradeauth: company-security = '%s' should be ID:hold=SECONDS or "
                    "ID:alert=on|off, comma separated\n",
                    cfg->company_security);
            return -1;
        }
        p += used;
        if (*p == ',')
            p++;
    }
    return 0;
}

int config_check(const struct config *cfg, FILE *err)
{
    bool any_smtp = false, any_hook = false;
    if (check_basics(cfg, err) != 0 || check_transports(cfg, err, &any_smtp, &any_hook) != 0 ||
        check_company_security(cfg, err) != 0)
        return -1;
    if (any_smtp && cfg->smtp_url[0] == '\0') {
        fprintf(err, "tradeauth: smtp-url is required when an email transport is smtp\n");
        return -1;
    }
    if (any_hook && cfg->webhook_url[0] == '\0') {
        fprintf(err, "tradeauth: webhook-url is required when a transport is webhook\n");
        return -1;
    }
    /* The console shows the codes the log transport wrote: never beside real delivery. */
    if (cfg->console && (any_smtp || any_hook || strcmp(cfg->sms_transport, "log") != 0 ||
                         strcmp(cfg->email_transport, "log") != 0)) {
        fprintf(err, "tradeauth: console = on is for development: it needs the log transport "
                     "for every channel and company\n");
        return -1;
    }
    return 0;
}

const char *config_transport_for(const struct config *cfg, long long company_id,
                                 const char *channel)
{
    static const char *const kinds[] = {"log", "smtp", "webhook"};
    for (const char *p = cfg->company_transports; *p != '\0';) {
        long long id = 0;
        char ch[8], kind[10];
        int used = 0;
        if (sscanf(p, "%lld:%7[a-z]=%9[a-z]%n", &id, ch, kind, &used) != 3)
            break; /* config_check already refused anything else */
        if (id == company_id && strcmp(ch, channel) == 0)
            for (size_t i = 0; i < 3; i++)
                if (strcmp(kinds[i], kind) == 0)
                    return kinds[i];
        p += used;
        if (*p == ',')
            p++;
    }
    return strcmp(channel, "sms") == 0 ? cfg->sms_transport : cfg->email_transport;
}

void config_print_help(FILE *out)
{
    char env[96];
    fprintf(out, "Settings (flag / environment / INI key = flag name; defaults < file < env < "
                 "flags):\n");
    for (size_t i = 0; i < NOPTS; i++) {
        const struct opt *o = &opts[i];
        env_name(o, env, sizeof env);
        fprintf(out, "  --%-26s %-36s default: %s\n", o->name, env,
                o->def[0] != '\0' ? o->def : "(empty)");
        if (o->help[0] != '\0')
            fprintf(out, "      %s\n", o->help);
    }
}

bool config_doc_row(size_t i, struct config_doc *out)
{
    if (i >= NOPTS)
        return false;
    const struct opt *o = &opts[i];
    out->name = o->name;
    out->def = o->def;
    out->help = o->help;
    env_name(o, out->env, sizeof out->env);
    out->range[0] = '\0';
    if (o->type == OPT_INT)
        snprintf(out->range, sizeof out->range, "%ld..%ld", o->min, o->max);
    else if (o->type == OPT_BOOL)
        snprintf(out->range, sizeof out->range, "true|false");
    return true;
}
