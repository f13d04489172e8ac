/* util/stats.h — process-wide counters that lower layers bump and /metrics reads
 * (delivery results, hash-pool waits). Relaxed atomics: a bump costs one instruction. */
#ifndef TA_UTIL_STATS_H
#define TA_UTIL_STATS_H

#include <stdint.h>

enum stat_id {
    STAT_SMS_SENT,
    STAT_SMS_RETRIED,
    STAT_SMS_FAILED,
    STAT_EMAIL_SENT,
    STAT_EMAIL_RETRIED,
    STAT_EMAIL_FAILED,
    STAT_HASH_JOBS,     /* jobs that ran on the hash pool */
    STAT_HASH_WAIT_US,  /* their summed wait in the queue */
    STAT_HASH_REJECTED, /* refused because the queue was full */
    STAT_CACHE_HITS,    /* token reads answered by the session cache */
    STAT_CACHE_MISSES,  /* token reads that went to the database */
    STAT_CACHE_ENTRIES, /* a gauge: sessions held (bumped by +1 / -1 as uint64) */
    STAT_CACHE_FLUSHES, /* the whole cache forgotten (company change, lost change feed) */
    STAT_CACHE_TOUCHES, /* idle-life writes done by the background writer */
    STAT_TOUCH_QUEUED,  /* idle-life writes handed to it */
    STAT_TOUCH_DROPPED, /* skipped, its queue full (the session's next read queues it again) */
    STAT_HTTP_WAITS,    /* database lock waits begun on an HTTP thread (should stay 0) */
    STAT_CONN_REFUSED,  /* first requests the head gate answered (malformed, too big) */
    STAT_CONN_SLOW,     /* connections closed: a request not whole within the read deadline */
    STAT_CONN_OVER,     /* connections closed: too many waiting from one address */
    STAT_COUNT_
};

void stats_add(enum stat_id id, uint64_t n);
uint64_t stats_get(enum stat_id id);

#endif
