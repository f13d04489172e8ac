/* domain/alerts.c — a device is the user agent plus the address network (IPv4 /24, IPv6
 * /48), hashed: clients send no device id of their own, and a customer's phone changing
 * address inside its carrier's network should not alert every time. The first device ever
 * recorded (registration, or the first sign-in after this shipped) is trusted silently. */
#include "domain/alerts.h"
#include "domain/audit.h"
#include "domain/security.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/log.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The address's network: up to the last '.' of IPv4, the first three groups of IPv6. */
static void network_of(const char *addr, char *out, size_t size)
{
    snprintf(out, size, "%s", addr != NULL ? addr : "");
    if (strchr(out, ':') != NULL) {
        int colons = 0;
        for (char *p = out; *p != '\0'; p++)
            if (*p == ':' && ++colons == 3) {
                *p = '\0';
                break;
            }
    } else {
        char *dot = strrchr(out, '.');
        if (dot != NULL)
            *dot = '\0';
    }
}

static void device_key(const struct dctx *ctx, unsigned char out[TOKEN_HASH_BYTES])
{
    char net[64], text[256];
    network_of(ctx->client_addr, net, sizeof net);
    snprintf(text, sizeof text, "%s|%.180s", net, ctx->user_agent ? ctx->user_agent : "");
    token_hash("device", text, out);
}

void alerts_device_known(struct dctx *ctx, const struct customer *c)
{
    unsigned char key[TOKEN_HASH_BYTES];
    int state;
    device_key(ctx, key);
    if (STORE(ctx->st, device_seen, c->id, key, ctx->now_ms, &state) != TA_OK)
        log_warn(ctx->trace, "device record failed");
}

/* "2026-11-29 21:04 UTC · 10.1.2.3 · <user agent>" */
static void describe(const struct dctx *ctx, int device, char *out, size_t size)
{
    time_t t = (time_t)(ctx->now_ms / 1000);
    struct tm tm;
    char when[32] = "";
    if (gmtime_r(&t, &tm) != NULL)
        strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
    snprintf(out, size, "%s, %s, device %d, %.100s", when,
             ctx->client_addr ? ctx->client_addr : "?", device,
             ctx->user_agent && ctx->user_agent[0] ? ctx->user_agent : "-");
}

struct alert_args {
    const struct customer *c;
    struct notice n;
    struct onetime o;
};

static ta_err alert_body(struct dctx *ctx, void *arg)
{
    struct alert_args *a = arg;
    int64_t id;
    ta_err e = STORE(ctx->st, onetime_insert, &a->o, &id);
    return e == TA_OK ? security_notice(ctx, a->c, &a->n) : e;
}

static void send_alert(struct dctx *ctx, const struct customer *c, int device)
{
    char rcpt[CONTACT_MAX], code[TOKEN_TEXT_MAX], where[256];
    enum code_channel ch = CHANNEL_EMAIL;
    if (!codes_customer_recipient(c, CHANNEL_EMAIL, rcpt)) {
        ch = CHANNEL_SMS;
        if (!codes_customer_recipient(c, CHANNEL_SMS, rcpt))
            return;
    }
    describe(ctx, device, where, sizeof where);
    token_hex64_new(code);
    struct alert_args a;
    memset(&a, 0, sizeof a);
    a.c = c;
    a.n = (struct notice){ch,   rcpt, "NOTICE_NEW_DEVICE", "notice.new_device", where,
                          code, code, NOT_ME_TTL_MS};
    a.o.kind = ONETIME_NOT_ME;
    token_hash("not-me", code, a.o.hash);
    a.o.company_id = ctx->co->id;
    a.o.customer_id = c->id;
    a.o.device = device;
    a.o.expires_ms = ctx->now_ms + NOT_ME_TTL_MS;
    ta_err e = dctx_tx(ctx, alert_body, &a);
    sodium_memzero(code, sizeof code);
    if (e != TA_OK)
        log_warn(ctx->trace, "new-device alert not queued: %s", ta_err_name(e));
    audit_record(ctx, c->id, "new_device_alert", e, device, NULL);
}

void alerts_sign_in(struct dctx *ctx, const struct customer *c, int device)
{
    unsigned char key[TOKEN_HASH_BYTES];
    int state = DEVICE_KNOWN;
    device_key(ctx, key);
    if (STORE(ctx->st, device_seen, c->id, key, ctx->now_ms, &state) != TA_OK) {
        log_warn(ctx->trace, "device record failed");
        return;
    }
    if (state == DEVICE_NEW && security_alert_on(ctx))
        send_alert(ctx, c, device);
}

ta_err alerts_password_allowed(struct dctx *ctx, const struct customer *c)
{
    struct customer_security s;
    ta_err e = security_load(ctx, c, &s);
    if (e != TA_OK)
        return e;
    return s.pw_login_blocked ? TA_E_LOCKED : TA_OK;
}

struct not_me_args {
    const char *code;
    int64_t customer_id;
};

static ta_err not_me_body(struct dctx *ctx, void *arg)
{
    struct not_me_args *a = arg;
    unsigned char h[TOKEN_HASH_BYTES];
    struct onetime o;
    token_hash("not-me", a->code, h);
    ta_err e = STORE(ctx->st, onetime_consume, ONETIME_NOT_ME, h, ctx->now_ms, &o);
    if (e == TA_E_NOT_FOUND || (e == TA_OK && o.company_id != ctx->co->id))
        return TA_E_CODE_SPENT;
    struct customer c;
    if (e == TA_OK)
        e = STORE(ctx->st, customer_get, o.customer_id, ctx->a, &c);
    if (e == TA_OK)
        e = STORE(ctx->st, customer_lock, c.id);
    struct customer_security s;
    if (e == TA_OK)
        e = security_load(ctx, &c, &s);
    if (e != TA_OK)
        return e;
    int64_t ms = security_hold_ms(ctx);
    if (ms > 0 && ctx->now_ms + ms > s.hold_until_ms)
        s.hold_until_ms = ctx->now_ms + ms;
    if (ms > 0)
        snprintf(s.hold_reason, sizeof s.hold_reason, "%s", HOLD_NOT_ME);
    s.pw_login_blocked = true;
    e = security_save(ctx, &s);
    if (e == TA_OK)
        e = STORE(ctx->st, session_end_customer, c.id, 0, 0, ctx->now_ms, SESSION_REPLACED, NULL);
    a->customer_id = c.id;
    return e;
}

ta_err alerts_not_me(struct dctx *ctx, const char *code)
{
    struct not_me_args a = {code, 0};
    ta_err e = dctx_tx(ctx, not_me_body, &a);
    if (a.customer_id > 0)
        audit_record(ctx, a.customer_id, "not_me", e, 0, NULL);
    return e;
}

struct phrase_args {
    const struct auth *au;
    const char *phrase;
    const struct stepup_done *done;
};

static ta_err phrase_body(struct dctx *ctx, void *arg)
{
    struct phrase_args *a = arg;
    struct customer_security s;
    ta_err e = STORE(ctx->st, customer_lock, a->au->c.id);
    if (e == TA_OK)
        e = stepup_consume(ctx, a->done);
    if (e == TA_OK)
        e = security_load(ctx, &a->au->c, &s);
    if (e != TA_OK)
        return e;
    s.anti_phish = (char *)a->phrase;
    return security_save(ctx, &s);
}

ta_err alerts_set_phrase(struct dctx *ctx, const struct auth *au, const char *phrase,
                         const struct stepup *su)
{
    struct stepup_done done;
    ta_err e = stepup_check(ctx, &au->c, su, &done);
    if (e != TA_OK)
        return e;
    struct phrase_args a = {au, phrase, &done};
    e = dctx_tx(ctx, phrase_body, &a);
    audit_record(ctx, au->c.id, "anti_phishing_set", e, au->s.device, NULL);
    return e;
}
