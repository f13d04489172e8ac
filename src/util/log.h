/* util/log.h — one JSON object per line on stderr, levels checked before formatting.
 * Never pass passwords, tokens, codes or request bodies to these functions. */
#ifndef TA_UTIL_LOG_H
#define TA_UTIL_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

extern enum log_level log_threshold;

/* Parses "debug|info|warn|error|off"; returns -1 when unknown. */
int log_level_parse(const char *s);

/* Writes {"time":…,"level":…,"trace":…,"msg":…}; msg is JSON-escaped. */
void log_write(enum log_level lv, const char *trace, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Lines this thread logs with a NULL trace carry trace until it is set back to NULL (the
 * request pipeline sets it around each handler). The string must outlive that span. */
void log_set_thread_trace(const char *trace);

/* Writes one pre-built JSON object (the access line) as a line. */
void log_json_line(const char *json);

#define log_at(lv, trace, ...)                                                                     \
    do {                                                                                           \
        if ((lv) >= log_threshold)                                                                 \
            log_write((lv), (trace), __VA_ARGS__);                                                 \
    } while (0)

#define log_error(trace, ...) log_at(LOG_ERROR, trace, __VA_ARGS__)
#define log_warn(trace, ...) log_at(LOG_WARN, trace, __VA_ARGS__)
#define log_info(trace, ...) log_at(LOG_INFO, trace, __VA_ARGS__)
#define log_debug(trace, ...) log_at(LOG_DEBUG, trace, __VA_ARGS__)

#endif
