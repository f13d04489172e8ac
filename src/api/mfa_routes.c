/* api/mfa_routes.c — generateGoogleAccount and enableOrForbidMFA (C14). */
#include "api/bind.h"
#include "api/handlers.h"
#include "api/openapi.h"
#include "api/stepup_bind.h"
#include "domain/mfa.h"

#include <sodium.h>

ta_err api_mfa_generate(struct api_req *req, json_t **data_out)
{
    struct mfa_pending p;
    ta_err e = mfa_generate(&req->ctx, req->auth, &p);
    if (e != TA_OK)
        return e;
    *data_out =
        json_pack("{s:I,s:s,s:s}", "id", (json_int_t)p.id, "secret", p.secret, "qrcode", p.uri);
    sodium_memzero(p.secret, sizeof p.secret);
    return TA_OK;
}

#define M struct mfa_cmd
static const struct field fields[] = {
    FIELD_INT("type", M, type, 1, 2, REQUIRED),
    FIELD_INT("googleId", M, google_id, -1, INT64_MAX, OPTIONAL),
    FIELD_END,
};
#undef M

ta_err api_mfa_change(struct api_req *req, json_t **data_out)
{
    struct mfa_cmd cmd = {0};
    *data_out = NULL;
    ta_err e = bind_fields(req, fields, &cmd);
    if (e == TA_OK)
        e = stepup_bind_codes(req, &cmd.su);
    if (e != TA_OK)
        return e;
    return mfa_change(&req->ctx, req->auth, &cmd);
}

/* The tables above, for the OpenAPI description (api/openapi.c). */
const struct field *const api_doc_mfa_change = fields;
