/* delivery/transport.h — how one outbox message leaves the process: appended to a
 * log file, sent by SMTP, or POSTed to a webhook (SMS gateways). The delivery worker
 * owns one transport per channel and decides about retries from the answer. */
#ifndef TA_DELIVERY_TRANSPORT_H
#define TA_DELIVERY_TRANSPORT_H

#include "util/err.h"

#include <stdint.h>

struct config;

/* One message to deliver. Every pointer is borrowed for the duration of one
 * transport_send call; channel, to and text are required. */
struct delivery_msg {
    int64_t id; /* outbox row id */
    int64_t company_id;
    const char *channel;  /* "sms" or "email" */
    const char *to;       /* email address, or phone "<+area> <number>" */
    const char *biz_type; /* e.g. "EMAIL_REGISTER_VERIFICATION_CODE" */
    const char *code;     /* the 6-digit code (only the log transport writes it out as a field) */
    const char *lang;     /* "en-US" | "zh-CN" | "zh-HK" */
    const char *subject;  /* already localized */
    const char *text;     /* already localized, contains the code */
};

struct transport;

/* Each constructor: *out set only on TA_OK; TA_E_INTERNAL (logged) on a bad setting
 * or a file that cannot be opened. The transport copies what it needs from its
 * arguments; cfg and path may be freed afterwards. */

/* Appends one compact JSON object per line to path (O_APPEND, so several processes
 * may share the file); creates missing parent directories. */
ta_err transport_log_new(const char *path, struct transport **out);
/* libcurl SMTP: cfg->smtp_url, smtp_user, smtp_password, smtp_from, smtp_starttls.
 * Sends only the "email" channel. */
ta_err transport_smtp_new(const struct config *cfg, struct transport **out);
/* libcurl POST of a JSON message: cfg->webhook_url, webhook_bearer, webhook_hmac_key. */
ta_err transport_webhook_new(const struct config *cfg, struct transport **out);

/* The name of the transport ("log", "smtp", "webhook"): for logs and metrics. */
const char *transport_name(const struct transport *t);

/* TA_OK delivered; TA_E_RETRY a failure worth retrying (connect error, timeout,
 * SMTP 4xx, HTTP 5xx/408/429); TA_E_INTERNAL a permanent failure (SMTP 5xx rejection,
 * HTTP 4xx other than 408/429, a message this transport cannot carry). Logs the
 * failure with the outbox id and the server's answer, never the code or text.
 * Thread-safe: several threads may send through one transport at once. */
ta_err transport_send(struct transport *t, const struct delivery_msg *m);

/* Test hook: total timeout of each webhook request (default 10000 ms; the connect
 * timeout is the smaller of this and 5000 ms). Ignored for other transports. Call
 * before the transport is shared between threads. */
void transport_webhook_set_timeout_ms(struct transport *t, long ms);

/* Releases the transport and wipes the secrets it copied. NULL is a no-op. */
void transport_free(struct transport *t);

#endif
