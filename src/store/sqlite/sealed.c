/* store/sqlite/sealed.c — what encrypted request bodies keep (contract C19): a company's
 * private key and switch (company_keys) and the signatures seen while a replay of them
 * would still be in time (seen_signatures). */
#include "store/sqlite/sqlite_int.h"

#include <string.h>

ta_err sq__company_key_get(struct store *st, int64_t company_id, struct arena *a,
                           struct company_key *out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_COMPANY_KEY_GET,
                               "SELECT rsa_key, require_encryption, updated_ms FROM company_keys"
                               " WHERE company_id = ?1");
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, company_id);
    ta_err err = TA_OK;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        struct company_key k;
        memset(&k, 0, sizeof k);
        k.company_id = company_id;
        k.rsa_key = sq__col_str(q, 0, a, &err);
        k.require_encryption = sqlite3_column_int(q, 1) != 0;
        k.updated_ms = sqlite3_column_int64(q, 2);
        if (err == TA_OK)
            *out = k;
    } else if (rc == SQLITE_DONE) {
        err = TA_E_NOT_FOUND;
    } else {
        err = sq__error(sq, rc, "company_key_get");
    }
    sq__release(q);
    return err;
}

ta_err sq__company_key_set(struct store *st, const struct company_key *k)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q =
        sq__stmt(sq, SQ_COMPANY_KEY_SET,
                 "INSERT INTO company_keys (company_id, rsa_key, require_encryption, updated_ms)"
                 " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (company_id) DO UPDATE SET"
                 " rsa_key = excluded.rsa_key, require_encryption = excluded.require_encryption,"
                 " updated_ms = excluded.updated_ms");
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, k->company_id);
    sq__bind_str(q, 2, k->rsa_key);
    sqlite3_bind_int(q, 3, k->require_encryption ? 1 : 0);
    sqlite3_bind_int64(q, 4, k->updated_ms);
    ta_err err = sq__run(sq, q, "company_key_set", NULL);
    sq__release(q);
    return err;
}

ta_err sq__signature_remember(struct store *st, int64_t company_id, const char *signature,
                              int64_t now_ms, int64_t expires_ms)
{
    struct sq_store *sq = sq__from(st);
    struct sq_atomic at;
    ta_err err = sq__atomic_begin(sq, true, &at);
    if (err != TA_OK)
        return err;
    sqlite3_stmt *q =
        sq__stmt(sq, SQ_SIGNATURE_EXPIRE, "DELETE FROM seen_signatures WHERE expires_ms <= ?1");
    if (q == NULL)
        err = TA_FAIL(TA_E_INTERNAL);
    if (err == TA_OK) {
        sqlite3_bind_int64(q, 1, now_ms);
        err = sq__run(sq, q, "signature_remember", NULL);
        sq__release(q);
    }
    int changed = 0;
    if (err == TA_OK) {
        q = sq__stmt(sq, SQ_SIGNATURE_INSERT,
                     "INSERT INTO seen_signatures (company_id, signature, expires_ms)"
                     " VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING");
        if (q == NULL)
            err = TA_FAIL(TA_E_INTERNAL);
    }
    if (err == TA_OK) {
        sqlite3_bind_int64(q, 1, company_id);
        sq__bind_str(q, 2, signature);
        sqlite3_bind_int64(q, 3, expires_ms);
        err = sq__run(sq, q, "signature_remember", &changed);
        sq__release(q);
    }
    if (err == TA_OK && changed == 0)
        err = TA_E_CONFLICT;
    return sq__atomic_end(sq, &at, err);
}
