/* tests/support/e2e.c — see e2e.h. Children are started with fork/exec and die with the
 * test process (PR_SET_PDEATHSIG, plus an atexit sweep), so a crashed test leaves no
 * server behind; their folders are removed unless TA_E2E_KEEP is set. */
#include "e2e.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#ifdef TA_WITH_PG
#include <libpq-fe.h>
#endif

const char e2e_omit[] = "<omit>";
const char *const e2e_one_param[] = {"<one param>", NULL};

#define START_WAIT_MS 10000
#define STOP_WAIT_MS 15000 /* the server drains for up to 10 s, then flushes the outbox */
#define CLI_WAIT_MS 20000
#define CODE_WAIT_MS 5000
#define CALL_TIMEOUT_MS 10000
#define MAX_SERVERS 64

/* ---- small helpers ------------------------------------------------------------------ */

double e2e_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The whole file into a malloc'd NUL-terminated buffer, or NULL. */
static char *slurp(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 2048 + 1 > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    fclose(f);
    buf[len] = '\0';
    if (len_out != NULL)
        *len_out = len;
    return buf;
}

#define FAIL_AT(file, line, ...)                                                                   \
    do {                                                                                           \
        print_error("%s:%d: ", (file), (line));                                                    \
        print_error(__VA_ARGS__);                                                                  \
        print_error("\n");                                                                         \
        _fail((file), (line));                                                                     \
    } while (0)

/* ---- process registry (atexit sweep) ------------------------------------------------ */

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t live[MAX_SERVERS];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static struct e2e_server *unfreed[MAX_SERVERS]; /* made by e2e_server_new, not yet freed */

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static bool keep_dirs(void)
{
    const char *keep = getenv("TA_E2E_KEEP");
    return keep != NULL && keep[0] != '\0';
}

static void pg_drop_all(void);
static int pg_drop_quiet(const char *url);
static void pg_create(char *url, size_t size);
static bool is_pg_url(const char *url);

/* At exit: kill what still runs, and remove the folders of servers a failed test could not
 * free (cmocka longjmps past the test's own cleanup), and their PostgreSQL databases. */
static void sweep(void)
{
    pthread_mutex_lock(&reg_lock);
    for (size_t i = 0; i < MAX_SERVERS; i++) {
        if (live[i] > 0) {
            kill(live[i], SIGKILL);
            waitpid(live[i], NULL, 0);
            live[i] = 0;
        }
    }
    for (size_t i = 0; i < MAX_SERVERS; i++) {
        struct e2e_server *s = unfreed[i];
        if (s == NULL)
            continue;
        unfreed[i] = NULL;
        if (!keep_dirs())
            nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        if (s->owns_db)
            pg_drop_quiet(s->db_url);
        pthread_mutex_destroy(&s->lock);
        free(s);
    }
    pthread_mutex_unlock(&reg_lock);
    pg_drop_all(); /* made by e2e_pg_create and not dropped */
}

static void unfreed_set(struct e2e_server *old, struct e2e_server *now)
{
    pthread_mutex_lock(&reg_lock);
    for (size_t i = 0; i < MAX_SERVERS; i++) {
        if (unfreed[i] == old) {
            unfreed[i] = now;
            break;
        }
    }
    pthread_mutex_unlock(&reg_lock);
}

static void init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    atexit(sweep);
}

static void reg_set(pid_t old, pid_t now)
{
    pthread_mutex_lock(&reg_lock);
    for (size_t i = 0; i < MAX_SERVERS; i++) {
        if (live[i] == old) {
            live[i] = now;
            break;
        }
    }
    pthread_mutex_unlock(&reg_lock);
}

/* ---- the server ---------------------------------------------------------------------- */

static const char *binary(void)
{
    const char *b = getenv("TA_BINARY");
    return b != NULL && b[0] != '\0' ? b : NULL;
}

static struct e2e_server *server_new(const char *db_url);

struct e2e_server *e2e_server_new(void)
{
    return server_new(NULL);
}

struct e2e_server *e2e_server_new_db(const char *db_url)
{
    if (db_url == NULL || db_url[0] == '\0' || strlen(db_url) >= E2E_PATH_MAX + 32) {
        print_error("e2e_server_new_db: no database URL, or one too long\n");
        fail();
    }
    return server_new(db_url);
}

/* db_url NULL: the backend's own fresh database (a file in the folder, or a new PostgreSQL
 * database with TA_E2E_BACKEND=pg). */
static struct e2e_server *server_new(const char *db_url)
{
    pthread_once(&once, init_once);
    if (binary() == NULL) {
        print_error("e2e: TA_BINARY is not set (run through ctest)\n");
        fail();
    }
    /* The database first: a failure here leaves nothing to clean up. */
    char pg_url[E2E_PATH_MAX + 32] = "";
    if (db_url == NULL && e2e_backend_pg())
        pg_create(pg_url, sizeof pg_url); /* fails the test when it cannot */
    struct e2e_server *s = calloc(1, sizeof *s);
    assert_non_null(s);
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    int n = snprintf(s->dir, sizeof s->dir, "%s/ta-e2e-XXXXXX", tmp);
    if (n < 0 || (size_t)n >= sizeof s->dir || mkdtemp(s->dir) == NULL) {
        print_error("e2e: cannot make a folder under %s: %s\n", tmp, strerror(errno));
        free(s);
        if (pg_url[0] != '\0')
            pg_drop_quiet(pg_url);
        fail();
    }
    if (db_url != NULL) {
        snprintf(s->db_url, sizeof s->db_url, "%s", db_url);
    } else if (pg_url[0] != '\0') {
        snprintf(s->db_url, sizeof s->db_url, "%s", pg_url);
        s->owns_db = true; /* e2e_server_free (or the exit sweep) drops it */
    } else {
        snprintf(s->db_url, sizeof s->db_url, "sqlite:%s/store.db", s->dir);
    }
    snprintf(s->delivery_log, sizeof s->delivery_log, "%s/delivery.jsonl", s->dir);
    snprintf(s->out_path, sizeof s->out_path, "%s/stdout.txt", s->dir);
    snprintf(s->err_path, sizeof s->err_path, "%s/stderr.txt", s->dir);
    s->exit_status = -1;
    pthread_mutex_init(&s->lock, NULL);
    unfreed_set(NULL, s); /* untracked when all slots are taken: then only the test frees it */
    return s;
}

/* Redirects fd to path in a freshly forked child (async-signal-safe calls only). */
static void child_redirect(int fd, const char *path, int flags)
{
    int f = open(path, flags, 0600);
    if (f >= 0 && f != fd) {
        dup2(f, fd);
        close(f);
    }
}

/* fork + exec of argv with stdout to out_path, stderr to err_path. Returns the pid or -1. */
static pid_t spawn(char *const *argv, const char *out_path, const char *err_path)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    /* The child: die with the test process; no stdin. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    child_redirect(0, "/dev/null", O_RDONLY);
    child_redirect(1, out_path, O_WRONLY | O_CREAT | O_TRUNC);
    child_redirect(2, err_path, O_WRONLY | O_CREAT | O_APPEND);
    execv(argv[0], argv);
    _exit(127);
}

void e2e_server_dump(const struct e2e_server *s)
{
    if (s == NULL)
        return;
    size_t len = 0;
    char *text = slurp(s->err_path, &len);
    if (text == NULL)
        return;
    const char *from = len > 4000 ? text + len - 4000 : text;
    print_error("---- tradeauth stderr (%s), last part ----\n%s\n----\n", s->err_path, from);
    free(text);
}

void e2e_server_start(struct e2e_server *s, const char *const *extra)
{
    const char *base[] = {binary(), "serve", "--listen", "127.0.0.1:0", "--db", s->db_url,
                          "--delivery-log", s->delivery_log, "--delivery-poll-ms", "20",
                          "--argon2-ops", "1", "--argon2-mem-kib", "1024",
                          /* Every test call comes from a fresh address: new-device alerts
                           * would land between the codes tests wait for. Their own tests
                           * (test_security_devices.c) turn them on. */
                          "--new-device-alert", "false"};
    /* On PostgreSQL every HTTP and hash thread holds a connection: a fixed two of each (what
     * a 2-core CI machine gets by default) keeps parallel tests on a big machine within the
     * shared cluster's max_connections. The test's own flags still win. */
    const char *pg_base[] = {"--threads", "2", "--hash-threads", "2", "--write-threads", "2"};
    size_t nb = sizeof base / sizeof base[0], ne = 0;
    size_t np = is_pg_url(s->db_url) ? sizeof pg_base / sizeof pg_base[0] : 0;
    while (extra != NULL && extra[ne] != NULL)
        ne++;
    char **argv = calloc(nb + np + ne + 1, sizeof *argv);
    assert_non_null(argv);
    for (size_t i = 0; i < nb; i++)
        argv[i] = (char *)base[i];
    for (size_t i = 0; i < np; i++)
        argv[nb + i] = (char *)pg_base[i];
    for (size_t i = 0; i < ne; i++)
        argv[nb + np + i] = (char *)extra[i];
    assert_int_equal(s->pid, 0);

    pthread_mutex_lock(&reg_lock); /* reserve a slot before the child exists */
    size_t slot = MAX_SERVERS;
    for (size_t i = 0; i < MAX_SERVERS && slot == MAX_SERVERS; i++)
        if (live[i] == 0)
            slot = i;
    if (slot < MAX_SERVERS)
        live[slot] = -1;
    pthread_mutex_unlock(&reg_lock);
    assert_true(slot < MAX_SERVERS);

    /* A restart: the previous run's "listening on" line must not be read before the child
     * truncates the file (the port would be the old one). */
    (void)unlink(s->out_path);
    pid_t pid = spawn(argv, s->out_path, s->err_path);
    free(argv);
    if (pid < 0) {
        reg_set(-1, 0);
        print_error("e2e: fork failed: %s\n", strerror(errno));
        fail();
    }
    reg_set(-1, pid);
    s->pid = pid;
    s->port = 0;

    double until = e2e_now_ms() + START_WAIT_MS;
    while (e2e_now_ms() < until) {
        char *out = slurp(s->out_path, NULL);
        const char *p = out ? strstr(out, "listening on http://127.0.0.1:") : NULL;
        if (p != NULL) {
            char *end = NULL;
            long port = strtol(p + strlen("listening on http://127.0.0.1:"), &end, 10);
            if (end != NULL && *end == ' ' && port > 0 && port < 65536)
                s->port = (int)port;
        }
        free(out);
        if (s->port != 0)
            break;
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            reg_set(pid, 0);
            s->pid = 0;
            s->exit_status = status;
            e2e_server_dump(s);
            print_error("e2e: tradeauth exited before listening (status 0x%x)\n", status);
            fail();
        }
        sleep_ms(10);
    }
    if (s->port == 0) {
        e2e_server_dump(s);
        print_error("e2e: no 'listening on' line within %d ms\n", START_WAIT_MS);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        reg_set(pid, 0);
        s->pid = 0;
        fail();
    }
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
}

struct e2e_server *e2e_server_up(const char *const *extra)
{
    struct e2e_server *s = e2e_server_new();
    e2e_server_start(s, extra);
    return s;
}

/* Waits up to ms for pid; the wait status or -1 on timeout. */
static int wait_bounded(pid_t pid, long ms)
{
    double until = e2e_now_ms() + (double)ms;
    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r < 0 && errno != EINTR)
            return -1;
        if (e2e_now_ms() >= until)
            return -1;
        sleep_ms(5);
    }
}

void e2e_server_kill9(struct e2e_server *s)
{
    assert_true(s->pid > 0);
    pid_t pid = s->pid;
    assert_int_equal(kill(pid, SIGKILL), 0);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    reg_set(pid, 0);
    s->pid = 0;
    s->exit_status = st;
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

void e2e_server_stop(struct e2e_server *s)
{
    assert_non_null(s);
    if (s->pid <= 0)
        return;
    pid_t pid = s->pid;
    kill(pid, SIGTERM);
    int status = wait_bounded(pid, STOP_WAIT_MS);
    if (status == -1) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        reg_set(pid, 0);
        s->pid = 0;
        s->exit_status = status;
        e2e_server_dump(s);
        print_error("e2e: tradeauth did not stop within %d ms of SIGTERM\n", STOP_WAIT_MS);
        fail();
    }
    reg_set(pid, 0);
    s->pid = 0;
    s->exit_status = status;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        e2e_server_dump(s);
        if (WIFSIGNALED(status))
            print_error("e2e: tradeauth died of signal %d after SIGTERM\n", WTERMSIG(status));
        else
            print_error("e2e: tradeauth exited with status %d after SIGTERM\n",
                        WEXITSTATUS(status));
        fail();
    }
}

void e2e_server_free(struct e2e_server *s)
{
    if (s == NULL)
        return;
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        reg_set(s->pid, 0);
        s->pid = 0;
    }
    unfreed_set(s, NULL);
    if (!keep_dirs())
        nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    else
        fprintf(stderr, "e2e: kept %s\n", s->dir);
    if (s->owns_db)
        pg_drop_quiet(s->db_url);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

int e2e_cli(const struct e2e_server *s, char *out, size_t size, const char *const *args)
{
    char out_path[E2E_PATH_MAX + 32];
    static atomic_int cli_n;
    snprintf(out_path, sizeof out_path, "%s/cli-%d.out", s->dir, atomic_fetch_add(&cli_n, 1));
    size_t n = 0;
    while (args != NULL && args[n] != NULL)
        n++;
    char **argv = calloc(n + 4, sizeof *argv);
    if (argv == NULL)
        return -1;
    argv[0] = (char *)binary();
    for (size_t i = 0; i < n; i++)
        argv[1 + i] = (char *)args[i];
    argv[1 + n] = (char *)"--db";
    argv[2 + n] = (char *)s->db_url;
    pid_t pid = spawn(argv, out_path, s->err_path);
    free(argv);
    if (pid < 0)
        return -1;
    int status = wait_bounded(pid, CLI_WAIT_MS);
    if (status == -1) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return -1;
    }
    if (out != NULL && size > 0) {
        char *text = slurp(out_path, NULL);
        snprintf(out, size, "%s", text ? text : "");
        free(text);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct e2e_server *e2e_group_server;

int e2e_group_setup(void **state)
{
    (void)state;
    e2e_group_server = e2e_server_up(NULL);
    return 0;
}

int e2e_group_teardown(void **state)
{
    (void)state;
    e2e_server_stop(e2e_group_server);
    e2e_server_free(e2e_group_server);
    e2e_group_server = NULL;
    return 0;
}

int e2e_setup_server(void **state)
{
    *state = e2e_server_up(NULL);
    return 0;
}

int e2e_teardown_server(void **state)
{
    struct e2e_server *s = *state;
    *state = NULL;
    if (s != NULL && s->pid > 0) {
        /* Stop first; free even when the stop assertion fails. */
        pid_t pid = s->pid;
        kill(pid, SIGTERM);
        int status = wait_bounded(pid, STOP_WAIT_MS);
        bool ok = status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (!ok) {
            e2e_server_dump(s);
            print_error("e2e: tradeauth did not exit 0 on SIGTERM (status %d)\n", status);
        }
        if (status != -1) {
            reg_set(pid, 0);
            s->pid = 0;
        }
        e2e_server_free(s);
        return ok ? 0 : -1;
    }
    e2e_server_free(s);
    return 0;
}

/* ---- HTTP ----------------------------------------------------------------------------- */

struct e2e_conn {
    CURL *h;
};

struct e2e_conn *e2e_conn_new(void)
{
    pthread_once(&once, init_once);
    struct e2e_conn *c = calloc(1, sizeof *c);
    if (c != NULL)
        c->h = curl_easy_init();
    return c;
}

void e2e_conn_free(struct e2e_conn *c)
{
    if (c == NULL)
        return;
    curl_easy_cleanup(c->h);
    free(c);
}

struct buf {
    char *p;
    size_t n, cap;
};

static void buf_add(struct buf *b, const char *data, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (b->n + n + 1 > cap)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL)
            return;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    buf_add(ud, data, size * nmemb);
    return size * nmemb;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    struct buf *b = ud;
    size_t n = size * nmemb;
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
        b->n = 0; /* a new response (after 100 Continue): keep only the last */
    buf_add(b, data, n);
    return n;
}

struct upload {
    const char *p;
    size_t left;
};

/* Chunked uploads: hand out the body in 1000-byte pieces. */
static size_t on_read(char *dst, size_t size, size_t nmemb, void *ud)
{
    struct upload *u = ud;
    size_t n = size * nmemb;
    if (n > 1000)
        n = 1000;
    if (n > u->left)
        n = u->left;
    memcpy(dst, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

static atomic_uint counter;

/* Responses handed out and not yet freed stay reachable from here, so a test that fails
 * half-way (cmocka longjmps past its e2e_resp_free calls) shows its assertion, not a
 * LeakSanitizer report. */
static pthread_mutex_t track_lock = PTHREAD_MUTEX_INITIALIZER;
static void **tracked;
static size_t n_tracked, cap_tracked;

static void track(void *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&track_lock);
    if (n_tracked == cap_tracked) {
        size_t cap = cap_tracked ? cap_tracked * 2 : 64;
        void **t = realloc(tracked, cap * sizeof *t);
        if (t != NULL) {
            tracked = t;
            cap_tracked = cap;
        }
    }
    if (n_tracked < cap_tracked)
        tracked[n_tracked++] = p;
    pthread_mutex_unlock(&track_lock);
}

static void untrack(void *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&track_lock);
    for (size_t i = n_tracked; i-- > 0;) {
        if (tracked[i] == p) {
            tracked[i] = tracked[--n_tracked];
            break;
        }
    }
    pthread_mutex_unlock(&track_lock);
}

void e2e_addr(char buf[32])
{
    unsigned n = atomic_fetch_add(&counter, 1) + 1;
    snprintf(buf, 32, "10.%u.%u.%u", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

void e2e_email(char buf[96], const char *local)
{
    unsigned n = atomic_fetch_add(&counter, 1) + 1;
    snprintf(buf, 96, "%s%u@example.com", local, n);
}

void e2e_phone(char buf[16])
{
    unsigned n = atomic_fetch_add(&counter, 1) + 1;
    snprintf(buf, 16, "138%04u5678", n % 10000);
}

static void add_header(struct curl_slist **list, const char *name, const char *value)
{
    char line[4096];
    if (value == NULL || value == e2e_omit)
        return;
    snprintf(line, sizeof line, "%s: %s", name, value);
    *list = curl_slist_append(*list, line);
}

struct e2e_resp e2e_call(const struct e2e_server *s, const char *path, const char *body,
                         const struct e2e_opts *o)
{
    static const struct e2e_opts none;
    struct e2e_resp r;
    struct buf bb = {0}, hb = {0};
    struct curl_slist *hdrs = NULL;
    char url[600], addr[32], trace[64];
    if (o == NULL)
        o = &none;
    pthread_once(&once, init_once);
    memset(&r, 0, sizeof r);

    CURL *h = o->conn != NULL ? o->conn->h : curl_easy_init();
    if (h == NULL) {
        r.curl_rc = CURLE_FAILED_INIT;
        r.body = calloc(1, 1);
        return r;
    }
    if (o->conn != NULL)
        curl_easy_reset(h);
    snprintf(url, sizeof url, "%s%s", s->base, path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms > 0 ? o->timeout_ms : CALL_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &bb);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &hb);

    hdrs = curl_slist_append(hdrs, "Expect:");
    add_header(&hdrs, "companyId", o->company ? o->company : "1");
    add_header(&hdrs, "token", o->token);
    add_header(&hdrs, "lang", o->lang);
    add_header(&hdrs, "version", o->version);
    const char *t = o->trace;
    if (t == NULL) {
        snprintf(trace, sizeof trace, "e2e-%d-%u", (int)getpid(),
                 atomic_fetch_add(&counter, 1) + 1);
        t = trace;
    }
    if (t != e2e_omit)
        snprintf(r.trace_sent, sizeof r.trace_sent, "%s", t);
    add_header(&hdrs, "trace", t);
    const char *xff = o->xff;
    if (xff == NULL) {
        e2e_addr(addr);
        xff = addr;
    }
    add_header(&hdrs, "X-Forwarded-For", xff);
    if (o->content_type == e2e_omit)
        hdrs = curl_slist_append(hdrs, "Content-Type:");
    else
        add_header(&hdrs, "Content-Type", o->content_type ? o->content_type : "application/json");
    for (size_t i = 0; o->headers != NULL && o->headers[i] != NULL; i++)
        hdrs = curl_slist_append(hdrs, o->headers[i]);

    const char *method = o->method ? o->method : "POST";
    size_t len = body ? (o->body_len ? o->body_len : strlen(body)) : 0;
    struct upload up = {body ? body : "", len};
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        if (o->chunked) {
            hdrs = curl_slist_append(hdrs, "Transfer-Encoding: chunked");
            curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
            curl_easy_setopt(h, CURLOPT_READDATA, &up);
        } else {
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
        }
    } else if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        if (body != NULL) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        }
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);

    double t0 = e2e_now_ms();
    r.curl_rc = (int)curl_easy_perform(h);
    r.ms = e2e_now_ms() - t0;
    if (r.curl_rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(hdrs);
    if (o->conn == NULL)
        curl_easy_cleanup(h);
    else
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);

    r.body = bb.p ? bb.p : calloc(1, 1);
    r.body_len = bb.n;
    r.headers = hb.p ? hb.p : calloc(1, 1);
    if (r.body_len > 0) {
        json_error_t jerr;
        r.json = json_loadb(r.body, r.body_len, 0, &jerr);
    }
    track(r.body);
    track(r.headers);
    track(r.json);
    return r;
}

struct e2e_resp e2e_callj(const struct e2e_server *s, const char *path, json_t *body,
                          const struct e2e_opts *o)
{
    if (body == NULL) {
        print_error("e2e_callj: NULL body (a json_pack format mistake?)\n");
        fail();
    }
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    struct e2e_resp r = e2e_call(s, path, text, o);
    free(text);
    return r;
}

void e2e_resp_free(struct e2e_resp *r)
{
    if (r == NULL)
        return;
    untrack(r->body);
    untrack(r->headers);
    untrack(r->json);
    json_decref(r->json);
    free(r->body);
    free(r->headers);
    memset(r, 0, sizeof *r);
}

const char *e2e_header(const struct e2e_resp *r, const char *name, char *buf, size_t size)
{
    size_t nlen = strlen(name);
    const char *p = r->headers;
    while (p != NULL && *p != '\0') {
        const char *eol = strstr(p, "\r\n");
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
            const char *v = p + nlen + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t vlen = len - (size_t)(v - p);
            while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                vlen--;
            snprintf(buf, size, "%.*s", (int)vlen, v);
            return buf;
        }
        p = eol ? eol + 2 : NULL;
    }
    return NULL;
}

/* ---- envelope assertions ------------------------------------------------------------- */

static bool hex_run(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
            return false;
    return true;
}

double e2e_metric(const struct e2e_server *s, const char *series)
{
    struct e2e_opts o = {.method = "GET", .timeout_ms = 40000};
    struct e2e_resp r = e2e_call(s, "/metrics", NULL, &o);
    assert_int_equal(r.status, 200);
    char want[256];
    snprintf(want, sizeof want, "\n%s ", series);
    const char *at = strstr(r.body, want);
    if (at == NULL) {
        e2e_resp_free(&r);
        fail_msg("/metrics has no %s", series);
    }
    double v = strtod(at + strlen(want), NULL);
    e2e_resp_free(&r);
    return v;
}

static double access_ms_now(const struct e2e_server *s, const char *trace)
{
    FILE *f = fopen(s->err_path, "r");
    assert_non_null(f);
    char line[4096];
    double ms = -1;
    while (fgets(line, sizeof line, f) != NULL) {
        json_t *o = json_loads(line, 0, NULL);
        const char *t = json_string_value(json_object_get(o, "trace"));
        const char *kind = json_string_value(json_object_get(o, "kind"));
        if (t != NULL && kind != NULL && strcmp(t, trace) == 0 && strcmp(kind, "access") == 0)
            ms = json_number_value(json_object_get(o, "ms"));
        json_decref(o);
    }
    fclose(f);
    return ms;
}

double e2e_access_ms(const struct e2e_server *s, const char *trace)
{
    double ms = access_ms_now(s, trace);
    for (int i = 0; i < 100 && ms < 0; i++) {
        usleep(10 * 1000);
        ms = access_ms_now(s, trace);
    }
    return ms;
}

bool e2e_generated_trace(const char *s)
{
    /* x-xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx-<ms> */
    if (strncmp(s, "x-", 2) != 0)
        return false;
    const char *u = s + 2;
    static const size_t parts[] = {8, 4, 4, 4, 12};
    const char *p = u;
    for (size_t i = 0; i < 5; i++) {
        if (!hex_run(p, parts[i]))
            return false;
        p += parts[i];
        if (*p != '-')
            return false;
        p++;
    }
    if (u[14] != '4' || strchr("89ab", u[19]) == NULL)
        return false;
    size_t n = strlen(p);
    if (n < 13 || strspn(p, "0123456789") != n)
        return false;
    long long ms = atoll(p);
    long long now = (long long)wall_ms();
    return ms > now - 60000 && ms <= now + 1000;
}

static const char *type_name(const json_t *v)
{
    if (v == NULL)
        return "(absent)";
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "real";
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    case JSON_NULL:
        return "null";
    }
    return "?";
}

void e2e_expect_(const struct e2e_resp *r, long status, const char *code, const char *const *params,
                 const char *file, int line)
{
    if (r->status != status || r->json == NULL || !json_is_object(r->json)) {
        print_error("%s:%d: expected HTTP %ld with %s; got HTTP %ld (curl %d) body: %.600s\n", file,
                    line, status, code, r->status, r->curl_rc, r->body ? r->body : "");
        _fail(file, line);
    }
    const json_t *o = r->json;
    const json_t *c = json_object_get(o, "code");
    if (!json_is_string(c) || strcmp(json_string_value(c), code) != 0) {
        FAIL_AT(file, line, "expected code \"%s\", got %.600s", code, r->body);
    }
    static const char *const keys[] = {"code",    "msg",       "data", "trace", "tm",
                                       "bizCode", "msgParams", "ok",   "fail"};
    const size_t nkeys = sizeof keys / sizeof keys[0];
    for (size_t i = 0; i < nkeys; i++)
        if (json_object_get(o, keys[i]) == NULL)
            FAIL_AT(file, line, "envelope has no \"%s\": %.600s", keys[i], r->body);
    if (json_object_size(o) != nkeys)
        FAIL_AT(file, line, "envelope has %zu fields, want %zu: %.600s", json_object_size(o), nkeys,
                r->body);
    const json_t *msg = json_object_get(o, "msg");
    if (!json_is_string(msg) || json_string_length(msg) == 0)
        FAIL_AT(file, line, "msg should be a non-empty string, is %s", type_name(msg));
    bool ok = strcmp(code, "0") == 0;
    const json_t *data = json_object_get(o, "data");
    if (!ok && strcmp(code, "CUSTOMER_API_00010001") != 0 && !json_is_null(data))
        FAIL_AT(file, line, "data should be null on failure, is %s", type_name(data));
    const json_t *trace = json_object_get(o, "trace");
    if (!json_is_string(trace))
        FAIL_AT(file, line, "trace should be a string, is %s", type_name(trace));
    const char *tv = json_string_value(trace);
    bool sent_valid = r->trace_sent[0] != '\0' && strlen(r->trace_sent) <= 256;
    if (sent_valid && strcmp(tv, r->trace_sent) != 0)
        FAIL_AT(file, line, "trace \"%s\" is not the echo of \"%s\"", tv, r->trace_sent);
    if (!sent_valid && !e2e_generated_trace(tv))
        FAIL_AT(file, line, "trace \"%s\" is not x-<uuid v4>-<ms>", tv);
    const json_t *tm = json_object_get(o, "tm");
    if (!json_is_integer(tm) || json_integer_value(tm) < 0)
        FAIL_AT(file, line, "tm should be a non-negative integer, is %s", type_name(tm));
    const json_t *biz = json_object_get(o, "bizCode");
    if (!json_is_string(biz) || strcmp(json_string_value(biz), "") != 0)
        FAIL_AT(file, line, "bizCode should be \"\", is %s", type_name(biz));
    const json_t *okv = json_object_get(o, "ok"), *failv = json_object_get(o, "fail");
    if (!json_is_boolean(okv) || json_is_true(okv) != ok)
        FAIL_AT(file, line, "ok should be %s, is %s", ok ? "true" : "false", type_name(okv));
    if (!json_is_boolean(failv) || json_is_true(failv) != !ok)
        FAIL_AT(file, line, "fail should be %s, is %s", ok ? "false" : "true", type_name(failv));

    const json_t *mp = json_object_get(o, "msgParams");
    if (params == NULL) {
        if (!json_is_null(mp))
            FAIL_AT(file, line, "msgParams should be null: %.600s", r->body);
    } else {
        if (!json_is_array(mp))
            FAIL_AT(file, line, "msgParams should be an array, is %s", type_name(mp));
        size_t i;
        json_t *item;
        json_array_foreach(mp, i, item)
        {
            if (!json_is_string(item))
                FAIL_AT(file, line, "msgParams[%zu] should be a string, is %s", i, type_name(item));
        }
        if (params == e2e_one_param) {
            if (json_array_size(mp) != 1)
                FAIL_AT(file, line, "msgParams should hold one string: %.600s", r->body);
        } else {
            size_t n = 0;
            while (params[n] != NULL)
                n++;
            if (json_array_size(mp) != n)
                FAIL_AT(file, line, "msgParams should hold %zu strings: %.600s", n, r->body);
            for (size_t k = 0; k < n; k++)
                if (strcmp(json_string_value(json_array_get(mp, k)), params[k]) != 0)
                    FAIL_AT(file, line, "msgParams[%zu] should be \"%s\": %.600s", k, params[k],
                            r->body);
        }
        /* A4: msgParams are the strings the message embeds. */
        json_array_foreach(mp, i, item)
        {
            if (strstr(json_string_value(msg), json_string_value(item)) == NULL)
                FAIL_AT(file, line, "msg does not embed msgParams[%zu] \"%s\": %.600s", i,
                        json_string_value(item), r->body);
        }
    }
    char hv[256];
    const char *acao = e2e_header(r, "Access-Control-Allow-Origin", hv, sizeof hv);
    if (acao == NULL || strcmp(acao, "*") != 0)
        FAIL_AT(file, line, "Access-Control-Allow-Origin should be *, is %s",
                acao ? acao : "(absent)");
    const char *ct = e2e_header(r, "Content-Type", hv, sizeof hv);
    if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0)
        FAIL_AT(file, line, "Content-Type should be application/json, is %s", ct ? ct : "(absent)");
}

long e2e_param_long(const struct e2e_resp *r)
{
    const json_t *mp = json_object_get(r->json, "msgParams");
    const json_t *p = json_array_get(mp, 0);
    assert_true(json_is_string(p));
    const char *s = json_string_value(p);
    assert_true(s[0] != '\0' && strspn(s, "0123456789") == strlen(s) && strlen(s) < 12);
    return strtol(s, NULL, 10);
}

/* ---- payload checks -------------------------------------------------------------------- */

enum { T_INT = 1, T_STR = 2, T_NULL = 4, T_BOOL = 8, T_ARR = 16, T_MS = 32, T_MONEY = 64 };

struct fspec {
    const char *name;
    int types;        /* allowed: T_INT | T_STR | T_NULL | T_BOOL | T_ARR; T_MS: an integer
                         of epoch milliseconds; T_MONEY: a string with `digits` decimals */
    const char *sval; /* exact string value, when set */
    bool has_ival;
    long long ival; /* exact integer value, when has_ival */
};

#define I_(n, v)                                                                                   \
    {                                                                                              \
        n, T_INT, NULL, true, v                                                                    \
    }
#define S_(n, v)                                                                                   \
    {                                                                                              \
        n, T_STR, v, false, 0                                                                      \
    }

/* Contract E, every row. */
static const struct fspec customer_fields[] = {
    {"id", T_INT, NULL, false, 0},
    {"customerNo", T_STR, NULL, false, 0},
    {"companyId", T_INT, NULL, false, 0},
    {"companyType", T_STR, NULL, false, 0},
    {"associationCompanyId", T_INT | T_NULL, NULL, false, 0},
    {"relationCustomerId", T_INT, NULL, false, 0},
    {"customerGroupId", T_INT, NULL, false, 0},
    {"type", T_INT, NULL, false, 0},
    I_("status", 1),
    {"email", T_STR | T_NULL, NULL, false, 0},
    {"phone", T_STR | T_NULL, NULL, false, 0},
    {"phoneArea", T_STR | T_NULL, NULL, false, 0},
    {"country", T_STR, NULL, false, 0},
    {"name", T_NULL, NULL, false, 0},
    {"firstName", T_NULL, NULL, false, 0},
    {"lastName", T_NULL, NULL, false, 0},
    {"idCard", T_NULL, NULL, false, 0},
    {"idCardType", T_NULL, NULL, false, 0},
    {"loginPassStatus", T_STR, NULL, false, 0},
    S_("payPassStatus", "1"),
    {"assertPassStatus", T_STR, NULL, false, 0},           /* "1" none, "2" set (C23) */
    {"securityHoldUntil", T_INT | T_NULL, NULL, false, 0}, /* C24 */
    {"securityHoldReason", T_STR | T_NULL, NULL, false, 0},
    {"companyKycStatus", T_INT, NULL, false, 0},
    {"kycAuditStatus", T_INT, NULL, false, 0},
    {"kycAuditRemark", T_STR | T_NULL, NULL, false, 0},
    I_("kycStatus", 1),
    {"kycRemark", T_STR, NULL, false, 0},
    {"googleId", T_INT, NULL, false, 0},
    I_("optional", 1),
    I_("isFund", 0),
    I_("deposit", 1),
    I_("withdraw", 1),
    {"openAccountType", T_INT, NULL, false, 0},
    {"source", T_STR, NULL, false, 0},
    {"registerSource", T_INT, NULL, false, 0},
    {"registerTime", T_MS, NULL, false, 0},
    {"createTime", T_MS, NULL, false, 0},
    {"loginTime", T_MS, NULL, false, 0},
    {"activateStatus", T_NULL, NULL, false, 0},
    {"activateTime", T_NULL, NULL, false, 0},
    {"accountRemark", T_NULL, NULL, false, 0},
    {"thirdUserId", T_NULL | T_STR, NULL, false, 0},
    {"thirdLoginSource", T_NULL | T_STR, NULL, false, 0},
    {"thirdIntactMsg", T_NULL | T_STR, NULL, false, 0},
    {"thirdServerCode", T_STR, NULL, false, 0},
    {"token", T_STR, NULL, false, 0},
    {"rToken", T_STR | T_NULL, NULL, false, 0},
    {"accountList", T_ARR, NULL, false, 0},
};

/* Contract E, accountList[]. */
static const struct fspec account_fields[] = {
    {"accountId", T_INT, NULL, false, 0},
    {"customerId", T_INT, NULL, false, 0},
    {"companyId", T_INT, NULL, false, 0},
    {"assetsId", T_INT, NULL, false, 0},
    {"customerNo", T_STR, NULL, false, 0},
    {"currency", T_STR, NULL, false, 0},
    {"tradeType", T_INT, NULL, false, 0},
    {"digits", T_INT, NULL, false, 0},
    I_("type", 1),
    I_("status", 2),
    I_("activateStatus", 2),
    {"openAccountStatus", T_BOOL, NULL, false, 0},
    {"balance", T_MONEY, NULL, false, 0},
    {"frozen", T_MONEY, NULL, false, 0},
    {"available", T_MONEY, NULL, false, 0},
    {"equity", T_MONEY, NULL, false, 0},
    {"netAssets", T_MONEY, NULL, false, 0},
    {"withdrawAmount", T_MONEY, NULL, false, 0},
    {"lockAmount", T_MONEY, NULL, false, 0},
    {"lockMargin", T_MONEY, NULL, false, 0},
    {"interest", T_MONEY, NULL, false, 0},
    {"liabilities", T_MONEY, NULL, false, 0},
    {"liabilitiesPrincipal", T_MONEY, NULL, false, 0},
    {"collateralFrozen", T_MONEY, NULL, false, 0},
    {"notWithdrawAmount", T_MONEY, NULL, false, 0},
    S_("profit", "0"),
    S_("freeMargin", "0"),
    S_("margin", "0"),
    {"createTime", T_MS, NULL, false, 0},
    {"activateTime", T_MS, NULL, false, 0},
    {"firstDepositTime", T_MS | T_NULL, NULL, false, 0},
    {"firstWithdrawTime", T_MS | T_NULL, NULL, false, 0},
    {"remark", T_NULL, NULL, false, 0},
    {"wholeWarehouseBalance", T_NULL, NULL, false, 0},
    {"wholeWarehouseRate", T_NULL, NULL, false, 0},
    {"interestProportion", T_NULL, NULL, false, 0},
    {"marginRadio", T_NULL, NULL, false, 0},
    {"availableLoan", T_NULL, NULL, false, 0},
};

/* C3: the register payload. */
static const struct fspec register_fields[] = {
    {"customerNo", T_STR, NULL, false, 0},
    {"list", T_ARR, NULL, false, 0},
    {"companyId", T_INT, NULL, false, 0},
    {"email", T_STR | T_NULL, NULL, false, 0},
    {"phone", T_STR | T_NULL, NULL, false, 0},
    {"phoneArea", T_STR | T_NULL, NULL, false, 0},
    {"name", T_NULL, NULL, false, 0},
    {"loginPassStatus", T_STR, NULL, false, 0},
    S_("payPassStatus", "1"),
    {"customerGroupId", T_INT, NULL, false, 0},
    {"country", T_STR, NULL, false, 0},
    {"id", T_INT, NULL, false, 0},
    I_("optional", 1),
    {"companyKycStatus", T_INT, NULL, false, 0},
    {"thirdServerCode", T_STR, NULL, false, 0},
    {"source", T_STR, NULL, false, 0},
    I_("capitalInStatus", 0),
    {"openAccountType", T_INT, NULL, false, 0},
    {"companyType", T_STR, NULL, false, 0},
    {"associationCompanyId", T_INT | T_NULL, NULL, false, 0},
    {"registerTime", T_MS, NULL, false, 0},
    {"apiCheckSwitch", T_BOOL, NULL, false, 0},
    {"apiCheckRule", T_NULL, NULL, false, 0},
    {"token", T_STR, NULL, false, 0},
    {"rToken", T_STR, NULL, false, 0},
};

static bool money_ok(const char *s, long long digits)
{
    const char *p = s;
    if (*p == '-')
        p++;
    size_t ip = strspn(p, "0123456789");
    if (ip == 0)
        return false;
    if (ip > 1 && p[0] == '0')
        return false;
    p += ip;
    if (digits == 0)
        return *p == '\0';
    if (*p != '.')
        return false;
    p++;
    return strspn(p, "0123456789") == (size_t)digits && p[digits] == '\0';
}

static void check_fields(const json_t *obj, const struct fspec *spec, size_t n, long long digits,
                         const char *what, const char *file, int line)
{
    int64_t now = wall_ms();
    for (size_t i = 0; i < n; i++) {
        const struct fspec *f = &spec[i];
        const json_t *v = json_object_get(obj, f->name);
        bool ok = false;
        if (v == NULL)
            FAIL_AT(file, line, "%s: field \"%s\" is missing", what, f->name);
        if ((f->types & T_NULL) && json_is_null(v))
            ok = true;
        if ((f->types & T_INT) && json_is_integer(v))
            ok = true;
        if ((f->types & T_STR) && json_is_string(v))
            ok = true;
        if ((f->types & T_BOOL) && json_is_boolean(v))
            ok = true;
        if ((f->types & T_ARR) && json_is_array(v))
            ok = true;
        if ((f->types & T_MS) && json_is_integer(v)) {
            json_int_t ms = json_integer_value(v);
            if (ms < now - 86400000LL || ms > now + 60000)
                FAIL_AT(file, line, "%s: \"%s\" = %lld is not epoch ms of today", what, f->name,
                        (long long)ms);
            ok = true;
        }
        if ((f->types & T_MONEY) && json_is_string(v)) {
            if (!money_ok(json_string_value(v), digits))
                FAIL_AT(file, line, "%s: \"%s\" = \"%s\" should have exactly %lld decimals", what,
                        f->name, json_string_value(v), digits);
            ok = true;
        }
        if (!ok)
            FAIL_AT(file, line, "%s: field \"%s\" has type %s", what, f->name, type_name(v));
        if (f->sval != NULL && strcmp(json_string_value(v), f->sval) != 0)
            FAIL_AT(file, line, "%s: \"%s\" should be \"%s\", is \"%s\"", what, f->name, f->sval,
                    json_string_value(v));
        if (f->has_ival && json_integer_value(v) != f->ival)
            FAIL_AT(file, line, "%s: \"%s\" should be %lld, is %lld", what, f->name, f->ival,
                    (long long)json_integer_value(v));
    }
}

static void check_one_of(const json_t *obj, const char *key, const char *const *allowed,
                         const char *file, int line)
{
    const char *v = json_string_value(json_object_get(obj, key));
    for (size_t i = 0; v != NULL && allowed[i] != NULL; i++)
        if (strcmp(v, allowed[i]) == 0)
            return;
    FAIL_AT(file, line, "\"%s\" = \"%s\" is not an allowed value", key, v ? v : "(none)");
}

static const char *const sources[] = {"H5",  "PC_Web", "System", "Android", "iOS",
                                      "HOS", "PC_Win", "PC_Mac", "Other",   NULL};

void e2e_check_customer_(const json_t *data, enum e2e_rtoken rt, const char *file, int line)
{
    if (!json_is_object(data))
        FAIL_AT(file, line, "customer payload should be an object, is %s", type_name(data));
    check_fields(data, customer_fields, sizeof customer_fields / sizeof customer_fields[0], 0,
                 "customer", file, line);
    const char *no = json_string_value(json_object_get(data, "customerNo"));
    if (no[0] == '\0' || strspn(no, "0123456789") != strlen(no))
        FAIL_AT(file, line, "customerNo \"%s\" should be digits", no);
    check_one_of(data, "companyType", (const char *const[]){"real", "demo", NULL}, file, line);
    check_one_of(data, "loginPassStatus", (const char *const[]){"1", "2", NULL}, file, line);
    check_one_of(data, "assertPassStatus", (const char *const[]){"1", "2", NULL}, file, line);
    check_one_of(data, "source", sources, file, line);
    long long kyc = json_integer_value(json_object_get(data, "companyKycStatus"));
    if (kyc != 1 && kyc != 2)
        FAIL_AT(file, line, "companyKycStatus %lld should be 1 or 2", kyc);
    long long audit = json_integer_value(json_object_get(data, "kycAuditStatus"));
    if (audit < 0 || audit > 3 || (kyc == 2 && audit != 2))
        FAIL_AT(file, line, "kycAuditStatus %lld does not fit companyKycStatus %lld", audit, kyc);
    if (kyc == 2 && !json_is_string(json_object_get(data, "kycAuditRemark")))
        FAIL_AT(file, line, "kycAuditRemark should be the KYC-off text when KYC is off");
    long long g = json_integer_value(json_object_get(data, "googleId"));
    if (g != -1 && g <= 0)
        FAIL_AT(file, line, "googleId %lld should be -1 or > 0", g);
    long long type = json_integer_value(json_object_get(data, "type"));
    if (type != 0 && type != 1)
        FAIL_AT(file, line, "type %lld should be 0 or 1", type);
    long long oat = json_integer_value(json_object_get(data, "openAccountType"));
    if (oat != 0 && oat != 1)
        FAIL_AT(file, line, "openAccountType %lld should be 0 or 1", oat);
    const json_t *rtok = json_object_get(data, "rToken");
    if (rt == E2E_RTOKEN_STRING && !json_is_string(rtok))
        FAIL_AT(file, line, "rToken should be a string here, is %s", type_name(rtok));
    if (rt == E2E_RTOKEN_NULL && !json_is_null(rtok))
        FAIL_AT(file, line, "rToken should be null here, is %s", type_name(rtok));

    json_int_t id = json_integer_value(json_object_get(data, "id"));
    json_int_t co = json_integer_value(json_object_get(data, "companyId"));
    const json_t *list = json_object_get(data, "accountList");
    size_t i;
    json_t *acc;
    json_array_foreach(list, i, acc)
    {
        char what[48];
        snprintf(what, sizeof what, "accountList[%zu]", i);
        if (!json_is_object(acc))
            FAIL_AT(file, line, "%s should be an object", what);
        const json_t *d = json_object_get(acc, "digits");
        if (!json_is_integer(d) || json_integer_value(d) < 0 || json_integer_value(d) > 18)
            FAIL_AT(file, line, "%s: digits should be an integer 0..18", what);
        check_fields(acc, account_fields, sizeof account_fields / sizeof account_fields[0],
                     json_integer_value(d), what, file, line);
        if (!json_is_true(json_object_get(acc, "openAccountStatus")))
            FAIL_AT(file, line, "%s: openAccountStatus should be true", what);
        if (json_integer_value(json_object_get(acc, "customerId")) != id ||
            json_integer_value(json_object_get(acc, "companyId")) != co ||
            strcmp(json_string_value(json_object_get(acc, "customerNo")), no) != 0)
            FAIL_AT(file, line, "%s does not belong to customer %lld of company %lld", what,
                    (long long)id, (long long)co);
    }
}

void e2e_check_register_(const json_t *data, const char *file, int line)
{
    if (!json_is_object(data))
        FAIL_AT(file, line, "register payload should be an object, is %s", type_name(data));
    check_fields(data, register_fields, sizeof register_fields / sizeof register_fields[0], 0,
                 "register", file, line);
    if (json_array_size(json_object_get(data, "list")) != 0)
        FAIL_AT(file, line, "register: list should be []");
    if (!json_is_false(json_object_get(data, "apiCheckSwitch")))
        FAIL_AT(file, line, "register: apiCheckSwitch should be false");
    check_one_of(data, "companyType", (const char *const[]){"real", "demo", NULL}, file, line);
    check_one_of(data, "loginPassStatus", (const char *const[]){"1", "2", NULL}, file, line);
    check_one_of(data, "source", sources, file, line);
}

/* ---- the delivery log ------------------------------------------------------------------ */

static bool seen(struct e2e_server *s, int64_t id)
{
    for (size_t i = 0; i < s->n_seen; i++)
        if (s->seen[i] == id)
            return true;
    return false;
}

/* Scans the log: the first line to `to` not yet seen (new reference), or NULL.
 * count_out (may be NULL) gets the number of lines to `to`. */
static json_t *scan(const struct e2e_server *s, const char *to, bool want_unseen, size_t *count_out)
{
    char *text = slurp(s->delivery_log, NULL);
    json_t *found = NULL;
    size_t count = 0;
    for (char *line = text; line != NULL && *line != '\0';) {
        char *nl = strchr(line, '\n');
        if (nl == NULL)
            break; /* a line still being written */
        *nl = '\0';
        json_error_t jerr;
        json_t *o = json_loads(line, 0, &jerr);
        const char *t = json_string_value(json_object_get(o, "to"));
        if (t != NULL && strcasecmp(t, to) == 0) { /* emails: any case */
            count++;
            int64_t id = (int64_t)json_integer_value(json_object_get(o, "id"));
            if (want_unseen && found == NULL && !seen((struct e2e_server *)s, id)) {
                found = o;
                o = NULL;
            }
        }
        json_decref(o);
        line = nl + 1;
    }
    free(text);
    if (count_out != NULL)
        *count_out = count;
    return found;
}

json_t *e2e_wait_delivery(struct e2e_server *s, const char *to, int timeout_ms)
{
    double until = e2e_now_ms() + timeout_ms;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        json_t *o = scan(s, to, true, NULL);
        if (o != NULL && s->n_seen < E2E_SEEN_MAX)
            s->seen[s->n_seen++] = (int64_t)json_integer_value(json_object_get(o, "id"));
        pthread_mutex_unlock(&s->lock);
        if (o != NULL)
            return o;
        if (e2e_now_ms() >= until)
            return NULL;
        sleep_ms(10);
    }
}

void e2e_wait_code_(struct e2e_server *s, const char *to, char code[7], const char *file, int line)
{
    json_t *o = e2e_wait_delivery(s, to, CODE_WAIT_MS);
    if (o == NULL)
        FAIL_AT(file, line, "no delivery to \"%s\" within %d ms", to, CODE_WAIT_MS);
    const char *c = json_string_value(json_object_get(o, "code"));
    bool ok = c != NULL && strlen(c) == 6 && strspn(c, "0123456789") == 6;
    if (ok)
        memcpy(code, c, 7);
    json_decref(o);
    if (!ok)
        FAIL_AT(file, line, "delivery to \"%s\" has no 6-digit code", to);
}

size_t e2e_delivery_count(const struct e2e_server *s, const char *to)
{
    size_t n = 0;
    pthread_mutex_lock((pthread_mutex_t *)&s->lock);
    scan(s, to, false, &n);
    pthread_mutex_unlock((pthread_mutex_t *)&s->lock);
    return n;
}

/* ---- flows -------------------------------------------------------------------------------- */

const char *e2e_str_(const json_t *data, const char *key, const char *file, int line)
{
    const json_t *v = json_object_get(data, key);
    if (!json_is_string(v))
        FAIL_AT(file, line, "\"%s\" should be a string, is %s", key, type_name(v));
    return json_string_value(v);
}

void e2e_send_code_(const struct e2e_server *s, const char *biz_type, const char *to_user,
                    const char *xff, char send_token[100], const char *file, int line)
{
    struct e2e_opts o = {.xff = xff};
    struct e2e_resp r =
        e2e_callj(s, E2E_SEND, json_pack("{s:s,s:s}", "bizType", biz_type, "toUser", to_user), &o);
    e2e_expect_(&r, 200, "0", NULL, file, line);
    const json_t *data = json_object_get(r.json, "data");
    const char *t = json_string_value(json_object_get(data, "token"));
    if (t == NULL || strlen(t) == 0 || strlen(t) >= 100) {
        e2e_resp_free(&r);
        FAIL_AT(file, line, "verifyCodeSend: data.token should be a string");
    }
    snprintf(send_token, 100, "%s", t);
    e2e_resp_free(&r);
}

static json_t *register_done(struct e2e_resp *r, const char *file, int line)
{
    e2e_expect_(r, 200, "0", NULL, file, line);
    json_t *data = json_incref(json_object_get(r->json, "data"));
    e2e_resp_free(r);
    return data;
}

json_t *e2e_register_email_(struct e2e_server *s, const char *email, const char *pwd,
                            const char *file, int line)
{
    char tok[100], code[7];
    e2e_send_code_(s, "EMAIL_REGISTER_VERIFICATION_CODE", email, NULL, tok, file, line);
    char lower[128];
    size_t i = 0;
    for (; email[i] != '\0' && i + 1 < sizeof lower; i++)
        lower[i] = (char)tolower((unsigned char)email[i]);
    lower[i] = '\0';
    e2e_wait_code_(s, lower, code, file, line);
    json_t *body = json_pack("{s:i,s:s,s:s,s:s,s:s,s:i}", "type", 1, "loginName", email, "country",
                             "CN", "verifyCode", code, "sendToken", tok, "registerSource", 1);
    if (pwd != NULL)
        json_object_set_new(body, "pwd", json_string(pwd));
    struct e2e_resp r = e2e_callj(s, E2E_REGISTER, body, NULL);
    return register_done(&r, file, line);
}

json_t *e2e_register_phone_(struct e2e_server *s, const char *area, const char *phone,
                            const char *pwd, const char *file, int line)
{
    char tok[100], code[7], to_user[64], rcpt[64];
    snprintf(to_user, sizeof to_user, "%s %s", area, phone);
    e2e_send_code_(s, "SMS_REGISTER_VERIFICATION_CODE", to_user, NULL, tok, file, line);
    /* The log names the recipient with the stored area spelling, +<digits>. */
    const char *digits =
        area[0] == '+' ? area + 1 : (strncmp(area, "00", 2) == 0 ? area + 2 : area);
    snprintf(rcpt, sizeof rcpt, "+%s %s", digits, phone);
    e2e_wait_code_(s, rcpt, code, file, line);
    json_t *body =
        json_pack("{s:i,s:s,s:s,s:s,s:s,s:s,s:i}", "type", 2, "loginName", phone, "phoneArea", area,
                  "country", "CN", "verifyCode", code, "sendToken", tok, "registerSource", 1);
    if (pwd != NULL)
        json_object_set_new(body, "pwd", json_string(pwd));
    struct e2e_resp r = e2e_callj(s, E2E_REGISTER, body, NULL);
    return register_done(&r, file, line);
}

struct e2e_resp e2e_login(const struct e2e_server *s, int type, const char *name,
                          const char *phone_area, const char *pwd, const char *xff)
{
    json_t *body = json_pack("{s:i,s:s,s:s,s:i}", "type", type, "loginName", name, "loginPwd", pwd,
                             "device", 2);
    if (phone_area != NULL)
        json_object_set_new(body, "phoneArea", json_string(phone_area));
    struct e2e_opts o = {.xff = xff};
    return e2e_callj(s, E2E_LOGIN, body, &o);
}

/* ---- the backend and its SQL ----------------------------------------------------------- */

bool e2e_backend_pg(void)
{
    const char *b = getenv("TA_E2E_BACKEND");
    return b != NULL && strcmp(b, "pg") == 0;
}

static bool is_pg_url(const char *url)
{
    return strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0;
}

#ifdef TA_WITH_PG

#define PG_MAX_DBS 256

static pthread_mutex_t db_lock = PTHREAD_MUTEX_INITIALIZER;
static char *pg_dbs[PG_MAX_DBS]; /* made by e2e_pg_create, not yet dropped */

/* The shared cluster's URL (postgres://user@host:port/tradeauth) from TA_TEST_PG_URL_FILE. */
static bool pg_base_url(char *out, size_t size)
{
    const char *file = getenv("TA_TEST_PG_URL_FILE");
    if (file == NULL || file[0] == '\0') {
        print_error("e2e: TA_TEST_PG_URL_FILE is not set (run through ctest)\n");
        return false;
    }
    char *text = slurp(file, NULL);
    if (text == NULL) {
        print_error("e2e: cannot read %s (is the pg_cluster fixture running?)\n", file);
        return false;
    }
    size_t n = strcspn(text, "\r\n \t");
    bool ok = n > 0 && n < size && is_pg_url(text);
    if (ok)
        snprintf(out, size, "%.*s", (int)n, text);
    else
        print_error("e2e: %s does not hold a postgres:// URL\n", file);
    free(text);
    return ok;
}

/* Splits url into [0, *path) "postgres://user@host:port", the database name and the rest
 * ("?..." or ""). False when it has no /dbname. */
static bool pg_split(const char *url, size_t *path, char *db, size_t db_size, const char **rest)
{
    const char *p = strstr(url, "://");
    if (p == NULL)
        return false;
    const char *slash = strchr(p + 3, '/');
    if (slash == NULL)
        return false;
    size_t n = strcspn(slash + 1, "?");
    if (n == 0 || n >= db_size)
        return false;
    *path = (size_t)(slash - url);
    snprintf(db, db_size, "%.*s", (int)n, slash + 1);
    *rest = slash + 1 + n;
    return true;
}

/* The user named in the URL ("" when none). */
static void pg_user(const char *url, char *out, size_t size)
{
    out[0] = '\0';
    const char *p = strstr(url, "://");
    if (p == NULL)
        return;
    p += 3;
    const char *at = strchr(p, '@'), *slash = strchr(p, '/');
    if (at == NULL || (slash != NULL && at > slash))
        return;
    size_t n = strcspn(p, ":@");
    if (n < size)
        snprintf(out, size, "%.*s", (int)n, p);
}

/* A connection able to create databases: the cluster's superuser `postgres` (the test
 * cluster trusts loopback), else the URL's own user. NULL (reason printed) on failure. */
static PGconn *pg_admin(const char *base)
{
    const char *const keys[] = {"dbname", "user", "connect_timeout", NULL};
    const char *const vals[] = {base, "postgres", "10", NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(c) == CONNECTION_OK)
        return c;
    PQfinish(c);
    const char *const keys2[] = {"dbname", "connect_timeout", NULL};
    const char *const vals2[] = {base, "10", NULL};
    c = PQconnectdbParams(keys2, vals2, 1);
    if (PQstatus(c) == CONNECTION_OK)
        return c;
    print_error("e2e: cannot connect to %s: %s", base, PQerrorMessage(c));
    PQfinish(c);
    return NULL;
}

static bool pg_admin_exec(const char *base, const char *sql)
{
    PGconn *c = pg_admin(base);
    if (c == NULL)
        return false;
    PGresult *r = PQexec(c, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        print_error("e2e: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return ok;
}

static void pg_create(char *url, size_t size)
{
    static atomic_uint db_n;
    char base[E2E_PATH_MAX], db[64], user[64], sql[256];
    size_t path = 0;
    const char *rest = "";
    if (!pg_base_url(base, sizeof base) || !pg_split(base, &path, db, sizeof db, &rest))
        fail();
    snprintf(db, sizeof db, "e2e_%ld_%u", (long)getpid(), atomic_fetch_add(&db_n, 1) + 1);
    pg_user(base, user, sizeof user);
    if (user[0] != '\0')
        snprintf(sql, sizeof sql, "CREATE DATABASE %s OWNER \"%s\"", db, user);
    else
        snprintf(sql, sizeof sql, "CREATE DATABASE %s", db);
    if (!pg_admin_exec(base, sql))
        fail();
    int n = snprintf(url, size, "%.*s/%s%s", (int)path, base, db, rest);
    if (n < 0 || (size_t)n >= size) {
        pg_drop_quiet(url);
        print_error("e2e: the database URL does not fit\n");
        fail();
    }
}

/* Drops the database of url (in the shared cluster); 0, or -1 with the reason printed. */
static int pg_drop_quiet(const char *url)
{
    char base[E2E_PATH_MAX], db[64], sql[160];
    size_t path = 0;
    const char *rest = "";
    if (!pg_split(url, &path, db, sizeof db, &rest) || strncmp(db, "e2e_", 4) != 0) {
        print_error("e2e: %s is not a database the harness made; not dropped\n", url);
        return -1;
    }
    /* The administrative connection goes to the cluster's own database, not the victim. */
    size_t bpath = 0;
    char bdb[64];
    const char *brest = "";
    if (!pg_base_url(base, sizeof base) || !pg_split(base, &bpath, bdb, sizeof bdb, &brest))
        return -1;
    if (bpath != path || strncmp(base, url, path) != 0) {
        /* Another cluster than the shared one: reach it with the URL's host, own database. */
        snprintf(base, sizeof base, "%.*s/postgres", (int)path, url);
    }
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", db);
    return pg_admin_exec(base, sql) ? 0 : -1;
}

static void pg_drop_all(void)
{
    pthread_mutex_lock(&db_lock);
    for (size_t i = 0; i < PG_MAX_DBS; i++) {
        if (pg_dbs[i] != NULL) {
            pg_drop_quiet(pg_dbs[i]);
            free(pg_dbs[i]);
            pg_dbs[i] = NULL;
        }
    }
    pthread_mutex_unlock(&db_lock);
}

void e2e_pg_create(char *url, size_t size)
{
    pthread_once(&once, init_once); /* the atexit sweep drops what tests leave */
    pg_create(url, size);
    pthread_mutex_lock(&db_lock);
    for (size_t i = 0; i < PG_MAX_DBS; i++) {
        if (pg_dbs[i] == NULL) {
            pg_dbs[i] = strdup(url);
            break;
        }
    }
    pthread_mutex_unlock(&db_lock);
}

void e2e_pg_drop(const char *url)
{
    pthread_mutex_lock(&db_lock);
    for (size_t i = 0; i < PG_MAX_DBS; i++) {
        if (pg_dbs[i] != NULL && strcmp(pg_dbs[i], url) == 0) {
            free(pg_dbs[i]);
            pg_dbs[i] = NULL;
        }
    }
    pthread_mutex_unlock(&db_lock);
    pg_drop_quiet(url);
}

#else /* !TA_WITH_PG */

static void pg_create(char *url, size_t size)
{
    (void)url;
    (void)size;
    print_error("e2e: TA_E2E_BACKEND=pg, but this build has no PostgreSQL (TA_WITH_PG)\n");
    fail();
}

static int pg_drop_quiet(const char *url)
{
    (void)url;
    return -1;
}

static void pg_drop_all(void) {}

void e2e_pg_create(char *url, size_t size)
{
    pg_create(url, size);
}

void e2e_pg_drop(const char *url)
{
    (void)url;
}

#endif

/* Runs sql; want_int: a query whose first value goes to *value (and as text to text, when
 * not NULL), else rows changed. */
static bool run_sql_text(const struct e2e_server *s, const char *sql, bool want_int,
                         long long *value, char *text, size_t text_size);

static bool run_sql(const struct e2e_server *s, const char *sql, bool want_int, long long *value)
{
    return run_sql_text(s, sql, want_int, value, NULL, 0);
}

static bool run_sql_text(const struct e2e_server *s, const char *sql, bool want_int,
                         long long *value, char *text, size_t text_size)
{
    bool pg = is_pg_url(s->db_url);
    bool ok = false;
    *value = 0;
    if (pg) {
#ifdef TA_WITH_PG
        const char *const keys[] = {"dbname", "connect_timeout", NULL};
        const char *const vals[] = {s->db_url, "10", NULL};
        PGconn *c = PQconnectdbParams(keys, vals, 1);
        if (PQstatus(c) != CONNECTION_OK) {
            print_error("e2e_sql: cannot connect to %s: %s", s->db_url, PQerrorMessage(c));
        } else {
            PGresult *r = PQexec(c, sql);
            ExecStatusType st = PQresultStatus(r);
            if (want_int && st == PGRES_TUPLES_OK) {
                if (PQntuples(r) > 0 && PQnfields(r) > 0 && !PQgetisnull(r, 0, 0)) {
                    *value = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
                    if (text != NULL)
                        snprintf(text, text_size, "%s", PQgetvalue(r, 0, 0));
                    ok = true;
                } else {
                    print_error("e2e_sql: %s: no row, or NULL\n", sql);
                }
            } else if (!want_int && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)) {
                *value = atoll(PQcmdTuples(r));
                ok = true;
            } else {
                print_error("e2e_sql: %s: %s", sql, PQerrorMessage(c));
            }
            PQclear(r);
        }
        PQfinish(c);
#else
        print_error("e2e_sql: %s: this build has no PostgreSQL\n", s->db_url);
#endif
    } else if (strncmp(s->db_url, "sqlite:", 7) == 0) {
        sqlite3 *db = NULL;
        int rc = sqlite3_open_v2(s->db_url + 7, &db, SQLITE_OPEN_READWRITE, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_busy_timeout(db, 5000);
        if (rc == SQLITE_OK && !want_int) {
            char *msg = NULL;
            rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
            if (rc == SQLITE_OK) {
                *value = sqlite3_changes(db);
                ok = true;
            } else {
                print_error("e2e_sql: %s: %s\n", sql, msg ? msg : sqlite3_errmsg(db));
            }
            sqlite3_free(msg);
        } else if (rc == SQLITE_OK) {
            sqlite3_stmt *st = NULL;
            rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
            if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
                sqlite3_column_type(st, 0) != SQLITE_NULL) {
                *value = sqlite3_column_int64(st, 0);
                if (text != NULL)
                    snprintf(text, text_size, "%s", (const char *)sqlite3_column_text(st, 0));
                ok = true;
            } else {
                print_error("e2e_sql: %s: %s\n", sql,
                            rc == SQLITE_OK ? "no row, or NULL" : sqlite3_errmsg(db));
            }
            sqlite3_finalize(st);
        } else {
            print_error("e2e_sql: %s: %s\n", s->db_url, sqlite3_errmsg(db));
        }
        sqlite3_close(db);
    } else {
        print_error("e2e_sql: %s: unknown backend\n", s->db_url);
    }
    return ok;
}

int e2e_sql(const struct e2e_server *s, const char *sql)
{
    long long changed = 0;
    if (!run_sql(s, sql, false, &changed))
        fail();
    return (int)changed;
}

long long e2e_sql_int(const struct e2e_server *s, const char *sql)
{
    long long v = 0;
    if (!run_sql(s, sql, true, &v))
        fail();
    return v;
}

bool e2e_sql_text(const struct e2e_server *s, const char *sql, char *buf, size_t size)
{
    long long v = 0;
    if (size > 0)
        buf[0] = '\0';
    return run_sql_text(s, sql, true, &v, buf, size);
}

int e2e_sql_accounts_set_balance(const struct e2e_server *s, long long company_id,
                                 long long balance)
{
    char sql[160];
    snprintf(sql, sizeof sql, "UPDATE accounts SET balance = %lld WHERE company_id = %lld", balance,
             company_id);
    return e2e_sql(s, sql);
}
