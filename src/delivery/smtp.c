/* delivery/smtp.c — email through a configured SMTP server (libcurl). Builds one
 * RFC 5322 message per code: UTF-8 subject as RFC 2047 encoded words, base64 body,
 * so no byte of user text can ever be read as SMTP syntax or a header. */
#include "delivery/transport.h"
#include "delivery/transport_int.h"

#include "util/clock.h"
#include "util/config.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#define SMTP_CONNECT_TIMEOUT_MS 5000L
#define SMTP_TOTAL_TIMEOUT_MS 15000L

/* Raw bytes per encoded word: "Subject: " + "=?UTF-8?B?" + 56 base64 chars + "?="
 * is 77 columns, inside RFC 5322's 78 and RFC 2047's 75 per word. */
#define WORD_RAW_BYTES 42
/* RFC 2045: base64 lines of at most 76 characters. */
#define BODY_LINE_CHARS 76

struct smtp_transport {
    struct transport base; /* first, so struct transport * casts back */
    char *url;
    char *user;        /* NULL: no AUTH */
    char *password;    /* wiped on free */
    char *from_header; /* the From: field body, already encoded */
    char *mail_from;   /* "<addr>" for MAIL FROM */
    char *domain;      /* right side of the Message-ID */
    bool starttls;
};

/*---- A growing byte buffer (aborts on OOM like every x* allocator) ---------*/

struct buf {
    char *p;
    size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = xmalloc(cap);
        if (b->len > 0)
            memcpy(p, b->p, b->len);
        /* Not xrealloc: the old block may hold the code and must be wiped first. */
        if (b->p != NULL) {
            sodium_memzero(b->p, b->cap);
            free(b->p);
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static void buf_wipe(struct buf *b)
{
    if (b->p != NULL) {
        sodium_memzero(b->p, b->cap);
        free(b->p);
    }
    b->p = NULL;
    b->len = b->cap = 0;
}

static void buf_base64(struct buf *b, const unsigned char *bin, size_t n)
{
    size_t max = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = xmalloc(max);

    sodium_bin2base64(b64, max, bin, n, sodium_base64_VARIANT_ORIGINAL);
    buf_str(b, b64);
    sodium_memzero(b64, max);
    free(b64);
}

/*---- Message building -------------------------------------------------------*/

static bool is_ascii_printable(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

/* An addr-spec we are willing to put in an envelope and a header: printable ASCII,
 * no spaces, no angle brackets, one '@' with text on both sides. Anything else
 * could smuggle a second recipient or a header line. */
static bool is_plain_address(const char *s)
{
    const char *at = strchr(s, '@');

    if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@') != NULL)
        return false;
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' ||
            c == ';' || c == '"' || c == '\\')
            return false;
    }
    return true;
}

/* RFC 2047 "B" encoded words, folded onto continuation lines. Words are cut on
 * UTF-8 character boundaries because a decoder may decode each word alone. */
static void add_encoded_words(struct buf *b, const char *s)
{
    size_t n = strlen(s);
    bool first = true;

    while (n > 0) {
        size_t take = n < WORD_RAW_BYTES ? n : WORD_RAW_BYTES;
        while (take < n && take > 1 && ((unsigned char)s[take] & 0xc0) == 0x80)
            take--;
        if (!first)
            buf_str(b, "\r\n ");
        buf_str(b, "=?UTF-8?B?");
        buf_base64(b, (const unsigned char *)s, take);
        buf_str(b, "?=");
        s += take;
        n -= take;
        first = false;
    }
}

/* RFC 5322 date-time in UTC. Day and month names come from tables, not strftime,
 * whose %a and %b follow the locale. */
static void add_date(struct buf *b, int64_t now_ms)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t secs = (time_t)(now_ms / 1000);
    struct tm tm;
    char date[64];

    gmtime_r(&secs, &tm);
    snprintf(date, sizeof date, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
             days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
    buf_str(b, date);
}

/* Random part first: a reused outbox id (a reset database) must never produce a
 * Message-ID a mailbox has seen, or the mailbox may drop the mail as a duplicate. */
static void add_message_id(struct buf *b, const struct smtp_transport *st, int64_t id)
{
    unsigned char rnd[16];
    char hex[sizeof rnd * 2 + 1];
    char idtext[32];

    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    snprintf(idtext, sizeof idtext, ".%lld@", (long long)id);
    buf_str(b, "Message-ID: <");
    buf_str(b, hex);
    buf_str(b, idtext);
    buf_str(b, st->domain);
    buf_str(b, ">\r\n");
}

static bool is_lang_tag(const char *s)
{
    size_t n = 0;

    for (; s[n] != '\0'; n++)
        if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
              (s[n] >= '0' && s[n] <= '9') || s[n] == '-'))
            return false;
    return n > 0 && n <= 35;
}

/* text/plain is canonically CRLF (RFC 2046 4.1.1): bare LFs become CRLF before the
 * base64 step, so every reader shows the same line breaks. */
static void add_body(struct buf *b, const char *text)
{
    struct buf canon = {0};
    struct buf b64 = {0};

    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '\n' && (p == text || p[-1] != '\r'))
            buf_add(&canon, "\r", 1);
        buf_add(&canon, p, 1);
    }
    if (canon.len > 0)
        buf_base64(&b64, (const unsigned char *)canon.p, canon.len);
    for (size_t off = 0; off < b64.len; off += BODY_LINE_CHARS) {
        size_t n = b64.len - off < BODY_LINE_CHARS ? b64.len - off : BODY_LINE_CHARS;
        buf_add(b, b64.p + off, n);
        buf_str(b, "\r\n");
    }
    buf_wipe(&b64);
    buf_wipe(&canon);
}

static void build_message(const struct smtp_transport *st, const struct delivery_msg *m,
                          struct buf *b)
{
    add_date(b, clock_now_ms());
    buf_str(b, "From: ");
    buf_str(b, st->from_header);
    buf_str(b, "\r\nTo: ");
    buf_str(b, m->to);
    buf_str(b, "\r\nSubject: ");
    if (m->subject != NULL)
        add_encoded_words(b, m->subject);
    buf_str(b, "\r\n");
    add_message_id(b, st, m->id);
    /* RFC 3834: tells vacation responders not to answer a code mail. */
    buf_str(b, "Auto-Submitted: auto-generated\r\n");
    if (m->lang != NULL && is_lang_tag(m->lang)) {
        buf_str(b, "Content-Language: ");
        buf_str(b, m->lang);
        buf_str(b, "\r\n");
    }
    buf_str(b, "MIME-Version: 1.0\r\n"
               "Content-Type: text/plain; charset=UTF-8\r\n"
               "Content-Transfer-Encoding: base64\r\n"
               "\r\n");
    add_body(b, m->text);
}

/*---- libcurl ---------------------------------------------------------------*/

struct upload {
    const char *data;
    size_t len, off;
};

static size_t on_read(char *dst, size_t size, size_t nmemb, void *arg)
{
    struct upload *u = arg;
    size_t room = size * nmemb;
    size_t n = u->len - u->off < room ? u->len - u->off : room;

    memcpy(dst, u->data + u->off, n);
    u->off += n;
    return n;
}

/* Keeps the last line the server sent, except the "221" that answers the QUIT libcurl
 * sends after a refusal: the refusal is the answer worth logging. Only HEADER_IN is
 * looked at: the outgoing side carries AUTH credentials and the message itself. */
static int on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
    (void)h;
    if (type == CURLINFO_HEADER_IN && size > 0 && !(size >= 3 && memcmp(data, "221", 3) == 0))
        transport__answer_set(arg, data, size);
    return 0;
}

#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (rc == CURLE_OK)                                                                        \
            rc = curl_easy_setopt(h, opt, val);                                                    \
    } while (0)

static CURLcode smtp_options(const struct smtp_transport *st, CURL *h, struct curl_slist *rcpt,
                             struct upload *up, struct transport__answer *answer, char *errbuf)
{
    CURLcode rc = transport__curl_setup(h, "smtp,smtps", (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS),
                                        SMTP_CONNECT_TIMEOUT_MS, SMTP_TOTAL_TIMEOUT_MS, errbuf);
    SET(CURLOPT_URL, st->url);
    SET(CURLOPT_MAIL_FROM, st->mail_from);
    SET(CURLOPT_MAIL_RCPT, rcpt);
    SET(CURLOPT_UPLOAD, 1L);
    SET(CURLOPT_READFUNCTION, on_read);
    SET(CURLOPT_READDATA, up);
    SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)up->len);
    if (st->starttls)
        SET(CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (st->user != NULL) {
        SET(CURLOPT_USERNAME, st->user);
        SET(CURLOPT_PASSWORD, st->password != NULL ? st->password : "");
    }
    SET(CURLOPT_DEBUGFUNCTION, on_debug);
    SET(CURLOPT_DEBUGDATA, answer);
    SET(CURLOPT_VERBOSE, 1L); /* feeds on_debug; nothing goes to stderr */
    return rc;
}

#undef SET

/* A failed transfer, classified and logged. A server's 4xx/5xx is the most precise answer
 * there is (RFC 5321 4.2.1): 4yz "try again later", 5yz "do not repeat". Without one, the
 * kind of libcurl failure decides. */
static ta_err smtp_failure(CURL *h, CURLcode rc, const struct delivery_msg *m,
                           struct transport__answer *answer, const char *errbuf)
{
    long status = 0;
    ta_err err;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 500 && status <= 599)
        err = TA_E_INTERNAL;
    else if (status >= 400 && status <= 499)
        err = TA_E_RETRY;
    else
        err = transport__curl_class(rc);
    transport__answer_scrub(answer, m->code);
    log_at(err == TA_E_RETRY ? LOG_WARN : LOG_ERROR, NULL,
           "delivery smtp: outbox id %lld: %s: %s (curl %d), server: %s", (long long)m->id,
           err == TA_E_RETRY ? "will retry" : "rejected",
           errbuf[0] ? errbuf : curl_easy_strerror(rc), (int)rc,
           answer->len > 0 ? answer->text : "-");
    return err;
}

static ta_err smtp_send(struct transport *t, const struct delivery_msg *m)
{
    struct smtp_transport *st = (struct smtp_transport *)t;
    struct buf msg = {0}, rcpt_addr = {0};
    struct transport__answer answer = {.len = 0};
    char errbuf[CURL_ERROR_SIZE] = "";
    ta_err err = TA_OK;

    if (strcmp(m->channel, "email") != 0) {
        log_error(NULL, "delivery smtp: outbox id %lld: channel %s cannot go by email",
                  (long long)m->id, m->channel);
        return TA_FAIL(TA_E_INTERNAL);
    }
    if (!is_plain_address(m->to)) {
        log_error(NULL, "delivery smtp: outbox id %lld: recipient is not a plain address",
                  (long long)m->id);
        return TA_FAIL(TA_E_INTERNAL);
    }
    build_message(st, m, &msg);
    buf_str(&rcpt_addr, "<");
    buf_str(&rcpt_addr, m->to);
    buf_str(&rcpt_addr, ">");
    struct curl_slist *rcpt = curl_slist_append(NULL, rcpt_addr.p);
    CURL *h = curl_easy_init();
    if (rcpt == NULL || h == NULL) {
        log_error(NULL, "delivery smtp: outbox id %lld: cannot set up libcurl", (long long)m->id);
        err = TA_E_RETRY;
    }
    struct upload up = {.data = msg.p, .len = msg.len, .off = 0};
    CURLcode rc = CURLE_OK;
    if (err == TA_OK)
        rc = smtp_options(st, h, rcpt, &up, &answer, errbuf);
    if (err == TA_OK && rc != CURLE_OK)
        err = transport__curl_option_failed("smtp", (long long)m->id, rc);
    if (err == TA_OK && (rc = curl_easy_perform(h)) != CURLE_OK)
        err = smtp_failure(h, rc, m, &answer, errbuf);
    curl_easy_cleanup(h);
    curl_slist_free_all(rcpt);
    buf_wipe(&rcpt_addr);
    buf_wipe(&msg);
    return err;
}

/*---- Lifecycle -------------------------------------------------------------*/

static void smtp_free(struct transport *t)
{
    struct smtp_transport *st = (struct smtp_transport *)t;

    if (st->password != NULL) {
        sodium_memzero(st->password, strlen(st->password));
        free(st->password);
    }
    free(st->url);
    free(st->user);
    free(st->from_header);
    free(st->mail_from);
    free(st->domain);
    free(st);
}

static const struct transport_ops smtp_ops = {
    .name = "smtp",
    .send = smtp_send,
    .free = smtp_free,
};

static bool has_text(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* smtp_from is "addr@host" or "Display Name <addr@host>". Fills the From: field
 * (a non-ASCII display name is encoded), MAIL FROM and the Message-ID domain. */
static int parse_from(const char *from, struct smtp_transport *st)
{
    const char *lt = strchr(from, '<');
    const char *gt = lt != NULL ? strchr(lt, '>') : NULL;
    struct buf name = {0};
    struct buf addr = {0};
    struct buf field = {0};
    int rc = -1;

    if (lt == NULL) {
        buf_str(&addr, from);
    } else {
        if (gt == NULL || gt[1] != '\0')
            goto out;
        buf_add(&addr, lt + 1, (size_t)(gt - lt - 1));
        const char *s = from;
        const char *e = lt;
        while (s < e && *s == ' ')
            s++;
        while (e > s && e[-1] == ' ')
            e--;
        if (e > s)
            buf_add(&name, s, (size_t)(e - s));
    }
    if (addr.p == NULL || !is_plain_address(addr.p))
        goto out;

    if (name.p == NULL) {
        buf_str(&field, addr.p);
    } else {
        if (is_ascii_printable(name.p))
            buf_str(&field, name.p);
        else
            add_encoded_words(&field, name.p);
        buf_str(&field, " <");
        buf_str(&field, addr.p);
        buf_str(&field, ">");
    }
    st->from_header = xstrdup(field.p);
    st->domain = xstrdup(strchr(addr.p, '@') + 1);
    buf_wipe(&field);
    buf_str(&field, "<");
    buf_str(&field, addr.p);
    buf_str(&field, ">");
    st->mail_from = xstrdup(field.p);
    rc = 0;
out:
    buf_wipe(&name);
    buf_wipe(&addr);
    buf_wipe(&field);
    return rc;
}

ta_err transport_smtp_new(const struct config *cfg, struct transport **out)
{
    if (!has_text(cfg->smtp_url) || (strncasecmp(cfg->smtp_url, "smtp://", 7) != 0 &&
                                     strncasecmp(cfg->smtp_url, "smtps://", 8) != 0)) {
        log_error(NULL, "delivery smtp: smtp_url must be smtp://host:port or smtps://host:port");
        return TA_FAIL(TA_E_INTERNAL);
    }
    if (!has_text(cfg->smtp_from)) {
        log_error(NULL, "delivery smtp: smtp_from is required");
        return TA_FAIL(TA_E_INTERNAL);
    }
    if (sodium_init() < 0) /* Message-IDs use randombytes_buf */
        return TA_FAIL(TA_E_INTERNAL);

    struct smtp_transport *st = xcalloc(1, sizeof *st);
    st->base.ops = &smtp_ops;
    if (parse_from(cfg->smtp_from, st) != 0) {
        log_error(NULL, "delivery smtp: smtp_from must be addr@host or Name <addr@host>");
        smtp_free(&st->base);
        return TA_FAIL(TA_E_INTERNAL);
    }
    st->url = xstrdup(cfg->smtp_url);
    st->starttls = cfg->smtp_starttls;
    if (has_text(cfg->smtp_user)) {
        st->user = xstrdup(cfg->smtp_user);
        st->password = xstrdup(cfg->smtp_password != NULL ? cfg->smtp_password : "");
        if (!st->starttls && strncasecmp(st->url, "smtps://", 8) != 0)
            log_warn(NULL, "delivery smtp: credentials will cross the network unencrypted "
                           "(smtp:// without smtp_starttls)");
    }
    *out = &st->base;
    return TA_OK;
}
