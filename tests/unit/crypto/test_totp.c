/* tests/unit/crypto/test_totp.c — src/crypto/totp.c against RFC 6238 (SHA-1) and against an
 * independent reference written here: SHA-1 (FIPS 180-4), HMAC (RFC 2104), HOTP dynamic
 * truncation (RFC 4226) and base32 (RFC 4648). The reference shares no code with liboath,
 * which totp.c uses, and is itself checked against RFC 2202 and RFC 4226 vectors first. */
/* cmocka.h needs these four first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "crypto/totp.h"
#include "util/clock.h"

/* ---- reference SHA-1 --------------------------------------------------------------------- */

struct sha1 {
    uint32_t h[5];
    uint64_t len; /* bytes so far */
    unsigned char buf[64];
    size_t n;
};

static uint32_t rol(uint32_t x, unsigned k)
{
    return (x << k) | (x >> (32 - k));
}

static void sha1_block(struct sha1 *s, const unsigned char *p)
{
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5A827999u;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ED9EBA1u;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8F1BBCDCu;
        } else {
            f = b ^ c ^ d;
            k = 0xCA62C1D6u;
        }
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rol(b, 30);
        b = a;
        a = t;
    }
    s->h[0] += a;
    s->h[1] += b;
    s->h[2] += c;
    s->h[3] += d;
    s->h[4] += e;
}

static void sha1_init(struct sha1 *s)
{
    static const uint32_t iv[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
    memset(s, 0, sizeof *s);
    memcpy(s->h, iv, sizeof iv);
}

static void sha1_update(struct sha1 *s, const unsigned char *p, size_t n)
{
    s->len += n;
    while (n > 0) {
        size_t take = 64 - s->n < n ? 64 - s->n : n;
        memcpy(s->buf + s->n, p, take);
        s->n += take;
        p += take;
        n -= take;
        if (s->n == 64) {
            sha1_block(s, s->buf);
            s->n = 0;
        }
    }
}

static void sha1_final(struct sha1 *s, unsigned char out[20])
{
    uint64_t bits = s->len * 8;
    unsigned char pad = 0x80, zero = 0, len[8];
    sha1_update(s, &pad, 1);
    while (s->n != 56)
        sha1_update(s, &zero, 1);
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha1_update(s, len, 8);
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 4; j++)
            out[4 * i + j] = (unsigned char)(s->h[i] >> (24 - 8 * j));
}

/* HMAC-SHA1 for keys up to one block (TOTP secrets are 20 bytes). */
static void hmac_sha1(const unsigned char *key, size_t key_len, const unsigned char *msg,
                      size_t msg_len, unsigned char out[20])
{
    unsigned char k[64] = {0}, ipad[64], opad[64], inner[20];
    struct sha1 s;
    assert_true(key_len <= sizeof k);
    memcpy(k, key, key_len);
    for (int i = 0; i < 64; i++) {
        ipad[i] = k[i] ^ 0x36;
        opad[i] = k[i] ^ 0x5c;
    }
    sha1_init(&s);
    sha1_update(&s, ipad, 64);
    sha1_update(&s, msg, msg_len);
    sha1_final(&s, inner);
    sha1_init(&s);
    sha1_update(&s, opad, 64);
    sha1_update(&s, inner, 20);
    sha1_final(&s, out);
}

/* RFC 4226 HOTP: the 31-bit dynamic truncation of HMAC-SHA1(key, counter). */
static uint32_t hotp_raw(const unsigned char *key, size_t key_len, uint64_t counter)
{
    unsigned char msg[8], mac[20];
    for (int i = 0; i < 8; i++)
        msg[i] = (unsigned char)(counter >> (56 - 8 * i));
    hmac_sha1(key, key_len, msg, sizeof msg, mac);
    unsigned off = mac[19] & 0x0f;
    return ((uint32_t)(mac[off] & 0x7f) << 24) | (uint32_t)mac[off + 1] << 16 |
           (uint32_t)mac[off + 2] << 8 | (uint32_t)mac[off + 3];
}

static void ref_code6(const unsigned char *key, size_t key_len, int64_t step, char out[7])
{
    snprintf(out, 7, "%06u", hotp_raw(key, key_len, (uint64_t)step) % 1000000u);
}

/* RFC 4648 base32 (upper case, no padding); returns the byte count or -1. */
static int b32_decode(const char *s, unsigned char *out, size_t cap)
{
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (; *s != '\0' && *s != '='; s++) {
        const char *p = strchr(alpha, *s);
        if (p == NULL)
            return -1;
        acc = (acc << 5) | (uint32_t)(p - alpha);
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            if (n == cap)
                return -1;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    return (int)n;
}

static void hex(const unsigned char *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* ---- the RFC secret ------------------------------------------------------------------------ */

#define RFC_SECRET "12345678901234567890"
#define RFC_SECRET_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static const struct {
    int64_t time_s;
    const char *eight; /* RFC 6238 Appendix B, SHA-1 */
    const char *six;   /* its last six digits: our codes */
} rfc6238[] = {
    {59, "94287082", "287082"},         {1111111109, "07081804", "081804"},
    {1111111111, "14050471", "050471"}, {1234567890, "89005924", "005924"},
    {2000000000, "69279037", "279037"}, {20000000000, "65353130", "353130"},
};
#define N_RFC (sizeof rfc6238 / sizeof rfc6238[0])

/* ---- the reference checks itself ------------------------------------------------------------ */

static void reference__sha1_and_hmac__match_fips_and_rfc2202(void **state)
{
    (void)state;
    unsigned char d[20];
    char h[41];
    struct sha1 s;

    sha1_init(&s);
    sha1_update(&s, (const unsigned char *)"abc", 3);
    sha1_final(&s, d);
    hex(d, 20, h);
    assert_string_equal(h, "a9993e364706816aba3e25717850c26c9cd0d89d");

    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha1_init(&s);
    sha1_update(&s, (const unsigned char *)two, strlen(two));
    sha1_final(&s, d);
    hex(d, 20, h);
    assert_string_equal(h, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");

    unsigned char key[20];
    memset(key, 0x0b, sizeof key);
    hmac_sha1(key, sizeof key, (const unsigned char *)"Hi There", 8, d);
    hex(d, 20, h);
    assert_string_equal(h, "b617318655057264e28bc0b6fb378c8ef146be00");

    hmac_sha1((const unsigned char *)"Jefe", 4,
              (const unsigned char *)"what do ya want for nothing?", 28, d);
    hex(d, 20, h);
    assert_string_equal(h, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

static void reference__hotp__matches_rfc4226_appendix_d(void **state)
{
    (void)state;
    static const char *const want[10] = {"755224", "287082", "359152", "969429", "338314",
                                         "254676", "287922", "162583", "399871", "520489"};
    char code[7];
    for (int i = 0; i < 10; i++) {
        ref_code6((const unsigned char *)RFC_SECRET, 20, i, code);
        assert_string_equal(code, want[i]);
    }
    unsigned char raw[32];
    assert_int_equal(b32_decode(RFC_SECRET_B32, raw, sizeof raw), 20);
    assert_memory_equal(raw, RFC_SECRET, 20);
}

static void reference__totp__matches_rfc6238_appendix_b_eight_digits(void **state)
{
    (void)state;
    char eight[9];
    for (size_t i = 0; i < N_RFC; i++) {
        uint32_t v =
            hotp_raw((const unsigned char *)RFC_SECRET, 20, (uint64_t)(rfc6238[i].time_s / 30));
        snprintf(eight, sizeof eight, "%08u", v % 100000000u);
        assert_string_equal(eight, rfc6238[i].eight);
    }
}

/* ---- totp_code_at ------------------------------------------------------------------------ */

static void code_at__rfc6238_sha1_vectors__last_six_digits(void **state)
{
    (void)state;
    char code[7];
    for (size_t i = 0; i < N_RFC; i++) {
        assert_int_equal(totp_code_at(RFC_SECRET_B32, rfc6238[i].time_s / 30, code), TA_OK);
        assert_string_equal(code, rfc6238[i].six);
        assert_string_equal(code, rfc6238[i].eight + 2);
    }
}

static void code_at__fresh_secrets__agree_with_the_reference_on_many_steps(void **state)
{
    (void)state;
    for (int k = 0; k < 20; k++) {
        char b32[TOTP_SECRET_B32_MAX];
        unsigned char raw[32];
        assert_int_equal(totp_secret_new(b32), TA_OK);
        assert_int_equal(b32_decode(b32, raw, sizeof raw), 20);
        for (int64_t step = 0; step < 4000000000LL; step += 199999999LL + k) {
            char got[7], want[7];
            assert_int_equal(totp_code_at(b32, step, got), TA_OK);
            ref_code6(raw, 20, step, want);
            assert_string_equal(got, want);
        }
    }
}

static void secret_new__32_base32_characters_of_160_random_bits(void **state)
{
    (void)state;
    char a[TOTP_SECRET_B32_MAX], b[TOTP_SECRET_B32_MAX];
    unsigned char raw[32];
    assert_int_equal(totp_secret_new(a), TA_OK);
    assert_int_equal(totp_secret_new(b), TA_OK);
    assert_int_equal(strlen(a), 32);
    assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), 32);
    assert_int_equal(b32_decode(a, raw, sizeof raw), 20);
    assert_string_not_equal(a, b);
}

/* ---- totp_match ---------------------------------------------------------------------------- */

/* Checks totp_match at now_ms for the codes of steps now-2 .. now+2, computed by the
 * reference: ±1 and 0 accepted with their step reported, ±2 refused. A ±2 code that happens
 * to equal a code inside the window (one chance in ~330,000) cannot be refused; skipped. */
static void check_window(const char *b32, int64_t now_ms)
{
    unsigned char raw[32];
    assert_int_equal(b32_decode(b32, raw, sizeof raw), 20);
    int64_t step = now_ms / 1000 / 30;
    char codes[5][7];
    for (int d = -2; d <= 2; d++)
        ref_code6(raw, 20, step + d, codes[d + 2]);

    for (int d = -1; d <= 1; d++) {
        int64_t got = -1;
        assert_int_equal(totp_match(b32, codes[d + 2], now_ms, 1, &got), TA_OK);
        bool unique = true;
        for (int e = -1; e <= 1; e++)
            unique = unique && (e == d || strcmp(codes[e + 2], codes[d + 2]) != 0);
        if (unique)
            assert_int_equal(got, step + d);
    }
    for (int d = -2; d <= 2; d += 4) {
        bool collides = false;
        for (int e = -1; e <= 1; e++)
            collides = collides || strcmp(codes[e + 2], codes[d + 2]) == 0;
        if (collides)
            continue;
        int64_t got = -1;
        assert_int_equal(totp_match(b32, codes[d + 2], now_ms, 1, &got), TA_E_MFA_WRONG);
        assert_int_equal(got, -1); /* out-parameters are written only on success */
    }
}

static void match__rfc_secret__current_and_neighbour_steps_accepted_two_away_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_RFC; i++) {
        check_window(RFC_SECRET_B32, rfc6238[i].time_s * 1000);
        /* The first and the last millisecond of the step behave alike. */
        int64_t first = rfc6238[i].time_s / 30 * 30000;
        check_window(RFC_SECRET_B32, first);
        check_window(RFC_SECRET_B32, first + 29999);
    }
    /* "287082" is step 1 (30 s .. 59.999 s): accepted from 0 ms (step 0, the next step)
     * through 89.999 s (step 2, the previous step), refused from 90 s (step 3). */
    int64_t got = 0;
    assert_int_equal(totp_match(RFC_SECRET_B32, "287082", 0, 1, &got), TA_OK);
    assert_int_equal(got, 1);
    assert_int_equal(totp_match(RFC_SECRET_B32, "287082", 59000, 1, &got), TA_OK);
    assert_int_equal(got, 1);
    assert_int_equal(totp_match(RFC_SECRET_B32, "287082", 89999, 1, &got), TA_OK);
    assert_int_equal(got, 1);
    assert_int_equal(totp_match(RFC_SECRET_B32, "287082", 90000, 1, &got), TA_E_MFA_WRONG);
}

static void match__live_codes_of_fresh_secrets__window_of_one_step(void **state)
{
    (void)state;
    clock_fake_clear();
    for (int k = 0; k < 20; k++) {
        char b32[TOTP_SECRET_B32_MAX];
        assert_int_equal(totp_secret_new(b32), TA_OK);
        check_window(b32, clock_now_ms());
    }
}

static void match__window_zero__only_the_current_step(void **state)
{
    (void)state;
    int64_t got = 0;
    /* time 59 is step 1 ("287082"); step 0 is "755224", step 2 "359152" (RFC 4226). */
    assert_int_equal(totp_match(RFC_SECRET_B32, "287082", 59000, 0, &got), TA_OK);
    assert_int_equal(got, 1);
    assert_int_equal(totp_match(RFC_SECRET_B32, "755224", 59000, 0, &got), TA_E_MFA_WRONG);
    assert_int_equal(totp_match(RFC_SECRET_B32, "359152", 59000, 0, &got), TA_E_MFA_WRONG);
    assert_int_equal(totp_match(RFC_SECRET_B32, "755224", 59000, 1, &got), TA_OK);
    assert_int_equal(got, 0);
    assert_int_equal(totp_match(RFC_SECRET_B32, "359152", 59000, 1, &got), TA_OK);
    assert_int_equal(got, 2);
}

static void match__malformed_codes__refused(void **state)
{
    (void)state;
    static const char *const bad[] = {"",       "28708",   "2870820", "abcdef", "28708a",
                                      " 87082", "287082 ", "+87082",  "-87082", "２８７０８２"};
    int64_t got = -1;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(totp_match(RFC_SECRET_B32, bad[i], 59000, 1, &got), TA_E_MFA_WRONG);
    assert_int_equal(totp_match(RFC_SECRET_B32, NULL, 59000, 1, &got), TA_E_MFA_WRONG);
    assert_int_equal(got, -1);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reference__sha1_and_hmac__match_fips_and_rfc2202),
        cmocka_unit_test(reference__hotp__matches_rfc4226_appendix_d),
        cmocka_unit_test(reference__totp__matches_rfc6238_appendix_b_eight_digits),
        cmocka_unit_test(code_at__rfc6238_sha1_vectors__last_six_digits),
        cmocka_unit_test(code_at__fresh_secrets__agree_with_the_reference_on_many_steps),
        cmocka_unit_test(secret_new__32_base32_characters_of_160_random_bits),
        cmocka_unit_test(match__rfc_secret__current_and_neighbour_steps_accepted_two_away_refused),
        cmocka_unit_test(match__live_codes_of_fresh_secrets__window_of_one_step),
        cmocka_unit_test(match__window_zero__only_the_current_step),
        cmocka_unit_test(match__malformed_codes__refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
