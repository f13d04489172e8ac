/* domain/twin.h — real/demo twins (contract C9, C10) and the session hand-off of C11:
 * switching to the paired customer, resetting a demo account, exchanging a token. */
#ifndef TA_DOMAIN_TWIN_H
#define TA_DOMAIN_TWIN_H

#include "domain/customer.h"
#include "domain/session.h"

struct switch_result {
    struct customer paired;   /* the customer switched to */
    const struct company *co; /* its company */
    int64_t from_customer_id;
    struct session_tokens tokens;
};

/* Inside the caller's transaction: creates src's paired customer in twin (same customerNo,
 * contacts and (tradeType, currency) accounts, the twin's demo balances) and links both
 * ways. src must be the stored record (its accounts are read). *out is the new customer. */
ta_err twin_pair_create(struct dctx *ctx, const struct customer *src, const struct company *twin,
                        struct customer *out);
/* Opens a session for the twin of au's customer (created on first use) and ends au's. */
ta_err twin_switch(struct dctx *ctx, const struct auth *au, struct switch_result *out);
/* Demo customers only: every account back to its opening balance; fills v. */
ta_err twin_reset(struct dctx *ctx, const struct auth *au, struct customer_view *v);

/* randomKey: token is an access token (single use) or a one-time token of oneTimeToken.
 * On TA_OK out holds a new access token for the same customer, company and device. */
ta_err handoff_exchange(struct dctx *ctx, const char *token, char out[TOKEN_TEXT_MAX]);
/* oneTimeToken: a 60-second token only randomKey accepts. */
ta_err handoff_issue(struct dctx *ctx, const struct auth *au, char out[TOKEN_TEXT_MAX]);

#define HANDOFF_TTL_MS 60000

#endif
