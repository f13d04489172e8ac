/* api/handlers.h — every endpoint handler, one line each; routes.c maps paths to them. */
#ifndef TA_API_HANDLERS_H
#define TA_API_HANDLERS_H

#include "api/api.h"

ta_err api_code_send(struct api_req *req, json_t **data_out);
ta_err api_register(struct api_req *req, json_t **data_out);
ta_err api_login(struct api_req *req, json_t **data_out);
ta_err api_logout(struct api_req *req, json_t **data_out);
ta_err api_refresh(struct api_req *req, json_t **data_out);
ta_err api_customer_info(struct api_req *req, json_t **data_out);

#endif
