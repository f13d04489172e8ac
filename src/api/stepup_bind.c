/* api/stepup_bind.c — the shapes differ only in names; one table per shape binds them and
 * the missing-field answer names the field the client's own shape uses. */
#include "api/stepup_bind.h"
#include "api/bind.h"

#include <string.h>

struct raw {
    const char *c1, *s1, *e1, *t1; /* shape 1 (or 3/4 in the first pair) */
    const char *c2, *s2, *e2, *t2; /* shape 2 */
    const char *google;
    int64_t type;
};

#define R struct raw
static const struct field codes_fields[] = {
    FIELD_CODE6("verifyCodeSMS", R, c1, OPTIONAL),
    FIELD_STR("sendTokenSMS", R, s1, 1, 128, OPTIONAL),
    FIELD_CODE6("verifyCodeEmail", R, e1, OPTIONAL),
    FIELD_STR("sendTokenEmail", R, t1, 1, 128, OPTIONAL),
    FIELD_CODE6("phoneCode", R, c2, OPTIONAL),
    FIELD_STR("phoneSendToken", R, s2, 1, 128, OPTIONAL),
    FIELD_CODE6("emailCode", R, e2, OPTIONAL),
    FIELD_STR("emailSendToken", R, t2, 1, 128, OPTIONAL),
    FIELD_CODE6("googleCode", R, google, OPTIONAL),
    FIELD_END,
};
static const struct field old_fields[] = {
    FIELD_CODE6("verifyCodeOld", R, c1, OPTIONAL),
    FIELD_STR("sendTokenOld", R, s1, 1, 128, OPTIONAL),
    FIELD_CODE6("googleCode", R, google, OPTIONAL),
    FIELD_END,
};
static const struct field typed_fields[] = {
    FIELD_INT("type", R, type, 1, 2, REQUIRED),
    FIELD_CODE6("verifyCode", R, c1, OPTIONAL),
    FIELD_STR("sendToken", R, s1, 1, 128, OPTIONAL),
    FIELD_CODE6("googleCode", R, google, OPTIONAL),
    FIELD_END,
};
static const struct field totp_fields[] = {
    FIELD_CODE6("googleCode", R, google, OPTIONAL),
    FIELD_END,
};
#undef R

static void part(struct stepup_part *p, const char *code, const char *send, const char *code_name,
                 const char *send_name)
{
    p->code = code;
    p->send = send;
    p->code_name = code_name;
    p->send_name = send_name;
}

ta_err stepup_bind_codes(struct api_req *req, struct stepup *out)
{
    struct raw r;
    memset(&r, 0, sizeof r);
    memset(out, 0, sizeof *out);
    ta_err e = bind_fields(req, codes_fields, &r);
    if (e != TA_OK)
        return e;
    /* Shape 2 only when the client sent none of shape 1's names for that contact. */
    if (r.c1 == NULL && r.s1 == NULL && (r.c2 != NULL || r.s2 != NULL))
        part(&out->sms, r.c2, r.s2, "phoneCode", "phoneSendToken");
    else
        part(&out->sms, r.c1, r.s1, "verifyCodeSMS", "sendTokenSMS");
    if (r.e1 == NULL && r.t1 == NULL && (r.e2 != NULL || r.t2 != NULL))
        part(&out->email, r.e2, r.t2, "emailCode", "emailSendToken");
    else
        part(&out->email, r.e1, r.t1, "verifyCodeEmail", "sendTokenEmail");
    out->scope = STEPUP_ALL;
    out->google_code = r.google;
    return TA_OK;
}

ta_err stepup_bind_old(struct api_req *req, enum code_channel ch, struct stepup *out)
{
    struct raw r;
    memset(&r, 0, sizeof r);
    memset(out, 0, sizeof *out);
    ta_err e = bind_fields(req, old_fields, &r);
    if (e != TA_OK)
        return e;
    part(ch == CHANNEL_SMS ? &out->sms : &out->email, r.c1, r.s1, "verifyCodeOld", "sendTokenOld");
    out->scope = ch == CHANNEL_SMS ? STEPUP_PHONE : STEPUP_EMAIL;
    out->google_code = r.google;
    return TA_OK;
}

ta_err stepup_bind_typed(struct api_req *req, struct stepup *out)
{
    struct raw r;
    memset(&r, 0, sizeof r);
    memset(out, 0, sizeof *out);
    ta_err e = bind_fields(req, typed_fields, &r);
    if (e != TA_OK)
        return e;
    bool phone = r.type == 2;
    part(phone ? &out->sms : &out->email, r.c1, r.s1, "verifyCode", "sendToken");
    out->scope = phone ? STEPUP_PHONE : STEPUP_EMAIL;
    out->google_code = r.google;
    return TA_OK;
}

ta_err stepup_bind_totp(struct api_req *req, struct stepup *out)
{
    struct raw r;
    memset(&r, 0, sizeof r);
    memset(out, 0, sizeof *out);
    ta_err e = bind_fields(req, totp_fields, &r);
    if (e != TA_OK)
        return e;
    out->scope = STEPUP_TOTP_ONLY;
    out->google_code = r.google;
    return TA_OK;
}
