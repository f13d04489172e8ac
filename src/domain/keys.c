/* domain/keys.c — the code key lives in the meta table as hex; two instances starting at
 * once both try to insert and the loser reads the winner's value. */
#include "domain/keys.h"
#include "store/store.h"
#include "util/arena.h"

#include <sodium.h>
#include <string.h>

static unsigned char code_key[32];

const unsigned char *keys_code_key(void)
{
    return code_key;
}

ta_err keys_load(struct store *st)
{
    struct arena *a = arena_new(4096);
    char *hex = NULL;
    ta_err err = STORE(st, meta_get, "code_key", a, &hex);
    if (err == TA_E_NOT_FOUND) {
        unsigned char raw[32];
        char fresh[65];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2hex(fresh, sizeof fresh, raw, sizeof raw);
        sodium_memzero(raw, sizeof raw);
        err = STORE(st, meta_put_new, "code_key", fresh);
        sodium_memzero(fresh, sizeof fresh);
        if (err == TA_OK || err == TA_E_CONFLICT)
            err = STORE(st, meta_get, "code_key", a, &hex);
    }
    if (err == TA_OK) {
        size_t len = 0;
        if (sodium_hex2bin(code_key, sizeof code_key, hex, strlen(hex), NULL, &len, NULL) != 0 ||
            len != sizeof code_key)
            err = TA_FAIL(TA_E_INTERNAL);
        sodium_memzero(hex, strlen(hex));
    }
    arena_free(a);
    return err;
}
