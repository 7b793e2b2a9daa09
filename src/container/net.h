/* net.h - container networking: "none" (a loopback-only network
 * namespace), "host" (the host's), and "bridge" (a veth pair from the
 * container's namespace to the vmkit0 bridge, an address from a small
 * allocator, NAT out and -p HOST:CTR published through the host firewall).
 * Everything set up is torn down when the container ends. */
#ifndef VMKIT_CONTAINER_NET_H
#define VMKIT_CONTAINER_NET_H

#include "common/err.h"

#include <stdint.h>
#include <sys/types.h>

enum net_mode { NET_NONE, NET_HOST, NET_BRIDGE };

struct net_port {
	uint16_t host_port, ctr_port;
	char proto[4];    /* "tcp" or "udp" */
	char host_ip[46]; /* "" for all addresses */
};

struct net_spec {
	enum net_mode mode;
	const struct net_port *ports;
	int nports;
};

/* What bridge mode set up, for teardown and inspect. */
struct net_state {
	enum net_mode mode;
	char ip[16]; /* "10.209.0.2" */
	char gateway[16];
	char host_veth[16]; /* "vk<id>" */
	int nports;
	struct net_port ports[16];
};

/* Parse a --network value and a -p value ("8080:80", "127.0.0.1:8080:80/udp"). */
int net__parse_mode(const char *s, enum net_mode *mode, struct err *e);
int net__parse_port(const char *s, struct net_port *p, struct err *e);

/* Called by the runtime with the container's first process stopped in its
 * new network namespace (pid), before it execs: configure the namespace's
 * side and the host's. root is the vmkit state directory (address leases
 * live there); id names the container. */
int net__setup(const char *root, const char *id, pid_t pid, const struct net_spec *spec,
	       struct net_state *st, struct err *e);
/* Undo net__setup; safe to call twice and after a crash (best effort,
 * reports the first failure). */
int net__teardown(const char *root, const char *id, const struct net_state *st, struct err *e);

#endif
