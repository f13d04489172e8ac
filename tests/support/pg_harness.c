/* tests/support/pg_harness.c — runs scripts/pg-test-cluster.sh for C tests.
 * The script does the work (initdb, port, role, database); this file only keeps the folder
 * name and makes sure the cluster goes away: atexit here, a watchdog in the script for
 * crashes (ASan aborts skip atexit). */
#include "pg_harness.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static char cluster_dir[256]; /* empty: no cluster */
static bool atexit_done;

static int script_path(char *out, size_t size)
{
    const char *src = getenv("TA_SOURCE_DIR");
    int n = snprintf(out, size, "%s/scripts/pg-test-cluster.sh", src ? src : ".");

    if (n < 0 || (size_t)n >= size) {
        fprintf(stderr, "pg_harness: TA_SOURCE_DIR too long\n");
        return -1;
    }
    return 0;
}

/* Runs the script with verb on the cluster folder; its stdout (trimmed) goes to out when
 * out is not NULL. A pipe and fork/exec rather than popen: no shell quoting of paths. */
static int run_script(const char *verb, char *out, size_t size)
{
    char script[512];
    int fds[2];

    if (script_path(script, sizeof script) != 0)
        return -1;
    if (pipe(fds) != 0) {
        perror("pg_harness: pipe");
        return -1;
    }
    fflush(NULL); /* the child must not flush our buffered output a second time */
    pid_t pid = fork();
    if (pid < 0) {
        perror("pg_harness: fork");
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execl("/bin/bash", "bash", script, verb, cluster_dir, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);

    char buf[512];
    size_t used = 0;
    for (;;) {
        ssize_t n = read(fds[0], buf + used, sizeof buf - 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        used += (size_t)n;
        if (used == sizeof buf - 1)
            break; /* more than a URL: keep what fits, the exit status decides */
    }
    buf[used] = '\0';
    close(fds[0]);

    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            perror("pg_harness: waitpid");
            return -1;
        }
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "pg_harness: %s %s failed (status %d)\n", script, verb, status);
        return -1;
    }
    while (used > 0 && (buf[used - 1] == '\n' || buf[used - 1] == ' '))
        buf[--used] = '\0';
    if (out != NULL) {
        if (used + 1 > size) {
            fprintf(stderr, "pg_harness: URL does not fit\n");
            return -1;
        }
        memcpy(out, buf, used + 1);
    }
    return 0;
}

int pg_harness_start(char *url, size_t size)
{
    if (cluster_dir[0] != '\0') {
        fprintf(stderr, "pg_harness: a cluster is running already\n");
        return -1;
    }
    const char *tmp = getenv("TMPDIR");
    int n =
        snprintf(cluster_dir, sizeof cluster_dir, "%s/ta-pg-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (n < 0 || (size_t)n >= sizeof cluster_dir || mkdtemp(cluster_dir) == NULL) {
        perror("pg_harness: mkdtemp");
        cluster_dir[0] = '\0';
        return -1;
    }
    if (!atexit_done) {
        atexit(pg_harness_stop);
        atexit_done = true;
    }

    /* The script's watchdog stops the cluster if this process dies without atexit. */
    char pid[32];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    setenv("TA_PG_OWNER_PID", pid, 1);

    if (run_script("start", url, size) != 0) {
        pg_harness_stop();
        return -1;
    }
    return 0;
}

void pg_harness_stop(void)
{
    if (cluster_dir[0] == '\0')
        return;
    run_script("stop", NULL, 0);
    rmdir(cluster_dir); /* the script removes it; this covers a start that failed early */
    cluster_dir[0] = '\0';
}

int pg_harness_restart(void)
{
    if (cluster_dir[0] == '\0') {
        fprintf(stderr, "pg_harness: no cluster to restart\n");
        return -1;
    }
    return run_script("restart", NULL, 0);
}
