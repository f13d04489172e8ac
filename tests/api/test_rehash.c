/* tests/api/test_rehash.c — contract C4: a stored hash made with older argon2id parameters
 * is replaced on the next successful login, and only then. */
#include "support/test_app.h"

#include <string.h>

#include "store/store.h"
#include "util/arena.h"
#include "util/config.h"

static char *stored_hash(struct test_app *app, int64_t id, struct arena *a)
{
    struct customer c;
    assert_int_equal(STORE(app->st, customer_get, id, a, &c), TA_OK);
    assert_non_null(c.pw_hash);
    return c.pw_hash;
}

static void login__older_parameters__hash_upgraded(void **state)
{
    struct test_app *app = *state;
    struct arena *a = arena_new(1 << 20);
    const json_t *reg = TA_REGISTER_EMAIL(app, NULL, "rehash@example.com", TA_PWD);
    int64_t id = TA_INT(reg, "id");
    char *before = stored_hash(app, id, a);
    assert_non_null(strstr(before, "$argon2id$v=19$m=8,t=1,"));

    app->cfg.argon2_ops = 2;
    app->cfg.argon2_mem_kib = 16;
    TA_EXPECT(ta_login_email(app, NULL, "rehash@example.com", TA_PWD_OTHER, NULL),
              "CUSTOMER_API_0000102");
    assert_string_equal(stored_hash(app, id, a), before); /* a failed login changes nothing */

    TA_EXPECT(ta_login_email(app, NULL, "rehash@example.com", TA_PWD, NULL), "0");
    char *after = stored_hash(app, id, a);
    assert_non_null(strstr(after, "$argon2id$v=19$m=16,t=2,"));
    TA_EXPECT(ta_login_email(app, NULL, "rehash@example.com", TA_PWD, NULL), "0");
    assert_string_equal(stored_hash(app, id, a), after); /* current: left alone */
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(login__older_parameters__hash_upgraded, test_app_setup,
                                        test_app_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
