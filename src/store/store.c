/* store/store.c — picks a backend by the database URL's scheme. */
#include "store/store.h"
#include "store/events.h"

#include "util/clock.h"

#include <string.h>

_Thread_local int store_fault_countdown;

int store_busy_ms = 2000;
char store_instance_id[128];
static _Thread_local int64_t deadline_ns;
static _Thread_local bool http_thread;

void store_deadline_set(int64_t mono_ns)
{
    deadline_ns = mono_ns;
}

int64_t store_deadline_for(int64_t start_ns)
{
    return deadline_ns != 0 ? deadline_ns : start_ns + (int64_t)store_busy_ms * 1000000;
}

void store_http_thread_set(bool on)
{
    http_thread = on;
}

bool store_on_http_thread(void)
{
    return http_thread;
}

bool store_deadline_passed(void)
{
    return deadline_ns != 0 && clock_mono_ns() >= deadline_ns;
}

extern const struct store_ops store_sqlite_ops;
#ifdef TA_WITH_PG
extern const struct store_ops store_pg_ops;
#endif

static const struct store_ops *const backends[] = {
    &store_sqlite_ops,
#ifdef TA_WITH_PG
    &store_pg_ops,
#endif
};

ta_err store_open(const char *url, struct store **out)
{
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++) {
        const char *scheme = backends[i]->scheme;
        if (strncmp(url, scheme, strlen(scheme)) == 0) {
            ta_err err = backends[i]->open(url, out);
            if (err == TA_OK)
                store_events_wrap(*out); /* writes that change token reads raise events */
            return err;
        }
    }
    return TA_E_NOT_FOUND;
}

void store_close(struct store *st)
{
    if (st != NULL)
        st->ops->close(st);
}
