/* api/login.c — …/login/customer.app.CustomerWebApiService.login (contract C4).
 * Reads and checks the body, lets domain/auth decide, renders the customer payload. */
#include "api/bind.h"
#include "api/openapi.h"
#include "api/render.h"
#include "domain/auth.h"
#include "domain/contact.h"

struct login_body {
    struct login_cmd cmd;
    bool is_third;
    const char *bind_third_user_id;
    const char *third_source;
};

#define B struct login_body
static const struct field fields[] = {
    FIELD_INT("type", B, cmd.type, 1, 3, REQUIRED),
    FIELD_STR("loginName", B, cmd.login_name, 1, 128, REQUIRED),
    FIELD_STR("phoneArea", B, cmd.phone_area, 1, 8, OPTIONAL),
    FIELD_INT("device", B, cmd.device, 1, 9, REQUIRED),
    FIELD_BOOL("isThird", B, is_third, OPTIONAL),
    FIELD_MD5("loginPwd", B, cmd.password, OPTIONAL),
    FIELD_CODE6("verifyCode", B, cmd.code, OPTIONAL),
    FIELD_STR("sendToken", B, cmd.send_token, 1, 128, OPTIONAL),
    FIELD_CODE6("googleCode", B, cmd.google_code, OPTIONAL),
    FIELD_STR("bindThirdUserId", B, bind_third_user_id, 1, 128, OPTIONAL),
    FIELD_STR("thirdSource", B, third_source, 1, 32, OPTIONAL),
    FIELD_END,
};
#undef B

ta_err api_login(struct api_req *req, json_t **data_out)
{
    struct login_body b = {0};
    struct customer_view v;

    /* Code mode wins over loginPwd, which code-mode clients fill with md5(""): look at
     * verifyCode first so a junk loginPwd cannot fail a code login. */
    const json_t *code = json_object_get(req->body, "verifyCode");
    if (json_is_string(code) && json_string_length(code) > 0)
        json_object_del(req->body, "loginPwd");

    ta_err err = bind_fields(req, fields, &b);
    if (err != TA_OK)
        return err;
    if (b.bind_third_user_id != NULL && b.third_source != NULL)
        return bind_bad(req, "bindThirdUserId"); /* third-party identities: not yet (C17) */
    if (b.cmd.code != NULL) {
        if (b.cmd.type == LOGIN_CUSTOMER_NO)
            return bind_bad(req, "verifyCode");
        if (b.cmd.send_token == NULL)
            return bind_bad(req, "sendToken");
    } else if (b.cmd.password == NULL) {
        return bind_bad(req, "loginPwd");
    }
    const char *bad = contact_login_check((int)b.cmd.type, b.cmd.login_name, &b.cmd.phone_area);
    if (bad != NULL)
        return bind_bad(req, bad);

    err = auth_login(&req->ctx, &b.cmd, &v);
    if (err != TA_OK)
        return err;
    *data_out = render_customer(&v, req->ctx.lang);
    return TA_OK;
}

/* The tables above, for the OpenAPI description (api/openapi.c). */
const struct field *const api_doc_login = fields;
