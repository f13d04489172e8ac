/* main.c — argv → command → settings → app. Nothing else lives here. */
#include "app/app.h"
#include "app/cli.h"
#include "app/docgen.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    docgen_usage(out);
    config_print_help(out);
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("tradeauth 0.1.0\n");
        return 0;
    }
    struct config cfg;
    config_init(&cfg);
    int rc = cli_run(argc - 1, argv + 1, &cfg);
    if (rc < 0) {
        fprintf(stderr, "tradeauth: unknown command '%s'\n\n", cmd);
        usage(stderr);
        rc = 2;
    }
    config_cleanup(&cfg);
    return rc;
}
