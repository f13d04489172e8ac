/* domain/keys.h — the server secret that keys verification-code hashes. Made at first
 * start, kept in the database (so every instance shares it), loaded once, read-only after. */
#ifndef TA_DOMAIN_KEYS_H
#define TA_DOMAIN_KEYS_H

#include "util/err.h"

struct store;

/* Loads the secret, creating it when the database has none. Call once before serving. */
ta_err keys_load(struct store *st);
/* The 32-byte key; valid after keys_load. */
const unsigned char *keys_code_key(void);

#endif
