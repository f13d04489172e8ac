/* http/server.h — the edge: libmicrohttpd in poll mode with a thread pool, request limits,
 * and the hand-off of password-hashing routes to the hash pool (ARCHITECTURE.md). */
#ifndef TA_HTTP_SERVER_H
#define TA_HTTP_SERVER_H

#include <stdint.h>

#include "util/err.h"

#include "http/request.h" /* struct http_hooks */

struct config;

struct http_server;

/* Starts listening on cfg->listen. *out set only on TA_OK. */
ta_err http_server_start(const struct config *cfg, const struct http_hooks *hooks,
                         struct http_server **out);
/* The bound port (useful with port 0). */
uint16_t http_server_port(const struct http_server *s);
/* Stops accepting, lets requests in flight finish (bounded wait), then stops. */
void http_server_stop(struct http_server *s);
/* Stops accepting new connections (first half of a graceful stop). */
void http_server_quiesce(struct http_server *s);
/* Waits up to timeout_ms for in-flight requests; returns how many are still running. */
int http_server_drain(struct http_server *s, int timeout_ms);

#endif
