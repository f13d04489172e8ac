/* domain/admin.c — operator actions. Seeding hashes the password once and reuses that
 * hash, so a million benchmark customers take seconds, not a day of argon2id. */
#include "domain/admin.h"
#include "crypto/passwd.h"
#include "domain/company.h"
#include "domain/customer.h"
#include "domain/limits.h"
#include "domain/login_lock.h"
#include "store/store.h"
#include "util/arena.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ta_err admin_open(const char *url, struct store **out, const char **step_out)
{
    struct store *st = NULL;
    *step_out = "open";
    if (sodium_init() < 0 || store_open(url, &st) != TA_OK)
        return TA_E_INTERNAL;
    bool created;
    *step_out = "prepare";
    ta_err e = store_migrate(st);
    if (e == TA_OK)
        e = company_seed_default(st, &created);
    if (e != TA_OK) {
        store_close(st);
        return e;
    }
    *out = st;
    return TA_OK;
}

void admin_close(struct store *st)
{
    store_close(st);
}

ta_err admin_company_get(struct store *st, int64_t id, struct company *out)
{
    return STORE(st, company_get, id, out);
}

ta_err admin_company_list(struct store *st, struct arena *a, struct company **out, size_t *n_out)
{
    return STORE(st, company_list, a, out, n_out);
}

ta_err admin_company_update(struct store *st, const struct company *co)
{
    return STORE(st, company_update, co);
}

ta_err admin_customer_list(struct store *st, int64_t company_id, int64_t after_id, size_t limit,
                           struct arena *a, struct customer **out, size_t *n_out)
{
    return STORE(st, customer_list, company_id, after_id, limit, a, out, n_out);
}

ta_err admin_customer_audit(struct store *st, const struct customer *c, size_t limit,
                            struct arena *a, struct audit_row **out, size_t *n_out)
{
    return STORE(st, audit_list, c->id, limit, a, out, n_out);
}

ta_err admin_customer_find(struct store *st, int64_t company_id, const char *which, struct arena *a,
                           struct customer *out)
{
    if (which[0] == '#') {
        errno = 0;
        char *end = NULL;
        long long id = strtoll(which + 1, &end, 10);
        if (errno != 0 || end == which + 1 || *end != '\0')
            return TA_E_NOT_FOUND;
        struct customer c;
        ta_err e = STORE(st, customer_get, (int64_t)id, a, &c);
        if (e == TA_OK && c.company_id != company_id)
            return TA_E_NOT_FOUND;
        if (e == TA_OK)
            *out = c;
        return e;
    }
    return STORE(st, customer_by_no, company_id, which, a, out);
}

struct status_args {
    const struct customer *c;
    int status;
};

/* Disabling ends every session at once (they then answer GATEWAY_CODE_005). */
static ta_err status_body(struct dctx *ctx, void *arg)
{
    const struct status_args *a = arg;
    ta_err e = STORE(ctx->st, customer_set_status, a->c->id, a->status);
    if (e == TA_OK && a->status == CUSTOMER_DISABLED)
        e = STORE(ctx->st, session_end_customer, a->c->id, 0, 0, ctx->now_ms, SESSION_DISABLED,
                  NULL);
    return e;
}

ta_err admin_customer_status(struct store *st, const struct customer *c, int status, int64_t now_ms)
{
    struct dctx ctx = {.st = st, .now_ms = now_ms};
    struct status_args args = {c, status};
    return dctx_tx(&ctx, status_body, &args);
}

ta_err admin_customer_kyc(struct store *st, const struct customer *c, int audit_status,
                          const char *remark)
{
    return STORE(st, customer_set_kyc, c->id, audit_status, remark);
}

ta_err admin_customer_unlock(struct store *st, const struct customer *c)
{
    ta_err e = limit_login_clear(st, c->id);
    if (e == TA_OK)
        login_lock_clear_names(st, c);
    return e;
}

struct seed_args {
    const struct company *co;
    const char *hash; /* one argon2id hash shared by every seeded customer */
    int64_t n;        /* customers in this batch */
};

/* One batch of seed<N>@seed.invalid customers; an address taken by hand is skipped. */
static ta_err seed_body(struct dctx *ctx, void *arg)
{
    const struct seed_args *a = arg;
    const struct company *co = a->co;
    ta_err e = TA_OK;
    for (int64_t i = 0; e == TA_OK && i < a->n; i++) {
        struct customer c;
        memset(&c, 0, sizeof c);
        int64_t seq;
        e = STORE(ctx->st, company_next_no, co->id, &seq);
        if (e != TA_OK)
            break;
        c.email = arena_printf(ctx->a, "seed%" PRId64 "@seed.invalid", seq);
        c.customer_no = arena_printf(ctx->a, "%s%06" PRId64, co->no_prefix, seq);
        c.pw_hash = (char *)a->hash;
        c.country = (char *)"CN";
        c.register_source = 3;
        c.type = 1;
        c.status = CUSTOMER_NORMAL;
        c.kyc_audit_status = co->kyc_on ? 0 : 2;
        c.mfa_id = -1;
        c.group_id = company_default_group(co);
        e = customer_create(ctx, co, &c, NULL, 0);
        if (e == TA_E_CONFLICT)
            e = TA_OK;
    }
    return e;
}

/* Their twins, as registration makes them, in one pass after every batch: pairing scans the
 * company, so once per batch made seeding quadratic. */
static ta_err seed_pair_body(struct dctx *ctx, void *arg)
{
    (void)arg;
    int64_t paired;
    return STORE(ctx->st, customer_pair_missing, &paired);
}

ta_err admin_customer_seed(struct store *st, int64_t company_id, int64_t count,
                           const char *password_md5, unsigned long long ops, size_t mem_bytes,
                           int64_t now_ms, int64_t *created_out)
{
    struct passwd_params pw = {ops, mem_bytes};
    char hash[PASSWD_HASH_MAX];
    struct company co;
    ta_err e = STORE(st, company_get, company_id, &co);
    if (e != TA_OK)
        return e;
    e = passwd_hash(&pw, password_md5, hash);
    if (e != TA_OK)
        return e;
    struct dctx ctx = {.st = st, .co = &co, .now_ms = now_ms};
    const int64_t batch = 1000;
    int64_t made = 0;
    while (made < count && e == TA_OK) {
        ctx.a = arena_new(64 * 1024 * 1024);
        struct seed_args args = {&co, hash, count - made < batch ? count - made : batch};
        e = dctx_tx(&ctx, seed_body, &args);
        arena_free(ctx.a);
        if (e == TA_OK)
            made += args.n;
    }
    if (e == TA_OK && co.twin_id != 0) {
        ctx.a = arena_new(64 * 1024);
        e = dctx_tx(&ctx, seed_pair_body, NULL);
        arena_free(ctx.a);
    }
    if (e == TA_OK)
        *created_out = made;
    return e;
}

struct undelete_args {
    const struct customer *c;
};

/* One customer of the pair back to normal; TA_E_CONFLICT / TA_E_DELETED as documented. */
static ta_err undelete_one(struct dctx *ctx, int64_t id)
{
    struct customer_security s;
    struct customer now;
    ta_err e = STORE(ctx->st, customer_lock, id);
    if (e == TA_OK)
        e = STORE(ctx->st, customer_get, id, ctx->a, &now);
    if (e == TA_OK)
        e = STORE(ctx->st, security_get, id, ctx->a, &s);
    if (e == TA_E_NOT_FOUND || (e == TA_OK && now.status != CUSTOMER_DELETING))
        return TA_E_CONFLICT;
    if (e != TA_OK)
        return e;
    if (s.erased_ms != 0)
        return TA_E_DELETED;
    s.delete_requested_ms = 0;
    e = STORE(ctx->st, security_put, &s);
    return e == TA_OK ? STORE(ctx->st, customer_set_status, id, CUSTOMER_NORMAL) : e;
}

static ta_err undelete_body(struct dctx *ctx, void *arg)
{
    const struct customer *c = ((struct undelete_args *)arg)->c;
    ta_err e = undelete_one(ctx, c->id);
    if (e != TA_OK || c->relation_customer_id <= 0)
        return e;
    e = undelete_one(ctx, c->relation_customer_id);
    return e == TA_E_CONFLICT ? TA_OK : e; /* a twin from before destroy existed: fine */
}

ta_err admin_customer_undelete(struct store *st, const struct customer *c, int64_t now_ms)
{
    struct arena *a = arena_new(64 * 1024);
    if (a == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    struct dctx ctx = {.st = st, .now_ms = now_ms, .a = a};
    struct undelete_args args = {c};
    ta_err e = dctx_tx(&ctx, undelete_body, &args);
    arena_free(a);
    return e;
}
