/* app/docgen.h — documents generated from the command list and the settings table, so
 * that --help, the man page and the example INI say the same thing. */
#ifndef TA_APP_DOCGEN_H
#define TA_APP_DOCGEN_H

#include <stdio.h>

/* One line of the command list: what --help prints and the man page's COMMANDS section. */
struct cli_doc {
    const char *syntax;  /* "company add|list|show|set ..." (after "tradeauth ") */
    const char *summary; /* one line */
};
/* Terminated by a NULL syntax. */
extern const struct cli_doc cli_docs[];

/* The command list as --help shows it. */
void docgen_usage(FILE *out);
/* tradeauth(1) in roff (man -l). */
void docgen_man(FILE *out);
/* /etc/tradeauth/tradeauth.ini with every setting commented out at its default. */
void docgen_example_ini(FILE *out);

#endif
