/* util/clock.c — wall clock with an atomic test override. */
#include "util/clock.h"

#include <stdatomic.h>
#include <time.h>

static _Atomic int64_t fake_ms;

int64_t clock_now_ms(void)
{
    int64_t f = atomic_load_explicit(&fake_ms, memory_order_relaxed);
    if (f != 0)
        return f;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void clock_fake_set(int64_t now_ms)
{
    atomic_store(&fake_ms, now_ms);
}

void clock_fake_advance(int64_t delta_ms)
{
    atomic_fetch_add(&fake_ms, delta_ms);
}

void clock_fake_clear(void)
{
    atomic_store(&fake_ms, 0);
}
