/* crypto/rsa.c — OpenSSL libcrypto behind the names of crypto/rsa.h: key parsing and export,
 * PKCS#1 v1.5 decryption of the client's pieces, MD5. struct rsa_key is an EVP_PKEY: its
 * reference count makes it safe to hand one key to many threads. */
#include "crypto/rsa.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static EVP_PKEY *pk(const struct rsa_key *k)
{
    return (EVP_PKEY *)k;
}

/* base64 text without whitespace into a malloc'd buffer; NULL when it is not base64. */
static unsigned char *b64_decode(const char *s, size_t n, size_t *len_out)
{
    unsigned char *out = malloc(n / 4 * 3 + 3);
    if (out == NULL)
        return NULL;
    size_t len = 0;
    if (sodium_base642bin(out, n / 4 * 3 + 3, s, n, " \t\r\n", &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        free(out);
        return NULL;
    }
    *len_out = len;
    return out;
}

static char *b64_encode(const unsigned char *b, size_t n)
{
    size_t cap = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(cap);
    if (out != NULL)
        sodium_bin2base64(out, cap, b, n, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

static EVP_PKEY *parse_pem(const char *text, size_t len)
{
    BIO *bio = BIO_new_mem_buf(text, (int)len);
    if (bio == NULL)
        return NULL;
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    return key;
}

static EVP_PKEY *parse_der_b64(const char *text, size_t len)
{
    size_t n = 0;
    unsigned char *der = b64_decode(text, len, &n);
    if (der == NULL)
        return NULL;
    const unsigned char *p = der;
    EVP_PKEY *key = d2i_AutoPrivateKey(NULL, &p, (long)n);
    sodium_memzero(der, n);
    free(der);
    return key;
}

static bool is_pem(const char *text, size_t len)
{
    static const char mark[] = "-----BEGIN";
    for (size_t i = 0; i + sizeof mark - 1 <= len; i++)
        if (memcmp(text + i, mark, sizeof mark - 1) == 0)
            return true;
    return false;
}

ta_err rsa_key_parse(const char *text, size_t len, struct rsa_key **out)
{
    if (text == NULL || len == 0 || len > 64 * 1024)
        return TA_E_FIELD;
    EVP_PKEY *key = is_pem(text, len) ? parse_pem(text, len) : parse_der_b64(text, len);
    ERR_clear_error(); /* a failed parse leaves reasons on this thread's queue */
    if (key == NULL)
        return TA_E_FIELD;
    int bits = EVP_PKEY_get_bits(key);
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA || bits < RSA_KEY_MIN_BITS ||
        bits > RSA_KEY_MAX_BITS) {
        EVP_PKEY_free(key);
        return TA_E_FIELD;
    }
    *out = (struct rsa_key *)key;
    return TA_OK;
}

char *rsa_key_export(const struct rsa_key *k)
{
    unsigned char *der = NULL;
    int n = i2d_PrivateKey(pk(k), &der); /* PKCS#8 for an RSA key */
    if (n <= 0)
        return NULL;
    char *text = b64_encode(der, (size_t)n);
    OPENSSL_clear_free(der, (size_t)n);
    return text;
}

char *rsa_key_export_public(const struct rsa_key *k)
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(pk(k), &der);
    if (n <= 0)
        return NULL;
    char *text = b64_encode(der, (size_t)n);
    OPENSSL_free(der);
    return text;
}

int rsa_key_bits(const struct rsa_key *k)
{
    return EVP_PKEY_get_bits(pk(k));
}

struct rsa_key *rsa_key_ref(struct rsa_key *k)
{
    EVP_PKEY_up_ref(pk(k));
    return k;
}

void rsa_key_free(struct rsa_key *k)
{
    EVP_PKEY_free(pk(k));
}

/* One piece: base64 → PKCS#1 v1.5 decrypt, appended to buf at *len (buf has room for a
 * whole key size more). */
static bool decrypt_one(EVP_PKEY_CTX *ctx, const char *b64, size_t n, unsigned char *buf,
                        size_t *len, size_t room)
{
    size_t clen = 0;
    unsigned char *c = n > 0 ? b64_decode(b64, n, &clen) : NULL;
    if (c == NULL)
        return false;
    size_t outlen = room;
    bool ok = EVP_PKEY_decrypt(ctx, buf + *len, &outlen, c, clen) == 1;
    free(c);
    if (ok)
        *len += outlen;
    return ok;
}

ta_err rsa_decrypt_pieces(const struct rsa_key *k, const char *data, size_t max_pieces, char **out,
                          size_t *len_out)
{
    size_t pieces = 1;
    for (const char *p = data; *p != '\0'; p++)
        pieces += *p == ',';
    if (data[0] == '\0' || pieces > max_pieces)
        return TA_E_BAD_REQUEST;
    size_t ksize = (size_t)EVP_PKEY_get_size(pk(k));
    size_t cap = pieces * ksize + 1;
    unsigned char *buf = malloc(cap);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk(k), NULL);
    bool ok = buf != NULL && ctx != NULL && EVP_PKEY_decrypt_init(ctx) == 1 &&
              EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
    size_t len = 0;
    for (const char *p = data; ok;) {
        const char *e = strchr(p, ',');
        size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
        ok = decrypt_one(ctx, p, n, buf, &len, cap - 1 - len);
        if (e == NULL)
            break;
        p = e + 1;
    }
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    if (!ok) {
        if (buf != NULL) {
            sodium_memzero(buf, cap);
            free(buf);
        }
        return TA_E_BAD_REQUEST;
    }
    buf[len] = '\0';
    *out = (char *)buf;
    *len_out = len;
    return TA_OK;
}

ta_err rsa_encrypt_piece(const struct rsa_key *k, const char *in, size_t n, char **out)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk(k), NULL);
    size_t clen = (size_t)EVP_PKEY_get_size(pk(k));
    unsigned char *c = malloc(clen);
    bool ok = ctx != NULL && c != NULL && EVP_PKEY_encrypt_init(ctx) == 1 &&
              EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
              EVP_PKEY_encrypt(ctx, c, &clen, (const unsigned char *)in, n) == 1;
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    *out = ok ? b64_encode(c, clen) : NULL;
    free(c);
    return *out != NULL ? TA_OK : TA_E_BAD_REQUEST;
}

void rsa_md5_hex_upper(const char *s, size_t n, char out[33])
{
    unsigned char md[16];
    unsigned int mdlen = 0;
    static const char hex[] = "0123456789ABCDEF";
    if (EVP_Digest(s, n, md, &mdlen, EVP_md5(), NULL) != 1 || mdlen != 16) {
        memset(out, '0', 32); /* never equal to a real signature's check in practice */
        out[32] = '\0';
        return;
    }
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[32] = '\0';
}
