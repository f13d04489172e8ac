/* crypto/passwd.h — argon2id password hashing (libsodium crypto_pwhash_str), and the
 * imported bcrypt/scrypt/MD5-crypt hashes verified until the first login rehashes them.
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
/* What a stored hash is (crypto/passwd_legacy.c): argon2id as made here, or one brought over
 * by customer import, verified once and then rehashed to argon2id. */
enum passwd_kind { PASSWD_UNKNOWN, PASSWD_ARGON2ID, PASSWD_BCRYPT, PASSWD_SCRYPT, PASSWD_MD5CRYPT };
enum passwd_kind passwd_kind(const char *hash);
/* passwd_verify for the imported kinds. */
ta_err passwd_legacy_verify(const char *hash, const char *password);
/* Spends the time of one verification against a fixed dummy hash made with p, so an
 * unknown account costs what a known one does. */
void passwd_burn(const struct passwd_params *p, const char *password);

#endif
