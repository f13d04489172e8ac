/* domain/contacts.c — everything is checked before the transaction (uniqueness, the new
 * contact's code, the step-up), and checked again where it matters inside it: the unique
 * index answers a contact taken meanwhile, a consumed ticket answers a replay. */
#include "domain/contacts.h"
#include "domain/audit.h"
#include "domain/security.h"
#include "store/store.h"
#include "util/i18n.h"

#include <stdio.h>
#include <string.h>

#define NOTICE_TTL_MS (24LL * 3600 * 1000)

static bool has_kind(const struct customer *c, enum code_channel ch)
{
    char rcpt[CONTACT_MAX];
    return codes_customer_recipient(c, ch, rcpt);
}

/* Whether another customer of the company holds the new contact. */
static ta_err taken(struct dctx *ctx, const struct auth *au, const struct contact_cmd *cmd)
{
    struct customer other;
    ta_err e = cmd->channel == CHANNEL_EMAIL
                   ? STORE(ctx->st, customer_by_email, ctx->co->id, cmd->email, ctx->a, &other)
                   : STORE(ctx->st, customer_by_phone, ctx->co->id, cmd->phone_area, cmd->phone,
                           ctx->a, &other);
    if (e == TA_E_NOT_FOUND)
        return TA_OK;
    if (e != TA_OK)
        return e;
    return other.id == au->c.id ? TA_E_CONTACT_STATE : TA_E_DUPLICATE;
}

struct set_args {
    const struct auth *au;
    const struct contact_cmd *cmd;
    const struct ticket *t;
    const struct stepup_done *done;
    char old[CONTACT_MAX];
    bool had_old;
};

static ta_err set_body(struct dctx *ctx, void *arg)
{
    struct set_args *s = arg;
    const struct contact_cmd *cmd = s->cmd;
    const struct customer *c = &s->au->c;
    ta_err e = codes_consume(ctx, s->t);
    if (e == TA_OK)
        e = stepup_consume(ctx, s->done);
    if (e == TA_OK)
        e = cmd->channel == CHANNEL_EMAIL
                ? STORE(ctx->st, customer_set_email, c->id, cmd->email)
                : STORE(ctx->st, customer_set_phone, c->id, cmd->phone_area, cmd->phone);
    if (e == TA_E_CONFLICT)
        return TA_E_DUPLICATE; /* taken meanwhile: the unique index decides */
    if (e != TA_OK || !s->had_old)
        return e;
    e = security_hold(ctx, c, HOLD_CONTACT_CHANGE);
    if (e != TA_OK)
        return e;
    const char *lang = security_lang(ctx, c);
    const char *kind =
        i18n_text(lang, cmd->channel == CHANNEL_EMAIL ? "notice.kind.email" : "notice.kind.phone");
    struct notice n = {
        cmd->channel, s->old,       "NOTICE_CONTACT_CHANGED", "notice.contact_changed", kind, NULL,
        NULL,         NOTICE_TTL_MS};
    return security_notice(ctx, c, &n);
}

ta_err contacts_set(struct dctx *ctx, const struct auth *au, const struct contact_cmd *cmd)
{
    struct set_args args = {au, cmd, NULL, NULL, "", false};
    bool has = has_kind(&au->c, cmd->channel);
    if (has != cmd->change)
        return TA_E_CONTACT_STATE; /* bind with one already, or change without one */

    char rcpt[CONTACT_MAX];
    if (cmd->channel == CHANNEL_EMAIL)
        snprintf(rcpt, sizeof rcpt, "%s", cmd->email);
    else
        contact_phone_recipient(cmd->phone_area, cmd->phone, rcpt);
    struct ticket t;
    ta_err e = codes_verify(ctx, codes_biz_for(PURPOSE_COMMON, cmd->channel), rcpt, cmd->send,
                            cmd->code, &t);
    /* Only who holds the new address learns whether another customer has it: no oracle. */
    if (e == TA_OK)
        e = taken(ctx, au, cmd);
    if (e != TA_OK)
        return e;
    struct stepup_done done;
    e = stepup_check(ctx, &au->c, &cmd->su, &done);
    if (e != TA_OK)
        return e;

    args.t = &t;
    args.done = &done;
    args.had_old = codes_customer_recipient(&au->c, cmd->channel, args.old);
    e = dctx_tx(ctx, set_body, &args);
    const char *what = cmd->channel == CHANNEL_EMAIL ? "email" : "phone";
    audit_record(ctx, au->c.id, cmd->change ? "contact_change" : "contact_bind", e, au->s.device,
                 what);
    return e;
}

ta_err contacts_country(struct dctx *ctx, const struct auth *au, const char *country)
{
    ta_err e = STORE(ctx->st, customer_set_country, au->c.id, country);
    if (e == TA_OK)
        audit_record(ctx, au->c.id, "country_change", TA_OK, au->s.device, NULL);
    return e;
}
