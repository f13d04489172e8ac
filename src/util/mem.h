/* util/mem.h — allocation that aborts on a real shortage of memory.
 * Safe because every size an attacker can influence is capped before it
 * reaches an allocator (body limit, field lengths, arena cap). */
#ifndef TA_UTIL_MEM_H
#define TA_UTIL_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
