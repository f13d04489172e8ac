/* domain/import.c — customer import: registration's checks (contacts, language, offered
 * accounts, uniqueness in the company) without a code or a session, the old hash kept as
 * it is. One transaction per batch keeps 100,000 rows in seconds on SQLite. */
#include "domain/import.h"
#include "crypto/passwd.h"
#include "domain/company.h"
#include "domain/contact.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/i18n.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct batch {
    struct import_row *rows;
    size_t n;
    struct import_seqs seqs; /* a copy: written back only when the batch commits */
    struct import_seqs start;
    struct company co; /* the last company read */
};

static ta_err reject(struct import_row *r, const char *why)
{
    r->result = IMPORT_REJECTED;
    r->why = why;
    return TA_OK;
}

/* Fills c from r with canonical contacts; NULL when fine, else why not. */
static const char *fill(struct dctx *ctx, const struct import_row *r, struct customer *c)
{
    char email[CONTACT_MAX], area[8];
    if (!contact_customer_no(r->customer_no))
        return "customerNo: 1 to 32 letters or digits";
    if (r->email == NULL && r->phone == NULL)
        return "no contact: email or phone is needed";
    if (r->email != NULL && !contact_email(r->email, email))
        return "email: not an address";
    if (r->phone != NULL && !contact_phone(r->phone))
        return "phone: 5 to 15 digits";
    if (r->phone != NULL && !contact_area(r->phone_area != NULL ? r->phone_area : "+86", area))
        return "phoneArea: 1 to 4 digits";
    if (r->country == NULL || r->country[0] == '\0' || strlen(r->country) > 64)
        return "country: required, up to 64 bytes";
    if (r->lang != NULL && !i18n_lang_supported(r->lang))
        return "lang: not a supported language";
    if (r->pw_hash != NULL && passwd_kind(r->pw_hash) == PASSWD_UNKNOWN)
        return "passwordHash: not argon2id, bcrypt ($2b$), scrypt ($7$) or MD5-crypt ($1$)";
    memset(c, 0, sizeof *c);
    c->company_id = ctx->co->id;
    c->group_id = company_default_group(ctx->co);
    c->customer_no = (char *)r->customer_no;
    c->email = r->email != NULL ? arena_strdup(ctx->a, email) : NULL;
    c->phone_area = r->phone != NULL ? arena_strdup(ctx->a, area) : NULL;
    c->phone = (char *)r->phone;
    c->pw_hash = (char *)r->pw_hash;
    c->country = (char *)r->country;
    c->lang = (char *)i18n_lang(r->lang);
    c->register_source = 3; /* "System" */
    c->kyc_audit_status = ctx->co->kyc_on ? 0 : 2;
    c->status = r->status;
    c->created_ms = r->created_ms > 0 ? r->created_ms : ctx->now_ms;
    return NULL;
}

/* Another customer of the company holding the email or phone: why, else NULL. */
static const char *taken(struct dctx *ctx, const struct customer *c, ta_err *err)
{
    struct customer other;
    *err = TA_OK;
    if (c->email != NULL) {
        ta_err e = STORE(ctx->st, customer_by_email, c->company_id, c->email, ctx->a, &other);
        if (e == TA_OK)
            return arena_printf(ctx->a, "email already registered (customerNo %s)",
                                other.customer_no);
        if (e != TA_E_NOT_FOUND)
            *err = e;
    }
    if (c->phone != NULL && *err == TA_OK) {
        ta_err e = STORE(ctx->st, customer_by_phone, c->company_id, c->phone_area, c->phone, ctx->a,
                         &other);
        if (e == TA_OK || e == TA_E_CONFLICT)
            return "phone already registered in this company";
        if (e != TA_E_NOT_FOUND)
            *err = e;
    }
    return NULL;
}

/* customerNo = the company's prefix + digits: moves its sequence past that number. */
static ta_err bump_sequence(struct dctx *ctx, struct import_seqs *s, const char *no)
{
    size_t plen = strlen(ctx->co->no_prefix);
    if (strncmp(no, ctx->co->no_prefix, plen) != 0 || no[plen] == '\0' ||
        strspn(no + plen, "0123456789") != strlen(no + plen) || strlen(no + plen) > 15)
        return TA_OK;
    int64_t seq = strtoll(no + plen, NULL, 10);
    size_t i = 0;
    while (i < s->n && s->at[i].company_id != ctx->co->id)
        i++;
    if (i == s->n) {
        if (s->n == sizeof s->at / sizeof s->at[0])
            return TA_FAIL(TA_E_INTERNAL);
        s->at[s->n].company_id = ctx->co->id;
        s->at[s->n++].next = 0;
    }
    if (seq > s->at[i].next) { /* rows usually come in order: one small update each */
        ta_err e = STORE(ctx->st, company_raise_no, ctx->co->id, seq);
        if (e != TA_OK)
            return e;
        s->at[i].next = seq;
    }
    return TA_OK;
}

static ta_err one(struct dctx *ctx, struct batch *b, struct import_row *r)
{
    r->result = IMPORT_NEW;
    r->why = NULL;
    if (b->co.id != r->company_id) {
        ta_err e = STORE(ctx->st, company_get, r->company_id, &b->co);
        if (e == TA_E_NOT_FOUND)
            return reject(r, "companyId: no such company");
        if (e != TA_OK)
            return e;
    }
    ctx->co = &b->co;
    struct customer c, existing;
    const char *why = fill(ctx, r, &c);
    if (why != NULL)
        return reject(r, why);
    ta_err e = STORE(ctx->st, customer_by_no, c.company_id, c.customer_no, ctx->a, &existing);
    if (e == TA_OK) {
        r->result = IMPORT_EXISTED;
        return TA_OK;
    }
    if (e != TA_E_NOT_FOUND)
        return e;
    if ((why = taken(ctx, &c, &e)) != NULL || e != TA_OK)
        return e != TA_OK ? e : reject(r, why);
    e = customer_pairs_check(ctx, &b->co, r->pairs, r->n_pairs);
    if (e == TA_E_NOT_OFFERED)
        return reject(r, arena_printf(ctx->a, "accounts: %s not offered", ctx->detail));
    if (e == TA_OK)
        e = bump_sequence(ctx, &b->seqs, c.customer_no);
    if (e == TA_OK)
        e = STORE(ctx->st, customer_insert, &c, &c.id);
    if (e == TA_OK)
        e = customer_open_accounts(ctx, &b->co, &c, r->pairs, r->n_pairs);
    return e;
}

static ta_err batch_body(struct dctx *ctx, void *arg)
{
    struct batch *b = arg;
    b->seqs = b->start; /* a retried attempt starts over */
    for (size_t i = 0; i < b->n; i++) {
        ta_err e = one(ctx, b, &b->rows[i]);
        if (e != TA_OK)
            return e;
    }
    return TA_OK;
}

ta_err import_batch(struct store *st, struct arena *a, struct import_row *rows, size_t n,
                    int64_t now_ms, struct import_seqs *seqs)
{
    struct batch *b = arena_alloc(a, sizeof *b);
    if (b == NULL)
        return TA_E_TOO_LARGE;
    memset(b, 0, sizeof *b);
    b->rows = rows;
    b->n = n;
    b->start = *seqs;
    struct dctx ctx = {.st = st, .a = a, .now_ms = now_ms};
    ta_err e = dctx_tx(&ctx, batch_body, b);
    if (e == TA_OK)
        *seqs = b->seqs;
    return e;
}
