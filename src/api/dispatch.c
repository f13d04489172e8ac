/* api/dispatch.c — the steps every route shares: resolve the company of the companyId
 * header, authenticate when the route wants a token, then run the handler. */
#include "api/api.h"
#include "domain/company.h"
#include "domain/session.h"
#include "store/store.h"
#include "util/arena.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static ta_err resolve_company(struct api_req *req)
{
    const char *h = req->company_hdr;
    if (h == NULL || h[0] == '\0' || strlen(h) > 18 || strspn(h, "0123456789") != strlen(h))
        return TA_E_NO_COMPANY;
    errno = 0;
    long long id = strtoll(h, NULL, 10);
    if (errno != 0 || id <= 0)
        return TA_E_NO_COMPANY;
    return company_find(req->ctx.st, req->ctx.a, (int64_t)id, req->ctx.now_ms, &req->ctx.co);
}

/* A read-only token route. A session cache hit answers with no database work at all;
 * on a miss the session, the customer, its accounts and what the handler reads come from
 * one snapshot (one SQLite WAL read lock); the idle-life write, when due, is queued for the
 * background writer (domain/session_touch.c), never written on this thread. */
static ta_err dispatch_read(const struct route *r, struct api_req *req, json_t **data_out)
{
    req->auth = arena_alloc(req->ctx.a, sizeof *req->auth);
    if (req->auth == NULL)
        return TA_E_TOO_LARGE;
    ta_err err = session_check_cached(&req->ctx, req->token, req->auth);
    if (err == TA_OK) {
        err = r->fn(req, data_out);
    } else if (err == TA_E_NOT_FOUND) {
        err = store_read_begin(req->ctx.st);
        if (err != TA_OK)
            return err;
        err = session_check_db(&req->ctx, req->token, req->auth);
        if (err == TA_OK)
            err = r->fn(req, data_out);
        store_read_end(req->ctx.st);
        if (err == TA_OK)
            session_touch_due(&req->ctx, req->auth);
    }
    if (err != TA_OK)
        req->auth = NULL;
    return err;
}

ta_err api_dispatch(const struct route *r, struct api_req *req, json_t **data_out)
{
    req->ctx.detail = NULL;
    *data_out = NULL;

    req->auth = NULL;
    req->auth_err = TA_E_TOKEN;
    ta_err err = resolve_company(req);
    if (err == TA_OK && (r->flags & ROUTE_GATEWAY) == 0) /* a proxy's sub-request has no body */
        err = api_unseal(req);
    if (err != TA_OK)
        return err;
    if ((r->flags & ROUTE_READ) != 0 && (r->flags & ROUTE_TOKEN) != 0)
        return dispatch_read(r, req, data_out);
    bool want = (r->flags & ROUTE_TOKEN) != 0 ||
                ((r->flags & ROUTE_TOKEN_OPTIONAL) != 0 && req->token != NULL);
    if (want) {
        req->auth = arena_alloc(req->ctx.a, sizeof *req->auth);
        if (req->auth == NULL)
            return TA_E_TOO_LARGE;
        err = session_authenticate(&req->ctx, req->token, req->auth);
        if (err != TA_OK) {
            req->auth = NULL;
            req->auth_err = err;
            if ((r->flags & ROUTE_TOKEN) != 0)
                return err;
        }
    }
    return r->fn(req, data_out);
}
