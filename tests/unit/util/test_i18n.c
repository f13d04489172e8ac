/* tests/unit/util/test_i18n.c — the message catalogue (src/util/i18n.c): language mapping,
 * a real text for every wire code in all three languages, "{0}" handling and safe truncation.
 * Only util/err.h's X-macro list is used from err.h, so this test needs no other util code. */
/* cmocka.h needs these four first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdbool.h>
#include <string.h>

#include "util/err.h"
#include "util/i18n.h"

static const char *const langs[] = {"en-US", "zh-CN", "zh-HK"};
#define N_LANGS (sizeof langs / sizeof langs[0])

/* Every wire code of CONTRACT A8, written out so that a code dropped from the catalogue
 * fails here by name even if err.h changes too. */
static const char *const wire_codes[] = {
    "0",
    "GATEWAY_CODE_001",
    "GATEWAY_CODE_002",
    "GATEWAY_CODE_003",
    "GATEWAY_CODE_004",
    "GATEWAY_CODE_005",
    "GATEWAY_CODE_006",
    "GATEWAY_CODE_404",
    "GATEWAY_CODE_500",
    "CUSTOMER_API_0000100",
    "CUSTOMER_API_0000102",
    "CUSTOMER_API_0000103",
    "CUSTOMER_API_0000104",
    "CUSTOMER_API_0000105",
    "CUSTOMER_API_0000106",
    "CUSTOMER_API_0000107",
    "CUSTOMER_API_0000108",
    "CUSTOMER_API_0000109",
    "CUSTOMER_API_0000110",
    "CUSTOMER_API_0000111",
    "CUSTOMER_API_0000112",
    "CUSTOMER_API_0000113",
    "CUSTOMER_API_0000114",
    "CUSTOMER_API_0000115",
    "CUSTOMER_API_00010001",
    "MESSAGE_API_0000201",
    "MESSAGE_API_0000202",
    "MESSAGE_API_0000203",
    "MESSAGE_API_0000204",
    "MESSAGE_API_0000205",
    "MESSAGE_API_0000206",
};
#define N_WIRE (sizeof wire_codes / sizeof wire_codes[0])

/* The codes whose message embeds msgParams (A8 column msgParams). */
static const char *const param_codes[] = {
    "GATEWAY_CODE_004",     "CUSTOMER_API_0000100", "CUSTOMER_API_0000103",
    "CUSTOMER_API_0000113", "MESSAGE_API_0000201",  "MESSAGE_API_0000204",
};

static const char *const named_keys[] = {
    "kyc.off_remark",  "kyc.unverified",     "code.subject",      "code.text.REGISTER",
    "code.text.LOGIN", "code.text.PASSWORD", "code.text.LOGINED", "code.text.COMMON",
};

/* The same list err.h generates its enum from: a code appended there without a message
 * here fails catalogue__err_list_codes__all_have_text. */
static const char *const err_list_codes[] = {
#define X(name, status, code) code,
    TA_ERR_LIST(X)
#undef X
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static bool valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p != '\0') {
        size_t n = *p < 0x80             ? 1
                   : (*p & 0xE0) == 0xC0 ? 2
                   : (*p & 0xF0) == 0xE0 ? 3
                   : (*p & 0xF8) == 0xF0 ? 4
                                         : 0;
        if (n == 0)
            return false;
        for (size_t i = 1; i < n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
        }
        p += n;
    }
    return true;
}

static void assert_has_text(const char *key)
{
    for (size_t l = 0; l < N_LANGS; l++) {
        const char *lang = i18n_lang(langs[l]);
        const char *text = i18n_text(lang, key);
        const char *fallback = i18n_text(lang, "GATEWAY_CODE_500");

        assert_non_null(text);
        assert_true(text[0] != '\0');
        assert_true(valid_utf8(text));
        if (strcmp(key, "GATEWAY_CODE_500") != 0) {
            if (strcmp(text, fallback) == 0)
                fail_msg("%s has no %s text (got the GATEWAY_CODE_500 fallback)", key, langs[l]);
        }
    }
}

/*---- Languages ------------------------------------------------------------------------*/

static void lang__tags__map_to_canonical(void **state)
{
    (void)state;
    static const struct {
        const char *tag;
        const char *want;
    } cases[] = {
        {NULL, "en-US"},         {"", "en-US"},           {"null", "en-US"},
        {"NULL", "en-US"},       {"en", "en-US"},         {"EN", "en-US"},
        {"en-US", "en-US"},      {"en-gb", "en-US"},      {"fr-FR", "en-US"},
        {"ja", "en-US"},         {"zh-SG", "en-US"},      {"zh-Hansx", "en-US"},
        {"zh-", "en-US"},        {"z", "en-US"},          {"zh", "zh-CN"},
        {"ZH", "zh-CN"},         {"zh-CN", "zh-CN"},      {"zh-cn", "zh-CN"},
        {"ZH-CN", "zh-CN"},      {"zh-Hans", "zh-CN"},    {"zh-hans-cn", "zh-CN"},
        {"zh-Hans-HK", "zh-CN"}, {"zh-HK", "zh-HK"},      {"zh-hk", "zh-HK"},
        {"zh-TW", "zh-HK"},      {"ZH-tw", "zh-HK"},      {"zh-Hant", "zh-HK"},
        {"zh-Hant-TW", "zh-HK"}, {"zh-hant-hk", "zh-HK"}, {"zh-CN-x", "en-US"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        const char *got = i18n_lang(cases[i].tag);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("i18n_lang(\"%s\") = %s, want %s", cases[i].tag ? cases[i].tag : "(NULL)", got,
                     cases[i].want);
    }
}

static void lang__result__is_one_static_string_per_language(void **state)
{
    (void)state;
    assert_ptr_equal(i18n_lang("zh"), i18n_lang("ZH-CN"));
    assert_ptr_equal(i18n_lang("zh-Hans"), i18n_lang("zh-cn"));
    assert_ptr_equal(i18n_lang("zh-TW"), i18n_lang("zh-HK"));
    assert_ptr_equal(i18n_lang(NULL), i18n_lang("en"));
    assert_ptr_equal(i18n_lang("bogus"), i18n_lang("en-US"));
    /* Idempotent: a canonical tag maps to itself. */
    for (size_t l = 0; l < N_LANGS; l++)
        assert_ptr_equal(i18n_lang(i18n_lang(langs[l])), i18n_lang(langs[l]));
}

static void lang_supported__accepts_only_the_three_tags_and_bare_languages(void **state)
{
    (void)state;
    static const char *const yes[] = {"en-US", "EN-us", "zh-CN", "zh-cn", "zh-HK",
                                      "ZH-HK", "en",    "EN",    "zh",    "Zh"};
    static const char *const no[] = {"",        "null", "en-GB",  "zh-TW",  "zh-Hans",
                                     "zh-Hant", "fr",   "en-US ", "zh-CNx", "e"};
    for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
        if (!i18n_lang_supported(yes[i]))
            fail_msg("\"%s\" should be supported", yes[i]);
    }
    for (size_t i = 0; i < ARRAY_LEN(no); i++) {
        if (i18n_lang_supported(no[i]))
            fail_msg("\"%s\" should not be supported", no[i]);
    }
    assert_false(i18n_lang_supported(NULL));
}

/*---- Catalogue ------------------------------------------------------------------------*/

static void catalogue__every_wire_code__has_text_in_all_languages(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_WIRE; i++)
        assert_has_text(wire_codes[i]);
}

static void catalogue__err_list_codes__all_have_text(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(err_list_codes); i++)
        assert_has_text(err_list_codes[i]);
}

static void catalogue__named_keys__have_text_in_all_languages(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(named_keys); i++)
        assert_has_text(named_keys[i]);
}

static void catalogue__languages__give_different_texts(void **state)
{
    (void)state;
    const char *en = i18n_lang("en-US");
    const char *cn = i18n_lang("zh-CN");
    const char *hk = i18n_lang("zh-HK");

    for (size_t i = 1; i < N_WIRE; i++) { /* skip "0": 成功 is the same in both scripts */
        assert_string_not_equal(i18n_text(en, wire_codes[i]), i18n_text(cn, wire_codes[i]));
        assert_string_not_equal(i18n_text(en, wire_codes[i]), i18n_text(hk, wire_codes[i]));
    }
}

static void catalogue__known_texts__are_exact(void **state)
{
    (void)state;
    const char *en = i18n_lang("en-US");
    const char *cn = i18n_lang("zh-CN");
    const char *hk = i18n_lang("zh-HK");

    assert_string_equal(i18n_text(en, "0"), "Success");
    assert_string_equal(i18n_text(cn, "0"), "成功");
    assert_string_equal(i18n_text(hk, "0"), "成功");
    assert_string_equal(i18n_text(cn, "kyc.off_remark"), "公司未开启KYC认证,直接通过");
    assert_string_equal(i18n_text(en, "kyc.off_remark"),
                        "The company has not enabled KYC; approved directly");
    assert_string_equal(i18n_text(en, "kyc.unverified"), "Unverified");
    assert_string_equal(i18n_text(cn, "kyc.unverified"), "未验证");
    assert_string_equal(i18n_text(hk, "kyc.unverified"), "未驗證");
    assert_string_equal(i18n_text(en, "CUSTOMER_API_0000100"), "Invalid parameter: {0}");
}

static void catalogue__unknown_or_null_key__gives_internal_error_text(void **state)
{
    (void)state;
    for (size_t l = 0; l < N_LANGS; l++) {
        const char *lang = i18n_lang(langs[l]);
        const char *fallback = i18n_text(lang, "GATEWAY_CODE_500");
        assert_string_equal(i18n_text(lang, "NO_SUCH_CODE"), fallback);
        assert_string_equal(i18n_text(lang, ""), fallback);
        assert_string_equal(i18n_text(lang, NULL), fallback);
        assert_string_equal(i18n_text(lang, "gateway_code_001"), fallback); /* keys are exact */
    }
}

static void catalogue__non_canonical_lang__is_normalised(void **state)
{
    (void)state;
    char copy[8];
    memcpy(copy, "zh-hk", sizeof "zh-hk"); /* not the pointer i18n_lang returns */
    assert_string_equal(i18n_text(copy, "kyc.unverified"), "未驗證");
    assert_string_equal(i18n_text("zh", "kyc.unverified"), "未验证");
    assert_string_equal(i18n_text(NULL, "kyc.unverified"), "Unverified");
    assert_string_equal(i18n_text("xx", "kyc.unverified"), "Unverified");
}

static void catalogue__param_codes_and_code_texts__hold_a_placeholder(void **state)
{
    (void)state;
    for (size_t l = 0; l < N_LANGS; l++) {
        const char *lang = i18n_lang(langs[l]);
        for (size_t i = 0; i < ARRAY_LEN(param_codes); i++) {
            if (strstr(i18n_text(lang, param_codes[i]), "{0}") == NULL)
                fail_msg("%s %s lacks {0}", param_codes[i], langs[l]);
        }
        for (size_t i = 3; i < ARRAY_LEN(named_keys); i++) { /* the code.text.* keys */
            const char *t = i18n_text(lang, named_keys[i]);
            if (strstr(t, "{0}") == NULL || strstr(t, "{1}") == NULL)
                fail_msg("%s %s must hold {0} (the code) and {1} (its minutes)", named_keys[i],
                         langs[l]);
        }
    }
}

/*---- Formatting -----------------------------------------------------------------------*/

static void format__param__replaces_placeholder(void **state)
{
    (void)state;
    char buf[256];
    const char *en = i18n_lang("en");
    const char *cn = i18n_lang("zh");

    i18n_format(en, "CUSTOMER_API_0000100", "loginName", buf, sizeof buf);
    assert_string_equal(buf, "Invalid parameter: loginName");
    i18n_format(cn, "CUSTOMER_API_0000100", "loginName", buf, sizeof buf);
    assert_string_equal(buf, "参数无效：loginName");
    i18n_format(en, "GATEWAY_CODE_004", "42", buf, sizeof buf);
    assert_string_equal(buf, "Too many requests. Please try again later (retry in 42s).");
    i18n_format(cn, "MESSAGE_API_0000201", "3", buf, sizeof buf);
    assert_string_equal(buf, "验证码错误（剩余尝试次数：3）。");
    i18n_format(en, "CUSTOMER_API_0000113", "1:USDT", buf, sizeof buf);
    assert_string_equal(buf, "This trade type or currency is not offered (1:USDT).");

    /* A "{0}" inside the value is data, not another placeholder. */
    i18n_format(en, "CUSTOMER_API_0000100", "{0}", buf, sizeof buf);
    assert_string_equal(buf, "Invalid parameter: {0}");
    /* An empty value is a value. */
    i18n_format(en, "CUSTOMER_API_0000100", "", buf, sizeof buf);
    assert_string_equal(buf, "Invalid parameter: ");

    for (size_t l = 0; l < N_LANGS; l++) {
        i18n_format2(i18n_lang(langs[l]), "code.text.LOGIN", "123456", "7", buf, sizeof buf);
        assert_non_null(strstr(buf, "123456"));
        assert_null(strstr(buf, "{0}"));
        assert_null(strstr(buf, "{1}"));
        assert_non_null(strstr(buf, l == 0 ? "7 minutes" : "7"));
    }
    i18n_format2(en, "code.text.LOGIN", "123456", "5", buf, sizeof buf);
    assert_string_equal(buf, "Your login verification code is 123456. It expires in 5 minutes. "
                             "Do not share it with anyone.");
}

static void format__no_placeholder__copies_text(void **state)
{
    (void)state;
    char buf[256];
    const char *hk = i18n_lang("zh-HK");

    i18n_format(hk, "kyc.unverified", "ignored", buf, sizeof buf);
    assert_string_equal(buf, "未驗證");
    i18n_format(hk, "NO_SUCH_CODE", NULL, buf, sizeof buf);
    assert_string_equal(buf, i18n_text(hk, "GATEWAY_CODE_500"));
}

static void format__null_param__removes_placeholder_cleanly(void **state)
{
    (void)state;
    char buf[256];
    const char *en = i18n_lang("en");
    const char *cn = i18n_lang("zh");
    const char *hk = i18n_lang("zh-HK");

    i18n_format(en, "GATEWAY_CODE_004", NULL, buf, sizeof buf);
    assert_string_equal(buf, "Too many requests. Please try again later.");
    i18n_format(cn, "GATEWAY_CODE_004", NULL, buf, sizeof buf);
    assert_string_equal(buf, "请求过于频繁，请稍后再试。");
    i18n_format(en, "CUSTOMER_API_0000100", NULL, buf, sizeof buf);
    assert_string_equal(buf, "Invalid parameter");
    i18n_format(cn, "CUSTOMER_API_0000100", NULL, buf, sizeof buf);
    assert_string_equal(buf, "参数无效");
    i18n_format(hk, "MESSAGE_API_0000201", NULL, buf, sizeof buf);
    assert_string_equal(buf, "驗證碼錯誤。");
    i18n_format(en, "CUSTOMER_API_0000103", NULL, buf, sizeof buf);
    assert_string_equal(buf, "Password login is temporarily locked after too many failed "
                             "attempts; sign-in with a verification code still works. Please "
                             "try again later.");

    /* Every parameterised message reads cleanly without its value. */
    static const char *const debris[] = {"{", "}", "()", "（）", "[]", "  ", " .", " ）", "：。"};
    for (size_t l = 0; l < N_LANGS; l++) {
        for (size_t i = 0; i < ARRAY_LEN(param_codes); i++) {
            i18n_format(i18n_lang(langs[l]), param_codes[i], NULL, buf, sizeof buf);
            for (size_t d = 0; d < ARRAY_LEN(debris); d++) {
                if (strstr(buf, debris[d]) != NULL)
                    fail_msg("%s %s without param left \"%s\": %s", param_codes[i], langs[l],
                             debris[d], buf);
            }
            assert_true(buf[0] != '\0');
        }
    }
}

/* Every buffer size from 1 up gives a NUL-terminated, valid UTF-8 prefix of the full text,
 * and nothing past size is touched. */
static void format__small_buffers__truncate_on_character_boundaries(void **state)
{
    (void)state;
    char full[512];
    char buf[512 + 8];

    for (size_t l = 0; l < N_LANGS; l++) {
        const char *lang = i18n_lang(langs[l]);
        for (size_t i = 0; i < N_WIRE + ARRAY_LEN(named_keys); i++) {
            const char *key = i < N_WIRE ? wire_codes[i] : named_keys[i - N_WIRE];
            const char *param = (i & 1) ? "参数-value" : NULL;

            i18n_format(lang, key, param, full, sizeof full);
            size_t full_len = strlen(full);
            assert_true(full_len < sizeof full - 1); /* the reference itself is whole */

            for (size_t size = 1; size <= full_len + 1; size++) {
                memset(buf, 0x5A, sizeof buf);
                i18n_format(lang, key, param, buf, size);
                size_t len = strnlen(buf, size);
                assert_true(len < size);
                assert_true(valid_utf8(buf));
                assert_true(memcmp(buf, full, len) == 0);
                assert_true(len + 3 >= size - 1); /* at most one 4-byte character dropped */
                for (size_t k = size; k < sizeof buf; k++)
                    assert_int_equal((unsigned char)buf[k], 0x5A);
            }
        }
    }
}

static void format__truncation__drops_the_tail_after_a_cut(void **state)
{
    (void)state;
    char buf[32];
    char wide[64];
    const char *en = i18n_lang("en");
    const char *cn = i18n_lang("zh");

    i18n_format(en, "CUSTOMER_API_0000100", "loginName", buf, 8);
    assert_string_equal(buf, "Invalid");
    /* 7 bytes of room hold two 3-byte characters, not two and a third of one. */
    i18n_format(cn, "CUSTOMER_API_0000100", "loginName", buf, 8);
    assert_string_equal(buf, "参数");
    i18n_format(en, "GATEWAY_CODE_004", "42", buf, sizeof buf);
    assert_string_equal(buf, "Too many requests. Please try a");
    /* The cut falls inside the value: the closing "s)." must not be glued on after it. */
    i18n_format(en, "GATEWAY_CODE_004", "1234567890", wide, 56);
    assert_string_equal(wide, "Too many requests. Please try again later (retry in 123");
    i18n_format(en, "CUSTOMER_API_0000100", "abcdefghijklmnop", buf, 22);
    assert_string_equal(buf, "Invalid parameter: ab");
    i18n_format(en, "0", NULL, buf, 1);
    assert_string_equal(buf, "");
    i18n_format(en, "0", NULL, NULL, 0); /* size 0: nothing written, no crash */
    buf[0] = 'x';
    i18n_format(en, "0", NULL, buf, 0);
    assert_int_equal(buf[0], 'x');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lang__tags__map_to_canonical),
        cmocka_unit_test(lang__result__is_one_static_string_per_language),
        cmocka_unit_test(lang_supported__accepts_only_the_three_tags_and_bare_languages),
        cmocka_unit_test(catalogue__every_wire_code__has_text_in_all_languages),
        cmocka_unit_test(catalogue__err_list_codes__all_have_text),
        cmocka_unit_test(catalogue__named_keys__have_text_in_all_languages),
        cmocka_unit_test(catalogue__languages__give_different_texts),
        cmocka_unit_test(catalogue__known_texts__are_exact),
        cmocka_unit_test(catalogue__unknown_or_null_key__gives_internal_error_text),
        cmocka_unit_test(catalogue__non_canonical_lang__is_normalised),
        cmocka_unit_test(catalogue__param_codes_and_code_texts__hold_a_placeholder),
        cmocka_unit_test(format__param__replaces_placeholder),
        cmocka_unit_test(format__no_placeholder__copies_text),
        cmocka_unit_test(format__null_param__removes_placeholder_cleanly),
        cmocka_unit_test(format__small_buffers__truncate_on_character_boundaries),
        cmocka_unit_test(format__truncation__drops_the_tail_after_a_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
