/* tests/api/test_mfa_password.c — Google Authenticator (contract C14) and passwords (C13,
 * C2 proofs), in process: the pending secret and its otpauth URI, binding and unbinding
 * with LOGINED codes, login with googleCode (missing, wrong, replayed), and setting,
 * changing and resetting the login password with the sessions each one ends. TOTP codes
 * come from totp_code_at at the fake clock (tests/unit/crypto/test_totp.c checks it
 * against RFC 6238 and an independent implementation). */
#include "support/test_app.h"

#include "crypto/totp.h"
#include "util/clock.h"

#include <stdio.h>
#include <string.h>

#define BIZ_LOGINED "EMAIL_LOGINED_VERIFICATION_CODE"
#define BIZ_PASSWORD "EMAIL_PASSWORD_VERIFICATION_CODE"
#define BIZ_LOGIN "EMAIL_LOGIN_VERIFICATION_CODE"
#define STEP_MS INT64_C(30000)

/* Moves the fake clock to TA_T0 + offset_ms. */
static void at(int64_t offset_ms)
{
    clock_fake_set(TA_T0 + offset_ms);
}

/* The TOTP code of the current step + delta. */
static void totp(const char *secret, int64_t delta, char out[7])
{
    assert_int_equal(totp_code_at(secret, clock_now_ms() / STEP_MS + delta, out), TA_OK);
}

/* A code no step from now-1 to now+1 has (so it is wrong in the ±1 window). */
static void wrong_totp(const char *secret, char out[7])
{
    char a[7], b[7], c[7];
    totp(secret, -1, a);
    totp(secret, 0, b);
    totp(secret, 1, c);
    const char *avoid[] = {a, b, c};
    ta_other_code(avoid, 3, out);
}

static json_t *info(struct test_app *app, const char *token)
{
    struct ta_hdr h = ta_with_token(token);
    return ta_post(app, TA_R_INFO, &h, "{}");
}

static json_t *mfa_status(struct test_app *app, const char *email)
{
    return ta_post(app, TA_R_MFA_STATUS, NULL, "{s:i,s:s}", "type", 1, "loginName", email);
}

/* A LOGINED code for the signed-in customer's own email: the sendToken, the code in code. */
static const char *logined_code(struct test_app *app, const char *token, const char *email,
                                char code[7])
{
    struct ta_hdr h = ta_with_token(token);
    const char *tok = TA_SEND_CODE(app, &h, BIZ_LOGINED, NULL);
    TA_CODE(app, email, code);
    return tok;
}

static json_t *mfa_change(struct test_app *app, const char *token, int type, int64_t google_id,
                          const char *google_code, const char *code_email, const char *send_email)
{
    struct ta_hdr h = ta_with_token(token);
    return ta_post(app, TA_R_MFA_CHANGE, &h, "{s:i,s:I,s:s*,s:s*,s:s*}", "type", type, "googleId",
                   (json_int_t)google_id, "googleCode", google_code, "verifyCodeEmail", code_email,
                   "sendTokenEmail", send_email);
}

struct mfa_customer {
    const char *email;
    const char *token; /* the registration session */
    const char *customer_no;
    const char *secret;
    int64_t google_id;
};

/* Registers email with TA_PWD at TA_T0 and turns MFA on with the code of step T0/30 s,
 * asserting each step. */
static struct mfa_customer mfa_on(struct test_app *app, const char *email)
{
    struct mfa_customer m = {.email = email};
    at(0);
    const json_t *reg = TA_REGISTER_EMAIL(app, NULL, email, TA_PWD);
    m.token = TA_STR(reg, "token");
    m.customer_no = TA_STR(reg, "customerNo");

    struct ta_hdr h = ta_with_token(m.token);
    json_t *gen = ta_post(app, TA_R_MFA_GENERATE, &h, "{}");
    TA_EXPECT(gen, "0");
    m.google_id = TA_INT(ta_data(gen), "id");
    m.secret = TA_STR(ta_data(gen), "secret");

    char code[7], google[7];
    const char *tok = logined_code(app, m.token, email, code);
    totp(m.secret, 0, google);
    TA_EXPECT(mfa_change(app, m.token, 1, m.google_id, google, code, tok), "0");
    return m;
}

/* ---- generateGoogleAccount ------------------------------------------------------------------ */

static void mfa_generate__pending_id_base32_secret_and_otpauth_uri(void **state)
{
    struct test_app *app = *state;
    const json_t *reg = TA_REGISTER_EMAIL(app, NULL, "gen@example.com", TA_PWD);
    struct ta_hdr h = ta_with_token(TA_STR(reg, "token"));

    json_t *env = ta_post(app, TA_R_MFA_GENERATE, &h, "{}");
    TA_EXPECT(env, "0");
    const json_t *d = ta_data(env);
    assert_int_equal(json_object_size(d), 3);
    assert_true(TA_INT(d, "id") > 0);
    const char *secret = TA_STR(d, "secret");
    assert_int_equal(strlen(secret), 32);
    assert_int_equal(strspn(secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), 32);
    char want[256];
    snprintf(want, sizeof want,
             "otpauth://totp/tradeauth:%s?secret=%s&issuer=tradeauth&digits=6&period=30",
             TA_STR(reg, "customerNo"), secret);
    assert_string_equal(TA_STR(d, "qrcode"), want);

    /* Nothing is bound yet. */
    assert_int_equal(TA_INT(ta_data(info(app, TA_STR(reg, "token"))), "googleId"), -1);
    /* A token is required. */
    TA_EXPECT(ta_post(app, TA_R_MFA_GENERATE, NULL, "{}"), "GATEWAY_CODE_001");
}

/* ---- enableOrForbidMFA ------------------------------------------------------------------------
 */

static void mfa_enable__logined_code_and_totp__binds_the_pending_id_once(void **state)
{
    struct test_app *app = *state;
    assert_int_equal(json_integer_value(ta_data(mfa_status(app, "on@example.com"))), 0);
    struct mfa_customer m = mfa_on(app, "on@example.com");

    json_t *me = info(app, m.token);
    TA_EXPECT(me, "0");
    assert_int_equal(TA_INT(ta_data(me), "googleId"), m.google_id);

    /* Status: 1 for this account, 0 for an unknown one. */
    json_t *st = mfa_status(app, "on@example.com");
    TA_EXPECT(st, "0");
    assert_true(json_is_integer(ta_data(st)));
    assert_int_equal(json_integer_value(ta_data(st)), 1);
    st = mfa_status(app, "nobody@example.com");
    TA_EXPECT(st, "0");
    assert_int_equal(json_integer_value(ta_data(st)), 0);

    /* Enabling again: already bound, whatever else the request holds. */
    at(2 * TA_MINUTE);
    char code[7], google[7];
    const char *tok = logined_code(app, m.token, m.email, code);
    totp(m.secret, 0, google);
    TA_EXPECT(mfa_change(app, m.token, 1, m.google_id, google, code, tok), "CUSTOMER_API_0000115");
    TA_EXPECT(mfa_change(app, m.token, 1, m.google_id, NULL, NULL, NULL), "CUSTOMER_API_0000115");
}

static void mfa_enable__wrong_logined_code_or_totp__refused_and_nothing_bound(void **state)
{
    struct test_app *app = *state;
    const json_t *reg = TA_REGISTER_EMAIL(app, NULL, "careful@example.com", TA_PWD);
    const char *token = TA_STR(reg, "token");
    struct ta_hdr h = ta_with_token(token);
    json_t *gen = ta_post(app, TA_R_MFA_GENERATE, &h, "{}");
    TA_EXPECT(gen, "0");
    int64_t id = TA_INT(ta_data(gen), "id");
    const char *secret = TA_STR(ta_data(gen), "secret");

    char code[7], wrong[7], google[7], bad_google[7];
    const char *tok = logined_code(app, token, "careful@example.com", code);
    const char *avoid[] = {code};
    ta_other_code(avoid, 1, wrong);
    totp(secret, 0, google);
    wrong_totp(secret, bad_google);

    TA_EXPECT_PARAMS(mfa_change(app, token, 1, id, google, wrong, tok), "MESSAGE_API_0000201", "4");
    TA_EXPECT(mfa_change(app, token, 1, id, bad_google, code, tok), "CUSTOMER_API_0000107");
    /* C21: an incomplete step-up is 0000119 naming the missing field. */
    TA_EXPECT_PARAMS(mfa_change(app, token, 1, id, google, NULL, NULL), "CUSTOMER_API_0000119",
                     "verifyCodeEmail");
    TA_EXPECT_PARAMS(mfa_change(app, token, 1, id + 1, google, code, tok), "CUSTOMER_API_0000100",
                     "googleId");
    assert_int_equal(TA_INT(ta_data(info(app, token)), "googleId"), -1);
    /* The LOGINED ticket was not consumed by the refusals. */
    TA_EXPECT(mfa_change(app, token, 1, id, google, code, tok), "0");
}

static void mfa_enable__malformed_google_code__field_error(void **state)
{
    struct test_app *app = *state;
    const json_t *reg = TA_REGISTER_EMAIL(app, NULL, "typo@example.com", TA_PWD);
    const char *token = TA_STR(reg, "token");
    static const char *const bad[] = {"12345", "abcdef", "1234567"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        TA_EXPECT_PARAMS(mfa_change(app, token, 1, 1, bad[i], NULL, NULL), "CUSTOMER_API_0000100",
                         "googleCode");
        struct ta_hdr none = {0};
        TA_EXPECT_PARAMS(ta_post(app, TA_R_LOGIN, &none, "{s:i,s:s,s:i,s:s,s:s}", "type", 1,
                                 "loginName", "typo@example.com", "device", 2, "loginPwd", TA_PWD,
                                 "googleCode", bad[i]),
                         "CUSTOMER_API_0000100", "googleCode");
    }
}

/* ---- login with MFA on ------------------------------------------------------------------------
 */

static void login__mfa_on__code_missing_106_wrong_107_right_0_replayed_107(void **state)
{
    struct test_app *app = *state;
    struct mfa_customer m = mfa_on(app, "login-mfa@example.com");
    char google[7], wrong[7], enable_step[7];
    totp(m.secret, 0, enable_step);
    at(STEP_MS); /* the next step */

    TA_EXPECT(ta_login_email(app, NULL, m.email, TA_PWD, NULL), "CUSTOMER_API_0000106");
    wrong_totp(m.secret, wrong);
    TA_EXPECT(ta_login_email(app, NULL, m.email, TA_PWD, wrong), "CUSTOMER_API_0000107");
    /* The step enabling used, though still inside the window: never again. */
    TA_EXPECT(ta_login_email(app, NULL, m.email, TA_PWD, enable_step), "CUSTOMER_API_0000107");
    /* A wrong password with the right code is the password failure. */
    totp(m.secret, 0, google);
    TA_EXPECT(ta_login_email(app, NULL, m.email, TA_PWD_OTHER, google), "CUSTOMER_API_0000102");

    json_t *ok = ta_login_email(app, NULL, m.email, TA_PWD, google);
    TA_EXPECT(ok, "0");
    assert_int_equal(TA_INT(ta_data(ok), "googleId"), m.google_id);
    TA_EXPECT(ta_login_email(app, NULL, m.email, TA_PWD, google), "CUSTOMER_API_0000107");
    /* Next step: a fresh code works again. */
    at(2 * STEP_MS);
    totp(m.secret, 0, google);
    TA_EXPECT(ta_login_email(app, NULL, m.email, TA_PWD, google), "0");
}

static void login__ten_wrong_google_codes__count_as_failures_and_lock(void **state)
{
    struct test_app *app = *state;
    struct mfa_customer m = mfa_on(app, "mfa-lock@example.com");
    char google[7], wrong[7];
    at(STEP_MS);
    wrong_totp(m.secret, wrong);
    for (int i = 0; i < 10; i++)
        TA_EXPECT(ta_login_email(app, NULL, m.email, TA_PWD, wrong), "CUSTOMER_API_0000107");
    totp(m.secret, 0, google);
    TA_EXPECT_PARAMS(ta_login_email(app, NULL, m.email, TA_PWD, google), "CUSTOMER_API_0000103",
                     "15");
}

/* ---- disabling ------------------------------------------------------------------------------- */

static void mfa_disable__totp_of_a_later_step__unbinds_then_115(void **state)
{
    struct test_app *app = *state;
    struct mfa_customer m = mfa_on(app, "off@example.com");

    /* LOGINED codes may be resent after 60 s. */
    at(3 * STEP_MS);
    char code[7], google[7];
    const char *tok = logined_code(app, m.token, m.email, code);
    totp(m.secret, 0, google);
    /* The step a login just used is refused for disabling too; the ticket survives. */
    TA_EXPECT(ta_login_email(app, NULL, m.email, TA_PWD, google), "0");
    TA_EXPECT(mfa_change(app, m.token, 2, 0, google, code, tok), "CUSTOMER_API_0000107");
    TA_EXPECT_PARAMS(mfa_change(app, m.token, 2, 0, NULL, code, tok), "CUSTOMER_API_0000119",
                     "googleCode"); /* C21: the step-up's missing TOTP */

    at(4 * STEP_MS);
    totp(m.secret, 0, google);
    TA_EXPECT(mfa_change(app, m.token, 2, 0, google, code, tok), "0");
    json_t *me = info(app, m.token);
    TA_EXPECT(me, "0");
    assert_int_equal(TA_INT(ta_data(me), "googleId"), -1);
    assert_int_equal(json_integer_value(ta_data(mfa_status(app, m.email))), 0);
    TA_EXPECT(mfa_change(app, m.token, 2, 0, google, code, tok), "CUSTOMER_API_0000115");

    /* Login without googleCode again. */
    TA_EXPECT(ta_login_email(app, NULL, m.email, TA_PWD, NULL), "0");
}

/* ---- bindLoginPwd ------------------------------------------------------------------------------
 */

static json_t *bind_pwd(struct test_app *app, const char *token, const char *pwd)
{
    struct ta_hdr h = ta_with_token(token);
    return ta_post(app, TA_R_BIND_PWD, &h, "{s:s}", "pwd", pwd);
}

static void bind_pwd__password_already_set__109(void **state)
{
    struct test_app *app = *state;
    const json_t *reg = TA_REGISTER_EMAIL(app, NULL, "set@example.com", TA_PWD);
    TA_EXPECT(bind_pwd(app, TA_STR(reg, "token"), TA_PWD_OTHER), "CUSTOMER_API_0000109");
    TA_EXPECT(ta_login_email(app, NULL, "set@example.com", TA_PWD, NULL), "0");
    TA_EXPECT(ta_login_email(app, NULL, "set@example.com", TA_PWD_OTHER, NULL),
              "CUSTOMER_API_0000102");
}

static void bind_pwd__registered_without_one__0_and_login_pass_status_2(void **state)
{
    struct test_app *app = *state;
    const json_t *reg = TA_REGISTER_EMAIL(app, NULL, "nopwd@example.com", NULL);
    const char *token = TA_STR(reg, "token");
    assert_string_equal(TA_STR(reg, "loginPassStatus"), "1");
    TA_EXPECT(ta_login_email(app, NULL, "nopwd@example.com", TA_PWD, NULL), "CUSTOMER_API_0000102");

    TA_EXPECT_PARAMS(bind_pwd(app, token, "not-md5"), "CUSTOMER_API_0000100", "pwd");
    json_t *env = bind_pwd(app, token, TA_PWD);
    TA_EXPECT(env, "0");
    assert_true(json_is_null(ta_data(env)));
    json_t *me = info(app, token);
    TA_EXPECT(me, "0");
    assert_string_equal(TA_STR(ta_data(me), "loginPassStatus"), "2");
    TA_EXPECT(ta_login_email(app, NULL, "nopwd@example.com", TA_PWD, NULL), "0");
    TA_EXPECT(bind_pwd(app, token, TA_PWD_OTHER), "CUSTOMER_API_0000109");
}

/* ---- updateLoginPwd ---------------------------------------------------------------------------
 */

static json_t *update_pwd(struct test_app *app, const char *token, const char *old_pwd,
                          const char *new_pwd)
{
    struct ta_hdr h = ta_with_token(token);
    return ta_post(app, TA_R_UPDATE_PWD, &h, "{s:s,s:s}", "oldPwd", old_pwd, "newPwd", new_pwd);
}

static void update_pwd__wrong_old_108__right_0_other_sessions_end_current_lives(void **state)
{
    struct test_app *app = *state;
    const char *email = "change@example.com";
    const json_t *reg = TA_REGISTER_EMAIL(app, NULL, email, TA_PWD);
    const char *other = TA_STR(reg, "token"); /* device 1 */
    json_t *login = ta_login_email(app, NULL, email, TA_PWD, NULL);
    TA_EXPECT(login, "0");
    const char *current = TA_STR(ta_data(login), "token"); /* device 2 */

    TA_EXPECT(update_pwd(app, current, TA_PWD_OTHER, TA_PWD_THIRD), "CUSTOMER_API_0000108");
    TA_EXPECT_PARAMS(update_pwd(app, current, TA_PWD, "not-hex"), "CUSTOMER_API_0000100", "newPwd");
    TA_EXPECT_PARAMS(update_pwd(app, current, TA_PWD, "e10adc3949ba59abbe56e057f20f883"),
                     "CUSTOMER_API_0000100", "newPwd"); /* 31 hex */
    TA_EXPECT_PARAMS(update_pwd(app, current, TA_PWD, "g10adc3949ba59abbe56e057f20f883e"),
                     "CUSTOMER_API_0000100", "newPwd");
    /* Nothing changed so far. */
    TA_EXPECT(info(app, other), "0");

    TA_EXPECT(update_pwd(app, current, TA_PWD, TA_PWD_OTHER), "0");
    TA_EXPECT(info(app, other), "GATEWAY_CODE_005");
    TA_EXPECT(info(app, current), "0");
    TA_EXPECT(ta_login_email(app, NULL, email, TA_PWD_OTHER, NULL), "0");
    TA_EXPECT(ta_login_email(app, NULL, email, TA_PWD, NULL), "CUSTOMER_API_0000102");
}

/* ---- forgot password ---------------------------------------------------------------------------
 */

static json_t *code_check(struct test_app *app, const char *biz, const char *to, const char *tok,
                          const char *code)
{
    return ta_post(app, TA_R_CHECK, NULL, "{s:s,s:s,s:s,s:s}", "bizType", biz, "toUser", to,
                   "sendToken", tok, "code", code);
}

static json_t *forget(struct test_app *app, const char *email, const char *code, const char *tok,
                      const char *proof, const char *new_pwd)
{
    return ta_post(app, TA_R_FORGET_PWD, NULL, "{s:i,s:s,s:s*,s:s*,s:s*,s:s}", "type", 1,
                   "loginName", email, "verifyCode", code, "sendToken", tok, "verifyCodeToken",
                   proof, "newPwd", new_pwd);
}

/* A verified code for biz to email: the proof, with the code and sendToken in code/tok. */
static const char *proof_for(struct test_app *app, const char *biz, const char *email, char code[7],
                             const char **tok)
{
    *tok = TA_SEND_CODE(app, NULL, biz, email);
    TA_CODE(app, email, code);
    json_t *env = code_check(app, biz, email, *tok, code);
    TA_EXPECT(env, "0");
    const char *proof = TA_STR(ta_data(env), "token");
    assert_int_equal(strlen(proof), 64);
    return proof;
}

static void forget_pwd__code_then_proof__resets_and_ends_every_session(void **state)
{
    struct test_app *app = *state;
    const char *email = "forgot@example.com";
    const json_t *reg = TA_REGISTER_EMAIL(app, NULL, email, TA_PWD);
    const char *s1 = TA_STR(reg, "token");
    json_t *login = ta_login_email(app, NULL, email, TA_PWD, NULL);
    TA_EXPECT(login, "0");
    const char *s2 = TA_STR(ta_data(login), "token");

    json_t *st = ta_post(app, TA_R_CHECK_STATUS, NULL, "{s:i,s:s}", "type", 1, "loginName", email);
    TA_EXPECT(st, "0");
    assert_int_equal(TA_INT(ta_data(st), "status"), 1);

    char code[7], wrong[7];
    const char *tok = TA_SEND_CODE(app, NULL, BIZ_PASSWORD, email);
    TA_CODE(app, email, code);
    const char *avoid[] = {code};
    ta_other_code(avoid, 1, wrong);
    TA_EXPECT_PARAMS(code_check(app, BIZ_PASSWORD, email, tok, wrong), "MESSAGE_API_0000201", "4");
    json_t *chk = code_check(app, BIZ_PASSWORD, email, tok, code);
    TA_EXPECT(chk, "0");
    const char *proof = TA_STR(ta_data(chk), "token");

    TA_EXPECT(forget(app, email, code, tok, proof, TA_PWD_OTHER), "0");
    TA_EXPECT(info(app, s1), "GATEWAY_CODE_005");
    TA_EXPECT(info(app, s2), "GATEWAY_CODE_005");
    TA_EXPECT(ta_login_email(app, NULL, email, TA_PWD_OTHER, NULL), "0");
    TA_EXPECT(ta_login_email(app, NULL, email, TA_PWD, NULL), "CUSTOMER_API_0000102");

    /* Proof, code and ticket are spent. */
    TA_EXPECT(forget(app, email, NULL, NULL, proof, TA_PWD_THIRD), "MESSAGE_API_0000202");
    TA_EXPECT(forget(app, email, code, tok, NULL, TA_PWD_THIRD), "MESSAGE_API_0000202");
    TA_EXPECT(forget(app, email, code, tok, proof, TA_PWD_THIRD), "MESSAGE_API_0000202");
    TA_EXPECT(ta_login_email(app, NULL, email, TA_PWD_OTHER, NULL), "0");
}

static void forget_pwd__proof_alone__resets(void **state)
{
    struct test_app *app = *state;
    const char *email = "proof-only@example.com";
    TA_REGISTER_EMAIL(app, NULL, email, TA_PWD);
    char code[7];
    const char *tok;
    const char *proof = proof_for(app, BIZ_PASSWORD, email, code, &tok);
    TA_EXPECT(forget(app, email, NULL, NULL, proof, TA_PWD_OTHER), "0");
    TA_EXPECT(ta_login_email(app, NULL, email, TA_PWD_OTHER, NULL), "0");
    /* The proof's ticket went with it. */
    TA_EXPECT(forget(app, email, code, tok, NULL, TA_PWD_THIRD), "MESSAGE_API_0000202");
}

static void forget_pwd__proof_of_another_biz_type_or_recipient__202(void **state)
{
    struct test_app *app = *state;
    const char *x = "x@example.com", *y = "y@example.com";
    TA_REGISTER_EMAIL(app, NULL, x, TA_PWD);
    TA_REGISTER_EMAIL(app, NULL, y, TA_PWD);
    char code[7];
    const char *tok;

    /* A LOGIN proof for x's own address. */
    const char *login_proof = proof_for(app, BIZ_LOGIN, x, code, &tok);
    TA_EXPECT(forget(app, x, NULL, NULL, login_proof, TA_PWD_OTHER), "MESSAGE_API_0000202");
    /* A PASSWORD proof for y, presented for x. */
    const char *y_proof = proof_for(app, BIZ_PASSWORD, y, code, &tok);
    TA_EXPECT(forget(app, x, NULL, NULL, y_proof, TA_PWD_OTHER), "MESSAGE_API_0000202");
    /* y's code and sendToken presented for x. */
    TA_EXPECT(forget(app, x, code, tok, NULL, TA_PWD_OTHER), "MESSAGE_API_0000202");

    TA_EXPECT(ta_login_email(app, NULL, x, TA_PWD, NULL), "0");
    TA_EXPECT(ta_login_email(app, NULL, x, TA_PWD_OTHER, NULL), "CUSTOMER_API_0000102");
    /* The refusals changed nothing: y's proof still resets y's password. */
    TA_EXPECT(forget(app, y, NULL, NULL, y_proof, TA_PWD_OTHER), "0");
    TA_EXPECT(ta_login_email(app, NULL, y, TA_PWD_OTHER, NULL), "0");
}

static void forget_pwd__locked_account__reset_clears_the_lock(void **state)
{
    struct test_app *app = *state;
    const char *email = "locked-out@example.com";
    TA_REGISTER_EMAIL(app, NULL, email, TA_PWD);
    for (int i = 0; i < 10; i++)
        TA_EXPECT(ta_login_email(app, NULL, email, TA_PWD_OTHER, NULL), "CUSTOMER_API_0000102");
    TA_EXPECT_PARAMS(ta_login_email(app, NULL, email, TA_PWD, NULL), "CUSTOMER_API_0000103", "15");
    char code[7];
    const char *tok;
    const char *proof = proof_for(app, BIZ_PASSWORD, email, code, &tok);
    TA_EXPECT(forget(app, email, code, tok, proof, TA_PWD_THIRD), "0");
    TA_EXPECT(ta_login_email(app, NULL, email, TA_PWD_THIRD, NULL), "0");
}

/* ---- MFA on: every password route wants googleCode ----------------------------------------- */

static void password_routes__mfa_on__google_code_required(void **state)
{
    struct test_app *app = *state;
    struct mfa_customer m = mfa_on(app, "strict@example.com");
    char google[7], code[7];
    at(STEP_MS);

    struct ta_hdr h = ta_with_token(m.token);
    TA_EXPECT(
        ta_post(app, TA_R_UPDATE_PWD, &h, "{s:s,s:s}", "oldPwd", TA_PWD, "newPwd", TA_PWD_OTHER),
        "CUSTOMER_API_0000106");
    totp(m.secret, 0, google);
    TA_EXPECT(ta_post(app, TA_R_UPDATE_PWD, &h, "{s:s,s:s,s:s}", "oldPwd", TA_PWD, "newPwd",
                      TA_PWD_OTHER, "googleCode", google),
              "0");

    at(3 * STEP_MS);
    const char *tok;
    const char *proof = proof_for(app, BIZ_PASSWORD, m.email, code, &tok);
    TA_EXPECT(forget(app, m.email, code, tok, proof, TA_PWD_THIRD), "CUSTOMER_API_0000106");
    totp(m.secret, 0, google);
    TA_EXPECT(ta_post(app, TA_R_FORGET_PWD, NULL, "{s:i,s:s,s:s,s:s,s:s,s:s,s:s}", "type", 1,
                      "loginName", m.email, "verifyCode", code, "sendToken", tok, "verifyCodeToken",
                      proof, "newPwd", TA_PWD_THIRD, "googleCode", google),
              "0");
    at(4 * STEP_MS);
    totp(m.secret, 0, google);
    TA_EXPECT(ta_login_email(app, NULL, m.email, TA_PWD_THIRD, google), "0");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, test_app_setup, test_app_teardown)
    const struct CMUnitTest tests[] = {
        T(mfa_generate__pending_id_base32_secret_and_otpauth_uri),
        T(mfa_enable__logined_code_and_totp__binds_the_pending_id_once),
        T(mfa_enable__wrong_logined_code_or_totp__refused_and_nothing_bound),
        T(mfa_enable__malformed_google_code__field_error),
        T(login__mfa_on__code_missing_106_wrong_107_right_0_replayed_107),
        T(login__ten_wrong_google_codes__count_as_failures_and_lock),
        T(mfa_disable__totp_of_a_later_step__unbinds_then_115),
        T(bind_pwd__password_already_set__109),
        T(bind_pwd__registered_without_one__0_and_login_pass_status_2),
        T(update_pwd__wrong_old_108__right_0_other_sessions_end_current_lives),
        T(forget_pwd__code_then_proof__resets_and_ends_every_session),
        T(forget_pwd__proof_alone__resets),
        T(forget_pwd__proof_of_another_biz_type_or_recipient__202),
        T(forget_pwd__locked_account__reset_clears_the_lock),
        T(password_routes__mfa_on__google_code_required),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
