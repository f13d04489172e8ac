/* store/sqlite/twin.c — pairing the real customers that have no demo twin yet, in
 * one set of statements (migration 3 and customer_pair_missing). The rules are the ones of
 * domain/twin.c, which makes the twin of a new customer at registration. */
#include "store/sqlite/sqlite_int.h"

/* Every real customer of a company with a twin that has no paired customer yet gets one, as
 * domain/twin.c makes it: same customerNo and contacts, the twin's group when it has the customer's
 * (else its default), KYC approved unless the twin runs KYC, MFA off, the same (tradeType,
 * currency) accounts the twin carries with its demo balances (its default accounts when none is
 * left), linked both ways. A customer whose customerNo, email or phone is already taken in the twin
 * is left alone (its first switch will report the conflict instead of this migration failing). */
const char sq__pair_missing_sql[] =
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
    "  c.open_account_type, CASE WHEN tw.kyc_on <> 0 THEN c.kyc_audit_status ELSE 2 END,"
    "  c.kyc_audit_remark, c.type, 1, NULL, -1, 0, c.id, c.created_ms"
    " FROM customers c JOIN companies co ON co.id = c.company_id"
    " JOIN companies tw ON tw.id = co.twin_id"
    " WHERE co.type = 1 AND c.relation_customer_id = 0"
    /* Three NOT EXISTS, not one with OR: each is one lookup in its unique index, where the
     * OR made SQLite scan the twin company's customers for every real one (quadratic). */
    "  AND NOT EXISTS (SELECT 1 FROM customers d WHERE d.company_id = tw.id"
    "   AND d.customer_no = c.customer_no)"
    "  AND NOT EXISTS (SELECT 1 FROM customers d WHERE d.company_id = tw.id"
    "   AND lower(d.email) = lower(c.email))"
    "  AND NOT EXISTS (SELECT 1 FROM customers d WHERE d.company_id = tw.id"
    "   AND d.phone = c.phone AND d.phone_area = c.phone_area)"
    " ORDER BY c.id;"

    /* The new twins are the ones pointing at a real customer that points nowhere yet. */
    "DROP TABLE IF EXISTS temp.new_pairs;"
    /* Driven from the twin (CROSS JOIN keeps that order): its real customer is one rowid
     * lookup; the other way round scanned the twin company once per real customer. */
    "CREATE TEMP TABLE new_pairs AS"
    " SELECT c.id AS real_id, d.id AS twin_id, d.company_id AS twin_company, d.created_ms"
    " FROM customers d CROSS JOIN customers c ON c.id = d.relation_customer_id"
    " JOIN companies co ON co.id = c.company_id AND co.twin_id = d.company_id"
    " WHERE d.relation_customer_id <> 0 AND c.relation_customer_id = 0;"
    "CREATE INDEX temp.new_pairs_real ON new_pairs (real_id);"

    "INSERT INTO accounts (customer_id, company_id, trade_type, currency, assets_id, digits,"
    "  balance, created_ms, activated_ms)"
    " SELECT p.twin_id, p.twin_company, a.trade_type, a.currency, ta.assets_id, ta.digits,"
    "  CASE WHEN tw.type = 2 THEN ta.demo_balance ELSE 0 END, p.created_ms, p.created_ms"
    " FROM new_pairs p JOIN accounts a ON a.customer_id = p.real_id"
    " JOIN company_assets ta ON ta.company_id = p.twin_company AND ta.currency = a.currency"
    " JOIN companies tw ON tw.id = p.twin_company"
    " ORDER BY p.twin_id, a.id;"
    "INSERT INTO accounts (customer_id, company_id, trade_type, currency, assets_id, digits,"
    "  balance, created_ms, activated_ms)"
    " SELECT p.twin_id, p.twin_company, o.trade_type, o.currency, ta.assets_id, ta.digits,"
    "  CASE WHEN tw.type = 2 THEN ta.demo_balance ELSE 0 END, p.created_ms, p.created_ms"
    " FROM new_pairs p JOIN company_offers o ON o.company_id = p.twin_company"
    "  AND o.is_default <> 0"
    " JOIN company_assets ta ON ta.company_id = p.twin_company AND ta.currency = o.currency"
    " JOIN companies tw ON tw.id = p.twin_company"
    " WHERE NOT EXISTS (SELECT 1 FROM accounts x WHERE x.customer_id = p.twin_id)"
    " ORDER BY p.twin_id, o.ord;"

    "UPDATE customers SET relation_customer_id ="
    "  (SELECT p.twin_id FROM new_pairs p WHERE p.real_id = customers.id)"
    " WHERE id IN (SELECT real_id FROM new_pairs);"
    "DROP TABLE new_pairs;";

ta_err sq__customer_pair_missing(struct store *st, int64_t *paired_out)
{
    struct sq_store *sq = sq__from(st);
    struct sq_atomic at;
    ta_err err = sq__atomic_begin(sq, true, &at);
    if (err != TA_OK)
        return err;
    char *msg = NULL;
    int rc = sqlite3_exec(sq->db, sq__pair_missing_sql, NULL, NULL, &msg);
    sqlite3_free(msg);                   /* sq__error reads the same message from the connection */
    int64_t n = sqlite3_changes(sq->db); /* the UPDATE of the real ones (DROP does not count) */
    if (rc != SQLITE_OK) {
        err = sq__error(sq, rc, "customer_pair_missing");
        /* A statement stopped halfway leaves the temporary table behind. */
        (void)sqlite3_exec(sq->db, "DROP TABLE IF EXISTS temp.new_pairs", NULL, NULL, NULL);
    }
    err = sq__atomic_end(sq, &at, err);
    if (err == TA_OK)
        *paired_out = n;
    return err;
}
