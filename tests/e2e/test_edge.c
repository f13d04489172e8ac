/* tests/e2e/test_edge.c — what only a real socket shows (contract A1-A4, A6, A9): the four
 * prefix forms, methods, body parsing and its 64 KiB limit, header rules, CORS, languages
 * of msg and the trace echo. One server for the whole file; every test uses its own
 * customers and client addresses. */
#include "support/e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One server for the whole file (e2e_group_setup / e2e_group_teardown). */
#define srv e2e_group_server

/* A fresh customer's access token (registered by email with a password). */
static void fresh_token(char token[128])
{
    char email[96];
    e2e_email(email, "edge");
    json_t *data = E2E_REGISTER_EMAIL(srv, email, E2E_PWD);
    snprintf(token, 128, "%s", E2E_STR(data, "token"));
    json_decref(data);
}

static const char *data_token(const struct e2e_resp *r)
{
    return json_string_value(json_object_get(json_object_get(r->json, "data"), "token"));
}

/* ---- A1: paths and methods --------------------------------------------------------------- */

static void paths__four_prefix_forms__reach_the_same_handler(void **state)
{
    (void)state;
    char token[128];
    fresh_token(token);
    static const char *const prefixes[] = {"/api/cats-gateway", "/cats-gateway", "/api", ""};
    for (size_t i = 0; i < 4; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/global/" E2E_CWS "findCustomerInfo", prefixes[i]);
        struct e2e_opts o = {.token = token};
        struct e2e_resp r = e2e_call(srv, path, "{}", &o);
        E2E_EXPECT(r, 200, "0");
        assert_string_equal(data_token(&r), token);
        e2e_resp_free(&r);
    }
}

static void paths__prefixes_in_the_wrong_order_or_twice__are_unknown_routes(void **state)
{
    (void)state;
    static const char *const bad[] = {"/cats-gateway/api/logout", "/api/api/logout",
                                      "/cats-gateway/cats-gateway/logout",
                                      "/api/cats-gateway/api/logout", "/apilogout"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct e2e_resp r = e2e_call(srv, bad[i], "{}", NULL);
        E2E_EXPECT(r, 404, "GATEWAY_CODE_404");
        e2e_resp_free(&r);
    }
}

static void paths__unknown_route__404_with_envelope(void **state)
{
    (void)state;
    static const char *const unknown[] = {
        "/api/cats-gateway/global/customer.app.CustomerWebApiService.noSuchMethod",
        "/cats-gateway/global/nothing",
        "/api/nothing",
        "/nothing",
        "/",
        "/global/" E2E_CWS "login" /* login lives in zone /login, not /global */};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        struct e2e_resp r = e2e_call(srv, unknown[i], "{}", NULL);
        E2E_EXPECT(r, 404, "GATEWAY_CODE_404");
        e2e_resp_free(&r);
    }
    /* Also without any header at all: the route is looked at first. */
    struct e2e_opts o = {.company = E2E_OMIT};
    struct e2e_resp r = e2e_call(srv, "/api/x", NULL, &o);
    E2E_EXPECT(r, 404, "GATEWAY_CODE_404");
    e2e_resp_free(&r);
}

static void paths__other_methods_on_a_known_route__405_with_envelope_003(void **state)
{
    (void)state;
    static const char *const methods[] = {"GET", "PUT", "DELETE", "PATCH"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        struct e2e_opts o = {.method = methods[i]};
        struct e2e_resp r = e2e_call(srv, E2E_LOGOUT, NULL, &o);
        E2E_EXPECT(r, 405, "GATEWAY_CODE_003");
        e2e_resp_free(&r);
        struct e2e_resp r2 = e2e_call(srv, E2E_INFO, NULL, &o);
        E2E_EXPECT(r2, 405, "GATEWAY_CODE_003");
        e2e_resp_free(&r2);
    }
}

static void ops__healthz__answers_with_cors(void **state)
{
    (void)state;
    struct e2e_opts o = {.method = "GET", .company = E2E_OMIT};
    struct e2e_resp r = e2e_call(srv, "/healthz", NULL, &o);
    assert_int_equal(r.status, 200);
    char hv[64];
    assert_non_null(e2e_header(&r, "Access-Control-Allow-Origin", hv, sizeof hv));
    assert_string_equal(hv, "*");
    e2e_resp_free(&r);
}

/* ---- A2: the body ---------------------------------------------------------------------- */

static void body__json_under_any_content_type__is_parsed(void **state)
{
    (void)state;
    static const char *const types[] = {"application/x-www-form-urlencoded;charset=UTF-8",
                                        "application/json;charset=utf-8", "text/plain", E2E_OMIT};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        char email[96], body[256];
        e2e_email(email, "ctype");
        snprintf(body, sizeof body,
                 "{\"bizType\":\"EMAIL_REGISTER_VERIFICATION_CODE\",\"toUser\":\"%s\"}", email);
        struct e2e_opts o = {.content_type = types[i]};
        struct e2e_resp r = e2e_call(srv, E2E_SEND, body, &o);
        E2E_EXPECT(r, 200, "0");
        e2e_resp_free(&r);
        char code[7];
        E2E_WAIT_CODE(srv, email, code);
    }
    /* A whole login through the form content type, as the web client sends it. */
    char email[96];
    e2e_email(email, "form");
    json_t *data = E2E_REGISTER_EMAIL(srv, email, E2E_PWD);
    json_decref(data);
    char body[512];
    snprintf(body, sizeof body,
             "{\"type\":\"1\",\"loginName\":\"%s\",\"loginPwd\":\"%s\",\"device\":\"1\"}", email,
             E2E_PWD);
    struct e2e_opts o = {.content_type = "application/x-www-form-urlencoded;charset=UTF-8"};
    struct e2e_resp r = e2e_call(srv, E2E_LOGIN, body, &o);
    E2E_EXPECT(r, 200, "0");
    E2E_CHECK_CUSTOMER(json_object_get(r.json, "data"), E2E_RTOKEN_STRING);
    e2e_resp_free(&r);
}

static void body__empty__means_an_empty_object(void **state)
{
    (void)state;
    char token[128];
    fresh_token(token);
    struct e2e_opts o = {.token = token};
    struct e2e_resp r = e2e_call(srv, E2E_INFO, NULL, &o);
    E2E_EXPECT(r, 200, "0");
    assert_string_equal(data_token(&r), token);
    e2e_resp_free(&r);
    /* Empty body where a field is required: a field error, not a malformed request. */
    struct e2e_resp r2 = e2e_call(srv, E2E_SEND, NULL, NULL);
    E2E_EXPECT_PARAMS(r2, 200, "CUSTOMER_API_0000100", "bizType");
    e2e_resp_free(&r2);
}

static void body__not_a_json_object__003(void **state)
{
    (void)state;
    static const char *const bodies[] = {"[]",   "\"x\"", "{bad",        "1",
                                         "null", "true",  "{\"a\":1} x", "{\"type\":1,\"type\":2}"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        struct e2e_resp r = e2e_call(srv, E2E_LOGIN, bodies[i], NULL);
        E2E_EXPECT(r, 200, "GATEWAY_CODE_003");
        e2e_resp_free(&r);
        struct e2e_resp r2 = e2e_call(srv, E2E_LOGOUT, bodies[i], NULL);
        E2E_EXPECT(r2, 200, "GATEWAY_CODE_003");
        e2e_resp_free(&r2);
    }
}

/* A JSON object of exactly n bytes: {"pad":"xxx..."} */
static char *object_of(size_t n)
{
    char *b = malloc(n + 1);
    assert_non_null(b);
    memset(b, 'x', n);
    memcpy(b, "{\"pad\":\"", 8);
    b[n - 2] = '"';
    b[n - 1] = '}';
    b[n] = '\0';
    return b;
}

static void body__over_64_kib__413_with_envelope_003(void **state)
{
    (void)state;
    char *at_limit = object_of(65536);
    struct e2e_resp ok = e2e_call(srv, E2E_LOGOUT, at_limit, NULL);
    E2E_EXPECT(ok, 200, "0");
    e2e_resp_free(&ok);
    free(at_limit);

    char *over = object_of(65537);
    struct e2e_resp r = e2e_call(srv, E2E_LOGOUT, over, NULL);
    E2E_EXPECT(r, 413, "GATEWAY_CODE_003");
    e2e_resp_free(&r);
    /* Without a Content-Length the limit still holds. */
    struct e2e_opts chunked = {.chunked = true};
    struct e2e_resp r2 = e2e_call(srv, E2E_LOGOUT, over, &chunked);
    E2E_EXPECT(r2, 413, "GATEWAY_CODE_003");
    e2e_resp_free(&r2);
    free(over);
    /* The server still answers normally afterwards. */
    struct e2e_resp r3 = e2e_call(srv, E2E_LOGOUT, "{}", NULL);
    E2E_EXPECT(r3, 200, "0");
    e2e_resp_free(&r3);
}

static void body__unknown_fields__are_ignored(void **state)
{
    (void)state;
    char email[96];
    e2e_email(email, "extras");
    struct e2e_resp r =
        e2e_callj(srv, E2E_SEND,
                  json_pack("{s:s,s:s,s:s,s:s,s:b,s:{},s:I,s:s,s:s}", "bizType",
                            "EMAIL_REGISTER_VERIFICATION_CODE", "toUser", email, "protocol",
                            "https", "emailArea", "1", "mobileReg", 1, "params", "timestamp",
                            (json_int_t)1700000000000, "signature", "ABCDEF", "country", "CN"),
                  NULL);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
}

/* ---- A3: headers --------------------------------------------------------------------- */

static void headers__company_missing_unknown_or_null__002(void **state)
{
    (void)state;
    static const char *const bad[] = {E2E_OMIT, "", "999", "null", "abc", "0", "-1", "1.0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct e2e_opts o = {.company = bad[i]};
        struct e2e_resp r = e2e_call(srv, E2E_LOGOUT, "{}", &o);
        E2E_EXPECT(r, 200, "GATEWAY_CODE_002");
        e2e_resp_free(&r);
        struct e2e_resp r2 = e2e_call(srv, E2E_INFO, "{}", &o);
        E2E_EXPECT(r2, 200, "GATEWAY_CODE_002");
        e2e_resp_free(&r2);
    }
    /* Header names match case-insensitively. */
    struct e2e_opts o = {.company = E2E_OMIT, .headers = E2E_ARGS("COMPANYID: 1")};
    struct e2e_resp r = e2e_call(srv, E2E_LOGOUT, "{}", &o);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
}

static void headers__value_over_256_bytes__003(void **state)
{
    (void)state;
    char v256[257], v257[258];
    memset(v256, '7', 256);
    v256[256] = '\0';
    memset(v257, '7', 257);
    v257[257] = '\0';
    char h256[300], h257[300];
    snprintf(h256, sizeof h256, "timestamp: %s", v256);
    snprintf(h257, sizeof h257, "timestamp: %s", v257);

    struct e2e_opts ok = {.headers = E2E_ARGS(h256)};
    struct e2e_resp r = e2e_call(srv, E2E_LOGOUT, "{}", &ok);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);

    struct e2e_opts too_long = {.headers = E2E_ARGS(h257)};
    struct e2e_resp r2 = e2e_call(srv, E2E_LOGOUT, "{}", &too_long);
    E2E_EXPECT(r2, 200, "GATEWAY_CODE_003");
    e2e_resp_free(&r2);

    /* A long token is a bad header, not an unknown token. */
    struct e2e_opts tok = {.token = v257};
    struct e2e_resp r3 = e2e_call(srv, E2E_INFO, "{}", &tok);
    E2E_EXPECT(r3, 200, "GATEWAY_CODE_003");
    e2e_resp_free(&r3);

    /* A long trace: 003, and the envelope carries a generated trace instead. */
    struct e2e_opts tr = {.trace = v257};
    struct e2e_resp r4 = e2e_call(srv, E2E_LOGOUT, "{}", &tr);
    E2E_EXPECT(r4, 200, "GATEWAY_CODE_003");
    assert_true(e2e_generated_trace(json_string_value(json_object_get(r4.json, "trace"))));
    e2e_resp_free(&r4);
}

static void headers__version_other_than_0_0_1__006(void **state)
{
    (void)state;
    struct e2e_opts bad = {.version = "9.9.9"};
    struct e2e_resp r = e2e_call(srv, E2E_LOGOUT, "{}", &bad);
    E2E_EXPECT(r, 200, "GATEWAY_CODE_006");
    e2e_resp_free(&r);
    struct e2e_opts good = {.version = "0.0.1"};
    struct e2e_resp r2 = e2e_call(srv, E2E_LOGOUT, "{}", &good);
    E2E_EXPECT(r2, 200, "0");
    e2e_resp_free(&r2);
    char token[128];
    fresh_token(token);
    struct e2e_opts bad_tok = {.version = "1.0.0", .token = token};
    struct e2e_resp r3 = e2e_call(srv, E2E_INFO, "{}", &bad_tok);
    E2E_EXPECT(r3, 200, "GATEWAY_CODE_006");
    e2e_resp_free(&r3);
    struct e2e_opts good_tok = {.version = "0.0.1", .token = token};
    struct e2e_resp r4 = e2e_call(srv, E2E_INFO, "{}", &good_tok);
    E2E_EXPECT(r4, 200, "0");
    e2e_resp_free(&r4);
}

static void headers__timestamp_and_group__are_ignored(void **state)
{
    (void)state;
    char token[128];
    fresh_token(token);
    struct e2e_opts o = {.token = token,
                         .headers = E2E_ARGS("timestamp: 1700000000000", "group: anything")};
    struct e2e_resp r = e2e_call(srv, E2E_INFO, "{}", &o);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
}

/* ---- A4: trace ---------------------------------------------------------------------- */

static void trace__sent__is_echoed_on_success_and_failure(void **state)
{
    (void)state;
    struct e2e_opts o = {.trace = "web-7f3a-0001"};
    struct e2e_resp r = e2e_call(srv, E2E_LOGOUT, "{}", &o);
    E2E_EXPECT(r, 200, "0");
    assert_string_equal(json_string_value(json_object_get(r.json, "trace")), "web-7f3a-0001");
    e2e_resp_free(&r);
    struct e2e_resp r2 = e2e_call(srv, E2E_INFO, "{}", &o);
    E2E_EXPECT(r2, 200, "GATEWAY_CODE_001");
    assert_string_equal(json_string_value(json_object_get(r2.json, "trace")), "web-7f3a-0001");
    e2e_resp_free(&r2);
    struct e2e_resp r3 = e2e_call(srv, "/api/nope", "{}", &o);
    E2E_EXPECT(r3, 404, "GATEWAY_CODE_404");
    assert_string_equal(json_string_value(json_object_get(r3.json, "trace")), "web-7f3a-0001");
    e2e_resp_free(&r3);
}

static void trace__missing_or_empty__is_generated_x_uuid_ms(void **state)
{
    (void)state;
    struct e2e_opts none = {.trace = E2E_OMIT};
    struct e2e_resp a = e2e_call(srv, E2E_LOGOUT, "{}", &none);
    E2E_EXPECT(a, 200, "0");
    struct e2e_resp b = e2e_call(srv, E2E_LOGOUT, "{}", &none);
    E2E_EXPECT(b, 200, "0");
    const char *ta = json_string_value(json_object_get(a.json, "trace"));
    const char *tb = json_string_value(json_object_get(b.json, "trace"));
    assert_true(e2e_generated_trace(ta));
    assert_true(e2e_generated_trace(tb));
    assert_string_not_equal(ta, tb);
    e2e_resp_free(&a);
    e2e_resp_free(&b);
    struct e2e_opts empty = {.trace = ""};
    struct e2e_resp c = e2e_call(srv, E2E_INFO, "{}", &empty);
    E2E_EXPECT(c, 200, "GATEWAY_CODE_001");
    assert_true(e2e_generated_trace(json_string_value(json_object_get(c.json, "trace"))));
    e2e_resp_free(&c);
}

/* ---- A6: CORS ------------------------------------------------------------------------- */

/* True when list (comma separated) holds item, case-insensitively. */
static bool list_has(const char *list, const char *item)
{
    size_t n = strlen(item);
    for (const char *p = list; *p != '\0';) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t len = strcspn(p, ",");
        while (len > 0 && p[len - 1] == ' ')
            len--;
        if (len == n && strncasecmp(p, item, n) == 0)
            return true;
        p += strcspn(p, ",");
    }
    return false;
}

static void cors__preflight_without_auth__204_with_allow_headers(void **state)
{
    (void)state;
    struct e2e_opts o = {
        .method = "OPTIONS",
        .company = E2E_OMIT,
        .trace = E2E_OMIT,
        .xff = E2E_OMIT,
        .content_type = E2E_OMIT,
        .headers =
            E2E_ARGS("Origin: https://app.example.com", "Access-Control-Request-Method: POST",
                     "Access-Control-Request-Headers: token,trace,x-app-build,companyid")};
    static const char *const routes[] = {E2E_INFO, E2E_LOGIN, "/logout",
                                         "/global/" E2E_CWS "findCustomerInfo"};
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        struct e2e_resp r = e2e_call(srv, routes[i], NULL, &o);
        assert_int_equal(r.status, 204);
        assert_int_equal(r.body_len, 0);
        char hv[1024];
        assert_non_null(e2e_header(&r, "Access-Control-Allow-Origin", hv, sizeof hv));
        assert_string_equal(hv, "*");
        assert_non_null(e2e_header(&r, "Access-Control-Allow-Methods", hv, sizeof hv));
        assert_string_equal(hv, "POST, GET, OPTIONS");
        assert_non_null(e2e_header(&r, "Access-Control-Max-Age", hv, sizeof hv));
        assert_string_equal(hv, "600");
        assert_non_null(e2e_header(&r, "Access-Control-Allow-Headers", hv, sizeof hv));
        static const char *const want[] = {"token", "trace",        "timestamp",
                                           "lang",  "companyId",    "version",
                                           "group", "content-type", "x-app-build"};
        for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
            if (!list_has(hv, want[k]))
                fail_msg("Access-Control-Allow-Headers \"%s\" lacks %s", hv, want[k]);
        }
        e2e_resp_free(&r);
    }
}

static void cors__every_answer__carries_allow_origin(void **state)
{
    (void)state;
    /* E2E_EXPECT checks the header on each of these: success, 001, 002, 003, 404, 405, 413. */
    struct e2e_resp a = e2e_call(srv, E2E_LOGOUT, "{}", NULL);
    E2E_EXPECT(a, 200, "0");
    struct e2e_resp b = e2e_call(srv, E2E_INFO, "{}", NULL);
    E2E_EXPECT(b, 200, "GATEWAY_CODE_001");
    struct e2e_opts nc = {.company = E2E_OMIT};
    struct e2e_resp c = e2e_call(srv, E2E_INFO, "{}", &nc);
    E2E_EXPECT(c, 200, "GATEWAY_CODE_002");
    struct e2e_resp d = e2e_call(srv, E2E_INFO, "[]", NULL);
    E2E_EXPECT(d, 200, "GATEWAY_CODE_003");
    struct e2e_resp e = e2e_call(srv, "/x", "{}", NULL);
    E2E_EXPECT(e, 404, "GATEWAY_CODE_404");
    struct e2e_opts get = {.method = "GET"};
    struct e2e_resp f = e2e_call(srv, E2E_LOGIN, NULL, &get);
    E2E_EXPECT(f, 405, "GATEWAY_CODE_003");
    char *big = object_of(70000);
    struct e2e_resp g = e2e_call(srv, E2E_LOGIN, big, NULL);
    E2E_EXPECT(g, 413, "GATEWAY_CODE_003");
    free(big);
    struct e2e_resp *all[] = {&a, &b, &c, &d, &e, &f, &g};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        e2e_resp_free(all[i]);
}

/* ---- A9: languages -------------------------------------------------------------------- */

/* Characters that exist only in one script: a zh-HK text must use the traditional forms,
 * a zh-CN text the simplified ones. */
static const char *const simplified[] = {"请", "录", "证", "码", "验", "过", "无", "账", "帐",
                                         "户", "该", "这", "错", "误", "时", "间", "发", "们",
                                         "对", "为", "数", "类", "册", "频", "败", "锁", NULL};
static const char *const traditional[] = {"請", "錄", "證", "碼", "驗", "過", "無", "賬", "帳",
                                          "戶", "該", "這", "錯", "誤", "時", "間", "發", "們",
                                          "對", "為", "數", "類", "冊", "頻", "敗", "鎖", NULL};

static int count_of(const char *text, const char *const *chars)
{
    int n = 0;
    for (size_t i = 0; chars[i] != NULL; i++)
        if (strstr(text, chars[i]) != NULL)
            n++;
    return n;
}

static bool ascii(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

/* The msg of one request to path/body with the given lang header (NULL: none). */
static char *msg_of(const char *path, const char *body, const char *company, const char *lang,
                    long status, const char *code)
{
    struct e2e_opts o = {.lang = lang, .company = company};
    struct e2e_resp r = e2e_call(srv, path, body, &o);
    E2E_EXPECT(r, status, code);
    char *m = strdup(json_string_value(json_object_get(r.json, "msg")));
    e2e_resp_free(&r);
    return m;
}

static void lang__same_error__three_languages(void **state)
{
    (void)state;
    struct {
        const char *path, *body, *company;
        long status;
        const char *code;
    } cases[] = {
        {E2E_INFO, "{}", NULL, 200, "GATEWAY_CODE_001"},
        {E2E_INFO, "{}", "999", 200, "GATEWAY_CODE_002"},
        {"/nope", "{}", NULL, 404, "GATEWAY_CODE_404"},
        {E2E_SEND, "{\"bizType\":\"NOPE\",\"toUser\":\"a@b.cd\"}", NULL, 200,
         "MESSAGE_API_0000206"},
        {E2E_LOGIN,
         "{\"type\":1,\"loginName\":\"nobody@example.com\",\"device\":1,"
         "\"verifyCode\":\"123456\",\"sendToken\":\"x\"}", /* code login: no lock count */
         NULL, 200, "CUSTOMER_API_0000102"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *en = msg_of(cases[i].path, cases[i].body, cases[i].company, "en-US", cases[i].status,
                          cases[i].code);
        char *cn = msg_of(cases[i].path, cases[i].body, cases[i].company, "zh-CN", cases[i].status,
                          cases[i].code);
        char *hk = msg_of(cases[i].path, cases[i].body, cases[i].company, "zh-HK", cases[i].status,
                          cases[i].code);
        assert_true(ascii(en));
        assert_false(ascii(cn));
        assert_false(ascii(hk));
        assert_string_not_equal(en, cn);
        assert_string_not_equal(en, hk);
        assert_string_not_equal(cn, hk);
        if (count_of(hk, traditional) == 0 || count_of(hk, simplified) != 0)
            fail_msg("%s zh-HK \"%s\" is not in traditional characters", cases[i].code, hk);
        if (count_of(cn, simplified) == 0 || count_of(cn, traditional) != 0)
            fail_msg("%s zh-CN \"%s\" is not in simplified characters", cases[i].code, cn);

        /* Tags compare case-insensitively; en/zh map; anything else is en-US. */
        static const struct {
            const char *tag;
            int want; /* 0 en, 1 cn, 2 hk */
        } tags[] = {{NULL, 0}, {"null", 0}, {"fr-FR", 0}, {"xx", 0},    {"EN-us", 0},
                    {"en", 0}, {"zh", 1},   {"ZH-cn", 1}, {"zh-hk", 2}, {"ZH-HK", 2}};
        for (size_t k = 0; k < sizeof tags / sizeof tags[0]; k++) {
            char *m = msg_of(cases[i].path, cases[i].body, cases[i].company, tags[k].tag,
                             cases[i].status, cases[i].code);
            const char *want = tags[k].want == 0 ? en : tags[k].want == 1 ? cn : hk;
            if (strcmp(m, want) != 0)
                fail_msg("lang \"%s\" gave \"%s\", want \"%s\"", tags[k].tag ? tags[k].tag : "-", m,
                         want);
            free(m);
        }
        free(en);
        free(cn);
        free(hk);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(paths__four_prefix_forms__reach_the_same_handler),
        cmocka_unit_test(paths__prefixes_in_the_wrong_order_or_twice__are_unknown_routes),
        cmocka_unit_test(paths__unknown_route__404_with_envelope),
        cmocka_unit_test(paths__other_methods_on_a_known_route__405_with_envelope_003),
        cmocka_unit_test(ops__healthz__answers_with_cors),
        cmocka_unit_test(body__json_under_any_content_type__is_parsed),
        cmocka_unit_test(body__empty__means_an_empty_object),
        cmocka_unit_test(body__not_a_json_object__003),
        cmocka_unit_test(body__over_64_kib__413_with_envelope_003),
        cmocka_unit_test(body__unknown_fields__are_ignored),
        cmocka_unit_test(headers__company_missing_unknown_or_null__002),
        cmocka_unit_test(headers__value_over_256_bytes__003),
        cmocka_unit_test(headers__version_other_than_0_0_1__006),
        cmocka_unit_test(headers__timestamp_and_group__are_ignored),
        cmocka_unit_test(trace__sent__is_echoed_on_success_and_failure),
        cmocka_unit_test(trace__missing_or_empty__is_generated_x_uuid_ms),
        cmocka_unit_test(cors__preflight_without_auth__204_with_allow_headers),
        cmocka_unit_test(cors__every_answer__carries_allow_origin),
        cmocka_unit_test(lang__same_error__three_languages),
    };
    return cmocka_run_group_tests(tests, e2e_group_setup, e2e_group_teardown);
}
