/* net_link.c - links, addresses and routes over route netlink (libnl):
 * the vmkit0 bridge, a container's veth pair, and its namespace's side. */
#include "container/net_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* libnl speaks its own error codes; map the ones callers act on back to
 * errno, keeping libnl's text in the message. */
static int nl_errno(int r)
{
	switch (-r) {
	case NLE_EXIST:
		return EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return ENODEV;
	case NLE_PERM:
		return EPERM;
	case NLE_NOMEM:
		return ENOMEM;
	case NLE_INVAL:
		return EINVAL;
	case NLE_BUSY:
		return EBUSY;
	default:
		return EIO;
	}
}

static int nl_fail(struct err *e, int r, const char *what)
{
	return err__set(e, nl_errno(r), "%s: %s", what, nl_geterror(r));
}

int net_link__open(struct nl_sock **sk, struct err *e)
{
	int r;

	*sk = nl_socket_alloc();
	if (!*sk)
		return err__set(e, ENOMEM, "netlink: out of memory");
	r = nl_connect(*sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(*sk);
		*sk = NULL;
		return nl_fail(e, r, "netlink: connect");
	}
	return 0;
}

int net_link__open_ns(struct net_nsock *ns, pid_t pid, struct err *e)
{
	char path[64];
	int self, target, r;

	ns->sk = NULL;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return err__sys(e, errno, "network: open %s", path);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		r = err__sys(e, errno, "network: open own namespace");
		close(target);
		return r;
	}
	/* setns only moves this thread, and only for the socket() call. */
	if (setns(target, CLONE_NEWNET) < 0) {
		r = err__sys(e, errno, "network: enter the container's namespace");
	} else {
		r = net_link__open(&ns->sk, e);
		if (setns(self, CLONE_NEWNET) < 0 && r == 0) {
			/* Stuck in the container's namespace: nothing after this is safe. */
			r = err__sys(e, errno, "network: return to the host namespace");
			nl_socket_free(ns->sk);
			ns->sk = NULL;
		}
	}
	close(self);
	close(target);
	return r;
}

void net_link__close_ns(struct net_nsock *ns)
{
	if (ns->sk)
		nl_socket_free(ns->sk);
	ns->sk = NULL;
}

static int link_get(struct nl_sock *sk, const char *name, struct rtnl_link **l)
{
	return rtnl_link_get_kernel(sk, 0, name, l);
}

int net_link__exists(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *l = NULL;
	int r = link_get(sk, name, &l);

	if (l)
		rtnl_link_put(l);
	return r == 0;
}

static int link_up(struct nl_sock *sk, const char *name, int *ifindex, struct err *e)
{
	struct rtnl_link *l = NULL, *chg;
	int r = link_get(sk, name, &l);

	if (r < 0)
		return nl_fail(e, r, name);
	if (ifindex)
		*ifindex = rtnl_link_get_ifindex(l);
	if (rtnl_link_get_flags(l) & IFF_UP) {
		rtnl_link_put(l);
		return 0;
	}
	chg = rtnl_link_alloc();
	if (!chg) {
		rtnl_link_put(l);
		return err__set(e, ENOMEM, "netlink: out of memory");
	}
	rtnl_link_set_flags(chg, IFF_UP);
	r = rtnl_link_change(sk, l, chg, 0);
	rtnl_link_put(chg);
	rtnl_link_put(l);
	return r < 0 ? nl_fail(e, r, name) : 0;
}

int net_link__lo_up(struct net_nsock *ns, struct err *e)
{
	return link_up(ns->sk, "lo", NULL, e);
}

static int addr_add(struct nl_sock *sk, int ifindex, uint32_t ip, struct err *e)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local;
	uint32_t be = htonl(ip);
	int r;

	if (!a)
		return err__set(e, ENOMEM, "netlink: out of memory");
	local = nl_addr_build(AF_INET, &be, sizeof(be));
	if (!local) {
		rtnl_addr_put(a);
		return err__set(e, ENOMEM, "netlink: out of memory");
	}
	nl_addr_set_prefixlen(local, NET_PREFIX);
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_local(a, local);
	r = rtnl_addr_add(sk, a, 0);
	nl_addr_put(local);
	rtnl_addr_put(a);
	/* A racing vmkit may have added the bridge's address first. */
	if (r < 0 && r != -NLE_EXIST)
		return nl_fail(e, r, "network: add address");
	return 0;
}

static int bridge_create(struct nl_sock *sk, struct err *e)
{
	struct rtnl_link *l = rtnl_link_bridge_alloc();
	int r;

	if (!l)
		return err__set(e, ENOMEM, "netlink: out of memory");
	rtnl_link_set_name(l, NET_BRIDGE_NAME);
	r = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(l);
	if (r < 0 && r != -NLE_EXIST)
		return nl_fail(e, r, "network: create bridge " NET_BRIDGE_NAME);
	return 0;
}

/* The bridge is created on first use and kept, as docker0 is: creating
 * it costs more than a container start should, and others may route to it. */
int net_link__bridge_ensure(struct nl_sock *sk, struct err *e)
{
	int ifindex, r;

	if (!net_link__exists(sk, NET_BRIDGE_NAME)) {
		r = bridge_create(sk, e);
		if (r < 0)
			return r;
	}
	r = link_up(sk, NET_BRIDGE_NAME, &ifindex, e);
	if (r < 0)
		return r;
	return addr_add(sk, ifindex, NET_GATEWAY, e);
}

/* Record the container's address on the host end, where every vmkit
 * (whatever its state root) sees it. Creation ignores IFLA_IFALIAS, so
 * this is a change of its own. */
static int veth_alias(struct nl_sock *sk, const char *host_name, uint32_t ip, const char *id,
		      struct err *e)
{
	struct rtnl_link *l = NULL, *chg;
	char alias[96], ips[16];
	int r = link_get(sk, host_name, &l);

	if (r < 0)
		return nl_fail(e, r, host_name);
	chg = rtnl_link_alloc();
	if (!chg) {
		rtnl_link_put(l);
		return err__set(e, ENOMEM, "netlink: out of memory");
	}
	net__ip_str(ip, ips);
	snprintf(alias, sizeof(alias), "%s %s", ips, id);
	rtnl_link_set_ifalias(chg, alias);
	r = rtnl_link_change(sk, l, chg, 0);
	rtnl_link_put(chg);
	rtnl_link_put(l);
	return r < 0 ? nl_fail(e, r, "network: set veth alias") : 0;
}

/* One request creates both ends: the host's, up and enslaved to the
 * bridge, and the peer, named eth0, directly in the container's namespace
 * (no rename, no window with a stray eth0 on the host). */
int net_link__veth_create(struct nl_sock *sk, const char *host_name, pid_t pid, uint32_t ip,
			  const char *id, struct err *e)
{
	struct rtnl_link *l, *peer;
	int br, r;

	br = (int)if_nametoindex(NET_BRIDGE_NAME);
	if (!br)
		return err__sys(e, errno, "network: bridge " NET_BRIDGE_NAME);
	l = rtnl_link_veth_alloc();
	if (!l)
		return err__set(e, ENOMEM, "netlink: out of memory");
	peer = rtnl_link_veth_get_peer(l);
	rtnl_link_set_name(l, host_name);
	rtnl_link_set_master(l, br);
	rtnl_link_set_flags(l, IFF_UP);
	rtnl_link_set_name(peer, "eth0");
	rtnl_link_set_ns_pid(peer, pid);
	r = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(peer);
	rtnl_link_veth_release(l);
	if (r < 0)
		return nl_fail(e, r, "network: create veth pair");
	return veth_alias(sk, host_name, ip, id, e);
}

/* The "<address> <id>" alias of a vk* link, or false. */
static bool vk_alias(struct rtnl_link *l, uint32_t *ip, char id[65])
{
	const char *name = rtnl_link_get_name(l), *alias = rtnl_link_get_ifalias(l);
	char ips[16];
	struct in_addr a;

	if (!name || strncmp(name, "vk", 2) || !alias || sscanf(alias, "%15s %64s", ips, id) != 2 ||
	    inet_pton(AF_INET, ips, &a) != 1)
		return false;
	*ip = ntohl(a.s_addr);
	return true;
}

int net_link__busy(struct nl_sock *sk, uint8_t *busy, struct err *e)
{
	struct nl_cache *cache;
	struct nl_object *o;
	int r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache);

	if (r < 0)
		return nl_fail(e, r, "network: list links");
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		char id[65];
		uint32_t ip;

		if (vk_alias((struct rtnl_link *)o, &ip, id) &&
		    (ip & 0xffff0000u) == NET_SUBNET_BASE)
			NET_BUSY_SET(busy, ip);
	}
	nl_cache_free(cache);
	return 0;
}

int net_link__owner(struct nl_sock *sk, const char *name, char id[65])
{
	struct rtnl_link *l = NULL;
	uint32_t ip;
	int r = link_get(sk, name, &l), ok;

	id[0] = '\0';
	if (r < 0)
		return -ENODEV;
	ok = vk_alias(l, &ip, id);
	rtnl_link_put(l);
	return ok ? 0 : -ENOENT;
}

static int route_default(struct nl_sock *sk, int ifindex, struct err *e)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	uint32_t any = 0, gw = htonl(NET_GATEWAY);
	struct nl_addr *dst = nl_addr_build(AF_INET, &any, 4);
	struct nl_addr *via = nl_addr_build(AF_INET, &gw, 4);
	int r;

	if (!rt || !nh || !dst || !via) {
		r = err__set(e, ENOMEM, "netlink: out of memory");
		goto out;
	}
	nl_addr_set_prefixlen(dst, 0);
	rtnl_route_set_family(rt, AF_INET);
	rtnl_route_set_dst(rt, dst);
	rtnl_route_nh_set_gateway(nh, via);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_add_nexthop(rt, nh);
	nh = NULL; /* owned by the route now */
	r = rtnl_route_add(sk, rt, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0)
		r = nl_fail(e, r, "network: add default route");
out:
	if (nh)
		rtnl_route_nh_free(nh);
	if (dst)
		nl_addr_put(dst);
	if (via)
		nl_addr_put(via);
	if (rt)
		rtnl_route_put(rt);
	return r;
}

int net_link__ctr_config(struct net_nsock *ns, uint32_t ip, struct err *e)
{
	int ifindex, r;

	r = net_link__lo_up(ns, e);
	if (r == 0)
		r = link_up(ns->sk, "eth0", &ifindex, e);
	if (r == 0)
		r = addr_add(ns->sk, ifindex, ip, e);
	if (r == 0)
		r = route_default(ns->sk, ifindex, e);
	return r;
}

int net_link__del(struct nl_sock *sk, const char *name, struct err *e)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int r;

	if (!l)
		return err__set(e, ENOMEM, "netlink: out of memory");
	rtnl_link_set_name(l, name);
	r = rtnl_link_delete(sk, l);
	rtnl_link_put(l);
	if (r < 0 && r != -NLE_NODEV && r != -NLE_OBJ_NOTFOUND)
		return nl_fail(e, r, name);
	return 0;
}
