/* http/head_gate.c — one thread with an epoll set: it accepts, peeks at each new connection
 * until its first request has arrived whole (head, and a chunked body), then hands the
 * descriptor to libmicrohttpd or answers it. Connections wait in arrival order, so the
 * oldest is always first to pass its deadline. A refused connection is shut for writing and
 * drained for a moment before it is closed, so the answer is not lost to a reset. */
#include "http/head_gate.h"
#include "http/head_check.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/net.h"
#include "util/stats.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define LINGER_NS (2 * 1000000000LL) /* a refused client's time to read its answer */
#define BRIEF_NS (250 * 1000000LL)   /* over a limit: time to send the head after connecting */
#define TICK_MS 100                  /* deadlines are looked at this often */
#define IP_BUCKETS 16384             /* per-address counts; a collision only makes it stricter */
#define ACCEPTS_PER_WAKE 64

struct conn {
    struct conn *prev, *next;
    int fd;
    bool closing; /* answered: draining until the peer closes or LINGER_NS pass */
    bool watched; /* in the epoll set */
    bool brief;   /* over a limit: waits BRIEF_NS at most, in the brief queue */
    uint32_t bucket;
    int64_t deadline_ns;
    int64_t first_ns; /* the first byte was seen (0: not yet) */
    struct sockaddr_storage sa;
    socklen_t salen;
};

struct fifo {
    struct conn *head, *tail;
};

struct head_gate {
    struct head_gate_opts o;
    struct head_limits lim;
    int lfd, ep, wake;
    uint16_t port;
    pthread_t thread;
    _Atomic bool stopping, quiesce, quiesced;
    int64_t paused_until_ns;             /* out of descriptors: accept again after this */
    struct fifo waiting, brief, closing; /* each in deadline order */
    unsigned n_waiting;
    uint16_t per_ip[IP_BUCKETS];
    char *buf;
    size_t cap;
};

static const char LISTEN_MARK, WAKE_MARK; /* epoll data of the two special descriptors */

/* ---- bookkeeping ---------------------------------------------------------------------- */

static void fifo_push(struct fifo *q, struct conn *c)
{
    c->next = NULL;
    c->prev = q->tail;
    if (q->tail != NULL)
        q->tail->next = c;
    else
        q->head = c;
    q->tail = c;
}

static void fifo_unlink(struct fifo *q, struct conn *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        q->head = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    else
        q->tail = c->prev;
}

static uint32_t bucket_of(const struct sockaddr_storage *ss)
{
    const unsigned char *p = NULL;
    size_t n = 0;
    if (ss->ss_family == AF_INET) {
        p = (const unsigned char *)&((const struct sockaddr_in *)ss)->sin_addr;
        n = 4;
    } else if (ss->ss_family == AF_INET6) {
        p = (const unsigned char *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
        n = 16;
    }
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h % IP_BUCKETS;
}

/* c no longer waits for its first request: out of its queue and the counts. */
static void leave_waiting(struct head_gate *g, struct conn *c)
{
    fifo_unlink(c->brief ? &g->brief : &g->waiting, c);
    g->n_waiting--;
    g->per_ip[c->bucket]--;
}

/* Forgets c while it still waits for its first request (not when closing). */
static void unwait(struct head_gate *g, struct conn *c)
{
    leave_waiting(g, c);
    if (c->watched)
        (void)epoll_ctl(g->ep, EPOLL_CTL_DEL, c->fd, NULL);
    c->watched = false;
}

static void drop(struct head_gate *g, struct conn *c)
{
    if (c->closing) {
        fifo_unlink(&g->closing, c);
        if (c->watched)
            (void)epoll_ctl(g->ep, EPOLL_CTL_DEL, c->fd, NULL);
    } else {
        unwait(g, c);
    }
    close(c->fd);
    free(c);
}

/* ---- one connection's first request --------------------------------------------------- */

static void answer(struct head_gate *g, struct conn *c, ta_err why, size_t seen)
{
    size_t len = 0;
    char *text = g->o.refusal(g->o.ud, why, g->buf, seen, (struct sockaddr *)&c->sa, &len);
    if (text != NULL)
        (void)send(c->fd, text, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    free(text);
    (void)shutdown(c->fd, SHUT_WR);
    leave_waiting(g, c);
    c->closing = true;
    c->deadline_ns = clock_mono_ns() + LINGER_NS;
    fifo_push(&g->closing, c);
    stats_add(STAT_CONN_REFUSED, 1);
    if (!c->watched) {
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = c};
        c->watched = epoll_ctl(g->ep, EPOLL_CTL_ADD, c->fd, &ev) == 0;
    }
}

static void hand(struct head_gate *g, struct conn *c)
{
    unwait(g, c);
    g->o.hand(g->o.ud, c->fd, (struct sockaddr *)&c->sa, c->salen, c->first_ns);
    free(c);
}

/* Peeks at everything that has arrived (nothing is consumed) and judges it. HEAD_MORE: c
 * still waits; otherwise c is gone (handed over, answered or dropped). */
static enum head_state judge(struct head_gate *g, struct conn *c)
{
    ssize_t n = recv(c->fd, g->buf, g->cap, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return HEAD_MORE;
    if (n <= 0) { /* gone before a whole request: nothing to answer */
        drop(g, c);
        return HEAD_REFUSED;
    }
    if (c->first_ns == 0)
        c->first_ns = clock_mono_ns();
    struct head_verdict v;
    head_check(g->buf, (size_t)n, &g->lim, &v);
    /* A client that asked to be told to go on sends no body before it is told: its chunked
     * body is libmicrohttpd's to read (which answers the 100 Continue). */
    if (v.state == HEAD_GOOD && v.chunked && !v.expect_100) {
        size_t head = v.head_len;
        chunks_check(g->buf + head, (size_t)n - head, g->o.max_body, &v);
        if (v.state == HEAD_MORE && (size_t)n == g->cap) {
            v.state = HEAD_REFUSED;
            v.why = TA_E_TOO_LARGE;
        }
    }
    if (v.state == HEAD_GOOD)
        hand(g, c);
    else if (v.state == HEAD_REFUSED)
        answer(g, c, v.why, (size_t)n);
    return v.state;
}

/* A refused connection: read and drop what the client still sends, until it closes. */
static void drain(struct head_gate *g, struct conn *c)
{
    for (int i = 0; i < 16; i++) {
        ssize_t n = recv(c->fd, g->buf, g->cap, MSG_DONTWAIT);
        if (n > 0)
            continue;
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            drop(g, c);
        return;
    }
}

/* ---- the loop ----------------------------------------------------------------------- */

/* Peeks before the connection joins the epoll set: the request is usually there already,
 * and then the set is never touched. Registering later loses nothing: EPOLL_CTL_ADD reports
 * data that arrived in between. A connection that has to wait while its address (or the
 * gate) is over its limit gets BRIEF_NS, the time a client needs to send its head right
 * after connecting, instead of the whole deadline: so whole requests still pass while an
 * address has slow ones waiting, and slow ones beyond the limit are cut at once. */
static void add(struct head_gate *g, int fd, const struct sockaddr_storage *ss, socklen_t len)
{
    struct conn *c = xcalloc(1, sizeof *c);
    c->fd = fd;
    c->sa = *ss;
    c->salen = len;
    c->bucket = bucket_of(ss);
    c->deadline_ns = clock_mono_ns() + (int64_t)g->o.timeout_s * 1000000000LL;
    fifo_push(&g->waiting, c);
    g->n_waiting++;
    g->per_ip[c->bucket]++;
    if (judge(g, c) != HEAD_MORE)
        return;
    /* A browser sends its head as soon as it connects, so few of its connections ever wait
     * long; a proxy in front may have many at once. */
    unsigned cap = net_cidr_list_has(g->o.trusted, (const struct sockaddr *)ss) ? g->o.per_ip
                                                                                : g->o.per_ip_other;
    if (g->n_waiting > g->o.max_pending || g->per_ip[c->bucket] > cap) {
        fifo_unlink(&g->waiting, c);
        c->brief = true;
        c->deadline_ns = clock_mono_ns() + BRIEF_NS;
        fifo_push(&g->brief, c);
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = c};
    c->watched = epoll_ctl(g->ep, EPOLL_CTL_ADD, fd, &ev) == 0;
    if (!c->watched)
        drop(g, c);
}

static void accept_some(struct head_gate *g)
{
    for (int i = 0; i < ACCEPTS_PER_WAKE; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int fd = accept4(g->lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            add(g, fd, &ss, len);
            continue;
        }
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            /* The listening socket stays readable: look again in a while, not in a spin. */
            struct epoll_event ev = {.events = 0, .data.ptr = (void *)&LISTEN_MARK};
            (void)epoll_ctl(g->ep, EPOLL_CTL_MOD, g->lfd, &ev);
            g->paused_until_ns = clock_mono_ns() + 100 * 1000000LL;
            log_warn(NULL, "accept: %s; new connections wait 100 ms", strerror(errno));
        }
        return;
    }
}

static void expire(struct head_gate *g)
{
    int64_t now = clock_mono_ns();
    unsigned slow = 0;
    while (g->waiting.head != NULL && g->waiting.head->deadline_ns <= now) {
        drop(g, g->waiting.head);
        slow++;
    }
    while (g->brief.head != NULL && g->brief.head->deadline_ns <= now) {
        drop(g, g->brief.head);
        stats_add(STAT_CONN_OVER, 1);
    }
    while (g->closing.head != NULL && g->closing.head->deadline_ns <= now)
        drop(g, g->closing.head);
    if (slow > 0) {
        stats_add(STAT_CONN_SLOW, slow);
        log_warn(NULL, "closed %u connection(s) whose first request did not arrive within %d s",
                 slow, g->o.timeout_s);
    }
    if (g->paused_until_ns != 0 && now >= g->paused_until_ns && g->lfd >= 0) {
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = (void *)&LISTEN_MARK};
        (void)epoll_ctl(g->ep, EPOLL_CTL_MOD, g->lfd, &ev);
        g->paused_until_ns = 0;
    }
}

static void stop_listening(struct head_gate *g)
{
    if (g->lfd >= 0) {
        (void)epoll_ctl(g->ep, EPOLL_CTL_DEL, g->lfd, NULL);
        close(g->lfd);
        g->lfd = -1;
    }
    atomic_store(&g->quiesced, true);
}

static void *gate_main(void *arg)
{
    struct head_gate *g = arg;
    struct epoll_event ev[64];
    while (!atomic_load(&g->stopping)) {
        int n = epoll_wait(g->ep, ev, 64, TICK_MS);
        for (int i = 0; i < n; i++) {
            void *p = ev[i].data.ptr;
            if (p == &LISTEN_MARK) {
                if (g->lfd >= 0)
                    accept_some(g);
            } else if (p == &WAKE_MARK) {
                uint64_t x;
                (void)read(g->wake, &x, sizeof x);
            } else if (((struct conn *)p)->closing) {
                drain(g, p);
            } else {
                (void)judge(g, p);
            }
        }
        if (atomic_load(&g->quiesce) && !atomic_load(&g->quiesced))
            stop_listening(g);
        expire(g);
    }
    return NULL;
}

/* ---- life cycle ------------------------------------------------------------------- */

static int listen_on(const struct net_addr *a, uint16_t *port)
{
    int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_storage got;
    socklen_t len = sizeof got;
    if (bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0 || listen(fd, 1024) != 0 ||
        getsockname(fd, (struct sockaddr *)&got, &len) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
                                            : ((struct sockaddr_in *)&got)->sin_port);
    return fd;
}

static bool watch(struct head_gate *g, int fd, const void *mark)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = (void *)mark};
    return epoll_ctl(g->ep, EPOLL_CTL_ADD, fd, &ev) == 0;
}

struct head_gate *head_gate_start(const struct head_gate_opts *o)
{
    struct head_gate *g = xcalloc(1, sizeof *g);
    g->o = *o;
    if (g->o.timeout_s <= 0)
        g->o.timeout_s = 30;
    g->lim.max_bytes = o->max_head;
    g->lim.budget = o->head_budget;
    g->lim.max_length = UINT64_MAX;
    g->cap = o->max_head + o->max_body + 1024; /* the head, a chunked body, its framing */
    g->buf = xmalloc(g->cap);
    g->ep = epoll_create1(EPOLL_CLOEXEC);
    g->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    g->lfd = listen_on(o->listen, &g->port);
    if (g->ep < 0 || g->wake < 0 || g->lfd < 0 || !watch(g, g->lfd, &LISTEN_MARK) ||
        !watch(g, g->wake, &WAKE_MARK) || pthread_create(&g->thread, NULL, gate_main, g) != 0) {
        if (g->lfd >= 0)
            close(g->lfd);
        if (g->wake >= 0)
            close(g->wake);
        if (g->ep >= 0)
            close(g->ep);
        free(g->buf);
        free(g);
        return NULL;
    }
    return g;
}

uint16_t head_gate_port(const struct head_gate *g)
{
    return g->port;
}

static void poke(struct head_gate *g)
{
    uint64_t one = 1;
    (void)write(g->wake, &one, sizeof one);
}

void head_gate_quiesce(struct head_gate *g)
{
    atomic_store(&g->quiesce, true);
    poke(g);
    /* The caller goes on to say "no longer listening": wait until it is true (bounded). */
    for (int i = 0; i < 200 && !atomic_load(&g->quiesced); i++) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

void head_gate_stop(struct head_gate *g)
{
    if (g == NULL)
        return;
    atomic_store(&g->stopping, true);
    poke(g);
    pthread_join(g->thread, NULL);
    while (g->waiting.head != NULL)
        drop(g, g->waiting.head);
    while (g->brief.head != NULL)
        drop(g, g->brief.head);
    while (g->closing.head != NULL)
        drop(g, g->closing.head);
    if (g->lfd >= 0)
        close(g->lfd);
    close(g->wake);
    close(g->ep);
    free(g->buf);
    free(g);
}
