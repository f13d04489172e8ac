/* api/security_devices.c — the customer's sessions and history (C16, C24), destroy (C24,
 * the client's route), "this wasn't me" and the anti-phishing phrase. */
#include "api/bind.h"
#include "api/handlers.h"
#include "api/stepup_bind.h"
#include "domain/alerts.h"
#include "domain/devices.h"

#include <string.h>

static const char *device_class_name(int device)
{
    static const char *const names[] = {"other", "mobile", "desktop", "other"};
    return names[session_device_class(device)];
}

ta_err api_list_sessions(struct api_req *req, json_t **data_out)
{
    struct device_session *d;
    size_t n;
    ta_err e = devices_list(&req->ctx, req->auth, &d, &n);
    if (e != TA_OK)
        return e;
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct session *s = d[i].s;
        json_array_append_new(
            list, json_pack("{s:s,s:i,s:s,s:s,s:s,s:n,s:I,s:I,s:b}", "sessionId", d[i].id, "device",
                            s->device, "deviceClass", device_class_name(s->device), "userAgent",
                            s->user_agent, "clientAddr", s->client_addr, "country", "createTime",
                            (json_int_t)s->created_ms, "lastUsedTime", (json_int_t)s->last_used_ms,
                            "current", d[i].current));
    }
    *data_out = list;
    return TA_OK;
}

struct end_body {
    const char *id;
};

static const struct field end_fields[] = {
    FIELD_STR("sessionId", struct end_body, id, 1, 64, REQUIRED),
    FIELD_END,
};

ta_err api_end_session(struct api_req *req, json_t **data_out)
{
    struct end_body b = {0};
    *data_out = NULL;
    ta_err e = bind_fields(req, end_fields, &b);
    return e != TA_OK ? e : devices_end(&req->ctx, req->auth, b.id);
}

ta_err api_end_other_sessions(struct api_req *req, json_t **data_out)
{
    size_t n = 0;
    ta_err e = devices_end_others(&req->ctx, req->auth, &n);
    *data_out = e == TA_OK ? json_integer((json_int_t)n) : NULL;
    return e;
}

struct history_body {
    int64_t page, page_size;
};

static const struct field history_fields[] = {
    FIELD_INT("page", struct history_body, page, 1, 1000000, OPTIONAL),
    FIELD_INT("pageSize", struct history_body, page_size, 1, HISTORY_PAGE_MAX, OPTIONAL),
    FIELD_END,
};

ta_err api_security_history(struct api_req *req, json_t **data_out)
{
    struct history_body b = {1, 20};
    struct audit_row *rows;
    size_t n;
    bool more;
    ta_err e = bind_fields(req, history_fields, &b);
    if (e == TA_OK)
        e = devices_history(&req->ctx, req->auth, (size_t)b.page, (size_t)b.page_size, &rows, &n,
                            &more);
    if (e != TA_OK)
        return e;
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct audit_row *r = &rows[i];
        bool ok = strcmp(r->outcome, "OK") == 0;
        json_array_append_new(list,
                              json_pack("{s:I,s:s,s:s,s:s,s:i}", "time", (json_int_t)r->time_ms,
                                        "event", r->event, "result", ok ? "success" : "failure",
                                        "clientAddr", r->client_addr, "device", r->device));
    }
    *data_out = json_pack("{s:o,s:I,s:I,s:b}", "list", list, "page", (json_int_t)b.page, "pageSize",
                          (json_int_t)b.page_size, "hasMore", more);
    return TA_OK;
}

struct destroy_body {
    const char *remark;
};

static const struct field destroy_fields[] = {
    FIELD_STR("remark", struct destroy_body, remark, 1, 512, OPTIONAL),
    FIELD_END,
};

/* The remark is accepted (the client sends one) and not kept: nothing the customer writes
 * on the way out needs to outlive the erasure. */
ta_err api_destroy(struct api_req *req, json_t **data_out)
{
    struct destroy_body b = {0};
    *data_out = NULL;
    ta_err e = bind_fields(req, destroy_fields, &b);
    return e != TA_OK ? e : devices_destroy(&req->ctx, req->auth);
}

struct not_me_body {
    const char *code;
};

static const struct field not_me_fields[] = {
    FIELD_STR("code", struct not_me_body, code, 64, 64, REQUIRED),
    FIELD_END,
};

ta_err api_not_me(struct api_req *req, json_t **data_out)
{
    struct not_me_body b = {0};
    *data_out = NULL;
    ta_err e = bind_fields(req, not_me_fields, &b);
    return e != TA_OK ? e : alerts_not_me(&req->ctx, b.code);
}

struct phrase_body {
    const char *phrase;
};

static const struct field phrase_fields[] = {
    FIELD_STR("antiPhishingCode", struct phrase_body, phrase, 1, ANTI_PHISH_MAX, REQUIRED),
    FIELD_END,
};

ta_err api_set_anti_phishing(struct api_req *req, json_t **data_out)
{
    struct phrase_body b = {0};
    struct stepup su;
    *data_out = NULL;
    ta_err e = bind_fields(req, phrase_fields, &b);
    if (e == TA_OK)
        for (const unsigned char *p = (const unsigned char *)b.phrase; *p != '\0'; p++)
            if (*p < 0x20 || *p == 0x7f)
                return bind_bad(req, "antiPhishingCode"); /* it lands in mails and SMS */
    if (e == TA_OK)
        e = stepup_bind_codes(req, &su);
    return e != TA_OK ? e : alerts_set_phrase(&req->ctx, req->auth, b.phrase, &su);
}
