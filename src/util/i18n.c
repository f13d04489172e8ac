/* util/i18n.c — the message catalogue behind util/i18n.h: one static row per key with its
 * en-US, zh-CN and zh-HK (Traditional) text, plus the "{0}" formatter.
 * Clients show msg verbatim, so texts are final user-facing sentences. */
#include "util/i18n.h"

#include <string.h>

/* Returned by i18n_lang(); i18n_text() recognises them by address, so the common path
 * compares three pointers instead of strings. */
static const char LANG_EN[] = "en-US";
static const char LANG_CN[] = "zh-CN";
static const char LANG_HK[] = "zh-HK";

enum { L_EN, L_CN, L_HK, L_COUNT };

struct msg {
    const char *key;
    const char *text[L_COUNT]; /* en-US, zh-CN, zh-HK */
};

/*---- The catalogue ------------------------------------------------------------------------*/

/* Row 0 is the fallback for unknown keys: a key that is missing here must still produce a
 * sensible envelope, and "internal error" is the honest answer.
 * Parameterised texts keep "{0}" inside brackets (or after a final ": ") so that
 * i18n_format() can drop it cleanly when the caller has no value. */
static const struct msg catalogue[] = {
    {"GATEWAY_CODE_500",
     {"System error. Please try again later.", "系统错误，请稍后再试。", "系統錯誤，請稍後再試。"}},
    {"0", {"Success", "成功", "成功"}},
    {"GATEWAY_CODE_001",
     {"Your login has expired. Please log in again.", "登录已失效，请重新登录。",
      "登入已失效，請重新登入。"}},
    {"GATEWAY_CODE_002",
     {"Invalid or missing company ID.", "公司ID缺失或无效。", "公司ID缺失或無效。"}},
    {"GATEWAY_CODE_003",
     {"Invalid request. Please check and try again.", "请求格式错误，请检查后重试。",
      "請求格式錯誤，請檢查後重試。"}},
    {"GATEWAY_CODE_004",
     {"Too many requests. Please try again later (retry in {0}s).",
      "请求过于频繁，请稍后再试（{0}秒后可重试）。",
      "請求過於頻繁，請稍後再試（{0}秒後可重試）。"}},
    {"GATEWAY_CODE_005",
     {"Your session has ended, possibly because you logged in elsewhere or your password "
      "was changed. Please log in again.",
      "您的登录状态已失效，可能已在其他设备登录或密码已修改，请重新登录。",
      "您的登入狀態已失效，可能已在其他裝置登入或密碼已修改，請重新登入。"}},
    {"GATEWAY_CODE_006", {"Unsupported API version.", "不支持的接口版本。", "不支援的介面版本。"}},
    {"GATEWAY_CODE_404",
     {"The requested API does not exist.", "请求的接口不存在。", "請求的介面不存在。"}},
    {"CUSTOMER_API_0000100", {"Invalid parameter: {0}", "参数无效：{0}", "參數無效：{0}"}},
    {"CUSTOMER_API_0000102",
     {"Incorrect account, password or verification code.", "账号、密码或验证码错误。",
      "帳號、密碼或驗證碼錯誤。"}},
    {"CUSTOMER_API_0000103",
     {"Password login is temporarily locked after too many failed attempts; sign-in with a "
      "verification code still works. Please try again later (minutes remaining: {0}).",
      "登录失败次数过多，密码登录已被暂时锁定，验证码登录仍可使用。请稍后再试（剩余{0}分钟）。",
      "登入失敗次數過多，密碼登入已被暫時鎖定，驗證碼登入仍可使用。請稍後再試（剩餘{0}分鐘）。"}},
    {"CUSTOMER_API_0000104",
     {"This account has been disabled. Please contact customer support.",
      "该账户已被禁用，请联系客服。", "該帳戶已被停用，請聯絡客服。"}},
    {"CUSTOMER_API_0000105",
     {"This email or phone number is already registered.", "该邮箱或手机号已被注册。",
      "該電郵或手機號碼已被註冊。"}},
    {"CUSTOMER_API_0000106",
     {"Please enter your Google Authenticator code.", "请输入谷歌验证码。",
      "請輸入Google驗證碼。"}},
    {"CUSTOMER_API_0000107",
     {"The Google Authenticator code is incorrect or has already been used.",
      "谷歌验证码错误或已被使用。", "Google驗證碼錯誤或已被使用。"}},
    {"CUSTOMER_API_0000108", {"The old password is incorrect.", "原密码错误。", "原密碼錯誤。"}},
    {"CUSTOMER_API_0000109",
     {"A login password has already been set. Please use Change Password instead.",
      "登录密码已设置，请使用修改密码功能。", "登入密碼已設定，請使用修改密碼功能。"}},
    {"CUSTOMER_API_0000110",
     {"No paired demo or live company is configured for this company.",
      "当前公司未配置关联的模拟或真实公司。", "當前公司未設定關聯的模擬或真實公司。"}},
    {"CUSTOMER_API_0000111",
     {"This is not a demo account.", "该账户不是模拟账户。", "該帳戶不是模擬帳戶。"}},
    {"CUSTOMER_API_0000112",
     {"The refresh token is invalid or has expired. Please log in again.",
      "刷新令牌无效或已过期，请重新登录。", "刷新令牌無效或已過期，請重新登入。"}},
    {"CUSTOMER_API_0000113",
     {"This trade type or currency is not offered ({0}).", "不支持该交易类型或币种（{0}）。",
      "不支援該交易類型或幣種（{0}）。"}},
    {"CUSTOMER_API_0000114",
     {"This operation is not available for a demo company.", "模拟公司不支持此操作。",
      "模擬公司不支援此操作。"}},
    {"CUSTOMER_API_0000115",
     {"Google Authenticator is already bound or not yet bound, so this operation is not "
      "possible.",
      "谷歌验证器已绑定或尚未绑定，无法执行此操作。",
      "Google驗證器已綁定或尚未綁定，無法執行此操作。"}},
    {"CUSTOMER_API_00010001",
     {"Registration submitted and pending review.", "注册申请已提交，等待人工审核。",
      "註冊申請已提交，等待人工審核。"}},
    {"MESSAGE_API_0000201",
     {"Incorrect verification code (attempts remaining: {0}).", "验证码错误（剩余尝试次数：{0}）。",
      "驗證碼錯誤（剩餘嘗試次數：{0}）。"}},
    {"MESSAGE_API_0000202",
     {"The verification code has expired or is invalid. Please request a new one.",
      "验证码已失效，请重新获取。", "驗證碼已失效，請重新獲取。"}},
    {"MESSAGE_API_0000203",
     {"Too many incorrect attempts. Please request a new verification code.",
      "验证码错误次数过多，请重新获取。", "驗證碼錯誤次數過多，請重新獲取。"}},
    {"MESSAGE_API_0000204",
     {"Verification codes requested too often. Please try again later (retry in {0}s).",
      "验证码发送过于频繁，请稍后再试（{0}秒后可重试）。",
      "驗證碼發送過於頻繁，請稍後再試（{0}秒後可重試）。"}},
    {"MESSAGE_API_0000205",
     {"Sending limit reached. Please try again later.", "发送次数已达上限，请稍后再试。",
      "發送次數已達上限，請稍後再試。"}},
    {"MESSAGE_API_0000206",
     {"Invalid verification type or recipient.", "验证码类型或接收方无效。",
      "驗證碼類型或接收方無效。"}},
    {"CUSTOMER_API_0000116",
     {"Fund password is not set, or is already set (use update).",
      "资金密码未设置或已设置（请使用修改）。", "資金密碼未設定或已設定（請使用修改）。"}},
    {"CUSTOMER_API_0000117",
     {"Incorrect fund password (attempts left: {0}).", "资金密码错误（剩余尝试次数：{0}）。",
      "資金密碼錯誤（剩餘嘗試次數：{0}）。"}},
    {"CUSTOMER_API_0000118",
     {"Fund password is temporarily locked after too many failed attempts (minutes "
      "remaining: {0}).",
      "资金密码错误次数过多，已被暂时锁定（剩余{0}分钟）。",
      "資金密碼錯誤次數過多，已被暫時鎖定（剩餘{0}分鐘）。"}},
    {"CUSTOMER_API_0000119",
     {"Security verification incomplete: {0}", "安全验证未完成：{0}", "安全驗證未完成：{0}"}},
    {"CUSTOMER_API_0000120",
     {"This contact is already bound, or there is no contact of this kind to change.",
      "该联系方式已绑定，或没有可更换的此类联系方式。",
      "該聯絡方式已綁定，或沒有可更換的此類聯絡方式。"}},
    {"CUSTOMER_API_0000121",
     {"This account is being deleted and can no longer sign in.", "该账户已申请注销，无法登录。",
      "該帳戶已申請註銷，無法登入。"}},
    {"CUSTOMER_API_0000122", {"Session not found.", "未找到该会话。", "未找到該會話。"}},

    /* The zh-CN remark is the platform's own sample text, ASCII comma included: clients
     * that match on it keep working. */
    {"kyc.off_remark",
     {"The company has not enabled KYC; approved directly", "公司未开启KYC认证,直接通过",
      "公司未開啟KYC認證,直接通過"}},
    {"kyc.unverified", {"Unverified", "未验证", "未驗證"}},

    /* Verification-code deliveries (CONTRACT C1). "{0}" is the code, "{1}" the minutes it
     * lives (code-ttl-s, 5 by default: CONTRACT B5); i18n_format2 fills both. */
    {"code.subject", {"Your verification code", "您的验证码", "您的驗證碼"}},
    {"code.text.REGISTER",
     {"Your registration verification code is {0}. It expires in {1} minutes. "
      "Do not share it with anyone.",
      "您的注册验证码为{0}，{1}分钟内有效，请勿泄露给他人。",
      "您的註冊驗證碼為{0}，{1}分鐘內有效，請勿向他人透露。"}},
    {"code.text.LOGIN",
     {"Your login verification code is {0}. It expires in {1} minutes. "
      "Do not share it with anyone.",
      "您的登录验证码为{0}，{1}分钟内有效，请勿泄露给他人。",
      "您的登入驗證碼為{0}，{1}分鐘內有效，請勿向他人透露。"}},
    {"code.text.PASSWORD",
     {"Your password reset verification code is {0}. It expires in {1} minutes. "
      "Do not share it with anyone.",
      "您正在重置密码，验证码为{0}，{1}分钟内有效，请勿泄露给他人。",
      "您正在重設密碼，驗證碼為{0}，{1}分鐘內有效，請勿向他人透露。"}},
    {"code.text.LOGINED",
     {"Your verification code to confirm this account operation is {0}. It expires in "
      "{1} minutes. Do not share it with anyone.",
      "您正在进行账户安全验证，验证码为{0}，{1}分钟内有效，请勿泄露给他人。",
      "您正在進行帳戶安全驗證，驗證碼為{0}，{1}分鐘內有效，請勿向他人透露。"}},
    {"code.text.COMMON",
     {"Your verification code to confirm your new email or phone number is {0}. It expires "
      "in {1} minutes. Do not share it with anyone.",
      "您正在绑定新的联系方式，验证码为{0}，{1}分钟内有效，请勿泄露给他人。",
      "您正在綁定新的聯絡方式，驗證碼為{0}，{1}分鐘內有效，請勿向他人透露。"}},

    /* Security notices (CONTRACT C22, C24). "{0}" is what changed or where the sign-in came
     * from; "{1}" the "this wasn't me" code. */
    {"notice.subject", {"Security notice", "安全提醒", "安全提醒"}},
    {"notice.contact_changed",
     {"The {0} of your account was changed. If this was not you, contact support at once.",
      "您账户的{0}已被更换。如非本人操作，请立即联系客服。",
      "您帳戶的{0}已被更換。如非本人操作，請立即聯絡客服。"}},
    {"notice.kind.email", {"email address", "邮箱", "電郵地址"}},
    {"notice.kind.phone", {"phone number", "手机号", "手機號碼"}},
    {"notice.new_device",
     {"New sign-in to your account: {0}. If this was not you, use code {1} "
      "(\"this wasn't me\") to end every session and lock password sign-in.",
      "您的账户有新设备登录：{0}。如非本人操作，请使用代码{1}"
      "（“不是我”）结束所有会话并锁定密码登录。",
      "您的帳戶有新裝置登入：{0}。如非本人操作，請使用代碼{1}"
      "（「不是我」）結束所有會話並鎖定密碼登入。"}},
    /* Appended to every email and SMS of a customer who set an anti-phishing phrase. */
    {"notice.anti_phish", {" [Anti-phishing code: {0}]", "【防钓鱼码：{0}】", "【防釣魚碼：{0}】"}},
};

#define CATALOGUE_LEN (sizeof catalogue / sizeof catalogue[0])

/*---- Languages ----------------------------------------------------------------------------*/

/* ASCII-only case folding: strcasecmp follows the C locale, and a tag must not change
 * meaning if someone ever calls setlocale (the Turkish dotless i). */
static char fold(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Returns the rest of s after a case-insensitive prefix, or NULL when prefix does not match. */
static const char *skip_prefix(const char *s, const char *prefix)
{
    for (; *prefix != '\0'; s++, prefix++) {
        if (fold(*s) != *prefix) /* also stops at the end of s: fold('\0') never matches */
            return NULL;
    }
    return s;
}

static bool iequal(const char *s, const char *lower)
{
    const char *rest = skip_prefix(s, lower);
    return rest != NULL && *rest == '\0';
}

/* "zh-hans" and "zh-hans-cn" match, "zh-hansx" does not: subtags end at '-' (BCP 47). */
static bool has_subtag_prefix(const char *s, const char *lower)
{
    const char *rest = skip_prefix(s, lower);
    return rest != NULL && (*rest == '\0' || *rest == '-');
}

const char *i18n_lang(const char *tag)
{
    if (tag == NULL)
        return LANG_EN;
    if (iequal(tag, "zh") || iequal(tag, "zh-cn") || has_subtag_prefix(tag, "zh-hans"))
        return LANG_CN;
    if (iequal(tag, "zh-hk") || iequal(tag, "zh-tw") || has_subtag_prefix(tag, "zh-hant"))
        return LANG_HK;
    /* "en", "en-*", "null", "" and everything unknown all land here (CONTRACT A9). */
    return LANG_EN;
}

bool i18n_lang_supported(const char *tag)
{
    if (tag == NULL)
        return false;
    return iequal(tag, "en-us") || iequal(tag, "zh-cn") || iequal(tag, "zh-hk") ||
           iequal(tag, "en") || iequal(tag, "zh");
}

static int lang_slot(const char *lang)
{
    if (lang != LANG_EN && lang != LANG_CN && lang != LANG_HK)
        lang = i18n_lang(lang); /* a copy, e.g. a tag read back from the store */
    if (lang == LANG_CN)
        return L_CN;
    if (lang == LANG_HK)
        return L_HK;
    return L_EN;
}

/*---- Lookup -------------------------------------------------------------------------------*/

/* A linear scan: about forty rows, one lookup per response, and most rows differ from the
 * key within the first few bytes. Not worth a hash or a sort order to keep up. */
const char *i18n_text(const char *lang, const char *key)
{
    const struct msg *m = &catalogue[0];
    int slot = lang_slot(lang);

    if (key != NULL) {
        for (size_t i = 0; i < CATALOGUE_LEN; i++) {
            if (strcmp(catalogue[i].key, key) == 0) {
                m = &catalogue[i];
                break;
            }
        }
    }
    return m->text[slot] != NULL ? m->text[slot] : m->text[L_EN];
}

/*---- Formatting ---------------------------------------------------------------------------*/

#define PLACEHOLDER "{0}"
#define PLACEHOLDER_LEN (sizeof PLACEHOLDER - 1)

/* Bounded writer into the caller's buffer. Once a piece has been cut, later pieces are
 * dropped too: text appended after a gap would read as a different message. */
struct out {
    char *buf;
    size_t size; /* > 0: one byte is always kept for the NUL */
    size_t len;
    bool full;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->full)
        return;
    size_t room = o->size - 1 - o->len;
    if (n > room) {
        /* Cut on a character boundary: jansson refuses a string with invalid UTF-8, so a
         * split CJK character would lose the whole msg rather than one character. */
        n = room;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
        o->full = true;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static const char *const openers[] = {"(", "（", "["};
static const char *const closers[] = {")", "）", "]"};
#define BRACKET_KINDS (sizeof openers / sizeof openers[0])

/* Index of the bracket (from set) starting at s, or -1. Byte-wise matching is safe on
 * UTF-8: a lead byte never equals a continuation byte. */
static int bracket_at(const char *const *set, const char *s)
{
    for (size_t i = 0; i < BRACKET_KINDS; i++) {
        if (strncmp(s, set[i], strlen(set[i])) == 0)
            return (int)i;
    }
    return -1;
}

static const char *skip_spaces_back(const char *from, const char *start)
{
    while (from > start && from[-1] == ' ')
        from--;
    return from;
}

/* For a placeholder at ph with no value, sets [*cut_from, *cut_to) to the bytes to omit, never
 * reaching before start: the enclosing bracket group if there is one, else the placeholder
 * with a leading ": " / "：" ("Invalid parameter: {0}" -> "Invalid parameter"). */
static void placeholder_cut(const char *start, const char *ph, const char **cut_from,
                            const char **cut_to)
{
    const char *after = ph + PLACEHOLDER_LEN;

    for (const char *q = ph; q > start; q--) {
        if (bracket_at(closers, q - 1) >= 0)
            break; /* ph sits after a closed group, not inside one */
        int kind = bracket_at(openers, q - 1);
        if (kind < 0)
            continue;
        for (const char *r = after; *r != '\0'; r++) {
            if (bracket_at(openers, r) >= 0)
                break;
            if (bracket_at(closers, r) == kind) {
                *cut_from = skip_spaces_back(q - 1, start);
                *cut_to = r + strlen(closers[kind]);
                return;
            }
        }
        break;
    }

    static const char wide_colon[] = "：";
    const char *from = skip_spaces_back(ph, start);
    if (from > start && from[-1] == ':')
        from = skip_spaces_back(from - 1, start);
    else if ((size_t)(from - start) >= sizeof wide_colon - 1 &&
             memcmp(from - (sizeof wide_colon - 1), wide_colon, sizeof wide_colon - 1) == 0)
        from = skip_spaces_back(from - (sizeof wide_colon - 1), start);
    *cut_from = from;
    *cut_to = after;
}

void i18n_format2(const char *lang, const char *key, const char *p0, const char *p1, char *buf,
                  size_t size)
{
    char first[1024];
    if (buf == NULL || size == 0)
        return;
    i18n_format(lang, key, p0, first, sizeof first);
    struct out o = {buf, size, 0, false};
    const char *rest = first;
    for (const char *ph = strstr(rest, "{1}"); ph != NULL; ph = strstr(rest, "{1}")) {
        put(&o, rest, (size_t)(ph - rest));
        put(&o, p1, strlen(p1));
        rest = ph + 3;
    }
    put(&o, rest, strlen(rest));
    buf[o.len] = '\0';
}

void i18n_format(const char *lang, const char *key, const char *param, char *buf, size_t size)
{
    if (buf == NULL || size == 0)
        return;

    struct out o = {buf, size, 0, false};
    const char *rest = i18n_text(lang, key);
    size_t param_len = param != NULL ? strlen(param) : 0;

    /* rest advances past each placeholder, so a "{0}" inside param is never expanded. */
    for (const char *ph = strstr(rest, PLACEHOLDER); ph != NULL; ph = strstr(rest, PLACEHOLDER)) {
        if (param != NULL) {
            put(&o, rest, (size_t)(ph - rest));
            put(&o, param, param_len);
            rest = ph + PLACEHOLDER_LEN;
        } else {
            const char *cut_from;
            const char *cut_to;
            placeholder_cut(rest, ph, &cut_from, &cut_to);
            put(&o, rest, (size_t)(cut_from - rest));
            rest = cut_to;
        }
    }
    put(&o, rest, strlen(rest));
    buf[o.len] = '\0';
}
