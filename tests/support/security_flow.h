/* tests/support/security_flow.h — helpers the security-center e2e tests share (contract
 * C21-C24): a server whose code limits do not get in the way of many codes to one
 * customer, LOGINED and COMMON codes sent with the customer's token, TOTP codes, and MFA. */
#ifndef TA_TESTS_SUPPORT_SECURITY_FLOW_H
#define TA_TESTS_SUPPORT_SECURITY_FLOW_H

#include "support/e2e.h"

#define SEC_CWS E2E_PREFIX "/global/" E2E_CWS
#define SEC_R(verb) SEC_CWS verb

/* A signed-in test customer. */
struct sec_cust {
    char email[96]; /* "" when none */
    char phone[16]; /* "" when none; area +86 */
    char token[80];
    char mfa_secret[48]; /* "" when MFA is off */
    long long last_step; /* the last TOTP step used */
};

/* cmocka group setup: one server with code limits out of the way (resend 0 s, generous
 * per-recipient counts) plus extra flags (NULL-terminated, may be NULL). */
int sec_group_setup_with(void **state, const char *const *extra);
int sec_group_setup(void **state);
int sec_group_teardown(void **state);
extern struct e2e_server *sec_server;

/* Registers a customer by email (with a password) / by phone (+86). */
void sec_register_email(struct sec_cust *c, const char *local);
void sec_register_phone(struct sec_cust *c);
/* A token call with a jansson body (consumed). */
struct e2e_resp sec_call(const struct sec_cust *c, const char *route, json_t *body);
/* A LOGINED code of the customer's own email ("EMAIL") or phone ("SMS"): sendToken, code. */
void sec_logined(const struct sec_cust *c, const char *channel, char tok[100], char code[7]);
/* A COMMON code to a new contact (toUser as the client sends it, rcpt as the log shows it). */
void sec_common(const struct sec_cust *c, const char *channel, const char *to_user,
                const char *rcpt, char tok[100], char code[7]);
/* The TOTP of the customer's secret for a step after the last one used (never a replay). */
void sec_totp_next(struct sec_cust *c, char out[7]);
/* The code of the last step used again (a replay). */
void sec_totp_replay(const struct sec_cust *c, char out[7]);
/* Turns MFA on through generateGoogleAccount + enableOrForbidMFA, asserting "0". */
void sec_mfa_on(struct sec_cust *c);
/* The payload of findCustomerInfo (new reference), asserting "0" and contract E. */
json_t *sec_info(const struct sec_cust *c);
/* The delivery-log line of the next message to `to` (new reference; asserts it comes). */
json_t *sec_delivery(const char *to);

#endif
