/* http/metrics.h — process-wide counters for GET /metrics (contract C18), Prometheus
 * text format. Lock-free: relaxed atomics, summed when scraped. No customer data. */
#ifndef TA_HTTP_METRICS_H
#define TA_HTTP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct route;

/* Counts one answer of route r (NULL: no route) with its duration. */
void metrics_route_done(const struct route *r, ta_err e, int64_t duration_ns);
/* The exposition text (caller frees). hash_depth: jobs waiting in the hash pool;
 * live_sessions: sessions in use, or -1 when the database did not answer. */
char *metrics_render(size_t hash_depth, int64_t live_sessions);
/* Appends the store gauges to text (from metrics_render; returns the new text, the old
 * one is consumed): ready 1/0 (the database answered), the outbox rows waiting for
 * delivery and those given up on (-1: unknown, then left out). docs/prometheus/alerts.yml
 * alerts on them. */
char *metrics_append_store(char *text, int ready, int64_t outbox_pending, int64_t outbox_failed);

#endif
