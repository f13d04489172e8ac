/* api/code_send.c — …/message.app.VerificationApiService.verifyCodeSend (contract C1).
 * LOGINED and COMMON codes need a signed-in customer; the others ignore the token. */
#include "api/bind.h"
#include "api/openapi.h"
#include "domain/codes.h"

#include <sodium.h>

struct send_cmd {
    const char *biz_type;
    const char *to_user;
    const char *country;
};

static const struct field fields[] = {
    FIELD_STR("bizType", struct send_cmd, biz_type, 1, 64, REQUIRED),
    FIELD_STR("toUser", struct send_cmd, to_user, 1, 160, OPTIONAL),
    FIELD_END,
};

ta_err api_code_send(struct api_req *req, json_t **data_out)
{
    struct send_cmd cmd = {0};
    char send_token[TOKEN_TEXT_MAX];
    ta_err err = bind_fields(req, fields, &cmd);
    if (err != TA_OK)
        return err;
    const struct biz_type *b = codes_biz_find(cmd.biz_type);
    if (b == NULL)
        return TA_E_BIZTYPE;
    if (codes_biz_needs_token(b)) {
        if (req->auth == NULL) /* dispatch tried; say why it failed */
            return req->auth_err;
    } else if (cmd.to_user == NULL) {
        return TA_E_BIZTYPE;
    }
    err = codes_send(&req->ctx, b, cmd.to_user, codes_biz_needs_token(b) ? req->auth : NULL,
                     send_token);
    if (err != TA_OK)
        return err;
    *data_out = json_pack("{s:s}", "token", send_token);
    sodium_memzero(send_token, sizeof send_token);
    return TA_OK;
}

/* The tables above, for the OpenAPI description (api/openapi.c). */
const struct field *const api_doc_code_send = fields;
