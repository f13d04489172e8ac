/* domain/session_cache.c — a sharded hash table of live sessions and a watcher thread for the
 * events of other processes (idle-life touches go to domain/session_touch.c's writer). Correctness
 * rests on two rules: events are applied after their change commits, and a miss only
 * stores what it read when no event came in while it was reading (the epoch). */
#include "domain/session_cache.h"
#include "domain/company.h"
#include "domain/ctx.h"
#include "domain/session_touch.h"
#include "store/events.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/config.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/stats.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SHARDS 64
#define BUCKETS 1024 /* per shard */

/* Every string of struct customer: a hit copies them out of the entry. A new char * field
 * in struct customer must be added here (the assert below stops the build until it is). */
static const size_t customer_strings[] = {
    offsetof(struct customer, customer_no),
    offsetof(struct customer, email),
    offsetof(struct customer, phone_area),
    offsetof(struct customer, phone),
    offsetof(struct customer, pw_hash),
    offsetof(struct customer, country),
    offsetof(struct customer, lang),
    offsetof(struct customer, register_device),
    offsetof(struct customer, utm_source),
    offsetof(struct customer, utm_medium),
    offsetof(struct customer, utm_campaign),
    offsetof(struct customer, utm_content),
    offsetof(struct customer, utm_term),
    offsetof(struct customer, third_server_code),
    offsetof(struct customer, third_server_source),
    offsetof(struct customer, kyc_audit_remark),
    offsetof(struct customer, mfa_secret),
};
_Static_assert(sizeof(struct customer) == 216,
               "struct customer changed: list its strings in session_cache.c, then update this");
#define N_STRINGS (sizeof customer_strings / sizeof customer_strings[0])

struct entry {
    struct entry *next;
    unsigned char hash[TA_HASH_BYTES];
    struct session s; /* only the scalar fields are kept */
    int64_t valid_until_ms;
    struct customer c; /* strings point into blob */
    struct security_summary sum;
    size_t n_accounts; /* at the start of blob */
    size_t blob_len;
    _Alignas(16) unsigned char blob[];
};

struct shard {
    pthread_mutex_t lock;
    struct entry *b[BUCKETS];
    size_t n;
};

struct cache {
    struct shard shards[SHARDS];
    size_t max_per_shard;
    const struct config *cfg;
    pthread_t watcher;
    bool has_watcher;
    atomic_bool stopping;
};

static struct cache *cache;
static atomic_bool trusted;
static _Atomic uint64_t epoch;

/* ---- entries ---- */

static struct shard *shard_of(const unsigned char *hash, size_t *bucket)
{
    uint32_t x;
    memcpy(&x, hash, sizeof x); /* the hash is uniformly random already */
    *bucket = (x >> 6) % BUCKETS;
    return &cache->shards[x % SHARDS];
}

static void entry_free(struct entry *e)
{
    sodium_memzero(e, sizeof *e + e->blob_len); /* the password hash and MFA secret */
    free(e);
}

static size_t strings_len(const struct customer *c)
{
    size_t n = 0;
    for (size_t i = 0; i < N_STRINGS; i++) {
        const char *s = *(char *const *)((const char *)c + customer_strings[i]);
        if (s != NULL)
            n += strlen(s) + 1;
    }
    return n;
}

/* Copies c's strings into dst and points copy's fields at them. */
static void strings_copy(const struct customer *c, struct customer *copy, char *dst)
{
    for (size_t i = 0; i < N_STRINGS; i++) {
        const char *s = *(char *const *)((const char *)c + customer_strings[i]);
        char **field = (char **)((char *)copy + customer_strings[i]);
        if (s == NULL) {
            *field = NULL;
            continue;
        }
        size_t len = strlen(s) + 1;
        memcpy(dst, s, len);
        *field = dst;
        dst += len;
    }
}

static struct entry *entry_new(const unsigned char *hash, const struct session *s,
                               int64_t valid_until_ms, const struct customer *c,
                               const struct account *acc, size_t n_acc,
                               const struct security_summary *sum)
{
    size_t acc_bytes = n_acc * sizeof *acc;
    size_t blob = acc_bytes + strings_len(c);
    struct entry *e = xcalloc(1, sizeof *e + blob);
    memcpy(e->hash, hash, TA_HASH_BYTES);
    e->s.id = s->id;
    e->s.customer_id = s->customer_id;
    e->s.company_id = s->company_id;
    e->s.device = s->device;
    e->s.created_ms = s->created_ms;
    e->s.last_used_ms = s->last_used_ms;
    e->valid_until_ms = valid_until_ms;
    e->c = *c;
    e->n_accounts = n_acc;
    e->sum = *sum;
    e->blob_len = blob;
    if (acc_bytes > 0)
        memcpy(e->blob, acc, acc_bytes);
    strings_copy(c, &e->c, (char *)e->blob + acc_bytes);
    return e;
}

/* Copies e out into the arena; false when the arena is full. */
static bool entry_copy_out(const struct entry *e, struct arena *a, struct session_cache_hit *out)
{
    memset(out, 0, sizeof *out);
    out->s = e->s;
    size_t acc_bytes = e->n_accounts * sizeof(struct account);
    unsigned char *blob = e->blob_len > 0 ? arena_alloc(a, e->blob_len) : NULL;
    if (e->blob_len > 0 && blob == NULL)
        return false;
    if (blob != NULL)
        memcpy(blob, e->blob, e->blob_len);
    out->accounts = acc_bytes > 0 ? (struct account *)blob : NULL;
    out->n_accounts = e->n_accounts;
    out->sum = e->sum;
    out->c = e->c;
    for (size_t i = 0; i < N_STRINGS; i++) {
        char **field = (char **)((char *)&out->c + customer_strings[i]);
        if (*field != NULL)
            *field = (char *)blob + (*field - (const char *)e->blob);
    }
    return true;
}

/* Removes the entries for which drop(e, ref) holds, from every shard. */
static void sweep(bool (*drop)(const struct entry *e, int64_t ref), int64_t ref)
{
    for (size_t i = 0; i < SHARDS; i++) {
        struct shard *sh = &cache->shards[i];
        pthread_mutex_lock(&sh->lock);
        for (size_t b = 0; b < BUCKETS && sh->n > 0; b++) {
            for (struct entry **p = &sh->b[b]; *p != NULL;) {
                struct entry *e = *p;
                if (drop(e, ref)) {
                    *p = e->next;
                    entry_free(e);
                    sh->n--;
                    stats_add(STAT_CACHE_ENTRIES, (uint64_t)-1);
                } else {
                    p = &e->next;
                }
            }
        }
        pthread_mutex_unlock(&sh->lock);
    }
}

static bool by_session(const struct entry *e, int64_t ref)
{
    return e->s.id == ref;
}

static bool by_customer(const struct entry *e, int64_t ref)
{
    return e->s.customer_id == ref || e->c.relation_customer_id == ref;
}

static bool every(const struct entry *e, int64_t ref)
{
    (void)e;
    (void)ref;
    return true;
}

void session_cache_on_event(const struct store_event *ev)
{
    atomic_fetch_add(&epoch, 1); /* before the sweep: a miss reading now keeps nothing */
    if (ev->scope == EVENT_ALL)
        company_cache_invalidate();
    if (cache == NULL)
        return;
    if (ev->scope == EVENT_SESSION)
        sweep(by_session, ev->ref);
    else if (ev->scope == EVENT_CUSTOMER)
        sweep(by_customer, ev->ref);
    else {
        stats_add(STAT_CACHE_FLUSHES, 1);
        sweep(every, 0);
    }
}

uint64_t session_cache_epoch(void)
{
    return atomic_load(&epoch);
}

bool session_cache_active(void)
{
    return cache != NULL && atomic_load(&trusted);
}

/* ---- reads ---- */

enum session_cache_answer session_cache_get(const unsigned char *hash, int64_t company_id,
                                            int64_t now_ms, int64_t idle_ms, int64_t absolute_ms,
                                            int64_t touch_ms, struct arena *a,
                                            struct session_cache_hit *out)
{
    if (!session_cache_active())
        return CACHE_MISS;
    size_t b;
    struct shard *sh = shard_of(hash, &b);
    enum session_cache_answer ans = CACHE_MISS;
    pthread_mutex_lock(&sh->lock);
    struct entry **p = &sh->b[b];
    while (*p != NULL && memcmp((*p)->hash, hash, TA_HASH_BYTES) != 0)
        p = &(*p)->next;
    struct entry *e = *p;
    if (e != NULL && e->s.company_id != company_id) {
        ans = CACHE_OTHER_COMPANY;
    } else if (e != NULL &&
               (now_ms >= e->s.last_used_ms + idle_ms || now_ms >= e->s.created_ms + absolute_ms ||
                now_ms >= e->valid_until_ms)) {
        *p = e->next; /* the database decides (another instance may have touched it) */
        entry_free(e);
        sh->n--;
        stats_add(STAT_CACHE_ENTRIES, (uint64_t)-1);
    } else if (e != NULL && entry_copy_out(e, a, out)) {
        ans = CACHE_HIT;
        if (now_ms - e->s.last_used_ms >= touch_ms && session_touch_queue(e->s.id, now_ms)) {
            e->s.last_used_ms = now_ms;
            out->s.last_used_ms = now_ms;
            out->touch_queued = true;
        }
    }
    pthread_mutex_unlock(&sh->lock);
    stats_add(ans == CACHE_MISS ? STAT_CACHE_MISSES : STAT_CACHE_HITS, 1);
    return ans;
}

void session_cache_put(uint64_t ep, const unsigned char *hash, const struct session *s,
                       int64_t valid_until_ms, const struct customer *c,
                       const struct account *accounts, size_t n_accounts,
                       const struct security_summary *sum)
{
    if (!session_cache_active() || atomic_load(&epoch) != ep)
        return;
    struct entry *e = entry_new(hash, s, valid_until_ms, c, accounts, n_accounts, sum);
    size_t b;
    struct shard *sh = shard_of(hash, &b);
    pthread_mutex_lock(&sh->lock);
    /* Checked again under the lock: an event's sweep of this shard comes after its bump. */
    if (atomic_load(&epoch) != ep || !atomic_load(&trusted)) {
        pthread_mutex_unlock(&sh->lock);
        entry_free(e);
        return;
    }
    for (struct entry **p = &sh->b[b]; *p != NULL; p = &(*p)->next) {
        if (memcmp((*p)->hash, hash, TA_HASH_BYTES) == 0) {
            struct entry *old = *p;
            e->next = old->next;
            *p = e;
            entry_free(old);
            pthread_mutex_unlock(&sh->lock);
            return;
        }
    }
    if (sh->n >= cache->max_per_shard) {
        /* Full: forget this bucket's chain (sessions are re-read on their next use). */
        for (struct entry *x = sh->b[b], *next; x != NULL; x = next) {
            next = x->next;
            entry_free(x);
            sh->n--;
            stats_add(STAT_CACHE_ENTRIES, (uint64_t)-1);
        }
        sh->b[b] = NULL;
    }
    e->next = sh->b[b];
    sh->b[b] = e;
    sh->n++;
    stats_add(STAT_CACHE_ENTRIES, 1);
    pthread_mutex_unlock(&sh->lock);
}

void session_cache_stats(struct session_cache_stats *out)
{
    out->hits = stats_get(STAT_CACHE_HITS);
    out->misses = stats_get(STAT_CACHE_MISSES);
    out->entries = stats_get(STAT_CACHE_ENTRIES);
    out->flushes = stats_get(STAT_CACHE_FLUSHES);
    out->touches_written = stats_get(STAT_CACHE_TOUCHES);
}

/* ---- background threads ---- */

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void lose_trust(void)
{
    atomic_store(&trusted, false);
    session_cache_on_event(&(struct store_event){EVENT_ALL, 0});
}

/* Receives the other processes' events; while it has no connection the cache is off. */
static void *watcher_main(void *arg)
{
    (void)arg;
    struct store_watch *w = NULL;
    while (!atomic_load(&cache->stopping)) {
        if (w == NULL) {
            w = store_watch_open(cache->cfg->db);
            if (w == NULL) {
                sleep_ms(200);
                continue;
            }
            /* Whatever happened while nobody listened is unknown: start empty. */
            session_cache_on_event(&(struct store_event){EVENT_ALL, 0});
            atomic_store(&trusted, true);
            log_info(NULL, "session cache: watching %s for other instances' changes",
                     strncmp(cache->cfg->db, "sqlite:", 7) == 0 ? "the SQLite file" : "PostgreSQL");
        }
        if (!store_watch_poll(w, 200, session_cache_on_event)) {
            log_warn(NULL, "session cache: change feed lost; cache emptied and off until back");
            lose_trust();
            store_watch_close(w);
            w = NULL;
        }
    }
    store_watch_close(w);
    return NULL;
}

ta_err session_cache_start(const struct config *cfg, size_t max_entries)
{
    if (max_entries == 0 || cache != NULL)
        return TA_OK;
    struct cache *c = xcalloc(1, sizeof *c);
    for (size_t i = 0; i < SHARDS; i++)
        pthread_mutex_init(&c->shards[i].lock, NULL);
    c->max_per_shard = max_entries / SHARDS > 0 ? max_entries / SHARDS : 1;
    c->cfg = cfg;
    cache = c;
    store_events_set_sink(session_cache_on_event);
    bool memory = strstr(cfg->db, ":memory:") != NULL; /* no other process can open it */
    atomic_store(&trusted, memory);
    if (!memory) {
        if (pthread_create(&c->watcher, NULL, watcher_main, NULL) != 0) {
            session_cache_stop();
            return TA_FAIL(TA_E_INTERNAL);
        }
        c->has_watcher = true;
    }
    return TA_OK;
}

void session_cache_stop(void)
{
    struct cache *c = cache;
    if (c == NULL)
        return;
    atomic_store(&trusted, false);
    atomic_store(&c->stopping, true);
    if (c->has_watcher)
        pthread_join(c->watcher, NULL);
    sweep(every, 0);
    store_events_set_sink(NULL);
    cache = NULL;
    for (size_t i = 0; i < SHARDS; i++)
        pthread_mutex_destroy(&c->shards[i].lock);
    free(c);
}
