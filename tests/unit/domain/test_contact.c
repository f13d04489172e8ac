/* tests/unit/domain/test_contact.c — contact normalisation (contract A7): one spelling of
 * every email, area and phone, and the login-name rules the API and the domain share. */
/* cmocka.h needs these four first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <string.h>

#include "domain/contact.h"

static void email__lowercased_and_strict(void **state)
{
    (void)state;
    char out[CONTACT_MAX];
    assert_true(contact_email("Alice.B@Example.COM", out));
    assert_string_equal(out, "alice.b@example.com");
    assert_true(contact_email("a@b.cn", out));
    assert_string_equal(out, "a@b.cn");
    static const char *const bad[] = {"",         "a@b",      "@b.cn",    "a@@b.cn", "a@b.",
                                      "a b@c.cn", "a@b@c.cn", "a<b@c.cn", "a@.cn",   "a,b@c.cn"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(contact_email(bad[i], out));
    char longest[140];
    memset(longest, 'a', 129);
    memcpy(longest + 120, "@b.cn", 6); /* 125 bytes: fits */
    assert_true(contact_email(longest, out));
    memset(longest, 'a', 129);
    memcpy(longest + 124, "@b.cn", 6); /* 129 bytes: one too many */
    assert_false(contact_email(longest, out));
}

static void area__three_spellings_one_form(void **state)
{
    (void)state;
    char out[8];
    static const char *const same[] = {"86", "+86", "0086"};
    for (size_t i = 0; i < 3; i++) {
        assert_true(contact_area(same[i], out));
        assert_string_equal(out, "+86");
    }
    assert_true(contact_area("+1", out));
    assert_string_equal(out, "+1");
    assert_true(contact_area("1234", out));
    assert_string_equal(out, "+1234");
    assert_false(contact_area("12345", out));
    assert_false(contact_area("+", out));
    assert_false(contact_area("", out));
    assert_false(contact_area("+8a", out));
}

static void phone_and_customer_no__bounds(void **state)
{
    (void)state;
    assert_true(contact_phone("12345"));
    assert_true(contact_phone("123456789012345"));
    assert_false(contact_phone("1234"));
    assert_false(contact_phone("1234567890123456"));
    assert_false(contact_phone("1380013800a"));
    assert_true(contact_customer_no("86000001"));
    assert_true(contact_customer_no("AbC9"));
    assert_false(contact_customer_no(""));
    assert_false(contact_customer_no("86-0001"));
    assert_false(contact_customer_no("123456789012345678901234567890123")); /* 33 */
}

static void sms_to__bare_number_means_plus_86(void **state)
{
    (void)state;
    char area[8], phone[24], rcpt[CONTACT_MAX];
    assert_true(contact_sms_to("13800138000", area, phone));
    assert_string_equal(area, "+86");
    assert_string_equal(phone, "13800138000");
    assert_true(contact_sms_to("001 5550100", area, phone));
    assert_string_equal(area, "+1");
    assert_string_equal(phone, "5550100");
    assert_false(contact_sms_to("+1  5550100", area, phone));
    assert_false(contact_sms_to(" 5550100", area, phone));
    assert_false(contact_sms_to("+1 555 0100", area, phone));
    contact_phone_recipient("+1", "5550100", rcpt);
    assert_string_equal(rcpt, "+1 5550100");
}

static void login_check__names_the_field_at_fault(void **state)
{
    (void)state;
    const char *area = "0086";
    assert_null(contact_login_check(2, "13800138000", &area));
    assert_string_equal(area, "0086"); /* checked, left as sent */
    area = "86";
    assert_null(contact_login_check(1, "a@b.cn", &area));
    assert_null(area); /* means nothing for an email */
    area = "86";
    assert_null(contact_login_check(3, "86000001", &area));
    assert_null(area);
    area = NULL;
    assert_string_equal(contact_login_check(1, "not-an-email", &area), "loginName");
    assert_string_equal(contact_login_check(2, "12", &area), "loginName");
    assert_string_equal(contact_login_check(3, "86-1", &area), "loginName");
    area = "12345";
    assert_string_equal(contact_login_check(2, "13800138000", &area), "phoneArea");
    area = "12345"; /* the name is looked at first */
    assert_string_equal(contact_login_check(2, "12", &area), "loginName");
}

static void login_recipient__email_or_area_and_phone(void **state)
{
    (void)state;
    char rcpt[CONTACT_MAX], area[8];
    assert_null(contact_login_recipient(1, "Bob@Example.com", "99", rcpt, area));
    assert_string_equal(rcpt, "bob@example.com");
    assert_null(contact_login_recipient(2, "13800138000", NULL, rcpt, area));
    assert_string_equal(rcpt, "+86 13800138000");
    assert_string_equal(area, "+86");
    assert_null(contact_login_recipient(2, "5550100", "001", rcpt, area));
    assert_string_equal(rcpt, "+1 5550100");
    assert_string_equal(contact_login_recipient(1, "bob", NULL, rcpt, area), "loginName");
    assert_string_equal(contact_login_recipient(2, "x", NULL, rcpt, area), "loginName");
    assert_string_equal(contact_login_recipient(2, "5550100", "+", rcpt, area), "phoneArea");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(email__lowercased_and_strict),
        cmocka_unit_test(area__three_spellings_one_form),
        cmocka_unit_test(phone_and_customer_no__bounds),
        cmocka_unit_test(sms_to__bare_number_means_plus_86),
        cmocka_unit_test(login_check__names_the_field_at_fault),
        cmocka_unit_test(login_recipient__email_or_area_and_phone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
