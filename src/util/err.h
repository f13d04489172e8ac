/* util/err.h — the one error vocabulary of tradeauth.
 * Every fallible function returns ta_err; only http/respond.c turns one into an
 * HTTP status, an envelope code and a message in the caller's language. */
#ifndef TA_UTIL_ERR_H
#define TA_UTIL_ERR_H

/* X(name, http_status, wire_code).
 * Append only: clients already branch on wire codes. The message for each code
 * lives in util/i18n.c, keyed by the wire code. Internal answers (NOT_FOUND,
 * CONFLICT, RETRY) never reach the wire: the edge maps them to GATEWAY_CODE_500. */
#define TA_ERR_LIST(X)                                                                             \
    X(OK, 200, "0")                                                                                \
    X(E_TOKEN, 200, "GATEWAY_CODE_001")                                                            \
    X(E_NO_COMPANY, 200, "GATEWAY_CODE_002")                                                       \
    X(E_BAD_REQUEST, 200, "GATEWAY_CODE_003")                                                      \
    X(E_METHOD, 405, "GATEWAY_CODE_003")                                                           \
    X(E_TOO_LARGE, 413, "GATEWAY_CODE_003")                                                        \
    X(E_RATE_LIMITED, 200, "GATEWAY_CODE_004")                                                     \
    X(E_SESSION_ENDED, 200, "GATEWAY_CODE_005")                                                    \
    X(E_VERSION, 200, "GATEWAY_CODE_006")                                                          \
    X(E_NO_ROUTE, 404, "GATEWAY_CODE_404")                                                         \
    X(E_INTERNAL, 200, "GATEWAY_CODE_500")                                                         \
    X(E_FIELD, 200, "CUSTOMER_API_0000100")                                                        \
    X(E_CREDENTIALS, 200, "CUSTOMER_API_0000102")                                                  \
    X(E_LOCKED, 200, "CUSTOMER_API_0000103")                                                       \
    X(E_DISABLED, 200, "CUSTOMER_API_0000104")                                                     \
    X(E_DUPLICATE, 200, "CUSTOMER_API_0000105")                                                    \
    X(E_MFA_REQUIRED, 200, "CUSTOMER_API_0000106")                                                 \
    X(E_MFA_WRONG, 200, "CUSTOMER_API_0000107")                                                    \
    X(E_OLD_PASSWORD, 200, "CUSTOMER_API_0000108")                                                 \
    X(E_PASSWORD_SET, 200, "CUSTOMER_API_0000109")                                                 \
    X(E_NO_TWIN, 200, "CUSTOMER_API_0000110")                                                      \
    X(E_NOT_DEMO, 200, "CUSTOMER_API_0000111")                                                     \
    X(E_REFRESH, 200, "CUSTOMER_API_0000112")                                                      \
    X(E_NOT_OFFERED, 200, "CUSTOMER_API_0000113")                                                  \
    X(E_DEMO_COMPANY, 200, "CUSTOMER_API_0000114")                                                 \
    X(E_MFA_STATE, 200, "CUSTOMER_API_0000115")                                                    \
    X(E_PENDING_REVIEW, 200, "CUSTOMER_API_00010001")                                              \
    X(E_CODE_WRONG, 200, "MESSAGE_API_0000201")                                                    \
    X(E_CODE_SPENT, 200, "MESSAGE_API_0000202")                                                    \
    X(E_CODE_EXHAUSTED, 200, "MESSAGE_API_0000203")                                                \
    X(E_CODE_COOLDOWN, 200, "MESSAGE_API_0000204")                                                 \
    X(E_SEND_LIMIT, 200, "MESSAGE_API_0000205")                                                    \
    X(E_BIZTYPE, 200, "MESSAGE_API_0000206")                                                       \
    X(E_FUND_STATE, 200, "CUSTOMER_API_0000116")                                                   \
    X(E_FUND_WRONG, 200, "CUSTOMER_API_0000117")                                                   \
    X(E_FUND_LOCKED, 200, "CUSTOMER_API_0000118")                                                  \
    X(E_STEPUP, 200, "CUSTOMER_API_0000119")                                                       \
    X(E_CONTACT_STATE, 200, "CUSTOMER_API_0000120")                                                \
    X(E_DELETED, 200, "CUSTOMER_API_0000121")                                                      \
    X(E_NO_SESSION, 200, "CUSTOMER_API_0000122")                                                   \
    X(E_NOT_FOUND, 200, "GATEWAY_CODE_500")                                                        \
    X(E_CONFLICT, 200, "GATEWAY_CODE_500")                                                         \
    X(E_RETRY, 200, "GATEWAY_CODE_500")                                                            \
    X(E_FRAMING, 400, "GATEWAY_CODE_003") /* ambiguous body framing (RFC 9112 §6): closes */      \
    X(E_URI_TOO_LONG, 414, "GATEWAY_CODE_003")                                                     \
    X(E_HEAD_TOO_LARGE, 431, "GATEWAY_CODE_003")                                                   \
    X(E_HTTP_VERSION, 505, "GATEWAY_CODE_003")

typedef enum {
#define X(name, status, code) TA_##name,
    TA_ERR_LIST(X)
#undef X
        TA_ERR_COUNT_
} ta_err;

/* "E_CREDENTIALS": for logs and tests. Never NULL. */
const char *ta_err_name(ta_err e);
/* The envelope code ("CUSTOMER_API_0000102") and HTTP status of e. */
const char *ta_err_wire(ta_err e);
unsigned ta_err_status(ta_err e);

/* For failures the client did not cause: logs file:line once, returns e. */
#define TA_FAIL(e) ta_err_at((e), __FILE__, __LINE__)
ta_err ta_err_at(ta_err e, const char *file, int line);

#endif
