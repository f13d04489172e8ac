/* tests/unit/util/test_net.c — the listen setting, trusted-proxy CIDR lists and the client
 * address text rate limits key on. */
/* cmocka.h needs these four first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "util/net.h"

static void listen__v4_v6_and_errors(void **state)
{
    (void)state;
    struct net_addr a;
    assert_int_equal(net_parse_listen("127.0.0.1:8080", &a), 0);
    assert_int_equal(a.ss.ss_family, AF_INET);
    assert_int_equal(ntohs(((struct sockaddr_in *)&a.ss)->sin_port), 8080);
    assert_int_equal(net_parse_listen("localhost:80", &a), 0); /* as 127.0.0.1 */
    assert_int_equal(((struct sockaddr_in *)&a.ss)->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    assert_int_equal(net_parse_listen("[::1]:0", &a), 0);
    assert_int_equal(a.ss.ss_family, AF_INET6);
    assert_int_equal(ntohs(((struct sockaddr_in6 *)&a.ss)->sin6_port), 0);
    static const char *const bad[] = {"",      "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536",
                                      "[::1]", "host:80",   "1.2.3.4:-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(net_parse_listen(bad[i], &a), -1);
}

static struct sockaddr_storage v4(const char *ip)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *s = (struct sockaddr_in *)&ss;
    s->sin_family = AF_INET;
    assert_int_equal(inet_pton(AF_INET, ip, &s->sin_addr), 1);
    return ss;
}

static struct sockaddr_storage v6(const char *ip)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
    s->sin6_family = AF_INET6;
    assert_int_equal(inet_pton(AF_INET6, ip, &s->sin6_addr), 1);
    return ss;
}

static void cidr__membership(void **state)
{
    (void)state;
    struct net_cidr_list *l = NULL;
    assert_int_equal(net_cidr_list_parse("10.0.0.0/8, 192.168.1.7,fd00::/8", &l), 0);
    struct sockaddr_storage in1 = v4("10.1.2.3"), in2 = v4("192.168.1.7"), in3 = v6("fd00::1");
    struct sockaddr_storage out1 = v4("11.0.0.1"), out2 = v4("192.168.1.8"), out3 = v6("fe80::1");
    assert_true(net_cidr_list_has(l, (struct sockaddr *)&in1));
    assert_true(net_cidr_list_has(l, (struct sockaddr *)&in2));
    assert_true(net_cidr_list_has(l, (struct sockaddr *)&in3));
    assert_false(net_cidr_list_has(l, (struct sockaddr *)&out1));
    assert_false(net_cidr_list_has(l, (struct sockaddr *)&out2));
    assert_false(net_cidr_list_has(l, (struct sockaddr *)&out3));
    net_cidr_list_free(l);

    assert_int_equal(net_cidr_list_parse("", &l), 0); /* empty: nobody is trusted */
    assert_false(net_cidr_list_has(l, (struct sockaddr *)&in1));
    net_cidr_list_free(l);
    assert_int_equal(net_cidr_list_parse("10.0.0.0/33", &l), -1);
    assert_int_equal(net_cidr_list_parse("not-an-address", &l), -1);
}

static void text__mapped_v4_shown_as_v4(void **state)
{
    (void)state;
    char buf[64];
    struct sockaddr_storage a = v4("203.0.113.9"), b = v6("::ffff:203.0.113.9"),
                            c = v6("2001:db8::1");
    net_addr_text((struct sockaddr *)&a, buf, sizeof buf);
    assert_string_equal(buf, "203.0.113.9");
    net_addr_text((struct sockaddr *)&b, buf, sizeof buf);
    assert_string_equal(buf, "203.0.113.9");
    net_addr_text((struct sockaddr *)&c, buf, sizeof buf);
    assert_string_equal(buf, "2001:db8::1");
    /* Every octet width, as inet_ntop writes them. */
    static const char *const quads[] = {"0.0.0.0", "255.255.255.255", "10.0.99.100", "1.22.103.7"};
    for (size_t i = 0; i < sizeof quads / sizeof quads[0]; i++) {
        struct sockaddr_storage q = v4(quads[i]);
        net_addr_text((struct sockaddr *)&q, buf, sizeof buf);
        assert_string_equal(buf, quads[i]);
    }
}

static void canonical__literal_addresses_only(void **state)
{
    (void)state;
    char buf[64];
    assert_true(net_ip_canonical("2001:DB8:0:0::1", buf, sizeof buf));
    assert_string_equal(buf, "2001:db8::1");
    assert_true(net_ip_canonical("198.51.100.4", buf, sizeof buf));
    assert_string_equal(buf, "198.51.100.4");
    assert_false(net_ip_canonical("example.com", buf, sizeof buf));
    assert_false(net_ip_canonical("198.51.100.4:80", buf, sizeof buf));
    assert_false(net_ip_canonical("", buf, sizeof buf));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(listen__v4_v6_and_errors),
        cmocka_unit_test(cidr__membership),
        cmocka_unit_test(text__mapped_v4_shown_as_v4),
        cmocka_unit_test(canonical__literal_addresses_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
