/* http/read_deadline.h — every request must arrive whole (head and body) within a deadline:
 * libmicrohttpd's own timeout only measures inactivity, so one header byte every 2 s kept
 * a connection forever (slowloris, issue 13). A registry of connections and a sweep thread
 * that shuts down those past the deadline; libmicrohttpd then closes them itself. */
#ifndef TA_HTTP_READ_DEADLINE_H
#define TA_HTTP_READ_DEADLINE_H

#include <microhttpd.h>
#include <stdint.h>

struct read_deadline;

/* timeout_s 0: no deadline (the registry still runs, the sweep closes nothing). */
struct read_deadline *read_deadline_new(int timeout_s);
/* Stops the sweep; call after MHD_stop_daemon. NULL is a no-op. */
void read_deadline_free(struct read_deadline *rd);
/* MHD_OPTION_NOTIFY_CONNECTION (cls = the read_deadline): a new connection starts its first
 * request's clock at accept; a closed one leaves the registry before its socket closes. */
void read_deadline_notify(void *cls, struct MHD_Connection *con, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe);
/* A request line arrived on a kept-alive connection: the next request's clock starts. */
void read_deadline_begin(struct MHD_Connection *con);
/* The whole request (head and body) has arrived. */
void read_deadline_done(struct MHD_Connection *con);
/* Connections closed by the sweep so far. */
uint64_t read_deadline_swept(struct read_deadline *rd);

#endif
