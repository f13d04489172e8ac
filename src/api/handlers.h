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
ta_err api_switch(struct api_req *req, json_t **data_out);
ta_err api_reset(struct api_req *req, json_t **data_out);
ta_err api_random_key(struct api_req *req, json_t **data_out);
ta_err api_one_time_token(struct api_req *req, json_t **data_out);
ta_err api_check_status(struct api_req *req, json_t **data_out);
ta_err api_check_exist(struct api_req *req, json_t **data_out);
ta_err api_mfa_status(struct api_req *req, json_t **data_out);
ta_err api_open_account(struct api_req *req, json_t **data_out);
ta_err api_change_lang(struct api_req *req, json_t **data_out);
ta_err api_code_check(struct api_req *req, json_t **data_out);
ta_err api_bind_pwd(struct api_req *req, json_t **data_out);
ta_err api_update_pwd(struct api_req *req, json_t **data_out);
ta_err api_forget_pwd(struct api_req *req, json_t **data_out);
ta_err api_mfa_generate(struct api_req *req, json_t **data_out);
ta_err api_mfa_change(struct api_req *req, json_t **data_out);
ta_err api_auth_check(struct api_req *req, json_t **data_out);

#endif
