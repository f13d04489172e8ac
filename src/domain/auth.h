/* domain/auth.h — signing up and signing in (contract C3, C4). These use cases hash
 * passwords, so the edge runs them on the hash pool, never on an HTTP thread. */
#ifndef TA_DOMAIN_AUTH_H
#define TA_DOMAIN_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/customer.h"

struct login_cmd {
    int64_t type; /* enum login_type */
    const char *login_name;
    const char *phone_area;
    int64_t device;       /* 1..9 */
    const char *password; /* MD5 hex from the client */
    const char *code;
    const char *send_token;
    const char *google_code;
};

struct register_cmd {
    int64_t type; /* 1 email, 2 phone */
    const char *login_name;
    const char *phone_area;
    const char *country;
    const char *lang;
    const char *code;
    const char *send_token;
    int64_t register_source;
    const char *register_device;
    const char *utm_source, *utm_medium, *utm_campaign, *utm_content, *utm_term;
    int64_t group_id; /* 0: the company default */
    int64_t open_account_type;
    const char *password; /* optional */
    const char *third_server_code, *third_server_source;
    const struct trade_pair *pairs;
    size_t n_pairs;
};

/* On TA_OK v describes the customer with a new token pair. */
ta_err auth_login(struct dctx *ctx, const struct login_cmd *cmd, struct customer_view *v);
/* On TA_OK v describes the new customer with a token pair. TA_E_PENDING_REVIEW when the
 * company reviews registrations: then v->c.customer_no is set and there is no session. */
ta_err auth_register(struct dctx *ctx, const struct register_cmd *cmd, struct customer_view *v);

/* Checks googleCode for a customer with MFA on: TA_E_MFA_REQUIRED when missing,
 * TA_E_MFA_WRONG when wrong or a step already used. TA_OK when MFA is off. */
ta_err auth_check_mfa(struct dctx *ctx, const struct customer *c, const char *google_code);

#endif
