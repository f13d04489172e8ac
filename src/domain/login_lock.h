/* domain/login_lock.h — the password lockout counted by the normalised login name, whether
 * or not an account holds it, so a known and an unknown name answer alike (no existence
 * oracle). A known account is also counted by its id, so every name form locks it. */
#ifndef TA_DOMAIN_LOGIN_LOCK_H
#define TA_DOMAIN_LOGIN_LOCK_H

#include <stdbool.h>

#include "domain/ctx.h"
#include "domain/limits.h"
#include "store/model.h"

struct store;

#define LOGIN_LOCK_KEY_MAX LIMIT_KEY_MAX

/* The counter key of a login name as typed (type 1 email, 2 phone, 3 customer number). */
void login_lock_key(const struct dctx *ctx, int type, const char *login_name,
                    char key[LOGIN_LOCK_KEY_MAX]);
/* TA_E_LOCKED (minutes left in ctx->detail) when the name or the customer (id > 0) is
 * locked. */
ta_err login_lock_check(struct dctx *ctx, const char *key, int64_t customer_id);
/* Counts one failed password on the name and the customer (id > 0); true when this failure
 * locked either. */
bool login_lock_fail(struct dctx *ctx, const char *key, int64_t customer_id);
/* A successful sign-in or reset: clears the customer's lock and those of all its names. */
void login_lock_clear(struct dctx *ctx, const struct customer *c);
/* Only the locks of its names (admin unlock, which clears the id's own keys itself). */
void login_lock_clear_names(struct store *st, const struct customer *c);

#endif
