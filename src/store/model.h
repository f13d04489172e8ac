/* store/model.h — the plain records that domain/ and store/ exchange.
 * No behaviour here. It sits in store/ (not domain/) so that includes point down only:
 * the store fills these records, the domain applies the rules to them. */
#ifndef TA_STORE_MODEL_H
#define TA_STORE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TA_MAX_ASSETS 16
#define TA_MAX_OFFERS 64
#define TA_MAX_GROUPS 16
#define TA_CURRENCY_MAX 16 /* bytes, with the NUL */
#define TA_HASH_BYTES 32   /* storage hash of a token, code or proof */

enum company_type { COMPANY_REAL = 1, COMPANY_DEMO = 2 };

struct company_asset {
    char currency[TA_CURRENCY_MAX];
    int64_t assets_id;
    int digits;           /* 0..18 */
    int64_t demo_balance; /* minor units: the demo opening balance */
};

/* One (tradeType, currency) pair the company offers; is_default opens it at register. */
struct company_offer {
    int trade_type;
    char currency[TA_CURRENCY_MAX];
    bool is_default;
};

struct company_group {
    int64_t id;
    bool is_default;
};

struct company {
    int64_t id;
    char name[64];
    int type;        /* enum company_type */
    int64_t twin_id; /* 0: no paired company */
    bool kyc_on;
    bool manual_review;
    char no_prefix[16];      /* customerNo = prefix + zero-padded sequence */
    bool single_session;     /* one live session per customer and device class */
    int64_t session_idle_ms; /* 0: server default (for all three) */
    int64_t session_absolute_ms;
    int64_t refresh_ms;
    size_t n_assets;
    struct company_asset assets[TA_MAX_ASSETS];
    size_t n_offers;
    struct company_offer offers[TA_MAX_OFFERS];
    size_t n_groups;
    struct company_group groups[TA_MAX_GROUPS];
};

enum customer_status {
    CUSTOMER_NORMAL = 1,
    CUSTOMER_PENDING = 0,
    CUSTOMER_DISABLED = -1,
    CUSTOMER_DELETING = -2 /* destroy: deletion requested (C24), erased after the grace period */
};

/* Strings are NULL when absent. On reads they come from the caller's arena. */
struct customer {
    int64_t id;
    int64_t company_id;
    int64_t group_id;
    char *customer_no;
    char *email;      /* lowercased */
    char *phone_area; /* "+86" */
    char *phone;      /* digits */
    char *pw_hash;    /* argon2id string; NULL: no password set */
    char *country;
    char *lang;
    int register_source;
    char *register_device;
    char *utm_source, *utm_medium, *utm_campaign, *utm_content, *utm_term;
    char *third_server_code, *third_server_source;
    int open_account_type;
    int kyc_audit_status;
    char *kyc_audit_remark;
    int type;         /* 0 normal, 1 test */
    int status;       /* enum customer_status */
    char *mfa_secret; /* base32; NULL when MFA is off */
    int64_t mfa_id;   /* > 0 when bound */
    int64_t mfa_last_step;
    int64_t relation_customer_id; /* the twin customer, 0 none */
    int64_t created_ms;
};

struct account {
    int64_t id;
    int64_t customer_id;
    int64_t company_id;
    int trade_type;
    char currency[TA_CURRENCY_MAX];
    int64_t assets_id;
    int digits;
    int64_t balance, frozen, liabilities, interest, not_withdraw; /* minor units */
    int64_t first_deposit_ms;                                     /* 0: never */
    int64_t first_withdraw_ms;                                    /* 0: never */
    int64_t created_ms;
    int64_t activated_ms;
};

enum session_end_reason {
    SESSION_LIVE = 0,
    SESSION_LOGOUT = 1,   /* ended by the customer: answers GATEWAY_CODE_001 after */
    SESSION_REPLACED = 2, /* ended by the server from here on: GATEWAY_CODE_005 */
    SESSION_PASSWORD = 3,
    SESSION_DISABLED = 4,
    SESSION_THEFT = 5,
    SESSION_EXCHANGED = 6, /* randomKey / switchAccount used it up */
};

struct session {
    int64_t id;
    int64_t customer_id;
    int64_t company_id;
    int device; /* 1..9 */
    unsigned char token_hash[TA_HASH_BYTES];
    unsigned char prev_token_hash[TA_HASH_BYTES]; /* all zero: none */
    int64_t prev_token_until_ms;                  /* the rotated-away token works until then */
    unsigned char refresh_hash[TA_HASH_BYTES];
    unsigned char prev_refresh_hash[TA_HASH_BYTES];
    int64_t rotated_ms;           /* 0: never rotated */
    unsigned char grace_box[160]; /* sealed copy of the newest pair, see session.c */
    size_t grace_box_len;
    char client_addr[64];
    char user_agent[128];
    int64_t created_ms;
    int64_t last_used_ms;
    int64_t refresh_expires_ms;
    int64_t ended_ms; /* 0: live */
    int end_reason;   /* enum session_end_reason */
};

struct ticket {
    int64_t id;
    int64_t company_id;
    char biz_type[48];
    char recipient[160];
    unsigned char code_hash[TA_HASH_BYTES];
    unsigned char send_hash[TA_HASH_BYTES];
    int64_t created_ms;
    int64_t expires_ms;
    int attempts_left;
    bool consumed; /* used, or replaced by a newer send */
};

enum onetime_kind {
    ONETIME_EXCHANGE = 1,
    ONETIME_PROOF = 2,
    ONETIME_MFA_PENDING = 3,
    ONETIME_NOT_ME = 4 /* the "this wasn't me" code of a new-device alert (C24) */
};

/* Single-use secrets with a TTL: randomKey hand-off tokens, verifyCodeCheck proofs,
 * pending authenticator secrets. Only the hash of the secret is stored; `data`
 * carries what the consumer needs (recipient, base32 secret of a pending binding). */
struct onetime {
    int64_t id;
    int kind;
    unsigned char hash[TA_HASH_BYTES];
    int64_t company_id;
    int64_t customer_id; /* 0 when none */
    int64_t ref_id;      /* ticket id of a proof, session id of an exchange token */
    int device;
    char data[160];
    int64_t expires_ms;
};

enum outbox_status { OUTBOX_PENDING = 0, OUTBOX_SENT = 1, OUTBOX_FAILED = 2 };

struct outbox_row {
    int64_t id;
    int64_t company_id;
    char channel[8]; /* "sms" | "email" */
    char *to;
    char *biz_type;
    char *code; /* wiped when the row leaves PENDING */
    char *lang;
    char *subject;
    char *text; /* wiped when the row leaves PENDING */
    int attempts;
    int64_t next_at_ms;
    int64_t expires_ms; /* the ticket's expiry: never delivered (nor kept) after it */
    int64_t created_ms;
};

struct audit_row {
    int64_t id;
    int64_t time_ms;
    int64_t company_id;
    int64_t customer_id; /* 0 when the account is unknown */
    char event[32];      /* login_ok, login_fail, lockout, password_set, ... */
    char outcome[40];    /* ta_err name */
    char client_addr[64];
    int device;
    char detail[128]; /* never a secret */
};

/* The security center's state of one customer (C21-C24). No row reads as all zero. */
struct customer_security {
    int64_t customer_id;
    int64_t company_id;
    char *fund_pw_hash; /* argon2id of the fund password's MD5; NULL: none */
    char *anti_phish;   /* the customer's anti-phishing phrase; NULL: none */
    int64_t hold_until_ms;
    char hold_reason[32];        /* password_reset, contact_change, mfa_unbind, ... */
    int64_t delete_requested_ms; /* 0: no deletion requested */
    int64_t erased_ms;           /* when housekeeping erased the contacts */
    bool pw_login_blocked;       /* "this wasn't me": password sign-in refused until a reset */
};

/* What a token read shows of the security row (payload, gateway check): small enough to
 * ride in the session cache with the customer. */
struct security_summary {
    int64_t hold_until_ms; /* 0: no hold */
    char hold_reason[32];
    bool fund_set; /* a fund password is set */
};

/* device_seen's answers. */
enum device_state { DEVICE_KNOWN = 0, DEVICE_NEW = 1, DEVICE_FIRST = 2 };

/* A company's settings for encrypted request bodies (contract C19). */
struct company_key {
    int64_t company_id;
    char *rsa_key; /* base64 PKCS#8 DER of the private key; NULL: none */
    bool require_encryption;
    int64_t updated_ms;
};

/* A counter window: count hits since window_start_ms. */
struct counter {
    int64_t count;
    int64_t window_start_ms;
};

#endif
