/* tests/e2e/test_delivery.c — codes leaving the real binary through real receivers on
 * 127.0.0.1 (contract C1, "Delivery channels"; README "Where the verification codes go"):
 * an SMTP server (tests/support/receivers/smtp_sink.py, aiosmtpd) and an HTTP webhook
 * receiver (http_sink.py). A code is read where the customer would read it (the mail body
 * as Python's email package decodes it, the JSON the SMS gateway gets) and then used.
 * Also: a receiver that comes up late still gets the message (retries with backoff); one
 * that refuses forever leaves a failed row, counted in /metrics and logged by outbox id
 * without the code; per-company transports send one company's mail by SMTP and another's
 * to the delivery log. Each test has its own server and receiver. */
#include "support/e2e.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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

/* Debian's interpreter: it has python3-aiosmtpd; a pyenv python3 on PATH does not. */
#define PYTHON "/usr/bin/python3"
#define READY_TIMEOUT_MS 10000 /* python start-up on a loaded CI machine */
#define ARRIVE_TIMEOUT_MS 10000
#define R_CHECK E2E_PREFIX "/global/message.app.VerificationApiService.verifyCodeCheck"

#define PHONE "13800138000"
#define PHONE_TO "+86 " PHONE
#define BEARER "e2e-bearer-7f3a"
#define HMAC_KEY "e2e-hmac-key-91c2"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- a receiver process --------------------------------------------------------------- */

struct sink {
    char dir[256];
    pid_t pid;
    int port;
};

/* One per test: the server (with its folder) and at most one receiver. */
struct fx {
    struct e2e_server *s;
    struct sink sink;
};

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        if (len + 1024 + 1 > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        if (n == 0)
            break;
        len += n;
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

static bool port_accepts(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0)
        return false;
    bool ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

/* A port nothing listens on: bound by us, then released. */
static int closed_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static void sink_path(const struct sink *k, const char *name, char *out, size_t size)
{
    int n = snprintf(out, size, "%s/%s", k->dir, name);
    assert_true(n > 0 && (size_t)n < size);
}

/* Starts receivers/<script> --dir <k->dir> extra... and waits (bounded) until it has
 * written its port and accepts connections. k->dir must exist. */
static void sink_start(struct sink *k, const char *script, const char *const *extra)
{
    const char *src = getenv("TA_SOURCE_DIR");
    char script_path[512], port_path[512];
    const char *argv[24];
    int argc = 0;
    snprintf(script_path, sizeof script_path, "%s/tests/support/receivers/%s",
             src != NULL && src[0] != '\0' ? src : ".", script);
    if (access(script_path, R_OK) != 0)
        fail_msg("%s not found: set TA_SOURCE_DIR to the source tree", script_path);
    argv[argc++] = PYTHON;
    argv[argc++] = script_path;
    argv[argc++] = "--dir";
    argv[argc++] = k->dir;
    for (; extra != NULL && *extra != NULL && argc < 22; extra++)
        argv[argc++] = *extra;
    argv[argc] = NULL;
    sink_path(k, "port", port_path, sizeof port_path);
    unlink(port_path);

    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* dies with the test binary */
        if (getppid() != parent)
            _exit(127);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, STDOUT_FILENO);
        execv(PYTHON, (char *const *)argv);
        _exit(127);
    }
    k->pid = pid;

    char *text = NULL;
    for (double until = e2e_now_ms() + READY_TIMEOUT_MS; text == NULL && e2e_now_ms() < until;) {
        text = read_file(port_path);
        if (text == NULL) {
            if (waitpid(pid, NULL, WNOHANG) == pid) {
                k->pid = 0;
                fail_msg("%s exited before listening", script);
            }
            sleep_ms(10);
        }
    }
    if (text == NULL)
        fail_msg("%s did not listen within %d ms", script, READY_TIMEOUT_MS);
    long port = strtol(text, NULL, 10);
    free(text);
    assert_true(port > 0 && port < 65536);
    k->port = (int)port;
    bool up = false;
    for (double until = e2e_now_ms() + READY_TIMEOUT_MS; !up && e2e_now_ms() < until;) {
        up = port_accepts(k->port);
        if (!up)
            sleep_ms(10);
    }
    assert_true(up);
}

static void sink_stop(struct sink *k)
{
    if (k->pid <= 0)
        return;
    kill(k->pid, SIGTERM);
    for (double until = e2e_now_ms() + 3000; e2e_now_ms() < until;) {
        if (waitpid(k->pid, NULL, WNOHANG) == k->pid) {
            k->pid = 0;
            return;
        }
        sleep_ms(10);
    }
    kill(k->pid, SIGKILL);
    waitpid(k->pid, NULL, 0);
    k->pid = 0;
}

/* Waits (bounded) for the receiver's file `name` and returns it parsed (new reference). */
static json_t *sink_wait_json(const struct sink *k, const char *name, int timeout_ms)
{
    char path[512];
    sink_path(k, name, path, sizeof path);
    for (double until = e2e_now_ms() + timeout_ms;;) {
        if (access(path, F_OK) == 0) { /* written via rename: whole when it exists */
            json_error_t jerr;
            json_t *j = json_load_file(path, 0, &jerr);
            if (j == NULL)
                fail_msg("%s: %s", name, jerr.text);
            return j;
        }
        if (e2e_now_ms() >= until)
            return NULL;
        sleep_ms(10);
    }
}

static bool sink_has(const struct sink *k, const char *name)
{
    char path[512];
    sink_path(k, name, path, sizeof path);
    return access(path, F_OK) == 0;
}

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(f->sink.dir, sizeof f->sink.dir, "%s/ta-sink-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(f->sink.dir) == NULL) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

/* Runs after a failed assertion too: no receiver or server outlives its test. */
static int fx_teardown(void **state)
{
    struct fx *f = *state;
    *state = NULL;
    void *s = f->s;
    int rc = s != NULL ? e2e_teardown_server(&s) : 0;
    sink_stop(&f->sink);
    nftw(f->sink.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return rc;
}

/* ---- helpers ------------------------------------------------------------------------- */

static void send_code(const struct e2e_server *s, const char *company, const char *biz,
                      const char *to, char tok[100])
{
    struct e2e_opts o = {.company = company, .lang = "en-US"};
    struct e2e_resp r =
        e2e_callj(s, E2E_SEND, json_pack("{s:s,s:s}", "bizType", biz, "toUser", to), &o);
    E2E_EXPECT(r, 200, "0");
    snprintf(tok, 100, "%s", E2E_STR(json_object_get(r.json, "data"), "token"));
    e2e_resp_free(&r);
}

/* The one run of exactly six digits in text (failing when there is none or several
 * different ones). */
static void code_in(const char *text, char code[7])
{
    code[0] = '\0';
    for (const char *p = text; *p != '\0';) {
        size_t n = strspn(p, "0123456789");
        if (n == 6) {
            if (code[0] != '\0' && strncmp(code, p, 6) != 0)
                fail_msg("two different codes in: %s", text);
            memcpy(code, p, 6);
            code[6] = '\0';
        }
        p += n > 0 ? n : 1;
    }
    if (code[0] == '\0')
        fail_msg("no six-digit code in: %s", text);
}

/* True when code occurs in text as a token (not inside a longer run of digits). */
static bool contains_code(const char *text, const char *code)
{
    size_t n = strlen(code);
    for (const char *p = strstr(text, code); p != NULL; p = strstr(p + 1, code)) {
        bool digit_before = p > text && p[-1] >= '0' && p[-1] <= '9';
        bool digit_after = p[n] >= '0' && p[n] <= '9';
        if (!digit_before && !digit_after)
            return true;
    }
    return false;
}

static const char *jstr(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        fail_msg("\"%s\" should be a string", key);
    return json_string_value(v);
}

static struct e2e_resp register_email(const struct e2e_server *s, const char *email,
                                      const char *tok, const char *code)
{
    return e2e_callj(s, E2E_REGISTER,
                     json_pack("{s:i,s:s,s:s,s:s,s:s,s:i,s:s}", "type", 1, "loginName", email,
                               "country", "CN", "verifyCode", code, "sendToken", tok,
                               "registerSource", 1, "pwd", E2E_PWD),
                     NULL);
}

static struct e2e_resp register_phone(const struct e2e_server *s, const char *tok, const char *code)
{
    return e2e_callj(s, E2E_REGISTER,
                     json_pack("{s:i,s:s,s:s,s:s,s:s,s:s,s:i,s:s}", "type", 2, "loginName", PHONE,
                               "phoneArea", "+86", "country", "CN", "verifyCode", code, "sendToken",
                               tok, "registerSource", 1, "pwd", E2E_PWD),
                     NULL);
}

/* tradeauth_codes_total{channel=...,result=...} (fails when absent). */
static long long codes_metric(const struct e2e_server *s, const char *channel, const char *result)
{
    char series[128];
    snprintf(series, sizeof series, "tradeauth_codes_total{channel=\"%s\",result=\"%s\"}", channel,
             result);
    return (long long)e2e_metric(s, series);
}

/* ---- SMTP ---------------------------------------------------------------------------- */

static void smtp__register_code__arrives_by_mail_and_registers(void **state)
{
    struct fx *f = *state;
    sink_start(&f->sink, "smtp_sink.py", NULL);
    char url[64];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", f->sink.port);
    f->s = e2e_server_up(E2E_ARGS("--email-transport", "smtp", "--smtp-url", url, "--smtp-from",
                                  "Codes <codes@broker.test>"));

    char email[96], tok[100], code[7];
    e2e_email(email, "mail");
    send_code(f->s, "1", "EMAIL_REGISTER_VERIFICATION_CODE", email, tok);
    json_t *m = sink_wait_json(&f->sink, "msg-1.json", ARRIVE_TIMEOUT_MS);
    if (m == NULL)
        fail_msg("no mail within %d ms", ARRIVE_TIMEOUT_MS);
    /* The envelope and the headers a mail reader sees. */
    assert_string_equal(jstr(m, "mail_from"), "codes@broker.test");
    const json_t *rcpt = json_object_get(m, "rcpt_tos");
    assert_int_equal(json_array_size(rcpt), 1);
    assert_string_equal(json_string_value(json_array_get(rcpt, 0)), email);
    const json_t *h = json_object_get(m, "headers");
    assert_string_equal(jstr(h, "To"), email);
    assert_non_null(strstr(jstr(h, "From"), "codes@broker.test"));
    assert_true(strlen(jstr(h, "Subject")) > 0);
    assert_int_equal(json_array_size(json_object_get(m, "defects")), 0);
    assert_string_equal(jstr(m, "content_type"), "text/plain");
    code_in(jstr(m, "body"), code);
    json_decref(m);

    /* It went by mail only: nothing in the delivery log. */
    assert_int_equal(e2e_delivery_count(f->s, email), 0);

    struct e2e_resp r = register_email(f->s, email, tok, code);
    E2E_EXPECT(r, 200, "0");
    E2E_CHECK_REGISTER(json_object_get(r.json, "data"));
    e2e_resp_free(&r);
    assert_false(sink_has(&f->sink, "msg-2.json")); /* one mail, not two */
    assert_int_equal(codes_metric(f->s, "email", "sent"), 1);
}

/* A server that answers 451 to every recipient: retried, then failed for good. The row
 * ends FAILED with its code wiped, /metrics counts it, the log names the outbox id and
 * never the code. The sink holds the first RCPT until the test has read the pending row's
 * code: before, the test raced the three attempts (~1.2 s) for it and lost on a loaded
 * machine. */
static void smtp__451_forever__row_failed_counted_logged_without_code(void **state)
{
    struct fx *f = *state;
    sink_start(&f->sink, "smtp_sink.py", E2E_ARGS("--fail-rcpt", "451", "--hold-rcpt", "go"));
    char url[64];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", f->sink.port);
    /* attempts at about 0 (held until the code is read), 400 and 1200 ms */
    f->s = e2e_server_up(E2E_ARGS("--email-transport", "smtp", "--smtp-url", url,
                                  "--delivery-backoff-ms", "400", "--delivery-retries", "2"));

    char email[96], tok[100], code[16] = "";
    e2e_email(email, "busy");
    send_code(f->s, "1", "EMAIL_REGISTER_VERIFICATION_CODE", email, tok);
    /* The code, from the row while it waits for its retries (the test's only way to it). */
    bool have = e2e_sql_text(f->s, "SELECT code FROM outbox WHERE status = 0", code, sizeof code);
    if (!have || strlen(code) != 6)
        fail_msg("the pending outbox row should hold a six-digit code, holds \"%s\"", code);
    long long id = e2e_sql_int(f->s, "SELECT id FROM outbox");
    char go[600];
    sink_path(&f->sink, "go", go, sizeof go);
    FILE *g = fopen(go, "w");
    assert_non_null(g);
    fclose(g);

    double until = e2e_now_ms() + ARRIVE_TIMEOUT_MS;
    while (codes_metric(f->s, "email", "failed") == 0 && e2e_now_ms() < until)
        sleep_ms(50);
    assert_int_equal(codes_metric(f->s, "email", "failed"), 1);
    assert_int_equal(codes_metric(f->s, "email", "retried"), 2);
    assert_int_equal(codes_metric(f->s, "email", "sent"), 0);
    assert_false(sink_has(&f->sink, "msg-1.json"));

    assert_int_equal(e2e_sql_int(f->s, "SELECT count(*) FROM outbox"), 1);
    assert_int_equal(e2e_sql_int(f->s, "SELECT status FROM outbox"), 2); /* FAILED */
    assert_int_equal(e2e_sql_int(f->s, "SELECT attempts FROM outbox"), 3);
    assert_int_equal(e2e_sql_int(f->s, "SELECT count(*) FROM outbox WHERE code IS NOT NULL "
                                       "AND code <> ''"),
                     0);

    /* The whole stderr, after a clean stop. */
    e2e_server_stop(f->s);
    char *err = read_file(f->s->err_path);
    assert_non_null(err);
    char needle[64];
    snprintf(needle, sizeof needle, "outbox %lld ", id);
    char needle_id[64];
    snprintf(needle_id, sizeof needle_id, "outbox id %lld:", id);
    bool named = strstr(err, needle) != NULL;
    bool named_by_transport = strstr(err, needle_id) != NULL;
    bool leaked = contains_code(err, code);
    bool saw_451 = strstr(err, "451") != NULL;
    if (!named || !named_by_transport || leaked || !saw_451) {
        e2e_server_dump(f->s);
        free(err);
        fail_msg("stderr: names outbox %lld: %d/%d, contains the code: %d, has the 451: %d", id,
                 named, named_by_transport, leaked, saw_451);
    }
    free(err);
}

/* ---- webhook ------------------------------------------------------------------------- */

/* The SMS of a register code as the gateway gets it; asserts every field; code out. */
static void check_sms_request(const struct sink *k, int n, char code[7])
{
    char name[32];
    snprintf(name, sizeof name, "req-%d.json", n);
    json_t *meta = sink_wait_json(k, name, ARRIVE_TIMEOUT_MS);
    if (meta == NULL)
        fail_msg("no webhook request within %d ms", ARRIVE_TIMEOUT_MS);
    snprintf(name, sizeof name, "req-%d.body", n);
    json_t *body = sink_wait_json(k, name, 1000);
    assert_non_null(body);

    assert_string_equal(jstr(meta, "method"), "POST");
    assert_string_equal(jstr(meta, "path"), "/sms/send?gw=1");
    const json_t *h = json_object_get(meta, "headers");
    assert_string_equal(jstr(h, "authorization"), "Bearer " BEARER);
    assert_non_null(strstr(jstr(h, "content-type"), "application/json"));
    char want_sig[128];
    snprintf(want_sig, sizeof want_sig, "sha256=%s", jstr(meta, "hmac_sha256"));
    assert_string_equal(jstr(h, "x-signature"), want_sig);
    char idem[32];
    snprintf(idem, sizeof idem, "%lld", (long long)json_integer_value(json_object_get(body, "id")));
    assert_string_equal(jstr(h, "x-idempotency-key"), idem);

    assert_string_equal(jstr(body, "to"), PHONE_TO);
    assert_string_equal(jstr(body, "bizType"), "SMS_REGISTER_VERIFICATION_CODE");
    assert_string_equal(jstr(body, "lang"), "en-US");
    assert_string_equal(jstr(body, "channel"), "sms");
    assert_true(json_is_integer(json_object_get(body, "companyId")));
    assert_int_equal(json_integer_value(json_object_get(body, "companyId")), 1);
    code_in(jstr(body, "text"), code);
    json_decref(meta);
    json_decref(body);
}

static void webhook__sms_register_code__signed_json_and_registers(void **state)
{
    struct fx *f = *state;
    sink_start(&f->sink, "http_sink.py", E2E_ARGS("--hmac-key", HMAC_KEY));
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/sms/send?gw=1", f->sink.port);
    f->s = e2e_server_up(E2E_ARGS("--sms-transport", "webhook", "--webhook-url", url,
                                  "--webhook-bearer", BEARER, "--webhook-hmac-key", HMAC_KEY));

    char tok[100], code[7];
    send_code(f->s, "1", "SMS_REGISTER_VERIFICATION_CODE", PHONE_TO, tok);
    check_sms_request(&f->sink, 1, code);
    assert_int_equal(e2e_delivery_count(f->s, PHONE_TO), 0);

    struct e2e_resp r = register_phone(f->s, tok, code);
    E2E_EXPECT(r, 200, "0");
    E2E_CHECK_REGISTER(json_object_get(r.json, "data"));
    e2e_resp_free(&r);
    assert_false(sink_has(&f->sink, "req-2.json"));
    assert_int_equal(codes_metric(f->s, "sms", "sent"), 1);
}

/* Nothing listens when the code is sent; the receiver starts on that port half a second
 * later and still gets the message, once. */
static void webhook__receiver_down_then_up__message_arrives(void **state)
{
    struct fx *f = *state;
    int port = closed_port();
    char url[96], port_s[16];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/sms/send?gw=1", port);
    snprintf(port_s, sizeof port_s, "%d", port);
    /* attempts at about 0, 0.2, 0.6, 1.4, 3.0 and 6.2 s */
    f->s = e2e_server_up(E2E_ARGS("--sms-transport", "webhook", "--webhook-url", url,
                                  "--webhook-bearer", BEARER, "--webhook-hmac-key", HMAC_KEY,
                                  "--delivery-backoff-ms", "200", "--delivery-retries", "5"));

    char tok[100], code[7];
    send_code(f->s, "1", "SMS_REGISTER_VERIFICATION_CODE", PHONE_TO, tok);
    sleep_ms(500);
    assert_true(codes_metric(f->s, "sms", "retried") >= 1); /* it did try, and will again */
    assert_int_equal(codes_metric(f->s, "sms", "sent"), 0);
    sink_start(&f->sink, "http_sink.py", E2E_ARGS("--port", port_s, "--hmac-key", HMAC_KEY));
    check_sms_request(&f->sink, 1, code);

    double until = e2e_now_ms() + 5000;
    while (codes_metric(f->s, "sms", "sent") == 0 && e2e_now_ms() < until)
        sleep_ms(20);
    assert_int_equal(codes_metric(f->s, "sms", "sent"), 1);
    assert_int_equal(codes_metric(f->s, "sms", "failed"), 0);
    struct e2e_resp r = register_phone(f->s, tok, code);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);
    assert_false(sink_has(&f->sink, "req-2.json"));
}

/* ---- per-company transports ---------------------------------------------------------- */

static void company_transports__company_3_by_smtp__company_1_to_the_log(void **state)
{
    struct fx *f = *state;
    sink_start(&f->sink, "smtp_sink.py", NULL);
    f->s = e2e_server_new();
    char out[4096];
    int rc =
        e2e_cli(f->s, out, sizeof out, E2E_ARGS("company", "add", "--name", "Three", "--no-twin"));
    if (rc != 0)
        fail_msg("company add exited %d: %s", rc, out);
    const char *p = strstr(out, "added company ");
    long id = p != NULL ? strtol(p + strlen("added company "), NULL, 10) : 0;
    if (id != 3)
        fail_msg("the first company the CLI adds should be 3: %s", out);
    char url[64];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", f->sink.port);
    e2e_server_start(f->s, E2E_ARGS("--company-transports", "3:email=smtp", "--smtp-url", url));

    char email1[96], email3[96], tok1[100], tok3[100], code[7];
    e2e_email(email1, "one");
    e2e_email(email3, "three");
    send_code(f->s, "3", "EMAIL_REGISTER_VERIFICATION_CODE", email3, tok3);
    send_code(f->s, "1", "EMAIL_REGISTER_VERIFICATION_CODE", email1, tok1);

    /* Company 1: the delivery log, and no mail. */
    E2E_WAIT_CODE(f->s, email1, code);
    struct e2e_resp r = register_email(f->s, email1, tok1, code);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);

    /* Company 3: one mail, and nothing in the log. */
    json_t *m = sink_wait_json(&f->sink, "msg-1.json", ARRIVE_TIMEOUT_MS);
    if (m == NULL)
        fail_msg("no mail for company 3 within %d ms", ARRIVE_TIMEOUT_MS);
    const json_t *rcpt = json_object_get(m, "rcpt_tos");
    assert_int_equal(json_array_size(rcpt), 1);
    assert_string_equal(json_string_value(json_array_get(rcpt, 0)), email3);
    code_in(jstr(m, "body"), code);
    json_decref(m);
    struct e2e_opts o3 = {.company = "3"};
    r = e2e_callj(f->s, R_CHECK,
                  json_pack("{s:s,s:s,s:s,s:s}", "bizType", "EMAIL_REGISTER_VERIFICATION_CODE",
                            "toUser", email3, "sendToken", tok3, "code", code),
                  &o3);
    E2E_EXPECT(r, 200, "0");
    e2e_resp_free(&r);

    sleep_ms(200); /* a stray copy would have arrived by now */
    assert_int_equal(e2e_delivery_count(f->s, email3), 0);
    assert_int_equal(e2e_delivery_count(f->s, email1), 1);
    assert_false(sink_has(&f->sink, "msg-2.json"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
        T(smtp__register_code__arrives_by_mail_and_registers),
        T(smtp__451_forever__row_failed_counted_logged_without_code),
        T(webhook__sms_register_code__signed_json_and_registers),
        T(webhook__receiver_down_then_up__message_arrives),
        T(company_transports__company_3_by_smtp__company_1_to_the_log),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
