/* tests/support/store_fixture.c — temporary SQLite databases for the store tests, or the
 * shared PostgreSQL test database. Every temporary directory made here is removed at exit,
 * so a test run leaves nothing behind in $TMPDIR. */
#include "store_fixture.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DIRS 256

static char *dirs[MAX_DIRS];
static size_t n_dirs;

/* The files SQLite makes beside a database in WAL mode, then the folders. */
static void remove_dirs(void)
{
    static const char *const files[] = {"store.db", "store.db-wal", "store.db-shm",
                                        "store.db-journal"};
    char path[PATH_MAX];

    for (size_t i = 0; i < n_dirs; i++) {
        for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
            if (snprintf(path, sizeof path, "%s/db/%s", dirs[i], files[k]) < (int)sizeof path)
                unlink(path);
        }
        if (snprintf(path, sizeof path, "%s/db", dirs[i]) < (int)sizeof path)
            rmdir(path);
        rmdir(dirs[i]);
        free(dirs[i]);
        dirs[i] = NULL;
    }
    n_dirs = 0;
}

bool fixture_store_shared(void)
{
    const char *url = getenv("TA_TEST_DB_URL");
    return url != NULL && strncmp(url, "sqlite", 6) != 0;
}

static char *fresh_sqlite_url(void)
{
    const char *tmp = getenv("TMPDIR");
    char dir[PATH_MAX];

    if (tmp == NULL || *tmp == '\0')
        tmp = "/tmp";
    if (n_dirs == MAX_DIRS || snprintf(dir, sizeof dir, "%s/ta-test-XXXXXX", tmp) >=
                                  (int)sizeof dir - 32 || mkdtemp(dir) == NULL) {
        perror("store_fixture: mkdtemp");
        abort();
    }
    if (n_dirs == 0)
        atexit(remove_dirs);
    size_t len = strlen(dir);
    dirs[n_dirs] = malloc(len + 1);
    char *url = malloc(len + 32);
    if (dirs[n_dirs] == NULL || url == NULL)
        abort();
    memcpy(dirs[n_dirs++], dir, len + 1);
    snprintf(url, len + 32, "sqlite:%s/db/store.db", dir);
    return url;
}

const char *fixture_store_url(void)
{
    static char *urls[MAX_DIRS];
    static size_t n_urls;

    if (fixture_store_shared()) {
        const char *pg = getenv("TA_TEST_PG_URL");
        return pg != NULL && *pg != '\0' ? pg : getenv("TA_TEST_DB_URL");
    }
    char *url = fresh_sqlite_url();
    /* Kept so the string outlives the call; freed with the process. */
    if (n_urls < MAX_DIRS)
        urls[n_urls++] = url;
    return url;
}
