/* store/pg/schema.c — the PostgreSQL schema as numbered migrations, and migrate().
 * Migrations only ever get appended: a database records the highest number it has applied
 * in schema_version, and instances starting together take turns on an advisory lock. */
#include "store/pg/pg_int.h"

#include <stdio.h>
#include <string.h>

#include "util/log.h"

/* Any constant works as long as nothing else in the database uses it: "tauth" in ASCII. */
#define MIGRATE_LOCK_KEY "499848721512"

static const char *const migrations[] = {
    /* 1: the first schema. Hashes are bytea; an all-zero "none" hash (prev_*) is NULL, so a
     * lookup never matches thousands of never-rotated sessions. Unique and foreign keys
     * match the SQLite schema, so both backends accept and refuse the same records. */
    "CREATE TABLE meta ("
    "  key text PRIMARY KEY,"
    "  value text NOT NULL);"

    "CREATE TABLE company ("
    "  id bigserial PRIMARY KEY,"
    "  name text NOT NULL,"
    "  type integer NOT NULL,"
    "  twin_id bigint NOT NULL,"
    "  kyc_on boolean NOT NULL,"
    "  manual_review boolean NOT NULL,"
    "  no_prefix text NOT NULL,"
    "  single_session boolean NOT NULL,"
    "  session_idle_ms bigint NOT NULL,"
    "  session_absolute_ms bigint NOT NULL,"
    "  refresh_ms bigint NOT NULL,"
    "  next_no bigint NOT NULL DEFAULT 0);"
    /* The lists keep the caller's order in pos; a repeated item is a conflict. */
    "CREATE TABLE company_asset ("
    "  company_id bigint NOT NULL REFERENCES company (id) ON DELETE CASCADE,"
    "  pos integer NOT NULL,"
    "  currency text NOT NULL,"
    "  assets_id bigint NOT NULL,"
    "  digits integer NOT NULL,"
    "  demo_balance bigint NOT NULL,"
    "  PRIMARY KEY (company_id, pos),"
    "  UNIQUE (company_id, currency));"
    "CREATE TABLE company_offer ("
    "  company_id bigint NOT NULL REFERENCES company (id) ON DELETE CASCADE,"
    "  pos integer NOT NULL,"
    "  trade_type integer NOT NULL,"
    "  currency text NOT NULL,"
    "  is_default boolean NOT NULL,"
    "  PRIMARY KEY (company_id, pos),"
    "  UNIQUE (company_id, trade_type, currency));"
    "CREATE TABLE company_group ("
    "  company_id bigint NOT NULL REFERENCES company (id) ON DELETE CASCADE,"
    "  pos integer NOT NULL,"
    "  group_id bigint NOT NULL,"
    "  is_default boolean NOT NULL,"
    "  PRIMARY KEY (company_id, pos),"
    "  UNIQUE (company_id, group_id));"

    "CREATE TABLE customer ("
    "  id bigserial PRIMARY KEY,"
    "  company_id bigint NOT NULL REFERENCES company (id),"
    "  group_id bigint NOT NULL,"
    "  customer_no text,"
    "  email text,"
    "  phone_area text,"
    "  phone text,"
    "  pw_hash text,"
    "  country text,"
    "  lang text,"
    "  register_source integer NOT NULL,"
    "  register_device text,"
    "  utm_source text,"
    "  utm_medium text,"
    "  utm_campaign text,"
    "  utm_content text,"
    "  utm_term text,"
    "  third_server_code text,"
    "  third_server_source text,"
    "  open_account_type integer NOT NULL,"
    "  kyc_audit_status integer NOT NULL,"
    "  kyc_audit_remark text,"
    "  type integer NOT NULL,"
    "  status integer NOT NULL,"
    "  mfa_secret text,"
    "  mfa_id bigint NOT NULL,"
    "  mfa_last_step bigint NOT NULL,"
    "  relation_customer_id bigint NOT NULL,"
    "  created_ms bigint NOT NULL,"
    "  UNIQUE (company_id, customer_no));"
    /* Emails are stored lowercased; lower() in the key keeps a row written by hand in
     * another case from duplicating one. (company, phone) leads the phone key so that it
     * also answers a lookup without the area. */
    "CREATE UNIQUE INDEX customer_email ON customer (company_id, lower(email));"
    "CREATE UNIQUE INDEX customer_phone ON customer (company_id, phone, phone_area);"

    "CREATE TABLE account ("
    "  id bigserial PRIMARY KEY,"
    "  customer_id bigint NOT NULL REFERENCES customer (id),"
    "  company_id bigint NOT NULL,"
    "  trade_type integer NOT NULL,"
    "  currency text NOT NULL,"
    "  assets_id bigint NOT NULL,"
    "  digits integer NOT NULL,"
    "  balance bigint NOT NULL,"
    "  frozen bigint NOT NULL,"
    "  liabilities bigint NOT NULL,"
    "  interest bigint NOT NULL,"
    "  not_withdraw bigint NOT NULL,"
    "  first_deposit_ms bigint NOT NULL,"
    "  first_withdraw_ms bigint NOT NULL,"
    "  created_ms bigint NOT NULL,"
    "  activated_ms bigint NOT NULL,"
    "  UNIQUE (customer_id, trade_type, currency));"

    "CREATE TABLE session ("
    "  id bigserial PRIMARY KEY,"
    "  customer_id bigint NOT NULL REFERENCES customer (id),"
    "  company_id bigint NOT NULL,"
    "  device integer NOT NULL,"
    "  token_hash bytea NOT NULL,"
    "  prev_token_hash bytea,"
    "  prev_token_until_ms bigint NOT NULL,"
    "  refresh_hash bytea NOT NULL,"
    "  prev_refresh_hash bytea,"
    "  rotated_ms bigint NOT NULL,"
    "  grace_box bytea NOT NULL,"
    "  client_addr text NOT NULL,"
    "  user_agent text NOT NULL,"
    "  created_ms bigint NOT NULL,"
    "  last_used_ms bigint NOT NULL,"
    "  refresh_expires_ms bigint NOT NULL,"
    "  ended_ms bigint NOT NULL,"
    "  end_reason integer NOT NULL);"
    "CREATE UNIQUE INDEX session_token ON session (token_hash);"
    "CREATE INDEX session_prev_token ON session (prev_token_hash)"
    "  WHERE prev_token_hash IS NOT NULL;"
    "CREATE UNIQUE INDEX session_refresh ON session (refresh_hash);"
    "CREATE INDEX session_prev_refresh ON session (prev_refresh_hash)"
    "  WHERE prev_refresh_hash IS NOT NULL;"
    "CREATE INDEX session_customer_live ON session (customer_id) WHERE ended_ms = 0;"
    "CREATE INDEX session_live_used ON session (last_used_ms) WHERE ended_ms = 0;"

    "CREATE TABLE ticket ("
    "  id bigserial PRIMARY KEY,"
    "  company_id bigint NOT NULL,"
    "  biz_type text NOT NULL,"
    "  recipient text NOT NULL,"
    "  code_hash bytea NOT NULL,"
    "  send_hash bytea NOT NULL,"
    "  created_ms bigint NOT NULL,"
    "  expires_ms bigint NOT NULL,"
    "  attempts_left integer NOT NULL,"
    "  consumed boolean NOT NULL);"
    "CREATE UNIQUE INDEX ticket_send ON ticket (company_id, send_hash);"
    "CREATE INDEX ticket_open ON ticket (company_id, biz_type, recipient) WHERE NOT consumed;"

    "CREATE TABLE onetime ("
    "  id bigserial PRIMARY KEY,"
    "  kind integer NOT NULL,"
    "  hash bytea NOT NULL,"
    "  company_id bigint NOT NULL,"
    "  customer_id bigint NOT NULL,"
    "  ref_id bigint NOT NULL,"
    "  device integer NOT NULL,"
    "  data text NOT NULL,"
    "  expires_ms bigint NOT NULL,"
    "  UNIQUE (kind, hash));"

    "CREATE TABLE counter ("
    "  key text PRIMARY KEY,"
    "  count bigint NOT NULL,"
    "  window_start_ms bigint NOT NULL);"

    "CREATE TABLE outbox ("
    "  id bigserial PRIMARY KEY,"
    "  company_id bigint NOT NULL,"
    "  channel text NOT NULL,"
    "  recipient text,"
    "  biz_type text,"
    "  code text,"
    "  lang text,"
    "  subject text,"
    "  body text,"
    "  status integer NOT NULL,"
    "  attempts integer NOT NULL,"
    "  next_at_ms bigint NOT NULL,"
    "  expires_ms bigint NOT NULL,"
    "  created_ms bigint NOT NULL);"
    "CREATE INDEX outbox_pending ON outbox (next_at_ms, id) WHERE status = 0;"

    "CREATE TABLE audit ("
    "  id bigserial PRIMARY KEY,"
    "  time_ms bigint NOT NULL,"
    "  company_id bigint NOT NULL,"
    "  customer_id bigint NOT NULL,"
    "  event text NOT NULL,"
    "  outcome text NOT NULL,"
    "  client_addr text NOT NULL,"
    "  device integer NOT NULL,"
    "  detail text NOT NULL);"
    "CREATE INDEX audit_customer ON audit (customer_id, time_ms DESC, id DESC);",
    /* 2: account_list reads in id order without a sort. */
    "CREATE INDEX account_customer_id ON account (customer_id, id);",
    /* 3: the table and column names of the SQLite schema, so that both backends share one
     * row description (store/rows.h) and one spelling in tests and by hand. Sequences follow
     * their tables; the column defaults point at them by OID and keep working. */
    "ALTER TABLE company RENAME TO companies;"
    "ALTER SEQUENCE company_id_seq RENAME TO companies_id_seq;"
    "ALTER TABLE company_asset RENAME TO company_assets;"
    "ALTER TABLE company_assets RENAME COLUMN pos TO ord;"
    "ALTER TABLE company_offer RENAME TO company_offers;"
    "ALTER TABLE company_offers RENAME COLUMN pos TO ord;"
    "ALTER TABLE company_group RENAME TO company_groups;"
    "ALTER TABLE company_groups RENAME COLUMN pos TO ord;"
    "ALTER TABLE customer RENAME TO customers;"
    "ALTER SEQUENCE customer_id_seq RENAME TO customers_id_seq;"
    "ALTER TABLE account RENAME TO accounts;"
    "ALTER SEQUENCE account_id_seq RENAME TO accounts_id_seq;"
    "ALTER TABLE session RENAME TO sessions;"
    "ALTER SEQUENCE session_id_seq RENAME TO sessions_id_seq;"
    "ALTER TABLE ticket RENAME TO tickets;"
    "ALTER SEQUENCE ticket_id_seq RENAME TO tickets_id_seq;"
    "ALTER TABLE counter RENAME TO counters;"
    "ALTER TABLE outbox RENAME COLUMN recipient TO to_addr;"
    "ALTER TABLE outbox RENAME COLUMN body TO text;",
    /* 4: twins are made at registration now (contract C9); the real customers from before
     * get theirs. The text is twin.c's customer_pair_missing as of version 4: should that
     * method ever change, this entry keeps the old text. */
    pg__pair_missing_sql,
    /* 5: the security center (C21-C24), same names and columns as on SQLite. */
    "CREATE TABLE customer_security ("
    "  customer_id bigint PRIMARY KEY REFERENCES customers (id),"
    "  company_id bigint NOT NULL,"
    "  fund_pw_hash text,"
    "  anti_phish text,"
    "  hold_until_ms bigint NOT NULL DEFAULT 0,"
    "  hold_reason text NOT NULL DEFAULT '',"
    "  delete_requested_ms bigint NOT NULL DEFAULT 0,"
    "  erased_ms bigint NOT NULL DEFAULT 0,"
    "  pw_login_blocked boolean NOT NULL DEFAULT false);"
    "CREATE INDEX customer_security_deleting ON customer_security (delete_requested_ms)"
    "  WHERE delete_requested_ms > 0 AND erased_ms = 0;"
    "CREATE TABLE customer_device ("
    "  customer_id bigint NOT NULL REFERENCES customers (id),"
    "  device_key bytea NOT NULL,"
    "  first_ms bigint NOT NULL,"
    "  last_ms bigint NOT NULL,"
    "  PRIMARY KEY (customer_id, device_key));"
    "CREATE INDEX sessions_customer_used ON sessions (customer_id, last_used_ms)"
    "  WHERE ended_ms = 0;",
    /* 6: encrypted bodies (contract C19): a company's private key and switch, apart from the
     * company row; the request signatures seen while they could still be replayed. */
    "CREATE TABLE company_keys ("
    "  company_id bigint PRIMARY KEY REFERENCES companies (id) ON DELETE CASCADE,"
    "  rsa_key text,"
    "  require_encryption boolean NOT NULL DEFAULT false,"
    "  updated_ms bigint NOT NULL);"
    "CREATE TABLE seen_signatures ("
    "  company_id bigint NOT NULL,"
    "  signature text NOT NULL,"
    "  expires_ms bigint NOT NULL,"
    "  PRIMARY KEY (company_id, signature));"
    "CREATE INDEX seen_signatures_expiry ON seen_signatures (expires_ms);",
    /* 7: who claimed an outbox row: a restarted instance takes its own claims back at once. */
    "ALTER TABLE outbox ADD COLUMN claimed_by text;",
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/* Runs inside the caller's transaction, which holds the advisory lock. *applied_out counts
 * the migrations run. */
static ta_err apply_pending(struct pg_store *p, int *applied_out)
{
    ta_err err = pg__simple(p, "migrate",
                            "CREATE TABLE IF NOT EXISTS schema_version ("
                            "  version integer PRIMARY KEY,"
                            "  applied_at timestamptz NOT NULL DEFAULT now())",
                            NULL);
    if (err != TA_OK)
        return err;

    PGresult *res;
    err = pg__simple(p, "migrate", "SELECT coalesce(max(version), 0) FROM schema_version", &res);
    if (err != TA_OK)
        return err;
    int have = pg__int(res, 0, 0);
    PQclear(res);

    if (have > N_MIGRATIONS) {
        /* A newer build migrated this database; old code could write what it no longer
         * understands. (The SQLite backend refuses the same way.) */
        log_error(NULL, "pg migrate: database schema %d is newer than this build's %d", have,
                  N_MIGRATIONS);
        return TA_FAIL(TA_E_INTERNAL);
    }
    for (int v = have + 1; v <= N_MIGRATIONS && err == TA_OK; v++) {
        char record[96];
        snprintf(record, sizeof record, "INSERT INTO schema_version (version) VALUES (%d)", v);
        err = pg__simple(p, "migrate", migrations[v - 1], NULL);
        if (err == TA_OK)
            err = pg__simple(p, "migrate", record, NULL);
        if (err == TA_OK) {
            log_info(NULL, "pg migrate: applied schema %d", v);
            (*applied_out)++;
        }
    }
    return err;
}

ta_err pg__migrate(struct store *st)
{
    struct pg_store *p = (struct pg_store *)st;

    if (p->in_tx) {
        log_error(NULL, "pg migrate: called inside a transaction");
        return TA_FAIL(TA_E_INTERNAL);
    }
    ta_err err = pg__ready(p);
    if (err != TA_OK)
        return err;

    /* DDL is transactional in PostgreSQL: a migration applies completely or not at all. The
     * advisory lock is taken before schema_version is even looked at, so a second instance
     * waits here and then finds the work done. */
    err = pg__simple(p, "migrate", "BEGIN", NULL);
    if (err != TA_OK)
        return err;
    int applied = 0;
    err = pg__simple(p, "migrate", "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK_KEY ")", NULL);
    if (err == TA_OK)
        err = apply_pending(p, &applied);
    if (err == TA_OK)
        err = pg__simple(p, "migrate", "COMMIT", NULL);
    if (err != TA_OK) {
        if (!p->broken)
            (void)pg__simple(p, "migrate", "ROLLBACK", NULL);
        return err;
    }
    if (applied > 0) {
        /* A statement prepared before a migration could keep the old result shape. */
        err = pg__simple(p, "migrate", "DEALLOCATE ALL", NULL);
        memset(p->prepared, 0, sizeof p->prepared);
    }
    return err;
}
