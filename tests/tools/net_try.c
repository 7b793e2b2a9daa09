/* net_try.c - drive container networking without the runtime: fork a
 * child into a new network namespace, net__setup it, run a command there
 * (with NET_IP and NET_GW in its environment), net__teardown, and check
 * that nothing of it is left: no host veth, no lease, no firewall rule.
 *
 *   net_try --root DIR [--id HEX64] [--network MODE] [-p SPEC]... [--repeat N] [CMD...]
 *   net_try --root DIR --id HEX64 --down
 *
 * Exit status: the command's, or 1 on a set-up/teardown failure or a
 * leftover. --repeat N times N set-up/teardown pairs (no command) and
 * prints their medians. --down only tears id down (as after a crash)
 * and checks for leftovers. */
#include "container/net.h"
#include "container/net_int.h"

#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct child {
	pid_t pid;
	int go; /* write end: the child waits for a line, then runs */
};

static void child_run(int ready, int go, char **cmd, int own_netns)
{
	char buf[64] = "";
	ssize_t n;

	if (own_netns && unshare(CLONE_NEWNET) < 0)
		_exit(120);
	if (write(ready, "r", 1) != 1)
		_exit(121);
	n = read(go, buf, sizeof(buf) - 1);
	if (n <= 0 || buf[0] == 'X')
		_exit(122);
	buf[n] = '\0';
	if (buf[0] == 'I') {
		char *gw = strchr(buf, ' ');
		if (gw) {
			*gw++ = '\0';
			setenv("NET_GW", gw, 1);
		}
		setenv("NET_IP", buf + 1, 1);
	}
	if (!cmd[0]) {
		pause(); /* killed by the parent */
		_exit(0);
	}
	execvp(cmd[0], cmd);
	_exit(127);
}

static int child_start(struct child *c, char **cmd, int own_netns)
{
	int ready[2], go[2];
	char b;

	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	c->pid = fork();
	if (c->pid < 0)
		return -errno;
	if (c->pid == 0) {
		close(ready[0]);
		close(go[1]);
		child_run(ready[1], go[0], cmd, own_netns);
	}
	close(ready[1]);
	close(go[0]);
	c->go = go[1];
	if (read(ready[0], &b, 1) != 1) {
		close(ready[0]);
		return -ECHILD;
	}
	close(ready[0]);
	return 0;
}

/* Every trace of id that teardown must remove. The host's veth goes
 * with the container's namespace, which the kernel frees asynchronously
 * once its last process is reaped: give it a moment. */
static int leftovers(const char *root, const char *id)
{
	struct net_lease l;
	struct nft_ctx *nft;
	char veth[16];
	int bad = 0, i;

	snprintf(veth, sizeof(veth), "vk%.8s", id);
	for (i = 0; i < 300 && if_nametoindex(veth); i++)
		usleep(10000);
	if (if_nametoindex(veth)) {
		fprintf(stderr, "net_try: leftover link %s\n", veth);
		bad = 1;
	}
	if (net_lease__find(root, id, &l) == 0) {
		fprintf(stderr, "net_try: leftover lease for %s\n", id);
		bad = 1;
	}
	nft = nft_ctx_new(NFT_CTX_DEFAULT);
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	if (nft_run_cmd_from_buffer(nft, "list table ip vmkit") == 0 &&
	    strstr(nft_ctx_get_output_buffer(nft), id)) {
		fprintf(stderr, "net_try: leftover rules for %s\n", id);
		bad = 1;
	}
	nft_ctx_free(nft);
	return bad;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* One set-up, command, teardown round. Returns the exit status. */
static int one_round(const char *root, const char *id, const struct net_spec *spec, char **cmd,
		     uint64_t *t_setup, uint64_t *t_down, int verbose)
{
	struct net_state st;
	struct child c = { .pid = -1, .go = -1 };
	struct err e = { 0 };
	char msg[64];
	uint64_t t0;
	int r, status = 0, rc = 0;

	if (child_start(&c, cmd, spec->mode != NET_HOST) < 0) {
		fprintf(stderr, "net_try: cannot start the child\n");
		return 1;
	}
	t0 = util__now_ns();
	r = net__setup(root, id, c.pid, spec, &st, &e);
	*t_setup = util__now_ns() - t0;
	if (r < 0) {
		fprintf(stderr, "net_try: setup: %s\n", e.msg);
		rc = 1;
		snprintf(msg, sizeof(msg), "X");
	} else {
		snprintf(msg, sizeof(msg), "I%s %s", st.ip, st.gateway);
		if (verbose) {
			/* Flushed: tests wait for this line to know set-up is done. */
			printf("ip=%s gateway=%s veth=%s\n", st.ip, st.gateway, st.host_veth);
			fflush(stdout);
		}
	}
	if (write(c.go, msg, strlen(msg)) < 0)
		rc = 1;
	close(c.go);
	if (!cmd[0] && r == 0)
		kill(c.pid, SIGKILL);
	waitpid(c.pid, &status, 0);
	if (rc == 0 && cmd[0])
		rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	t0 = util__now_ns();
	r = net__teardown(root, id, &st, &e);
	*t_down = util__now_ns() - t0;
	if (r < 0) {
		fprintf(stderr, "net_try: teardown: %s\n", e.msg);
		rc = rc ? rc : 1;
	}
	/* Twice: teardown must be idempotent. */
	if (net__teardown(root, id, &st, &e) < 0) {
		fprintf(stderr, "net_try: second teardown: %s\n", e.msg);
		rc = rc ? rc : 1;
	}
	if (leftovers(root, id))
		rc = rc ? rc : 1;
	return rc;
}

static void random_id(char id[65])
{
	unsigned char b[32];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC), i;

	if (fd < 0 || read(fd, b, sizeof(b)) != (ssize_t)sizeof(b))
		for (i = 0; i < 32; i++)
			b[i] = (unsigned char)(rand() ^ getpid());
	if (fd >= 0)
		close(fd);
	for (i = 0; i < 32; i++)
		snprintf(id + 2 * i, 3, "%02x", b[i]);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'R' },
		{ "id", required_argument, NULL, 'I' },
		{ "network", required_argument, NULL, 'n' },
		{ "repeat", required_argument, NULL, 'N' },
		{ "down", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	struct net_port ports[16];
	struct net_spec spec = { .mode = NET_BRIDGE, .ports = ports };
	const char *root = NULL;
	char id[65];
	struct err e = { 0 };
	uint64_t *ts, *td;
	int c, repeat = 0, down = 0, i, rc = 0;

	random_id(id);
	if (getenv("NET_TRY_DEBUG"))
		log__level = LOG_DEBUG;
	while ((c = getopt_long(argc, argv, "+p:", opts, NULL)) != -1) {
		switch (c) {
		case 'R':
			root = optarg;
			break;
		case 'I':
			snprintf(id, sizeof(id), "%s", optarg);
			break;
		case 'n':
			if (net__parse_mode(optarg, &spec.mode, &e) < 0)
				goto bad;
			break;
		case 'p':
			if (spec.nports == 16)
				goto bad;
			if (net__parse_port(optarg, &ports[spec.nports++], &e) < 0)
				goto bad;
			break;
		case 'N':
			repeat = atoi(optarg);
			break;
		case 'D':
			down = 1;
			break;
		default:
			goto bad;
		}
	}
	if (!root)
		goto bad;
	if (down) {
		if (net__teardown(root, id, NULL, &e) < 0) {
			fprintf(stderr, "net_try: teardown: %s\n", e.msg);
			return 1;
		}
		return leftovers(root, id);
	}
	if (!repeat) {
		uint64_t a, b;

		rc = one_round(root, id, &spec, argv + optind, &a, &b, 1);
		fprintf(stderr, "net_try: setup %.2f ms, teardown %.2f ms\n", a / 1e6, b / 1e6);
		return rc;
	}
	ts = calloc((size_t)repeat, sizeof(*ts));
	td = calloc((size_t)repeat, sizeof(*td));
	for (i = 0; i < repeat && rc == 0; i++)
		rc = one_round(root, id, &spec, (char *[]){ NULL }, &ts[i], &td[i], 0);
	qsort(ts, (size_t)i, sizeof(*ts), cmp_u64);
	qsort(td, (size_t)i, sizeof(*td), cmp_u64);
	printf("rounds=%d setup_median_ms=%.2f teardown_median_ms=%.2f setup_max_ms=%.2f\n", i,
	       ts[i / 2] / 1e6, td[i / 2] / 1e6, ts[i - 1] / 1e6);
	free(ts);
	free(td);
	return rc;
bad:
	fprintf(stderr,
		"net_try: %s\nusage: net_try --root DIR [--id HEX] [--network MODE] "
		"[-p SPEC]... [--repeat N] [--down] [CMD...]\n",
		e.msg[0] ? e.msg : "bad arguments");
	return 2;
}
