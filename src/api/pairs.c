/* api/pairs.c — duplicates in the list collapse to one pair; currency codes are
 * uppercase letters and digits as companies declare them. */
#include "api/pairs.h"
#include "api/bind.h"
#include "util/arena.h"

#include <ctype.h>
#include <string.h>

static bool add(struct trade_pair *pairs, size_t *n, int tt, const char *cur, size_t len)
{
    while (len > 0 && cur[0] == ' ') {
        cur++;
        len--;
    }
    while (len > 0 && cur[len - 1] == ' ')
        len--;
    if (len == 0 || len >= TA_CURRENCY_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)cur[i]))
            return false;
    for (size_t i = 0; i < *n; i++)
        if (pairs[i].trade_type == tt && strlen(pairs[i].currency) == len &&
            strncmp(pairs[i].currency, cur, len) == 0)
            return true;
    if (*n >= PAIRS_MAX)
        return false;
    pairs[*n].trade_type = tt;
    memcpy(pairs[*n].currency, cur, len);
    pairs[*n].currency[len] = '\0';
    (*n)++;
    return true;
}

ta_err pairs_parse(struct api_req *req, const json_t *v, struct trade_pair **out, size_t *n_out)
{
    static const char name[] = "tradeTypeCurrencyList";
    *out = NULL;
    *n_out = 0;
    if (v == NULL || json_is_null(v))
        return TA_OK;
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > PAIRS_MAX)
        return bind_bad(req, name);
    struct trade_pair *pairs = arena_alloc(req->ctx.a, PAIRS_MAX * sizeof *pairs);
    if (pairs == NULL)
        return TA_E_TOO_LARGE;
    size_t n = 0, i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        int64_t tt;
        if (!json_is_object(item) || !bind_int(json_object_get(item, "tradeType"), &tt) || tt < 1 ||
            tt > 99)
            return bind_bad(req, name);
        json_t *cur = json_object_get(item, "allCurrency");
        if (json_is_string(cur)) {
            const char *s = json_string_value(cur);
            if (s[0] == '\0')
                return bind_bad(req, name);
            while (true) {
                const char *comma = strchr(s, ',');
                size_t len = comma ? (size_t)(comma - s) : strlen(s);
                if (!add(pairs, &n, (int)tt, s, len))
                    return bind_bad(req, name);
                if (comma == NULL)
                    break;
                s = comma + 1;
            }
        } else if (json_is_array(cur) && json_array_size(cur) > 0) {
            size_t k;
            json_t *c;
            json_array_foreach(cur, k, c)
            {
                if (!json_is_string(c) ||
                    !add(pairs, &n, (int)tt, json_string_value(c), json_string_length(c)))
                    return bind_bad(req, name);
            }
        } else {
            return bind_bad(req, name);
        }
    }
    *out = pairs;
    *n_out = n;
    return TA_OK;
}
