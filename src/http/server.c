/* http/server.c — the libmicrohttpd daemon around http/request.c's steps.
 * Poll mode with a thread pool: Debian 12's 0.9.75 in epoll mode stalls at 128 busy
 * keep-alive connections per thread (ARCHITECTURE.md). Slow routes are suspended while
 * the hash pool runs them, so an HTTP thread never waits on argon2id; writing routes the
 * same way on the write pool, so it never waits on a database lock either. */
#include "http/server.h"
#include "http/head_check.h"
#include "http/head_gate.h"
#include "http/read_deadline.h"
#include "http/refusal.h"
#include "http/request.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/config.h"
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
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define ARENA_BYTES (1024 * 1024)

struct http_server {
    struct MHD_Daemon *d;
    const struct config *cfg;
    struct http_hooks hooks;
    struct net_cidr_list *proxies;
    struct read_deadline *rd;
    struct head_gate *gate;
    /* By descriptor: when the gate saw the first byte of the connection's first request
     * (0: taken, or none). Set before the hand-over, taken by that request's first callback,
     * cleared when the connection closes, so a reused descriptor never inherits it. */
    _Atomic int64_t *first_byte;
    size_t n_first_byte;
    uint16_t port;
    atomic_int in_flight;
};

enum conn_state { ST_READING, ST_RUNNING, ST_DONE };

/* One request, from the first callback to the completion notice. */
struct conn_req {
    struct http_server *srv;
    struct MHD_Connection *con;
    bool begun;        /* request_init ran (on_request's first call) */
    bool close;        /* answer with Connection: close (the framing was refused) */
    int64_t first_ns;  /* the request line arrived: the access log's ms counts from here */
    int64_t queued_ns; /* when a slow route entered the hash queue */
    _Atomic int state;
    struct request rq;
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

static const char *header(void *con, const char *name)
{
    /* MHD compares header names case-insensitively (contract A3). */
    return MHD_lookup_connection_value(con, MHD_HEADER_KIND, name);
}

/* The address rate limits and audit see: X-Forwarded-For only from a trusted proxy. */
static void client_addr(struct http_server *srv, struct MHD_Connection *con, char out[64])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (ci == NULL || ci->client_addr == NULL)
        return;
    net_addr_text(ci->client_addr, out, 64);
    const char *xff = header(con, "X-Forwarded-For");
    if (xff == NULL || !net_cidr_list_has(srv->proxies, ci->client_addr))
        return;
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
            memcpy(out, canon, strlen(canon) + 1);
    }
}

/* ---- answering ------------------------------------------------------------------ */

static enum MHD_Result queue_reply(struct conn_req *cr)
{
    struct request *rq = &cr->rq;
    request_log(rq);
    size_t len = 0;
    char *text = request_take_reply(rq, &len);
    if (text == NULL)
        return MHD_NO;
    struct MHD_Response *resp;
    if (len == 0) { /* a preflight: MHD need not own an empty buffer */
        free(text);
        resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
    } else {
        resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
        if (resp == NULL)
            free(text);
    }
    if (resp == NULL)
        return MHD_NO;
    if (rq->content_type != NULL)
        MHD_add_response_header(resp, "Content-Type", rq->content_type);
    for (size_t i = 0; i < rq->n_headers; i++)
        MHD_add_response_header(resp, rq->headers[i].name, rq->headers[i].value);
    if (cr->close)
        MHD_add_response_header(resp, "Connection", "close");
    enum MHD_Result r = MHD_queue_response(cr->con, rq->status, resp);
    MHD_destroy_response(resp);
    return r;
}

/* HTTP threads only read (SQLite WAL readers never wait for a writer; the session's
 * last-used write is queued for a background writer). This bounds the rare reader-side
 * busy wait (another process recovering the WAL); any wait here is counted. */
#define HTTP_THREAD_BUSY_MS 5

static void run_on_pool(struct conn_req *cr, void *thread_state, int64_t deadline_ns)
{
    if (clock_mono_ns() >= deadline_ns) {
        /* Waited in the queue past the whole lock budget (a lock held elsewhere). */
        request_fail(&cr->rq, TA_E_RETRY, NULL);
    } else {
        dctx_deadline_set(deadline_ns);
        request_run(&cr->rq, thread_state);
        dctx_deadline_set(0);
    }
}

/* The answer goes out only after the pool has counted the job: answered earlier, a client
 * could send its next request while the first job still counted as running with no run time
 * measured, and the hash pool admitted any burst (expected wait 0). */
static void resume_job(void *arg)
{
    struct conn_req *cr = arg;
    atomic_store(&cr->state, ST_DONE);
    MHD_resume_connection(cr->con);
}

static void on_hash_job(void *thread_state, void *arg)
{
    struct conn_req *cr = arg;
    int64_t now = clock_mono_ns();
    stats_add(STAT_HASH_JOBS, 1);
    stats_add(STAT_HASH_WAIT_US, (uint64_t)((now - cr->queued_ns) / 1000));
    /* The lock budget starts with the job: the hash queue has its own bound (contract D). */
    run_on_pool(cr, thread_state, now + dctx_busy_ns());
}

static void on_write_job(void *thread_state, void *arg)
{
    struct conn_req *cr = arg;
    /* The budget counts from the request line: a write answers within db_busy_ms of it
     * (plus its own work), however long a lock is held elsewhere. */
    run_on_pool(cr, thread_state, cr->rq.started_ns + dctx_busy_ns());
}

/* Suspends the connection while a pool runs the route; a full queue answers at once
 * (msgParams "1": try again in a second). */
static void run_pooled(struct conn_req *cr, struct workpool *pool, workpool_fn fn)
{
    atomic_store(&cr->state, ST_RUNNING);
    MHD_suspend_connection(cr->con);
    cr->queued_ns = clock_mono_ns();
    if (!workpool_submit_then(pool, fn, resume_job, cr)) {
        if (fn == on_hash_job)
            stats_add(STAT_HASH_REJECTED, 1);
        request_fail(&cr->rq, TA_E_RATE_LIMITED, "1");
        atomic_store(&cr->state, ST_DONE);
        MHD_resume_connection(cr->con);
    }
}

static void run_here(struct conn_req *cr)
{
    dctx_http_thread_begin(clock_mono_ns() + HTTP_THREAD_BUSY_MS * 1000000);
    request_run(&cr->rq, cr->srv->hooks.thread_store(cr->srv->hooks.ud));
    dctx_http_thread_end();
}

/* ---- the access handler: MHD's callbacks mapped onto http/request.c's steps ------- */

/* ---- strict framing (RFC 9112 §6.1, §6.3) ------------------------------------------ */

/* The gate (http/head_gate.c) judges a connection's first request before libmicrohttpd reads
 * it. Later requests on a kept-alive connection are read by libmicrohttpd, which accepts
 * what a proxy in front may read otherwise: the gate's framing rules (http/head_check.c) are
 * applied again to what libmicrohttpd parsed. */
static enum MHD_Result add_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    head_fields_add(cls, key, strlen(key), value != NULL ? value : "",
                    value != NULL ? strlen(value) : 0);
    return MHD_YES;
}

/* A body whose length two parties could read differently is how requests are smuggled:
 * Transfer-Encoding with Content-Length, Content-Length twice, or any coding but a lone
 * "chunked" (libmicrohttpd would read "gzip, chunked" until the idle timeout). Such a
 * request is refused and its connection closed, so nothing after it is ever read. */
static bool ambiguous_framing(struct MHD_Connection *con, const char *version)
{
    struct head_fields f = {0};
    MHD_get_connection_values(con, MHD_HEADER_KIND, add_field, &f);
    bool http10 = version != NULL && strcmp(version, "HTTP/1.0") == 0;
    return head_fields_framing(&f, http10) != TA_OK;
}

/* A descriptor's slot in first_byte, or NULL. */
static _Atomic int64_t *first_byte_slot(struct http_server *srv, int fd)
{
    return fd >= 0 && (size_t)fd < srv->n_first_byte ? &srv->first_byte[fd] : NULL;
}

static _Atomic int64_t *first_byte_of(struct http_server *srv, struct MHD_Connection *con)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
    return ci != NULL ? first_byte_slot(srv, ci->connect_fd) : NULL;
}

/* MHD's URI log callback: the request line has just arrived. Its result becomes the
 * request's *con_cls, so the request is timed from here (or from the gate's first byte),
 * not from the end of its headers. */
static void *on_request_line(void *cls, const char *uri, struct MHD_Connection *con)
{
    struct http_server *srv = cls;
    (void)uri;
    read_deadline_begin(con);
    struct conn_req *cr = xcalloc(1, sizeof *cr);
    _Atomic int64_t *slot = first_byte_of(srv, con);
    int64_t gate_ns = slot != NULL ? atomic_exchange(slot, 0) : 0;
    /* A connection's first request was on its way while the gate read its head. */
    cr->first_ns = gate_ns != 0 ? gate_ns : clock_mono_ns();
    return cr;
}

static void on_connection(void *cls, struct MHD_Connection *con, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct http_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        _Atomic int64_t *slot = first_byte_of(srv, con);
        if (slot != NULL)
            atomic_store(slot, 0);
    }
    read_deadline_notify(srv->rd, con, socket_context, toe);
}

/* An answer queued before the request is read whole makes libmicrohttpd close the
 * connection. So an answer found from the head alone (health checks, CORS preflights, 404)
 * waits for the last call when the body is small — the connection stays open for the
 * browser's next request — and goes at once when the body is big or of unknown length. */
static bool small_body(const struct http_server *srv, struct MHD_Connection *con)
{
    const char *te = header(con, "Transfer-Encoding");
    const char *cl = header(con, "Content-Length");
    return te == NULL &&
           (cl == NULL || strtoull(cl, NULL, 10) <= (unsigned long long)srv->cfg->body_max_bytes);
}

static enum MHD_Result first_call(struct http_server *srv, struct MHD_Connection *con,
                                  const char *url, const char *method, const char *version,
                                  void **con_cls)
{
    struct conn_req *cr = *con_cls != NULL ? *con_cls : xcalloc(1, sizeof *cr);
    cr->srv = srv;
    cr->con = con;
    cr->begun = true;
    request_init(&cr->rq, srv->cfg, &srv->hooks, take_arena(), header, con);
    if (cr->first_ns != 0)
        cr->rq.started_ns = cr->first_ns;
    atomic_fetch_add(&srv->in_flight, 1);
    *con_cls = cr;
    char addr[64];
    client_addr(srv, con, addr);
    enum request_next next = request_begin(&cr->rq, method, url, addr);
    if (ambiguous_framing(con, version)) {
        request_fail(&cr->rq, TA_E_FRAMING, NULL);
        cr->close = true;
    } else if (next == REQ_READ_BODY) {
        return MHD_YES;
    }
    atomic_store(&cr->state, ST_DONE);
    if (!cr->close && small_body(srv, con))
        return MHD_YES; /* answered from the last call, after the (dropped) body */
    read_deadline_done(con);
    return queue_reply(cr);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct conn_req *cr = *con_cls;
    if (cr == NULL || !cr->begun)
        return first_call(cls, con, url, method, version, con_cls);

    int state = atomic_load(&cr->state);
    if (state != ST_READING) {
        /* ST_DONE: answered already, the rest of the body is dropped; ST_RUNNING: a
         * spurious wake-up while suspended. */
        if (state == ST_DONE && cr->rq.reply != NULL && *upload_size == 0) {
            read_deadline_done(con);
            return queue_reply(cr);
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        request_body(&cr->rq, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    read_deadline_done(con);
    switch (request_body_done(&cr->rq)) {
    case REQ_SLOW:
        run_pooled(cr, cr->srv->hooks.hash_pool, on_hash_job);
        return MHD_YES;
    case REQ_WRITE:
        run_pooled(cr, cr->srv->hooks.write_pool, on_write_job);
        return MHD_YES;
    case REQ_RUN:
        run_here(cr);
        break;
    default:
        break;
    }
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
    *con_cls = NULL;
    if (!cr->begun) { /* MHD refused the request before its handler ran */
        free(cr);
        return;
    }
    request_free(&cr->rq);
    give_arena(cr->rq.a);
    free(cr);
    atomic_fetch_sub(&srv->in_flight, 1);
}

/* ---- life cycle ----------------------------------------------------------------- */

/* The gate hands over a connection whose first request arrived whole and well formed. */
static void gate_hand(void *ud, int fd, const struct sockaddr *sa, socklen_t len, int64_t first_ns)
{
    struct http_server *srv = ud;
    _Atomic int64_t *slot = first_byte_slot(srv, fd);
    if (slot != NULL)
        atomic_store(slot, first_ns);
    /* On failure (connection or per-address limit) libmicrohttpd has closed fd already. */
    if (MHD_add_connection(srv->d, fd, sa, len) != MHD_YES && slot != NULL)
        atomic_store(slot, 0);
}

static char *gate_refusal(void *ud, ta_err why, const char *head, size_t head_len,
                          const struct sockaddr *sa, size_t *len)
{
    struct http_server *srv = ud;
    return refusal_render(srv->cfg, &srv->hooks, why, head, head_len, sa, len);
}

/* libmicrohttpd without a listening socket: every connection comes through the gate. */
static struct MHD_Daemon *start_daemon(struct http_server *srv, const struct config *cfg)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads =
        cfg->threads > 0 ? (unsigned)cfg->threads : (unsigned)(cores > 0 ? cores : 1);
    unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_NO_LISTEN_SOCKET |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    return MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->per_ip_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->idle_timeout_s, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, srv, MHD_OPTION_URI_LOG_CALLBACK, on_request_line, srv,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)cfg->connection_memory_kib * 1024u, MHD_OPTION_END);
}

/* Connections from one address (not a trusted proxy) whose first request has not arrived
 * whole: slow heads then take max_connections / 16 addresses to fill the table, not / 256. */
#define GATE_PENDING_PER_ADDRESS 16u

/* The head limits follow libmicrohttpd's pool: a head up to half of it, and head bytes plus
 * HEAD_FIELD_COST per field up to three quarters, always fit (tests/e2e/test_head_gate.c
 * walks the edge of that region). */
static struct head_gate *start_gate(struct http_server *srv, const struct net_addr *addr)
{
    const struct config *cfg = srv->cfg;
    size_t pool = (size_t)cfg->connection_memory_kib * 1024u;
    unsigned per_ip = (unsigned)cfg->per_ip_connections;
    struct head_gate_opts o = {
        .listen = addr,
        .max_head = pool / 2,
        .head_budget = pool / 4 * 3,
        .max_body = (size_t)cfg->body_max_bytes,
        .timeout_s = cfg->read_timeout_s > 0 ? cfg->read_timeout_s : cfg->idle_timeout_s,
        .max_pending = (unsigned)cfg->max_connections,
        .per_ip = per_ip,
        .per_ip_other = per_ip < GATE_PENDING_PER_ADDRESS ? per_ip : GATE_PENDING_PER_ADDRESS,
        .trusted = srv->proxies,
        .hand = gate_hand,
        .refusal = gate_refusal,
        .ud = srv,
    };
    return head_gate_start(&o);
}

static void server_free(struct http_server *srv)
{
    head_gate_stop(srv->gate);
    if (srv->d != NULL)
        MHD_stop_daemon(srv->d);
    free((void *)srv->first_byte);
    read_deadline_free(srv->rd);
    net_cidr_list_free(srv->proxies);
    free(srv);
}

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
    srv->rd = read_deadline_new(cfg->read_timeout_s);
    struct rlimit rl;
    srv->n_first_byte = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (1u << 20)
                            ? (size_t)rl.rlim_cur
                            : (size_t)1 << 20;
    srv->first_byte = xcalloc(srv->n_first_byte, sizeof *srv->first_byte);
    srv->d = start_daemon(srv, cfg);
    if (srv->d != NULL)
        srv->gate = start_gate(srv, &addr);
    if (srv->gate == NULL) {
        log_error(NULL, "cannot listen on %s", cfg->listen);
        server_free(srv);
        return TA_E_INTERNAL;
    }
    srv->port = head_gate_port(srv->gate);
    *out = srv;
    return TA_OK;
}

uint16_t http_server_port(const struct http_server *s)
{
    return s->port;
}

void http_server_quiesce(struct http_server *s)
{
    head_gate_quiesce(s->gate);
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
    if (s != NULL)
        server_free(s);
}
