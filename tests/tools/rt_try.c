/* rt_try.c - drive the container runtime directly (rt__spawn, wait,
 * rt__cleanup), for tests and for timing it without the CLI or monitor.
 *
 *   rt_try -s STATE -l LAYER [-l LAYER]... [options] -- CMD [ARG]...
 *     -s DIR     state directory (upper, work, rootfs, etc made in it)
 *     -l DIR     a lower layer, bottom first (repeat)
 *     -u USER    -w DIR   -h HOSTNAME   -e K=V (repeat)
 *     -v SRC:DST[:ro]     a bind (repeat)
 *     -n MODE    none (default), host or bridge
 *     -m BYTES   memory limit      -p N   pids limit
 *     -U         user namespace    -P     privileged
 *     -t         a pty the runtime opens in the container; its output
 *                is copied to stdout (CR LF as the pty makes it)
 *     -y         the same with a pty opened here, as the monitor does
 *     -T         print how long rt__spawn took on stderr
 *     -E CMD     once it runs, `sh -c CMD` in it through rt__exec; then
 *                kill the first process and exit with CMD's status
 * Exits with the container's status (128+signal when killed), or 127 /
 * 126 / 1 when it could not start, printing "rt_try: <error>". */
#include "common/util.h"
#include "container/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ITEMS 64

static int status_of(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int fail_status(int r)
{
	return r == -ENOENT ? RT_EXIT_NOT_FOUND : r == -EACCES ? RT_EXIT_CANNOT_EXEC : 1;
}

static int parse_bind(char *arg, struct rt_bind *b)
{
	char *c1 = strchr(arg, ':'), *c2;

	if (!c1)
		return -1;
	*c1 = '\0';
	c2 = strchr(c1 + 1, ':');
	b->src = arg;
	b->dst = c1 + 1;
	b->ro = false;
	if (c2) {
		*c2 = '\0';
		if (strcmp(c2 + 1, "ro") && strcmp(c2 + 1, "rw"))
			return -1;
		b->ro = !strcmp(c2 + 1, "ro");
	}
	return 0;
}

static int run_exec(const struct rt_spec *s, pid_t target, const char *cmd)
{
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };
	struct rt_exec x = {
		.target = target,
		.id = s->id,
		.argv = argv,
		.env = s->env,
		.user = s->user,
		.cwd = s->cwd,
		.stdio = { 0, 1, 2 },
		.root = s->root,
	};
	struct err e = { 0 };
	pid_t pid;
	int st, r;

	r = rt__exec(&x, &pid, &e);
	if (r < 0) {
		fprintf(stderr, "rt_try: exec: %s\n", e.msg);
		return fail_status(r);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 1;
	return status_of(st);
}

static int open_pty(int *slave)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 ||
	    (*slave = open(ptsname(m), O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return -1;
	return m;
}

/* Until every slave is closed (read then fails with EIO). */
static void copy_out(int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && write(1, buf, (size_t)n) != n)
			break;
}

int main(int argc, char **argv)
{
	static char upper[4096], work[4096], rootfs[4096], etc[4096], id[65];
	const char *layers[MAX_ITEMS], *state = NULL, *exec_cmd = NULL;
	char *env[MAX_ITEMS + 1] = { 0 };
	struct rt_bind binds[MAX_ITEMS];
	struct rt_spec s = { .stdio = { 0, 1, 2 } };
	struct rt_proc p;
	struct err e = { 0 };
	int nenv = 0, opt, r, st, code = 0, master = -1, slave = -1;
	bool timing = false;
	uint64_t t0, t1;

	while ((opt = getopt(argc, argv, "+s:l:u:w:h:e:v:n:m:p:UPTtyE:")) != -1) {
		switch (opt) {
		case 's':
			state = optarg;
			break;
		case 'l':
			if (s.nlayers == MAX_ITEMS) {
				fprintf(stderr, "rt_try: too many layers\n");
				return 2;
			}
			layers[s.nlayers++] = optarg;
			break;
		case 'u':
			s.user = optarg;
			break;
		case 'w':
			s.cwd = optarg;
			break;
		case 'h':
			s.hostname = optarg;
			break;
		case 'e':
			if (nenv < MAX_ITEMS)
				env[nenv++] = optarg;
			break;
		case 'v':
			if (s.nbinds == MAX_ITEMS || parse_bind(optarg, &binds[s.nbinds++]) < 0) {
				fprintf(stderr, "rt_try: bad -v\n");
				return 2;
			}
			break;
		case 'n':
			if (net__parse_mode(optarg, &s.net.mode, &e) < 0) {
				fprintf(stderr, "rt_try: %s\n", e.msg);
				return 2;
			}
			break;
		case 'm':
			if (util__parse_size(optarg, &s.limits.memory) < 0)
				return 2;
			break;
		case 'p':
			if (util__parse_uint(optarg, 1, 1 << 22, &s.limits.pids) < 0)
				return 2;
			break;
		case 'U':
			s.userns = true;
			break;
		case 'P':
			s.privileged = true;
			break;
		case 'T':
			timing = true;
			break;
		case 't':
			s.tty = true;
			s.stdio[0] = s.stdio[1] = s.stdio[2] = -1;
			break;
		case 'y':
			if ((master = open_pty(&slave)) < 0) {
				perror("rt_try: pty");
				return 1;
			}
			s.tty = true;
			s.stdio[0] = s.stdio[1] = s.stdio[2] = slave;
			break;
		case 'E':
			exec_cmd = optarg;
			break;
		default:
			return 2;
		}
	}
	if (!state || !s.nlayers || optind >= argc) {
		fprintf(stderr, "usage: rt_try -s STATE -l LAYER... [options] -- CMD [ARG]...\n");
		return 2;
	}
	snprintf(upper, sizeof(upper), "%s/upper", state);
	snprintf(work, sizeof(work), "%s/work", state);
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", state);
	snprintf(etc, sizeof(etc), "%s/etc", state);
	mkdir(state, 0700);
	mkdir(upper, 0755);
	mkdir(work, 0700);
	mkdir(rootfs, 0755);
	/* A distinct id per run, so parallel runs get distinct cgroups; its
	 * first 12 digits (the default hostname) differ too. */
	snprintf(id, sizeof(id), "%016llx%016llx%016llx%016llx",
		 (unsigned long long)util__now_ns() * 0x9e3779b97f4a7c15ULL,
		 (unsigned long long)getpid(), (unsigned long long)time(NULL), 0xb1b1b1b1ULL);
	s.id = id;
	s.root = state;
	s.layers = layers;
	s.upper = upper;
	s.work = work;
	s.rootfs = rootfs;
	s.etc_dir = etc;
	s.argv = argv + optind;
	s.env = env;
	s.binds = binds;

	t0 = util__now_ns();
	r = rt__spawn(&s, &p, &e);
	t1 = util__now_ns();
	if (timing)
		fprintf(stderr, "rt__spawn: %.3f ms\n", (double)(t1 - t0) / 1e6);
	if (r < 0) {
		fprintf(stderr, "rt_try: %s\n", e.msg);
		return fail_status(r);
	}
	if (slave >= 0)
		close(slave);
	if (p.console >= 0 || master >= 0) {
		copy_out(p.console >= 0 ? p.console : master);
		close(p.console >= 0 ? p.console : master);
	}
	if (exec_cmd) {
		code = run_exec(&s, p.pid, exec_cmd);
		kill(p.pid, SIGKILL);
	}
	while (waitpid(p.pid, &st, 0) < 0)
		if (errno != EINTR) {
			perror("rt_try: waitpid");
			return 1;
		}
	if (!exec_cmd)
		code = status_of(st);
	if (rt__cleanup(&s, &p, &e) < 0) {
		fprintf(stderr, "rt_try: cleanup: %s\n", e.msg);
		return 1;
	}
	return code;
}
