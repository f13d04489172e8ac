/* tests/unit/util/test_collate.c — collate_js against orders JavaScript's localeCompare
 * gives (node: ['b','B','a','A'].sort((x, y) => x.localeCompare(y)) and the like). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>

#include "util/collate.h"

static int cmp(const void *a, const void *b)
{
    return collate_js(*(const char *const *)a, *(const char *const *)b);
}

static void expect_sorted(const char **in, const char **want, size_t n)
{
    qsort(in, n, sizeof in[0], cmp);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(in[i], want[i]);
}

static void keys_differing_only_by_case__lower_first(void **state)
{
    (void)state;
    const char *in[] = {"B", "b", "A", "a", "aB", "ab", "Ab"};
    const char *want[] = {"a", "A", "ab", "aB", "Ab", "b", "B"};
    expect_sorted(in, want, 7);
}

static void case_ignored_before_the_tie(void **state)
{
    (void)state;
    /* ASCII byte order would put every upper-case key first. */
    const char *in[] = {"loginPwd", "Type", "loginName", "device", "LoginName", "timestamp"};
    const char *want[] = {"device", "loginName", "LoginName", "loginPwd", "timestamp", "Type"};
    expect_sorted(in, want, 6);
}

static void punctuation_then_digits_then_letters__prefix_first(void **state)
{
    (void)state;
    const char *in[] = {"a1", "a_", "a", "aa", "a-", "1", "_"};
    const char *want[] = {"_", "1", "a", "a_", "a-", "a1", "aa"};
    expect_sorted(in, want, 7);
    assert_int_equal(collate_js("same", "same"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_differing_only_by_case__lower_first),
        cmocka_unit_test(case_ignored_before_the_tie),
        cmocka_unit_test(punctuation_then_digits_then_letters__prefix_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
