/* domain/password.h — setting, changing and resetting the login password (contract C13),
 * and proving a code (verifyCodeCheck, C2). Hashing: these run on the hash pool. */
#ifndef TA_DOMAIN_PASSWORD_H
#define TA_DOMAIN_PASSWORD_H

#include "crypto/token.h"
#include "domain/codes.h"

#define PROOF_TTL_MS 600000

struct forget_cmd {
    int64_t type;
    const char *login_name;
    const char *phone_area;
    const char *code;
    const char *send_token;
    const char *proof;
    const char *google_code;
    const char *new_password;
};

/* verifyCodeCheck: a right code yields a single-use proof; the ticket stays usable. */
ta_err password_code_check(struct dctx *ctx, const struct biz_type *b, const char *to_user,
                           const struct auth *au, const char *send_token, const char *code,
                           char proof[TOKEN_TEXT_MAX]);
ta_err password_bind(struct dctx *ctx, const struct auth *au, const char *pwd,
                     const char *google_code);
ta_err password_update(struct dctx *ctx, const struct auth *au, const char *old_pwd,
                       const char *new_pwd, const char *google_code);
ta_err password_forget(struct dctx *ctx, const struct forget_cmd *cmd);

#endif
