/* store/sqlite/import.c — what customer import needs beyond registration: moving a
 * company's customer-number sequence past the numbers brought over. */
#include "store/sqlite/sqlite_int.h"

#define SQL_RAISE_NO "UPDATE companies SET next_no = max(next_no, ?2) WHERE id = ?1"

ta_err sq__company_raise_no(struct store *st, int64_t company_id, int64_t at_least)
{
    struct sq_store *sq = sq__from(st);
    sqlite3_stmt *q = sq__stmt(sq, SQ_COMPANY_RAISE_NO, SQL_RAISE_NO);
    if (q == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    sqlite3_bind_int64(q, 1, company_id);
    sqlite3_bind_int64(q, 2, at_least);
    int changes = 0;
    ta_err err = sq__run(sq, q, "company_raise_no", &changes);
    sq__release(q);
    return err == TA_OK && changes == 0 ? TA_E_NOT_FOUND : err;
}
