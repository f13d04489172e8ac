/* domain/contact.h — the canonical forms of emails, phone areas, phones and logins
 * (contract A7), so that lookups, uniqueness and recipients agree everywhere. */
#ifndef TA_DOMAIN_CONTACT_H
#define TA_DOMAIN_CONTACT_H

#include <stdbool.h>
#include <stddef.h>

#define CONTACT_MAX 160

/* Lowercased copy of a plausible address (local@domain.tld, ≤ 128 bytes, no spaces). */
bool contact_email(const char *in, char out[CONTACT_MAX]);
/* "86", "+86", "0086" → "+86" (1 to 4 digits). */
bool contact_area(const char *in, char out[8]);
/* 5 to 15 digits. */
bool contact_phone(const char *in);
/* Customer numbers: 1 to 32 letters or digits. */
bool contact_customer_no(const char *in);
/* An SMS toUser: "<area> <number>", or a bare number meaning +86. Writes area and number. */
bool contact_sms_to(const char *in, char area[8], char phone[24]);
/* The recipient text of tickets and messages: the email, or "<area> <phone>". */
void contact_phone_recipient(const char *area, const char *phone, char out[CONTACT_MAX]);

/* ---- login names (type 1 email, 2 phone, 3 customer number) ---- */

/* Checks a login name of its type and, for phones, the optional area; *phone_area is
 * cleared for other types (it means nothing there). NULL when fine, else the field at
 * fault: "loginName" or "phoneArea". */
const char *contact_login_check(int type, const char *login_name, const char **phone_area);
/* Where codes for a login name of type 1 or 2 go: the lowercased email, or the phone with
 * its area ("+86" when none is sent) as "<area> <phone>"; area gets the canonical area of a
 * phone. NULL when fine, else the field at fault. */
const char *contact_login_recipient(int type, const char *login_name, const char *phone_area,
                                    char rcpt[CONTACT_MAX], char area[8]);

#endif
