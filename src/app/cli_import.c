/* app/cli_import.c — `tradeauth customer import FILE`: JSON lines in, domain/import.h rows
 * out, 1,000 rows per transaction. Each rejected line is reported with its number and
 * reason; a line is imported whole or not at all. Line format: docs/operations.md. */
#include "app/cli.h"
#include "domain/import.h"
#include "store/model.h"
#include "util/arena.h"
#include "util/clock.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 1000
#define LINE_MAX_BYTES 65536

struct run {
    struct store *st;
    struct import_seqs seqs;
    long long line, imported, existed, rejected;
    long long lines[BATCH]; /* line numbers of the batch's rows */
};

static const char *opt_str(json_t *o, const char *k, const char **why)
{
    json_t *v = json_object_get(o, k);
    if (v == NULL || json_is_null(v))
        return NULL;
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        *why = k;
    return json_string_value(v);
}

static int64_t opt_int(json_t *o, const char *k, int64_t def, const char **why)
{
    json_t *v = json_object_get(o, k);
    if (v == NULL || json_is_null(v))
        return def;
    if (!json_is_integer(v))
        *why = k;
    return json_integer_value(v);
}

static const char *parse_pairs(json_t *o, struct arena *a, struct import_row *r)
{
    json_t *list = json_object_get(o, "accounts"), *e;
    if (list == NULL || json_is_null(list))
        return NULL;
    if (!json_is_array(list) || json_array_size(list) > 64)
        return "accounts: an array of {tradeType, currency}";
    r->n_pairs = json_array_size(list);
    r->pairs = arena_alloc(a, (r->n_pairs + 1) * sizeof *r->pairs);
    size_t i;
    json_array_foreach(list, i, e)
    {
        json_t *tt = json_object_get(e, "tradeType"), *cur = json_object_get(e, "currency");
        if (!json_is_integer(tt) || !json_is_string(cur) ||
            json_string_length(cur) >= sizeof r->pairs[i].currency)
            return "accounts: each needs an integer tradeType and a currency";
        r->pairs[i].trade_type = (int)json_integer_value(tt);
        memcpy(r->pairs[i].currency, json_string_value(cur), json_string_length(cur) + 1);
    }
    return NULL;
}

static const char *const known_keys[] = {"companyId",  "customerNo",   "email",   "phoneArea",
                                         "phone",      "country",      "lang",    "status",
                                         "createTime", "passwordHash", "accounts"};

/* One line → row (strings borrowed from o, kept alive by the caller). NULL, or why not. */
static const char *parse(json_t *o, struct arena *a, struct import_row *r)
{
    const char *bad = NULL, *k;
    json_t *v;
    if (!json_is_object(o))
        return "not a JSON object";
    json_object_foreach(o, k, v)
    {
        size_t i = 0;
        while (i < sizeof known_keys / sizeof known_keys[0] && strcmp(known_keys[i], k) != 0)
            i++;
        if (i == sizeof known_keys / sizeof known_keys[0])
            return arena_printf(a, "unknown field %s", k);
    }
    memset(r, 0, sizeof *r);
    r->company_id = opt_int(o, "companyId", 0, &bad);
    r->customer_no = opt_str(o, "customerNo", &bad);
    r->email = opt_str(o, "email", &bad);
    r->phone_area = opt_str(o, "phoneArea", &bad);
    r->phone = opt_str(o, "phone", &bad);
    r->country = opt_str(o, "country", &bad);
    r->lang = opt_str(o, "lang", &bad);
    r->pw_hash = opt_str(o, "passwordHash", &bad);
    r->status = (int)opt_int(o, "status", CUSTOMER_NORMAL, &bad);
    r->created_ms = opt_int(o, "createTime", 0, &bad);
    if (bad != NULL)
        return arena_printf(a, "%s: wrong type", bad);
    if (r->company_id <= 0 || r->customer_no == NULL)
        return "companyId and customerNo are required";
    if (r->status != CUSTOMER_NORMAL && r->status != CUSTOMER_DISABLED)
        return "status: 1 (normal) or -1 (disabled)";
    if (r->created_ms < 0)
        return "createTime: epoch milliseconds";
    return parse_pairs(o, a, r);
}

static void report(struct run *run, long long line, const char *why)
{
    run->rejected++;
    fprintf(stderr, "line %lld: rejected: %s\n", line, why);
}

static int flush(struct run *run, struct arena *a, struct import_row *rows, size_t n)
{
    if (n == 0)
        return 0;
    if (import_batch(run->st, a, rows, n, clock_now_ms(), &run->seqs) != TA_OK) {
        fprintf(stderr,
                "tradeauth: the database failed in the batch ending at line %lld; "
                "nothing of it was kept (importing again is safe)\n",
                run->line);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (rows[i].result == IMPORT_NEW)
            run->imported++;
        else if (rows[i].result == IMPORT_EXISTED)
            run->existed++;
        else
            report(run, run->lines[i], rows[i].why);
    }
    return 0;
}

/* Reads and imports the whole file; 0, or 1 after a database failure. */
static int import_file(struct run *run, FILE *in)
{
    static struct import_row rows[BATCH];
    json_t *docs[BATCH];
    char *buf = malloc(LINE_MAX_BYTES);
    struct arena *a = arena_new(64 * 1024 * 1024);
    size_t n = 0;
    int rc = 0;
    while (rc == 0 && buf != NULL && fgets(buf, LINE_MAX_BYTES, in) != NULL) {
        run->line++;
        if (strchr(buf, '\n') == NULL && !feof(in)) {
            int c;
            while ((c = fgetc(in)) != EOF && c != '\n') {
            }
            report(run, run->line, "line longer than 64 KiB");
            continue;
        }
        if (strspn(buf, " \t\r\n") == strlen(buf))
            continue; /* blank lines are allowed */
        json_error_t jerr;
        json_t *o = json_loads(buf, JSON_REJECT_DUPLICATES, &jerr);
        const char *why =
            o == NULL ? arena_printf(a, "JSON: %s", jerr.text) : parse(o, a, &rows[n]);
        if (why != NULL) {
            report(run, run->line, why);
            json_decref(o);
            continue;
        }
        docs[n] = o;
        run->lines[n++] = run->line;
        if (n == BATCH || feof(in)) {
            rc = flush(run, a, rows, n);
            for (size_t i = 0; i < n; i++)
                json_decref(docs[i]);
            n = 0;
            arena_free(a);
            a = arena_new(64 * 1024 * 1024);
        }
    }
    if (rc == 0)
        rc = flush(run, a, rows, n);
    for (size_t i = 0; i < n; i++)
        json_decref(docs[i]);
    arena_free(a);
    free(buf);
    return rc;
}

int cli_import_cmd(struct cli_env *env)
{
    const char *file = cli_take_word(env);
    if (file == NULL)
        return cli_usage_error(env, "import needs a FILE of JSON lines (or - for stdin)");
    int rc = cli_open(env);
    if (rc != 0)
        return rc;
    FILE *in = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
    if (in == NULL) {
        perror(file);
        return 1;
    }
    struct run *run = calloc(1, sizeof *run);
    run->st = env->st;
    int64_t t0 = clock_mono_ns();
    rc = import_file(run, in);
    if (in != stdin)
        fclose(in);
    printf("import: %lld lines, %lld imported, %lld already there, %lld rejected in %.1f s\n",
           run->line, run->imported, run->existed, run->rejected,
           (double)(clock_mono_ns() - t0) / 1e9);
    if (rc == 0 && run->rejected > 0)
        rc = 3;
    free(run);
    return rc;
}
