/* util/collate.h — the order JavaScript's String.prototype.localeCompare gives ASCII strings
 * (ICU root collation): punctuation, then digits, then letters, case ignored first; on a
 * tie, lower case before upper case. The signature of encrypted bodies (C19) needs it. */
#ifndef TA_UTIL_COLLATE_H
#define TA_UTIL_COLLATE_H

/* <0, 0 or >0 as a.localeCompare(b) would answer for ASCII strings. Other bytes sort after
 * ASCII letters, by value (keys in this API are ASCII). */
int collate_js(const char *a, const char *b);

#endif
