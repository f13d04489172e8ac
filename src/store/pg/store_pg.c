/* store/pg/store_pg.c — the PostgreSQL backend (postgres:// and postgresql:// URLs): open,
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
    const char *const keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *const values[] = {"10", "tradeauth", url, NULL};

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

static ta_err pg_ping(struct store *st)
{
    struct pg_store *p = (struct pg_store *)st;
    ta_err err = pg__ready(p);
    if (err == TA_OK)
        err = pg__simple(p, "ping", "SELECT 1", NULL);
    return err;
}

/*---- transactions ----*/

static ta_err pg_begin(struct store *st)
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

static ta_err pg_commit(struct store *st)
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
static ta_err pg_read_begin(struct store *st)
{
    (void)st;
    return TA_OK;
}

static void pg_read_end(struct store *st)
{
    (void)st;
}

static void pg_rollback(struct store *st)
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
        return pg_begin(&p->base);
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
            err = pg_commit(&p->base);
        if (err != TA_OK)
            pg_rollback(&p->base);
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

const struct store_ops store_pg_ops = {
    .scheme = "postgres", /* also matches postgresql:// */
    .open = pg_open,
    .close = pg_close,
    .migrate = pg__migrate,
    .ping = pg_ping,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .read_begin = pg_read_begin,
    .read_end = pg_read_end,
    .meta_get = pg__meta_get,
    .meta_put_new = pg__meta_put_new,
    .company_insert = pg__company_insert,
    .company_update = pg__company_update,
    .company_get = pg__company_get,
    .company_list = pg__company_list,
    .company_next_no = pg__company_next_no,
    .customer_insert = pg__customer_insert,
    .customer_get = pg__customer_get,
    .customer_by_email = pg__customer_by_email,
    .customer_by_phone = pg__customer_by_phone,
    .customer_by_no = pg__customer_by_no,
    .customer_list = pg__customer_list,
    .customer_set_password = pg__customer_set_password,
    .customer_set_lang = pg__customer_set_lang,
    .customer_lock = pg__customer_lock,
    .customer_set_status = pg__customer_set_status,
    .customer_set_kyc = pg__customer_set_kyc,
    .customer_set_relation = pg__customer_set_relation,
    .customer_set_mfa = pg__customer_set_mfa,
    .customer_mfa_advance = pg__customer_mfa_advance,
    .account_insert = pg__account_insert,
    .account_list = pg__account_list,
    .account_set_amounts = pg__account_set_amounts,
    .session_insert = pg__session_insert,
    .session_by_token = pg__session_by_token,
    .session_by_refresh = pg__session_by_refresh,
    .session_get = pg__session_get,
    .session_touch = pg__session_touch,
    .session_rotate = pg__session_rotate,
    .session_end = pg__session_end,
    .session_end_customer = pg__session_end_customer,
    .session_count_live = pg__session_count_live,
    .ticket_insert = pg__ticket_insert,
    .ticket_by_send = pg__ticket_by_send,
    .ticket_spend = pg__ticket_spend,
    .ticket_consume = pg__ticket_consume,
    .onetime_insert = pg__onetime_insert,
    .onetime_consume = pg__onetime_consume,
    .onetime_peek = pg__onetime_peek,
    .counter_hit = pg__counter_hit,
    .counter_peek = pg__counter_peek,
    .counter_clear = pg__counter_clear,
    .purge = pg__purge,
    .outbox_insert = pg__outbox_insert,
    .outbox_claim = pg__outbox_claim,
    .outbox_finish = pg__outbox_finish,
    .outbox_count = pg__outbox_count,
    .audit_insert = pg__audit_insert,
    .audit_list = pg__audit_list,
    .customer_set_email = pg__customer_set_email,
    .customer_set_phone = pg__customer_set_phone,
    .customer_set_country = pg__customer_set_country,
    .security_get = pg__security_get,
    .security_put = pg__security_put,
    .session_list = pg__session_list,
    .audit_page = pg__audit_page,
    .device_seen = pg__device_seen,
    .customer_erase_due = pg__customer_erase_due,
};
