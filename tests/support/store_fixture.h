/* tests/support/store_fixture.h — where store tests get their database.
 * SQLite (the default): a fresh database file per call, removed at exit. PostgreSQL: the
 * one shared database named by TA_TEST_PG_URL, so tests must never assume it is empty. */
#ifndef TA_TESTS_SUPPORT_STORE_FIXTURE_H
#define TA_TESTS_SUPPORT_STORE_FIXTURE_H

#include <stdbool.h>

/* A database URL for store_open. TA_TEST_DB_URL unset or starting with "sqlite": a new
 * "sqlite:$TMPDIR/ta-test-XXXXXX/db/store.db" on every call (the db/ folder does not exist
 * yet, so opening also checks that the backend creates it). Otherwise TA_TEST_PG_URL (or,
 * when unset, TA_TEST_DB_URL itself), the same database every call. The string stays valid
 * until exit. Aborts the test program when no temporary directory can be made. */
const char *fixture_store_url(void);

/* True when every call returns the same, possibly non-empty database (PostgreSQL). */
bool fixture_store_shared(void);

#endif
