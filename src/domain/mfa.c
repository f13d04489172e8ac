/* domain/mfa.c — the pending secret is a one-time row keyed by customer and pending id, so
 * only the customer who generated it can bind it. Every code involved is checked before
 * anything is written; the LOGINED tickets are consumed in the same transaction. */
#include "domain/mfa.h"
#include "domain/audit.h"
#include "domain/auth.h"
#include "domain/codes.h"
#include "domain/security.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/config.h"

#include <ctype.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static void pending_hash(int64_t customer_id, int64_t id, unsigned char out[TOKEN_HASH_BYTES])
{
    char key[64];
    snprintf(key, sizeof key, "%" PRId64 ":%" PRId64, customer_id, id);
    token_hash("mfa-pending", key, out);
}

/* Percent-encodes for an otpauth:// label or parameter. */
static char *uri_part(struct arena *a, const char *s)
{
    size_t n = strlen(s);
    char *out = arena_alloc(a, n * 3 + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
            out[o++] = (char)ch;
        } else {
            static const char hx[] = "0123456789ABCDEF";
            out[o++] = '%';
            out[o++] = hx[ch >> 4];
            out[o++] = hx[ch & 15];
        }
    }
    out[o] = '\0';
    return out;
}

ta_err mfa_generate(struct dctx *ctx, const struct auth *au, struct mfa_pending *out)
{
    if (au->c.mfa_secret != NULL && au->c.mfa_id > 0)
        return TA_E_MFA_STATE;
    ta_err e = totp_secret_new(out->secret);
    if (e != TA_OK)
        return e;
    out->id = (int64_t)randombytes_uniform(2000000000u) + 1;
    struct onetime o;
    memset(&o, 0, sizeof o);
    o.kind = ONETIME_MFA_PENDING;
    pending_hash(au->c.id, out->id, o.hash);
    o.company_id = ctx->co->id;
    o.customer_id = au->c.id;
    o.ref_id = out->id;
    snprintf(o.data, sizeof o.data, "%s", out->secret);
    o.expires_ms = ctx->now_ms + MFA_PENDING_TTL_MS;
    int64_t row;
    e = STORE(ctx->st, onetime_insert, &o, &row);
    sodium_memzero(o.data, sizeof o.data);
    if (e != TA_OK)
        return e;
    char *issuer = uri_part(ctx->a, ctx->cfg->totp_issuer);
    char *label = uri_part(ctx->a, au->c.customer_no);
    out->uri = issuer && label ? arena_printf(ctx->a,
                                              "otpauth://totp/%s:%s?secret=%s&issuer=%s&digits=6"
                                              "&period=30",
                                              issuer, label, out->secret, issuer)
                               : NULL;
    return out->uri != NULL ? TA_OK : TA_E_TOO_LARGE;
}

struct change_args {
    const struct auth *au;
    const struct mfa_cmd *cmd;
    bool enable;
    const struct stepup_done *done;
    const struct onetime *pending; /* the secret being turned on */
    int64_t step;                  /* the TOTP step its code matched */
};

/* The step-up's codes consumed and MFA turned on (the pending secret spent) or off (the
 * security hold starts: C24). */
static ta_err change_body(struct dctx *ctx, void *arg)
{
    const struct change_args *a = arg;
    int64_t id = a->au->c.id;
    ta_err e = stepup_consume(ctx, a->done);
    if (e != TA_OK)
        return e;
    if (!a->enable) {
        e = STORE(ctx->st, customer_set_mfa, id, NULL, -1);
        return e == TA_OK ? security_hold(ctx, &a->au->c, HOLD_MFA_UNBIND) : e;
    }
    struct onetime used;
    e = STORE(ctx->st, onetime_consume, ONETIME_MFA_PENDING, a->pending->hash, ctx->now_ms, &used);
    if (e == TA_E_NOT_FOUND)
        e = dctx_fail(ctx, TA_E_FIELD, "googleId");
    if (e == TA_OK)
        e = STORE(ctx->st, customer_set_mfa, id, a->pending->data, a->cmd->google_id);
    if (e == TA_OK)
        e = STORE(ctx->st, customer_mfa_advance, id, a->step);
    return e;
}

ta_err mfa_change(struct dctx *ctx, const struct auth *au, const struct mfa_cmd *cmd)
{
    bool on = au->c.mfa_secret != NULL && au->c.mfa_id > 0;
    bool enable = cmd->type == 1;
    struct stepup_done done;
    struct onetime pending;
    int64_t step = 0;
    ta_err e;

    memset(&pending, 0, sizeof pending);
    if (enable == on)
        return TA_E_MFA_STATE;
    if (enable) {
        unsigned char h[TOKEN_HASH_BYTES];
        if (cmd->google_id <= 0)
            return dctx_fail(ctx, TA_E_FIELD, "googleId");
        pending_hash(au->c.id, cmd->google_id, h);
        e = STORE(ctx->st, onetime_peek, ONETIME_MFA_PENDING, h, ctx->now_ms, &pending);
        if (e == TA_E_NOT_FOUND)
            return dctx_fail(ctx, TA_E_FIELD, "googleId");
        if (e != TA_OK)
            return e;
    }
    /* Disabling: the step-up checks the bound TOTP. Enabling: MFA is off, so the step-up
     * checks the codes only and the new secret's TOTP is checked here. */
    e = stepup_check(ctx, &au->c, &cmd->su, &done);
    if (e != TA_OK)
        return e;
    if (enable) {
        if (cmd->su.google_code == NULL)
            return TA_E_MFA_REQUIRED;
        e = totp_match(pending.data, cmd->su.google_code, ctx->now_ms, 1, &step);
        if (e != TA_OK)
            return e;
    }

    struct change_args args = {au, cmd, enable, &done, &pending, step};
    e = dctx_tx(ctx, change_body, &args);
    sodium_memzero(pending.data, sizeof pending.data);
    if (e != TA_OK)
        return e;
    audit_record(ctx, au->c.id, enable ? "mfa_enabled" : "mfa_disabled", TA_OK, au->s.device, NULL);
    return TA_OK;
}
