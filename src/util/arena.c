/* util/arena.c — a chain of blocks; big requests get a block of their own. */
#include "util/arena.h"
#include "util/mem.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_BYTES 8192

struct block {
    struct block *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
};

struct cleanup {
    struct cleanup *next;
    void (*fn)(void *);
    void *arg;
};

struct arena {
    struct block *head;
    struct cleanup *cleanups;
    size_t taken, cap;
};

struct arena *arena_new(size_t cap_bytes)
{
    struct arena *a = xcalloc(1, sizeof *a);
    a->cap = cap_bytes;
    return a;
}

static void run_cleanups(struct arena *a)
{
    struct cleanup *c = a->cleanups;
    while (c != NULL) {
        struct cleanup *next = c->next;
        c->fn(c->arg);
        free(c);
        c = next;
    }
    a->cleanups = NULL;
}

static void free_blocks(struct block *b)
{
    while (b != NULL) {
        struct block *next = b->next;
        free(b);
        b = next;
    }
}

void arena_free(struct arena *a)
{
    if (a == NULL)
        return;
    run_cleanups(a);
    free_blocks(a->head);
    free(a);
}

void arena_reset(struct arena *a)
{
    run_cleanups(a);
    struct block *keep = a->head;
    if (keep != NULL && keep->size != BLOCK_BYTES) {
        free_blocks(keep);
        keep = NULL;
    } else if (keep != NULL) {
        free_blocks(keep->next);
        keep->next = NULL;
        keep->used = 0;
    }
    a->head = keep;
    a->taken = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
    size_t need = (n + 15u) & ~(size_t)15u;
    if (need < n || a->taken + need > a->cap)
        return NULL;
    struct block *b = a->head;
    if (b == NULL || b->size - b->used < need) {
        size_t size = need > BLOCK_BYTES / 2 ? need : BLOCK_BYTES;
        b = xmalloc(sizeof *b + size);
        b->size = size;
        b->used = 0;
        if (size == need && a->head != NULL) {
            /* An oversized block goes behind the head so the head keeps its free space. */
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = b->data + b->used;
    b->used += need;
    a->taken += need;
    memset(p, 0, n);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    if (s == NULL)
        return NULL;
    char *p = arena_alloc(a, n + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return s == NULL ? NULL : arena_strndup(a, s, strlen(s));
}

char *arena_i64(struct arena *a, long long v)
{
    char tmp[24];
    size_t n = 0;
    unsigned long long mag = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[n++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag != 0);
    char *out = arena_alloc(a, n + 2);
    if (out == NULL)
        return NULL;
    size_t k = 0;
    if (v < 0)
        out[k++] = '-';
    while (n > 0)
        out[k++] = tmp[--n];
    return out; /* zeroed: already terminated */
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = arena_alloc(a, (size_t)n + 1);
    if (p == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void arena_on_free(struct arena *a, void (*fn)(void *), void *arg)
{
    struct cleanup *c = xmalloc(sizeof *c);
    c->fn = fn;
    c->arg = arg;
    c->next = a->cleanups;
    a->cleanups = c;
}
