/* crypto/passwd_legacy.c — hashes brought over by `tradeauth customer import` from the
 * system before: bcrypt ($2b$/$2a$/$2y$) and MD5-crypt ($1$) through libxcrypt's crypt_r
 * (Debian's libcrypt), scrypt ($7$) through libsodium. All hash the client's MD5 hex, as
 * argon2id does here; each is verified at the first login and then replaced by argon2id
 * (passwd_needs_rehash is true for every one of them). */
#include "crypto/passwd.h"

#include <crypt.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

enum passwd_kind passwd_kind(const char *hash)
{
    if (hash == NULL)
        return PASSWD_UNKNOWN;
    if (has_prefix(hash, "$argon2id$"))
        return PASSWD_ARGON2ID;
    if ((has_prefix(hash, "$2b$") || has_prefix(hash, "$2a$") || has_prefix(hash, "$2y$")) &&
        strlen(hash) == 60)
        return PASSWD_BCRYPT;
    if (has_prefix(hash, "$7$") && strlen(hash) < crypto_pwhash_scryptsalsa208sha256_STRBYTES)
        return PASSWD_SCRYPT;
    if (has_prefix(hash, "$1$") && strlen(hash) <= 34 && strchr(hash + 3, '$') != NULL)
        return PASSWD_MD5CRYPT;
    return PASSWD_UNKNOWN;
}

/* crypt_r with the stored hash as setting re-derives it; equal in constant time or not. */
static ta_err verify_crypt(const char *hash, const char *password)
{
    struct crypt_data *cd = calloc(1, sizeof *cd); /* ~32 KiB: not on a worker's stack */
    if (cd == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    const char *out = crypt_r(password, hash, cd);
    size_t n = strlen(hash);
    ta_err e = out != NULL && out[0] != '*' && strlen(out) == n && sodium_memcmp(out, hash, n) == 0
                   ? TA_OK
                   : TA_E_CREDENTIALS;
    sodium_memzero(cd, sizeof *cd);
    free(cd);
    return e;
}

ta_err passwd_legacy_verify(const char *hash, const char *password)
{
    switch (passwd_kind(hash)) {
    case PASSWD_BCRYPT:
    case PASSWD_MD5CRYPT:
        return verify_crypt(hash, password);
    case PASSWD_SCRYPT: {
        char buf[crypto_pwhash_scryptsalsa208sha256_STRBYTES] = {0};
        memcpy(buf, hash, strlen(hash));
        return crypto_pwhash_scryptsalsa208sha256_str_verify(buf, password, strlen(password)) == 0
                   ? TA_OK
                   : TA_E_CREDENTIALS;
    }
    case PASSWD_ARGON2ID:
    case PASSWD_UNKNOWN:
        break;
    }
    return TA_E_CREDENTIALS;
}
