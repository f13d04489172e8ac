/* crypto/token.c — randomness and hashing from libsodium only (its CSPRNG reads the OS). */
#include "crypto/token.h"

#include <sodium.h>
#include <string.h>

static const char hexd[] = "0123456789abcdef";

void token_uuid_new(char out[37])
{
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    size_t o = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hexd[b[i] >> 4];
        out[o++] = hexd[b[i] & 15];
    }
    out[o] = '\0';
    sodium_memzero(b, sizeof b);
}

void token_trace_new(char out[37])
{
    /* Unique, not secret: a per-thread ChaCha20 key drawn once and a counter as nonce, so a
     * request without a trace header costs no getrandom system call. */
    static _Thread_local unsigned char key[crypto_stream_chacha20_KEYBYTES];
    static _Thread_local uint64_t counter;
    if (counter == 0)
        randombytes_buf(key, sizeof key);
    unsigned char nonce[crypto_stream_chacha20_NONCEBYTES] = {0}, b[16];
    counter++;
    memcpy(nonce, &counter, sizeof counter < sizeof nonce ? sizeof counter : sizeof nonce);
    crypto_stream_chacha20(b, sizeof b, nonce, key);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    size_t o = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hexd[b[i] >> 4];
        out[o++] = hexd[b[i] & 15];
    }
    out[o] = '\0';
}

void token_access_new(char out[TOKEN_TEXT_MAX])
{
    token_uuid_new(out);
    memcpy(out + 36, "app", 4);
}

void token_hex64_new(char out[TOKEN_TEXT_MAX])
{
    unsigned char b[32];
    randombytes_buf(b, sizeof b);
    sodium_bin2hex(out, TOKEN_TEXT_MAX, b, sizeof b);
    sodium_memzero(b, sizeof b);
}

void token_hash(const char *kind, const char *token, unsigned char out[TOKEN_HASH_BYTES])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, TOKEN_HASH_BYTES);
    crypto_generichash_update(&st, (const unsigned char *)kind, strlen(kind) + 1);
    crypto_generichash_update(&st, (const unsigned char *)token, strlen(token));
    crypto_generichash_final(&st, out, TOKEN_HASH_BYTES);
}

void token_code_hash(const unsigned char key[32], const unsigned char send_hash[TOKEN_HASH_BYTES],
                     const char *code, unsigned char out[TOKEN_HASH_BYTES])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, key, 32, TOKEN_HASH_BYTES);
    crypto_generichash_update(&st, send_hash, TOKEN_HASH_BYTES);
    crypto_generichash_update(&st, (const unsigned char *)code, strlen(code));
    crypto_generichash_final(&st, out, TOKEN_HASH_BYTES);
}

bool token_equal(const unsigned char *a, const unsigned char *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0;
}

void token_code6(char out[7])
{
    uint32_t v = randombytes_uniform(1000000);
    for (int i = 5; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
    out[6] = '\0';
}

static void box_key(const char *key_text, unsigned char key[crypto_secretbox_KEYBYTES])
{
    static const char tag[] = "tradeauth-grace-box";
    crypto_generichash(key, crypto_secretbox_KEYBYTES, (const unsigned char *)key_text,
                       strlen(key_text), (const unsigned char *)tag, sizeof tag - 1);
}

size_t token_seal(const char *key_text, const char *plain, unsigned char *out, size_t out_size)
{
    size_t n = strlen(plain);
    size_t total = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
    if (total > out_size)
        return 0;
    unsigned char key[crypto_secretbox_KEYBYTES];
    box_key(key_text, key);
    randombytes_buf(out, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, (const unsigned char *)plain, n, out,
                          key);
    sodium_memzero(key, sizeof key);
    return total;
}

bool token_open(const char *key_text, const unsigned char *box, size_t box_len, char *plain,
                size_t plain_size)
{
    if (box_len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        return false;
    size_t n = box_len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    if (n + 1 > plain_size)
        return false;
    unsigned char key[crypto_secretbox_KEYBYTES];
    box_key(key_text, key);
    int rc = crypto_secretbox_open_easy((unsigned char *)plain, box + crypto_secretbox_NONCEBYTES,
                                        box_len - crypto_secretbox_NONCEBYTES, box, key);
    sodium_memzero(key, sizeof key);
    if (rc != 0)
        return false;
    plain[n] = '\0';
    return true;
}
