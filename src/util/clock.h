/* util/clock.h — the program's notion of "now", in epoch milliseconds.
 * Tests fix or advance it instead of sleeping; production reads the wall clock. */
#ifndef TA_UTIL_CLOCK_H
#define TA_UTIL_CLOCK_H

#include <stdint.h>

int64_t clock_now_ms(void);
/* Monotonic nanoseconds, for durations (tm, latency). Never faked. */
int64_t clock_mono_ns(void);

/* Test hooks: a non-zero value replaces the wall clock for every thread. */
void clock_fake_set(int64_t now_ms);
void clock_fake_advance(int64_t delta_ms);
void clock_fake_clear(void);

#endif
