/* domain/company.h — tenants: lookup with a short per-thread cache, the default pair a
 * fresh database gets, and what a company offers (assets, trade types, groups). */
#ifndef TA_DOMAIN_COMPANY_H
#define TA_DOMAIN_COMPANY_H

#include <stdbool.h>
#include <stdint.h>

#include "store/model.h"
#include "util/err.h"

struct arena;
struct store;

/* How long a thread trusts its cached copy of a company (CLI changes show up after it). */
#define COMPANY_CACHE_MS 2000

/* The company id, copied into a; TA_E_NO_COMPANY when unknown. */
ta_err company_find(struct store *st, struct arena *a, int64_t id, int64_t now_ms,
                    const struct company **out);
/* Forgets every cached company of this thread (tests, CLI). */
void company_cache_clear(void);
/* Every thread reloads its companies on next use (a company changed somewhere). */
void company_cache_invalidate(void);

const struct company_offer *company_offer_find(const struct company *co, int trade_type,
                                               const char *currency);
const struct company_asset *company_asset_find(const struct company *co, const char *currency);
int64_t company_default_group(const struct company *co); /* 0 when the company has none */
bool company_has_group(const struct company *co, int64_t group_id);

/* Fills co with the default real company of contract B1 (twin left 0). */
void company_default_real(struct company *co);
/* Creates real (and its demo twin when with_twin) in one transaction, linking both ways;
 * the twin copies assets, offers and groups. Ids 0 let the store choose. */
ta_err company_create(struct store *st, const struct company *real, bool with_twin, int64_t twin_id,
                      int64_t *real_id_out, int64_t *twin_id_out);
/* On a database without companies, creates the default pair (ids 1 and 2). */
ta_err company_seed_default(struct store *st, bool *created_out);

#endif
