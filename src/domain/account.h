/* domain/account.h — the small customer operations around sign-in: does an account
 * exist (C8), open more trading accounts (C12), language (C15), MFA status (C14). */
#ifndef TA_DOMAIN_ACCOUNT_H
#define TA_DOMAIN_ACCOUNT_H

#include "domain/customer.h"

struct exist_result {
    int status;             /* 1 exists, 2 not registered, -1 disabled */
    const char *phone_area; /* NULL when not registered */
    const char *country;
};

/* The per-address limit of every answer that tells whether an account exists:
 * GATEWAY_CODE_004 with the seconds to wait once past lookup_per_address_min a minute. */
ta_err account_lookup_limit(struct dctx *ctx);
/* checkStatus: rate-limited per client address. */
ta_err account_check_status(struct dctx *ctx, int type, const char *login_name,
                            const char *phone_area, struct exist_result *out);
/* checkCustomerExist: 1 when another customer of the company holds the login. */
ta_err account_held_by_other(struct dctx *ctx, const struct auth *au, int type,
                             const char *login_name, const char *phone_area, int *out);
/* checkGoogleMFAStatus: 1 when that account has MFA on, else 0 (unknown too). */
ta_err account_mfa_status(struct dctx *ctx, int type, const char *login_name,
                          const char *phone_area, int *out);
ta_err account_open(struct dctx *ctx, const struct auth *au, const struct trade_pair *pairs,
                    size_t n, struct customer_view *v);
ta_err account_set_lang(struct dctx *ctx, const struct auth *au, const char *lang);

#endif
