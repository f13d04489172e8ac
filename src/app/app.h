/* app/app.h — the running program: configuration, per-thread database connections, the
 * hash pool, the delivery worker and the HTTP server, started and stopped in order. */
#ifndef TA_APP_APP_H
#define TA_APP_APP_H

#include <stdint.h>

#include "util/config.h"
#include "util/err.h"

struct app;

/* Opens the database, migrates, seeds the default company, loads keys. cfg is borrowed and
 * must outlive the app. *out set only on TA_OK. */
ta_err app_open(const struct config *cfg, struct app **out);
/* Starts the delivery worker, the hash pool and the HTTP server. */
ta_err app_start(struct app *app);
uint16_t app_port(const struct app *app);
/* Graceful stop: no new connections, requests in flight finish, outbox flushed. */
void app_stop(struct app *app);
void app_close(struct app *app); /* NULL is a no-op */

/* The calling thread's connection to the app's database (opened on first use). */
struct store *app_thread_store(struct app *app);

/* `tradeauth serve`: runs until SIGTERM or SIGINT. Returns the exit status. */
int app_serve(const struct config *cfg);

#endif
