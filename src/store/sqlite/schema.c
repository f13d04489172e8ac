/* store/sqlite/schema.c — the numbered SQLite migrations, oldest first, and migrate().
 * Append only: a shipped migration is never edited, a change is a new entry. migrate()
 * applies the missing ones in one transaction and records each version. */
#include "store/sqlite/sqlite_int.h"

#include "util/log.h"

/* Conventions: ids are INTEGER PRIMARY KEY (the rowid), times are epoch ms, money is
 * INTEGER minor units, hashes are 32-byte BLOBs, absent strings are NULL. Each index below
 * names the store method that needs it. */
static const char migration_001[] =
    "CREATE TABLE meta ("
    "  key   TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL"
    ") WITHOUT ROWID;"

    /* next_no is the customer-number sequence (company_next_no). */
    "CREATE TABLE companies ("
    "  id                  INTEGER PRIMARY KEY,"
    "  name                TEXT NOT NULL,"
    "  type                INTEGER NOT NULL CHECK (type IN (1, 2)),"
    "  twin_id             INTEGER NOT NULL DEFAULT 0,"
    "  kyc_on              INTEGER NOT NULL DEFAULT 0,"
    "  manual_review       INTEGER NOT NULL DEFAULT 0,"
    "  no_prefix           TEXT NOT NULL DEFAULT '',"
    "  single_session      INTEGER NOT NULL DEFAULT 0,"
    "  session_idle_ms     INTEGER NOT NULL DEFAULT 0,"
    "  session_absolute_ms INTEGER NOT NULL DEFAULT 0,"
    "  refresh_ms          INTEGER NOT NULL DEFAULT 0,"
    "  next_no             INTEGER NOT NULL DEFAULT 0"
    ");"

    /* Children keep the caller's order in ord; company_update replaces them wholesale. */
    "CREATE TABLE company_assets ("
    "  company_id   INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,"
    "  ord          INTEGER NOT NULL,"
    "  currency     TEXT NOT NULL,"
    "  assets_id    INTEGER NOT NULL,"
    "  digits       INTEGER NOT NULL CHECK (digits BETWEEN 0 AND 18),"
    "  demo_balance INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (company_id, ord),"
    "  UNIQUE (company_id, currency)"
    ") WITHOUT ROWID;"
    "CREATE TABLE company_offers ("
    "  company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,"
    "  ord        INTEGER NOT NULL,"
    "  trade_type INTEGER NOT NULL,"
    "  currency   TEXT NOT NULL,"
    "  is_default INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (company_id, ord),"
    "  UNIQUE (company_id, trade_type, currency)"
    ") WITHOUT ROWID;"
    "CREATE TABLE company_groups ("
    "  company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,"
    "  ord        INTEGER NOT NULL,"
    "  group_id   INTEGER NOT NULL,"
    "  is_default INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (company_id, ord),"
    "  UNIQUE (company_id, group_id)"
    ") WITHOUT ROWID;"

    "CREATE TABLE customers ("
    "  id                   INTEGER PRIMARY KEY,"
    "  company_id           INTEGER NOT NULL REFERENCES companies (id),"
    "  group_id             INTEGER NOT NULL DEFAULT 0,"
    "  customer_no          TEXT,"
    "  email                TEXT,"
    "  phone_area           TEXT,"
    "  phone                TEXT,"
    "  pw_hash              TEXT,"
    "  country              TEXT,"
    "  lang                 TEXT,"
    "  register_source      INTEGER NOT NULL DEFAULT 0,"
    "  register_device      TEXT,"
    "  utm_source           TEXT,"
    "  utm_medium           TEXT,"
    "  utm_campaign         TEXT,"
    "  utm_content          TEXT,"
    "  utm_term             TEXT,"
    "  third_server_code    TEXT,"
    "  third_server_source  TEXT,"
    "  open_account_type    INTEGER NOT NULL DEFAULT 0,"
    "  kyc_audit_status     INTEGER NOT NULL DEFAULT 0,"
    "  kyc_audit_remark     TEXT,"
    "  type                 INTEGER NOT NULL DEFAULT 0,"
    "  status               INTEGER NOT NULL DEFAULT 1,"
    "  mfa_secret           TEXT,"
    "  mfa_id               INTEGER NOT NULL DEFAULT -1,"
    "  mfa_last_step        INTEGER NOT NULL DEFAULT 0,"
    "  relation_customer_id INTEGER NOT NULL DEFAULT 0,"
    "  created_ms           INTEGER NOT NULL"
    ");"
    /* customer_by_email: emails are stored lowercased; the index is on lower() as well so a
     * row written by hand in another case still cannot duplicate one. */
    "CREATE UNIQUE INDEX customers_email ON customers (company_id, lower(email));"
    /* customer_by_phone: (company, phone) leads, so the same index answers a lookup without
     * the area (any area) and keeps (company, area, phone) unique. */
    "CREATE UNIQUE INDEX customers_phone ON customers (company_id, phone, phone_area);"
    "CREATE UNIQUE INDEX customers_no ON customers (company_id, customer_no);"
    /* customer_list: (company_id, rowid) order gives the id order for after_id paging. */
    "CREATE INDEX customers_company ON customers (company_id);"

    "CREATE TABLE accounts ("
    "  id                INTEGER PRIMARY KEY,"
    "  customer_id       INTEGER NOT NULL REFERENCES customers (id),"
    "  company_id        INTEGER NOT NULL,"
    "  trade_type        INTEGER NOT NULL,"
    "  currency          TEXT NOT NULL,"
    "  assets_id         INTEGER NOT NULL,"
    "  digits            INTEGER NOT NULL,"
    "  balance           INTEGER NOT NULL DEFAULT 0,"
    "  frozen            INTEGER NOT NULL DEFAULT 0,"
    "  liabilities       INTEGER NOT NULL DEFAULT 0,"
    "  interest          INTEGER NOT NULL DEFAULT 0,"
    "  not_withdraw      INTEGER NOT NULL DEFAULT 0,"
    "  first_deposit_ms  INTEGER NOT NULL DEFAULT 0,"
    "  first_withdraw_ms INTEGER NOT NULL DEFAULT 0,"
    "  created_ms        INTEGER NOT NULL,"
    "  activated_ms      INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE (customer_id, trade_type, currency)" /* also serves account_list */
    ");"

    /* Optional hashes (prev_*) are NULL rather than zero, so a lookup can never match the
     * "none" value of thousands of never-rotated sessions. */
    "CREATE TABLE sessions ("
    "  id                  INTEGER PRIMARY KEY,"
    "  customer_id         INTEGER NOT NULL REFERENCES customers (id),"
    "  company_id          INTEGER NOT NULL,"
    "  device              INTEGER NOT NULL,"
    "  token_hash          BLOB NOT NULL,"
    "  prev_token_hash     BLOB,"
    "  prev_token_until_ms INTEGER NOT NULL DEFAULT 0,"
    "  refresh_hash        BLOB NOT NULL,"
    "  prev_refresh_hash   BLOB,"
    "  rotated_ms          INTEGER NOT NULL DEFAULT 0,"
    "  grace_box           BLOB,"
    "  client_addr         TEXT NOT NULL DEFAULT '',"
    "  user_agent          TEXT NOT NULL DEFAULT '',"
    "  created_ms          INTEGER NOT NULL,"
    "  last_used_ms        INTEGER NOT NULL,"
    "  refresh_expires_ms  INTEGER NOT NULL,"
    "  ended_ms            INTEGER NOT NULL DEFAULT 0,"
    "  end_reason          INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE UNIQUE INDEX sessions_token ON sessions (token_hash);" /* session_by_token */
    "CREATE INDEX sessions_prev_token ON sessions (prev_token_hash)"
    "  WHERE prev_token_hash IS NOT NULL;"
    "CREATE UNIQUE INDEX sessions_refresh ON sessions (refresh_hash);" /* by_refresh */
    "CREATE INDEX sessions_prev_refresh ON sessions (prev_refresh_hash)"
    "  WHERE prev_refresh_hash IS NOT NULL;"
    "CREATE INDEX sessions_customer ON sessions (customer_id, ended_ms);"       /* end_customer */
    "CREATE INDEX sessions_live ON sessions (last_used_ms) WHERE ended_ms = 0;" /* count_live */

    "CREATE TABLE tickets ("
    "  id            INTEGER PRIMARY KEY,"
    "  company_id    INTEGER NOT NULL,"
    "  biz_type      TEXT NOT NULL,"
    "  recipient     TEXT NOT NULL,"
    "  code_hash     BLOB NOT NULL,"
    "  send_hash     BLOB NOT NULL,"
    "  created_ms    INTEGER NOT NULL,"
    "  expires_ms    INTEGER NOT NULL,"
    "  attempts_left INTEGER NOT NULL,"
    "  consumed      INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE UNIQUE INDEX tickets_send ON tickets (company_id, send_hash);" /* ticket_by_send */
    /* ticket_insert ends the open tickets of a recipient: only open ones are indexed. */
    "CREATE INDEX tickets_open ON tickets (company_id, biz_type, recipient)"
    "  WHERE consumed = 0;"

    "CREATE TABLE onetime ("
    "  id          INTEGER PRIMARY KEY,"
    "  kind        INTEGER NOT NULL,"
    "  hash        BLOB NOT NULL,"
    "  company_id  INTEGER NOT NULL,"
    "  customer_id INTEGER NOT NULL DEFAULT 0,"
    "  ref_id      INTEGER NOT NULL DEFAULT 0,"
    "  device      INTEGER NOT NULL DEFAULT 0,"
    "  data        TEXT NOT NULL DEFAULT '',"
    "  expires_ms  INTEGER NOT NULL,"
    "  UNIQUE (kind, hash)" /* onetime_consume / onetime_peek */
    ");"

    "CREATE TABLE counters ("
    "  key             TEXT PRIMARY KEY,"
    "  count           INTEGER NOT NULL,"
    "  window_start_ms INTEGER NOT NULL"
    ") WITHOUT ROWID;"

    /* status: 0 PENDING, 1 SENT, 2 FAILED (enum outbox_status). */
    "CREATE TABLE outbox ("
    "  id         INTEGER PRIMARY KEY,"
    "  company_id INTEGER NOT NULL,"
    "  channel    TEXT NOT NULL,"
    "  to_addr    TEXT,"
    "  biz_type   TEXT,"
    "  code       TEXT,"
    "  lang       TEXT,"
    "  subject    TEXT,"
    "  text       TEXT,"
    "  status     INTEGER NOT NULL DEFAULT 0 CHECK (status IN (0, 1, 2)),"
    "  attempts   INTEGER NOT NULL DEFAULT 0,"
    "  next_at_ms INTEGER NOT NULL,"
    "  expires_ms INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL"
    ");"
    "CREATE INDEX outbox_ready ON outbox (status, next_at_ms);" /* outbox_claim, outbox_count */

    "CREATE TABLE audit ("
    "  id          INTEGER PRIMARY KEY,"
    "  time_ms     INTEGER NOT NULL,"
    "  company_id  INTEGER NOT NULL,"
    "  customer_id INTEGER NOT NULL DEFAULT 0,"
    "  event       TEXT NOT NULL,"
    "  outcome     TEXT NOT NULL DEFAULT '',"
    "  client_addr TEXT NOT NULL DEFAULT '',"
    "  device      INTEGER NOT NULL DEFAULT 0,"
    "  detail      TEXT NOT NULL DEFAULT ''"
    ");"
    "CREATE INDEX audit_customer ON audit (customer_id, time_ms);"; /* audit_list */

/* account_list orders by id: with this index SQLite reads the rows in order instead of
 * sorting them in a temporary b-tree on every findCustomerInfo (bench/REPORT.md). */
static const char migration_002[] =
    "CREATE INDEX accounts_customer_id ON accounts (customer_id, id);";

/* The security center (C21-C24): one row per customer that used it, and the devices each
 * customer signed in from (new-device alerts). Same names and columns on PostgreSQL. */
static const char migration_004[] =
    "CREATE TABLE customer_security ("
    "  customer_id         INTEGER PRIMARY KEY REFERENCES customers (id),"
    "  company_id          INTEGER NOT NULL,"
    "  fund_pw_hash        TEXT,"
    "  anti_phish          TEXT,"
    "  hold_until_ms       INTEGER NOT NULL DEFAULT 0,"
    "  hold_reason         TEXT NOT NULL DEFAULT '',"
    "  delete_requested_ms INTEGER NOT NULL DEFAULT 0,"
    "  erased_ms           INTEGER NOT NULL DEFAULT 0,"
    "  pw_login_blocked    INTEGER NOT NULL DEFAULT 0"
    ");"
    /* customer_erase_due: only requested, not yet erased deletions are indexed. */
    "CREATE INDEX customer_security_deleting ON customer_security (delete_requested_ms)"
    "  WHERE delete_requested_ms > 0 AND erased_ms = 0;"
    "CREATE TABLE customer_device ("
    "  customer_id INTEGER NOT NULL REFERENCES customers (id),"
    "  device_key  BLOB NOT NULL,"
    "  first_ms    INTEGER NOT NULL,"
    "  last_ms     INTEGER NOT NULL,"
    "  PRIMARY KEY (customer_id, device_key)" /* device_seen */
    ") WITHOUT ROWID;"
    /* session_list: the customer's live sessions. */
    "CREATE INDEX sessions_customer_used ON sessions (customer_id, last_used_ms)"
    "  WHERE ended_ms = 0;";
/* Encrypted bodies (contract C19): a company's private key and switch, kept apart from the
 * company row so that listing or caching companies never copies key material; and the
 * request signatures seen while they could still be replayed. */
static const char migration_005[] =
    "CREATE TABLE company_keys ("
    "  company_id         INTEGER PRIMARY KEY REFERENCES companies (id) ON DELETE CASCADE,"
    "  rsa_key            TEXT,"
    "  require_encryption INTEGER NOT NULL DEFAULT 0,"
    "  updated_ms         INTEGER NOT NULL"
    ");"
    "CREATE TABLE seen_signatures ("
    "  company_id INTEGER NOT NULL,"
    "  signature  TEXT NOT NULL,"
    "  expires_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (company_id, signature)" /* signature_remember */
    ") WITHOUT ROWID;"
    "CREATE INDEX seen_signatures_expiry ON seen_signatures (expires_ms);";

/* Who claimed an outbox row: a restarted instance takes its own claims back at once. */
static const char migration_006[] = "ALTER TABLE outbox ADD COLUMN claimed_by TEXT;";

/* 3: twins are made at registration now (contract C9); the real customers from before get
 * theirs. The text is twin.c's customer_pair_missing as of version 3: should that
 * method ever change, this entry keeps the old text. */
static const char *const migrations[] = {
    migration_001, migration_002, sq__pair_missing_sql, migration_004, migration_005, migration_006,
};

static const size_t migration_count = sizeof migrations / sizeof migrations[0];

/* The highest applied migration, 0 for a new database. */
static ta_err schema_version(struct sq_store *sq, int64_t *version_out)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(sq->db, "SELECT coalesce(max(version), 0) FROM schema_version", -1,
                                &q, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *version_out = sqlite3_column_int64(q, 0);
    ta_err err = rc == SQLITE_ROW ? TA_OK : sq__error(sq, rc, "migrate");
    sqlite3_finalize(q);
    return err;
}

static ta_err apply_migration(struct sq_store *sq, size_t i)
{
    char *msg = NULL;
    int rc = sqlite3_exec(sq->db, migrations[i], NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        log_error(NULL, "sqlite migration %zu: %s", i + 1, msg != NULL ? msg : "?");
        sqlite3_free(msg);
        return TA_FAIL(TA_E_INTERNAL);
    }
    sqlite3_stmt *q = NULL;
    rc =
        sqlite3_prepare_v2(sq->db, "INSERT INTO schema_version (version) VALUES (?)", -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, (sqlite3_int64)i + 1);
        rc = sqlite3_step(q);
    }
    ta_err err = rc == SQLITE_DONE ? TA_OK : sq__error(sq, rc, "migrate");
    sqlite3_finalize(q);
    return err;
}

/* Migrations run once per process start, so their statements are prepared on the spot
 * instead of taking cache slots for the life of the connection. */
ta_err sq__migrate(struct store *st)
{
    struct sq_store *sq = sq__from(st);
    int64_t version = 0;

    if (!sqlite3_get_autocommit(sq->db)) {
        log_error(NULL, "sqlite migrate: called inside a transaction");
        return TA_FAIL(TA_E_INTERNAL);
    }
    /* One IMMEDIATE transaction: two processes starting together apply each migration once. */
    ta_err err = sq__exec(sq, SQ_BEGIN, "BEGIN IMMEDIATE", "begin");
    if (err != TA_OK)
        return err;
    char *msg = NULL;
    int rc = sqlite3_exec(sq->db,
                          "CREATE TABLE IF NOT EXISTS schema_version ("
                          "  version INTEGER PRIMARY KEY)",
                          NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        log_error(NULL, "sqlite migrate: %s", msg != NULL ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        err = TA_FAIL(TA_E_INTERNAL);
    }
    if (err == TA_OK)
        err = schema_version(sq, &version);
    if (err == TA_OK && version > (int64_t)migration_count) {
        /* A newer build migrated this database; running old code on it could corrupt it. */
        log_error(NULL, "sqlite migrate: schema version %lld is newer than this build (%zu)",
                  (long long)version, migration_count);
        err = TA_FAIL(TA_E_INTERNAL);
    }
    for (size_t i = (size_t)version; err == TA_OK && i < migration_count; i++)
        err = apply_migration(sq, i);
    if (err == TA_OK)
        err = sq__exec(sq, SQ_COMMIT, "COMMIT", "commit");
    if (err != TA_OK)
        sq__rollback(st);
    return err;
}
