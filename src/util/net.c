/* util/net.c — address parsing with inet_pton only: no name lookups ever happen here. */
#include "util/net.h"
#include "util/mem.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct cidr {
    int family;
    unsigned char addr[16];
    int prefix;
};

struct net_cidr_list {
    size_t n;
    struct cidr items[];
};

int net_parse_listen(const char *s, struct net_addr *out)
{
    char host[64];
    const char *port_s;
    memset(out, 0, sizeof *out);

    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':' || (size_t)(close - s - 1) >= sizeof host)
            return -1;
        memcpy(host, s + 1, (size_t)(close - s - 1));
        host[close - s - 1] = '\0';
        port_s = close + 2;
    } else {
        const char *colon = strrchr(s, ':');
        if (colon == NULL || (size_t)(colon - s) >= sizeof host)
            return -1;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
        port_s = colon + 1;
    }
    char *end = NULL;
    errno = 0;
    long port = strtol(port_s, &end, 10);
    if (errno != 0 || end == port_s || *end != '\0' || port < 0 || port > 65535)
        return -1;
    if (strcmp(host, "localhost") == 0)
        memcpy(host, "127.0.0.1", sizeof "127.0.0.1");

    struct sockaddr_in *v4 = (struct sockaddr_in *)&out->ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        out->len = sizeof *v4;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        out->len = sizeof *v6;
        return 0;
    }
    return -1;
}

static int parse_one(const char *s, size_t len, struct cidr *c)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *slash = strchr(buf, '/');
    long prefix = -1;
    if (slash != NULL) {
        *slash = '\0';
        char *end = NULL;
        errno = 0;
        prefix = strtol(slash + 1, &end, 10);
        if (errno != 0 || end == slash + 1 || *end != '\0')
            return -1;
    }
    memset(c, 0, sizeof *c);
    if (inet_pton(AF_INET, buf, c->addr) == 1) {
        c->family = AF_INET;
        if (prefix < 0)
            prefix = 32;
        if (prefix > 32)
            return -1;
    } else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
        c->family = AF_INET6;
        if (prefix < 0)
            prefix = 128;
        if (prefix > 128)
            return -1;
    } else {
        return -1;
    }
    c->prefix = (int)prefix;
    return 0;
}

int net_cidr_list_parse(const char *s, struct net_cidr_list **out)
{
    /* Items are separated by commas or spaces: count both (the fuzzer found "a,b c" writing
     * past a list sized by commas alone). */
    size_t cap = 1;
    for (const char *p = s; *p; p++)
        cap += *p == ',' || *p == ' ';
    struct net_cidr_list *l = xcalloc(1, sizeof *l + cap * sizeof(struct cidr));
    const char *p = s;
    while (*p != '\0') {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == '\0')
            break;
        const char *e = p;
        while (*e != '\0' && *e != ',' && *e != ' ')
            e++;
        if (parse_one(p, (size_t)(e - p), &l->items[l->n]) != 0) {
            free(l);
            return -1;
        }
        l->n++;
        p = e;
    }
    *out = l;
    return 0;
}

void net_cidr_list_free(struct net_cidr_list *l)
{
    free(l);
}

static bool match(const struct cidr *c, const unsigned char *addr, int family)
{
    if (c->family != family)
        return false;
    int full = c->prefix / 8, rest = c->prefix % 8;
    if (memcmp(c->addr, addr, (size_t)full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (c->addr[full] & mask) == (addr[full] & mask);
}

bool net_cidr_list_has(const struct net_cidr_list *l, const struct sockaddr *sa)
{
    const unsigned char *addr;
    int family = sa->sa_family;
    if (l == NULL)
        return false;
    if (family == AF_INET) {
        addr = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
    } else if (family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a6)) {
            addr = a6->s6_addr + 12;
            family = AF_INET;
        } else {
            addr = a6->s6_addr;
        }
    } else {
        return false;
    }
    for (size_t i = 0; i < l->n; i++)
        if (match(&l->items[i], addr, family))
            return true;
    return false;
}

/* Dotted quad by hand: glibc's inet_ntop formats IPv4 with sprintf, and every request
 * formats its client's address. */
static void v4_text(const unsigned char *b, char *buf, size_t size)
{
    char tmp[16];
    size_t n = 0;
    for (int i = 0; i < 4; i++) {
        unsigned v = b[i];
        if (v >= 100)
            tmp[n++] = (char)('0' + v / 100);
        if (v >= 10)
            tmp[n++] = (char)('0' + v / 10 % 10);
        tmp[n++] = (char)('0' + v % 10);
        tmp[n++] = i < 3 ? '.' : '\0';
    }
    if (n <= size)
        memcpy(buf, tmp, n);
}

void net_addr_text(const struct sockaddr *sa, char *buf, size_t size)
{
    buf[0] = '\0';
    if (sa == NULL)
        return;
    if (sa->sa_family == AF_INET) {
        v4_text((const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr, buf, size);
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a6))
            v4_text(a6->s6_addr + 12, buf, size);
        else
            inet_ntop(AF_INET6, a6, buf, (socklen_t)size);
    }
}

bool net_ip_canonical(const char *s, char *buf, size_t size)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, s, a) == 1)
        return inet_ntop(AF_INET, a, buf, (socklen_t)size) != NULL;
    if (inet_pton(AF_INET6, s, a) == 1)
        return inet_ntop(AF_INET6, a, buf, (socklen_t)size) != NULL;
    return false;
}
