/* domain/customer.h — finding a customer by what they type at login, creating one with
 * accounts, and assembling the view the customer payload (contract E) is rendered from. */
#ifndef TA_DOMAIN_CUSTOMER_H
#define TA_DOMAIN_CUSTOMER_H

#include <stddef.h>
#include <stdint.h>

#include "domain/ctx.h"

enum login_type { LOGIN_EMAIL = 1, LOGIN_PHONE = 2, LOGIN_CUSTOMER_NO = 3 };

/* Everything the customer payload shows. Strings live in the request arena. */
struct customer_view {
    struct customer c;
    struct security_summary sum; /* fund password, hold (C23, C24); zeros when none */
    const struct company *co;
    struct account *accounts;
    size_t n_accounts;
    int64_t login_ms;
    int64_t now_ms; /* when it was loaded: the security hold shows while it runs */
    const char *token;
    const char *rtoken; /* NULL renders as null */
};

/* One requested (tradeType, currency) pair. */
struct trade_pair {
    int trade_type;
    char currency[TA_CURRENCY_MAX];
};

/* Finds a customer of ctx->co by login type and name (already validated by the handler).
 * TA_E_NOT_FOUND when none; TA_E_FIELD (detail "phoneArea") when a bare phone number is
 * shared by several areas. */
ta_err customer_find_login(struct dctx *ctx, int type, const char *login_name,
                           const char *phone_area, struct customer *out);
/* The summary of the customer's security row (zeros when it has none). */
ta_err customer_security_summary(struct dctx *ctx, int64_t customer_id,
                                 struct security_summary *out);
/* Loads the accounts and fills v (token fields left NULL). */
ta_err customer_view_load(struct dctx *ctx, const struct customer *c, const struct company *co,
                          struct customer_view *v);
/* Checks that each pair is offered by co: TA_E_NOT_OFFERED naming the first that is not. */
ta_err customer_pairs_check(struct dctx *ctx, const struct company *co,
                            const struct trade_pair *pairs, size_t n);
/* Inside the caller's transaction: allocates the customerNo (unless c->customer_no is set),
 * inserts c and one account per pair (the company's defaults when n == 0) with opening
 * balance from demo balances when demo. Writes the new id into c->id. */
ta_err customer_create(struct dctx *ctx, const struct company *co, struct customer *c,
                       const struct trade_pair *pairs, size_t n);
/* Opens the missing accounts for pairs (idempotent). Inside the caller's transaction. */
ta_err customer_open_accounts(struct dctx *ctx, const struct company *co, const struct customer *c,
                              const struct trade_pair *pairs, size_t n);

#endif
