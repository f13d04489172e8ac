/* tests/store/test_contract.c — the store conformance suite: every store_ops method, with
 * exact values, against whichever backend the fixture URL names (built once per backend).
 * Written against store.h only, and safe on a reused database: ids come from the backend,
 * keys, hashes and emails are unique per run, global counts are compared as differences. */
/* cmocka.h needs these four before it, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../support/store_fixture.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/clock.h"

#define T0 INT64_C(1700000000000) /* a fixed "now": backends never read a clock */
#define SENTINEL 0x5a

struct fx {
    const char *url;
    struct store *st;
    struct arena *a;
};

/* ------------------------------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------------------------- */

static uint64_t run_id; /* differs between runs sharing a database */
static uint64_t seq;

static uint64_t next_unique(void)
{
    return ++seq;
}

/* A string unique across runs: prefix + run + sequence. Lives in the test's arena. */
static char *uniq(struct fx *f, const char *prefix)
{
    char *s = arena_printf(f->a, "%s%llu-%llu", prefix, (unsigned long long)run_id,
                           (unsigned long long)next_unique());
    assert_non_null(s);
    return s;
}

/* A hash no other test or run uses (splitmix64 over the run id and a sequence). */
static void make_hash(unsigned char h[TA_HASH_BYTES])
{
    uint64_t x = run_id * UINT64_C(0x9e3779b97f4a7c15) + next_unique();
    for (size_t i = 0; i < TA_HASH_BYTES; i += 8) {
        uint64_t z = (x += UINT64_C(0x9e3779b97f4a7c15));
        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        z ^= z >> 31;
        memcpy(h + i, &z, 8);
    }
}

static void set_sentinel(void *p, size_t n)
{
    memset(p, SENTINEL, n);
}

/* Out-parameters are written only on TA_OK: on any other answer every byte must still be
 * the sentinel. */
static void assert_untouched(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(b[i], SENTINEL);
}

static void copy_text(char *dst, size_t cap, const char *src)
{
    int n = snprintf(dst, cap, "%s", src);
    assert_true(n >= 0 && (size_t)n < cap);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->url = fixture_store_url();
    assert_int_equal(store_open(f->url, &f->st), TA_OK);
    assert_int_equal(store_migrate(f->st), TA_OK);
    f->a = arena_new(8u << 20);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->st);
    arena_free(f->a);
    free(f);
    return 0;
}

static struct company company_template(struct fx *f)
{
    struct company co;
    memset(&co, 0, sizeof co);
    copy_text(co.name, sizeof co.name, uniq(f, "co-"));
    co.type = COMPANY_REAL;
    copy_text(co.no_prefix, sizeof co.no_prefix, "8");
    co.n_assets = 1;
    copy_text(co.assets[0].currency, TA_CURRENCY_MAX, "USDT");
    co.assets[0].assets_id = 1;
    co.assets[0].digits = 4;
    co.n_groups = 1;
    co.groups[0].id = 1;
    co.groups[0].is_default = true;
    return co;
}

static int64_t new_company(struct fx *f)
{
    struct company co = company_template(f);
    int64_t id = 0;
    assert_int_equal(STORE(f->st, company_insert, &co, &id), TA_OK);
    assert_true(id > 0);
    return id;
}

/* A minimal customer; strings borrowed from the caller. */
static struct customer customer_template(int64_t company_id, char *email, char *area, char *phone,
                                         char *no)
{
    struct customer c;
    memset(&c, 0, sizeof c);
    c.company_id = company_id;
    c.group_id = 1;
    c.customer_no = no;
    c.email = email;
    c.phone_area = area;
    c.phone = phone;
    c.status = CUSTOMER_NORMAL;
    c.mfa_id = -1;
    c.created_ms = T0;
    return c;
}

static int64_t new_customer(struct fx *f, int64_t company_id, char *email, char *area, char *phone)
{
    struct customer c = customer_template(company_id, email, area, phone, uniq(f, "n"));
    int64_t id = 0;
    assert_int_equal(STORE(f->st, customer_insert, &c, &id), TA_OK);
    assert_true(id > 0);
    return id;
}

static void assert_str_or_null(const char *want, const char *got)
{
    if (want == NULL)
        assert_null(got);
    else
        assert_string_equal(want, got);
}

/* ------------------------------------------------------------------------------------------
 * Open, migrate, ping, meta
 * ---------------------------------------------------------------------------------------- */

static void open__unknown_scheme__not_found(void **state)
{
    (void)state;
    struct store *st;
    set_sentinel(&st, sizeof st);
    assert_int_equal(store_open("nosuch:whatever", &st), TA_E_NOT_FOUND);
    assert_untouched(&st, sizeof st);
    store_close(NULL); /* a no-op */
}

static void migrate__twice_and_from_a_second_store__keeps_data(void **state)
{
    struct fx *f = *state;
    char *key = uniq(f, "meta-");
    assert_int_equal(STORE(f->st, meta_put_new, key, "v1"), TA_OK);
    assert_int_equal(store_migrate(f->st), TA_OK);

    struct store *st2 = NULL;
    assert_int_equal(store_open(f->url, &st2), TA_OK);
    assert_int_equal(store_migrate(st2), TA_OK);
    char *v = NULL;
    assert_int_equal(STORE(st2, meta_get, key, f->a, &v), TA_OK);
    assert_string_equal(v, "v1");
    store_close(st2);
    assert_int_equal(store_ping(f->st), TA_OK);
}

static void meta__put_new_then_get__conflict_keeps_first(void **state)
{
    struct fx *f = *state;
    char *key = uniq(f, "meta-");
    char *v;

    set_sentinel(&v, sizeof v);
    assert_int_equal(STORE(f->st, meta_get, key, f->a, &v), TA_E_NOT_FOUND);
    assert_untouched(&v, sizeof v);
    assert_int_equal(STORE(f->st, meta_put_new, key, "first"), TA_OK);
    assert_int_equal(STORE(f->st, meta_put_new, key, "second"), TA_E_CONFLICT);
    assert_int_equal(STORE(f->st, meta_get, key, f->a, &v), TA_OK);
    assert_string_equal(v, "first");
}

/* ------------------------------------------------------------------------------------------
 * Companies
 * ---------------------------------------------------------------------------------------- */

static void assert_company_eq(const struct company *w, const struct company *g)
{
    assert_int_equal(w->id, g->id);
    assert_string_equal(w->name, g->name);
    assert_int_equal(w->type, g->type);
    assert_int_equal(w->twin_id, g->twin_id);
    assert_int_equal(w->kyc_on, g->kyc_on);
    assert_int_equal(w->manual_review, g->manual_review);
    assert_string_equal(w->no_prefix, g->no_prefix);
    assert_int_equal(w->single_session, g->single_session);
    assert_int_equal(w->session_idle_ms, g->session_idle_ms);
    assert_int_equal(w->session_absolute_ms, g->session_absolute_ms);
    assert_int_equal(w->refresh_ms, g->refresh_ms);
    assert_int_equal(w->n_assets, g->n_assets);
    for (size_t i = 0; i < w->n_assets; i++) {
        assert_string_equal(w->assets[i].currency, g->assets[i].currency);
        assert_int_equal(w->assets[i].assets_id, g->assets[i].assets_id);
        assert_int_equal(w->assets[i].digits, g->assets[i].digits);
        assert_int_equal(w->assets[i].demo_balance, g->assets[i].demo_balance);
    }
    assert_int_equal(w->n_offers, g->n_offers);
    for (size_t i = 0; i < w->n_offers; i++) {
        assert_int_equal(w->offers[i].trade_type, g->offers[i].trade_type);
        assert_string_equal(w->offers[i].currency, g->offers[i].currency);
        assert_int_equal(w->offers[i].is_default, g->offers[i].is_default);
    }
    assert_int_equal(w->n_groups, g->n_groups);
    for (size_t i = 0; i < w->n_groups; i++) {
        assert_int_equal(w->groups[i].id, g->groups[i].id);
        assert_int_equal(w->groups[i].is_default, g->groups[i].is_default);
    }
}

static struct company company_full(struct fx *f)
{
    struct company co = company_template(f);
    co.type = COMPANY_DEMO;
    co.twin_id = 424242;
    co.kyc_on = true;
    co.manual_review = true;
    copy_text(co.no_prefix, sizeof co.no_prefix, "77");
    co.single_session = true;
    co.session_idle_ms = 86400000;
    co.session_absolute_ms = INT64_C(2592000000);
    co.refresh_ms = INT64_C(2592000001);
    /* Deliberately not in alphabetical or id order: the caller's order must survive. */
    const char *cur[] = {"USDT", "BTC", "ETH"};
    for (size_t i = 0; i < 3; i++) {
        copy_text(co.assets[i].currency, TA_CURRENCY_MAX, cur[i]);
        co.assets[i].assets_id = (int64_t)(30 - i);
        co.assets[i].digits = i == 1 ? 8 : 4;
        co.assets[i].demo_balance = i == 0 ? INT64_C(1000000000) : INT64_C(100000000);
    }
    co.n_assets = 3;
    const int tt[] = {5, 1, 5, 8};
    for (size_t i = 0; i < 4; i++) {
        co.offers[i].trade_type = tt[i];
        copy_text(co.offers[i].currency, TA_CURRENCY_MAX, cur[i % 3]);
        co.offers[i].is_default = i % 2 == 0;
    }
    co.n_offers = 4;
    co.groups[0].id = 9;
    co.groups[0].is_default = false;
    co.groups[1].id = 3;
    co.groups[1].is_default = true;
    co.n_groups = 2;
    return co;
}

static void company__insert_get__round_trips_children_in_order(void **state)
{
    struct fx *f = *state;
    struct company co = company_full(f);
    int64_t id = 0;

    assert_int_equal(STORE(f->st, company_insert, &co, &id), TA_OK);
    assert_true(id > 0);
    co.id = id;

    struct company *got = calloc(1, sizeof *got);
    assert_non_null(got);
    assert_int_equal(STORE(f->st, company_get, id, got), TA_OK);
    assert_company_eq(&co, got);

    /* A company with no children reads back with none. */
    struct company bare = company_template(f);
    bare.n_assets = 0;
    bare.n_groups = 0;
    assert_int_equal(STORE(f->st, company_insert, &bare, &bare.id), TA_OK);
    assert_int_equal(STORE(f->st, company_get, bare.id, got), TA_OK);
    assert_company_eq(&bare, got);
    free(got);
}

static void company__explicit_id__conflicts_when_taken(void **state)
{
    struct fx *f = *state;
    int64_t id = new_company(f);

    struct company co = company_template(f);
    co.id = id;
    int64_t out;
    set_sentinel(&out, sizeof out);
    assert_int_equal(STORE(f->st, company_insert, &co, &out), TA_E_CONFLICT);
    assert_untouched(&out, sizeof out);

    /* A free explicit id is kept (ids far above any sequence a backend hands out). */
    co.id = INT64_C(900000000000) + (int64_t)(run_id % 100000000) * 100 +
            (int64_t)(next_unique() % 100);
    assert_int_equal(STORE(f->st, company_insert, &co, &out), TA_OK);
    assert_int_equal(out, co.id);
    struct company got;
    assert_int_equal(STORE(f->st, company_get, co.id, &got), TA_OK);
    assert_company_eq(&co, &got);
}

static void company__get_unknown__not_found_untouched(void **state)
{
    struct fx *f = *state;
    struct company got;
    int64_t seq_no;

    set_sentinel(&got, sizeof got);
    assert_int_equal(STORE(f->st, company_get, INT64_C(8999999999999), &got), TA_E_NOT_FOUND);
    assert_untouched(&got, sizeof got);
    set_sentinel(&seq_no, sizeof seq_no);
    assert_int_equal(STORE(f->st, company_next_no, INT64_C(8999999999999), &seq_no),
                     TA_E_NOT_FOUND);
    assert_untouched(&seq_no, sizeof seq_no);
    struct company co = company_template(f);
    co.id = INT64_C(8999999999999);
    assert_int_equal(STORE(f->st, company_update, &co), TA_E_NOT_FOUND);
}

static void company__update__replaces_scalars_and_children(void **state)
{
    struct fx *f = *state;
    struct company co = company_full(f);
    assert_int_equal(STORE(f->st, company_insert, &co, &co.id), TA_OK);

    co.type = COMPANY_REAL;
    co.twin_id = 0;
    co.kyc_on = false;
    copy_text(co.name, sizeof co.name, uniq(f, "renamed-"));
    co.session_idle_ms = 5;
    co.n_assets = 1;
    copy_text(co.assets[0].currency, TA_CURRENCY_MAX, "BTC");
    co.assets[0].digits = 8;
    co.n_offers = 1;
    co.offers[0].trade_type = 9;
    copy_text(co.offers[0].currency, TA_CURRENCY_MAX, "BTC");
    co.n_groups = 3;
    co.groups[2].id = 11;
    co.groups[2].is_default = false;
    assert_int_equal(STORE(f->st, company_update, &co), TA_OK);

    struct company got;
    assert_int_equal(STORE(f->st, company_get, co.id, &got), TA_OK);
    assert_company_eq(&co, &got);
}

static void company__next_no__counts_from_one_per_company(void **state)
{
    struct fx *f = *state;
    int64_t a = new_company(f), b = new_company(f);
    int64_t n = 0;

    assert_int_equal(STORE(f->st, company_next_no, a, &n), TA_OK);
    assert_int_equal(n, 1);
    assert_int_equal(STORE(f->st, company_next_no, a, &n), TA_OK);
    assert_int_equal(n, 2);
    assert_int_equal(STORE(f->st, company_next_no, b, &n), TA_OK);
    assert_int_equal(n, 1);

    /* An update rewrites the company but not its sequence. */
    struct company co;
    assert_int_equal(STORE(f->st, company_get, a, &co), TA_OK);
    assert_int_equal(STORE(f->st, company_update, &co), TA_OK);
    assert_int_equal(STORE(f->st, company_next_no, a, &n), TA_OK);
    assert_int_equal(n, 3);
}

static void company__list__ordered_by_id_with_children(void **state)
{
    struct fx *f = *state;
    struct company want[3];
    for (size_t i = 0; i < 3; i++) {
        want[i] = company_full(f);
        assert_int_equal(STORE(f->st, company_insert, &want[i], &want[i].id), TA_OK);
    }

    struct company *list;
    size_t n = 0;
    assert_int_equal(STORE(f->st, company_list, f->a, &list, &n), TA_OK);
    assert_true(n >= 3);
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            assert_true(list[i - 1].id < list[i].id);
        for (size_t k = 0; k < 3; k++) {
            if (list[i].id == want[k].id) {
                assert_company_eq(&want[k], &list[i]);
                found++;
            }
        }
    }
    assert_int_equal(found, 3);
}

/* ------------------------------------------------------------------------------------------
 * Customers
 * ---------------------------------------------------------------------------------------- */

static void assert_customer_eq(const struct customer *w, const struct customer *g)
{
    assert_int_equal(w->id, g->id);
    assert_int_equal(w->company_id, g->company_id);
    assert_int_equal(w->group_id, g->group_id);
    assert_str_or_null(w->customer_no, g->customer_no);
    assert_str_or_null(w->email, g->email);
    assert_str_or_null(w->phone_area, g->phone_area);
    assert_str_or_null(w->phone, g->phone);
    assert_str_or_null(w->pw_hash, g->pw_hash);
    assert_str_or_null(w->country, g->country);
    assert_str_or_null(w->lang, g->lang);
    assert_int_equal(w->register_source, g->register_source);
    assert_str_or_null(w->register_device, g->register_device);
    assert_str_or_null(w->utm_source, g->utm_source);
    assert_str_or_null(w->utm_medium, g->utm_medium);
    assert_str_or_null(w->utm_campaign, g->utm_campaign);
    assert_str_or_null(w->utm_content, g->utm_content);
    assert_str_or_null(w->utm_term, g->utm_term);
    assert_str_or_null(w->third_server_code, g->third_server_code);
    assert_str_or_null(w->third_server_source, g->third_server_source);
    assert_int_equal(w->open_account_type, g->open_account_type);
    assert_int_equal(w->kyc_audit_status, g->kyc_audit_status);
    assert_str_or_null(w->kyc_audit_remark, g->kyc_audit_remark);
    assert_int_equal(w->type, g->type);
    assert_int_equal(w->status, g->status);
    assert_str_or_null(w->mfa_secret, g->mfa_secret);
    assert_int_equal(w->mfa_id, g->mfa_id);
    assert_int_equal(w->mfa_last_step, g->mfa_last_step);
    assert_int_equal(w->relation_customer_id, g->relation_customer_id);
    assert_int_equal(w->created_ms, g->created_ms);
}

static void customer__insert_get__round_trips_every_field(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    char *email = arena_printf(f->a, "%s@example.test", uniq(f, "full"));
    struct customer c = customer_template(co, email, "+86", uniq(f, "138"), uniq(f, "no"));
    c.group_id = 3;
    c.pw_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
    c.country = "CN";
    c.lang = "zh-CN";
    c.register_source = 4;
    c.register_device = "iPhone";
    c.utm_source = "s";
    c.utm_medium = "m";
    c.utm_campaign = "c";
    c.utm_content = "ct";
    c.utm_term = "t";
    c.third_server_code = "tsc";
    c.third_server_source = "tss";
    c.open_account_type = 1;
    c.kyc_audit_status = 2;
    c.kyc_audit_remark = "ok";
    c.type = 1;
    c.status = CUSTOMER_PENDING;
    c.mfa_secret = "JBSWY3DPEHPK3PXP";
    c.mfa_id = 12;
    c.mfa_last_step = 55555;
    c.relation_customer_id = 99;
    c.created_ms = T0 + 123;

    int64_t id = 0;
    assert_int_equal(STORE(f->st, customer_insert, &c, &id), TA_OK);
    c.id = id;
    struct customer g;
    assert_int_equal(STORE(f->st, customer_get, id, f->a, &g), TA_OK);
    assert_customer_eq(&c, &g);

    /* Absent strings come back NULL, not "". */
    struct customer bare = customer_template(co, NULL, NULL, NULL, NULL);
    assert_int_equal(STORE(f->st, customer_insert, &bare, &bare.id), TA_OK);
    assert_int_equal(STORE(f->st, customer_get, bare.id, f->a, &g), TA_OK);
    assert_customer_eq(&bare, &g);

    set_sentinel(&g, sizeof g);
    assert_int_equal(STORE(f->st, customer_get, INT64_C(8999999999999), f->a, &g), TA_E_NOT_FOUND);
    assert_untouched(&g, sizeof g);
}

static void customer__email__stored_lowercase_unique_ignoring_case(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f), other = new_company(f);
    char *u = uniq(f, "");
    char *mixed = arena_printf(f->a, "Mixed.%s@Example.TEST", u);
    char *lower = arena_printf(f->a, "mixed.%s@example.test", u);
    char *upper = arena_printf(f->a, "MIXED.%s@EXAMPLE.TEST", u);

    int64_t id = new_customer(f, co, mixed, NULL, NULL);
    struct customer g;
    assert_int_equal(STORE(f->st, customer_get, id, f->a, &g), TA_OK);
    assert_string_equal(g.email, lower);
    assert_int_equal(STORE(f->st, customer_by_email, co, lower, f->a, &g), TA_OK);
    assert_int_equal(g.id, id);

    struct customer dup = customer_template(co, upper, NULL, NULL, uniq(f, "n"));
    int64_t out;
    set_sentinel(&out, sizeof out);
    assert_int_equal(STORE(f->st, customer_insert, &dup, &out), TA_E_CONFLICT);
    assert_untouched(&out, sizeof out);

    /* Unique per company only; lookups are scoped by company. */
    dup.company_id = other;
    assert_int_equal(STORE(f->st, customer_insert, &dup, &out), TA_OK);
    assert_int_equal(STORE(f->st, customer_by_email, other, lower, f->a, &g), TA_OK);
    assert_int_equal(g.id, out);
    assert_int_equal(g.company_id, other);

    set_sentinel(&g, sizeof g);
    assert_int_equal(STORE(f->st, customer_by_email, co, "nobody@example.test", f->a, &g),
                     TA_E_NOT_FOUND);
    assert_untouched(&g, sizeof g);
}

static void customer__phone__unique_per_area_lookup_any_area(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    char *shared = uniq(f, "5");
    char *single = uniq(f, "6");

    int64_t a86 = new_customer(f, co, NULL, "+86", shared);
    int64_t a852 = new_customer(f, co, NULL, "+852", shared);
    int64_t one = new_customer(f, co, NULL, "+1", single);

    struct customer dup = customer_template(co, NULL, "+86", shared, uniq(f, "n"));
    int64_t out;
    assert_int_equal(STORE(f->st, customer_insert, &dup, &out), TA_E_CONFLICT);

    struct customer g;
    assert_int_equal(STORE(f->st, customer_by_phone, co, "+86", shared, f->a, &g), TA_OK);
    assert_int_equal(g.id, a86);
    assert_string_equal(g.phone_area, "+86");
    assert_string_equal(g.phone, shared);
    assert_int_equal(STORE(f->st, customer_by_phone, co, "+852", shared, f->a, &g), TA_OK);
    assert_int_equal(g.id, a852);
    assert_int_equal(STORE(f->st, customer_by_phone, co, NULL, single, f->a, &g), TA_OK);
    assert_int_equal(g.id, one);

    set_sentinel(&g, sizeof g);
    assert_int_equal(STORE(f->st, customer_by_phone, co, NULL, shared, f->a, &g), TA_E_CONFLICT);
    assert_untouched(&g, sizeof g);
    assert_int_equal(STORE(f->st, customer_by_phone, co, "+44", shared, f->a, &g), TA_E_NOT_FOUND);
    assert_int_equal(STORE(f->st, customer_by_phone, co, NULL, "000", f->a, &g), TA_E_NOT_FOUND);
    assert_untouched(&g, sizeof g);
    assert_int_equal(STORE(f->st, customer_by_phone, new_company(f), "+86", shared, f->a, &g),
                     TA_E_NOT_FOUND);
}

static void customer__number__unique_per_company(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f), other = new_company(f);
    char *no = uniq(f, "");

    struct customer c = customer_template(co, NULL, NULL, NULL, no);
    int64_t id, out;
    assert_int_equal(STORE(f->st, customer_insert, &c, &id), TA_OK);
    assert_int_equal(STORE(f->st, customer_insert, &c, &out), TA_E_CONFLICT);
    c.company_id = other;
    assert_int_equal(STORE(f->st, customer_insert, &c, &out), TA_OK);

    struct customer g;
    assert_int_equal(STORE(f->st, customer_by_no, co, no, f->a, &g), TA_OK);
    assert_int_equal(g.id, id);
    assert_string_equal(g.customer_no, no);
    set_sentinel(&g, sizeof g);
    assert_int_equal(STORE(f->st, customer_by_no, co, "no-such-number", f->a, &g), TA_E_NOT_FOUND);
    assert_untouched(&g, sizeof g);
}

static void customer__list__pages_by_id_within_company(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f), other = new_company(f);
    int64_t ids[5];
    for (size_t i = 0; i < 5; i++) {
        ids[i] = new_customer(f, co, NULL, NULL, NULL);
        (void)new_customer(f, other, NULL, NULL, NULL);
    }

    struct customer *page;
    size_t n = 99;
    assert_int_equal(STORE(f->st, customer_list, co, 0, 2, f->a, &page, &n), TA_OK);
    assert_int_equal(n, 2);
    assert_int_equal(page[0].id, ids[0]);
    assert_int_equal(page[1].id, ids[1]);
    assert_int_equal(page[0].company_id, co);
    assert_int_equal(STORE(f->st, customer_list, co, ids[1], 10, f->a, &page, &n), TA_OK);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(page[i].id, ids[i + 2]);
    assert_int_equal(STORE(f->st, customer_list, co, ids[4], 10, f->a, &page, &n), TA_OK);
    assert_int_equal(n, 0);
}

static void customer__setters__write_fields_unknown_not_found(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    int64_t id = new_customer(f, co, NULL, NULL, NULL);
    const int64_t nobody = INT64_C(8999999999999);
    struct customer g;

    assert_int_equal(STORE(f->st, customer_set_password, id, "$argon2id$new"), TA_OK);
    assert_int_equal(STORE(f->st, customer_set_lang, id, "zh-HK"), TA_OK);
    assert_int_equal(STORE(f->st, customer_set_status, id, CUSTOMER_DISABLED), TA_OK);
    assert_int_equal(STORE(f->st, customer_set_kyc, id, 3, "blurry"), TA_OK);
    assert_int_equal(STORE(f->st, customer_set_relation, id, 4242), TA_OK);
    assert_int_equal(STORE(f->st, customer_get, id, f->a, &g), TA_OK);
    assert_string_equal(g.pw_hash, "$argon2id$new");
    assert_string_equal(g.lang, "zh-HK");
    assert_int_equal(g.status, CUSTOMER_DISABLED);
    assert_int_equal(g.kyc_audit_status, 3);
    assert_string_equal(g.kyc_audit_remark, "blurry");
    assert_int_equal(g.relation_customer_id, 4242);

    /* NULL clears. */
    assert_int_equal(STORE(f->st, customer_set_password, id, NULL), TA_OK);
    assert_int_equal(STORE(f->st, customer_set_kyc, id, 1, NULL), TA_OK);
    assert_int_equal(STORE(f->st, customer_get, id, f->a, &g), TA_OK);
    assert_null(g.pw_hash);
    assert_null(g.kyc_audit_remark);
    assert_int_equal(g.kyc_audit_status, 1);

    assert_int_equal(STORE(f->st, customer_set_password, nobody, "x"), TA_E_NOT_FOUND);
    assert_int_equal(STORE(f->st, customer_set_lang, nobody, "en-US"), TA_E_NOT_FOUND);
    assert_int_equal(STORE(f->st, customer_set_status, nobody, 1), TA_E_NOT_FOUND);
    assert_int_equal(STORE(f->st, customer_set_kyc, nobody, 1, NULL), TA_E_NOT_FOUND);
    assert_int_equal(STORE(f->st, customer_set_relation, nobody, 1), TA_E_NOT_FOUND);
    assert_int_equal(STORE(f->st, customer_set_mfa, nobody, NULL, -1), TA_E_NOT_FOUND);
}

static void customer__mfa_advance__rejects_replayed_and_older_steps(void **state)
{
    struct fx *f = *state;
    int64_t id = new_customer(f, new_company(f), NULL, NULL, NULL);
    struct customer g;

    assert_int_equal(STORE(f->st, customer_set_mfa, id, "JBSWY3DPEHPK3PXP", 77), TA_OK);
    assert_int_equal(STORE(f->st, customer_mfa_advance, id, 1000), TA_OK);
    assert_int_equal(STORE(f->st, customer_mfa_advance, id, 1000), TA_E_CONFLICT);
    assert_int_equal(STORE(f->st, customer_mfa_advance, id, 999), TA_E_CONFLICT);
    assert_int_equal(STORE(f->st, customer_mfa_advance, id, 1001), TA_OK);
    assert_int_equal(STORE(f->st, customer_get, id, f->a, &g), TA_OK);
    assert_int_equal(g.mfa_last_step, 1001);
    assert_string_equal(g.mfa_secret, "JBSWY3DPEHPK3PXP");
    assert_int_equal(g.mfa_id, 77);

    /* Turning MFA off (or rebinding) resets the step, so an old step is accepted again. */
    assert_int_equal(STORE(f->st, customer_set_mfa, id, NULL, -1), TA_OK);
    assert_int_equal(STORE(f->st, customer_get, id, f->a, &g), TA_OK);
    assert_null(g.mfa_secret);
    assert_int_equal(g.mfa_id, -1);
    assert_int_equal(g.mfa_last_step, 0);
    assert_int_equal(STORE(f->st, customer_mfa_advance, id, 5), TA_OK);
}

/* ------------------------------------------------------------------------------------------
 * Accounts
 * ---------------------------------------------------------------------------------------- */

static struct account account_template(int64_t customer_id, int64_t company_id, int trade_type,
                                       const char *currency)
{
    struct account acc;
    memset(&acc, 0, sizeof acc);
    acc.customer_id = customer_id;
    acc.company_id = company_id;
    acc.trade_type = trade_type;
    copy_text(acc.currency, sizeof acc.currency, currency);
    acc.assets_id = 5;
    acc.digits = 4;
    acc.created_ms = T0;
    acc.activated_ms = T0 + 1;
    return acc;
}

static void assert_account_eq(const struct account *w, const struct account *g)
{
    assert_int_equal(w->id, g->id);
    assert_int_equal(w->customer_id, g->customer_id);
    assert_int_equal(w->company_id, g->company_id);
    assert_int_equal(w->trade_type, g->trade_type);
    assert_string_equal(w->currency, g->currency);
    assert_int_equal(w->assets_id, g->assets_id);
    assert_int_equal(w->digits, g->digits);
    assert_int_equal(w->balance, g->balance);
    assert_int_equal(w->frozen, g->frozen);
    assert_int_equal(w->liabilities, g->liabilities);
    assert_int_equal(w->interest, g->interest);
    assert_int_equal(w->not_withdraw, g->not_withdraw);
    assert_int_equal(w->first_deposit_ms, g->first_deposit_ms);
    assert_int_equal(w->first_withdraw_ms, g->first_withdraw_ms);
    assert_int_equal(w->created_ms, g->created_ms);
    assert_int_equal(w->activated_ms, g->activated_ms);
}

static void account__insert_list_set_amounts(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    int64_t cu = new_customer(f, co, NULL, NULL, NULL);
    int64_t other = new_customer(f, co, NULL, NULL, NULL);

    struct account a1 = account_template(cu, co, 5, "USDT");
    a1.balance = INT64_C(29043184696);
    a1.frozen = 1;
    a1.liabilities = 2;
    a1.interest = 3;
    a1.not_withdraw = 4;
    a1.first_deposit_ms = T0 + 5;
    struct account a2 = account_template(cu, co, 5, "BTC");
    a2.digits = 8;
    a2.balance = INT64_MAX; /* the whole signed 64-bit range of minor units */
    struct account a3 = account_template(cu, co, 1, "USDT");
    a3.balance = INT64_MIN + 1;
    assert_int_equal(STORE(f->st, account_insert, &a1, &a1.id), TA_OK);
    assert_int_equal(STORE(f->st, account_insert, &a2, &a2.id), TA_OK);
    assert_int_equal(STORE(f->st, account_insert, &a3, &a3.id), TA_OK);
    struct account x = account_template(other, co, 5, "USDT");
    assert_int_equal(STORE(f->st, account_insert, &x, &x.id), TA_OK);

    int64_t out;
    set_sentinel(&out, sizeof out);
    struct account dup = account_template(cu, co, 5, "USDT");
    assert_int_equal(STORE(f->st, account_insert, &dup, &out), TA_E_CONFLICT);
    assert_untouched(&out, sizeof out);

    struct account *list;
    size_t n;
    assert_int_equal(STORE(f->st, account_list, cu, f->a, &list, &n), TA_OK);
    assert_int_equal(n, 3);
    assert_account_eq(&a1, &list[0]);
    assert_account_eq(&a2, &list[1]);
    assert_account_eq(&a3, &list[2]);

    a2.balance = 100000000;
    a2.frozen = 7;
    a2.liabilities = 8;
    a2.interest = 9;
    a2.not_withdraw = 10;
    a2.first_deposit_ms = 0;
    a2.first_withdraw_ms = T0 + 9;
    struct account changed = a2;
    changed.digits = 2; /* not written by set_amounts */
    changed.created_ms = 1;
    assert_int_equal(STORE(f->st, account_set_amounts, &changed), TA_OK);
    assert_int_equal(STORE(f->st, account_list, cu, f->a, &list, &n), TA_OK);
    assert_int_equal(n, 3);
    assert_account_eq(&a2, &list[1]);
    assert_account_eq(&a1, &list[0]);

    changed.id = INT64_C(8999999999999);
    assert_int_equal(STORE(f->st, account_set_amounts, &changed), TA_E_NOT_FOUND);
    assert_int_equal(STORE(f->st, account_list, INT64_C(8999999999999), f->a, &list, &n), TA_OK);
    assert_int_equal(n, 0);
}

/* ------------------------------------------------------------------------------------------
 * Sessions
 * ---------------------------------------------------------------------------------------- */

static struct session session_template(int64_t customer_id, int64_t company_id, int device)
{
    struct session s;
    memset(&s, 0, sizeof s);
    s.customer_id = customer_id;
    s.company_id = company_id;
    s.device = device;
    make_hash(s.token_hash);
    make_hash(s.refresh_hash);
    copy_text(s.client_addr, sizeof s.client_addr, "203.0.113.7");
    copy_text(s.user_agent, sizeof s.user_agent, "Mozilla/5.0 (test)");
    s.created_ms = T0;
    s.last_used_ms = T0;
    s.refresh_expires_ms = T0 + INT64_C(2592000000);
    return s;
}

static void assert_session_eq(const struct session *w, const struct session *g)
{
    assert_int_equal(w->id, g->id);
    assert_int_equal(w->customer_id, g->customer_id);
    assert_int_equal(w->company_id, g->company_id);
    assert_int_equal(w->device, g->device);
    assert_memory_equal(w->token_hash, g->token_hash, TA_HASH_BYTES);
    assert_memory_equal(w->prev_token_hash, g->prev_token_hash, TA_HASH_BYTES);
    assert_int_equal(w->prev_token_until_ms, g->prev_token_until_ms);
    assert_memory_equal(w->refresh_hash, g->refresh_hash, TA_HASH_BYTES);
    assert_memory_equal(w->prev_refresh_hash, g->prev_refresh_hash, TA_HASH_BYTES);
    assert_int_equal(w->rotated_ms, g->rotated_ms);
    assert_int_equal(w->grace_box_len, g->grace_box_len);
    if (w->grace_box_len > 0)
        assert_memory_equal(w->grace_box, g->grace_box, (int)w->grace_box_len);
    assert_string_equal(w->client_addr, g->client_addr);
    assert_string_equal(w->user_agent, g->user_agent);
    assert_int_equal(w->created_ms, g->created_ms);
    assert_int_equal(w->last_used_ms, g->last_used_ms);
    assert_int_equal(w->refresh_expires_ms, g->refresh_expires_ms);
    assert_int_equal(w->ended_ms, g->ended_ms);
    assert_int_equal(w->end_reason, g->end_reason);
}

static int64_t new_session(struct fx *f, struct session *s)
{
    assert_int_equal(STORE(f->st, session_insert, s, &s->id), TA_OK);
    assert_true(s->id > 0);
    return s->id;
}

static void session__insert__found_by_id_token_and_refresh(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    int64_t cu = new_customer(f, co, NULL, NULL, NULL);
    struct session s = session_template(cu, co, 2);
    s.grace_box_len = 3;
    memcpy(s.grace_box, "\x00\x01\x02", 3); /* binary, with a NUL */
    new_session(f, &s);

    struct session g;
    assert_int_equal(STORE(f->st, session_get, s.id, &g), TA_OK);
    assert_session_eq(&s, &g);
    assert_int_equal(STORE(f->st, session_by_token, s.token_hash, T0, &g), TA_OK);
    assert_session_eq(&s, &g);
    assert_int_equal(STORE(f->st, session_by_refresh, s.refresh_hash, &g), TA_OK);
    assert_session_eq(&s, &g);

    unsigned char unknown[TA_HASH_BYTES], zero[TA_HASH_BYTES] = {0};
    make_hash(unknown);
    set_sentinel(&g, sizeof g);
    assert_int_equal(STORE(f->st, session_by_token, unknown, T0, &g), TA_E_NOT_FOUND);
    assert_int_equal(STORE(f->st, session_by_refresh, unknown, &g), TA_E_NOT_FOUND);
    /* The all-zero "no previous hash" must never match a session that has none. */
    assert_int_equal(STORE(f->st, session_by_token, zero, INT64_MIN, &g), TA_E_NOT_FOUND);
    assert_int_equal(STORE(f->st, session_by_refresh, zero, &g), TA_E_NOT_FOUND);
    assert_int_equal(STORE(f->st, session_get, INT64_C(8999999999999), &g), TA_E_NOT_FOUND);
    assert_untouched(&g, sizeof g);
}

static void session__rotate__moves_hashes_and_keeps_old_token_until_cutoff(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    int64_t cu = new_customer(f, co, NULL, NULL, NULL);
    struct session s = session_template(cu, co, 1);
    new_session(f, &s);

    struct session next = session_template(cu, co, 1);
    next.prev_token_until_ms = T0 + 30000;
    next.refresh_expires_ms = T0 + 999999;
    next.grace_box_len = 5;
    memcpy(next.grace_box, "box!!", 5);
    assert_int_equal(STORE(f->st, session_rotate, s.id, s.refresh_hash, &next, T0 + 10), TA_OK);

    struct session want = s;
    memcpy(want.prev_token_hash, s.token_hash, TA_HASH_BYTES);
    memcpy(want.token_hash, next.token_hash, TA_HASH_BYTES);
    memcpy(want.prev_refresh_hash, s.refresh_hash, TA_HASH_BYTES);
    memcpy(want.refresh_hash, next.refresh_hash, TA_HASH_BYTES);
    want.prev_token_until_ms = T0 + 30000;
    want.rotated_ms = T0 + 10;
    want.refresh_expires_ms = T0 + 999999;
    want.grace_box_len = 5;
    memcpy(want.grace_box, "box!!", 5);

    struct session g;
    assert_int_equal(STORE(f->st, session_get, s.id, &g), TA_OK);
    assert_session_eq(&want, &g);

    /* The new token always, the old one strictly before prev_token_until_ms. */
    assert_int_equal(STORE(f->st, session_by_token, next.token_hash, T0 + 90000, &g), TA_OK);
    assert_int_equal(g.id, s.id);
    assert_int_equal(STORE(f->st, session_by_token, s.token_hash, T0 + 29999, &g), TA_OK);
    assert_session_eq(&want, &g);
    set_sentinel(&g, sizeof g);
    assert_int_equal(STORE(f->st, session_by_token, s.token_hash, T0 + 30000, &g), TA_E_NOT_FOUND);
    assert_untouched(&g, sizeof g);

    /* Both refresh hashes find it (the old one is how theft is recognised). */
    assert_int_equal(STORE(f->st, session_by_refresh, s.refresh_hash, &g), TA_OK);
    assert_int_equal(g.id, s.id);
    assert_int_equal(STORE(f->st, session_by_refresh, next.refresh_hash, &g), TA_OK);
    assert_int_equal(g.id, s.id);
}

static void session__rotate_with_wrong_or_old_hash__conflict_changes_nothing(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    int64_t cu = new_customer(f, co, NULL, NULL, NULL);
    struct session s = session_template(cu, co, 1);
    new_session(f, &s);
    struct session next = session_template(cu, co, 1);
    next.prev_token_until_ms = T0 + 30000;

    unsigned char wrong[TA_HASH_BYTES];
    make_hash(wrong);
    assert_int_equal(STORE(f->st, session_rotate, s.id, wrong, &next, T0 + 1), TA_E_CONFLICT);
    struct session g;
    assert_int_equal(STORE(f->st, session_get, s.id, &g), TA_OK);
    assert_session_eq(&s, &g);
    assert_int_equal(
        STORE(f->st, session_rotate, INT64_C(8999999999999), s.refresh_hash, &next, T0 + 1),
        TA_E_CONFLICT);

    /* A second rotation with the now-old refresh hash loses, as does any on an ended one. */
    assert_int_equal(STORE(f->st, session_rotate, s.id, s.refresh_hash, &next, T0 + 2), TA_OK);
    struct session after;
    assert_int_equal(STORE(f->st, session_get, s.id, &after), TA_OK);
    struct session next2 = session_template(cu, co, 1);
    assert_int_equal(STORE(f->st, session_rotate, s.id, s.refresh_hash, &next2, T0 + 3),
                     TA_E_CONFLICT);
    assert_int_equal(STORE(f->st, session_end, s.id, T0 + 4, SESSION_THEFT), TA_OK);
    assert_int_equal(STORE(f->st, session_rotate, s.id, next.refresh_hash, &next2, T0 + 5),
                     TA_E_CONFLICT);
    assert_int_equal(STORE(f->st, session_get, s.id, &g), TA_OK);
    after.ended_ms = T0 + 4;
    after.end_reason = SESSION_THEFT;
    assert_session_eq(&after, &g);
}

static void session__end__once_then_ok_unknown_not_found(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    int64_t cu = new_customer(f, co, NULL, NULL, NULL);
    struct session s = session_template(cu, co, 3);
    new_session(f, &s);

    assert_int_equal(STORE(f->st, session_end, s.id, T0 + 100, SESSION_LOGOUT), TA_OK);
    assert_int_equal(STORE(f->st, session_end, s.id, T0 + 200, SESSION_REPLACED), TA_OK);
    struct session g;
    assert_int_equal(STORE(f->st, session_get, s.id, &g), TA_OK);
    assert_int_equal(g.ended_ms, T0 + 100); /* the first end stands */
    assert_int_equal(g.end_reason, SESSION_LOGOUT);
    /* Ended sessions are still found by token: the caller tells "ended" from "unknown". */
    assert_int_equal(STORE(f->st, session_by_token, s.token_hash, T0 + 300, &g), TA_OK);
    assert_int_equal(g.ended_ms, T0 + 100);
    assert_int_equal(STORE(f->st, session_end, INT64_C(8999999999999), T0, 1), TA_E_NOT_FOUND);
}

static void session__end_customer__by_device_class_except_one(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    int64_t cu = new_customer(f, co, NULL, NULL, NULL);
    int64_t bystander = new_customer(f, co, NULL, NULL, NULL);
    struct session s[10]; /* s[d] has device d */
    for (int d = 1; d <= 9; d++) {
        s[d] = session_template(cu, co, d);
        new_session(f, &s[d]);
    }
    struct session keep = session_template(bystander, co, 1);
    new_session(f, &keep);

    size_t n = 99;
    /* Mobile {1,4,5,6} except the device-4 session. */
    assert_int_equal(
        STORE(f->st, session_end_customer, cu, s[4].id, 1, T0 + 1, SESSION_REPLACED, &n), TA_OK);
    assert_int_equal(n, 3);
    assert_int_equal(STORE(f->st, session_end_customer, cu, 0, 2, T0 + 2, SESSION_REPLACED, &n),
                     TA_OK);
    assert_int_equal(n, 3); /* desktop {2,7,8} */
    assert_int_equal(STORE(f->st, session_end_customer, cu, 0, 3, T0 + 3, SESSION_PASSWORD, &n),
                     TA_OK);
    assert_int_equal(n, 2); /* other {3,9} */
    assert_int_equal(STORE(f->st, session_end_customer, cu, 0, 3, T0 + 4, SESSION_PASSWORD, &n),
                     TA_OK);
    assert_int_equal(n, 0); /* ended ones are not ended again */

    const int64_t want_end[10] = {0,      T0 + 1, T0 + 2, T0 + 3, 0,
                                  T0 + 1, T0 + 1, T0 + 2, T0 + 2, T0 + 3};
    struct session g;
    for (int d = 1; d <= 9; d++) {
        assert_int_equal(STORE(f->st, session_get, s[d].id, &g), TA_OK);
        assert_int_equal(g.ended_ms, want_end[d]);
        assert_int_equal(g.end_reason, want_end[d] == 0        ? SESSION_LIVE
                                       : want_end[d] == T0 + 3 ? SESSION_PASSWORD
                                                               : SESSION_REPLACED);
    }

    /* Class 0: every device; n_out may be NULL. */
    assert_int_equal(STORE(f->st, session_end_customer, cu, 0, 0, T0 + 5, SESSION_DISABLED, NULL),
                     TA_OK);
    assert_int_equal(STORE(f->st, session_get, s[4].id, &g), TA_OK);
    assert_int_equal(g.ended_ms, T0 + 5);
    assert_int_equal(g.end_reason, SESSION_DISABLED);
    assert_int_equal(STORE(f->st, session_get, keep.id, &g), TA_OK);
    assert_int_equal(g.ended_ms, 0);
    assert_int_equal(STORE(f->st, session_end_customer, cu, 0, 0, T0 + 6, 1, &n), TA_OK);
    assert_int_equal(n, 0);
}

static void session__touch_and_count_live(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    int64_t cu = new_customer(f, co, NULL, NULL, NULL);
    const int64_t idle = T0 + INT64_C(5000000); /* "used after" this counts */
    int64_t before = -1, after = -1;

    assert_int_equal(STORE(f->st, session_count_live, idle, &before), TA_OK);
    struct session used = session_template(cu, co, 1);
    used.last_used_ms = idle + 1;
    struct session idle_one = session_template(cu, co, 2);
    idle_one.last_used_ms = idle; /* not after idle_since: not live */
    struct session ended = session_template(cu, co, 3);
    ended.last_used_ms = idle + 5;
    ended.ended_ms = idle + 6;
    ended.end_reason = SESSION_LOGOUT;
    new_session(f, &used);
    new_session(f, &idle_one);
    new_session(f, &ended);
    assert_int_equal(STORE(f->st, session_count_live, idle, &after), TA_OK);
    assert_int_equal(after - before, 1);

    assert_int_equal(STORE(f->st, session_touch, idle_one.id, idle + 2), TA_OK);
    struct session g;
    assert_int_equal(STORE(f->st, session_get, idle_one.id, &g), TA_OK);
    assert_int_equal(g.last_used_ms, idle + 2);
    assert_int_equal(STORE(f->st, session_count_live, idle, &after), TA_OK);
    assert_int_equal(after - before, 2);
    assert_int_equal(STORE(f->st, session_touch, INT64_C(8999999999999), idle), TA_E_NOT_FOUND);
}

/* ------------------------------------------------------------------------------------------
 * Verification tickets
 * ---------------------------------------------------------------------------------------- */

static struct ticket ticket_template(int64_t company_id, const char *biz, const char *to)
{
    struct ticket t;
    memset(&t, 0, sizeof t);
    t.company_id = company_id;
    copy_text(t.biz_type, sizeof t.biz_type, biz);
    copy_text(t.recipient, sizeof t.recipient, to);
    make_hash(t.code_hash);
    make_hash(t.send_hash);
    t.created_ms = T0;
    t.expires_ms = T0 + 300000;
    t.attempts_left = 5;
    return t;
}

static void assert_ticket_eq(const struct ticket *w, const struct ticket *g)
{
    assert_int_equal(w->id, g->id);
    assert_int_equal(w->company_id, g->company_id);
    assert_string_equal(w->biz_type, g->biz_type);
    assert_string_equal(w->recipient, g->recipient);
    assert_memory_equal(w->code_hash, g->code_hash, TA_HASH_BYTES);
    assert_memory_equal(w->send_hash, g->send_hash, TA_HASH_BYTES);
    assert_int_equal(w->created_ms, g->created_ms);
    assert_int_equal(w->expires_ms, g->expires_ms);
    assert_int_equal(w->attempts_left, g->attempts_left);
    assert_int_equal(w->consumed, g->consumed);
}

static bool ticket_consumed(struct fx *f, const struct ticket *t)
{
    struct ticket g;
    assert_int_equal(STORE(f->st, ticket_by_send, t->company_id, t->send_hash, &g), TA_OK);
    return g.consumed;
}

static void ticket__insert__ends_previous_of_same_recipient_only(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f), other = new_company(f);
    const char *reg = "EMAIL_REGISTER_VERIFICATION_CODE";

    struct ticket t1 = ticket_template(co, reg, "a@example.test");
    struct ticket same_other_biz =
        ticket_template(co, "EMAIL_LOGIN_VERIFICATION_CODE", "a@example.test");
    struct ticket same_other_to = ticket_template(co, reg, "b@example.test");
    struct ticket same_other_co = ticket_template(other, reg, "a@example.test");
    assert_int_equal(STORE(f->st, ticket_insert, &t1, &t1.id), TA_OK);
    assert_int_equal(STORE(f->st, ticket_insert, &same_other_biz, &same_other_biz.id), TA_OK);
    assert_int_equal(STORE(f->st, ticket_insert, &same_other_to, &same_other_to.id), TA_OK);
    assert_int_equal(STORE(f->st, ticket_insert, &same_other_co, &same_other_co.id), TA_OK);

    struct ticket g;
    assert_int_equal(STORE(f->st, ticket_by_send, co, t1.send_hash, &g), TA_OK);
    assert_ticket_eq(&t1, &g);

    struct ticket t2 = ticket_template(co, reg, "a@example.test");
    assert_int_equal(STORE(f->st, ticket_insert, &t2, &t2.id), TA_OK);
    assert_true(ticket_consumed(f, &t1));
    assert_false(ticket_consumed(f, &t2));
    assert_false(ticket_consumed(f, &same_other_biz));
    assert_false(ticket_consumed(f, &same_other_to));
    assert_false(ticket_consumed(f, &same_other_co));

    /* Scoped by company: another company's send hash is unknown here. */
    set_sentinel(&g, sizeof g);
    assert_int_equal(STORE(f->st, ticket_by_send, other, t1.send_hash, &g), TA_E_NOT_FOUND);
    assert_untouched(&g, sizeof g);
}

static void ticket__insert_conflict_in_transaction__previous_ticket_stays_open(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    struct ticket t1 = ticket_template(co, "SMS_LOGIN_VERIFICATION_CODE", "+86 13800000000");
    assert_int_equal(STORE(f->st, ticket_insert, &t1, &t1.id), TA_OK);

    /* Same send hash: the insert conflicts, and the "end the previous one" half of the
     * method must be undone with it even though the caller's transaction goes on. */
    struct ticket t2 = t1;
    make_hash(t2.code_hash);
    int64_t out;
    assert_int_equal(store_begin(f->st), TA_OK);
    set_sentinel(&out, sizeof out);
    assert_int_equal(STORE(f->st, ticket_insert, &t2, &out), TA_E_CONFLICT);
    assert_untouched(&out, sizeof out);
    assert_false(ticket_consumed(f, &t1));
    struct counter c;
    char *key = uniq(f, "after-conflict-");
    assert_int_equal(STORE(f->st, counter_hit, key, T0, 1000, 1, &c), TA_OK);
    assert_int_equal(store_commit(f->st), TA_OK);
    assert_false(ticket_consumed(f, &t1));
    assert_int_equal(STORE(f->st, counter_peek, key, T0, 1000, &c), TA_OK);
    assert_int_equal(c.count, 1);
}

static void ticket__spend__down_to_zero_then_not_found(void **state)
{
    struct fx *f = *state;
    struct ticket t =
        ticket_template(new_company(f), "EMAIL_PASSWORD_VERIFICATION_CODE", "c@example.test");
    t.attempts_left = 3;
    assert_int_equal(STORE(f->st, ticket_insert, &t, &t.id), TA_OK);

    int left = -1;
    assert_int_equal(STORE(f->st, ticket_spend, t.id, &left), TA_OK);
    assert_int_equal(left, 2);
    assert_int_equal(STORE(f->st, ticket_spend, t.id, &left), TA_OK);
    assert_int_equal(left, 1);
    assert_int_equal(STORE(f->st, ticket_spend, t.id, &left), TA_OK);
    assert_int_equal(left, 0);
    set_sentinel(&left, sizeof left);
    assert_int_equal(STORE(f->st, ticket_spend, t.id, &left), TA_E_NOT_FOUND);
    assert_untouched(&left, sizeof left);
    assert_int_equal(STORE(f->st, ticket_spend, INT64_C(8999999999999), &left), TA_E_NOT_FOUND);

    struct ticket g;
    assert_int_equal(STORE(f->st, ticket_by_send, t.company_id, t.send_hash, &g), TA_OK);
    assert_int_equal(g.attempts_left, 0);

    /* A consumed ticket has nothing to spend either. */
    struct ticket u =
        ticket_template(t.company_id, "EMAIL_PASSWORD_VERIFICATION_CODE", "d@example.test");
    assert_int_equal(STORE(f->st, ticket_insert, &u, &u.id), TA_OK);
    assert_int_equal(STORE(f->st, ticket_consume, u.id), TA_OK);
    assert_int_equal(STORE(f->st, ticket_spend, u.id, &left), TA_E_NOT_FOUND);
    assert_untouched(&left, sizeof left);
    assert_int_equal(STORE(f->st, ticket_by_send, u.company_id, u.send_hash, &g), TA_OK);
    assert_int_equal(g.attempts_left, 5);
}

static void ticket__consume__twice_conflicts(void **state)
{
    struct fx *f = *state;
    struct ticket t =
        ticket_template(new_company(f), "SMS_REGISTER_VERIFICATION_CODE", "+86 13900000000");
    assert_int_equal(STORE(f->st, ticket_insert, &t, &t.id), TA_OK);
    assert_int_equal(STORE(f->st, ticket_consume, t.id), TA_OK);
    assert_int_equal(STORE(f->st, ticket_consume, t.id), TA_E_CONFLICT);
    assert_true(ticket_consumed(f, &t));
}

/* ------------------------------------------------------------------------------------------
 * Single-use secrets
 * ---------------------------------------------------------------------------------------- */

static struct onetime onetime_template(int64_t company_id, int kind, int64_t expires_ms)
{
    struct onetime o;
    memset(&o, 0, sizeof o);
    o.kind = kind;
    make_hash(o.hash);
    o.company_id = company_id;
    o.customer_id = 17;
    o.ref_id = 23;
    o.device = 5;
    copy_text(o.data, sizeof o.data, "+86 13800000000");
    o.expires_ms = expires_ms;
    return o;
}

static void assert_onetime_eq(const struct onetime *w, const struct onetime *g)
{
    assert_int_equal(w->id, g->id);
    assert_int_equal(w->kind, g->kind);
    assert_memory_equal(w->hash, g->hash, TA_HASH_BYTES);
    assert_int_equal(w->company_id, g->company_id);
    assert_int_equal(w->customer_id, g->customer_id);
    assert_int_equal(w->ref_id, g->ref_id);
    assert_int_equal(w->device, g->device);
    assert_string_equal(w->data, g->data);
    assert_int_equal(w->expires_ms, g->expires_ms);
}

static void onetime__consume__once_then_not_found(void **state)
{
    struct fx *f = *state;
    struct onetime o = onetime_template(new_company(f), ONETIME_EXCHANGE, T0 + 60000);
    assert_int_equal(STORE(f->st, onetime_insert, &o, &o.id), TA_OK);
    int64_t out;
    assert_int_equal(STORE(f->st, onetime_insert, &o, &out), TA_E_CONFLICT);

    struct onetime g;
    assert_int_equal(STORE(f->st, onetime_peek, ONETIME_EXCHANGE, o.hash, T0, &g), TA_OK);
    assert_onetime_eq(&o, &g);
    assert_int_equal(STORE(f->st, onetime_peek, ONETIME_EXCHANGE, o.hash, T0, &g), TA_OK);
    set_sentinel(&g, sizeof g);
    assert_int_equal(STORE(f->st, onetime_consume, ONETIME_PROOF, o.hash, T0, &g),
                     TA_E_NOT_FOUND); /* another kind */
    assert_untouched(&g, sizeof g);
    assert_int_equal(STORE(f->st, onetime_consume, ONETIME_EXCHANGE, o.hash, T0, &g), TA_OK);
    assert_onetime_eq(&o, &g);
    set_sentinel(&g, sizeof g);
    assert_int_equal(STORE(f->st, onetime_consume, ONETIME_EXCHANGE, o.hash, T0, &g),
                     TA_E_NOT_FOUND);
    assert_int_equal(STORE(f->st, onetime_peek, ONETIME_EXCHANGE, o.hash, T0, &g), TA_E_NOT_FOUND);
    assert_untouched(&g, sizeof g);
}

static void onetime__expired__not_found_live_until_expiry(void **state)
{
    struct fx *f = *state;
    struct onetime o = onetime_template(new_company(f), ONETIME_PROOF, T0 + 1000);
    o.data[0] = '\0';
    assert_int_equal(STORE(f->st, onetime_insert, &o, &o.id), TA_OK);

    struct onetime g;
    set_sentinel(&g, sizeof g);
    assert_int_equal(STORE(f->st, onetime_peek, ONETIME_PROOF, o.hash, T0 + 1000, &g),
                     TA_E_NOT_FOUND);
    assert_int_equal(STORE(f->st, onetime_consume, ONETIME_PROOF, o.hash, T0 + 1000, &g),
                     TA_E_NOT_FOUND);
    assert_untouched(&g, sizeof g);
    assert_int_equal(STORE(f->st, onetime_peek, ONETIME_PROOF, o.hash, T0 + 999, &g), TA_OK);
    assert_int_equal(STORE(f->st, onetime_consume, ONETIME_PROOF, o.hash, T0 + 999, &g), TA_OK);
    assert_onetime_eq(&o, &g);
}

/* ------------------------------------------------------------------------------------------
 * Rate-limit counters
 * ---------------------------------------------------------------------------------------- */

static void counter__fixed_window__restarts_exactly_at_its_end(void **state)
{
    struct fx *f = *state;
    char *key = uniq(f, "ctr-");
    struct counter c;

    assert_int_equal(STORE(f->st, counter_hit, key, T0, 1000, 1, &c), TA_OK);
    assert_int_equal(c.count, 1);
    assert_int_equal(c.window_start_ms, T0);
    assert_int_equal(STORE(f->st, counter_hit, key, T0 + 500, 1000, 1, &c), TA_OK);
    assert_int_equal(c.count, 2);
    assert_int_equal(c.window_start_ms, T0);
    assert_int_equal(STORE(f->st, counter_hit, key, T0 + 999, 1000, 3, &c), TA_OK);
    assert_int_equal(c.count, 5);
    assert_int_equal(c.window_start_ms, T0);
    /* window_start + window <= now: a new window that starts now. */
    assert_int_equal(STORE(f->st, counter_hit, key, T0 + 1000, 1000, 1, &c), TA_OK);
    assert_int_equal(c.count, 1);
    assert_int_equal(c.window_start_ms, T0 + 1000);
    assert_int_equal(STORE(f->st, counter_hit, key, T0 + 1999, 1000, 1, &c), TA_OK);
    assert_int_equal(c.count, 2);
    assert_int_equal(c.window_start_ms, T0 + 1000);
    /* Long after: restarts from now, not from a multiple of the window. */
    assert_int_equal(STORE(f->st, counter_hit, key, T0 + 7777, 1000, 1, &c), TA_OK);
    assert_int_equal(c.count, 1);
    assert_int_equal(c.window_start_ms, T0 + 7777);
}

static void counter__peek_and_clear(void **state)
{
    struct fx *f = *state;
    char *key = uniq(f, "ctr-");
    struct counter c;

    assert_int_equal(STORE(f->st, counter_peek, key, T0, 1000, &c), TA_OK);
    assert_int_equal(c.count, 0);
    assert_int_equal(c.window_start_ms, T0);
    assert_int_equal(STORE(f->st, counter_hit, key, T0, 1000, 4, &c), TA_OK);
    assert_int_equal(STORE(f->st, counter_peek, key, T0 + 999, 1000, &c), TA_OK);
    assert_int_equal(c.count, 4);
    assert_int_equal(c.window_start_ms, T0);
    assert_int_equal(STORE(f->st, counter_peek, key, T0 + 1000, 1000, &c), TA_OK);
    assert_int_equal(c.count, 0);
    assert_int_equal(c.window_start_ms, T0 + 1000);
    /* Peeking never writes: the window is still the old one for a hit. */
    assert_int_equal(STORE(f->st, counter_hit, key, T0 + 998, 1000, 1, &c), TA_OK);
    assert_int_equal(c.count, 5);

    assert_int_equal(STORE(f->st, counter_clear, key), TA_OK);
    assert_int_equal(STORE(f->st, counter_peek, key, T0 + 1, 1000, &c), TA_OK);
    assert_int_equal(c.count, 0);
    assert_int_equal(c.window_start_ms, T0 + 1);
    assert_int_equal(STORE(f->st, counter_hit, key, T0 + 2, 1000, 1, &c), TA_OK);
    assert_int_equal(c.count, 1);
    assert_int_equal(c.window_start_ms, T0 + 2);
    assert_int_equal(STORE(f->st, counter_clear, uniq(f, "never-hit-")), TA_OK);
}

/* ------------------------------------------------------------------------------------------
 * Outbox
 * ---------------------------------------------------------------------------------------- */

/* Outbox times sit far from the other tests'. A shared database may hold pending rows of
 * earlier runs: draining at OB_DRAIN fails the expired ones and leases the rest past every
 * time used below, so claims then return only this test's rows. */
#define OB_T (T0 + INT64_C(1000000000))
#define OB_DRAIN (OB_T + INT64_C(100000000))

static void outbox_drain(struct fx *f)
{
    for (;;) {
        struct outbox_row *rows;
        size_t n = 0;
        assert_int_equal(
            STORE(f->st, outbox_claim, OB_DRAIN, INT64_C(1000000000000), 500, f->a, &rows, &n),
            TA_OK);
        if (n < 500)
            return;
    }
}

static struct outbox_row outbox_template(int64_t company_id, int64_t next_at_ms, int64_t expires_ms)
{
    struct outbox_row r;
    memset(&r, 0, sizeof r);
    r.company_id = company_id;
    copy_text(r.channel, sizeof r.channel, "email");
    r.to = "a@example.test";
    r.biz_type = "EMAIL_LOGIN_VERIFICATION_CODE";
    r.code = "123456";
    r.lang = "zh-HK";
    r.subject = "Your code";
    r.text = "Your code is 123456";
    r.next_at_ms = next_at_ms;
    r.expires_ms = expires_ms;
    r.created_ms = OB_T - 1;
    return r;
}

static void assert_outbox_eq(const struct outbox_row *w, const struct outbox_row *g)
{
    assert_int_equal(w->id, g->id);
    assert_int_equal(w->company_id, g->company_id);
    assert_string_equal(w->channel, g->channel);
    assert_str_or_null(w->to, g->to);
    assert_str_or_null(w->biz_type, g->biz_type);
    assert_str_or_null(w->code, g->code);
    assert_str_or_null(w->lang, g->lang);
    assert_str_or_null(w->subject, g->subject);
    assert_str_or_null(w->text, g->text);
    assert_int_equal(w->attempts, g->attempts);
    assert_int_equal(w->next_at_ms, g->next_at_ms);
    assert_int_equal(w->expires_ms, g->expires_ms);
    assert_int_equal(w->created_ms, g->created_ms);
}

/* Claims at now and returns how many of company co's rows came back; *got (may be NULL)
 * receives the first of them. */
static size_t claim_own(struct fx *f, int64_t co, int64_t now, int64_t lease, size_t max,
                        struct outbox_row *got)
{
    struct outbox_row *rows;
    size_t n = 0, own = 0;
    assert_int_equal(STORE(f->st, outbox_claim, now, lease, max, f->a, &rows, &n), TA_OK);
    assert_true(n <= max);
    for (size_t i = 0; i < n; i++) {
        if (rows[i].company_id != co)
            continue;
        if (own++ == 0 && got != NULL)
            *got = rows[i];
    }
    return own;
}

static int64_t outbox_count(struct fx *f, int status)
{
    int64_t n = -1;
    assert_int_equal(STORE(f->st, outbox_count, status, &n), TA_OK);
    return n;
}

static void outbox__claim__leases_then_reclaims_with_attempts(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    outbox_drain(f);
    int64_t pending0 = outbox_count(f, OUTBOX_PENDING);

    struct outbox_row r = outbox_template(co, OB_T - 5, OB_T + 1000000);
    assert_int_equal(STORE(f->st, outbox_insert, &r, &r.id), TA_OK);
    struct outbox_row later = outbox_template(co, OB_T + 5000, OB_T + 1000000);
    assert_int_equal(STORE(f->st, outbox_insert, &later, &later.id), TA_OK);
    assert_int_equal(outbox_count(f, OUTBOX_PENDING) - pending0, 2);

    struct outbox_row g;
    assert_int_equal(claim_own(f, co, OB_T, 1000, 10, &g), 1);
    r.attempts = 1;
    r.next_at_ms = OB_T + 1000;
    assert_outbox_eq(&r, &g);

    /* Leased: invisible until the lease runs out, then back with one more attempt. */
    assert_int_equal(claim_own(f, co, OB_T + 999, 1000, 10, NULL), 0);
    assert_int_equal(claim_own(f, co, OB_T + 1000, 1000, 10, &g), 1);
    r.attempts = 2;
    r.next_at_ms = OB_T + 2000;
    assert_outbox_eq(&r, &g);

    /* Both ready: max bounds the claim, the earlier row first. */
    assert_int_equal(claim_own(f, co, OB_T + 5000, 1000, 1, &g), 1);
    assert_int_equal(g.id, r.id);
    assert_int_equal(g.attempts, 3);
    assert_int_equal(claim_own(f, co, OB_T + 5000, 1000, 1, &g), 1);
    assert_int_equal(g.id, later.id);
    assert_int_equal(g.attempts, 1);
    assert_int_equal(claim_own(f, co, OB_T + 5000, 1000, 1, NULL), 0);
    assert_int_equal(outbox_count(f, OUTBOX_PENDING) - pending0, 2);

    assert_int_equal(STORE(f->st, outbox_finish, r.id, OUTBOX_SENT, 0), TA_OK);
    assert_int_equal(STORE(f->st, outbox_finish, later.id, OUTBOX_FAILED, 0), TA_OK);
    assert_int_equal(outbox_count(f, OUTBOX_PENDING) - pending0, 0);
    assert_int_equal(claim_own(f, co, OB_T + 90000, 1000, 10, NULL), 0);
    assert_int_equal(STORE(f->st, outbox_finish, INT64_C(8999999999999), OUTBOX_SENT, 0),
                     TA_E_NOT_FOUND);
}

static void outbox__expired_row__turns_failed_with_code_wiped(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    outbox_drain(f);
    int64_t failed0 = outbox_count(f, OUTBOX_FAILED);
    int64_t pending0 = outbox_count(f, OUTBOX_PENDING);

    struct outbox_row r = outbox_template(co, OB_T, OB_T + 500);
    assert_int_equal(STORE(f->st, outbox_insert, &r, &r.id), TA_OK);
    assert_int_equal(claim_own(f, co, OB_T + 500, 1000, 10, NULL), 0);
    assert_int_equal(outbox_count(f, OUTBOX_FAILED) - failed0, 1);
    assert_int_equal(outbox_count(f, OUTBOX_PENDING) - pending0, 0);

    /* store.h has no outbox read by id; making the row PENDING again (with a claim time
     * before its expiry) is the only way to look at what the expiry left in it. */
    assert_int_equal(STORE(f->st, outbox_finish, r.id, OUTBOX_PENDING, OB_T), TA_OK);
    struct outbox_row g;
    assert_int_equal(claim_own(f, co, OB_T + 100, 1000, 10, &g), 1);
    r.code = NULL;
    r.text = NULL;
    r.attempts = 1;
    r.next_at_ms = OB_T + 1100;
    assert_outbox_eq(&r, &g);
    assert_int_equal(STORE(f->st, outbox_finish, r.id, OUTBOX_FAILED, 0), TA_OK);
}

static void outbox__finish__sent_wipes_pending_reschedules(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    outbox_drain(f);
    int64_t sent0 = outbox_count(f, OUTBOX_SENT);

    struct outbox_row r = outbox_template(co, OB_T, OB_T + 1000000);
    assert_int_equal(STORE(f->st, outbox_insert, &r, &r.id), TA_OK);
    struct outbox_row g;
    assert_int_equal(claim_own(f, co, OB_T, 1000, 10, &g), 1);

    /* PENDING: a retry at next_at_ms, message intact. */
    assert_int_equal(STORE(f->st, outbox_finish, r.id, OUTBOX_PENDING, OB_T + 50), TA_OK);
    assert_int_equal(claim_own(f, co, OB_T + 49, 1000, 10, NULL), 0);
    assert_int_equal(claim_own(f, co, OB_T + 50, 1000, 10, &g), 1);
    r.attempts = 2;
    r.next_at_ms = OB_T + 1050;
    assert_outbox_eq(&r, &g);

    /* SENT: code and text are gone (seen by making it PENDING again, as above). */
    assert_int_equal(STORE(f->st, outbox_finish, r.id, OUTBOX_SENT, 0), TA_OK);
    assert_int_equal(outbox_count(f, OUTBOX_SENT) - sent0, 1);
    assert_int_equal(STORE(f->st, outbox_finish, r.id, OUTBOX_PENDING, OB_T), TA_OK);
    assert_int_equal(claim_own(f, co, OB_T + 60, 1000, 10, &g), 1);
    r.code = NULL;
    r.text = NULL;
    r.attempts = 3;
    r.next_at_ms = OB_T + 1060;
    assert_outbox_eq(&r, &g);
    assert_int_equal(STORE(f->st, outbox_finish, r.id, OUTBOX_SENT, 0), TA_OK);
}

/* ------------------------------------------------------------------------------------------
 * Audit
 * ---------------------------------------------------------------------------------------- */

static struct audit_row audit_template(int64_t company_id, int64_t customer_id, int64_t time_ms,
                                       const char *event)
{
    struct audit_row r;
    memset(&r, 0, sizeof r);
    r.time_ms = time_ms;
    r.company_id = company_id;
    r.customer_id = customer_id;
    copy_text(r.event, sizeof r.event, event);
    copy_text(r.outcome, sizeof r.outcome, "E_CREDENTIALS");
    copy_text(r.client_addr, sizeof r.client_addr, "2001:db8::1");
    r.device = 7;
    copy_text(r.detail, sizeof r.detail, "type=1");
    return r;
}

static void audit__list__newest_first_with_limit(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    int64_t cu = new_customer(f, co, NULL, NULL, NULL);
    int64_t other = new_customer(f, co, NULL, NULL, NULL);

    struct audit_row r1 = audit_template(co, cu, T0, "login_fail");
    struct audit_row r2 = audit_template(co, cu, T0 + 2, "login_ok");
    struct audit_row r3 = audit_template(co, cu, T0 + 1, "lockout");
    struct audit_row x = audit_template(co, other, T0 + 9, "login_ok");
    assert_int_equal(STORE(f->st, audit_insert, &r1), TA_OK);
    assert_int_equal(STORE(f->st, audit_insert, &r2), TA_OK);
    assert_int_equal(STORE(f->st, audit_insert, &r3), TA_OK);
    assert_int_equal(STORE(f->st, audit_insert, &x), TA_OK);

    struct audit_row *rows;
    size_t n = 0;
    assert_int_equal(STORE(f->st, audit_list, cu, 2, f->a, &rows, &n), TA_OK);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].event, "login_ok");
    assert_int_equal(rows[0].time_ms, T0 + 2);
    assert_int_equal(rows[0].company_id, co);
    assert_int_equal(rows[0].customer_id, cu);
    assert_string_equal(rows[0].outcome, "E_CREDENTIALS");
    assert_string_equal(rows[0].client_addr, "2001:db8::1");
    assert_int_equal(rows[0].device, 7);
    assert_string_equal(rows[0].detail, "type=1");
    assert_true(rows[0].id > 0);
    assert_string_equal(rows[1].event, "lockout");
    assert_int_equal(STORE(f->st, audit_list, cu, 10, f->a, &rows, &n), TA_OK);
    assert_int_equal(n, 3);
    assert_string_equal(rows[2].event, "login_fail");
    assert_int_equal(STORE(f->st, audit_list, INT64_C(8999999999999), 10, f->a, &rows, &n), TA_OK);
    assert_int_equal(n, 0);
}

/* ------------------------------------------------------------------------------------------
 * Transactions and connections
 * ---------------------------------------------------------------------------------------- */

static void tx__rollback__undoes_inserts_and_is_safe_without_tx(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    char *email = uniq(f, "rb-");

    store_rollback(f->st); /* no transaction: nothing happens */
    assert_int_equal(store_begin(f->st), TA_OK);
    int64_t id = new_customer(f, co, email, NULL, NULL);
    char *key = uniq(f, "rb-ctr-");
    struct counter c;
    assert_int_equal(STORE(f->st, counter_hit, key, T0, 1000, 1, &c), TA_OK);
    /* Inside the transaction its own writes are visible. */
    struct customer g;
    assert_int_equal(STORE(f->st, customer_get, id, f->a, &g), TA_OK);
    store_rollback(f->st);
    store_rollback(f->st);

    assert_int_equal(STORE(f->st, customer_get, id, f->a, &g), TA_E_NOT_FOUND);
    assert_int_equal(STORE(f->st, customer_by_email, co, email, f->a, &g), TA_E_NOT_FOUND);
    assert_int_equal(STORE(f->st, counter_peek, key, T0, 1000, &c), TA_OK);
    assert_int_equal(c.count, 0);
    /* And the email is free again. */
    (void)new_customer(f, co, email, NULL, NULL);
}

static void tx__conflict_inside_transaction__transaction_goes_on(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    int64_t cu = new_customer(f, co, NULL, NULL, NULL);
    struct account usdt = account_template(cu, co, 5, "USDT");
    assert_int_equal(STORE(f->st, account_insert, &usdt, &usdt.id), TA_OK);

    /* "Open the missing accounts" treats CONFLICT as "already there" and carries on. */
    assert_int_equal(store_begin(f->st), TA_OK);
    struct account again = account_template(cu, co, 5, "USDT");
    int64_t out;
    assert_int_equal(STORE(f->st, account_insert, &again, &out), TA_E_CONFLICT);
    struct account btc = account_template(cu, co, 5, "BTC");
    assert_int_equal(STORE(f->st, account_insert, &btc, &btc.id), TA_OK);
    assert_int_equal(store_commit(f->st), TA_OK);

    struct account *list;
    size_t n;
    assert_int_equal(STORE(f->st, account_list, cu, f->a, &list, &n), TA_OK);
    assert_int_equal(n, 2);
    assert_int_equal(list[0].id, usdt.id);
    assert_int_equal(list[1].id, btc.id);
}

static void tx__two_stores__see_each_others_commits_only(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    struct store *b = NULL;
    assert_int_equal(store_open(f->url, &b), TA_OK);
    char *email = uniq(f, "two-");
    struct customer g;

    assert_int_equal(store_begin(f->st), TA_OK);
    int64_t id = new_customer(f, co, email, NULL, NULL);
    assert_int_equal(STORE(b, customer_by_email, co, email, f->a, &g), TA_E_NOT_FOUND);
    assert_int_equal(store_commit(f->st), TA_OK);
    assert_int_equal(STORE(b, customer_by_email, co, email, f->a, &g), TA_OK);
    assert_int_equal(g.id, id);

    char *key = uniq(f, "two-ctr-");
    struct counter c;
    assert_int_equal(STORE(b, counter_hit, key, T0, 1000, 2, &c), TA_OK);
    assert_int_equal(STORE(f->st, counter_peek, key, T0, 1000, &c), TA_OK);
    assert_int_equal(c.count, 2);
    int64_t seq_no;
    assert_int_equal(STORE(b, company_next_no, co, &seq_no), TA_OK);
    assert_int_equal(STORE(f->st, company_next_no, co, &seq_no), TA_OK);
    assert_int_equal(seq_no, 2);
    store_close(b);
}

/* ------------------------------------------------------------------------------------------
 * Concurrency: one store per thread on one database
 * ---------------------------------------------------------------------------------------- */

#define HIT_THREADS 4
#define HITS_PER_THREAD 200

struct worker {
    const char *url;
    const char *key;
    const unsigned char *hash;
    pthread_barrier_t *start;
    ta_err result; /* the last answer that decided the outcome */
    int retries;
    char failure[96]; /* set when something unexpected happened; asserted by the main thread */
};

/* One use case: begin, hit, commit; run again from the top on TA_E_RETRY, as callers do. */
static void *hit_worker(void *arg)
{
    struct worker *w = arg;
    struct store *st = NULL;
    if (store_open(w->url, &st) != TA_OK) {
        copy_text(w->failure, sizeof w->failure, "open failed");
        pthread_barrier_wait(w->start); /* the others are waiting for this one */
        return NULL;
    }
    pthread_barrier_wait(w->start);
    for (int i = 0; i < HITS_PER_THREAD && w->failure[0] == '\0'; i++) {
        for (;;) {
            struct counter c;
            ta_err err = store_begin(st);
            if (err == TA_OK)
                err = STORE(st, counter_hit, w->key, T0, INT64_C(1000000000), 1, &c);
            if (err == TA_OK)
                err = store_commit(st);
            if (err == TA_OK)
                break;
            store_rollback(st);
            if (err != TA_E_RETRY) {
                snprintf(w->failure, sizeof w->failure, "hit %d: %s", i, ta_err_name(err));
                break;
            }
            w->retries++;
        }
    }
    store_close(st);
    return NULL;
}

static void concurrency__four_stores_hit_one_counter__count_is_exact(void **state)
{
    struct fx *f = *state;
    char *key = uniq(f, "race-ctr-");
    pthread_barrier_t start;
    pthread_t th[HIT_THREADS];
    struct worker w[HIT_THREADS];

    pthread_barrier_init(&start, NULL, HIT_THREADS);
    for (int i = 0; i < HIT_THREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].url = f->url;
        w[i].key = key;
        w[i].start = &start;
        assert_int_equal(pthread_create(&th[i], NULL, hit_worker, &w[i]), 0);
    }
    for (int i = 0; i < HIT_THREADS; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < HIT_THREADS; i++)
        assert_string_equal(w[i].failure, "");

    struct counter c;
    assert_int_equal(STORE(f->st, counter_peek, key, T0, INT64_C(1000000000), &c), TA_OK);
    assert_int_equal(c.count, HIT_THREADS * HITS_PER_THREAD);
    assert_int_equal(c.window_start_ms, T0);
}

static void *consume_worker(void *arg)
{
    struct worker *w = arg;
    struct store *st = NULL;
    if (store_open(w->url, &st) != TA_OK) {
        copy_text(w->failure, sizeof w->failure, "open failed");
        pthread_barrier_wait(w->start);
        return NULL;
    }
    struct onetime o;
    pthread_barrier_wait(w->start); /* both connections ready: consume at the same moment */
    w->result = STORE(st, onetime_consume, ONETIME_EXCHANGE, w->hash, T0, &o);
    store_close(st);
    return NULL;
}

static void concurrency__two_stores_consume_one_secret__exactly_one_wins(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);

    for (int round = 0; round < 20; round++) {
        struct onetime o = onetime_template(co, ONETIME_EXCHANGE, T0 + 60000);
        assert_int_equal(STORE(f->st, onetime_insert, &o, &o.id), TA_OK);

        pthread_barrier_t start;
        pthread_t th[2];
        struct worker w[2];
        pthread_barrier_init(&start, NULL, 2);
        for (int i = 0; i < 2; i++) {
            memset(&w[i], 0, sizeof w[i]);
            w[i].url = f->url;
            w[i].hash = o.hash;
            w[i].start = &start;
            assert_int_equal(pthread_create(&th[i], NULL, consume_worker, &w[i]), 0);
        }
        for (int i = 0; i < 2; i++)
            pthread_join(th[i], NULL);
        pthread_barrier_destroy(&start);

        assert_string_equal(w[0].failure, "");
        assert_string_equal(w[1].failure, "");
        int wins = (w[0].result == TA_OK) + (w[1].result == TA_OK);
        int losses = (w[0].result == TA_E_NOT_FOUND) + (w[1].result == TA_E_NOT_FOUND);
        assert_int_equal(wins, 1);
        assert_int_equal(losses, 1);
    }
}

/* ------------------------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------------------------
 * The security center (C21-C24)
 * ---------------------------------------------------------------------------------------- */

static void security__contacts_and_country__conflict_in_the_company(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f), other_co = new_company(f);
    char *e1 = uniq(f, "s1@"), *e2 = uniq(f, "s2@"), *p2 = uniq(f, "7");
    int64_t a = new_customer(f, co, e1, NULL, NULL);
    int64_t b = new_customer(f, co, e2, (char *)"+86", p2);
    int64_t c = new_customer(f, other_co, NULL, NULL, NULL);
    assert_int_equal(STORE(f->st, customer_set_email, a, e2), TA_E_CONFLICT);
    assert_int_equal(STORE(f->st, customer_set_phone, a, "+86", p2), TA_E_CONFLICT);
    /* Inside a transaction the conflict leaves it usable. */
    assert_int_equal(store_begin(f->st), TA_OK);
    assert_int_equal(STORE(f->st, customer_set_email, a, e2), TA_E_CONFLICT);
    assert_int_equal(STORE(f->st, customer_set_country, a, "SG"), TA_OK);
    assert_int_equal(store_commit(f->st), TA_OK);
    assert_int_equal(STORE(f->st, customer_set_email, c, e2), TA_OK); /* another company */
    assert_int_equal(STORE(f->st, customer_set_phone, a, "+44", p2), TA_OK);
    assert_int_equal(STORE(f->st, customer_set_email, b, NULL), TA_OK);
    assert_int_equal(STORE(f->st, customer_set_email, -1, e1), TA_E_NOT_FOUND);
    struct customer got;
    assert_int_equal(STORE(f->st, customer_get, a, f->a, &got), TA_OK);
    assert_string_equal(got.email, e1);
    assert_string_equal(got.phone_area, "+44");
    assert_string_equal(got.phone, p2);
    assert_string_equal(got.country, "SG");
    assert_int_equal(STORE(f->st, customer_get, b, f->a, &got), TA_OK);
    assert_null(got.email);
}

static void security__row__absent_then_round_trips(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    int64_t a = new_customer(f, co, uniq(f, "r@"), NULL, NULL);
    struct customer_security s;
    set_sentinel(&s, sizeof s);
    assert_int_equal(STORE(f->st, security_get, a, f->a, &s), TA_E_NOT_FOUND);
    assert_untouched(&s, sizeof s);
    struct customer_security w = {a, co,  (char *)"$argon2id$x", (char *)"Blue7", T0 + 5, "", 7,
                                  0, true};
    copy_text(w.hold_reason, sizeof w.hold_reason, "contact_change");
    assert_int_equal(STORE(f->st, security_put, &w), TA_OK);
    assert_int_equal(STORE(f->st, security_get, a, f->a, &s), TA_OK);
    assert_int_equal(s.customer_id, a);
    assert_int_equal(s.company_id, co);
    assert_string_equal(s.fund_pw_hash, "$argon2id$x");
    assert_string_equal(s.anti_phish, "Blue7");
    assert_int_equal(s.hold_until_ms, T0 + 5);
    assert_string_equal(s.hold_reason, "contact_change");
    assert_int_equal(s.delete_requested_ms, 7);
    assert_true(s.pw_login_blocked);
    w.fund_pw_hash = NULL;
    w.pw_login_blocked = false;
    assert_int_equal(STORE(f->st, security_put, &w), TA_OK); /* replaces the whole row */
    assert_int_equal(STORE(f->st, security_get, a, f->a, &s), TA_OK);
    assert_null(s.fund_pw_hash);
    assert_false(s.pw_login_blocked);
}

static void security__device_seen__first_known_new(void **state)
{
    struct fx *f = *state;
    int64_t a = new_customer(f, new_company(f), uniq(f, "d@"), NULL, NULL);
    unsigned char k1[TA_HASH_BYTES], k2[TA_HASH_BYTES];
    make_hash(k1);
    make_hash(k2);
    int st = -1;
    assert_int_equal(STORE(f->st, device_seen, a, k1, T0, &st), TA_OK);
    assert_int_equal(st, DEVICE_FIRST);
    assert_int_equal(STORE(f->st, device_seen, a, k1, T0 + 1, &st), TA_OK);
    assert_int_equal(st, DEVICE_KNOWN);
    assert_int_equal(STORE(f->st, device_seen, a, k2, T0 + 2, &st), TA_OK);
    assert_int_equal(st, DEVICE_NEW);
    assert_int_equal(STORE(f->st, device_seen, a, k2, T0 + 3, &st), TA_OK);
    assert_int_equal(st, DEVICE_KNOWN);
}

static void security__session_list__live_only_most_recent_first(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    int64_t a = new_customer(f, co, uniq(f, "l@"), NULL, NULL);
    int64_t b = new_customer(f, co, uniq(f, "l@"), NULL, NULL);
    struct session s1 = session_template(a, co, 1), s2 = session_template(a, co, 2),
                   s3 = session_template(a, co, 3), sb = session_template(b, co, 2);
    s2.last_used_ms = T0 + 10;
    int64_t id1 = new_session(f, &s1), id2 = new_session(f, &s2), id3 = new_session(f, &s3);
    new_session(f, &sb);
    assert_int_equal(STORE(f->st, session_end, id3, T0 + 1, SESSION_LOGOUT), TA_OK);
    struct session *list = NULL;
    size_t n = 0;
    assert_int_equal(STORE(f->st, session_list, a, f->a, &list, &n), TA_OK);
    assert_int_equal(n, 2);
    assert_int_equal(list[0].id, id2);
    assert_int_equal(list[1].id, id1);
    assert_int_equal(list[0].device, 2);
    assert_string_equal(list[0].user_agent, "Mozilla/5.0 (test)");
    assert_string_equal(list[0].client_addr, "203.0.113.7");
    assert_int_equal(list[0].last_used_ms, T0 + 10);
    assert_int_equal(list[0].customer_id, a);
}

static void security__audit_page__since_offset_limit(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    int64_t a = new_customer(f, co, uniq(f, "h@"), NULL, NULL);
    for (int i = 0; i < 5; i++) {
        struct audit_row r;
        memset(&r, 0, sizeof r);
        r.time_ms = T0 + i;
        r.company_id = co;
        r.customer_id = a;
        copy_text(r.event, sizeof r.event, "login_ok");
        copy_text(r.outcome, sizeof r.outcome, "OK");
        r.device = i;
        assert_int_equal(STORE(f->st, audit_insert, &r), TA_OK);
    }
    struct audit_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(STORE(f->st, audit_page, a, T0 + 1, 1, 2, f->a, &rows, &n), TA_OK);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].time_ms, T0 + 3);
    assert_int_equal(rows[1].time_ms, T0 + 2);
    assert_int_equal(STORE(f->st, audit_page, a, T0 + 1, 3, 10, f->a, &rows, &n), TA_OK);
    assert_int_equal(n, 1); /* T0 + 0 is before since */
    assert_int_equal(rows[0].device, 1);
}

static void security__erase_due__contacts_gone_rows_kept(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    char *email = uniq(f, "x@");
    int64_t a = new_customer(f, co, email, (char *)"+86", uniq(f, "9"));
    int64_t keep = new_customer(f, co, uniq(f, "k@"), NULL, NULL);
    struct customer_security w = {a, co, (char *)"$argon2id$f", (char *)"p", 0, "", T0, 0, false};
    assert_int_equal(STORE(f->st, security_put, &w), TA_OK);
    struct customer_security later = {keep, co, NULL, NULL, 0, "", T0 + 1000, 0, false};
    assert_int_equal(STORE(f->st, security_put, &later), TA_OK);
    int64_t n = 0;
    assert_int_equal(STORE(f->st, customer_erase_due, T0 + 10, T0 + 20, &n), TA_OK);
    assert_true(n >= 1);
    struct customer got;
    assert_int_equal(STORE(f->st, customer_get, a, f->a, &got), TA_OK);
    assert_null(got.email);
    assert_null(got.phone);
    assert_null(got.pw_hash);
    assert_non_null(got.customer_no);
    struct customer_security s;
    assert_int_equal(STORE(f->st, security_get, a, f->a, &s), TA_OK);
    assert_null(s.fund_pw_hash);
    assert_null(s.anti_phish);
    assert_int_equal(s.erased_ms, T0 + 20);
    assert_int_equal(STORE(f->st, customer_get, keep, f->a, &got), TA_OK);
    assert_non_null(got.email); /* its grace period runs on */
    /* Erased once: a second run finds nothing of it. */
    assert_int_equal(STORE(f->st, customer_erase_due, T0 + 10, T0 + 30, &n), TA_OK);
    assert_int_equal(STORE(f->st, security_get, a, f->a, &s), TA_OK);
    assert_int_equal(s.erased_ms, T0 + 20);
    /* The address is free again in the company. */
    new_customer(f, co, email, NULL, NULL);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

static void purge__removes_only_what_can_never_matter_again(void **state)
{
    struct fx *f = *state;
    const int64_t day = INT64_C(86400000);
    int64_t co = new_company(f);
    int64_t cu = new_customer(f, co, NULL, NULL, NULL);

    struct onetime dead = onetime_template(co, ONETIME_EXCHANGE, T0 + 1);
    struct onetime live = onetime_template(co, ONETIME_EXCHANGE, T0 + 30 * day);
    assert_int_equal(STORE(f->st, onetime_insert, &dead, &dead.id), TA_OK);
    assert_int_equal(STORE(f->st, onetime_insert, &live, &live.id), TA_OK);

    struct session ended = session_template(cu, co, 1);
    struct session used = session_template(cu, co, 2);
    used.last_used_ms = T0 + 7 * day;
    new_session(f, &ended);
    new_session(f, &used);
    assert_int_equal(STORE(f->st, session_end, ended.id, T0, SESSION_LOGOUT), TA_OK);

    const char *key = uniq(f, "purge-");
    struct counter c;
    assert_int_equal(STORE(f->st, counter_hit, key, T0, 60000, 1, &c), TA_OK);

    int64_t n = -1;
    assert_int_equal(STORE(f->st, purge, T0 + 8 * day, 7 * day, 30 * day, &n), TA_OK);
    assert_true(n >= 3);

    struct onetime o;
    assert_int_equal(STORE(f->st, onetime_peek, ONETIME_EXCHANGE, dead.hash, T0, &o),
                     TA_E_NOT_FOUND);
    assert_int_equal(STORE(f->st, onetime_peek, ONETIME_EXCHANGE, live.hash, T0, &o), TA_OK);
    struct session g;
    assert_int_equal(STORE(f->st, session_get, ended.id, &g), TA_E_NOT_FOUND);
    assert_int_equal(STORE(f->st, session_get, used.id, &g), TA_OK);
    /* The counter row is gone: a peek far later reads a fresh window either way, so look
     * through a hit with a window long enough to have kept the old row. */
    assert_int_equal(STORE(f->st, counter_hit, key, T0 + 8 * day, 30 * day, 1, &c), TA_OK);
    assert_int_equal(c.count, 1);
    assert_int_equal(c.window_start_ms, T0 + 8 * day);
}

static void customer__lock__known_inside_tx_unknown_not_found(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    int64_t cu = new_customer(f, co, NULL, NULL, NULL);
    assert_int_equal(store_begin(f->st), TA_OK);
    assert_int_equal(STORE(f->st, customer_lock, cu), TA_OK);
    assert_int_equal(STORE(f->st, customer_lock, INT64_C(9000000000000)), TA_E_NOT_FOUND);
    store_rollback(f->st);
}

/* ------------------------------------------------------------------------------------------
 * Encrypted bodies (C19): company keys and seen signatures
 * ---------------------------------------------------------------------------------------- */

static void company_key__none_then_set_and_replace(void **state)
{
    struct fx *f = *state;
    int64_t co = new_company(f);
    struct company_key k;
    set_sentinel(&k, sizeof k);
    assert_int_equal(STORE(f->st, company_key_get, co, f->a, &k), TA_E_NOT_FOUND);
    assert_untouched(&k, sizeof k);
    struct company_key w = {co, (char *)"TUlJQ2RR", true, T0};
    assert_int_equal(STORE(f->st, company_key_set, &w), TA_OK);
    assert_int_equal(STORE(f->st, company_key_get, co, f->a, &k), TA_OK);
    assert_int_equal(k.company_id, co);
    assert_string_equal(k.rsa_key, "TUlJQ2RR");
    assert_true(k.require_encryption);
    assert_int_equal(k.updated_ms, T0);
    w.rsa_key = NULL; /* a company may require encryption without a key (refuses all) */
    w.require_encryption = false;
    w.updated_ms = T0 + 1;
    assert_int_equal(STORE(f->st, company_key_set, &w), TA_OK);
    assert_int_equal(STORE(f->st, company_key_get, co, f->a, &k), TA_OK);
    assert_null(k.rsa_key);
    assert_false(k.require_encryption);
    assert_int_equal(k.updated_ms, T0 + 1);
}

static void signature__seen_is_conflict_until_expiry__per_company(void **state)
{
    struct fx *f = *state;
    int64_t a = new_company(f), b = new_company(f);
    const char *sig = uniq(f, "SIG");
    assert_int_equal(STORE(f->st, signature_remember, a, sig, T0, T0 + 1000), TA_OK);
    assert_int_equal(STORE(f->st, signature_remember, a, sig, T0 + 999, T0 + 2000), TA_E_CONFLICT);
    assert_int_equal(STORE(f->st, signature_remember, b, sig, T0 + 1, T0 + 1000), TA_OK);
    /* Expired: forgotten on the next call, so the same text counts as new again. */
    assert_int_equal(STORE(f->st, signature_remember, a, sig, T0 + 1000, T0 + 3000), TA_OK);
    assert_int_equal(STORE(f->st, signature_remember, a, sig, T0 + 2000, T0 + 4000), TA_E_CONFLICT);
    /* Inside a transaction a replay leaves the transaction usable. */
    assert_int_equal(store_begin(f->st), TA_OK);
    assert_int_equal(STORE(f->st, signature_remember, a, sig, T0 + 2001, T0 + 5000), TA_E_CONFLICT);
    assert_int_equal(STORE(f->st, meta_put_new, uniq(f, "after-replay-"), "v"), TA_OK);
    assert_int_equal(store_commit(f->st), TA_OK);
}

int main(void)
{
    /* Runs sharing a database must not collide: wall clock and pid make the run id. */
    run_id = (uint64_t)clock_now_ms() * 1000u + (uint64_t)getpid() % 1000u;

    const struct CMUnitTest tests[] = {
        T(open__unknown_scheme__not_found),
        T(security__contacts_and_country__conflict_in_the_company),
        T(security__row__absent_then_round_trips),
        T(security__device_seen__first_known_new),
        T(security__session_list__live_only_most_recent_first),
        T(security__audit_page__since_offset_limit),
        T(security__erase_due__contacts_gone_rows_kept),
        T(migrate__twice_and_from_a_second_store__keeps_data),
        T(meta__put_new_then_get__conflict_keeps_first),
        T(company__insert_get__round_trips_children_in_order),
        T(company__explicit_id__conflicts_when_taken),
        T(company__get_unknown__not_found_untouched),
        T(company__update__replaces_scalars_and_children),
        T(company__next_no__counts_from_one_per_company),
        T(company__list__ordered_by_id_with_children),
        T(customer__insert_get__round_trips_every_field),
        T(customer__email__stored_lowercase_unique_ignoring_case),
        T(customer__phone__unique_per_area_lookup_any_area),
        T(customer__number__unique_per_company),
        T(customer__list__pages_by_id_within_company),
        T(customer__setters__write_fields_unknown_not_found),
        T(customer__mfa_advance__rejects_replayed_and_older_steps),
        T(account__insert_list_set_amounts),
        T(session__insert__found_by_id_token_and_refresh),
        T(session__rotate__moves_hashes_and_keeps_old_token_until_cutoff),
        T(session__rotate_with_wrong_or_old_hash__conflict_changes_nothing),
        T(session__end__once_then_ok_unknown_not_found),
        T(session__end_customer__by_device_class_except_one),
        T(session__touch_and_count_live),
        T(ticket__insert__ends_previous_of_same_recipient_only),
        T(ticket__insert_conflict_in_transaction__previous_ticket_stays_open),
        T(ticket__spend__down_to_zero_then_not_found),
        T(ticket__consume__twice_conflicts),
        T(onetime__consume__once_then_not_found),
        T(onetime__expired__not_found_live_until_expiry),
        T(counter__fixed_window__restarts_exactly_at_its_end),
        T(counter__peek_and_clear),
        T(outbox__claim__leases_then_reclaims_with_attempts),
        T(outbox__expired_row__turns_failed_with_code_wiped),
        T(outbox__finish__sent_wipes_pending_reschedules),
        T(audit__list__newest_first_with_limit),
        T(tx__rollback__undoes_inserts_and_is_safe_without_tx),
        T(tx__conflict_inside_transaction__transaction_goes_on),
        T(tx__two_stores__see_each_others_commits_only),
        T(concurrency__four_stores_hit_one_counter__count_is_exact),
        T(concurrency__two_stores_consume_one_secret__exactly_one_wins),
        T(purge__removes_only_what_can_never_matter_again),
        T(customer__lock__known_inside_tx_unknown_not_found),
        T(company_key__none_then_set_and_replace),
        T(signature__seen_is_conflict_until_expiry__per_company),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
