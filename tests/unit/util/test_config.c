/* tests/unit/util/test_config.c — the settings table: defaults, precedence
 * (defaults < file < environment < flags), errors that name the key, per-company transports. */
/* cmocka.h needs these four first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/config.h"

static char *err_text(FILE *f)
{
    static char buf[1024];
    fflush(f);
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    return buf;
}

static int load(struct config *cfg, FILE *err, int argc, const char **argv)
{
    return config_load(cfg, argc, (char **)argv, err);
}

static void defaults__are_the_documented_ones(void **state)
{
    (void)state;
    struct config c;
    config_init(&c);
    assert_string_equal(c.listen, "127.0.0.1:8080");
    assert_string_equal(c.db, "sqlite:var/tradeauth.db");
    assert_string_equal(c.delivery_log, "var/outbox.jsonl");
    assert_int_equal(c.argon2_ops, 2);
    assert_int_equal(c.argon2_mem_kib, 19456);
    assert_string_equal(c.trusted_proxies, "127.0.0.0/8,::1/128");
    assert_int_equal(c.body_max_bytes, 65536);
    assert_int_equal(c.code_resend_s, 60);
    assert_int_equal(c.login_fail_max, 10);
    config_cleanup(&c);
}

static void precedence__file_then_env_then_flags(void **state)
{
    (void)state;
    char path[] = "/tmp/ta-config-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *ini = "[tradeauth]\nlisten = 127.0.0.1:1111\nthreads = 3\nlog_level = warn\n";
    assert_int_equal(write(fd, ini, strlen(ini)), (ssize_t)strlen(ini));
    close(fd);

    struct config c;
    config_init(&c);
    FILE *err = tmpfile();
    setenv("TRADEAUTH_THREADS", "5", 1);
    const char *argv[] = {"--config", path, "--log-level=error"};
    assert_int_equal(load(&c, err, 3, argv), 0);
    assert_string_equal(c.listen, "127.0.0.1:1111"); /* file */
    assert_int_equal(c.threads, 5);                  /* env beats file */
    assert_string_equal(c.log_level, "error");       /* flag beats file */
    unsetenv("TRADEAUTH_THREADS");
    fclose(err);
    config_cleanup(&c);
    unlink(path);
}

static void bad_values__stop_with_the_key_named(void **state)
{
    (void)state;
    struct {
        const char *argv[2];
        const char *says;
    } cases[] = {
        {{"--threads", "x"}, "threads = 'x' should be a whole number from 0 to 256"},
        {{"--argon2-ops", "0"}, "argon2-ops = '0'"},
        {{"--listen", "nowhere"}, "listen = 'nowhere'"},
        {{"--trusted-proxies", "10.0.0.0/99"}, "trusted-proxies"},
        {{"--db", "mysql://x"}, "db = 'mysql://x'"},
        {{"--sms-transport", "smtp"}, "sms-transport = 'smtp'"},
        {{"--email-transport", "smtp"}, "smtp-url is required"},
        {{"--company-transports", "3:sms=smtp"}, "company-transports = '3:sms=smtp'"},
        {{"--no-such-flag", "1"}, "unknown flag '--no-such-flag'"},
        {{"--log-level", "loud"}, "log-level = 'loud'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config c;
        config_init(&c);
        FILE *err = tmpfile();
        assert_int_equal(load(&c, err, 2, cases[i].argv), -1);
        const char *text = err_text(err);
        if (strstr(text, cases[i].says) == NULL)
            fail_msg("case %zu: '%s' does not say '%s'", i, text, cases[i].says);
        fclose(err);
        config_cleanup(&c);
    }
}

static void company_transports__override_per_company_and_channel(void **state)
{
    (void)state;
    struct config c;
    config_init(&c);
    FILE *err = tmpfile();
    const char *argv[] = {"--company-transports", "3:email=smtp,4:sms=webhook",
                          "--smtp-url",           "smtp://127.0.0.1:25",
                          "--webhook-url",        "http://127.0.0.1:9/x"};
    assert_int_equal(load(&c, err, 6, argv), 0);
    assert_string_equal(config_transport_for(&c, 3, "email"), "smtp");
    assert_string_equal(config_transport_for(&c, 3, "sms"), "log");
    assert_string_equal(config_transport_for(&c, 4, "sms"), "webhook");
    assert_string_equal(config_transport_for(&c, 1, "email"), "log");
    fclose(err);
    config_cleanup(&c);
}

/* Found by tests/fuzz/fuzz_config: a list sized by its commas alone overflowed when items
 * were also separated by spaces (ASan: heap-buffer-overflow in net_cidr_list_parse). */
static void trusted_proxies__spaces_and_commas_mixed__parse(void **state)
{
    (void)state;
    struct config c;
    config_init(&c);
    FILE *err = tmpfile();
    const char *argv[] = {"--trusted-proxies", "10.0.0.0/8,::1/128 127.0.0.1 192.168.0.0/16 ::2"};
    assert_int_equal(load(&c, err, 2, argv), 0);
    fclose(err);
    config_cleanup(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults__are_the_documented_ones),
        cmocka_unit_test(precedence__file_then_env_then_flags),
        cmocka_unit_test(bad_values__stop_with_the_key_named),
        cmocka_unit_test(company_transports__override_per_company_and_channel),
        cmocka_unit_test(trusted_proxies__spaces_and_commas_mixed__parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
