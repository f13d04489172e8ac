/* util/access_log.h — the access lines (one per request), written in batches: one write(2)
 * per ACCESS_LOG_FLUSH_MS instead of one per request, which on the token path cost about
 * 8% of the server's CPU. Error and warning lines stay immediate (util/log.h). */
#ifndef TA_UTIL_ACCESS_LOG_H
#define TA_UTIL_ACCESS_LOG_H

/* How long a line may wait before it is written; what a kill -9 can lose. */
#define ACCESS_LOG_FLUSH_MS 10

/* Queues one JSON object as a line (thread-safe; never blocks on a slow stderr for longer
 * than one batch's write). */
void access_log_line(const char *json);
/* Writes what is queued now (at exit, before a test reads the log). */
void access_log_flush(void);
/* How long a batch gathers (default ACCESS_LOG_FLUSH_MS); the unit test lengthens it so
 * that "not written at once" does not depend on the scheduler. */
void access_log_set_period_ms(int ms);

#endif
