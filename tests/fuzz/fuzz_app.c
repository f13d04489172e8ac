/* tests/fuzz/fuzz_app.c — the shared in-memory app of the harnesses (fuzz_app.h). */
#include "fuzz_app.h"
#include "domain/company.h"
#include "domain/keys.h"
#include "store/store.h"
#include "util/log.h"
#include "util/mem.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct fuzz_app app;
static int made;

struct fuzz_app *fuzz_app(void)
{
    if (made)
        return &app;
    if (sodium_init() < 0)
        abort();
    log_threshold = LOG_OFF;
    config_init(&app.cfg);
    app.cfg.argon2_ops = 1;
    app.cfg.argon2_mem_kib = 8;
    free(app.cfg.db);
    app.cfg.db = xstrdup("sqlite::memory:");
    bool created = false;
    if (store_open(app.cfg.db, &app.st) != TA_OK || store_migrate(app.st) != TA_OK ||
        company_seed_default(app.st, &created) != TA_OK || keys_load(app.st) != TA_OK) {
        fprintf(stderr, "fuzz: cannot make the in-memory app\n");
        abort();
    }
    made = 1;
    return &app;
}

void fuzz_split(const uint8_t *data, size_t size, size_t *head_len, const uint8_t **body,
                size_t *body_len)
{
    for (size_t i = 0; i + 1 < size; i++) {
        if (data[i] == '\n' && data[i + 1] == '\n') {
            *head_len = i;
            *body = data + i + 2;
            *body_len = size - i - 2;
            return;
        }
    }
    *head_len = size;
    *body = data + size;
    *body_len = 0;
}
