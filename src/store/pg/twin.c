/* store/pg/twin.c — pairing the real customers that have no demo twin yet, in one set of
 * statements (migration 3 and customer_pair_missing). The rules are the ones of
 * domain/twin.c, which makes the twin of a new customer at registration. */
#include "store/pg/pg_int.h"

/* See store/sqlite/twin.c for the rules; the same statements in this dialect. The
 * new twins are those pointing at a real customer that points nowhere yet. */
const char pg__pair_missing_sql[] =
    "INSERT INTO customers (company_id, group_id, customer_no, email, phone_area, phone,"
    "  pw_hash, country, lang, register_source, register_device, utm_source, utm_medium,"
    "  utm_campaign, utm_content, utm_term, third_server_code, third_server_source,"
    "  open_account_type, kyc_audit_status, kyc_audit_remark, type, status, mfa_secret,"
    "  mfa_id, mfa_last_step, relation_customer_id, created_ms)"
    " SELECT tw.id,"
    "  coalesce((SELECT g.group_id FROM company_groups g"
    "             WHERE g.company_id = tw.id AND g.group_id = c.group_id),"
    "           (SELECT g.group_id FROM company_groups g WHERE g.company_id = tw.id"
    "             ORDER BY g.is_default DESC, g.ord LIMIT 1), 0),"
    "  c.customer_no, c.email, c.phone_area, c.phone, c.pw_hash, c.country, c.lang,"
    "  c.register_source, c.register_device, c.utm_source, c.utm_medium, c.utm_campaign,"
    "  c.utm_content, c.utm_term, c.third_server_code, c.third_server_source,"
    "  c.open_account_type, CASE WHEN tw.kyc_on THEN c.kyc_audit_status ELSE 2 END,"
    "  c.kyc_audit_remark, c.type, 1, NULL, -1, 0, c.id, c.created_ms"
    " FROM customers c JOIN companies co ON co.id = c.company_id"
    " JOIN companies tw ON tw.id = co.twin_id"
    " WHERE co.type = 1 AND c.relation_customer_id = 0"
    "  AND NOT EXISTS (SELECT 1 FROM customers d WHERE d.company_id = tw.id"
    "   AND (d.customer_no = c.customer_no OR lower(d.email) = lower(c.email)"
    "        OR (d.phone = c.phone AND d.phone_area = c.phone_area)))"
    " ORDER BY c.id;"
    "DROP TABLE IF EXISTS new_pairs;"
    "CREATE TEMP TABLE new_pairs ON COMMIT DROP AS"
    " SELECT c.id AS real_id, d.id AS twin_id, d.company_id AS twin_company, d.created_ms"
    " FROM customers c JOIN companies co ON co.id = c.company_id"
    " JOIN customers d ON d.company_id = co.twin_id AND d.relation_customer_id = c.id"
    " WHERE c.relation_customer_id = 0;"
    "INSERT INTO accounts (customer_id, company_id, trade_type, currency, assets_id, digits,"
    "  balance, frozen, liabilities, interest, not_withdraw, first_deposit_ms,"
    "  first_withdraw_ms, created_ms, activated_ms)"
    " SELECT p.twin_id, p.twin_company, a.trade_type, a.currency, ta.assets_id, ta.digits,"
    "  CASE WHEN tw.type = 2 THEN ta.demo_balance ELSE 0 END, 0, 0, 0, 0, 0, 0,"
    "  p.created_ms, p.created_ms"
    " FROM new_pairs p JOIN accounts a ON a.customer_id = p.real_id"
    " JOIN company_assets ta ON ta.company_id = p.twin_company AND ta.currency = a.currency"
    " JOIN companies tw ON tw.id = p.twin_company"
    " ORDER BY p.twin_id, a.id;"
    "INSERT INTO accounts (customer_id, company_id, trade_type, currency, assets_id, digits,"
    "  balance, frozen, liabilities, interest, not_withdraw, first_deposit_ms,"
    "  first_withdraw_ms, created_ms, activated_ms)"
    " SELECT p.twin_id, p.twin_company, o.trade_type, o.currency, ta.assets_id, ta.digits,"
    "  CASE WHEN tw.type = 2 THEN ta.demo_balance ELSE 0 END, 0, 0, 0, 0, 0, 0,"
    "  p.created_ms, p.created_ms"
    " FROM new_pairs p JOIN company_offers o ON o.company_id = p.twin_company AND o.is_default"
    " JOIN company_assets ta ON ta.company_id = p.twin_company AND ta.currency = o.currency"
    " JOIN companies tw ON tw.id = p.twin_company"
    " WHERE NOT EXISTS (SELECT 1 FROM accounts x WHERE x.customer_id = p.twin_id)"
    " ORDER BY p.twin_id, o.ord;"
    "UPDATE customers c SET relation_customer_id = p.twin_id"
    " FROM new_pairs p WHERE p.real_id = c.id;";

ta_err pg__customer_pair_missing(struct store *st, int64_t *paired_out)
{
    struct pg_store *p = (struct pg_store *)st;
    ta_err err = pg__ready(p);
    if (err != TA_OK)
        return err;
    struct pg_atomic at;
    err = pg__atomic_begin(p, true, &at);
    if (err != TA_OK)
        return err;
    PGresult *res = NULL;
    int64_t n = 0;
    err = pg__simple(p, "customer_pair_missing", pg__pair_missing_sql, &res);
    if (err == TA_OK) { /* the result of the last statement: the UPDATE of the real ones */
        n = pg__i64_text(PQcmdTuples(res));
        PQclear(res);
    }
    err = pg__atomic_end(p, &at, err);
    if (err == TA_OK)
        *paired_out = n;
    return err;
}
