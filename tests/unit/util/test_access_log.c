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

/* Reads what the pipe holds now (non-blocking); "" when nothing. */
static const char *pipe_text(int fd, char *buf, size_t size)
{
    ssize_t n = read(fd, buf, size - 1);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void lines__batched_then_written_whole(void **state)
{
    (void)state;
    int p[2];
    char buf[256];
    assert_int_equal(pipe(p), 0);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    int saved = dup(STDERR_FILENO);
    dup2(p[1], STDERR_FILENO);
    /* A long period: "nothing yet" must not depend on how soon this thread runs again. */
    access_log_set_period_ms(2000);
    access_log_line("{\"n\":1}");
    access_log_line("{\"n\":2}");
    access_log_line("{\"n\":3}");
    /* Nothing yet: one write(2) per request is what the batching removes. */
    assert_string_equal(pipe_text(p[0], buf, sizeof buf), "");
    access_log_flush(); /* at exit, and before a reader needs the lines */
    assert_string_equal(pipe_text(p[0], buf, sizeof buf), "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
    /* The flusher writes a batch by itself once its period has passed. */
    access_log_set_period_ms(10);
    sleep_ms(2100); /* the flusher's long sleep from above ends */
    access_log_line("{\"n\":4}");
    for (int i = 0; i < 200 && strcmp(pipe_text(p[0], buf, sizeof buf), "") == 0; i++)
        sleep_ms(10);
    dup2(saved, STDERR_FILENO);
    assert_string_equal(buf, "{\"n\":4}\n");
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
