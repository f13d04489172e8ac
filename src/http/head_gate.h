/* http/head_gate.h — the listening socket, in front of libmicrohttpd: a new connection's
 * first request is looked at (MSG_PEEK, nothing consumed) and judged by http/head_check.c
 * before libmicrohttpd reads a byte of it. A good one is handed over with its bytes still
 * unread; a bad one is answered here with the envelope; a slow one is closed at the deadline.
 * libmicrohttpd 0.9.75 answers such requests itself, in HTML, and a bad Content-Length with
 * its status line twice (issue 13). */
#ifndef TA_HTTP_HEAD_GATE_H
#define TA_HTTP_HEAD_GATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "util/err.h"

struct head_gate;
struct net_addr;
struct net_cidr_list;

struct head_gate_opts {
    const struct net_addr *listen;
    size_t max_head;       /* head bytes libmicrohttpd can hold (http/head_check.h) */
    size_t head_budget;    /* bytes + HEAD_FIELD_COST per field */
    size_t max_body;       /* a chunked first body is read whole up to this */
    int timeout_s;         /* the first request must arrive whole within this; 0: 30 s */
    unsigned max_pending;  /* connections whose first request is on its way */
    unsigned per_ip;       /* of them from one trusted proxy's address */
    unsigned per_ip_other; /* of them from any other address */
    const struct net_cidr_list *trusted;
    /* A good connection: the callee owns fd from here (closes it on failure). first_ns:
     * when its first byte was seen (clock_mono_ns), where its request's clock starts. */
    void (*hand)(void *ud, int fd, const struct sockaddr *sa, socklen_t len, int64_t first_ns);
    /* The whole HTTP answer for a refused request (malloc'd text, *len bytes), built from
     * why and what arrived of the head. */
    char *(*refusal)(void *ud, ta_err why, const char *head, size_t head_len,
                     const struct sockaddr *sa, size_t *len);
    void *ud;
};

/* Binds and listens, and starts the gate's thread. NULL when it cannot listen. */
struct head_gate *head_gate_start(const struct head_gate_opts *o);
uint16_t head_gate_port(const struct head_gate *g);
/* Stops accepting (closes the listening socket); requests on their way still finish. */
void head_gate_quiesce(struct head_gate *g);
/* Stops the thread and closes every connection still held. NULL-safe. Counts what it
 * closes itself in util/stats (STAT_CONN_*). */
void head_gate_stop(struct head_gate *g);

#endif
