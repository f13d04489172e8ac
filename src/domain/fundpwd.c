/* domain/fundpwd.c — wrong fund passwords are counted in their own window (fund-fail-max in
 * fund-fail-window-s); the failure that reaches the maximum sets a lock (fund-lock-s) and
 * answers it at once. A locked or unset check still pays one hash, like login. */
#include "domain/fundpwd.h"
#include "domain/audit.h"
#include "domain/contact.h"
#include "domain/limits.h"
#include "domain/security.h"
#include "store/store.h"
#include "util/config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void key_of(char *buf, size_t size, const char *kind, int64_t id)
{
    snprintf(buf, size, "%s:%" PRId64, kind, id);
}

static ta_err locked(struct dctx *ctx, int64_t customer_id)
{
    char key[48];
    struct counter c;
    int64_t lock_ms = (int64_t)ctx->cfg->fund_lock_s * 1000;
    key_of(key, sizeof key, "flock", customer_id);
    ta_err e = STORE(ctx->st, counter_peek, key, ctx->now_ms, lock_ms, &c);
    if (e != TA_OK || c.count == 0)
        return e;
    int64_t s = limit_wait_s(c.window_start_ms, lock_ms, ctx->now_ms);
    return dctx_fail(ctx, TA_E_FUND_LOCKED, "%" PRId64, (s + 59) / 60);
}

/* Counts a wrong fund password: TA_E_FUND_WRONG with the attempts left, or the lock. */
static ta_err failed(struct dctx *ctx, const struct auth *au)
{
    char key[48];
    struct counter c;
    key_of(key, sizeof key, "ffail", au->c.id);
    ta_err e = STORE(ctx->st, counter_hit, key, ctx->now_ms,
                     (int64_t)ctx->cfg->fund_fail_window_s * 1000, 1, &c);
    if (e != TA_OK)
        return e;
    audit_record(ctx, au->c.id, "fund_password_fail", TA_E_FUND_WRONG, au->s.device, NULL);
    if (c.count < ctx->cfg->fund_fail_max)
        return dctx_fail(ctx, TA_E_FUND_WRONG, "%" PRId64, ctx->cfg->fund_fail_max - c.count);
    char lock[48];
    struct counter l;
    key_of(lock, sizeof lock, "flock", au->c.id);
    e = STORE(ctx->st, counter_hit, lock, ctx->now_ms, (int64_t)ctx->cfg->fund_lock_s * 1000, 1,
              &l);
    (void)STORE(ctx->st, counter_clear, key);
    audit_record(ctx, au->c.id, "fund_password_lock", TA_E_FUND_LOCKED, au->s.device, NULL);
    return e != TA_OK ? e : locked(ctx, au->c.id);
}

static void clear_lock(struct dctx *ctx, int64_t customer_id)
{
    char key[48];
    key_of(key, sizeof key, "ffail", customer_id);
    (void)STORE(ctx->st, counter_clear, key);
    key_of(key, sizeof key, "flock", customer_id);
    (void)STORE(ctx->st, counter_clear, key);
}

/* The lock, then the hash: TA_OK when pwd is the customer's fund password. */
static ta_err check(struct dctx *ctx, const struct auth *au, const struct customer_security *s,
                    const char *pwd)
{
    struct passwd_params pw = dctx_pw_params(ctx);
    ta_err e = locked(ctx, au->c.id);
    if (e == TA_OK && s->fund_pw_hash == NULL)
        e = TA_E_FUND_STATE;
    if (e != TA_OK) {
        passwd_burn(&pw, pwd);
        return e;
    }
    e = passwd_verify(s->fund_pw_hash, pwd);
    if (e == TA_E_CREDENTIALS)
        return failed(ctx, au);
    if (e == TA_OK)
        clear_lock(ctx, au->c.id);
    return e;
}

struct save_args {
    const struct auth *au;
    const char *hash;
    bool must_be_set; /* update/forget: one must exist; bind: none may */
    const struct stepup_done *done;
    const char *hold;
};

static ta_err save_body(struct dctx *ctx, void *arg)
{
    struct save_args *a = arg;
    struct customer_security s;
    ta_err e = STORE(ctx->st, customer_lock, a->au->c.id);
    if (e == TA_OK)
        e = security_load(ctx, &a->au->c, &s);
    if (e == TA_OK && (s.fund_pw_hash != NULL) != a->must_be_set)
        e = TA_E_FUND_STATE; /* a concurrent bind won */
    if (e == TA_OK && a->done != NULL)
        e = stepup_consume(ctx, a->done);
    if (e != TA_OK)
        return e;
    s.fund_pw_hash = (char *)a->hash;
    if (a->hold != NULL) {
        int64_t until = ctx->now_ms + security_hold_ms(ctx);
        if (security_hold_ms(ctx) > 0 && until > s.hold_until_ms) {
            s.hold_until_ms = until;
            snprintf(s.hold_reason, sizeof s.hold_reason, "%s", a->hold);
        }
    }
    return security_save(ctx, &s);
}

static ta_err save(struct dctx *ctx, struct save_args *a, const char *pwd, const char *event)
{
    char hash[PASSWD_HASH_MAX];
    struct passwd_params pw = dctx_pw_params(ctx);
    ta_err e = passwd_hash(&pw, pwd, hash);
    if (e != TA_OK)
        return e;
    a->hash = hash;
    e = dctx_tx(ctx, save_body, a);
    audit_record(ctx, a->au->c.id, event, e, a->au->s.device, NULL);
    return e;
}

ta_err fundpwd_bind(struct dctx *ctx, const struct auth *au, const char *pwd,
                    const struct stepup *su)
{
    struct customer_security s;
    ta_err e = security_load(ctx, &au->c, &s);
    if (e == TA_OK && s.fund_pw_hash != NULL)
        e = TA_E_FUND_STATE;
    struct stepup_done done;
    if (e == TA_OK)
        e = stepup_check(ctx, &au->c, su, &done);
    if (e != TA_OK)
        return e;
    struct save_args a = {au, NULL, false, &done, NULL};
    return save(ctx, &a, pwd, "fund_password_set");
}

ta_err fundpwd_update(struct dctx *ctx, const struct auth *au, const char *old_pwd,
                      const char *new_pwd, const struct stepup *su)
{
    struct customer_security s;
    ta_err e = security_load(ctx, &au->c, &s);
    if (e == TA_OK)
        e = check(ctx, au, &s, old_pwd);
    struct stepup_done done;
    if (e == TA_OK)
        e = stepup_check(ctx, &au->c, su, &done);
    if (e != TA_OK)
        return e;
    struct save_args a = {au, NULL, true, &done, NULL};
    return save(ctx, &a, new_pwd, "fund_password_change");
}

/* The loginName of the forget route must name the contact whose code is checked. */
static bool names_contact(const struct customer *c, const struct fundpwd_forget_cmd *cmd)
{
    if (cmd->type == 1) {
        char email[CONTACT_MAX];
        return c->email != NULL && contact_email(cmd->login_name, email) &&
               strcmp(email, c->email) == 0;
    }
    char area[8], phone[24];
    if (strchr(cmd->login_name, ' ') == NULL) {
        /* A bare number: the area comes from phoneArea (default +86). */
        if (!contact_phone(cmd->login_name) ||
            !contact_area(cmd->phone_area ? cmd->phone_area : "+86", area))
            return false;
        snprintf(phone, sizeof phone, "%s", cmd->login_name);
    } else if (!contact_sms_to(cmd->login_name, area, phone)) {
        return false;
    }
    return c->phone != NULL && c->phone_area != NULL && strcmp(c->phone, phone) == 0 &&
           strcmp(c->phone_area, area) == 0;
}

ta_err fundpwd_forget(struct dctx *ctx, const struct auth *au, const struct fundpwd_forget_cmd *cmd)
{
    if (!names_contact(&au->c, cmd))
        return dctx_fail(ctx, TA_E_FIELD, "loginName");
    struct customer_security s;
    ta_err e = security_load(ctx, &au->c, &s);
    if (e == TA_OK && s.fund_pw_hash == NULL)
        e = TA_E_FUND_STATE;
    struct stepup_done done;
    if (e == TA_OK)
        e = stepup_check(ctx, &au->c, &cmd->su, &done);
    if (e != TA_OK)
        return e;
    struct save_args a = {au, NULL, true, &done, HOLD_FUND_RESET};
    e = save(ctx, &a, cmd->new_pwd, "fund_password_reset");
    if (e == TA_OK)
        clear_lock(ctx, au->c.id);
    return e;
}

ta_err fundpwd_verify(struct dctx *ctx, const struct auth *au, const char *pwd)
{
    struct customer_security s;
    ta_err e = security_load(ctx, &au->c, &s);
    return e != TA_OK ? e : check(ctx, au, &s, pwd);
}
