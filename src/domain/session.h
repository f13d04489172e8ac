/* domain/session.h — access and refresh tokens (contract B4, C5, C6): opening a session,
 * checking a presented token, rotation with a grace window, theft detection, logout. */
#ifndef TA_DOMAIN_SESSION_H
#define TA_DOMAIN_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/token.h"
#include "domain/ctx.h"

struct customer_view;

/* How long a rotated-away access token keeps working, and how long the same old refresh
 * token gets the same new pair back (contract C6). */
#define SESSION_PREV_TOKEN_MS 30000
#define SESSION_REFRESH_GRACE_MS 10000

struct session_tokens {
    int64_t id;
    int64_t created_ms;
    char token[TOKEN_TEXT_MAX];
    char rtoken[TOKEN_TEXT_MAX];
};

/* 1 mobile (devices 1,4,5,6), 2 desktop (2,7,8), 3 other (3,9). */
int session_device_class(int device);
int64_t session_idle_ms(const struct dctx *ctx, const struct company *co);
int64_t session_absolute_ms(const struct dctx *ctx, const struct company *co);

/* Inside the caller's transaction: a new session for c in co; ends the customer's other
 * sessions of the same device class when the company has the single-session policy. */
ta_err session_open(struct dctx *ctx, const struct company *co, const struct customer *c,
                    int device, struct session_tokens *out);
/* The live session of token in ctx->co. TA_E_TOKEN when missing, unknown, expired or of
 * another company; TA_E_SESSION_ENDED when the server ended it. Extends the idle life. */
ta_err session_authenticate(struct dctx *ctx, const char *token, struct auth *out);
/* The same without writing: when the idle life should be extended, out->touch_due is set
 * and the caller runs session_touch_due after its reads (a read snapshot cannot write). */
ta_err session_check(struct dctx *ctx, const char *token, struct auth *out);
void session_touch_due(struct dctx *ctx, struct auth *au);
/* session_check in its two halves, so that a read snapshot is opened only on a miss:
 * the session cache alone (TA_E_NOT_FOUND: not there, ask the database), and the database
 * alone (what it read goes into the cache). */
ta_err session_check_cached(struct dctx *ctx, const char *token, struct auth *out);
ta_err session_check_db(struct dctx *ctx, const char *token, struct auth *out);
/* An opaque, stable id of a session for other services (C20's X-Session-Id): a keyed hash
 * of its id, so it tells nothing about the token nor how many sessions there are. */
#define SESSION_PUBLIC_ID_MAX 33
void session_public_id(const struct session *s, char out[SESSION_PUBLIC_ID_MAX]);
/* The customer payload's view of a signed-in customer: from what session_check read (or
 * the cache held), else loaded. */
ta_err session_customer_view(struct dctx *ctx, const struct auth *au, struct customer_view *v);
/* Ends the token's session, or with all_devices every session of the customer and of its
 * twin. Never fails towards the client: dead tokens are fine. */
void session_logout(struct dctx *ctx, const char *token, bool all_devices);
/* Rotates the pair of rtoken (contract C6) and fills v with the customer and new tokens. */
ta_err session_refresh(struct dctx *ctx, const char *rtoken, struct customer_view *v);

#endif
