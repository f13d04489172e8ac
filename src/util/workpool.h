/* util/workpool.h — a fixed set of worker threads with a bounded queue. The hash pool:
 * password hashing runs here so HTTP threads never wait on argon2id. Each worker keeps
 * its own state (its database connection) made by thread_init. */
#ifndef TA_UTIL_WORKPOOL_H
#define TA_UTIL_WORKPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct workpool;

typedef void (*workpool_fn)(void *thread_state, void *arg);

/* threads workers; at most queue_max jobs may wait. thread_init(ud) runs on each worker
 * before its first job, thread_done(state) after its last. */
struct workpool *workpool_new(size_t threads, size_t queue_max, void *(*thread_init)(void *ud),
                              void (*thread_done)(void *state), void *ud);
/* From now on a job is refused when its expected wait (its position in the queue × the
 * measured run time of a job ÷ threads) exceeds max_wait_ms; 0 turns that off. */
void workpool_set_max_wait(struct workpool *p, int64_t max_wait_ms);
/* Queues fn(state, arg); false when the queue is full or the wait would be too long (the
 * caller answers "busy"). */
bool workpool_submit(struct workpool *p, workpool_fn fn, void *arg);
/* The same; then(arg) runs on the worker after fn, once the pool has counted the job (its
 * run time is in the estimate and it no longer counts as running). A caller that answers its
 * client in then() cannot be sent the next request before the pool is up to date. */
bool workpool_submit_then(struct workpool *p, workpool_fn fn, void (*then)(void *arg), void *arg);
/* Jobs waiting (not yet running). */
size_t workpool_depth(struct workpool *p);
/* Runs every queued job, then joins the workers. NULL is a no-op. */
void workpool_free(struct workpool *p);

#endif
