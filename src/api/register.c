/* api/register.c — …/register/customer.app.CustomerWebApiService.register (contract C3). */
#include "api/bind.h"
#include "api/openapi.h"
#include "api/pairs.h"
#include "api/render.h"
#include "domain/auth.h"
#include "util/i18n.h"

struct register_body {
    struct register_cmd cmd;
    json_t *pairs;
};

#define B struct register_body
static const struct field fields[] = {
    FIELD_INT("type", B, cmd.type, 1, 2, REQUIRED),
    FIELD_STR("loginName", B, cmd.login_name, 1, 128, REQUIRED),
    FIELD_STR("phoneArea", B, cmd.phone_area, 1, 8, OPTIONAL),
    FIELD_STR("country", B, cmd.country, 1, 64, REQUIRED),
    FIELD_STR("lang", B, cmd.lang, 1, 16, OPTIONAL),
    FIELD_CODE6("verifyCode", B, cmd.code, REQUIRED),
    FIELD_STR("sendToken", B, cmd.send_token, 1, 128, REQUIRED),
    FIELD_INT("registerSource", B, cmd.register_source, 1, 9, REQUIRED),
    FIELD_STR("registerDevice", B, cmd.register_device, 1, 128, OPTIONAL),
    FIELD_STR("utmSource", B, cmd.utm_source, 1, 128, OPTIONAL),
    FIELD_STR("utmMedium", B, cmd.utm_medium, 1, 128, OPTIONAL),
    FIELD_STR("utmCampaign", B, cmd.utm_campaign, 1, 128, OPTIONAL),
    FIELD_STR("utmContent", B, cmd.utm_content, 1, 128, OPTIONAL),
    FIELD_STR("utmTerm", B, cmd.utm_term, 1, 128, OPTIONAL),
    FIELD_INT("customerGroupId", B, cmd.group_id, 1, INT64_MAX, OPTIONAL),
    FIELD_INT("openAccountType", B, cmd.open_account_type, 0, 1, OPTIONAL),
    FIELD_MD5("pwd", B, cmd.password, OPTIONAL),
    FIELD_STR("thirdServerCode", B, cmd.third_server_code, 1, 128, OPTIONAL),
    FIELD_STR("thirdServerSource", B, cmd.third_server_source, 1, 64, OPTIONAL),
    FIELD_JSON("tradeTypeCurrencyList", B, pairs, OPTIONAL),
    FIELD_END,
};
#undef B

ta_err api_register(struct api_req *req, json_t **data_out)
{
    struct register_body b = {0};
    struct customer_view v;
    struct trade_pair *pairs;

    ta_err err = bind_fields(req, fields, &b);
    if (err != TA_OK)
        return err;
    if (b.cmd.lang != NULL && !i18n_lang_supported(b.cmd.lang))
        return bind_bad(req, "lang");
    if (b.cmd.lang != NULL)
        b.cmd.lang = i18n_lang(b.cmd.lang);
    err = pairs_parse(req, b.pairs, &pairs, &b.cmd.n_pairs);
    if (err != TA_OK)
        return err;
    b.cmd.pairs = pairs;

    err = auth_register(&req->ctx, &b.cmd, &v);
    if (err == TA_E_PENDING_REVIEW) {
        *data_out = json_pack("{s:s}", "customerNo", v.c.customer_no);
        return err;
    }
    if (err != TA_OK)
        return err;
    *data_out = render_register(&v, req->ctx.lang);
    return TA_OK;
}

/* The tables above, for the OpenAPI description (api/openapi.c). */
const struct field *const api_doc_register = fields;
