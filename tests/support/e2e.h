/* tests/support/e2e.h — the real tradeauth binary as a child process, driven over HTTP on
 * 127.0.0.1 with libcurl (tests/e2e/).
 *
 * A server lives in its own temporary folder under $TMPDIR (SQLite database, delivery log,
 * captured stdout and stderr) and is started from $TA_BINARY with the fast test settings
 * below plus the flags of the test. Stopping sends SIGTERM and asserts exit status 0.
 * With TA_E2E_BACKEND=pg (CTest's e2e_pg_* tests) its database is instead a fresh one in
 * the shared PostgreSQL test cluster; e2e_sql() reaches either backend.
 *
 * Everything here is bounded: the start (10 s), the stop (15 s, then SIGKILL), every HTTP
 * call (10 s unless told otherwise), every wait for the delivery log (5 s). Functions that
 * assert take effect in the calling (main) thread; e2e_call and e2e_conn_* never assert, so
 * they are safe from other threads. At exit, servers still running are killed and the
 * folders (and PostgreSQL databases) of servers a failed test could not free are removed
 * too. */
#ifndef TA_TESTS_SUPPORT_E2E_H
#define TA_TESTS_SUPPORT_E2E_H

/* cmocka.h needs these four first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

/* ---- routes (the platform's full prefix; tests of the other forms spell theirs) ------- */

#define E2E_PREFIX "/api/cats-gateway"
#define E2E_CWS "customer.app.CustomerWebApiService."
#define E2E_SEND E2E_PREFIX "/global/message.app.VerificationApiService.verifyCodeSend"
#define E2E_REGISTER E2E_PREFIX "/register/" E2E_CWS "register"
#define E2E_LOGIN E2E_PREFIX "/login/" E2E_CWS "login"
#define E2E_REFRESH E2E_PREFIX "/login/" E2E_CWS "refreshToken"
#define E2E_LOGOUT E2E_PREFIX "/logout"
#define E2E_INFO E2E_PREFIX "/global/" E2E_CWS "findCustomerInfo"

/* Passwords as clients send them: hex MD5 of the user's password. */
#define E2E_PWD "e10adc3949ba59abbe56e057f20f883e"       /* md5("123456") */
#define E2E_PWD_OTHER "5f4dcc3b5aa765d61d8327deb882cf99" /* md5("password") */
#define E2E_MD5_EMPTY "d41d8cd98f00b204e9800998ecf8427e" /* md5(""): code-mode clients */

#define E2E_PATH_MAX 400
#define E2E_SEEN_MAX 1024

/* ---- the server process ------------------------------------------------------------- */

struct e2e_server {
    pid_t pid; /* 0 when not running */
    int port;
    int exit_status;                /* raw wait status of the last stop, -1 before */
    char dir[E2E_PATH_MAX];         /* the temporary folder; removed by e2e_server_free */
    char db_url[E2E_PATH_MAX + 32]; /* sqlite:<dir>/store.db, or postgres://.../e2e_<pid>_<n> */
    char delivery_log[E2E_PATH_MAX + 32];
    char out_path[E2E_PATH_MAX + 32]; /* the child's stdout and stderr */
    char err_path[E2E_PATH_MAX + 32];
    char base[64];              /* http://127.0.0.1:PORT */
    pthread_mutex_t lock;       /* guards seen[] */
    int64_t seen[E2E_SEEN_MAX]; /* delivery-log ids already handed out */
    size_t n_seen;
    bool owns_db; /* a database the harness made for this server: dropped by
                     e2e_server_free (PostgreSQL backend) */
};

/* A stopped server with a fresh folder, so the CLI can prepare its database first.
 * With env TA_E2E_BACKEND=pg the database is not a SQLite file in that folder but a fresh
 * PostgreSQL database e2e_<pid>_<n> in the shared test cluster (URL base read from the file
 * named by TA_TEST_PG_URL_FILE), created here and dropped by e2e_server_free (and at exit
 * for servers a failed test could not free). db_url is then postgres://.../e2e_<pid>_<n>. */
struct e2e_server *e2e_server_new(void);
/* Same, but on the database db_url (any backend; "sqlite:<path>" or "postgres://..."),
 * which the harness neither creates nor drops: for several servers on one database. */
struct e2e_server *e2e_server_new_db(const char *db_url);
/* Starts the binary: serve --listen 127.0.0.1:0 --db ... --delivery-log ...
 * --delivery-poll-ms 20 --argon2-ops 1 --argon2-mem-kib 1024 --new-device-alert false
 * (on a postgres:// database
 * also --threads 2 --hash-threads 2: each thread holds a connection), then extra
 * (NULL-terminated, may be NULL; later flags win). Waits for the "listening on" line; fails
 * the test if it does not come within 10 s. */
void e2e_server_start(struct e2e_server *s, const char *const *extra);
/* new + start. */
struct e2e_server *e2e_server_up(const char *const *extra);
/* SIGTERM, wait (bounded), assert the process exited with status 0. */
void e2e_server_stop(struct e2e_server *s);
/* kill -9 (a crash), reaped and asserted; the folder and database stay, so e2e_server_start
 * can start it again on them. */
void e2e_server_kill9(struct e2e_server *s);
/* Kills the process if it still runs, removes the folder (kept when TA_E2E_KEEP is set),
 * frees s. NULL is fine. */
void e2e_server_free(struct e2e_server *s);
/* Prints the tail of the server's stderr (for failing tests). */
void e2e_server_dump(const struct e2e_server *s);

/* Runs `TA_BINARY args... --db <db_url>` to completion (bounded) and returns its exit code
 * (-1 when it could not run or had to be killed). Its stdout goes to out (may be NULL). */
int e2e_cli(const struct e2e_server *s, char *out, size_t size, const char *const *args);

/* A NULL-terminated argument list: E2E_ARGS("--threads", "1"). */
#define E2E_ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Group fixtures: one server with the default test settings for a whole file, in
 * e2e_group_server (started by e2e_group_setup, stopped and freed by e2e_group_teardown). */
extern struct e2e_server *e2e_group_server;
int e2e_group_setup(void **state);
int e2e_group_teardown(void **state);

/* cmocka fixtures: *state = a server with the default test settings / stop + free it. */
int e2e_setup_server(void **state);
int e2e_teardown_server(void **state);

/* ---- HTTP -------------------------------------------------------------------------- */

/* Pass E2E_OMIT in a header field of e2e_opts to send no such header at all. */
extern const char e2e_omit[];
#define E2E_OMIT e2e_omit

/* A kept-alive connection for many calls from one thread. */
struct e2e_conn;
struct e2e_conn *e2e_conn_new(void);
void e2e_conn_free(struct e2e_conn *c);

struct e2e_opts {
    const char *method;         /* default POST */
    const char *company;        /* companyId header; default "1" */
    const char *token;          /* sent when non-NULL */
    const char *lang;           /* sent when non-NULL */
    const char *version;        /* sent when non-NULL */
    const char *trace;          /* default: a fresh "e2e-<pid>-<n>"; E2E_OMIT: none */
    const char *xff;            /* X-Forwarded-For; default: a fresh address per call, so
                                   no test meets another test's per-address limits */
    const char *content_type;   /* default application/json */
    const char *const *headers; /* extra "Name: value" lines, NULL-terminated */
    size_t body_len;            /* 0: strlen(body) */
    bool chunked;               /* send the body with Transfer-Encoding: chunked */
    long timeout_ms;            /* default 10000 */
    struct e2e_conn *conn;      /* reuse this connection (keep-alive); default: a new one */
};

struct e2e_resp {
    long status;  /* HTTP status; 0 when the call failed */
    int curl_rc;  /* CURLcode */
    json_t *json; /* the parsed body, NULL when it is not JSON */
    char *body;   /* raw body, NUL-terminated (never NULL after a call) */
    size_t body_len;
    char *headers;        /* the final response's header block */
    char trace_sent[300]; /* the trace header that went out ("" when none) */
    double ms;            /* wall time of the call */
};

/* One call; never asserts (thread-safe). body NULL sends an empty body. */
struct e2e_resp e2e_call(const struct e2e_server *s, const char *path, const char *body,
                         const struct e2e_opts *o);
/* Same with a jansson body, which it consumes (json_pack(...) may be passed directly; a NULL
 * body fails the test, since that is a json_pack format mistake). */
struct e2e_resp e2e_callj(const struct e2e_server *s, const char *path, json_t *body,
                          const struct e2e_opts *o);
void e2e_resp_free(struct e2e_resp *r);
/* The value of a response header (case-insensitive name) copied to buf, or NULL. */
const char *e2e_header(const struct e2e_resp *r, const char *name, char *buf, size_t size);

/* A fresh client address for X-Forwarded-For ("10.a.b.c"), unique within the process. */
void e2e_addr(char buf[32]);
/* Fresh recipients: "<local><n>@example.com" and "138<4 digits>5678". */
void e2e_email(char buf[96], const char *local);
void e2e_phone(char buf[16]);

/* ---- envelope assertions ----------------------------------------------------------- */

/* Pass as params: msgParams must be an array of exactly one string, value unchecked. */
extern const char *const e2e_one_param[];
#define E2E_ONE_PARAM e2e_one_param

/* Asserts the whole envelope of A4: HTTP status, exactly the nine fields, code (a string),
 * msg a non-empty string, data null on failure (except CUSTOMER_API_00010001), trace the
 * one sent or a generated "x-<uuid v4>-<ms>", tm a non-negative integer, bizCode "",
 * msgParams null (params NULL) or an array of strings equal to params (NULL-terminated)
 * that msg embeds,
 * ok/fail booleans matching code, Access-Control-Allow-Origin: *, a JSON Content-Type. */
void e2e_expect_(const struct e2e_resp *r, long status, const char *code, const char *const *params,
                 const char *file, int line);
#define E2E_EXPECT(r, status, code) e2e_expect_(&(r), (status), (code), NULL, __FILE__, __LINE__)
#define E2E_EXPECT_PARAMS(r, status, code, ...)                                                    \
    e2e_expect_(&(r), (status), (code), (const char *const[]){__VA_ARGS__, NULL}, __FILE__,        \
                __LINE__)
#define E2E_EXPECT_ONE_PARAM(r, status, code)                                                      \
    e2e_expect_(&(r), (status), (code), E2E_ONE_PARAM, __FILE__, __LINE__)
/* msgParams[0] as a number (asserting it is a string of digits). */
long e2e_param_long(const struct e2e_resp *r);

/* True when s is "x-" + a lowercase UUIDv4 + "-" + epoch ms within a minute of now. */
bool e2e_generated_trace(const char *s);

/* The value of one /metrics series, named whole ("tradeauth_hash_jobs_total" or
 * "tradeauth_codes_total{channel=\"sms\",result=\"sent\"}"); fails the test when absent. */
double e2e_metric(const struct e2e_server *s, const char *series);

/* The "ms" of the server's access line with this trace (waiting up to 1 s for it: access
 * lines are written in batches); -1 when none. */
double e2e_access_ms(const struct e2e_server *s, const char *trace);

/* ---- payload checks (contract E) ---------------------------------------------------- */

enum e2e_rtoken { E2E_RTOKEN_STRING, E2E_RTOKEN_NULL };
/* Every field of contract E with its exact JSON type (and fixed value where E gives one),
 * then every field of every accountList entry (money with exactly `digits` decimals). */
void e2e_check_customer_(const json_t *data, enum e2e_rtoken rt, const char *file, int line);
#define E2E_CHECK_CUSTOMER(data, rt) e2e_check_customer_((data), (rt), __FILE__, __LINE__)
/* The register payload of C3 (a subset of E plus list, capitalInStatus, apiCheck*). */
void e2e_check_register_(const json_t *data, const char *file, int line);
#define E2E_CHECK_REGISTER(data) e2e_check_register_((data), __FILE__, __LINE__)

/* ---- the delivery log -------------------------------------------------------------- */

/* Waits (bounded by timeout_ms) for a delivery-log line to `to` (any case) that no earlier call
 * returned, marks it seen and returns it (new reference), or NULL on timeout. */
json_t *e2e_wait_delivery(struct e2e_server *s, const char *to, int timeout_ms);
/* Same, asserting it comes within 5 s; the 6-digit code into code. */
void e2e_wait_code_(struct e2e_server *s, const char *to, char code[7], const char *file, int line);
#define E2E_WAIT_CODE(s, to, code) e2e_wait_code_((s), (to), (code), __FILE__, __LINE__)
/* Lines to `to` in the log right now. */
size_t e2e_delivery_count(const struct e2e_server *s, const char *to);

/* ---- flows ------------------------------------------------------------------------- */

/* verifyCodeSend asserting code "0"; the sendToken into send_token. xff may be NULL. */
void e2e_send_code_(const struct e2e_server *s, const char *biz_type, const char *to_user,
                    const char *xff, char send_token[100], const char *file, int line);
#define E2E_SEND_CODE(s, biz, to, xff, tok)                                                        \
    e2e_send_code_((s), (biz), (to), (xff), (tok), __FILE__, __LINE__)
/* A REGISTER code sent, read from the log, and register called, asserting "0". Returns the
 * data object (new reference). pwd may be NULL (no password). */
json_t *e2e_register_email_(struct e2e_server *s, const char *email, const char *pwd,
                            const char *file, int line);
#define E2E_REGISTER_EMAIL(s, email, pwd)                                                          \
    e2e_register_email_((s), (email), (pwd), __FILE__, __LINE__)
/* Same by phone; area as sent in toUser and register ("+86", "86", ...). */
json_t *e2e_register_phone_(struct e2e_server *s, const char *area, const char *phone,
                            const char *pwd, const char *file, int line);
#define E2E_REGISTER_PHONE(s, area, phone, pwd)                                                    \
    e2e_register_phone_((s), (area), (phone), (pwd), __FILE__, __LINE__)
/* A password login call (not asserted): type 1 email, 2 phone, 3 customer number;
 * phone_area may be NULL; device 2; xff NULL = fresh. */
struct e2e_resp e2e_login(const struct e2e_server *s, int type, const char *name,
                          const char *phone_area, const char *pwd, const char *xff);
/* The string member key of data (asserting it is one), e.g. the token. */
const char *e2e_str_(const json_t *data, const char *key, const char *file, int line);
#define E2E_STR(data, key) e2e_str_((data), (key), __FILE__, __LINE__)

/* Monotonic milliseconds. */
double e2e_now_ms(void);

/* ---- the backend and its SQL --------------------------------------------------------- */

/* True when env TA_E2E_BACKEND is "pg": servers run on PostgreSQL. */
bool e2e_backend_pg(void);
/* A fresh, empty PostgreSQL database in the shared test cluster (as e2e_server_new makes
 * one); its URL into url. Fails the test when the cluster cannot be reached or the harness
 * was built without PostgreSQL. Dropped by e2e_pg_drop, or at exit. */
void e2e_pg_create(char *url, size_t size);
/* Drops a database e2e_pg_create made (terminating connections left to it). */
void e2e_pg_drop(const char *url);

/* SQL on the server's own database, whichever backend it is (a SQLite file or PostgreSQL),
 * from the test process, asserting success (main thread only). Both backends have the same
 * table and column names, so one SQL text serves both where the dialects agree.
 * e2e_sql returns the rows a statement changed; e2e_sql_int the first column of the first
 * row of a query as an integer (failing when there is no row or it is NULL). */
int e2e_sql(const struct e2e_server *s, const char *sql);
long long e2e_sql_int(const struct e2e_server *s, const char *sql);
/* The first column of the first row as text into buf; false (no failure) when there is no
 * row or the value is NULL. */
bool e2e_sql_text(const struct e2e_server *s, const char *sql, char *buf, size_t size);
/* Sets balance (minor units) on every account of a company; returns the rows changed. */
int e2e_sql_accounts_set_balance(const struct e2e_server *s, long long company_id,
                                 long long balance);

#endif
