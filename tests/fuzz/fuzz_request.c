/* tests/fuzz/fuzz_request.c — the whole request pipeline without sockets (http/request.c:
 * headers + body → envelope) on an in-memory SQLite database. Input: byte 0 picks the route
 * (or an operations path or an unknown one), byte 1 the prefix form, the method and the
 * client address; then "Name: value" header lines, a blank line, the body. */
#include "api/api.h"
#include "fuzz_app.h"
#include "http/request.h"
#include "util/arena.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_HEADERS 32

struct headers {
    char *name[MAX_HEADERS], *value[MAX_HEADERS];
    size_t n;
};

static const char *lookup(void *ud, const char *name)
{
    struct headers *h = ud;
    for (size_t i = 0; i < h->n; i++)
        if (strcasecmp(h->name[i], name) == 0)
            return h->value[i];
    return NULL;
}

static void parse_headers(const uint8_t *p, size_t n, struct headers *h)
{
    h->n = 0;
    while (n > 0 && h->n < MAX_HEADERS) {
        const uint8_t *nl = memchr(p, '\n', n);
        size_t len = nl ? (size_t)(nl - p) : n;
        const uint8_t *colon = memchr(p, ':', len);
        if (colon != NULL) {
            size_t kn = (size_t)(colon - p), vn = len - kn - 1;
            const uint8_t *v = colon + 1;
            while (vn > 0 && *v == ' ') {
                v++;
                vn--;
            }
            h->name[h->n] = strndup((const char *)p, kn);
            h->value[h->n] = strndup((const char *)v, vn);
            h->n++;
        }
        p += len + (nl ? 1 : 0);
        n -= len + (nl ? 1 : 0);
    }
}

static struct store *store_of(void *ud)
{
    return ((struct fuzz_app *)ud)->st;
}

static bool ready(void *ud)
{
    (void)ud;
    return true;
}

static int64_t live(void *ud)
{
    (void)ud;
    return 0;
}

static bool outbox(void *ud, int64_t *pending, int64_t *failed)
{
    (void)ud;
    *pending = *failed = 0;
    return true;
}

static const char *path_for(uint8_t pick, char buf[256], uint8_t form)
{
    static const char *const extra[] = {"/healthz", "/readyz", "/metrics", "/nothing"};
    static const char *const prefix[] = {"", "/api", "/cats-gateway", "/api/cats-gateway"};
    size_t n = 0;
    while (api_routes[n].path != NULL)
        n++;
    size_t i = pick % (n + 4);
    if (i >= n)
        return extra[i - n];
    snprintf(buf, 256, "%s%s", prefix[form & 3], api_routes[i].path);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const methods[] = {"POST", "GET", "OPTIONS", "PUT"};
    struct fuzz_app *app = fuzz_app();
    if (size < 2)
        return 0;
    char path[256], addr[32];
    const char *url = path_for(data[0], path, data[1]);
    const char *method = methods[(data[1] >> 2) & 3];
    snprintf(addr, sizeof addr, "10.0.0.%u", (unsigned)(data[1] >> 4));
    size_t head_len, body_len;
    const uint8_t *body;
    fuzz_split(data + 2, size - 2, &head_len, &body, &body_len);
    struct headers h;
    parse_headers(data + 2, head_len, &h);

    struct http_hooks hooks = {.thread_store = store_of,
                               .ready = ready,
                               .live_sessions = live,
                               .outbox_counts = outbox,
                               .ud = app};
    struct arena *a = arena_new(1024 * 1024);
    struct request rq;
    request_init(&rq, &app->cfg, &hooks, a, lookup, &h);
    enum request_next next = request_begin(&rq, method, url, addr);
    if (next == REQ_READ_BODY) {
        request_body(&rq, (const char *)body, body_len);
        next = request_body_done(&rq);
    }
    if (next == REQ_RUN || next == REQ_SLOW || next == REQ_WRITE)
        request_run(&rq, app->st);
    size_t len = 0;
    free(request_take_reply(&rq, &len));
    request_free(&rq);
    arena_free(a);
    for (size_t i = 0; i < h.n; i++) {
        free(h.name[i]);
        free(h.value[i]);
    }
    return 0;
}
