/* api/render.c — the customer payload. Field types are part of the wire contract (clients
 * compare several with ===), so every field is written explicitly, never from a generic map.
 * Written once, with the streaming writer (the token path embeds the text in the envelope);
 * handlers that return a jansson tree get that text parsed. */
#include "api/render.h"
#include "util/i18n.h"
#include "util/jsonw.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void render_money(int64_t minor, int digits, char *buf, size_t size)
{
    /* Built digit by digit: exact for every int64 and any digits 0..18, no floating point. */
    char tmp[48];
    size_t n = 0;
    uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    int d = digits < 0 ? 0 : (digits > 18 ? 18 : digits);
    do {
        tmp[n++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag != 0 || n <= (size_t)d);
    /* tmp holds the digits reversed, at least d + 1 of them. */
    char out[52];
    size_t o = 0;
    if (minor < 0)
        out[o++] = '-';
    for (size_t i = n; i > 0; i--) {
        out[o++] = tmp[i - 1];
        if (d > 0 && i - 1 == (size_t)d)
            out[o++] = '.';
    }
    if (size == 0)
        return;
    size_t len = o < size ? o : size - 1;
    memcpy(buf, out, len);
    buf[len] = '\0';
}

void render_mask_email(const char *email, char *buf, size_t size)
{
    const char *at = strchr(email, '@');
    if (at == NULL) {
        snprintf(buf, size, "**");
        return;
    }
    int keep = (int)(at - email) < 2 ? (int)(at - email) : 2;
    snprintf(buf, size, "%.*s**%s", keep, email, at);
}

void render_mask_phone(const char *phone, char *buf, size_t size)
{
    size_t n = strlen(phone);
    if (n < 7) {
        snprintf(buf, size, "%.*s******", n > 0 ? 1 : 0, phone);
        return;
    }
    snprintf(buf, size, "%.3s******%s", phone, phone + n - 4);
}

const char *render_source(int register_source)
{
    static const char *const names[] = {"Other", "H5",  "PC_Web", "System", "Android",
                                        "iOS",   "HOS", "PC_Win", "PC_Mac", "Other"};
    return register_source >= 1 && register_source <= 9 ? names[register_source] : "Other";
}

/* ---- written with the streaming writer: one pass, no tree ---------------------------- */

static void ms_or_null(struct jsonw *w, const char *k, int64_t ms)
{
    jsonw_key(w, k);
    if (ms != 0)
        jsonw_int(w, ms);
    else
        jsonw_null(w);
}

static void kmoney(struct jsonw *w, const char *k, int64_t minor, int digits)
{
    jsonw_key(w, k);
    jsonw_money(w, minor, digits);
}

static void account(struct jsonw *w, const struct customer_view *v, const struct account *a)
{
    int64_t available = a->balance - a->frozen;
    int d = a->digits;
    jsonw_obj_begin(w);
    jsonw_kint(w, "accountId", a->id);
    jsonw_kint(w, "customerId", a->customer_id);
    jsonw_kint(w, "companyId", a->company_id);
    jsonw_kint(w, "assetsId", a->assets_id);
    jsonw_kstr(w, "customerNo", v->c.customer_no);
    jsonw_kstr(w, "currency", a->currency);
    jsonw_kint(w, "tradeType", a->trade_type);
    jsonw_kint(w, "digits", a->digits);
    jsonw_kint(w, "type", 1);
    jsonw_kint(w, "status", 2);
    jsonw_kint(w, "activateStatus", 2);
    jsonw_key(w, "openAccountStatus");
    jsonw_bool(w, true);
    kmoney(w, "balance", a->balance, d);
    kmoney(w, "frozen", a->frozen, d);
    kmoney(w, "available", available, d);
    kmoney(w, "equity", available, d);
    kmoney(w, "netAssets", available - a->liabilities, d);
    kmoney(w, "withdrawAmount", available - a->not_withdraw, d);
    kmoney(w, "lockAmount", a->frozen, d);
    kmoney(w, "lockMargin", 0, d);
    kmoney(w, "interest", a->interest, d);
    kmoney(w, "liabilities", a->liabilities, d);
    kmoney(w, "liabilitiesPrincipal", 0, d);
    kmoney(w, "collateralFrozen", 0, d);
    kmoney(w, "notWithdrawAmount", a->not_withdraw, d);
    jsonw_kstr(w, "profit", "0");
    jsonw_kstr(w, "freeMargin", "0");
    jsonw_kstr(w, "margin", "0");
    jsonw_kint(w, "createTime", a->created_ms);
    jsonw_kint(w, "activateTime", a->activated_ms);
    ms_or_null(w, "firstDepositTime", a->first_deposit_ms);
    ms_or_null(w, "firstWithdrawTime", a->first_withdraw_ms);
    static const char *const nulls[] = {
        "remark",      "wholeWarehouseBalance", "wholeWarehouseRate", "interestProportion",
        "marginRadio", "availableLoan"};
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        jsonw_knull(w, nulls[i]);
    jsonw_obj_end(w);
}

void render_accounts_w(struct jsonw *w, const struct customer_view *v)
{
    jsonw_arr_begin(w);
    for (size_t i = 0; i < v->n_accounts; i++)
        account(w, v, &v->accounts[i]);
    jsonw_arr_end(w);
}

static void contacts(struct jsonw *w, const struct customer *c)
{
    char buf[192];
    jsonw_key(w, "email");
    if (c->email != NULL) {
        render_mask_email(c->email, buf, sizeof buf);
        jsonw_str(w, buf);
    } else {
        jsonw_null(w);
    }
    jsonw_key(w, "phone");
    if (c->phone != NULL) {
        render_mask_phone(c->phone, buf, sizeof buf);
        jsonw_str(w, buf);
    } else {
        jsonw_null(w);
    }
    jsonw_kstr(w, "phoneArea", c->phone_area);
}

/* Fields shared by the full payload and the register subset. */
static void common(struct jsonw *w, const struct customer_view *v)
{
    const struct customer *c = &v->c;
    jsonw_kint(w, "id", c->id);
    jsonw_kstr(w, "customerNo", c->customer_no ? c->customer_no : "");
    jsonw_kint(w, "companyId", v->co->id);
    jsonw_kstr(w, "companyType", v->co->type == COMPANY_DEMO ? "demo" : "real");
    jsonw_key(w, "associationCompanyId");
    if (v->co->twin_id != 0)
        jsonw_int(w, v->co->twin_id);
    else
        jsonw_null(w);
    jsonw_kint(w, "customerGroupId", c->group_id);
    contacts(w, c);
    jsonw_kstr(w, "country", c->country ? c->country : "");
    jsonw_knull(w, "name");
    jsonw_kstr(w, "loginPassStatus", c->pw_hash ? "2" : "1");
    jsonw_kstr(w, "payPassStatus", "1");
    jsonw_kint(w, "optional", 1);
    jsonw_kint(w, "companyKycStatus", v->co->kyc_on ? 1 : 2);
    jsonw_kstr(w, "thirdServerCode", c->third_server_code ? c->third_server_code : "");
    jsonw_kstr(w, "source", render_source(c->register_source));
    jsonw_kint(w, "openAccountType", c->open_account_type);
    jsonw_kint(w, "registerTime", c->created_ms);
    jsonw_kstr(w, "token", v->token);
    jsonw_kstr(w, "rToken", v->rtoken);
}

void render_customer_w(struct jsonw *w, const struct customer_view *v, const char *lang)
{
    const struct customer *c = &v->c;
    jsonw_obj_begin(w);
    common(w, v);
    jsonw_kint(w, "relationCustomerId", c->relation_customer_id);
    jsonw_kint(w, "type", c->type);
    jsonw_kint(w, "status", c->status);
    static const char *const nulls[] = {
        "firstName",    "lastName",      "idCard",      "idCardType",       "activateStatus",
        "activateTime", "accountRemark", "thirdUserId", "thirdLoginSource", "thirdIntactMsg"};
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        jsonw_knull(w, nulls[i]);
    jsonw_kstr(w, "assertPassStatus", v->sum.fund_set ? "2" : "1");
    /* The hold shows while it runs (C24); the clock is the request's, kept in the view. */
    bool hold = v->sum.hold_until_ms > v->now_ms;
    jsonw_key(w, "securityHoldUntil");
    if (hold)
        jsonw_int(w, v->sum.hold_until_ms);
    else
        jsonw_null(w);
    jsonw_kstr(w, "securityHoldReason", hold ? v->sum.hold_reason : NULL);
    int audit = v->co->kyc_on ? c->kyc_audit_status : 2;
    jsonw_kint(w, "kycAuditStatus", audit);
    jsonw_kstr(w, "kycAuditRemark",
               !v->co->kyc_on ? i18n_text(lang, "kyc.off_remark") : c->kyc_audit_remark);
    jsonw_kint(w, "kycStatus", 1);
    jsonw_kstr(w, "kycRemark", i18n_text(lang, "kyc.unverified"));
    jsonw_kint(w, "googleId", c->mfa_id > 0 ? c->mfa_id : -1);
    jsonw_kint(w, "isFund", 0);
    jsonw_kint(w, "deposit", 1);
    jsonw_kint(w, "withdraw", 1);
    jsonw_kint(w, "registerSource", c->register_source);
    jsonw_kint(w, "createTime", c->created_ms);
    jsonw_kint(w, "loginTime", v->login_ms);
    jsonw_key(w, "accountList");
    render_accounts_w(w, v);
    jsonw_obj_end(w);
}

static void register_w(struct jsonw *w, const struct customer_view *v)
{
    jsonw_obj_begin(w);
    common(w, v);
    jsonw_key(w, "list");
    jsonw_arr_begin(w);
    jsonw_arr_end(w);
    jsonw_kint(w, "capitalInStatus", 0);
    jsonw_key(w, "apiCheckSwitch");
    jsonw_bool(w, false);
    jsonw_knull(w, "apiCheckRule");
    jsonw_obj_end(w);
}

/* ---- the same as jansson values, for handlers that return a tree ---------------------- */

static json_t *parsed(struct jsonw *w)
{
    size_t len;
    char *text = jsonw_take(w, &len);
    json_t *j = json_loadb(text, len, 0, NULL);
    free(text);
    return j;
}

json_t *render_customer(const struct customer_view *v, const char *lang)
{
    struct jsonw w;
    jsonw_init(&w, 2048);
    render_customer_w(&w, v, lang);
    return parsed(&w);
}

json_t *render_register(const struct customer_view *v, const char *lang)
{
    (void)lang;
    struct jsonw w;
    jsonw_init(&w, 1024);
    register_w(&w, v);
    return parsed(&w);
}

json_t *render_accounts(const struct customer_view *v)
{
    struct jsonw w;
    jsonw_init(&w, 1024);
    render_accounts_w(&w, v);
    return parsed(&w);
}
