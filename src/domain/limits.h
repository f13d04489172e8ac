/* domain/limits.h — rate limits and lockouts on database counters, so every instance
 * sharing a database enforces the same numbers (contract D). Every limit is one row of the
 * table in limits.c: its key prefix, window, maximum, error and whether the wait is told. */
#ifndef TA_DOMAIN_LIMITS_H
#define TA_DOMAIN_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/ctx.h"

enum limit_id {
    LIMIT_LOGIN_ADDR,        /* la:<address>   logins per address per minute */
    LIMIT_LOOKUP_ADDR,       /* lk:<address>   existence lookups per address per minute */
    LIMIT_CUSTOMER_OPS,      /* cops:<customer> switch/refresh/handoff per customer per minute */
    LIMIT_CODE_RESEND,       /* cd:<company>:<bizType>:<recipient>  one send per cooldown */
    LIMIT_CODES_RCPT_HOUR,   /* rh:<company>:<recipient> */
    LIMIT_CODES_RCPT_DAY,    /* rd:<company>:<recipient> */
    LIMIT_CODES_ADDR_HOUR,   /* ah:<address> */
    LIMIT_CODES_COMPANY_DAY, /* cday:<company> */
    LIMIT_LOGIN_FAIL,        /* lfail:<customer>  failed passwords in the failure window */
    LIMIT_LOGIN_LOCK,        /* lock:<customer>   the lockout itself */
    LIMIT_NAME_FAIL,         /* lnf:<company>:<type>:<name hash>  failures by login name */
    LIMIT_NAME_LOCK,         /* lnl:<company>:<type>:<name hash> */
    LIMIT_COUNT
};

#define LIMIT_KEY_MAX 256

/* The counter key of limit id: its prefix, ':' and the parts formatted by fmt. */
void limit_key(char key[LIMIT_KEY_MAX], enum limit_id id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The window of limit id in milliseconds (0: the limit is off) and its maximum. */
int64_t limit_window_ms(const struct config *cfg, enum limit_id id);
int64_t limit_max(const struct config *cfg, enum limit_id id);

/* Counts one hit on the key of limit id (parts as for limit_key); past the maximum,
 * answers the limit's error and, where the table says so, sets ctx->detail to the whole
 * seconds until the window ends. TA_OK at once when the limit is off. */
ta_err limit_hitf(struct dctx *ctx, enum limit_id id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Seconds (rounded up, at least 1) until a window that began at start_ms ends. */
int64_t limit_wait_s(int64_t start_ms, int64_t window_ms, int64_t now_ms);

/* A lock row (LIMIT_LOGIN_LOCK or LIMIT_NAME_LOCK) at key: TA_E_LOCKED with the minutes
 * left as detail while it holds, else TA_OK. */
ta_err limit_lock_check(struct dctx *ctx, enum limit_id lock, const char *key);
/* Counts a failure on key (limit fail); at the maximum sets the lock row lock_key (limit
 * lock) and forgets the failures. True when this failure locked. */
bool limit_fail_and_lock(struct dctx *ctx, enum limit_id fail, const char *key, enum limit_id lock,
                         const char *lock_key);

/* Login lockout of one customer (password path only). */
ta_err limit_login_locked(struct dctx *ctx, int64_t customer_id);
/* Records a failed login; locks the account when the failures reach the maximum.
 * Returns true when this failure locked it. */
bool limit_login_failed(struct dctx *ctx, int64_t customer_id);
/* Forgets the customer's failures and lock; the first error, else TA_OK. */
ta_err limit_login_clear(struct store *st, int64_t customer_id);

#endif
