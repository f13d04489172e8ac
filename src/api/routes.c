/* api/routes.c — every endpoint tradeauth serves: the whole API on one screen.
 * Paths are as clients send them after the optional /api and /cats-gateway prefixes. */
#include "api/handlers.h"

#include <string.h>

#define CWS "customer.app.CustomerWebApiService."

const struct route api_routes[] = {
    {"/global/message.app.VerificationApiService.verifyCodeSend", api_code_send,
     ROUTE_TOKEN_OPTIONAL, "verifyCodeSend"},
    {"/register/" CWS "register", api_register, ROUTE_GUEST | ROUTE_SLOW, "register"},
    {"/login/" CWS "login", api_login, ROUTE_GUEST | ROUTE_SLOW, "login"},
    {"/login/" CWS "refreshToken", api_refresh, ROUTE_GUEST, "refreshToken"},
    {"/logout", api_logout, ROUTE_GUEST, "logout"},
    {"/global/" CWS "findCustomerInfo", api_customer_info, ROUTE_TOKEN | ROUTE_READ,
     "findCustomerInfo"},
    {"/global/message.app.VerificationApiService.verifyCodeCheck", api_code_check,
     ROUTE_TOKEN_OPTIONAL, "verifyCodeCheck"},
    {"/thirdExt/switchAccount", api_switch, ROUTE_TOKEN, "switchAccount"},
    {"/global/customer.app.CustomerDubboApiService.resetAccount", api_reset, ROUTE_TOKEN,
     "resetAccount"},
    {"/global/thirdExt/randomKey", api_random_key, ROUTE_GUEST, "randomKey"},
    {"/global/thirdExt/oneTimeToken", api_one_time_token, ROUTE_TOKEN, "oneTimeToken"},
    {"/global/" CWS "openAccount", api_open_account, ROUTE_TOKEN, "openAccount"},
    {"/global/" CWS "checkStatus", api_check_status, ROUTE_GUEST, "checkStatus"},
    {"/global/" CWS "checkCustomerExist", api_check_exist, ROUTE_TOKEN, "checkCustomerExist"},
    {"/global/" CWS "changeLang", api_change_lang, ROUTE_TOKEN, "changeLang"},
    {"/global/" CWS "bindLoginPwd", api_bind_pwd, ROUTE_TOKEN | ROUTE_SLOW, "bindLoginPwd"},
    {"/global/" CWS "updateLoginPwd", api_update_pwd, ROUTE_TOKEN | ROUTE_SLOW, "updateLoginPwd"},
    {"/global/" CWS "forgetLoginPwd", api_forget_pwd, ROUTE_GUEST | ROUTE_SLOW, "forgetLoginPwd"},
    {"/global/" CWS "checkGoogleMFAStatus", api_mfa_status, ROUTE_GUEST, "checkGoogleMFAStatus"},
    {"/global/customer.app.GoogleVerifyApiService.generateGoogleAccount", api_mfa_generate,
     ROUTE_TOKEN, "generateGoogleAccount"},
    {"/global/" CWS "enableOrForbidMFA", api_mfa_change, ROUTE_TOKEN, "enableOrForbidMFA"},
    {"/auth/check", api_auth_check, ROUTE_TOKEN | ROUTE_GATEWAY | ROUTE_READ, "authCheck"},
    /* The security center (C22, C23): routes and bodies as the clients send them. */
    {"/global/" CWS "bindPhone", api_bind_phone, ROUTE_TOKEN, "bindPhone"},
    {"/global/" CWS "bindEmail", api_bind_email, ROUTE_TOKEN, "bindEmail"},
    {"/global/" CWS "changePhone", api_change_phone, ROUTE_TOKEN, "changePhone"},
    {"/global/" CWS "changePhoneV1v1v2", api_change_phone, ROUTE_TOKEN, "changePhoneV1v1v2"},
    {"/global/" CWS "changeEmail", api_change_email, ROUTE_TOKEN, "changeEmail"},
    {"/global/" CWS "changeEmailV1v1v2", api_change_email, ROUTE_TOKEN, "changeEmailV1v1v2"},
    {"/global/" CWS "findPhoneAndEmail", api_find_contacts, ROUTE_TOKEN | ROUTE_READ,
     "findPhoneAndEmail"},
    {"/global/" CWS "changeCountry", api_change_country, ROUTE_TOKEN, "changeCountry"},
    {"/global/" CWS "bindAssertsPwd", api_fund_bind, ROUTE_TOKEN | ROUTE_SLOW, "bindAssertsPwd"},
    {"/global/" CWS "updateAssertsPwd", api_fund_update, ROUTE_TOKEN | ROUTE_SLOW,
     "updateAssertsPwd"},
    {"/global/" CWS "forgetAssertsPwd", api_fund_forget, ROUTE_TOKEN | ROUTE_SLOW,
     "forgetAssertsPwd"},
    {"/global/" CWS "forgetAssertsPwdV1v1v2", api_fund_forget, ROUTE_TOKEN | ROUTE_SLOW,
     "forgetAssertsPwdV1v1v2"},
    /* C16, C24: named by the server in the clients' style; destroy is the clients' own. */
    {"/global/" CWS "destroy", api_destroy, ROUTE_TOKEN, "destroy"},
    {"/global/" CWS "listSessions", api_list_sessions, ROUTE_TOKEN, "listSessions"},
    {"/global/" CWS "endSession", api_end_session, ROUTE_TOKEN, "endSession"},
    {"/global/" CWS "endOtherSessions", api_end_other_sessions, ROUTE_TOKEN, "endOtherSessions"},
    {"/global/" CWS "securityHistory", api_security_history, ROUTE_TOKEN, "securityHistory"},
    {"/global/" CWS "setAntiPhishingCode", api_set_anti_phishing, ROUTE_TOKEN,
     "setAntiPhishingCode"},
    {"/global/" CWS "reportNotMe", api_not_me, ROUTE_GUEST, "reportNotMe"},
    {"/auth/fund-password/verify", api_fund_verify, ROUTE_TOKEN | ROUTE_SLOW, "fundPasswordVerify"},
    {NULL, NULL, 0, NULL},
};

const struct route *api_route_find(const char *path)
{
    for (const struct route *r = api_routes; r->path != NULL; r++)
        if (strcmp(r->path, path) == 0)
            return r;
    return NULL;
}
