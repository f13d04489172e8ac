/* delivery/webhook.c — codes to an HTTP endpoint (an SMS gateway adapter) as a JSON
 * POST, optionally with a bearer token and an HMAC-SHA256 signature of the exact body.
 * X-Idempotency-Key carries the outbox id, so a retried request can be recognized. */
#include "delivery/transport.h"
#include "delivery/transport_int.h"

#include "util/config.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <sodium.h>

#define WEBHOOK_CONNECT_TIMEOUT_MS 5000L
#define WEBHOOK_TOTAL_TIMEOUT_MS 10000L

struct webhook_transport {
    struct transport base; /* first, so struct transport * casts back */
    char *url;
    char *auth_header;       /* "Authorization: Bearer …" or NULL; wiped on free */
    unsigned char *hmac_key; /* NULL: unsigned requests; wiped on free */
    size_t hmac_key_len;
    long timeout_ms;
};

/* Response bodies are only kept for the failure log line. */
static size_t on_write(char *data, size_t size, size_t nmemb, void *arg)
{
    transport__answer_append(arg, data, size * nmemb);
    return size * nmemb;
}

/* "X-Signature: sha256=<hex>". The key is the configured string's bytes, any
 * length (HMAC hashes long keys itself), which is how receivers usually verify:
 * hmac.new(secret.encode(), body, sha256). */
static void signature_header(const struct webhook_transport *wt, const char *body, size_t n,
                             char *out, size_t size)
{
    crypto_auth_hmacsha256_state state;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char hex[sizeof mac * 2 + 1];

    crypto_auth_hmacsha256_init(&state, wt->hmac_key, wt->hmac_key_len);
    crypto_auth_hmacsha256_update(&state, (const unsigned char *)body, n);
    crypto_auth_hmacsha256_final(&state, mac);
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    snprintf(out, size, "X-Signature: sha256=%s", hex);
    sodium_memzero(&state, sizeof state);
}

/* RFC 9110: 408 and 429 say "later"; 5xx is the receiver's own trouble. Any other
 * 4xx means this request will never be accepted as it is. */
static ta_err status_class(long status)
{
    if (status >= 200 && status <= 299)
        return TA_OK;
    if (status == 408 || status == 429 || (status >= 500 && status <= 599))
        return TA_E_RETRY;
    return TA_E_INTERNAL;
}

/* The JSON body of a message (malloc; holds the code), or NULL after a log line. */
static char *webhook_body(const struct delivery_msg *m)
{
    json_t *o =
        json_pack("{s:I,s:s,s:s,s:s?,s:s?,s:s?,s:I,s:s}", "id", (json_int_t)m->id, "to", m->to,
                  "text", m->text, "subject", m->subject, "bizType", m->biz_type, "lang", m->lang,
                  "companyId", (json_int_t)m->company_id, "channel", m->channel);
    if (o == NULL) {
        log_error(NULL, "delivery webhook: outbox id %lld: message is not valid UTF-8",
                  (long long)m->id);
        return NULL;
    }
    char *body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return body;
}

/* The request headers; false when an append failed (the list is freed by the caller).
 * curl_slist_append copies, and a NULL from it leaves the list as it was. */
static bool webhook_headers(const struct webhook_transport *wt, const struct delivery_msg *m,
                            const char *body, size_t body_len, struct curl_slist **headers)
{
    char idem[64], sig[128];
    snprintf(idem, sizeof idem, "X-Idempotency-Key: %lld", (long long)m->id);
    const char *lines[5] = {"Content-Type: application/json", "Expect:" /* no 100-continue */, idem,
                            wt->auth_header, NULL};
    if (wt->hmac_key != NULL) {
        signature_header(wt, body, body_len, sig, sizeof sig);
        lines[4] = sig;
    }
    for (size_t i = 0; i < 5; i++) {
        if (lines[i] == NULL)
            continue;
        struct curl_slist *next = curl_slist_append(*headers, lines[i]);
        if (next == NULL)
            return false;
        *headers = next;
    }
    return true;
}

#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (rc == CURLE_OK)                                                                        \
            rc = curl_easy_setopt(h, opt, val);                                                    \
    } while (0)

static CURLcode webhook_options(const struct webhook_transport *wt, CURL *h, const char *body,
                                size_t body_len, struct curl_slist *headers,
                                struct transport__answer *answer, char *errbuf)
{
    long connect_ms =
        wt->timeout_ms < WEBHOOK_CONNECT_TIMEOUT_MS ? wt->timeout_ms : WEBHOOK_CONNECT_TIMEOUT_MS;
    CURLcode rc = transport__curl_setup(h, "http,https", (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS),
                                        connect_ms, wt->timeout_ms, errbuf);
    SET(CURLOPT_URL, wt->url);
    SET(CURLOPT_POST, 1L);
    SET(CURLOPT_POSTFIELDS, body);
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    SET(CURLOPT_HTTPHEADER, headers);
    SET(CURLOPT_USERAGENT, "tradeauth");
    SET(CURLOPT_WRITEFUNCTION, on_write);
    SET(CURLOPT_WRITEDATA, answer);
    return rc;
}

#undef SET

/* The outcome of a performed request, logged when it is not a success. */
static ta_err webhook_outcome(CURL *h, CURLcode rc, const struct delivery_msg *m,
                              struct transport__answer *answer, const char *errbuf)
{
    if (rc != CURLE_OK) {
        /* Even a timeout after the receiver got the body is a retry: the
         * idempotency key lets it drop the second copy. */
        ta_err err = transport__curl_class(rc);
        log_at(err == TA_E_RETRY ? LOG_WARN : LOG_ERROR, NULL,
               "delivery webhook: outbox id %lld: %s: %s (curl %d)", (long long)m->id,
               err == TA_E_RETRY ? "will retry" : "failed",
               errbuf[0] ? errbuf : curl_easy_strerror(rc), (int)rc);
        return err;
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    ta_err err = status_class(status);
    if (err != TA_OK) {
        transport__answer_scrub(answer, m->code);
        log_at(err == TA_E_RETRY ? LOG_WARN : LOG_ERROR, NULL,
               "delivery webhook: outbox id %lld: %s: HTTP %ld, server: %s", (long long)m->id,
               err == TA_E_RETRY ? "will retry" : "rejected", status,
               answer->len > 0 ? answer->text : "-");
    }
    return err;
}

static ta_err webhook_send(struct transport *t, const struct delivery_msg *m)
{
    struct webhook_transport *wt = (struct webhook_transport *)t;
    struct transport__answer answer = {.len = 0};
    struct curl_slist *headers = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    CURL *h = NULL;
    ta_err err = TA_OK;
    char *body = webhook_body(m);
    size_t body_len = body != NULL ? strlen(body) : 0;
    if (body == NULL)
        return TA_FAIL(TA_E_INTERNAL);
    bool ok = webhook_headers(wt, m, body, body_len, &headers);
    h = curl_easy_init();
    if (!ok || h == NULL) {
        log_error(NULL, "delivery webhook: outbox id %lld: cannot set up libcurl",
                  (long long)m->id);
        err = TA_E_RETRY;
    }
    CURLcode rc = CURLE_OK;
    if (err == TA_OK)
        rc = webhook_options(wt, h, body, body_len, headers, &answer, errbuf);
    if (err == TA_OK && rc != CURLE_OK)
        err = transport__curl_option_failed("webhook", (long long)m->id, rc);
    if (err == TA_OK)
        err = webhook_outcome(h, curl_easy_perform(h), m, &answer, errbuf);
    curl_easy_cleanup(h);
    curl_slist_free_all(headers);
    sodium_memzero(body, body_len); /* holds the code */
    free(body);
    return err;
}

/*---- Lifecycle -------------------------------------------------------------*/

static void webhook_free(struct transport *t)
{
    struct webhook_transport *wt = (struct webhook_transport *)t;

    if (wt->auth_header != NULL) {
        sodium_memzero(wt->auth_header, strlen(wt->auth_header));
        free(wt->auth_header);
    }
    if (wt->hmac_key != NULL) {
        sodium_memzero(wt->hmac_key, wt->hmac_key_len);
        free(wt->hmac_key);
    }
    free(wt->url);
    free(wt);
}

static const struct transport_ops webhook_ops = {
    .name = "webhook",
    .send = webhook_send,
    .free = webhook_free,
};

void transport_webhook_set_timeout_ms(struct transport *t, long ms)
{
    if (t != NULL && t->ops == &webhook_ops && ms > 0)
        ((struct webhook_transport *)t)->timeout_ms = ms;
}

static bool has_text(const char *s)
{
    return s != NULL && s[0] != '\0';
}

ta_err transport_webhook_new(const struct config *cfg, struct transport **out)
{
    if (!has_text(cfg->webhook_url) || (strncasecmp(cfg->webhook_url, "http://", 7) != 0 &&
                                        strncasecmp(cfg->webhook_url, "https://", 8) != 0)) {
        log_error(NULL, "delivery webhook: webhook_url must be an http:// or https:// URL");
        return TA_FAIL(TA_E_INTERNAL);
    }
    if (has_text(cfg->webhook_bearer) && strpbrk(cfg->webhook_bearer, "\r\n") != NULL) {
        log_error(NULL, "delivery webhook: webhook_bearer must be one line");
        return TA_FAIL(TA_E_INTERNAL);
    }
    if (sodium_init() < 0)
        return TA_FAIL(TA_E_INTERNAL);

    struct webhook_transport *wt = xcalloc(1, sizeof *wt);
    wt->base.ops = &webhook_ops;
    wt->url = xstrdup(cfg->webhook_url);
    wt->timeout_ms = WEBHOOK_TOTAL_TIMEOUT_MS;
    if (has_text(cfg->webhook_bearer)) {
        static const char prefix[] = "Authorization: Bearer ";
        size_t n = sizeof prefix - 1 + strlen(cfg->webhook_bearer) + 1;
        wt->auth_header = xmalloc(n);
        memcpy(wt->auth_header, prefix, sizeof prefix - 1);
        memcpy(wt->auth_header + sizeof prefix - 1, cfg->webhook_bearer,
               strlen(cfg->webhook_bearer) + 1);
    }
    if (has_text(cfg->webhook_hmac_key)) {
        wt->hmac_key_len = strlen(cfg->webhook_hmac_key);
        wt->hmac_key = xmalloc(wt->hmac_key_len);
        memcpy(wt->hmac_key, cfg->webhook_hmac_key, wt->hmac_key_len);
    }
    *out = &wt->base;
    return TA_OK;
}
