/* util/workpool.c — a ring of jobs under one mutex; hashing takes tens of milliseconds,
 * so a single lock is nowhere near contended. Admission by expected wait: each job's run
 * time feeds a moving average, and a job is refused when, queued behind the others, it
 * would wait longer than max_wait (a login queued for 1.5 s beats a "busy" answer). */
#include "util/workpool.h"
#include "util/mem.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

struct job {
    workpool_fn fn;
    void (*then)(void *arg);
    void *arg;
};

struct workpool {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    struct job *ring;
    size_t cap, head, count;
    size_t running;
    int64_t avg_ns;      /* moving average of a job's CPU time; 0 before the first */
    int64_t max_wait_ns; /* 0: admit while the ring has room */
    bool stopping;
    size_t n_threads;
    pthread_t *threads;
    void *(*thread_init)(void *ud);
    void (*thread_done)(void *state);
    void *ud;
};

/* The job's own CPU time: what a hash costs, whatever else the machine runs meanwhile (a
 * busy neighbour would otherwise inflate the estimate and refuse logins that fit). */
static int64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *worker(void *arg)
{
    struct workpool *p = arg;
    void *state = p->thread_init ? p->thread_init(p->ud) : NULL;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->count == 0 && !p->stopping)
            pthread_cond_wait(&p->ready, &p->lock);
        if (p->count == 0)
            break;
        struct job j = p->ring[p->head];
        p->head = (p->head + 1) % p->cap;
        p->count--;
        p->running++;
        pthread_mutex_unlock(&p->lock);
        int64_t t0 = cpu_ns();
        j.fn(state, j.arg);
        int64_t took = cpu_ns() - t0;
        pthread_mutex_lock(&p->lock);
        p->running--;
        /* Weight 1/8: follows a change of load within a few dozen jobs. */
        p->avg_ns = p->avg_ns == 0 ? took : p->avg_ns + (took - p->avg_ns) / 8;
        if (j.then != NULL) {
            pthread_mutex_unlock(&p->lock);
            j.then(j.arg);
            pthread_mutex_lock(&p->lock);
        }
    }
    pthread_mutex_unlock(&p->lock);
    if (p->thread_done)
        p->thread_done(state);
    return NULL;
}

struct workpool *workpool_new(size_t threads, size_t queue_max, void *(*thread_init)(void *ud),
                              void (*thread_done)(void *state), void *ud)
{
    struct workpool *p = xcalloc(1, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->ready, NULL);
    p->cap = queue_max > 0 ? queue_max : 1;
    p->ring = xcalloc(p->cap, sizeof *p->ring);
    p->thread_init = thread_init;
    p->thread_done = thread_done;
    p->ud = ud;
    p->threads = xcalloc(threads, sizeof *p->threads);
    for (size_t i = 0; i < threads; i++) {
        if (pthread_create(&p->threads[i], NULL, worker, p) != 0)
            break;
        p->n_threads++;
    }
    if (p->n_threads == 0) {
        workpool_free(p);
        return NULL;
    }
    return p;
}

void workpool_set_max_wait(struct workpool *p, int64_t max_wait_ms)
{
    pthread_mutex_lock(&p->lock);
    p->max_wait_ns = max_wait_ms * 1000000;
    pthread_mutex_unlock(&p->lock);
}

/* Position × measured job time ÷ workers; nothing to wait for while a worker is free. */
static bool wait_ok(const struct workpool *p)
{
    if (p->max_wait_ns == 0 || p->running + p->count < p->n_threads)
        return true;
    int64_t position = (int64_t)p->count + 1;
    return position * p->avg_ns / (int64_t)p->n_threads <= p->max_wait_ns;
}

bool workpool_submit(struct workpool *p, workpool_fn fn, void *arg)
{
    return workpool_submit_then(p, fn, NULL, arg);
}

bool workpool_submit_then(struct workpool *p, workpool_fn fn, void (*then)(void *arg), void *arg)
{
    pthread_mutex_lock(&p->lock);
    bool ok = !p->stopping && p->count < p->cap && wait_ok(p);
    if (ok) {
        p->ring[(p->head + p->count) % p->cap] = (struct job){fn, then, arg};
        p->count++;
        pthread_cond_signal(&p->ready);
    }
    pthread_mutex_unlock(&p->lock);
    return ok;
}

size_t workpool_depth(struct workpool *p)
{
    pthread_mutex_lock(&p->lock);
    size_t n = p->count;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void workpool_free(struct workpool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->ready);
    pthread_mutex_unlock(&p->lock);
    for (size_t i = 0; i < p->n_threads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->ready);
    pthread_mutex_destroy(&p->lock);
    free(p->threads);
    free(p->ring);
    free(p);
}
