/* domain/limits.c — every threshold of contract D is a counter row with a fixed window
 * that starts at the first hit; the wait we report is exactly when that window ends. The
 * table below is every limit on one screen. */
#include "domain/limits.h"
#include "store/store.h"
#include "util/config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#define CFG(field) offsetof(struct config, field)
#define NONE ((size_t)-1)
#define MINUTE 60000
#define HOUR 3600000
#define DAY 86400000

struct limit_def {
    const char *prefix;
    int64_t window_ms;   /* fixed, or 0: window_field seconds */
    size_t window_field; /* int seconds in struct config, or NONE */
    size_t max_field;    /* int in struct config, or NONE: max */
    int64_t max;
    ta_err err; /* the answer past the maximum */
    bool wait;  /* msgParams: the seconds until the window ends */
};

/* clang-format off */
static const struct limit_def limits[LIMIT_COUNT] = {
    /*                       prefix   window  window field (s)          max field                    max error                wait */
    [LIMIT_LOGIN_ADDR] =     {"la",    MINUTE, NONE,                    CFG(login_per_address_min),    0, TA_E_RATE_LIMITED,   true},
    [LIMIT_LOOKUP_ADDR] =    {"lk",    MINUTE, NONE,                    CFG(lookup_per_address_min),   0, TA_E_RATE_LIMITED,   true},
    [LIMIT_CUSTOMER_OPS] =   {"cops",  MINUTE, NONE,                    CFG(customer_ops_per_min),     0, TA_E_RATE_LIMITED,   true},
    [LIMIT_CODE_RESEND] =    {"cd",    0,      CFG(code_resend_s),      NONE,                          1, TA_E_CODE_COOLDOWN,  true},
    [LIMIT_CODES_RCPT_HOUR] = {"rh",   HOUR,   NONE,                    CFG(codes_per_recipient_hour), 0, TA_E_SEND_LIMIT,     false},
    [LIMIT_CODES_RCPT_DAY] = {"rd",    DAY,    NONE,                    CFG(codes_per_recipient_day),  0, TA_E_SEND_LIMIT,     false},
    [LIMIT_CODES_ADDR_HOUR] = {"ah",   HOUR,   NONE,                    CFG(codes_per_address_hour),   0, TA_E_SEND_LIMIT,     false},
    [LIMIT_CODES_COMPANY_DAY] = {"cday", DAY,  NONE,                    CFG(codes_per_company_day),    0, TA_E_SEND_LIMIT,     false},
    [LIMIT_LOGIN_FAIL] =     {"lfail", 0,      CFG(login_fail_window_s), CFG(login_fail_max),          0, TA_E_LOCKED,         false},
    [LIMIT_LOGIN_LOCK] =     {"lock",  0,      CFG(login_lock_s),       NONE,                          0, TA_E_LOCKED,         true},
    [LIMIT_NAME_FAIL] =      {"lnf",   0,      CFG(login_fail_window_s), CFG(login_fail_max),          0, TA_E_LOCKED,         false},
    [LIMIT_NAME_LOCK] =      {"lnl",   0,      CFG(login_lock_s),       NONE,                          0, TA_E_LOCKED,         true},
};
/* clang-format on */

static int cfg_int(const struct config *cfg, size_t offset)
{
    return *(const int *)(const void *)((const char *)cfg + offset);
}

int64_t limit_window_ms(const struct config *cfg, enum limit_id id)
{
    const struct limit_def *d = &limits[id];
    if (d->window_field == NONE)
        return d->window_ms;
    return (int64_t)cfg_int(cfg, d->window_field) * 1000;
}

int64_t limit_max(const struct config *cfg, enum limit_id id)
{
    const struct limit_def *d = &limits[id];
    return d->max_field == NONE ? d->max : cfg_int(cfg, d->max_field);
}

static void vkey(char key[LIMIT_KEY_MAX], enum limit_id id, const char *fmt, va_list ap)
{
    int n = snprintf(key, LIMIT_KEY_MAX, "%s:", limits[id].prefix);
    vsnprintf(key + n, LIMIT_KEY_MAX - (size_t)n, fmt, ap);
}

void limit_key(char key[LIMIT_KEY_MAX], enum limit_id id, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vkey(key, id, fmt, ap);
    va_end(ap);
}

int64_t limit_wait_s(int64_t start_ms, int64_t window_ms, int64_t now_ms)
{
    int64_t left = start_ms + window_ms - now_ms;
    int64_t s = (left + 999) / 1000;
    return s < 1 ? 1 : s;
}

ta_err limit_hitf(struct dctx *ctx, enum limit_id id, const char *fmt, ...)
{
    const struct limit_def *d = &limits[id];
    int64_t window_ms = limit_window_ms(ctx->cfg, id);
    if (window_ms <= 0)
        return TA_OK;
    char key[LIMIT_KEY_MAX];
    va_list ap;
    va_start(ap, fmt);
    vkey(key, id, fmt, ap);
    va_end(ap);
    struct counter c;
    ta_err err = STORE(ctx->st, counter_hit, key, ctx->now_ms, window_ms, 1, &c);
    if (err != TA_OK || c.count <= limit_max(ctx->cfg, id))
        return err;
    if (!d->wait)
        return d->err;
    return dctx_fail(ctx, d->err, "%" PRId64,
                     limit_wait_s(c.window_start_ms, window_ms, ctx->now_ms));
}

ta_err limit_lock_check(struct dctx *ctx, enum limit_id lock, const char *key)
{
    int64_t lock_ms = limit_window_ms(ctx->cfg, lock);
    struct counter c;
    ta_err err = STORE(ctx->st, counter_peek, key, ctx->now_ms, lock_ms, &c);
    if (err != TA_OK)
        return err;
    if (c.count == 0)
        return TA_OK;
    int64_t s = limit_wait_s(c.window_start_ms, lock_ms, ctx->now_ms);
    return dctx_fail(ctx, limits[lock].err, "%" PRId64, (s + 59) / 60); /* minutes */
}

bool limit_fail_and_lock(struct dctx *ctx, enum limit_id fail, const char *key, enum limit_id lock,
                         const char *lock_key)
{
    struct counter c, l;
    if (STORE(ctx->st, counter_hit, key, ctx->now_ms, limit_window_ms(ctx->cfg, fail), 1, &c) !=
            TA_OK ||
        c.count < limit_max(ctx->cfg, fail))
        return false;
    (void)STORE(ctx->st, counter_hit, lock_key, ctx->now_ms, limit_window_ms(ctx->cfg, lock), 1,
                &l);
    (void)STORE(ctx->st, counter_clear, key);
    return true;
}

ta_err limit_login_locked(struct dctx *ctx, int64_t customer_id)
{
    char key[LIMIT_KEY_MAX];
    limit_key(key, LIMIT_LOGIN_LOCK, "%" PRId64, customer_id);
    return limit_lock_check(ctx, LIMIT_LOGIN_LOCK, key);
}

bool limit_login_failed(struct dctx *ctx, int64_t customer_id)
{
    char key[LIMIT_KEY_MAX], lock[LIMIT_KEY_MAX];
    limit_key(key, LIMIT_LOGIN_FAIL, "%" PRId64, customer_id);
    limit_key(lock, LIMIT_LOGIN_LOCK, "%" PRId64, customer_id);
    return limit_fail_and_lock(ctx, LIMIT_LOGIN_FAIL, key, LIMIT_LOGIN_LOCK, lock);
}

ta_err limit_login_clear(struct store *st, int64_t customer_id)
{
    char key[LIMIT_KEY_MAX];
    limit_key(key, LIMIT_LOGIN_FAIL, "%" PRId64, customer_id);
    ta_err e = STORE(st, counter_clear, key);
    limit_key(key, LIMIT_LOGIN_LOCK, "%" PRId64, customer_id);
    if (e == TA_OK)
        e = STORE(st, counter_clear, key);
    return e;
}
