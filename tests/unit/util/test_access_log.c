/* tests/unit/util/test_access_log.c — access lines are batched: none reaches stderr at once,
 * all of them, whole and in order, within a few flush periods, in one write. */
/* cmocka.h needs these four first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/access_log.h"

static void lines__batched_then_written_whole(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    int saved = dup(STDERR_FILENO);
    dup2(p[1], STDERR_FILENO);
    access_log_line("{\"n\":1}");
    access_log_line("{\"n\":2}");
    access_log_line("{\"n\":3}");
    char buf[256];
    /* Nothing yet: one write(2) per request is what the batching removes. */
    assert_int_equal(read(p[0], buf, sizeof buf), -1);
    struct timespec ts = {0, 5 * ACCESS_LOG_FLUSH_MS * 1000000L};
    nanosleep(&ts, NULL);
    ssize_t n = read(p[0], buf, sizeof buf - 1);
    dup2(saved, STDERR_FILENO);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_string_equal(buf, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
    /* An explicit flush writes at once (exit, tests). */
    dup2(p[1], STDERR_FILENO);
    access_log_line("{\"n\":4}");
    access_log_flush();
    n = read(p[0], buf, sizeof buf - 1);
    dup2(saved, STDERR_FILENO);
    assert_int_equal(n, 8);
    close(saved);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lines__batched_then_written_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
