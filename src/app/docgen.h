/* app/docgen.h — documents generated from the command table (app/cli.c) and the settings
 * table (util/config.c), so that --help, the man page and the example INI agree. */
#ifndef TA_APP_DOCGEN_H
#define TA_APP_DOCGEN_H

#include <stdio.h>

/* The command list as --help shows it. */
void docgen_usage(FILE *out);
/* tradeauth(1) in roff (man -l). */
void docgen_man(FILE *out);
/* /etc/tradeauth/tradeauth.ini with every setting commented out at its default. */
void docgen_example_ini(FILE *out);

#endif
