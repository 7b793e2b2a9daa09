/* net.c - container networking front: --network and -p parsing, and
 * set-up / teardown dispatched by mode (bridge mode lives in
 * net_bridge.c, its pieces in net_link.c, net_fw.c and net_lease.c). */
#include "container/net.h"
#include "container/net_int.h"

#include "common/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int net__parse_mode(const char *s, enum net_mode *mode, struct err *e)
{
	if (!strcmp(s, "none"))
		*mode = NET_NONE;
	else if (!strcmp(s, "host"))
		*mode = NET_HOST;
	else if (!strcmp(s, "bridge") || !strcmp(s, "default")) /* docker's alias */
		*mode = NET_BRIDGE;
	else
		return err__set(e, EINVAL, "invalid network mode '%s' (none, host or bridge)", s);
	return 0;
}

static int parse_port_num(const char *s, size_t len, uint16_t *out)
{
	char buf[8];
	uint64_t v;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (util__parse_uint(buf, 1, 65535, &v) < 0)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

/* Docker's forms: [IP:]HOSTPORT:CTRPORT[/PROTO]. The container port is
 * after the last colon, so an IPv4 address in front needs no brackets. */
int net__parse_port(const char *s, struct net_port *p, struct err *e)
{
	const char *slash = strchr(s, '/'), *end = slash ? slash : s + strlen(s);
	const char *c2 = memrchr(s, ':', (size_t)(end - s)), *c1;
	struct in_addr a;

	memset(p, 0, sizeof(*p));
	snprintf(p->proto, sizeof(p->proto), "tcp");
	if (slash) {
		if (strcmp(slash + 1, "tcp") && strcmp(slash + 1, "udp"))
			return err__set(e, EINVAL,
					"invalid port mapping '%s': protocol must be tcp or udp",
					s);
		snprintf(p->proto, sizeof(p->proto), "%s", slash + 1);
	}
	if (!c2)
		return err__set(e, EINVAL,
				"invalid port mapping '%s': want [IP:]HOST_PORT:CONTAINER_PORT", s);
	if (parse_port_num(c2 + 1, (size_t)(end - c2 - 1), &p->ctr_port) < 0)
		return err__set(e, EINVAL, "invalid port mapping '%s': bad container port", s);
	c1 = memrchr(s, ':', (size_t)(c2 - s));
	if (parse_port_num(c1 ? c1 + 1 : s, (size_t)(c2 - (c1 ? c1 + 1 : s)), &p->host_port) < 0)
		return err__set(e, EINVAL, "invalid port mapping '%s': bad host port", s);
	if (!c1)
		return 0;
	if ((size_t)(c1 - s) >= sizeof(p->host_ip))
		return err__set(e, EINVAL, "invalid port mapping '%s': bad host address", s);
	memcpy(p->host_ip, s, (size_t)(c1 - s));
	p->host_ip[c1 - s] = '\0';
	/* The firewall table is IPv4 only; 0.0.0.0 means every address. */
	if (inet_pton(AF_INET, p->host_ip, &a) != 1)
		return err__set(e, EINVAL, "invalid port mapping '%s': host address must be IPv4",
				s);
	if (a.s_addr == htonl(INADDR_ANY))
		p->host_ip[0] = '\0';
	return 0;
}

/* none: the new namespace starts with lo down; bring it up. */
static int net_none(pid_t pid, struct err *e)
{
	struct net_nsock ns;
	int r = net_link__open_ns(&ns, pid, e);

	if (r < 0)
		return r;
	r = net_link__lo_up(&ns, e);
	net_link__close_ns(&ns);
	return r;
}

int net__setup(const char *root, const char *id, pid_t pid, const struct net_spec *spec,
	       struct net_state *st, struct err *e)
{
	memset(st, 0, sizeof(*st));
	st->mode = spec->mode;
	switch (spec->mode) {
	case NET_HOST:
		if (spec->nports)
			return err__set(e, EINVAL, "network: -p needs bridge networking");
		return 0;
	case NET_NONE:
		if (spec->nports)
			return err__set(e, EINVAL, "network: -p needs bridge networking");
		return net_none(pid, e);
	case NET_BRIDGE:
		if (!root || !id || strlen(id) < 8)
			return err__set(e, EINVAL,
					"network: bridge mode needs a state root and an id");
		return net_bridge__setup(root, id, pid, spec, st, e);
	}
	return err__set(e, EINVAL, "network: unknown mode %d", (int)spec->mode);
}

int net__teardown(const char *root, const char *id, const struct net_state *st, struct err *e)
{
	/* st may be zeroed or stale after a crash, so it is not trusted: the
	 * bridge teardown finds what belongs to id by its lease, and costs a
	 * directory scan when there is none (none and host modes). */
	(void)st;
	if (!root || !id)
		return 0;
	return net_bridge__teardown(root, id, e);
}
