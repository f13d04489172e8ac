/* util/stats.c — see stats.h. */
#include "util/stats.h"

#include <stdatomic.h>

static _Atomic uint64_t counters[STAT_COUNT_];

void stats_add(enum stat_id id, uint64_t n)
{
    atomic_fetch_add_explicit(&counters[id], n, memory_order_relaxed);
}

uint64_t stats_get(enum stat_id id)
{
    return atomic_load_explicit(&counters[id], memory_order_relaxed);
}
