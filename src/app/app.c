/* app/app.c — owns every long-lived object, created in order and freed in reverse.
 * Each thread that touches the database gets its own connection, remembered here so the
 * app can close them all at the end. */
#include "app/app.h"
#include "app/ready.h"
#include "crypto/passwd.h"
#include "delivery/log_lookup.h"
#include "delivery/worker.h"
#include "domain/company.h"
#include "domain/keys.h"
#include "domain/session_cache.h"
#include "domain/session_touch.h"
#include "http/server.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/workpool.h"

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

struct app {
    const struct config *cfg;
    uint64_t generation;
    struct store *main_store;
    struct workpool *hash_pool;
    struct workpool *write_pool;
    struct ready *ready;
    struct delivery_worker *delivery;
    struct http_server *http;
    pthread_mutex_t lock;
    struct store **stores;
    size_t n_stores, cap_stores;
};

static _Atomic uint64_t generations;
static _Thread_local uint64_t tls_generation;
static _Thread_local struct store *tls_store;

struct store *app_thread_store(struct app *app)
{
    if (tls_generation == app->generation && tls_store != NULL)
        return tls_store;
    struct store *st = NULL;
    if (store_open(app->cfg->db, &st) != TA_OK)
        return NULL;
    pthread_mutex_lock(&app->lock);
    if (app->n_stores == app->cap_stores) {
        app->cap_stores = app->cap_stores ? app->cap_stores * 2 : 16;
        app->stores = xrealloc(app->stores, app->cap_stores * sizeof *app->stores);
    }
    app->stores[app->n_stores++] = st;
    pthread_mutex_unlock(&app->lock);
    tls_store = st;
    tls_generation = app->generation;
    return st;
}

static struct store *hook_store(void *ud)
{
    return app_thread_store(ud);
}

/* Never the database itself: the prober's last outcome (app/ready.c), so /readyz answers
 * at once even while a lock is held elsewhere. */
static bool hook_ready(void *ud)
{
    struct app *app = ud;
    return ready_now(app->ready);
}

/* "Active": used within the default idle lifetime; -1 when the database does not answer. */
static int64_t hook_live_sessions(void *ud)
{
    struct app *app = ud;
    struct store *st = app_thread_store(app);
    int64_t live = -1;
    if (st == NULL ||
        STORE(st, session_count_live, clock_now_ms() - (int64_t)app->cfg->session_idle_s * 1000,
              &live) != TA_OK)
        return -1;
    return live;
}

static bool hook_outbox_counts(void *ud, int64_t *pending, int64_t *failed)
{
    struct store *st = app_thread_store(ud);
    return st != NULL && STORE(st, outbox_count, OUTBOX_PENDING, pending) == TA_OK &&
           STORE(st, outbox_count, OUTBOX_FAILED, failed) == TA_OK;
}

static bool hook_last_code(void *ud, const char *to, char *code, size_t size)
{
    struct app *app = ud;
    return delivery_log_last_code(app->cfg->delivery_log, to, code, size);
}

/* Hash workers run at nice 10: token reads on the HTTP threads preempt argon2id, yet when
 * reads saturate every core, logins still get about a tenth of it instead of starving
 * (SCHED_IDLE, measured first, let login p99 reach 10 s in bench/REPORT.md scenario 3). On
 * Linux the nice value of a thread is its own. */
static void *hash_thread_init(void *ud)
{
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10) != 0)
        log_warn(NULL, "hash worker stays at normal priority (nice 10 refused)");
    return app_thread_store(ud);
}

static void *write_thread_init(void *ud)
{
    return app_thread_store(ud);
}

/* The outbox claims' owner: the setting, else host:listen; none with an ephemeral port,
 * whose next run would not be the same instance. */
static void set_instance_id(const struct config *cfg)
{
    char host[64] = "";
    const char *port = strrchr(cfg->listen, ':');
    store_instance_id[0] = '\0';
    if (cfg->instance_id[0] != '\0')
        snprintf(store_instance_id, sizeof store_instance_id, "%s", cfg->instance_id);
    else if (port != NULL && strcmp(port, ":0") != 0 && gethostname(host, sizeof host - 1) == 0)
        snprintf(store_instance_id, sizeof store_instance_id, "%s/%s", host, cfg->listen);
}

ta_err app_open(const struct config *cfg, struct app **out)
{
    if (sodium_init() < 0)
        return TA_FAIL(TA_E_INTERNAL);
    struct app *app = xcalloc(1, sizeof *app);
    app->cfg = cfg;
    store_busy_ms = cfg->db_busy_ms;
    set_instance_id(cfg);
    app->generation = atomic_fetch_add(&generations, 1) + 1;
    pthread_mutex_init(&app->lock, NULL);
    ta_err e = store_open(cfg->db, &app->main_store);
    if (e != TA_OK) {
        log_error(NULL, "cannot open database %s", cfg->db);
        app_close(app);
        return e == TA_E_NOT_FOUND ? TA_E_INTERNAL : e;
    }
    bool created = false;
    e = store_migrate(app->main_store);
    if (e == TA_OK)
        e = company_seed_default(app->main_store, &created);
    if (e == TA_OK)
        e = keys_load(app->main_store);
    if (e != TA_OK) {
        app_close(app);
        return e;
    }
    if (created)
        log_info(NULL, "created the default company: real id 1 with demo twin id 2");
    *out = app;
    return TA_OK;
}

ta_err app_start(struct app *app)
{
    const struct config *cfg = app->cfg;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t hash_threads =
        cfg->hash_threads > 0 ? (size_t)cfg->hash_threads : (size_t)(cores > 0 ? cores : 1);
    /* Admission is by expected wait (hash-max-wait-ms); hash-queue only caps memory. */
    size_t queue = cfg->hash_queue > 0 ? (size_t)cfg->hash_queue : 4096;

    ta_err e = delivery_worker_start(cfg, &app->delivery);
    if (e != TA_OK)
        return e;
    e = session_touch_start(cfg);
    if (e == TA_OK)
        e = session_cache_start(cfg, (size_t)cfg->session_cache_entries);
    if (e != TA_OK)
        return e;
    app->hash_pool = workpool_new(hash_threads, queue, hash_thread_init, NULL, app);
    if (app->hash_pool == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    workpool_set_max_wait(app->hash_pool, cfg->hash_max_wait_ms);
    /* At least two writers: one waiting out a lock held elsewhere must not stop the rest. */
    size_t write_threads =
        cfg->write_threads > 0 ? (size_t)cfg->write_threads : (size_t)(cores > 2 ? cores : 2);
    size_t write_queue = cfg->write_queue > 0 ? (size_t)cfg->write_queue : 32 * write_threads;
    app->write_pool = workpool_new(write_threads, write_queue, write_thread_init, NULL, app);
    if (app->write_pool == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    app->ready = ready_start(app, cfg->db);
    if (app->ready == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    struct http_hooks hooks = {.thread_store = hook_store,
                               .ready = hook_ready,
                               .live_sessions = hook_live_sessions,
                               .outbox_counts = hook_outbox_counts,
                               .last_code = hook_last_code,
                               .ud = app,
                               .hash_pool = app->hash_pool,
                               .write_pool = app->write_pool};
    return http_server_start(cfg, &hooks, &app->http);
}

uint16_t app_port(const struct app *app)
{
    return app->http ? http_server_port(app->http) : 0;
}

void app_stop(struct app *app)
{
    if (app->http != NULL) {
        http_server_quiesce(app->http);
        int left = http_server_drain(app->http, 10000);
        if (left > 0)
            log_warn(NULL, "%d requests still running at shutdown", left);
    }
    workpool_free(app->hash_pool);
    app->hash_pool = NULL;
    workpool_free(app->write_pool);
    app->write_pool = NULL;
    ready_stop(app->ready);
    app->ready = NULL;
    http_server_stop(app->http);
    app->http = NULL;
    session_cache_stop();
    session_touch_stop(); /* after the last request: writes the queued touches */
    delivery_worker_stop(app->delivery);
    app->delivery = NULL;
}

void app_close(struct app *app)
{
    if (app == NULL)
        return;
    app_stop(app);
    for (size_t i = 0; i < app->n_stores; i++)
        store_close(app->stores[i]);
    free(app->stores);
    store_close(app->main_store);
    pthread_mutex_destroy(&app->lock);
    free(app);
}

/* Ten thousand idle keep-alive connections need ten thousand descriptors. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int app_serve(const struct config *cfg)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    /* Blocked before any thread starts, so only sigwait below ever sees them. */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();
    curl_global_init(CURL_GLOBAL_DEFAULT);

    struct app *app = NULL;
    ta_err e = app_open(cfg, &app);
    if (e == TA_OK)
        e = app_start(app);
    if (e != TA_OK) {
        fprintf(stderr, "tradeauth: cannot start (%s); see the log above\n", ta_err_name(e));
        app_close(app);
        curl_global_cleanup();
        return 1;
    }
    printf("tradeauth: listening on http://%.*s:%u (database %s)\n",
           (int)(strrchr(cfg->listen, ':') - cfg->listen), cfg->listen, app_port(app), cfg->db);
    printf("tradeauth: default company: real id 1, demo twin id 2\n");
    printf("tradeauth: codes go to email=%s sms=%s%s%s\n", cfg->email_transport, cfg->sms_transport,
           strcmp(cfg->email_transport, "log") == 0 || strcmp(cfg->sms_transport, "log") == 0
               ? "; log transport file: "
               : "",
           strcmp(cfg->email_transport, "log") == 0 || strcmp(cfg->sms_transport, "log") == 0
               ? cfg->delivery_log
               : "");
    fflush(stdout);

    int sig = 0;
    sigwait(&set, &sig);
    log_info(NULL, "signal %d: stopping", sig);
    app_close(app);
    curl_global_cleanup();
    log_info(NULL, "stopped");
    return 0;
}
