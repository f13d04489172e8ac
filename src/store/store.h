/* store/store.h — everything tradeauth persists, behind one interface.
 * store/sqlite and store/pg implement it; callers see records (store/model.h), never SQL.
 * TA_E_NOT_FOUND and TA_E_CONFLICT are ordinary answers; any other error has already
 * been logged by the backend with its native message. */
#ifndef TA_STORE_STORE_H
#define TA_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/model.h"
#include "util/err.h"

struct arena;
struct store; /* one per thread, never shared */

/* Every method of a backend, in one list: X(return type, name, (parameters)). It generates
 * struct store_ops below, each backend's prototypes (sq__name, pg__name in sqlite_int.h and
 * pg_int.h) and each backend's method table, so a new method is one line here plus its two
 * bodies. */
/* clang-format off */
#define STORE_METHODS(X)                                                                           \
    X(ta_err, migrate, (struct store *st)) /* creates/updates the schema; idempotent */            \
    X(ta_err, ping, (struct store *st))    /* the database answers */                              \
                                                                                                   \
    X(ta_err, begin, (struct store *st))                                                           \
    X(ta_err, commit, (struct store *st))                                                          \
    /* safe without a transaction and after failed commit */                                       \
    X(void, rollback, (struct store *st))                                                          \
    /* A read-only snapshot around several reads (one WAL read lock for all of them on             \
     * SQLite; a no-op where each statement is a round trip anyway, as on PostgreSQL).             \
     * Nothing may be written between the two. read_end is safe without read_begin. */             \
    X(ta_err, read_begin, (struct store *st))                                                      \
    X(void, read_end, (struct store *st))                                                          \
                                                                                                   \
    /* Key/value settings kept in the database (the code HMAC secret). */                          \
    X(ta_err, meta_get, (struct store *st, const char *key, struct arena *a, char **value_out))    \
    /* Inserts key=value unless the key exists (then TA_E_CONFLICT, nothing changed). */           \
    X(ta_err, meta_put_new, (struct store *st, const char *key, const char *value))                \
                                                                                                   \
    /* ---- companies ---- */                                                                      \
    /* Inserts co with its assets, offers and groups. co->id 0: the backend picks the id.          \
     * TA_E_CONFLICT when the id exists. */                                                        \
    X(ta_err, company_insert, (struct store *st, const struct company *co, int64_t *id_out))       \
    /* Replaces the scalar fields, assets, offers and groups of company co->id. */                 \
    X(ta_err, company_update, (struct store *st, const struct company *co))                        \
    X(ta_err, company_get, (struct store *st, int64_t id, struct company *out))                   \
    /* All companies ordered by id, *out an arena array of *n_out records. */                      \
    X(ta_err, company_list,                                                                        \
      (struct store *st, struct arena *a, struct company **out, size_t *n_out))                    \
    /* Atomically increments and returns the company's customer-number sequence (first is 1). */   \
    X(ta_err, company_next_no, (struct store *st, int64_t company_id, int64_t *seq_out))          \
    /* Moves the sequence up to at_least when it is below (customer import). */                   \
    X(ta_err, company_raise_no, (struct store *st, int64_t company_id, int64_t at_least))         \
                                                                                                   \
    /* ---- customers ---- */                                                                      \
    /* Inserts c (c->id ignored). TA_E_CONFLICT when email, (phone_area, phone) or                 \
     * customer_no is taken in the company. */                                                     \
    X(ta_err, customer_insert, (struct store *st, const struct customer *c, int64_t *id_out))      \
    X(ta_err, customer_get,                                                                        \
      (struct store *st, int64_t id, struct arena *a, struct customer *out))                      \
    X(ta_err, customer_by_email,                                                                   \
      (struct store *st, int64_t company_id, const char *email, struct arena *a,                   \
       struct customer *out))                                                                      \
    /* phone_area NULL: any area; TA_E_CONFLICT when more than one customer matches. */            \
    X(ta_err, customer_by_phone,                                                                   \
      (struct store *st, int64_t company_id, const char *phone_area, const char *phone,            \
       struct arena *a, struct customer *out))                                                     \
    X(ta_err, customer_by_no,                                                                      \
      (struct store *st, int64_t company_id, const char *customer_no, struct arena *a,             \
       struct customer *out))                                                                      \
    /* Customers of a company ordered by id, after_id exclusive, at most limit. */                 \
    X(ta_err, customer_list,                                                                       \
      (struct store *st, int64_t company_id, int64_t after_id, size_t limit, struct arena *a,      \
       struct customer **out, size_t *n_out))                                                     \
    /* Inside a transaction: holds the customer's row until commit or rollback, so a               \
     * read-check-write on that customer is serialised across instances (PostgreSQL row            \
     * lock; SQLite's BEGIN IMMEDIATE already serialises writers). TA_E_NOT_FOUND if none. */      \
    X(ta_err, customer_lock, (struct store *st, int64_t id))                                       \
    X(ta_err, customer_set_password, (struct store *st, int64_t id, const char *pw_hash))          \
    X(ta_err, customer_set_lang, (struct store *st, int64_t id, const char *lang))                 \
    X(ta_err, customer_set_status, (struct store *st, int64_t id, int status))                     \
    X(ta_err, customer_set_kyc,                                                                    \
      (struct store *st, int64_t id, int audit_status, const char *remark))                        \
    X(ta_err, customer_set_relation, (struct store *st, int64_t id, int64_t relation_id))          \
    /* Gives every real customer of a company with a twin, that has no paired customer yet,       \
     * its twin as domain/twin.c makes one (migration 3 runs the same statements). Customers      \
     * whose customerNo, email or phone is taken in the twin stay unpaired. *paired_out: how      \
     * many real customers got their twin. */                                                     \
    X(ta_err, customer_pair_missing, (struct store *st, int64_t *paired_out))                      \
                                                                                                   \
    /* ---- encrypted bodies (C19) ---- */                                                         \
    /* The company's key row; TA_E_NOT_FOUND when it has none. */                                  \
    X(ta_err, company_key_get,                                                                     \
      (struct store *st, int64_t company_id, struct arena *a, struct company_key *out))            \
    /* Inserts or replaces the company's key row. */                                               \
    X(ta_err, company_key_set, (struct store *st, const struct company_key *k))                    \
    /* Remembers a request signature until expires_ms, first forgetting every one that has         \
     * expired by now_ms; TA_E_CONFLICT when the company has seen it and it has not expired        \
     * (a replay; of two concurrent callers exactly one gets TA_OK). */                            \
    X(ta_err, signature_remember,                                                                  \
      (struct store *st, int64_t company_id, const char *signature, int64_t now_ms,               \
       int64_t expires_ms))                                                                        \
    /* secret NULL and mfa_id -1 turn MFA off. Resets the last step to 0. */                       \
    X(ta_err, customer_set_mfa,                                                                    \
      (struct store *st, int64_t id, const char *secret, int64_t mfa_id))                          \
    /* Sets the last accepted TOTP step to step only if it is greater than the stored one          \
     * (compare-and-set in one statement); TA_E_CONFLICT otherwise (a replay). */                  \
    X(ta_err, customer_mfa_advance, (struct store *st, int64_t id, int64_t step))                  \
                                                                                                   \
    /* ---- accounts ---- */                                                                       \
    /* TA_E_CONFLICT when (customer, trade_type, currency) exists. */                              \
    X(ta_err, account_insert, (struct store *st, const struct account *acc, int64_t *id_out))      \
    /* Ordered by id. */                                                                           \
    X(ta_err, account_list,                                                                        \
      (struct store *st, int64_t customer_id, struct arena *a, struct account **out,              \
       size_t *n_out))                                                                             \
    /* Writes balance, frozen, liabilities, interest, not_withdraw, first_deposit_ms and           \
     * first_withdraw_ms of account acc->id. */                                                    \
    X(ta_err, account_set_amounts, (struct store *st, const struct account *acc))                  \
                                                                                                   \
    /* ---- sessions ---- */                                                                       \
    X(ta_err, session_insert, (struct store *st, const struct session *s, int64_t *id_out))        \
    /* The session whose token_hash is hash, or whose prev_token_hash is hash while                \
     * now_ms < prev_token_until_ms. Ended sessions are returned too (the caller tells             \
     * "expired" from "ended by the server"). */                                                   \
    X(ta_err, session_by_token,                                                                    \
      (struct store *st, const unsigned char *hash, int64_t now_ms, struct session *out))          \
    /* The session whose refresh_hash or prev_refresh_hash is hash (ended ones too). */            \
    X(ta_err, session_by_refresh,                                                                  \
      (struct store *st, const unsigned char *hash, struct session *out))                          \
    X(ta_err, session_get, (struct store *st, int64_t id, struct session *out))                   \
    X(ta_err, session_touch, (struct store *st, int64_t id, int64_t now_ms))                       \
    /* Rotation as one compare-and-set: only when the session is live and its refresh_hash         \
     * equals old_refresh_hash, moves token_hash→prev_token_hash (valid until                      \
     * prev_token_until_ms), refresh_hash→prev_refresh_hash, stores the new hashes, the            \
     * grace box, rotated_ms = now_ms and refresh_expires_ms. Else TA_E_CONFLICT. */               \
    X(ta_err, session_rotate,                                                                      \
      (struct store *st, int64_t id, const unsigned char *old_refresh_hash,                        \
       const struct session *next, int64_t now_ms))                                                \
    /* Ends one live session (no-op answer TA_OK when already ended). */                           \
    X(ta_err, session_end, (struct store *st, int64_t id, int64_t now_ms, int reason))             \
    /* Ends every live session of the customer except except_id (0: none); device_class            \
     * 0 means all devices, else only sessions whose device is in that class (1 mobile             \
     * {1,4,5,6}, 2 desktop {2,7,8}, 3 other {3,9}). *n_out: how many ended (may be NULL). */      \
    X(ta_err, session_end_customer,                                                                \
      (struct store *st, int64_t customer_id, int64_t except_id, int device_class,                 \
       int64_t now_ms, int reason, size_t *n_out))                                                 \
    /* Live sessions (not ended, used after idle_since_ms) in all companies. */                    \
    X(ta_err, session_count_live, (struct store *st, int64_t idle_since_ms, int64_t *n_out))      \
                                                                                                   \
    /* ---- verification tickets ---- */                                                           \
    /* Marks every unconsumed ticket of (company, biz_type, recipient) consumed, then              \
     * inserts t. */                                                                               \
    X(ta_err, ticket_insert, (struct store *st, const struct ticket *t, int64_t *id_out))          \
    /* The ticket of the company whose send_hash is hash (consumed/expired ones too). */           \
    X(ta_err, ticket_by_send,                                                                      \
      (struct store *st, int64_t company_id, const unsigned char *hash, struct ticket *out))       \
    /* Atomically decrements attempts_left when it is > 0 and the ticket is unconsumed;            \
     * *left_out is the value after. TA_E_NOT_FOUND when nothing was left to spend. */             \
    X(ta_err, ticket_spend, (struct store *st, int64_t id, int *left_out))                         \
    /* Marks the ticket consumed; TA_E_CONFLICT when it already was (a replay). */                 \
    X(ta_err, ticket_consume, (struct store *st, int64_t id))                                      \
                                                                                                   \
    /* ---- single-use secrets ---- */                                                             \
    X(ta_err, onetime_insert, (struct store *st, const struct onetime *o, int64_t *id_out))        \
    /* Deletes and returns the row of that kind and hash if now_ms < expires_ms, atomically:       \
     * of two concurrent consumers exactly one gets TA_OK. Else TA_E_NOT_FOUND. */                 \
    X(ta_err, onetime_consume,                                                                     \
      (struct store *st, int kind, const unsigned char *hash, int64_t now_ms,                      \
       struct onetime *out))                                                                       \
    /* Reads without consuming. */                                                                 \
    X(ta_err, onetime_peek,                                                                        \
      (struct store *st, int kind, const unsigned char *hash, int64_t now_ms,                      \
       struct onetime *out))                                                                       \
                                                                                                   \
    /* ---- rate-limit counters (one row per key, a fixed window from the first hit) ---- */       \
    /* Adds inc to key's count, first restarting the window at now_ms when it has run out          \
     * (window_start_ms + window_ms <= now_ms) or the key is new. Returns the state after. */      \
    X(ta_err, counter_hit,                                                                         \
      (struct store *st, const char *key, int64_t now_ms, int64_t window_ms, int64_t inc,          \
       struct counter *out))                                                                       \
    /* The state of key; a run-out window or an unknown key reads as {0, now_ms}. */               \
    X(ta_err, counter_peek,                                                                        \
      (struct store *st, const char *key, int64_t now_ms, int64_t window_ms,                       \
       struct counter *out))                                                                       \
    X(ta_err, counter_clear, (struct store *st, const char *key))                                  \
                                                                                                   \
    /* ---- outbox ---- */                                                                         \
    X(ta_err, outbox_insert, (struct store *st, const struct outbox_row *row, int64_t *id_out))    \
    /* Claims up to max PENDING rows with next_at_ms <= now_ms, atomically against other           \
     * workers and instances: each claimed row's next_at_ms becomes now_ms + lease_ms and          \
     * attempts is incremented before it is returned. Rows past expires_ms are turned              \
     * FAILED (code and text wiped) instead of being returned. */                                  \
    X(ta_err, outbox_claim,                                                                        \
      (struct store *st, int64_t now_ms, int64_t lease_ms, size_t max, struct arena *a,            \
       struct outbox_row **out, size_t *n_out))                                                   \
    /* A restarted instance's own claims (claimed_by = owner, still PENDING and leased past         \
     * now_ms) become due at now_ms: they need not wait out the lease of the crashed run.         \
     * *n_out: rows released. */                                                                  \
    X(ta_err, outbox_reclaim,                                                                      \
      (struct store *st, const char *owner, int64_t now_ms, int64_t *n_out))                       \
    /* SENT or FAILED: wipes code and text. PENDING: reschedules at next_at_ms. */                 \
    X(ta_err, outbox_finish, (struct store *st, int64_t id, int status, int64_t next_at_ms))       \
    /* Number of rows in a status (tests and metrics). */                                          \
    X(ta_err, outbox_count, (struct store *st, int status, int64_t *n_out))                        \
                                                                                                   \
    /* ---- housekeeping ---- */                                                                   \
    /* Deletes what can never matter again: one-time rows past expiry, tickets and                 \
     * counters older than now_ms - keep_ms, sessions ended before now_ms - keep_ms or idle        \
     * since before now_ms - idle_max_ms, and SENT/FAILED outbox rows older than                   \
     * now_ms - keep_ms. *n_out: rows deleted. The audit log is kept. */                           \
    X(ta_err, purge,                                                                               \
      (struct store *st, int64_t now_ms, int64_t keep_ms, int64_t idle_max_ms, int64_t *n_out))   \
                                                                                                   \
    /* ---- audit ---- */                                                                          \
    X(ta_err, audit_insert, (struct store *st, const struct audit_row *row))                       \
    /* Newest first, at most limit. */                                                             \
    X(ta_err, audit_list,                                                                          \
      (struct store *st, int64_t customer_id, size_t limit, struct arena *a,                       \
       struct audit_row **out, size_t *n_out))                                                     \
                                                                                                   \
    /* ---- the security center (contract C21-C24; security.c of each backend) ---- */            \
    /* Contacts and country. TA_E_CONFLICT when the email or (area, phone) is taken in the         \
     * customer's company. */                                                                      \
    X(ta_err, customer_set_email, (struct store *st, int64_t id, const char *email))               \
    X(ta_err, customer_set_phone,                                                                  \
      (struct store *st, int64_t id, const char *phone_area, const char *phone))                   \
    X(ta_err, customer_set_country, (struct store *st, int64_t id, const char *country))           \
    /* The customer's security row; TA_E_NOT_FOUND when it has none yet (read as zeros). */        \
    X(ta_err, security_get,                                                                        \
      (struct store *st, int64_t customer_id, struct arena *a, struct customer_security *out))     \
    /* Inserts or replaces the whole row of s->customer_id. */                                     \
    X(ta_err, security_put, (struct store *st, const struct customer_security *s))                 \
    /* Live sessions (ended_ms 0) of the customer, most recently used first. Only id,              \
     * company_id, customer_id, device, client_addr, user_agent, created_ms, last_used_ms          \
     * and refresh_expires_ms are filled. */                                                       \
    X(ta_err, session_list,                                                                        \
      (struct store *st, int64_t customer_id, struct arena *a, struct session **out,               \
       size_t *n_out))                                                                             \
    /* The customer's audit rows since since_ms, newest first, skipping offset, at most limit. */  \
    X(ta_err, audit_page,                                                                          \
      (struct store *st, int64_t customer_id, int64_t since_ms, size_t offset, size_t limit,       \
       struct arena *a, struct audit_row **out, size_t *n_out))                                    \
    /* Records that the customer used the device of key (TA_HASH_BYTES) at now_ms; *state_out      \
     * is DEVICE_KNOWN, DEVICE_NEW (others were known) or DEVICE_FIRST (none was). */              \
    X(ta_err, device_seen,                                                                         \
      (struct store *st, int64_t customer_id, const unsigned char *key, int64_t now_ms,            \
       int *state_out))                                                                            \
    /* Erases contacts, password hashes, MFA, anti-phishing phrase and devices of every            \
     * customer whose deletion was requested at or before before_ms and is not erased yet;         \
     * keeps the row, customerNo, accounts and audit. *n_out: customers erased. */                 \
    X(ta_err, customer_erase_due,                                                                  \
      (struct store *st, int64_t before_ms, int64_t now_ms, int64_t *n_out))
/* clang-format on */

/* Rules every backend keeps (tests/store/test_contract.c checks them on each):
 * - Strings in records read back are allocated from the arena passed in and live as long
 *   as it does; fixed-size char arrays are NUL-terminated. Absent strings are NULL.
 * - Out-parameters are written only on TA_OK.
 * - Methods may be called inside or outside begin/commit. Outside, each is atomic by itself.
 * - begin() starts a write transaction that serialises with other writers (SQLite
 *   BEGIN IMMEDIATE; PostgreSQL row locks or SERIALIZABLE). A serialization failure or
 *   deadlock returns TA_E_RETRY; the caller rolls back and runs the use case again.
 * - All times are epoch milliseconds supplied by the caller; backends never read a clock. */
#define STORE_OPS_FIELD(ret, name, params) ret(*name) params;
struct store_ops {
    const char *scheme; /* URL prefix: "sqlite:" or "postgres" */
    ta_err (*open)(const char *url, struct store **out);
    void (*close)(struct store *st);
    STORE_METHODS(STORE_OPS_FIELD)
};
#undef STORE_OPS_FIELD

/* Every backend handle begins with this, so methods can cast back. */
struct store {
    const struct store_ops *ops;
    bool in_tx; /* between store_begin and commit/rollback (kept by the wrappers below) */
};

/* Picks the backend by URL scheme; *out set only on TA_OK. Does not migrate. */
ta_err store_open(const char *url, struct store **out);
void store_close(struct store *st); /* NULL is a no-op */

/* Fault injection for tests (tests/fault/): when set to N > 0 on a thread, that thread's
 * N-th STORE() call from then on fails with TA_E_INTERNAL without reaching the backend.
 * 0 (always, outside those tests) costs one thread-local load per call. */
extern _Thread_local int store_fault_countdown;

/* Waiting for a lock another connection or process holds (issue 13): a held lock must not
 * hold a request for more than this. Set once at start from db_busy_ms. */
extern int store_busy_ms;
/* The calling thread's current request may wait for locks until this monotonic time (0:
 * none, then each wait alone is bounded by store_busy_ms). Set around each request. */
void store_deadline_set(int64_t mono_ns);
/* This process's instance id ("" none): outbox_claim stamps it on the rows it claims, so
 * that the same instance can take them back at once after a crash. Set once at start. */
extern char store_instance_id[128];
/* When the current wait (begun at start_ns) must give up. */
int64_t store_deadline_for(int64_t start_ns);
/* The current request's deadline has passed: no further retry. */
bool store_deadline_passed(void);
/* Marks the calling thread as one that answers requests itself (an HTTP thread): a lock wait
 * that begins on it is counted (STAT_HTTP_WAITS), since nothing it runs should write. */
void store_http_thread_set(bool on);
bool store_on_http_thread(void);
static inline bool store__fault(void)
{
    return store_fault_countdown > 0 && --store_fault_countdown == 0;
}

/* Callers go through STORE(st, method, args...), never st->ops directly: the one place for
 * fault injection (above) and, later, tracing. */
#define STORE(st, method, ...)                                                                     \
    (store__fault() ? TA_FAIL(TA_E_INTERNAL) : (st)->ops->method((st), __VA_ARGS__))
static inline ta_err store_migrate(struct store *st)
{
    return st->ops->migrate(st);
}
static inline ta_err store_ping(struct store *st)
{
    return st->ops->ping(st);
}
static inline ta_err store_begin(struct store *st)
{
    ta_err e = st->ops->begin(st);
    st->in_tx = e == TA_OK;
    return e;
}
static inline ta_err store_commit(struct store *st)
{
    ta_err e = st->ops->commit(st);
    if (e == TA_OK)
        st->in_tx = false;
    return e;
}
static inline void store_rollback(struct store *st)
{
    st->ops->rollback(st);
    st->in_tx = false;
}
/* A transaction begun through store_begin is still open. */
static inline bool store_in_tx(const struct store *st)
{
    return st->in_tx;
}
static inline ta_err store_read_begin(struct store *st)
{
    return st->ops->read_begin(st);
}
static inline void store_read_end(struct store *st)
{
    st->ops->read_end(st);
}

#endif
