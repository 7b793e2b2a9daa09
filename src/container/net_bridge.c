/* net_bridge.c - bridge mode: an address lease, the vmkit0 bridge, a veth
 * pair into the container's namespace, and NAT rules; undone in reverse.
 * Set-up order (lease, link, rules) and teardown order (rules, link,
 * lease) keep one invariant for crash safety: while anything of a
 * container exists, so does its lease, which names it by id. */
#include "container/net_int.h"

#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <netlink/netlink.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

void net_bridge__veth_name(const char *id, char name[16])
{
	snprintf(name, 16, "vk%.8s", id);
}

/* Write "1" to a sysctl unless it already holds it. */
static int sysctl_on(const char *path, struct err *e)
{
	char cur[8] = "";
	int fd;

	if (util__read_line(path, cur, sizeof(cur)) == 0 && !strcmp(cur, "1"))
		return 0;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "1\n", 2) != 2) {
		int r = err__sys(e, errno, "network: set %s", path);
		if (fd >= 0)
			close(fd);
		return r;
	}
	close(fd);
	return 0;
}

static int host_side(struct nl_sock *sk, struct err *e)
{
	int r = net_link__bridge_ensure(sk, e);

	if (r == 0)
		r = sysctl_on("/proc/sys/net/ipv4/ip_forward", e);
	/* Lets DNAT'ed connections from 127.0.0.1 be routed to the bridge. */
	if (r == 0)
		r = sysctl_on("/proc/sys/net/ipv4/conf/" NET_BRIDGE_NAME "/route_localnet", e);
	return r;
}

/* Remove what a container of this id left: its rules (if it had any),
 * then its veth. A dead holder's veth is skipped: the kernel removes the
 * pair with the namespace, and deleting it ourselves costs 15-35 ms of
 * RCU grace periods on every container exit. */
static int clear_leftovers(struct nl_sock *sk, const char *id, int rules, int veth_too,
			   struct err *e)
{
	char veth[16], owner[65];
	int r = rules ? net_fw__del(id, e) : 0, r2;

	net_bridge__veth_name(id, veth);
	if (!sk || !veth_too)
		return r;
	/* Not a pair of another id that shares our first 8 hex digits. */
	r2 = net_link__owner(sk, veth, owner);
	if (r2 == -ENODEV || (r2 == 0 && strcmp(owner, id)))
		return r;
	if (r < 0) {
		net_link__del(sk, veth, NULL); /* the first failure is reported */
		return r;
	}
	return net_link__del(sk, veth, e);
}

/* A lock for every vmkit on the host, held from choosing an address to
 * the veth that publishes it: per-root leases alone would let two state
 * roots hand out the same address. -1 when /run/vmkit is out of reach:
 * the per-root lease lock still orders this root's containers. */
static int host_lock(void)
{
	int fd;

	if (mkdir("/run/vmkit", 0700) < 0 && errno != EEXIST)
		return -1;
	fd = open("/run/vmkit/net.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Under the host lock: an address, the bridge, and the veth pair. */
static int claim(const char *root, const char *id, pid_t pid, const struct net_spec *spec,
		 struct nl_sock *sk, uint32_t *ip, bool *leased, struct err *e)
{
	uint8_t *busy = calloc(1, NET_BUSY_BYTES);
	char stale[65], veth[16];
	int r;

	if (!busy)
		return err__set(e, ENOMEM, "network: out of memory");
	r = net_link__busy(sk, busy, e);
	if (r == 0)
		r = net_lease__take(root, id, pid, spec->nports, busy, ip, stale, e);
	free(busy);
	if (r < 0)
		return r;
	*leased = true;
	/* A crashed container's leftovers (ours, or the stale lease's). */
	if (stale[0] && (r = clear_leftovers(sk, stale, 1, 1, e)) < 0)
		return r;
	if ((r = host_side(sk, e)) < 0)
		return r;
	net_bridge__veth_name(id, veth);
	r = net_link__veth_create(sk, veth, pid, *ip, id, e);
	if (r == -EEXIST) {
		char owner[65];

		/* Our id's old pair, its namespace not yet freed (a quick
		 * restart): take it down now rather than wait. Another id
		 * sharing our first 8 hex digits keeps its own. */
		if (net_link__owner(sk, veth, owner) == 0 && strcmp(owner, id))
			return err__set(e, EEXIST, "network: %s belongs to container %.12s", veth,
					owner);
		r = net_link__del(sk, veth, e);
		if (r == 0)
			r = net_link__veth_create(sk, veth, pid, *ip, id, e);
	}
	return r;
}

/* The container's side, then its NAT rules. */
static int finish(const char *id, pid_t pid, uint32_t ip, const struct net_spec *spec,
		  struct err *e)
{
	struct net_nsock ns;
	uint64_t t0 = util__now_ns(), t1;
	int r;

	r = net_link__open_ns(&ns, pid, e);
	if (r < 0)
		return r;
	r = net_link__ctr_config(&ns, ip, e);
	net_link__close_ns(&ns);
	if (r < 0)
		return r;
	t1 = util__now_ns();
	r = net_fw__add(id, ip, spec->ports, spec->nports, e);
	log__debug("network: namespace %.2f ms, nftables %.2f ms", (t1 - t0) / 1e6,
		   (util__now_ns() - t1) / 1e6);
	return r;
}

int net_bridge__setup(const char *root, const char *id, pid_t pid, const struct net_spec *spec,
		      struct net_state *st, struct err *e)
{
	struct nl_sock *sk = NULL;
	bool leased = false;
	uint32_t ip = 0;
	uint64_t t0 = util__now_ns();
	int r, lock;

	if (spec->nports < 0 || spec->nports > (int)ARRAY_SIZE(st->ports))
		return err__set(e, EINVAL, "network: at most %d published ports",
				(int)ARRAY_SIZE(st->ports));
	r = net_link__open(&sk, e);
	if (r < 0)
		return r;
	lock = host_lock();
	r = claim(root, id, pid, spec, sk, &ip, &leased, e);
	if (lock >= 0)
		close(lock);
	log__debug("network: address and veth %.2f ms", (util__now_ns() - t0) / 1e6);
	if (r == 0)
		r = finish(id, pid, ip, spec, e);
	if (r < 0) {
		if (leased) {
			/* e keeps the failure; undoing is best effort. */
			clear_leftovers(sk, id, spec->nports, 1, NULL);
			net_lease__free(root, ip, NULL);
		}
		goto out;
	}
	net__ip_str(ip, st->ip);
	net__ip_str(NET_GATEWAY, st->gateway);
	net_bridge__veth_name(id, st->host_veth);
	st->nports = spec->nports;
	if (spec->nports)
		memcpy(st->ports, spec->ports, (size_t)spec->nports * sizeof(st->ports[0]));
out:
	nl_socket_free(sk);
	return r;
}

int net_bridge__teardown(const char *root, const char *id, struct err *e)
{
	struct nl_sock *sk = NULL;
	struct net_lease l;
	int r;

	/* No lease, nothing else: see the invariant above. */
	if (net_lease__find(root, id, &l) < 0)
		return 0;
	r = net_link__open(&sk, e);
	if (r == 0)
		r = clear_leftovers(sk, id, l.nports, net_lease__live(&l), e);
	/* Keep the lease while anything may remain, so a retry finds it. */
	if (r == 0)
		r = net_lease__free(root, l.ip, e);
	if (sk)
		nl_socket_free(sk);
	return r;
}
