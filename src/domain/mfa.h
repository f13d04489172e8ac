/* domain/mfa.h — Google Authenticator (contract C14): a pending secret, then binding or
 * unbinding it, confirmed by the customer's own LOGINED codes and a TOTP code. */
#ifndef TA_DOMAIN_MFA_H
#define TA_DOMAIN_MFA_H

#include "crypto/totp.h"
#include "domain/ctx.h"
#include "domain/stepup.h"

#define MFA_PENDING_TTL_MS 600000

struct mfa_pending {
    int64_t id;
    char secret[TOTP_SECRET_B32_MAX];
    char *uri; /* otpauth://totp/... from the arena */
};

struct mfa_cmd {
    int64_t type; /* 1 enable, 2 disable */
    int64_t google_id;
    struct stepup su; /* C21 shape 1: the contacts' LOGINED codes and googleCode */
};

ta_err mfa_generate(struct dctx *ctx, const struct auth *au, struct mfa_pending *out);
ta_err mfa_change(struct dctx *ctx, const struct auth *au, const struct mfa_cmd *cmd);

#endif
