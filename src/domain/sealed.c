/* domain/sealed.c — encrypted request bodies (contract C19). Keys are parsed once and shared
 * by every thread through a small process-wide cache (an EVP_PKEY parse costs more than a
 * decryption); the replay check lives in the database so every instance sees it. */
#include "domain/sealed.h"
#include "crypto/rsa.h"
#include "crypto/token.h"
#include "domain/company.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/config.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 32

struct policy {
    int64_t company_id; /* 0: empty slot */
    int64_t loaded_ms;
    bool required;
    struct rsa_key *key;   /* one reference held by the cache; NULL: none */
    unsigned char kid[16]; /* BLAKE2b of the stored text: re-parse only when it changed */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct policy cache[SLOTS];

void sealed_cache_clear(void)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < SLOTS; i++) {
        rsa_key_free(cache[i].key);
        memset(&cache[i], 0, sizeof cache[i]);
    }
    pthread_mutex_unlock(&lock);
}

/* Reads the company's row into a fresh policy p (key parsed unless old has the same one). */
static ta_err load(struct dctx *ctx, int64_t id, const struct policy *old, struct policy *p)
{
    struct company_key k;
    memset(p, 0, sizeof *p);
    p->company_id = id;
    p->loaded_ms = ctx->now_ms;
    ta_err e = STORE(ctx->st, company_key_get, id, ctx->a, &k);
    if (e == TA_E_NOT_FOUND)
        return TA_OK;
    if (e != TA_OK)
        return e;
    p->required = k.require_encryption;
    if (k.rsa_key == NULL)
        return TA_OK;
    size_t n = strlen(k.rsa_key);
    crypto_generichash(p->kid, sizeof p->kid, (const unsigned char *)k.rsa_key, n, NULL, 0);
    if (old->company_id == id && old->key != NULL && memcmp(old->kid, p->kid, sizeof p->kid) == 0)
        p->key = rsa_key_ref(old->key);
    else if (rsa_key_parse(k.rsa_key, n, &p->key) != TA_OK)
        e = TA_FAIL(TA_E_INTERNAL); /* the CLI checked it: a row changed by hand */
    sodium_memzero(k.rsa_key, n);
    return e;
}

ta_err sealed_policy(struct dctx *ctx, struct rsa_key **key_out, bool *required_out)
{
    int64_t id = ctx->co->id;
    struct policy *s = &cache[(uint64_t)id % SLOTS];
    struct policy old;

    pthread_mutex_lock(&lock);
    bool fresh = s->company_id == id && ctx->now_ms >= s->loaded_ms &&
                 ctx->now_ms - s->loaded_ms < COMPANY_CACHE_MS;
    if (fresh) {
        *key_out = s->key != NULL ? rsa_key_ref(s->key) : NULL;
        *required_out = s->required;
    }
    old = *s;
    if (old.key != NULL)
        rsa_key_ref(old.key); /* load() may reuse it after the lock is let go */
    pthread_mutex_unlock(&lock);
    if (fresh) {
        rsa_key_free(old.key);
        return TA_OK;
    }

    struct policy p;
    ta_err e = load(ctx, id, &old, &p); /* no database call under the lock */
    rsa_key_free(old.key);
    if (e != TA_OK)
        return e;
    *key_out = p.key != NULL ? rsa_key_ref(p.key) : NULL;
    *required_out = p.required;
    pthread_mutex_lock(&lock);
    struct rsa_key *drop = s->key;
    *s = p; /* the cache takes p's reference */
    pthread_mutex_unlock(&lock);
    rsa_key_free(drop);
    return TA_OK;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* decodeURIComponent in place: %XX sequences become bytes (the JSON parser then checks
 * that they form UTF-8); a '%' not followed by two hex digits is an error, as in JS. */
static bool percent_decode(char *s, size_t *len)
{
    size_t w = 0;
    for (size_t r = 0; r < *len; r++) {
        if (s[r] != '%') {
            s[w++] = s[r];
            continue;
        }
        int hi = r + 2 < *len ? hexval(s[r + 1]) : -1;
        int lo = r + 2 < *len ? hexval(s[r + 2]) : -1;
        if (hi < 0 || lo < 0)
            return false;
        s[w++] = (char)(hi * 16 + lo);
        r += 2;
    }
    s[w] = '\0';
    *len = w;
    return true;
}

ta_err sealed_open(struct dctx *ctx, const struct rsa_key *key, const char *data, char **out,
                   size_t *len_out)
{
    char *text = NULL;
    size_t len = 0;
    ta_err e = rsa_decrypt_pieces(key, data, (size_t)ctx->cfg->sealed_max_pieces, &text, &len);
    if (e != TA_OK)
        return TA_E_BAD_REQUEST;
    if (!percent_decode(text, &len) || strlen(text) != len) { /* no NUL inside */
        sodium_memzero(text, len);
        free(text);
        return TA_E_BAD_REQUEST;
    }
    *out = text;
    *len_out = len;
    return TA_OK;
}

ta_err sealed_check_time(struct dctx *ctx, const char *header, int64_t *ts_out)
{
    if (header == NULL || header[0] == '\0' || strlen(header) > 15 ||
        strspn(header, "0123456789") != strlen(header))
        return TA_E_BAD_REQUEST;
    int64_t ts = 0;
    for (const char *p = header; *p != '\0'; p++)
        ts = ts * 10 + (*p - '0');
    int64_t window = (int64_t)ctx->cfg->sealed_window_s * 1000;
    if (ts < ctx->now_ms - window || ts > ctx->now_ms + window)
        return TA_E_BAD_REQUEST;
    *ts_out = ts;
    return TA_OK;
}

ta_err sealed_accept(struct dctx *ctx, const char *sign_text, size_t n, const char *signature,
                     int64_t ts)
{
    char want[33];
    rsa_md5_hex_upper(sign_text, n, want);
    if (signature == NULL || strlen(signature) != 32 ||
        !token_equal((const unsigned char *)want, (const unsigned char *)signature, 32))
        return TA_E_BAD_REQUEST;
    /* After ts + window the timestamp check refuses it anyway: no need to keep it longer. */
    int64_t until = ts + (int64_t)ctx->cfg->sealed_window_s * 1000 + 1;
    ta_err e = STORE(ctx->st, signature_remember, ctx->co->id, want, ctx->now_ms, until);
    return e == TA_E_CONFLICT ? TA_E_BAD_REQUEST : e;
}

ta_err sealed_configure(struct store *st, int64_t company_id, const char *key_text, size_t len,
                        int require, int64_t now_ms, int *bits_out)
{
    struct company co;
    ta_err e = STORE(st, company_get, company_id, &co);
    if (e == TA_E_NOT_FOUND)
        return TA_E_NO_COMPANY;
    if (e != TA_OK)
        return e;
    struct arena *a = arena_new(256 * 1024);
    if (a == NULL)
        return TA_E_TOO_LARGE;
    struct company_key k;
    e = STORE(st, company_key_get, company_id, a, &k);
    if (e == TA_E_NOT_FOUND) {
        memset(&k, 0, sizeof k);
        k.company_id = company_id;
        e = TA_OK;
    }
    struct rsa_key *key = NULL;
    char *text = NULL;
    if (e == TA_OK && key_text != NULL) {
        e = rsa_key_parse(key_text, len, &key);
        if (e == TA_OK) {
            text = rsa_key_export(key);
            e = text != NULL ? TA_OK : TA_FAIL(TA_E_INTERNAL);
        }
        k.rsa_key = text;
    } else if (e == TA_OK && k.rsa_key != NULL) {
        e = rsa_key_parse(k.rsa_key, strlen(k.rsa_key), &key);
    }
    if (e == TA_OK && require >= 0)
        k.require_encryption = require != 0;
    if (e == TA_OK && k.require_encryption && key == NULL)
        e = TA_E_NOT_FOUND; /* required without a key would refuse every request */
    k.updated_ms = now_ms;
    if (e == TA_OK)
        e = STORE(st, company_key_set, &k);
    if (e == TA_OK)
        *bits_out = key != NULL ? rsa_key_bits(key) : 0;
    if (text != NULL) {
        sodium_memzero(text, strlen(text));
        free(text);
    }
    rsa_key_free(key);
    arena_free(a);
    return e;
}

ta_err sealed_describe(struct store *st, int64_t company_id, int *bits_out, bool *required_out)
{
    struct arena *a = arena_new(256 * 1024);
    if (a == NULL)
        return TA_E_TOO_LARGE;
    struct company_key k;
    ta_err e = STORE(st, company_key_get, company_id, a, &k);
    *bits_out = 0;
    *required_out = false;
    if (e == TA_OK) {
        *required_out = k.require_encryption;
        struct rsa_key *key = NULL;
        if (k.rsa_key != NULL && rsa_key_parse(k.rsa_key, strlen(k.rsa_key), &key) == TA_OK)
            *bits_out = rsa_key_bits(key);
        rsa_key_free(key);
    }
    arena_free(a);
    return e == TA_E_NOT_FOUND ? TA_OK : e;
}
