/* domain/admin.h — what the operator's CLI does to customers, with the same rules the API
 * keeps: disabling ends every session (they then answer GATEWAY_CODE_005). */
#ifndef TA_DOMAIN_ADMIN_H
#define TA_DOMAIN_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "store/model.h"
#include "util/err.h"

struct arena;
struct store;

/* Opens the database at url, migrates it and seeds the default company pair (the first
 * start of a fresh database may be an admin command). *out set only on TA_OK; *step_out
 * names what failed ("open" or "prepare"). */
ta_err admin_open(const char *url, struct store **out, const char **step_out);
void admin_close(struct store *st); /* NULL is a no-op */

/* ---- companies ---- */
ta_err admin_company_get(struct store *st, int64_t id, struct company *out);
/* All companies ordered by id, an arena array. */
ta_err admin_company_list(struct store *st, struct arena *a, struct company **out, size_t *n_out);
/* Replaces the stored company co->id with co. */
ta_err admin_company_update(struct store *st, const struct company *co);

/* ---- customers ---- */
/* Customers of a company ordered by id, after_id exclusive, at most limit. */
ta_err admin_customer_list(struct store *st, int64_t company_id, int64_t after_id, size_t limit,
                           struct arena *a, struct customer **out, size_t *n_out);
/* The customer's audit rows, newest first, at most limit. */
ta_err admin_customer_audit(struct store *st, const struct customer *c, size_t limit,
                            struct arena *a, struct audit_row **out, size_t *n_out);
/* By customerNo within the company, or by "#<id>". */
ta_err admin_customer_find(struct store *st, int64_t company_id, const char *which, struct arena *a,
                           struct customer *out);
/* CUSTOMER_NORMAL or CUSTOMER_DISABLED; disabling ends the customer's sessions. */
ta_err admin_customer_status(struct store *st, const struct customer *c, int status,
                             int64_t now_ms);
ta_err admin_customer_kyc(struct store *st, const struct customer *c, int audit_status,
                          const char *remark);
ta_err admin_customer_unlock(struct store *st, const struct customer *c);
/* Cancels a deletion request (destroy, C24) inside its grace period: TA_E_CONFLICT when
 * none is pending, TA_E_DELETED when the customer was already erased. */
ta_err admin_customer_undelete(struct store *st, const struct customer *c, int64_t now_ms);
/* count customers seed<N>@seed.invalid sharing one hash of password (benchmarks). */
ta_err admin_customer_seed(struct store *st, int64_t company_id, int64_t count,
                           const char *password_md5, unsigned long long ops, size_t mem_bytes,
                           int64_t now_ms, int64_t *created_out);

#endif
