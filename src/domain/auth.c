/* domain/auth.c — login and register. Every failing login path that could reveal whether an
 * account exists pays exactly one password hash, so unknown, wrong, locked and disabled
 * accounts take the same time. */
#include "domain/auth.h"
#include "crypto/totp.h"
#include "domain/alerts.h"
#include "domain/audit.h"
#include "domain/codes.h"
#include "domain/company.h"
#include "domain/limits.h"
#include "domain/login_lock.h"
#include "domain/session.h"
#include "domain/twin.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/config.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

ta_err auth_check_mfa(struct dctx *ctx, const struct customer *c, const char *google_code)
{
    if (c->mfa_secret == NULL || c->mfa_id <= 0)
        return TA_OK;
    if (google_code == NULL || google_code[0] == '\0')
        return TA_E_MFA_REQUIRED;
    int64_t step;
    ta_err err = totp_match(c->mfa_secret, google_code, ctx->now_ms, 1, &step);
    if (err != TA_OK)
        return err;
    err = STORE(ctx->st, customer_mfa_advance, c->id, step);
    return err == TA_E_CONFLICT ? TA_E_MFA_WRONG : err;
}

/* The recipient a login name stands for, to match a LOGIN ticket. */
static bool login_recipient(const struct login_cmd *cmd, const struct customer *c,
                            char out[CONTACT_MAX])
{
    (void)cmd;
    return codes_customer_recipient(c, cmd->type == LOGIN_EMAIL ? CHANNEL_EMAIL : CHANNEL_SMS, out);
}

struct open_args {
    const struct customer *c;
    int device;
    struct session_tokens tk;
};

static ta_err open_body(struct dctx *ctx, void *arg)
{
    struct open_args *o = arg;
    return session_open(ctx, ctx->co, o->c, o->device, &o->tk);
}

static ta_err open_session(struct dctx *ctx, const struct customer *c, int device,
                           struct customer_view *v)
{
    struct open_args o = {c, device, {0}};
    struct session_tokens *tk = &o.tk;
    ta_err err = dctx_tx(ctx, open_body, &o);
    if (err != TA_OK)
        return err;
    err = customer_view_load(ctx, c, ctx->co, v);
    if (err != TA_OK)
        return err;
    v->login_ms = tk->created_ms;
    v->token = arena_strdup(ctx->a, tk->token);
    v->rtoken = arena_strdup(ctx->a, tk->rtoken);
    sodium_memzero(tk, sizeof *tk);
    return v->token && v->rtoken ? TA_OK : TA_E_TOO_LARGE;
}

static ta_err login_by_code(struct dctx *ctx, const struct login_cmd *cmd, struct customer *c)
{
    ta_err err = customer_find_login(ctx, (int)cmd->type, cmd->login_name, cmd->phone_area, c);
    char rcpt[CONTACT_MAX];
    const struct biz_type *b =
        codes_biz_for(PURPOSE_LOGIN, cmd->type == LOGIN_EMAIL ? CHANNEL_EMAIL : CHANNEL_SMS);
    if (err == TA_E_NOT_FOUND)
        return TA_E_CREDENTIALS;
    if (err != TA_OK)
        return err;
    if (!login_recipient(cmd, c, rcpt))
        return TA_E_CREDENTIALS;
    struct ticket t;
    err = codes_verify(ctx, b, rcpt, cmd->send_token, cmd->code, &t);
    if (err == TA_E_CODE_WRONG) {
        audit_record(ctx, c->id, "login_fail", err, (int)cmd->device, "code");
        ctx->detail = NULL;      /* attempts left would tell that the account exists */
        return TA_E_CREDENTIALS; /* one answer for wrong account, password or code */
    }
    if (err != TA_OK)
        return err;
    err = codes_consume(ctx, &t);
    if (err != TA_OK)
        return err;
    return TA_OK;
}

static ta_err login_by_password(struct dctx *ctx, const struct login_cmd *cmd, struct customer *c)
{
    struct passwd_params pw = dctx_pw_params(ctx);
    char key[LOGIN_LOCK_KEY_MAX];
    ta_err err = customer_find_login(ctx, (int)cmd->type, cmd->login_name, cmd->phone_area, c);
    if (err != TA_OK && err != TA_E_NOT_FOUND)
        return err;
    /* Counted by name whether or not an account holds it: known and unknown names lock
     * alike, so the lock tells nobody which exist. */
    bool known = err == TA_OK;
    int64_t id = known ? c->id : 0;
    login_lock_key(ctx, (int)cmd->type, cmd->login_name, key);
    err = login_lock_check(ctx, key, id);
    if (err != TA_OK) {
        passwd_burn(&pw, cmd->password);
        audit_record(ctx, id, "login_fail", err, (int)cmd->device, "locked");
        return err;
    }
    if (!known || c->pw_hash == NULL) {
        passwd_burn(&pw, cmd->password);
        err = TA_E_CREDENTIALS;
    } else {
        err = passwd_verify(c->pw_hash, cmd->password);
    }
    if (err == TA_OK && c->status != CUSTOMER_DISABLED)
        err = auth_check_mfa(ctx, c, cmd->google_code);
    if (err == TA_E_CREDENTIALS || err == TA_E_MFA_WRONG) {
        bool locked = login_lock_fail(ctx, key, id);
        audit_record(ctx, id, "login_fail", err, (int)cmd->device, known ? "password" : "unknown");
        if (locked)
            audit_record(ctx, id, "lockout", TA_E_LOCKED, (int)cmd->device, NULL);
        return err;
    }
    if (err != TA_OK)
        return err;
    login_lock_clear(ctx, c);
    if (passwd_needs_rehash(&pw, c->pw_hash)) {
        char fresh[PASSWD_HASH_MAX];
        if (passwd_hash(&pw, cmd->password, fresh) == TA_OK)
            (void)STORE(ctx->st, customer_set_password, c->id, fresh);
    }
    return TA_OK;
}

ta_err auth_login(struct dctx *ctx, const struct login_cmd *cmd, struct customer_view *v)
{
    struct customer c;
    ta_err err = limit_hitf(ctx, LIMIT_LOGIN_ADDR, "%s", ctx->client_addr ? ctx->client_addr : "");
    if (err != TA_OK)
        return err;
    if (ctx->co->type == COMPANY_DEMO)
        return TA_E_DEMO_COMPANY;

    bool by_code = cmd->code != NULL;
    err = by_code ? login_by_code(ctx, cmd, &c) : login_by_password(ctx, cmd, &c);
    if (err != TA_OK)
        return err;
    if (c.status == CUSTOMER_DISABLED)
        return TA_E_DISABLED;
    if (c.status == CUSTOMER_DELETING)
        return TA_E_DELETED;
    if (c.status == CUSTOMER_PENDING)
        return TA_E_PENDING_REVIEW;
    if (!by_code) {
        err = alerts_password_allowed(ctx, &c); /* "this wasn't me" until a reset (C24) */
        if (err != TA_OK)
            return err;
    }
    if (by_code) {
        err = auth_check_mfa(ctx, &c, cmd->google_code);
        if (err != TA_OK)
            return err;
    }
    err = open_session(ctx, &c, (int)cmd->device, v);
    if (err == TA_OK)
        audit_record(ctx, c.id, "login_ok", TA_OK, (int)cmd->device, by_code ? "code" : "password");
    if (err == TA_OK)
        alerts_sign_in(ctx, &c, (int)cmd->device);
    return err;
}

struct register_args {
    const struct register_cmd *cmd;
    struct customer c;             /* to create */
    char rcpt[CONTACT_MAX];        /* where the code went (and the email) */
    char area[8];                  /* the phone's canonical area */
    char pw_hash[PASSWD_HASH_MAX]; /* wiped after */
    struct ticket t;               /* the code's ticket */
    struct session_tokens tk;      /* out */
    const struct company *twin;    /* the company's demo twin, NULL: none */
    struct customer_view *v;       /* out */
};

static const char *nz(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : NULL;
}

/* The new customer from the command: login name, group, profile; NULL strings for "". */
static ta_err register_fill(struct dctx *ctx, const struct register_cmd *cmd,
                            struct register_args *r)
{
    const struct company *co = ctx->co;
    struct customer *c = &r->c;
    memset(c, 0, sizeof *c);
    const char *bad =
        contact_login_recipient((int)cmd->type, cmd->login_name, cmd->phone_area, r->rcpt, r->area);
    if (bad != NULL)
        return dctx_fail(ctx, TA_E_FIELD, "%s", bad);
    if (cmd->type == LOGIN_EMAIL) {
        c->email = r->rcpt; /* the lowercased address is also its recipient */
    } else {
        c->phone_area = r->area;
        c->phone = (char *)cmd->login_name;
    }
    c->group_id = cmd->group_id != 0 ? cmd->group_id : company_default_group(co);
    if (!company_has_group(co, c->group_id))
        return dctx_fail(ctx, TA_E_FIELD, "customerGroupId");
    c->country = (char *)cmd->country;
    c->lang = (char *)nz(cmd->lang);
    c->register_source = (int)cmd->register_source;
    c->register_device = (char *)nz(cmd->register_device);
    c->utm_source = (char *)nz(cmd->utm_source);
    c->utm_medium = (char *)nz(cmd->utm_medium);
    c->utm_campaign = (char *)nz(cmd->utm_campaign);
    c->utm_content = (char *)nz(cmd->utm_content);
    c->utm_term = (char *)nz(cmd->utm_term);
    c->third_server_code = (char *)nz(cmd->third_server_code);
    c->third_server_source = (char *)nz(cmd->third_server_source);
    c->open_account_type = (int)cmd->open_account_type;
    c->kyc_audit_status = co->kyc_on ? 0 : 2;
    c->status = co->manual_review ? CUSTOMER_PENDING : CUSTOMER_NORMAL;
    c->mfa_id = -1;
    return TA_OK;
}

/* Taken already? Answered before the code is looked at, so no attempt is spent. */
static ta_err register_taken(struct dctx *ctx, const struct customer *c)
{
    struct customer other;
    int64_t co = ctx->co->id;
    ta_err err =
        c->email ? STORE(ctx->st, customer_by_email, co, c->email, ctx->a, &other)
                 : STORE(ctx->st, customer_by_phone, co, c->phone_area, c->phone, ctx->a, &other);
    if (err == TA_OK)
        return TA_E_DUPLICATE;
    return err == TA_E_NOT_FOUND ? TA_OK : err;
}

/* The company's demo twin, where the customer's pair is made at once. */
static ta_err register_twin(struct dctx *ctx, const struct company **twin)
{
    *twin = NULL;
    if (ctx->co->twin_id == 0)
        return TA_OK;
    ta_err err = company_find(ctx->st, ctx->a, ctx->co->twin_id, ctx->now_ms, twin);
    if (err == TA_E_NO_COMPANY) {
        *twin = NULL; /* a dangling link: no twin, as on switch */
        return TA_OK;
    }
    return err;
}

/* The code spent, the customer and its accounts created, a session opened (unless the
 * company reviews registrations), its demo pair made, and the answer read back inside the
 * transaction: once it commits nothing can fail any more, so a client never gets an error for a
 * registration that happened. */
static ta_err register_body(struct dctx *ctx, void *arg)
{
    struct register_args *r = arg;
    struct customer fresh = r->c, saved;
    ta_err err = codes_consume(ctx, &r->t);
    if (err == TA_OK)
        err = customer_create(ctx, ctx->co, &fresh, r->cmd->pairs, r->cmd->n_pairs);
    struct customer pair;
    if (err == TA_OK && r->twin != NULL) /* relationCustomerId > 0 from the first answer */
        err = twin_pair_create(ctx, &fresh, r->twin, &pair);
    if (err == TA_OK && fresh.status == CUSTOMER_NORMAL)
        err = session_open(ctx, ctx->co, &fresh, (int)r->cmd->register_source, &r->tk);
    if (err == TA_OK)
        err = STORE(ctx->st, customer_get, fresh.id, ctx->a, &saved);
    if (err == TA_OK)
        err = customer_view_load(ctx, &saved, ctx->co, r->v);
    return err;
}

ta_err auth_register(struct dctx *ctx, const struct register_cmd *cmd, struct customer_view *v)
{
    if (ctx->co->type == COMPANY_DEMO)
        return TA_E_DEMO_COMPANY;
    struct register_args r;
    memset(&r, 0, sizeof r);
    r.cmd = cmd;
    r.v = v;
    ta_err err = register_fill(ctx, cmd, &r);
    if (err == TA_OK)
        err = customer_pairs_check(ctx, ctx->co, cmd->pairs, cmd->n_pairs);
    if (err == TA_OK)
        err = register_taken(ctx, &r.c);
    if (err != TA_OK)
        return err;
    const struct biz_type *b =
        codes_biz_for(PURPOSE_REGISTER, cmd->type == LOGIN_EMAIL ? CHANNEL_EMAIL : CHANNEL_SMS);
    err = codes_verify(ctx, b, r.rcpt, cmd->send_token, cmd->code, &r.t);
    if (err == TA_OK && cmd->password != NULL) {
        struct passwd_params pw = dctx_pw_params(ctx);
        err = passwd_hash(&pw, cmd->password, r.pw_hash);
        r.c.pw_hash = r.pw_hash;
    }
    if (err == TA_OK)
        err = register_twin(ctx, &r.twin);
    if (err == TA_OK)
        err = dctx_tx(ctx, register_body, &r);
    sodium_memzero(r.pw_hash, sizeof r.pw_hash);
    if (err == TA_E_CONFLICT)
        err = TA_E_DUPLICATE; /* the same address registered at the same moment */
    if (err != TA_OK) {
        sodium_memzero(&r.tk, sizeof r.tk);
        return err;
    }
    audit_record(ctx, v->c.id, "register", TA_OK, (int)cmd->register_source, NULL);
    alerts_device_known(ctx, &v->c); /* the sign-up device never raises a new-device alert */
    if (v->c.pw_hash != NULL)
        audit_record(ctx, v->c.id, "password_set", TA_OK, (int)cmd->register_source, NULL);
    if (v->c.status == CUSTOMER_PENDING)
        return TA_E_PENDING_REVIEW;
    v->login_ms = r.tk.created_ms;
    v->token = arena_strdup(ctx->a, r.tk.token);
    v->rtoken = arena_strdup(ctx->a, r.tk.rtoken);
    sodium_memzero(&r.tk, sizeof r.tk);
    return TA_OK;
}
