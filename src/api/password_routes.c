/* api/password_routes.c — verifyCodeCheck (C2), bindLoginPwd, updateLoginPwd and
 * forgetLoginPwd (C13). Password routes are ROUTE_SLOW: they hash. */
#include "api/bind.h"
#include "api/handlers.h"
#include "api/openapi.h"
#include "domain/contact.h"
#include "domain/password.h"

#include <sodium.h>

struct check_cmd {
    const char *biz_type, *to_user, *send_token, *code;
};

static const struct field check_fields[] = {
    FIELD_STR("bizType", struct check_cmd, biz_type, 1, 64, REQUIRED),
    FIELD_STR("toUser", struct check_cmd, to_user, 1, 160, OPTIONAL),
    FIELD_STR("sendToken", struct check_cmd, send_token, 1, 128, REQUIRED),
    FIELD_CODE6("code", struct check_cmd, code, REQUIRED),
    FIELD_END,
};

ta_err api_code_check(struct api_req *req, json_t **data_out)
{
    struct check_cmd cmd = {0};
    char proof[TOKEN_TEXT_MAX];
    ta_err e = bind_fields(req, check_fields, &cmd);
    if (e != TA_OK)
        return e;
    const struct biz_type *b = codes_biz_find(cmd.biz_type);
    if (b == NULL)
        return TA_E_BIZTYPE;
    e = password_code_check(&req->ctx, b, cmd.to_user, req->auth, cmd.send_token, cmd.code, proof);
    if (e != TA_OK)
        return e;
    *data_out = json_pack("{s:s}", "token", proof);
    sodium_memzero(proof, sizeof proof);
    return TA_OK;
}

struct bind_cmd {
    const char *pwd, *google_code;
};

static const struct field bind_pwd_fields[] = {
    FIELD_MD5("pwd", struct bind_cmd, pwd, REQUIRED),
    FIELD_CODE6("googleCode", struct bind_cmd, google_code, OPTIONAL),
    FIELD_END,
};

ta_err api_bind_pwd(struct api_req *req, json_t **data_out)
{
    struct bind_cmd cmd = {0};
    ta_err e = bind_fields(req, bind_pwd_fields, &cmd);
    if (e == TA_OK)
        e = password_bind(&req->ctx, req->auth, cmd.pwd, cmd.google_code);
    *data_out = NULL;
    return e;
}

struct update_cmd {
    const char *old_pwd, *new_pwd, *google_code;
};

static const struct field update_fields[] = {
    FIELD_MD5("oldPwd", struct update_cmd, old_pwd, REQUIRED),
    FIELD_MD5("newPwd", struct update_cmd, new_pwd, REQUIRED),
    FIELD_CODE6("googleCode", struct update_cmd, google_code, OPTIONAL),
    FIELD_END,
};

ta_err api_update_pwd(struct api_req *req, json_t **data_out)
{
    struct update_cmd cmd = {0};
    ta_err e = bind_fields(req, update_fields, &cmd);
    if (e == TA_OK)
        e = password_update(&req->ctx, req->auth, cmd.old_pwd, cmd.new_pwd, cmd.google_code);
    *data_out = NULL;
    return e;
}

#define F struct forget_cmd
static const struct field forget_fields[] = {
    FIELD_INT("type", F, type, 1, 2, REQUIRED),
    FIELD_STR("loginName", F, login_name, 1, 128, REQUIRED),
    FIELD_STR("phoneArea", F, phone_area, 1, 8, OPTIONAL),
    FIELD_CODE6("verifyCode", F, code, OPTIONAL),
    FIELD_STR("sendToken", F, send_token, 1, 128, OPTIONAL),
    FIELD_STR("verifyCodeToken", F, proof, 64, 64, OPTIONAL),
    FIELD_CODE6("googleCode", F, google_code, OPTIONAL),
    FIELD_MD5("newPwd", F, new_password, REQUIRED),
    FIELD_END,
};
#undef F

ta_err api_forget_pwd(struct api_req *req, json_t **data_out)
{
    struct forget_cmd cmd = {0};
    *data_out = NULL;
    ta_err e = bind_fields(req, forget_fields, &cmd);
    if (e != TA_OK)
        return e;
    if (cmd.code == NULL && cmd.proof == NULL)
        return bind_bad(req, "verifyCode");
    if (cmd.code != NULL && cmd.send_token == NULL)
        return bind_bad(req, "sendToken");
    const char *bad = contact_login_check((int)cmd.type, cmd.login_name, &cmd.phone_area);
    if (bad != NULL)
        return bind_bad(req, bad);
    return password_forget(&req->ctx, &cmd);
}

/* The tables above, for the OpenAPI description (api/openapi.c). */
const struct field *const api_doc_code_check = check_fields;
const struct field *const api_doc_bind_pwd = bind_pwd_fields;
const struct field *const api_doc_update_pwd = update_fields;
const struct field *const api_doc_forget_pwd = forget_fields;
