/* delivery/log_lookup.h — reading a code back from the log transport's file (development
 * console, setting console; refused with any other transport). */
#ifndef TA_DELIVERY_LOG_LOOKUP_H
#define TA_DELIVERY_LOG_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>

/* The newest code the log file at path holds for recipient to (compared as the transport
 * wrote it, case-insensitively) into code; false when there is none. */
bool delivery_log_last_code(const char *path, const char *to, char *code, size_t size);

#endif
