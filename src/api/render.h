/* api/render.h — domain records to JSON with the exact types of contract E: money as
 * strings with `digits` decimals, times as epoch-millisecond numbers, masked contacts. */
#ifndef TA_API_RENDER_H
#define TA_API_RENDER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/customer.h"

/* The full customer payload. lang picks the localized KYC remarks. New reference. */
json_t *render_customer(const struct customer_view *v, const char *lang);
/* The register subset (contract C3) plus token and rToken. */
json_t *render_register(const struct customer_view *v, const char *lang);
json_t *render_accounts(const struct customer_view *v);
/* The same, written into w (the token path: no tree at all). */
struct jsonw;
void render_customer_w(struct jsonw *w, const struct customer_view *v, const char *lang);
void render_accounts_w(struct jsonw *w, const struct customer_view *v);

/* Minor units as a decimal string with exactly digits decimals ("-1.5000"). */
void render_money(int64_t minor, int digits, char *buf, size_t size);
/* "ab**@domain" and "138******5678". */
void render_mask_email(const char *email, char *buf, size_t size);
void render_mask_phone(const char *phone, char *buf, size_t size);
const char *render_source(int register_source);

#endif
