/* delivery/transport_int.h — what the transports of delivery/ share and callers do
 * not see: the method table every transport fills in, and the libcurl helpers
 * smtp.c and webhook.c have in common. */
#ifndef TA_DELIVERY_TRANSPORT_INT_H
#define TA_DELIVERY_TRANSPORT_INT_H

#include "delivery/transport.h"

#include <stddef.h>

#include <curl/curl.h>

struct transport_ops {
    const char *name;
    /* m has passed the checks of transport_send (channel, to, text non-NULL). */
    ta_err (*send)(struct transport *t, const struct delivery_msg *m);
    void (*free)(struct transport *t);
};

/* Embedded first in every transport, so a struct transport * casts back to it. */
struct transport {
    const struct transport_ops *ops;
};

/* The last thing the server said, for the failure log line: bounded, one line,
 * control characters replaced. */
#define TRANSPORT_ANSWER_MAX 200

struct transport__answer {
    char text[TRANSPORT_ANSWER_MAX + 1];
    size_t len;
};

/* Replaces the answer with the first line of data[0..n) (CR/LF ends it). */
void transport__answer_set(struct transport__answer *a, const char *data, size_t n);
/* Appends data up to the bound; later bytes are dropped. */
void transport__answer_append(struct transport__answer *a, const char *data, size_t n);
/* Masks every occurrence of code in the answer: a server that echoes the request
 * must not put a live code into our logs. */
void transport__answer_scrub(struct transport__answer *a, const char *code);

/* The classification of a libcurl failure that carries no server answer:
 * TA_E_RETRY for network trouble and timeouts, TA_E_INTERNAL for settings that
 * will never work (bad URL, unsupported protocol, TLS required but refused). */
ta_err transport__curl_class(CURLcode rc);

/* What every transfer of a transport shares, set on h: only the protocols named (libcurl's
 * list syntax, e.g. "smtp,smtps"; mask for libcurl before 7.85), the connect and total
 * timeouts, no signals (worker threads: no SIGALRM for DNS timeouts) and errbuf
 * (CURL_ERROR_SIZE bytes) for the failure text. CURLE_OK or the first failing option. */
CURLcode transport__curl_setup(CURL *h, const char *protocols, long mask, long connect_ms,
                               long total_ms, char *errbuf);
/* Logs a failure of curl_easy_setopt for outbox row id and answers TA_E_INTERNAL. */
ta_err transport__curl_option_failed(const char *transport, long long id, CURLcode rc);

#endif
