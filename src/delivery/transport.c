/* delivery/transport.c — the thin wrappers every caller goes through, and the
 * helpers the libcurl transports share (server answers, curl error classes). */
#include "delivery/transport.h"
#include "delivery/transport_int.h"

#include "util/log.h"

#include <string.h>

ta_err transport_send(struct transport *t, const struct delivery_msg *m)
{
    /* One check here instead of in every transport: these fields are what a
     * message is, so a row without them is a bug upstream, not worth a retry. */
    if (t == NULL || m == NULL || m->channel == NULL || m->to == NULL || m->text == NULL) {
        log_error(NULL, "delivery: outbox id %lld: message without channel, to or text",
                  m != NULL ? (long long)m->id : -1LL);
        return TA_FAIL(TA_E_INTERNAL);
    }
    return t->ops->send(t, m);
}

const char *transport_name(const struct transport *t)
{
    return t != NULL ? t->ops->name : "none";
}

void transport_free(struct transport *t)
{
    if (t != NULL)
        t->ops->free(t);
}

/*---- Server answers --------------------------------------------------------*/

static void answer_put(struct transport__answer *a, const char *data, size_t n)
{
    for (size_t i = 0; i < n && a->len < TRANSPORT_ANSWER_MAX; i++) {
        unsigned char c = (unsigned char)data[i];
        /* The log escapes JSON, but a raw newline or escape sequence from a
         * remote server still has no business in an operator's terminal. */
        a->text[a->len++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    a->text[a->len] = '\0';
}

void transport__answer_set(struct transport__answer *a, const char *data, size_t n)
{
    size_t line = 0;

    while (line < n && data[line] != '\r' && data[line] != '\n')
        line++;
    a->len = 0;
    a->text[0] = '\0';
    answer_put(a, data, line);
}

void transport__answer_append(struct transport__answer *a, const char *data, size_t n)
{
    answer_put(a, data, n);
}

void transport__answer_scrub(struct transport__answer *a, const char *code)
{
    size_t n = code != NULL ? strlen(code) : 0;

    if (n == 0)
        return;
    for (char *p = strstr(a->text, code); p != NULL; p = strstr(p + n, code))
        memset(p, '*', n);
}

/*---- libcurl failures ------------------------------------------------------*/

/* Failures that no retry can fix: the settings are wrong or the server will never
 * speak the way we require. Everything else (connect, resolve, timeouts, resets,
 * TLS handshakes, out of memory) may work on the next attempt. A table instead of
 * a switch because -Wswitch-enum would demand all ~100 CURLcode values. */
static const CURLcode permanent[] = {
    CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT,       CURLE_NOT_BUILT_IN,
    CURLE_USE_SSL_FAILED,       CURLE_LOGIN_DENIED,        CURLE_BAD_FUNCTION_ARGUMENT,
    CURLE_UNKNOWN_OPTION,       CURLE_SSL_ENGINE_NOTFOUND,
};

CURLcode transport__curl_setup(CURL *h, const char *protocols, long mask, long connect_ms,
                               long total_ms, char *errbuf)
{
#if LIBCURL_VERSION_NUM >= 0x075500
    (void)mask;
    CURLcode rc = curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols);
#else
    (void)protocols;
    CURLcode rc = curl_easy_setopt(h, CURLOPT_PROTOCOLS, mask);
#endif
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total_ms);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    return rc;
}

ta_err transport__curl_option_failed(const char *transport, long long id, CURLcode rc)
{
    log_error(NULL, "delivery %s: outbox id %lld: libcurl option: %s", transport, id,
              curl_easy_strerror(rc));
    return TA_FAIL(TA_E_INTERNAL);
}

ta_err transport__curl_class(CURLcode rc)
{
    if (rc == CURLE_OK)
        return TA_OK;
    for (size_t i = 0; i < sizeof permanent / sizeof permanent[0]; i++)
        if (rc == permanent[i])
            return TA_E_INTERNAL;
    return TA_E_RETRY;
}
