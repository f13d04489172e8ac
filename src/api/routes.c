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
    {"/global/" CWS "findCustomerInfo", api_customer_info, ROUTE_TOKEN, "findCustomerInfo"},
    {NULL, NULL, 0, NULL},
};

const struct route *api_route_find(const char *path)
{
    for (const struct route *r = api_routes; r->path != NULL; r++)
        if (strcmp(r->path, path) == 0)
            return r;
    return NULL;
}
