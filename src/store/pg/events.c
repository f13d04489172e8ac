/* store/pg/events.c — cache events between instances sharing one PostgreSQL database:
 * NOTIFY inside the changing transaction (delivered at its commit, dropped by rollback),
 * and a watcher that LISTENs on a connection of its own. */
#include "store/events.h"
#include "store/pg/pg_int.h"
#include "util/log.h"
#include "util/mem.h"

#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHANNEL "tradeauth_cache"

static ta_err pg_publish(struct store *st, uint64_t origin, const struct store_event *ev)
{
    struct pg_store *p = (struct pg_store *)st;
    ta_err err = pg__ready(p);
    if (err != TA_OK)
        return err;
    char payload[80];
    snprintf(payload, sizeof payload, "%" PRIu64 " %d %" PRId64, origin, ev->scope, ev->ref);
    const char *values[1] = {payload};
    PGresult *res = PQexecParams(p->conn, "SELECT pg_notify('" CHANNEL "', $1)", 1, NULL, values,
                                 NULL, NULL, 0);
    err = PQresultStatus(res) == PGRES_TUPLES_OK ? TA_OK : pg__error(p, res, "notify");
    PQclear(res);
    return err;
}

struct pg_watch {
    struct store_watch base;
    PGconn *conn;
    uint64_t origin;
};

static struct store_watch *pg_watch_open(const char *url, uint64_t origin)
{
    const char *const keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *const values[] = {"5", "tradeauth-cache-watch", url, NULL};
    PGconn *conn = PQconnectdbParams(keys, values, 1);
    if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
        log_error(NULL, "pg cache watcher: %s", conn ? PQerrorMessage(conn) : "out of memory");
        PQfinish(conn);
        return NULL;
    }
    PGresult *res = PQexec(conn, "LISTEN " CHANNEL);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok) {
        log_error(NULL, "pg cache watcher: LISTEN: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    struct pg_watch *w = xcalloc(1, sizeof *w);
    w->base.b = &store_pg_events;
    w->conn = conn;
    w->origin = origin;
    return &w->base;
}

static void hand_over(struct pg_watch *w, const char *payload, store_event_sink sink)
{
    unsigned long long from = 0;
    int scope = 0;
    long long ref = 0;
    if (sscanf(payload, "%llu %d %lld", &from, &scope, &ref) != 3)
        scope = EVENT_ALL; /* unreadable: forget everything rather than guess */
    else if (from == w->origin)
        return;
    struct store_event ev = {scope, (int64_t)ref};
    if (sink != NULL)
        sink(&ev);
}

static bool pg_watch_poll(struct store_watch *base, int timeout_ms, store_event_sink sink)
{
    struct pg_watch *w = (struct pg_watch *)base;
    struct pollfd pfd = {PQsocket(w->conn), POLLIN, 0};
    if (pfd.fd < 0)
        return false;
    int n = poll(&pfd, 1, timeout_ms);
    if (n < 0)
        return true; /* EINTR: nothing lost */
    if (n > 0 && PQconsumeInput(w->conn) == 0)
        return false;
    PGnotify *note;
    while ((note = PQnotifies(w->conn)) != NULL) {
        hand_over(w, note->extra, sink);
        PQfreemem(note);
    }
    if (PQstatus(w->conn) != CONNECTION_OK)
        return false;
    if (n > 0 && (pfd.revents & (POLLHUP | POLLERR)) != 0)
        return false;
    return true;
}

static void pg_watch_close(struct store_watch *base)
{
    struct pg_watch *w = (struct pg_watch *)base;
    PQfinish(w->conn);
    free(w);
}

const struct store_event_backend store_pg_events = {
    "postgres", pg_publish, pg_watch_open, pg_watch_poll, pg_watch_close,
};
