/* test_net.c - unit tests for container networking's parsers and its
 * address allocator (no privileges needed: leases are plain files). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "container/net.h"
#include "container/net_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_parse_mode(void **state)
{
	enum net_mode m = NET_HOST;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(net__parse_mode("none", &m, &e), 0);
	assert_int_equal(m, NET_NONE);
	assert_int_equal(net__parse_mode("host", &m, &e), 0);
	assert_int_equal(m, NET_HOST);
	assert_int_equal(net__parse_mode("bridge", &m, &e), 0);
	assert_int_equal(m, NET_BRIDGE);
	m = NET_NONE;
	assert_int_equal(net__parse_mode("default", &m, &e), 0);
	assert_int_equal(m, NET_BRIDGE);
	assert_int_equal(net__parse_mode("container:x", &m, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "container:x"));
	assert_int_equal(net__parse_mode("", &m, &e), -EINVAL);
	assert_int_equal(net__parse_mode("Bridge", &m, &e), -EINVAL);
}

static void test_parse_port_forms(void **state)
{
	struct net_port p;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(net__parse_port("8080:80", &p, &e), 0);
	assert_int_equal(p.host_port, 8080);
	assert_int_equal(p.ctr_port, 80);
	assert_string_equal(p.proto, "tcp");
	assert_string_equal(p.host_ip, "");

	assert_int_equal(net__parse_port("127.0.0.1:8080:80", &p, &e), 0);
	assert_string_equal(p.host_ip, "127.0.0.1");
	assert_int_equal(p.host_port, 8080);
	assert_int_equal(p.ctr_port, 80);

	assert_int_equal(net__parse_port("8080:80/udp", &p, &e), 0);
	assert_string_equal(p.proto, "udp");
	assert_int_equal(net__parse_port("10.1.2.3:53:5353/tcp", &p, &e), 0);
	assert_string_equal(p.proto, "tcp");
	assert_string_equal(p.host_ip, "10.1.2.3");
	assert_int_equal(p.ctr_port, 5353);

	/* 0.0.0.0 is Docker's "every address". */
	assert_int_equal(net__parse_port("0.0.0.0:1:65535", &p, &e), 0);
	assert_string_equal(p.host_ip, "");
	assert_int_equal(p.host_port, 1);
	assert_int_equal(p.ctr_port, 65535);
}

static void test_parse_port_rejects(void **state)
{
	static const char *const bad[] = {
		"80", /* no random host ports */
		"",
		":80",
		"8080:",
		"0:80",
		"8080:0",
		"65536:80",
		"80:65536",
		"8080:80/sctp",
		"8080:80/",
		"a:80",
		"8080:8x",
		"-1:80",
		"1.2.3:8080:80",
		"::1:8080:80",
		"[::1]:8080:80",
		"host:8080:80",
		"8080-8081:80",
		"127.0.0.1::80",
		"8080:80/tcp/x",
		"1:2:3:4",
		"99999999999:1",
	};
	struct net_port p;
	struct err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err__clear(&e);
		if (net__parse_port(bad[i], &p, &e) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(strstr(e.msg, "invalid port mapping"));
		assert_null(strchr(e.msg, '\n'));
	}
}

static char tmp_root[64];
static uint8_t busy_map[NET_BUSY_BYTES];

/* A fresh "nothing taken elsewhere" bitmap. */
static uint8_t *busy(void)
{
	memset(busy_map, 0, sizeof(busy_map));
	return busy_map;
}

static int make_root(void **state)
{
	(void)state;
	snprintf(tmp_root, sizeof(tmp_root), "/tmp/vmkit-test-net.XXXXXX");
	return mkdtemp(tmp_root) ? 0 : -1;
}

static int remove_root(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_root);
	return system(cmd) == 0 ? 0 : -1;
}

#define ID_A "aaaaaaaa00000000000000000000000000000000000000000000000000000000"
#define ID_B "bbbbbbbb00000000000000000000000000000000000000000000000000000000"
#define ID_C "cccccccc00000000000000000000000000000000000000000000000000000000"
#define ID_D "dddddddd00000000000000000000000000000000000000000000000000000000"

static void test_lease_alloc_free(void **state)
{
	struct err e = { 0 };
	struct net_lease l;
	char stale[65];
	uint32_t a, b, c;

	(void)state;
	assert_int_equal(net_lease__take(tmp_root, ID_A, getpid(), 0, busy(), &a, stale, &e), 0);
	assert_int_equal(a, NET_SUBNET_BASE | 2);
	assert_string_equal(stale, "");
	assert_int_equal(net_lease__take(tmp_root, ID_B, getpid(), 2, busy(), &b, stale, &e), 0);
	assert_int_equal(b, NET_SUBNET_BASE | 3);

	assert_int_equal(net_lease__find(tmp_root, ID_B, &l), 0);
	assert_int_equal(l.ip, b);
	assert_int_equal(l.nports, 2);
	assert_true(net_lease__live(&l));
	assert_int_equal(net_lease__find(tmp_root, ID_C, &l), -ENOENT);

	/* A freed address is the first handed out again. */
	assert_int_equal(net_lease__free(tmp_root, a, &e), 0);
	assert_int_equal(net_lease__free(tmp_root, a, &e), 0); /* twice is fine */
	assert_int_equal(net_lease__take(tmp_root, ID_C, getpid(), 0, busy(), &c, stale, &e), 0);
	assert_int_equal(c, a);
	assert_int_equal(net_lease__free(tmp_root, b, &e), 0);
	assert_int_equal(net_lease__free(tmp_root, c, &e), 0);
}

/* A crashed run's lease under the same id is reused, and reported so
 * its leftovers get cleared. */
static void test_lease_same_id_reused(void **state)
{
	struct err e = { 0 };
	char stale[65];
	uint32_t a, b, x;

	(void)state;
	assert_int_equal(net_lease__take(tmp_root, ID_B, getpid(), 0, busy(), &x, stale, &e), 0);
	assert_int_equal(net_lease__take(tmp_root, ID_A, getpid(), 0, busy(), &a, stale, &e), 0);
	assert_int_equal(net_lease__take(tmp_root, ID_A, getpid(), 0, busy(), &b, stale, &e), 0);
	assert_int_equal(a, b);
	assert_string_equal(stale, ID_A);
	assert_int_equal(net_lease__free(tmp_root, a, &e), 0);
	assert_int_equal(net_lease__free(tmp_root, x, &e), 0);
}

static void test_lease_dead_holder(void **state)
{
	struct err e = { 0 };
	struct net_lease l;
	char stale[65];
	uint32_t a;
	pid_t pid = fork();

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(net_lease__take(tmp_root, ID_A, pid, 0, busy(), &a, stale, &e), 0);
	waitpid(pid, NULL, 0);
	assert_int_equal(net_lease__find(tmp_root, ID_A, &l), 0);
	assert_false(net_lease__live(&l));
	assert_int_equal(net_lease__free(tmp_root, a, &e), 0);
}

/* Addresses other state roots' containers hold (seen on the host's
 * veths) are skipped. */
static void test_lease_skips_busy(void **state)
{
	struct err e = { 0 };
	char stale[65];
	uint8_t *b = busy();
	uint32_t a;

	(void)state;
	NET_BUSY_SET(b, NET_SUBNET_BASE | 2);
	NET_BUSY_SET(b, NET_SUBNET_BASE | 3);
	assert_int_equal(net_lease__take(tmp_root, ID_A, getpid(), 0, b, &a, stale, &e), 0);
	assert_int_equal(a, NET_SUBNET_BASE | 4);
	assert_int_equal(net_lease__free(tmp_root, a, &e), 0);
}

/* With every address taken, a dead holder's lease is reclaimed (and
 * named, so its leftovers get cleared); with none dead, a clear error. */
static void test_lease_full_subnet(void **state)
{
	struct err e = { 0 };
	char stale[65];
	uint8_t *b = busy();
	uint32_t a, x, y;
	pid_t pid = fork();

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	memset(b, 0xff, NET_BUSY_BYTES);
	b[0] &= (uint8_t) ~(1u << 2);
	b[0] &= (uint8_t) ~(1u << 3);
	assert_int_equal(net_lease__take(tmp_root, ID_A, pid, 0, b, &x, stale, &e), 0);
	assert_int_equal(net_lease__take(tmp_root, ID_B, getpid(), 0, b, &y, stale, &e), 0);
	waitpid(pid, NULL, 0);
	assert_int_equal(net_lease__take(tmp_root, ID_C, getpid(), 0, b, &a, stale, &e), 0);
	assert_int_equal(a, x);
	assert_string_equal(stale, ID_A);
	err__clear(&e);
	assert_int_equal(net_lease__take(tmp_root, ID_D, getpid(), 0, b, &a, stale, &e),
			 -EADDRNOTAVAIL);
	assert_non_null(strstr(e.msg, "no free address"));
	assert_int_equal(net_lease__free(tmp_root, x, &e), 0);
	assert_int_equal(net_lease__free(tmp_root, y, &e), 0);
}

static void test_ip_str(void **state)
{
	char buf[16];

	(void)state;
	net__ip_str(NET_GATEWAY, buf);
	assert_string_equal(buf, "10.209.0.1");
	net__ip_str(NET_SUBNET_BASE | 0xfffe, buf);
	assert_string_equal(buf, "10.209.255.254");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_mode),
		cmocka_unit_test(test_parse_port_forms),
		cmocka_unit_test(test_parse_port_rejects),
		cmocka_unit_test(test_ip_str),
		cmocka_unit_test_setup_teardown(test_lease_alloc_free, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_lease_same_id_reused, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_lease_dead_holder, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_lease_skips_busy, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_lease_full_subnet, make_root, remove_root),
	};
	return cmocka_run_group_tests_name("net", tests, NULL, NULL);
}
