/* domain/alerts.h — the new-device alert with its one-time "this wasn't me" code, and the
 * anti-phishing phrase (contract C24). */
#ifndef TA_DOMAIN_ALERTS_H
#define TA_DOMAIN_ALERTS_H

#include "domain/ctx.h"
#include "domain/stepup.h"

#define ANTI_PHISH_MAX 32 /* bytes */
#define NOT_ME_TTL_MS (7LL * 86400 * 1000)

/* After a successful sign-in of c on device (1..9): records the device (user agent and
 * address network), and when it is new for a customer who had others, queues the alert
 * (email when the customer has one, else SMS) unless the company turned alerts off.
 * Best effort: a failure is logged, never the sign-in's answer. */
void alerts_sign_in(struct dctx *ctx, const struct customer *c, int device);
/* Registration: the device the customer signed up on is known from the start. */
void alerts_device_known(struct dctx *ctx, const struct customer *c);
/* Password sign-in is refused after a "this wasn't me" until a reset: TA_E_LOCKED. */
ta_err alerts_password_allowed(struct dctx *ctx, const struct customer *c);
/* "This wasn't me": every session ends, the hold starts, password sign-in is blocked.
 * TA_E_CODE_SPENT when the code is unknown, used or expired. */
ta_err alerts_not_me(struct dctx *ctx, const char *code);
/* Sets the anti-phishing phrase after the step-up. */
ta_err alerts_set_phrase(struct dctx *ctx, const struct auth *au, const char *phrase,
                         const struct stepup *su);

#endif
