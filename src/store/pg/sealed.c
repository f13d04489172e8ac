/* store/pg/sealed.c — what encrypted request bodies keep (contract C19): a company's
 * private key and switch (company_keys) and the signatures seen while a replay of them
 * would still be in time (seen_signatures), shared by every instance on the database. */
#include "store/pg/pg_int.h"

#include <libpq-fe.h>
#include <string.h>

static const struct pg_stmt q_key_get = {
    PG_Q_COMPANY_KEY_GET, "company_key_get",
    "SELECT rsa_key, require_encryption, updated_ms FROM company_keys"
    " WHERE company_id = $1::bigint"};
static const struct pg_stmt q_key_set = {
    PG_Q_COMPANY_KEY_SET, "company_key_set",
    "INSERT INTO company_keys (company_id, rsa_key, require_encryption, updated_ms)"
    " VALUES ($1::bigint, $2::text, $3::boolean, $4::bigint) ON CONFLICT (company_id) DO UPDATE"
    " SET rsa_key = excluded.rsa_key, require_encryption = excluded.require_encryption,"
    " updated_ms = excluded.updated_ms"};
static const struct pg_stmt q_sig_expire = {
    PG_Q_SIGNATURE_EXPIRE, "signature_expire",
    "DELETE FROM seen_signatures WHERE expires_ms <= $1::bigint"};
/* ON CONFLICT DO NOTHING waits for a concurrent inserter of the same key and then does
 * nothing: of two instances seeing one signature at once, exactly one inserts it. */
static const struct pg_stmt q_sig_insert = {
    PG_Q_SIGNATURE_INSERT, "signature_insert",
    "INSERT INTO seen_signatures (company_id, signature, expires_ms)"
    " VALUES ($1::bigint, $2::text, $3::bigint) ON CONFLICT DO NOTHING"};

ta_err pg__company_key_get(struct store *st, int64_t company_id, struct arena *a,
                           struct company_key *out)
{
    struct pg_store *p = (struct pg_store *)st;
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_i64(&pp, company_id);
    ta_err err = pg__exec_row(p, &q_key_get, &pp, &res);
    if (err != TA_OK)
        return err;
    struct company_key k;
    memset(&k, 0, sizeof k);
    k.company_id = company_id;
    err = pg__str(a, res, 0, 0, &k.rsa_key) ? TA_OK : TA_E_TOO_LARGE;
    k.require_encryption = pg__bool(res, 0, 1);
    k.updated_ms = pg__i64(res, 0, 2);
    PQclear(res);
    if (err == TA_OK)
        *out = k;
    return err;
}

ta_err pg__company_key_set(struct store *st, const struct company_key *k)
{
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_i64(&pp, k->company_id);
    pg__p_text(&pp, k->rsa_key);
    pg__p_bool(&pp, k->require_encryption);
    pg__p_i64(&pp, k->updated_ms);
    ta_err err = pg__exec((struct pg_store *)st, &q_key_set, &pp, &res);
    if (err == TA_OK)
        PQclear(res);
    return err;
}

ta_err pg__signature_remember(struct store *st, int64_t company_id, const char *signature,
                              int64_t now_ms, int64_t expires_ms)
{
    struct pg_store *p = (struct pg_store *)st;
    struct pg_atomic at;
    struct pg_params pp;
    PGresult *res = NULL;

    ta_err err = pg__atomic_begin(p, true, &at);
    if (err != TA_OK)
        return err;
    pg__p_init(&pp);
    pg__p_i64(&pp, now_ms);
    err = pg__exec(p, &q_sig_expire, &pp, &res);
    if (err == TA_OK) {
        PQclear(res);
        pg__p_init(&pp);
        pg__p_i64(&pp, company_id);
        pg__p_text(&pp, signature);
        pg__p_i64(&pp, expires_ms);
        err = pg__exec(p, &q_sig_insert, &pp, &res);
    }
    if (err == TA_OK) {
        if (pg__i64_text(PQcmdTuples(res)) == 0)
            err = TA_E_CONFLICT;
        PQclear(res);
    }
    return pg__atomic_end(p, &at, err);
}
