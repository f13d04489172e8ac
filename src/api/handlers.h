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

/* The security center (contract C21-C24): api/security_*.c. */
ta_err api_bind_phone(struct api_req *req, json_t **data_out);
ta_err api_bind_email(struct api_req *req, json_t **data_out);
ta_err api_change_phone(struct api_req *req, json_t **data_out);
ta_err api_change_email(struct api_req *req, json_t **data_out);
ta_err api_find_contacts(struct api_req *req, json_t **data_out);
ta_err api_change_country(struct api_req *req, json_t **data_out);
ta_err api_fund_bind(struct api_req *req, json_t **data_out);
ta_err api_fund_update(struct api_req *req, json_t **data_out);
ta_err api_fund_forget(struct api_req *req, json_t **data_out);
ta_err api_fund_verify(struct api_req *req, json_t **data_out);
ta_err api_list_sessions(struct api_req *req, json_t **data_out);
ta_err api_end_session(struct api_req *req, json_t **data_out);
ta_err api_end_other_sessions(struct api_req *req, json_t **data_out);
ta_err api_security_history(struct api_req *req, json_t **data_out);
ta_err api_destroy(struct api_req *req, json_t **data_out);
ta_err api_not_me(struct api_req *req, json_t **data_out);
ta_err api_set_anti_phishing(struct api_req *req, json_t **data_out);

#endif
