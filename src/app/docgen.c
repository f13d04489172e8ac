/* app/docgen.c — --help's command list, tradeauth(1) and the example INI, all printed from
 * cli_docs and the settings table (util/config.c): a new command or setting appears in
 * each at once. `make install` runs `tradeauth man` and `tradeauth example-config`. */
#include "app/docgen.h"
#include "util/config.h"

#include <string.h>

#define VERSION "0.1.0"

const struct cli_doc cli_docs[] = {
    {"serve [settings]", "run the HTTP server"},
    {"migrate [settings]", "create or update the schema"},
    {"company add|list|show|set ...", "manage companies (tenants)"},
    {"customer list|show|disable|enable|kyc|unlock|audit|seed ...", "manage customers"},
    {"bench-kdf [settings]", "argon2id verifications per second"},
    {"man", "print this manual page (roff)"},
    {"example-config", "print an INI file with every setting commented out"},
    {"version", "print the version"},
    {"<command> --help", "the command's own flags"},
    {NULL, NULL},
};

void docgen_usage(FILE *out)
{
    fprintf(out, "tradeauth — customer login and authorization service\n\nUsage:\n");
    for (const struct cli_doc *c = cli_docs; c->syntax != NULL; c++)
        fprintf(out, "  tradeauth %-34s %s\n", c->syntax, c->summary);
    fputc('\n', out);
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
    for (const struct cli_doc *c = cli_docs; c->syntax != NULL; c++) {
        fputs(".br\n\\fBtradeauth\\fR ", out);
        roff(out, c->syntax);
        fputc('\n', out);
    }
    fputs(".SH DESCRIPTION\n"
          "tradeauth serves the trading platform's customer login protocol over JSON and HTTP: "
          "verification codes, register, login, sessions, real and demo accounts, passwords "
          "and Google Authenticator. It keeps its data in SQLite or PostgreSQL "
          "(\\fB\\-\\-db\\fR). GET /healthz, /readyz and /metrics serve the operator.\n"
          ".SH COMMANDS\n",
          out);
    for (const struct cli_doc *c = cli_docs; c->syntax != NULL; c++) {
        fputs(".TP\n\\fB", out);
        roff(out, c->syntax);
        fputs("\\fR\n", out);
        roff(out, c->summary);
        fputs(".\n", out);
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
