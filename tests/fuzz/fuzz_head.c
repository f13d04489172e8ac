/* tests/fuzz/fuzz_head.c — the head gate's judgement (http/head_check.c) on any bytes: no
 * read outside the input, and verdicts that only firm up as bytes arrive — a prefix that
 * was refused stays refused, and a head found good stays good with the same length — since
 * the gate judges a connection again each time more of it arrives. */
#include "http/head_check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const struct head_limits lim = {1024, 1536, UINT64_MAX};

static void judge(const uint8_t *data, size_t size, struct head_verdict *v)
{
    /* A copy of exactly size bytes, so ASan sees any read past the end. */
    char *buf = malloc(size > 0 ? size : 1);
    if (buf == NULL)
        abort();
    memcpy(buf, data, size);
    head_check(buf, size, &lim, v);
    if (v->state == HEAD_GOOD && v->chunked) {
        if (v->head_len > size)
            abort();
        chunks_check(buf + v->head_len, size - v->head_len, 4096, v);
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct head_verdict whole, part;
    judge(data, size, &whole);
    judge(data, size / 2, &part);
    if (part.state == HEAD_REFUSED && whole.state != HEAD_REFUSED)
        abort();
    if (part.state == HEAD_GOOD && (whole.state != HEAD_GOOD || whole.head_len != part.head_len))
        abort();
    if (whole.state == HEAD_GOOD && whole.head_len > size)
        abort();
    return 0;
}
