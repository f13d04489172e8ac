/* http/refusal.h — the raw HTTP answer (envelope, Connection: close) for a request refused
 * before libmicrohttpd read it (http/head_gate.c). */
#ifndef TA_HTTP_REFUSAL_H
#define TA_HTTP_REFUSAL_H

#include <stddef.h>
#include <sys/socket.h>

#include "http/request.h"

/* The answer to why, given what arrived of the head; logged like any answer. malloc'd text
 * of *len bytes, or NULL when out of memory. */
char *refusal_render(const struct config *cfg, const struct http_hooks *hooks, ta_err why,
                     const char *head, size_t head_len, const struct sockaddr *sa, size_t *len);

#endif
