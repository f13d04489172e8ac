/* domain/codes.c — a code is stored only as a keyed hash bound to its ticket. Sends for
 * unknown recipients on LOGIN/PASSWORD look the same as real ones (a ticket and a token)
 * but write no outbox row: no probing, no SMS cost. */
#include "domain/codes.h"
#include "domain/account.h"
#include "domain/keys.h"
#include "domain/limits.h"
#include "domain/security.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/config.h"
#include "util/i18n.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const struct biz_type biz_types[] = {
    {"SMS_REGISTER_VERIFICATION_CODE", PURPOSE_REGISTER, CHANNEL_SMS},
    {"EMAIL_REGISTER_VERIFICATION_CODE", PURPOSE_REGISTER, CHANNEL_EMAIL},
    {"SMS_LOGIN_VERIFICATION_CODE", PURPOSE_LOGIN, CHANNEL_SMS},
    {"EMAIL_LOGIN_VERIFICATION_CODE", PURPOSE_LOGIN, CHANNEL_EMAIL},
    {"SMS_PASSWORD_VERIFICATION_CODE", PURPOSE_PASSWORD, CHANNEL_SMS},
    {"EMAIL_PASSWORD_VERIFICATION_CODE", PURPOSE_PASSWORD, CHANNEL_EMAIL},
    {"SMS_LOGINED_VERIFICATION_CODE", PURPOSE_LOGINED, CHANNEL_SMS},
    {"EMAIL_LOGINED_VERIFICATION_CODE", PURPOSE_LOGINED, CHANNEL_EMAIL},
    {"SMS_COMMON_VERIFICATION_CODE", PURPOSE_COMMON, CHANNEL_SMS},
    {"EMAIL_COMMON_VERIFICATION_CODE", PURPOSE_COMMON, CHANNEL_EMAIL},
};

static const char *const purpose_key[] = {"code.text.REGISTER", "code.text.LOGIN",
                                          "code.text.PASSWORD", "code.text.LOGINED",
                                          "code.text.COMMON"};

const struct biz_type *codes_biz_find(const char *name)
{
    for (size_t i = 0; i < sizeof biz_types / sizeof biz_types[0]; i++)
        if (strcmp(biz_types[i].name, name) == 0)
            return &biz_types[i];
    return NULL;
}

const struct biz_type *codes_biz_for(enum code_purpose p, enum code_channel ch)
{
    return &biz_types[(size_t)p * 2 + (ch == CHANNEL_EMAIL)];
}

bool codes_biz_needs_token(const struct biz_type *b)
{
    return b->purpose == PURPOSE_LOGINED || b->purpose == PURPOSE_COMMON;
}

bool codes_customer_recipient(const struct customer *c, enum code_channel ch, char out[CONTACT_MAX])
{
    if (ch == CHANNEL_EMAIL) {
        if (c->email == NULL)
            return false;
        snprintf(out, CONTACT_MAX, "%s", c->email);
        return true;
    }
    if (c->phone == NULL || c->phone_area == NULL)
        return false;
    contact_phone_recipient(c->phone_area, c->phone, out);
    return true;
}

/* Parses toUser for the channel; the recipient and, for phones, its parts. */
static bool parse_to(const struct biz_type *b, const char *to_user, char rcpt[CONTACT_MAX],
                     char area[8], char phone[24])
{
    if (to_user == NULL)
        return false;
    if (b->channel == CHANNEL_EMAIL)
        return contact_email(to_user, rcpt);
    if (!contact_sms_to(to_user, area, phone))
        return false;
    contact_phone_recipient(area, phone, rcpt);
    return true;
}

bool codes_recipient(const struct biz_type *b, const char *to_user, const struct customer *c,
                     char rcpt[CONTACT_MAX], char area[8], char phone[24])
{
    if (b->purpose == PURPOSE_LOGINED)
        return c != NULL && codes_customer_recipient(c, b->channel, rcpt);
    return parse_to(b, to_user, rcpt, area, phone);
}

/* Whether rcpt belongs to a customer of the company, and that customer's language. */
static ta_err registered(struct dctx *ctx, const struct biz_type *b, const char *rcpt,
                         const char *area, const char *phone, bool *yes, const char **lang,
                         struct customer *c)
{
    ta_err err = b->channel == CHANNEL_EMAIL
                     ? STORE(ctx->st, customer_by_email, ctx->co->id, rcpt, ctx->a, c)
                     : STORE(ctx->st, customer_by_phone, ctx->co->id, area, phone, ctx->a, c);
    *yes = err == TA_OK;
    if (err == TA_OK && c->lang != NULL)
        *lang = i18n_lang(c->lang);
    return err == TA_E_NOT_FOUND ? TA_OK : err;
}

/* The anti-phishing phrase of the customer a message goes to (C24), or NULL. */
static const char *phish_of(struct dctx *ctx, const struct customer *c)
{
    struct customer_security s;
    if (c == NULL || security_load(ctx, c, &s) != TA_OK)
        return NULL;
    return s.anti_phish;
}

/* Every limit of D for a send, counted inside the transaction: a refused send rolls back
 * and so writes nothing, not even its own count. */
static ta_err count_send(struct dctx *ctx, const struct biz_type *b, const char *rcpt)
{
    int64_t co = ctx->co->id;
    const char *addr = ctx->client_addr ? ctx->client_addr : "";
    ta_err err = limit_hitf(ctx, LIMIT_CODE_RESEND, "%" PRId64 ":%s:%s", co, b->name, rcpt);
    if (err == TA_OK)
        err = limit_hitf(ctx, LIMIT_CODES_RCPT_HOUR, "%" PRId64 ":%s", co, rcpt);
    if (err == TA_OK)
        err = limit_hitf(ctx, LIMIT_CODES_RCPT_DAY, "%" PRId64 ":%s", co, rcpt);
    if (err == TA_OK)
        err = limit_hitf(ctx, LIMIT_CODES_ADDR_HOUR, "%s", addr);
    if (err == TA_OK)
        err = limit_hitf(ctx, LIMIT_CODES_COMPANY_DAY, "%" PRId64, co);
    return err;
}

static ta_err write_ticket(struct dctx *ctx, const struct biz_type *b, const char *rcpt,
                           bool deliver, const char *lang, const char *phish,
                           char send_token[TOKEN_TEXT_MAX])
{
    struct ticket t;
    char code[7];
    char text[512];
    ta_err err;

    memset(&t, 0, sizeof t);
    t.company_id = ctx->co->id;
    snprintf(t.biz_type, sizeof t.biz_type, "%s", b->name);
    snprintf(t.recipient, sizeof t.recipient, "%s", rcpt);
    t.created_ms = ctx->now_ms;
    t.expires_ms = ctx->now_ms + (int64_t)ctx->cfg->code_ttl_s * 1000;
    t.attempts_left = ctx->cfg->code_attempts;
    token_code6(code);
    token_hex64_new(send_token);
    token_hash("send", send_token, t.send_hash);
    token_code_hash(keys_code_key(), t.send_hash, code, t.code_hash);

    int64_t id;
    err = STORE(ctx->st, ticket_insert, &t, &id);
    if (err == TA_OK && deliver) {
        struct outbox_row o;
        memset(&o, 0, sizeof o);
        o.company_id = ctx->co->id;
        snprintf(o.channel, sizeof o.channel, "%s", b->channel == CHANNEL_SMS ? "sms" : "email");
        o.to = (char *)rcpt;
        o.biz_type = (char *)b->name;
        o.code = code;
        o.lang = (char *)lang;
        o.subject = (char *)i18n_text(lang, "code.subject");
        char minutes[16];
        snprintf(minutes, sizeof minutes, "%d", (ctx->cfg->code_ttl_s + 59) / 60);
        i18n_format2(lang, purpose_key[b->purpose], code, minutes, text, sizeof text);
        security_phish_append(lang, phish, text, sizeof text);
        o.text = text;
        o.next_at_ms = ctx->now_ms;
        o.expires_ms = t.expires_ms;
        o.created_ms = ctx->now_ms;
        err = STORE(ctx->st, outbox_insert, &o, &id);
    }
    sodium_memzero(code, sizeof code);
    sodium_memzero(text, sizeof text);
    return err;
}

struct send_args {
    const struct biz_type *b;
    const char *rcpt;
    bool deliver;
    const char *lang;
    const char *phish;
    char *send_token;
};

static ta_err send_body(struct dctx *ctx, void *arg)
{
    struct send_args *s = arg;
    ta_err err = count_send(ctx, s->b, s->rcpt);
    return err == TA_OK
               ? write_ticket(ctx, s->b, s->rcpt, s->deliver, s->lang, s->phish, s->send_token)
               : err;
}

ta_err codes_send(struct dctx *ctx, const struct biz_type *b, const char *to_user,
                  const struct auth *au, char send_token[TOKEN_TEXT_MAX])
{
    char rcpt[CONTACT_MAX], area[8] = "", phone[24] = "";
    bool deliver = true;
    const char *lang = ctx->lang;
    ta_err err;

    if (!codes_recipient(b, to_user, au != NULL ? &au->c : NULL, rcpt, area, phone))
        return TA_E_BIZTYPE;
    if (au != NULL && au->c.lang != NULL)
        lang = i18n_lang(au->c.lang); /* changeLang: this customer's codes use it */

    const struct customer *to_customer = au != NULL ? &au->c : NULL;
    struct customer found;
    if (b->purpose == PURPOSE_REGISTER || b->purpose == PURPOSE_LOGIN ||
        b->purpose == PURPOSE_PASSWORD) {
        bool known;
        const char *customer_lang = NULL;
        /* A REGISTER send answers "already registered": an existence oracle like
         * checkStatus, so it shares checkStatus's limit, known recipient or not. */
        err = b->purpose == PURPOSE_REGISTER ? account_lookup_limit(ctx) : TA_OK;
        if (err == TA_OK)
            err = registered(ctx, b, rcpt, area, phone, &known, &customer_lang, &found);
        to_customer = err == TA_OK && known && b->purpose != PURPOSE_REGISTER ? &found : NULL;
        if (err != TA_OK)
            return err;
        if (b->purpose == PURPOSE_REGISTER && known)
            return TA_E_DUPLICATE;
        deliver = b->purpose == PURPOSE_REGISTER || known;
        if (customer_lang != NULL && b->purpose != PURPOSE_REGISTER)
            lang = customer_lang; /* changeLang: this customer's codes use it */
    }

    struct send_args args = {b, rcpt, deliver, lang, phish_of(ctx, to_customer), send_token};
    return dctx_tx(ctx, send_body, &args);
}

ta_err codes_verify(struct dctx *ctx, const struct biz_type *b, const char *recipient,
                    const char *send_token, const char *code, struct ticket *out)
{
    struct ticket t;
    unsigned char hash[TOKEN_HASH_BYTES], code_hash[TOKEN_HASH_BYTES];

    if (send_token == NULL || code == NULL)
        return TA_E_CODE_SPENT;
    token_hash("send", send_token, hash);
    ta_err err = STORE(ctx->st, ticket_by_send, ctx->co->id, hash, &t);
    if (err == TA_E_NOT_FOUND)
        return TA_E_CODE_SPENT;
    if (err != TA_OK)
        return err;
    if (strcmp(t.biz_type, b->name) != 0 || strcmp(t.recipient, recipient) != 0 || t.consumed ||
        ctx->now_ms >= t.expires_ms)
        return TA_E_CODE_SPENT;
    if (t.attempts_left <= 0)
        return TA_E_CODE_EXHAUSTED;
    token_code_hash(keys_code_key(), t.send_hash, code, code_hash);
    if (token_equal(code_hash, t.code_hash, TOKEN_HASH_BYTES)) {
        *out = t;
        return TA_OK;
    }
    int left = 0;
    err = STORE(ctx->st, ticket_spend, t.id, &left);
    if (err == TA_E_NOT_FOUND || (err == TA_OK && left == 0))
        return TA_E_CODE_EXHAUSTED;
    if (err != TA_OK)
        return err;
    return dctx_fail(ctx, TA_E_CODE_WRONG, "%d", left);
}

ta_err codes_consume(struct dctx *ctx, const struct ticket *t)
{
    ta_err err = STORE(ctx->st, ticket_consume, t->id);
    return err == TA_E_CONFLICT || err == TA_E_NOT_FOUND ? TA_E_CODE_SPENT : err;
}
