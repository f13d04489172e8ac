/* api/security_doc.c — the whole body of each security-center route as one field table, for
 * the OpenAPI description only: the handlers bind the route's own fields and the step-up
 * shape (api/stepup_bind.c) separately, so no single handler table lists everything. */
#include "api/openapi.h"
#include "domain/alerts.h"
#include "domain/devices.h"

struct doc_any {
    const char *s;
    int64_t i;
};

#define S(n, lo, hi, req) FIELD_STR(n, struct doc_any, s, lo, hi, req)
#define C(n) FIELD_CODE6(n, struct doc_any, s, OPTIONAL)
#define M(n, req) FIELD_MD5(n, struct doc_any, s, req)
#define I(n, lo, hi, req) FIELD_INT(n, struct doc_any, i, lo, hi, req)
#define STEPUP_CODES                                                                               \
    C("verifyCodeSMS"), S("sendTokenSMS", 1, 128, OPTIONAL), C("verifyCodeEmail"),                 \
        S("sendTokenEmail", 1, 128, OPTIONAL), C("phoneCode"),                                     \
        S("phoneSendToken", 1, 128, OPTIONAL), C("emailCode"),                                     \
        S("emailSendToken", 1, 128, OPTIONAL), C("googleCode")
#define STEPUP_OLD C("verifyCodeOld"), S("sendTokenOld", 1, 128, OPTIONAL), C("googleCode")

static const struct field phone_doc[] = {
    S("phone", 1, 15, REQUIRED),
    S("phoneArea", 1, 8, OPTIONAL),
    FIELD_CODE6("verifyCode", struct doc_any, s, REQUIRED),
    S("sendToken", 1, 128, REQUIRED),
    STEPUP_OLD,
    FIELD_END,
};
static const struct field email_doc[] = {
    S("email", 3, 128, REQUIRED),
    FIELD_CODE6("verifyCode", struct doc_any, s, REQUIRED),
    S("sendToken", 1, 128, REQUIRED),
    STEPUP_OLD,
    FIELD_END,
};
static const struct field country_doc[] = {S("newCountry", 1, 64, REQUIRED), FIELD_END};
static const struct field fund_bind_doc[] = {M("pwd", REQUIRED), C("googleCode"), FIELD_END};
static const struct field fund_update_doc[] = {M("oldPwd", REQUIRED), M("newPwd", REQUIRED),
                                               C("googleCode"), FIELD_END};
static const struct field fund_forget_doc[] = {
    I("type", 1, 2, REQUIRED),
    S("loginName", 1, 140, REQUIRED),
    S("phoneArea", 1, 8, OPTIONAL),
    C("verifyCode"),
    S("sendToken", 1, 128, OPTIONAL),
    S("verifyCodeToken", 0, 0, OPTIONAL),
    M("newPwd", REQUIRED),
    C("googleCode"),
    FIELD_END,
};
static const struct field fund_verify_doc[] = {M("pwd", REQUIRED), FIELD_END};
static const struct field end_session_doc[] = {S("sessionId", 1, 64, REQUIRED), FIELD_END};
static const struct field history_doc[] = {I("page", 1, 1000000, OPTIONAL),
                                           I("pageSize", 1, HISTORY_PAGE_MAX, OPTIONAL), FIELD_END};
static const struct field destroy_doc[] = {S("remark", 1, 512, OPTIONAL), FIELD_END};
static const struct field not_me_doc[] = {S("code", 64, 64, REQUIRED), FIELD_END};
static const struct field phish_doc[] = {S("antiPhishingCode", 1, ANTI_PHISH_MAX, REQUIRED),
                                         STEPUP_CODES, FIELD_END};

const struct field *const api_doc_bind_phone = phone_doc;
const struct field *const api_doc_bind_email = email_doc;
const struct field *const api_doc_change_country = country_doc;
const struct field *const api_doc_fund_bind = fund_bind_doc;
const struct field *const api_doc_fund_update = fund_update_doc;
const struct field *const api_doc_fund_forget = fund_forget_doc;
const struct field *const api_doc_fund_verify = fund_verify_doc;
const struct field *const api_doc_end_session = end_session_doc;
const struct field *const api_doc_history = history_doc;
const struct field *const api_doc_destroy = destroy_doc;
const struct field *const api_doc_not_me = not_me_doc;
const struct field *const api_doc_anti_phishing = phish_doc;
