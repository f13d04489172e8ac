/* util/i18n.h — the message catalogue: every envelope msg, KYC remark and verification-code
 * text in en-US, zh-CN and zh-HK. It lives in util/ because http/ (msg), api/ (KYC remarks)
 * and delivery/ (code texts) all need it. Static tables only: nothing here allocates. */
#ifndef TA_UTIL_I18N_H
#define TA_UTIL_I18N_H

#include <stdbool.h>
#include <stddef.h>

/* The canonical language for a header or field value: one of the static strings "en-US",
 * "zh-CN", "zh-HK", so callers may compare the result by pointer. Case-insensitive;
 * "en"/"en-*" -> en-US, "zh"/"zh-CN"/"zh-Hans"/"zh-Hans-*" -> zh-CN,
 * "zh-HK"/"zh-TW"/"zh-Hant"/"zh-Hant-*" -> zh-HK; NULL, "", "null" or anything else -> en-US. */
const char *i18n_lang(const char *tag);

/* True when tag is exactly "en-US", "zh-CN", "zh-HK", "en" or "zh" (case-insensitive).
 * Validates changeLang's newLang; store i18n_lang(tag), not tag itself. */
bool i18n_lang_supported(const char *tag);

/* The text for key in lang. Keys are envelope codes ("0", "GATEWAY_CODE_001", ... every wire
 * code of CONTRACT A8) and the named keys "kyc.off_remark", "kyc.unverified", "code.subject",
 * "code.text.<REGISTER|LOGIN|PASSWORD|LOGINED|COMMON>". lang should come from i18n_lang()
 * (matched by pointer); any other string is normalised first. An unknown or NULL key gives
 * the GATEWAY_CODE_500 text. Never NULL; static storage. The text may hold a "{0}"
 * placeholder: use i18n_format() for keys whose message takes a parameter. */
const char *i18n_text(const char *lang, const char *key);

/* Writes the text for key into buf with every "{0}" replaced by param. With param NULL the
 * placeholder goes away cleanly: a bracket group around it is dropped with the space before
 * it ("... later (retry in {0}s)." -> "... later."), a bare one with its leading ": ".
 * Always NUL-terminates when size > 0 (size 0 writes nothing); on truncation the text is cut
 * at a UTF-8 character boundary, so the result is always valid UTF-8 if param is.
 * param must not overlap buf. */
void i18n_format(const char *lang, const char *key, const char *param, char *buf, size_t size);

/* i18n_format, then "{1}" replaced by p1 (never NULL): the code texts, whose "{0}" is the
 * code and "{1}" the minutes it lives. */
void i18n_format2(const char *lang, const char *key, const char *p0, const char *p1, char *buf,
                  size_t size);

#endif
