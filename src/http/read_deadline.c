/* http/read_deadline.c — the registry is a list under one mutex: connections come and go
 * once per keep-alive life, far less often than requests, and the sweep walks it four times
 * a second. shutdown() (never close) from the sweep: the descriptor stays libmicrohttpd's,
 * and an entry leaves the list in the CLOSED notification, before libmicrohttpd closes the
 * socket, so the sweep can never shut down a reused descriptor. */
#include "http/read_deadline.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/stats.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#define SWEEP_EVERY_MS 250

struct watched {
    struct watched *prev, *next;
    struct read_deadline *rd;
    int fd;
    int64_t since_ns; /* the current request's first sign */
    bool reading;     /* a request is on its way in */
    bool swept;
};

struct read_deadline {
    int64_t timeout_ns;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct watched *head;
    bool stopping, running;
    pthread_t thread;
    _Atomic uint64_t swept;
};

static int sweep(struct read_deadline *rd)
{
    int n = 0;
    int64_t now = clock_mono_ns();
    for (struct watched *w = rd->head; w != NULL; w = w->next) {
        if (w->reading && !w->swept && now - w->since_ns > rd->timeout_ns) {
            (void)shutdown(w->fd, SHUT_RDWR);
            w->swept = true;
            n++;
        }
    }
    return n;
}

static void *sweeper(void *arg)
{
    struct read_deadline *rd = arg;
    pthread_mutex_lock(&rd->lock);
    while (!rd->stopping) {
        int n = rd->timeout_ns > 0 ? sweep(rd) : 0;
        if (n > 0) {
            atomic_fetch_add(&rd->swept, (uint64_t)n);
            stats_add(STAT_CONN_SLOW, (uint64_t)n);
            log_warn(NULL, "closed %d connection(s) whose request did not arrive within %lld s", n,
                     (long long)(rd->timeout_ns / 1000000000));
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += SWEEP_EVERY_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&rd->wake, &rd->lock, &until);
    }
    pthread_mutex_unlock(&rd->lock);
    return NULL;
}

struct read_deadline *read_deadline_new(int timeout_s)
{
    struct read_deadline *rd = xcalloc(1, sizeof *rd);
    rd->timeout_ns = (int64_t)timeout_s * 1000000000;
    pthread_mutex_init(&rd->lock, NULL);
    pthread_cond_init(&rd->wake, NULL);
    rd->running = pthread_create(&rd->thread, NULL, sweeper, rd) == 0;
    if (!rd->running)
        log_warn(NULL, "read deadline: no sweep thread; slow requests are not cut");
    return rd;
}

void read_deadline_free(struct read_deadline *rd)
{
    if (rd == NULL)
        return;
    if (rd->running) {
        pthread_mutex_lock(&rd->lock);
        rd->stopping = true;
        pthread_cond_signal(&rd->wake);
        pthread_mutex_unlock(&rd->lock);
        pthread_join(rd->thread, NULL);
    }
    while (rd->head != NULL) { /* MHD stopped first, so none should be left */
        struct watched *w = rd->head;
        rd->head = w->next;
        free(w);
    }
    pthread_cond_destroy(&rd->wake);
    pthread_mutex_destroy(&rd->lock);
    free(rd);
}

static void added(struct read_deadline *rd, struct MHD_Connection *con, void **socket_context)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci == NULL)
        return;
    struct watched *w = xcalloc(1, sizeof *w);
    w->rd = rd;
    w->fd = ci->connect_fd;
    w->since_ns = clock_mono_ns();
    w->reading = true; /* the first request's clock runs from the accept */
    pthread_mutex_lock(&rd->lock);
    w->next = rd->head;
    if (rd->head != NULL)
        rd->head->prev = w;
    rd->head = w;
    pthread_mutex_unlock(&rd->lock);
    *socket_context = w;
}

static void removed(struct watched *w)
{
    struct read_deadline *rd = w->rd;
    pthread_mutex_lock(&rd->lock);
    if (w->prev != NULL)
        w->prev->next = w->next;
    else
        rd->head = w->next;
    if (w->next != NULL)
        w->next->prev = w->prev;
    pthread_mutex_unlock(&rd->lock);
    free(w);
}

void read_deadline_notify(void *cls, struct MHD_Connection *con, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    if (toe == MHD_CONNECTION_NOTIFY_STARTED)
        added(cls, con, socket_context);
    else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context != NULL)
        removed(*socket_context);
}

static struct watched *watched_of(struct MHD_Connection *con)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci != NULL ? ci->socket_context : NULL;
}

void read_deadline_begin(struct MHD_Connection *con)
{
    struct watched *w = watched_of(con);
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->rd->lock);
    if (!w->reading) {
        w->reading = true;
        w->since_ns = clock_mono_ns();
    }
    pthread_mutex_unlock(&w->rd->lock);
}

void read_deadline_done(struct MHD_Connection *con)
{
    struct watched *w = watched_of(con);
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->rd->lock);
    w->reading = false;
    pthread_mutex_unlock(&w->rd->lock);
}

uint64_t read_deadline_swept(struct read_deadline *rd)
{
    return rd != NULL ? atomic_load(&rd->swept) : 0;
}
