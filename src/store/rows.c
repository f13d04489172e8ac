/* store/rows.c — the row descriptions of store/rows.h, generated from the field lists, so a
 * column's name, kind, place and size are written once for both backends. */
#include "store/rows.h"

#include <stdbool.h>

/* COL_BLOB finds its length in the field named <field>_len; other kinds have none. */
#define ROW_LEN_I64(T, f) 0
#define ROW_LEN_INT(T, f) 0
#define ROW_LEN_BOOL(T, f) 0
#define ROW_LEN_STR(T, f) 0
#define ROW_LEN_CHARS(T, f) 0
#define ROW_LEN_HASH(T, f) 0
#define ROW_LEN_HASH_OPT(T, f) 0
#define ROW_LEN_BLOB(T, f) offsetof(struct T, f##_len)

#define ROW_COL(T, f, k)                                                                           \
    {#f, COL_##k, offsetof(struct T, f), sizeof(((struct T *)0)->f), ROW_LEN_##k(T, f)},
#define ROW_DESC(T, FIELDS, name)                                                                  \
    static const struct col name##_cols[] = {ROW_COL(T, id, I64) FIELDS(ROW_COL)};                 \
    const struct row_desc name = {name##_cols, sizeof name##_cols / sizeof name##_cols[0]};

ROW_DESC(company, COMPANY_FIELDS, row_company)
ROW_DESC(customer, CUSTOMER_FIELDS, row_customer)
ROW_DESC(account, ACCOUNT_FIELDS, row_account)
ROW_DESC(session, SESSION_FIELDS, row_session)
ROW_DESC(ticket, TICKET_FIELDS, row_ticket)
ROW_DESC(onetime, ONETIME_FIELDS, row_onetime)
ROW_DESC(outbox_row, OUTBOX_FIELDS, row_outbox)
ROW_DESC(audit_row, AUDIT_FIELDS, row_audit)

/* The kinds must match the fields' C types; a wrong one would read or write past a field. */
#define ROW_F(T, f) (((struct T *)0)->f) /* unevaluated: only its type is used */
#define ROW_IS(T, f, ptr) _Generic(&ROW_F(T, f), ptr : 1, default : 0)
#define ROW_IS_ARRAY(T, f, elem, n) ROW_IS(T, f, elem(*)[n])
#define ROW_OK_I64(T, f) ROW_IS(T, f, int64_t *)
#define ROW_OK_INT(T, f) ROW_IS(T, f, int *)
#define ROW_OK_BOOL(T, f) ROW_IS(T, f, bool *)
#define ROW_OK_STR(T, f) ROW_IS(T, f, char **)
#define ROW_OK_CHARS(T, f) ROW_IS_ARRAY(T, f, char, sizeof ROW_F(T, f))
#define ROW_OK_HASH(T, f) ROW_IS_ARRAY(T, f, unsigned char, TA_HASH_BYTES)
#define ROW_OK_HASH_OPT(T, f) ROW_OK_HASH(T, f)
#define ROW_OK_BLOB(T, f)                                                                          \
    (ROW_IS_ARRAY(T, f, unsigned char, sizeof ROW_F(T, f)) && ROW_IS(T, f##_len, size_t *))
#define ROW_CHECK(T, f, k) _Static_assert(ROW_OK_##k(T, f), #T "." #f " is not a COL_" #k);
COMPANY_FIELDS(ROW_CHECK)
CUSTOMER_FIELDS(ROW_CHECK)
ACCOUNT_FIELDS(ROW_CHECK)
SESSION_FIELDS(ROW_CHECK)
TICKET_FIELDS(ROW_CHECK)
ONETIME_FIELDS(ROW_CHECK)
OUTBOX_FIELDS(ROW_CHECK)
AUDIT_FIELDS(ROW_CHECK)
