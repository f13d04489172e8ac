/* http/respond.c — the only code that knows how an answer looks on the wire, written with
 * the streaming writer (util/jsonw.h): no tree per request. Internal
 * answers that escape (NOT_FOUND, CONFLICT, RETRY) become GATEWAY_CODE_500 via the err
 * table; their detail is never shown. */
#include "http/respond.h"
#include "util/i18n.h"
#include "util/jsonw.h"

#include <stdlib.h>
#include <string.h>

static int dump_into(const char *buffer, size_t size, void *data)
{
    jsonw_append(data, buffer, size);
    return 0;
}

char *respond_envelope(ta_err e, json_t *data, const char *data_text, const char *detail,
                       const char *lang, const char *trace, int64_t tm_ns)
{
    char msg[512];
    const char *code = ta_err_wire(e);
    bool internal = strcmp(code, "GATEWAY_CODE_500") == 0;
    if (internal || e == TA_OK)
        detail = NULL;
    i18n_format(lang, code, detail, msg, sizeof msg);

    struct jsonw w;
    jsonw_init(&w, data_text != NULL ? strlen(data_text) + 512 : 1024);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "code", code);
    jsonw_kstr(&w, "msg", msg);
    jsonw_key(&w, "data");
    if (data_text != NULL) {
        jsonw_raw(&w, data_text, strlen(data_text));
    } else if (data != NULL) {
        jsonw_raw(&w, NULL, 0);
        if (json_dump_callback(data, dump_into, &w, JSON_COMPACT | JSON_ENCODE_ANY) != 0)
            jsonw_append(&w, "null", 4);
    } else {
        jsonw_null(&w);
    }
    jsonw_kstr(&w, "trace", trace);
    jsonw_kint(&w, "tm", tm_ns);
    jsonw_kstr(&w, "bizCode", "");
    jsonw_key(&w, "msgParams");
    if (detail != NULL) {
        jsonw_arr_begin(&w);
        jsonw_str(&w, detail);
        jsonw_arr_end(&w);
    } else {
        jsonw_null(&w);
    }
    jsonw_key(&w, "ok");
    jsonw_bool(&w, e == TA_OK);
    jsonw_key(&w, "fail");
    jsonw_bool(&w, e != TA_OK);
    jsonw_obj_end(&w);
    json_decref(data);
    return jsonw_take(&w, NULL);
}
