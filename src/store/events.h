/* store/events.h — changes that other caches must hear about. Every store handle is wrapped
 * so that a write changing what a token read answers raises an event: applied to this
 * process's caches after its transaction commits, and published to other processes (SQLite:
 * a row read by PRAGMA data_version pollers; PostgreSQL: NOTIFY) inside that transaction. */
#ifndef TA_STORE_EVENTS_H
#define TA_STORE_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct store;

enum store_event_scope {
    EVENT_SESSION = 1,  /* ref: a session id */
    EVENT_CUSTOMER = 2, /* ref: a customer id (all of its sessions, its record, accounts) */
    EVENT_ALL = 3,      /* companies changed, or events were lost: forget everything */
};

struct store_event {
    int scope; /* enum store_event_scope */
    int64_t ref;
};

/* Receives every event after its change is committed: in this process at once, from other
 * processes through a watcher. Set once before any store is opened (NULL: none). */
typedef void (*store_event_sink)(const struct store_event *ev);
void store_events_set_sink(store_event_sink sink);

/* This process's id in published events (its own events come back to the watcher and are
 * skipped: they were applied at commit). */
uint64_t store_events_origin(void);

/* Called by store_open: replaces st->ops with the wrapping table of its backend. */
void store_events_wrap(struct store *st);

/* Publishes ev from outside a store method (a change the list in events.c cannot see). */
ta_err store_event_raise(struct store *st, const struct store_event *ev);

/* A watcher: its own connection that receives the events of other processes. Backends
 * embed this first in their own watcher struct. */
struct store_event_backend;
struct store_watch {
    const struct store_event_backend *b;
};
/* NULL when the URL's backend cannot watch or the database is unreachable. */
struct store_watch *store_watch_open(const char *url);
/* Waits up to timeout_ms and hands foreign events to sink. False when events may have been
 * lost (connection gone): the caller forgets everything and reopens the watcher. */
bool store_watch_poll(struct store_watch *w, int timeout_ms, store_event_sink sink);
void store_watch_close(struct store_watch *w);

/* Backend parts (store/sqlite/events.c, store/pg/events.c). */
struct store_event_backend {
    const char *scheme;
    ta_err (*publish)(struct store *st, uint64_t origin, const struct store_event *ev);
    struct store_watch *(*watch_open)(const char *url, uint64_t origin);
    bool (*watch_poll)(struct store_watch *w, int timeout_ms, store_event_sink sink);
    void (*watch_close)(struct store_watch *w);
};
extern const struct store_event_backend store_sqlite_events;
#ifdef TA_WITH_PG
extern const struct store_event_backend store_pg_events;
#endif

#endif
