/* api/openapi_int.h — what api/openapi.c and api/openapi_schema.c share. */
#ifndef TA_API_OPENAPI_INT_H
#define TA_API_OPENAPI_INT_H

#include <jansson.h>

#include "api/bind.h"
#include "domain/customer.h"

/* The request body schema of a field table (NULL: the empty object). */
json_t *openapi_request_schema(const struct field *fields);
/* The schema of what render builds for a customer, inferred from two samples. */
json_t *openapi_payload_schema(json_t *(*render)(const struct customer_view *, const char *));

#endif
