/* api/account_routes.c — checkStatus and checkCustomerExist (C8), openAccount (C12),
 * changeLang (C15), checkGoogleMFAStatus (C14). */
#include "api/bind.h"
#include "api/handlers.h"
#include "api/openapi.h"
#include "api/pairs.h"
#include "api/render.h"
#include "domain/account.h"
#include "domain/contact.h"
#include "util/i18n.h"

struct login_ref {
    int64_t type;
    const char *login_name;
    const char *phone_area;
};

static const struct field ref_fields[] = {
    FIELD_INT("type", struct login_ref, type, 1, 2, REQUIRED),
    FIELD_STR("loginName", struct login_ref, login_name, 1, 128, REQUIRED),
    FIELD_STR("phoneArea", struct login_ref, phone_area, 1, 8, OPTIONAL),
    FIELD_END,
};

static ta_err bind_ref(struct api_req *req, struct login_ref *r)
{
    ta_err e = bind_fields(req, ref_fields, r);
    if (e != TA_OK)
        return e;
    const char *bad = contact_login_check((int)r->type, r->login_name, &r->phone_area);
    return bad != NULL ? bind_bad(req, bad) : TA_OK;
}

static json_t *nullable(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

ta_err api_check_status(struct api_req *req, json_t **data_out)
{
    struct login_ref r = {0};
    struct exist_result x;
    ta_err e = bind_ref(req, &r);
    if (e == TA_OK)
        e = account_check_status(&req->ctx, (int)r.type, r.login_name, r.phone_area, &x);
    if (e != TA_OK)
        return e;
    *data_out = json_pack("{s:i,s:o,s:o}", "status", x.status, "phoneArea", nullable(x.phone_area),
                          "country", nullable(x.country));
    return TA_OK;
}

ta_err api_check_exist(struct api_req *req, json_t **data_out)
{
    struct login_ref r = {0};
    int held = 0;
    ta_err e = bind_ref(req, &r);
    if (e == TA_OK)
        e = account_held_by_other(&req->ctx, req->auth, (int)r.type, r.login_name, r.phone_area,
                                  &held);
    if (e != TA_OK)
        return e;
    *data_out = json_integer(held);
    return TA_OK;
}

ta_err api_mfa_status(struct api_req *req, json_t **data_out)
{
    struct login_ref r = {0};
    int on = 0;
    ta_err e = bind_ref(req, &r);
    if (e == TA_OK)
        e = account_mfa_status(&req->ctx, (int)r.type, r.login_name, r.phone_area, &on);
    if (e != TA_OK)
        return e;
    *data_out = json_integer(on);
    return TA_OK;
}

struct open_cmd {
    json_t *pairs;
};

static const struct field open_fields[] = {
    FIELD_JSON("tradeTypeCurrencyList", struct open_cmd, pairs, REQUIRED),
    FIELD_END,
};

ta_err api_open_account(struct api_req *req, json_t **data_out)
{
    struct open_cmd cmd = {0};
    struct trade_pair *pairs;
    size_t n;
    struct customer_view v;
    ta_err e = bind_fields(req, open_fields, &cmd);
    if (e == TA_OK)
        e = pairs_parse(req, cmd.pairs, &pairs, &n);
    if (e == TA_OK)
        e = account_open(&req->ctx, req->auth, pairs, n, &v);
    if (e != TA_OK)
        return e;
    *data_out = render_accounts(&v);
    return TA_OK;
}

struct lang_cmd {
    const char *lang;
};

static const struct field lang_fields[] = {
    FIELD_STR("newLang", struct lang_cmd, lang, 1, 16, REQUIRED),
    FIELD_END,
};

ta_err api_change_lang(struct api_req *req, json_t **data_out)
{
    struct lang_cmd cmd = {0};
    ta_err e = bind_fields(req, lang_fields, &cmd);
    if (e != TA_OK)
        return e;
    if (!i18n_lang_supported(cmd.lang))
        return bind_bad(req, "newLang");
    e = account_set_lang(&req->ctx, req->auth, i18n_lang(cmd.lang));
    if (e != TA_OK)
        return e;
    *data_out = NULL;
    return TA_OK;
}

/* The tables above, for the OpenAPI description (api/openapi.c). */
const struct field *const api_doc_login_ref = ref_fields;
const struct field *const api_doc_open_account = open_fields;
const struct field *const api_doc_change_lang = lang_fields;
