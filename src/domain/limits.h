/* domain/limits.h — rate limits and lockouts on database counters, so every instance
 * sharing a database enforces the same numbers (contract D). */
#ifndef TA_DOMAIN_LIMITS_H
#define TA_DOMAIN_LIMITS_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/ctx.h"

/* Counts one hit on key; when the count goes past max, answers e and (with_wait) sets
 * ctx->detail to the whole seconds until the window ends. */
ta_err limit_hit(struct dctx *ctx, const char *key, int64_t window_ms, int64_t max, ta_err e,
                 bool with_wait);
/* Seconds (rounded up, at least 1) until a window that began at start_ms ends. */
int64_t limit_wait_s(int64_t start_ms, int64_t window_ms, int64_t now_ms);

/* Login lockout of one customer (password path only). */
ta_err limit_login_locked(struct dctx *ctx, int64_t customer_id);
/* Records a failed login; locks the account when the failures reach the maximum.
 * Returns true when this failure locked it. */
bool limit_login_failed(struct dctx *ctx, int64_t customer_id);
void limit_login_clear(struct dctx *ctx, int64_t customer_id);

#endif
