/* tests/e2e/test_pg_crash.c — crash consistency with PostgreSQL restarted under the
 * instances (issue 13): two tradeauth processes on one private cluster
 * (scripts/pg-test-cluster.sh via support/pg_harness), a register + refresh flood over both,
 * the database restarted mid-flood and then one instance killed with -9 and started again:
 * every acknowledged registration is there and every last acknowledged refresh token works.
 * Registered only as a pg test (e2e/test_pg_*.c). */
#include "support/e2e.h"
#include "support/flood.h"
#include "support/pg_harness.h"

#include <stdio.h>
#include <time.h>

static void nap(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void pg_restart_and_kill9_mid_flood__acknowledged_writes_survive(void **state)
{
    (void)state;
    char url[256];
    assert_int_equal(pg_harness_start(url, sizeof url), 0);
    struct e2e_server *a = e2e_server_new_db(url), *b = e2e_server_new_db(url);
    /* Both delivery workers drain one outbox: both append to a's delivery log. */
    const char *const shared_log[] = {"--delivery-log", a->delivery_log, NULL};
    e2e_server_start(a, NULL);
    e2e_server_start(b, shared_log);
    static struct flood f;
    flood_start(&f, a, b);
    nap(800);
    assert_int_equal(pg_harness_restart(), 0); /* the database goes away under both */
    nap(800);
    e2e_server_kill9(b); /* and one instance crashes while they recover */
    nap(400);
    flood_stop(&f);
    e2e_server_start(b, shared_log);
    flood_check(&f, b);
    int rotations = f.ref[0].rotations + f.ref[1].rotations;
    print_message("PostgreSQL restart + kill -9: %d acknowledged registrations, %d refresh "
                  "rotations, %d refused while down; all acknowledged present\n",
                  f.n_acked, rotations, f.failures);
    assert_true(f.n_acked > 0 && rotations > 0);
    e2e_server_stop(a);
    e2e_server_stop(b);
    e2e_server_free(a);
    e2e_server_free(b);
    pg_harness_stop();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pg_restart_and_kill9_mid_flood__acknowledged_writes_survive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
