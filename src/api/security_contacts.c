/* api/security_contacts.c — bindPhone, bindEmail, changePhone(V1v1v2), changeEmail(V1v1v2),
 * findPhoneAndEmail and changeCountry (contract C22), with the clients' exact bodies. */
#include "api/bind.h"
#include "api/handlers.h"
#include "api/stepup_bind.h"
#include "domain/contact.h"
#include "domain/contacts.h"

#include <string.h>

struct contact_body {
    const char *phone, *phone_area, *email, *code, *send;
};

#define B struct contact_body
static const struct field phone_fields[] = {
    FIELD_STR("phone", B, phone, 1, 15, REQUIRED),
    FIELD_STR("phoneArea", B, phone_area, 1, 8, OPTIONAL),
    FIELD_CODE6("verifyCode", B, code, REQUIRED),
    FIELD_STR("sendToken", B, send, 1, 128, REQUIRED),
    FIELD_END,
};
static const struct field email_fields[] = {
    FIELD_STR("email", B, email, 3, 128, REQUIRED),
    FIELD_CODE6("verifyCode", B, code, REQUIRED),
    FIELD_STR("sendToken", B, send, 1, 128, REQUIRED),
    FIELD_END,
};
#undef B

/* The old-contact fields of a bind arrive empty and are ignored: only googleCode counts. */
static ta_err contact_route(struct api_req *req, enum code_channel ch, bool change)
{
    struct contact_body b = {0};
    struct contact_cmd cmd;
    char email[CONTACT_MAX], area[8];
    memset(&cmd, 0, sizeof cmd);
    ta_err e = bind_fields(req, ch == CHANNEL_SMS ? phone_fields : email_fields, &b);
    if (e != TA_OK)
        return e;
    if (ch == CHANNEL_SMS) {
        if (!contact_phone(b.phone))
            return bind_bad(req, "phone");
        if (!contact_area(b.phone_area ? b.phone_area : "+86", area))
            return bind_bad(req, "phoneArea");
        cmd.phone = b.phone;
        cmd.phone_area = area;
    } else {
        if (!contact_email(b.email, email))
            return bind_bad(req, "email");
        cmd.email = email;
    }
    e = change ? stepup_bind_old(req, ch, &cmd.su) : stepup_bind_totp(req, &cmd.su);
    if (e != TA_OK)
        return e;
    cmd.channel = ch;
    cmd.change = change;
    cmd.code = b.code;
    cmd.send = b.send;
    return contacts_set(&req->ctx, req->auth, &cmd);
}

ta_err api_bind_phone(struct api_req *req, json_t **data_out)
{
    *data_out = NULL;
    return contact_route(req, CHANNEL_SMS, false);
}

ta_err api_bind_email(struct api_req *req, json_t **data_out)
{
    *data_out = NULL;
    return contact_route(req, CHANNEL_EMAIL, false);
}

ta_err api_change_phone(struct api_req *req, json_t **data_out)
{
    *data_out = NULL;
    return contact_route(req, CHANNEL_SMS, true);
}

ta_err api_change_email(struct api_req *req, json_t **data_out)
{
    *data_out = NULL;
    return contact_route(req, CHANNEL_EMAIL, true);
}

ta_err api_find_contacts(struct api_req *req, json_t **data_out)
{
    const struct customer *c = &req->auth->c;
    *data_out = json_pack("{s:s?,s:s?}", "phone", c->phone, "email", c->email);
    return *data_out != NULL ? TA_OK : TA_FAIL(TA_E_INTERNAL);
}

struct country_body {
    const char *country;
};

static const struct field country_fields[] = {
    FIELD_STR("newCountry", struct country_body, country, 1, 64, REQUIRED),
    FIELD_END,
};

ta_err api_change_country(struct api_req *req, json_t **data_out)
{
    struct country_body b = {0};
    *data_out = NULL;
    ta_err e = bind_fields(req, country_fields, &b);
    if (e != TA_OK)
        return e;
    return contacts_country(&req->ctx, req->auth, b.country);
}
