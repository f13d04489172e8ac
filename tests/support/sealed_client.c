/* tests/support/sealed_client.c — see sealed_client.h. The key order is the client's
 * `(a, b) => a.localeCompare(b)` for ASCII keys, written here from its definition
 * (case-insensitive, then lower case first), not taken from the server. */
#include "support/sealed_client.h"

#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

long long sealed_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *b64(const unsigned char *b, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    assert_non_null(out);
    EVP_EncodeBlock((unsigned char *)out, b, (int)n);
    return out;
}

EVP_PKEY *sealed_keygen(int bits, const char *dir, const char *name, char *pem, char *b64_path)
{
    EVP_PKEY *key = EVP_RSA_gen((unsigned)bits);
    assert_non_null(key);
    snprintf(pem, 512, "%s/%s.pem", dir, name);
    snprintf(b64_path, 512, "%s/%s.b64", dir, name);
    FILE *f = fopen(pem, "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_PKCS8PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
    fclose(f);
    unsigned char *der = NULL;
    int n = i2d_PrivateKey(key, &der); /* PKCS#8 for RSA */
    assert_true(n > 0);
    char *text = b64(der, (size_t)n);
    OPENSSL_free(der);
    f = fopen(b64_path, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", text);
    fclose(f);
    free(text);
    return key;
}

char *sealed_uri_encode(const char *s)
{
    static const char keep[] = "-_.!~*'()";
    char *out = malloc(strlen(s) * 3 + 1), *o = out;
    assert_non_null(out);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr(keep, *p) != NULL)
            *o++ = (char)*p;
        else
            o += snprintf(o, 4, "%%%02X", *p);
    }
    *o = '\0';
    return out;
}

char *sealed_pieces(EVP_PKEY *key, const char *text)
{
    size_t len = strlen(text), cap = (len / 100 + 1) * 1400 + 1, used = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    out[0] = '\0';
    for (size_t i = 0; i < len || i == 0; i += 100) {
        size_t n = len - i < 100 ? len - i : 100;
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
        unsigned char c[1024];
        size_t clen = sizeof c;
        assert_int_equal(EVP_PKEY_encrypt_init(ctx), 1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
        assert_int_equal(EVP_PKEY_encrypt(ctx, c, &clen, (const unsigned char *)text + i, n), 1);
        EVP_PKEY_CTX_free(ctx);
        char *piece = b64(c, clen);
        used += (size_t)snprintf(out + used, cap - used, "%s%s", used > 0 ? "," : "", piece);
        free(piece);
        if (len == 0)
            break;
    }
    return out;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* localeCompare for keys of letters and digits. */
static int locale_cmp(const void *pa, const void *pb)
{
    const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
    for (size_t i = 0;; i++) {
        if (a[i] == '\0' || b[i] == '\0') {
            if (a[i] != b[i])
                return a[i] == '\0' ? -1 : 1;
            break;
        }
        int d = lower((unsigned char)a[i]) - lower((unsigned char)b[i]);
        if (d != 0)
            return d;
    }
    for (size_t i = 0; a[i] != '\0'; i++)
        if (a[i] != b[i])
            return a[i] >= 'a' && a[i] <= 'z' ? -1 : 1;
    return 0;
}

static int ascii_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *sealed_sign_text(const json_t *params, long long ts, int ascii_order)
{
    const char *keys[64];
    size_t k = 0;
    const char *key;
    json_t *v;
    json_t *all = json_deep_copy(params);
    json_object_set_new(all, "timestamp", json_integer(ts));
    json_object_foreach(all, key, v)
    {
        if ((json_is_string(v) && json_string_length(v) > 0) || json_is_number(v))
            keys[k++] = key;
        assert_true(k < 64);
    }
    qsort(keys, k, sizeof keys[0], ascii_order ? ascii_cmp : locale_cmp);
    size_t cap = 64;
    for (size_t i = 0; i < k; i++)
        cap += strlen(keys[i]) + 64 +
               (json_is_string(json_object_get(all, keys[i]))
                    ? json_string_length(json_object_get(all, keys[i]))
                    : 0);
    char *out = malloc(cap);
    assert_non_null(out);
    size_t used = (size_t)snprintf(out, cap, "timestamp=%lld", ts);
    for (size_t i = 0; i < k; i++) {
        v = json_object_get(all, keys[i]);
        if (json_is_string(v))
            used +=
                (size_t)snprintf(out + used, cap - used, "&%s=%s", keys[i], json_string_value(v));
        else if (json_is_integer(v))
            used += (size_t)snprintf(out + used, cap - used, "&%s=%" JSON_INTEGER_FORMAT, keys[i],
                                     json_integer_value(v));
        else
            used += (size_t)snprintf(out + used, cap - used, "&%s=%g", keys[i], json_real_value(v));
    }
    json_decref(all);
    return out;
}

void sealed_md5(const char *s, char out[33])
{
    unsigned char md[16];
    unsigned int n = 0;
    assert_int_equal(EVP_Digest(s, strlen(s), md, &n, EVP_md5(), NULL), 1);
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02X", md[i]);
}

char *sealed_body_signed(EVP_PKEY *key, const json_t *params, long long ts, const char *signature)
{
    /* The client: { signature, ...params, timestamp } through JSON.stringify. */
    json_t *o = json_object();
    if (signature != NULL)
        json_object_set_new(o, "signature", json_string(signature));
    json_object_update(o, (json_t *)params);
    json_object_set_new(o, "timestamp", json_integer(ts));
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    char *enc = sealed_uri_encode(text);
    free(text);
    char *pieces = sealed_pieces(key, enc);
    free(enc);
    json_t *body = json_pack("{s:s}", "data", pieces);
    free(pieces);
    char *out = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    return out;
}

char *sealed_body(EVP_PKEY *key, const json_t *params, long long ts)
{
    char *sign = sealed_sign_text(params, ts, 0);
    char md5[33];
    sealed_md5(sign, md5);
    free(sign);
    return sealed_body_signed(key, params, ts, md5);
}
