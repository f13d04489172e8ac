/* api/check.h — the customer headers of a successful gateway check (contract C20). */
#ifndef TA_API_CHECK_H
#define TA_API_CHECK_H

#include <stddef.h>

#include "api/api.h"

#define API_CHECK_HEADERS 7 /* at most: X-Security-Hold-Until only while a hold runs */

struct api_header {
    const char *name, *value; /* static or request-arena strings */
};

/* Fills out with the X-Customer-Id, X-Customer-No, X-Company-Id, X-Company-Type,
 * X-Session-Id and X-Device of the authenticated request, and X-Security-Hold-Until (epoch
 * ms) while a security hold of C24 runs; returns how many (0: none). */
size_t api_check_headers(const struct api_req *req, struct api_header *out, size_t max);

#endif
