/* tests/e2e/test_load.c — what only load shows (contract D, ARCHITECTURE: poll mode, hash
 * pool): one HTTP thread holds 300 keep-alive connections and answers on every one, and a
 * slow password hash never stalls the token routes. */
#include "support/e2e.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* ---- (a) 300 keep-alive connections on one HTTP thread -------------------------------------- */

#define CONNS 300
#define ROUND_BUDGET_MS 5000.0

struct raw {
    int fd;
    char buf[8192];
    size_t len;
    bool done;
    long status;
    bool ok;      /* HTTP 200, envelope code "0", our token echoed */
    bool closing; /* the server said Connection: close */
};

static int setup_one_thread(void **state)
{
    *state = e2e_server_up(E2E_ARGS("--threads", "1"));
    return 0;
}

static int connect_from(const char *src, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {5, 0}; /* bounds connect() and any blocking write */
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, src, &a.sin_addr);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Marks c done once buf holds a whole response (headers + Content-Length bytes). */
static void parse(struct raw *c, const char *token)
{
    char *end = strstr(c->buf, "\r\n\r\n");
    if (end == NULL)
        return;
    size_t head = (size_t)(end - c->buf) + 4;
    const char *cl = strcasestr(c->buf, "\r\nContent-Length:");
    if (cl == NULL || cl > end)
        return;
    size_t body = (size_t)strtoul(cl + 17, NULL, 10);
    if (c->len < head + body)
        return;
    c->done = true;
    c->status = strncmp(c->buf, "HTTP/1.1 ", 9) == 0 ? strtol(c->buf + 9, NULL, 10) : 0;
    const char *conn = strcasestr(c->buf, "\r\nConnection:");
    c->closing = conn != NULL && conn < end && strncasecmp(conn + 13, " close", 6) == 0;
    json_error_t jerr;
    json_t *o = json_loadb(c->buf + head, body, 0, &jerr);
    const char *code = json_string_value(json_object_get(o, "code"));
    const char *tok = json_string_value(json_object_get(json_object_get(o, "data"), "token"));
    c->ok = c->status == 200 && code != NULL && strcmp(code, "0") == 0 && tok != NULL &&
            strcmp(tok, token) == 0;
    json_decref(o);
}

/* Sends one request on every connection and reads every answer; returns the ms it took,
 * or -1 when the budget ran out. */
static double round_trip(struct raw *c, size_t n, const char *req, const char *token)
{
    double t0 = e2e_now_ms();
    for (size_t i = 0; i < n; i++) {
        c[i].len = 0;
        c[i].buf[0] = '\0';
        c[i].done = c[i].ok = c[i].closing = false;
        c[i].status = 0;
        if (!write_all(c[i].fd, req, strlen(req)))
            c[i].done = true; /* counted as not ok */
    }
    struct pollfd *p = calloc(n, sizeof *p);
    size_t *which = calloc(n, sizeof *which);
    assert_non_null(p);
    assert_non_null(which);
    for (;;) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (!c[i].done) {
                p[k].fd = c[i].fd;
                p[k].events = POLLIN;
                p[k].revents = 0;
                which[k++] = i;
            }
        }
        double left = ROUND_BUDGET_MS * 2 - (e2e_now_ms() - t0);
        if (k == 0 || left <= 0)
            break;
        int r = poll(p, k, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        for (size_t j = 0; j < k; j++) {
            if (p[j].revents == 0)
                continue;
            struct raw *x = &c[which[j]];
            ssize_t got = read(x->fd, x->buf + x->len, sizeof x->buf - 1 - x->len);
            if (got <= 0) {
                x->done = true; /* closed or failed: not ok */
                continue;
            }
            x->len += (size_t)got;
            x->buf[x->len] = '\0';
            parse(x, token);
            if (!x->done && x->len >= sizeof x->buf - 1)
                x->done = true;
        }
    }
    free(p);
    free(which);
    for (size_t i = 0; i < n; i++)
        if (!c[i].done)
            return -1;
    return e2e_now_ms() - t0;
}

static void load__one_http_thread__answers_on_300_keep_alive_connections(void **state)
{
    struct e2e_server *s = *state;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    char email[96], token[128];
    e2e_email(email, "keep");
    json_t *data = E2E_REGISTER_EMAIL(s, email, E2E_PWD);
    snprintf(token, sizeof token, "%s", E2E_STR(data, "token"));
    json_decref(data);

    char req[1024];
    snprintf(req, sizeof req,
             "POST " E2E_INFO " HTTP/1.1\r\nHost: 127.0.0.1:%d\r\ncompanyId: 1\r\n"
             "token: %s\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
             s->port, token);

    /* Two source addresses, 150 each: under the default 256 per address. */
    struct raw *c = calloc(CONNS, sizeof *c);
    assert_non_null(c);
    for (size_t i = 0; i < CONNS; i++) {
        c[i].fd = connect_from(i % 2 == 0 ? "127.0.0.1" : "127.0.0.2", s->port);
        if (c[i].fd < 0)
            fail_msg("connection %zu could not be opened: %s", i, strerror(errno));
    }
    double first = round_trip(c, CONNS, req, token);
    size_t ok1 = 0, closing = 0;
    for (size_t i = 0; i < CONNS; i++) {
        ok1 += c[i].ok;
        closing += c[i].closing;
    }
    /* Every connection is still open: the second request goes over the same sockets. */
    double second = round_trip(c, CONNS, req, token);
    size_t ok2 = 0;
    for (size_t i = 0; i < CONNS; i++)
        ok2 += c[i].ok;
    for (size_t i = 0; i < CONNS; i++)
        close(c[i].fd);
    free(c);
    print_message("300 connections: first round %.0f ms, second round %.0f ms\n", first, second);
    assert_int_equal(ok1, CONNS);
    assert_int_equal(closing, 0);
    assert_int_equal(ok2, CONNS);
    assert_true(first >= 0 && first < ROUND_BUDGET_MS);
    assert_true(second >= 0 && second < ROUND_BUDGET_MS);
}

/* ---- (b) a slow hash does not stall token requests ------------------------------------------ */

#define LOGINS 4
#define READS 100

static int setup_slow_hash(void **state)
{
    *state = e2e_server_up(
        E2E_ARGS("--argon2-ops", "3", "--argon2-mem-kib", "65536", "--hash-threads", "1"));
    return 0;
}

struct login_job {
    struct e2e_server *s;
    const char *email;
    pthread_t thread;
    struct e2e_resp r;
    double done_at;
};

static void *login_thread(void *arg)
{
    struct login_job *j = arg;
    j->r = e2e_login(j->s, 1, j->email, NULL, E2E_PWD, NULL); /* never asserts */
    j->done_at = e2e_now_ms();
    return NULL;
}

/* One round: LOGINS concurrent logins, READS sequential findCustomerInfo calls while they
 * run. Asserts every answer; returns whether the timing held, with the numbers in why. */
static bool slow_round(struct e2e_server *s, const char *email, const char *token, double hash_ms,
                       char *why, size_t size)
{
    struct e2e_conn *conn = e2e_conn_new();
    assert_non_null(conn);
    struct e2e_opts o = {.token = token, .conn = conn};
    struct e2e_resp warm = e2e_call(s, E2E_INFO, "{}", &o);
    E2E_EXPECT(warm, 200, "0");
    e2e_resp_free(&warm);

    struct login_job jobs[LOGINS];
    for (int i = 0; i < LOGINS; i++) {
        jobs[i] = (struct login_job){.s = s, .email = email};
        assert_int_equal(pthread_create(&jobs[i].thread, NULL, login_thread, &jobs[i]), 0);
    }
    /* Let the four requests reach the server (the first hash alone takes hash_ms). */
    struct timespec pause = {0, 10 * 1000 * 1000};
    nanosleep(&pause, NULL);
    double max_read = 0, reads_start = e2e_now_ms();
    size_t good = 0;
    for (int i = 0; i < READS; i++) {
        struct e2e_resp r = e2e_call(s, E2E_INFO, "{}", &o);
        const char *code = json_string_value(json_object_get(r.json, "code"));
        good += r.status == 200 && code != NULL && strcmp(code, "0") == 0;
        if (r.ms > max_read)
            max_read = r.ms;
        e2e_resp_free(&r);
    }
    double reads_end = e2e_now_ms();
    double last_login = 0;
    for (int i = 0; i < LOGINS; i++) {
        pthread_join(jobs[i].thread, NULL);
        if (jobs[i].done_at > last_login)
            last_login = jobs[i].done_at;
    }
    e2e_conn_free(conn);
    snprintf(why, size,
             "hash %.1f ms; %d reads in %.1f ms, slowest %.1f ms; last login done %.1f ms "
             "after the reads began",
             hash_ms, READS, reads_end - reads_start, max_read, last_login - reads_start);
    print_message("%s\n", why);
    for (int i = 0; i < LOGINS; i++) {
        E2E_EXPECT(jobs[i].r, 200, "0");
        e2e_resp_free(&jobs[i].r);
    }
    assert_int_equal(good, READS);
    /* The logins must still have been running when the reads finished. */
    return max_read < hash_ms / 2 && reads_end < last_login;
}

static void load__slow_hashes__do_not_stall_token_requests(void **state)
{
    struct e2e_server *s = *state;
    char email[96], token[128];
    e2e_email(email, "slow");
    json_t *data = E2E_REGISTER_EMAIL(s, email, E2E_PWD);
    snprintf(token, sizeof token, "%s", E2E_STR(data, "token"));
    json_decref(data);

    /* What one login costs on this machine (the hash dominates): the median of three. */
    double ms[3];
    for (int i = 0; i < 3; i++) {
        struct e2e_resp r = e2e_login(s, 1, email, NULL, E2E_PWD, NULL);
        E2E_EXPECT(r, 200, "0");
        /* tm is the server's time in nanoseconds: most of the wall time, never more. */
        double tm_ms = (double)json_integer_value(json_object_get(r.json, "tm")) / 1e6;
        if (tm_ms < r.ms / 2 || tm_ms > r.ms)
            fail_msg("tm %.3f ms does not fit a call of %.3f ms", tm_ms, r.ms);
        ms[i] = r.ms;
        e2e_resp_free(&r);
    }
    double lo = ms[0] < ms[1] ? ms[0] : ms[1], hi = ms[0] < ms[1] ? ms[1] : ms[0];
    double hash_ms = ms[2] < lo ? lo : ms[2] > hi ? hi : ms[2];
    assert_true(hash_ms >= 20.0); /* the slow settings are in effect */

    /* A stall behind the hash would show in every round; a shared, busy machine can delay
     * any one thread for a scheduler period, so one round may be repeated once. */
    char why[256];
    if (slow_round(s, email, token, hash_ms, why, sizeof why))
        return;
    if (!slow_round(s, email, token, hash_ms, why, sizeof why))
        fail_msg("token requests stalled behind password hashes: %s", why);
}

/* ---- graceful shutdown with hashes in flight -------------------------------------------- */

/* The hash-queue gauge of /metrics (-1 when it cannot be read). */
static long queue_depth(const struct e2e_server *s)
{
    struct e2e_opts o = {.method = "GET", .company = E2E_OMIT};
    struct e2e_resp r = e2e_call(s, "/metrics", NULL, &o);
    long depth = -1;
    const char *p = r.status == 200 ? strstr(r.body, "\ntradeauth_hash_queue_depth ") : NULL;
    if (p != NULL)
        depth = strtol(p + strlen("\ntradeauth_hash_queue_depth "), NULL, 10);
    e2e_resp_free(&r);
    return depth;
}

static void shutdown__sigterm_with_logins_in_flight__answers_them_then_exits_0(void **state)
{
    struct e2e_server *s = *state;
    char email[96];
    e2e_email(email, "drain");
    json_t *data = E2E_REGISTER_EMAIL(s, email, E2E_PWD);
    json_decref(data);
    struct login_job jobs[2];
    for (int i = 0; i < 2; i++) {
        jobs[i] = (struct login_job){.s = s, .email = email};
        assert_int_equal(pthread_create(&jobs[i].thread, NULL, login_thread, &jobs[i]), 0);
    }
    /* One hash worker: when one login waits in the queue, both are inside the server. */
    double until = e2e_now_ms() + 5000;
    long depth = -1;
    while ((depth = queue_depth(s)) < 1 && e2e_now_ms() < until) {
        struct timespec ts = {0, 2 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (depth < 1) {
        for (int i = 0; i < 2; i++) {
            pthread_join(jobs[i].thread, NULL);
            e2e_resp_free(&jobs[i].r);
        }
        fail_msg("the second login never waited in the hash queue");
    }
    e2e_server_stop(s); /* SIGTERM; asserts exit status 0 */
    for (int i = 0; i < 2; i++)
        pthread_join(jobs[i].thread, NULL);
    for (int i = 0; i < 2; i++) {
        E2E_EXPECT(jobs[i].r, 200, "0");
        e2e_resp_free(&jobs[i].r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            load__one_http_thread__answers_on_300_keep_alive_connections, setup_one_thread,
            e2e_teardown_server),
        cmocka_unit_test_setup_teardown(load__slow_hashes__do_not_stall_token_requests,
                                        setup_slow_hash, e2e_teardown_server),
        cmocka_unit_test_setup_teardown(
            shutdown__sigterm_with_logins_in_flight__answers_them_then_exits_0, setup_slow_hash,
            e2e_teardown_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
