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
    if (strcmp(cmd, "man") == 0 || strcmp(cmd, "example-config") == 0) {
        (cmd[0] == 'm' ? docgen_man : docgen_example_ini)(stdout);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    struct config cfg;
    config_init(&cfg);
    int rc = 2;
    if (strcmp(cmd, "serve") == 0) {
        struct cli_args args = {argc - 2, argv + 2};
        if (cli_flag(&args, "help")) {
            printf("Usage: tradeauth serve [settings]\n\n");
            config_print_help(stdout);
            rc = 0;
        } else if (cli_settings(&args, &cfg) == 0) {
            rc = app_serve(&cfg);
        }
    } else if (strcmp(cmd, "migrate") == 0) {
        struct cli_args args = {argc - 2, argv + 2};
        rc = cli_migrate(&args, &cfg);
    } else if (strcmp(cmd, "bench-kdf") == 0) {
        struct cli_args args = {argc - 2, argv + 2};
        rc = cli_bench_kdf(&args, &cfg);
    } else if ((strcmp(cmd, "company") == 0 || strcmp(cmd, "customer") == 0) && argc >= 3) {
        struct cli_args args = {argc - 3, argv + 3};
        rc = cmd[1] == 'o' ? cli_company(argv[2], &args, &cfg) : cli_customer(argv[2], &args, &cfg);
    } else {
        fprintf(stderr, "tradeauth: unknown command '%s'\n\n", cmd);
        usage(stderr);
    }
    config_cleanup(&cfg);
    return rc;
}
