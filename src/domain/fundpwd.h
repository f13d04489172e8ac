/* domain/fundpwd.h — the fund password (contract C23): a second password the fund service
 * asks for on withdrawals, stored like the login password (argon2id of the client's MD5),
 * with its own failure counter and lock. These hash: the edge runs them on the hash pool. */
#ifndef TA_DOMAIN_FUNDPWD_H
#define TA_DOMAIN_FUNDPWD_H

#include "domain/ctx.h"
#include "domain/stepup.h"

struct fundpwd_forget_cmd {
    int64_t type;           /* 1 email, 2 phone: which contact's LOGINED code */
    const char *login_name; /* the named contact: email, or "<area> <number>" */
    const char *phone_area;
    const char *new_pwd;
    struct stepup su; /* shape 4 */
};

/* TA_E_FUND_STATE when one is set already. */
ta_err fundpwd_bind(struct dctx *ctx, const struct auth *au, const char *pwd,
                    const struct stepup *su);
/* TA_E_FUND_STATE when none is set; TA_E_FUND_WRONG (attempts left) / TA_E_FUND_LOCKED
 * (minutes left) on the fund counter. */
ta_err fundpwd_update(struct dctx *ctx, const struct auth *au, const char *old_pwd,
                      const char *new_pwd, const struct stepup *su);
/* Sets a new one after the step-up of the named contact; clears the lock, starts the hold. */
ta_err fundpwd_forget(struct dctx *ctx, const struct auth *au,
                      const struct fundpwd_forget_cmd *cmd);
/* For the fund service: TA_OK, TA_E_FUND_WRONG or TA_E_FUND_LOCKED (TA_E_FUND_STATE when
 * none is set), on the same counter. */
ta_err fundpwd_verify(struct dctx *ctx, const struct auth *au, const char *pwd);

#endif
