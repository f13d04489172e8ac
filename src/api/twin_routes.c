/* api/twin_routes.c — real/demo switch (C9), demo reset (C10) and the token hand-off of
 * C11 (randomKey, oneTimeToken). */
#include "api/bind.h"
#include "api/handlers.h"
#include "api/render.h"
#include "domain/twin.h"

#include <sodium.h>

ta_err api_switch(struct api_req *req, json_t **data_out)
{
    struct switch_result r;
    ta_err e = twin_switch(&req->ctx, req->auth, &r);
    if (e != TA_OK)
        return e;
    /* associationCompanyId is the company the new token belongs to: clients put it in the
     * companyId header next (C9). */
    *data_out =
        json_pack("{s:s,s:s,s:I,s:I,s:s,s:s,s:I,s:I}", "token", r.tokens.token, "rToken",
                  r.tokens.rtoken, "associationCompanyId", (json_int_t)r.co->id, "companyId",
                  (json_int_t)r.co->id, "companyType", r.co->type == COMPANY_DEMO ? "demo" : "real",
                  "customerNo", r.paired.customer_no, "id", (json_int_t)r.paired.id,
                  "relationCustomerId", (json_int_t)r.from_customer_id);
    sodium_memzero(&r.tokens, sizeof r.tokens);
    return TA_OK;
}

ta_err api_reset(struct api_req *req, json_t **data_out)
{
    struct customer_view v;
    ta_err e = twin_reset(&req->ctx, req->auth, &v);
    if (e != TA_OK)
        return e;
    *data_out = render_customer(&v, req->ctx.lang);
    return TA_OK;
}

ta_err api_random_key(struct api_req *req, json_t **data_out)
{
    char token[TOKEN_TEXT_MAX];
    ta_err e = handoff_exchange(&req->ctx, req->token, token);
    if (e != TA_OK)
        return e;
    *data_out = json_string(token);
    sodium_memzero(token, sizeof token);
    return TA_OK;
}

ta_err api_one_time_token(struct api_req *req, json_t **data_out)
{
    char token[TOKEN_TEXT_MAX];
    ta_err e = handoff_issue(&req->ctx, req->auth, token);
    if (e != TA_OK)
        return e;
    *data_out = json_string(token);
    sodium_memzero(token, sizeof token);
    return TA_OK;
}
