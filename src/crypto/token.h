/* crypto/token.h — random secrets handed to clients, and the hashes we store instead.
 * Raw tokens never reach the database; lookups go by BLAKE2b hash. */
#ifndef TA_CRYPTO_TOKEN_H
#define TA_CRYPTO_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOKEN_HASH_BYTES 32
#define TOKEN_ACCESS_LEN 39 /* UUIDv4 (36) + "app" */
#define TOKEN_HEX64_LEN 64  /* refresh tokens, send tokens, proofs */
#define TOKEN_TEXT_MAX 72   /* any token above, with the NUL */

/* A lowercase UUIDv4 followed by "app" (contract B4). */
void token_access_new(char out[TOKEN_TEXT_MAX]);
/* 64 lowercase hex characters (256 random bits). */
void token_hex64_new(char out[TOKEN_TEXT_MAX]);
/* A UUIDv4 alone (trace ids). */
void token_uuid_new(char out[37]);
/* A UUIDv4-shaped id for request traces: unique per process, not secret (no system call). */
void token_trace_new(char out[37]);

/* Storage hash of a token: keyed BLAKE2b with a domain tag, so the same text used as
 * two kinds of token never collides. */
void token_hash(const char *kind, const char *token, unsigned char out[TOKEN_HASH_BYTES]);
/* Keyed hash of a verification code bound to its ticket, with the server secret. */
void token_code_hash(const unsigned char key[32], const unsigned char send_hash[TOKEN_HASH_BYTES],
                     const char *code, unsigned char out[TOKEN_HASH_BYTES]);
bool token_equal(const unsigned char *a, const unsigned char *b, size_t n); /* constant time */

/* Six uniform decimal digits. */
void token_code6(char out[7]);

/* Seals plaintext for whoever holds the secret key_text (the old refresh token): used
 * for the 10-second "same new pair" window without storing raw tokens. Returns the
 * sealed length, or 0 when out is too small. */
size_t token_seal(const char *key_text, const char *plain, unsigned char *out, size_t out_size);
/* Opens a box made by token_seal; false when the key is wrong or the box damaged. */
bool token_open(const char *key_text, const unsigned char *box, size_t box_len, char *plain,
                size_t plain_size);

#endif
