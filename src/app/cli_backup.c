/* app/cli_backup.c — `tradeauth backup FILE` and `tradeauth restore FILE` (store/backup.h):
 * the operator's words around the store's copy. */
#include "app/cli.h"
#include "store/backup.h"

#include <stdio.h>
#include <string.h>

static int one(struct cli_env *env, const char *verb,
               ta_err (*fn)(const char *, const char *, struct backup_report *))
{
    const char *file = cli_take_word(env);
    if (file == NULL)
        return cli_usage_error(env, "%s needs a FILE (tradeauth %s --help)", verb, verb);
    if (cli_settings(env->args, env->cfg) != 0)
        return 2;
    struct backup_report rep;
    ta_err err = fn(env->cfg->db, file, &rep);
    if (err != TA_OK) {
        fprintf(stderr, "tradeauth %s: %s\n", verb, rep.why);
        return err == TA_E_BAD_REQUEST ? 2 : 1;
    }
    printf("%s: %lld pages, integrity ok, %s %s\n", verb, rep.pages,
           verb[0] == 'b' ? "written to" : "restored from", file);
    return 0;
}

int cli_backup_cmd(struct cli_env *env)
{
    return one(env, "backup", store_backup);
}

int cli_restore_cmd(struct cli_env *env)
{
    return one(env, "restore", store_restore);
}
