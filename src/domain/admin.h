/* domain/admin.h — what the operator's CLI does to customers, with the same rules the API
 * keeps: disabling ends every session (they then answer GATEWAY_CODE_005). */
#ifndef TA_DOMAIN_ADMIN_H
#define TA_DOMAIN_ADMIN_H

#include <stdint.h>

#include "store/model.h"
#include "util/err.h"

struct arena;
struct store;

/* By customerNo within the company, or by "#<id>". */
ta_err admin_customer_find(struct store *st, int64_t company_id, const char *which, struct arena *a,
                           struct customer *out);
/* CUSTOMER_NORMAL or CUSTOMER_DISABLED; disabling ends the customer's sessions. */
ta_err admin_customer_status(struct store *st, const struct customer *c, int status,
                             int64_t now_ms);
ta_err admin_customer_kyc(struct store *st, const struct customer *c, int audit_status,
                          const char *remark);
ta_err admin_customer_unlock(struct store *st, const struct customer *c);
/* count customers seed<N>@seed.invalid sharing one hash of password (benchmarks). */
ta_err admin_customer_seed(struct store *st, int64_t company_id, int64_t count,
                           const char *password_md5, unsigned long long ops, size_t mem_bytes,
                           int64_t now_ms, int64_t *created_out);

#endif
