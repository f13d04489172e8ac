/* domain/import.h — bringing customers over from another system (`tradeauth customer
 * import`): each row is checked as registration would check it, then inserted with its
 * old password hash, which the first login verifies and replaces with argon2id. */
#ifndef TA_DOMAIN_IMPORT_H
#define TA_DOMAIN_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "domain/customer.h"

struct arena;
struct store;

enum import_result { IMPORT_NEW, IMPORT_EXISTED, IMPORT_REJECTED };

struct import_row {
    int64_t company_id;
    const char *customer_no;
    const char *email, *phone_area, *phone; /* at least one of email / phone */
    const char *country, *lang;             /* lang NULL: en-US */
    const char *pw_hash;                    /* NULL: none (code login, then bindLoginPwd) */
    int status;                             /* CUSTOMER_NORMAL or CUSTOMER_DISABLED */
    int64_t created_ms;                     /* 0: now */
    struct trade_pair *pairs;               /* NULL/0: the company's default accounts */
    size_t n_pairs;
    /* out */
    enum import_result result;
    const char *why; /* IMPORT_REJECTED: the reason (static or from the arena) */
};

/* The sequences of the companies imported into, so that new registrations never take an
 * imported customerNo (prefix + digits). Kept by the caller across batches. */
struct import_seqs {
    size_t n;
    struct {
        int64_t company_id, next; /* the highest sequence raised to so far */
    } at[16];
};

/* Imports rows in one transaction: a rejected row writes nothing; an existing customerNo
 * of the company is left as it is (IMPORT_EXISTED: importing twice is harmless). Returns
 * an error only when the database fails (then nothing of the batch is kept). */
ta_err import_batch(struct store *st, struct arena *a, struct import_row *rows, size_t n,
                    int64_t now_ms, struct import_seqs *seqs);

#endif
