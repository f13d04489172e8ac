/* api/bind.c — strict typing with the clients' habits allowed for: integers may come as
 * digit strings, "" and null mean absent, unknown fields are ignored. */
#include "api/bind.h"
#include "util/arena.h"

#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

ta_err bind_bad(struct api_req *req, const char *field)
{
    req->ctx.detail = field;
    return TA_E_FIELD;
}

static bool bind_int_text(const json_t *v, int64_t *out);

bool bind_int(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return true;
    }
    return bind_int_text(v, out);
}

/* In a body that held an integer too big for 64 bits every number arrives as a real; an
 * integral one below 2^53 is still exact, anything else is the field at fault. */
static bool bind_int_real(const json_t *v, int64_t *out)
{
    if (!json_is_real(v))
        return false;
    double d = json_real_value(v);
    if (!(d > -9007199254740992.0 && d < 9007199254740992.0) || d != (double)(int64_t)d)
        return false;
    *out = (int64_t)d;
    return true;
}

static bool bind_int_text(const json_t *v, int64_t *out)
{
    if (!json_is_string(v))
        return false;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    size_t i = (n > 0 && s[0] == '-') ? 1 : 0;
    if (n == i || n > 19 || strspn(s + i, "0123456789") != n - i)
        return false;
    errno = 0;
    long long x = strtoll(s, NULL, 10);
    if (errno != 0)
        return false;
    *out = (int64_t)x;
    return true;
}

static void wipe(void *p)
{
    sodium_memzero(p, strlen(p));
}

static bool is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

static ta_err bind_one(struct api_req *req, const struct field *f, const json_t *v, void *out)
{
    char *dst = (char *)out + f->offset;
    bool absent = v == NULL || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0);

    if (absent) {
        if (f->required)
            return bind_bad(req, f->name);
        if (f->type != F_INT && f->type != F_BOOL)
            memset(dst, 0, f->type == F_JSON ? sizeof(json_t *) : sizeof(const char *));
        return TA_OK;
    }
    switch (f->type) {
    case F_INT: {
        int64_t x;
        bool ok = bind_int(v, &x) || (req->ints_as_real && bind_int_real(v, &x));
        if (!ok || x < f->min || x > f->max)
            return bind_bad(req, f->name);
        memcpy(dst, &x, sizeof x);
        return TA_OK;
    }
    case F_BOOL: {
        if (!json_is_boolean(v))
            return bind_bad(req, f->name);
        bool b = json_is_true(v);
        memcpy(dst, &b, sizeof b);
        return TA_OK;
    }
    case F_JSON: {
        const json_t *p = v;
        memcpy(dst, &p, sizeof p);
        return TA_OK;
    }
    case F_STR:
    case F_MD5:
    case F_CODE6: {
        if (!json_is_string(v))
            return bind_bad(req, f->name);
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        if (strlen(s) != n || (int64_t)n < f->min || (int64_t)n > f->max)
            return bind_bad(req, f->name); /* embedded NUL, or out of bounds */
        if (f->type == F_MD5 && !is_hex(s, n))
            return bind_bad(req, f->name);
        if (f->type == F_CODE6 && strspn(s, "0123456789") != n)
            return bind_bad(req, f->name);
        char *copy = arena_strndup(req->ctx.a, s, n);
        if (copy == NULL)
            return TA_E_TOO_LARGE;
        if (f->type == F_MD5) {
            /* One password whichever case the client's MD5 hex uses. The copy is wiped when
             * the request ends, and the parsed JSON's own copy right now. */
            for (size_t i = 0; i < n; i++)
                copy[i] = (char)tolower((unsigned char)copy[i]);
            arena_on_free(req->ctx.a, wipe, copy);
            sodium_memzero((char *)s, n);
        }
        memcpy(dst, &copy, sizeof copy);
        return TA_OK;
    }
    }
    return bind_bad(req, f->name);
}

ta_err bind_fields(struct api_req *req, const struct field *fields, void *out)
{
    for (const struct field *f = fields; f->name != NULL; f++) {
        ta_err err = bind_one(req, f, json_object_get(req->body, f->name), out);
        if (err != TA_OK)
            return err;
    }
    return TA_OK;
}
