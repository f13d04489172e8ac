/* tests/e2e/test_reclaim.c — issue 13 point 7: a code the delivery worker had claimed when
 * the process died used to wait out its 60 s lease; the same instance (--instance-id)
 * started again takes its own claims back at once, while another instance leaves them to
 * their lease. The crash mid-send is made exact by writing the claim's state by hand after
 * a kill -9. */
#include "support/e2e.h"

#include <stdio.h>
#include <string.h>

static void restarted_instance__takes_its_own_claims_back_at_once(void **state)
{
    (void)state;
    struct e2e_server *s = e2e_server_new();
    /* The worker looks once at start, then sleeps a minute: the code stays in the outbox. */
    e2e_server_start(s, E2E_ARGS("--instance-id", "inst-a", "--delivery-poll-ms", "60000"));
    char email[96], tok[100];
    e2e_email(email, "claimed");
    E2E_SEND_CODE(s, "EMAIL_REGISTER_VERIFICATION_CODE", email, NULL, tok);
    e2e_server_kill9(s);
    char sql[300];
    snprintf(sql, sizeof sql,
             "UPDATE outbox SET claimed_by = 'inst-a', attempts = 1, next_at_ms = next_at_ms + "
             "60000 WHERE to_addr = '%s' AND status = 0",
             email);
    assert_int_equal(e2e_sql(s, sql), 1); /* as inst-a left it: claimed, leased, unsent */

    /* Another instance respects the lease. */
    e2e_server_start(s, E2E_ARGS("--instance-id", "inst-b"));
    json_t *none = e2e_wait_delivery(s, email, 1500);
    assert_null(none);
    e2e_server_kill9(s);

    /* The same instance takes it back at once (before the fix: ~60 s). */
    double t0 = e2e_now_ms();
    e2e_server_start(s, E2E_ARGS("--instance-id", "inst-a"));
    json_t *line = e2e_wait_delivery(s, email, 3000);
    assert_non_null(line);
    print_message("the restarted instance delivered its claimed code %.0f ms after start\n",
                  e2e_now_ms() - t0);
    json_decref(line);
    e2e_server_stop(s);
    e2e_server_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(restarted_instance__takes_its_own_claims_back_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
