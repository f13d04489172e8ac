/* api/bind.h — request fields declared in a table and bound into a command struct.
 * One binder enforces JSON types, ranges and lengths (contract A2), so handlers only
 * hold the rules between fields. */
#ifndef TA_API_BIND_H
#define TA_API_BIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/api.h"

enum field_type { F_INT, F_STR, F_BOOL, F_JSON, F_MD5, F_CODE6 };
enum { OPTIONAL = 0, REQUIRED = 1 };

struct field {
    const char *name;
    enum field_type type;
    size_t offset;
    int64_t min, max; /* F_INT: value range; F_STR: length in bytes */
    int required;
};

/* Members: F_INT int64_t (left untouched when absent: preset defaults), F_STR/F_MD5/F_CODE6
 * const char * (NULL when absent or ""), F_BOOL bool, F_JSON json_t * (borrowed). */
#define FIELD_INT(n, T, m, lo, hi, req)                                                            \
    {                                                                                              \
        n, F_INT, offsetof(T, m), lo, hi, req                                                      \
    }
#define FIELD_STR(n, T, m, lo, hi, req)                                                            \
    {                                                                                              \
        n, F_STR, offsetof(T, m), lo, hi, req                                                      \
    }
#define FIELD_MD5(n, T, m, req)                                                                    \
    {                                                                                              \
        n, F_MD5, offsetof(T, m), 32, 32, req                                                      \
    }
#define FIELD_CODE6(n, T, m, req)                                                                  \
    {                                                                                              \
        n, F_CODE6, offsetof(T, m), 6, 6, req                                                      \
    }
#define FIELD_BOOL(n, T, m, req)                                                                   \
    {                                                                                              \
        n, F_BOOL, offsetof(T, m), 0, 1, req                                                       \
    }
#define FIELD_JSON(n, T, m, req)                                                                   \
    {                                                                                              \
        n, F_JSON, offsetof(T, m), 0, 0, req                                                       \
    }
#define FIELD_END                                                                                  \
    {                                                                                              \
        NULL, F_INT, 0, 0, 0, 0                                                                    \
    }

/* Binds every field; the first bad one answers TA_E_FIELD with its name in the detail. */
ta_err bind_fields(struct api_req *req, const struct field *fields, void *out);
/* TA_E_FIELD naming field (for rules between fields). */
ta_err bind_bad(struct api_req *req, const char *field);
/* Parses an integer the way F_INT does: a JSON integer or a string of digits. */
bool bind_int(const json_t *v, int64_t *out);

#endif
