/* tests/fuzz/fuzz_token.c — the token and refresh-token parsers: an access token as a token
 * route reads it (session_check), a refresh token as refreshToken reads it (session_refresh,
 * which also opens the sealed pair of the grace window), and token_open on any box. Input:
 * the token text, a blank line, the box bytes. In-memory SQLite, company 1. */
#include "crypto/token.h"
#include "domain/company.h"
#include "domain/customer.h"
#include "domain/session.h"
#include "fuzz_app.h"
#include "util/arena.h"
#include "util/clock.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_app *app = fuzz_app();
    size_t head_len, box_len;
    const uint8_t *box;
    fuzz_split(data, size, &head_len, &box, &box_len);
    char *token = strndup((const char *)data, head_len);

    unsigned char h[TOKEN_HASH_BYTES];
    token_hash("access", token, h);
    char plain[512];
    (void)token_open(token, box, box_len, plain, sizeof plain);

    struct arena *a = arena_new(256 * 1024);
    struct dctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.cfg = &app->cfg;
    ctx.st = app->st;
    ctx.a = a;
    ctx.now_ms = clock_now_ms();
    ctx.client_addr = "10.0.0.1";
    ctx.lang = "en-US";
    if (company_find(app->st, a, 1, ctx.now_ms, &ctx.co) == TA_OK) {
        struct auth au;
        (void)session_check(&ctx, token, &au);
        struct customer_view v;
        (void)session_refresh(&ctx, token, &v);
    }
    arena_free(a);
    free(token);
    return 0;
}
