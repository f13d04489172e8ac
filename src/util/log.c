/* util/log.c — structured logging to stderr. Lines are written with one fputs
 * under the stdio lock, so concurrent threads never interleave inside a line. */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

enum log_level log_threshold = LOG_INFO;

/* The trace of the request this thread is serving: lines logged deep in the store (which
 * knows no request) still carry it, so a client's trace finds its GATEWAY_CODE_500. */
static _Thread_local const char *thread_trace;

void log_set_thread_trace(const char *trace)
{
    thread_trace = trace;
}

static const char *const names[] = {"debug", "info", "warn", "error", "off"};

int log_level_parse(const char *s)
{
    for (int i = 0; i <= LOG_OFF; i++)
        if (strcasecmp(s, names[i]) == 0)
            return i;
    return -1;
}

static long long wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void log_write(enum log_level lv, const char *trace, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    if (trace == NULL)
        trace = thread_trace;
    json_t *o = json_pack("{s:I,s:s,s:s?,s:s}", "time", (json_int_t)wall_ms(), "level",
                          names[lv < LOG_OFF ? lv : LOG_ERROR], "trace", trace, "msg", msg);
    if (o == NULL)
        return;
    char *line = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (line != NULL) {
        log_json_line(line);
        free(line);
    }
}

void log_json_line(const char *json)
{
    /* stderr is unbuffered: one fwrite of the line and its newline is one write(2). */
    char small[1024];
    size_t n = strlen(json);
    if (n + 1 <= sizeof small) {
        memcpy(small, json, n);
        small[n] = '\n';
        fwrite(small, 1, n + 1, stderr);
        return;
    }
    flockfile(stderr);
    fputs(json, stderr);
    fputc('\n', stderr);
    funlockfile(stderr);
}
