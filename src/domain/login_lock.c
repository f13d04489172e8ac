/* domain/login_lock.c — failures by login name: keyed by a hash of the canonical name, so
 * counter rows hold no address; the window and lock rules are those of domain/limits.c. */
#include "domain/login_lock.h"
#include "domain/contact.h"
#include "domain/customer.h"
#include "domain/limits.h"
#include "store/store.h"
#include "util/config.h"

#include <ctype.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* The name as every lookup of it sees it: emails lowercased, phones by their digits alone
 * (the area is optional in a login, so "+86 138…" and "138…" are one name), customer
 * numbers lowercased. A name no lookup accepts is still counted, as typed. */
static void canonical(int type, const char *name, char out[CONTACT_MAX])
{
    if (type == LOGIN_EMAIL && contact_email(name, out))
        return;
    size_t i = 0;
    for (; name[i] != '\0' && i + 1 < CONTACT_MAX; i++)
        out[i] = (char)tolower((unsigned char)name[i]);
    out[i] = '\0';
}

static void key_for(int64_t company_id, int type, const char *canon, enum limit_id kind,
                    char key[LOGIN_LOCK_KEY_MAX])
{
    unsigned char h[16];
    char hex[33];
    int t = type == LOGIN_EMAIL ? 1 : type == LOGIN_PHONE ? 2 : 3;
    crypto_generichash(h, sizeof h, (const unsigned char *)canon, strlen(canon), NULL, 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    limit_key(key, kind, "%" PRId64 ":%d:%s", company_id, t, hex);
}

void login_lock_key(const struct dctx *ctx, int type, const char *login_name,
                    char key[LOGIN_LOCK_KEY_MAX])
{
    char canon[CONTACT_MAX];
    canonical(type, login_name != NULL ? login_name : "", canon);
    key_for(ctx->co->id, type, canon, LIMIT_NAME_FAIL, key);
}

/* The lock row of a name: its failure key's parts under the lock's prefix. */
static void lock_key_of(const char *key, char lock[LOGIN_LOCK_KEY_MAX])
{
    const char *parts = strchr(key, ':');
    limit_key(lock, LIMIT_NAME_LOCK, "%s", parts != NULL ? parts + 1 : key);
}

ta_err login_lock_check(struct dctx *ctx, const char *key, int64_t customer_id)
{
    char lock[LOGIN_LOCK_KEY_MAX];
    lock_key_of(key, lock);
    ta_err err = limit_lock_check(ctx, LIMIT_NAME_LOCK, lock);
    if (err == TA_OK && customer_id > 0)
        err = limit_login_locked(ctx, customer_id);
    return err;
}

bool login_lock_fail(struct dctx *ctx, const char *key, int64_t customer_id)
{
    char lock[LOGIN_LOCK_KEY_MAX];
    lock_key_of(key, lock);
    bool locked = limit_fail_and_lock(ctx, LIMIT_NAME_FAIL, key, LIMIT_NAME_LOCK, lock);
    if (customer_id > 0 && limit_login_failed(ctx, customer_id))
        locked = true;
    return locked;
}

static void clear_name(struct store *st, int64_t company_id, int type, const char *name)
{
    char canon[CONTACT_MAX], key[LOGIN_LOCK_KEY_MAX], lock[LOGIN_LOCK_KEY_MAX];
    if (name == NULL || name[0] == '\0')
        return;
    canonical(type, name, canon);
    key_for(company_id, type, canon, LIMIT_NAME_FAIL, key);
    lock_key_of(key, lock);
    (void)STORE(st, counter_clear, key);
    (void)STORE(st, counter_clear, lock);
}

void login_lock_clear_names(struct store *st, const struct customer *c)
{
    clear_name(st, c->company_id, LOGIN_EMAIL, c->email);
    clear_name(st, c->company_id, LOGIN_PHONE, c->phone);
    clear_name(st, c->company_id, LOGIN_CUSTOMER_NO, c->customer_no);
}

void login_lock_clear(struct dctx *ctx, const struct customer *c)
{
    (void)limit_login_clear(ctx->st, c->id);
    login_lock_clear_names(ctx->st, c);
}
