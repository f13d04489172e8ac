/* util/config.h — every setting of tradeauth, declared once in config.c's table.
 * The table drives the INI file, the environment, the flags and --help, so they
 * cannot drift apart. Precedence: defaults < file < environment < flags. */
#ifndef TA_UTIL_CONFIG_H
#define TA_UTIL_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

struct config {
    char *config_file;
    char *listen;
    char *db;
    char *delivery_log;
    char *log_level;
    char *trusted_proxies;
    char *cors_origins;
    int threads;        /* HTTP threads; 0 = one per core */
    int hash_threads;   /* argon2id workers; 0 = one per core */
    int hash_queue;     /* hard cap on waiting hashes; 0 = 4096 */
    int write_threads;  /* workers of writing routes; 0 = one per core, at least 2 */
    int write_queue;    /* waiting writes; 0 = 32 x write_threads */
    int db_busy_ms;     /* a request's whole wait for database locks */
    int read_timeout_s; /* a request must arrive whole within this (slowloris); 0 = off */
    char *instance_id;  /* stamped on claimed outbox rows; "" = host:listen */
    int argon2_ops;     /* argon2id t */
    int argon2_mem_kib; /* argon2id m, KiB */
    int body_max_bytes;
    int max_connections;
    int per_ip_connections;
    int idle_timeout_s;
    int connection_memory_kib; /* libmicrohttpd's per-connection pool */
    /* delivery */
    char *sms_transport; /* log | smtp | webhook */
    char *email_transport;
    char *company_transports; /* "ID:sms=webhook,ID:email=smtp": per-company overrides */
    char *smtp_url;           /* smtp://host:port or smtps://host:port */
    char *smtp_user;
    char *smtp_password;
    char *smtp_from;
    bool smtp_starttls;
    char *webhook_url;
    char *webhook_bearer;
    char *webhook_hmac_key;
    int delivery_retries;
    int delivery_backoff_ms;
    int delivery_poll_ms;
    char *totp_issuer;
    bool console; /* GET /console/: the try-it page (development, log transport only) */
    /* verification codes (contract B5, D) */
    int code_ttl_s;
    int code_attempts;
    int code_resend_s;
    int codes_per_recipient_hour;
    int codes_per_recipient_day;
    int codes_per_address_hour;
    int codes_per_company_day;
    /* login and abuse controls (contract D) */
    int login_fail_max;
    int login_fail_window_s;
    int login_lock_s;
    int login_per_address_min;
    int lookup_per_address_min;
    int customer_ops_per_min;
    /* sessions (contract B4); companies may override */
    int session_idle_s;
    int session_absolute_s;
    int refresh_s;
    int session_touch_s;
    int session_cache_entries; /* 0: no session cache */
    int hash_max_wait_ms;      /* admission to the hash queue by expected wait */
    /* the security center (contract C23, C24) */
    int security_hold_s;
    bool new_device_alert;
    char *company_security; /* "ID:hold=S,ID:alert=off": per-company overrides */
    int deletion_grace_s;
    int fund_fail_max;
    int fund_fail_window_s;
    int fund_lock_s;
    /* encrypted request bodies (contract C19) */
    int sealed_window_s;   /* |timestamp header - now| allowed, and how long a signature counts */
    int sealed_max_pieces; /* RSA pieces per body: bounds the CPU one request can cost */
};

/* Fills cfg with the defaults of the table. Free with config_cleanup. */
void config_init(struct config *cfg);
void config_cleanup(struct config *cfg);

/* Applies file (from --config or TRADEAUTH_CONFIG), environment, then argv flags
 * (argv[0] is not a flag). On error writes one line naming the key to err and
 * returns -1. Unknown keys and flags are errors. */
int config_load(struct config *cfg, int argc, char **argv, FILE *err);

/* Checks cross-setting rules (listen address parses, CIDRs parse, ...). */
int config_check(const struct config *cfg, FILE *err);

/* The transport kind for a company's channel ("sms"/"email"): the per-company override
 * of company_transports, else the channel's default. Never NULL. */
const char *config_transport_for(const struct config *cfg, long long company_id,
                                 const char *channel);

/* The settings table as help text: flag, environment variable, default, help. */
void config_print_help(FILE *out);

/* One row of the settings table for generated documents (the man page, the example INI). */
struct config_doc {
    const char *name, *def, *help;
    char env[64];   /* TRADEAUTH_NAME */
    char range[48]; /* "1..100", "true|false", "" for text */
};
/* Row i into *out; false past the last row. */
bool config_doc_row(size_t i, struct config_doc *out);

#endif
