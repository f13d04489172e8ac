/* app/ready.c — the readiness prober. A write is the only honest test: with a lock held
 * elsewhere or a full disk, SELECT 1 still answers while every write fails; but a write
 * probe (and its fsync) every 200 ms would be too much, so the prober pings every 200 ms
 * (a database that went away shows within that) and writes every fifth time. A probe that
 * has not come back within 250 ms already counts as not ready, so /readyz answers at once
 * whatever the database does. */
#include "app/ready.h"
#include "app/app.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#define PROBE_EVERY_MS 200
#define WRITE_EVERY 5 /* probes: one write a second */
#define PROBE_BUDGET_MS 250
#define FRESH_MS 3000
#define MIN_FREE_BYTES (1024 * 1024)

struct ready {
    struct app *app;
    char *dir; /* SQLite: the folder of the database file; NULL otherwise */
    pthread_t thread;
    bool running; /* thread started */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
    _Atomic int64_t probe_started_ns; /* 0: no probe running */
    _Atomic int64_t last_ok_ns;       /* when the last successful probe ended; 0 never */
    _Atomic bool last_ok;             /* the last ping, and the last write probe, succeeded */
    bool write_ok;                    /* the last write probe (prober thread only) */
};

/* SQLite answers a small write from pages it already has even on a full disk, so the
 * free space is checked as well. */
static bool disk_has_room(const struct ready *r)
{
    struct statvfs sv;
    if (r->dir == NULL || statvfs(r->dir, &sv) != 0)
        return true;
    return (unsigned long long)sv.f_bavail * sv.f_frsize >= MIN_FREE_BYTES;
}

static bool probe(struct ready *r, bool write)
{
    struct store *st = app_thread_store(r->app);
    if (st == NULL)
        return false;
    store_deadline_set(clock_mono_ns() + (int64_t)PROBE_BUDGET_MS * 1000000);
    ta_err e = store_ping(st);
    if (e == TA_OK && write) {
        struct counter c;
        e = STORE(st, counter_hit, "readyz:probe", clock_now_ms(), 1000, 1, &c);
        r->write_ok = e == TA_OK && disk_has_room(r);
    }
    store_deadline_set(0);
    return e == TA_OK && r->write_ok;
}

static void *prober(void *arg)
{
    struct ready *r = arg;
    pthread_mutex_lock(&r->lock);
    for (unsigned n = 1; !r->stopping; n++) {
        pthread_mutex_unlock(&r->lock);
        int64_t start = clock_mono_ns();
        atomic_store(&r->probe_started_ns, start);
        bool ok = probe(r, n % WRITE_EVERY == 0);
        atomic_store(&r->last_ok, ok);
        if (ok)
            atomic_store(&r->last_ok_ns, clock_mono_ns());
        atomic_store(&r->probe_started_ns, 0);
        pthread_mutex_lock(&r->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)PROBE_EVERY_MS * 1000000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        if (!r->stopping)
            pthread_cond_timedwait(&r->wake, &r->lock, &until);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

struct ready *ready_start(struct app *app, const char *db_url)
{
    struct ready *r = xcalloc(1, sizeof *r);
    r->app = app;
    if (strncmp(db_url, "sqlite:", 7) == 0 && strcmp(db_url + 7, ":memory:") != 0) {
        r->dir = xstrdup(db_url + 7);
        char *slash = strrchr(r->dir, '/');
        if (slash == NULL) {
            free(r->dir);
            r->dir = xstrdup(".");
        } else if (slash == r->dir) {
            slash[1] = '\0';
        } else {
            *slash = '\0';
        }
    }
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->wake, NULL);
    /* The first answer should not wait for the first probe: probe once now. */
    atomic_store(&r->last_ok, probe(r, true));
    if (atomic_load(&r->last_ok))
        atomic_store(&r->last_ok_ns, clock_mono_ns());
    if (pthread_create(&r->thread, NULL, prober, r) != 0) {
        log_error(NULL, "readiness prober: cannot start a thread");
        ready_stop(r);
        return NULL;
    }
    r->running = true;
    return r;
}

bool ready_now(struct ready *r)
{
    if (r == NULL)
        return false;
    int64_t now = clock_mono_ns();
    int64_t started = atomic_load(&r->probe_started_ns);
    if (started != 0 && now - started > (int64_t)PROBE_BUDGET_MS * 1000000)
        return false; /* stuck on the database right now */
    int64_t ok_at = atomic_load(&r->last_ok_ns);
    return atomic_load(&r->last_ok) && ok_at != 0 && now - ok_at < (int64_t)FRESH_MS * 1000000;
}

void ready_stop(struct ready *r)
{
    if (r == NULL)
        return;
    if (r->running) {
        pthread_mutex_lock(&r->lock);
        r->stopping = true;
        pthread_cond_signal(&r->wake);
        pthread_mutex_unlock(&r->lock);
        pthread_join(r->thread, NULL);
    }
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->lock);
    free(r->dir);
    free(r);
}
