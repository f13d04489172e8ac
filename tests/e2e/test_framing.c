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

/* One 400 with the envelope 003 and Connection: close, nothing else, then the close. */
static void expect_refused(const char *req)
{
    bool closed = false;
    double t0 = e2e_now_ms();
    char *out = exchange(req, strlen(req), 3000, &closed);
    if (strncmp(out, "HTTP/1.1 400 ", 13) != 0 || count_of(out, "HTTP/1.1 ") != 1 ||
        strstr(out, "\r\nConnection: close\r\n") == NULL ||
        strstr(out, "\"code\":\"GATEWAY_CODE_003\"") == NULL || strstr(out, "\"status\"") != NULL)
        fail_msg("request:\n%s\nanswer:\n%s", req, out);
    assert_true(closed);
    assert_true(e2e_now_ms() - t0 < 2000);
    free(out);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(framing__transfer_encoding_with_content_length__400_and_closed),
        cmocka_unit_test(framing__content_length_twice__400_and_closed),
        cmocka_unit_test(framing__codings_other_than_chunked__400_at_once),
        cmocka_unit_test(framing__plain_chunked_and_keep_alive__still_work),
    };
    return cmocka_run_group_tests(tests, e2e_group_setup, e2e_group_teardown);
}
