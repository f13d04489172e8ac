/* api/security_fundpwd.c — bindAssertsPwd, updateAssertsPwd, forgetAssertsPwd(V1v1v2)
 * (contract C23) and the fund service's /auth/fund-password/verify. All ROUTE_SLOW. */
#include "api/bind.h"
#include "api/handlers.h"
#include "api/stepup_bind.h"
#include "domain/fundpwd.h"

#include <string.h>

struct fund_body {
    const char *pwd, *old_pwd, *new_pwd;
};

#define F struct fund_body
static const struct field bind_fields_[] = {
    FIELD_MD5("pwd", F, pwd, REQUIRED),
    FIELD_END,
};
static const struct field update_fields[] = {
    FIELD_MD5("oldPwd", F, old_pwd, REQUIRED),
    FIELD_MD5("newPwd", F, new_pwd, REQUIRED),
    FIELD_END,
};
#undef F

ta_err api_fund_bind(struct api_req *req, json_t **data_out)
{
    struct fund_body b = {0};
    struct stepup su;
    *data_out = NULL;
    ta_err e = bind_fields(req, bind_fields_, &b);
    if (e == TA_OK)
        e = stepup_bind_totp(req, &su);
    return e != TA_OK ? e : fundpwd_bind(&req->ctx, req->auth, b.pwd, &su);
}

ta_err api_fund_update(struct api_req *req, json_t **data_out)
{
    struct fund_body b = {0};
    struct stepup su;
    *data_out = NULL;
    ta_err e = bind_fields(req, update_fields, &b);
    if (e == TA_OK)
        e = stepup_bind_totp(req, &su);
    return e != TA_OK ? e : fundpwd_update(&req->ctx, req->auth, b.old_pwd, b.new_pwd, &su);
}

struct forget_body {
    int64_t type;
    const char *login_name, *phone_area, *proof, *new_pwd;
};

#define G struct forget_body
static const struct field forget_fields[] = {
    FIELD_INT("type", G, type, 1, 2, REQUIRED),
    FIELD_STR("loginName", G, login_name, 1, 140, REQUIRED),
    FIELD_STR("phoneArea", G, phone_area, 1, 8, OPTIONAL),
    /* C23: absent or "" — a proof of C2 is not what this route takes. */
    FIELD_STR("verifyCodeToken", G, proof, 0, 0, OPTIONAL),
    FIELD_MD5("newPwd", G, new_pwd, REQUIRED),
    FIELD_END,
};
#undef G

ta_err api_fund_forget(struct api_req *req, json_t **data_out)
{
    struct forget_body b = {0};
    struct fundpwd_forget_cmd cmd;
    *data_out = NULL;
    memset(&cmd, 0, sizeof cmd);
    ta_err e = bind_fields(req, forget_fields, &b);
    if (e == TA_OK)
        e = stepup_bind_typed(req, &cmd.su);
    if (e != TA_OK)
        return e;
    cmd.type = b.type;
    cmd.login_name = b.login_name;
    cmd.phone_area = b.phone_area;
    cmd.new_pwd = b.new_pwd;
    return fundpwd_forget(&req->ctx, req->auth, &cmd);
}

ta_err api_fund_verify(struct api_req *req, json_t **data_out)
{
    struct fund_body b = {0};
    *data_out = NULL;
    ta_err e = bind_fields(req, bind_fields_, &b);
    return e != TA_OK ? e : fundpwd_verify(&req->ctx, req->auth, b.pwd);
}
