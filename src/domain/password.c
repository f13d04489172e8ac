/* domain/password.c — a password change ends the customer's other sessions (they answer
 * GATEWAY_CODE_005); a reset ends all of them and clears the lockout. A proof is bound
 * to its bizType and recipient, so it cannot be replayed for another purpose. */
#include "domain/password.h"
#include "domain/audit.h"
#include "domain/auth.h"
#include "domain/limits.h"
#include "domain/login_lock.h"
#include "domain/security.h"
#include "store/store.h"
#include "util/arena.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* What a proof is bound to: a digest of bizType and recipient (fits the row, shows neither). */
static void proof_binding(const struct biz_type *b, const char *rcpt, char out[65])
{
    char both[256];
    unsigned char h[TOKEN_HASH_BYTES];
    snprintf(both, sizeof both, "%s|%.200s", b->name, rcpt);
    token_hash("proof-binding", both, h);
    sodium_bin2hex(out, 65, h, sizeof h);
}

ta_err password_code_check(struct dctx *ctx, const struct biz_type *b, const char *to_user,
                           const struct auth *au, const char *send_token, const char *code,
                           char proof[TOKEN_TEXT_MAX])
{
    char rcpt[CONTACT_MAX], area[8], phone[24];
    if (!codes_recipient(b, to_user, au != NULL ? &au->c : NULL, rcpt, area, phone))
        return TA_E_BIZTYPE;
    struct ticket t;
    ta_err e = codes_verify(ctx, b, rcpt, send_token, code, &t);
    if (e != TA_OK)
        return e;
    struct onetime o;
    memset(&o, 0, sizeof o);
    o.kind = ONETIME_PROOF;
    token_hex64_new(proof);
    token_hash("proof", proof, o.hash);
    o.company_id = ctx->co->id;
    o.ref_id = t.id;
    proof_binding(b, rcpt, o.data);
    o.expires_ms = ctx->now_ms + PROOF_TTL_MS;
    int64_t id;
    e = STORE(ctx->st, onetime_insert, &o, &id);
    if (e != TA_OK)
        sodium_memzero(proof, TOKEN_TEXT_MAX);
    return e;
}

static ta_err set_password(struct dctx *ctx, int64_t customer_id, const char *hash,
                           int64_t keep_session, int reason)
{
    ta_err e = STORE(ctx->st, customer_set_password, customer_id, hash);
    if (e == TA_OK && reason != SESSION_LIVE)
        e = STORE(ctx->st, session_end_customer, customer_id, keep_session, 0, ctx->now_ms, reason,
                  NULL);
    return e;
}

/* A new password hash for a customer, ending sessions as reason says (keep_session: the one
 * that stays). */
struct setpw_args {
    int64_t customer_id;
    const char *hash;
    int64_t keep_session;
    int reason;
};

static ta_err setpw_body(struct dctx *ctx, void *arg)
{
    const struct setpw_args *a = arg;
    return set_password(ctx, a->customer_id, a->hash, a->keep_session, a->reason);
}

/* Two binds at once (two tabs, two instances): the row lock makes the second see the
 * first one's password and answer 0000109. */
static ta_err bind_body(struct dctx *ctx, void *arg)
{
    const struct setpw_args *a = arg;
    struct customer now;
    ta_err e = STORE(ctx->st, customer_lock, a->customer_id);
    if (e == TA_OK)
        e = STORE(ctx->st, customer_get, a->customer_id, ctx->a, &now);
    if (e == TA_OK && now.pw_hash != NULL)
        e = TA_E_PASSWORD_SET;
    if (e == TA_OK)
        e = setpw_body(ctx, arg);
    return e;
}

static ta_err hash_new(struct dctx *ctx, const char *pwd, char out[PASSWD_HASH_MAX])
{
    struct passwd_params pw = dctx_pw_params(ctx);
    return passwd_hash(&pw, pwd, out);
}

ta_err password_bind(struct dctx *ctx, const struct auth *au, const char *pwd,
                     const char *google_code)
{
    if (au->c.pw_hash != NULL)
        return TA_E_PASSWORD_SET;
    ta_err e = auth_check_mfa(ctx, &au->c, google_code);
    if (e != TA_OK)
        return e;
    char hash[PASSWD_HASH_MAX];
    e = hash_new(ctx, pwd, hash);
    if (e != TA_OK)
        return e;
    struct setpw_args args = {au->c.id, hash, 0, SESSION_LIVE};
    e = dctx_tx(ctx, bind_body, &args);
    if (e != TA_OK)
        return e;
    audit_record(ctx, au->c.id, "password_set", TA_OK, au->s.device, NULL);
    return TA_OK;
}

ta_err password_update(struct dctx *ctx, const struct auth *au, const char *old_pwd,
                       const char *new_pwd, const char *google_code)
{
    struct passwd_params pw = dctx_pw_params(ctx);
    ta_err e = limit_login_locked(ctx, au->c.id);
    if (e != TA_OK) {
        passwd_burn(&pw, old_pwd);
        return e;
    }
    e = au->c.pw_hash != NULL ? passwd_verify(au->c.pw_hash, old_pwd) : TA_E_CREDENTIALS;
    if (au->c.pw_hash == NULL)
        passwd_burn(&pw, old_pwd);
    if (e != TA_OK) {
        if (limit_login_failed(ctx, au->c.id))
            audit_record(ctx, au->c.id, "lockout", TA_E_LOCKED, au->s.device, NULL);
        audit_record(ctx, au->c.id, "password_change", TA_E_OLD_PASSWORD, au->s.device, NULL);
        return TA_E_OLD_PASSWORD;
    }
    e = auth_check_mfa(ctx, &au->c, google_code);
    if (e != TA_OK)
        return e;
    char hash[PASSWD_HASH_MAX];
    e = hash_new(ctx, new_pwd, hash);
    if (e != TA_OK)
        return e;
    struct setpw_args args = {au->c.id, hash, au->s.id, SESSION_PASSWORD};
    e = dctx_tx(ctx, setpw_body, &args);
    if (e != TA_OK)
        return e;
    audit_record(ctx, au->c.id, "password_change", TA_OK, au->s.device, NULL);
    return TA_OK;
}

struct reset_args {
    const struct forget_cmd *cmd;
    const struct customer *c;
    const char *hash;
    struct ticket t; /* the code's ticket, when have_ticket */
    bool have_ticket;
    char want[65]; /* the proof's binding */
};

/* The proof (when sent) spent, the code's ticket consumed, the password set, every session
 * ended and the lockout cleared, at once. */
static ta_err reset_body(struct dctx *ctx, void *arg)
{
    const struct reset_args *a = arg;
    struct ticket t = a->t;
    bool have_ticket = a->have_ticket;
    ta_err e = TA_OK;
    if (a->cmd->proof != NULL) {
        unsigned char ph[TOKEN_HASH_BYTES];
        struct onetime o;
        token_hash("proof", a->cmd->proof, ph);
        e = STORE(ctx->st, onetime_consume, ONETIME_PROOF, ph, ctx->now_ms, &o);
        if (e == TA_E_NOT_FOUND ||
            (e == TA_OK && (o.company_id != ctx->co->id || strcmp(o.data, a->want) != 0)))
            e = TA_E_CODE_SPENT;
        if (e == TA_OK && !have_ticket) {
            /* The proof alone: its ticket is what gets consumed. */
            t.id = o.ref_id;
            have_ticket = true;
        }
    }
    if (e == TA_OK && have_ticket)
        e = codes_consume(ctx, &t);
    if (e == TA_OK)
        e = set_password(ctx, a->c->id, a->hash, 0, SESSION_PASSWORD);
    if (e == TA_OK)
        login_lock_clear(ctx, a->c);
    if (e == TA_OK)
        e = security_password_reset(ctx, a->c); /* hold; "this wasn't me" lock lifted */
    return e;
}

ta_err password_forget(struct dctx *ctx, const struct forget_cmd *cmd)
{
    enum code_channel ch = cmd->type == LOGIN_EMAIL ? CHANNEL_EMAIL : CHANNEL_SMS;
    const struct biz_type *b = codes_biz_for(PURPOSE_PASSWORD, ch);
    char rcpt[CONTACT_MAX];
    struct customer c;
    ta_err e = customer_find_login(ctx, (int)cmd->type, cmd->login_name, cmd->phone_area, &c);
    if (e == TA_E_FIELD)
        return e;
    bool known = e == TA_OK;
    if (e != TA_OK && e != TA_E_NOT_FOUND)
        return e;
    if (known) {
        if (!codes_customer_recipient(&c, ch, rcpt))
            return TA_E_CODE_SPENT;
    } else {
        char area[8];
        const char *bad =
            contact_login_recipient((int)cmd->type, cmd->login_name, cmd->phone_area, rcpt, area);
        if (bad != NULL)
            return dctx_fail(ctx, TA_E_FIELD, "%s", bad);
    }

    struct ticket t;
    memset(&t, 0, sizeof t);
    bool have_ticket = false;
    if (cmd->code != NULL) {
        e = codes_verify(ctx, b, rcpt, cmd->send_token, cmd->code, &t);
        if (e != TA_OK)
            return e;
        have_ticket = true;
    }
    if (!known)
        return TA_E_CODE_SPENT; /* cannot happen with a real code: nothing was delivered */
    e = auth_check_mfa(ctx, &c, cmd->google_code);
    if (e != TA_OK)
        return e;
    char hash[PASSWD_HASH_MAX];
    e = hash_new(ctx, cmd->new_password, hash);
    if (e != TA_OK)
        return e;

    struct reset_args args = {cmd, &c, hash, t, have_ticket, ""};
    proof_binding(b, rcpt, args.want);
    e = dctx_tx(ctx, reset_body, &args);
    if (e != TA_OK)
        return e;
    audit_record(ctx, c.id, "password_reset", TA_OK, 0, NULL);
    return TA_OK;
}
