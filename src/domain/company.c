/* domain/company.c — companies change rarely (CLI) and are read on every request, so each
 * thread keeps a small cache. While the session cache hears every change (store events) a
 * slot lives until the next company change; otherwise it is trusted for COMPANY_CACHE_MS. */
#include "domain/company.h"
#include "domain/ctx.h"
#include "domain/session_cache.h"
#include "store/store.h"
#include "util/arena.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define CACHE_SLOTS 32

struct slot {
    int64_t id;
    int64_t loaded_ms;
    uint64_t gen;
    struct company co;
};

static _Thread_local struct slot cache[CACHE_SLOTS];
static _Atomic uint64_t generation = 1;

void company_cache_invalidate(void)
{
    atomic_fetch_add(&generation, 1);
}

void company_cache_clear(void)
{
    memset(cache, 0, sizeof cache);
}

ta_err company_find(struct store *st, struct arena *a, int64_t id, int64_t now_ms,
                    const struct company **out)
{
    if (id <= 0)
        return TA_E_NO_COMPANY;
    struct slot *s = &cache[(uint64_t)id % CACHE_SLOTS];
    uint64_t gen = atomic_load(&generation);
    bool aged = !session_cache_active() &&
                (now_ms - s->loaded_ms >= COMPANY_CACHE_MS || now_ms < s->loaded_ms);
    if (s->id != id || s->gen != gen || aged) {
        ta_err err = STORE(st, company_get, id, &s->co);
        if (err == TA_E_NOT_FOUND) {
            s->id = 0;
            return TA_E_NO_COMPANY;
        }
        if (err != TA_OK) {
            s->id = 0;
            return err;
        }
        s->id = id;
        s->loaded_ms = now_ms;
        s->gen = gen;
    }
    struct company *copy = arena_alloc(a, sizeof *copy);
    if (copy == NULL)
        return TA_E_TOO_LARGE;
    *copy = s->co;
    *out = copy;
    return TA_OK;
}

const struct company_offer *company_offer_find(const struct company *co, int trade_type,
                                               const char *currency)
{
    for (size_t i = 0; i < co->n_offers; i++)
        if (co->offers[i].trade_type == trade_type && strcmp(co->offers[i].currency, currency) == 0)
            return &co->offers[i];
    return NULL;
}

const struct company_asset *company_asset_find(const struct company *co, const char *currency)
{
    for (size_t i = 0; i < co->n_assets; i++)
        if (strcmp(co->assets[i].currency, currency) == 0)
            return &co->assets[i];
    return NULL;
}

int64_t company_default_group(const struct company *co)
{
    for (size_t i = 0; i < co->n_groups; i++)
        if (co->groups[i].is_default)
            return co->groups[i].id;
    return co->n_groups > 0 ? co->groups[0].id : 0;
}

bool company_has_group(const struct company *co, int64_t group_id)
{
    for (size_t i = 0; i < co->n_groups; i++)
        if (co->groups[i].id == group_id)
            return true;
    return false;
}

void company_default_real(struct company *co)
{
    memset(co, 0, sizeof *co);
    co->id = 1;
    snprintf(co->name, sizeof co->name, "Default");
    co->type = COMPANY_REAL;
    co->kyc_on = false;
    snprintf(co->no_prefix, sizeof co->no_prefix, "86");
    co->n_assets = 2;
    co->assets[0] = (struct company_asset){"USDT", 13, 4, 100000 * 10000LL};
    co->assets[1] = (struct company_asset){"BTC", 16, 8, 100000000LL};
    co->n_offers = 2;
    co->offers[0] = (struct company_offer){5, "USDT", true};
    co->offers[1] = (struct company_offer){5, "BTC", true};
    co->n_groups = 1;
    co->groups[0] = (struct company_group){1, true};
}

struct create_args {
    const struct company *real;
    bool with_twin;
    int64_t twin_id;  /* 0: the backend picks */
    int64_t rid, did; /* out */
};

/* The real company, then its demo twin pointing back at it, then the real one pointing at
 * the twin. */
static ta_err create_body(struct dctx *ctx, void *arg)
{
    struct create_args *a = arg;
    struct company r = *a->real, d;
    r.type = COMPANY_REAL;
    r.twin_id = 0;
    a->did = 0;
    ta_err err = STORE(ctx->st, company_insert, &r, &a->rid);
    if (err != TA_OK || !a->with_twin)
        return err;
    d = r;
    d.id = a->twin_id;
    d.type = COMPANY_DEMO;
    d.twin_id = a->rid;
    d.kyc_on = false;
    d.manual_review = false;
    snprintf(d.name, sizeof d.name, "%.58s Demo", r.name);
    err = STORE(ctx->st, company_insert, &d, &a->did);
    if (err != TA_OK)
        return err;
    r.id = a->rid;
    r.twin_id = a->did;
    return STORE(ctx->st, company_update, &r);
}

ta_err company_create(struct store *st, const struct company *real, bool with_twin, int64_t twin_id,
                      int64_t *real_id_out, int64_t *twin_id_out)
{
    struct dctx ctx = {.st = st};
    struct create_args args = {real, with_twin, twin_id, 0, 0};
    ta_err err = dctx_tx(&ctx, create_body, &args);
    if (err != TA_OK)
        return err;
    *real_id_out = args.rid;
    if (twin_id_out != NULL)
        *twin_id_out = args.did;
    company_cache_clear();
    return TA_OK;
}

ta_err company_seed_default(struct store *st, bool *created_out)
{
    struct company existing;
    *created_out = false;
    ta_err err = STORE(st, company_get, 1, &existing);
    if (err == TA_OK)
        return TA_OK;
    if (err != TA_E_NOT_FOUND)
        return err;
    struct company co;
    company_default_real(&co);
    int64_t rid, did;
    err = company_create(st, &co, true, 2, &rid, &did);
    if (err == TA_E_CONFLICT) /* another instance seeded it first */
        return TA_OK;
    if (err == TA_OK)
        *created_out = true;
    return err;
}
