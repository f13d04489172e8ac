/* api/openapi_schema.c — JSON Schemas for the OpenAPI description, derived rather than
 * written: a field table becomes the request schema (the binder's types and bounds), and
 * the customer payload's schema is inferred from what api/render.c builds for two sample
 * customers (one with every optional part, one with none), so it follows render.c. */
#include "api/openapi_int.h"
#include "api/render.h"

#include <string.h>

static json_t *int_schema(const struct field *f)
{
    /* Contract A2: a JSON integer or a string of digits. */
    return json_pack("{s:[s,s],s:I,s:I,s:s}", "type", "integer", "string", "minimum",
                     (json_int_t)f->min, "maximum", (json_int_t)f->max, "pattern", "^[0-9]+$");
}

static json_t *field_schema(const struct field *f)
{
    switch (f->type) {
    case F_INT:
        return int_schema(f);
    case F_STR:
        return json_pack("{s:s,s:I,s:I}", "type", "string", "minLength", (json_int_t)f->min,
                         "maxLength", (json_int_t)f->max);
    case F_MD5:
        return json_pack("{s:s,s:s,s:s}", "type", "string", "pattern", "^[0-9a-fA-F]{32}$",
                         "description", "hex MD5 of the password, as the clients send it");
    case F_CODE6:
        return json_pack("{s:s,s:s}", "type", "string", "pattern", "^[0-9]{6}$");
    case F_BOOL:
        return json_pack("{s:s}", "type", "boolean");
    case F_JSON:
        break;
    }
    /* The only JSON field is a trade-pair list (api/pairs.c). */
    return json_pack("{s:s,s:{s:s,s:{s:{s:[s,s]},s:{}}}}", "type", "array", "items", "type",
                     "object", "properties", "tradeType", "type", "integer", "string",
                     "allCurrency");
}

json_t *openapi_request_schema(const struct field *fields)
{
    json_t *props = json_object(), *required = json_array();
    for (const struct field *f = fields; f != NULL && f->name != NULL; f++) {
        json_object_set_new(props, f->name, field_schema(f));
        if (f->required)
            json_array_append_new(required, json_string(f->name));
    }
    json_t *s = json_pack("{s:s,s:o}", "type", "object", "properties", props);
    if (json_array_size(required) > 0)
        json_object_set_new(s, "required", required);
    else
        json_decref(required);
    return s;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    case JSON_NULL:
        break;
    }
    return "null";
}

/* Adds type t to schema s ("type" becomes a list when a second one appears). */
static void add_type(json_t *s, const char *t)
{
    json_t *cur = json_object_get(s, "type");
    if (cur == NULL) {
        json_object_set_new(s, "type", json_string(t));
        return;
    }
    if (json_is_string(cur)) {
        if (strcmp(json_string_value(cur), t) == 0)
            return;
        json_object_set_new(s, "type", json_pack("[s,s]", json_string_value(cur), t));
        return;
    }
    size_t i;
    json_t *e;
    json_array_foreach(cur, i, e) if (strcmp(json_string_value(e), t) == 0) return;
    json_array_append_new(cur, json_string(t));
}

/* Widens schema s so that value v fits it. */
static void infer(json_t *s, const json_t *v)
{
    add_type(s, type_name(v));
    if (json_is_object(v)) {
        json_t *props = json_object_get(s, "properties");
        if (props == NULL) {
            props = json_object();
            json_object_set_new(s, "properties", props);
            json_object_set_new(s, "required", json_array());
        }
        const char *k;
        json_t *e;
        json_object_foreach((json_t *)v, k, e)
        {
            json_t *p = json_object_get(props, k);
            if (p == NULL) {
                p = json_object();
                json_object_set_new(props, k, p);
                json_array_append_new(json_object_get(s, "required"), json_string(k));
            }
            infer(p, e);
        }
    } else if (json_is_array(v)) {
        json_t *items = json_object_get(s, "items");
        if (items == NULL) {
            items = json_object();
            json_object_set_new(s, "items", items);
        }
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) infer(items, e);
    }
}

/* Two sample customers: every optional part present, then none. */
static void sample(struct customer_view *v, struct company *co, struct account *acc, bool full)
{
    memset(v, 0, sizeof *v);
    memset(co, 0, sizeof *co);
    memset(acc, 0, sizeof *acc);
    co->id = 1;
    co->type = full ? COMPANY_REAL : COMPANY_DEMO;
    co->twin_id = full ? 2 : 0;
    co->kyc_on = full;
    struct customer *c = &v->c;
    c->id = 7;
    c->company_id = 1;
    c->group_id = 1;
    c->customer_no = (char *)"86000007";
    c->email = full ? (char *)"alice@example.com" : NULL;
    c->phone_area = full ? (char *)"+86" : NULL;
    c->phone = full ? (char *)"13800138000" : NULL;
    c->pw_hash = full ? (char *)"$argon2id$" : NULL;
    c->country = (char *)"CN";
    c->lang = (char *)"en-US";
    c->register_source = 1;
    c->kyc_audit_remark = full ? (char *)"ok" : NULL;
    c->third_server_code = full ? (char *)"x" : NULL;
    c->mfa_id = full ? 3 : 0;
    c->relation_customer_id = full ? 8 : 0;
    c->created_ms = 1700000000000;
    acc->id = 1;
    acc->customer_id = 7;
    acc->company_id = 1;
    acc->trade_type = 5;
    memcpy(acc->currency, "USDT", 5);
    acc->assets_id = 13;
    acc->digits = 4;
    acc->first_deposit_ms = full ? 1700000000000 : 0;
    acc->first_withdraw_ms = full ? 1700000000000 : 0;
    acc->created_ms = acc->activated_ms = 1700000000000;
    v->co = co;
    v->accounts = acc;
    v->n_accounts = 1;
    v->login_ms = 1700000000000;
    v->token = "00000000-0000-4000-8000-000000000000app";
    v->rtoken = full ? "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" : NULL;
}

json_t *openapi_payload_schema(json_t *(*render)(const struct customer_view *, const char *))
{
    json_t *s = json_object();
    struct customer_view v;
    struct company co;
    struct account acc;
    for (int full = 1; full >= 0; full--) {
        sample(&v, &co, &acc, full);
        json_t *o = render(&v, "en-US");
        infer(s, o);
        json_decref(o);
    }
    return s;
}
