/* http/head_check.c — RFC 9112's request head grammar, as strict as libmicrohttpd is lax
 * where the two differ in a way a proxy in front could read differently (whitespace before a
 * colon, folded lines, control bytes, two lengths). Bare LF line ends are accepted in the
 * head (§2.2 allows it, and libmicrohttpd does); a chunked body must use CRLF, as
 * libmicrohttpd insists. */
#include "http/head_check.h"

#include <string.h>
#include <strings.h>

#define CHUNK_LINE_MAX 1024 /* a chunk-size line with extensions */

static bool is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A byte of a field value: HTAB, SP, VCHAR, obs-text; no control byte (a CR alone is one). */
static bool is_field_byte(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* The line starting at pos: *end excludes the CR LF (or LF), *next is past it. */
static bool next_line(const char *buf, size_t len, size_t pos, size_t *end, size_t *next)
{
    const char *nl = memchr(buf + pos, '\n', len - pos);
    if (nl == NULL)
        return false;
    size_t e = (size_t)(nl - buf);
    *next = e + 1;
    if (e > pos && buf[e - 1] == '\r')
        e--;
    *end = e;
    return true;
}

static void refuse(struct head_verdict *out, ta_err why)
{
    out->state = HEAD_REFUSED;
    out->why = why;
}

/* ---- the request line ----------------------------------------------------------------- */

/* p[0..n) is the request line, or (when !complete) the part of it received so far.
 * *in_target: the bytes ran out before the target ended (an unfinished line is then
 * "URI too long", not "header too large"). */
static ta_err request_line(const char *p, size_t n, bool complete, bool *in_target, bool *http10)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t i = 0;
    *in_target = true;
    if (!complete && n > 0 && u[n - 1] == '\r') /* its line end arriving */
        n--;
    while (i < n && is_tchar(u[i]))
        i++;
    if (i == n)
        return complete ? TA_E_FRAMING : TA_OK;
    if (i == 0 || u[i] != ' ')
        return TA_E_FRAMING;
    size_t t = ++i;
    while (i < n && u[i] > 0x20 && u[i] < 0x7f)
        i++;
    if (i == n)
        return complete ? TA_E_FRAMING : TA_OK;
    if (i == t || u[i] != ' ')
        return TA_E_FRAMING;
    *in_target = false;
    const char *v = p + i + 1;
    size_t vn = n - i - 1;
    static const char shape[] = "HTTP/9.9"; /* 9: any digit */
    for (size_t k = 0; k < vn && k < 8; k++) {
        bool ok = shape[k] == '9' ? (v[k] >= '0' && v[k] <= '9') : v[k] == shape[k];
        if (!ok)
            return TA_E_FRAMING;
    }
    if (!complete)
        return vn <= 8 ? TA_OK : TA_E_FRAMING;
    if (vn != 8)
        return TA_E_FRAMING;
    if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
        return TA_E_HTTP_VERSION;
    *http10 = v[7] == '0';
    return TA_OK;
}

/* ---- header fields -------------------------------------------------------------------- */

/* Syntax of one field line p[0..n) (a prefix of one when !complete): name, colon, value. No
 * whitespace before the colon and no folded line: both are read differently by different
 * servers (RFC 9112 §5.1, §5.2). *name_len is set when the colon has arrived. */
static bool field_syntax(const char *p, size_t n, bool complete, size_t *name_len)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t i = 0;
    if (!complete && n > 0 && u[n - 1] == '\r') /* its line end arriving */
        n--;
    if (n > 0 && (u[0] == ' ' || u[0] == '\t'))
        return false;
    while (i < n && is_tchar(u[i]))
        i++;
    if (i == n)
        return !complete;
    if (i == 0 || u[i] != ':')
        return false;
    for (size_t j = i + 1; j < n; j++)
        if (!is_field_byte(u[j]))
            return false;
    *name_len = i;
    return true;
}

static bool name_is(const char *p, size_t n, const char *name)
{
    return strlen(name) == n && strncasecmp(p, name, n) == 0;
}

static void content_length(const char *v, size_t n, struct head_fields *f)
{
    uint64_t x = 0;
    if (n == 0)
        f->length_err = TA_E_FRAMING;
    for (size_t i = 0; i < n && f->length_err == TA_OK; i++) {
        if (v[i] < '0' || v[i] > '9')
            f->length_err = TA_E_FRAMING;
        else if (x > (UINT64_MAX - 9) / 10)
            f->length_err = TA_E_TOO_LARGE;
        else
            x = x * 10 + (uint64_t)(v[i] - '0');
    }
    f->length = x;
}

void head_fields_add(struct head_fields *f, const char *name, size_t name_len, const char *v,
                     size_t vn)
{
    while (vn > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        vn--;
    }
    while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
        vn--;
    f->n++;
    for (size_t i = 0; i < name_len; i++)
        if (!is_tchar((unsigned char)name[i]))
            f->bad_name = true;
    if (name_len == 0)
        f->bad_name = true;
    if (name_is(name, name_len, "Content-Length")) {
        f->n_length++;
        content_length(v, vn, f);
    } else if (name_is(name, name_len, "Transfer-Encoding")) {
        f->n_encoding++;
        f->chunked = vn == 7 && strncasecmp(v, "chunked", 7) == 0;
    } else if (name_is(name, name_len, "Host")) {
        f->n_host++;
    } else if (name_is(name, name_len, "Expect")) {
        f->expect_100 = vn == 12 && strncasecmp(v, "100-continue", 12) == 0;
    }
}

ta_err head_fields_framing(const struct head_fields *f, bool http10)
{
    if (f->bad_name || f->n_host > 1)
        return TA_E_FRAMING;
    if (f->n_length > 1 || (f->n_length > 0 && f->n_encoding > 0) || f->n_encoding > 1)
        return TA_E_FRAMING;
    if (f->n_encoding == 1 && (!f->chunked || http10))
        return TA_E_FRAMING;
    return f->n_length == 1 ? f->length_err : TA_OK;
}

static bool over_budget(const struct head_limits *lim, size_t bytes, size_t fields)
{
    return bytes > lim->max_bytes || bytes + fields * HEAD_FIELD_COST > lim->budget;
}

/* The fields from pos on, up to and including the empty line. */
static void fields_check(const char *buf, size_t len, size_t pos, const struct head_limits *lim,
                         bool http10, struct head_verdict *out)
{
    struct head_fields f = {0};
    size_t e, next;
    while (next_line(buf, len, pos, &e, &next)) {
        if (e == pos) { /* the empty line */
            ta_err r =
                over_budget(lim, next, f.n) ? TA_E_HEAD_TOO_LARGE : head_fields_framing(&f, http10);
            if (r != TA_OK)
                return refuse(out, r);
            out->state = HEAD_GOOD;
            out->head_len = next;
            out->chunked = f.n_encoding == 1;
            out->expect_100 = f.expect_100;
            out->length = f.length;
            return;
        }
        size_t name_len = 0;
        if (!field_syntax(buf + pos, e - pos, true, &name_len))
            return refuse(out, TA_E_FRAMING);
        head_fields_add(&f, buf + pos, name_len, buf + pos + name_len + 1, e - pos - name_len - 1);
        if (over_budget(lim, next, f.n))
            return refuse(out, TA_E_HEAD_TOO_LARGE);
        pos = next;
    }
    size_t name_len;
    if (!field_syntax(buf + pos, len - pos, false, &name_len))
        return refuse(out, TA_E_FRAMING);
    /* Unfinished: at least its line end is still to come. A lone CR is the empty line's. */
    bool started = len > pos && !(len - pos == 1 && buf[pos] == '\r');
    if (len >= lim->max_bytes || over_budget(lim, len + 1, f.n + (started ? 1 : 0)))
        return refuse(out, TA_E_HEAD_TOO_LARGE);
    out->state = HEAD_MORE;
}

void head_check(const char *buf, size_t len, const struct head_limits *lim,
                struct head_verdict *out)
{
    memset(out, 0, sizeof *out);
    out->why = TA_OK;
    size_t pos = 0, e, next;
    while (pos < len && (buf[pos] == '\r' || buf[pos] == '\n')) /* §2.2: empty lines first */
        pos++;
    bool in_target, http10 = false;
    if (!next_line(buf, len, pos, &e, &next)) {
        ta_err r = request_line(buf + pos, len - pos, false, &in_target, &http10);
        if (r == TA_OK && len >= lim->max_bytes)
            r = in_target ? TA_E_URI_TOO_LONG : TA_E_HEAD_TOO_LARGE;
        if (r != TA_OK)
            return refuse(out, r);
        out->state = HEAD_MORE;
        return;
    }
    ta_err r = request_line(buf + pos, e - pos, true, &in_target, &http10);
    if (r == TA_OK && next > lim->max_bytes)
        r = TA_E_URI_TOO_LONG;
    if (r != TA_OK)
        return refuse(out, r);
    fields_check(buf, len, next, lim, http10, out);
}

/* ---- a chunked body --------------------------------------------------------------------- */

/* One chunk-size line p[0..n): hex digits, then nothing or ";" and extension bytes. */
static bool chunk_size(const char *p, size_t n, uint64_t *size, bool *too_big)
{
    size_t i = 0;
    uint64_t x = 0;
    *too_big = false;
    while (i < n && is_hex((unsigned char)p[i])) {
        if (i >= 15)
            *too_big = true;
        unsigned char c = (unsigned char)p[i];
        x = x * 16 + (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        i++;
    }
    if (i == 0 || (i < n && p[i] != ';'))
        return false;
    for (; i < n; i++)
        if (!is_field_byte((unsigned char)p[i]))
            return false;
    *size = x;
    return true;
}

/* The trailer section after the last chunk: field lines, then an empty line. */
static void trailers(const char *buf, size_t len, size_t pos, struct head_verdict *out)
{
    size_t e, next, name_len;
    while (next_line(buf, len, pos, &e, &next)) {
        if (next - e != 2) /* CRLF only in a chunked body */
            return refuse(out, TA_E_FRAMING);
        if (e == pos) {
            out->state = HEAD_GOOD;
            out->head_len = next;
            return;
        }
        if (!field_syntax(buf + pos, e - pos, true, &name_len))
            return refuse(out, TA_E_FRAMING);
        pos = next;
    }
    if (len - pos > CHUNK_LINE_MAX)
        return refuse(out, TA_E_FRAMING);
    out->state = HEAD_MORE;
}

void chunks_check(const char *buf, size_t len, uint64_t max_body, struct head_verdict *out)
{
    memset(out, 0, sizeof *out);
    size_t pos = 0, e, next;
    uint64_t total = 0, size;
    bool too_big;
    for (;;) {
        if (!next_line(buf, len, pos, &e, &next)) {
            if (len - pos > CHUNK_LINE_MAX)
                return refuse(out, TA_E_FRAMING);
            out->state = HEAD_MORE;
            return;
        }
        if (next - e != 2 || !chunk_size(buf + pos, e - pos, &size, &too_big))
            return refuse(out, TA_E_FRAMING);
        if (too_big || size > max_body || (total += size) > max_body)
            return refuse(out, TA_E_TOO_LARGE);
        if (size == 0)
            return trailers(buf, len, next, out);
        if (len - next < size + 2) {
            out->state = HEAD_MORE;
            return;
        }
        if (buf[next + size] != '\r' || buf[next + size + 1] != '\n')
            return refuse(out, TA_E_FRAMING);
        pos = next + size + 2;
    }
}
