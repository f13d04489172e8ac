/* http/refusal.c — the whole HTTP answer for a request http/head_gate.c refused before
 * libmicrohttpd saw it: the same envelope, headers and access-log line as any other answer
 * (http/request.c makes them), written out by hand because no libmicrohttpd connection
 * exists for it. Always Connection: close: after a malformed head nothing on the connection
 * can be trusted to start where the next request starts. */
#include "http/refusal.h"
#include "util/arena.h"
#include "util/net.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define REFUSAL_ARENA 16384
#define HEAD_BYTES 1024

struct raw_head {
    const char *p;
    size_t n;
    struct arena *a;
};

/* A field of what arrived of the head (for trace and lang), trimmed; NULL when absent.
 * The head may be malformed: the scan only ever stays inside p[0..n). */
static const char *raw_field(void *ud, const char *name)
{
    const struct raw_head *h = ud;
    size_t nl = strlen(name), pos = 0;
    while (pos < h->n) {
        const char *eol = memchr(h->p + pos, '\n', h->n - pos);
        size_t end = eol != NULL ? (size_t)(eol - h->p) : h->n;
        const char *line = h->p + pos;
        size_t len = end - pos;
        if (len > nl && line[nl] == ':' && strncasecmp(line, name, nl) == 0) {
            const char *v = line + nl + 1;
            size_t vn = len - nl - 1;
            while (vn > 0 && (*v == ' ' || *v == '\t')) {
                v++;
                vn--;
            }
            while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t' || v[vn - 1] == '\r'))
                vn--;
            return memchr(v, '\0', vn) == NULL ? arena_strndup(h->a, v, vn) : NULL;
        }
        pos = end + 1;
    }
    return NULL;
}

static void http_date(char *out, size_t size)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = time(NULL);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL) {
        out[0] = '\0';
        return;
    }
    snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Status line and headers of rq's answer. */
static size_t head_text(const struct request *rq, size_t body_len, char *out, size_t size)
{
    char date[64];
    http_date(date, sizeof date);
    int n = snprintf(out, size, "HTTP/1.1 %u %s\r\nDate: %s\r\nConnection: close\r\n", rq->status,
                     MHD_get_reason_phrase_for(rq->status), date);
    if (rq->content_type != NULL)
        n += snprintf(out + n, size - (size_t)n, "Content-Type: %s\r\n", rq->content_type);
    for (size_t i = 0; i < rq->n_headers && (size_t)n < size; i++)
        n += snprintf(out + n, size - (size_t)n, "%s: %s\r\n", rq->headers[i].name,
                      rq->headers[i].value);
    if ((size_t)n < size)
        n += snprintf(out + n, size - (size_t)n, "Content-Length: %zu\r\n\r\n", body_len);
    return (size_t)n < size ? (size_t)n : 0;
}

char *refusal_render(const struct config *cfg, const struct http_hooks *hooks, ta_err why,
                     const char *head, size_t head_len, const struct sockaddr *sa, size_t *len)
{
    struct raw_head h = {head, head_len, arena_new(REFUSAL_ARENA)};
    struct request rq;
    request_init(&rq, cfg, hooks, h.a, raw_field, &h);
    char addr[64];
    net_addr_text(sa, addr, sizeof addr);
    rq.req.ctx.client_addr = addr;
    request_fail(&rq, why, NULL);
    request_log(&rq);
    size_t body_len = 0;
    char *body = request_take_reply(&rq, &body_len);
    char headers[HEAD_BYTES];
    size_t hl = body != NULL ? head_text(&rq, body_len, headers, sizeof headers) : 0;
    char *out = NULL;
    if (hl > 0) {
        out = malloc(hl + body_len);
        if (out != NULL) {
            memcpy(out, headers, hl);
            memcpy(out + hl, body, body_len);
            *len = hl + body_len;
        }
    }
    free(body);
    request_free(&rq);
    arena_free(h.a);
    return out;
}
