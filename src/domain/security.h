/* domain/security.h — what the security-center flows share (contract C22-C24): the
 * customer's security row, the withdrawal hold, per-company switches, notices to a contact
 * through the outbox and the anti-phishing phrase carried in every message. */
#ifndef TA_DOMAIN_SECURITY_H
#define TA_DOMAIN_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/codes.h"
#include "domain/ctx.h"

/* Hold reasons (securityHoldReason in the payload). */
#define HOLD_PASSWORD_RESET "password_reset"
#define HOLD_CONTACT_CHANGE "contact_change"
#define HOLD_MFA_UNBIND "mfa_unbind"
#define HOLD_FUND_RESET "fund_password_reset"
#define HOLD_NOT_ME "not_me"

/* The customer's row, or zeros (with the ids filled) when it has none yet. */
ta_err security_load(struct dctx *ctx, const struct customer *c, struct customer_security *out);
/* Writes the whole row (inside or outside the caller's transaction). */
ta_err security_save(struct dctx *ctx, const struct customer_security *s);

/* The hold length of ctx->co (company-security override, else security-hold-s), in ms. */
int64_t security_hold_ms(const struct dctx *ctx);
/* Whether ctx->co sends new-device alerts (company-security override, else the setting). */
bool security_alert_on(const struct dctx *ctx);
/* Inside the caller's transaction: starts (or extends) the customer's hold with reason. */
ta_err security_hold(struct dctx *ctx, const struct customer *c, const char *reason);

/* The language of messages to c: its changeLang choice, else the request's. */
const char *security_lang(const struct dctx *ctx, const struct customer *c);
/* Appends the anti-phishing line of lang for phrase (NULL: nothing) to text. */
void security_phish_append(const char *lang, const char *phrase, char *text, size_t size);

/* A notice of a security center flow. */
struct notice {
    enum code_channel ch;
    const char *rcpt;
    const char *biz; /* names the notice in the delivery log */
    const char *key; /* catalogue text: {0} p0, {1} p1 (both may be NULL) */
    const char *p0, *p1;
    const char *secret; /* a code inside the text (scrubbed from transport answers), or NULL */
    int64_t ttl_ms;     /* deliverable for this long */
};
/* Inside the caller's transaction: the notice into the outbox, in c's language, carrying
 * its anti-phishing phrase. */
ta_err security_notice(struct dctx *ctx, const struct customer *c, const struct notice *n);
/* After a password reset (C13): the hold starts and password sign-in is allowed again. */
ta_err security_password_reset(struct dctx *ctx, const struct customer *c);

#endif
