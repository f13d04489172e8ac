/* domain/session_touch.c — a bounded queue under one mutex and a thread that drains it into
 * one transaction per batch. Best effort by design: a touch that is dropped (queue full, a
 * lock held elsewhere past every retry) only means the session's next read queues it again;
 * the idle life is still checked against the database's last-used time. */
#include "domain/session_touch.h"
#include "domain/ctx.h"
#include "store/store.h"
#include "util/config.h"
#include "util/mem.h"
#include "util/stats.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#define TOUCH_QUEUE 8192

struct touch {
    int64_t session_id, now_ms;
};

struct toucher {
    const struct config *cfg;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct touch q[TOUCH_QUEUE];
    size_t head, n;
    bool stopping;
    pthread_t thread;
};

static struct toucher *_Atomic toucher;

bool session_touch_running(void)
{
    return atomic_load(&toucher) != NULL;
}

bool session_touch_queue(int64_t session_id, int64_t now_ms)
{
    struct toucher *t = atomic_load(&toucher);
    if (t == NULL)
        return false;
    pthread_mutex_lock(&t->lock);
    bool ok = t->n < TOUCH_QUEUE && !t->stopping;
    if (ok) {
        t->q[(t->head + t->n) % TOUCH_QUEUE] = (struct touch){session_id, now_ms};
        t->n++;
        pthread_cond_signal(&t->cond);
    }
    pthread_mutex_unlock(&t->lock);
    stats_add(ok ? STAT_TOUCH_QUEUED : STAT_TOUCH_DROPPED, 1);
    return ok;
}

struct batch {
    const struct touch *t;
    size_t n;
};

static ta_err touch_body(struct dctx *ctx, void *arg)
{
    const struct batch *b = arg;
    for (size_t i = 0; i < b->n; i++)
        (void)STORE(ctx->st, session_touch, b->t[i].session_id, b->t[i].now_ms);
    return TA_OK;
}

/* One transaction per batch; with no request deadline on this thread a lock held elsewhere
 * costs it --db-busy-ms per attempt, which delays touches and nothing else. */
static void write_batch(struct store *st, const struct touch *t, size_t n)
{
    if (st == NULL)
        return;
    struct dctx ctx = {.st = st};
    struct batch b = {t, n};
    if (dctx_tx(&ctx, touch_body, &b) == TA_OK)
        stats_add(STAT_CACHE_TOUCHES, n);
}

static void *writer_main(void *arg)
{
    struct toucher *t = arg;
    struct store *st = NULL;
    struct touch *batch = xcalloc(TOUCH_QUEUE, sizeof *batch);
    for (;;) {
        pthread_mutex_lock(&t->lock);
        while (t->n == 0 && !t->stopping)
            pthread_cond_wait(&t->cond, &t->lock);
        size_t n = 0;
        for (; t->n > 0; t->n--) {
            batch[n++] = t->q[t->head];
            t->head = (t->head + 1) % TOUCH_QUEUE;
        }
        bool stop = t->stopping;
        pthread_mutex_unlock(&t->lock);
        if (n > 0 && st == NULL && store_open(t->cfg->db, &st) != TA_OK)
            st = NULL;
        if (n > 0)
            write_batch(st, batch, n);
        if (stop)
            break;
    }
    free(batch);
    store_close(st);
    return NULL;
}

ta_err session_touch_start(const struct config *cfg)
{
    if (atomic_load(&toucher) != NULL)
        return TA_OK;
    struct toucher *t = xcalloc(1, sizeof *t);
    t->cfg = cfg;
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->cond, NULL);
    if (pthread_create(&t->thread, NULL, writer_main, t) != 0) {
        pthread_mutex_destroy(&t->lock);
        pthread_cond_destroy(&t->cond);
        free(t);
        return TA_FAIL(TA_E_INTERNAL);
    }
    atomic_store(&toucher, t);
    return TA_OK;
}

void session_touch_stop(void)
{
    struct toucher *t = atomic_exchange(&toucher, NULL);
    if (t == NULL)
        return;
    pthread_mutex_lock(&t->lock);
    t->stopping = true;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->cond);
    free(t);
}
