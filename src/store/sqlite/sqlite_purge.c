/* store/sqlite/sqlite_purge.c — rarely used statements (housekeeping, the customer lock),
 * prepared per call instead of taking cache slots. */
#include "store/sqlite/sqlite_int.h"

static const char *const purge_sql[] = {
    "DELETE FROM onetime WHERE expires_ms <= ?1",
    "DELETE FROM tickets WHERE expires_ms <= ?1 - ?2",
    "DELETE FROM counters WHERE window_start_ms <= ?1 - ?2",
    "DELETE FROM sessions WHERE (ended_ms > 0 AND ended_ms <= ?1 - ?2)"
    " OR last_used_ms <= ?1 - ?3",
    "DELETE FROM outbox WHERE status <> 0 AND created_ms <= ?1 - ?2",
};

ta_err sq__purge(struct store *st, int64_t now_ms, int64_t keep_ms, int64_t idle_max_ms,
                 int64_t *n_out)
{
    struct sq_store *sq = sq__from(st);
    struct sq_atomic at;
    int64_t total = 0;
    ta_err err = sq__atomic_begin(sq, false, &at);
    for (size_t i = 0; err == TA_OK && i < sizeof purge_sql / sizeof purge_sql[0]; i++) {
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(sq->db, purge_sql[i], -1, &q, NULL) != SQLITE_OK) {
            err = sq__error(sq, sqlite3_errcode(sq->db), "purge");
            break;
        }
        sqlite3_bind_int64(q, 1, now_ms);
        if (sqlite3_bind_parameter_count(q) >= 2)
            sqlite3_bind_int64(q, 2, keep_ms);
        if (sqlite3_bind_parameter_count(q) >= 3)
            sqlite3_bind_int64(q, 3, idle_max_ms);
        int changes = 0;
        err = sq__run(sq, q, "purge", &changes);
        total += changes;
        sqlite3_finalize(q);
    }
    err = sq__atomic_end(sq, &at, err);
    if (err == TA_OK)
        *n_out = total;
    return err;
}

/* BEGIN IMMEDIATE already holds the database's one write lock for the whole transaction;
 * all that is left to say is whether the customer exists. */
ta_err sq__customer_lock(struct store *st, int64_t id)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(sq->db, "SELECT 1 FROM customers WHERE id = ?1", -1, &q, NULL) !=
        SQLITE_OK)
        return sq__error(sq, sqlite3_errcode(sq->db), "customer_lock");
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc == SQLITE_ROW)
        return TA_OK;
    return rc == SQLITE_DONE ? TA_E_NOT_FOUND : sq__error(sq, rc, "customer_lock");
}
