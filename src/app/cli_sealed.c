/* app/cli_sealed.c — `company set ID --rsa-private-key FILE --require-encryption on|off`:
 * a company's key for encrypted request bodies (contract C19). The key file is read once,
 * checked and stored as PKCS#8; its text is wiped from memory afterwards. */
#include "app/cli.h"
#include "domain/sealed.h"
#include "util/clock.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define KEY_FILE_MAX (64 * 1024)

int cli_sealed_take(struct cli_env *env, struct cli_sealed *s)
{
    memset(s, 0, sizeof s[0]);
    s->require = -1;
    s->key_path = cli_take(env->args, "rsa-private-key");
    const char *req = cli_take(env->args, "require-encryption");
    if (req != NULL) {
        if (strcmp(req, "on") != 0 && strcmp(req, "off") != 0)
            return cli_usage_error(env, "--require-encryption takes on or off");
        s->require = strcmp(req, "on") == 0;
    }
    return 0;
}

/* The file's text into buf (NUL-terminated); false with a message when it cannot be read. */
static bool read_key(const char *path, char *buf, size_t cap, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "tradeauth: cannot read %s\n", path);
        return false;
    }
    *len = fread(buf, 1, cap - 1, f);
    bool whole = feof(f) && !ferror(f);
    fclose(f);
    buf[*len] = '\0';
    if (!whole)
        fprintf(stderr, "tradeauth: %s is not a key file (larger than %d bytes?)\n", path,
                KEY_FILE_MAX);
    return whole;
}

int cli_sealed_apply(struct cli_env *env, int64_t company_id, const struct cli_sealed *s)
{
    if (s->key_path == NULL && s->require < 0)
        return 0;
    static char buf[KEY_FILE_MAX];
    size_t len = 0;
    if (s->key_path != NULL && !read_key(s->key_path, buf, sizeof buf, &len)) {
        sodium_memzero(buf, sizeof buf);
        return 1;
    }
    int bits = 0;
    ta_err e = sealed_configure(env->st, company_id, s->key_path != NULL ? buf : NULL, len,
                                s->require, clock_now_ms(), &bits);
    sodium_memzero(buf, sizeof buf);
    if (e == TA_E_FIELD) {
        fprintf(stderr,
                "tradeauth: %s is not an RSA private key of 1024 to 4096 bits (PEM, or base64 "
                "PKCS#8 DER)\n",
                s->key_path != NULL ? s->key_path : "the stored key");
        return 2;
    }
    if (e == TA_E_NOT_FOUND) {
        fprintf(stderr,
                "tradeauth: company %" PRId64 " has no key: --require-encryption on needs "
                "--rsa-private-key FILE\n",
                company_id);
        return 2;
    }
    if (e != TA_OK) {
        fprintf(stderr, "tradeauth: could not set the key of company %" PRId64 "\n", company_id);
        return 1;
    }
    return 0;
}

void cli_sealed_print(struct cli_env *env, int64_t company_id)
{
    int bits = 0;
    bool required = false;
    if (env->json || sealed_describe(env->st, company_id, &bits, &required) != TA_OK)
        return;
    if (bits == 0)
        printf("encrypted bodies: no key\n");
    else
        printf("encrypted bodies: RSA %d-bit key, %s\n", bits,
               required ? "required" : "plain bodies accepted too");
}
