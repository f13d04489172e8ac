/* app/cli_backup.c — `tradeauth backup FILE` and `tradeauth restore FILE` (store/backup.h):
 * the operator's words around the store's copy. */
#include "app/cli.h"
#include "store/backup.h"

#include <stdio.h>
#include <string.h>

static int one(const char *verb, struct cli_args *args, struct config *cfg,
               ta_err (*fn)(const char *, const char *, struct backup_report *))
{
    if (cli_flag(args, "help") || args->argc < 1 || strncmp(args->argv[0], "--", 2) == 0) {
        printf("Usage: tradeauth %s FILE [settings]   (--db sqlite:PATH, as the server's)\n", verb);
        return args->argc < 1 ? 2 : 0;
    }
    const char *file = args->argv[0];
    struct cli_args rest = {args->argc - 1, args->argv + 1};
    if (cli_settings(&rest, cfg) != 0)
        return 2;
    struct backup_report rep;
    ta_err err = fn(cfg->db, file, &rep);
    if (err != TA_OK) {
        fprintf(stderr, "tradeauth %s: %s\n", verb, rep.why);
        return err == TA_E_BAD_REQUEST ? 2 : 1;
    }
    printf("%s: %lld pages, integrity ok, %s %s\n", verb, rep.pages,
           verb[0] == 'b' ? "written to" : "restored from", file);
    return 0;
}

int cli_backup(struct cli_args *args, struct config *cfg)
{
    return one("backup", args, cfg, store_backup);
}

int cli_restore(struct cli_args *args, struct config *cfg)
{
    return one("restore", args, cfg, store_restore);
}
