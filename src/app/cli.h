/* app/cli.h — the admin commands (company, customer, migrate, bench-kdf). Each works on
 * the same database URL as the server, so it administers both backends. */
#ifndef TA_APP_CLI_H
#define TA_APP_CLI_H

#include <stdbool.h>

#include "util/config.h"

/* Command flags are taken out of argv (and *argc shrinks); what is left are settings. */
struct cli_args {
    int argc;
    char **argv;
};

/* Removes "--name value" / "--name=value" from args; returns the value or NULL. */
const char *cli_take(struct cli_args *args, const char *name);
/* Removes a bare "--name" switch; true when it was there. */
bool cli_flag(struct cli_args *args, const char *name);
/* Removes every "--name value"; returns how many were found, values into out (max n). */
int cli_take_all(struct cli_args *args, const char *name, const char **out, int n);

int cli_company(const char *sub, struct cli_args *args, struct config *cfg);
int cli_customer(const char *sub, struct cli_args *args, struct config *cfg);
int cli_migrate(struct cli_args *args, struct config *cfg);
int cli_bench_kdf(struct cli_args *args, struct config *cfg);
/* app/cli_backup.c */
int cli_backup(struct cli_args *args, struct config *cfg);
int cli_restore(struct cli_args *args, struct config *cfg);

/* Loads settings from what is left of args; prints the error and returns -1 if bad. */
int cli_settings(struct cli_args *args, struct config *cfg);

#endif
