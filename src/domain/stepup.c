/* domain/stepup.c — every field is looked at before any counter moves, so a request that is
 * merely incomplete changes nothing; then the codes (a wrong one spends a ticket attempt),
 * then the TOTP (a wrong one counts toward the password lockout, like a failed login). */
#include "domain/stepup.h"
#include "domain/audit.h"
#include "domain/auth.h"
#include "domain/limits.h"

#include <string.h>

static bool wanted(const struct customer *c, int scope, enum code_channel ch)
{
    char rcpt[CONTACT_MAX];
    if (scope == STEPUP_TOTP_ONLY)
        return false;
    if (scope == STEPUP_EMAIL && ch != CHANNEL_EMAIL)
        return false;
    if (scope == STEPUP_PHONE && ch != CHANNEL_SMS)
        return false;
    return codes_customer_recipient(c, ch, rcpt);
}

static bool mfa_on(const struct customer *c)
{
    return c->mfa_secret != NULL && c->mfa_id > 0;
}

/* Presence only: nothing is counted for an incomplete request. */
static ta_err complete(struct dctx *ctx, const struct customer *c, const struct stepup *st)
{
    char rcpt[CONTACT_MAX];
    if (st->scope == STEPUP_EMAIL && !codes_customer_recipient(c, CHANNEL_EMAIL, rcpt))
        return TA_E_CONTACT_STATE;
    if (st->scope == STEPUP_PHONE && !codes_customer_recipient(c, CHANNEL_SMS, rcpt))
        return TA_E_CONTACT_STATE;
    const struct stepup_part *parts[2] = {&st->sms, &st->email};
    const enum code_channel chs[2] = {CHANNEL_SMS, CHANNEL_EMAIL};
    for (size_t i = 0; i < 2; i++) {
        if (!wanted(c, st->scope, chs[i]))
            continue;
        if (parts[i]->code == NULL)
            return dctx_fail(ctx, TA_E_STEPUP, "%s", parts[i]->code_name);
        if (parts[i]->send == NULL)
            return dctx_fail(ctx, TA_E_STEPUP, "%s", parts[i]->send_name);
    }
    if (mfa_on(c) && st->google_code == NULL)
        return dctx_fail(ctx, TA_E_STEPUP, "googleCode");
    return TA_OK;
}

ta_err stepup_check(struct dctx *ctx, const struct customer *c, const struct stepup *st,
                    struct stepup_done *done)
{
    done->n = 0;
    ta_err e = complete(ctx, c, st);
    if (e != TA_OK)
        return e;
    const struct stepup_part *parts[2] = {&st->sms, &st->email};
    const enum code_channel chs[2] = {CHANNEL_SMS, CHANNEL_EMAIL};
    for (size_t i = 0; i < 2; i++) {
        char rcpt[CONTACT_MAX];
        if (!wanted(c, st->scope, chs[i]) || !codes_customer_recipient(c, chs[i], rcpt))
            continue;
        e = codes_verify(ctx, codes_biz_for(PURPOSE_LOGINED, chs[i]), rcpt, parts[i]->send,
                         parts[i]->code, &done->t[done->n]);
        if (e != TA_OK)
            return e;
        done->n++;
    }
    if (!mfa_on(c))
        return TA_OK;
    e = limit_login_locked(ctx, c->id);
    if (e != TA_OK)
        return e;
    e = auth_check_mfa(ctx, c, st->google_code);
    if (e == TA_E_MFA_WRONG) {
        if (limit_login_failed(ctx, c->id))
            audit_record(ctx, c->id, "lockout", TA_E_LOCKED, 0, "stepup");
        audit_record(ctx, c->id, "stepup_fail", e, 0, "totp");
    }
    return e;
}

ta_err stepup_consume(struct dctx *ctx, const struct stepup_done *done)
{
    for (size_t i = 0; i < done->n; i++) {
        ta_err e = codes_consume(ctx, &done->t[i]);
        if (e != TA_OK)
            return e;
    }
    return TA_OK;
}
