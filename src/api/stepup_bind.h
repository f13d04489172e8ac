/* api/stepup_bind.h — the four field shapes the clients send for one step-up check
 * (contract C21), bound into the domain's struct stepup. */
#ifndef TA_API_STEPUP_BIND_H
#define TA_API_STEPUP_BIND_H

#include "api/api.h"
#include "domain/stepup.h"

/* Shapes 1 and 2: verifyCodeSMS + sendTokenSMS / phoneCode + phoneSendToken and
 * verifyCodeEmail + sendTokenEmail / emailCode + emailSendToken, plus googleCode; a code of
 * every contact the customer has. */
ta_err stepup_bind_codes(struct api_req *req, struct stepup *out);
/* Shape 3: verifyCodeOld + sendTokenOld for the current contact of channel ch, googleCode. */
ta_err stepup_bind_old(struct api_req *req, enum code_channel ch, struct stepup *out);
/* Shape 4: type (1 email, 2 phone) + verifyCode + sendToken, googleCode. */
ta_err stepup_bind_typed(struct api_req *req, struct stepup *out);
/* Only googleCode (binding a first contact): TOTP when MFA is on. */
ta_err stepup_bind_totp(struct api_req *req, struct stepup *out);

#endif
