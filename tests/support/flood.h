/* tests/support/flood.h — a register + refresh flood against running servers for the
 * crash-consistency tests: threads register fresh customers (code from the delivery log)
 * and rotate refresh tokens, and remember exactly what was acknowledged, so that after a
 * kill -9 (or a database restart) the test can check every acknowledged write is there. */
#ifndef TA_TESTS_SUPPORT_FLOOD_H
#define TA_TESTS_SUPPORT_FLOOD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "support/e2e.h"

#define FLOOD_REGISTRARS 3
#define FLOOD_REFRESHERS 2
#define FLOOD_ACKED_MAX 512

struct flood_refresher {
    char rtoken[128]; /* the last acknowledged refresh token */
    int rotations;    /* acknowledged rotations */
};

struct flood {
    struct e2e_server *servers[2]; /* calls alternate between them (one may be NULL) */
    atomic_bool stop;
    pthread_mutex_t lock;
    char acked[FLOOD_ACKED_MAX][96]; /* emails whose registration answered "0" */
    int n_acked;
    int failures; /* answers other than "0" (expected while a server or database is down) */
    struct flood_refresher ref[FLOOD_REFRESHERS];
    pthread_t threads[FLOOD_REGISTRARS + FLOOD_REFRESHERS];
};

/* Registers one customer per refresher (asserting), then starts the threads. */
void flood_start(struct flood *f, struct e2e_server *a, struct e2e_server *b);
/* Sets stop and joins the threads. */
void flood_stop(struct flood *f);
/* Every acknowledged registration is a customer row; every refresher's last acknowledged
 * refresh token still refreshes (the grace window of a rotation whose answer was lost
 * included). Asserts; s is any server on the database. */
void flood_check(struct flood *f, struct e2e_server *s);

#endif
