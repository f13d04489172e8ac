/* crypto/rsa.h — the RSA side of encrypted request bodies (contract C19): a company's
 * private key, the decryption of the client's comma-separated PKCS#1 v1.5 pieces, and the
 * MD5 of the client's signature. The only code that sees OpenSSL. */
#ifndef TA_CRYPTO_RSA_H
#define TA_CRYPTO_RSA_H

#include <stddef.h>

#include "util/err.h"

struct rsa_key; /* reference-counted; shared by threads, each decrypt has its own context */

#define RSA_KEY_MIN_BITS 1024
#define RSA_KEY_MAX_BITS 4096

/* Reads a private RSA key from text: PEM (PKCS#8 "PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY")
 * or the base64 of PKCS#8 DER as brokers paste it from a client configuration (whitespace
 * and line breaks ignored). TA_E_FIELD when it is neither, not RSA, or outside 1024–4096
 * bits. *out: one reference, released with rsa_key_free. */
ta_err rsa_key_parse(const char *text, size_t len, struct rsa_key **out);
/* The key as base64 PKCS#8 DER on one line (what the store keeps); malloc'd, NULL on
 * failure. The caller wipes and frees it. */
char *rsa_key_export(const struct rsa_key *k);
/* The public half as base64 SubjectPublicKeyInfo DER (the client's `pk` setting); malloc'd. */
char *rsa_key_export_public(const struct rsa_key *k);
int rsa_key_bits(const struct rsa_key *k);
struct rsa_key *rsa_key_ref(struct rsa_key *k); /* one more reference; returns k */
void rsa_key_free(struct rsa_key *k);           /* drops one reference; NULL is a no-op */

/* data is "<b64>,<b64>,...": each piece base64-decoded and RSA PKCS#1 v1.5 decrypted, the
 * plaintexts concatenated into *out (malloc'd, NUL-terminated, *len_out bytes; the caller
 * wipes and frees it). TA_E_BAD_REQUEST when a piece is not base64, does not decrypt, or
 * there are more than max_pieces. Nothing is logged: the plaintext is the customer's. */
ta_err rsa_decrypt_pieces(const struct rsa_key *k, const char *data, size_t max_pieces, char **out,
                          size_t *len_out);
/* The client's encryption of one piece (tests and tools): PKCS#1 v1.5 with the public half,
 * base64 into *out (malloc'd). */
ta_err rsa_encrypt_piece(const struct rsa_key *k, const char *in, size_t n, char **out);

/* Upper-case hex MD5 of s[0..n) (the client's request signature, not a secret). */
void rsa_md5_hex_upper(const char *s, size_t n, char out[33]);

#endif
