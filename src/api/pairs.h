/* api/pairs.h — tradeTypeCurrencyList, in the shapes clients send it:
 * [{"tradeType":"5","allCurrency":"USDT,BTC"}] or with allCurrency as an array. */
#ifndef TA_API_PAIRS_H
#define TA_API_PAIRS_H

#include "api/api.h"
#include "domain/customer.h"

#define PAIRS_MAX 64

/* v NULL: *n_out = 0. Malformed: TA_E_FIELD naming tradeTypeCurrencyList. */
ta_err pairs_parse(struct api_req *req, const json_t *v, struct trade_pair **out, size_t *n_out);

#endif
