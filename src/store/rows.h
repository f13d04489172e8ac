/* store/rows.h — each record's columns, described once for both backends: the column name
 * (also the struct field's name), its kind and where it sits in the model struct. A backend
 * binds and reads a row by walking the description, one case per kind, instead of
 * spelling out every field per statement; the SQL column lists come from the same lists. */
#ifndef TA_STORE_ROWS_H
#define TA_STORE_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/model.h"

/* How a field is stored; what a backend does with each is in its exec.c. */
enum col_kind {
    COL_I64,      /* int64_t */
    COL_INT,      /* int */
    COL_BOOL,     /* bool, an integer 0/1 on SQLite */
    COL_STR,      /* char *, NULL when absent; read into the caller's arena */
    COL_CHARS,    /* char[size], sent up to its NUL, read back truncated and NUL-terminated */
    COL_HASH,     /* unsigned char[TA_HASH_BYTES] */
    COL_HASH_OPT, /* the same, but all zero ("none") is stored as NULL */
    COL_BLOB,     /* unsigned char[size] holding as many bytes as the size_t at len_off says */
};

struct col {
    const char *name;
    enum col_kind kind;
    size_t off;     /* offsetof the field in the record */
    size_t size;    /* sizeof the field */
    size_t len_off; /* COL_BLOB: offsetof its length field */
};

/* cols[0] is always the record's id; inserts bind cols[1..n-1] in order. */
struct row_desc {
    const struct col *cols;
    size_t n;
};

/* The field lists: X(struct tag, field, KIND), in column order, the id left out (every
 * record has an int64_t id, the first column of every SELECT list). */
#define COMPANY_FIELDS(X)                                                                          \
    X(company, name, CHARS)                                                                        \
    X(company, type, INT)                                                                          \
    X(company, twin_id, I64)                                                                       \
    X(company, kyc_on, BOOL)                                                                       \
    X(company, manual_review, BOOL)                                                                \
    X(company, no_prefix, CHARS)                                                                   \
    X(company, single_session, BOOL)                                                               \
    X(company, session_idle_ms, I64)                                                               \
    X(company, session_absolute_ms, I64)                                                           \
    X(company, refresh_ms, I64)

#define CUSTOMER_FIELDS(X)                                                                         \
    X(customer, company_id, I64)                                                                   \
    X(customer, group_id, I64)                                                                     \
    X(customer, customer_no, STR)                                                                  \
    X(customer, email, STR)                                                                        \
    X(customer, phone_area, STR)                                                                   \
    X(customer, phone, STR)                                                                        \
    X(customer, pw_hash, STR)                                                                      \
    X(customer, country, STR)                                                                      \
    X(customer, lang, STR)                                                                         \
    X(customer, register_source, INT)                                                              \
    X(customer, register_device, STR)                                                              \
    X(customer, utm_source, STR)                                                                   \
    X(customer, utm_medium, STR)                                                                   \
    X(customer, utm_campaign, STR)                                                                 \
    X(customer, utm_content, STR)                                                                  \
    X(customer, utm_term, STR)                                                                     \
    X(customer, third_server_code, STR)                                                            \
    X(customer, third_server_source, STR)                                                          \
    X(customer, open_account_type, INT)                                                            \
    X(customer, kyc_audit_status, INT)                                                             \
    X(customer, kyc_audit_remark, STR)                                                             \
    X(customer, type, INT)                                                                         \
    X(customer, status, INT)                                                                       \
    X(customer, mfa_secret, STR)                                                                   \
    X(customer, mfa_id, I64)                                                                       \
    X(customer, mfa_last_step, I64)                                                                \
    X(customer, relation_customer_id, I64)                                                         \
    X(customer, created_ms, I64)

#define ACCOUNT_FIELDS(X)                                                                          \
    X(account, customer_id, I64)                                                                   \
    X(account, company_id, I64)                                                                    \
    X(account, trade_type, INT)                                                                    \
    X(account, currency, CHARS)                                                                    \
    X(account, assets_id, I64)                                                                     \
    X(account, digits, INT)                                                                        \
    X(account, balance, I64)                                                                       \
    X(account, frozen, I64)                                                                        \
    X(account, liabilities, I64)                                                                   \
    X(account, interest, I64)                                                                      \
    X(account, not_withdraw, I64)                                                                  \
    X(account, first_deposit_ms, I64)                                                              \
    X(account, first_withdraw_ms, I64)                                                             \
    X(account, created_ms, I64)                                                                    \
    X(account, activated_ms, I64)

#define SESSION_FIELDS(X)                                                                          \
    X(session, customer_id, I64)                                                                   \
    X(session, company_id, I64)                                                                    \
    X(session, device, INT)                                                                        \
    X(session, token_hash, HASH)                                                                   \
    X(session, prev_token_hash, HASH_OPT)                                                          \
    X(session, prev_token_until_ms, I64)                                                           \
    X(session, refresh_hash, HASH)                                                                 \
    X(session, prev_refresh_hash, HASH_OPT)                                                        \
    X(session, rotated_ms, I64)                                                                    \
    X(session, grace_box, BLOB)                                                                    \
    X(session, client_addr, CHARS)                                                                 \
    X(session, user_agent, CHARS)                                                                  \
    X(session, created_ms, I64)                                                                    \
    X(session, last_used_ms, I64)                                                                  \
    X(session, refresh_expires_ms, I64)                                                            \
    X(session, ended_ms, I64)                                                                      \
    X(session, end_reason, INT)

#define TICKET_FIELDS(X)                                                                           \
    X(ticket, company_id, I64)                                                                     \
    X(ticket, biz_type, CHARS)                                                                     \
    X(ticket, recipient, CHARS)                                                                    \
    X(ticket, code_hash, HASH)                                                                     \
    X(ticket, send_hash, HASH)                                                                     \
    X(ticket, created_ms, I64)                                                                     \
    X(ticket, expires_ms, I64)                                                                     \
    X(ticket, attempts_left, INT)                                                                  \
    X(ticket, consumed, BOOL)

#define ONETIME_FIELDS(X)                                                                          \
    X(onetime, kind, INT)                                                                          \
    X(onetime, hash, HASH)                                                                         \
    X(onetime, company_id, I64)                                                                    \
    X(onetime, customer_id, I64)                                                                   \
    X(onetime, ref_id, I64)                                                                        \
    X(onetime, device, INT)                                                                        \
    X(onetime, data, CHARS)                                                                        \
    X(onetime, expires_ms, I64)

/* The model calls the recipient `to`, a keyword in SQL: its column is to_addr, so the outbox
 * column list below is the one written out by hand. */
#define OUTBOX_FIELDS(X)                                                                           \
    X(outbox_row, company_id, I64)                                                                 \
    X(outbox_row, channel, CHARS)                                                                  \
    X(outbox_row, to, STR)                                                                         \
    X(outbox_row, biz_type, STR)                                                                   \
    X(outbox_row, code, STR)                                                                       \
    X(outbox_row, lang, STR)                                                                       \
    X(outbox_row, subject, STR)                                                                    \
    X(outbox_row, text, STR)                                                                       \
    X(outbox_row, attempts, INT)                                                                   \
    X(outbox_row, next_at_ms, I64)                                                                 \
    X(outbox_row, expires_ms, I64)                                                                 \
    X(outbox_row, created_ms, I64)

#define AUDIT_FIELDS(X)                                                                            \
    X(audit_row, time_ms, I64)                                                                     \
    X(audit_row, company_id, I64)                                                                  \
    X(audit_row, customer_id, I64)                                                                 \
    X(audit_row, event, CHARS)                                                                     \
    X(audit_row, outcome, CHARS)                                                                   \
    X(audit_row, client_addr, CHARS)                                                               \
    X(audit_row, device, INT)                                                                      \
    X(audit_row, detail, CHARS)

/* "id, name, type, ...": the SELECT list of a record, in description order. */
#define ROW_SQL_NAME_(T, f, k) ", " #f
#define ROW_COLS(FIELDS) "id" FIELDS(ROW_SQL_NAME_)
#define COMPANY_COLS ROW_COLS(COMPANY_FIELDS)
#define CUSTOMER_COLS ROW_COLS(CUSTOMER_FIELDS)
#define ACCOUNT_COLS ROW_COLS(ACCOUNT_FIELDS)
#define SESSION_COLS ROW_COLS(SESSION_FIELDS)
#define TICKET_COLS ROW_COLS(TICKET_FIELDS)
#define ONETIME_COLS ROW_COLS(ONETIME_FIELDS)
#define OUTBOX_COLS                                                                                \
    "id, company_id, channel, to_addr, biz_type, code, lang, subject, text, attempts, "            \
    "next_at_ms, expires_ms, created_ms"
#define AUDIT_COLS ROW_COLS(AUDIT_FIELDS)

/* Room for any one record but a company: where a backend reads a row before it may write
 * the caller's out-parameter (written only on TA_OK). */
union row_any {
    struct customer customer;
    struct account account;
    struct session session;
    struct ticket ticket;
    struct onetime onetime;
    struct outbox_row outbox;
    struct audit_row audit;
};

/* The integer kinds (COL_I64, COL_INT, COL_BOOL) as one int64_t, for backends whose
 * databases hand integers over as 64-bit values either way. */
static inline int64_t row_get_int(const struct col *c, const void *field)
{
    if (c->kind == COL_I64)
        return *(const int64_t *)field;
    return c->kind == COL_INT ? *(const int *)field : *(const bool *)field;
}

static inline void row_put_int(const struct col *c, void *field, int64_t v)
{
    if (c->kind == COL_I64)
        *(int64_t *)field = v;
    else if (c->kind == COL_INT)
        *(int *)field = v < INT32_MIN || v > INT32_MAX ? 0 : (int)v; /* as pg__int */
    else
        *(bool *)field = v != 0;
}

extern const struct row_desc row_company, row_customer, row_account, row_session, row_ticket,
    row_onetime, row_outbox, row_audit;

#endif
