/* util/access_log.c — two buffers: threads append whole lines to the current one under a
 * mutex; a flusher thread (started with the first line, asleep while none is queued)
 * swaps them ACCESS_LOG_FLUSH_MS after a batch began and writes it outside that mutex, so appenders
 * never wait for the write. An appender that finds the buffer full flushes it itself. Writes are
 * serialised by a second mutex, so batches reach stderr in order. */
#include "util/access_log.h"
#include "util/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BUF_BYTES (64 * 1024)

static pthread_mutex_t append_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t nonempty = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;
static char bufs[2][BUF_BYTES];
static size_t used;
static int cur;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static _Atomic int period_ms = ACCESS_LOG_FLUSH_MS;

void access_log_set_period_ms(int ms)
{
    atomic_store(&period_ms, ms > 0 ? ms : ACCESS_LOG_FLUSH_MS);
}

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* nowhere to report a failed log write */
        p += w;
        n -= (size_t)w;
    }
}

void access_log_flush(void)
{
    pthread_mutex_lock(&write_lock);
    pthread_mutex_lock(&append_lock);
    const char *full = bufs[cur];
    size_t n = used;
    cur ^= 1;
    used = 0;
    pthread_mutex_unlock(&append_lock);
    write_all(full, n);
    pthread_mutex_unlock(&write_lock);
}

/* Asleep while nothing is queued; otherwise lets a batch gather, then writes it. */
static void *flusher(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&append_lock);
    for (;;) {
        while (used == 0)
            pthread_cond_wait(&nonempty, &append_lock);
        pthread_mutex_unlock(&append_lock);
        int ms = atomic_load(&period_ms);
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        access_log_flush();
        pthread_mutex_lock(&append_lock);
    }
    return NULL;
}

static void start(void)
{
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    bool running = pthread_create(&t, &attr, flusher, NULL) == 0;
    pthread_attr_destroy(&attr);
    atexit(access_log_flush);
    if (!running)
        log_warn(NULL, "access log: no flusher thread; lines are written when 64 KiB gather");
}

void access_log_line(const char *json)
{
    pthread_once(&once, start);
    size_t n = strlen(json);
    if (n + 1 > BUF_BYTES) {
        log_json_line(json);
        return;
    }
    for (;;) {
        pthread_mutex_lock(&append_lock);
        if (used + n + 1 <= BUF_BYTES) {
            bool first = used == 0;
            memcpy(bufs[cur] + used, json, n);
            bufs[cur][used + n] = '\n';
            used += n + 1;
            if (first)
                pthread_cond_signal(&nonempty);
            pthread_mutex_unlock(&append_lock);
            return;
        }
        pthread_mutex_unlock(&append_lock);
        access_log_flush();
    }
}
