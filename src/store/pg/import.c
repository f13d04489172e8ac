/* store/pg/import.c — what customer import needs beyond registration: moving a company's
 * customer-number sequence past the numbers brought over. */
#include "store/pg/pg_int.h"

static const struct pg_stmt q_raise_no = {
    PG_Q_COMPANY_RAISE_NO, "company_raise_no",
    "UPDATE companies SET next_no = GREATEST(next_no, $2::bigint) WHERE id = $1::bigint"};

ta_err pg__company_raise_no(struct store *st, int64_t company_id, int64_t at_least)
{
    struct pg_params pp;
    pg__p_init(&pp);
    pg__p_i64(&pp, company_id);
    pg__p_i64(&pp, at_least);
    return pg__exec_touch((struct pg_store *)st, &q_raise_no, &pp);
}
