/* domain/sealed.h — encrypted request bodies (contract C19) without JSON or HTTP: a
 * company's key and switch, opening the client's pieces, the time window and the replay
 * check of a request's signature. api/sealed.c does the JSON around it. */
#ifndef TA_DOMAIN_SEALED_H
#define TA_DOMAIN_SEALED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/ctx.h"

struct rsa_key;
struct store;

/* The request company's policy, from a process-wide cache trusted for COMPANY_CACHE_MS:
 * *key_out one reference to its private key (rsa_key_free it) or NULL when it has none;
 * *required_out whether plain bodies are refused. */
ta_err sealed_policy(struct dctx *ctx, struct rsa_key **key_out, bool *required_out);

/* The client's data string opened: pieces decrypted, concatenated and percent-decoded
 * (encodeURIComponent) into *out (malloc'd, NUL-terminated; the caller wipes and frees it).
 * TA_E_BAD_REQUEST for anything malformed. */
ta_err sealed_open(struct dctx *ctx, const struct rsa_key *key, const char *data, char **out,
                   size_t *len_out);

/* The timestamp header (epoch ms, digits only) within ±sealed-window-s of now. */
ta_err sealed_check_time(struct dctx *ctx, const char *header, int64_t *ts_out);

/* The signature the client sent must be the upper-case MD5 hex of sign_text; then it is
 * remembered until it could no longer pass the time check, for every instance on the
 * database. TA_E_BAD_REQUEST when it differs or was seen before (a replay). */
ta_err sealed_accept(struct dctx *ctx, const char *sign_text, size_t n, const char *signature,
                     int64_t ts);

/* Admin (CLI): sets the company's key from key_text (PEM or base64 PKCS#8 DER; NULL keeps
 * the current one) and require (-1 keeps it, 0 off, 1 on). TA_E_FIELD for a bad key,
 * TA_E_NO_COMPANY for an unknown company, TA_E_NOT_FOUND for "required" without a key. *bits_out:
 * the key's size (0 when none). */
ta_err sealed_configure(struct store *st, int64_t company_id, const char *key_text, size_t len,
                        int require, int64_t now_ms, int *bits_out);
/* Admin: whether the company has a key (*bits_out its size, 0 none) and requires it. */
ta_err sealed_describe(struct store *st, int64_t company_id, int *bits_out, bool *required_out);

/* Forgets every cached policy (tests, shutdown). */
void sealed_cache_clear(void);

#endif
