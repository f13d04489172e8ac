/* tests/e2e/test_crash.c — crash consistency (issue 13): kill -9 in the middle of a register
 * + refresh flood, start again on the same database, and every acknowledged registration is
 * there, every last acknowledged refresh token still works, and (SQLite) PRAGMA
 * integrity_check says ok. Three crashes in a row on one database; on the PostgreSQL run
 * (e2e_pg_test_crash) the same against the shared cluster. */
#include "support/e2e.h"
#include "support/flood.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CRASHES 3

static void nap(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void kill9_mid_flood__acknowledged_writes_survive(void **state)
{
    (void)state;
    struct e2e_server *s = e2e_server_up(NULL);
    int acked = 0, rotations = 0;
    for (int i = 0; i < CRASHES; i++) {
        static struct flood f;
        flood_start(&f, s, NULL);
        nap(700 + 300 * i); /* a different moment in the flood each time */
        e2e_server_kill9(s);
        flood_stop(&f);
        e2e_server_start(s, NULL);
        flood_check(&f, s);
        if (!e2e_backend_pg()) {
            char ok[64] = "";
            assert_true(e2e_sql_text(s, "PRAGMA integrity_check", ok, sizeof ok));
            assert_string_equal(ok, "ok");
        }
        acked += f.n_acked;
        for (int r = 0; r < FLOOD_REFRESHERS; r++)
            rotations += f.ref[r].rotations;
    }
    print_message("%d crashes: %d acknowledged registrations and %d refresh rotations, all "
                  "present after restart\n",
                  CRASHES, acked, rotations);
    assert_true(acked > 0 && rotations > 0);
    e2e_server_stop(s);
    e2e_server_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kill9_mid_flood__acknowledged_writes_survive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
