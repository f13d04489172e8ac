/* tests/e2e/test_nginx.c — a real nginx (Debian nginx-light, auth_request module) on a
 * loopback port in front of tradeauth's gateway check (contract C20) and a small upstream
 * that records every request it gets (tests/support/receivers/http_sink.py). The nginx
 * configuration is the one docs/gateway.md shows. A live token reaches the upstream with
 * the customer headers; without a token, with an unknown token, after logout, after
 * switchAccount (the old token) and after `customer disable` from the CLI, the client gets
 * 401 with the envelope findCustomerInfo gives and the upstream sees nothing. */
#include "support/e2e.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NGINX "/usr/sbin/nginx"
#define PYTHON "/usr/bin/python3"

static struct e2e_server *srv;
static struct e2e_server proxy; /* only its base URL is used: nginx */
static pid_t nginx_pid, upstream_pid;
static char up_dir[E2E_PATH_MAX + 16], ng_dir[E2E_PATH_MAX + 16];

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static pid_t spawn(const char *const *argv, const char *log_path)
{
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* dies with the test binary */
        if (getppid() != parent)
            _exit(127);
        int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static void stop(pid_t *pid)
{
    if (*pid <= 0)
        return;
    kill(*pid, SIGTERM);
    for (int i = 0; i < 300 && waitpid(*pid, NULL, WNOHANG) == 0; i++)
        sleep_ms(10);
    kill(*pid, SIGKILL);
    waitpid(*pid, NULL, 0);
    *pid = 0;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static bool port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static int read_port_file(const char *dir)
{
    char path[E2E_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/port", dir);
    for (int i = 0; i < 500; i++) {
        FILE *f = fopen(path, "r");
        int port = 0;
        if (f != NULL) {
            if (fscanf(f, "%d", &port) != 1)
                port = 0;
            fclose(f);
        }
        if (port > 0)
            return port;
        sleep_ms(10);
    }
    fail_msg("the upstream did not start (%s)", path);
    return 0;
}

/* The configuration of docs/gateway.md, with this test's ports and folders. */
static void write_conf(const char *path, int listen, int tradeauth, int upstream)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f,
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid %s/nginx.pid;\n"
            "error_log %s/error.log warn;\nevents { worker_connections 64; }\n"
            "http {\n  access_log off;\n  client_body_temp_path %s/tmp-body;\n"
            "  proxy_temp_path %s/tmp-proxy;\n  fastcgi_temp_path %s/tmp-fcgi;\n"
            "  uwsgi_temp_path %s/tmp-uwsgi;\n  scgi_temp_path %s/tmp-scgi;\n"
            "  upstream tradeauth { server 127.0.0.1:%d; keepalive 16; }\n"
            "  upstream app { server 127.0.0.1:%d; }\n",
            ng_dir, ng_dir, ng_dir, ng_dir, ng_dir, ng_dir, ng_dir, tradeauth, upstream);
    fprintf(f, "  server {\n    listen 127.0.0.1:%d;\n", listen);
    fputs("    location = /_auth {\n"
          "      internal;\n"
          "      proxy_pass http://tradeauth/auth/check;\n"
          "      proxy_http_version 1.1;\n"
          "      proxy_set_header Connection \"\";\n"
          "      proxy_method GET;\n"
          "      proxy_pass_request_body off;\n"
          "      proxy_set_header Content-Length \"\";\n"
          "      proxy_set_header X-Forwarded-For $remote_addr;\n"
          "    }\n"
          "    location @auth_failed {\n"
          "      rewrite ^ /auth/check break;\n"
          "      proxy_pass http://tradeauth;\n"
          "      proxy_method GET;\n"
          "      proxy_pass_request_body off;\n"
          "      proxy_set_header Content-Length \"\";\n"
          "      proxy_set_header X-Forwarded-For $remote_addr;\n"
          "    }\n"
          "    location / {\n"
          "      auth_request /_auth;\n"
          "      auth_request_set $ta_customer_id $upstream_http_x_customer_id;\n"
          "      auth_request_set $ta_customer_no $upstream_http_x_customer_no;\n"
          "      auth_request_set $ta_company_id $upstream_http_x_company_id;\n"
          "      auth_request_set $ta_company_type $upstream_http_x_company_type;\n"
          "      auth_request_set $ta_session_id $upstream_http_x_session_id;\n"
          "      auth_request_set $ta_device $upstream_http_x_device;\n"
          "      error_page 401 = @auth_failed;\n"
          "      proxy_set_header X-Customer-Id $ta_customer_id;\n"
          "      proxy_set_header X-Customer-No $ta_customer_no;\n"
          "      proxy_set_header X-Company-Id $ta_company_id;\n"
          "      proxy_set_header X-Company-Type $ta_company_type;\n"
          "      proxy_set_header X-Session-Id $ta_session_id;\n"
          "      proxy_set_header X-Device $ta_device;\n"
          "      proxy_pass http://app;\n"
          "    }\n"
          "  }\n"
          "}\n",
          f);
    fclose(f);
}

static int group_setup(void **state)
{
    (void)state;
    if (access(NGINX, X_OK) != 0)
        fail_msg(NGINX " is missing: scripts/deps.sh test installs nginx-light");
    srv = e2e_server_up(NULL);
    snprintf(up_dir, sizeof up_dir, "%s/upstream", srv->dir);
    snprintf(ng_dir, sizeof ng_dir, "%s/nginx", srv->dir);
    assert_int_equal(mkdir(up_dir, 0700), 0);
    assert_int_equal(mkdir(ng_dir, 0700), 0);

    const char *src = getenv("TA_SOURCE_DIR");
    char script[E2E_PATH_MAX], log[E2E_PATH_MAX + 32];
    snprintf(script, sizeof script, "%s/tests/support/receivers/http_sink.py",
             src != NULL ? src : ".");
    snprintf(log, sizeof log, "%s/upstream.log", srv->dir);
    upstream_pid = spawn(E2E_ARGS(PYTHON, script, "--dir", up_dir), log);
    int up_port = read_port_file(up_dir);

    int port = free_port();
    char conf[E2E_PATH_MAX + 32];
    snprintf(conf, sizeof conf, "%s/nginx.conf", ng_dir);
    write_conf(conf, port, srv->port, up_port);
    snprintf(log, sizeof log, "%s/nginx.out", ng_dir);
    nginx_pid = spawn(E2E_ARGS(NGINX, "-p", ng_dir, "-c", conf, "-e", "stderr"), log);
    for (int i = 0; i < 500 && !port_open(port); i++)
        sleep_ms(10);
    if (!port_open(port))
        fail_msg("nginx did not start; see %s", log);
    snprintf(proxy.base, sizeof proxy.base, "http://127.0.0.1:%d", port);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    stop(&nginx_pid);
    stop(&upstream_pid);
    e2e_server_stop(srv);
    e2e_server_free(srv);
    return 0;
}

/* Requests the upstream has recorded so far. */
static int upstream_count(void)
{
    DIR *d = opendir(up_dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, "req-", 4) == 0 && strstr(e->d_name, ".json") != NULL)
            n++;
    closedir(d);
    return n;
}

static json_t *upstream_request(int n)
{
    char path[E2E_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/req-%d.json", up_dir, n);
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    if (j == NULL)
        fail_msg("%s: %s", path, err.text);
    return j;
}

static struct e2e_resp through_nginx(const char *token, const char *company)
{
    struct e2e_opts o = {.token = token, .company = company};
    return e2e_call(&proxy, "/trade/order?symbol=BTCUSDT", "{\"qty\":1}", &o);
}

/* 401 with the envelope findCustomerInfo gives, and nothing reached the upstream. */
static void expect_refused(const char *token, const char *company, const char *code)
{
    struct e2e_opts o = {.token = token, .company = company};
    struct e2e_resp info = e2e_call(srv, E2E_INFO, "{}", &o);
    E2E_EXPECT(info, 200, code);
    e2e_resp_free(&info);
    int before = upstream_count();
    struct e2e_resp r = through_nginx(token, company);
    E2E_EXPECT(r, 401, code);
    e2e_resp_free(&r);
    assert_int_equal(upstream_count(), before);
}

static void expect_refused_soon(const char *token, const char *code)
{
    for (int i = 0; i < 20; i++) {
        struct e2e_resp r = through_nginx(token, "1");
        const char *c = json_string_value(json_object_get(r.json, "code"));
        bool done = r.status == 401 && c != NULL && strcmp(c, code) == 0;
        e2e_resp_free(&r);
        if (done)
            break;
        sleep_ms(50);
    }
    expect_refused(token, "1", code);
}

struct who {
    char token[128], no[32], id[24];
};

static void fresh(struct who *w, const char *local)
{
    char email[96];
    e2e_email(email, local);
    json_t *d = E2E_REGISTER_EMAIL(srv, email, E2E_PWD);
    snprintf(w->token, sizeof w->token, "%s", E2E_STR(d, "token"));
    snprintf(w->no, sizeof w->no, "%s", E2E_STR(d, "customerNo"));
    snprintf(w->id, sizeof w->id, "%lld", (long long)json_integer_value(json_object_get(d, "id")));
    json_decref(d);
}

static void expect_passed(const struct who *w, const char *company, const char *type)
{
    int before = upstream_count();
    struct e2e_resp r = through_nginx(w->token, company);
    if (r.status != 200)
        fail_msg("through nginx: HTTP %ld %s", r.status, r.body);
    e2e_resp_free(&r);
    assert_int_equal(upstream_count(), before + 1);
    json_t *req = upstream_request(before + 1);
    json_t *h = json_object_get(req, "headers");
    assert_string_equal(json_string_value(json_object_get(req, "path")),
                        "/trade/order?symbol=BTCUSDT");
    assert_string_equal(json_string_value(json_object_get(h, "x-customer-id")), w->id);
    assert_string_equal(json_string_value(json_object_get(h, "x-customer-no")), w->no);
    assert_string_equal(json_string_value(json_object_get(h, "x-company-id")), company);
    assert_string_equal(json_string_value(json_object_get(h, "x-company-type")), type);
    assert_int_equal(strlen(json_string_value(json_object_get(h, "x-session-id"))), 32);
    assert_non_null(json_string_value(json_object_get(h, "x-device")));
    json_decref(req);
}

static void live_token__reaches_upstream_with_customer_headers(void **state)
{
    (void)state;
    struct who w;
    fresh(&w, "ngx");
    expect_passed(&w, "1", "real");
    expect_passed(&w, "1", "real"); /* a cache hit the second time */
}

static void no_or_unknown_token__401_upstream_sees_nothing(void **state)
{
    (void)state;
    expect_refused(NULL, "1", "GATEWAY_CODE_001");
    expect_refused("ffffffffffffffffffffffffffffffff", "1", "GATEWAY_CODE_001");
    struct who w;
    fresh(&w, "ngxco");
    expect_refused(w.token, "2", "GATEWAY_CODE_001");
    expect_refused(w.token, "424242", "GATEWAY_CODE_002");
}

static void after_logout__401(void **state)
{
    (void)state;
    struct who w;
    fresh(&w, "ngxout");
    expect_passed(&w, "1", "real");
    struct e2e_opts o = {.token = w.token};
    struct e2e_resp r = e2e_call(srv, E2E_LOGOUT, "{}", &o);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    expect_refused(w.token, "1", "GATEWAY_CODE_001");
}

static void after_switch_account__old_token_401_new_one_passes(void **state)
{
    (void)state;
    struct who w, demo;
    fresh(&w, "ngxsw");
    expect_passed(&w, "1", "real");
    struct e2e_opts o = {.token = w.token};
    struct e2e_resp r = e2e_call(srv, E2E_PREFIX "/thirdExt/switchAccount", "{}", &o);
    E2E_EXPECT(r, 200, "0");
    const json_t *d = json_object_get(r.json, "data");
    snprintf(demo.token, sizeof demo.token, "%s", E2E_STR(d, "token"));
    snprintf(demo.no, sizeof demo.no, "%s", E2E_STR(d, "customerNo"));
    snprintf(demo.id, sizeof demo.id, "%lld",
             (long long)json_integer_value(json_object_get(d, "id")));
    e2e_resp_free(&r);
    expect_refused(w.token, "1", "GATEWAY_CODE_001");
    expect_passed(&demo, "2", "demo");
}

static void after_cli_disable__401_005(void **state)
{
    (void)state;
    struct who w;
    fresh(&w, "ngxdis");
    expect_passed(&w, "1", "real");
    char out[2048];
    assert_int_equal(
        e2e_cli(srv, out, sizeof out, E2E_ARGS("customer", "disable", "--company", "1", w.no)), 0);
    expect_refused_soon(w.token, "GATEWAY_CODE_005");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(live_token__reaches_upstream_with_customer_headers),
        cmocka_unit_test(no_or_unknown_token__401_upstream_sees_nothing),
        cmocka_unit_test(after_logout__401),
        cmocka_unit_test(after_switch_account__old_token_401_new_one_passes),
        cmocka_unit_test(after_cli_disable__401_005),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
