/* domain/devices.h — the customer's own devices, sessions and history (contract C16, C24):
 * list the live sessions, end one or all others, read the last 90 days of sign-ins and
 * security changes, and the deletion request (destroy). */
#ifndef TA_DOMAIN_DEVICES_H
#define TA_DOMAIN_DEVICES_H

#include <stdbool.h>
#include <stddef.h>

#include "domain/ctx.h"
#include "domain/session.h"

#define HISTORY_DAYS 90
#define HISTORY_PAGE_MAX 100

struct device_session {
    char id[SESSION_PUBLIC_ID_MAX]; /* the opaque id of C20's X-Session-Id */
    const struct session *s;
    bool current;
};

/* The customer's live sessions, most recently used first (arena array). */
ta_err devices_list(struct dctx *ctx, const struct auth *au, struct device_session **out,
                    size_t *n_out);
/* Ends the customer's live session of that opaque id: TA_E_NO_SESSION when none is. */
ta_err devices_end(struct dctx *ctx, const struct auth *au, const char *session_id);
/* Ends every live session of the customer but the current one; *n_out how many. */
ta_err devices_end_others(struct dctx *ctx, const struct auth *au, size_t *n_out);

/* One page (1-based) of the customer's audit rows of the last HISTORY_DAYS days, newest
 * first; *more tells whether another page follows. */
ta_err devices_history(struct dctx *ctx, const struct auth *au, size_t page, size_t page_size,
                       struct audit_row **out, size_t *n_out, bool *more);

/* destroy: deletion requested, every session ended, sign-in answers TA_E_DELETED. */
ta_err devices_destroy(struct dctx *ctx, const struct auth *au);

#endif
