/* domain/devices.c — sessions are named to the customer by the same keyed opaque id the
 * gateway check hands out, never by row id, so one customer cannot probe another's
 * sessions; an id that is not among the caller's live sessions is simply "not found". */
#include "domain/devices.h"
#include "domain/audit.h"
#include "domain/security.h"
#include "store/store.h"
#include "util/arena.h"

#include <string.h>

ta_err devices_list(struct dctx *ctx, const struct auth *au, struct device_session **out,
                    size_t *n_out)
{
    struct session *list = NULL;
    size_t n = 0;
    ta_err e = STORE(ctx->st, session_list, au->c.id, ctx->a, &list, &n);
    if (e != TA_OK)
        return e;
    struct device_session *d = arena_alloc(ctx->a, (n ? n : 1) * sizeof *d);
    if (d == NULL)
        return TA_E_TOO_LARGE;
    size_t k = 0;
    int64_t idle = session_idle_ms(ctx, ctx->co), abs = session_absolute_ms(ctx, ctx->co);
    for (size_t i = 0; i < n; i++) {
        const struct session *s = &list[i];
        if (s->company_id != ctx->co->id || ctx->now_ms >= s->last_used_ms + idle ||
            ctx->now_ms >= s->created_ms + abs)
            continue; /* expired by itself: not a device the customer is signed in on */
        session_public_id(s, d[k].id);
        d[k].s = s;
        d[k].current = s->id == au->s.id;
        k++;
    }
    *out = d;
    *n_out = k;
    return TA_OK;
}

ta_err devices_end(struct dctx *ctx, const struct auth *au, const char *session_id)
{
    struct device_session *d;
    size_t n;
    ta_err e = devices_list(ctx, au, &d, &n);
    if (e != TA_OK)
        return e;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(d[i].id, session_id) != 0)
            continue;
        e = STORE(ctx->st, session_end, d[i].s->id, ctx->now_ms, SESSION_REPLACED);
        audit_record(ctx, au->c.id, "session_end", e, au->s.device, NULL);
        return e;
    }
    return TA_E_NO_SESSION;
}

ta_err devices_end_others(struct dctx *ctx, const struct auth *au, size_t *n_out)
{
    *n_out = 0;
    ta_err e = STORE(ctx->st, session_end_customer, au->c.id, au->s.id, 0, ctx->now_ms,
                     SESSION_REPLACED, n_out);
    audit_record(ctx, au->c.id, "session_end_others", e, au->s.device, NULL);
    return e;
}

ta_err devices_history(struct dctx *ctx, const struct auth *au, size_t page, size_t page_size,
                       struct audit_row **out, size_t *n_out, bool *more)
{
    int64_t since = ctx->now_ms - (int64_t)HISTORY_DAYS * 86400 * 1000;
    size_t n = 0;
    ta_err e = STORE(ctx->st, audit_page, au->c.id, since, (page - 1) * page_size, page_size + 1,
                     ctx->a, out, &n);
    if (e != TA_OK)
        return e;
    *more = n > page_size;
    *n_out = n > page_size ? page_size : n;
    return TA_OK;
}

struct destroy_args {
    const struct auth *au;
};

/* One customer of the pair marked for deletion, its sessions ended. */
static ta_err mark_deleting(struct dctx *ctx, const struct customer *c)
{
    struct customer_security s;
    ta_err e = STORE(ctx->st, customer_lock, c->id);
    if (e == TA_OK)
        e = security_load(ctx, c, &s);
    if (e != TA_OK)
        return e;
    s.delete_requested_ms = ctx->now_ms;
    e = security_save(ctx, &s);
    if (e == TA_OK)
        e = STORE(ctx->st, customer_set_status, c->id, CUSTOMER_DELETING);
    if (e == TA_OK)
        e = STORE(ctx->st, session_end_customer, c->id, 0, 0, ctx->now_ms, SESSION_DISABLED, NULL);
    return e;
}

/* The demo twin holds the same contacts (C9): it goes with the real customer, so the
 * erasure frees the email and phone in both companies. */
static ta_err destroy_body(struct dctx *ctx, void *arg)
{
    const struct auth *au = ((struct destroy_args *)arg)->au;
    ta_err e = mark_deleting(ctx, &au->c);
    if (e != TA_OK || au->c.relation_customer_id <= 0)
        return e;
    struct customer twin;
    e = STORE(ctx->st, customer_get, au->c.relation_customer_id, ctx->a, &twin);
    if (e == TA_E_NOT_FOUND)
        return TA_OK;
    return e == TA_OK ? mark_deleting(ctx, &twin) : e;
}

ta_err devices_destroy(struct dctx *ctx, const struct auth *au)
{
    struct destroy_args a = {au};
    ta_err e = dctx_tx(ctx, destroy_body, &a);
    audit_record(ctx, au->c.id, "deletion_requested", e, au->s.device, NULL);
    return e;
}
