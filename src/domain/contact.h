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

#endif
