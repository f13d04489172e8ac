/* http/server.c — libmicrohttpd daemon, one request's life from headers to envelope.
 * Poll mode with a thread pool: Debian 12's 0.9.75 in epoll mode stalls at 128 busy
 * keep-alive connections per thread (ARCHITECTURE.md). Slow routes are suspended while
 * the hash pool runs them, so an HTTP thread never waits on argon2id. */
#include "http/server.h"
#include "api/api.h"
#include "crypto/token.h"
#include "http/metrics.h"
#include "http/respond.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/config.h"
#include "util/i18n.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/net.h"
#include "util/stats.h"
#include "util/workpool.h"

#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define HEADER_MAX 256
#define ARENA_BYTES (1024 * 1024)

struct http_server {
    struct MHD_Daemon *d;
    const struct config *cfg;
    struct http_hooks hooks;
    struct net_cidr_list *proxies;
    uint16_t port;
    atomic_int in_flight;
};

enum req_state { ST_READING, ST_RUNNING, ST_DONE };

/* One request, from the first callback to the completion notice. */
struct conn_req {
    struct http_server *srv;
    struct MHD_Connection *con;
    int64_t started_ns;
    int64_t queued_ns; /* when a slow route entered the hash queue */
    struct arena *a;
    const struct route *route;
    char *body;
    size_t body_len, body_cap;
    bool too_large;
    _Atomic int state;
    /* The outcome, filled by whichever thread ran the handler. */
    unsigned status;
    char *reply; /* the envelope text (malloc) */
    ta_err outcome;
    struct api_req req;
    json_t *json;
    int64_t company_log;
};

/* ---- small helpers ---------------------------------------------------------------- */

/* One spare request arena per thread: a request normally starts and completes on the
 * same MHD thread, so the steady state allocates nothing per request. A thread-specific
 * key (not _Thread_local) so the spare is freed when MHD ends the thread. */
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;

static void free_spare(void *a)
{
    arena_free(a);
}

static void make_spare_key(void)
{
    (void)pthread_key_create(&spare_key, free_spare);
}

static struct arena *take_arena(void)
{
    pthread_once(&spare_once, make_spare_key);
    struct arena *a = pthread_getspecific(spare_key);
    if (a == NULL)
        return arena_new(ARENA_BYTES);
    pthread_setspecific(spare_key, NULL);
    return a;
}

static void give_arena(struct arena *a)
{
    pthread_once(&spare_once, make_spare_key);
    if (pthread_getspecific(spare_key) == NULL) {
        arena_reset(a);
        pthread_setspecific(spare_key, a);
    } else {
        arena_free(a);
    }
}

static const char *header(struct MHD_Connection *con, const char *name)
{
    /* MHD compares header names case-insensitively (contract A3). */
    return MHD_lookup_connection_value(con, MHD_HEADER_KIND, name);
}

static bool printable(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            return false;
    return true;
}

static void add_cors(struct http_server *srv, struct MHD_Connection *con, struct MHD_Response *resp)
{
    const char *origins = srv->cfg->cors_origins;
    if (strcmp(origins, "*") == 0) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
        return;
    }
    const char *origin = header(con, "Origin");
    MHD_add_response_header(resp, "Vary", "Origin");
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
            MHD_add_response_header(resp, "Access-Control-Allow-Origin", origin);
            return;
        }
        if (e == NULL)
            break;
        p = e + 1;
    }
}

/* Answers carry tokens and customer data: no cache may keep them (RFC 6749 §5.1), and no
 * browser may sniff a JSON answer into something it runs. */
static void add_safety_headers(struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
}

static enum MHD_Result send_text(struct http_server *srv, struct MHD_Connection *con,
                                 unsigned status, const char *type, char *text, bool owned)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        strlen(text), text, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (resp == NULL) {
        if (owned)
            free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", type);
    add_safety_headers(resp);
    add_cors(srv, con, resp);
    enum MHD_Result r = MHD_queue_response(con, status, resp);
    MHD_destroy_response(resp);
    return r;
}

static void make_trace(struct conn_req *cr)
{
    const char *t = header(cr->con, "trace");
    if (t != NULL && t[0] != '\0' && strlen(t) <= HEADER_MAX && printable(t)) {
        cr->req.trace = t;
        return;
    }
    char uuid[37];
    token_uuid_new(uuid);
    cr->req.trace = arena_printf(cr->a, "x-%s-%lld", uuid, (long long)clock_now_ms());
}

/* The address rate limits and audit see: X-Forwarded-For only from a trusted proxy. */
static const char *client_addr(struct conn_req *cr)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(cr->con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char peer[64] = "";
    if (ci != NULL && ci->client_addr != NULL) {
        net_addr_text(ci->client_addr, peer, sizeof peer);
        const char *xff = header(cr->con, "X-Forwarded-For");
        if (xff != NULL && net_cidr_list_has(cr->srv->proxies, ci->client_addr)) {
            char first[64], canon[64];
            size_t n = strcspn(xff, ",");
            while (n > 0 && (*xff == ' ' || *xff == '\t')) {
                xff++;
                n--;
            }
            while (n > 0 && (xff[n - 1] == ' ' || xff[n - 1] == '\t'))
                n--;
            if (n > 0 && n < sizeof first) {
                memcpy(first, xff, n);
                first[n] = '\0';
                if (net_ip_canonical(first, canon, sizeof canon))
                    return arena_strdup(cr->a, canon);
            }
        }
    }
    return arena_strdup(cr->a, peer);
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

/* ---- answering ------------------------------------------------------------------ */

static void finish_reply(struct conn_req *cr, ta_err e, json_t *data)
{
    int64_t tm = clock_mono_ns() - cr->started_ns;
    const char *lang = cr->req.lang != NULL ? cr->req.lang : "en-US";
    const char *trace = cr->req.trace != NULL ? cr->req.trace : "";
    cr->outcome = e;
    cr->status = ta_err_status(e);
    cr->reply = respond_envelope(e, data, cr->req.ctx.detail, lang, trace, tm);
}

static void access_line(struct conn_req *cr)
{
    if (LOG_INFO < log_threshold)
        return;
    json_t *o =
        json_pack("{s:I,s:s,s:s,s:s,s:s,s:I,s:s,s:i,s:f,s:s}", "time", (json_int_t)clock_now_ms(),
                  "level", "info", "kind", "access", "trace", cr->req.trace ? cr->req.trace : "",
                  "route", cr->route ? cr->route->name : "-", "company",
                  (json_int_t)cr->company_log, "outcome", ta_err_name(cr->outcome), "status",
                  (int)cr->status, "ms", (double)(clock_mono_ns() - cr->started_ns) / 1e6, "client",
                  cr->req.client_addr ? cr->req.client_addr : "");
    if (o == NULL)
        return;
    char *line = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (line != NULL) {
        log_json_line(line);
        free(line);
    }
}

/* Runs the handler on the calling thread with store st, and renders the envelope. */
static void run_route(struct conn_req *cr, struct store *st)
{
    json_t *data = NULL;
    ta_err e;
    if (st == NULL) {
        e = TA_FAIL(TA_E_INTERNAL);
    } else {
        cr->req.st = st;
        cr->req.now_ms = clock_now_ms();
        log_set_thread_trace(cr->req.trace);
        e = api_dispatch(cr->route, &cr->req, &data);
        if (cr->req.ctx.co != NULL)
            cr->company_log = cr->req.ctx.co->id;
        if (st->ops != NULL && e != TA_OK)
            store_rollback(st); /* a handler that failed mid-transaction leaves nothing */
        log_set_thread_trace(NULL);
    }
    metrics_route_done(cr->route, e, clock_mono_ns() - cr->started_ns);
    finish_reply(cr, e, data);
}

static void on_pool_job(void *thread_state, void *arg)
{
    struct conn_req *cr = arg;
    stats_add(STAT_HASH_JOBS, 1);
    stats_add(STAT_HASH_WAIT_US, (uint64_t)((clock_mono_ns() - cr->queued_ns) / 1000));
    run_route(cr, thread_state);
    atomic_store(&cr->state, ST_DONE);
    MHD_resume_connection(cr->con);
}

/* Everything before the handler: headers, body, the version header. */
static ta_err prepare(struct conn_req *cr)
{
    static const char *const checked[] = {"companyId", "trace",     "lang",  "token",
                                          "version",   "timestamp", "group", "X-Forwarded-For"};
    for (size_t i = 0; i < sizeof checked / sizeof checked[0]; i++) {
        const char *v = header(cr->con, checked[i]);
        if (v != NULL && strlen(v) > HEADER_MAX)
            return TA_E_BAD_REQUEST;
    }
    const char *version = header(cr->con, "version");
    if (version != NULL && version[0] != '\0' && strcmp(version, "0.0.1") != 0)
        return TA_E_VERSION;
    if (cr->too_large)
        return TA_E_TOO_LARGE;

    json_error_t jerr;
    if (cr->body_len == 0) {
        cr->json = json_object();
    } else {
        cr->json = json_loadb(cr->body, cr->body_len, JSON_REJECT_DUPLICATES, &jerr);
        if (cr->json == NULL && strstr(jerr.text, "too big") != NULL) {
            /* Valid JSON with a number beyond int64: the field is wrong, not the body. */
            cr->json = json_loadb(cr->body, cr->body_len,
                                  JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &jerr);
            cr->req.ints_as_real = true;
        }
        if (cr->json == NULL || !json_is_object(cr->json))
            return TA_E_BAD_REQUEST;
    }
    const char *company = header(cr->con, "companyId");
    const char *token = header(cr->con, "token");
    cr->req.cfg = cr->srv->cfg;
    cr->req.a = cr->a;
    cr->req.body = cr->json;
    cr->req.company_hdr = company != NULL && strcmp(company, "null") != 0 ? company : NULL;
    cr->req.token = token != NULL && token[0] != '\0' && strcmp(token, "null") != 0 ? token : NULL;
    const char *ua = header(cr->con, "User-Agent");
    /* Stored with the session: only printable ASCII reaches the database. */
    cr->req.user_agent = ua != NULL && printable(ua) ? ua : NULL;
    return TA_OK;
}

/* ---- operations endpoints (GET, outside the prefixes) ---------------------------- */

static enum MHD_Result ops(struct http_server *srv, struct MHD_Connection *con, const char *url)
{
    if (strcmp(url, "/healthz") == 0)
        return send_text(srv, con, 200, "application/json", "{\"status\":\"ok\"}", false);
    if (strcmp(url, "/readyz") == 0) {
        struct store *st = srv->hooks.thread_store(srv->hooks.ud);
        bool ok = st != NULL && store_ping(st) == TA_OK;
        return send_text(srv, con, ok ? 200 : 503, "application/json",
                         ok ? "{\"status\":\"ready\"}" : "{\"status\":\"database unavailable\"}",
                         false);
    }
    if (strcmp(url, "/metrics") == 0) {
        size_t depth = srv->hooks.hash_pool ? workpool_depth(srv->hooks.hash_pool) : 0;
        struct store *st = srv->hooks.thread_store(srv->hooks.ud);
        int64_t live = -1;
        /* "Active": used within the default idle lifetime. */
        if (st == NULL ||
            STORE(st, session_count_live, clock_now_ms() - (int64_t)srv->cfg->session_idle_s * 1000,
                  &live) != TA_OK)
            live = -1;
        char *text = metrics_render(depth, live);
        return send_text(srv, con, 200, "text/plain; version=0.0.4", text, true);
    }
    return MHD_NO;
}

static enum MHD_Result preflight(struct http_server *srv, struct MHD_Connection *con)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
    if (resp == NULL)
        return MHD_NO;
    add_safety_headers(resp);
    add_cors(srv, con, resp);
    MHD_add_response_header(resp, "Access-Control-Allow-Methods", "POST, GET, OPTIONS");
    const char *asked = header(con, "Access-Control-Request-Headers");
    const char *base = "token, trace, timestamp, lang, companyId, version, group, content-type";
    if (asked != NULL && asked[0] != '\0' && strlen(asked) <= 1024 && printable(asked)) {
        char both[1200];
        snprintf(both, sizeof both, "%s, %s", base, asked);
        MHD_add_response_header(resp, "Access-Control-Allow-Headers", both);
    } else {
        MHD_add_response_header(resp, "Access-Control-Allow-Headers", base);
    }
    MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
    enum MHD_Result r = MHD_queue_response(con, 204, resp);
    MHD_destroy_response(resp);
    return r;
}

/* ---- the access handler --------------------------------------------------------- */

static enum MHD_Result queue_reply(struct conn_req *cr)
{
    access_line(cr);
    char *text = cr->reply;
    cr->reply = NULL;
    if (text == NULL)
        return MHD_NO;
    return send_text(cr->srv, cr->con, cr->status, "application/json;charset=UTF-8", text, true);
}

static enum MHD_Result reply_now(struct conn_req *cr, ta_err e)
{
    if (cr->req.trace == NULL)
        make_trace(cr);
    if (cr->req.lang == NULL)
        cr->req.lang = i18n_lang(header(cr->con, "lang"));
    metrics_route_done(cr->route, e, clock_mono_ns() - cr->started_ns);
    finish_reply(cr, e, NULL);
    atomic_store(&cr->state, ST_DONE);
    return queue_reply(cr);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct http_server *srv = cls;
    struct conn_req *cr = *con_cls;
    (void)version;

    if (cr == NULL) {
        if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
            enum MHD_Result r = ops(srv, con, url);
            if (r == MHD_YES)
                return r;
        }
        if (strcmp(method, "OPTIONS") == 0)
            return preflight(srv, con);
        cr = xcalloc(1, sizeof *cr);
        cr->srv = srv;
        cr->con = con;
        cr->started_ns = clock_mono_ns();
        cr->a = take_arena();
        cr->outcome = TA_OK;
        atomic_fetch_add(&srv->in_flight, 1);
        *con_cls = cr;
        cr->route = api_route_find(strip_prefixes(url));
        cr->req.client_addr = client_addr(cr);
        make_trace(cr);
        cr->req.lang = i18n_lang(header(con, "lang"));
        if (cr->route == NULL)
            return reply_now(cr, TA_E_NO_ROUTE);
        if (strcmp(method, "POST") != 0)
            return reply_now(cr, TA_E_METHOD);
        const char *cl = header(con, "Content-Length");
        if (cl != NULL && strtoull(cl, NULL, 10) > (unsigned long long)srv->cfg->body_max_bytes)
            return reply_now(cr, TA_E_TOO_LARGE);
        return MHD_YES;
    }

    int state = atomic_load(&cr->state);
    if (state == ST_DONE) {
        *upload_size = 0; /* answered already: the rest of the body is dropped */
        if (cr->reply != NULL)
            return queue_reply(cr);
        return MHD_YES;
    }
    if (state == ST_RUNNING) {
        *upload_size = 0;
        return MHD_YES; /* spurious wake-up while suspended */
    }

    if (*upload_size > 0) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (cr->too_large || cr->body_len + n > (size_t)srv->cfg->body_max_bytes) {
            cr->too_large = true;
            return MHD_YES;
        }
        if (cr->body_len + n > cr->body_cap) {
            cr->body_cap = (cr->body_len + n) * 2;
            if (cr->body_cap > (size_t)srv->cfg->body_max_bytes)
                cr->body_cap = (size_t)srv->cfg->body_max_bytes;
            cr->body = xrealloc(cr->body, cr->body_cap);
        }
        memcpy(cr->body + cr->body_len, upload, n);
        cr->body_len += n;
        return MHD_YES;
    }

    ta_err e = prepare(cr);
    if (e != TA_OK)
        return reply_now(cr, e);
    if ((cr->route->flags & ROUTE_SLOW) != 0 && srv->hooks.hash_pool != NULL) {
        atomic_store(&cr->state, ST_RUNNING);
        MHD_suspend_connection(con);
        cr->queued_ns = clock_mono_ns();
        if (!workpool_submit(srv->hooks.hash_pool, on_pool_job, cr)) {
            stats_add(STAT_HASH_REJECTED, 1);
            cr->req.ctx.detail = "1";
            metrics_route_done(cr->route, TA_E_RATE_LIMITED, clock_mono_ns() - cr->started_ns);
            finish_reply(cr, TA_E_RATE_LIMITED, NULL);
            atomic_store(&cr->state, ST_DONE);
            MHD_resume_connection(con);
        }
        return MHD_YES;
    }
    run_route(cr, srv->hooks.thread_store(srv->hooks.ud));
    atomic_store(&cr->state, ST_DONE);
    return queue_reply(cr);
}

static void on_completed(void *cls, struct MHD_Connection *con, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_server *srv = cls;
    struct conn_req *cr = *con_cls;
    (void)con;
    (void)toe;
    if (cr == NULL)
        return;
    json_decref(cr->json);
    free(cr->reply);
    if (cr->body != NULL) /* it may hold a password hash from the client */
        sodium_memzero(cr->body, cr->body_len);
    free(cr->body);
    give_arena(cr->a);
    free(cr);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->in_flight, 1);
}

/* ---- life cycle ----------------------------------------------------------------- */

ta_err http_server_start(const struct config *cfg, const struct http_hooks *hooks,
                         struct http_server **out)
{
    struct net_addr addr;
    if (net_parse_listen(cfg->listen, &addr) != 0)
        return TA_FAIL(TA_E_INTERNAL);
    struct http_server *srv = xcalloc(1, sizeof *srv);
    srv->cfg = cfg;
    srv->hooks = *hooks;
    if (net_cidr_list_parse(cfg->trusted_proxies, &srv->proxies) != 0) {
        free(srv);
        return TA_FAIL(TA_E_INTERNAL);
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads =
        cfg->threads > 0 ? (unsigned)cfg->threads : (unsigned)(cores > 0 ? cores : 1);
    unsigned flags =
        MHD_USE_POLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (addr.ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    srv->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr.ss,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)cfg->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)cfg->per_ip_connections, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)cfg->idle_timeout_s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)cfg->connection_memory_kib * 1024u, MHD_OPTION_END);
    if (srv->d == NULL) {
        log_error(NULL, "cannot listen on %s", cfg->listen);
        net_cidr_list_free(srv->proxies);
        free(srv);
        return TA_E_INTERNAL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di != NULL ? di->port : 0;
    *out = srv;
    return TA_OK;
}

uint16_t http_server_port(const struct http_server *s)
{
    return s->port;
}

void http_server_quiesce(struct http_server *s)
{
    MHD_socket fd = MHD_quiesce_daemon(s->d);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
}

int http_server_drain(struct http_server *s, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 10) {
        if (atomic_load(&s->in_flight) == 0)
            return 0;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return atomic_load(&s->in_flight);
}

void http_server_stop(struct http_server *s)
{
    if (s == NULL)
        return;
    MHD_stop_daemon(s->d);
    net_cidr_list_free(s->proxies);
    free(s);
}
