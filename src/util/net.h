/* util/net.h — addresses: the listen setting, CIDR lists of trusted proxies, and
 * the textual client address that rate limits and the audit log key on. */
#ifndef TA_UTIL_NET_H
#define TA_UTIL_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct net_addr {
    struct sockaddr_storage ss;
    socklen_t len;
};

struct net_cidr_list;

/* "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:0". Returns 0 or -1. */
int net_parse_listen(const char *s, struct net_addr *out);

/* Comma list of CIDRs or bare addresses; empty string is an empty list. */
int net_cidr_list_parse(const char *s, struct net_cidr_list **out);
void net_cidr_list_free(struct net_cidr_list *l);
bool net_cidr_list_has(const struct net_cidr_list *l, const struct sockaddr *sa);

/* Numeric text of an address (IPv4-mapped IPv6 shown as IPv4). */
void net_addr_text(const struct sockaddr *sa, char *buf, size_t size);

/* Accepts only a literal IPv4 or IPv6 address; writes its canonical text. */
bool net_ip_canonical(const char *s, char *buf, size_t size);

#endif
