/* api/check.c — the gateway check (contract C20): a reverse proxy's sub-request asks whether
 * the client's token is alive and whose it is. Dispatch has authenticated (and touched) by
 * then; what is left is naming the customer in response headers, which the edge sends with
 * an empty body. A dead token gets the envelope findCustomerInfo would give, as HTTP 401. */
#include "api/check.h"
#include "api/handlers.h"
#include "domain/session.h"
#include "util/arena.h"

#include <inttypes.h>

ta_err api_auth_check(struct api_req *req, json_t **data_out)
{
    (void)req;
    *data_out = NULL;
    return TA_OK;
}

size_t api_check_headers(const struct api_req *req, struct api_header *out, size_t max)
{
    const struct auth *au = req->auth;
    struct arena *a = req->ctx.a;
    if (au == NULL || max < API_CHECK_HEADERS)
        return 0;
    char sid[SESSION_PUBLIC_ID_MAX];
    session_public_id(&au->s, sid);
    out[0] = (struct api_header){"X-Customer-Id", arena_i64(a, au->c.id)};
    out[1] = (struct api_header){"X-Customer-No", au->c.customer_no ? au->c.customer_no : ""};
    out[2] = (struct api_header){"X-Company-Id", arena_i64(a, req->ctx.co->id)};
    out[3] =
        (struct api_header){"X-Company-Type", req->ctx.co->type == COMPANY_DEMO ? "demo" : "real"};
    out[4] = (struct api_header){"X-Session-Id", arena_strdup(a, sid)};
    out[5] = (struct api_header){"X-Device", arena_i64(a, au->s.device)};
    size_t n = 6;
    if (au->sum.hold_until_ms > req->ctx.now_ms) /* the fund service refuses withdrawals */
        out[n++] =
            (struct api_header){"X-Security-Hold-Until", arena_i64(a, au->sum.hold_until_ms)};
    for (size_t i = 0; i < n; i++)
        if (out[i].value == NULL)
            return 0; /* the arena is full */
    return n;
}
