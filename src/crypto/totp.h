/* crypto/totp.h — RFC 6238 TOTP (SHA-1, 6 digits, 30 s) through liboath. */
#ifndef TA_CRYPTO_TOTP_H
#define TA_CRYPTO_TOTP_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

#define TOTP_SECRET_B32_MAX 40

/* A new random 160-bit secret in base32 without padding. */
ta_err totp_secret_new(char out[TOTP_SECRET_B32_MAX]);
/* Finds the step (now ±window) whose code is code; writes it to *step_out.
 * TA_E_MFA_WRONG when none matches or the input is malformed. */
ta_err totp_match(const char *secret_b32, const char *code, int64_t now_ms, int window,
                  int64_t *step_out);
/* The code of a given step (tests, and the clients' own computation). */
ta_err totp_code_at(const char *secret_b32, int64_t step, char out[7]);

#endif
