/* delivery/worker.c — a claimed row carries a lease: if this process dies mid-send, another
 * worker picks the row up when the lease runs out. A failed row is logged and counted,
 * never silently dropped; the code and text are wiped once a row leaves PENDING. */
#include "delivery/worker.h"
#include "delivery/transport.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/config.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/stats.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CLAIM_BATCH 16
#define LEASE_MS 60000
#define PURGE_EVERY_MS (5 * 60 * 1000)
#define PURGE_KEEP_MS (7LL * 24 * 3600 * 1000) /* ended sessions, old tickets: a week */

struct delivery_worker {
    const struct config *cfg;
    struct store *st;
    struct transport *log, *smtp, *webhook;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping, started;
};

static struct transport *channel_transport(struct delivery_worker *w, int64_t company_id,
                                           const char *channel)
{
    const char *kind = config_transport_for(w->cfg, (long long)company_id, channel);
    if (strcmp(kind, "smtp") == 0)
        return w->smtp;
    if (strcmp(kind, "webhook") == 0)
        return w->webhook;
    return w->log;
}

static void deliver(struct delivery_worker *w, const struct outbox_row *r)
{
    struct delivery_msg m = {r->id,   r->company_id, r->channel, r->to,  r->biz_type,
                             r->code, r->lang,       r->subject, r->text};
    struct transport *t = channel_transport(w, r->company_id, r->channel);
    ta_err e = t != NULL ? transport_send(t, &m) : TA_E_INTERNAL;
    int64_t now = clock_now_ms();
    bool sms = strcmp(r->channel, "sms") == 0;
    if (e == TA_OK) {
        stats_add(sms ? STAT_SMS_SENT : STAT_EMAIL_SENT, 1);
        (void)STORE(w->st, outbox_finish, r->id, OUTBOX_SENT, 0);
        return;
    }
    /* attempts already counts this one (the claim incremented it). */
    if (e == TA_E_RETRY && r->attempts <= w->cfg->delivery_retries) {
        int shift = r->attempts - 1 < 20 ? r->attempts - 1 : 20;
        int64_t delay = (int64_t)w->cfg->delivery_backoff_ms << shift;
        stats_add(sms ? STAT_SMS_RETRIED : STAT_EMAIL_RETRIED, 1);
        log_warn(NULL, "delivery of outbox %lld by %s failed (attempt %d); retry in %lld ms",
                 (long long)r->id, t ? transport_name(t) : "none", r->attempts, (long long)delay);
        (void)STORE(w->st, outbox_finish, r->id, OUTBOX_PENDING, now + delay);
        return;
    }
    stats_add(sms ? STAT_SMS_FAILED : STAT_EMAIL_FAILED, 1);
    log_error(NULL, "delivery of outbox %lld by %s failed for good after %d attempts",
              (long long)r->id, t ? transport_name(t) : "none", r->attempts);
    (void)STORE(w->st, outbox_finish, r->id, OUTBOX_FAILED, 0);
}

int delivery_worker_pass(struct delivery_worker *w)
{
    struct arena *a = arena_new(4 * 1024 * 1024);
    struct outbox_row *rows = NULL;
    size_t n = 0;
    int handled = 0;
    if (STORE(w->st, outbox_claim, clock_now_ms(), LEASE_MS, CLAIM_BATCH, a, &rows, &n) == TA_OK) {
        for (size_t i = 0; i < n; i++)
            deliver(w, &rows[i]);
        handled = (int)n;
    }
    arena_free(a);
    return handled;
}

/* Housekeeping rides on the worker: it already owns a connection and wakes up often. */
static void maybe_purge(struct delivery_worker *w, int64_t *last_ms)
{
    int64_t now = clock_now_ms();
    if (now - *last_ms < PURGE_EVERY_MS)
        return;
    *last_ms = now;
    /* A session idle for longer than any lifetime in force (server or company) is dead. */
    int64_t idle_max = (int64_t)w->cfg->session_absolute_s * 1000;
    if ((int64_t)w->cfg->session_idle_s * 1000 > idle_max)
        idle_max = (int64_t)w->cfg->session_idle_s * 1000;
    struct arena *a = arena_new(64 * 1024 * 1024);
    struct company *all = NULL;
    size_t n_co = 0;
    if (STORE(w->st, company_list, a, &all, &n_co) != TA_OK) {
        arena_free(a);
        return;
    }
    for (size_t i = 0; i < n_co; i++) {
        if (all[i].session_idle_ms > idle_max)
            idle_max = all[i].session_idle_ms;
        if (all[i].session_absolute_ms > idle_max)
            idle_max = all[i].session_absolute_ms;
    }
    arena_free(a);
    idle_max += PURGE_KEEP_MS;
    int64_t n = 0;
    if (STORE(w->st, purge, now, PURGE_KEEP_MS, idle_max, &n) == TA_OK && n > 0)
        log_info(NULL, "purged %lld expired rows", (long long)n);
    /* Deletions past their grace period (C24): contacts and password hashes erased. */
    int64_t grace_ms = (int64_t)w->cfg->deletion_grace_s * 1000;
    n = 0;
    if (STORE(w->st, customer_erase_due, now - grace_ms, now, &n) == TA_OK && n > 0)
        log_info(NULL, "erased %lld deleted customers", (long long)n);
    /* Give freed memory back: a burst of 10,000 connections otherwise leaves ~100 MiB of
     * free heap resident for good. */
    malloc_trim(0);
}

static void *run(void *arg)
{
    struct delivery_worker *w = arg;
    int64_t last_purge = 0;
    for (;;) {
        maybe_purge(w, &last_purge);
        while (delivery_worker_pass(w) == CLAIM_BATCH)
            ;
        pthread_mutex_lock(&w->lock);
        if (!w->stopping) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t ns = ts.tv_nsec + (int64_t)w->cfg->delivery_poll_ms * 1000000;
            ts.tv_sec += (time_t)(ns / 1000000000);
            ts.tv_nsec = (long)(ns % 1000000000);
            pthread_cond_timedwait(&w->wake, &w->lock, &ts);
        }
        bool stop = w->stopping;
        pthread_mutex_unlock(&w->lock);
        if (stop)
            break;
    }
    /* Flush: whatever is due now goes out before the process ends (bounded). */
    int64_t until = clock_mono_ns() + 3000000000LL;
    while (clock_mono_ns() < until && delivery_worker_pass(w) > 0)
        ;
    return NULL;
}

static void free_parts(struct delivery_worker *w)
{
    transport_free(w->log);
    transport_free(w->smtp);
    transport_free(w->webhook);
    store_close(w->st);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

/* Rows this instance claimed before a crash would wait out their lease (60 s): the same
 * instance started again takes them back at once (issue 13). */
static void reclaim(struct delivery_worker *w)
{
    int64_t n = 0;
    if (store_instance_id[0] == '\0' ||
        STORE(w->st, outbox_reclaim, store_instance_id, clock_now_ms(), &n) != TA_OK)
        return;
    if (n > 0)
        log_info(NULL, "delivery: took back %lld message(s) this instance (%s) had claimed",
                 (long long)n, store_instance_id);
}

ta_err delivery_worker_start(const struct config *cfg, struct delivery_worker **out)
{
    struct delivery_worker *w = xcalloc(1, sizeof *w);
    w->cfg = cfg;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    ta_err e = store_open(cfg->db, &w->st);
    if (e == TA_OK)
        reclaim(w);
    if (e == TA_OK)
        e = transport_log_new(cfg->delivery_log, &w->log);
    /* Built when any channel of any company may use them; config_check made sure their
     * settings are there. */
    bool smtp = strcmp(cfg->email_transport, "smtp") == 0 ||
                strstr(cfg->company_transports, "=smtp") != NULL;
    bool hook = strcmp(cfg->email_transport, "webhook") == 0 ||
                strcmp(cfg->sms_transport, "webhook") == 0 ||
                strstr(cfg->company_transports, "=webhook") != NULL;
    if (e == TA_OK && smtp)
        e = transport_smtp_new(cfg, &w->smtp);
    if (e == TA_OK && hook)
        e = transport_webhook_new(cfg, &w->webhook);
    if (e == TA_OK && pthread_create(&w->thread, NULL, run, w) != 0)
        e = TA_FAIL(TA_E_INTERNAL);
    if (e != TA_OK) {
        free_parts(w);
        return e;
    }
    w->started = true;
    *out = w;
    return TA_OK;
}

void delivery_worker_stop(struct delivery_worker *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    if (w->started)
        pthread_join(w->thread, NULL);
    free_parts(w);
}
