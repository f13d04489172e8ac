/* api/api.h — what a handler sees of a request, the route table, and dispatch.
 * Handlers bind and validate fields, call the domain, and render records to JSON; they
 * never see HTTP (the edge fills struct api_req) and never touch SQL. */
#ifndef TA_API_API_H
#define TA_API_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/ctx.h"

struct api_req {
    /* Filled by the edge: cfg, st (this thread's connection), a (freed after the response
     * is queued), now_ms, client_addr, user_agent, lang (canonical tag), trace. co by
     * api_dispatch; ctx.detail: the msgParams value of the answer. */
    struct dctx ctx;
    json_t *body;              /* the request object (borrowed) */
    bool ints_as_real;         /* body had an integer beyond 64 bits: numbers parsed as reals */
    const char *company_hdr;   /* companyId header as sent, NULL when missing */
    const char *token;         /* token header, NULL when missing or empty */
    const char *timestamp_hdr; /* timestamp header as sent, NULL when missing */
    /* Filled by api_dispatch. */
    struct auth *auth; /* the signed-in customer on token routes */
    ta_err auth_err;   /* why auth is NULL on a ROUTE_TOKEN_OPTIONAL route */
    /* Set by a handler instead of *data_out: the data already written as JSON text
     * (malloc; the edge embeds it in the envelope and frees it). The token path's way. */
    char *data_text;
};

/* On TA_OK *data_out holds one new reference (or NULL for JSON null); the edge consumes it.
 * A failing handler may also set *data_out when the contract gives a failure data. */
typedef ta_err (*api_handler)(struct api_req *req, json_t **data_out);

enum route_flags {
    ROUTE_GUEST = 0,          /* the token header is ignored entirely */
    ROUTE_TOKEN = 1,          /* a live token of this company is required */
    ROUTE_TOKEN_OPTIONAL = 2, /* authenticated when a token is sent; the handler decides */
    ROUTE_SLOW = 4,           /* hashes passwords: runs on the hash pool */
    ROUTE_READ = 8,           /* only reads: authentication and handler share one snapshot */
    ROUTE_GATEWAY = 16,       /* a proxy's sub-request (C20): GET or POST, body ignored,
                                 answered by headers (200) or the envelope as HTTP 401 */
};

struct route {
    const char *path; /* after the optional /api and /cats-gateway prefixes */
    api_handler fn;
    unsigned flags;
    const char *name; /* short name for logs and metrics */
};

/* The route for a path (prefixes already stripped), or NULL. */
const struct route *api_route_find(const char *path);
/* All routes, terminated by a NULL path (metrics, docs). */
extern const struct route api_routes[];

/* The body-decrypt step (contract C19, api/sealed.c): for a company with a key, replaces an
 * encrypted body {"data": "..."} by the object it carries (signature and timestamp
 * checked, then removed); refuses a plain body when the company requires encryption. Any
 * failure is TA_E_BAD_REQUEST (GATEWAY_CODE_003) and changes nothing. */
ta_err api_unseal(struct api_req *req);

/* Resolves the company, opens an encrypted body, authenticates token routes, runs the
 * handler. */
ta_err api_dispatch(const struct route *r, struct api_req *req, json_t **data_out);

#endif
