/* domain/limits.c — every threshold of contract D is a counter row with a fixed window
 * that starts at the first hit; the wait we report is exactly when that window ends. */
#include "domain/limits.h"
#include "store/store.h"
#include "util/config.h"

#include <inttypes.h>
#include <stdio.h>

int64_t limit_wait_s(int64_t start_ms, int64_t window_ms, int64_t now_ms)
{
    int64_t left = start_ms + window_ms - now_ms;
    int64_t s = (left + 999) / 1000;
    return s < 1 ? 1 : s;
}

static ta_err over(struct dctx *ctx, const struct counter *c, int64_t window_ms, ta_err e,
                   bool with_wait)
{
    if (!with_wait)
        return e;
    return dctx_fail(ctx, e, "%" PRId64, limit_wait_s(c->window_start_ms, window_ms, ctx->now_ms));
}

ta_err limit_hit(struct dctx *ctx, const char *key, int64_t window_ms, int64_t max, ta_err e,
                 bool with_wait)
{
    struct counter c;
    ta_err err = STORE(ctx->st, counter_hit, key, ctx->now_ms, window_ms, 1, &c);
    if (err != TA_OK)
        return err;
    return c.count > max ? over(ctx, &c, window_ms, e, with_wait) : TA_OK;
}

static void key_of(char *buf, size_t size, const char *kind, int64_t id)
{
    snprintf(buf, size, "%s:%" PRId64, kind, id);
}

ta_err limit_login_locked(struct dctx *ctx, int64_t customer_id)
{
    char key[48];
    struct counter c;
    int64_t lock_ms = (int64_t)ctx->cfg->login_lock_s * 1000;

    key_of(key, sizeof key, "lock", customer_id);
    ta_err err = STORE(ctx->st, counter_peek, key, ctx->now_ms, lock_ms, &c);
    if (err != TA_OK)
        return err;
    if (c.count == 0)
        return TA_OK;
    int64_t s = limit_wait_s(c.window_start_ms, lock_ms, ctx->now_ms);
    return dctx_fail(ctx, TA_E_LOCKED, "%" PRId64, (s + 59) / 60);
}

bool limit_login_failed(struct dctx *ctx, int64_t customer_id)
{
    char key[48];
    struct counter c;

    key_of(key, sizeof key, "lfail", customer_id);
    if (STORE(ctx->st, counter_hit, key, ctx->now_ms, (int64_t)ctx->cfg->login_fail_window_s * 1000,
              1, &c) != TA_OK)
        return false;
    if (c.count < ctx->cfg->login_fail_max)
        return false;
    char lock[48];
    key_of(lock, sizeof lock, "lock", customer_id);
    struct counter l;
    (void)STORE(ctx->st, counter_hit, lock, ctx->now_ms, (int64_t)ctx->cfg->login_lock_s * 1000, 1,
                &l);
    (void)STORE(ctx->st, counter_clear, key);
    return true;
}

void limit_login_clear(struct dctx *ctx, int64_t customer_id)
{
    char key[48];
    key_of(key, sizeof key, "lfail", customer_id);
    (void)STORE(ctx->st, counter_clear, key);
    key_of(key, sizeof key, "lock", customer_id);
    (void)STORE(ctx->st, counter_clear, key);
}
