/* util/jsonw.h — a streaming JSON writer: values are appended to one growing buffer as they
 * come, with no tree in between (the token path writes an envelope per request). Strings
 * are escaped per RFC 8259 exactly as jansson dumps them (UTF-8 kept, control characters,
 * quote and backslash escaped); invalid UTF-8 becomes U+FFFD. Numbers and money are
 * formatted in place. Jansson stays the parser. */
#ifndef TA_UTIL_JSONW_H
#define TA_UTIL_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSONW_DEPTH 32

struct jsonw {
    char *buf; /* malloc'd; NULL after jsonw_take */
    size_t len, cap;
    int depth;
    bool first[JSONW_DEPTH]; /* no element written yet at this depth */
    bool after_key;          /* the next value completes "key": */
};

/* An empty writer with room for size_hint bytes. */
void jsonw_init(struct jsonw *w, size_t size_hint);
/* Frees the buffer (safe after jsonw_take). */
void jsonw_free(struct jsonw *w);
/* The text written (NUL-terminated, malloc'd; the caller frees); the writer is spent. */
char *jsonw_take(struct jsonw *w, size_t *len_out);

void jsonw_obj_begin(struct jsonw *w);
void jsonw_obj_end(struct jsonw *w);
void jsonw_arr_begin(struct jsonw *w);
void jsonw_arr_end(struct jsonw *w);
/* The member name of the next value in an object: a constant of the program, written
 * without escaping (no quote, backslash or control character in it). */
void jsonw_key(struct jsonw *w, const char *key);

void jsonw_str(struct jsonw *w, const char *s); /* NULL writes null */
void jsonw_strn(struct jsonw *w, const char *s, size_t n);
void jsonw_int(struct jsonw *w, int64_t v);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);
/* A fixed-point amount as a string with exactly digits decimals ("2904318.4696"). */
void jsonw_money(struct jsonw *w, int64_t minor, int digits);
/* A number with 3 decimals (durations in ms for logs). */
void jsonw_ms(struct jsonw *w, double ms);
/* Already-serialized JSON (one value), copied as is. With n == 0 only the separator is
 * written: the value follows in pieces through jsonw_append (a dump callback). */
void jsonw_raw(struct jsonw *w, const char *json, size_t n);
void jsonw_append(struct jsonw *w, const char *s, size_t n);

/* Shorthands for object members. */
static inline void jsonw_kstr(struct jsonw *w, const char *k, const char *s)
{
    jsonw_key(w, k);
    jsonw_str(w, s);
}
static inline void jsonw_kint(struct jsonw *w, const char *k, int64_t v)
{
    jsonw_key(w, k);
    jsonw_int(w, v);
}
static inline void jsonw_knull(struct jsonw *w, const char *k)
{
    jsonw_key(w, k);
    jsonw_null(w);
}

#endif
