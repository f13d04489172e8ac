/* util/jsonw.c — appends to one buffer; the only allocation is its growth (doubling). */
#include "util/jsonw.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jsonw_init(struct jsonw *w, size_t size_hint)
{
    memset(w, 0, sizeof *w);
    w->cap = size_hint > 64 ? size_hint : 64;
    w->buf = xmalloc(w->cap);
    w->first[0] = true;
}

void jsonw_free(struct jsonw *w)
{
    free(w->buf);
    w->buf = NULL;
}

char *jsonw_take(struct jsonw *w, size_t *len_out)
{
    char *b = w->buf;
    b[w->len] = '\0'; /* room is always kept for it */
    if (len_out != NULL)
        *len_out = w->len;
    w->buf = NULL;
    return b;
}

static void reserve(struct jsonw *w, size_t n)
{
    if (w->len + n + 1 <= w->cap)
        return;
    while (w->len + n + 1 > w->cap)
        w->cap *= 2;
    w->buf = xrealloc(w->buf, w->cap);
}

static void put(struct jsonw *w, const char *s, size_t n)
{
    reserve(w, n);
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static void putc1(struct jsonw *w, char c)
{
    reserve(w, 1);
    w->buf[w->len++] = c;
}

/* Before any value: the comma between elements, unless it follows its key. */
static void sep(struct jsonw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (!w->first[w->depth])
        putc1(w, ',');
    w->first[w->depth] = false;
}

static void open(struct jsonw *w, char c)
{
    sep(w);
    putc1(w, c);
    if (w->depth + 1 < JSONW_DEPTH)
        w->depth++;
    w->first[w->depth] = true;
}

static void close_(struct jsonw *w, char c)
{
    putc1(w, c);
    if (w->depth > 0)
        w->depth--;
}

void jsonw_obj_begin(struct jsonw *w)
{
    open(w, '{');
}

void jsonw_obj_end(struct jsonw *w)
{
    close_(w, '}');
}

void jsonw_arr_begin(struct jsonw *w)
{
    open(w, '[');
}

void jsonw_arr_end(struct jsonw *w)
{
    close_(w, ']');
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len = c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if (len == 3 && ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0)))
        return 0; /* overlong, or a UTF-16 surrogate */
    if (len == 4 && ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90)))
        return 0; /* overlong, or beyond U+10FFFF */
    return len;
}

/* 0: copied as is; 1: escaped (control characters, quote, backslash); 2: starts a
 * multi-byte sequence, copied when it is valid UTF-8. */
static const unsigned char byte_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

static void escape_one(struct jsonw *w, unsigned c)
{
    static const char hex[] = "0123456789ABCDEF";
    char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
    switch (c) {
    case '"':
    case '\\':
        e[1] = (char)c;
        break;
    case '\b':
        e[1] = 'b';
        break;
    case '\f':
        e[1] = 'f';
        break;
    case '\n':
        e[1] = 'n';
        break;
    case '\r':
        e[1] = 'r';
        break;
    case '\t':
        e[1] = 't';
        break;
    default:
        put(w, e, 6);
        return;
    }
    put(w, e, 2);
}

static void escaped(struct jsonw *w, const unsigned char *s, size_t n)
{
    reserve(w, n + 2);
    w->buf[w->len++] = '"';
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        while (i < n && byte_class[s[i]] == 0) /* the usual case: plain ASCII */
            i++;
        if (i > start)
            put(w, (const char *)s + start, i - start);
        if (i >= n)
            break;
        if (byte_class[s[i]] == 1) {
            escape_one(w, s[i]);
            i++;
            continue;
        }
        size_t len = utf8_len(s + i, n - i);
        if (len == 0) {
            put(w, "\\uFFFD", 6); /* not UTF-8: the replacement character */
            i++;
        } else {
            put(w, (const char *)s + i, len);
            i += len;
        }
    }
    putc1(w, '"');
}

void jsonw_key(struct jsonw *w, const char *key)
{
    /* Member names are constants of the program: copied without an escaping pass. */
    size_t n = strlen(key);
    sep(w);
    reserve(w, n + 3);
    w->buf[w->len++] = '"';
    memcpy(w->buf + w->len, key, n);
    w->len += n;
    w->buf[w->len++] = '"';
    w->buf[w->len++] = ':';
    w->after_key = true;
}

void jsonw_strn(struct jsonw *w, const char *s, size_t n)
{
    sep(w);
    escaped(w, (const unsigned char *)s, n);
}

void jsonw_str(struct jsonw *w, const char *s)
{
    if (s == NULL)
        jsonw_null(w);
    else
        jsonw_strn(w, s, strlen(s));
}

void jsonw_int(struct jsonw *w, int64_t v)
{
    char tmp[24];
    size_t n = 0;
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag != 0);
    sep(w);
    reserve(w, n + 1);
    if (v < 0)
        w->buf[w->len++] = '-';
    while (n > 0)
        w->buf[w->len++] = tmp[--n];
}

void jsonw_bool(struct jsonw *w, bool v)
{
    sep(w);
    if (v)
        put(w, "true", 4);
    else
        put(w, "false", 5);
}

void jsonw_null(struct jsonw *w)
{
    sep(w);
    put(w, "null", 4);
}

void jsonw_money(struct jsonw *w, int64_t minor, int digits)
{
    char tmp[48];
    size_t n = 0;
    uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    int d = digits < 0 ? 0 : (digits > 18 ? 18 : digits);
    do { /* reversed, at least d + 1 digits */
        tmp[n++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag != 0 || n <= (size_t)d);
    sep(w);
    reserve(w, n + 4);
    w->buf[w->len++] = '"';
    if (minor < 0)
        w->buf[w->len++] = '-';
    for (size_t i = n; i > 0; i--) {
        w->buf[w->len++] = tmp[i - 1];
        if (d > 0 && i - 1 == (size_t)d)
            w->buf[w->len++] = '.';
    }
    w->buf[w->len++] = '"';
}

void jsonw_ms(struct jsonw *w, double ms)
{
    /* "%.3f" by hand (one per access line): whole microseconds, then the point. */
    uint64_t us = (uint64_t)((ms >= 0 && ms < 1e12 ? ms : 0.0) * 1000.0 + 0.5);
    char tmp[32];
    size_t n = 0;
    for (int i = 0; i < 3; i++, us /= 10)
        tmp[n++] = (char)('0' + us % 10);
    tmp[n++] = '.';
    do {
        tmp[n++] = (char)('0' + us % 10);
        us /= 10;
    } while (us != 0);
    sep(w);
    reserve(w, n);
    while (n > 0)
        w->buf[w->len++] = tmp[--n];
}

void jsonw_raw(struct jsonw *w, const char *json, size_t n)
{
    sep(w);
    if (n > 0)
        put(w, json, n);
}

void jsonw_append(struct jsonw *w, const char *s, size_t n)
{
    put(w, s, n);
}
