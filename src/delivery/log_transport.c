/* delivery/log_transport.c — the embedded and test channel: one compact JSON object
 * per message, appended as one line to a file that several processes may share. */
#include "delivery/transport.h"
#include "delivery/transport_int.h"

#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

struct log_transport {
    struct transport base; /* first, so struct transport * casts back */
    pthread_mutex_t lock;  /* one line at a time from this process */
    int fd;
    char *path;
};

/* mkdir -p of everything before the last '/'. Racing creators are fine: EEXIST
 * means another process or thread won, which is what we wanted. */
static int make_parents(const char *path)
{
    char *dir = xstrdup(path);
    int rc = 0;

    for (char *p = dir + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
            log_error(NULL, "delivery log: cannot create %s: %s", dir, strerror(errno));
            rc = -1;
            break;
        }
        *p = '/';
    }
    free(dir);
    return rc;
}

/* The whole line goes out in one write(): with O_APPEND the kernel places it at the
 * end of the file atomically, so lines from other processes never interleave with
 * it. The loop only finishes a short write (disk full, signal). */
static int write_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

static ta_err log_send(struct transport *t, const struct delivery_msg *m)
{
    struct log_transport *lt = (struct log_transport *)t;
    json_t *o = NULL;
    char *json = NULL;
    char *line = NULL;
    size_t n = 0;
    ta_err err = TA_OK;

    o = json_pack("{s:I,s:I,s:I,s:s,s:s,s:s?,s:s?,s:s?,s:s?,s:s}", "time",
                  (json_int_t)clock_now_ms(), "id", (json_int_t)m->id, "companyId",
                  (json_int_t)m->company_id, "channel", m->channel, "to", m->to, "bizType",
                  m->biz_type, "code", m->code, "lang", m->lang, "subject", m->subject, "text",
                  m->text);
    if (o == NULL) {
        /* jansson refuses invalid UTF-8; the same row will fail the same way again. */
        log_error(NULL, "delivery log: outbox id %lld: message is not valid UTF-8",
                  (long long)m->id);
        err = TA_FAIL(TA_E_INTERNAL);
        goto out;
    }
    json = json_dumps(o, JSON_COMPACT);
    if (json == NULL) {
        err = TA_FAIL(TA_E_INTERNAL);
        goto out;
    }
    n = strlen(json);
    line = xmalloc(n + 1);
    memcpy(line, json, n);
    line[n] = '\n';

    pthread_mutex_lock(&lt->lock);
    int rc = write_all(lt->fd, line, n + 1);
    int saved = errno;
    pthread_mutex_unlock(&lt->lock);
    if (rc != 0) {
        /* ENOSPC and friends go away when an operator acts: worth a retry. */
        log_error(NULL, "delivery log: outbox id %lld: write %s: %s", (long long)m->id, lt->path,
                  strerror(saved));
        err = TA_E_RETRY;
    }

out:
    /* The line holds the code: do not leave it in freed heap memory. */
    if (line != NULL) {
        sodium_memzero(line, n + 1);
        free(line);
    }
    if (json != NULL) {
        sodium_memzero(json, n);
        free(json);
    }
    json_decref(o);
    return err;
}

static void log_free(struct transport *t)
{
    struct log_transport *lt = (struct log_transport *)t;

    close(lt->fd);
    pthread_mutex_destroy(&lt->lock);
    free(lt->path);
    free(lt);
}

static const struct transport_ops log_ops = {
    .name = "log",
    .send = log_send,
    .free = log_free,
};

ta_err transport_log_new(const char *path, struct transport **out)
{
    if (path == NULL || path[0] == '\0') {
        log_error(NULL, "delivery log: no file configured (delivery_log)");
        return TA_FAIL(TA_E_INTERNAL);
    }
    if (make_parents(path) != 0)
        return TA_FAIL(TA_E_INTERNAL);

    /* Opened once at start, so a bad path stops the program instead of failing
     * every message later. 0600, like the database: the file holds live codes. */
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_error(NULL, "delivery log: cannot open %s: %s", path, strerror(errno));
        return TA_FAIL(TA_E_INTERNAL);
    }
    /* A file an older version created 0640 is narrowed too. */
    struct stat sb;
    if (fstat(fd, &sb) == 0 && (sb.st_mode & 077) != 0 && fchmod(fd, 0600) != 0)
        log_warn(NULL, "delivery log: cannot make %s private: %s", path, strerror(errno));

    struct log_transport *lt = xcalloc(1, sizeof *lt);
    lt->base.ops = &log_ops;
    lt->fd = fd;
    lt->path = xstrdup(path);
    pthread_mutex_init(&lt->lock, NULL);
    *out = &lt->base;
    return TA_OK;
}
