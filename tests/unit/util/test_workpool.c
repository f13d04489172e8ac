/* tests/unit/util/test_workpool.c — admission by expected wait. A job's then() runs after the
 * pool has counted the job, so a client answered there that sends its next requests at once
 * meets an up-to-date estimate. Before, the answer went out while the job still counted as
 * running with no run time measured, and a burst right after the first answer was admitted
 * whole (e2e_test_hashpool's --hash-max-wait-ms 1 case, flaky under load). */
/* cmocka.h needs these four first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "util/workpool.h"

struct fx {
    struct workpool *p;
    pthread_mutex_t m;
    pthread_cond_t c;
    bool done;
    bool admitted[2];
};

static int64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* 20 ms of this thread's CPU, as a password hash would cost. */
static void burn(void *thread_state, void *arg)
{
    (void)thread_state;
    (void)arg;
    int64_t until = cpu_ns() + 20 * 1000000;
    while (cpu_ns() < until) {
    }
}

/* What a client does on its first answer: two more requests at once. */
static void then_submit_two(void *arg)
{
    struct fx *f = arg;
    bool a = workpool_submit(f->p, burn, NULL);
    bool b = workpool_submit(f->p, burn, NULL);
    pthread_mutex_lock(&f->m);
    f->admitted[0] = a;
    f->admitted[1] = b;
    f->done = true;
    pthread_cond_signal(&f->c);
    pthread_mutex_unlock(&f->m);
}

static void then__runs_after_the_job_is_counted(void **state)
{
    (void)state;
    static struct fx f;
    pthread_mutex_init(&f.m, NULL);
    pthread_cond_init(&f.c, NULL);
    f.p = workpool_new(1, 16, NULL, NULL, NULL);
    assert_non_null(f.p);
    workpool_set_max_wait(f.p, 1);
    assert_true(workpool_submit_then(f.p, burn, then_submit_two, &f));
    pthread_mutex_lock(&f.m);
    while (!f.done)
        pthread_cond_wait(&f.c, &f.m);
    pthread_mutex_unlock(&f.m);
    /* The worker is free again: the first goes in; the second would wait ~20 ms > 1 ms. */
    assert_true(f.admitted[0]);
    assert_false(f.admitted[1]);
    workpool_free(f.p);
    pthread_cond_destroy(&f.c);
    pthread_mutex_destroy(&f.m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(then__runs_after_the_job_is_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
