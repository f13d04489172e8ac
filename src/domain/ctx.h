/* domain/ctx.h — what a use case needs to know about the request it serves, without HTTP:
 * the thread's store, the request arena, the resolved company, time, address and language.
 * Domain functions report a message parameter (seconds to wait, field name) in `detail`. */
#ifndef TA_DOMAIN_CTX_H
#define TA_DOMAIN_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/passwd.h"
#include "store/model.h"
#include "util/err.h"

struct arena;
struct config;
struct store;

struct dctx {
    const struct config *cfg;
    struct store *st;
    struct arena *a;
    const struct company *co; /* the companyId header's company */
    int64_t now_ms;
    const char *client_addr; /* after trusted-proxy resolution */
    const char *user_agent;  /* may be NULL */
    const char *lang;        /* canonical tag of the request */
    const char *trace;
    const char *detail; /* out: the msgParams value of the answer, or NULL */
};

/* The signed-in customer of a token route. */
struct auth {
    struct session s;
    struct customer c;
    const char *token;        /* as presented */
    struct account *accounts; /* the customer's accounts when have_accounts */
    size_t n_accounts;
    bool have_accounts;
    struct security_summary sum; /* hold and fund-password state (C23, C24) */
    bool touch_due;              /* session_check left the last-used write to the caller */
};

/* Sets ctx->detail to a formatted string from the arena and returns e. */
ta_err dctx_fail(struct dctx *ctx, ta_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* argon2id parameters from the configuration. */
struct passwd_params dctx_pw_params(const struct dctx *ctx);

/* How dctx_tx_run treats a failed attempt. Both backends answer TA_E_RETRY for the same
 * things (SQLite: busy past the busy wait; PostgreSQL: serialization failure, deadlock),
 * so a flag means the same on both. */
enum tx_flags {
    TX_ONCE = 0,           /* never run again: the caller gets TA_E_RETRY */
    TX_RETRY = 1,          /* TA_E_RETRY: roll back and run the body again */
    TX_RETRY_CONFLICT = 2, /* TA_E_CONFLICT too: a race another writer won (its row is
                              there on the next attempt) */
};
#define TX_ATTEMPTS 5

/* Every write of the domain goes through here: runs body(ctx, arg) inside one store
 * transaction, commits when it answers TA_OK, rolls back on any error, and runs it again
 * (up to TX_ATTEMPTS times in all) as flags say. body must be safe to repeat. */
ta_err dctx_tx_run(struct dctx *ctx, unsigned flags, ta_err (*body)(struct dctx *ctx, void *arg),
                   void *arg);
/* The usual case: dctx_tx_run with TX_RETRY. */
static inline ta_err dctx_tx(struct dctx *ctx, ta_err (*body)(struct dctx *ctx, void *arg),
                             void *arg)
{
    return dctx_tx_run(ctx, TX_RETRY, body, arg);
}

/* The request's lock budget, for the edge (which includes no store header): every database
 * wait of the calling thread ends at mono_ns (clock_mono_ns); 0 clears it. */
void dctx_deadline_set(int64_t mono_ns);
/* Around a request run on an HTTP thread: its lock waits are counted (they should not
 * happen: only reads run there) and bounded by mono_ns. */
void dctx_http_thread_begin(int64_t mono_ns);
void dctx_http_thread_end(void);
/* One request's whole lock budget in nanoseconds (--db-busy-ms). */
int64_t dctx_busy_ns(void);

/* For the edge after a handler: true when it left a transaction open (a bug), which is then
 * rolled back so the thread's connection stays usable. */
bool dctx_tx_left_open(struct dctx *ctx);

#endif
