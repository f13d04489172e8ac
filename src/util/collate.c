/* util/collate.c — localeCompare for ASCII: a primary pass over the whole strings with case
 * folded (and ICU's order of punctuation before digits before letters), then a tertiary
 * pass where lower case wins. Control characters are ignorable in ICU; here they sort first,
 * which only matters for keys nobody sends. */
#include "util/collate.h"

#include <stdbool.h>
#include <string.h>

/* ICU root order of the printable ASCII that is neither a digit nor a letter. */
static const char punct[] = " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$";

static int primary(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        c = (unsigned char)(c - 'A' + 'a');
    if (c >= 'a' && c <= 'z')
        return 200 + (c - 'a');
    if (c >= '0' && c <= '9')
        return 100 + (c - '0');
    const char *p = c != '\0' ? strchr(punct, c) : NULL;
    if (p != NULL)
        return 10 + (int)(p - punct);
    return c < 0x80 ? 1 : 300 + c; /* controls first, other bytes after the letters */
}

int collate_js(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    size_t i = 0;
    for (; x[i] != '\0' && y[i] != '\0'; i++) {
        int d = primary(x[i]) - primary(y[i]);
        if (d != 0)
            return d;
    }
    if (x[i] != y[i]) /* one is a prefix of the other: the shorter first */
        return x[i] == '\0' ? -1 : 1;
    for (i = 0; x[i] != '\0'; i++) {
        if (x[i] == y[i])
            continue;
        bool xl = x[i] >= 'a' && x[i] <= 'z';
        return xl ? -1 : 1; /* same letter, other case: lower case first */
    }
    return 0;
}
