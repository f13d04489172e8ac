/* util/err.c — names and wire forms of ta_err, generated from the one list. */
#include "util/err.h"
#include "util/log.h"

#include <stddef.h>

static const struct {
    const char *name;
    const char *wire;
    unsigned status;
} table[TA_ERR_COUNT_] = {
#define X(n, st, code) [TA_##n] = {#n, code, st},
    TA_ERR_LIST(X)
#undef X
};

static ta_err clamp(ta_err e)
{
    return (unsigned)e < TA_ERR_COUNT_ ? e : TA_E_INTERNAL;
}

const char *ta_err_name(ta_err e)
{
    return table[clamp(e)].name;
}

const char *ta_err_wire(ta_err e)
{
    return table[clamp(e)].wire;
}

unsigned ta_err_status(ta_err e)
{
    return table[clamp(e)].status;
}

ta_err ta_err_at(ta_err e, const char *file, int line)
{
    log_at(LOG_ERROR, NULL, "%s at %s:%d", ta_err_name(e), file, line);
    return e;
}
