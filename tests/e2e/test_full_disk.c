/* tests/e2e/test_full_disk.c — issue 13 point 7: with the disk under the database full,
 * /readyz reports the database as not writable (503) and turns 200 again by itself once
 * there is room; the error line of a write that failed carries the request's trace. The
 * database lives on a 4 MiB tmpfs, so this needs root (mount); otherwise, and on the
 * PostgreSQL run, it prints a visible skip. */
#include "support/e2e.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static long get_status(const struct e2e_server *s, const char *path)
{
    struct e2e_opts g = {.method = "GET"};
    struct e2e_resp r = e2e_call(s, path, NULL, &g);
    long st = r.status;
    e2e_resp_free(&r);
    return st;
}

/* Polls path until it answers want (bounded); returns the last status. */
static long wait_status(const struct e2e_server *s, const char *path, long want, int ms)
{
    double until = e2e_now_ms() + ms;
    long st = 0;
    while (e2e_now_ms() < until && (st = get_status(s, path)) != want) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return st;
}

/* Fills the file system of dir: a file grown until ENOSPC. */
static void fill(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    static char block[64 * 1024];
    for (size_t n = sizeof block; n >= 512;) {
        if (write(fd, block, n) < 0) {
            assert_int_equal(errno, ENOSPC);
            n /= 2;
        }
    }
    close(fd);
}

/* The server's stderr has an error line with this trace. */
static bool error_line_with_trace(const struct e2e_server *s, const char *trace)
{
    FILE *f = fopen(s->err_path, "r");
    assert_non_null(f);
    char line[4096];
    bool found = false;
    while (!found && fgets(line, sizeof line, f) != NULL) {
        json_t *o = json_loads(line, 0, NULL);
        const char *t = json_string_value(json_object_get(o, "trace"));
        const char *lv = json_string_value(json_object_get(o, "level"));
        found = t != NULL && lv != NULL && strcmp(t, trace) == 0 && strcmp(lv, "error") == 0;
        json_decref(o);
    }
    fclose(f);
    return found;
}

/* The mount point, kept for the teardown: a failed assertion must not leave it mounted. */
static char mnt[E2E_PATH_MAX];
static bool mounted;

static int unmount(void **state)
{
    (void)state;
    if (mounted && umount2(mnt, MNT_DETACH) == 0)
        rmdir(mnt);
    mounted = false;
    return 0;
}

static void full_disk__readyz_503_then_200__error_lines_carry_the_trace(void **state)
{
    (void)state;
    if (e2e_backend_pg()) {
        print_message("SKIPPED on PostgreSQL: the full disk here is a tmpfs under SQLite\n");
        skip();
    }
    if (geteuid() != 0) {
        print_message("SKIPPED: mounting the small tmpfs for a full disk needs root\n");
        skip();
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(mnt, sizeof mnt, "%s/ta-full-%d", tmp != NULL ? tmp : "/tmp", (int)getpid());
    assert_int_equal(mkdir(mnt, 0700), 0);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=4m,mode=0700") != 0) {
        print_message("SKIPPED: cannot mount a tmpfs here (%s)\n", strerror(errno));
        rmdir(mnt);
        skip();
    }
    mounted = true;
    char url[E2E_PATH_MAX + 32], filler[E2E_PATH_MAX + 16];
    snprintf(url, sizeof url, "sqlite:%s/store.db", mnt);
    snprintf(filler, sizeof filler, "%s/filler", mnt);
    struct e2e_server *s = e2e_server_new_db(url);
    e2e_server_start(s, NULL);
    assert_int_equal(wait_status(s, "/readyz", 200, 3000), 200);

    fill(filler);
    /* Writes fail now (the first few may still fit in pages SQLite has). */
    char failed_trace[300] = "";
    for (int i = 0; i < 200 && failed_trace[0] == '\0'; i++) {
        char email[96];
        e2e_email(email, "full");
        struct e2e_resp r = e2e_callj(
            s, E2E_SEND,
            json_pack("{s:s,s:s}", "bizType", "EMAIL_REGISTER_VERIFICATION_CODE", "toUser", email),
            NULL);
        const char *code = json_string_value(json_object_get(r.json, "code"));
        if (code != NULL && strcmp(code, "GATEWAY_CODE_500") == 0)
            snprintf(failed_trace, sizeof failed_trace, "%s", r.trace_sent);
        e2e_resp_free(&r);
    }
    assert_true(failed_trace[0] != '\0');
    /* Before the fix /readyz stayed 200 and the error line said trace:null. */
    assert_int_equal(wait_status(s, "/readyz", 503, 3000), 503);
    assert_true(error_line_with_trace(s, failed_trace));
    assert_int_equal(get_status(s, "/healthz"), 200);

    assert_int_equal(unlink(filler), 0);
    assert_int_equal(wait_status(s, "/readyz", 200, 5000), 200);
    char tok[100], email[96];
    e2e_email(email, "room");
    E2E_SEND_CODE(s, "EMAIL_REGISTER_VERIFICATION_CODE", email, NULL, tok);

    e2e_server_stop(s);
    e2e_server_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(full_disk__readyz_503_then_200__error_lines_carry_the_trace,
                                  unmount),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
