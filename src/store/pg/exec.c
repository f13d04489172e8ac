/* store/pg/exec.c — running statements on one libpq connection: lazy PQprepare, text
 * parameters, error mapping to ta_err, recovery from a lost connection, and the small
 * readers that turn text result columns into record fields. */
#include "store/pg/pg_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/log.h"

/* Class 08 (connection exception) and the shutdown family of class 57: the session is gone,
 * whatever the socket still says. */
static bool is_conn_lost(const char *state)
{
    if (state == NULL)
        return false;
    return strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
           strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0;
}

ta_err pg__error(struct pg_store *p, const PGresult *res, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorMessage(res) : "";

    if (msg == NULL || msg[0] == '\0')
        msg = PQerrorMessage(p->conn);
    if (PQstatus(p->conn) == CONNECTION_BAD || is_conn_lost(state)) {
        /* Prepared statements die with the session; the next call resets and re-prepares. */
        p->broken = true;
        log_error(NULL, "pg %s: connection lost: %s", what, msg);
        return TA_FAIL(TA_E_INTERNAL);
    }
    if (state != NULL && strcmp(state, "23505") == 0)
        return TA_E_CONFLICT;
    if (state != NULL && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
                          strcmp(state, "55P03") == 0)) {
        log_warn(NULL, "pg %s: %s", what, msg);
        return TA_E_RETRY;
    }
    log_error(NULL, "pg %s: %s", what, msg);
    return TA_FAIL(TA_E_INTERNAL);
}

ta_err pg__ready(struct pg_store *p)
{
    if (!p->broken && PQstatus(p->conn) == CONNECTION_OK)
        return TA_OK;
    p->broken = true;
    if (p->in_tx) {
        /* The transaction died with the connection. Going on outside it would commit half
         * a use case one statement at a time, so every call fails until rollback. */
        log_error(NULL, "pg: connection lost inside a transaction; roll back first");
        return TA_FAIL(TA_E_INTERNAL);
    }
    memset(p->prepared, 0, sizeof p->prepared);
    PQreset(p->conn);
    if (PQstatus(p->conn) != CONNECTION_OK) {
        log_error(NULL, "pg reconnect: %s", PQerrorMessage(p->conn));
        return TA_FAIL(TA_E_INTERNAL);
    }
    p->broken = false;
    log_warn(NULL, "pg: reconnected");
    return TA_OK;
}

static bool result_ok(const PGresult *res)
{
    ExecStatusType s = PQresultStatus(res);
    return res != NULL && (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK);
}

ta_err pg__exec(struct pg_store *p, const struct pg_stmt *q, const struct pg_params *pp,
                PGresult **res_out)
{
    ta_err err = pg__ready(p);
    if (err != TA_OK)
        return err;

    if (!p->prepared[q->id]) {
        /* Parameter types come from the casts in the SQL, so none are given here. */
        PGresult *res = PQprepare(p->conn, q->name, q->sql, 0, NULL);
        if (!result_ok(res)) {
            err = pg__error(p, res, q->name);
            PQclear(res);
            return err;
        }
        PQclear(res);
        p->prepared[q->id] = true;
    }

    PGresult *res =
        PQexecPrepared(p->conn, q->name, pp->n, pp->values, pp->lengths, pp->formats, 0);
    if (!result_ok(res)) {
        err = pg__error(p, res, q->name);
        PQclear(res);
        return err;
    }
    *res_out = res;
    return TA_OK;
}

ta_err pg__simple(struct pg_store *p, const char *what, const char *sql, PGresult **res_out)
{
    PGresult *res = PQexec(p->conn, sql);
    if (!result_ok(res)) {
        ta_err err = pg__error(p, res, what);
        PQclear(res);
        return err;
    }
    if (res_out != NULL)
        *res_out = res;
    else
        PQclear(res);
    return TA_OK;
}

ta_err pg__exec_row(struct pg_store *p, const struct pg_stmt *q, const struct pg_params *pp,
                    PGresult **res_out)
{
    PGresult *res = NULL;
    ta_err err = pg__exec(p, q, pp, &res);
    if (err != TA_OK)
        return err;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return TA_E_NOT_FOUND;
    }
    *res_out = res;
    return TA_OK;
}

ta_err pg__exec_touch(struct pg_store *p, const struct pg_stmt *q, const struct pg_params *pp)
{
    PGresult *res = NULL;
    ta_err err = pg__exec(p, q, pp, &res);
    if (err != TA_OK)
        return err;
    /* "UPDATE n": n rows matched the WHERE clause. */
    const char *n = PQcmdTuples(res);
    err = n[0] != '\0' && pg__i64_text(n) > 0 ? TA_OK : TA_E_NOT_FOUND;
    PQclear(res);
    return err;
}

/*---- parameters ----*/

void pg__p_init(struct pg_params *pp)
{
    pp->n = 0;
}

static int next_slot(struct pg_params *pp)
{
    /* Statement arities are fixed in this backend; overflowing is a programming error. */
    if (pp->n >= PG_MAX_PARAMS)
        abort();
    return pp->n++;
}

void pg__p_i64(struct pg_params *pp, int64_t v)
{
    int i = next_slot(pp);
    snprintf(pp->nums[i], sizeof pp->nums[i], "%" PRId64, v);
    pp->values[i] = pp->nums[i];
    pp->lengths[i] = 0;
    pp->formats[i] = 0;
}

void pg__p_bool(struct pg_params *pp, bool v)
{
    int i = next_slot(pp);
    pp->values[i] = v ? "t" : "f";
    pp->lengths[i] = 0;
    pp->formats[i] = 0;
}

void pg__p_text(struct pg_params *pp, const char *s)
{
    int i = next_slot(pp);
    pp->values[i] = s;
    pp->lengths[i] = 0;
    pp->formats[i] = 0;
}

void pg__p_chars(struct pg_params *pp, const char *s, size_t size)
{
    int i = next_slot(pp);
    /* Binary format for text is the bytes themselves, with an explicit length: a record
     * whose array lost its NUL cannot make us read past it. */
    pp->values[i] = s;
    pp->lengths[i] = (int)strnlen(s, size);
    pp->formats[i] = 1;
}

void pg__p_bytes(struct pg_params *pp, const void *b, size_t n)
{
    int i = next_slot(pp);
    /* Binary format: bytea takes the raw bytes, no escaping and no hex doubling. */
    pp->values[i] = b;
    pp->lengths[i] = (int)n;
    pp->formats[i] = 1;
}

void pg__p_hash_or_null(struct pg_params *pp, const unsigned char *h, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (h[k] != 0) {
            pg__p_bytes(pp, h, n);
            return;
        }
    }
    pg__p_text(pp, NULL);
}

/*---- result columns ----*/

int64_t pg__i64_text(const char *s)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0') {
        /* The SQL casts every such column to bigint/int, so this means a schema bug. */
        log_error(NULL, "pg: \"%.32s\" is not an integer", s);
        return 0;
    }
    return (int64_t)v;
}

int64_t pg__i64(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : pg__i64_text(PQgetvalue(res, row, col));
}

int pg__int(const PGresult *res, int row, int col)
{
    int64_t v = pg__i64(res, row, col);
    return v < INT32_MIN || v > INT32_MAX ? 0 : (int)v;
}

bool pg__bool(const PGresult *res, int row, int col)
{
    return !PQgetisnull(res, row, col) && PQgetvalue(res, row, col)[0] == 't';
}

void pg__copy(char *dst, size_t size, const PGresult *res, int row, int col)
{
    size_t n = (size_t)PQgetlength(res, row, col);
    if (n > size - 1)
        n = size - 1;
    memcpy(dst, PQgetvalue(res, row, col), n);
    dst[n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void pg__bytes(unsigned char *dst, size_t size, const PGresult *res, int row, int col,
               size_t *len_out)
{
    const char *s = PQgetvalue(res, row, col);
    size_t n = 0;

    memset(dst, 0, size);
    /* bytea_output is hex since PostgreSQL 9.0: "\x" then two digits a byte. */
    if (!PQgetisnull(res, row, col) && s[0] == '\\' && s[1] == 'x') {
        for (s += 2; n < size; s += 2) {
            int hi = hexval(s[0]);
            int lo = hi < 0 ? -1 : hexval(s[1]);
            if (lo < 0)
                break;
            dst[n++] = (unsigned char)(hi << 4 | lo);
        }
    }
    if (len_out != NULL)
        *len_out = n;
}

bool pg__str(struct arena *a, const PGresult *res, int row, int col, char **out)
{
    if (PQgetisnull(res, row, col)) {
        *out = NULL;
        return true;
    }
    *out = arena_strndup(a, PQgetvalue(res, row, col), (size_t)PQgetlength(res, row, col));
    return *out != NULL;
}

/*---- rows by description (store/rows.h): one case per column kind ----*/

ta_err pg__p_row(struct pg_params *pp, const struct row_desc *d, const void *rec, const char *what)
{
    for (size_t k = 1; k < d->n; k++) {
        const struct col *c = &d->cols[k];
        const char *f = (const char *)rec + c->off;
        switch (c->kind) {
        case COL_I64:
        case COL_INT:
            pg__p_i64(pp, row_get_int(c, f));
            break;
        case COL_BOOL:
            pg__p_bool(pp, *(const bool *)f);
            break;
        case COL_STR:
            pg__p_text(pp, *(char *const *)f);
            break;
        case COL_CHARS:
            pg__p_chars(pp, f, c->size);
            break;
        case COL_HASH:
            pg__p_bytes(pp, f, c->size);
            break;
        case COL_HASH_OPT:
            pg__p_hash_or_null(pp, (const unsigned char *)f, c->size);
            break;
        case COL_BLOB: {
            size_t len = *(const size_t *)((const char *)rec + c->len_off);
            if (len > c->size) { /* more than the model's array can hold: a caller bug */
                log_error(NULL, "pg %s: %s length %zu too large", what, c->name, len);
                return TA_FAIL(TA_E_INTERNAL);
            }
            pg__p_bytes(pp, f, len);
            break;
        }
        }
    }
    return TA_OK;
}

ta_err pg__read_row(const PGresult *res, int row, int first, const struct row_desc *d,
                    struct arena *a, void *rec)
{
    for (size_t k = 0; k < d->n; k++) {
        const struct col *c = &d->cols[k];
        char *f = (char *)rec + c->off;
        int i = first + (int)k;
        switch (c->kind) {
        case COL_I64:
        case COL_INT:
            row_put_int(c, f, pg__i64(res, row, i));
            break;
        case COL_BOOL: /* 't' or 'f' in text results */
            row_put_int(c, f, pg__bool(res, row, i));
            break;
        case COL_STR:
            if (!pg__str(a, res, row, i, (char **)f))
                return TA_E_TOO_LARGE;
            break;
        case COL_CHARS:
            pg__copy(f, c->size, res, row, i);
            break;
        case COL_HASH:
        case COL_HASH_OPT:
            pg__bytes((unsigned char *)f, c->size, res, row, i, NULL);
            break;
        case COL_BLOB:
            pg__bytes((unsigned char *)f, c->size, res, row, i,
                      (size_t *)((char *)rec + c->len_off));
            break;
        }
    }
    return TA_OK;
}

ta_err pg__read_one(struct pg_store *p, const struct pg_stmt *q, const struct pg_params *pp,
                    const struct row_desc *d, struct arena *a, void *out, size_t size)
{
    union row_any row;
    PGresult *res;

    if (size > sizeof row)
        abort(); /* a record union row_any (store/rows.h) does not know yet */
    ta_err err = pg__exec_row(p, q, pp, &res);
    if (err != TA_OK)
        return err;
    memset(&row, 0, sizeof row);
    err = pg__read_row(res, 0, 0, d, a, &row);
    PQclear(res);
    if (err == TA_OK)
        memcpy(out, &row, size);
    return err;
}

ta_err pg__read_all(struct pg_store *p, const struct pg_stmt *q, const struct pg_params *pp,
                    const struct row_desc *d, struct arena *a, size_t size, void **out,
                    size_t *n_out)
{
    PGresult *res;
    ta_err err = pg__exec(p, q, pp, &res);
    if (err != TA_OK)
        return err;
    size_t n = (size_t)PQntuples(res);
    char *list = arena_alloc(a, (n ? n : 1) * size);
    if (list == NULL)
        err = TA_E_TOO_LARGE;
    for (size_t i = 0; i < n && err == TA_OK; i++) {
        memset(list + i * size, 0, size);
        err = pg__read_row(res, (int)i, 0, d, a, list + i * size);
    }
    PQclear(res);
    if (err == TA_OK) {
        *out = list;
        *n_out = n;
    }
    return err;
}

ta_err pg__insert_row(struct pg_store *p, const struct pg_stmt *q, const struct row_desc *d,
                      const void *rec, int64_t *id_out)
{
    struct pg_params pp;
    PGresult *res;

    pg__p_init(&pp);
    ta_err err = pg__p_row(&pp, d, rec, q->name);
    if (err == TA_OK)
        err = pg__exec_row(p, q, &pp, &res);
    if (err == TA_E_NOT_FOUND)
        return TA_E_CONFLICT; /* ON CONFLICT DO NOTHING returned no id */
    if (err != TA_OK)
        return err;
    *id_out = pg__i64(res, 0, 0);
    PQclear(res);
    return TA_OK;
}
