/* http/respond.c — the only code that knows how an answer looks on the wire. Internal
 * answers that escape (NOT_FOUND, CONFLICT, RETRY) become GATEWAY_CODE_500 via the err
 * table; their detail is never shown. */
#include "http/respond.h"
#include "util/i18n.h"

#include <stdlib.h>
#include <string.h>

char *respond_envelope(ta_err e, json_t *data, const char *detail, const char *lang,
                       const char *trace, int64_t tm_ns)
{
    char msg[512];
    const char *code = ta_err_wire(e);
    bool internal = strcmp(code, "GATEWAY_CODE_500") == 0;
    if (internal || e == TA_OK)
        detail = NULL;
    i18n_format(lang, code, detail, msg, sizeof msg);

    json_t *o = json_object();
    json_object_set_new_nocheck(o, "code", json_string(code));
    json_object_set_new_nocheck(o, "msg", json_string(msg));
    json_object_set_new_nocheck(o, "data", data != NULL ? data : json_null());
    json_object_set_new_nocheck(o, "trace", json_string(trace));
    json_object_set_new_nocheck(o, "tm", json_integer(tm_ns));
    json_object_set_new_nocheck(o, "bizCode", json_string(""));
    json_object_set_new_nocheck(o, "msgParams",
                                detail != NULL ? json_pack("[s]", detail) : json_null());
    json_object_set_new_nocheck(o, "ok", json_boolean(e == TA_OK));
    json_object_set_new_nocheck(o, "fail", json_boolean(e != TA_OK));
    /* Dump into a per-thread buffer first (no growing string), then one exact copy. */
    static _Thread_local char buf[32 * 1024];
    size_t n = json_dumpb(o, buf, sizeof buf, JSON_COMPACT);
    char *text;
    if (n > 0 && n < sizeof buf) {
        text = malloc(n + 1);
        if (text != NULL) {
            memcpy(text, buf, n);
            text[n] = '\0';
        }
    } else {
        text = json_dumps(o, JSON_COMPACT); /* a large payload: let jansson size it */
    }
    json_decref(o);
    return text;
}
