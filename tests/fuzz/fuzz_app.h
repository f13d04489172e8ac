/* tests/fuzz/fuzz_app.h — what the libFuzzer harnesses share: one in-memory SQLite database
 * migrated and seeded like a real start (company 1 with demo twin 2), the cheapest argon2id
 * settings, logging off. Made once per process, on the first input. */
#ifndef TA_TESTS_FUZZ_APP_H
#define TA_TESTS_FUZZ_APP_H

#include <stddef.h>
#include <stdint.h>

#include "util/config.h"

struct store;

struct fuzz_app {
    struct config cfg;
    struct store *st;
};

/* The process's app (aborts when it cannot be made: a harness bug, not a finding). */
struct fuzz_app *fuzz_app(void);

/* Splits data at the first blank line ("\n\n"): *head_len bytes of header lines, then the
 * body. No blank line: all of it is head. */
void fuzz_split(const uint8_t *data, size_t size, size_t *head_len, const uint8_t **body,
                size_t *body_len);

#endif
