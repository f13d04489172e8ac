/* domain/contacts.h — binding and changing the customer's phone and email, and the country
 * (contract C22). The new contact proves itself with a COMMON code; a change also passes the
 * step-up of C21 against the current contact and starts the security hold. */
#ifndef TA_DOMAIN_CONTACTS_H
#define TA_DOMAIN_CONTACTS_H

#include <stdbool.h>

#include "domain/codes.h"
#include "domain/ctx.h"
#include "domain/stepup.h"

struct contact_cmd {
    enum code_channel channel;
    bool change;                    /* changePhone/changeEmail (else bindPhone/bindEmail) */
    const char *email;              /* canonical (contact_email), for CHANNEL_EMAIL */
    const char *phone_area, *phone; /* canonical, for CHANNEL_SMS */
    const char *code, *send;        /* the new contact's COMMON ticket */
    struct stepup su;
};

/* TA_E_CONTACT_STATE when binding a kind the customer has, changing one it has not, or
 * changing to the current value; TA_E_DUPLICATE when another customer of the company holds
 * it; the step-up's and C2's answers otherwise. */
ta_err contacts_set(struct dctx *ctx, const struct auth *au, const struct contact_cmd *cmd);
/* Stores the country (already validated by the handler). */
ta_err contacts_country(struct dctx *ctx, const struct auth *au, const char *country);

#endif
