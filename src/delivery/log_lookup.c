/* delivery/log_lookup.c — the development console's "last code sent to this address": read
 * back from the log transport's file (the only transport that writes codes out), newest
 * line last. Reads at most the file's last 4 MiB. */
#include "delivery/log_lookup.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAIL_BYTES (4 * 1024 * 1024)

static char *read_tail(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        long from = size > TAIL_BYTES ? size - TAIL_BYTES : 0;
        buf = size >= 0 && fseek(f, from, SEEK_SET) == 0 ? malloc((size_t)(size - from) + 1) : NULL;
        if (buf != NULL) {
            *len = fread(buf, 1, (size_t)(size - from), f);
            buf[*len] = '\0';
        }
    }
    fclose(f);
    return buf;
}

bool delivery_log_last_code(const char *path, const char *to, char *code, size_t size)
{
    size_t len = 0;
    char *buf = read_tail(path, &len);
    bool found = false;
    for (char *line = buf; line != NULL && *line != '\0';) {
        char *next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        json_t *o = json_loads(line, 0, NULL);
        const char *t = json_string_value(json_object_get(o, "to"));
        const char *c = json_string_value(json_object_get(o, "code"));
        if (t != NULL && c != NULL && strcasecmp(t, to) == 0 && strlen(c) < size) {
            memcpy(code, c, strlen(c) + 1); /* a later line overrides: the newest wins */
            found = true;
        }
        json_decref(o);
        line = next;
    }
    free(buf);
    return found;
}
