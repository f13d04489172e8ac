/* domain/audit.h — security events of a customer (contract issue: audit log). Best effort:
 * a failed audit write is logged and never changes the answer. No secrets go in. */
#ifndef TA_DOMAIN_AUDIT_H
#define TA_DOMAIN_AUDIT_H

#include <stdint.h>

#include "domain/ctx.h"

void audit_record(struct dctx *ctx, int64_t customer_id, const char *event, ta_err outcome,
                  int device, const char *detail);

#endif
