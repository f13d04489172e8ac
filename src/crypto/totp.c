/* crypto/totp.c — liboath does the HMAC; we only choose the window and report the step,
 * so the caller can refuse a step that was already used (replay). */
#include "crypto/totp.h"

#include <liboath/oath.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define TOTP_PERIOD_S 30

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_oath(void)
{
    oath_init();
}

ta_err totp_secret_new(char out[TOTP_SECRET_B32_MAX])
{
    unsigned char raw[20];
    char *b32 = NULL;
    size_t len = 0;

    pthread_once(&once, init_oath);
    randombytes_buf(raw, sizeof raw);
    int rc = oath_base32_encode((const char *)raw, sizeof raw, &b32, &len);
    sodium_memzero(raw, sizeof raw);
    if (rc != OATH_OK || len >= TOTP_SECRET_B32_MAX) {
        free(b32);
        return TA_FAIL(TA_E_INTERNAL);
    }
    /* 20 bytes encode to exactly 32 characters: no '=' padding to strip. */
    memcpy(out, b32, len);
    out[len] = '\0';
    sodium_memzero(b32, len);
    free(b32);
    return TA_OK;
}

static ta_err decode(const char *secret_b32, char **raw, size_t *raw_len)
{
    pthread_once(&once, init_oath);
    if (oath_base32_decode(secret_b32, strlen(secret_b32), raw, raw_len) != OATH_OK)
        return TA_FAIL(TA_E_INTERNAL);
    return TA_OK;
}

ta_err totp_code_at(const char *secret_b32, int64_t step, char out[7])
{
    char *raw = NULL;
    size_t raw_len = 0;
    ta_err err = decode(secret_b32, &raw, &raw_len);
    if (err != TA_OK)
        return err;
    int rc =
        oath_totp_generate(raw, raw_len, (time_t)(step * TOTP_PERIOD_S), TOTP_PERIOD_S, 0, 6, out);
    sodium_memzero(raw, raw_len);
    free(raw);
    return rc == OATH_OK ? TA_OK : TA_FAIL(TA_E_INTERNAL);
}

ta_err totp_match(const char *secret_b32, const char *code, int64_t now_ms, int window,
                  int64_t *step_out)
{
    if (code == NULL || strlen(code) != 6 || strspn(code, "0123456789") != 6)
        return TA_E_MFA_WRONG;
    char *raw = NULL;
    size_t raw_len = 0;
    ta_err err = decode(secret_b32, &raw, &raw_len);
    if (err != TA_OK)
        return err;
    int pos = 0;
    time_t now = (time_t)(now_ms / 1000);
    int rc = oath_totp_validate2(raw, raw_len, now, TOTP_PERIOD_S, 0, (size_t)window, &pos, code);
    sodium_memzero(raw, raw_len);
    free(raw);
    if (rc < 0)
        return TA_E_MFA_WRONG;
    *step_out = now / TOTP_PERIOD_S + pos;
    return TA_OK;
}
