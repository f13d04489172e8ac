/* app/cli.h — the admin commands (serve, migrate, company, customer, bench-kdf), one table
 * of {group, name, run, usage} rows. Each works on the same database URL as the server, so
 * it administers both backends; data goes through domain/admin.h, never the store. */
#ifndef TA_APP_CLI_H
#define TA_APP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/config.h"

struct arena;
struct cli_command;
struct store;

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

/* Runs the admin command argv[0] [argv[1]] ... from the table in cli.c; -1 when argv[0]
 * names none (then nothing was printed), else the exit status. */
int cli_run(int argc, char **argv, struct config *cfg);

/* ---- for a command's run function (a new command is one row in cli.c's table) ---- */

#define CLI_KEPT_MAX 128

struct cli_env {
    const struct cli_command *cmd;
    struct cli_args *args; /* what is left of argv after the command words */
    struct config *cfg;
    bool json;                 /* --json: one JSON document for scripts */
    struct store *st;          /* the database, after cli_open */
    struct arena *a;           /* freed after the command */
    struct cli_args cmd_flags; /* the flags cli_keep moved aside */
    char *kept[CLI_KEPT_MAX];
};

struct cli_command {
    const char *group; /* the first word */
    const char *name;  /* the second word; NULL for a one-word command */
    int (*run)(struct cli_env *env);
    const char *usage; /* the arguments, for --help */
};

/* What is left of argv are settings: loads them and opens (migrates) the database into
 * env->st. 0, or the exit status after a message. */
int cli_open(struct cli_env *env);
/* Moves every "--name value" of the listed flags aside into env->cmd_flags, so settings
 * can be loaded first and the flags applied afterwards (company set reads the stored
 * company before its flags change it). */
void cli_keep(struct cli_env *env, const char *const *names, size_t n);
/* The first word left that is not a flag (an id, a customer), or NULL. */
const char *cli_take_word(struct cli_env *env);
/* Prints "tradeauth: <message>" to stderr and returns 2 (a usage error). */
int cli_usage_error(struct cli_env *env, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Row i of the command table (docgen.c prints --help's list and the man page from it);
 * NULL past the last. */
const struct cli_command *cli_command_at(size_t i);

/* Commands kept in their own files (rows of cli.c's table). */
int cli_backup_cmd(struct cli_env *env);  /* app/cli_backup.c */
int cli_restore_cmd(struct cli_env *env); /* app/cli_backup.c */
int cli_import_cmd(struct cli_env *env);  /* app/cli_import.c */
int cli_man_cmd(struct cli_env *env);     /* app/docgen.c */
int cli_ini_cmd(struct cli_env *env);     /* app/docgen.c */
int cli_openapi_cmd(struct cli_env *env); /* app/docgen.c */

/* company set's flags for encrypted bodies (app/cli_sealed.c, contract C19). */
struct cli_sealed {
    const char *key_path; /* --rsa-private-key FILE, or NULL */
    int require;          /* --require-encryption: -1 unchanged, 0 off, 1 on */
};
/* Takes the two flags out of env->args (before the settings are read); 0 or a usage error. */
int cli_sealed_take(struct cli_env *env, struct cli_sealed *s);
/* Reads, checks and stores the key and the switch; 0 or the exit status after a message. */
int cli_sealed_apply(struct cli_env *env, int64_t company_id, const struct cli_sealed *s);
/* One line on the company's encrypted bodies (not with --json). */
void cli_sealed_print(struct cli_env *env, int64_t company_id);

/* Loads settings from what is left of args; prints the error and returns -1 if bad. */
int cli_settings(struct cli_args *args, struct config *cfg);

#endif
