/* store/pg/company.c — settings (meta) and companies with their assets, offers and groups.
 * The lists travel as array parameters unnested server-side, so an insert is one statement;
 * a read is one statement too, the lists joined in as extra rows. */
#include "store/pg/pg_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/log.h"
#include "util/mem.h"

/*---- settings ----*/

static const struct pg_stmt q_meta_get = {PG_Q_META_GET, "meta_get",
                                          "SELECT value FROM meta WHERE key = $1::text"};

static const struct pg_stmt q_meta_put_new = {
    PG_Q_META_PUT_NEW, "meta_put_new",
    "INSERT INTO meta (key, value) VALUES ($1::text, $2::text) ON CONFLICT (key) DO NOTHING"};

ta_err pg__meta_get(struct store *st, const char *key, struct arena *a, char **value_out)
{
    struct pg_store *p = (struct pg_store *)st;
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_text(&pp, key);
    ta_err err = pg__exec_row(p, &q_meta_get, &pp, &res);
    if (err != TA_OK)
        return err;
    char *value;
    err = pg__str(a, res, 0, 0, &value) ? TA_OK : TA_E_TOO_LARGE;
    PQclear(res);
    if (err == TA_OK)
        *value_out = value;
    return err;
}

ta_err pg__meta_put_new(struct store *st, const char *key, const char *value)
{
    struct pg_params pp;

    pg__p_init(&pp);
    pg__p_text(&pp, key);
    pg__p_text(&pp, value);
    /* ON CONFLICT DO NOTHING rather than a unique violation: inside a transaction an error
     * would abort it, while the contract makes a taken key an ordinary answer. */
    ta_err err = pg__exec_touch((struct pg_store *)st, &q_meta_put_new, &pp);
    return err == TA_E_NOT_FOUND ? TA_E_CONFLICT : err;
}

/*---- array parameters ----*/

/* A growing text buffer for array literals such as {"USDT","BTC"}. */
struct buf {
    char *p;
    size_t len, cap;
};

static void buf_putc(struct buf *b, char c)
{
    if (b->len + 2 > b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        b->p = xrealloc(b->p, b->cap);
    }
    b->p[b->len++] = c;
    b->p[b->len] = '\0';
}

static void buf_puts(struct buf *b, const char *s)
{
    while (*s)
        buf_putc(b, *s++);
}

/* Array elements in double quotes, with " and \ escaped: any currency text survives. */
static void buf_quoted(struct buf *b, const char *s, size_t size)
{
    buf_putc(b, '"');
    for (size_t i = 0; i < size && s[i] != '\0'; i++) {
        if (s[i] == '"' || s[i] == '\\')
            buf_putc(b, '\\');
        buf_putc(b, s[i]);
    }
    buf_putc(b, '"');
}

static void buf_i64(struct buf *b, int64_t v)
{
    char num[24];
    snprintf(num, sizeof num, "%" PRId64, v);
    buf_puts(b, num);
}

static void buf_sep(struct buf *b, size_t i)
{
    buf_putc(b, i == 0 ? '{' : ',');
}

static void buf_end(struct buf *b, size_t n)
{
    if (n == 0)
        buf_putc(b, '{');
    buf_putc(b, '}');
}

/* The nine array parameters of the three lists, in statement order. */
struct lists {
    struct buf arr[9];
};

/* Counts were checked against the arrays by check_counts. */
static void lists_build(struct lists *l, const struct company *co)
{
    size_t na = co->n_assets, no = co->n_offers, ng = co->n_groups;

    memset(l, 0, sizeof *l);
    for (size_t i = 0; i < na; i++) {
        const struct company_asset *x = &co->assets[i];
        for (int k = 0; k < 4; k++)
            buf_sep(&l->arr[k], i);
        buf_quoted(&l->arr[0], x->currency, sizeof x->currency);
        buf_i64(&l->arr[1], x->assets_id);
        buf_i64(&l->arr[2], x->digits);
        buf_i64(&l->arr[3], x->demo_balance);
    }
    for (int k = 0; k < 4; k++)
        buf_end(&l->arr[k], na);
    for (size_t i = 0; i < no; i++) {
        const struct company_offer *x = &co->offers[i];
        for (int k = 4; k < 7; k++)
            buf_sep(&l->arr[k], i);
        buf_i64(&l->arr[4], x->trade_type);
        buf_quoted(&l->arr[5], x->currency, sizeof x->currency);
        buf_putc(&l->arr[6], x->is_default ? 't' : 'f');
    }
    for (int k = 4; k < 7; k++)
        buf_end(&l->arr[k], no);
    for (size_t i = 0; i < ng; i++) {
        const struct company_group *x = &co->groups[i];
        for (int k = 7; k < 9; k++)
            buf_sep(&l->arr[k], i);
        buf_i64(&l->arr[7], x->id);
        buf_putc(&l->arr[8], x->is_default ? 't' : 'f');
    }
    for (int k = 7; k < 9; k++)
        buf_end(&l->arr[k], ng);
}

static void lists_free(struct lists *l)
{
    for (int k = 0; k < 9; k++)
        free(l->arr[k].p);
}

/* The ten scalar fields, in the order of the INSERT and UPDATE statements. */
static void scalar_params(struct pg_params *pp, const struct company *co)
{
    (void)pg__p_row(pp, &row_company, co, "company"); /* no blob: cannot fail */
}

static void list_params(struct pg_params *pp, const struct lists *l)
{
    for (int k = 0; k < 9; k++)
        pg__p_text(pp, l->arr[k].p);
}

/* Inserts the lists ($2..$10) of the company returned by CTE c; shared by insert and update. */
#define LIST_INSERTS                                                                               \
    "a AS (INSERT INTO company_assets (company_id, ord, currency, assets_id, digits, "             \
    "demo_balance)"                                                                                \
    "  SELECT c.id, t.ord, t.cur, t.aid, t.dig, t.bal FROM c,"                                     \
    "  unnest($2::text[], $3::bigint[], $4::integer[], $5::bigint[])"                              \
    "  WITH ORDINALITY AS t(cur, aid, dig, bal, ord)),"                                            \
    "o AS (INSERT INTO company_offers (company_id, ord, trade_type, currency, is_default)"         \
    "  SELECT c.id, t.ord, t.tt, t.cur, t.def FROM c,"                                             \
    "  unnest($6::integer[], $7::text[], $8::boolean[]) WITH ORDINALITY AS t(tt, cur, def, ord))," \
    "g AS (INSERT INTO company_groups (company_id, ord, group_id, is_default)"                     \
    "  SELECT c.id, t.ord, t.gid, t.def FROM c,"                                                   \
    "  unnest($9::bigint[], $10::boolean[]) WITH ORDINALITY AS t(gid, def, ord))"

/* More items than the model's arrays hold is a caller bug: refuse before writing anything. */
static ta_err check_counts(const struct company *co, const char *what)
{
    if (co->n_assets <= TA_MAX_ASSETS && co->n_offers <= TA_MAX_OFFERS &&
        co->n_groups <= TA_MAX_GROUPS)
        return TA_OK;
    log_error(NULL, "pg %s: company %" PRId64 " has too many assets, offers or groups", what,
              co->id);
    return TA_FAIL(TA_E_INTERNAL);
}

/* $1 id, $2..$10 the lists, $11..$20 the scalar fields. An explicit id leaves the sequence
 * behind; setval moves it past, so that a later insert with id 0 does not collide. COALESCE
 * evaluates nextval only when it is needed. A list item repeated (same currency, offer or
 * group) violates a unique index: TA_E_CONFLICT, and the statement leaves nothing behind. */
static const struct pg_stmt q_company_insert = {
    PG_Q_COMPANY_INSERT, "company_insert",
    "WITH c AS (INSERT INTO companies (id, name, type, twin_id, kyc_on, manual_review, no_prefix,"
    "  single_session, session_idle_ms, session_absolute_ms, refresh_ms)"
    "  VALUES (coalesce(nullif($1::bigint, 0), nextval('companies_id_seq')), $11::text,"
    "  $12::integer, $13::bigint, $14::boolean, $15::boolean, $16::text, $17::boolean,"
    "  $18::bigint, $19::bigint, $20::bigint)"
    "  ON CONFLICT (id) DO NOTHING RETURNING id),"
    "s AS (SELECT setval('companies_id_seq', greatest(c.id, (SELECT last_value FROM "
    "companies_id_seq)))"
    "  FROM c WHERE $1::bigint <> 0)," LIST_INSERTS
    " SELECT c.id, (SELECT count(*) FROM s) FROM c"};

ta_err pg__company_insert(struct store *st, const struct company *co, int64_t *id_out)
{
    struct pg_store *p = (struct pg_store *)st;
    struct pg_params pp;
    struct pg_atomic at;
    struct lists l;
    PGresult *res;
    int64_t id = 0;

    ta_err err = check_counts(co, "company_insert");
    if (err != TA_OK)
        return err;
    lists_build(&l, co);
    pg__p_init(&pp);
    pg__p_i64(&pp, co->id);
    list_params(&pp, &l);
    scalar_params(&pp, co);
    /* One statement; the savepoint only keeps a caller's transaction alive on a conflict. */
    err = pg__atomic_begin(p, false, &at);
    if (err == TA_OK)
        err = pg__exec_row(p, &q_company_insert, &pp, &res);
    if (err == TA_E_NOT_FOUND)
        err = TA_E_CONFLICT; /* the id is taken */
    if (err == TA_OK) {
        id = pg__i64(res, 0, 0);
        PQclear(res);
    }
    err = pg__atomic_end(p, &at, err);
    lists_free(&l);
    if (err == TA_OK)
        *id_out = id;
    return err;
}

/* Three statements. The row lock of the first orders concurrent updates; the next two then
 * run with fresh snapshots, so they delete exactly the lists the previous updater wrote and
 * insert after the delete (within one statement the parts run in no fixed order). */
static const struct pg_stmt q_company_update = {
    PG_Q_COMPANY_UPDATE, "company_update",
    "UPDATE companies SET name = $2::text, type = $3::integer, twin_id = $4::bigint,"
    "  kyc_on = $5::boolean, manual_review = $6::boolean, no_prefix = $7::text,"
    "  single_session = $8::boolean, session_idle_ms = $9::bigint,"
    "  session_absolute_ms = $10::bigint, refresh_ms = $11::bigint"
    " WHERE id = $1::bigint"};

static const struct pg_stmt q_company_lists_delete = {
    PG_Q_COMPANY_LISTS_DELETE, "company_lists_delete",
    "WITH da AS (DELETE FROM company_assets WHERE company_id = $1::bigint),"
    "dof AS (DELETE FROM company_offers WHERE company_id = $1::bigint)"
    " DELETE FROM company_groups WHERE company_id = $1::bigint"};

static const struct pg_stmt q_company_lists_insert = {
    PG_Q_COMPANY_LISTS_INSERT, "company_lists_insert",
    "WITH c AS (SELECT $1::bigint AS id)," LIST_INSERTS " SELECT 1"};

static ta_err company_update_body(struct pg_store *p, const struct company *co)
{
    struct pg_params pp;
    struct lists l;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_i64(&pp, co->id);
    scalar_params(&pp, co);
    ta_err err = pg__exec_touch(p, &q_company_update, &pp);
    if (err != TA_OK)
        return err;

    pg__p_init(&pp);
    pg__p_i64(&pp, co->id);
    err = pg__exec(p, &q_company_lists_delete, &pp, &res);
    if (err != TA_OK)
        return err;
    PQclear(res);

    lists_build(&l, co);
    pg__p_init(&pp);
    pg__p_i64(&pp, co->id);
    list_params(&pp, &l);
    err = pg__exec(p, &q_company_lists_insert, &pp, &res);
    lists_free(&l);
    if (err == TA_OK)
        PQclear(res);
    return err;
}

ta_err pg__company_update(struct store *st, const struct company *co)
{
    struct pg_store *p = (struct pg_store *)st;
    struct pg_atomic at;

    ta_err err = check_counts(co, "company_update");
    if (err == TA_OK)
        err = pg__atomic_begin(p, true, &at);
    if (err != TA_OK)
        return err;
    err = company_update_body(p, co);
    return pg__atomic_end(p, &at, err);
}

/* Each company row comes once per list item (kind 1 asset, 2 offer, 3 group), or once with a
 * NULL kind when it has no items. */
#define COMPANY_SELECT                                                                             \
    "SELECT " COMPANY_COLS ", k.kind, k.currency, k.n1, k.n2, k.n3, k.flag"                        \
    " FROM companies c LEFT JOIN LATERAL ("                                                        \
    "  SELECT 1 AS kind, ord, currency, assets_id AS n1, digits::bigint AS n2,"                    \
    "    demo_balance AS n3, false AS flag FROM company_assets WHERE company_id = c.id"            \
    "  UNION ALL SELECT 2, ord, currency, trade_type, 0, 0, is_default"                            \
    "    FROM company_offers WHERE company_id = c.id"                                              \
    "  UNION ALL SELECT 3, ord, NULL, group_id, 0, 0, is_default"                                  \
    "    FROM company_groups WHERE company_id = c.id) k ON true"

static const struct pg_stmt q_company_get = {PG_Q_COMPANY_GET, "company_get",
                                             COMPANY_SELECT
                                             " WHERE c.id = $1::bigint ORDER BY k.kind, k.ord"};

static const struct pg_stmt q_company_list = {PG_Q_COMPANY_LIST, "company_list",
                                              COMPANY_SELECT " ORDER BY c.id, k.kind, k.ord"};

/* Reads the company starting at *row into co and advances *row past its rows. */
static void read_company(const PGresult *res, int *row, struct company *co)
{
    int r = *row;
    int64_t id = pg__i64(res, r, 0);

    memset(co, 0, sizeof *co);
    (void)pg__read_row(res, r, 0, &row_company, NULL, co); /* no strings: cannot fail */

    int n = PQntuples(res);
    for (; r < n && pg__i64(res, r, 0) == id; r++) {
        switch (pg__int(res, r, 11)) {
        case 1:
            if (co->n_assets < TA_MAX_ASSETS) {
                struct company_asset *x = &co->assets[co->n_assets++];
                pg__copy(x->currency, sizeof x->currency, res, r, 12);
                x->assets_id = pg__i64(res, r, 13);
                x->digits = pg__int(res, r, 14);
                x->demo_balance = pg__i64(res, r, 15);
            }
            break;
        case 2:
            if (co->n_offers < TA_MAX_OFFERS) {
                struct company_offer *x = &co->offers[co->n_offers++];
                x->trade_type = pg__int(res, r, 13);
                pg__copy(x->currency, sizeof x->currency, res, r, 12);
                x->is_default = pg__bool(res, r, 16);
            }
            break;
        case 3:
            if (co->n_groups < TA_MAX_GROUPS) {
                struct company_group *x = &co->groups[co->n_groups++];
                x->id = pg__i64(res, r, 13);
                x->is_default = pg__bool(res, r, 16);
            }
            break;
        default: /* NULL kind: a company without list items */
            break;
        }
    }
    *row = r;
}

ta_err pg__company_get(struct store *st, int64_t id, struct company *out)
{
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_i64(&pp, id);
    ta_err err = pg__exec_row((struct pg_store *)st, &q_company_get, &pp, &res);
    if (err != TA_OK)
        return err;
    int row = 0;
    read_company(res, &row, out);
    PQclear(res);
    return TA_OK;
}

ta_err pg__company_list(struct store *st, struct arena *a, struct company **out, size_t *n_out)
{
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    ta_err err = pg__exec((struct pg_store *)st, &q_company_list, &pp, &res);
    if (err != TA_OK)
        return err;

    int rows = PQntuples(res);
    size_t count = 0;
    for (int r = 0; r < rows; r++)
        if (r == 0 || pg__i64(res, r, 0) != pg__i64(res, r - 1, 0))
            count++;
    struct company *list = arena_alloc(a, (count ? count : 1) * sizeof *list);
    if (list == NULL) {
        PQclear(res);
        return TA_E_TOO_LARGE;
    }
    for (int r = 0, i = 0; r < rows; i++)
        read_company(res, &r, &list[i]);
    PQclear(res);
    *out = list;
    *n_out = count;
    return TA_OK;
}

static const struct pg_stmt q_company_next_no = {
    PG_Q_COMPANY_NEXT_NO, "company_next_no",
    "UPDATE companies SET next_no = next_no + 1 WHERE id = $1::bigint RETURNING next_no"};

ta_err pg__company_next_no(struct store *st, int64_t company_id, int64_t *seq_out)
{
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    pg__p_i64(&pp, company_id);
    ta_err err = pg__exec_row((struct pg_store *)st, &q_company_next_no, &pp, &res);
    if (err != TA_OK)
        return err;
    *seq_out = pg__i64(res, 0, 0);
    PQclear(res);
    return TA_OK;
}
