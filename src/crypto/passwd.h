/* crypto/passwd.h — argon2id password hashing (libsodium crypto_pwhash_str).
 * Slow on purpose: callers run these on the hash pool, never on an HTTP thread. */
#ifndef TA_CRYPTO_PASSWD_H
#define TA_CRYPTO_PASSWD_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

#define PASSWD_HASH_MAX 128 /* crypto_pwhash_STRBYTES */

struct passwd_params {
    unsigned long long ops;
    size_t mem_bytes;
};

/* Hashes password into out (NUL-terminated). TA_E_INTERNAL only when memory runs out. */
ta_err passwd_hash(const struct passwd_params *p, const char *password, char out[PASSWD_HASH_MAX]);
/* TA_OK when password matches hash, TA_E_CREDENTIALS when not (or hash is malformed). */
ta_err passwd_verify(const char *hash, const char *password);
/* True when hash was made with other parameters than p (then rehash on login). */
bool passwd_needs_rehash(const struct passwd_params *p, const char *hash);
/* Spends the time of one verification against a fixed dummy hash made with p, so an
 * unknown account costs what a known one does. */
void passwd_burn(const struct passwd_params *p, const char *password);

#endif
