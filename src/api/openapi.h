/* api/openapi.h — the OpenAPI 3.1 description of the API, generated from the route table
 * (api/routes.c), the handlers' field tables (api/bind.h) and the customer payload as
 * api/render.c builds it, so that it cannot drift from what the server does.
 * GET /openapi.json serves it; `tradeauth openapi` prints it; docs/openapi.json is the
 * committed copy that make test compares. */
#ifndef TA_API_OPENAPI_H
#define TA_API_OPENAPI_H

#include <jansson.h>

#include "api/bind.h"

/* The document (new reference). */
json_t *openapi_document(void);
/* Pretty JSON text of it, sorted keys, final newline (caller frees). */
char *openapi_text(void);

/* The handlers' field tables, exported from their files for the description. */
extern const struct field *const api_doc_code_send,
    *const api_doc_register, *const api_doc_login,
                                 *const api_doc_logout,
                                     *const api_doc_refresh,
                                         *const api_doc_code_check,
                                             *const api_doc_login_ref,
                                                 *const api_doc_open_account,
                                                     *const api_doc_change_lang,
                                                         *const api_doc_bind_pwd,
                                                             *const api_doc_update_pwd,
                                                                 *const api_doc_forget_pwd,
                                                                     *const api_doc_mfa_change;

/* The security center's routes (api/security_doc.c: body and step-up fields together). */
extern const struct field *const api_doc_bind_phone,
    *const api_doc_bind_email, *const api_doc_change_country,
                                   *const api_doc_fund_bind,
                                       *const api_doc_fund_update,
                                           *const api_doc_fund_forget,
                                               *const api_doc_fund_verify,
                                                   *const api_doc_end_session,
                                                       *const api_doc_history,
                                                           *const api_doc_destroy,
                                                               *const api_doc_not_me,
                                                                   *const api_doc_anti_phishing;

#endif
