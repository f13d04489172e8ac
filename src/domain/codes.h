/* domain/codes.h — verification codes (contract B5, C1, C2): tickets, the limits of D,
 * the outbox row written in the same transaction, and checking a code against a ticket. */
#ifndef TA_DOMAIN_CODES_H
#define TA_DOMAIN_CODES_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/token.h"
#include "domain/contact.h"
#include "domain/ctx.h"

enum code_purpose {
    PURPOSE_REGISTER,
    PURPOSE_LOGIN,
    PURPOSE_PASSWORD,
    PURPOSE_LOGINED,
    PURPOSE_COMMON
};
enum code_channel { CHANNEL_SMS, CHANNEL_EMAIL };

struct biz_type {
    const char *name;
    enum code_purpose purpose;
    enum code_channel channel;
};

/* The bizType of that name, or NULL. */
const struct biz_type *codes_biz_find(const char *name);
/* The bizType for a purpose and channel (never NULL). */
const struct biz_type *codes_biz_for(enum code_purpose p, enum code_channel ch);
bool codes_biz_needs_token(const struct biz_type *b);

/* Sends a code: au is the signed-in customer (required for LOGINED and COMMON, else NULL).
 * On TA_OK send_token holds the sendToken for the client. */
ta_err codes_send(struct dctx *ctx, const struct biz_type *b, const char *to_user,
                  const struct auth *au, char send_token[TOKEN_TEXT_MAX]);

/* Checks code against the ticket named by send_token for biz b and recipient. A wrong code
 * spends an attempt (committed at once); the ticket is not consumed. On TA_OK *out is the
 * ticket, for the caller to consume inside its own transaction. */
ta_err codes_verify(struct dctx *ctx, const struct biz_type *b, const char *recipient,
                    const char *send_token, const char *code, struct ticket *out);
/* Inside the caller's transaction: consumes the ticket; a replay answers TA_E_CODE_SPENT. */
ta_err codes_consume(struct dctx *ctx, const struct ticket *t);

/* The recipient text for a customer's own contact on channel ch; false when it has none. */
/* The recipient a bizType addresses: the signed-in customer's own contact for LOGINED
 * (c may be NULL: then none), else toUser parsed for the channel (area and phone filled
 * for SMS). False when there is none. */
bool codes_recipient(const struct biz_type *b, const char *to_user, const struct customer *c,
                     char rcpt[CONTACT_MAX], char area[8], char phone[24]);
bool codes_customer_recipient(const struct customer *c, enum code_channel ch,
                              char out[CONTACT_MAX]);

#endif
