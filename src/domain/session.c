/* domain/session.c — only hashes of tokens are stored. The one place a raw token is kept is
 * the grace box: the newest pair sealed with a key derived from the previous refresh token,
 * so only the holder of that old token can read it back during the 10-second window. */
#include "domain/session.h"
#include "domain/audit.h"
#include "domain/customer.h"
#include "domain/keys.h"
#include "domain/limits.h"
#include "domain/session_cache.h"
#include "domain/session_touch.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/config.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

int session_device_class(int device)
{
    switch (device) {
    case 1:
    case 4:
    case 5:
    case 6:
        return 1;
    case 2:
    case 7:
    case 8:
        return 2;
    default:
        return 3;
    }
}

int64_t session_idle_ms(const struct dctx *ctx, const struct company *co)
{
    return co->session_idle_ms > 0 ? co->session_idle_ms : (int64_t)ctx->cfg->session_idle_s * 1000;
}

int64_t session_absolute_ms(const struct dctx *ctx, const struct company *co)
{
    return co->session_absolute_ms > 0 ? co->session_absolute_ms
                                       : (int64_t)ctx->cfg->session_absolute_s * 1000;
}

static int64_t refresh_ms(const struct dctx *ctx, const struct company *co)
{
    return co->refresh_ms > 0 ? co->refresh_ms : (int64_t)ctx->cfg->refresh_s * 1000;
}

ta_err session_open(struct dctx *ctx, const struct company *co, const struct customer *c,
                    int device, struct session_tokens *out)
{
    struct session s;
    memset(&s, 0, sizeof s);
    s.customer_id = c->id;
    s.company_id = co->id;
    s.device = device;
    s.created_ms = ctx->now_ms;
    s.last_used_ms = ctx->now_ms;
    s.refresh_expires_ms = ctx->now_ms + refresh_ms(ctx, co);
    snprintf(s.client_addr, sizeof s.client_addr, "%s", ctx->client_addr ? ctx->client_addr : "");
    snprintf(s.user_agent, sizeof s.user_agent, "%s", ctx->user_agent ? ctx->user_agent : "");
    token_access_new(out->token);
    token_hex64_new(out->rtoken);
    token_hash("access", out->token, s.token_hash);
    token_hash("refresh", out->rtoken, s.refresh_hash);
    ta_err err = STORE(ctx->st, session_insert, &s, &out->id);
    if (err != TA_OK)
        return err;
    out->created_ms = s.created_ms;
    if (co->single_session)
        err = STORE(ctx->st, session_end_customer, c->id, out->id, session_device_class(device),
                    ctx->now_ms, SESSION_REPLACED, NULL);
    return err;
}

static bool ended_by_server(int reason)
{
    return reason == SESSION_REPLACED || reason == SESSION_PASSWORD || reason == SESSION_DISABLED ||
           reason == SESSION_THEFT;
}

ta_err session_authenticate(struct dctx *ctx, const char *token, struct auth *out)
{
    ta_err err = session_check(ctx, token, out);
    if (err == TA_OK && out->touch_due) {
        err = STORE(ctx->st, session_touch, out->s.id, ctx->now_ms);
        if (err == TA_OK) {
            out->s.last_used_ms = ctx->now_ms;
            out->touch_due = false;
        }
    }
    return err;
}

void session_touch_due(struct dctx *ctx, struct auth *au)
{
    if (!au->touch_due)
        return;
    /* Best effort: a missed touch only means the next request tries again. In the server the
     * background writer takes it (a full queue skips it): a token read never writes, so it
     * never waits for a lock another process holds. Without the writer (in-process tools and
     * tests) it is written here. */
    bool queued = session_touch_running();
    if (queued && session_touch_queue(au->s.id, ctx->now_ms)) {
        au->s.last_used_ms = ctx->now_ms;
        au->touch_due = false;
    } else if (!queued && STORE(ctx->st, session_touch, au->s.id, ctx->now_ms) == TA_OK) {
        au->s.last_used_ms = ctx->now_ms;
        au->touch_due = false;
    }
}

/* A hit of the session cache: no database work at all. */
static void from_cache(const struct session_cache_hit *hit, const char *token, struct auth *out)
{
    out->s = hit->s;
    out->c = hit->c;
    out->accounts = hit->accounts;
    out->n_accounts = hit->n_accounts;
    out->sum = hit->sum;
    out->have_accounts = true;
    out->touch_due = false; /* queued by the cache when it was due */
    out->token = token;
}

/* After a miss: the accounts too (findCustomerInfo's), the touch to the background writer,
 * and the whole answer into the cache unless a change came in while it was read. */
static ta_err remember(struct dctx *ctx, const unsigned char *hash, uint64_t epoch,
                       struct auth *out)
{
    ta_err err = STORE(ctx->st, account_list, out->c.id, ctx->a, &out->accounts, &out->n_accounts);
    if (err != TA_OK)
        return err;
    out->have_accounts = true;
    if (out->touch_due && session_touch_queue(out->s.id, ctx->now_ms)) {
        out->s.last_used_ms = ctx->now_ms;
        out->touch_due = false;
    }
    bool current = memcmp(hash, out->s.token_hash, TOKEN_HASH_BYTES) == 0;
    session_cache_put(epoch, hash, &out->s, current ? INT64_MAX : out->s.prev_token_until_ms,
                      &out->c, out->accounts, out->n_accounts, &out->sum);
    return TA_OK;
}

ta_err session_check_cached(struct dctx *ctx, const char *token, struct auth *out)
{
    unsigned char hash[TOKEN_HASH_BYTES];
    if (token == NULL || token[0] == '\0' || strlen(token) > 128)
        return TA_E_TOKEN;
    token_hash("access", token, hash);
    int64_t idle_ms = session_idle_ms(ctx, ctx->co), abs_ms = session_absolute_ms(ctx, ctx->co);
    int64_t touch_ms = (int64_t)ctx->cfg->session_touch_s * 1000;
    struct session_cache_hit hit;
    enum session_cache_answer ans =
        session_cache_get(hash, ctx->co->id, ctx->now_ms, idle_ms, abs_ms, touch_ms, ctx->a, &hit);
    if (ans == CACHE_OTHER_COMPANY)
        return TA_E_TOKEN;
    if (ans != CACHE_HIT)
        return TA_E_NOT_FOUND;
    from_cache(&hit, token, out);
    return TA_OK;
}

ta_err session_check(struct dctx *ctx, const char *token, struct auth *out)
{
    ta_err err = session_check_cached(ctx, token, out);
    return err == TA_E_NOT_FOUND ? session_check_db(ctx, token, out) : err;
}

ta_err session_check_db(struct dctx *ctx, const char *token, struct auth *out)
{
    unsigned char hash[TOKEN_HASH_BYTES];
    if (token == NULL || token[0] == '\0' || strlen(token) > 128)
        return TA_E_TOKEN;
    token_hash("access", token, hash);
    int64_t idle_ms = session_idle_ms(ctx, ctx->co), abs_ms = session_absolute_ms(ctx, ctx->co);
    int64_t touch_ms = (int64_t)ctx->cfg->session_touch_s * 1000;
    out->have_accounts = false;
    uint64_t epoch = session_cache_epoch(); /* before the reads: see session_cache_put */
    ta_err err = STORE(ctx->st, session_by_token, hash, ctx->now_ms, &out->s);
    if (err == TA_E_NOT_FOUND)
        return TA_E_TOKEN;
    if (err != TA_OK)
        return err;
    struct session *s = &out->s;
    if (s->company_id != ctx->co->id)
        return TA_E_TOKEN;
    if (s->ended_ms != 0)
        return ended_by_server(s->end_reason) ? TA_E_SESSION_ENDED : TA_E_TOKEN;
    if (ctx->now_ms >= s->last_used_ms + idle_ms || ctx->now_ms >= s->created_ms + abs_ms)
        return TA_E_TOKEN;
    err = STORE(ctx->st, customer_get, s->customer_id, ctx->a, &out->c);
    if (err == TA_E_NOT_FOUND)
        return TA_E_TOKEN;
    if (err != TA_OK)
        return err;
    if (out->c.status == CUSTOMER_DISABLED || out->c.status == CUSTOMER_DELETING)
        return TA_E_SESSION_ENDED;
    err = customer_security_summary(ctx, out->c.id, &out->sum);
    if (err != TA_OK)
        return err;
    /* At most one write per session per touch interval keeps token reads read-only. */
    out->touch_due = ctx->now_ms - s->last_used_ms >= touch_ms;
    out->token = token;
    return session_cache_active() ? remember(ctx, hash, epoch, out) : TA_OK;
}

void session_public_id(const struct session *s, char out[SESSION_PUBLIC_ID_MAX])
{
    unsigned char msg[12] = {'s', 'i', 'd', ':'};
    unsigned char h[16];
    for (int i = 0; i < 8; i++)
        msg[4 + i] = (unsigned char)((uint64_t)s->id >> (8 * i));
    crypto_generichash(h, sizeof h, msg, sizeof msg, keys_code_key(), 32);
    sodium_bin2hex(out, SESSION_PUBLIC_ID_MAX, h, sizeof h);
}

ta_err session_customer_view(struct dctx *ctx, const struct auth *au, struct customer_view *v)
{
    if (!au->have_accounts)
        return customer_view_load(ctx, &au->c, ctx->co, v);
    memset(v, 0, sizeof *v);
    v->c = au->c;
    v->co = ctx->co;
    v->accounts = au->accounts;
    v->n_accounts = au->n_accounts;
    v->sum = au->sum;
    v->now_ms = ctx->now_ms;
    return TA_OK;
}

/* Every session of the customer and of its twin customer. */
static ta_err logout_all_body(struct dctx *ctx, void *arg)
{
    const struct customer *c = arg;
    ta_err err =
        STORE(ctx->st, session_end_customer, c->id, 0, 0, ctx->now_ms, SESSION_LOGOUT, NULL);
    if (err == TA_OK && c->relation_customer_id != 0)
        err = STORE(ctx->st, session_end_customer, c->relation_customer_id, 0, 0, ctx->now_ms,
                    SESSION_LOGOUT, NULL);
    return err;
}

void session_logout(struct dctx *ctx, const char *token, bool all_devices)
{
    struct auth au;
    if (session_authenticate(ctx, token, &au) != TA_OK)
        return;
    if (!all_devices) {
        (void)STORE(ctx->st, session_end, au.s.id, ctx->now_ms, SESSION_LOGOUT);
        return;
    }
    (void)dctx_tx(ctx, logout_all_body, &au.c);
}

/* The pair is sealed as "token\nrtoken". */
static bool grace_pair(const struct session *s, const char *old_rtoken, char *token, char *rtoken)
{
    char plain[2 * TOKEN_TEXT_MAX];
    if (!token_open(old_rtoken, s->grace_box, s->grace_box_len, plain, sizeof plain))
        return false;
    char *nl = strchr(plain, '\n');
    bool ok =
        nl != NULL && (size_t)(nl - plain) < TOKEN_TEXT_MAX && strlen(nl + 1) < TOKEN_TEXT_MAX;
    if (ok) {
        *nl = '\0';
        memcpy(token, plain, strlen(plain) + 1);
        memcpy(rtoken, nl + 1, strlen(nl + 1) + 1);
    }
    sodium_memzero(plain, sizeof plain);
    return ok;
}

static ta_err rotate(struct dctx *ctx, struct session *s, const unsigned char *old_hash,
                     const char *old_rtoken, char *token, char *rtoken)
{
    struct session next = *s;
    char plain[2 * TOKEN_TEXT_MAX];

    token_access_new(token);
    token_hex64_new(rtoken);
    token_hash("access", token, next.token_hash);
    token_hash("refresh", rtoken, next.refresh_hash);
    next.prev_token_until_ms = ctx->now_ms + SESSION_PREV_TOKEN_MS;
    next.refresh_expires_ms = ctx->now_ms + refresh_ms(ctx, ctx->co);
    snprintf(plain, sizeof plain, "%s\n%s", token, rtoken);
    next.grace_box_len = token_seal(old_rtoken, plain, next.grace_box, sizeof next.grace_box);
    sodium_memzero(plain, sizeof plain);
    if (next.grace_box_len == 0)
        return TA_FAIL(TA_E_INTERNAL);
    ta_err err = STORE(ctx->st, session_rotate, s->id, old_hash, &next, ctx->now_ms);
    if (err == TA_OK)
        err = STORE(ctx->st, session_touch, s->id, ctx->now_ms);
    return err;
}

ta_err session_refresh(struct dctx *ctx, const char *rtoken, struct customer_view *v)
{
    unsigned char hash[TOKEN_HASH_BYTES];
    struct session s;
    char *token = arena_alloc(ctx->a, TOKEN_TEXT_MAX);
    char *new_rtoken = arena_alloc(ctx->a, TOKEN_TEXT_MAX);
    if (token == NULL || new_rtoken == NULL)
        return TA_E_TOO_LARGE;

    token_hash("refresh", rtoken, hash);
    ta_err err = STORE(ctx->st, session_by_refresh, hash, &s);
    if (err == TA_E_NOT_FOUND)
        return TA_E_REFRESH;
    if (err != TA_OK)
        return err;
    if (s.company_id != ctx->co->id || s.ended_ms != 0 || ctx->now_ms >= s.refresh_expires_ms ||
        ctx->now_ms >= s.created_ms + session_absolute_ms(ctx, ctx->co))
        return TA_E_REFRESH;

    err = limit_hitf(ctx, LIMIT_CUSTOMER_OPS, "%" PRId64, s.customer_id);
    if (err != TA_OK)
        return err;

    if (token_equal(hash, s.refresh_hash, TOKEN_HASH_BYTES)) {
        err = rotate(ctx, &s, hash, rtoken, token, new_rtoken);
        if (err == TA_E_CONFLICT) {
            /* Another request rotated it first: answer as its duplicate. */
            err = STORE(ctx->st, session_get, s.id, &s);
            if (err != TA_OK)
                return err;
            if (!grace_pair(&s, rtoken, token, new_rtoken))
                return TA_E_REFRESH;
        } else if (err != TA_OK) {
            return err;
        }
    } else if (ctx->now_ms - s.rotated_ms <= SESSION_REFRESH_GRACE_MS &&
               grace_pair(&s, rtoken, token, new_rtoken)) {
        /* Two tabs, or a lost response: the same new pair again. */
    } else {
        (void)STORE(ctx->st, session_end, s.id, ctx->now_ms, SESSION_THEFT);
        audit_record(ctx, s.customer_id, "refresh_theft", TA_E_REFRESH, s.device, NULL);
        return TA_E_REFRESH;
    }

    struct customer c;
    err = STORE(ctx->st, customer_get, s.customer_id, ctx->a, &c);
    if (err != TA_OK)
        return err == TA_E_NOT_FOUND ? TA_E_REFRESH : err;
    if (c.status == CUSTOMER_DISABLED)
        return TA_E_DISABLED;
    err = customer_view_load(ctx, &c, ctx->co, v);
    if (err != TA_OK)
        return err;
    v->login_ms = s.created_ms;
    v->token = token;
    v->rtoken = new_rtoken;
    return TA_OK;
}
