/* domain/audit.c — one row per security event, with time, company, address and device. */
#include "domain/audit.h"
#include "store/store.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>

void audit_record(struct dctx *ctx, int64_t customer_id, const char *event, ta_err outcome,
                  int device, const char *detail)
{
    struct audit_row r;
    memset(&r, 0, sizeof r);
    r.time_ms = ctx->now_ms;
    r.company_id = ctx->co != NULL ? ctx->co->id : 0;
    r.customer_id = customer_id;
    snprintf(r.event, sizeof r.event, "%s", event);
    snprintf(r.outcome, sizeof r.outcome, "%s", ta_err_name(outcome));
    snprintf(r.client_addr, sizeof r.client_addr, "%s", ctx->client_addr ? ctx->client_addr : "");
    r.device = device;
    snprintf(r.detail, sizeof r.detail, "%s", detail ? detail : "");
    if (STORE(ctx->st, audit_insert, &r) != TA_OK)
        log_warn(ctx->trace, "audit write failed for event %s", event);
}
