/* store/sqlite/company.c — settings (meta), companies (tenants) with their assets, offers and
 * groups, and the per-company customer-number sequence. The children live in their own tables and
 * are replaced wholesale on update, in the order the caller gave them (column ord). */
#include "store/sqlite/sqlite_int.h"

#include <string.h>

#include "util/log.h"

/* ------------------------------------------------------------------------------------------
 * Meta
 * ---------------------------------------------------------------------------------------- */

ta_err sq__meta_get(struct store *st, const char *key, struct arena *a, char **value_out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_META_GET, "SELECT value FROM meta WHERE key = ?1");
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sq__bind_str(q, 1, key);

    ta_err err = TA_OK;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        char *v = sq__col_str(q, 0, a, &err);
        if (err == TA_OK)
            *value_out = v;
    } else if (rc == SQLITE_DONE) {
        err = TA_E_NOT_FOUND;
    } else {
        err = sq__error(sq, rc, "meta_get");
    }
    sq__release(q);
    return err;
}

ta_err sq__meta_put_new(struct store *st, const char *key, const char *value)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_META_PUT, "INSERT INTO meta (key, value) VALUES (?1, ?2)");
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sq__bind_str(q, 1, key);
    sq__bind_str(q, 2, value);
    ta_err err = sq__run(sq, q, "meta_put_new", NULL);
    sq__release(q);
    return err;
}

static const char SQL_INSERT[] =
    "INSERT INTO companies (" COMPANY_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
    "?11)";
static const char SQL_UPDATE[] =
    "UPDATE companies SET name = ?2, type = ?3, twin_id = ?4, kyc_on = ?5, manual_review = ?6, "
    "no_prefix = ?7, single_session = ?8, session_idle_ms = ?9, session_absolute_ms = ?10, "
    "refresh_ms = ?11 WHERE id = ?1";
static const char SQL_GET[] = "SELECT " COMPANY_COLS " FROM companies WHERE id = ?1";
static const char SQL_LIST[] = "SELECT " COMPANY_COLS " FROM companies ORDER BY id";
static const char SQL_NEXT_NO[] =
    "UPDATE companies SET next_no = next_no + 1 WHERE id = ?1 RETURNING next_no";

static const char SQL_ASSET_INSERT[] =
    "INSERT INTO company_assets (company_id, ord, currency, assets_id, digits, demo_balance) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_ASSET_DELETE[] = "DELETE FROM company_assets WHERE company_id = ?1";
static const char SQL_ASSET_LIST[] = "SELECT currency, assets_id, digits, demo_balance "
                                     "FROM company_assets WHERE company_id = ?1 ORDER BY ord";
static const char SQL_OFFER_INSERT[] =
    "INSERT INTO company_offers (company_id, ord, trade_type, currency, is_default) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_OFFER_DELETE[] = "DELETE FROM company_offers WHERE company_id = ?1";
static const char SQL_OFFER_LIST[] = "SELECT trade_type, currency, is_default "
                                     "FROM company_offers WHERE company_id = ?1 ORDER BY ord";
static const char SQL_GROUP_INSERT[] =
    "INSERT INTO company_groups (company_id, ord, group_id, is_default) "
    "VALUES (?1, ?2, ?3, ?4)";
static const char SQL_GROUP_DELETE[] = "DELETE FROM company_groups WHERE company_id = ?1";
static const char SQL_GROUP_LIST[] = "SELECT group_id, is_default "
                                     "FROM company_groups WHERE company_id = ?1 ORDER BY ord";

/* ------------------------------------------------------------------------------------------
 * Writing
 * ---------------------------------------------------------------------------------------- */

/* Counts beyond the model's arrays are a caller bug; refuse before writing anything. */
static ta_err check_counts(const struct company *co, const char *what)
{
    if (co->n_assets <= TA_MAX_ASSETS && co->n_offers <= TA_MAX_OFFERS &&
        co->n_groups <= TA_MAX_GROUPS)
        return TA_OK;
    log_error(NULL, "sqlite %s: company %lld has too many assets, offers or groups", what,
              (long long)co->id);
    return TA_FAIL(TA_E_INTERNAL);
}

/* Binds ?1..?11 of SQL_INSERT / SQL_UPDATE; id 0 binds NULL so SQLite picks the rowid. */
static void bind_company(sqlite3_stmt *q, const struct company *co)
{
    if (co->id == 0)
        sqlite3_bind_null(q, 1);
    else
        sqlite3_bind_int64(q, 1, co->id);
    (void)sq__bind_row(q, 2, &row_company, co, "company"); /* no blob: cannot fail */
}

/* Runs one cached child statement: binds ?1 = company id, lets fill bind the rest. */
static ta_err run_child(struct sq_store *sq, enum sq_slot slot, const char *sql, int64_t id,
                        const struct company *co, size_t i,
                        void (*fill)(sqlite3_stmt *, const struct company *, size_t),
                        const char *what)
{
    sqlite3_stmt *q = sq__stmt(sq, slot, sql);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, id);
    if (fill != NULL) {
        sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
        fill(q, co, i);
    }
    ta_err err = sq__run(sq, q, what, NULL);
    sq__release(q);
    return err;
}

static void fill_asset(sqlite3_stmt *q, const struct company *co, size_t i)
{
    const struct company_asset *as = &co->assets[i];
    sq__bind_fixed(q, 3, as->currency, sizeof as->currency);
    sqlite3_bind_int64(q, 4, as->assets_id);
    sqlite3_bind_int(q, 5, as->digits);
    sqlite3_bind_int64(q, 6, as->demo_balance);
}

static void fill_offer(sqlite3_stmt *q, const struct company *co, size_t i)
{
    const struct company_offer *of = &co->offers[i];
    sqlite3_bind_int(q, 3, of->trade_type);
    sq__bind_fixed(q, 4, of->currency, sizeof of->currency);
    sqlite3_bind_int(q, 5, of->is_default);
}

static void fill_group(sqlite3_stmt *q, const struct company *co, size_t i)
{
    sqlite3_bind_int64(q, 3, co->groups[i].id);
    sqlite3_bind_int(q, 4, co->groups[i].is_default);
}

static ta_err insert_children(struct sq_store *sq, int64_t id, const struct company *co,
                              const char *what)
{
    ta_err err = TA_OK;
    for (size_t i = 0; err == TA_OK && i < co->n_assets; i++)
        err = run_child(sq, SQ_ASSET_INSERT, SQL_ASSET_INSERT, id, co, i, fill_asset, what);
    for (size_t i = 0; err == TA_OK && i < co->n_offers; i++)
        err = run_child(sq, SQ_OFFER_INSERT, SQL_OFFER_INSERT, id, co, i, fill_offer, what);
    for (size_t i = 0; err == TA_OK && i < co->n_groups; i++)
        err = run_child(sq, SQ_GROUP_INSERT, SQL_GROUP_INSERT, id, co, i, fill_group, what);
    return err;
}

ta_err sq__company_insert(struct store *st, const struct company *co, int64_t *id_out)
{
    struct sq_store *sq = sq__from(st);
    struct sq_atomic at;
    int64_t id = 0;

    ta_err err = check_counts(co, "company_insert");
    if (err != TA_OK)
        return err;
    sqlite3_stmt *q = sq__stmt(sq, SQ_COMPANY_INSERT, SQL_INSERT);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    err = sq__atomic_begin(sq, true, &at);
    if (err != TA_OK)
        return err;

    bind_company(q, co);
    err = sq__run(sq, q, "company_insert", NULL);
    sq__release(q);
    if (err == TA_OK) {
        id = sqlite3_last_insert_rowid(sq->db);
        err = insert_children(sq, id, co, "company_insert");
    }
    err = sq__atomic_end(sq, &at, err);
    if (err == TA_OK)
        *id_out = id;
    return err;
}

ta_err sq__company_update(struct store *st, const struct company *co)
{
    struct sq_store *sq = sq__from(st);
    struct sq_atomic at;
    int changed = 0;

    ta_err err = check_counts(co, "company_update");
    if (err != TA_OK)
        return err;
    sqlite3_stmt *q = sq__stmt(sq, SQ_COMPANY_UPDATE, SQL_UPDATE);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    err = sq__atomic_begin(sq, true, &at);
    if (err != TA_OK)
        return err;

    bind_company(q, co);
    sqlite3_bind_int64(q, 1, co->id); /* even 0: there is no company 0 to update */
    err = sq__run(sq, q, "company_update", &changed);
    sq__release(q);
    if (err == TA_OK && changed == 0)
        err = TA_E_NOT_FOUND;
    if (err == TA_OK)
        err =
            run_child(sq, SQ_ASSET_DELETE, SQL_ASSET_DELETE, co->id, co, 0, NULL, "company_update");
    if (err == TA_OK)
        err =
            run_child(sq, SQ_OFFER_DELETE, SQL_OFFER_DELETE, co->id, co, 0, NULL, "company_update");
    if (err == TA_OK)
        err =
            run_child(sq, SQ_GROUP_DELETE, SQL_GROUP_DELETE, co->id, co, 0, NULL, "company_update");
    if (err == TA_OK)
        err = insert_children(sq, co->id, co, "company_update");
    return sq__atomic_end(sq, &at, err);
}

ta_err sq__company_next_no(struct store *st, int64_t company_id, int64_t *seq_out)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_COMPANY_NEXT_NO, SQL_NEXT_NO);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, company_id);

    ta_err err;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(q, 0);
        err = sq__step_done(sq, q, "company_next_no");
        if (err == TA_OK)
            *seq_out = seq;
    } else if (rc == SQLITE_DONE) {
        err = TA_E_NOT_FOUND;
    } else {
        err = sq__error(sq, rc, "company_next_no");
    }
    sq__release(q);
    return err;
}

/* ------------------------------------------------------------------------------------------
 * Reading
 * ---------------------------------------------------------------------------------------- */

/* Steps a child list into co; more rows than the model holds means the table was edited by
 * hand past the model's limits: refuse rather than hand back a partial company. */
static ta_err read_children(struct sq_store *sq, sqlite3_stmt *q, struct company *co, size_t max,
                            size_t *n, void (*read)(sqlite3_stmt *, struct company *, size_t))
{
    ta_err err = TA_OK;
    int rc;

    sqlite3_bind_int64(q, 1, co->id);
    *n = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n == max) {
            log_error(NULL, "sqlite company_get: company %lld has more children than fit",
                      (long long)co->id);
            err = TA_FAIL(TA_E_INTERNAL);
            break;
        }
        read(q, co, (*n)++);
    }
    if (err == TA_OK && rc != SQLITE_DONE)
        err = sq__error(sq, rc, "company_get");
    sq__release(q);
    return err;
}

static void read_asset(sqlite3_stmt *q, struct company *co, size_t i)
{
    struct company_asset *as = &co->assets[i];
    sq__col_fixed(q, 0, as->currency, sizeof as->currency);
    as->assets_id = sqlite3_column_int64(q, 1);
    as->digits = sqlite3_column_int(q, 2);
    as->demo_balance = sqlite3_column_int64(q, 3);
}

static void read_offer(sqlite3_stmt *q, struct company *co, size_t i)
{
    struct company_offer *of = &co->offers[i];
    of->trade_type = sqlite3_column_int(q, 0);
    sq__col_fixed(q, 1, of->currency, sizeof of->currency);
    of->is_default = sqlite3_column_int(q, 2) != 0;
}

static void read_group(sqlite3_stmt *q, struct company *co, size_t i)
{
    co->groups[i].id = sqlite3_column_int64(q, 0);
    co->groups[i].is_default = sqlite3_column_int(q, 1) != 0;
}

/* Fills the assets, offers and groups of co->id. Called while the companies statement is
 * still positioned on the row: its open read transaction makes all four queries one
 * snapshot, so a concurrent company_update is seen entirely or not at all. */
static ta_err load_children(struct sq_store *sq, struct company *co)
{
    sqlite3_stmt *qa = sq__stmt(sq, SQ_ASSET_LIST, SQL_ASSET_LIST);
    sqlite3_stmt *qo = sq__stmt(sq, SQ_OFFER_LIST, SQL_OFFER_LIST);
    sqlite3_stmt *qg = sq__stmt(sq, SQ_GROUP_LIST, SQL_GROUP_LIST);
    if (qa == NULL || qo == NULL || qg == NULL)
        return TA_FAIL(TA_E_INTERNAL);

    ta_err err = read_children(sq, qa, co, TA_MAX_ASSETS, &co->n_assets, read_asset);
    if (err == TA_OK)
        err = read_children(sq, qo, co, TA_MAX_OFFERS, &co->n_offers, read_offer);
    if (err == TA_OK)
        err = read_children(sq, qg, co, TA_MAX_GROUPS, &co->n_groups, read_group);
    return err;
}

ta_err sq__company_get(struct store *st, int64_t id, struct company *out)
{
    struct sq_store *sq = sq__from(st);
    struct company co;
    ta_err err;

    sqlite3_stmt *q = sq__stmt(sq, SQ_COMPANY_GET, SQL_GET);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        memset(&co, 0, sizeof co);
        (void)sq__read_row(q, 0, &row_company, NULL, &co); /* no strings: cannot fail */
        err = load_children(sq, &co);
    } else if (rc == SQLITE_DONE) {
        err = TA_E_NOT_FOUND;
    } else {
        err = sq__error(sq, rc, "company_get");
    }
    sq__release(q);
    if (err == TA_OK)
        *out = co;
    return err;
}

ta_err sq__company_list(struct store *st, struct arena *a, struct company **out, size_t *n_out)
{
    struct sq_store *sq = sq__from(st);
    void *items = NULL;
    size_t n = 0, cap = 0;
    ta_err err = TA_OK;
    int rc;

    sqlite3_stmt *q = sq__stmt(sq, SQ_COMPANY_LIST, SQL_LIST);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    /* As in company_get, the open list statement keeps one snapshot for all children. */
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct company *co = sq__grow(a, &items, &cap, n, sizeof *co);
        if (co == NULL) {
            err = TA_E_TOO_LARGE;
            break;
        }
        memset(co, 0, sizeof *co);
        (void)sq__read_row(q, 0, &row_company, NULL, co);
        err = load_children(sq, co);
        if (err != TA_OK)
            break;
        n++;
    }
    if (err == TA_OK && rc != SQLITE_DONE)
        err = sq__error(sq, rc, "company_list");
    sq__release(q);
    if (err == TA_OK) {
        *out = items;
        *n_out = n;
    }
    return err;
}
