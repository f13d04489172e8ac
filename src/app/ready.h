/* app/ready.h — /readyz without touching the database on the request's thread: a prober
 * thread writes a probe row every second (with a short lock budget) and, on SQLite, checks
 * the free space under the database file; /readyz only reads the outcome (issue 13). */
#ifndef TA_APP_READY_H
#define TA_APP_READY_H

#include <stdbool.h>

struct app;
struct ready;

/* Starts the prober on the app's database; db_url picks the file whose disk is watched. */
struct ready *ready_start(struct app *app, const char *db_url);
/* Ready: the last probe succeeded within the last 3 s and none is stuck right now. */
bool ready_now(struct ready *r);
void ready_stop(struct ready *r); /* NULL is a no-op */

#endif
