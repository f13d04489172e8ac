/* domain/account.c — lookups that answer "does this exist" are what attackers enumerate
 * with, so every answer that tells it shares one per-address limit (contract D): the guest
 * lookups here and REGISTER code sends (domain/codes.c). */
#include "domain/account.h"
#include "domain/limits.h"
#include "store/store.h"
#include "util/config.h"

#include <stdio.h>

ta_err account_lookup_limit(struct dctx *ctx)
{
    return limit_hitf(ctx, LIMIT_LOOKUP_ADDR, "%s", ctx->client_addr ? ctx->client_addr : "");
}

ta_err account_check_status(struct dctx *ctx, int type, const char *login_name,
                            const char *phone_area, struct exist_result *out)
{
    ta_err e = account_lookup_limit(ctx);
    if (e != TA_OK)
        return e;
    struct customer c;
    e = customer_find_login(ctx, type, login_name, phone_area, &c);
    if (e == TA_E_NOT_FOUND) {
        *out = (struct exist_result){2, NULL, NULL};
        return TA_OK;
    }
    if (e != TA_OK)
        return e;
    *out = (struct exist_result){c.status == CUSTOMER_DISABLED ? -1 : 1, c.phone_area, c.country};
    return TA_OK;
}

ta_err account_held_by_other(struct dctx *ctx, const struct auth *au, int type,
                             const char *login_name, const char *phone_area, int *out)
{
    /* Signed in or not, "is this address taken" is an enumeration oracle: same limit. */
    ta_err e = account_lookup_limit(ctx);
    if (e != TA_OK)
        return e;
    struct customer c;
    e = customer_find_login(ctx, type, login_name, phone_area, &c);
    if (e == TA_E_NOT_FOUND) {
        *out = 0;
        return TA_OK;
    }
    if (e != TA_OK)
        return e;
    *out = c.id != au->c.id ? 1 : 0;
    return TA_OK;
}

ta_err account_mfa_status(struct dctx *ctx, int type, const char *login_name,
                          const char *phone_area, int *out)
{
    ta_err e = account_lookup_limit(ctx);
    if (e != TA_OK)
        return e;
    struct customer c;
    e = customer_find_login(ctx, type, login_name, phone_area, &c);
    if (e == TA_E_NOT_FOUND || e == TA_E_FIELD) {
        *out = 0;
        return TA_OK;
    }
    if (e != TA_OK)
        return e;
    *out = c.mfa_secret != NULL && c.mfa_id > 0 ? 1 : 0;
    return TA_OK;
}

struct open_accounts_args {
    const struct auth *au;
    const struct trade_pair *pairs;
    size_t n;
};

static ta_err open_accounts_body(struct dctx *ctx, void *arg)
{
    struct open_accounts_args *o = arg;
    return customer_open_accounts(ctx, ctx->co, &o->au->c, o->pairs, o->n);
}

ta_err account_open(struct dctx *ctx, const struct auth *au, const struct trade_pair *pairs,
                    size_t n, struct customer_view *v)
{
    ta_err e = customer_pairs_check(ctx, ctx->co, pairs, n);
    if (e != TA_OK)
        return e;
    struct open_accounts_args args = {au, pairs, n};
    e = dctx_tx(ctx, open_accounts_body, &args);
    if (e != TA_OK)
        return e;
    return customer_view_load(ctx, &au->c, ctx->co, v);
}

ta_err account_set_lang(struct dctx *ctx, const struct auth *au, const char *lang)
{
    return STORE(ctx->st, customer_set_lang, au->c.id, lang);
}
