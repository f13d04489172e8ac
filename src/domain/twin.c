/* domain/twin.c — the paired customer shares the customerNo and contacts of its twin and
 * gets the same (tradeType, currency) accounts, opened with the demo balances. It is made in
 * the registration's transaction; a customer without one still gets it on the first switch
 * (race-safe: the link is re-read under the customer's row lock inside the transaction). */
#include "domain/twin.h"
#include "domain/audit.h"
#include "domain/company.h"
#include "domain/limits.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/config.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static ta_err customer_ops_limit(struct dctx *ctx, int64_t customer_id)
{
    return limit_hitf(ctx, LIMIT_CUSTOMER_OPS, "%" PRId64, customer_id);
}

ta_err twin_pair_create(struct dctx *ctx, const struct customer *src, const struct company *twin,
                        struct customer *out)
{
    struct customer c = *src;
    c.id = 0;
    c.company_id = twin->id;
    c.relation_customer_id = src->id;
    if (!company_has_group(twin, c.group_id))
        c.group_id = company_default_group(twin);
    c.kyc_audit_status = twin->kyc_on ? src->kyc_audit_status : 2;
    c.mfa_secret = NULL;
    c.mfa_id = -1;
    c.mfa_last_step = 0;
    c.status = CUSTOMER_NORMAL;

    struct account *accs = NULL;
    size_t n = 0;
    ta_err e = STORE(ctx->st, account_list, src->id, ctx->a, &accs, &n);
    if (e != TA_OK)
        return e;
    struct trade_pair *pairs = arena_alloc(ctx->a, (n + 1) * sizeof *pairs);
    if (pairs == NULL)
        return TA_E_TOO_LARGE;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (company_asset_find(twin, accs[i].currency) == NULL)
            continue; /* the twin does not carry that asset */
        pairs[k].trade_type = accs[i].trade_type;
        snprintf(pairs[k].currency, sizeof pairs[k].currency, "%s", accs[i].currency);
        k++;
    }
    /* With no pair left, customer_create opens the twin's default accounts. */
    e = customer_create(ctx, twin, &c, pairs, k);
    if (e != TA_OK)
        return e;
    e = STORE(ctx->st, customer_set_relation, src->id, c.id);
    if (e != TA_OK)
        return e;
    *out = c;
    return TA_OK;
}

/* Inside the transaction: the paired customer of src in twin. A customer from before twins
 * were made at registration (or of a company that got its twin later) gets it here. */
static ta_err paired_customer(struct dctx *ctx, const struct customer *src,
                              const struct company *twin, struct customer *out)
{
    struct customer cur;
    ta_err e = STORE(ctx->st, customer_get, src->id, ctx->a, &cur);
    if (e != TA_OK)
        return e;
    if (cur.relation_customer_id != 0) {
        e = STORE(ctx->st, customer_get, cur.relation_customer_id, ctx->a, out);
        if (e == TA_OK && out->company_id == twin->id)
            return TA_OK;
        if (e != TA_OK && e != TA_E_NOT_FOUND)
            return e;
    }
    return twin_pair_create(ctx, &cur, twin, out);
}

struct switch_args {
    const struct auth *au;
    const struct company *twin;
    struct switch_result *out;
};

/* The session exchanged for one of the paired customer (created on first use). Retried on
 * TA_E_CONFLICT too: two first switches at once, and the loser finds the winner's twin. */
static ta_err switch_body(struct dctx *ctx, void *arg)
{
    const struct switch_args *a = arg;
    const struct auth *au = a->au;
    struct session cur;
    ta_err e = STORE(ctx->st, session_get, au->s.id, &cur);
    if (e == TA_OK && cur.ended_ms != 0)
        e = TA_E_TOKEN; /* the same token switched twice at once: the other won */
    if (e == TA_OK)     /* one creator of the twin per customer, across instances */
        e = STORE(ctx->st, customer_lock, au->c.id);
    if (e == TA_OK)
        e = paired_customer(ctx, &au->c, a->twin, &a->out->paired);
    if (e == TA_OK && a->out->paired.status == CUSTOMER_DISABLED)
        e = TA_E_DISABLED;
    if (e == TA_OK)
        e = STORE(ctx->st, session_end, au->s.id, ctx->now_ms, SESSION_EXCHANGED);
    if (e == TA_OK)
        e = session_open(ctx, a->twin, &a->out->paired, au->s.device, &a->out->tokens);
    return e;
}

ta_err twin_switch(struct dctx *ctx, const struct auth *au, struct switch_result *out)
{
    ta_err e = customer_ops_limit(ctx, au->c.id);
    if (e != TA_OK)
        return e;
    if (ctx->co->twin_id == 0)
        return TA_E_NO_TWIN;
    const struct company *twin = NULL;
    e = company_find(ctx->st, ctx->a, ctx->co->twin_id, ctx->now_ms, &twin);
    if (e == TA_E_NO_COMPANY)
        return TA_E_NO_TWIN;
    if (e != TA_OK)
        return e;

    struct switch_args args = {au, twin, out};
    e = dctx_tx_run(ctx, TX_RETRY | TX_RETRY_CONFLICT, switch_body, &args);
    if (e != TA_OK)
        return e;
    out->co = twin;
    out->from_customer_id = au->c.id;
    audit_record(ctx, au->c.id, "switch", TA_OK, au->s.device,
                 twin->type == COMPANY_DEMO ? "to demo" : "to real");
    return TA_OK;
}

/* Every account of the demo customer back to its opening balance, other amounts zero. */
static ta_err reset_body(struct dctx *ctx, void *arg)
{
    const struct auth *au = arg;
    struct account *accs = NULL;
    size_t n = 0;
    ta_err e = STORE(ctx->st, account_list, au->c.id, ctx->a, &accs, &n);
    for (size_t i = 0; e == TA_OK && i < n; i++) {
        const struct company_asset *as = company_asset_find(ctx->co, accs[i].currency);
        accs[i].balance = as != NULL ? as->demo_balance : 0;
        accs[i].frozen = accs[i].liabilities = accs[i].interest = accs[i].not_withdraw = 0;
        accs[i].first_deposit_ms = accs[i].first_withdraw_ms = 0;
        e = STORE(ctx->st, account_set_amounts, &accs[i]);
    }
    return e;
}

ta_err twin_reset(struct dctx *ctx, const struct auth *au, struct customer_view *v)
{
    if (ctx->co->type != COMPANY_DEMO)
        return TA_E_NOT_DEMO;
    ta_err e = dctx_tx(ctx, reset_body, (void *)au);
    if (e != TA_OK)
        return e;
    e = customer_view_load(ctx, &au->c, ctx->co, v);
    if (e != TA_OK)
        return e;
    v->login_ms = au->s.created_ms;
    v->token = au->token;
    return TA_OK;
}

ta_err handoff_issue(struct dctx *ctx, const struct auth *au, char out[TOKEN_TEXT_MAX])
{
    struct onetime o;
    memset(&o, 0, sizeof o);
    o.kind = ONETIME_EXCHANGE;
    token_hex64_new(out);
    token_hash("handoff", out, o.hash);
    o.company_id = ctx->co->id;
    o.customer_id = au->c.id;
    o.ref_id = au->s.id;
    o.device = au->s.device;
    o.expires_ms = ctx->now_ms + HANDOFF_TTL_MS;
    int64_t id;
    ta_err e = STORE(ctx->st, onetime_insert, &o, &id);
    if (e != TA_OK)
        sodium_memzero(out, TOKEN_TEXT_MAX);
    return e;
}

struct exchange_args {
    const unsigned char *hash; /* of the token presented */
    const char *token;
    struct customer c; /* out: the customer signed in */
    int device;
    bool one_time;
    struct session_tokens tk;
};

/* Who the token stands for: a one-time handoff token (spent here) or a live access token
 * (its session ended here, exchanged). */
static ta_err exchange_source(struct dctx *ctx, struct exchange_args *a)
{
    struct onetime o;
    ta_err e = STORE(ctx->st, onetime_consume, ONETIME_EXCHANGE, a->hash, ctx->now_ms, &o);
    a->one_time = e == TA_OK;
    if (e == TA_OK) {
        if (o.company_id != ctx->co->id)
            return TA_E_TOKEN;
        a->device = o.device;
        return STORE(ctx->st, customer_get, o.customer_id, ctx->a, &a->c);
    }
    if (e != TA_E_NOT_FOUND)
        return e;
    struct auth au;
    e = session_authenticate(ctx, a->token, &au);
    if (e != TA_OK)
        return e;
    a->c = au.c;
    a->device = au.s.device;
    struct session cur;
    e = STORE(ctx->st, session_get, au.s.id, &cur);
    if (e == TA_OK && cur.ended_ms != 0)
        e = TA_E_TOKEN;
    if (e == TA_OK)
        e = STORE(ctx->st, session_end, au.s.id, ctx->now_ms, SESSION_EXCHANGED);
    return e;
}

static ta_err exchange_body(struct dctx *ctx, void *arg)
{
    struct exchange_args *a = arg;
    ta_err e = exchange_source(ctx, a);
    if (e == TA_OK && a->c.status == CUSTOMER_DISABLED)
        e = TA_E_SESSION_ENDED;
    if (e == TA_OK)
        e = customer_ops_limit(ctx, a->c.id);
    if (e == TA_OK)
        e = session_open(ctx, ctx->co, &a->c, a->device, &a->tk);
    return e;
}

ta_err handoff_exchange(struct dctx *ctx, const char *token, char out[TOKEN_TEXT_MAX])
{
    if (token == NULL || token[0] == '\0' || strlen(token) > 128)
        return TA_E_TOKEN;
    unsigned char hash[TOKEN_HASH_BYTES];
    token_hash("handoff", token, hash);
    struct exchange_args args;
    memset(&args, 0, sizeof args);
    args.hash = hash;
    args.token = token;
    ta_err e = dctx_tx(ctx, exchange_body, &args);
    if (e != TA_OK) {
        sodium_memzero(&args.tk, sizeof args.tk);
        return e == TA_E_NOT_FOUND ? TA_E_TOKEN : e;
    }
    memcpy(out, args.tk.token, TOKEN_TEXT_MAX);
    sodium_memzero(&args.tk, sizeof args.tk);
    audit_record(ctx, args.c.id, "randomkey_exchange", TA_OK, args.device,
                 args.one_time ? "one-time" : "access");
    return TA_OK;
}
