/* tests/e2e/test_framing.c — issue 13 point 2, over raw sockets: bodies whose length two
 * parties could read differently (Transfer-Encoding with Content-Length, Content-Length
 * twice, a coding other than a lone "chunked") are refused with HTTP 400 and the envelope
 * GATEWAY_CODE_003, and the connection is closed, so the bytes smuggled after them never
 * run as a request. Plain chunked bodies still work. One server for the file. */
#include "support/e2e.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define srv e2e_group_server

/* Sends req on a fresh connection, reads until the server closes or timeout_ms passes.
 * Returns what came back (malloc'd); *closed tells whether the server closed. */
static char *exchange(const char *req, size_t len, int timeout_ms, bool *closed)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv->port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
    size_t cap = 1 << 16, n = 0;
    char *out = calloc(1, cap);
    double until = e2e_now_ms() + timeout_ms;
    *closed = false;
    while (!*closed && e2e_now_ms() < until && n + 1 < cap) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        ssize_t r = recv(fd, out + n, cap - 1 - n, 0);
        if (r <= 0)
            *closed = true;
        else
            n += (size_t)r;
    }
    close(fd);
    return out;
}

static int count_of(const char *hay, const char *needle)
{
    int k = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        k++;
    return k;
}

#define HEAD "POST /logout HTTP/1.1\r\nHost: x\r\ncompanyId: 1\r\n"
#define SMUGGLED "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"

/* One answer with this status, the envelope 003 and Connection: close, nothing else (one
 * status line: libmicrohttpd 0.9.75 sent its own twice, in HTML), then the close. */
static void expect_status(const char *req, size_t len, const char *status)
{
    bool closed = false;
    double t0 = e2e_now_ms();
    char *out = exchange(req, len, 3000, &closed);
    if (strncmp(out, status, strlen(status)) != 0 || count_of(out, "HTTP/1.1 ") != 1 ||
        strstr(out, "\r\nConnection: close\r\n") == NULL ||
        strstr(out, "\"code\":\"GATEWAY_CODE_003\"") == NULL || strstr(out, "\"status\"") != NULL)
        fail_msg("request:\n%s\nanswer:\n%s", req, out);
    assert_true(closed);
    assert_true(e2e_now_ms() - t0 < 2000);
    free(out);
}

static void expect_refused(const char *req)
{
    expect_status(req, strlen(req), "HTTP/1.1 400 Bad Request\r\n");
}

static void framing__transfer_encoding_with_content_length__400_and_closed(void **state)
{
    (void)state;
    /* Before the fix: answered as chunked, connection kept, the GET after it ran. */
    expect_refused(HEAD "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
                        "2\r\n{}\r\n0\r\n\r\n" SMUGGLED);
    expect_refused(HEAD "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "2\r\n{}\r\n0\r\n\r\n" SMUGGLED);
}

static void framing__content_length_twice__400_and_closed(void **state)
{
    (void)state;
    /* Before the fix: the first won and the rest of the body ran as another request. */
    expect_refused(HEAD "Content-Length: 2\r\nContent-Length: 36\r\n\r\n{}" SMUGGLED);
    expect_refused(HEAD "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}" SMUGGLED);
}

static void framing__codings_other_than_chunked__400_at_once(void **state)
{
    (void)state;
    /* Before the fix "gzip, chunked" got no answer until the idle timeout. */
    expect_refused(HEAD "Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
    expect_refused(HEAD "Transfer-Encoding: identity\r\n\r\n{}");
    expect_refused(HEAD "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "2\r\n{}\r\n0\r\n\r\n");
}

static void framing__plain_chunked_and_keep_alive__still_work(void **state)
{
    (void)state;
    const char *two = HEAD "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" SMUGGLED;
    bool closed = false;
    char *out = exchange(two, strlen(two), 1500, &closed);
    /* Both answered on one connection: the logout envelope, then the health check. */
    assert_int_equal(count_of(out, "HTTP/1.1 200 "), 2);
    assert_non_null(strstr(out, "\"code\":\"0\""));
    assert_non_null(strstr(out, "{\"status\":\"ok\"}"));
    free(out);
}

static void framing__bad_content_length__envelope_once(void **state)
{
    (void)state;
    /* Before the gate: libmicrohttpd's HTML, its status line and headers sent twice. */
    expect_refused(HEAD "Content-Length: -1\r\n\r\n{}");
    expect_refused(HEAD "Content-Length: 12abc\r\n\r\n{}");
    expect_refused(HEAD "Content-Length: \r\n\r\n{}");
    expect_refused(HEAD "Content-Length: 2, 2\r\n\r\n{}");
    const char *huge = HEAD "Content-Length: 99999999999999999999999\r\n\r\n{}";
    expect_status(huge, strlen(huge), "HTTP/1.1 413 Content Too Large\r\n");
}

/* A string of n copies of c (malloc'd). */
static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void framing__head_too_big__414_and_431_as_envelopes(void **state)
{
    (void)state;
    /* Before the gate: libmicrohttpd's own 414 and 431, in HTML. */
    char *a = repeat('a', 20000), *req = malloc(30000);
    snprintf(req, 30000, "GET /api/%s HTTP/1.1\r\nHost: x\r\n\r\n", a);
    expect_status(req, strlen(req), "HTTP/1.1 414 URI Too Long\r\n");
    snprintf(req, 30000, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", a);
    expect_status(req, strlen(req), "HTTP/1.1 431 Request Header Fields Too Large\r\n");
    size_t n = (size_t)snprintf(req, 30000, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 150; i++) /* short fields, but more than the pool has entries for */
        n += (size_t)snprintf(req + n, 30000 - n, "X-%d: v\r\n", i);
    snprintf(req + n, 30000 - n, "\r\n");
    expect_status(req, strlen(req), "HTTP/1.1 431 Request Header Fields Too Large\r\n");
    free(req);
    free(a);
}

static void framing__malformed_heads__400_envelope(void **state)
{
    (void)state;
    /* Each was answered by libmicrohttpd in HTML, or silently closed, or (whitespace before
     * the colon, a folded line) accepted although a proxy may read it otherwise. */
    expect_refused("GARBAGE\r\n\r\n");
    expect_refused("GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    expect_refused("GET /healthz HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n");
    expect_refused("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A : b\r\n\r\n");
    expect_refused(HEAD "Transfer-Encoding : chunked\r\nContent-Length: 2\r\n\r\n{}");
    expect_refused("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: b\r\n c\r\n\r\n");
    expect_refused("GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n");
    expect_refused("GET /healthz HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n");
    const char nul[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n";
    expect_status(nul, sizeof nul - 1, "HTTP/1.1 400 Bad Request\r\n");
    const char tls[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
    expect_status(tls, sizeof tls - 1, "HTTP/1.1 400 Bad Request\r\n");
    const char *h2 = "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n";
    expect_status(h2, strlen(h2), "HTTP/1.1 505 HTTP Version Not Supported\r\n");
}

static void framing__malformed_chunked_body__400_envelope(void **state)
{
    (void)state;
    /* Before the gate: libmicrohttpd's HTML "chunked encoding was syntactically incorrect". */
    const char *te = HEAD "Transfer-Encoding: chunked\r\n\r\n";
    char req[512];
    snprintf(req, sizeof req, "%szz\r\n{}\r\n0\r\n\r\n", te);
    expect_refused(req);
    snprintf(req, sizeof req, "%s1\r\n{}\r\n0\r\n\r\n", te); /* data longer than said */
    expect_refused(req);
    snprintf(req, sizeof req, "%s2\n{}\n0\n\n", te); /* bare LF inside a chunked body */
    expect_refused(req);
    snprintf(req, sizeof req, "%s2 \r\n{}\r\n0\r\n\r\n", te);
    expect_refused(req);
    snprintf(req, sizeof req, "%s20000\r\n", te); /* more than --body-max-bytes */
    expect_status(req, strlen(req), "HTTP/1.1 413 Content Too Large\r\n");
}

/* Heads up to the gate's limits (half the connection pool, and bytes + 64 per field up to
 * three quarters of it) must always fit libmicrohttpd: walked here near the edge, every one
 * is answered by the route, never by libmicrohttpd (431 in HTML, or an empty close). */
static void framing__heads_at_the_limit__served(void **state)
{
    (void)state;
    const size_t pool = 8 * 1024, max = pool / 2, budget = pool / 4 * 3;
    char *req = malloc(pool);
    for (int fields = 3; fields <= 91; fields += 4) {
        size_t want = budget - (size_t)fields * 64;
        want = want < max ? want : max;
        size_t n = (size_t)snprintf(req, pool,
                                    "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
        for (int i = 3; i < fields; i++)
            n += (size_t)snprintf(req + n, pool - n, "X-%d: v\r\n", i);
        if (n + 12 > want)
            break;
        size_t pad = want - n - 9; /* "X-P: " + pad + CRLF + CRLF */
        n += (size_t)snprintf(req + n, pool - n, "X-P: ");
        memset(req + n, 'p', pad);
        n += pad;
        memcpy(req + n, "\r\n\r\n", 4);
        n += 4;
        bool closed = false;
        char *out = exchange(req, n, 3000, &closed);
        if (strncmp(out, "HTTP/1.1 200 OK\r\n", 17) != 0)
            fail_msg("%d fields, %zu bytes: %.60s", fields + 1, n, out);
        free(out);
    }
    free(req);
}

/* Answers found from the head alone keep the connection (libmicrohttpd closes it when an
 * answer is queued before the request was read whole): a browser's CORS preflight, the
 * health checks and a 404 with a small body, pipelined on one connection, all answered. */
static void framing__early_answers__keep_the_connection(void **state)
{
    (void)state;
    const char *four = "OPTIONS /api/logout HTTP/1.1\r\nHost: x\r\nOrigin: http://a\r\n"
                       "Access-Control-Request-Method: POST\r\n\r\n"
                       "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                       "POST /api/nope HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
                       "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    bool closed = false;
    char *out = exchange(four, strlen(four), 1000, &closed);
    if (count_of(out, "HTTP/1.1 204 ") != 1 || count_of(out, "HTTP/1.1 200 ") != 2 ||
        count_of(out, "HTTP/1.1 404 ") != 1 || strstr(out, "Connection: close") != NULL || closed)
        fail_msg("%s", out);
    free(out);
}

/* A chunked body announced with Expect: 100-continue is not sent before the go: the gate
 * must not wait for it (before the fix nothing came back until the client gave up). */
static void framing__expect_continue_with_chunked__told_to_go_on(void **state)
{
    (void)state;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv->port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    const char *head = HEAD "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n";
    assert_int_equal(send(fd, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
    char buf[4096];
    struct pollfd p = {fd, POLLIN, 0};
    assert_int_equal(poll(&p, 1, 500), 1);
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_int_equal(strncmp(buf, "HTTP/1.1 100 Continue\r\n", 23), 0);
    const char *body = "2\r\n{}\r\n0\r\n\r\n";
    assert_int_equal(send(fd, body, strlen(body), MSG_NOSIGNAL), (ssize_t)strlen(body));
    assert_int_equal(poll(&p, 1, 2000), 1);
    n = recv(fd, buf, sizeof buf - 1, 0);
    assert_true(n > 0);
    buf[n] = '\0';
    if (strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) != 0 || strstr(buf, "\"code\":\"0\"") == NULL)
        fail_msg("%s", buf);
    close(fd);
}

/* Later requests on a kept-alive connection are read by libmicrohttpd, not the gate: the
 * handler refuses what libmicrohttpd lets through but a proxy may read otherwise. */
static void framing__kept_alive_follow_up__still_refused(void **state)
{
    (void)state;
    static const char *const second[] = {
        HEAD "Transfer-Encoding : chunked\r\nContent-Length: 2\r\n\r\n{}",
        HEAD "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof second / sizeof second[0]; i++) {
        char req[512];
        snprintf(req, sizeof req, HEAD "Content-Length: 2\r\n\r\n{}%s" SMUGGLED, second[i]);
        bool closed = false;
        char *out = exchange(req, strlen(req), 3000, &closed);
        const char *refusal = strstr(out, "HTTP/1.1 400 Bad Request\r\n");
        if (strncmp(out, "HTTP/1.1 200 OK\r\n", 17) != 0 || refusal == NULL ||
            count_of(out, "HTTP/1.1 ") != 2 || strstr(refusal, "GATEWAY_CODE_003") == NULL ||
            strstr(refusal, "\r\nConnection: close\r\n") == NULL || !closed)
            fail_msg("follow-up %zu:\n%s", i, out);
        free(out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(framing__transfer_encoding_with_content_length__400_and_closed),
        cmocka_unit_test(framing__content_length_twice__400_and_closed),
        cmocka_unit_test(framing__codings_other_than_chunked__400_at_once),
        cmocka_unit_test(framing__plain_chunked_and_keep_alive__still_work),
        cmocka_unit_test(framing__bad_content_length__envelope_once),
        cmocka_unit_test(framing__head_too_big__414_and_431_as_envelopes),
        cmocka_unit_test(framing__malformed_heads__400_envelope),
        cmocka_unit_test(framing__malformed_chunked_body__400_envelope),
        cmocka_unit_test(framing__heads_at_the_limit__served),
        cmocka_unit_test(framing__kept_alive_follow_up__still_refused),
        cmocka_unit_test(framing__early_answers__keep_the_connection),
        cmocka_unit_test(framing__expect_continue_with_chunked__told_to_go_on),
    };
    return cmocka_run_group_tests(tests, e2e_group_setup, e2e_group_teardown);
}
