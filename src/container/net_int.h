/* net_int.h - the pieces of bridge networking, shared by net*.c only:
 * netlink (net_link.c), nftables (net_fw.c), address leases
 * (net_lease.c), and bridge mode tying them together (net_bridge.c). */
#ifndef VMKIT_CONTAINER_NET_INT_H
#define VMKIT_CONTAINER_NET_INT_H

#include "container/net.h"

#include <stdint.h>
#include <sys/types.h>

#define NET_BRIDGE_NAME "vmkit0"
/* 10.209.0.0/16: clear of docker (172.17), podman (10.88) and libvirt
 * (192.168.122); the gateway is .0.1 and containers get .0.2 upwards. */
#define NET_SUBNET_BASE 0x0ad10000u /* 10.209.0.0 */
#define NET_PREFIX      16
#define NET_GATEWAY     (NET_SUBNET_BASE | 1u)
#define NET_TABLE       "vmkit"

struct nl_sock;

/* A route netlink socket bound to a container's network namespace: the
 * socket keeps the namespace it was created in, so we enter it only for
 * the socket() call and work from the host afterwards. */
struct net_nsock {
	struct nl_sock *sk;
};

/* net_link.c */
int net_link__open(struct nl_sock **sk, struct err *e);
int net_link__open_ns(struct net_nsock *ns, pid_t pid, struct err *e);
void net_link__close_ns(struct net_nsock *ns);
int net_link__lo_up(struct net_nsock *ns, struct err *e);
int net_link__bridge_ensure(struct nl_sock *sk, struct err *e);
/* The host end is named host_name, enslaved to the bridge, up, and
 * carries "<address> <id>" as its alias (see net_link__busy). */
int net_link__veth_create(struct nl_sock *sk, const char *host_name, pid_t pid, uint32_t ip,
			  const char *id, struct err *e);
/* The id in a host veth's alias: 0, -ENODEV (no such link) or -ENOENT. */
int net_link__owner(struct nl_sock *sk, const char *name, char id[65]);
/* Mark in busy (a bitmap over the /16) the addresses of every vk* veth on
 * the host: containers of other state roots, which our leases miss. */
int net_link__busy(struct nl_sock *sk, uint8_t *busy, struct err *e);
int net_link__ctr_config(struct net_nsock *ns, uint32_t ip, struct err *e);
/* Delete a host link by name; a missing link is not an error. */
int net_link__del(struct nl_sock *sk, const char *name, struct err *e);
int net_link__exists(struct nl_sock *sk, const char *name);

/* net_fw.c */
int net_fw__add(const char *id, uint32_t ip, const struct net_port *ports, int nports,
		struct err *e);
int net_fw__del(const char *id, struct err *e);

/* net_lease.c: ROOT/net/<a.b.c.d> holds "<id> <pid> <starttime> <nports>":
 * the process that holds it (so a dead holder's lease can be reclaimed)
 * and whether it has firewall rules (so teardown can skip nftables). */
struct net_lease {
	char id[65];
	long pid;
	unsigned long long start;
	int nports;
	uint32_t ip;
};

#define NET_BUSY_BYTES     (65536 / 8)
#define NET_BUSY_SET(b, a) ((b)[((a)-NET_SUBNET_BASE) / 8] |= (uint8_t)(1u << ((a) % 8)))
#define NET_BUSY_HAS(b, a) ((b)[((a)-NET_SUBNET_BASE) / 8] & (1u << ((a) % 8)))

/* busy: NET_BUSY_BYTES, addresses known taken elsewhere (updated). */
int net_lease__take(const char *root, const char *id, pid_t pid, int nports, uint8_t *busy,
		    uint32_t *ip, char stale_id[65], struct err *e);
int net_lease__find(const char *root, const char *id, struct net_lease *l);
/* Whether the lease's process still runs (pid and start time match). */
int net_lease__live(const struct net_lease *l);
int net_lease__free(const char *root, uint32_t ip, struct err *e);

/* net_bridge.c */
int net_bridge__setup(const char *root, const char *id, pid_t pid, const struct net_spec *spec,
		      struct net_state *st, struct err *e);
int net_bridge__teardown(const char *root, const char *id, struct err *e);
void net_bridge__veth_name(const char *id, char name[16]);

void net__ip_str(uint32_t ip, char buf[16]);

#endif
