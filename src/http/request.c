/* http/request.c — the steps every request takes, in order, with no socket in sight:
 * request line (operations endpoints, preflight, route, method, length), body, the checks
 * of body_steps[], the handler, the envelope. A new edge rule is one more step here. */
#include "http/request.h"
#include "api/check.h"
#include "api/openapi.h"
#include "crypto/token.h"
#include "http/console.h"
#include "http/metrics.h"
#include "http/respond.h"
#include "util/access_log.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/config.h"
#include "util/i18n.h"
#include "util/jsonw.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/workpool.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_MAX 256

static const char *header(const struct request *rq, const char *name)
{
    return rq->header(rq->header_ud, name);
}

static bool printable(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            return false;
    return true;
}

static void add_header(struct request *rq, const char *name, const char *value)
{
    if (rq->n_headers < REQUEST_MAX_HEADERS) {
        rq->headers[rq->n_headers].name = name;
        rq->headers[rq->n_headers].value = value;
        rq->n_headers++;
    }
}

/* ---- the answer ------------------------------------------------------------------- */

/* cors_origins is "*" or a comma-separated list of exact origins. */
static void add_cors(struct request *rq)
{
    const char *origins = rq->cfg->cors_origins;
    if (strcmp(origins, "*") == 0) {
        add_header(rq, "Access-Control-Allow-Origin", "*");
        return;
    }
    add_header(rq, "Vary", "Origin");
    const char *origin = header(rq, "Origin");
    if (origin == NULL)
        return;
    size_t n = strlen(origin);
    for (const char *p = origins; *p != '\0';) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while (len > 0 && *p == ' ') {
            p++;
            len--;
        }
        if (len == n && strncmp(p, origin, n) == 0) {
            add_header(rq, "Access-Control-Allow-Origin", arena_strdup(rq->a, origin));
            return;
        }
        if (e == NULL)
            break;
        p = e + 1;
    }
}

/* text: malloc'd, owned by the request from here on. Answers carry tokens and customer
 * data: no cache may keep them (RFC 6749 §5.1), and no browser may sniff a JSON answer
 * into something it runs. */
static void answer(struct request *rq, unsigned status, const char *type, char *text)
{
    free(rq->reply);
    rq->reply = text;
    rq->status = status;
    rq->content_type = type;
    rq->n_headers = 0;
    /* Answers carry tokens and customer data: no cache may keep them (RFC 6749 §5.1), and
     * no browser may sniff one into something it runs. */
    add_header(rq, "Cache-Control", "no-store");
    add_header(rq, "X-Content-Type-Options", "nosniff");
    add_cors(rq);
}

/* The gateway check (C20) answers a proxy's sub-request: whatever body the proxy forwards
 * is not ours to judge, and the answer is headers or a 401. */
static bool is_gateway(const struct request *rq)
{
    return rq->route != NULL && (rq->route->flags & ROUTE_GATEWAY) != 0;
}

static void finish_reply(struct request *rq, ta_err e, json_t *data)
{
    int64_t tm = clock_mono_ns() - rq->started_ns;
    const char *lang = rq->req.ctx.lang != NULL ? rq->req.ctx.lang : "en-US";
    const char *trace = rq->req.ctx.trace != NULL ? rq->req.ctx.trace : "";
    rq->outcome = e;
    unsigned status = ta_err_status(e);
    /* A proxy lets a 2xx through: a gateway check that is not a yes must never be one. */
    if (is_gateway(rq) && status < 500)
        status = 401;
    answer(rq, status, "application/json;charset=UTF-8",
           respond_envelope(e, data, rq->req.data_text, rq->req.ctx.detail, lang, trace, tm));
}

static void make_trace(struct request *rq)
{
    const char *t = header(rq, "trace");
    if (t != NULL && t[0] != '\0' && strlen(t) <= HEADER_MAX && printable(t)) {
        rq->req.ctx.trace = t;
        return;
    }
    /* "x-<uuid>-<epoch ms>", put together by hand: printf was a visible part of a check. */
    char uuid[37];
    token_trace_new(uuid);
    const char *ms = arena_i64(rq->a, (long long)clock_now_ms());
    size_t ml = ms != NULL ? strlen(ms) : 0;
    char *made = arena_alloc(rq->a, 2 + 36 + 1 + ml + 1);
    if (made != NULL) {
        memcpy(made, "x-", 2);
        memcpy(made + 2, uuid, 36);
        made[38] = '-';
        memcpy(made + 39, ms, ml);
    }
    rq->req.ctx.trace = made;
}

void request_fail(struct request *rq, ta_err e, const char *detail)
{
    if (rq->req.ctx.trace == NULL)
        make_trace(rq);
    if (rq->req.ctx.lang == NULL)
        rq->req.ctx.lang = i18n_lang(header(rq, "lang"));
    rq->req.ctx.detail = detail;
    metrics_route_done(rq->route, e, clock_mono_ns() - rq->started_ns);
    finish_reply(rq, e, NULL);
}

/* ---- the request line ------------------------------------------------------------- */

/* GET /console/ and /console/code (setting console): the page, and the last code the log
 * transport wrote to the address in the X-Console-To header. */
static void console(struct request *rq, const char *rest)
{
    char code[32];
    const char *to = header(rq, "X-Console-To");
    if (rest[0] == '\0' || strcmp(rest, "/") == 0) {
        answer(rq, 200, "text/html; charset=utf-8", xstrdup((const char *)console_page));
        add_header(rq, "Content-Security-Policy",
                   "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'");
    } else if (strcmp(rest, "/code") == 0 && to != NULL && strlen(to) <= HEADER_MAX &&
               printable(to) && rq->hooks->last_code != NULL &&
               rq->hooks->last_code(rq->hooks->ud, to, code, sizeof code)) {
        answer(rq, 200, "application/json",
               xstrdup(arena_printf(rq->a, "{\"code\":\"%s\"}", code)));
    } else {
        answer(rq, 404, "application/json", xstrdup("{}"));
    }
}

/* GET /healthz, /readyz, /metrics, /openapi.json (outside the prefixes). False: not one of
 * them. */
static bool ops(struct request *rq, const char *url)
{
    const struct http_hooks *h = rq->hooks;
    const char *json = "application/json";
    if (strcmp(url, "/healthz") == 0) {
        answer(rq, 200, json, xstrdup("{\"status\":\"ok\"}"));
    } else if (strcmp(url, "/readyz") == 0) {
        bool ok = h->ready != NULL && h->ready(h->ud);
        answer(rq, ok ? 200 : 503, json,
               xstrdup(ok ? "{\"status\":\"ready\"}" : "{\"status\":\"database unavailable\"}"));
    } else if (rq->cfg->console && strncmp(url, "/console", 8) == 0) {
        console(rq, url + 8);
    } else if (strcmp(url, "/openapi.json") == 0) {
        answer(rq, 200, json, openapi_text());
    } else if (strcmp(url, "/metrics") == 0) {
        size_t depth = h->hash_pool ? workpool_depth(h->hash_pool) : 0;
        int64_t live = h->live_sessions != NULL ? h->live_sessions(h->ud) : -1;
        char *text = metrics_render(depth, live);
        int64_t pending = -1, failed = -1;
        bool ready = h->ready != NULL && h->ready(h->ud);
        if (!ready || h->outbox_counts == NULL || !h->outbox_counts(h->ud, &pending, &failed))
            pending = failed = -1;
        answer(rq, 200, "text/plain; version=0.0.4",
               metrics_append_store(text, ready, pending, failed));
    } else {
        return false;
    }
    rq->outcome = TA_OK;
    return true;
}

static void preflight(struct request *rq)
{
    answer(rq, 204, NULL, xstrdup(""));
    add_header(rq, "Access-Control-Allow-Methods", "POST, GET, OPTIONS");
    const char *asked = header(rq, "Access-Control-Request-Headers");
    const char *base = "token, trace, timestamp, lang, companyId, version, group, content-type";
    if (asked != NULL && asked[0] != '\0' && strlen(asked) <= 1024 && printable(asked))
        add_header(rq, "Access-Control-Allow-Headers", arena_printf(rq->a, "%s, %s", base, asked));
    else
        add_header(rq, "Access-Control-Allow-Headers", base);
    add_header(rq, "Access-Control-Max-Age", "600");
    rq->outcome = TA_OK;
}

/* Strips the optional "/api" and "/cats-gateway" prefixes, in that order (contract A1). */
static const char *strip_prefixes(const char *url)
{
    if (strncmp(url, "/api/", 5) == 0)
        url += 4;
    if (strncmp(url, "/cats-gateway/", 14) == 0)
        url += 13;
    return url;
}

/* The route of a path. Envoy's ext_authz appends the original path to the check's
 * (/auth/check/trade/order), so everything under the gateway check is the check. */
static const struct route *find_route(const char *path)
{
    const struct route *r = api_route_find(path);
    if (r == NULL && strncmp(path, "/auth/check/", 12) == 0)
        r = api_route_find("/auth/check");
    return r;
}

void request_init(struct request *rq, const struct config *cfg, const struct http_hooks *hooks,
                  struct arena *a, request_header_fn header_fn, void *header_ud)
{
    memset(rq, 0, sizeof *rq);
    rq->cfg = cfg;
    rq->hooks = hooks;
    rq->a = a;
    rq->header = header_fn;
    rq->header_ud = header_ud;
    rq->started_ns = clock_mono_ns();
    rq->outcome = TA_OK;
}

enum request_next request_begin(struct request *rq, const char *method, const char *url,
                                const char *client_addr)
{
    if ((strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) && ops(rq, url))
        return REQ_ANSWERED;
    if (strcmp(method, "OPTIONS") == 0) {
        preflight(rq);
        return REQ_ANSWERED;
    }
    rq->route = find_route(strip_prefixes(url));
    rq->req.ctx.client_addr = arena_strdup(rq->a, client_addr != NULL ? client_addr : "");
    make_trace(rq);
    rq->req.ctx.lang = i18n_lang(header(rq, "lang"));
    ta_err e = TA_OK;
    const char *cl = header(rq, "Content-Length");
    if (rq->route == NULL)
        e = TA_E_NO_ROUTE;
    else if (is_gateway(rq))
        e = TA_OK; /* proxies ask with the client's method (Envoy) or GET (nginx, Traefik) */
    else if (strcmp(method, "POST") != 0)
        e = TA_E_METHOD;
    else if (cl != NULL && strtoull(cl, NULL, 10) > (unsigned long long)rq->cfg->body_max_bytes)
        e = TA_E_TOO_LARGE;
    if (e == TA_OK)
        return REQ_READ_BODY;
    request_fail(rq, e, NULL);
    return REQ_ANSWERED;
}

void request_body(struct request *rq, const char *data, size_t n)
{
    size_t max = (size_t)rq->cfg->body_max_bytes;
    if (n == 0)
        return; /* nothing to copy, and no buffer yet to copy to */
    if (rq->too_large || rq->body_len + n > max) {
        rq->too_large = true;
        return;
    }
    if (rq->body_len + n > rq->body_cap) {
        rq->body_cap = (rq->body_len + n) * 2;
        if (rq->body_cap > max)
            rq->body_cap = max;
        rq->body = xrealloc(rq->body, rq->body_cap);
    }
    memcpy(rq->body + rq->body_len, data, n);
    rq->body_len += n;
}

/* ---- the steps between the body and the handler, in order -------------------------- */

static ta_err check_header_sizes(struct request *rq)
{
    static const char *const checked[] = {"companyId", "trace",     "lang",  "token",
                                          "version",   "timestamp", "group", "X-Forwarded-For"};
    for (size_t i = 0; i < sizeof checked / sizeof checked[0]; i++) {
        const char *v = header(rq, checked[i]);
        if (v != NULL && strlen(v) > HEADER_MAX)
            return TA_E_BAD_REQUEST;
    }
    return TA_OK;
}

static ta_err check_version(struct request *rq)
{
    const char *version = header(rq, "version");
    if (version != NULL && version[0] != '\0' && strcmp(version, "0.0.1") != 0)
        return TA_E_VERSION;
    return TA_OK;
}

static ta_err check_body_size(struct request *rq)
{
    return rq->too_large && !is_gateway(rq) ? TA_E_TOO_LARGE : TA_OK;
}

/* An empty body is {}; anything else must be one JSON object without duplicate keys. */
static ta_err parse_body(struct request *rq)
{
    json_error_t jerr;
    if (rq->body_len == 0 || is_gateway(rq)) {
        rq->json = json_object();
        return TA_OK;
    }
    rq->json = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (rq->json == NULL && strstr(jerr.text, "too big") != NULL) {
        /* Valid JSON with a number beyond int64: the field is wrong, not the body. */
        rq->json = json_loadb(rq->body, rq->body_len,
                              JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &jerr);
        rq->req.ints_as_real = true;
    }
    if (rq->json == NULL || !json_is_object(rq->json))
        return TA_E_BAD_REQUEST;
    return TA_OK;
}

/* What the handler sees of the headers: "null" and "" count as absent. */
static ta_err fill_api_req(struct request *rq)
{
    const char *company = header(rq, "companyId");
    const char *token = header(rq, "token");
    const char *ua = header(rq, "User-Agent");
    rq->req.ctx.cfg = rq->cfg;
    rq->req.ctx.a = rq->a;
    rq->req.body = rq->json;
    rq->req.company_hdr = company != NULL && strcmp(company, "null") != 0 ? company : NULL;
    rq->req.token = token != NULL && token[0] != '\0' && strcmp(token, "null") != 0 ? token : NULL;
    rq->req.timestamp_hdr = header(rq, "timestamp"); /* encrypted bodies (C19) sign it */
    /* Stored with the session: only printable ASCII reaches the database. */
    rq->req.ctx.user_agent = ua != NULL && printable(ua) ? ua : NULL;
    return TA_OK;
}

static ta_err (*const body_steps[])(struct request *rq) = {
    check_header_sizes, check_version, check_body_size, parse_body, fill_api_req,
};

/* An encrypted body (contract C19: a string "data") costs a write even on a read route: its
 * signature is remembered against replay. So it runs on the write pool, where a lock held
 * elsewhere costs the budget, not an HTTP thread. */
static bool may_be_sealed(const struct request *rq)
{
    return json_is_string(json_object_get(rq->json, "data"));
}

enum request_next request_body_done(struct request *rq)
{
    for (size_t i = 0; i < sizeof body_steps / sizeof body_steps[0]; i++) {
        ta_err e = body_steps[i](rq);
        if (e != TA_OK) {
            request_fail(rq, e, NULL);
            return REQ_ANSWERED;
        }
    }
    if ((rq->route->flags & ROUTE_SLOW) != 0 && rq->hooks->hash_pool != NULL)
        return REQ_SLOW;
    if (((rq->route->flags & ROUTE_READ) == 0 || may_be_sealed(rq)) &&
        rq->hooks->write_pool != NULL)
        return REQ_WRITE;
    return REQ_RUN;
}

/* ---- the handler ------------------------------------------------------------------ */

/* Alive: 200, no body, the customer in headers. Not alive: the envelope with HTTP 401, which
 * proxies hand to the client unchanged; a server fault stays a 5xx. */
static void gateway_reply(struct request *rq, ta_err e)
{
    struct api_header h[API_CHECK_HEADERS];
    size_t n = e == TA_OK ? api_check_headers(&rq->req, h, API_CHECK_HEADERS) : 0;
    if (e == TA_OK && n == 0)
        e = TA_FAIL(TA_E_INTERNAL);
    if (e != TA_OK) {
        finish_reply(rq, e, NULL);
        return;
    }
    rq->outcome = TA_OK;
    answer(rq, 200, NULL, xstrdup(""));
    for (size_t i = 0; i < n; i++)
        add_header(rq, h[i].name, h[i].value);
}

void request_run(struct request *rq, struct store *st)
{
    json_t *data = NULL;
    ta_err e;
    if (st == NULL) {
        e = TA_FAIL(TA_E_INTERNAL);
    } else {
        rq->req.ctx.st = st;
        rq->req.ctx.now_ms = clock_now_ms();
        log_set_thread_trace(rq->req.ctx.trace); /* error lines name the request */
        e = api_dispatch(rq->route, &rq->req, &data);
        if (rq->req.ctx.co != NULL)
            rq->company_log = rq->req.ctx.co->id;
        /* Every transaction is closed by the domain (dctx_tx); one left open is a bug. */
        if (dctx_tx_left_open(&rq->req.ctx)) {
            log_error(rq->req.ctx.trace, "route %s left a transaction open", rq->route->name);
            assert(!"a handler left a transaction open");
        }
        log_set_thread_trace(NULL);
    }
    metrics_route_done(rq->route, e, clock_mono_ns() - rq->started_ns);
    if (is_gateway(rq))
        gateway_reply(rq, e);
    else
        finish_reply(rq, e, data);
}

/* ---- after the answer ------------------------------------------------------------- */

void request_log(const struct request *rq)
{
    /* Operations endpoints and preflights (no trace) are not logged. */
    if (LOG_INFO < log_threshold || rq->req.ctx.trace == NULL)
        return;
    const struct dctx *c = &rq->req.ctx;
    struct jsonw w; /* written in one pass: this line is part of every request */
    jsonw_init(&w, 320);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "time", clock_now_ms());
    jsonw_kstr(&w, "level", "info");
    jsonw_kstr(&w, "kind", "access");
    jsonw_kstr(&w, "trace", c->trace);
    jsonw_kstr(&w, "route", rq->route ? rq->route->name : "-");
    jsonw_kint(&w, "company", rq->company_log);
    jsonw_kstr(&w, "outcome", ta_err_name(rq->outcome));
    jsonw_kint(&w, "status", (int64_t)rq->status);
    jsonw_key(&w, "ms");
    jsonw_ms(&w, (double)(clock_mono_ns() - rq->started_ns) / 1e6);
    jsonw_kstr(&w, "client", c->client_addr ? c->client_addr : "");
    jsonw_obj_end(&w);
    char *line = jsonw_take(&w, NULL);
    access_log_line(line);
    free(line);
}

char *request_take_reply(struct request *rq, size_t *len)
{
    char *text = rq->reply;
    rq->reply = NULL;
    *len = text != NULL ? strlen(text) : 0;
    return text;
}

void request_free(struct request *rq)
{
    free(rq->req.data_text);
    rq->req.data_text = NULL;
    json_decref(rq->json);
    rq->json = NULL;
    free(rq->reply);
    rq->reply = NULL;
    if (rq->body != NULL) /* it may hold a password hash from the client */
        sodium_memzero(rq->body, rq->body_len);
    free(rq->body);
    rq->body = NULL;
}
