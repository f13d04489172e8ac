/* tests/support/sealed_client.h — the published web client's request encryption (its `pk`
 * setting, contract C19), rebuilt on OpenSSL's libcrypto for the tests: add `timestamp`,
 * sign (MD5 of the sorted pairs), JSON, encodeURIComponent, 100-character chunks each
 * RSA-encrypted (PKCS#1 v1.5) with the public key, base64, joined by commas. Written from
 * the client's behaviour, independently of the server's code. */
#ifndef TA_TESTS_SUPPORT_SEALED_CLIENT_H
#define TA_TESTS_SUPPORT_SEALED_CLIENT_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stddef.h>

/* A fresh RSA key of bits, also written as dir/<name>.pem (PKCS#8 PEM) and dir/<name>.b64
 * (base64 PKCS#8 DER on one line, as brokers paste it); paths into pem/b64 (size 512). */
EVP_PKEY *sealed_keygen(int bits, const char *dir, const char *name, char *pem, char *b64);

/* encodeURIComponent of s (malloc'd). */
char *sealed_uri_encode(const char *s);
/* Chunks of 100 characters of text, each encrypted with key's public half and base64'd,
 * joined by commas (malloc'd). */
char *sealed_pieces(EVP_PKEY *key, const char *text);
/* The client's sign text for params plus timestamp (malloc'd); ascii_order: sort the keys
 * by strcmp instead of localeCompare (a client bug, for the tests). */
char *sealed_sign_text(const json_t *params, long long ts, int ascii_order);
/* Upper-case hex MD5. */
void sealed_md5(const char *s, char out[33]);
/* The whole body {"data":"..."} for params (borrowed) at ts, signed correctly (malloc'd). */
char *sealed_body(EVP_PKEY *key, const json_t *params, long long ts);
/* The same with a given signature (NULL: none) instead of the right one. */
char *sealed_body_signed(EVP_PKEY *key, const json_t *params, long long ts, const char *signature);
/* Epoch milliseconds now. */
long long sealed_now_ms(void);

#endif
