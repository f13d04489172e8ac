/* tests/api/test_limits.c — every row of contract D that a handler enforces, in process:
 * each limit fires at exactly its threshold and lets go at exactly the end of its window,
 * with the documented code and seconds to wait. Time is the fake clock (never slept).
 * Also: a refused send writes nothing, LOGIN/PASSWORD codes to unknown recipients deliver
 * nothing, and admin_customer_unlock (`tradeauth customer unlock`) clears a lock. */
#include "support/test_app.h"

#include "domain/admin.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/clock.h"

#include <stdio.h>
#include <string.h>

#define BIZ_REGISTER "EMAIL_REGISTER_VERIFICATION_CODE"
#define BIZ_LOGIN "EMAIL_LOGIN_VERIFICATION_CODE"
#define BIZ_PASSWORD "EMAIL_PASSWORD_VERIFICATION_CODE"

/* Moves the fake clock to TA_T0 + offset_ms. */
static void at(int64_t offset_ms)
{
    clock_fake_set(TA_T0 + offset_ms);
}

static json_t *send_from(struct test_app *app, const char *addr, const char *biz, const char *to)
{
    struct ta_hdr h = {.addr = addr};
    return ta_post(app, TA_R_SEND, &h, "{s:s,s:s}", "bizType", biz, "toUser", to);
}

static json_t *send_code(struct test_app *app, const char *to)
{
    return send_from(app, NULL, BIZ_REGISTER, to);
}

static int64_t counter(struct test_app *app, const char *key)
{
    return ta_sql_int(app, "SELECT coalesce(sum(count), 0) FROM counters WHERE key = ?1", key);
}

static int64_t counters_total(struct test_app *app)
{
    return ta_sql_int(app, "SELECT coalesce(sum(count), 0) FROM counters", NULL);
}

static json_t *login_from(struct test_app *app, const char *addr, const char *email,
                          const char *pwd)
{
    struct ta_hdr h = {.addr = addr};
    return ta_login_email(app, &h, email, pwd, NULL);
}

/* ---- code resend: 60 s per company + bizType + recipient ---------------------------------- */

static void send__again_within_60_s__204_with_seconds_to_wait_until_exactly_60_s(void **state)
{
    struct test_app *app = *state;
    const char *to = "cool@example.com";

    TA_SEND_CODE(app, NULL, BIZ_REGISTER, to);
    TA_EXPECT_PARAMS(send_code(app, to), "MESSAGE_API_0000204", "60");
    at(1);
    TA_EXPECT_PARAMS(send_code(app, to), "MESSAGE_API_0000204", "60");
    at(30500);
    TA_EXPECT_PARAMS(send_code(app, to), "MESSAGE_API_0000204", "30");
    at(59001);
    TA_EXPECT_PARAMS(send_code(app, to), "MESSAGE_API_0000204", "1");
    at(59999);
    TA_EXPECT_PARAMS(send_code(app, to), "MESSAGE_API_0000204", "1");
    at(60000);
    TA_EXPECT(send_code(app, to), "0");
    /* The window restarts at the send that was let through. */
    TA_EXPECT_PARAMS(send_code(app, to), "MESSAGE_API_0000204", "60");
}

static void send__refused_by_cooldown__writes_no_ticket_no_outbox_row_no_count(void **state)
{
    struct test_app *app = *state;
    const char *to = "quiet@example.com";

    TA_SEND_CODE(app, NULL, BIZ_REGISTER, to);
    assert_int_equal(ta_ticket_rows(app, to), 1);
    assert_int_equal(ta_outbox_rows(app, to), 1);
    int64_t counted = counters_total(app);

    for (int i = 0; i < 3; i++)
        TA_EXPECT_ONE(send_code(app, to), "MESSAGE_API_0000204");
    assert_int_equal(ta_ticket_rows(app, to), 1);
    assert_int_equal(ta_outbox_rows(app, to), 1);
    /* Only the address's lookup budget is spent: a REGISTER send tells whether the address
     * is registered, so it counts like checkStatus even when refused (issue 13). */
    assert_int_equal(counters_total(app), counted + 3);
}

/* ---- codes per recipient: 10 per hour, 20 per day ------------------------------------------ */

static void
send__eleventh_code_to_a_recipient_in_the_hour__205_until_one_hour_after_the_first(void **state)
{
    struct test_app *app = *state;
    const char *to = "hourly@example.com";
    char key[128];
    snprintf(key, sizeof key, "rh:1:%s", to);

    for (int k = 0; k < 10; k++) {
        at(k * TA_MINUTE);
        TA_EXPECT(send_code(app, to), "0");
    }
    at(10 * TA_MINUTE);
    TA_EXPECT(send_code(app, to), "MESSAGE_API_0000205");
    /* Refused: no ticket, no outbox row, not counted. */
    assert_int_equal(ta_ticket_rows(app, to), 10);
    assert_int_equal(ta_outbox_rows(app, to), 10);
    assert_int_equal(counter(app, key), 10);
    /* Another recipient is not affected. */
    TA_EXPECT(send_code(app, "other@example.com"), "0");

    at(TA_HOUR - 1);
    TA_EXPECT(send_code(app, to), "MESSAGE_API_0000205");
    at(TA_HOUR);
    TA_EXPECT(send_code(app, to), "0");
    assert_int_equal(ta_ticket_rows(app, to), 11);
}

static void
send__twenty_first_code_to_a_recipient_in_the_day__205_until_one_day_after_the_first(void **state)
{
    struct test_app *app = *state;
    const char *to = "daily@example.com";

    for (int h = 0; h < 2; h++) {
        for (int k = 0; k < 10; k++) {
            at(h * TA_HOUR + k * TA_MINUTE);
            TA_EXPECT(send_code(app, to), "0");
        }
    }
    /* Hour 3: the hourly window is fresh, so this refusal is the daily limit. */
    at(2 * TA_HOUR);
    TA_EXPECT(send_code(app, to), "MESSAGE_API_0000205");
    at(TA_DAY - 1);
    TA_EXPECT(send_code(app, to), "MESSAGE_API_0000205");
    assert_int_equal(ta_ticket_rows(app, to), 20);
    at(TA_DAY);
    TA_EXPECT(send_code(app, to), "0");
}

/* ---- codes per client address: 30 per hour ------------------------------------------------ */

static void send__thirty_first_code_from_one_address_in_the_hour__205(void **state)
{
    struct test_app *app = *state;
    const char *addr = "198.51.100.7";
    char to[64];

    /* LOGIN codes: REGISTER sends from one address meet the lookup limit (30 a minute)
     * first; unknown LOGIN recipients get a ticket but no message, and count all the same. */
    for (int i = 0; i < 30; i++) {
        snprintf(to, sizeof to, "addr%d@example.com", i);
        TA_EXPECT(send_from(app, addr, BIZ_LOGIN, to), "0");
    }
    TA_EXPECT(send_from(app, addr, BIZ_LOGIN, "addr30@example.com"), "MESSAGE_API_0000205");
    assert_int_equal(ta_ticket_rows(app, "addr30@example.com"), 0);
    assert_int_equal(ta_outbox_rows(app, "addr30@example.com"), 0);
    /* The same recipient from another address goes through. */
    TA_EXPECT(send_from(app, "198.51.100.8", BIZ_REGISTER, "addr30@example.com"), "0");

    at(TA_HOUR - 1);
    TA_EXPECT(send_from(app, addr, BIZ_REGISTER, "addr31@example.com"), "MESSAGE_API_0000205");
    at(TA_HOUR);
    TA_EXPECT(send_from(app, addr, BIZ_REGISTER, "addr31@example.com"), "0");
}

/* ---- codes per company: 10000 per day (tuned down to 5 here) ------------------------------- */

static void tune_company_day_5(struct config *cfg)
{
    cfg->codes_per_company_day = 5; /* the default 10000 works the same, only slower */
}

static int setup_company_day_5(void **state)
{
    *state = test_app_new(tune_company_day_5);
    return 0;
}

static void send__sixth_code_of_a_company_in_the_day__205_with_the_guard_tuned_to_5(void **state)
{
    struct test_app *app = *state;
    char to[64], addr[32];

    for (int i = 0; i < 5; i++) {
        snprintf(to, sizeof to, "co%d@example.com", i);
        snprintf(addr, sizeof addr, "203.0.113.%d", i + 1);
        TA_EXPECT(send_from(app, addr, BIZ_REGISTER, to), "0");
    }
    TA_EXPECT(send_from(app, "203.0.113.99", BIZ_REGISTER, "co5@example.com"),
              "MESSAGE_API_0000205");
    assert_int_equal(ta_ticket_rows(app, "co5@example.com"), 0);
    assert_int_equal(ta_outbox_rows(app, "co5@example.com"), 0);
    /* Another company (the demo twin, id 2) keeps its own count. */
    struct ta_hdr demo = {.company = "2", .addr = "203.0.113.98"};
    TA_EXPECT(ta_post(app, TA_R_SEND, &demo, "{s:s,s:s}", "bizType", BIZ_REGISTER, "toUser",
                      "co5@example.com"),
              "0");

    at(TA_DAY - 1);
    TA_EXPECT(send_from(app, "203.0.113.99", BIZ_REGISTER, "co6@example.com"),
              "MESSAGE_API_0000205");
    at(TA_DAY);
    TA_EXPECT(send_from(app, "203.0.113.99", BIZ_REGISTER, "co6@example.com"), "0");
}

/* ---- wrong codes per ticket: 5 --------------------------------------------------------------- */

static json_t *check_code(struct test_app *app, const char *to, const char *tok, const char *code)
{
    return ta_post(app, TA_R_CHECK, NULL, "{s:s,s:s,s:s,s:s}", "bizType", BIZ_REGISTER, "toUser",
                   to, "sendToken", tok, "code", code);
}

static void
code__five_wrong_codes__201_with_attempts_left_then_203_even_for_the_right_code(void **state)
{
    struct test_app *app = *state;
    const char *to = "guess@example.com";
    char code[7], wrong[7];

    const char *tok = TA_SEND_CODE(app, NULL, BIZ_REGISTER, to);
    TA_CODE(app, to, code);
    const char *avoid[] = {code};
    ta_other_code(avoid, 1, wrong);

    TA_EXPECT_PARAMS(check_code(app, to, tok, wrong), "MESSAGE_API_0000201", "4");
    TA_EXPECT_PARAMS(check_code(app, to, tok, wrong), "MESSAGE_API_0000201", "3");
    TA_EXPECT_PARAMS(check_code(app, to, tok, wrong), "MESSAGE_API_0000201", "2");
    TA_EXPECT_PARAMS(check_code(app, to, tok, wrong), "MESSAGE_API_0000201", "1");
    TA_EXPECT(check_code(app, to, tok, wrong), "MESSAGE_API_0000203");
    TA_EXPECT(check_code(app, to, tok, code), "MESSAGE_API_0000203");
    /* Register with the right code: the ticket is spent for good. */
    TA_EXPECT(ta_post(app, TA_R_REGISTER, NULL, "{s:i,s:s,s:s,s:s,s:s,s:i}", "type", 1, "loginName",
                      to, "country", "CN", "verifyCode", code, "sendToken", tok, "registerSource",
                      1),
              "MESSAGE_API_0000203");
}

/* ---- failed password logins: 10 in 15 min, then a 15 min lock ------------------------------ */

static void login__tenth_failure_in_15_min__locks_for_exactly_15_min(void **state)
{
    struct test_app *app = *state;
    const char *email = "lock@example.com";
    TA_REGISTER_EMAIL(app, NULL, email, TA_PWD);

    for (int i = 0; i < 10; i++) {
        at(i * TA_SECOND);
        TA_EXPECT(login_from(app, NULL, email, TA_PWD_OTHER), "CUSTOMER_API_0000102");
    }
    const int64_t locked = 9 * TA_SECOND; /* the tenth failure */
    TA_EXPECT_PARAMS(login_from(app, NULL, email, TA_PWD), "CUSTOMER_API_0000103", "15");
    at(locked + 1);
    TA_EXPECT_PARAMS(login_from(app, NULL, email, TA_PWD), "CUSTOMER_API_0000103", "15");
    at(locked + 13 * TA_MINUTE - 1);
    TA_EXPECT_PARAMS(login_from(app, NULL, email, TA_PWD), "CUSTOMER_API_0000103", "3");
    at(locked + 14 * TA_MINUTE);
    TA_EXPECT_PARAMS(login_from(app, NULL, email, TA_PWD), "CUSTOMER_API_0000103", "1");
    at(locked + 15 * TA_MINUTE - 1);
    TA_EXPECT_PARAMS(login_from(app, NULL, email, TA_PWD), "CUSTOMER_API_0000103", "1");
    at(locked + 15 * TA_MINUTE);
    TA_EXPECT(login_from(app, NULL, email, TA_PWD), "0");
}

static void login__failures_spread_beyond_the_15_min_window__do_not_lock(void **state)
{
    struct test_app *app = *state;
    const char *spread = "spread@example.com", *tight = "tight@example.com";
    TA_REGISTER_EMAIL(app, NULL, spread, TA_PWD);
    at(TA_MINUTE);
    TA_REGISTER_EMAIL(app, NULL, tight, TA_PWD);

    /* Nine failures each, starting at T0 + 2 min (addresses apart: 60 logins a minute). */
    for (int i = 0; i < 9; i++) {
        at(2 * TA_MINUTE + i * TA_SECOND);
        TA_EXPECT(login_from(app, "10.1.0.1", spread, TA_PWD_OTHER), "CUSTOMER_API_0000102");
        TA_EXPECT(login_from(app, "10.1.0.2", tight, TA_PWD_OTHER), "CUSTOMER_API_0000102");
    }
    /* The tenth: one millisecond inside the window locks, exactly at its end does not. */
    at(2 * TA_MINUTE + 15 * TA_MINUTE - 1);
    TA_EXPECT(login_from(app, "10.1.0.2", tight, TA_PWD_OTHER), "CUSTOMER_API_0000102");
    TA_EXPECT_PARAMS(login_from(app, "10.1.0.2", tight, TA_PWD), "CUSTOMER_API_0000103", "15");
    at(2 * TA_MINUTE + 15 * TA_MINUTE);
    for (int i = 0; i < 9; i++)
        TA_EXPECT(login_from(app, "10.1.0.1", spread, TA_PWD_OTHER), "CUSTOMER_API_0000102");
    /* Eighteen failures, never ten in one window. */
    TA_EXPECT(login_from(app, "10.1.0.1", spread, TA_PWD), "0");
}

static void update_pwd__wrong_old_password__counts_toward_the_lock(void **state)
{
    struct test_app *app = *state;
    const char *email = "oldpwd@example.com";
    const json_t *reg = TA_REGISTER_EMAIL(app, NULL, email, TA_PWD);
    struct ta_hdr h = ta_with_token(TA_STR(reg, "token"));

    for (int i = 0; i < 5; i++)
        TA_EXPECT(ta_post(app, TA_R_UPDATE_PWD, &h, "{s:s,s:s}", "oldPwd", TA_PWD_OTHER, "newPwd",
                          TA_PWD_THIRD),
                  "CUSTOMER_API_0000108");
    for (int i = 0; i < 5; i++)
        TA_EXPECT(login_from(app, NULL, email, TA_PWD_OTHER), "CUSTOMER_API_0000102");
    TA_EXPECT_PARAMS(login_from(app, NULL, email, TA_PWD), "CUSTOMER_API_0000103", "15");
    TA_EXPECT_PARAMS(
        ta_post(app, TA_R_UPDATE_PWD, &h, "{s:s,s:s}", "oldPwd", TA_PWD, "newPwd", TA_PWD_THIRD),
        "CUSTOMER_API_0000103", "15");
}

/* C4: "Lockout is checked before the password; only the password path locks." */
static void
login__locked_account__code_login_is_not_locked_and_wrong_codes_do_not_count(void **state)
{
    struct test_app *app = *state;
    const char *email = "bycode@example.com";
    TA_REGISTER_EMAIL(app, NULL, email, TA_PWD);
    for (int i = 0; i < 10; i++)
        TA_EXPECT(login_from(app, NULL, email, TA_PWD_OTHER), "CUSTOMER_API_0000102");
    TA_EXPECT_PARAMS(login_from(app, NULL, email, TA_PWD), "CUSTOMER_API_0000103", "15");

    char code[7], wrong[7];
    const char *tok = TA_SEND_CODE(app, NULL, BIZ_LOGIN, email);
    TA_CODE(app, email, code);
    const char *avoid[] = {code};
    ta_other_code(avoid, 1, wrong);
    json_t *env = ta_post(app, TA_R_LOGIN, NULL, "{s:i,s:s,s:i,s:s,s:s}", "type", 1, "loginName",
                          email, "device", 2, "verifyCode", wrong, "sendToken", tok);
    /* msgParams null, as for an unknown account: attempts left would tell that the account
     * exists (it leaked as ["4"] until login_by_code cleared the 201 detail). */
    TA_EXPECT(env, "CUSTOMER_API_0000102");
    const char *ghost = TA_SEND_CODE(app, NULL, BIZ_LOGIN, "ghost@example.com");
    TA_EXPECT(ta_post(app, TA_R_LOGIN, NULL, "{s:i,s:s,s:i,s:s,s:s}", "type", 1, "loginName",
                      "ghost@example.com", "device", 2, "verifyCode", wrong, "sendToken", ghost),
              "CUSTOMER_API_0000102");
    TA_EXPECT(ta_post(app, TA_R_LOGIN, NULL, "{s:i,s:s,s:i,s:s,s:s}", "type", 1, "loginName", email,
                      "device", 2, "verifyCode", code, "sendToken", tok),
              "0");
    /* After the lock, wrong codes did not start a new failure count. */
    at(15 * TA_MINUTE);
    for (int i = 0; i < 9; i++)
        TA_EXPECT(login_from(app, NULL, email, TA_PWD_OTHER), "CUSTOMER_API_0000102");
    TA_EXPECT(login_from(app, NULL, email, TA_PWD), "0");
}

/* ---- login attempts per client address: 60 per minute ------------------------------------ */

static void login__sixty_first_attempt_from_an_address_in_the_minute__004_with_seconds(void **state)
{
    struct test_app *app = *state;
    const char *addr = "198.51.100.60";
    TA_REGISTER_EMAIL(app, NULL, "real@example.com", TA_PWD);
    at(TA_MINUTE);

    /* Sixty names: ten failures on one name would lock it (issue 13: unknown names too). */
    for (int i = 0; i < 60; i++) {
        char name[48];
        snprintf(name, sizeof name, "nobody%d@example.com", i);
        TA_EXPECT(login_from(app, addr, name, TA_PWD), "CUSTOMER_API_0000102");
    }
    /* Refused before the account is looked at: even the right password. */
    TA_EXPECT_PARAMS(login_from(app, addr, "real@example.com", TA_PWD), "GATEWAY_CODE_004", "60");
    TA_EXPECT(login_from(app, "198.51.100.61", "real@example.com", TA_PWD), "0");
    at(TA_MINUTE + 59001);
    TA_EXPECT_PARAMS(login_from(app, addr, "real@example.com", TA_PWD), "GATEWAY_CODE_004", "1");
    at(2 * TA_MINUTE);
    TA_EXPECT(login_from(app, addr, "real@example.com", TA_PWD), "0");
}

/* ---- checkStatus / checkGoogleMFAStatus per address: 30 per minute ------------------------ */

static json_t *lookup(struct test_app *app, const char *route, const char *addr)
{
    struct ta_hdr h = {.addr = addr};
    return ta_post(app, route, &h, "{s:i,s:s}", "type", 1, "loginName", "who@example.com");
}

static void lookup__thirty_first_checkStatus_from_an_address_in_the_minute__004(void **state)
{
    struct test_app *app = *state;
    const char *addr = "198.51.100.30";

    for (int i = 0; i < 30; i++) {
        json_t *env = lookup(app, TA_R_CHECK_STATUS, addr);
        TA_EXPECT(env, "0");
        assert_int_equal(TA_INT(ta_data(env), "status"), 2);
    }
    TA_EXPECT_PARAMS(lookup(app, TA_R_CHECK_STATUS, addr), "GATEWAY_CODE_004", "60");
    /* One limit for both lookups (domain/account.c). */
    TA_EXPECT_PARAMS(lookup(app, TA_R_MFA_STATUS, addr), "GATEWAY_CODE_004", "60");
    TA_EXPECT(lookup(app, TA_R_CHECK_STATUS, "198.51.100.31"), "0");
    at(59001);
    TA_EXPECT_PARAMS(lookup(app, TA_R_CHECK_STATUS, addr), "GATEWAY_CODE_004", "1");
    at(TA_MINUTE);
    TA_EXPECT(lookup(app, TA_R_CHECK_STATUS, addr), "0");
}

static void
lookup__thirty_first_checkGoogleMFAStatus_from_an_address_in_the_minute__004(void **state)
{
    struct test_app *app = *state;
    const char *addr = "198.51.100.32";

    for (int i = 0; i < 30; i++) {
        json_t *env = lookup(app, TA_R_MFA_STATUS, addr);
        TA_EXPECT(env, "0");
        assert_true(json_is_integer(ta_data(env)));
        assert_int_equal(json_integer_value(ta_data(env)), 0);
    }
    TA_EXPECT_PARAMS(lookup(app, TA_R_MFA_STATUS, addr), "GATEWAY_CODE_004", "60");
    TA_EXPECT(lookup(app, TA_R_MFA_STATUS, "198.51.100.33"), "0");
    at(TA_MINUTE - 1);
    TA_EXPECT_PARAMS(lookup(app, TA_R_MFA_STATUS, addr), "GATEWAY_CODE_004", "1");
    at(TA_MINUTE);
    TA_EXPECT(lookup(app, TA_R_MFA_STATUS, addr), "0");
}

/* ---- refresh, switch, randomKey per customer: 60 per minute ---------------------------------- */

static void ops__sixty_first_refresh_of_a_customer_in_the_minute__004(void **state)
{
    struct test_app *app = *state;
    const json_t *reg = TA_REGISTER_EMAIL(app, NULL, "fresh@example.com", TA_PWD);
    const char *rtoken = TA_STR(reg, "rToken");
    at(TA_MINUTE);

    for (int i = 0; i < 60; i++) {
        json_t *env = ta_post(app, TA_R_REFRESH, NULL, "{s:s}", "rToken", rtoken);
        TA_EXPECT(env, "0");
        rtoken = TA_STR(ta_data(env), "rToken");
    }
    TA_EXPECT_PARAMS(ta_post(app, TA_R_REFRESH, NULL, "{s:s}", "rToken", rtoken),
                     "GATEWAY_CODE_004", "60");
    at(TA_MINUTE + 59001);
    TA_EXPECT_PARAMS(ta_post(app, TA_R_REFRESH, NULL, "{s:s}", "rToken", rtoken),
                     "GATEWAY_CODE_004", "1");
    at(2 * TA_MINUTE);
    TA_EXPECT(ta_post(app, TA_R_REFRESH, NULL, "{s:s}", "rToken", rtoken), "0");
}

static json_t *switch_account(struct test_app *app, const char *company, const char *token)
{
    struct ta_hdr h = {.company = company, .token = token};
    return ta_post(app, TA_R_SWITCH, &h, "{}");
}

static void ops__sixty_first_switch_of_a_customer_in_the_minute__004(void **state)
{
    struct test_app *app = *state;
    const json_t *reg = TA_REGISTER_EMAIL(app, NULL, "twin@example.com", TA_PWD);
    const char *token = TA_STR(reg, "token");
    char company[24] = "1";
    at(TA_MINUTE);

    /* Real -> demo counts for the real customer, demo -> real for its demo twin: after 120
     * switches each has used its 60 and the token is the real customer's again. */
    for (int i = 0; i < 120; i++) {
        json_t *env = switch_account(app, company, token);
        TA_EXPECT(env, "0");
        token = TA_STR(ta_data(env), "token");
        snprintf(company, sizeof company, "%lld",
                 (long long)TA_INT(ta_data(env), "associationCompanyId"));
    }
    assert_string_equal(company, "1");
    TA_EXPECT_PARAMS(switch_account(app, company, token), "GATEWAY_CODE_004", "60");
    at(TA_MINUTE + 59001);
    TA_EXPECT_PARAMS(switch_account(app, company, token), "GATEWAY_CODE_004", "1");
    at(2 * TA_MINUTE);
    TA_EXPECT(switch_account(app, company, token), "0");
}

static json_t *random_key(struct test_app *app, const char *token)
{
    struct ta_hdr h = ta_with_token(token);
    return ta_post(app, TA_R_RANDOM_KEY, &h, "{}");
}

static void ops__sixty_first_randomKey_of_a_customer_in_the_minute__004(void **state)
{
    struct test_app *app = *state;
    const json_t *reg = TA_REGISTER_EMAIL(app, NULL, "handoff@example.com", TA_PWD);
    const char *token = TA_STR(reg, "token");
    at(TA_MINUTE);

    for (int i = 0; i < 60; i++) {
        json_t *env = random_key(app, token);
        TA_EXPECT(env, "0");
        assert_true(json_is_string(ta_data(env)));
        token = json_string_value(ta_data(env));
    }
    TA_EXPECT_PARAMS(random_key(app, token), "GATEWAY_CODE_004", "60");
    /* The refused exchange left the presented token alive. */
    struct ta_hdr h = ta_with_token(token);
    TA_EXPECT(ta_post(app, TA_R_INFO, &h, "{}"), "0");
    at(TA_MINUTE + 59001);
    TA_EXPECT_PARAMS(random_key(app, token), "GATEWAY_CODE_004", "1");
    at(2 * TA_MINUTE);
    TA_EXPECT(random_key(app, token), "0");
}

/* ---- no probing: LOGIN / PASSWORD codes to unknown recipients ----------------------------- */

static void
send__login_or_password_code_to_unknown_recipient__0_with_token_but_no_outbox_row(void **state)
{
    struct test_app *app = *state;
    TA_REGISTER_EMAIL(app, NULL, "known@example.com", TA_PWD);

    static const struct {
        const char *biz, *to, *rcpt;
    } cases[] = {
        {BIZ_LOGIN, "ghost@example.com", "ghost@example.com"},
        {BIZ_PASSWORD, "ghost@example.com", "ghost@example.com"},
        {"SMS_LOGIN_VERIFICATION_CODE", "+86 13900001111", "+86 13900001111"},
        {"SMS_PASSWORD_VERIFICATION_CODE", "13900002222", "+86 13900002222"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *tok = TA_SEND_CODE(app, NULL, cases[i].biz, cases[i].to);
        assert_int_equal(strlen(tok), 64);
        assert_int_equal(ta_outbox_rows(app, cases[i].rcpt), 0);
    }
    /* The known recipient gets its message. */
    TA_SEND_CODE(app, NULL, BIZ_LOGIN, "known@example.com");
    assert_int_equal(ta_outbox_rows(app, "known@example.com"), 2); /* register + login */
}

/* ---- `tradeauth customer unlock` ------------------------------------------------------------- */

static void admin_unlock__clears_a_lock_and_the_failure_count(void **state)
{
    struct test_app *app = *state;
    const char *email = "unlock@example.com";
    const json_t *reg = TA_REGISTER_EMAIL(app, NULL, email, TA_PWD);

    for (int i = 0; i < 10; i++)
        TA_EXPECT(login_from(app, NULL, email, TA_PWD_OTHER), "CUSTOMER_API_0000102");
    TA_EXPECT_PARAMS(login_from(app, NULL, email, TA_PWD), "CUSTOMER_API_0000103", "15");

    struct arena *a = arena_new(64 * 1024);
    struct customer c;
    assert_int_equal(admin_customer_find(app->st, 1, TA_STR(reg, "customerNo"), a, &c), TA_OK);
    assert_int_equal(admin_customer_unlock(app->st, &c), TA_OK);
    arena_free(a);

    /* Nine more failures do not lock again: the count started over. */
    for (int i = 0; i < 9; i++)
        TA_EXPECT(login_from(app, NULL, email, TA_PWD_OTHER), "CUSTOMER_API_0000102");
    TA_EXPECT(login_from(app, NULL, email, TA_PWD), "0");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, test_app_setup, test_app_teardown)
    const struct CMUnitTest tests[] = {
        T(send__again_within_60_s__204_with_seconds_to_wait_until_exactly_60_s),
        T(send__refused_by_cooldown__writes_no_ticket_no_outbox_row_no_count),
        T(send__eleventh_code_to_a_recipient_in_the_hour__205_until_one_hour_after_the_first),
        T(send__twenty_first_code_to_a_recipient_in_the_day__205_until_one_day_after_the_first),
        T(send__thirty_first_code_from_one_address_in_the_hour__205),
        cmocka_unit_test_setup_teardown(
            send__sixth_code_of_a_company_in_the_day__205_with_the_guard_tuned_to_5,
            setup_company_day_5, test_app_teardown),
        T(code__five_wrong_codes__201_with_attempts_left_then_203_even_for_the_right_code),
        T(login__tenth_failure_in_15_min__locks_for_exactly_15_min),
        T(login__failures_spread_beyond_the_15_min_window__do_not_lock),
        T(update_pwd__wrong_old_password__counts_toward_the_lock),
        T(login__locked_account__code_login_is_not_locked_and_wrong_codes_do_not_count),
        T(login__sixty_first_attempt_from_an_address_in_the_minute__004_with_seconds),
        T(lookup__thirty_first_checkStatus_from_an_address_in_the_minute__004),
        T(lookup__thirty_first_checkGoogleMFAStatus_from_an_address_in_the_minute__004),
        T(ops__sixty_first_refresh_of_a_customer_in_the_minute__004),
        T(ops__sixty_first_switch_of_a_customer_in_the_minute__004),
        T(ops__sixty_first_randomKey_of_a_customer_in_the_minute__004),
        T(send__login_or_password_code_to_unknown_recipient__0_with_token_but_no_outbox_row),
        T(admin_unlock__clears_a_lock_and_the_failure_count),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
