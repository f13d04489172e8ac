/* tests/e2e/test_sealed.c — encrypted request bodies (contract C19) through the real binary,
 * with the web client's own encryption (support/sealed_client.c): company 1 has a 2048-bit
 * key given as PEM and accepts plain bodies too; company 3 (twin 4) has a 1024-bit key given
 * as base64 PKCS#8 DER and requires encryption. Sign-up, login and token routes work
 * encrypted; every malformed body answers GATEWAY_CODE_003 and changes nothing. */
#include "support/e2e.h"
#include "support/sealed_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R_LANG E2E_PREFIX "/global/" E2E_CWS "changeLang"
#define R_SWITCH E2E_PREFIX "/thirdExt/switchAccount"
#define BIZ_REG "EMAIL_REGISTER_VERIFICATION_CODE"

static struct e2e_server *srv;
static EVP_PKEY *key1, *key3, *stranger;

static int setup(void **state)
{
    (void)state;
    srv = e2e_server_new();
    char pem[512], b64[512], unused[512];
    key1 = sealed_keygen(2048, srv->dir, "company1", pem, b64);
    key3 = sealed_keygen(1024, srv->dir, "company3", unused, b64);
    stranger = sealed_keygen(1024, srv->dir, "stranger", unused, unused);
    static char out[8192];
    int rc =
        e2e_cli(srv, out, sizeof out, E2E_ARGS("company", "set", "1", "--rsa-private-key", pem));
    if (rc != 0 || strstr(out, "RSA 2048-bit key, plain bodies accepted too") == NULL)
        fail_msg("company set 1 exited %d: %s", rc, out);
    rc = e2e_cli(srv, out, sizeof out, E2E_ARGS("company", "add", "--name", "Sealed"));
    if (rc != 0)
        fail_msg("company add exited %d: %s", rc, out);
    rc = e2e_cli(
        srv, out, sizeof out,
        E2E_ARGS("company", "set", "3", "--rsa-private-key", b64, "--require-encryption", "on"));
    if (rc != 0 || strstr(out, "RSA 1024-bit key, required") == NULL)
        fail_msg("company set 3 exited %d: %s", rc, out);
    e2e_server_start(srv, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    e2e_server_stop(srv);
    e2e_server_free(srv);
    EVP_PKEY_free(key1);
    EVP_PKEY_free(key3);
    EVP_PKEY_free(stranger);
    return 0;
}

/* A call with body text, the timestamp header ts (<0: none), an encrypted client's trace. */
static struct e2e_resp call_raw(const char *path, const char *company, const char *token,
                                const char *body, long long ts)
{
    char hdr[64];
    snprintf(hdr, sizeof hdr, "timestamp: %lld", ts);
    const char *const with[] = {hdr, NULL};
    struct e2e_opts o = {.company = company, .token = token, .headers = ts >= 0 ? with : NULL};
    return e2e_call(srv, path, body, &o);
}

/* params (consumed) encrypted for key as the client does at now. */
static struct e2e_resp call_sealed(const char *path, const char *company, EVP_PKEY *key,
                                   const char *token, json_t *params)
{
    assert_non_null(params);
    long long ts = sealed_now_ms();
    char *body = sealed_body(key, params, ts);
    json_decref(params);
    struct e2e_resp r = call_raw(path, company, token, body, ts);
    free(body);
    return r;
}

/* A REGISTER code for email in company, asked for encrypted; sendToken and code out. */
static void sealed_code(const char *company, EVP_PKEY *key, const char *email, char tok[100],
                        char code[7])
{
    struct e2e_resp r = call_sealed(E2E_SEND, company, key, NULL,
                                    json_pack("{s:s,s:s}", "bizType", BIZ_REG, "toUser", email));
    E2E_EXPECT(r, 200, "0");
    snprintf(tok, 100, "%s", E2E_STR(json_object_get(r.json, "data"), "token"));
    e2e_resp_free(&r);
    E2E_WAIT_CODE(srv, email, code);
}

static json_t *register_params(const char *email, const char *tok, const char *code)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "type", "1", "loginName", email,
                     "country", "CN", "verifyCode", code, "sendToken", tok, "registerSource", "1",
                     "pwd", E2E_PWD, "emailArea", "");
}

static long long count(const char *sql)
{
    return e2e_sql_int(srv, sql);
}

/* ---- served encrypted ------------------------------------------------------------- */

static void sealed__register_login_token_routes__served(void **state)
{
    (void)state;
    char email[96], tok[100], code[7];
    e2e_email(email, "sealed");
    sealed_code("1", key1, email, tok, code);
    struct e2e_resp r =
        call_sealed(E2E_REGISTER, "1", key1, NULL, register_params(email, tok, code));
    E2E_EXPECT(r, 200, "0");
    E2E_CHECK_REGISTER(json_object_get(r.json, "data"));
    e2e_resp_free(&r);

    r = call_sealed(E2E_LOGIN, "1", key1, NULL,
                    json_pack("{s:i,s:s,s:s,s:i}", "type", 1, "loginName", email, "loginPwd",
                              E2E_PWD, "device", 2));
    E2E_EXPECT(r, 200, "0");
    char token[128];
    snprintf(token, sizeof token, "%s", E2E_STR(json_object_get(r.json, "data"), "token"));
    e2e_resp_free(&r);

    /* Token routes: a body with fields, and the empty one the client also encrypts. */
    r = call_sealed(R_LANG, "1", key1, token, json_pack("{s:s}", "newLang", "zh-HK"));
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    r = call_sealed(E2E_INFO, "1", key1, token, json_object());
    E2E_EXPECT(r, 200, "0");
    E2E_CHECK_CUSTOMER(json_object_get(r.json, "data"), E2E_RTOKEN_NULL);
    assert_string_equal(E2E_STR(json_object_get(r.json, "data"), "token"), token);
    assert_true(json_integer_value(
                    json_object_get(json_object_get(r.json, "data"), "relationCustomerId")) > 0);
    e2e_resp_free(&r);
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM customers WHERE email = '%s' AND lang = 'zh-HK'", email);
    assert_int_equal(count(sql), 1);
    /* Company 1 does not require it: the same flow in clear still works. */
    r = e2e_login(srv, 1, email, NULL, E2E_PWD, NULL);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
}

static void required__base64_der_key__encrypted_served_plain_refused(void **state)
{
    (void)state;
    char email[96], tok[100], code[7];
    e2e_email(email, "required");
    /* Plain: refused before anything happens, even the code send. */
    struct e2e_resp r = call_raw(E2E_SEND, "3", NULL,
                                 "{\"bizType\":\"" BIZ_REG "\",\"toUser\":\"x@example.com\"}", -1);
    E2E_EXPECT(r, 200, "GATEWAY_CODE_003");
    e2e_resp_free(&r);
    sealed_code("3", key3, email, tok, code);
    json_t *params = register_params(email, tok, code);
    char *plain = json_dumps(params, JSON_COMPACT);
    json_decref(params);
    r = call_raw(E2E_REGISTER, "3", NULL, plain, -1);
    free(plain);
    E2E_EXPECT(r, 200, "GATEWAY_CODE_003");
    e2e_resp_free(&r);
    r = call_sealed(E2E_REGISTER, "3", key3, NULL, register_params(email, tok, code));
    E2E_EXPECT(r, 200, "0");
    char token[128];
    snprintf(token, sizeof token, "%s", E2E_STR(json_object_get(r.json, "data"), "token"));
    e2e_resp_free(&r);
    r = call_raw(E2E_INFO, "3", token, "{}", -1);
    E2E_EXPECT(r, 200, "GATEWAY_CODE_003");
    e2e_resp_free(&r);
    r = call_sealed(E2E_INFO, "3", key3, token, json_object());
    E2E_EXPECT(r, 200, "0");
    assert_int_equal(json_integer_value(
                         json_object_get(json_object_get(r.json, "data"), "associationCompanyId")),
                     4);
    e2e_resp_free(&r);
    /* The gateway check (C20) is a proxy's sub-request without a body: never encrypted. */
    struct e2e_opts g = {.method = "GET", .company = "3", .token = token};
    r = e2e_call(srv, "/auth/check", NULL, &g);
    assert_int_equal(r.status, 200);
    e2e_resp_free(&r);
    /* Company 1's key does not open company 3's bodies. */
    r = call_sealed(E2E_INFO, "3", key1, token, json_object());
    E2E_EXPECT(r, 200, "GATEWAY_CODE_003");
    e2e_resp_free(&r);
}

/* ---- every failure: GATEWAY_CODE_003 and nothing changed ------------------------------ */

/* A register body of company 1 that must fail; the customer must not exist after it. */
static void expect_refused(const char *email, const char *body, long long ts)
{
    struct e2e_resp r = call_raw(E2E_REGISTER, "1", NULL, body, ts);
    E2E_EXPECT(r, 200, "GATEWAY_CODE_003");
    e2e_resp_free(&r);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM customers WHERE email = '%s'", email);
    assert_int_equal(count(sql), 0);
}

static void failures__each_003__nothing_changed__code_still_usable(void **state)
{
    (void)state;
    char email[96], tok[100], code[7];
    e2e_email(email, "broken");
    sealed_code("1", key1, email, tok, code);
    json_t *p = register_params(email, tok, code);
    long long now = sealed_now_ms();
    char body[8192];

    /* Bad base64, and a piece that does not decrypt (another key). */
    expect_refused(email, "{\"data\":\"not*base64,AAAA\"}", now);
    char *b = sealed_body(stranger, p, now);
    expect_refused(email, b, now);
    free(b);
    /* Bad percent-encoding inside the encrypted text. */
    char *pieces = sealed_pieces(key1, "%7B%22type%22%3A%221%22%ZZ%7D");
    snprintf(body, sizeof body, "{\"data\":\"%s\"}", pieces);
    free(pieces);
    expect_refused(email, body, now);
    /* Not JSON, and not an object. */
    pieces = sealed_pieces(key1, "%5B1%2C2%5D");
    snprintf(body, sizeof body, "{\"data\":\"%s\"}", pieces);
    free(pieces);
    expect_refused(email, body, now);
    /* Wrong signature; none; keys sorted by byte order instead of localeCompare. */
    b = sealed_body_signed(key1, p, now, "0123456789ABCDEF0123456789ABCDEF");
    expect_refused(email, b, now);
    free(b);
    b = sealed_body_signed(key1, p, now, NULL);
    expect_refused(email, b, now);
    free(b);
    json_t *cased = json_deep_copy(p);
    json_object_set_new(cased, "ab", json_string("1"));
    json_object_set_new(cased, "Ab", json_string("2"));
    json_object_set_new(cased, "aB", json_string("3"));
    /* Numbers are signed as JavaScript writes them; empty strings and booleans are not. */
    json_object_set_new(cased, "ratio", json_real(1.5));
    json_object_set_new(cased, "count", json_integer(7));
    json_object_set_new(cased, "blank", json_string(""));
    json_object_set_new(cased, "flag", json_true());
    char *ascii = sealed_sign_text(cased, now, 1), md5[33];
    sealed_md5(ascii, md5);
    free(ascii);
    b = sealed_body_signed(key1, cased, now, md5);
    expect_refused(email, b, now);
    free(b);
    /* The header is what is signed: another header, or none, fails. */
    b = sealed_body(key1, p, now);
    expect_refused(email, b, now + 1);
    expect_refused(email, b, -1);
    free(b);
    /* Stale and future timestamps (window 5 minutes), even when signed right. */
    long long old = now - 301000, ahead = now + 301000;
    b = sealed_body(key1, p, old);
    expect_refused(email, b, old);
    free(b);
    b = sealed_body(key1, p, ahead);
    expect_refused(email, b, ahead);
    free(b);

    /* After all that the code still registers, here with keys differing only by case,
     * signed in localeCompare order as the client does. */
    b = sealed_body(key1, cased, now);
    struct e2e_resp r = call_raw(E2E_REGISTER, "1", NULL, b, now);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    /* The same request again is a replay. */
    r = call_raw(E2E_REGISTER, "1", NULL, b, now);
    E2E_EXPECT(r, 200, "GATEWAY_CODE_003");
    e2e_resp_free(&r);
    free(b);
    json_decref(cased);
    json_decref(p);
}

static void replay__login__second_refused_no_second_session(void **state)
{
    (void)state;
    char email[96];
    e2e_email(email, "replay");
    json_decref(E2E_REGISTER_EMAIL(srv, email, E2E_PWD));
    json_t *p = json_pack("{s:i,s:s,s:s,s:i}", "type", 1, "loginName", email, "loginPwd", E2E_PWD,
                          "device", 2);
    long long ts = sealed_now_ms();
    char *b = sealed_body(key1, p, ts);
    json_decref(p);
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM sessions s JOIN customers c ON s.customer_id = c.id "
             "WHERE c.email = '%s'",
             email);
    long long before = count(sql);
    struct e2e_resp r = call_raw(E2E_LOGIN, "1", NULL, b, ts);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    r = call_raw(E2E_LOGIN, "1", NULL, b, ts);
    E2E_EXPECT(r, 200, "GATEWAY_CODE_003");
    e2e_resp_free(&r);
    free(b);
    assert_int_equal(count(sql), before + 1);
}

static void log__nothing_of_the_decrypted_body(void **state)
{
    (void)state;
    char email[96];
    e2e_email(email, "secretlog");
    json_t *p = json_pack("{s:i,s:s,s:s,s:i}", "type", 1, "loginName", email, "loginPwd",
                          E2E_PWD_OTHER, "device", 2);
    struct e2e_resp r = call_sealed(E2E_LOGIN, "1", key1, NULL, json_deep_copy(p));
    E2E_EXPECT(r, 200, "CUSTOMER_API_0000102");
    e2e_resp_free(&r);
    r = call_raw(E2E_LOGIN, "1", NULL, "{\"data\":\"AAAA\"}", sealed_now_ms());
    E2E_EXPECT(r, 200, "GATEWAY_CODE_003");
    e2e_resp_free(&r);
    json_decref(p);
    const char *paths[] = {srv->out_path, srv->err_path};
    for (size_t i = 0; i < 2; i++) {
        FILE *f = fopen(paths[i], "r");
        if (f == NULL)
            continue;
        char line[4096];
        while (fgets(line, sizeof line, f) != NULL) {
            assert_null(strstr(line, email));
            assert_null(strstr(line, E2E_PWD_OTHER));
        }
        fclose(f);
    }
}

static void cli__bad_keys_and_required_without_key__refused(void **state)
{
    (void)state;
    static char out[4096];
    char path[600], pem[512], b64[512];
    snprintf(path, sizeof path, "%s/junk.pem", srv->dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n", f);
    fclose(f);
    assert_int_equal(
        e2e_cli(srv, out, sizeof out, E2E_ARGS("company", "set", "2", "--rsa-private-key", path)),
        2);
    EVP_PKEY *small = sealed_keygen(512, srv->dir, "small", pem, b64); /* below 1024 bits */
    EVP_PKEY_free(small);
    /* With another flag beside it: the refused key leaves the company as it was. */
    assert_int_equal(e2e_cli(srv, out, sizeof out,
                             E2E_ARGS("company", "set", "2", "--rsa-private-key", pem,
                                      "--single-session", "on")),
                     2);
    assert_int_equal(e2e_cli(srv, out, sizeof out,
                             E2E_ARGS("company", "set", "2", "--require-encryption", "on")),
                     2);
    assert_int_equal(e2e_cli(srv, out, sizeof out,
                             E2E_ARGS("company", "set", "2", "--require-encryption", "maybe")),
                     2);
    assert_int_equal(e2e_cli(srv, out, sizeof out, E2E_ARGS("company", "show", "2")), 0);
    assert_non_null(strstr(out, "encrypted bodies: no key"));
    assert_non_null(strstr(out, "single-session=off"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sealed__register_login_token_routes__served),
        cmocka_unit_test(required__base64_der_key__encrypted_served_plain_refused),
        cmocka_unit_test(failures__each_003__nothing_changed__code_still_usable),
        cmocka_unit_test(replay__login__second_refused_no_second_session),
        cmocka_unit_test(log__nothing_of_the_decrypted_body),
        cmocka_unit_test(cli__bad_keys_and_required_without_key__refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
