/* domain/session_cache.h — live sessions kept in memory, so a token read that hits does no
 * database work. Keyed by the token's storage hash (a raw token is never kept). Kept true
 * by store events (store/events.c lists every change that invalidates): this process's at
 * commit, other processes' through a watcher; a lost watcher empties the cache and turns
 * it off until it is back. Idle-life touches of hits are queued for domain/session_touch.c. */
#ifndef TA_DOMAIN_SESSION_CACHE_H
#define TA_DOMAIN_SESSION_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/model.h"
#include "util/err.h"

struct arena;
struct config;
struct store_event;

/* Starts the cache with at most max_entries sessions (0: stays off) and its watcher on
 * cfg->db. One cache per process; stop before starting again. */
ta_err session_cache_start(const struct config *cfg, size_t max_entries);
/* Stops the watcher, frees every entry. */
void session_cache_stop(void);
/* True while reads may be answered from the cache (started, watcher connected). */
bool session_cache_active(void);

/* What a hit gives back; strings and accounts are copies in the caller's arena. */
struct session_cache_hit {
    struct session s; /* id, customer_id, company_id, device, created_ms, last_used_ms */
    struct customer c;
    struct account *accounts;
    size_t n_accounts;
    struct security_summary sum;
    bool touch_queued; /* this read extended the idle life (written in the background) */
};

enum session_cache_answer { CACHE_MISS, CACHE_HIT, CACHE_OTHER_COMPANY };

/* Looks hash up for company_id. A hit is alive by idle_ms and absolute_ms at now_ms; when a
 * touch is due (touch_ms since the last) it is queued. An entry past its life is dropped
 * (another instance may have touched it: the database decides). */
enum session_cache_answer session_cache_get(const unsigned char *hash, int64_t company_id,
                                            int64_t now_ms, int64_t idle_ms, int64_t absolute_ms,
                                            int64_t touch_ms, struct arena *a,
                                            struct session_cache_hit *out);

/* Read before the database reads of a miss, handed to put: a change committed in between
 * moves it, and put then keeps nothing (it may have read the old state). */
uint64_t session_cache_epoch(void);
/* Remembers a live session read from the database. valid_until_ms: when the token stops
 * working by itself (the 30 s grace of a rotated-away token), INT64_MAX otherwise. */
void session_cache_put(uint64_t epoch, const unsigned char *hash, const struct session *s,
                       int64_t valid_until_ms, const struct customer *c,
                       const struct account *accounts, size_t n_accounts,
                       const struct security_summary *sum);

/* The sink of store events: forgets what ev names. */
void session_cache_on_event(const struct store_event *ev);

struct session_cache_stats {
    uint64_t hits, misses, entries, flushes, touches_written;
};
void session_cache_stats(struct session_cache_stats *out);

#endif
