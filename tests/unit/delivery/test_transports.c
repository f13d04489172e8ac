/* tests/unit/delivery/test_transports.c — the log, smtp and webhook transports against real
 * receivers on 127.0.0.1: a file, an aiosmtpd server and a python http.server (both in
 * tests/support/receivers, found through TA_SOURCE_DIR). Asserts exact fields and answers. */

/* cmocka.h needs these four first; keep clang-format from sorting them. */
// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include "delivery/transport.h"
#include "util/clock.h"
#include "util/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

/* Debian's interpreter: it has python3-aiosmtpd; a pyenv python3 on PATH does not. */
#define PYTHON "/usr/bin/python3"
#define FIXED_MS INT64_C(1700000000123) /* Tue, 14 Nov 2023 22:13:20.123 UTC */
#define WAIT_STEP_MS 20
#define READY_TIMEOUT_MS 10000 /* python start-up on a loaded CI machine */

/*---- Fixture: a temporary directory, at most one receiver, captured stderr ---*/

struct fx {
    char dir[256];
    pid_t child;
    int port;
    int saved_stderr; /* -1 unless stderr is being captured */
};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    const char *tmp = getenv("TMPDIR");

    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof f->dir, "%s/ta_transport_XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    f->saved_stderr = -1;
    clock_fake_set(FIXED_MS);
    *state = f;
    return 0;
}

static void restore_stderr(struct fx *f)
{
    if (f->saved_stderr < 0)
        return;
    fflush(stderr);
    dup2(f->saved_stderr, STDERR_FILENO);
    close(f->saved_stderr);
    f->saved_stderr = -1;
}

/* SIGTERM, a bounded wait, then SIGKILL: a wedged receiver cannot hang the suite. */
static void stop_child(struct fx *f)
{
    if (f->child <= 0)
        return;
    kill(f->child, SIGTERM);
    for (int i = 0; i < 2000 / WAIT_STEP_MS; i++) {
        if (waitpid(f->child, NULL, WNOHANG) == f->child) {
            f->child = 0;
            return;
        }
        sleep_ms(WAIT_STEP_MS);
    }
    kill(f->child, SIGKILL);
    waitpid(f->child, NULL, 0);
    f->child = 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Runs after a failed assertion too (cmocka longjmps back here), so receivers never
 * outlive their test. */
static int teardown(void **state)
{
    struct fx *f = *state;

    restore_stderr(f);
    stop_child(f);
    nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    clock_fake_clear();
    free(f);
    return 0;
}

static char *read_file(const char *path, size_t *len_out)
{
    FILE *fp = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];

    if (fp == NULL)
        return NULL;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *p = realloc(buf, cap);
            assert_non_null(p);
            buf = p;
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(fp);
    if (buf == NULL) {
        buf = calloc(1, 1);
        assert_non_null(buf);
    }
    buf[len] = '\0';
    if (len_out != NULL)
        *len_out = len;
    return buf;
}

static void path_in(const struct fx *f, const char *name, char *out, size_t size)
{
    int n = snprintf(out, size, "%s/%s", f->dir, name);
    assert_true(n > 0 && (size_t)n < size);
}

static bool exists_in(const struct fx *f, const char *name)
{
    char path[512];
    path_in(f, name, path, sizeof path);
    return access(path, F_OK) == 0;
}

static json_t *load_json_in(const struct fx *f, const char *name)
{
    char path[512];
    json_error_t jerr;

    path_in(f, name, path, sizeof path);
    json_t *j = json_load_file(path, 0, &jerr);
    if (j == NULL)
        fail_msg("%s: %s", name, jerr.text);
    return j;
}

static void begin_capture(struct fx *f)
{
    char path[512];

    path_in(f, "stderr.txt", path, sizeof path);
    fflush(stderr);
    f->saved_stderr = dup(STDERR_FILENO);
    assert_true(f->saved_stderr >= 0);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    dup2(fd, STDERR_FILENO);
    close(fd);
}

/* Returns what was written to stderr since begin_capture; the caller frees it. */
static char *end_capture(struct fx *f)
{
    char path[512];

    restore_stderr(f);
    path_in(f, "stderr.txt", path, sizeof path);
    char *s = read_file(path, NULL);
    assert_non_null(s);
    return s;
}

/* A port nothing listens on: bound by us, then released. */
static int closed_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    socklen_t len = sizeof sa;
    int s = socket(AF_INET, SOCK_STREAM, 0);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(s >= 0);
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &len), 0);
    close(s);
    return ntohs(sa.sin_port);
}

static bool port_accepts(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s < 0)
        return false;
    bool ok = connect(s, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(s);
    return ok;
}

/* Starts tests/support/receivers/<script> --dir <f->dir> <extra…> and waits (bounded)
 * until it has written its port and accepts a connection. */
static void start_receiver(struct fx *f, const char *script, const char *const *extra)
{
    const char *src = getenv("TA_SOURCE_DIR");
    char script_path[512];
    char port_path[512];
    const char *argv[24];
    int argc = 0;

    snprintf(script_path, sizeof script_path, "%s/tests/support/receivers/%s",
             src != NULL && src[0] != '\0' ? src : ".", script);
    if (access(script_path, R_OK) != 0)
        fail_msg("%s not found: set TA_SOURCE_DIR to the source tree", script_path);
    argv[argc++] = PYTHON;
    argv[argc++] = script_path;
    argv[argc++] = "--dir";
    argv[argc++] = f->dir;
    for (; extra != NULL && *extra != NULL && argc < 22; extra++)
        argv[argc++] = *extra;
    argv[argc] = NULL;

    pid_t parent = getpid();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* If the test binary dies without teardown, take the receiver with it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, STDOUT_FILENO);
        execv(PYTHON, (char *const *)argv);
        _exit(127);
    }
    f->child = pid;

    path_in(f, "port", port_path, sizeof port_path);
    unlink(port_path);
    char *text = NULL;
    for (int i = 0; i < READY_TIMEOUT_MS / WAIT_STEP_MS && text == NULL; i++) {
        text = read_file(port_path, NULL);
        if (text == NULL) {
            if (waitpid(pid, NULL, WNOHANG) == pid) {
                f->child = 0;
                fail_msg("%s exited before listening", script);
            }
            sleep_ms(WAIT_STEP_MS);
        }
    }
    if (text == NULL)
        fail_msg("%s did not listen within %d ms", script, READY_TIMEOUT_MS);
    char *end = NULL;
    errno = 0;
    long port = strtol(text, &end, 10);
    free(text);
    assert_int_equal(errno, 0);
    assert_true(port > 0 && port < 65536);
    f->port = (int)port;

    bool up = false;
    for (int i = 0; i < READY_TIMEOUT_MS / WAIT_STEP_MS && !up; i++) {
        up = port_accepts(f->port);
        if (!up)
            sleep_ms(WAIT_STEP_MS);
    }
    assert_true(up);
}

/*---- Messages used throughout ----------------------------------------------*/

#define EMAIL_CODE "493817"
#define EMAIL_SUBJECT "【交易平台】注册验证码 — Your registration code for Trade Platform Ltd."
#define EMAIL_TEXT                                                                                 \
    "您的验证码是 " EMAIL_CODE "，5 分钟内有效。\n"                                         \
    "Your verification code is " EMAIL_CODE ". It expires in 5 minutes.\n"                         \
    ".\n"                                                                                          \
    "If you did not ask for it, ignore this mail."
/* The same text in canonical CRLF form, as a reader decodes the body. */
#define EMAIL_TEXT_CRLF                                                                            \
    "您的验证码是 " EMAIL_CODE "，5 分钟内有效。\r\n"                                       \
    "Your verification code is " EMAIL_CODE ". It expires in 5 minutes.\r\n"                       \
    ".\r\n"                                                                                        \
    "If you did not ask for it, ignore this mail."

static const struct delivery_msg email_msg = {
    .id = 42,
    .company_id = 7,
    .channel = "email",
    .to = "alice@example.test",
    .biz_type = "EMAIL_REGISTER_VERIFICATION_CODE",
    .code = EMAIL_CODE,
    .lang = "zh-CN",
    .subject = EMAIL_SUBJECT,
    .text = EMAIL_TEXT,
};

#define SMS_CODE "205716"
#define SMS_TEXT "Your login code is " SMS_CODE ". It expires in 5 minutes."

static const struct delivery_msg sms_msg = {
    .id = 9001,
    .company_id = 3,
    .channel = "sms",
    .to = "+86 13800138000",
    .biz_type = "SMS_LOGIN_VERIFICATION_CODE",
    .code = SMS_CODE,
    .lang = "en-US",
    .subject = "Login code",
    .text = SMS_TEXT,
};

/* A pointer no constructor returns: proves *out is written only on TA_OK. */
static struct transport *not_written(void)
{
    static char marker;
    return (struct transport *)(void *)&marker;
}

static void assert_err(ta_err got, ta_err want)
{
    assert_string_equal(ta_err_name(got), ta_err_name(want));
}

static void assert_json_str(const json_t *o, const char *key, const char *want)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        fail_msg("%s is not a string", key);
    assert_string_equal(json_string_value(v), want);
}

static void assert_json_int(const json_t *o, const char *key, json_int_t want)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        fail_msg("%s is not an integer", key);
    assert_int_equal(json_integer_value(v), want);
}

/*---- log transport ---------------------------------------------------------*/

/* The exact line for email_msg: fixed key order, compact, UTF-8 left as is. */
#define EMAIL_LOG_LINE                                                                                    \
    "{\"time\":1700000000123,\"id\":42,\"companyId\":7,\"channel\":\"email\","                            \
    "\"to\":\"alice@example.test\",\"bizType\":\"EMAIL_REGISTER_VERIFICATION_CODE\","                     \
    "\"code\":\"493817\",\"lang\":\"zh-CN\",\"subject\":\"" EMAIL_SUBJECT "\","                           \
    "\"text\":\"您的验证码是 493817，5 分钟内有效。\\nYour verification code is 493817. It " \
    "expires in 5 minutes.\\n.\\nIf you did not ask for it, ignore this mail.\"}\n"
#define SMS_LOG_LINE                                                                               \
    "{\"time\":1700000000623,\"id\":9001,\"companyId\":3,\"channel\":\"sms\","                     \
    "\"to\":\"+86 13800138000\",\"bizType\":\"SMS_LOGIN_VERIFICATION_CODE\","                      \
    "\"code\":\"205716\",\"lang\":\"en-US\",\"subject\":\"Login code\","                           \
    "\"text\":\"" SMS_TEXT "\"}\n"

static void check_log_object(const char *line, const struct delivery_msg *m, int64_t time_ms)
{
    json_error_t jerr;
    json_t *o = json_loads(line, 0, &jerr);

    if (o == NULL)
        fail_msg("line is not JSON: %s", jerr.text);
    assert_true(json_is_object(o));
    assert_int_equal(json_object_size(o), 10);
    assert_json_int(o, "time", time_ms);
    assert_json_int(o, "id", m->id);
    assert_json_int(o, "companyId", m->company_id);
    assert_json_str(o, "channel", m->channel);
    assert_json_str(o, "to", m->to);
    assert_json_str(o, "bizType", m->biz_type);
    assert_json_str(o, "code", m->code);
    assert_json_str(o, "lang", m->lang);
    assert_json_str(o, "subject", m->subject);
    assert_json_str(o, "text", m->text);
    json_decref(o);
}

static void log__two_messages__two_exact_json_lines(void **state)
{
    struct fx *f = *state;
    char path[512];
    struct transport *t = NULL;

    path_in(f, "var/spool/delivery.log", path, sizeof path); /* parents do not exist yet */
    assert_err(transport_log_new(path, &t), TA_OK);
    assert_non_null(t);
    assert_string_equal(transport_name(t), "log");

    assert_err(transport_send(t, &email_msg), TA_OK);
    clock_fake_advance(500);
    assert_err(transport_send(t, &sms_msg), TA_OK);
    transport_free(t);

    char *all = read_file(path, NULL);
    assert_non_null(all);
    assert_string_equal(all, EMAIL_LOG_LINE SMS_LOG_LINE);

    char *nl = strchr(all, '\n');
    assert_non_null(nl);
    *nl = '\0';
    check_log_object(all, &email_msg, FIXED_MS);
    check_log_object(nl + 1, &sms_msg, FIXED_MS + 500);
    free(all);

    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0077 & ~0040, 0); /* the file holds live codes */
}

/* Two transports on one file stand for two processes: O_APPEND keeps every line and
 * what was there before. */
static void log__shared_file__appends_after_existing_lines(void **state)
{
    struct fx *f = *state;
    char path[512];
    struct transport *a = NULL, *b = NULL;

    path_in(f, "delivery.log", path, sizeof path);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("{\"earlier\":true}\n", fp);
    fclose(fp);

    assert_err(transport_log_new(path, &a), TA_OK);
    assert_err(transport_log_new(path, &b), TA_OK);
    assert_err(transport_send(a, &email_msg), TA_OK);
    clock_fake_advance(500);
    assert_err(transport_send(b, &sms_msg), TA_OK);
    clock_fake_set(FIXED_MS);
    assert_err(transport_send(a, &email_msg), TA_OK);
    transport_free(a);
    transport_free(b);

    char *all = read_file(path, NULL);
    assert_string_equal(all, "{\"earlier\":true}\n" EMAIL_LOG_LINE SMS_LOG_LINE EMAIL_LOG_LINE);
    free(all);
}

#define SENDERS 8
#define PER_SENDER 200

struct sender {
    struct transport *t;
    int index;
    int failures;
};

static void *send_many(void *arg)
{
    struct sender *s = arg;

    for (int i = 0; i < PER_SENDER; i++) {
        struct delivery_msg m = email_msg;
        m.id = (int64_t)s->index * PER_SENDER + i;
        if (transport_send(s->t, &m) != TA_OK)
            s->failures++;
    }
    return NULL;
}

static void log__concurrent_senders__every_line_whole(void **state)
{
    struct fx *f = *state;
    char path[512];
    struct transport *t = NULL;
    pthread_t th[SENDERS];
    struct sender s[SENDERS];
    static bool seen[SENDERS * PER_SENDER];

    memset(seen, 0, sizeof seen);
    path_in(f, "delivery.log", path, sizeof path);
    assert_err(transport_log_new(path, &t), TA_OK);
    for (int i = 0; i < SENDERS; i++) {
        s[i] = (struct sender){.t = t, .index = i, .failures = 0};
        assert_int_equal(pthread_create(&th[i], NULL, send_many, &s[i]), 0);
    }
    for (int i = 0; i < SENDERS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(s[i].failures, 0);
    }
    transport_free(t);

    char *all = read_file(path, NULL);
    int lines = 0;
    for (char *line = all, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
        *nl = '\0';
        json_t *o = json_loads(line, 0, NULL);
        if (o == NULL)
            fail_msg("line %d is not whole JSON", lines + 1);
        json_int_t id = json_integer_value(json_object_get(o, "id"));
        assert_true(id >= 0 && id < SENDERS * PER_SENDER);
        assert_false(seen[id]);
        seen[id] = true;
        assert_json_str(o, "text", EMAIL_TEXT);
        json_decref(o);
        lines++;
    }
    assert_int_equal(lines, SENDERS * PER_SENDER);
    free(all);
}

static void log__unusable_path__internal_and_out_untouched(void **state)
{
    struct fx *f = *state;
    char path[512];
    struct transport *const sentinel = not_written();
    struct transport *t = sentinel;

    path_in(f, "plainfile", path, sizeof path);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fclose(fp);
    path_in(f, "plainfile/sub/delivery.log", path, sizeof path); /* a file is no directory */
    assert_err(transport_log_new(path, &t), TA_E_INTERNAL);
    assert_ptr_equal(t, sentinel);
    assert_err(transport_log_new("", &t), TA_E_INTERNAL);
    assert_err(transport_log_new(NULL, &t), TA_E_INTERNAL);
    assert_ptr_equal(t, sentinel);
}

static void log__invalid_utf8_or_missing_text__internal_nothing_written(void **state)
{
    struct fx *f = *state;
    char path[512];
    struct transport *t = NULL;
    struct delivery_msg bad = email_msg;
    struct delivery_msg no_text = email_msg;

    bad.text = "code \xff\xfe 493817";
    no_text.text = NULL;
    path_in(f, "delivery.log", path, sizeof path);
    assert_err(transport_log_new(path, &t), TA_OK);
    assert_err(transport_send(t, &bad), TA_E_INTERNAL);
    assert_err(transport_send(t, &no_text), TA_E_INTERNAL);
    assert_err(transport_send(t, NULL), TA_E_INTERNAL);
    assert_err(transport_send(NULL, &email_msg), TA_E_INTERNAL);
    transport_free(t);
    transport_free(NULL);

    char *all = read_file(path, NULL);
    assert_string_equal(all, "");
    free(all);
}

/*---- smtp transport --------------------------------------------------------*/

static void smtp_config(struct config *cfg, char *url, size_t url_size, int port)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(url, url_size, "smtp://127.0.0.1:%d", port);
    cfg->smtp_url = url;
    cfg->smtp_from = "交易平台 Trade Platform <noreply@example.test>";
    cfg->smtp_starttls = false;
}

static void assert_header_lines_fit(const char *raw)
{
    const char *end = strstr(raw, "\r\n\r\n");
    assert_non_null(end);
    for (const char *p = raw; p < end + 2;) {
        const char *eol = strstr(p, "\r\n");
        assert_non_null(eol);
        if (eol - p > 78)
            fail_msg("header line longer than 78: %.*s", (int)(eol - p), p);
        for (const char *c = p; c < eol; c++)
            assert_true((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
        p = eol + 2;
    }
}

static void smtp__accepted__python_decodes_subject_and_body(void **state)
{
    struct fx *f = *state;
    struct config cfg;
    char url[64];
    struct transport *t = NULL;

    start_receiver(f, "smtp_sink.py", NULL);
    smtp_config(&cfg, url, sizeof url, f->port);
    assert_err(transport_smtp_new(&cfg, &t), TA_OK);
    assert_string_equal(transport_name(t), "smtp");
    assert_err(transport_send(t, &email_msg), TA_OK);
    assert_err(transport_send(t, &email_msg), TA_OK);
    transport_free(t);

    json_t *r = load_json_in(f, "msg-1.json");
    assert_json_str(r, "mail_from", "noreply@example.test");
    json_t *rcpt = json_object_get(r, "rcpt_tos");
    assert_int_equal(json_array_size(rcpt), 1);
    assert_string_equal(json_string_value(json_array_get(rcpt, 0)), "alice@example.test");
    assert_true(json_is_null(json_object_get(r, "login")));
    assert_int_equal(json_array_size(json_object_get(r, "defects")), 0);
    assert_json_str(r, "content_type", "text/plain");
    assert_json_str(r, "charset", "utf-8");
    assert_json_str(r, "body", EMAIL_TEXT_CRLF);

    static const char *const names[] = {
        "Date",
        "From",
        "To",
        "Subject",
        "Message-ID",
        "Auto-Submitted",
        "Content-Language",
        "MIME-Version",
        "Content-Type",
        "Content-Transfer-Encoding",
    };
    json_t *hn = json_object_get(r, "header_names");
    assert_int_equal(json_array_size(hn), sizeof names / sizeof names[0]);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_string_equal(json_string_value(json_array_get(hn, i)), names[i]);

    json_t *h = json_object_get(r, "headers");
    assert_json_str(h, "Subject", EMAIL_SUBJECT);
    assert_json_str(h, "From", "交易平台 Trade Platform <noreply@example.test>");
    assert_json_str(h, "To", "alice@example.test");
    assert_json_str(h, "Date", "Tue, 14 Nov 2023 22:13:20 +0000");
    assert_json_str(h, "Auto-Submitted", "auto-generated");
    assert_json_str(h, "Content-Language", "zh-CN");
    assert_json_str(h, "MIME-Version", "1.0");
    assert_json_str(h, "Content-Type", "text/plain; charset=\"UTF-8\""); /* python's form */
    assert_json_str(h, "Content-Transfer-Encoding", "base64");
    const char *mid = json_string_value(json_object_get(h, "Message-ID"));
    assert_non_null(mid);
    assert_int_equal(strlen(mid), strlen("<") + 32 + strlen(".42@example.test>"));
    assert_int_equal(mid[0], '<');
    for (int i = 1; i <= 32; i++)
        assert_non_null(strchr("0123456789abcdef", mid[i]));
    assert_string_equal(mid + 33, ".42@example.test>");

    /* Each send gets its own Message-ID: a mailbox must never drop one as a duplicate. */
    json_t *r2 = load_json_in(f, "msg-2.json");
    const char *mid2 =
        json_string_value(json_object_get(json_object_get(r2, "headers"), "Message-ID"));
    assert_non_null(mid2);
    assert_string_not_equal(mid, mid2);
    assert_false(exists_in(f, "msg-3.json"));

    /* On the wire: RFC 2047 words folded within 78 columns, nothing but ASCII. */
    char path[512];
    path_in(f, "msg-1.eml", path, sizeof path);
    char *raw = read_file(path, NULL);
    assert_non_null(raw);
    assert_header_lines_fit(raw);
    assert_non_null(strstr(raw, "\r\nSubject: =?UTF-8?B?"));
    assert_non_null(strstr(raw, "?=\r\n =?UTF-8?B?"));
    assert_non_null(strstr(raw, "\r\nFrom: =?UTF-8?B?"));
    assert_non_null(strstr(raw, "\r\nContent-Type: text/plain; charset=UTF-8\r\n"));
    assert_memory_equal(raw, "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n", 39);
    *strstr(raw, "\r\n\r\n") = '\0';
    assert_null(strstr(raw, EMAIL_CODE)); /* headers only: the code is in the body */
    free(raw);
    json_decref(r2);
    json_decref(r);
}

static void smtp__auth__credentials_reach_server(void **state)
{
    struct fx *f = *state;
    static const char *const args[] = {"--auth", "mailer:s3cret pass", NULL};
    struct config cfg;
    char url[64];
    struct transport *t = NULL;

    start_receiver(f, "smtp_sink.py", args);
    smtp_config(&cfg, url, sizeof url, f->port);
    cfg.smtp_user = "mailer";
    cfg.smtp_password = "s3cret pass";
    assert_err(transport_smtp_new(&cfg, &t), TA_OK);
    assert_err(transport_send(t, &email_msg), TA_OK);
    transport_free(t);

    json_t *r = load_json_in(f, "msg-1.json");
    assert_json_str(r, "login", "mailer");
    assert_json_str(r, "body", EMAIL_TEXT_CRLF);
    json_decref(r);
}

static void smtp__wrong_password__internal_and_password_not_logged(void **state)
{
    struct fx *f = *state;
    static const char *const args[] = {"--auth", "mailer:s3cret pass", NULL};
    struct config cfg;
    char url[64];
    struct transport *t = NULL;

    start_receiver(f, "smtp_sink.py", args);
    smtp_config(&cfg, url, sizeof url, f->port);
    cfg.smtp_user = "mailer";
    cfg.smtp_password = "wrong-pw-77";
    assert_err(transport_smtp_new(&cfg, &t), TA_OK);
    begin_capture(f);
    ta_err e = transport_send(t, &email_msg);
    char *log = end_capture(f);
    transport_free(t);

    assert_err(e, TA_E_INTERNAL);
    assert_false(exists_in(f, "msg-1.json"));
    assert_non_null(strstr(log, "outbox id 42"));
    assert_non_null(strstr(log, "535"));
    assert_null(strstr(log, "wrong-pw-77"));
    assert_null(strstr(log, EMAIL_CODE));
    free(log);
}

/* A refusal at RCPT or DATA: the answer class decides, the log names the outbox id and
 * what the server said, and never the code or the text. */
static void smtp_refused(struct fx *f, const char *flag, const char *status, ta_err want,
                         const char *server_text)
{
    const char *const args[] = {flag, status, NULL};
    struct config cfg;
    char url[64];
    struct transport *t = NULL;

    start_receiver(f, "smtp_sink.py", args);
    smtp_config(&cfg, url, sizeof url, f->port);
    assert_err(transport_smtp_new(&cfg, &t), TA_OK);
    begin_capture(f);
    ta_err e = transport_send(t, &email_msg);
    char *log = end_capture(f);
    transport_free(t);

    assert_err(e, want);
    assert_false(exists_in(f, "msg-1.json"));
    assert_non_null(strstr(log, "outbox id 42"));
    assert_non_null(strstr(log, server_text));
    assert_null(strstr(log, EMAIL_CODE));
    assert_null(strstr(log, "verification code"));
    assert_null(strstr(log, "验证码"));
    free(log);
}

static void smtp__rcpt_451__retry(void **state)
{
    smtp_refused(*state, "--fail-rcpt", "451", TA_E_RETRY, "451 4.3.0 Mailbox busy");
}

static void smtp__rcpt_550__internal(void **state)
{
    smtp_refused(*state, "--fail-rcpt", "550", TA_E_INTERNAL, "550 5.1.1 Mailbox unavailable");
}

static void smtp__data_451__retry(void **state)
{
    smtp_refused(*state, "--fail-data", "451", TA_E_RETRY, "451 4.3.0 Mailbox busy");
}

static void smtp__data_550__internal(void **state)
{
    smtp_refused(*state, "--fail-data", "550", TA_E_INTERNAL, "550 5.1.1 Mailbox unavailable");
}

static void smtp__closed_port__retry(void **state)
{
    struct config cfg;
    char url[64];
    struct transport *t = NULL;

    (void)state;
    smtp_config(&cfg, url, sizeof url, closed_port());
    assert_err(transport_smtp_new(&cfg, &t), TA_OK);
    assert_err(transport_send(t, &email_msg), TA_E_RETRY);
    transport_free(t);
}

/* Required TLS that the server cannot offer must fail before the message is sent. */
static void smtp__starttls_unavailable__nothing_sent_in_clear(void **state)
{
    struct fx *f = *state;
    struct config cfg;
    char url[64];
    struct transport *t = NULL;

    start_receiver(f, "smtp_sink.py", NULL);
    smtp_config(&cfg, url, sizeof url, f->port);
    cfg.smtp_starttls = true;
    assert_err(transport_smtp_new(&cfg, &t), TA_OK);
    ta_err e = transport_send(t, &email_msg);
    transport_free(t);
    assert_err(e, TA_E_INTERNAL); /* curl: STARTTLS not offered, a setting mismatch */
    assert_false(exists_in(f, "msg-1.json"));
}

/* A closed port would answer TA_E_RETRY if a connection were tried: INTERNAL proves
 * these messages are refused before any network traffic. */
static void smtp__unsendable_messages__internal_without_connecting(void **state)
{
    struct config cfg;
    char url[64];
    struct transport *t = NULL;
    struct delivery_msg sms = sms_msg;
    struct delivery_msg injected = email_msg;
    struct delivery_msg two = email_msg;

    (void)state;
    injected.to = "alice@example.test>\r\nRCPT TO:<mallory@example.test";
    two.to = "alice@example.test,bob@example.test";
    smtp_config(&cfg, url, sizeof url, closed_port());
    assert_err(transport_smtp_new(&cfg, &t), TA_OK);
    assert_err(transport_send(t, &sms), TA_E_INTERNAL);
    assert_err(transport_send(t, &injected), TA_E_INTERNAL);
    assert_err(transport_send(t, &two), TA_E_INTERNAL);
    transport_free(t);
}

static void smtp_new__bad_settings__internal_and_out_untouched(void **state)
{
    struct config cfg;
    char url[64];
    struct transport *const sentinel = not_written();
    struct transport *t = sentinel;

    (void)state;
    smtp_config(&cfg, url, sizeof url, 25);
    cfg.smtp_url = NULL;
    assert_err(transport_smtp_new(&cfg, &t), TA_E_INTERNAL);
    cfg.smtp_url = "http://127.0.0.1:25";
    assert_err(transport_smtp_new(&cfg, &t), TA_E_INTERNAL);
    cfg.smtp_url = url;
    cfg.smtp_from = NULL;
    assert_err(transport_smtp_new(&cfg, &t), TA_E_INTERNAL);
    cfg.smtp_from = "Trade Platform <noreply@example.test";
    assert_err(transport_smtp_new(&cfg, &t), TA_E_INTERNAL);
    cfg.smtp_from = "no-at-sign";
    assert_err(transport_smtp_new(&cfg, &t), TA_E_INTERNAL);
    cfg.smtp_from = "noreply@example.test\r\nBcc: x@example.test";
    assert_err(transport_smtp_new(&cfg, &t), TA_E_INTERNAL);
    assert_ptr_equal(t, sentinel);
}

/*---- webhook transport -----------------------------------------------------*/

#define BEARER "tok-abc.123"
#define HMAC_KEY "whsec_test_key"
#define SMS_BODY                                                                                   \
    "{\"id\":9001,\"to\":\"+86 13800138000\",\"text\":\"" SMS_TEXT "\","                           \
    "\"subject\":\"Login code\",\"bizType\":\"SMS_LOGIN_VERIFICATION_CODE\","                      \
    "\"lang\":\"en-US\",\"companyId\":3,\"channel\":\"sms\"}"

static void webhook_config(struct config *cfg, char *url, size_t url_size, int port)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(url, url_size, "http://127.0.0.1:%d/hooks/sms", port);
    cfg->webhook_url = url;
}

/* The test's own HMAC, from libsodium's multi-part API with a key of any length. */
static void hmac_hex(const char *key, const unsigned char *data, size_t n, char hex[65])
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];

    crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
    crypto_auth_hmacsha256_update(&st, data, n);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(hex, 65, mac, sizeof mac);
}

static void webhook__signed_post__exact_body_and_headers(void **state)
{
    struct fx *f = *state;
    static const char *const args[] = {"--hmac-key", HMAC_KEY, NULL};
    struct config cfg;
    char url[96];
    struct transport *t = NULL;
    char hex[65];

    /* The helper itself, against RFC 4231 test case 2. */
    hmac_hex("Jefe", (const unsigned char *)"what do ya want for nothing?", 28, hex);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

    start_receiver(f, "http_sink.py", args);
    webhook_config(&cfg, url, sizeof url, f->port);
    cfg.webhook_bearer = BEARER;
    cfg.webhook_hmac_key = HMAC_KEY;
    assert_err(transport_webhook_new(&cfg, &t), TA_OK);
    assert_string_equal(transport_name(t), "webhook");
    assert_err(transport_send(t, &sms_msg), TA_OK);
    transport_free(t);

    char path[512];
    size_t len = 0;
    path_in(f, "req-1.body", path, sizeof path);
    char *body = read_file(path, &len);
    assert_non_null(body);
    assert_string_equal(body, SMS_BODY);

    json_t *b = json_loads(body, 0, NULL);
    assert_non_null(b);
    assert_int_equal(json_object_size(b), 8);
    assert_json_int(b, "id", 9001);
    assert_json_str(b, "to", "+86 13800138000");
    assert_json_str(b, "text", SMS_TEXT);
    assert_json_str(b, "subject", "Login code");
    assert_json_str(b, "bizType", "SMS_LOGIN_VERIFICATION_CODE");
    assert_json_str(b, "lang", "en-US");
    assert_json_int(b, "companyId", 3);
    assert_json_str(b, "channel", "sms");
    json_decref(b);

    json_t *r = load_json_in(f, "req-1.json");
    assert_json_str(r, "method", "POST");
    assert_json_str(r, "path", "/hooks/sms");
    json_t *h = json_object_get(r, "headers");
    assert_json_str(h, "content-type", "application/json");
    assert_json_str(h, "authorization", "Bearer " BEARER);
    assert_json_str(h, "x-idempotency-key", "9001");
    assert_json_str(h, "user-agent", "tradeauth");
    assert_null(json_object_get(h, "expect"));
    assert_json_int(json_object_get(r, "header_count"), "x-signature", 1);

    char want[80];
    hmac_hex(HMAC_KEY, (const unsigned char *)body, len, hex);
    snprintf(want, sizeof want, "sha256=%s", hex);
    assert_json_str(h, "x-signature", want);
    /* Python's hmac module over the same bytes, as a receiver would check it. */
    assert_json_str(r, "hmac_sha256", hex);
    assert_false(exists_in(f, "req-2.json"));
    json_decref(r);
    free(body);
}

static void webhook__no_secrets_configured__no_auth_or_signature_headers(void **state)
{
    struct fx *f = *state;
    struct config cfg;
    char url[96];
    struct transport *t = NULL;

    start_receiver(f, "http_sink.py", NULL);
    webhook_config(&cfg, url, sizeof url, f->port);
    assert_err(transport_webhook_new(&cfg, &t), TA_OK);
    assert_err(transport_send(t, &email_msg), TA_OK);
    transport_free(t);

    json_t *r = load_json_in(f, "req-1.json");
    json_t *h = json_object_get(r, "headers");
    assert_null(json_object_get(h, "authorization"));
    assert_null(json_object_get(h, "x-signature"));
    assert_json_str(h, "x-idempotency-key", "42");
    assert_json_str(h, "content-type", "application/json");
    json_decref(r);

    json_t *b = load_json_in(f, "req-1.body");
    assert_json_str(b, "channel", "email");
    assert_json_str(b, "to", "alice@example.test");
    assert_json_str(b, "subject", EMAIL_SUBJECT);
    assert_json_str(b, "text", EMAIL_TEXT);
    assert_json_int(b, "companyId", 7);
    json_decref(b);
}

static void webhook__status_answers__classified(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *status;
        ta_err want;
    } cases[] = {
        {"200", TA_OK},         {"204", TA_OK},         {"500", TA_E_RETRY},
        {"503", TA_E_RETRY},    {"429", TA_E_RETRY},    {"408", TA_E_RETRY},
        {"400", TA_E_INTERNAL}, {"401", TA_E_INTERNAL}, {"404", TA_E_INTERNAL},
        {"302", TA_E_INTERNAL},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *const args[] = {"--status", cases[i].status, NULL};
        struct config cfg;
        char url[96];
        struct transport *t = NULL;

        start_receiver(f, "http_sink.py", args);
        webhook_config(&cfg, url, sizeof url, f->port);
        assert_err(transport_webhook_new(&cfg, &t), TA_OK);
        ta_err e = transport_send(t, &sms_msg);
        transport_free(t);
        if (e != cases[i].want)
            fail_msg("HTTP %s: got %s, want %s", cases[i].status, ta_err_name(e),
                     ta_err_name(cases[i].want));
        assert_true(exists_in(f, "req-1.json"));
        stop_child(f);
        char path[512];
        path_in(f, "req-1.json", path, sizeof path);
        unlink(path);
        path_in(f, "req-1.body", path, sizeof path);
        unlink(path);
    }
}

/* A receiver that echoes the request in its error must not put the code in our log. */
static void webhook__rejection_log__names_id_and_answer_without_code(void **state)
{
    struct fx *f = *state;
    static const char *const args[] = {"--status", "400", "--echo", NULL};
    struct config cfg;
    char url[96];
    struct transport *t = NULL;

    start_receiver(f, "http_sink.py", args);
    webhook_config(&cfg, url, sizeof url, f->port);
    cfg.webhook_bearer = BEARER;
    assert_err(transport_webhook_new(&cfg, &t), TA_OK);
    begin_capture(f);
    ta_err e = transport_send(t, &sms_msg);
    char *log = end_capture(f);
    transport_free(t);

    assert_err(e, TA_E_INTERNAL);
    assert_non_null(strstr(log, "outbox id 9001"));
    assert_non_null(strstr(log, "HTTP 400"));
    assert_non_null(strstr(log, "Your login code is ******."));
    assert_null(strstr(log, SMS_CODE));
    assert_null(strstr(log, BEARER));
    free(log);
}

static void webhook__slow_receiver__retry_after_timeout(void **state)
{
    struct fx *f = *state;
    static const char *const args[] = {"--sleep", "5", NULL};
    struct config cfg;
    char url[96];
    struct transport *t = NULL;

    start_receiver(f, "http_sink.py", args);
    webhook_config(&cfg, url, sizeof url, f->port);
    assert_err(transport_webhook_new(&cfg, &t), TA_OK);
    transport_webhook_set_timeout_ms(t, 400);
    int64_t t0 = clock_mono_ns();
    ta_err e = transport_send(t, &sms_msg);
    int64_t took_ms = (clock_mono_ns() - t0) / 1000000;
    transport_free(t);

    assert_err(e, TA_E_RETRY);
    assert_true(took_ms >= 350 && took_ms < 3000);
    assert_true(exists_in(f, "req-1.json")); /* delivered late: the idempotency key dedupes */
}

static void webhook__closed_port__retry(void **state)
{
    struct config cfg;
    char url[96];
    struct transport *t = NULL;

    (void)state;
    webhook_config(&cfg, url, sizeof url, closed_port());
    assert_err(transport_webhook_new(&cfg, &t), TA_OK);
    assert_err(transport_send(t, &sms_msg), TA_E_RETRY);
    transport_free(t);
}

static void webhook_new__bad_settings__internal_and_out_untouched(void **state)
{
    struct config cfg;
    char url[96];
    struct transport *const sentinel = not_written();
    struct transport *t = sentinel;

    (void)state;
    webhook_config(&cfg, url, sizeof url, 80);
    cfg.webhook_url = NULL;
    assert_err(transport_webhook_new(&cfg, &t), TA_E_INTERNAL);
    cfg.webhook_url = "";
    assert_err(transport_webhook_new(&cfg, &t), TA_E_INTERNAL);
    cfg.webhook_url = "file:///etc/passwd";
    assert_err(transport_webhook_new(&cfg, &t), TA_E_INTERNAL);
    cfg.webhook_url = url;
    cfg.webhook_bearer = "tok\r\nX-Evil: 1";
    assert_err(transport_webhook_new(&cfg, &t), TA_E_INTERNAL);
    assert_ptr_equal(t, sentinel);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(log__two_messages__two_exact_json_lines),
        T(log__shared_file__appends_after_existing_lines),
        T(log__concurrent_senders__every_line_whole),
        T(log__unusable_path__internal_and_out_untouched),
        T(log__invalid_utf8_or_missing_text__internal_nothing_written),
        T(smtp__accepted__python_decodes_subject_and_body),
        T(smtp__auth__credentials_reach_server),
        T(smtp__wrong_password__internal_and_password_not_logged),
        T(smtp__rcpt_451__retry),
        T(smtp__rcpt_550__internal),
        T(smtp__data_451__retry),
        T(smtp__data_550__internal),
        T(smtp__closed_port__retry),
        T(smtp__starttls_unavailable__nothing_sent_in_clear),
        T(smtp__unsendable_messages__internal_without_connecting),
        T(smtp_new__bad_settings__internal_and_out_untouched),
        T(webhook__signed_post__exact_body_and_headers),
        T(webhook__no_secrets_configured__no_auth_or_signature_headers),
        T(webhook__status_answers__classified),
        T(webhook__rejection_log__names_id_and_answer_without_code),
        T(webhook__slow_receiver__retry_after_timeout),
        T(webhook__closed_port__retry),
        T(webhook_new__bad_settings__internal_and_out_untouched),
#undef T
    };

    /* The program does these once at start; the transports rely on it. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || sodium_init() < 0)
        return 1;
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
