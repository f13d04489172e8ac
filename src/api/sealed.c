/* api/sealed.c — the body-decrypt step of contract C19, between the company and the handler:
 * the JSON half of it (which keys the client signed and how it wrote their values); the
 * keys, RSA, time window and replay check are domain/sealed.c's. */
#include "domain/sealed.h"
#include "api/api.h"
#include "crypto/rsa.h"
#include "util/arena.h"
#include "util/collate.h"

#include <inttypes.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* String(x) of JavaScript for a double: the shortest digits that read back as x, written
 * plainly for decimal exponents -7 < e < 21, else as d.ddde±n. */
static void js_number(double x, char out[48])
{
    if (x == 0 || !isfinite(x)) {
        snprintf(out, 48, "%s", x == 0 ? "0" : isnan(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity");
        return;
    }
    char e[48];
    for (int p = 0; p <= 17; p++) {
        snprintf(e, sizeof e, "%.*e", p, x);
        if (strtod(e, NULL) == x)
            break;
    }
    char d[24];
    int nd = 0;
    const char *s = e + (e[0] == '-');
    for (; *s != 'e' && nd < 23; s++)
        if (*s != '.')
            d[nd++] = *s;
    while (nd > 1 && d[nd - 1] == '0')
        nd--;
    d[nd] = '\0';
    int exp = (int)strtol(s + 1, NULL, 10);
    const char *sign = x < 0 ? "-" : "";
    if (exp >= 21 || exp <= -7)
        snprintf(out, 48, "%s%c%s%se%c%d", sign, d[0], nd > 1 ? "." : "", d + 1,
                 exp < 0 ? '-' : '+', abs(exp));
    else if (exp < 0)
        snprintf(out, 48, "%s0.%.*s%s", sign, -exp - 1, "000000", d);
    else if (nd <= exp + 1)
        snprintf(out, 48, "%s%s%.*s", sign, d, exp + 1 - nd, "000000000000000000000");
    else
        snprintf(out, 48, "%s%.*s.%s", sign, exp + 1, d, d + exp + 1);
}

static int by_key(const void *a, const void *b)
{
    return collate_js(*(const char *const *)a, *(const char *const *)b);
}

/* The client's sign text: "timestamp=<ts>" then "&k=v" for every key whose value is a
 * non-empty string or a number (signature excepted: it is added after signing), in
 * localeCompare order. Into the arena. */
static char *sign_text(struct arena *a, json_t *obj, const char *ts, size_t *len_out)
{
    size_t n = json_object_size(obj), k = 0;
    const char **keys = arena_alloc(a, (n + 1) * sizeof *keys);
    if (keys == NULL)
        return NULL;
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        bool str = json_is_string(v) && json_string_length(v) > 0;
        if ((str || json_is_number(v)) && strcmp(key, "signature") != 0)
            keys[k++] = key;
    }
    qsort(keys, k, sizeof keys[0], by_key);
    char *text = arena_printf(a, "timestamp=%s", ts);
    for (size_t i = 0; i < k && text != NULL; i++) {
        v = json_object_get(obj, keys[i]);
        char num[48];
        if (json_is_integer(v))
            snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        else if (json_is_real(v))
            js_number(json_real_value(v), num);
        text = arena_printf(a, "%s&%s=%s", text, keys[i],
                            json_is_string(v) ? json_string_value(v) : num);
    }
    if (text != NULL)
        *len_out = strlen(text);
    return text;
}

/* The decrypted text as the request object; numbers beyond 64 bits as reals, as the edge
 * parses a plain body. */
static json_t *parse(struct api_req *req, const char *text, size_t len)
{
    json_error_t jerr;
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (o == NULL && strstr(jerr.text, "too big") != NULL) {
        o = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &jerr);
        req->ints_as_real = o != NULL;
    }
    if (o != NULL && !json_is_object(o)) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

/* Opens data with key and checks the signature; *out the request object (new reference). */
static ta_err open_body(struct api_req *req, const struct rsa_key *key, const char *data,
                        json_t **out)
{
    struct dctx *ctx = &req->ctx;
    int64_t ts;
    ta_err e = sealed_check_time(ctx, req->timestamp_hdr, &ts);
    char *text = NULL;
    size_t len = 0;
    if (e == TA_OK)
        e = sealed_open(ctx, key, data, &text, &len);
    if (e != TA_OK)
        return e;
    json_t *o = parse(req, text, len);
    sodium_memzero(text, len); /* it may hold a password hash */
    free(text);
    if (o == NULL)
        return TA_E_BAD_REQUEST;
    size_t n = 0;
    char *sign = sign_text(ctx->a, o, req->timestamp_hdr, &n);
    e = sign == NULL
            ? TA_E_TOO_LARGE
            : sealed_accept(ctx, sign, n, json_string_value(json_object_get(o, "signature")), ts);
    if (sign != NULL)
        sodium_memzero(sign, n);
    if (e != TA_OK) {
        json_decref(o);
        return e;
    }
    json_object_del(o, "signature");
    json_object_del(o, "timestamp");
    *out = o;
    return TA_OK;
}

ta_err api_unseal(struct api_req *req)
{
    struct rsa_key *key = NULL;
    bool required = false;
    ta_err e = sealed_policy(&req->ctx, &key, &required);
    if (e != TA_OK || key == NULL)
        return e; /* no key: bodies are plain, and a "data" field is just an unknown field */
    const json_t *data = json_object_get(req->body, "data");
    if (!json_is_string(data)) {
        rsa_key_free(key);
        return required ? TA_E_BAD_REQUEST : TA_OK;
    }
    json_t *o = NULL;
    e = open_body(req, key, json_string_value(data), &o);
    rsa_key_free(key);
    if (e != TA_OK)
        return e;
    /* The edge owns req->body: its contents are swapped, not the object. */
    json_object_clear(req->body);
    e = json_object_update(req->body, o) == 0 ? TA_OK : TA_E_TOO_LARGE;
    json_decref(o);
    return e;
}
