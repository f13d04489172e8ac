/* store/events.c — THE list of writes that change what a token read answers, as a wrapper
 * around each backend's method table. Wrapping the store (not the use cases) means a new
 * flow that ends a session or edits a customer cannot forget to invalidate: it has to go
 * through one of these methods. A new store method of that kind must be added below.
 *
 * Which flows reach which method (contract sections in brackets):
 *   session_end            logout [C5], switchAccount and randomKey exchanges [C8, C9],
 *                          refresh-token theft [C6], single-session kick by id
 *   session_end_customer   logout allDevices [C5], password bind/update/forget [C13],
 *                          customer disable (CLI), single-session policy at login [B4]
 *   session_rotate         refresh rotation [C6] (the old token keeps its 30 s grace:
 *                          the next read takes it from the database again)
 *   customer_set_password  password bind/update/forget, rehash at login
 *   customer_set_status    disable / enable (CLI)
 *   customer_set_kyc       KYC review (CLI)
 *   customer_set_mfa       MFA on/off [C14]
 *   customer_set_lang      changeLang
 *   customer_set_relation  twin pairing (openAccount of the twin, migrations)
 *   account_insert         openAccount, registration of the twin
 *   account_set_amounts    resetAccount balances
 *   customer_pair_missing  twin pairing of existing customers (CLI): everything is forgotten
 *   company_insert/update  company settings (CLI): everything is forgotten
 *   customer_set_email/phone/country  contact and country changes [C22]
 *   security_put           fund password, hold, deletion request, anti-phishing [C23, C24]
 *   customer_erase_due     erasure after the deletion grace period: everything is forgotten
 * Not invalidating: security_get, session_list, audit_page, device_seen, company_raise_no
 * (customer import's sequence move), outbox_reclaim (delivery) (reads, or a row
 * no token read looks at).
 * Not in the list: company_key_get/set and signature_remember (encrypted bodies, C19) decide
 * how a body is read, never what a token read answers.
 * Idle and absolute expiry need no event: every cache checks them on each read.
 * Session touches need none either: they only make a session live longer. */
#include "store/events.h"
#include "store/store.h"
#include "util/log.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* Every store method is either in the list above or known not to change a token read's
 * answer. A new method stops the build here until someone decides which (and, if it
 * invalidates, wraps it in build_tables below); then update the count. */
#define COUNT_METHOD(ret, name, args) +1
enum { STORE_METHOD_COUNT = 0 STORE_METHODS(COUNT_METHOD) };
#undef COUNT_METHOD
_Static_assert(STORE_METHOD_COUNT == 72, "a store method was added or removed: classify it in "
                                         "store/events.c (does it change what a token read "
                                         "answers?) and update this count");

static store_event_sink sink;
static uint64_t origin;

extern const struct store_ops store_sqlite_ops;
#ifdef TA_WITH_PG
extern const struct store_ops store_pg_ops;
#endif

struct wrapped {
    const struct store_ops *inner;
    const struct store_event_backend *events;
    struct store_ops ops;
};

static struct wrapped tables[] = {
    {&store_sqlite_ops, &store_sqlite_events, {0}},
#ifdef TA_WITH_PG
    {&store_pg_ops, &store_pg_events, {0}},
#endif
};
#define N_TABLES (sizeof tables / sizeof tables[0])

/* Events of the open transaction of this thread, applied at its commit. */
#define PENDING_MAX 16
struct pending {
    struct store *tx; /* the store whose transaction is open, NULL outside one */
    int n;
    bool overflow;
    struct store_event ev[PENDING_MAX];
};
static _Thread_local struct pending pend;

void store_events_set_sink(store_event_sink s)
{
    sink = s;
}

static pthread_once_t origin_once = PTHREAD_ONCE_INIT;

static void make_origin(void)
{
    if (sodium_init() < 0)
        abort();
    do
        randombytes_buf(&origin, sizeof origin);
    while (origin == 0);
    origin &= 0x7fffffffffffffffULL; /* fits a signed 64-bit column */
}

uint64_t store_events_origin(void)
{
    pthread_once(&origin_once, make_origin);
    return origin;
}

static const struct wrapped *wrapped_of(const struct store *st)
{
    for (size_t i = 0; i < N_TABLES; i++)
        if (st->ops == &tables[i].ops || st->ops == tables[i].inner)
            return &tables[i];
    return NULL;
}

#define INNER(st) (wrapped_of(st)->inner)

static void deliver(const struct store_event *ev)
{
    if (sink != NULL)
        sink(ev);
}

ta_err store_event_raise(struct store *st, const struct store_event *ev)
{
    const struct wrapped *w = wrapped_of(st);
    ta_err err = w != NULL ? w->events->publish(st, store_events_origin(), ev) : TA_OK;
    if (err != TA_OK)
        log_error(NULL, "cache event %d:%lld not published: other instances may serve it stale",
                  ev->scope, (long long)ev->ref);
    if (pend.tx == st) {
        if (pend.n < PENDING_MAX)
            pend.ev[pend.n++] = *ev;
        else
            pend.overflow = true;
    } else {
        deliver(ev);
    }
    return err;
}

static void raise_after(struct store *st, ta_err result, int scope, int64_t ref)
{
    if (result != TA_OK)
        return;
    struct store_event ev = {scope, ref};
    (void)store_event_raise(st, &ev);
}

/* ---- transactions: events wait for the commit ---- */

static ta_err w_begin(struct store *st)
{
    ta_err err = INNER(st)->begin(st);
    if (err == TA_OK)
        pend = (struct pending){.tx = st};
    return err;
}

static ta_err w_commit(struct store *st)
{
    ta_err err = INNER(st)->commit(st);
    if (err != TA_OK || pend.tx != st)
        return err;
    struct pending done = pend;
    pend = (struct pending){0};
    if (done.overflow) {
        deliver(&(struct store_event){EVENT_ALL, 0});
        return err;
    }
    for (int i = 0; i < done.n; i++)
        deliver(&done.ev[i]);
    return err;
}

static void w_rollback(struct store *st)
{
    INNER(st)->rollback(st);
    if (pend.tx == st)
        pend = (struct pending){0};
}

/* ---- the invalidating methods ---- */

static ta_err w_session_end(struct store *st, int64_t id, int64_t now_ms, int reason)
{
    ta_err e = INNER(st)->session_end(st, id, now_ms, reason);
    raise_after(st, e, EVENT_SESSION, id);
    return e;
}

static ta_err w_session_end_customer(struct store *st, int64_t customer_id, int64_t except_id,
                                     int device_class, int64_t now_ms, int reason, size_t *n_out)
{
    ta_err e = INNER(st)->session_end_customer(st, customer_id, except_id, device_class, now_ms,
                                               reason, n_out);
    raise_after(st, e, EVENT_CUSTOMER, customer_id);
    return e;
}

static ta_err w_session_rotate(struct store *st, int64_t id, const unsigned char *old_refresh_hash,
                               const struct session *next, int64_t now_ms)
{
    ta_err e = INNER(st)->session_rotate(st, id, old_refresh_hash, next, now_ms);
    raise_after(st, e, EVENT_SESSION, id);
    return e;
}

static ta_err w_customer_set_password(struct store *st, int64_t id, const char *pw_hash)
{
    ta_err e = INNER(st)->customer_set_password(st, id, pw_hash);
    raise_after(st, e, EVENT_CUSTOMER, id);
    return e;
}

static ta_err w_customer_set_lang(struct store *st, int64_t id, const char *lang)
{
    ta_err e = INNER(st)->customer_set_lang(st, id, lang);
    raise_after(st, e, EVENT_CUSTOMER, id);
    return e;
}

static ta_err w_customer_set_status(struct store *st, int64_t id, int status)
{
    ta_err e = INNER(st)->customer_set_status(st, id, status);
    raise_after(st, e, EVENT_CUSTOMER, id);
    return e;
}

static ta_err w_customer_set_kyc(struct store *st, int64_t id, int audit_status, const char *remark)
{
    ta_err e = INNER(st)->customer_set_kyc(st, id, audit_status, remark);
    raise_after(st, e, EVENT_CUSTOMER, id);
    return e;
}

static ta_err w_customer_set_relation(struct store *st, int64_t id, int64_t relation_id)
{
    ta_err e = INNER(st)->customer_set_relation(st, id, relation_id);
    raise_after(st, e, EVENT_CUSTOMER, id);
    return e;
}

static ta_err w_customer_set_mfa(struct store *st, int64_t id, const char *secret, int64_t mfa_id)
{
    ta_err e = INNER(st)->customer_set_mfa(st, id, secret, mfa_id);
    raise_after(st, e, EVENT_CUSTOMER, id);
    return e;
}

static ta_err w_account_insert(struct store *st, const struct account *acc, int64_t *id_out)
{
    ta_err e = INNER(st)->account_insert(st, acc, id_out);
    raise_after(st, e, EVENT_CUSTOMER, acc->customer_id);
    return e;
}

static ta_err w_account_set_amounts(struct store *st, const struct account *acc)
{
    ta_err e = INNER(st)->account_set_amounts(st, acc);
    raise_after(st, e, EVENT_CUSTOMER, acc->customer_id);
    return e;
}

static ta_err w_company_insert(struct store *st, const struct company *co, int64_t *id_out)
{
    ta_err e = INNER(st)->company_insert(st, co, id_out);
    raise_after(st, e, EVENT_ALL, 0);
    return e;
}

static ta_err w_company_update(struct store *st, const struct company *co)
{
    ta_err e = INNER(st)->company_update(st, co);
    raise_after(st, e, EVENT_ALL, 0);
    return e;
}

static ta_err w_customer_pair_missing(struct store *st, int64_t *paired_out)
{
    ta_err e = INNER(st)->customer_pair_missing(st, paired_out);
    raise_after(st, e, EVENT_ALL, 0);
    return e;
}

static ta_err w_customer_set_email(struct store *st, int64_t id, const char *email)
{
    ta_err e = INNER(st)->customer_set_email(st, id, email);
    raise_after(st, e, EVENT_CUSTOMER, id);
    return e;
}

static ta_err w_customer_set_phone(struct store *st, int64_t id, const char *area,
                                   const char *phone)
{
    ta_err e = INNER(st)->customer_set_phone(st, id, area, phone);
    raise_after(st, e, EVENT_CUSTOMER, id);
    return e;
}

static ta_err w_customer_set_country(struct store *st, int64_t id, const char *country)
{
    ta_err e = INNER(st)->customer_set_country(st, id, country);
    raise_after(st, e, EVENT_CUSTOMER, id);
    return e;
}

static ta_err w_security_put(struct store *st, const struct customer_security *s)
{
    ta_err e = INNER(st)->security_put(st, s);
    raise_after(st, e, EVENT_CUSTOMER, s->customer_id);
    return e;
}

static ta_err w_customer_erase_due(struct store *st, int64_t before_ms, int64_t now_ms,
                                   int64_t *n_out)
{
    int64_t n = 0;
    ta_err e = INNER(st)->customer_erase_due(st, before_ms, now_ms, &n);
    if (e == TA_OK && n > 0)
        raise_after(st, e, EVENT_ALL, 0);
    if (e == TA_OK)
        *n_out = n;
    return e;
}

static void build_tables(void)
{
    for (size_t i = 0; i < N_TABLES; i++) {
        struct store_ops *o = &tables[i].ops;
        *o = *tables[i].inner;
        o->begin = w_begin;
        o->commit = w_commit;
        o->rollback = w_rollback;
        o->session_end = w_session_end;
        o->session_end_customer = w_session_end_customer;
        o->session_rotate = w_session_rotate;
        o->customer_set_password = w_customer_set_password;
        o->customer_set_lang = w_customer_set_lang;
        o->customer_set_status = w_customer_set_status;
        o->customer_set_kyc = w_customer_set_kyc;
        o->customer_set_relation = w_customer_set_relation;
        o->customer_set_mfa = w_customer_set_mfa;
        o->account_insert = w_account_insert;
        o->account_set_amounts = w_account_set_amounts;
        o->customer_pair_missing = w_customer_pair_missing;
        o->company_insert = w_company_insert;
        o->company_update = w_company_update;
        o->customer_set_email = w_customer_set_email;
        o->customer_set_phone = w_customer_set_phone;
        o->customer_set_country = w_customer_set_country;
        o->security_put = w_security_put;
        o->customer_erase_due = w_customer_erase_due;
    }
}

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

void store_events_wrap(struct store *st)
{
    pthread_once(&tables_once, build_tables);
    for (size_t i = 0; i < N_TABLES; i++)
        if (st->ops == tables[i].inner)
            st->ops = &tables[i].ops;
}

/* ---- watchers ---- */

struct store_watch *store_watch_open(const char *url)
{
    for (size_t i = 0; i < N_TABLES; i++) {
        const char *scheme = tables[i].inner->scheme;
        if (strncmp(url, scheme, strlen(scheme)) == 0)
            return tables[i].events->watch_open(url, store_events_origin());
    }
    return NULL;
}

bool store_watch_poll(struct store_watch *w, int timeout_ms, store_event_sink s)
{
    return w->b->watch_poll(w, timeout_ms, s);
}

void store_watch_close(struct store_watch *w)
{
    if (w != NULL)
        w->b->watch_close(w);
}
