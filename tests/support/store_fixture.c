/* tests/support/store_fixture.c — temporary SQLite databases for the store tests, or the
 * shared PostgreSQL test database. Every temporary directory made here is removed at exit,
 * so a test run leaves nothing behind in $TMPDIR. */
#include "store_fixture.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DBS 512

static struct {
    char *dir;
    char *url;
} dbs[MAX_DBS];
static size_t n_dbs;

/* The files SQLite makes beside a database in WAL mode, then the folders. */
static void remove_dbs(void)
{
    static const char *const files[] = {"store.db", "store.db-wal", "store.db-shm",
                                        "store.db-journal"};
    char path[PATH_MAX];

    for (size_t i = 0; i < n_dbs; i++) {
        for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
            if (snprintf(path, sizeof path, "%s/db/%s", dbs[i].dir, files[k]) < (int)sizeof path)
                unlink(path);
        }
        if (snprintf(path, sizeof path, "%s/db", dbs[i].dir) < (int)sizeof path)
            rmdir(path);
        rmdir(dbs[i].dir);
        free(dbs[i].dir);
        free(dbs[i].url);
    }
    n_dbs = 0;
}

bool fixture_store_shared(void)
{
    const char *url = getenv("TA_TEST_DB_URL");
    return url != NULL && strncmp(url, "sqlite", 6) != 0;
}

static const char *fresh_sqlite_url(void)
{
    const char *tmp = getenv("TMPDIR");
    char dir[PATH_MAX - 32];

    if (tmp == NULL || *tmp == '\0')
        tmp = "/tmp";
    if (n_dbs == MAX_DBS) {
        fprintf(stderr, "store_fixture: more than %d databases\n", MAX_DBS);
        abort();
    }
    int n = snprintf(dir, sizeof dir, "%s/ta-test-XXXXXX", tmp);
    if (n < 0 || (size_t)n >= sizeof dir || mkdtemp(dir) == NULL) {
        perror("store_fixture: mkdtemp");
        abort();
    }
    if (n_dbs == 0)
        atexit(remove_dbs);

    size_t len = strlen(dir);
    char *d = malloc(len + 1);
    char *url = malloc(len + 32);
    if (d == NULL || url == NULL)
        abort();
    memcpy(d, dir, len + 1);
    snprintf(url, len + 32, "sqlite:%s/db/store.db", dir);
    dbs[n_dbs].dir = d;
    dbs[n_dbs].url = url;
    n_dbs++;
    return url;
}

const char *fixture_store_url(void)
{
    if (fixture_store_shared()) {
        const char *pg = getenv("TA_TEST_PG_URL");
        return pg != NULL && *pg != '\0' ? pg : getenv("TA_TEST_DB_URL");
    }
    return fresh_sqlite_url();
}

/* CTest starts one throwaway PostgreSQL cluster (fixture pg_cluster) whose URL is only known
 * at run time, in the file TA_TEST_PG_URL_FILE. With TA_TEST_BACKEND=pg the suite runs on
 * it: the URL becomes TA_TEST_DB_URL before any test asks for a store. */
__attribute__((constructor)) static void pick_backend(void)
{
    const char *backend = getenv("TA_TEST_BACKEND");
    const char *file = getenv("TA_TEST_PG_URL_FILE");
    if (backend == NULL || strcmp(backend, "pg") != 0 || file == NULL)
        return;
    FILE *f = fopen(file, "r");
    char url[512];
    if (f == NULL || fgets(url, sizeof url, f) == NULL) {
        fprintf(stderr, "store_fixture: no PostgreSQL URL in %s\n", file);
        abort();
    }
    fclose(f);
    url[strcspn(url, "\r\n")] = '\0';
    setenv("TA_TEST_DB_URL", url, 1);
    setenv("TA_TEST_PG_URL", url, 1);
}
