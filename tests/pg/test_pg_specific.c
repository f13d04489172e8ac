/* tests/store/test_pg_specific.c — what only a real PostgreSQL server shows: reconnecting
 * after a restart, races between connections (one-time tokens, outbox leases, counters,
 * rotation), concurrent migrations, deadlocks as TA_E_RETRY, conflicts inside transactions.
 * The behaviour both backends share is tests/store/test_contract.c's job. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "../support/pg_harness.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/log.h"

extern const struct store_ops store_pg_ops;

static char url[256];
static int64_t company_id, customer_id; /* made by group_setup; sessions need a customer */

/*---- helpers ----*/

static struct store *open_url(const char *u)
{
    struct store *st = NULL;
    assert_int_equal(store_pg_ops.open(u, &st), TA_OK);
    assert_non_null(st);
    return st;
}

static struct store *open_store(void)
{
    return open_url(url);
}

static void fill_random(void *buf, size_t n)
{
    assert_int_equal(getrandom(buf, n, 0), (ssize_t)n);
}

/* A key no other test (or earlier run of this one) uses. */
static void unique_key(char *buf, size_t size, const char *prefix)
{
    unsigned char r[8];
    fill_random(r, sizeof r);
    snprintf(buf, size, "%s-%02x%02x%02x%02x%02x%02x%02x%02x", prefix, r[0], r[1], r[2], r[3], r[4],
             r[5], r[6], r[7]);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Runs SQL on a plain libpq connection, for setup and checks the store does not offer. */
static int64_t sql_int(const char *sql)
{
    PGconn *c = PQconnectdb(url);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, sql);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    int64_t v =
        s == PGRES_TUPLES_OK && PQntuples(r) > 0 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    PQfinish(c);
    return v;
}

/* Runs fn in two threads (each waits on a barrier inside fn to start together); joins both. */
static void run_two(void *(*fn)(void *), void *a, void *b)
{
    pthread_t t1, t2;
    assert_int_equal(pthread_create(&t1, NULL, fn, a), 0);
    assert_int_equal(pthread_create(&t2, NULL, fn, b), 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
}

/*---- setup ----*/

static int group_setup(void **state)
{
    (void)state;
    if (getenv("TA_TEST_LOG") == NULL)
        log_threshold = LOG_OFF; /* several tests provoke errors on purpose */
    if (pg_harness_start(url, sizeof url) != 0)
        return -1;
    struct store *st = NULL;
    if (store_pg_ops.open(url, &st) != TA_OK)
        return -1;
    ta_err err = store_migrate(st);

    struct company co = {.type = COMPANY_REAL, .n_groups = 1};
    snprintf(co.name, sizeof co.name, "pg-specific");
    co.groups[0] = (struct company_group){.id = 1, .is_default = true};
    if (err == TA_OK)
        err = STORE(st, company_insert, &co, &company_id);
    struct customer c = {.company_id = company_id,
                         .group_id = 1,
                         .customer_no = "1",
                         .email = "pg@example.com",
                         .status = CUSTOMER_NORMAL,
                         .mfa_id = -1};
    if (err == TA_OK)
        err = STORE(st, customer_insert, &c, &customer_id);
    store_pg_ops.close(st);
    return err == TA_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    pg_harness_stop();
    return 0;
}

/*---- opening ----*/

static void open__unreachable_server__internal_not_crash(void **state)
{
    (void)state;
    struct store *st = (struct store *)1;
    /* Port 1 on loopback: refused at once. */
    assert_int_equal(store_pg_ops.open("postgres://tradeauth@127.0.0.1:1/tradeauth", &st),
                     TA_E_INTERNAL);
    assert_ptr_equal(st, (struct store *)1); /* out-parameter untouched on failure */
}

static void open__postgresql_scheme__accepted(void **state)
{
    (void)state;
    char alt[300];
    assert_int_equal(strncmp(url, "postgres://", 11), 0);
    snprintf(alt, sizeof alt, "postgresql://%s", url + 11);
    struct store *st = open_url(alt);
    assert_int_equal(store_ping(st), TA_OK);
    store_pg_ops.close(st);
}

/*---- migrations ----*/

struct migrate_arg {
    pthread_barrier_t *go;
    const char *url;
    ta_err err;
};

static void *migrate_thread(void *p)
{
    struct migrate_arg *m = p;
    struct store *st = NULL;
    m->err = store_pg_ops.open(m->url, &st);
    pthread_barrier_wait(m->go);
    if (m->err == TA_OK)
        m->err = store_migrate(st);
    store_pg_ops.close(st);
    return NULL;
}

static void migrate__four_connections_at_once__each_version_applied_once(void **state)
{
    (void)state;
    enum { N = 4 };
    char schema[64], q[512], scoped[512];
    pthread_barrier_t go;
    pthread_t t[N];
    struct migrate_arg args[N];

    /* A fresh schema first in search_path: a database of its own, as far as migrate sees. */
    unique_key(schema, sizeof schema, "mig");
    for (char *c = schema; *c; c++)
        if (*c == '-')
            *c = '_';
    snprintf(q, sizeof q, "CREATE SCHEMA %s", schema);
    sql_int(q);
    snprintf(scoped, sizeof scoped, "%s?options=-csearch_path%%3D%s", url, schema);

    pthread_barrier_init(&go, NULL, N);
    for (int i = 0; i < N; i++) {
        args[i] = (struct migrate_arg){&go, scoped, TA_E_INTERNAL};
        assert_int_equal(pthread_create(&t[i], NULL, migrate_thread, &args[i]), 0);
    }
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&go);
    for (int i = 0; i < N; i++)
        assert_int_equal(args[i].err, TA_OK);

    snprintf(q, sizeof q, "SELECT count(*) - max(version) FROM %s.schema_version", schema);
    assert_int_equal(sql_int(q), 0);
    snprintf(q, sizeof q, "SELECT count(*) FROM %s.schema_version", schema);
    int64_t versions = sql_int(q);
    assert_true(versions >= 1);
    snprintf(q, sizeof q,
             "SELECT count(*) FROM information_schema.tables WHERE table_schema = '%s'", schema);
    int64_t tables = sql_int(q);
    assert_true(tables > 10);

    /* Once more: nothing to do, nothing changes. */
    struct store *st = open_url(scoped);
    assert_int_equal(store_migrate(st), TA_OK);
    store_pg_ops.close(st);
    snprintf(q, sizeof q, "SELECT count(*) FROM %s.schema_version", schema);
    assert_int_equal(sql_int(q), versions);
}

/*---- lost connections ----*/

struct restart_arg {
    atomic_bool done;
    int rc;
};

static void *restart_thread(void *p)
{
    struct restart_arg *r = p;
    r->rc = pg_harness_restart();
    atomic_store(&r->done, true);
    return NULL;
}

static void reconnect__server_restarts_under_a_connection__errors_then_recovers(void **state)
{
    (void)state;
    struct store *st = open_store();
    struct counter c;
    char key[64];
    unique_key(key, sizeof key, "restart");

    /* Prepare statements on this connection, so recovery must prepare them again. */
    assert_int_equal(STORE(st, counter_hit, key, 1000, 60000, 1, &c), TA_OK);
    assert_int_equal(c.count, 1);

    /* Keep calling while the server goes down and comes back: only answers, never a crash. */
    struct restart_arg r = {.rc = -1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, restart_thread, &r), 0);
    int errors = 0;
    while (!atomic_load(&r.done)) {
        ta_err err = STORE(st, counter_peek, key, 1000, 60000, &c);
        assert_true(err == TA_OK || err == TA_E_INTERNAL);
        errors += err != TA_OK;
        sleep_ms(20);
    }
    pthread_join(t, NULL);
    assert_int_equal(r.rc, 0);

    /* The connection this store had was cut by the restart. If no call during the gap saw
     * that, the first call now does; from the next call on everything works again. */
    ta_err first = STORE(st, counter_hit, key, 1000, 60000, 1, &c);
    if (first != TA_OK) {
        assert_int_equal(first, TA_E_INTERNAL);
        errors++;
    }
    assert_true(errors >= 1);
    assert_int_equal(STORE(st, counter_hit, key, 1000, 60000, 1, &c), TA_OK);
    assert_int_equal(c.count, first == TA_OK ? 3 : 2); /* the data survived the restart */
    assert_int_equal(store_ping(st), TA_OK);
    store_pg_ops.close(st);
}

static void reconnect__inside_transaction__fails_until_rollback(void **state)
{
    (void)state;
    struct store *st = open_store();
    struct counter c;
    char key[64];
    unique_key(key, sizeof key, "txlost");

    assert_int_equal(store_begin(st), TA_OK);
    assert_int_equal(STORE(st, counter_hit, key, 1000, 60000, 5, &c), TA_OK);
    assert_int_equal(pg_harness_restart(), 0);

    /* The transaction is gone: going on would autocommit the rest of the use case. */
    assert_int_equal(STORE(st, counter_hit, key, 1000, 60000, 1, &c), TA_E_INTERNAL);
    assert_int_equal(STORE(st, counter_hit, key, 1000, 60000, 1, &c), TA_E_INTERNAL);
    assert_int_equal(store_commit(st), TA_E_INTERNAL);
    store_rollback(st);

    /* After rollback the next call reconnects; nothing of the lost transaction was kept. */
    assert_int_equal(STORE(st, counter_peek, key, 1000, 60000, &c), TA_OK);
    assert_int_equal(c.count, 0);
    assert_int_equal(store_begin(st), TA_OK);
    assert_int_equal(STORE(st, counter_hit, key, 1000, 60000, 1, &c), TA_OK);
    assert_int_equal(store_commit(st), TA_OK);
    assert_int_equal(c.count, 1);
    store_pg_ops.close(st);
}

/*---- races between connections ----*/

struct consume_arg {
    pthread_barrier_t *go;
    struct store *st;
    const unsigned char *hash;
    ta_err err;
    struct onetime got;
};

static void *consume_thread(void *p)
{
    struct consume_arg *c = p;
    pthread_barrier_wait(c->go);
    c->err = STORE(c->st, onetime_consume, ONETIME_EXCHANGE, c->hash, 1000, &c->got);
    return NULL;
}

static void onetime_consume__two_connections_race__exactly_one_wins(void **state)
{
    (void)state;
    struct store *a = open_store(), *b = open_store();
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, 2);

    for (int round = 0; round < 40; round++) {
        struct onetime o = {.kind = ONETIME_EXCHANGE,
                            .company_id = 1,
                            .customer_id = 7,
                            .ref_id = round,
                            .device = 2,
                            .expires_ms = 61000};
        int64_t id;
        fill_random(o.hash, sizeof o.hash);
        snprintf(o.data, sizeof o.data, "round %d", round);
        assert_int_equal(STORE(a, onetime_insert, &o, &id), TA_OK);

        struct consume_arg x = {&go, a, o.hash, TA_E_INTERNAL, {0}};
        struct consume_arg y = {&go, b, o.hash, TA_E_INTERNAL, {0}};
        run_two(consume_thread, &x, &y);
        assert_true((x.err == TA_OK && y.err == TA_E_NOT_FOUND) ||
                    (x.err == TA_E_NOT_FOUND && y.err == TA_OK));
        const struct onetime *won = x.err == TA_OK ? &x.got : &y.got;
        assert_int_equal(won->id, id);
        assert_int_equal(won->ref_id, round);
        assert_string_equal(won->data, o.data);
    }
    pthread_barrier_destroy(&go);
    store_pg_ops.close(a);
    store_pg_ops.close(b);
}

struct blocked_arg {
    struct store *st;
    const unsigned char *hash;
    atomic_bool done;
    ta_err err;
};

static void *blocked_consume(void *p)
{
    struct blocked_arg *c = p;
    struct onetime got;
    c->err = STORE(c->st, onetime_consume, ONETIME_PROOF, c->hash, 1000, &got);
    atomic_store(&c->done, true);
    return NULL;
}

static void onetime_consume__other_transaction_holds_it__waits_then_not_found(void **state)
{
    (void)state;
    struct store *a = open_store(), *b = open_store();
    struct onetime o = {.kind = ONETIME_PROOF, .company_id = 1, .expires_ms = 61000};
    struct onetime got;
    int64_t id;
    fill_random(o.hash, sizeof o.hash);
    assert_int_equal(STORE(a, onetime_insert, &o, &id), TA_OK);

    assert_int_equal(store_begin(a), TA_OK);
    assert_int_equal(STORE(a, onetime_consume, ONETIME_PROOF, o.hash, 1000, &got), TA_OK);

    struct blocked_arg x = {.st = b, .hash = o.hash, .err = TA_E_INTERNAL};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, blocked_consume, &x), 0);
    sleep_ms(300);
    assert_false(atomic_load(&x.done)); /* waiting on a's row lock */
    assert_int_equal(store_commit(a), TA_OK);
    pthread_join(t, NULL);
    assert_int_equal(x.err, TA_E_NOT_FOUND);
    store_pg_ops.close(a);
    store_pg_ops.close(b);
}

static void onetime_consume__holder_rolls_back__waiter_gets_it(void **state)
{
    (void)state;
    struct store *a = open_store(), *b = open_store();
    struct onetime o = {.kind = ONETIME_PROOF, .company_id = 1, .expires_ms = 61000};
    struct onetime got;
    int64_t id;
    fill_random(o.hash, sizeof o.hash);
    assert_int_equal(STORE(a, onetime_insert, &o, &id), TA_OK);

    assert_int_equal(store_begin(a), TA_OK);
    assert_int_equal(STORE(a, onetime_consume, ONETIME_PROOF, o.hash, 1000, &got), TA_OK);
    struct blocked_arg x = {.st = b, .hash = o.hash, .err = TA_E_INTERNAL};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, blocked_consume, &x), 0);
    sleep_ms(200);
    store_rollback(a);
    pthread_join(t, NULL);
    assert_int_equal(x.err, TA_OK);
    store_pg_ops.close(a);
    store_pg_ops.close(b);
}

/* Leaves no due PENDING row behind at now_ms, so counts below are this test's own. */
static void drain_outbox(struct store *st, int64_t now_ms)
{
    for (;;) {
        struct arena *ar = arena_new(1 << 20);
        struct outbox_row *rows;
        size_t n;
        assert_int_equal(STORE(st, outbox_claim, now_ms, 1, 100, ar, &rows, &n), TA_OK);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(STORE(st, outbox_finish, rows[i].id, OUTBOX_SENT, 0), TA_OK);
        arena_free(ar);
        if (n == 0)
            return;
    }
}

static bool has_id(const struct outbox_row *rows, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i].id == id)
            return true;
    return false;
}

static void outbox_claim__two_open_transactions__disjoint_rows_without_waiting(void **state)
{
    (void)state;
    enum { ROWS = 10 };
    const int64_t now = 5000000;
    struct store *a = open_store(), *b = open_store(), *c = open_store();
    struct arena *ar = arena_new(1 << 20);
    int64_t ids[ROWS];

    drain_outbox(a, now);
    for (int i = 0; i < ROWS; i++) {
        char to[32];
        snprintf(to, sizeof to, "user%d@example.com", i);
        struct outbox_row r = {.company_id = 1,
                               .channel = "email",
                               .to = to,
                               .biz_type = "LOGIN",
                               .code = "123456",
                               .lang = "en-US",
                               .subject = "s",
                               .text = "t",
                               .next_at_ms = now - 10,
                               .expires_ms = now + 300000,
                               .created_ms = now - 10};
        assert_int_equal(STORE(a, outbox_insert, &r, &ids[i]), TA_OK);
    }

    struct outbox_row *ra, *rb, *rc;
    size_t na, nb, nc;
    assert_int_equal(store_begin(a), TA_OK);
    assert_int_equal(STORE(a, outbox_claim, now, 30000, 4, ar, &ra, &na), TA_OK);
    assert_int_equal(store_begin(b), TA_OK);
    /* a's rows are locked and uncommitted: b skips them instead of waiting. */
    assert_int_equal(STORE(b, outbox_claim, now, 30000, 4, ar, &rb, &nb), TA_OK);
    assert_int_equal(na, 4);
    assert_int_equal(nb, 4);
    for (size_t i = 0; i < nb; i++)
        assert_false(has_id(ra, na, rb[i].id));
    assert_int_equal(ra[0].attempts, 1);
    assert_int_equal(ra[0].next_at_ms, now + 30000);
    assert_string_equal(ra[0].code, "123456");

    /* A third worker, outside any transaction, gets what is left. */
    assert_int_equal(STORE(c, outbox_claim, now, 30000, 10, ar, &rc, &nc), TA_OK);
    assert_int_equal(nc, ROWS - 8);
    assert_int_equal(store_commit(a), TA_OK);
    assert_int_equal(store_commit(b), TA_OK);

    for (int i = 0; i < ROWS; i++) {
        int seen = has_id(ra, na, ids[i]) + has_id(rb, nb, ids[i]) + has_id(rc, nc, ids[i]);
        assert_int_equal(seen, 1);
    }
    /* Leased: none is claimable again before the lease runs out. */
    assert_int_equal(STORE(c, outbox_claim, now + 29999, 30000, 10, ar, &rc, &nc), TA_OK);
    assert_int_equal(nc, 0);
    arena_free(ar);
    drain_outbox(a, now + 30000);
    store_pg_ops.close(a);
    store_pg_ops.close(b);
    store_pg_ops.close(c);
}

struct hit_arg {
    pthread_barrier_t *go;
    const char *key;
    int hits;
    int64_t seen[50];
    ta_err err;
};

static void *hit_thread(void *p)
{
    struct hit_arg *h = p;
    struct store *st = NULL;
    h->err = store_pg_ops.open(url, &st);
    pthread_barrier_wait(h->go);
    for (int i = 0; i < h->hits && h->err == TA_OK; i++) {
        struct counter c;
        h->err = STORE(st, counter_hit, h->key, 1000 + i, 60000, 1, &c);
        h->seen[i] = c.count;
    }
    store_pg_ops.close(st);
    return NULL;
}

static void counter_hit__four_connections__no_hit_lost(void **state)
{
    (void)state;
    enum { N = 4, HITS = 50 };
    char key[64];
    pthread_barrier_t go;
    pthread_t t[N];
    struct hit_arg args[N];
    bool taken[N * HITS + 1] = {false};

    unique_key(key, sizeof key, "hits");
    pthread_barrier_init(&go, NULL, N);
    for (int i = 0; i < N; i++) {
        args[i] = (struct hit_arg){.go = &go, .key = key, .hits = HITS, .err = TA_OK};
        assert_int_equal(pthread_create(&t[i], NULL, hit_thread, &args[i]), 0);
    }
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&go);

    /* Every hit saw a different count: none read a stale value. */
    for (int i = 0; i < N; i++) {
        assert_int_equal(args[i].err, TA_OK);
        for (int k = 0; k < HITS; k++) {
            int64_t v = args[i].seen[k];
            assert_true(v >= 1 && v <= N * HITS);
            assert_false(taken[v]);
            taken[v] = true;
        }
    }
    struct store *st = open_store();
    struct counter c;
    assert_int_equal(STORE(st, counter_peek, key, 2000, 60000, &c), TA_OK);
    assert_int_equal(c.count, N * HITS);
    store_pg_ops.close(st);
}

struct rotate_arg {
    pthread_barrier_t *go;
    struct store *st;
    int64_t id;
    const unsigned char *old;
    struct session next;
    ta_err err;
};

static void *rotate_thread(void *p)
{
    struct rotate_arg *r = p;
    pthread_barrier_wait(r->go);
    r->err = STORE(r->st, session_rotate, r->id, r->old, &r->next, 2000);
    return NULL;
}

static void session_rotate__two_connections_race__exactly_one_wins(void **state)
{
    (void)state;
    struct store *a = open_store(), *b = open_store();
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, 2);

    for (int round = 0; round < 20; round++) {
        struct session s = {.customer_id = customer_id,
                            .company_id = company_id,
                            .device = 1,
                            .created_ms = 1000,
                            .last_used_ms = 1000,
                            .refresh_expires_ms = 999999};
        int64_t id;
        fill_random(s.token_hash, sizeof s.token_hash);
        fill_random(s.refresh_hash, sizeof s.refresh_hash);
        assert_int_equal(STORE(a, session_insert, &s, &id), TA_OK);

        struct rotate_arg x = {.go = &go, .st = a, .id = id, .old = s.refresh_hash};
        struct rotate_arg y = {.go = &go, .st = b, .id = id, .old = s.refresh_hash};
        fill_random(x.next.token_hash, TA_HASH_BYTES);
        fill_random(x.next.refresh_hash, TA_HASH_BYTES);
        fill_random(y.next.token_hash, TA_HASH_BYTES);
        fill_random(y.next.refresh_hash, TA_HASH_BYTES);
        run_two(rotate_thread, &x, &y);
        assert_true((x.err == TA_OK && y.err == TA_E_CONFLICT) ||
                    (x.err == TA_E_CONFLICT && y.err == TA_OK));

        /* The winner's pair is current; the original refresh hash is now the previous one. */
        const struct rotate_arg *won = x.err == TA_OK ? &x : &y;
        struct session got;
        assert_int_equal(STORE(a, session_get, id, &got), TA_OK);
        assert_memory_equal(got.refresh_hash, won->next.refresh_hash, TA_HASH_BYTES);
        assert_memory_equal(got.prev_refresh_hash, s.refresh_hash, TA_HASH_BYTES);
        assert_memory_equal(got.prev_token_hash, s.token_hash, TA_HASH_BYTES);
    }
    pthread_barrier_destroy(&go);
    store_pg_ops.close(a);
    store_pg_ops.close(b);
}

/*---- transactions ----*/

struct deadlock_arg {
    struct store *st;
    const char *key;
    ta_err err;
};

static void *deadlock_thread(void *p)
{
    struct deadlock_arg *d = p;
    struct counter c;
    d->err = STORE(d->st, counter_hit, d->key, 1000, 60000, 1, &c);
    if (d->err != TA_OK)
        store_rollback(d->st); /* release the locks so the other side can finish */
    return NULL;
}

static void begin__two_transactions_lock_in_opposite_order__one_gets_retry(void **state)
{
    (void)state;
    struct store *a = open_store(), *b = open_store();
    struct counter c;
    char k1[64], k2[64];
    unique_key(k1, sizeof k1, "dl1");
    unique_key(k2, sizeof k2, "dl2");
    /* Rows exist first, so both sides lock existing rows (an upsert of a new key would wait on
     * the index entry instead, a different path to the same deadlock). */
    assert_int_equal(STORE(a, counter_hit, k1, 1000, 60000, 1, &c), TA_OK);
    assert_int_equal(STORE(a, counter_hit, k2, 1000, 60000, 1, &c), TA_OK);

    assert_int_equal(store_begin(a), TA_OK);
    assert_int_equal(store_begin(b), TA_OK);
    assert_int_equal(STORE(a, counter_hit, k1, 1000, 60000, 1, &c), TA_OK);
    assert_int_equal(STORE(b, counter_hit, k2, 1000, 60000, 1, &c), TA_OK);

    struct deadlock_arg x = {a, k2, TA_E_INTERNAL};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, deadlock_thread, &x), 0);
    sleep_ms(100); /* let a wait on k2 first */
    struct deadlock_arg y = {b, k1, TA_E_INTERNAL};
    deadlock_thread(&y);
    pthread_join(t, NULL);

    assert_true((x.err == TA_E_RETRY && y.err == TA_OK) || (x.err == TA_OK && y.err == TA_E_RETRY));
    struct store *winner = x.err == TA_OK ? a : b;
    assert_int_equal(store_commit(winner), TA_OK);

    /* The loser's transaction left nothing: only the winner's two hits landed on top. */
    assert_int_equal(STORE(a, counter_peek, k1, 1000, 60000, &c), TA_OK);
    int64_t c1 = c.count;
    assert_int_equal(STORE(a, counter_peek, k2, 1000, 60000, &c), TA_OK);
    assert_int_equal(c1 + c.count, 2 + 2);
    store_pg_ops.close(a);
    store_pg_ops.close(b);
}

static void conflict__inside_transaction__transaction_stays_usable(void **state)
{
    (void)state;
    struct store *st = open_store();
    struct arena *ar = arena_new(4096);
    char key[64], *value;
    struct counter c;
    unique_key(key, sizeof key, "meta");

    /* PostgreSQL aborts a transaction on any error; a conflict must not be one. */
    assert_int_equal(store_begin(st), TA_OK);
    assert_int_equal(STORE(st, meta_put_new, key, "first"), TA_OK);
    assert_int_equal(STORE(st, meta_put_new, key, "second"), TA_E_CONFLICT);
    assert_int_equal(STORE(st, counter_hit, key, 1000, 60000, 1, &c), TA_OK);

    struct onetime o = {.kind = ONETIME_EXCHANGE, .company_id = 1, .expires_ms = 5000};
    int64_t id;
    fill_random(o.hash, sizeof o.hash);
    assert_int_equal(STORE(st, onetime_insert, &o, &id), TA_OK);
    assert_int_equal(STORE(st, onetime_insert, &o, &id), TA_E_CONFLICT);

    struct company co = {.type = COMPANY_REAL, .n_assets = 2};
    snprintf(co.name, sizeof co.name, "dup %.40s", key);
    snprintf(co.assets[0].currency, TA_CURRENCY_MAX, "USDT");
    snprintf(co.assets[1].currency, TA_CURRENCY_MAX, "USDT"); /* repeated: a conflict */
    assert_int_equal(STORE(st, company_insert, &co, &id), TA_E_CONFLICT);

    assert_int_equal(store_commit(st), TA_OK);
    assert_int_equal(STORE(st, meta_get, key, ar, &value), TA_OK);
    assert_string_equal(value, "first");
    arena_free(ar);
    store_pg_ops.close(st);
}

static void begin__nested_or_commit_without__internal(void **state)
{
    (void)state;
    struct store *st = open_store();
    assert_int_equal(store_commit(st), TA_E_INTERNAL);
    assert_int_equal(store_begin(st), TA_OK);
    assert_int_equal(store_begin(st), TA_E_INTERNAL);
    store_rollback(st);
    store_rollback(st); /* twice, and without a transaction: harmless */
    assert_int_equal(store_ping(st), TA_OK);
    store_pg_ops.close(st);
}

struct next_no_arg {
    pthread_barrier_t *go;
    int64_t company_id;
    int64_t got[25];
    ta_err err;
};

static void *next_no_thread(void *p)
{
    struct next_no_arg *n = p;
    struct store *st = NULL;
    n->err = store_pg_ops.open(url, &st);
    pthread_barrier_wait(n->go);
    for (int i = 0; i < 25 && n->err == TA_OK; i++)
        n->err = STORE(st, company_next_no, n->company_id, &n->got[i]);
    store_pg_ops.close(st);
    return NULL;
}

static void company_next_no__four_connections__numbers_unique_and_dense(void **state)
{
    (void)state;
    enum { N = 4 };
    struct store *st = open_store();
    struct company co = {.type = COMPANY_REAL, .n_groups = 1};
    int64_t cid;
    snprintf(co.name, sizeof co.name, "seq");
    co.groups[0] = (struct company_group){.id = 1, .is_default = true};
    assert_int_equal(STORE(st, company_insert, &co, &cid), TA_OK);
    store_pg_ops.close(st);

    pthread_barrier_t go;
    pthread_t t[N];
    struct next_no_arg args[N];
    bool taken[N * 25 + 1] = {false};
    pthread_barrier_init(&go, NULL, N);
    for (int i = 0; i < N; i++) {
        args[i] = (struct next_no_arg){.go = &go, .company_id = cid, .err = TA_OK};
        assert_int_equal(pthread_create(&t[i], NULL, next_no_thread, &args[i]), 0);
    }
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&go);
    for (int i = 0; i < N; i++) {
        assert_int_equal(args[i].err, TA_OK);
        for (int k = 0; k < 25; k++) {
            assert_true(args[i].got[k] >= 1 && args[i].got[k] <= N * 25);
            assert_false(taken[args[i].got[k]]);
            taken[args[i].got[k]] = true;
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open__unreachable_server__internal_not_crash),
        cmocka_unit_test(open__postgresql_scheme__accepted),
        cmocka_unit_test(migrate__four_connections_at_once__each_version_applied_once),
        cmocka_unit_test(onetime_consume__two_connections_race__exactly_one_wins),
        cmocka_unit_test(onetime_consume__other_transaction_holds_it__waits_then_not_found),
        cmocka_unit_test(onetime_consume__holder_rolls_back__waiter_gets_it),
        cmocka_unit_test(outbox_claim__two_open_transactions__disjoint_rows_without_waiting),
        cmocka_unit_test(counter_hit__four_connections__no_hit_lost),
        cmocka_unit_test(session_rotate__two_connections_race__exactly_one_wins),
        cmocka_unit_test(company_next_no__four_connections__numbers_unique_and_dense),
        cmocka_unit_test(begin__two_transactions_lock_in_opposite_order__one_gets_retry),
        cmocka_unit_test(conflict__inside_transaction__transaction_stays_usable),
        cmocka_unit_test(begin__nested_or_commit_without__internal),
        cmocka_unit_test(reconnect__server_restarts_under_a_connection__errors_then_recovers),
        cmocka_unit_test(reconnect__inside_transaction__fails_until_rollback),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
