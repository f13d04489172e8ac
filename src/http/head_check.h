/* http/head_check.h — judges a request head (and a chunked body that is already in hand)
 * before libmicrohttpd reads it, so that every malformed or oversized request is answered
 * with the envelope instead of libmicrohttpd's HTML (issue 13). Pure: bytes in, verdict out;
 * http/head_gate.c feeds it what MSG_PEEK shows of a new connection. */
#ifndef TA_HTTP_HEAD_CHECK_H
#define TA_HTTP_HEAD_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* What libmicrohttpd can hold: its per-connection pool must fit the head and one entry per
 * field. A head passes when it is at most max_bytes and bytes + HEAD_FIELD_COST per field is
 * at most budget (http/head_gate.c derives both from --connection-memory-kib). */
#define HEAD_FIELD_COST 64

struct head_limits {
    size_t max_bytes;
    size_t budget;
    uint64_t max_length; /* the largest Content-Length worth reading */
};

enum head_state {
    HEAD_MORE,    /* not complete yet, nothing wrong so far */
    HEAD_GOOD,    /* complete and well formed */
    HEAD_REFUSED, /* answer `why` and close */
};

struct head_verdict {
    enum head_state state;
    ta_err why;      /* HEAD_REFUSED: E_FRAMING, E_TOO_LARGE, E_URI_TOO_LONG, ... */
    size_t head_len; /* HEAD_GOOD: bytes up to and including the empty line */
    bool chunked;    /* HEAD_GOOD: the body is chunked (Transfer-Encoding: chunked) */
    bool expect_100; /* HEAD_GOOD: Expect: 100-continue (the body waits for our go) */
    uint64_t length; /* HEAD_GOOD: Content-Length, 0 when absent */
};

/* Judges buf[0..len). A head that is not complete yet is refused as soon as what is there
 * can no longer become a good one (bad bytes, too big). */
void head_check(const char *buf, size_t len, const struct head_limits *lim,
                struct head_verdict *out);

/* What a head's fields say about its body's framing, gathered field by field: by the gate
 * from the raw head, and by http/server.c from what libmicrohttpd parsed of the heads it
 * reads itself (later requests on a kept-alive connection). Zero-initialise. */
struct head_fields {
    size_t n;
    int n_length, n_encoding, n_host;
    bool chunked, expect_100;
    bool bad_name; /* a name that is not a token ("Transfer-Encoding ", RFC 9110 §5.1) */
    uint64_t length;
    ta_err length_err; /* a Content-Length that is not a number, or too big */
};

/* Adds one field as received (the value is trimmed of spaces and tabs here). */
void head_fields_add(struct head_fields *f, const char *name, size_t name_len, const char *value,
                     size_t value_len);
/* The framing rules of RFC 9112 §6.1 and §6.3: one way to read the body's length, or none;
 * TA_OK or the refusal (E_FRAMING, E_TOO_LARGE). */
ta_err head_fields_framing(const struct head_fields *f, bool http10);

/* Judges a chunked body's framing in buf[0..len) (what follows the head): HEAD_GOOD with
 * head_len = the body's framed length once the last chunk and trailers are there,
 * HEAD_MORE while it may still become good, HEAD_REFUSED (E_FRAMING, or E_TOO_LARGE beyond
 * max_body bytes of data). */
void chunks_check(const char *buf, size_t len, uint64_t max_body, struct head_verdict *out);

#endif
