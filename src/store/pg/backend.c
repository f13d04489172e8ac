/* store/pg/backend.c — the PostgreSQL backend (postgres:// and postgresql:// URLs): open,
 * close, transactions and the method table. Several instances share one database, so every
 * method is one atomic statement (row locks, ON CONFLICT, conditional UPDATE/DELETE). */
#include "store/pg/pg_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/mem.h"

/* Server notices (CREATE ... IF NOT EXISTS, etc.) are not errors: keep them off stderr. */
static void on_notice(void *arg, const char *msg)
{
    (void)arg;
    log_debug(NULL, "pg notice: %s", msg);
}

static ta_err pg_open(const char *url, struct store **out)
{
    /* The URL's own settings come last and so win over these defaults. A connect timeout
     * keeps a reconnect against a dead host from hanging a worker thread forever. */
    /* lock_timeout: a lock held elsewhere costs a statement at most the lock budget, then
     * 55P03 (issue 13). */
    char options[64];
    snprintf(options, sizeof options, "-c lock_timeout=%d", store_busy_ms);
    const char *const keys[] = {"connect_timeout", "application_name", "options", "dbname", NULL};
    const char *const values[] = {"10", "tradeauth", options, url, NULL};

    PGconn *conn = PQconnectdbParams(keys, values, 1);
    if (conn == NULL) {
        log_error(NULL, "pg open: out of memory");
        return TA_FAIL(TA_E_INTERNAL);
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        log_error(NULL, "pg open: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return TA_FAIL(TA_E_INTERNAL);
    }
    PQsetNoticeProcessor(conn, on_notice, NULL);

    struct pg_store *p = xcalloc(1, sizeof *p);
    p->base.ops = &store_pg_ops;
    p->conn = conn;
    *out = &p->base;
    return TA_OK;
}

static void pg_close(struct store *st)
{
    struct pg_store *p = (struct pg_store *)st;
    if (p == NULL)
        return;
    PQfinish(p->conn);
    free(p);
}

ta_err pg__ping(struct store *st)
{
    struct pg_store *p = (struct pg_store *)st;
    ta_err err = pg__ready(p);
    if (err == TA_OK)
        err = pg__simple(p, "ping", "SELECT 1", NULL);
    return err;
}

/*---- transactions ----*/

ta_err pg__begin(struct store *st)
{
    struct pg_store *p = (struct pg_store *)st;

    if (p->in_tx) {
        log_error(NULL, "pg begin: a transaction is open already");
        return TA_FAIL(TA_E_INTERNAL);
    }
    ta_err err = pg__ready(p);
    if (err != TA_OK)
        return err;
    /* READ COMMITTED: the methods themselves are race-safe (row locks taken by conditional
     * UPDATE/DELETE and ON CONFLICT), so no use case has to be re-run for a serialization
     * failure; a deadlock still answers TA_E_RETRY. */
    err = pg__simple(p, "begin", "BEGIN ISOLATION LEVEL READ COMMITTED", NULL);
    if (err == TA_OK)
        p->in_tx = true;
    return err;
}

ta_err pg__commit(struct store *st)
{
    struct pg_store *p = (struct pg_store *)st;

    if (!p->in_tx) {
        log_error(NULL, "pg commit: no transaction is open");
        return TA_FAIL(TA_E_INTERNAL);
    }
    ta_err err = pg__ready(p);
    if (err != TA_OK)
        return err; /* in_tx stays: the caller's rollback clears it */

    PGresult *res;
    err = pg__simple(p, "commit", "COMMIT", &res);
    /* Success or not, the server has ended the transaction (unless the connection broke,
     * and then rollback still has to clear the lost transaction). */
    if (!p->broken)
        p->in_tx = false;
    if (err != TA_OK)
        return err;
    /* COMMIT of a transaction that had failed answers "ROLLBACK" without an error. */
    bool rolled_back = strcmp(PQcmdStatus(res), "ROLLBACK") == 0;
    PQclear(res);
    if (rolled_back) {
        log_error(NULL, "pg commit: the transaction had failed and was rolled back");
        return TA_FAIL(TA_E_INTERNAL);
    }
    return TA_OK;
}

/* Each statement is a round trip: a snapshot around a few reads would only add two. */
ta_err pg__read_begin(struct store *st)
{
    (void)st;
    return TA_OK;
}

void pg__read_end(struct store *st)
{
    (void)st;
}

void pg__rollback(struct store *st)
{
    struct pg_store *p = (struct pg_store *)st;

    p->in_tx = false;
    if (p->broken)
        return; /* the server dropped the transaction with the session */
    PGTransactionStatusType ts = PQtransactionStatus(p->conn);
    if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
        (void)pg__simple(p, "rollback", "ROLLBACK", NULL);
}

ta_err pg__atomic_begin(struct pg_store *p, bool need_tx, struct pg_atomic *at)
{
    ta_err err = TA_OK;

    at->own_tx = !p->in_tx && need_tx;
    at->savepoint = p->in_tx;
    if (at->own_tx)
        return pg__begin(&p->base);
    if (at->savepoint) {
        err = pg__ready(p);
        if (err == TA_OK)
            err = pg__simple(p, "savepoint", "SAVEPOINT ta_atomic", NULL);
    }
    return err;
}

ta_err pg__atomic_end(struct pg_store *p, const struct pg_atomic *at, ta_err err)
{
    if (at->own_tx) {
        if (err == TA_OK)
            err = pg__commit(&p->base);
        if (err != TA_OK)
            pg__rollback(&p->base);
        return err;
    }
    if (!at->savepoint)
        return err;
    if (err == TA_OK)
        return pg__simple(p, "savepoint", "RELEASE SAVEPOINT ta_atomic", NULL);
    if (!p->broken && pg__simple(p, "savepoint", "ROLLBACK TO SAVEPOINT ta_atomic", NULL) == TA_OK)
        (void)pg__simple(p, "savepoint", "RELEASE SAVEPOINT ta_atomic", NULL);
    return err;
}

/* clang-format off */
#define PG_METHOD(ret, name, params) .name = pg__##name,
const struct store_ops store_pg_ops = {
    .scheme = "postgres", /* also matches postgresql:// */
    .open = pg_open,
    .close = pg_close,
    STORE_METHODS(PG_METHOD)
};
#undef PG_METHOD
/* clang-format on */
