/* crypto/passwd.c — argon2id through libsodium. The dummy hash for unknown accounts
 * is made once per parameter set, so its verification costs exactly what a real one does. */
#include "crypto/passwd.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

ta_err passwd_hash(const struct passwd_params *p, const char *password, char out[PASSWD_HASH_MAX])
{
    if (crypto_pwhash_str(out, password, strlen(password), p->ops, p->mem_bytes) != 0)
        return TA_FAIL(TA_E_INTERNAL);
    return TA_OK;
}

ta_err passwd_verify(const char *hash, const char *password)
{
    if (hash == NULL)
        return TA_E_CREDENTIALS;
    if (strncmp(hash, "$argon2", 7) != 0)
        return passwd_legacy_verify(hash, password);
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0 ? TA_OK
                                                                           : TA_E_CREDENTIALS;
}

bool passwd_needs_rehash(const struct passwd_params *p, const char *hash)
{
    return crypto_pwhash_str_needs_rehash(hash, p->ops, p->mem_bytes) != 0;
}

static pthread_mutex_t dummy_lock = PTHREAD_MUTEX_INITIALIZER;
static char dummy[PASSWD_HASH_MAX];
static struct passwd_params dummy_params;

void passwd_burn(const struct passwd_params *p, const char *password)
{
    char local[PASSWD_HASH_MAX];

    pthread_mutex_lock(&dummy_lock);
    if (dummy[0] == '\0' || dummy_params.ops != p->ops || dummy_params.mem_bytes != p->mem_bytes) {
        unsigned char pw[16];
        randombytes_buf(pw, sizeof pw);
        if (crypto_pwhash_str(dummy, (const char *)pw, sizeof pw, p->ops, p->mem_bytes) != 0)
            dummy[0] = '\0';
        dummy_params = *p;
    }
    memcpy(local, dummy, sizeof local);
    pthread_mutex_unlock(&dummy_lock);
    if (local[0] != '\0') {
        int rc = crypto_pwhash_str_verify(local, password, strlen(password));
        (void)rc; /* only the time it took matters */
    }
}
