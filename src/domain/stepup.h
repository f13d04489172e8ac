/* domain/stepup.h — the one identity check for sensitive actions (contract C21): LOGINED
 * codes of the customer's current contacts and the TOTP when MFA is on. The clients' four
 * field shapes are bound at the edge (api/stepup_bind.c) into struct stepup. */
#ifndef TA_DOMAIN_STEPUP_H
#define TA_DOMAIN_STEPUP_H

#include <stddef.h>

#include "domain/codes.h"
#include "domain/ctx.h"

/* Which contacts must prove themselves. */
enum stepup_scope {
    STEPUP_ALL = 0,       /* every contact the customer has (shapes 1 and 2) */
    STEPUP_EMAIL = 1,     /* only the email (shape 4 type 1, shape 3 on an email change) */
    STEPUP_PHONE = 2,     /* only the phone (shape 4 type 2, shape 3 on a phone change) */
    STEPUP_TOTP_ONLY = 3, /* no contact code: binding a first contact */
};

struct stepup_part {
    const char *code, *send;           /* as sent; NULL when absent */
    const char *code_name, *send_name; /* the request's field names, for msgParams */
};

struct stepup {
    int scope; /* enum stepup_scope */
    struct stepup_part sms, email;
    const char *google_code;
};

/* The tickets a passed check consumes. */
struct stepup_done {
    struct ticket t[2];
    size_t n;
};

/* Checks st for customer c without consuming anything: TA_E_STEPUP naming the first
 * missing field, C2's codes for a wrong or spent code (a wrong one spends an attempt),
 * TA_E_CONTACT_STATE when the scope names a contact the customer has not, TA_E_LOCKED
 * while password sign-in is locked, TA_E_MFA_WRONG for a wrong or replayed TOTP (counted
 * as a failed login). */
ta_err stepup_check(struct dctx *ctx, const struct customer *c, const struct stepup *st,
                    struct stepup_done *done);
/* Inside the caller's transaction: consumes the tickets; a replay answers TA_E_CODE_SPENT. */
ta_err stepup_consume(struct dctx *ctx, const struct stepup_done *done);

#endif
