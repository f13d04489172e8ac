/* api/session_routes.c — the session family: findCustomerInfo (C7), logout (C5) and
 * refreshToken (C6). Small handlers over domain/session. */
#include "api/bind.h"
#include "api/openapi.h"
#include "api/render.h"
#include "domain/session.h"
#include "store/store.h"
#include "util/jsonw.h"

ta_err api_customer_info(struct api_req *req, json_t **data_out)
{
    struct customer_view v;
    ta_err err = session_customer_view(&req->ctx, req->auth, &v);
    if (err != TA_OK)
        return err;
    v.login_ms = req->auth->s.created_ms;
    v.token = req->auth->token;
    v.rtoken = NULL;
    /* The hot path: written straight into text, no tree (the edge embeds it). */
    struct jsonw w;
    jsonw_init(&w, 2048);
    render_customer_w(&w, &v, req->ctx.lang);
    req->data_text = jsonw_take(&w, NULL);
    *data_out = NULL;
    return TA_OK;
}

struct logout_cmd {
    bool all_devices;
};

static const struct field logout_fields[] = {
    FIELD_BOOL("allDevices", struct logout_cmd, all_devices, OPTIONAL),
    FIELD_END,
};

/* Always "0": clients call it with dead tokens and must still get out (C5). */
ta_err api_logout(struct api_req *req, json_t **data_out)
{
    struct logout_cmd cmd = {false};
    if (bind_fields(req, logout_fields, &cmd) != TA_OK)
        cmd.all_devices = false;
    req->ctx.detail = NULL;
    if (req->token != NULL)
        session_logout(&req->ctx, req->token, cmd.all_devices);
    *data_out = NULL;
    return TA_OK;
}

struct refresh_cmd {
    const char *rtoken;
};

static const struct field refresh_fields[] = {
    FIELD_STR("rToken", struct refresh_cmd, rtoken, 64, 64, REQUIRED),
    FIELD_END,
};

ta_err api_refresh(struct api_req *req, json_t **data_out)
{
    struct refresh_cmd cmd = {0};
    struct customer_view v;
    ta_err err = bind_fields(req, refresh_fields, &cmd);
    if (err != TA_OK)
        return err;
    err = session_refresh(&req->ctx, cmd.rtoken, &v);
    if (err != TA_OK)
        return err;
    *data_out = render_customer(&v, req->ctx.lang);
    return TA_OK;
}

/* The tables above, for the OpenAPI description (api/openapi.c). */
const struct field *const api_doc_logout = logout_fields;
const struct field *const api_doc_refresh = refresh_fields;
