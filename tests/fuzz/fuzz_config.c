/* tests/fuzz/fuzz_config.c — configuration parsing: the first line is split into flags, the
 * rest is the INI file --config names (a memfd), then the cross-setting checks. */
#include "util/config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_ARGS 12

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (devnull == NULL)
        devnull = fopen("/dev/null", "w");
    const uint8_t *nl = memchr(data, '\n', size);
    size_t line = nl != NULL ? (size_t)(nl - data) : size;
    char *flags = strndup((const char *)data, line);
    int fd = memfd_create("fuzz.ini", 0);
    if (fd < 0 || flags == NULL)
        abort();
    size_t rest = size - line - (nl != NULL ? 1 : 0);
    if (rest > 0 && write(fd, data + line + 1, rest) != (ssize_t)rest)
        abort();
    char path[64], *argv[MAX_ARGS + 3];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int argc = 0;
    argv[argc++] = "--config";
    argv[argc++] = path;
    for (char *p = flags; *p != '\0' && argc < MAX_ARGS + 2;) {
        while (*p == ' ')
            *p++ = '\0';
        if (*p == '\0')
            break;
        argv[argc++] = p;
        p += strcspn(p, " ");
    }

    struct config cfg;
    config_init(&cfg);
    if (config_load(&cfg, argc, argv, devnull) == 0)
        (void)config_check(&cfg, devnull);
    config_cleanup(&cfg);
    close(fd);
    free(flags);
    return 0;
}
