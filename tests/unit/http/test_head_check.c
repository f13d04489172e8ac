/* tests/unit/http/test_head_check.c — the head gate's judgement, byte by byte: every prefix
 * of a good request waits for more (never refused early), every bad one is refused with the
 * status it deserves as soon as it can be, and the limits are the pool's. */
/* cmocka.h needs these four first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/head_check.h"

static const struct head_limits lim = {4096, 6144, UINT64_MAX};

static struct head_verdict judge(const char *s, size_t n)
{
    struct head_verdict v;
    head_check(s, n, &lim, &v);
    return v;
}

static void good__every_prefix_waits_then_good(void **state)
{
    (void)state;
    static const char *const good[] = {
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        "\r\nPOST /api/logout HTTP/1.0\r\ncompanyId: 1\r\nContent-Length: 2\r\n\r\n",
        "POST /x HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n\n",
        "GET /x?a=b%20c HTTP/1.1\r\nX-E:\r\nX-T:\tv \t\r\nX-O: \xc3\xa9\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        size_t n = strlen(good[i]);
        for (size_t k = 0; k < n; k++) {
            struct head_verdict v = judge(good[i], k);
            if (v.state != HEAD_MORE)
                fail_msg("head %zu refused at byte %zu of %zu (%s)", i, k, n, ta_err_name(v.why));
        }
        struct head_verdict v = judge(good[i], n);
        assert_int_equal(v.state, HEAD_GOOD);
        assert_int_equal(v.head_len, n);
    }
    struct head_verdict v = judge(good[1], strlen(good[1]));
    assert_int_equal(v.length, 2);
    assert_false(v.chunked);
    v = judge(good[2], strlen(good[2]));
    assert_true(v.chunked);
    assert_false(v.expect_100);
    const char *ask = "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                      "Expect: 100-Continue\r\n\r\n";
    v = judge(ask, strlen(ask));
    assert_true(v.chunked && v.expect_100);
}

static void expect(const char *s, size_t n, ta_err why)
{
    struct head_verdict v = judge(s, n);
    if (v.state != HEAD_REFUSED || v.why != why)
        fail_msg("%.*s: state %d %s, want %s", (int)n, s, v.state, ta_err_name(v.why),
                 ta_err_name(why));
}

#define BAD(s, why) expect(s, sizeof(s) - 1, why)

static void bad__refused_with_their_status(void **state)
{
    (void)state;
    BAD("GARBAGE\r\n\r\n", TA_E_FRAMING);
    BAD("\x16\x03\x01", TA_E_FRAMING); /* TLS on the plain port: refused at once */
    BAD("GET /x HTTP/2.0\r\n\r\n", TA_E_HTTP_VERSION);
    BAD("GET /x HTTPS/1.1\r\n", TA_E_FRAMING);
    BAD("GET /x HTTP/1.1\r\nX :a\r\n", TA_E_FRAMING);
    BAD("GET /x HTTP/1.1\r\nX: a\r\n b\r\n", TA_E_FRAMING);
    BAD("GET /x HTTP/1.1\r\nX: a\x01\r\n", TA_E_FRAMING);
    BAD("GET /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n", TA_E_FRAMING);
    BAD("GET /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", TA_E_FRAMING);
    BAD("GET /x HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", TA_E_TOO_LARGE);
    BAD("GET /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", TA_E_FRAMING);
    BAD("GET /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", TA_E_FRAMING);
    BAD("GET /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n", TA_E_FRAMING);
}

static void limits__414_431_at_the_pool_size(void **state)
{
    (void)state;
    char *s = malloc(8192);
    memcpy(s, "GET /", 5);
    memset(s + 5, 'a', 8000);
    expect(s, 4096, TA_E_URI_TOO_LONG); /* the target alone fills the limit */
    int n = snprintf(s, 8192, "GET / HTTP/1.1\r\nX: ");
    memset(s + n, 'b', 8000);
    expect(s, 4096, TA_E_HEAD_TOO_LARGE);
    /* Many short fields run out of the budget before the bytes do. */
    n = snprintf(s, 8192, "GET / HTTP/1.1\r\n");
    while (n < 2000)
        n += snprintf(s + n, 8192 - (size_t)n, "X-%d: v\r\n", n);
    snprintf(s + n, 8192 - (size_t)n, "\r\n");
    expect(s, strlen(s), TA_E_HEAD_TOO_LARGE);
    free(s);
}

/* The rules http/server.c applies again to heads libmicrohttpd read itself. */
static void fields__framing_rules_field_by_field(void **state)
{
    (void)state;
    struct head_fields f = {0};
    head_fields_add(&f, "Host", 4, "x", 1);
    head_fields_add(&f, "Content-Length", 14, " 2 ", 3);
    assert_int_equal(head_fields_framing(&f, false), TA_OK);
    assert_int_equal(f.length, 2);
    head_fields_add(&f, "Transfer-Encoding", 17, "chunked", 7);
    assert_int_equal(head_fields_framing(&f, false), TA_E_FRAMING);
    struct head_fields g = {0};
    head_fields_add(&g, "Transfer-Encoding ", 18, "chunked", 7); /* libmicrohttpd's key */
    assert_true(g.bad_name);
    assert_int_equal(head_fields_framing(&g, false), TA_E_FRAMING);
    struct head_fields h = {0};
    head_fields_add(&h, "Transfer-Encoding", 17, "chunked", 7);
    assert_int_equal(head_fields_framing(&h, false), TA_OK);
    assert_int_equal(head_fields_framing(&h, true), TA_E_FRAMING); /* HTTP/1.0 */
    head_fields_add(&h, "host", 4, "a", 1);
    head_fields_add(&h, "Host", 4, "b", 1);
    assert_int_equal(head_fields_framing(&h, false), TA_E_FRAMING);
}

static void chunks__framing_checked(void **state)
{
    (void)state;
    struct head_verdict v;
    const char ok[] = "2\r\n{}\r\n1;ext=1\r\n \r\n0\r\nX-T: 1\r\n\r\n";
    for (size_t k = 0; k < sizeof ok - 1; k++) {
        chunks_check(ok, k, 100, &v);
        assert_int_equal(v.state, HEAD_MORE);
    }
    chunks_check(ok, sizeof ok - 1, 100, &v);
    assert_int_equal(v.state, HEAD_GOOD);
    assert_int_equal(v.head_len, sizeof ok - 1);
    static const char *const bad[] = {"zz\r\n", "2 \r\n", "2\n{}\n", "1\r\n{}\r\n",
                                      "0\r\nX :1\r\n\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        chunks_check(bad[i], strlen(bad[i]), 100, &v);
        assert_int_equal(v.state, HEAD_REFUSED);
        assert_int_equal(v.why, TA_E_FRAMING);
    }
    chunks_check("65\r\n", 4, 100, &v); /* 0x65 = 101 bytes, over the 100 allowed */
    assert_int_equal(v.why, TA_E_TOO_LARGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good__every_prefix_waits_then_good),
        cmocka_unit_test(bad__refused_with_their_status),
        cmocka_unit_test(limits__414_431_at_the_pool_size),
        cmocka_unit_test(fields__framing_rules_field_by_field),
        cmocka_unit_test(chunks__framing_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
