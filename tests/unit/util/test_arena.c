/* tests/unit/util/test_arena.c — request memory: zeroed aligned blocks, the cap answered
 * with NULL, string helpers, cleanups last-first, and reset reusing the arena. */
/* cmocka.h needs these four first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <string.h>

#include "util/arena.h"

static void alloc__zeroed_and_16_byte_aligned(void **state)
{
    (void)state;
    struct arena *a = arena_new(1 << 20);
    assert_non_null(a);
    for (size_t n = 1; n < 5000; n = n * 3 + 1) {
        unsigned char *p = arena_alloc(a, n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(p[i], 0);
        memset(p, 0xab, n);
    }
    arena_free(a);
    arena_free(NULL); /* a no-op */
}

static void cap__is_answered_with_null(void **state)
{
    (void)state;
    struct arena *a = arena_new(4096);
    assert_non_null(arena_alloc(a, 1000));
    assert_null(arena_alloc(a, 8192)); /* beyond the cap in one piece */
    size_t got = 0;
    while (arena_alloc(a, 256) != NULL && got < 100)
        got++;
    assert_true(got < 100); /* the cap holds for many small pieces too */
    assert_null(arena_alloc(a, 256));
    arena_free(a);
}

static void strings__copies_in_the_arena(void **state)
{
    (void)state;
    struct arena *a = arena_new(1 << 16);
    char src[] = "hello";
    char *d = arena_strdup(a, src);
    src[0] = 'j';
    assert_string_equal(d, "hello");
    assert_null(arena_strdup(a, NULL));
    assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
    assert_string_equal(arena_printf(a, "%s-%d", "x", 42), "x-42");
    char big[3000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(strlen(arena_printf(a, "%s", big)), sizeof big - 1);
    arena_free(a);
}

static char order[8];
static size_t n_order;

static void note(void *arg)
{
    order[n_order++] = *(const char *)arg;
}

static void cleanups__run_last_first_on_free_and_reset(void **state)
{
    (void)state;
    static const char x = 'x', y = 'y', z = 'z';
    struct arena *a = arena_new(1 << 16);
    n_order = 0;
    arena_on_free(a, note, (void *)&x);
    arena_on_free(a, note, (void *)&y);
    arena_reset(a);
    assert_int_equal(n_order, 2);
    assert_memory_equal(order, "yx", 2);
    /* After a reset the arena serves again, and the cleanups registered are new. */
    assert_non_null(arena_alloc(a, 100));
    arena_on_free(a, note, (void *)&z);
    arena_free(a);
    assert_int_equal(n_order, 3);
    assert_int_equal(order[2], 'z');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(alloc__zeroed_and_16_byte_aligned),
        cmocka_unit_test(cap__is_answered_with_null),
        cmocka_unit_test(strings__copies_in_the_arena),
        cmocka_unit_test(cleanups__run_last_first_on_free_and_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
