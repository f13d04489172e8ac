/* domain/security.c — the security row is created on first use, so customers who never open
 * the security center cost nothing but a missed primary-key lookup. Per-company switches
 * live in one setting (company-security) instead of company columns: they are policy. */
#include "domain/security.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/config.h"
#include "util/i18n.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

ta_err security_load(struct dctx *ctx, const struct customer *c, struct customer_security *out)
{
    ta_err err = STORE(ctx->st, security_get, c->id, ctx->a, out);
    if (err == TA_E_NOT_FOUND) {
        memset(out, 0, sizeof *out);
        out->customer_id = c->id;
        out->company_id = c->company_id;
        return TA_OK;
    }
    return err;
}

ta_err security_save(struct dctx *ctx, const struct customer_security *s)
{
    return STORE(ctx->st, security_put, s);
}

/* The value of "<co>:<key>=<value>" in company-security, or NULL. */
static const char *company_opt(const struct dctx *ctx, const char *key, char *buf, size_t size)
{
    const char *p = ctx->cfg->company_security;
    while (p != NULL && *p != '\0') {
        long long id = 0;
        char k[16], v[24];
        int used = 0;
        if (sscanf(p, "%lld:%15[a-z]=%23[a-z0-9]%n", &id, k, v, &used) != 3)
            return NULL;
        if (id == ctx->co->id && strcmp(k, key) == 0) {
            snprintf(buf, size, "%s", v);
            return buf;
        }
        p += used;
        if (*p == ',')
            p++;
    }
    return NULL;
}

int64_t security_hold_ms(const struct dctx *ctx)
{
    char buf[24];
    const char *v = company_opt(ctx, "hold", buf, sizeof buf);
    long long s = ctx->cfg->security_hold_s;
    if (v != NULL && strspn(v, "0123456789") == strlen(v) && strlen(v) < 12)
        sscanf(v, "%lld", &s);
    return (int64_t)s * 1000;
}

bool security_alert_on(const struct dctx *ctx)
{
    char buf[24];
    const char *v = company_opt(ctx, "alert", buf, sizeof buf);
    if (v == NULL)
        return ctx->cfg->new_device_alert;
    return strcmp(v, "off") != 0 && strcmp(v, "0") != 0 && strcmp(v, "false") != 0;
}

ta_err security_hold(struct dctx *ctx, const struct customer *c, const char *reason)
{
    int64_t ms = security_hold_ms(ctx);
    if (ms <= 0)
        return TA_OK;
    struct customer_security s;
    ta_err err = security_load(ctx, c, &s);
    if (err != TA_OK)
        return err;
    int64_t until = ctx->now_ms + ms;
    if (until > s.hold_until_ms)
        s.hold_until_ms = until;
    snprintf(s.hold_reason, sizeof s.hold_reason, "%s", reason);
    return security_save(ctx, &s);
}

const char *security_lang(const struct dctx *ctx, const struct customer *c)
{
    return c->lang != NULL ? i18n_lang(c->lang) : i18n_lang(ctx->lang);
}

void security_phish_append(const char *lang, const char *phrase, char *text, size_t size)
{
    if (phrase == NULL || phrase[0] == '\0')
        return;
    size_t n = strlen(text);
    if (n + 1 >= size)
        return;
    i18n_format(lang, "notice.anti_phish", phrase, text + n, size - n);
}

ta_err security_notice(struct dctx *ctx, const struct customer *c, const struct notice *n)
{
    struct customer_security s;
    ta_err err = security_load(ctx, c, &s);
    if (err != TA_OK)
        return err;
    const char *lang = security_lang(ctx, c);
    char text[768];
    if (n->p1 != NULL)
        i18n_format2(lang, n->key, n->p0 ? n->p0 : "", n->p1, text, sizeof text);
    else
        i18n_format(lang, n->key, n->p0, text, sizeof text);
    security_phish_append(lang, s.anti_phish, text, sizeof text);

    struct outbox_row o;
    memset(&o, 0, sizeof o);
    o.company_id = ctx->co->id;
    snprintf(o.channel, sizeof o.channel, "%s", n->ch == CHANNEL_SMS ? "sms" : "email");
    o.to = (char *)n->rcpt;
    o.biz_type = (char *)n->biz;
    o.code = (char *)n->secret;
    o.lang = (char *)lang;
    o.subject = (char *)i18n_text(lang, "notice.subject");
    o.text = text;
    o.next_at_ms = ctx->now_ms;
    o.expires_ms = ctx->now_ms + n->ttl_ms;
    o.created_ms = ctx->now_ms;
    int64_t id;
    err = STORE(ctx->st, outbox_insert, &o, &id);
    sodium_memzero(text, sizeof text);
    return err;
}

ta_err security_password_reset(struct dctx *ctx, const struct customer *c)
{
    struct customer_security s;
    ta_err err = security_load(ctx, c, &s);
    if (err != TA_OK)
        return err;
    int64_t ms = security_hold_ms(ctx);
    if (ms > 0 && ctx->now_ms + ms > s.hold_until_ms) {
        s.hold_until_ms = ctx->now_ms + ms;
        snprintf(s.hold_reason, sizeof s.hold_reason, "%s", HOLD_PASSWORD_RESET);
    } else if (ms <= 0 && !s.pw_login_blocked) {
        return TA_OK; /* nothing to write */
    }
    s.pw_login_blocked = false;
    return security_save(ctx, &s);
}
