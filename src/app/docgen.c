/* app/docgen.c — --help's command list, tradeauth(1) and the example INI, all printed from
 * cli_docs and the settings table (util/config.c): a new command or setting appears in
 * each at once. `make install` runs `tradeauth man` and `tradeauth example-config`. */
#include "app/docgen.h"
#include "api/openapi.h"
#include "app/cli.h"

#include "util/config.h"
#include <stdlib.h>

#include <string.h>

#define VERSION "0.1.0"

/* A row's usage is "ARGS — summary" (the summary may be missing): split at the dash. */
static void split_usage(const char *usage, char *args, size_t size, const char **summary)
{
    const char *dash = strstr(usage, "—");
    size_t n = dash != NULL ? (size_t)(dash - usage) : strlen(usage);
    while (n > 0 && usage[n - 1] == ' ')
        n--;
    snprintf(args, size, "%.*s", (int)n, usage);
    *summary = dash != NULL ? dash + strlen("—") + (dash[strlen("—")] == ' ') : "";
}

/* "company add --name NAME ..." */
static void syntax(const struct cli_command *c, char *out, size_t size, const char **summary)
{
    char args[256];
    split_usage(c->usage, args, sizeof args, summary);
    snprintf(out, size, "%s%s%s%s%s", c->group, c->name != NULL ? " " : "",
             c->name != NULL ? c->name : "", args[0] != '\0' ? " " : "", args);
}

void docgen_usage(FILE *out)
{
    fprintf(out, "tradeauth — customer login and authorization service\n\nUsage:\n");
    char line[320];
    const char *summary;
    const struct cli_command *c;
    for (size_t i = 0; (c = cli_command_at(i)) != NULL; i++) {
        syntax(c, line, sizeof line, &summary);
        if (summary[0] != '\0')
            fprintf(out, "  tradeauth %s\n      %s\n", line, summary);
        else
            fprintf(out, "  tradeauth %s\n", line);
    }
    fprintf(out, "  tradeauth version\n  tradeauth <command> --help\n      the command's own "
                 "flags\n\n");
}

/* roff text: backslashes and dashes escaped, a leading dot or quote made literal. */
static void roff(FILE *out, const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", out);
    for (; *s != '\0'; s++) {
        if (*s == '\\')
            fputs("\\e", out);
        else if (*s == '-')
            fputs("\\-", out);
        else
            fputc(*s, out);
    }
}

static void man_settings(FILE *out)
{
    fputs(".SH SETTINGS\n"
          "Every setting is a flag \\fB\\-\\-name\\fR \\fIvalue\\fR (or "
          "\\fB\\-\\-name=\\fR\\fIvalue\\fR), an environment variable \\fBTRADEAUTH_NAME\\fR and "
          "a key \\fBname = value\\fR of the INI file given with \\fB\\-\\-config\\fR. Later "
          "sources win: defaults, file, environment, flags. Unknown names are errors.\n",
          out);
    struct config_doc d;
    for (size_t i = 0; config_doc_row(i, &d); i++) {
        fputs(".TP\n\\fB\\-\\-", out);
        roff(out, d.name);
        fputs("\\fR \\fIvalue\\fR (\\fB", out);
        roff(out, d.env);
        fputs("\\fR)\n", out);
        roff(out, d.help[0] != '\0' ? d.help : d.name);
        fputs(". Default: ", out);
        roff(out, d.def[0] != '\0' ? d.def : "empty");
        if (d.range[0] != '\0') {
            fputs("; ", out);
            roff(out, d.range);
        }
        fputs(".\n", out);
    }
}

void docgen_man(FILE *out)
{
    fputs(".TH TRADEAUTH 1 \"\" \"tradeauth " VERSION "\" \"User Commands\"\n"
          ".SH NAME\ntradeauth \\- customer login and authorization service\n"
          ".SH SYNOPSIS\n",
          out);
    char line[320];
    const char *summary;
    const struct cli_command *c;
    for (size_t i = 0; (c = cli_command_at(i)) != NULL; i++) {
        syntax(c, line, sizeof line, &summary);
        fputs(".br\n\\fBtradeauth\\fR ", out);
        roff(out, line);
        fputc('\n', out);
    }
    fputs(".SH DESCRIPTION\n"
          "tradeauth serves the trading platform's customer login protocol over JSON and HTTP: "
          "verification codes, register, login, sessions, real and demo accounts, passwords "
          "and Google Authenticator. It keeps its data in SQLite or PostgreSQL "
          "(\\fB\\-\\-db\\fR). GET /healthz, /readyz and /metrics serve the operator.\n"
          ".SH COMMANDS\n",
          out);
    for (size_t i = 0; (c = cli_command_at(i)) != NULL; i++) {
        syntax(c, line, sizeof line, &summary);
        fputs(".TP\n\\fBtradeauth ", out);
        roff(out, line);
        fputs("\\fR\n", out);
        if (summary[0] != '\0')
            roff(out, summary);
        else
            fprintf(out, "see \\fBtradeauth %s \\-\\-help\\fR", c->group);
        fputc('\n', out);
    }
    man_settings(out);
    fputs(".SH SIGNALS\nSIGTERM or SIGINT: stop accepting, finish the requests in flight, "
          "flush due deliveries, close the database, exit 0.\n"
          ".SH FILES\n.TP\n/etc/tradeauth/tradeauth.ini\nsettings (every one commented "
          "out at its default).\n.TP\n/var/lib/tradeauth\nthe service's working folder "
          "(systemd StateDirectory): var/tradeauth.db and var/outbox.jsonl.\n"
          ".SH EXIT STATUS\n0 on success, 1 on a failure, 2 on a usage error.\n"
          ".SH SEE ALSO\n\\fBsystemd.exec\\fR(5), \\fBsqlite3\\fR(1), \\fBpg_dump\\fR(1)\n",
          out);
}

void docgen_example_ini(FILE *out)
{
    fputs("; tradeauth settings (tradeauth(1)): every one is shown commented out at its "
          "default.\n; Uncomment and change what you need. Environment variables "
          "TRADEAUTH_NAME\n; and command-line flags --name override this file.\n",
          out);
    struct config_doc d;
    for (size_t i = 0; config_doc_row(i, &d); i++) {
        if (strcmp(d.name, "config") == 0)
            continue; /* names this file: meaningless inside it */
        fprintf(out, "\n; %s", d.help[0] != '\0' ? d.help : d.name);
        if (d.range[0] != '\0')
            fprintf(out, " (%s)", d.range);
        fprintf(out, "\n;%s = %s\n", d.name, d.def);
    }
}

int cli_man_cmd(struct cli_env *env)
{
    (void)env;
    docgen_man(stdout);
    return fflush(stdout) == 0 ? 0 : 1;
}

int cli_ini_cmd(struct cli_env *env)
{
    (void)env;
    docgen_example_ini(stdout);
    return fflush(stdout) == 0 ? 0 : 1;
}

int cli_openapi_cmd(struct cli_env *env)
{
    (void)env;
    char *text = openapi_text();
    fputs(text, stdout);
    free(text);
    return fflush(stdout) == 0 ? 0 : 1;
}
