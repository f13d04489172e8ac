/* api/render.c — the customer payload. Field types are part of the wire contract (clients
 * compare several with ===), so every field is built explicitly, never from a generic map. */
#include "api/render.h"
#include "util/i18n.h"

#include <inttypes.h>
#include <stdio.h>
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

static json_t *str_or_null(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

static json_t *money(int64_t minor, int digits)
{
    char buf[48];
    render_money(minor, digits, buf, sizeof buf);
    return json_string(buf);
}

static json_t *ms_or_null(int64_t ms)
{
    return ms != 0 ? json_integer(ms) : json_null();
}

static json_t *account(const struct customer_view *v, const struct account *a)
{
    int64_t available = a->balance - a->frozen;
    json_t *o = json_object();
    json_object_set_new_nocheck(o, "accountId", json_integer(a->id));
    json_object_set_new_nocheck(o, "customerId", json_integer(a->customer_id));
    json_object_set_new_nocheck(o, "companyId", json_integer(a->company_id));
    json_object_set_new_nocheck(o, "assetsId", json_integer(a->assets_id));
    json_object_set_new_nocheck(o, "customerNo", json_string(v->c.customer_no));
    json_object_set_new_nocheck(o, "currency", json_string(a->currency));
    json_object_set_new_nocheck(o, "tradeType", json_integer(a->trade_type));
    json_object_set_new_nocheck(o, "digits", json_integer(a->digits));
    json_object_set_new_nocheck(o, "type", json_integer(1));
    json_object_set_new_nocheck(o, "status", json_integer(2));
    json_object_set_new_nocheck(o, "activateStatus", json_integer(2));
    json_object_set_new_nocheck(o, "openAccountStatus", json_true());
    json_object_set_new_nocheck(o, "balance", money(a->balance, a->digits));
    json_object_set_new_nocheck(o, "frozen", money(a->frozen, a->digits));
    json_object_set_new_nocheck(o, "available", money(available, a->digits));
    json_object_set_new_nocheck(o, "equity", money(available, a->digits));
    json_object_set_new_nocheck(o, "netAssets", money(available - a->liabilities, a->digits));
    json_object_set_new_nocheck(o, "withdrawAmount", money(available - a->not_withdraw, a->digits));
    json_object_set_new_nocheck(o, "lockAmount", money(a->frozen, a->digits));
    json_object_set_new_nocheck(o, "lockMargin", money(0, a->digits));
    json_object_set_new_nocheck(o, "interest", money(a->interest, a->digits));
    json_object_set_new_nocheck(o, "liabilities", money(a->liabilities, a->digits));
    json_object_set_new_nocheck(o, "liabilitiesPrincipal", money(0, a->digits));
    json_object_set_new_nocheck(o, "collateralFrozen", money(0, a->digits));
    json_object_set_new_nocheck(o, "notWithdrawAmount", money(a->not_withdraw, a->digits));
    json_object_set_new_nocheck(o, "profit", json_string("0"));
    json_object_set_new_nocheck(o, "freeMargin", json_string("0"));
    json_object_set_new_nocheck(o, "margin", json_string("0"));
    json_object_set_new_nocheck(o, "createTime", json_integer(a->created_ms));
    json_object_set_new_nocheck(o, "activateTime", json_integer(a->activated_ms));
    json_object_set_new_nocheck(o, "firstDepositTime", ms_or_null(a->first_deposit_ms));
    json_object_set_new_nocheck(o, "firstWithdrawTime", ms_or_null(a->first_withdraw_ms));
    static const char *const nulls[] = {
        "remark",      "wholeWarehouseBalance", "wholeWarehouseRate", "interestProportion",
        "marginRadio", "availableLoan"};
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        json_object_set_new_nocheck(o, nulls[i], json_null());
    return o;
}

json_t *render_accounts(const struct customer_view *v)
{
    json_t *list = json_array();
    for (size_t i = 0; i < v->n_accounts; i++)
        json_array_append_new(list, account(v, &v->accounts[i]));
    return list;
}

static void contacts(json_t *o, const struct customer *c)
{
    char buf[192];
    if (c->email != NULL) {
        render_mask_email(c->email, buf, sizeof buf);
        json_object_set_new_nocheck(o, "email", json_string(buf));
    } else {
        json_object_set_new_nocheck(o, "email", json_null());
    }
    if (c->phone != NULL) {
        render_mask_phone(c->phone, buf, sizeof buf);
        json_object_set_new_nocheck(o, "phone", json_string(buf));
    } else {
        json_object_set_new_nocheck(o, "phone", json_null());
    }
    json_object_set_new_nocheck(o, "phoneArea", str_or_null(c->phone_area));
}

/* Fields shared by the full payload and the register subset. */
static void common(json_t *o, const struct customer_view *v)
{
    const struct customer *c = &v->c;
    json_object_set_new_nocheck(o, "id", json_integer(c->id));
    json_object_set_new_nocheck(o, "customerNo", json_string(c->customer_no));
    json_object_set_new_nocheck(o, "companyId", json_integer(v->co->id));
    json_object_set_new_nocheck(o, "companyType",
                                json_string(v->co->type == COMPANY_DEMO ? "demo" : "real"));
    json_object_set_new_nocheck(o, "associationCompanyId",
                                v->co->twin_id != 0 ? json_integer(v->co->twin_id) : json_null());
    json_object_set_new_nocheck(o, "customerGroupId", json_integer(c->group_id));
    contacts(o, c);
    json_object_set_new_nocheck(o, "country", json_string(c->country ? c->country : ""));
    json_object_set_new_nocheck(o, "name", json_null());
    json_object_set_new_nocheck(o, "loginPassStatus", json_string(c->pw_hash ? "2" : "1"));
    json_object_set_new_nocheck(o, "payPassStatus", json_string("1"));
    json_object_set_new_nocheck(o, "optional", json_integer(1));
    json_object_set_new_nocheck(o, "companyKycStatus", json_integer(v->co->kyc_on ? 1 : 2));
    json_object_set_new_nocheck(o, "thirdServerCode",
                                json_string(c->third_server_code ? c->third_server_code : ""));
    json_object_set_new_nocheck(o, "source", json_string(render_source(c->register_source)));
    json_object_set_new_nocheck(o, "openAccountType", json_integer(c->open_account_type));
    json_object_set_new_nocheck(o, "registerTime", json_integer(c->created_ms));
    json_object_set_new_nocheck(o, "token", str_or_null(v->token));
    json_object_set_new_nocheck(o, "rToken", str_or_null(v->rtoken));
}

json_t *render_customer(const struct customer_view *v, const char *lang)
{
    const struct customer *c = &v->c;
    json_t *o = json_object();
    common(o, v);
    json_object_set_new_nocheck(o, "relationCustomerId", json_integer(c->relation_customer_id));
    json_object_set_new_nocheck(o, "type", json_integer(c->type));
    json_object_set_new_nocheck(o, "status", json_integer(c->status));
    static const char *const nulls[] = {
        "firstName",    "lastName",      "idCard",      "idCardType",       "activateStatus",
        "activateTime", "accountRemark", "thirdUserId", "thirdLoginSource", "thirdIntactMsg"};
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        json_object_set_new_nocheck(o, nulls[i], json_null());
    json_object_set_new_nocheck(o, "assertPassStatus", json_string(v->sum.fund_set ? "2" : "1"));
    /* The hold shows while it runs (C24); the clock is the request's, kept in the view. */
    bool hold = v->sum.hold_until_ms > v->now_ms;
    json_object_set_new_nocheck(o, "securityHoldUntil",
                                hold ? json_integer(v->sum.hold_until_ms) : json_null());
    json_object_set_new_nocheck(o, "securityHoldReason",
                                hold ? json_string(v->sum.hold_reason) : json_null());
    int audit = v->co->kyc_on ? c->kyc_audit_status : 2;
    json_object_set_new_nocheck(o, "kycAuditStatus", json_integer(audit));
    if (!v->co->kyc_on)
        json_object_set_new_nocheck(o, "kycAuditRemark",
                                    json_string(i18n_text(lang, "kyc.off_remark")));
    else
        json_object_set_new_nocheck(o, "kycAuditRemark", str_or_null(c->kyc_audit_remark));
    json_object_set_new_nocheck(o, "kycStatus", json_integer(1));
    json_object_set_new_nocheck(o, "kycRemark", json_string(i18n_text(lang, "kyc.unverified")));
    json_object_set_new_nocheck(o, "googleId", json_integer(c->mfa_id > 0 ? c->mfa_id : -1));
    json_object_set_new_nocheck(o, "isFund", json_integer(0));
    json_object_set_new_nocheck(o, "deposit", json_integer(1));
    json_object_set_new_nocheck(o, "withdraw", json_integer(1));
    json_object_set_new_nocheck(o, "registerSource", json_integer(c->register_source));
    json_object_set_new_nocheck(o, "createTime", json_integer(c->created_ms));
    json_object_set_new_nocheck(o, "loginTime", json_integer(v->login_ms));
    json_object_set_new_nocheck(o, "accountList", render_accounts(v));
    return o;
}

json_t *render_register(const struct customer_view *v, const char *lang)
{
    (void)lang;
    json_t *o = json_object();
    common(o, v);
    json_object_set_new_nocheck(o, "list", json_array());
    json_object_set_new_nocheck(o, "capitalInStatus", json_integer(0));
    json_object_set_new_nocheck(o, "apiCheckSwitch", json_false());
    json_object_set_new_nocheck(o, "apiCheckRule", json_null());
    return o;
}
