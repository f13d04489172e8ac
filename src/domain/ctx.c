/* domain/ctx.c — small helpers shared by every use case. */
#include "domain/ctx.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/config.h"

#include <stdarg.h>
#include <stdio.h>

ta_err dctx_fail(struct dctx *ctx, ta_err e, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ctx->detail = arena_strdup(ctx->a, buf);
    return e;
}

struct passwd_params dctx_pw_params(const struct dctx *ctx)
{
    struct passwd_params p = {(unsigned long long)ctx->cfg->argon2_ops,
                              (size_t)ctx->cfg->argon2_mem_kib * 1024u};
    return p;
}

static bool again(unsigned flags, ta_err e)
{
    return (e == TA_E_RETRY && (flags & TX_RETRY) != 0) ||
           (e == TA_E_CONFLICT && (flags & TX_RETRY_CONFLICT) != 0);
}

ta_err dctx_tx_run(struct dctx *ctx, unsigned flags, ta_err (*body)(struct dctx *ctx, void *arg),
                   void *arg)
{
    ta_err err = TA_OK;
    for (int attempt = 0; attempt < TX_ATTEMPTS; attempt++) {
        /* A retry only within the request's lock budget (store_busy_ms in all, issue 13). */
        if (attempt > 0 && store_deadline_passed())
            break;
        err = store_begin(ctx->st);
        if (err == TA_OK)
            err = body(ctx, arg);
        if (err == TA_OK)
            err = store_commit(ctx->st);
        if (err == TA_OK)
            return TA_OK;
        store_rollback(ctx->st);
        if (!again(flags, err))
            break;
    }
    return err;
}

bool dctx_tx_left_open(struct dctx *ctx)
{
    if (ctx->st == NULL || !store_in_tx(ctx->st))
        return false;
    store_rollback(ctx->st);
    return true;
}

void dctx_deadline_set(int64_t mono_ns)
{
    store_deadline_set(mono_ns);
}

void dctx_http_thread_begin(int64_t mono_ns)
{
    store_deadline_set(mono_ns);
    store_http_thread_set(true);
}

void dctx_http_thread_end(void)
{
    store_deadline_set(0);
    store_http_thread_set(false);
}

int64_t dctx_busy_ns(void)
{
    return (int64_t)store_busy_ms * 1000000;
}
