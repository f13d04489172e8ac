/* http/request.h — one request's life without the socket: method, path, headers and body in;
 * status, response headers and the envelope out. http/server.c feeds it from libmicrohttpd
 * and tests/support/test_app.c from a test, so the api tests run what production runs. */
#ifndef TA_HTTP_REQUEST_H
#define TA_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/api.h"

struct arena;
struct config;
struct store;
struct workpool;

/* What the program behind the edge provides (app/app.c). */
struct http_hooks {
    /* The calling thread's own database connection (opened on first use), or NULL. */
    struct store *(*thread_store)(void *ud);
    /* GET /readyz: the database answers. */
    bool (*ready)(void *ud);
    /* GET /metrics: sessions used within the idle lifetime, or -1 when unknown. */
    int64_t (*live_sessions)(void *ud);
    /* GET /metrics: outbox rows waiting and given up on; false when unknown. */
    bool (*outbox_counts)(void *ud, int64_t *pending, int64_t *failed);
    /* GET /console/code (setting console): the newest code the log transport wrote for an
     * address; false when none. May be NULL. */
    bool (*last_code)(void *ud, const char *to, char *code, size_t size);
    void *ud;
    /* Runs slow routes; its workers' state is their struct store *. May be NULL. */
    struct workpool *hash_pool;
    /* Runs every other route that writes, so a database lock held elsewhere never holds an
     * HTTP thread (issue 13); same worker state. May be NULL: they run on the caller. */
    struct workpool *write_pool;
};

/* A request header by name, compared case-insensitively (contract A3); NULL when absent. */
typedef const char *(*request_header_fn)(void *ud, const char *name);

/* What the caller does next. */
enum request_next {
    REQ_ANSWERED,  /* the answer is ready: send it */
    REQ_READ_BODY, /* feed the body with request_body, then call request_body_done */
    REQ_RUN,       /* call request_run on this thread */
    REQ_SLOW,      /* a password-hashing route: request_run on the hash pool when there is one */
    REQ_WRITE,     /* a route that may write: request_run on the write pool */
};

#define REQUEST_MAX_HEADERS 14 /* CORS, nosniff/no-store and the gateway check's six */

struct request {
    /* In: set by request_init. */
    const struct config *cfg;
    const struct http_hooks *hooks;
    request_header_fn header;
    void *header_ud;
    struct arena *a;
    int64_t started_ns;
    /* Working state. */
    const struct route *route;
    char *body;
    size_t body_len, body_cap;
    bool too_large;
    json_t *json;
    struct api_req req;
    int64_t company_log;
    /* Out: valid once a step answered REQ_ANSWERED or request_run returned. */
    unsigned status;
    const char *content_type; /* NULL: none */
    char *reply;              /* the response body (malloc, NUL-terminated); see request_take */
    ta_err outcome;
    size_t n_headers;
    struct {
        const char *name, *value; /* static or arena strings */
    } headers[REQUEST_MAX_HEADERS];
};

/* Starts a request. a is the request arena (borrowed; must outlive the request). */
void request_init(struct request *rq, const struct config *cfg, const struct http_hooks *hooks,
                  struct arena *a, request_header_fn header, void *header_ud);
/* The request line and the client address (after trusted-proxy resolution): answers the
 * operations endpoints and CORS preflights, finds the route, checks method and length. */
enum request_next request_begin(struct request *rq, const char *method, const char *url,
                                const char *client_addr);
/* Appends a piece of the body; beyond body_max_bytes it is dropped and the answer will be
 * TA_E_TOO_LARGE. */
void request_body(struct request *rq, const char *data, size_t n);
/* The body is complete: headers and body checked, JSON parsed, the handler's view filled. */
enum request_next request_body_done(struct request *rq);
/* Runs the route's handler with store st (NULL: answers TA_E_INTERNAL) and renders. */
void request_run(struct request *rq, struct store *st);
/* Answers e without running the handler, detail as msgParams (may be NULL). */
void request_fail(struct request *rq, ta_err e, const char *detail);
/* Writes the access log line of an answered request. */
void request_log(const struct request *rq);
/* Hands the reply text over to the caller (who frees it); *len its length. */
char *request_take_reply(struct request *rq, size_t *len);
/* Frees what the request owns (not the arena); wipes the body. */
void request_free(struct request *rq);

#endif
