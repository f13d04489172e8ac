/* tests/unit/util/test_jsonw.c — the streaming JSON writer (src/util/jsonw.c) against
 * jansson's own output: random strings full of control characters, quotes, backslashes and
 * multi-byte UTF-8 come out byte for byte as json_dumps writes them; invalid UTF-8 becomes
 * U+FFFD and still parses; integers, money, nesting and commas match too. */
/* cmocka.h needs these four first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api/render.h"
#include "util/jsonw.h"

static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static char *written_str(const char *s, size_t n)
{
    struct jsonw w;
    jsonw_init(&w, 0);
    jsonw_strn(&w, s, n);
    return jsonw_take(&w, NULL);
}

/* One random valid UTF-8 piece: ASCII (often special), or a 2-, 3- or 4-byte character. */
static size_t piece(unsigned char *out)
{
    static const char specials[] = "\"\\/\b\f\n\r\t\x01\x1f\x7f ";
    switch (next() % 6) {
    case 0:
        out[0] = (unsigned char)specials[next() % (sizeof specials - 1)];
        return 1;
    case 1:
        out[0] = (unsigned char)(next() % 0x20); /* any control character, NUL included */
        return 1;
    case 2: {
        unsigned cp = 0x80 + (unsigned)(next() % (0x800 - 0x80));
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    case 3: {
        unsigned cp = 0x800 + (unsigned)(next() % (0x10000 - 0x800));
        if (cp >= 0xD800 && cp <= 0xDFFF)
            cp = 0x4E2D; /* no surrogates in UTF-8 */
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    case 4: {
        unsigned cp = 0x10000 + (unsigned)(next() % (0x110000 - 0x10000));
        out[0] = (unsigned char)(0xF0 | (cp >> 18));
        out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (unsigned char)(0x80 | (cp & 0x3F));
        return 4;
    }
    default:
        out[0] = (unsigned char)(0x20 + next() % 0x5F);
        return 1;
    }
}

static void random_strings__same_bytes_as_jansson(void **state)
{
    (void)state;
    unsigned char s[512];
    for (int round = 0; round < 20000; round++) {
        size_t n = 0, want = next() % 120;
        while (n < want)
            n += piece(s + n);
        json_t *j = json_stringn((const char *)s, n);
        assert_non_null(j);
        char *theirs = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
        char *ours = written_str((const char *)s, n);
        if (strcmp(theirs, ours) != 0)
            fail_msg("round %d:\n jansson %s\n jsonw   %s", round, theirs, ours);
        free(theirs);
        free(ours);
        json_decref(j);
    }
}

static void invalid_utf8__replacement_character_and_valid_json(void **state)
{
    (void)state;
    static const char *const bad[] = {"\xff",     "a\xc0\xafz", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                      "\xe4\xb8", "ok\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *ours = written_str(bad[i], strlen(bad[i]));
        assert_non_null(strstr(ours, "\\uFFFD"));
        json_error_t err;
        json_t *back = json_loads(ours, JSON_DECODE_ANY, &err);
        assert_non_null(back);
        json_decref(back);
        free(ours);
    }
}

static void numbers_money_and_nesting__as_jansson(void **state)
{
    (void)state;
    static const int64_t ints[] = {0, 1, -1, 42, INT64_MAX, INT64_MIN, 1700000010000};
    struct jsonw w;
    jsonw_init(&w, 0);
    json_t *o = json_object();
    jsonw_obj_begin(&w);
    jsonw_key(&w, "ints");
    jsonw_arr_begin(&w);
    json_t *arr = json_array();
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        jsonw_int(&w, ints[i]);
        json_array_append_new(arr, json_integer(ints[i]));
    }
    jsonw_arr_end(&w);
    json_object_set_new(o, "ints", arr);
    jsonw_key(&w, "empty");
    jsonw_obj_begin(&w);
    jsonw_obj_end(&w);
    json_object_set_new(o, "empty", json_object());
    jsonw_kstr(&w, "nul", NULL);
    json_object_set_new(o, "nul", json_null());
    jsonw_key(&w, "t");
    jsonw_bool(&w, true);
    json_object_set_new(o, "t", json_true());
    jsonw_key(&w, "list");
    jsonw_arr_begin(&w);
    jsonw_arr_begin(&w);
    jsonw_arr_end(&w);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "a", 1);
    jsonw_obj_end(&w);
    jsonw_arr_end(&w);
    json_object_set_new(o, "list", json_pack("[[],{s:i}]", "a", 1));
    jsonw_obj_end(&w);
    char *ours = jsonw_take(&w, NULL);
    char *theirs = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(ours, theirs);
    free(ours);
    free(theirs);
    json_decref(o);

    for (int i = 0; i < 5000; i++) {
        int64_t minor = (int64_t)next();
        int digits = (int)(next() % 19);
        char want[64], got_plain[64];
        render_money(minor, digits, want, sizeof want);
        jsonw_init(&w, 0);
        jsonw_money(&w, minor, digits);
        char *got = jsonw_take(&w, NULL);
        size_t len = strlen(got);
        assert_true(len >= 2 && got[0] == '"' && got[len - 1] == '"');
        memcpy(got_plain, got + 1, len - 2);
        got_plain[len - 2] = '\0';
        assert_string_equal(got_plain, want);
        free(got);
    }
}

/* The access line's milliseconds: "%.3f" written by hand, as printf would, for whole
 * microseconds (and 0 for what is not a duration). */
static void ms__three_decimals_like_printf(void **state)
{
    (void)state;
    static const struct {
        double in;
        const char *out;
    } cases[] = {{0, "0.000"},          {1.5, "1.500"},    {12.3456, "12.346"},
                 {0.0004, "0.000"},     {0.0005, "0.001"}, {1234, "1234.000"},
                 {2040.25, "2040.250"}, {-3, "0.000"},     {1e13, "0.000"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct jsonw w;
        jsonw_init(&w, 0);
        jsonw_ms(&w, cases[i].in);
        char *got = jsonw_take(&w, NULL);
        assert_string_equal(got, cases[i].out);
        free(got);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_strings__same_bytes_as_jansson),
        cmocka_unit_test(invalid_utf8__replacement_character_and_valid_json),
        cmocka_unit_test(numbers_money_and_nesting__as_jansson),
        cmocka_unit_test(ms__three_decimals_like_printf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
