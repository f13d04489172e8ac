/* tests/fuzz/fuzz_bind.c — the JSON binder (api/bind.c): any body, parsed as the edge parses
 * it, bound against a table holding every field kind, required and optional. */
#include "api/bind.h"
#include "util/arena.h"

#include <jansson.h>
#include <string.h>

struct all_kinds {
    int64_t i, j;
    const char *s, *t, *md5, *code;
    bool b;
    json_t *js;
};

static const struct field fields[] = {
    FIELD_INT("type", struct all_kinds, i, 1, 3, REQUIRED),
    FIELD_INT("device", struct all_kinds, j, INT64_MIN, INT64_MAX, OPTIONAL),
    FIELD_STR("loginName", struct all_kinds, s, 1, 128, REQUIRED),
    FIELD_STR("phoneArea", struct all_kinds, t, 0, 8, OPTIONAL),
    FIELD_MD5("loginPwd", struct all_kinds, md5, OPTIONAL),
    FIELD_CODE6("verifyCode", struct all_kinds, code, OPTIONAL),
    FIELD_BOOL("flag", struct all_kinds, b, OPTIONAL),
    FIELD_JSON("list", struct all_kinds, js, OPTIONAL),
    {NULL, 0, 0, 0, 0, 0},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    bool as_real = false;
    json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (body == NULL && strstr(jerr.text, "too big") != NULL) {
        body = json_loadb((const char *)data, size,
                          JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &jerr);
        as_real = true;
    }
    if (body == NULL || !json_is_object(body)) {
        json_decref(body);
        return 0;
    }
    struct arena *a = arena_new(64 * 1024);
    struct api_req req;
    memset(&req, 0, sizeof req);
    req.ctx.a = a;
    req.body = body;
    req.ints_as_real = as_real;
    struct all_kinds out;
    memset(&out, 0, sizeof out);
    (void)bind_fields(&req, fields, &out);
    arena_free(a);
    json_decref(body);
    return 0;
}
