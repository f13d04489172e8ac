/* delivery/worker.h — the background worker that drains the outbox: claims rows (safe with
 * several instances on one database), sends them through the channel's transport, and
 * retries with exponential backoff until the retries run out, then marks the row failed. */
#ifndef TA_DELIVERY_WORKER_H
#define TA_DELIVERY_WORKER_H

#include <stdint.h>

#include "util/err.h"

struct config;
struct delivery_worker;

/* Opens its own store on cfg->db and the transports of cfg; starts the thread. */
ta_err delivery_worker_start(const struct config *cfg, struct delivery_worker **out);
/* Sends what is due (bounded: at most a few seconds), stops the thread, frees. NULL: no-op. */
void delivery_worker_stop(struct delivery_worker *w);

/* One pass without a thread: claims and sends what is due now. Returns rows handled. */
int delivery_worker_pass(struct delivery_worker *w);

#endif
