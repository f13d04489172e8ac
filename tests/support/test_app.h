/* tests/support/test_app.h — tradeauth in-process for the api tests (tests/api/): a fresh
 * SQLite database per app, requests run through the edge's steps (http/request.c), so a
 * test sees the exact wire envelope (code, msg, msgParams) without sockets, threads or a
 * password-hash pool. Time is the fake clock of util/clock.h.
 *
 * Envelopes and every JSON value handed out belong to the app and stay valid until
 * test_app_free: tests never decref what these functions return. */
#ifndef TA_TESTS_SUPPORT_TEST_APP_H
#define TA_TESTS_SUPPORT_TEST_APP_H

/* cmocka.h needs these four first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>

#include "util/config.h"
#include "util/err.h"

/* ---- routes (after the optional prefixes; ta_call strips /api and /cats-gateway too) -- */

#define TA_CWS "customer.app.CustomerWebApiService."
#define TA_R_SEND "/global/message.app.VerificationApiService.verifyCodeSend"
#define TA_R_CHECK "/global/message.app.VerificationApiService.verifyCodeCheck"
#define TA_R_REGISTER "/register/" TA_CWS "register"
#define TA_R_LOGIN "/login/" TA_CWS "login"
#define TA_R_REFRESH "/login/" TA_CWS "refreshToken"
#define TA_R_INFO "/global/" TA_CWS "findCustomerInfo"
#define TA_R_CHECK_STATUS "/global/" TA_CWS "checkStatus"
#define TA_R_SWITCH "/thirdExt/switchAccount"
#define TA_R_RANDOM_KEY "/global/thirdExt/randomKey"
#define TA_R_BIND_PWD "/global/" TA_CWS "bindLoginPwd"
#define TA_R_UPDATE_PWD "/global/" TA_CWS "updateLoginPwd"
#define TA_R_FORGET_PWD "/global/" TA_CWS "forgetLoginPwd"
#define TA_R_MFA_STATUS "/global/" TA_CWS "checkGoogleMFAStatus"
#define TA_R_MFA_GENERATE "/global/customer.app.GoogleVerifyApiService.generateGoogleAccount"
#define TA_R_MFA_CHANGE "/global/" TA_CWS "enableOrForbidMFA"

/* Passwords as clients send them: hex MD5 of the user's password. */
#define TA_PWD "e10adc3949ba59abbe56e057f20f883e"       /* md5("123456") */
#define TA_PWD_OTHER "5f4dcc3b5aa765d61d8327deb882cf99" /* md5("password") */
#define TA_PWD_THIRD "25f9e794323b453885f5181f1b624d0b" /* md5("123456789") */

/* The fake time every app starts at: 2023-11-14T22:13:30Z, a 30-second TOTP step
 * boundary, so step arithmetic in tests stays readable. */
#define TA_T0 INT64_C(1700000010000)
#define TA_SECOND INT64_C(1000)
#define TA_MINUTE (60 * TA_SECOND)
#define TA_HOUR (60 * TA_MINUTE)
#define TA_DAY (24 * TA_HOUR)

/* ---- the app ------------------------------------------------------------------------- */

struct store;

struct test_app {
    struct config cfg;
    struct store *st;       /* the one connection every call uses */
    char dir[PATH_MAX / 2]; /* $TMPDIR/ta-app-XXXXXX */
    char db_path[PATH_MAX]; /* <dir>/db */
    json_t *keep;           /* every envelope handed out, freed with the app */
};

/* A fresh database (sqlite:<dir>/db) migrated, with the default company pair (real 1, demo
 * 2) and the code key loaded. Settings: config_init defaults, argon2id at libsodium's
 * minimum (t=1, m=8 KiB), then tune (may be NULL). Sets the fake clock to TA_T0. Fails the
 * test when anything does not work. */
struct test_app *test_app_new(void (*tune)(struct config *));
/* Closes the store, removes the folder, frees every envelope, clears the fake clock.
 * NULL is fine. */
void test_app_free(struct test_app *app);

/* cmocka fixtures: *state = test_app_new(NULL) / test_app_free(*state). */
int test_app_setup(void **state);
int test_app_teardown(void **state);

/* ---- requests ------------------------------------------------------------------------ */

/* Pass TA_OMIT as the company to send no companyId header. */
extern const char ta_omit[];
#define TA_OMIT ta_omit

/* The request headers a test controls. A NULL struct, or NULL members, mean: companyId
 * "1", no token, no lang (en-US), client address TA_ADDR. */
struct ta_hdr {
    const char *company;
    const char *token;
    const char *lang;
    const char *addr; /* the client address after trusted-proxy resolution */
};
#define TA_ADDR "192.0.2.1"

/* One POST run through the edge's own steps (http/request.c): prefixes stripped, route
 * found, headers and body (JSON text; NULL or "" mean {}) checked and parsed, the handler
 * run at now = clock_now_ms() on the app's connection, the envelope parsed into *out
 * (borrowed; owned by the app). Returns the answer's ta_err. Never asserts. */
ta_err ta_call(struct test_app *app, const char *path, const struct ta_hdr *h, const char *body,
               json_t **out);
/* The same with a json_pack body (a pack error fails the test). Returns the envelope. */
json_t *ta_post(struct test_app *app, const char *path, const struct ta_hdr *h, const char *fmt,
                ...);

/* ---- envelope assertions --------------------------------------------------------------- */

/* Asserts the envelope of contract A4: exactly its nine fields, code (a string) equal to
 * code, msg a non-empty string, data null on failure (except CUSTOMER_API_00010001), trace
 * "t", tm a non-negative integer, bizCode "", ok/fail matching code, and msgParams null
 * (params NULL) or an array of exactly the strings of params (NULL-terminated), each of
 * which msg embeds. */
void ta_expect_(const json_t *env, const char *code, const char *const *params, const char *file,
                int line);
#define TA_EXPECT(env, code) ta_expect_((env), (code), NULL, __FILE__, __LINE__)
#define TA_EXPECT_PARAMS(env, code, ...)                                                           \
    ta_expect_((env), (code), (const char *const[]){__VA_ARGS__, NULL}, __FILE__, __LINE__)
/* As params: msgParams must be an array of exactly one string of digits, value unchecked. */
extern const char *const ta_one_param[];
#define TA_EXPECT_ONE(env, code) ta_expect_((env), (code), ta_one_param, __FILE__, __LINE__)

/* The envelope's data (borrowed). */
const json_t *ta_data(const json_t *env);
/* obj[key] as a string, asserting it is one (borrowed). */
const char *ta_str_(const json_t *obj, const char *key, const char *file, int line);
#define TA_STR(obj, key) ta_str_((obj), (key), __FILE__, __LINE__)
/* obj[key] as an integer, asserting it is one. */
int64_t ta_int_(const json_t *obj, const char *key, const char *file, int line);
#define TA_INT(obj, key) ta_int_((obj), (key), __FILE__, __LINE__)

/* ---- the outbox and the database --------------------------------------------------------- */

/* Claims the pending outbox rows as the delivery worker would (outbox_claim with a lease),
 * takes the newest code addressed to recipient (case-insensitive) and finishes those rows
 * SENT; rows for others go back to PENDING. False when there is none. */
bool ta_outbox_code(struct test_app *app, const char *recipient, char code[7]);
/* Same, asserting there is one. */
void ta_outbox_code_(struct test_app *app, const char *recipient, char code[7], const char *file,
                     int line);
#define TA_CODE(app, rcpt, code) ta_outbox_code_((app), (rcpt), (code), __FILE__, __LINE__)

/* The first column of the first row of sql, with ?1 bound to arg (may be NULL), read from
 * the database file through a separate connection. Fails the test on an SQL error. */
int64_t ta_sql_int(struct test_app *app, const char *sql, const char *arg);
/* Outbox rows (any status) and tickets addressed to recipient. */
int64_t ta_outbox_rows(struct test_app *app, const char *recipient);
int64_t ta_ticket_rows(struct test_app *app, const char *recipient);

/* ---- flows ------------------------------------------------------------------------------ */

/* verifyCodeSend asserting "0"; returns the sendToken (borrowed). to may be NULL. */
const char *ta_send_code_(struct test_app *app, const struct ta_hdr *h, const char *biz,
                          const char *to, const char *file, int line);
#define TA_SEND_CODE(app, h, biz, to) ta_send_code_((app), (h), (biz), (to), __FILE__, __LINE__)

/* A REGISTER code sent to email, read from the outbox, and register called (registerSource
 * 1, so the session's device is 1), asserting "0". pwd NULL registers without a password.
 * Returns data (borrowed): token, rToken, customerNo, id, ... */
const json_t *ta_register_email_(struct test_app *app, const struct ta_hdr *h, const char *email,
                                 const char *pwd, const char *file, int line);
#define TA_REGISTER_EMAIL(app, h, email, pwd)                                                      \
    ta_register_email_((app), (h), (email), (pwd), __FILE__, __LINE__)

/* A password login by email on device 2 (desktop); google_code may be NULL. Not asserted. */
json_t *ta_login_email(struct test_app *app, const struct ta_hdr *h, const char *email,
                       const char *pwd, const char *google_code);

/* Headers carrying a token (company "1", address TA_ADDR). */
struct ta_hdr ta_with_token(const char *token);

/* A six-digit string that differs from each non-NULL code in avoid[0..n). */
void ta_other_code(const char *const *avoid, size_t n, char out[7]);

#endif
