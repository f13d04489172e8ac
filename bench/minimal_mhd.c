/* bench/minimal_mhd.c — the ceiling for tradeauth's HTTP layer on this machine.
 * libmicrohttpd in the mode tradeauth uses (poll + internal thread pool, one thread per
 * core, suspend/resume allowed, inter-thread channel) answering every request, whatever
 * its method, path or body, with one fixed 200-byte JSON body. No parsing, no database,
 * no allocation per request beyond what libmicrohttpd itself does.
 *
 * usage: bench_minimal_mhd PORT [THREADS [POOL_BYTES]]   (PORT 0 picks a free port)
 * POOL_BYTES sets MHD_OPTION_CONNECTION_MEMORY_LIMIT, the memory pool each connection
 * holds (0 or absent: libmicrohttpd's default, 32 KiB, which tradeauth uses); bench/run
 * uses it to show what the pool size does to RSS with many idle connections.
 * Prints "minimal_mhd: listening on http://127.0.0.1:PORT" when ready; SIGINT/SIGTERM
 * stop it. */
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Exactly 200 bytes: an envelope shaped like tradeauth's, padded in "trace". */
static const char BODY[] =
    "{\"code\":\"0\",\"msg\":\"Success\",\"data\":{\"id\":1,\"customerNo\":\"100000001\"},"
    "\"trace\":\"x-00000000-0000-4000-8000-000000000000-00000000000000000\","
    "\"tm\":12345,\"bizCode\":\"\",\"msgParams\":null,\"ok\":true,\"fail\":false}";
_Static_assert(sizeof BODY - 1 == 200, "the body must be 200 bytes");

static struct MHD_Response *reply;
static volatile sig_atomic_t stop_now;

static void on_signal(int sig)
{
    (void)sig;
    stop_now = 1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    static int first_call_marker;
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload;
    if (*con_cls == NULL) { /* headers only so far: ask for the body */
        *con_cls = &first_call_marker;
        return MHD_YES;
    }
    if (*upload_size > 0) { /* body bytes: drop them */
        *upload_size = 0;
        return MHD_YES;
    }
    return MHD_queue_response(con, MHD_HTTP_OK, reply);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [THREADS [POOL_BYTES]]\n", argv[0]);
        return 2;
    }
    int port = (int)strtol(argv[1], NULL, 10);
    long threads = argc > 2 ? strtol(argv[2], NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    long pool = argc > 3 ? strtol(argv[3], NULL, 10) : 0;
    if (port < 0 || port > 65535 || threads < 1 || threads > 256 || pool < 0 ||
        pool > 16 * 1024 * 1024) {
        fprintf(stderr, "minimal_mhd: bad PORT, THREADS or POOL_BYTES\n");
        return 2;
    }
    reply = MHD_create_response_from_buffer(sizeof BODY - 1, (void *)BODY, MHD_RESPMEM_PERSISTENT);
    if (reply == NULL)
        return 1;
    MHD_add_response_header(reply, "Content-Type", "application/json;charset=UTF-8");
    MHD_add_response_header(reply, "Access-Control-Allow-Origin", "*");

    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    unsigned flags =
        MHD_USE_POLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_CONNECTION_LIMIT, 20000u,
        MHD_OPTION_CONNECTION_TIMEOUT, 300u, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        pool > 0 ? MHD_OPTION_CONNECTION_MEMORY_LIMIT : MHD_OPTION_END, (size_t)pool,
        MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "minimal_mhd: cannot listen on 127.0.0.1:%d\n", port);
        return 1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("minimal_mhd: listening on http://127.0.0.1:%u\n", di != NULL ? di->port : 0u);
    fflush(stdout);

    struct sigaction act;
    memset(&act, 0, sizeof act);
    act.sa_handler = on_signal;
    sigaction(SIGINT, &act, NULL);
    sigaction(SIGTERM, &act, NULL);
    while (!stop_now)
        pause();
    MHD_stop_daemon(d);
    MHD_destroy_response(reply);
    return 0;
}
