/* tests/unit/api/test_bind.c — the field binder of api/bind.c: JSON types, ranges and
 * lengths (contract A2), absent vs. required, MD5 case folding and wiping, six-digit codes,
 * integers as strings, and the int64-overflow fallback. */
/* cmocka.h needs these four first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <string.h>

#include "api/bind.h"
#include "util/arena.h"

struct cmd {
    int64_t n;
    const char *s;
    bool b;
    const char *pwd;
    const char *code;
    const json_t *extra;
};

static const struct field fields[] = {
    FIELD_INT("n", struct cmd, n, 1, 9, REQUIRED),
    FIELD_STR("s", struct cmd, s, 2, 4, OPTIONAL),
    FIELD_BOOL("b", struct cmd, b, OPTIONAL),
    FIELD_MD5("pwd", struct cmd, pwd, OPTIONAL),
    FIELD_CODE6("code", struct cmd, code, OPTIONAL),
    FIELD_JSON("extra", struct cmd, extra, OPTIONAL),
    FIELD_END,
};

/* Binds body (JSON text) into *out; the detail (field name) into *field. */
static ta_err bind_text(const char *body, bool ints_as_real, struct cmd *out, const char **field,
                        struct arena *a)
{
    struct api_req req;
    memset(&req, 0, sizeof req);
    req.ctx.a = a;
    req.ints_as_real = ints_as_real;
    json_error_t jerr;
    /* JSON_ALLOW_NUL: the binder itself must refuse a string with an embedded NUL. */
    req.body =
        json_loads(body, JSON_ALLOW_NUL | (ints_as_real ? JSON_DECODE_INT_AS_REAL : 0), &jerr);
    assert_non_null(req.body);
    memset(out, 0, sizeof *out);
    out->n = -1;
    ta_err e = bind_fields(&req, fields, out);
    *field = req.ctx.detail;
    if (e == TA_OK && out->extra != NULL)
        out->extra = NULL; /* borrowed from the body freed below */
    json_decref(req.body);
    return e;
}

static void types__each_kind_bound(void **state)
{
    (void)state;
    struct arena *a = arena_new(1 << 16);
    struct cmd c;
    const char *f;
    assert_int_equal(bind_text("{\"n\":3,\"s\":\"abc\",\"b\":true,"
                               "\"pwd\":\"E10ADC3949BA59ABBE56E057F20F883E\","
                               "\"code\":\"012345\",\"extra\":[1]}",
                               false, &c, &f, a),
                     TA_OK);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.s, "abc");
    assert_true(c.b);
    assert_string_equal(c.pwd, "e10adc3949ba59abbe56e057f20f883e"); /* one case */
    assert_string_equal(c.code, "012345");
    assert_int_equal(bind_text("{\"n\":\"7\"}", false, &c, &f, a), TA_OK); /* digits as text */
    assert_int_equal(c.n, 7);
    assert_null(c.s);
    assert_false(c.b);
    arena_free(a);
}

static void absent__null_and_empty_string_count_as_missing(void **state)
{
    (void)state;
    struct arena *a = arena_new(1 << 16);
    struct cmd c;
    const char *f;
    assert_int_equal(bind_text("{}", false, &c, &f, a), TA_E_FIELD);
    assert_string_equal(f, "n");
    assert_int_equal(bind_text("{\"n\":null}", false, &c, &f, a), TA_E_FIELD);
    assert_int_equal(bind_text("{\"n\":\"\"}", false, &c, &f, a), TA_E_FIELD);
    assert_int_equal(bind_text("{\"n\":1,\"s\":\"\",\"pwd\":null}", false, &c, &f, a), TA_OK);
    assert_null(c.s);
    assert_null(c.pwd);
    arena_free(a);
}

static void bad__the_first_bad_field_is_named(void **state)
{
    (void)state;
    static const struct {
        const char *body, *field;
    } cases[] = {
        {"{\"n\":0}", "n"},
        {"{\"n\":10}", "n"},
        {"{\"n\":1.5}", "n"},
        {"{\"n\":\"1x\"}", "n"},
        {"{\"n\":true}", "n"},
        {"{\"n\":1,\"s\":\"a\"}", "s"},
        {"{\"n\":1,\"s\":\"abcde\"}", "s"},
        {"{\"n\":1,\"s\":5}", "s"},
        {"{\"n\":1,\"s\":\"a\\u0000b\"}", "s"},
        {"{\"n\":1,\"b\":1}", "b"},
        {"{\"n\":1,\"pwd\":\"e10adc3949ba59abbe56e057f20f883\"}", "pwd"},
        {"{\"n\":1,\"pwd\":\"g10adc3949ba59abbe56e057f20f883e\"}", "pwd"},
        {"{\"n\":1,\"code\":\"12345a\"}", "code"},
        {"{\"n\":1,\"code\":\"1234567\"}", "code"},
        {"{\"n\":99,\"s\":\"a\"}", "n"},
    };
    struct arena *a = arena_new(1 << 16);
    struct cmd c;
    const char *f;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(bind_text(cases[i].body, false, &c, &f, a), TA_E_FIELD);
        assert_string_equal(f, cases[i].field);
    }
    arena_free(a);
}

static void overflow__whole_reals_bind_big_ones_fail_the_field(void **state)
{
    (void)state;
    struct arena *a = arena_new(1 << 16);
    struct cmd c;
    const char *f;
    /* The edge reparses a body with an integer beyond int64 as reals: a whole number still
     * binds, the huge one is the field at fault (not the body). */
    assert_int_equal(bind_text("{\"n\":4,\"x\":99999999999999999999}", true, &c, &f, a), TA_OK);
    assert_int_equal(c.n, 4);
    assert_int_equal(bind_text("{\"n\":99999999999999999999}", true, &c, &f, a), TA_E_FIELD);
    assert_string_equal(f, "n");
    int64_t v;
    json_t *s = json_string("123");
    assert_true(bind_int(s, &v));
    assert_int_equal(v, 123);
    json_decref(s);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(types__each_kind_bound),
        cmocka_unit_test(absent__null_and_empty_string_count_as_missing),
        cmocka_unit_test(bad__the_first_bad_field_is_named),
        cmocka_unit_test(overflow__whole_reals_bind_big_ones_fail_the_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
