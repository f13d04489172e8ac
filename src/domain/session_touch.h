/* domain/session_touch.h — the sessions' last-used writes ("touches"), queued by token reads
 * and written in batches by one background thread, so that no request thread ever writes
 * (or waits for a database lock) to extend a session's idle life. */
#ifndef TA_DOMAIN_SESSION_TOUCH_H
#define TA_DOMAIN_SESSION_TOUCH_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct config;

/* Starts the writer on cfg->db (its own connection, opened at the first touch). One per
 * process; stop before starting again. */
ta_err session_touch_start(const struct config *cfg);
/* Writes what is queued, then stops the thread. */
void session_touch_stop(void);
/* True while the writer runs: a touch is then never written by the caller. */
bool session_touch_running(void);
/* Queues a touch; false when the writer is not running or the queue is full (the touch is
 * then skipped: the next read of the session queues it again). */
bool session_touch_queue(int64_t session_id, int64_t now_ms);

#endif
