/* util/workpool.c — a ring of jobs under one mutex; hashing takes tens of milliseconds,
 * so a single lock is nowhere near contended. */
#include "util/workpool.h"
#include "util/mem.h"

#include <pthread.h>
#include <stdlib.h>

struct job {
    workpool_fn fn;
    void *arg;
};

struct workpool {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    struct job *ring;
    size_t cap, head, count;
    bool stopping;
    size_t n_threads;
    pthread_t *threads;
    void *(*thread_init)(void *ud);
    void (*thread_done)(void *state);
    void *ud;
};

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
        pthread_mutex_unlock(&p->lock);
        j.fn(state, j.arg);
        pthread_mutex_lock(&p->lock);
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

bool workpool_submit(struct workpool *p, workpool_fn fn, void *arg)
{
    pthread_mutex_lock(&p->lock);
    bool ok = !p->stopping && p->count < p->cap;
    if (ok) {
        p->ring[(p->head + p->count) % p->cap] = (struct job){fn, arg};
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
