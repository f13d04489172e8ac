/* http/respond.h — the envelope of contract A4 and the one mapping from ta_err to an
 * HTTP status, an envelope code and a message in the caller's language. */
#ifndef TA_HTTP_RESPOND_H
#define TA_HTTP_RESPOND_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* The envelope as text (caller frees with free()), written in one pass without a tree.
 * Takes ownership of data (may be NULL); data_text, when set, is the data already written
 * as JSON (the token path) and wins over data. detail, when set, is the msgParams value
 * and is embedded into msg. */
char *respond_envelope(ta_err e, json_t *data, const char *data_text, const char *detail,
                       const char *lang, const char *trace, int64_t tm_ns);

#endif
