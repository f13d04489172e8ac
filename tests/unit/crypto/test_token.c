/* tests/unit/crypto/test_token.c — token shapes of contract B4, storage hashes separated by
 * kind, constant-time equality, six-digit codes, and the sealed grace box. */
/* cmocka.h needs these four first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <sodium.h>
#include <string.h>

#include "crypto/token.h"

static bool all_of(const char *s, size_t n, const char *set)
{
    return strlen(s) == n && strspn(s, set) == n;
}

static int setup(void **state)
{
    (void)state;
    return sodium_init() < 0 ? -1 : 0;
}

static void shapes__uuid_app_hex_and_digits(void **state)
{
    (void)state;
    char a[TOKEN_TEXT_MAX], b[TOKEN_TEXT_MAX], u[37], c[7];
    token_access_new(a);
    token_access_new(b);
    assert_int_equal(strlen(a), TOKEN_ACCESS_LEN);
    assert_string_not_equal(a, b);
    assert_string_equal(a + 36, "app");
    assert_int_equal(a[8], '-');
    assert_int_equal(a[14], '4'); /* version 4 */
    assert_non_null(strchr("89ab", a[19]));
    token_hex64_new(a);
    assert_true(all_of(a, TOKEN_HEX64_LEN, "0123456789abcdef"));
    token_uuid_new(u);
    assert_int_equal(strlen(u), 36);
    assert_int_equal(u[23], '-');
    int seen[10] = {0};
    for (int i = 0; i < 500; i++) {
        token_code6(c);
        assert_true(all_of(c, 6, "0123456789"));
        seen[c[0] - '0'] = 1;
    }
    for (int d = 0; d < 10; d++)
        assert_true(seen[d]); /* leading zeros too: uniform over 000000-999999 */
}

static void hash__deterministic_and_kind_separated(void **state)
{
    (void)state;
    unsigned char h1[TOKEN_HASH_BYTES], h2[TOKEN_HASH_BYTES], h3[TOKEN_HASH_BYTES];
    token_hash("access", "same text", h1);
    token_hash("access", "same text", h2);
    token_hash("refresh", "same text", h3);
    assert_memory_equal(h1, h2, sizeof h1);
    assert_memory_not_equal(h1, h3, sizeof h1);
    assert_true(token_equal(h1, h2, sizeof h1));
    assert_false(token_equal(h1, h3, sizeof h1));

    unsigned char key[32], other[32], send[TOKEN_HASH_BYTES];
    memset(key, 7, sizeof key);
    memset(other, 8, sizeof other);
    memcpy(send, h1, sizeof send);
    token_code_hash(key, send, "123456", h2);
    token_code_hash(key, send, "123456", h3);
    assert_memory_equal(h2, h3, sizeof h2);
    token_code_hash(other, send, "123456", h3); /* the server secret matters */
    assert_memory_not_equal(h2, h3, sizeof h2);
    token_code_hash(key, send, "123457", h3);
    assert_memory_not_equal(h2, h3, sizeof h2);
}

static void seal__opens_only_with_its_key(void **state)
{
    (void)state;
    unsigned char box[256];
    char plain[128];
    size_t n = token_seal("old-refresh", "token\nrtoken", box, sizeof box);
    assert_true(n > 0);
    assert_true(token_open("old-refresh", box, n, plain, sizeof plain));
    assert_string_equal(plain, "token\nrtoken");
    assert_false(token_open("another-key", box, n, plain, sizeof plain));
    box[n - 1] ^= 1;
    assert_false(token_open("old-refresh", box, n, plain, sizeof plain));
    assert_int_equal(token_seal("k", "too long for the box", box, 8), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shapes__uuid_app_hex_and_digits),
        cmocka_unit_test(hash__deterministic_and_kind_separated),
        cmocka_unit_test(seal__opens_only_with_its_key),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
