/* net_fw.c - NAT for bridge mode through libnftables, in a table of
 * vmkit's own (`table ip vmkit`) so the host's rules are never touched:
 * masquerade out of the subnet, and a DNAT per published port. A
 * container's rules carry its id as their comment, which is all teardown
 * needs to find them, even after a crash. */
#include "container/net_int.h"

#include <errno.h>
#include <jansson.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Declared once, when the table is missing (at first use after boot):
 * redeclaring an existing base chain is an update transaction, and any
 * transaction that replaces or deletes something makes the kernel wait
 * for an RCU grace period (10-15 ms here) when our socket closes. */
#define FW_VERSION "layout_2"
#define FW_POST    "add rule ip " NET_TABLE " postrouting "
#define FW_BR      "\"" NET_BRIDGE_NAME "\""

static const char fw_base[] =
	"add table ip " NET_TABLE "\n"
	"add chain ip " NET_TABLE " prerouting { type nat hook prerouting priority dstnat; }\n"
	"add chain ip " NET_TABLE " output { type nat hook output priority -100; }\n"
	"add chain ip " NET_TABLE " postrouting { type nat hook postrouting priority srcnat; }\n"
	"flush chain ip " NET_TABLE " postrouting\n"
	/* Containers reaching out: leave with the host's address. */
	FW_POST "ip saddr 10.209.0.0/16 ip daddr != 10.209.0.0/16 oifname != " FW_BR " masquerade\n"
	/* The host reaching a port published on 127.0.0.1: a loopback source
	 * cannot leave on the bridge (route_localnet lets it be routed) nor be
	 * answered from the container, so it takes the gateway's address. */
	FW_POST "oifname " FW_BR " ip saddr 127.0.0.0/8 masquerade\n"
	/* A container reaching another's port published on a host address:
	 * the reply would go straight back over the bridge, past the un-DNAT,
	 * unless the request seems to come from the gateway. */
	FW_POST "oifname " FW_BR " ip saddr 10.209.0.0/16 ct status dnat masquerade\n"
	/* Marks this layout: a table without it (an older vmkit's) is redone. */
	"add chain ip " NET_TABLE " " FW_VERSION "\n";

struct sbuf {
	char *p;
	size_t len, cap;
};

static int sbuf_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int sbuf_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -EINVAL;
		if ((size_t)n < b->cap - b->len)
			break;
		char *np = realloc(b->p, b->cap * 2 + (size_t)n);
		if (!np)
			return -ENOMEM;
		b->p = np;
		b->cap = b->cap * 2 + (size_t)n;
	}
	b->len += (size_t)n;
	return 0;
}

static struct nft_ctx *fw_ctx(unsigned flags, struct err *e)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);

	if (!nft) {
		err__set(e, ENOMEM, "nftables: cannot create a context");
		return NULL;
	}
	nft_ctx_output_set_flags(nft, flags);
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	return nft;
}

/* libnftables reports errors as text, several lines with carets: keep
 * the first line for a one-line message. */
static int fw_fail(struct err *e, struct nft_ctx *nft, const char *what)
{
	const char *msg = nft_ctx_get_error_buffer(nft);
	size_t n = msg ? strcspn(msg, "\n") : 0;

	return err__set(e, EIO, "nftables: %s: %.*s", what, (int)n, n ? msg : "failed");
}

static int fw_run(struct nft_ctx *nft, const char *cmds, const char *what, struct err *e)
{
	if (nft_run_cmd_from_buffer(nft, cmds) != 0)
		return fw_fail(e, nft, what);
	return 0;
}

/* One DNAT rule in one chain: "" host_ip means every local address. */
static int fw_dnat(struct sbuf *b, const char *chain, const char *id, const char *ip,
		   const struct net_port *p)
{
	char match[80];

	if (p->host_ip[0])
		snprintf(match, sizeof(match), "ip daddr %s", p->host_ip);
	else
		snprintf(match, sizeof(match), "fib daddr type local");
	return sbuf_add(
		b, "add rule ip " NET_TABLE " %s %s %s dport %u dnat to %s:%u comment \"%s\"\n",
		chain, match, p->proto, p->host_port, ip, p->ctr_port, id);
}

int net_fw__add(const char *id, uint32_t ip, const struct net_port *ports, int nports,
		struct err *e)
{
	struct sbuf b = { .p = malloc(1024), .cap = 1024 };
	struct nft_ctx *nft = fw_ctx(0, e);
	char ips[16];
	int i, r = 0;

	if (!b.p || !nft) {
		r = nft ? err__set(e, ENOMEM, "network: out of memory") : -ENOMEM;
		goto out;
	}
	if (nft_run_cmd_from_buffer(nft, "list chain ip " NET_TABLE " " FW_VERSION) != 0) {
		r = fw_run(nft, fw_base, "create table " NET_TABLE, e);
		if (r < 0)
			goto out;
	}
	net__ip_str(ip, ips);
	b.p[0] = '\0';
	for (i = 0; i < nports && r == 0; i++) {
		/* Arriving from elsewhere, and sent by the host itself. */
		r = fw_dnat(&b, "prerouting", id, ips, &ports[i]);
		if (r == 0)
			r = fw_dnat(&b, "output", id, ips, &ports[i]);
	}
	if (r < 0)
		r = err__set(e, -r, "network: out of memory");
	else if (b.len)
		r = fw_run(nft, b.p, "add rules", e);
out:
	if (nft)
		nft_ctx_free(nft);
	free(b.p);
	return r;
}

/* "delete rule" lines for every rule of the table commented with id. */
static int fw_collect(const char *json, const char *id, struct sbuf *b)
{
	json_t *root = json_loads(json, 0, NULL), *list, *it;
	size_t i;
	int r = 0;

	if (!root)
		return -EBADMSG;
	list = json_object_get(root, "nftables");
	json_array_foreach(list, i, it)
	{
		json_t *rule = json_object_get(it, "rule");
		const char *c = json_string_value(json_object_get(rule, "comment"));
		const char *chain = json_string_value(json_object_get(rule, "chain"));
		json_t *h = json_object_get(rule, "handle");

		if (!rule || !c || !chain || !json_is_integer(h) || strcmp(c, id))
			continue;
		r = sbuf_add(b, "delete rule ip " NET_TABLE " %s handle %lld\n", chain,
			     (long long)json_integer_value(h));
		if (r < 0)
			break;
	}
	json_decref(root);
	return r;
}

int net_fw__del(const char *id, struct err *e)
{
	struct nft_ctx *nft = fw_ctx(NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE, e);
	struct sbuf b = { .p = malloc(512), .cap = 512 };
	int r = 0;

	if (!nft || !b.p) {
		r = nft ? err__set(e, ENOMEM, "network: out of memory") : -ENOMEM;
		goto out;
	}
	b.p[0] = '\0';
	if (nft_run_cmd_from_buffer(nft, "list table ip " NET_TABLE) != 0) {
		const char *msg = nft_ctx_get_error_buffer(nft);

		/* No table: nothing of ours was ever added. */
		if (!msg || !strstr(msg, "No such file or directory"))
			r = fw_fail(e, nft, "list table " NET_TABLE);
		goto out;
	}
	r = fw_collect(nft_ctx_get_output_buffer(nft), id, &b);
	if (r < 0) {
		r = err__set(e, -r, "nftables: cannot read the " NET_TABLE " table");
		goto out;
	}
	if (b.len)
		r = fw_run(nft, b.p, "delete rules", e);
out:
	if (nft)
		nft_ctx_free(nft);
	free(b.p);
	return r;
}
