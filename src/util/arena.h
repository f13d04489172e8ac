/* util/arena.h — request-scoped memory: many small allocations, one free.
 * A cap bounds what one request can take; hitting it returns NULL, which the
 * caller reports as TA_E_TOO_LARGE. Cleanups run when the arena dies. */
#ifndef TA_UTIL_ARENA_H
#define TA_UTIL_ARENA_H

#include <stddef.h>

struct arena;

/* A new arena that will hand out at most cap_bytes in all. */
struct arena *arena_new(size_t cap_bytes);
/* Runs the cleanups (last registered first), then frees everything. NULL is a no-op. */
void arena_free(struct arena *a);

/* Runs the cleanups and forgets everything allocated, keeping one block for reuse: a
 * thread can serve request after request from one arena without touching malloc. */
void arena_reset(struct arena *a);

/* Zeroed, 16-byte aligned memory, or NULL past the cap. */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s); /* NULL s gives NULL */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The decimal text of v: what arena_printf("%lld") gives, without printf's two passes (a
 * gateway check writes four of these per request). */
char *arena_i64(struct arena *a, long long v);

/* Registers fn(arg) to run when the arena is freed (json_decref, wiping secrets). */
void arena_on_free(struct arena *a, void (*fn)(void *), void *arg);

#endif
