/* api/openapi.c — the OpenAPI 3.1 document: one operation per row of api_routes, its body
 * from the handler's field table, its headers and security from the route flags, its
 * codes from the flags plus the row below, data schemas derived in openapi_schema.c.
 * A route without a row here is still described (generic data) — and then differs from
 * docs/openapi.json, which make test catches. */
#include "api/openapi.h"
#include "api/openapi_int.h"
#include "api/render.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CODES 10

struct route_doc {
    const char *name;                  /* api_routes[].name */
    const struct field *const *fields; /* the handler's table; NULL: body {} */
    const char *summary;
    const char *data;        /* "#customer", "#register", "#accounts", or a JSON Schema text */
    ta_err codes[MAX_CODES]; /* besides those every route of its kind has; ends at TA_OK */
};

#define TOKEN_DATA                                                                                 \
    "{\"type\":\"object\",\"properties\":{\"token\":{\"type\":\"string\"}},\"required\":["         \
    "\"token\"]}"
#define CODE_ERRS TA_E_CODE_WRONG, TA_E_CODE_SPENT, TA_E_CODE_EXHAUSTED
#define MFA_ERRS TA_E_MFA_REQUIRED, TA_E_MFA_WRONG

static const struct route_doc docs[] = {
    {"verifyCodeSend",
     &api_doc_code_send,
     "Send a verification code (C1)",
     TOKEN_DATA,
     {TA_E_BIZTYPE, TA_E_DUPLICATE, TA_E_CODE_COOLDOWN, TA_E_SEND_LIMIT, TA_E_RATE_LIMITED}},
    {"register",
     &api_doc_register,
     "Register, signed in at once (C3)",
     "#register",
     {TA_E_DEMO_COMPANY, TA_E_DUPLICATE, TA_E_NOT_OFFERED, TA_E_PENDING_REVIEW, CODE_ERRS}},
    {"login",
     &api_doc_login,
     "Log in by password or code (C4)",
     "#customer",
     {TA_E_CREDENTIALS, TA_E_LOCKED, TA_E_DISABLED, MFA_ERRS, TA_E_DEMO_COMPANY, CODE_ERRS}},
    {"refreshToken",
     &api_doc_refresh,
     "Rotate the token pair (C6)",
     "#customer",
     {TA_E_REFRESH, TA_E_RATE_LIMITED}},
    {"logout",
     &api_doc_logout,
     "End the session; always code 0 (C5)",
     "{\"type\":\"null\"}",
     {TA_OK}},
    {"findCustomerInfo", NULL, "The signed-in customer (C7)", "#customer", {TA_OK}},
    {"verifyCodeCheck",
     &api_doc_code_check,
     "Check a code, get a proof (C2)",
     TOKEN_DATA,
     {TA_E_BIZTYPE, CODE_ERRS}},
    {"switchAccount",
     NULL,
     "Switch between the real and the demo twin (C9)",
     "{\"type\":\"object\",\"properties\":{\"token\":{\"type\":\"string\"},\"rToken\":{\"type\":"
     "\"string\"},\"associationCompanyId\":{\"type\":\"integer\"},\"companyId\":{\"type\":"
     "\"integer\"},\"companyType\":{\"type\":\"string\"},\"customerNo\":{\"type\":\"string\"},"
     "\"id\":{\"type\":\"integer\"},\"relationCustomerId\":{\"type\":\"integer\"}}}",
     {TA_E_NO_TWIN, TA_E_RATE_LIMITED}},
    {"resetAccount", NULL, "Reset the demo accounts (C10)", "#customer", {TA_E_NOT_DEMO}},
    {"randomKey",
     NULL,
     "Exchange a one-time (or access) token in the token header for a new session (C11)",
     "{\"type\":\"string\"}",
     {TA_E_TOKEN, TA_E_SESSION_ENDED, TA_E_RATE_LIMITED}},
    {"oneTimeToken",
     NULL,
     "A 60-second one-time token for randomKey (C11)",
     "{\"type\":\"string\"}",
     {TA_OK}},
    {"openAccount",
     &api_doc_open_account,
     "Open more trading accounts (C12)",
     "#accounts",
     {TA_E_NOT_OFFERED}},
    {"checkStatus",
     &api_doc_login_ref,
     "Does an account exist (C8)",
     "{\"type\":\"object\",\"properties\":{\"status\":{\"enum\":[1,2,-1]},\"phoneArea\":{"
     "\"type\":[\"string\",\"null\"]},\"country\":{\"type\":[\"string\",\"null\"]}}}",
     {TA_E_RATE_LIMITED}},
    {"checkCustomerExist",
     &api_doc_login_ref,
     "Does another customer hold it (C8)",
     "{\"enum\":[0,1]}",
     {TA_E_RATE_LIMITED}},
    {"changeLang", &api_doc_change_lang, "Set the customer's language (C15)", NULL, {TA_OK}},
    {"bindLoginPwd",
     &api_doc_bind_pwd,
     "Set a first password (C13)",
     NULL,
     {TA_E_PASSWORD_SET, MFA_ERRS}},
    {"updateLoginPwd",
     &api_doc_update_pwd,
     "Change the password (C13)",
     NULL,
     {TA_E_OLD_PASSWORD, TA_E_LOCKED, MFA_ERRS}},
    {"forgetLoginPwd",
     &api_doc_forget_pwd,
     "Reset a forgotten password (C13)",
     NULL,
     {TA_E_CREDENTIALS, MFA_ERRS, CODE_ERRS}},
    {"checkGoogleMFAStatus",
     &api_doc_login_ref,
     "Is Google Authenticator on (C14)",
     "{\"enum\":[0,1]}",
     {TA_E_RATE_LIMITED}},
    {"generateGoogleAccount",
     NULL,
     "A new authenticator secret to bind (C14)",
     "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"secret\":{\"type\":"
     "\"string\"},\"qrcode\":{\"type\":\"string\"}},\"required\":[\"id\",\"secret\",\"qrcode\"]}",
     {TA_E_MFA_STATE}},
    {"enableOrForbidMFA",
     &api_doc_mfa_change,
     "Bind or unbind Google Authenticator (C14)",
     NULL,
     {TA_E_MFA_STATE, TA_E_MFA_WRONG, TA_E_STEPUP, TA_E_LOCKED, CODE_ERRS}},
/* The security center (C21-C24). */
#define CONTACT_ERRS TA_E_CONTACT_STATE, TA_E_DUPLICATE, TA_E_STEPUP, TA_E_MFA_WRONG, TA_E_LOCKED
    {"bindPhone", &api_doc_bind_phone, "Bind a first phone (C22)", NULL, {CONTACT_ERRS, CODE_ERRS}},
    {"bindEmail", &api_doc_bind_email, "Bind a first email (C22)", NULL, {CONTACT_ERRS, CODE_ERRS}},
    {"changePhone",
     &api_doc_bind_phone,
     "Change the phone: new COMMON code + step-up shape 3 (C22)",
     NULL,
     {CONTACT_ERRS, CODE_ERRS}},
    {"changePhoneV1v1v2",
     &api_doc_bind_phone,
     "Change the phone (C22)",
     NULL,
     {CONTACT_ERRS, CODE_ERRS}},
    {"changeEmail",
     &api_doc_bind_email,
     "Change the email: new COMMON code + step-up shape 3 (C22)",
     NULL,
     {CONTACT_ERRS, CODE_ERRS}},
    {"changeEmailV1v1v2",
     &api_doc_bind_email,
     "Change the email (C22)",
     NULL,
     {CONTACT_ERRS, CODE_ERRS}},
    {"findPhoneAndEmail",
     NULL,
     "The customer's own phone and email, unmasked (C22)",
     "{\"type\":\"object\",\"properties\":{\"phone\":{\"type\":[\"string\",\"null\"]},"
     "\"email\":{\"type\":[\"string\",\"null\"]}},\"required\":[\"phone\",\"email\"]}",
     {TA_OK}},
    {"changeCountry", &api_doc_change_country, "Set the country (C22)", NULL, {TA_OK}},
    {"bindAssertsPwd",
     &api_doc_fund_bind,
     "Set the fund password (C23)",
     NULL,
     {TA_E_FUND_STATE, TA_E_STEPUP, TA_E_MFA_WRONG, TA_E_LOCKED}},
    {"updateAssertsPwd",
     &api_doc_fund_update,
     "Change the fund password (C23)",
     NULL,
     {TA_E_FUND_STATE, TA_E_FUND_WRONG, TA_E_FUND_LOCKED, TA_E_STEPUP, TA_E_MFA_WRONG}},
    {"forgetAssertsPwd",
     &api_doc_fund_forget,
     "Reset the fund password: step-up shape 4 (C23)",
     NULL,
     {TA_E_FUND_STATE, TA_E_STEPUP, TA_E_CONTACT_STATE, TA_E_MFA_WRONG, TA_E_LOCKED, CODE_ERRS}},
    {"forgetAssertsPwdV1v1v2",
     &api_doc_fund_forget,
     "Reset the fund password (C23)",
     NULL,
     {TA_E_FUND_STATE, TA_E_STEPUP, TA_E_CONTACT_STATE, TA_E_MFA_WRONG, TA_E_LOCKED, CODE_ERRS}},
    {"fundPasswordVerify",
     &api_doc_fund_verify,
     "For the fund service: check the fund password on the customer's token (C23)",
     NULL,
     {TA_E_FUND_STATE, TA_E_FUND_WRONG, TA_E_FUND_LOCKED}},
    {"destroy",
     &api_doc_destroy,
     "Request deletion: sessions end, sign-in answers 0000121 (C24)",
     NULL,
     {TA_OK}},
    {"listSessions",
     NULL,
     "The customer's live sessions (C16, C24)",
     "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"sessionId\":{"
     "\"type\":\"string\"},\"device\":{\"type\":\"integer\"},\"deviceClass\":{\"enum\":["
     "\"mobile\",\"desktop\",\"other\"]},\"userAgent\":{\"type\":\"string\"},\"clientAddr\":"
     "{\"type\":\"string\"},\"country\":{\"type\":\"null\"},\"createTime\":{\"type\":"
     "\"integer\"},\"lastUsedTime\":{\"type\":\"integer\"},\"current\":{\"type\":"
     "\"boolean\"}}}}",
     {TA_OK}},
    {"endSession",
     &api_doc_end_session,
     "End one of the customer's sessions (C16, C24)",
     NULL,
     {TA_E_NO_SESSION}},
    {"endOtherSessions",
     NULL,
     "End every session but this one; data: how many (C16, C24)",
     "{\"type\":\"integer\"}",
     {TA_OK}},
    {"securityHistory",
     &api_doc_history,
     "Sign-ins and security changes of the last 90 days, paged (C24)",
     "{\"type\":\"object\",\"properties\":{\"list\":{\"type\":\"array\",\"items\":{"
     "\"type\":\"object\",\"properties\":{\"time\":{\"type\":\"integer\"},\"event\":{"
     "\"type\":\"string\"},\"result\":{\"enum\":[\"success\",\"failure\"]},\"clientAddr\":"
     "{\"type\":\"string\"},\"device\":{\"type\":\"integer\"}}}},\"page\":{\"type\":"
     "\"integer\"},\"pageSize\":{\"type\":\"integer\"},\"hasMore\":{\"type\":\"boolean\"}}}",
     {TA_OK}},
    {"setAntiPhishingCode",
     &api_doc_anti_phishing,
     "Set the anti-phishing phrase after the step-up (C24)",
     NULL,
     {TA_E_STEPUP, TA_E_MFA_WRONG, TA_E_LOCKED, CODE_ERRS}},
    {"reportNotMe",
     &api_doc_not_me,
     "\"This wasn't me\": the code of a new-device alert (C24)",
     NULL,
     {TA_E_CODE_SPENT}},
};

static const struct route_doc *doc_of(const char *name)
{
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        if (strcmp(docs[i].name, name) == 0)
            return &docs[i];
    return NULL;
}

static json_t *accounts_render(const struct customer_view *v, const char *lang)
{
    (void)lang;
    return render_accounts(v);
}

static json_t *data_schema(const struct route_doc *d)
{
    if (d == NULL)
        return json_object(); /* undescribed: anything */
    if (d->data == NULL)
        return json_pack("{s:s}", "type", "null");
    if (strcmp(d->data, "#customer") == 0 || strcmp(d->data, "#register") == 0 ||
        strcmp(d->data, "#accounts") == 0)
        return json_pack("{s:s}", "$ref",
                         d->data[1] == 'c'   ? "#/components/schemas/Customer"
                         : d->data[1] == 'r' ? "#/components/schemas/Registered"
                                             : "#/components/schemas/AccountList");
    json_t *s = json_loads(d->data, 0, NULL);
    if (s == NULL)
        abort(); /* a typo in the table above: the generator test fails loudly */
    return s;
}

/* Every code the route can answer: those of its kind, then its own, without repeats. */
static json_t *codes_of(const struct route *r, const struct route_doc *d)
{
    ta_err all[TA_ERR_COUNT_];
    size_t n = 0;
    ta_err base[] = {TA_OK, TA_E_NO_COMPANY, TA_E_BAD_REQUEST, TA_E_VERSION, TA_E_INTERNAL};
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++)
        all[n++] = base[i];
    if (d != NULL && d->fields != NULL)
        all[n++] = TA_E_FIELD;
    if (r->flags & ROUTE_TOKEN) {
        all[n++] = TA_E_TOKEN;
        all[n++] = TA_E_SESSION_ENDED;
    }
    if (r->flags & ROUTE_SLOW)
        all[n++] = TA_E_RATE_LIMITED;
    for (size_t i = 0; d != NULL && i < MAX_CODES && d->codes[i] != TA_OK; i++)
        all[n++] = d->codes[i];
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        size_t k;
        json_t *e;
        json_array_foreach(out, k, e) seen =
            seen || strcmp(json_string_value(e), ta_err_wire(all[i])) == 0;
        if (!seen)
            json_array_append_new(out, json_string(ta_err_wire(all[i])));
    }
    return out;
}

static json_t *operation(const struct route *r)
{
    const struct route_doc *d = doc_of(r->name);
    json_t *body = openapi_request_schema(d != NULL && d->fields != NULL ? *d->fields : NULL);
    json_t *answer = json_pack("{s:[{s:s},{s:{s:{s:o},s:{s:[o,{s:s}]}}}]}", "allOf", "$ref",
                               "#/components/schemas/Envelope", "properties", "code", "enum",
                               codes_of(r, d), "data", "anyOf", data_schema(d), "type", "null");
    json_t *op = json_pack(
        "{s:s,s:s,s:[s],s:[{s:s},{s:s},{s:s},{s:s}],s:{s:b,s:{s:{s:o}}},"
        "s:{s:{s:s,s:{s:{s:o}}},s:{s:s}}}",
        "operationId", r->name, "summary", d != NULL ? d->summary : r->name, "tags",
        (r->flags & ROUTE_TOKEN) ? "signed in" : "guest", "parameters", "$ref",
        "#/components/parameters/companyId", "$ref", "#/components/parameters/lang", "$ref",
        "#/components/parameters/trace", "$ref", "#/components/parameters/version", "requestBody",
        "required", 0, "content", "application/json", "schema", body, "responses", "200",
        "description", "The envelope; code \"0\" on success, data null on failure", "content",
        "application/json", "schema", answer, "405", "$ref", "#/components/responses/Malformed");
    /* guest routes ignore the token header (A5); randomKey and logout read it themselves. */
    if (r->flags & ROUTE_TOKEN)
        json_object_set_new(op, "security", json_pack("[{s:[]}]", "token"));
    else if (r->flags & ROUTE_TOKEN_OPTIONAL || strcmp(r->name, "randomKey") == 0 ||
             strcmp(r->name, "logout") == 0)
        json_object_set_new(op, "security", json_pack("[{s:[]},{}]", "token"));
    else
        json_object_set_new(op, "security", json_array());
    return op;
}

/* C20: a proxy's sub-request, GET or POST, no body; the answer is in the status and the
 * X- headers, the envelope only when the session is not alive. */
static json_t *gateway_operation(const struct route *r, const char *method)
{
    json_t *headers = json_object();
    static const char *const names[] = {"X-Customer-Id",        "X-Customer-No", "X-Company-Id",
                                        "X-Company-Type",       "X-Session-Id",  "X-Device",
                                        "X-Security-Hold-Until"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        json_object_set_new(headers, names[i], json_pack("{s:{s:s}}", "schema", "type", "string"));
    json_t *op = json_pack(
        "{s:s,s:s,s:[s],s:[{s:s},{s:s}],s:[{s:[]}],s:{s:{s:s,s:o},s:{s:s,s:{s:{s:{s:s}}}}}}",
        "operationId", method[0] == 'g' ? "authCheckGet" : r->name, "summary",
        "Gateway check for nginx auth_request, Envoy ext_authz, Traefik ForwardAuth (C20)", "tags",
        "signed in", "parameters", "$ref", "#/components/parameters/companyId", "$ref",
        "#/components/parameters/trace", "security", "token", "responses", "200", "description",
        "alive: empty body, the customer in headers", "headers", headers, "401", "description",
        "not alive: the envelope (GATEWAY_CODE_001, _002 or _005)", "content", "application/json",
        "schema", "$ref", "#/components/schemas/Envelope");
    return op;
}

static json_t *header_param(const char *name, bool required, const char *text)
{
    return json_pack("{s:s,s:s,s:b,s:s,s:{s:s}}", "name", name, "in", "header", "required",
                     required, "description", text, "schema", "type", "string");
}

static json_t *components(void)
{
    json_t *envelope =
        json_loads("{\"type\":\"object\",\"required\":[\"code\",\"msg\",\"data\",\"trace\",\"tm\","
                   "\"bizCode\",\"msgParams\",\"ok\",\"fail\"],\"properties\":{"
                   "\"code\":{\"type\":\"string\",\"description\":\"\\\"0\\\" on success\"},"
                   "\"msg\":{\"type\":\"string\"},\"data\":{},\"trace\":{\"type\":\"string\"},"
                   "\"tm\":{\"type\":\"integer\",\"description\":\"server time, ns\"},"
                   "\"bizCode\":{\"type\":\"string\"},"
                   "\"msgParams\":{\"type\":[\"array\",\"null\"],\"items\":{\"type\":\"string\"}},"
                   "\"ok\":{\"type\":\"boolean\"},\"fail\":{\"type\":\"boolean\"}}}",
                   0, NULL);
    json_t *accounts = openapi_payload_schema(accounts_render);
    return json_pack(
        "{s:{s:o,s:o,s:o,s:o},s:{s:o,s:o,s:o,s:o},s:{s:{s:s,s:s,s:s}},"
        "s:{s:{s:s,s:{s:{s:{s:s}}}}}}",
        "schemas", "Envelope", envelope, "Customer", openapi_payload_schema(render_customer),
        "Registered", openapi_payload_schema(render_register), "AccountList", accounts,
        "parameters", "companyId",
        header_param("companyId", true, "the company (tenant) id; GATEWAY_CODE_002 when unknown"),
        "lang", header_param("lang", false, "en-US (default), zh-CN or zh-HK: the msg language"),
        "trace", header_param("trace", false, "echoed as the envelope's trace"), "version",
        header_param("version", false, "0.0.1 when present"), "securitySchemes", "token", "type",
        "apiKey", "in", "header", "name", "token", "responses", "Malformed", "description",
        "Wrong method (405) or body too large (413): GATEWAY_CODE_003", "content",
        "application/json", "schema", "$ref", "#/components/schemas/Envelope");
}

/* GET endpoints outside the /api prefix. */
static json_t *ops_path(const char *summary, const char *id, const char *type)
{
    return json_pack("{s:[{s:s}],s:{s:s,s:s,s:[],s:[s],s:{s:{s:s,s:{s:{s:{}}}},s:{s:s}}}}",
                     "servers", "url", "/", "get", "operationId", id, "summary", summary,
                     "security", "tags", "operations", "responses", "200", "description", summary,
                     "content", type, "schema", "4XX", "description",
                     "another method (405) or path (404)");
}

json_t *openapi_document(void)
{
    json_t *paths = json_object();
    for (const struct route *r = api_routes; r->path != NULL; r++) {
        if (r->flags & ROUTE_GATEWAY)
            json_object_set_new(paths, r->path,
                                json_pack("{s:o,s:o}", "get", gateway_operation(r, "get"), "post",
                                          gateway_operation(r, "post")));
        else
            json_object_set_new(paths, r->path, json_pack("{s:o}", "post", operation(r)));
    }
    json_object_set_new(paths, "/healthz", ops_path("Alive", "healthz", "application/json"));
    json_object_set_new(
        paths, "/readyz",
        ops_path("Ready: the database answers (else 503)", "readyz", "application/json"));
    json_object_set_new(paths, "/metrics", ops_path("Prometheus metrics", "metrics", "text/plain"));
    json_object_set_new(paths, "/openapi.json",
                        ops_path("This document", "openapi", "application/json"));
    return json_pack(
        "{s:s,s:{s:s,s:s,s:s,s:{s:s,s:s}},s:[{s:s,s:s}],s:[{s:s,s:s},{s:s,s:s},{s:s,s:s}],"
        "s:o,s:o}",
        "openapi", "3.1.0", "info", "title", "tradeauth", "version", "0.1.0", "description",
        "Customer login and authorization of the trading platform. Every route is POST with a "
        "JSON body under the optional /api and /cats-gateway prefixes and answers the "
        "envelope. Generated by the server from its route and field tables.",
        "license", "name", "Proprietary", "identifier", "LicenseRef-Proprietary", "servers", "url",
        "/api", "description", "this server", "tags", "name", "guest", "description",
        "no token needed", "name", "signed in", "description", "the token header is required",
        "name", "operations", "description", "health, readiness, metrics", "paths", paths,
        "components", components());
}

char *openapi_text(void)
{
    json_t *doc = openapi_document();
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(doc);
    if (text == NULL)
        abort();
    size_t n = strlen(text);
    char *out = realloc(text, n + 2);
    if (out == NULL)
        abort();
    out[n] = '\n';
    out[n + 1] = '\0';
    return out;
}
