/* domain/customer.c — customers and their trading accounts. customerNo comes from a
 * per-company sequence in the database, so several instances never hand out one twice. */
#include "domain/customer.h"
#include "domain/company.h"
#include "domain/contact.h"
#include "store/store.h"
#include "util/arena.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

ta_err customer_find_login(struct dctx *ctx, int type, const char *login_name,
                           const char *phone_area, struct customer *out)
{
    struct store *st = ctx->st;
    int64_t co = ctx->co->id;

    switch (type) {
    case LOGIN_EMAIL: {
        char email[CONTACT_MAX];
        if (!contact_email(login_name, email))
            return TA_E_NOT_FOUND;
        return STORE(st, customer_by_email, co, email, ctx->a, out);
    }
    case LOGIN_PHONE: {
        char area[8];
        const char *ap = NULL;
        if (phone_area != NULL) {
            if (!contact_area(phone_area, area))
                return dctx_fail(ctx, TA_E_FIELD, "phoneArea");
            ap = area;
        }
        ta_err err = STORE(st, customer_by_phone, co, ap, login_name, ctx->a, out);
        if (err == TA_E_CONFLICT)
            return dctx_fail(ctx, TA_E_FIELD, "phoneArea");
        return err;
    }
    case LOGIN_CUSTOMER_NO:
        return STORE(st, customer_by_no, co, login_name, ctx->a, out);
    default:
        return dctx_fail(ctx, TA_E_FIELD, "type");
    }
}

ta_err customer_security_summary(struct dctx *ctx, int64_t customer_id,
                                 struct security_summary *out)
{
    struct customer_security s;
    memset(out, 0, sizeof *out);
    ta_err err = STORE(ctx->st, security_get, customer_id, ctx->a, &s);
    if (err == TA_E_NOT_FOUND)
        return TA_OK; /* the customer never used the security center */
    if (err != TA_OK)
        return err;
    out->hold_until_ms = s.hold_until_ms;
    memcpy(out->hold_reason, s.hold_reason, sizeof out->hold_reason);
    out->fund_set = s.fund_pw_hash != NULL;
    return TA_OK;
}

ta_err customer_view_load(struct dctx *ctx, const struct customer *c, const struct company *co,
                          struct customer_view *v)
{
    memset(v, 0, sizeof *v);
    v->c = *c;
    v->co = co;
    v->now_ms = ctx->now_ms;
    ta_err err = customer_security_summary(ctx, c->id, &v->sum);
    if (err != TA_OK)
        return err;
    return STORE(ctx->st, account_list, c->id, ctx->a, &v->accounts, &v->n_accounts);
}

ta_err customer_pairs_check(struct dctx *ctx, const struct company *co,
                            const struct trade_pair *pairs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct company_offer *o =
            company_offer_find(co, pairs[i].trade_type, pairs[i].currency);
        if (o == NULL || company_asset_find(co, pairs[i].currency) == NULL)
            return dctx_fail(ctx, TA_E_NOT_OFFERED, "%d:%s", pairs[i].trade_type,
                             pairs[i].currency);
    }
    return TA_OK;
}

static ta_err open_one(struct dctx *ctx, const struct company *co, const struct customer *c,
                       int trade_type, const char *currency)
{
    /* Skip what exists instead of relying on a failed insert: on PostgreSQL a failed
     * statement would abort the whole transaction. */
    struct account *have = NULL;
    size_t n_have = 0;
    ta_err err = STORE(ctx->st, account_list, c->id, ctx->a, &have, &n_have);
    if (err != TA_OK)
        return err;
    for (size_t i = 0; i < n_have; i++)
        if (have[i].trade_type == trade_type && strcmp(have[i].currency, currency) == 0)
            return TA_OK;
    const struct company_asset *as = company_asset_find(co, currency);
    if (as == NULL)
        return dctx_fail(ctx, TA_E_NOT_OFFERED, "%d:%s", trade_type, currency);
    struct account acc;
    memset(&acc, 0, sizeof acc);
    acc.customer_id = c->id;
    acc.company_id = co->id;
    acc.trade_type = trade_type;
    snprintf(acc.currency, sizeof acc.currency, "%s", currency);
    acc.assets_id = as->assets_id;
    acc.digits = as->digits;
    acc.balance = co->type == COMPANY_DEMO ? as->demo_balance : 0;
    acc.created_ms = ctx->now_ms;
    acc.activated_ms = ctx->now_ms;
    int64_t id;
    err = STORE(ctx->st, account_insert, &acc, &id);
    return err == TA_E_CONFLICT ? TA_OK : err; /* opened by a concurrent request */
}

ta_err customer_open_accounts(struct dctx *ctx, const struct company *co, const struct customer *c,
                              const struct trade_pair *pairs, size_t n)
{
    ta_err err = TA_OK;
    if (n == 0) {
        for (size_t i = 0; i < co->n_offers && err == TA_OK; i++)
            if (co->offers[i].is_default)
                err = open_one(ctx, co, c, co->offers[i].trade_type, co->offers[i].currency);
        return err;
    }
    for (size_t i = 0; i < n && err == TA_OK; i++)
        err = open_one(ctx, co, c, pairs[i].trade_type, pairs[i].currency);
    return err;
}

ta_err customer_create(struct dctx *ctx, const struct company *co, struct customer *c,
                       const struct trade_pair *pairs, size_t n)
{
    ta_err err;
    c->company_id = co->id;
    if (c->customer_no == NULL) {
        int64_t seq;
        err = STORE(ctx->st, company_next_no, co->id, &seq);
        if (err != TA_OK)
            return err;
        c->customer_no = arena_printf(ctx->a, "%s%06" PRId64, co->no_prefix, seq);
        if (c->customer_no == NULL)
            return TA_E_TOO_LARGE;
    }
    c->created_ms = ctx->now_ms;
    err = STORE(ctx->st, customer_insert, c, &c->id);
    if (err != TA_OK)
        return err;
    return customer_open_accounts(ctx, co, c, pairs, n);
}
