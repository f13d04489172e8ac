/* http/metrics.c — a fixed table indexed by route and outcome; a request costs two
 * relaxed atomic increments, so metrics never show up in a profile. */
#include "http/metrics.h"
#include "api/api.h"
#include "util/mem.h"
#include "util/stats.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROUTES 64
static const double bounds_ms[] = {0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500};
#define NB (sizeof bounds_ms / sizeof bounds_ms[0])

static _Atomic uint64_t answers[MAX_ROUTES + 1][TA_ERR_COUNT_];
static _Atomic uint64_t buckets[MAX_ROUTES + 1][NB + 1];
static _Atomic uint64_t sum_us[MAX_ROUTES + 1];

static size_t index_of(const struct route *r)
{
    if (r == NULL)
        return MAX_ROUTES;
    size_t i = (size_t)(r - api_routes);
    return i < MAX_ROUTES ? i : MAX_ROUTES;
}

void metrics_route_done(const struct route *r, ta_err e, int64_t duration_ns)
{
    size_t i = index_of(r);
    unsigned k = (unsigned)e < TA_ERR_COUNT_ ? (unsigned)e : (unsigned)TA_E_INTERNAL;
    atomic_fetch_add_explicit(&answers[i][k], 1, memory_order_relaxed);
    double ms = (double)duration_ns / 1e6;
    size_t b = 0;
    while (b < NB && ms > bounds_ms[b])
        b++;
    atomic_fetch_add_explicit(&buckets[i][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sum_us[i], (uint64_t)(duration_ns / 1000), memory_order_relaxed);
}

struct buf {
    char *p;
    size_t len, cap;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        b->cap = b->cap * 2 + (n > 0 ? (size_t)n : 0);
        b->p = xrealloc(b->p, b->cap);
    }
}

static const char *route_name(size_t i)
{
    return i == MAX_ROUTES ? "none" : api_routes[i].name;
}

/* Answers by route and envelope code; routes without answers are left out. */
static void put_answers(struct buf *b, size_t n_routes)
{
    put(b, "# HELP tradeauth_requests_total Answers by route and envelope code.\n"
           "# TYPE tradeauth_requests_total counter\n");
    for (size_t i = 0; i <= MAX_ROUTES; i++) {
        if (i >= n_routes && i != MAX_ROUTES)
            continue;
        for (unsigned k = 0; k < TA_ERR_COUNT_; k++) {
            uint64_t v = atomic_load_explicit(&answers[i][k], memory_order_relaxed);
            if (v != 0)
                put(b, "tradeauth_requests_total{route=\"%s\",code=\"%s\",outcome=\"%s\"} %llu\n",
                    route_name(i), ta_err_wire((ta_err)k), ta_err_name((ta_err)k),
                    (unsigned long long)v);
        }
    }
}

/* The latency histogram of each route. */
static void put_durations(struct buf *b, size_t n_routes)
{
    put(b, "# HELP tradeauth_request_duration_seconds Time from first byte to answer.\n"
           "# TYPE tradeauth_request_duration_seconds histogram\n");
    for (size_t i = 0; i <= MAX_ROUTES; i++) {
        if (i >= n_routes && i != MAX_ROUTES)
            continue;
        uint64_t cum = 0;
        for (size_t k = 0; k <= NB; k++) {
            cum += atomic_load_explicit(&buckets[i][k], memory_order_relaxed);
            if (k < NB)
                put(b, "tradeauth_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                    route_name(i), bounds_ms[k] / 1000.0, (unsigned long long)cum);
            else
                put(b, "tradeauth_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
                    route_name(i), (unsigned long long)cum);
        }
        put(b, "tradeauth_request_duration_seconds_sum{route=\"%s\"} %.6f\n", route_name(i),
            (double)atomic_load_explicit(&sum_us[i], memory_order_relaxed) / 1e6);
        put(b, "tradeauth_request_duration_seconds_count{route=\"%s\"} %llu\n", route_name(i),
            (unsigned long long)cum);
    }
}

/* Every series util/stats keeps, in output order. Rows of one family (same name, labels
 * apart) follow each other and share its HELP and TYPE lines. scale 0: an integer count;
 * otherwise the value times scale, as a decimal (microseconds to seconds). */
static const struct stat_series {
    const char *name, *type, *help, *labels;
    enum stat_id id;
    double scale;
} series[] = {
    {"tradeauth_hash_jobs_total", "counter", "Slow requests run on the hash pool.", NULL,
     STAT_HASH_JOBS, 0},
    {"tradeauth_hash_wait_seconds_total", "counter", "Time those jobs waited in the queue.", NULL,
     STAT_HASH_WAIT_US, 1e-6},
    {"tradeauth_hash_rejected_total", "counter", "Slow requests refused: queue full.", NULL,
     STAT_HASH_REJECTED, 0},
    {"tradeauth_session_cache_hits_total", "counter", "Token reads answered from memory.", NULL,
     STAT_CACHE_HITS, 0},
    {"tradeauth_session_cache_misses_total", "counter", "Token reads that went to the database.",
     NULL, STAT_CACHE_MISSES, 0},
    {"tradeauth_session_cache_entries", "gauge", "Live sessions held in memory.", NULL,
     STAT_CACHE_ENTRIES, 0},
    {"tradeauth_session_cache_flushes_total", "counter",
     "Whole cache forgotten (company change, lost change feed).", NULL, STAT_CACHE_FLUSHES, 0},
    {"tradeauth_session_touches_total", "counter", "Idle-life writes done in the background.", NULL,
     STAT_CACHE_TOUCHES, 0},
    {"tradeauth_session_touches_queued_total", "counter",
     "Idle-life writes handed to the background writer.", NULL, STAT_TOUCH_QUEUED, 0},
    {"tradeauth_session_touches_dropped_total", "counter", "Idle-life writes skipped: queue full.",
     NULL, STAT_TOUCH_DROPPED, 0},
    {"tradeauth_http_lock_waits_total", "counter",
     "Database lock waits begun on an HTTP thread (0 unless something there writes).", NULL,
     STAT_HTTP_WAITS, 0},
#define CODES "tradeauth_codes_total", "counter", "Verification messages by channel and result."
    {CODES, "channel=\"sms\",result=\"sent\"", STAT_SMS_SENT, 0},
    {CODES, "channel=\"sms\",result=\"retried\"", STAT_SMS_RETRIED, 0},
    {CODES, "channel=\"sms\",result=\"failed\"", STAT_SMS_FAILED, 0},
    {CODES, "channel=\"email\",result=\"sent\"", STAT_EMAIL_SENT, 0},
    {CODES, "channel=\"email\",result=\"retried\"", STAT_EMAIL_RETRIED, 0},
    {CODES, "channel=\"email\",result=\"failed\"", STAT_EMAIL_FAILED, 0},
#define CLOSED                                                                                     \
    "tradeauth_connections_closed_total", "counter",                                               \
        "Connections the server closed itself: a malformed or oversized first request "            \
        "answered at the gate (refused), a request not whole within --read-timeout-s (slow), "     \
        "too many waiting from one address (over_limit)."
    {CLOSED, "reason=\"refused\"", STAT_CONN_REFUSED, 0},
    {CLOSED, "reason=\"slow\"", STAT_CONN_SLOW, 0},
    {CLOSED, "reason=\"over_limit\"", STAT_CONN_OVER, 0},
};
#undef CODES
#undef CLOSED

static void put_stats(struct buf *b)
{
    const char *family = "";
    for (size_t i = 0; i < sizeof series / sizeof series[0]; i++) {
        const struct stat_series *s = &series[i];
        if (strcmp(s->name, family) != 0)
            put(b, "# HELP %s %s\n# TYPE %s %s\n", s->name, s->help, s->name, s->type);
        family = s->name;
        put(b, "%s%s%s%s ", s->name, s->labels ? "{" : "", s->labels ? s->labels : "",
            s->labels ? "}" : "");
        if (s->scale != 0)
            put(b, "%.6f\n", (double)stats_get(s->id) * s->scale);
        else
            put(b, "%llu\n", (unsigned long long)stats_get(s->id));
    }
}

char *metrics_render(size_t hash_depth, int64_t live_sessions)
{
    struct buf b = {xmalloc(8192), 0, 8192};
    size_t n_routes = 0;
    while (api_routes[n_routes].path != NULL && n_routes < MAX_ROUTES)
        n_routes++;
    put_answers(&b, n_routes);
    put_durations(&b, n_routes);
    put(&b,
        "# HELP tradeauth_hash_queue_depth Password hashes waiting for a worker.\n"
        "# TYPE tradeauth_hash_queue_depth gauge\ntradeauth_hash_queue_depth %zu\n",
        hash_depth);
    put_stats(&b);
    if (live_sessions >= 0)
        put(&b,
            "# HELP tradeauth_active_sessions Sessions used within the idle lifetime.\n"
            "# TYPE tradeauth_active_sessions gauge\ntradeauth_active_sessions %lld\n",
            (long long)live_sessions);
    return b.p;
}

char *metrics_append_store(char *text, int ready, int64_t outbox_pending, int64_t outbox_failed)
{
    size_t len = strlen(text);
    struct buf b = {text, len, len + 1};
    put(&b,
        "# HELP tradeauth_ready 1 when the database answers (as GET /readyz).\n"
        "# TYPE tradeauth_ready gauge\ntradeauth_ready %d\n",
        ready);
    if (outbox_pending >= 0)
        put(&b,
            "# HELP tradeauth_outbox_pending Verification messages waiting for delivery.\n"
            "# TYPE tradeauth_outbox_pending gauge\ntradeauth_outbox_pending %lld\n",
            (long long)outbox_pending);
    if (outbox_failed >= 0)
        put(&b,
            "# HELP tradeauth_outbox_failed Messages given up on, kept until the purge.\n"
            "# TYPE tradeauth_outbox_failed gauge\ntradeauth_outbox_failed %lld\n",
            (long long)outbox_failed);
    return b.p;
}
