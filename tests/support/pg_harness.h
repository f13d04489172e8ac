/* tests/support/pg_harness.h — a real, throwaway PostgreSQL server for tests.
 * Wraps scripts/pg-test-cluster.sh (found through env TA_SOURCE_DIR, default "."): one
 * cluster per test process, in a fresh temporary folder, removed at exit or by a watchdog. */
#ifndef TA_TESTS_SUPPORT_PG_HARNESS_H
#define TA_TESTS_SUPPORT_PG_HARNESS_H

#include <stddef.h>

/* Starts the cluster and writes its URL (postgres://tradeauth@127.0.0.1:PORT/tradeauth) into
 * url. Returns 0, or -1 (reason on stderr; nothing left running). Registers an atexit stop. */
int pg_harness_start(char *url, size_t size);
/* Stops the cluster and removes its folder. Safe to call twice or without a start. */
void pg_harness_stop(void);
/* Stops the server fast (clients see their connections cut) and starts it again on the same
 * port with the same data. Returns 0 or -1. */
int pg_harness_restart(void);

#endif
