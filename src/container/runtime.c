/* runtime.c - one container process (see runtime.h): clone into new
 * namespaces, set up cgroups and network from outside while the child
 * builds its filesystem, then user, security and execve.
 *
 * Parent and child talk over one SOCK_SEQPACKET pair. The parent sends one
 * byte, "go", once the cgroups, the network and etc_dir are ready; the
 * child answers only on failure (a struct err, naming the step), and its
 * end is close-on-exec, so end-of-file means the command is running. The
 * child mounts its filesystem while the parent works (the two overlap on
 * two cores); only what needs the cgroups or etc_dir waits for "go". */
#include "container/runtime.h"

#include "common/util.h"
#include "container/rt_internal.h"
#include "container/sec.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define RT_MOUNTINFO_MAX (1 << 20)
#define RT_DEFAULT_PATH  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ---- the child's side ---------------------------------------------------- */

/* ENOENT and EACCES mean "no such command" and "cannot execute it" to the
 * caller (status 127 and 126); a step before exec failing with either (an
 * unknown user, a missing bind source) must not look like that. */
static int not_exec(struct err *e)
{
	if (e->code == ENOENT || e->code == EACCES)
		e->code = EINVAL;
	return -e->code;
}

static void __attribute__((noreturn)) child_fail(int sock, struct err *e)
{
	send(sock, e, sizeof(*e), MSG_NOSIGNAL);
	_exit(RT_EXIT_CANNOT_EXEC);
}

static void __attribute__((noreturn)) step_fail(int sock, struct err *e)
{
	not_exec(e);
	child_fail(sock, e);
}

/* Block until the parent says "go"; end-of-file means it gave up or died. */
static void wait_go(int sock)
{
	char c;
	ssize_t n;

	do
		n = recv(sock, &c, 1, 0);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(RT_EXIT_CANNOT_EXEC);
}

/* The fds given as stdio become 0, 1, 2 (moved above 2 first, so one
 * given as 1 is not closed by dup2 onto 1 before it is used for 2). */
static int setup_stdio(const int stdio[3], bool tty, struct err *e)
{
	int fds[3];

	for (int i = 0; i < 3; i++) {
		fds[i] = stdio[i] >= 0 ? fcntl(stdio[i], F_DUPFD_CLOEXEC, 3)
				       : open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fds[i] < 0)
			return err__sys(e, errno, "stdio %d", i);
	}
	for (int i = 0; i < 3; i++) {
		if (dup2(fds[i], i) < 0)
			return err__sys(e, errno, "stdio %d", i);
		close(fds[i]);
	}
	if (setsid() < 0)
		return err__sys(e, errno, "setsid");
	if (tty && ioctl(0, TIOCSCTTY, 0) < 0)
		return err__sys(e, errno, "make the pty the controlling terminal");
	/* Nothing of the caller's leaks into the container. */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return err__sys(e, errno, "close_range");
	return 0;
}

/* The kernel clears the parent-death signal on every change of uid or gid
 * (becoming root of a user namespace, or -u 1000 in sec__enter, which sets
 * it again). A parent that died before it was set again sent nothing, so
 * look: the parent holds its end of sock until the command runs, and a
 * hang-up means it is gone (getppid() cannot tell: the parent is outside
 * the pid namespace, 0 before and after). Only where the signal is armed:
 * `exec`'s process never had it. */
static void parent_check(int sock)
{
	struct pollfd pfd = { .fd = sock, .events = POLLRDHUP };
	int sig = 0;

	if (prctl(PR_GET_PDEATHSIG, &sig) < 0 || !sig)
		return;
	if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLRDHUP)))
		_exit(RT_EXIT_CANNOT_EXEC);
}

/* Shared by the container's init and `exec`: who, where, and then exec. */
static int become(char *const *argv, char **env, int home_slot, char *home, size_t home_size,
		  const char *user, const char *cwd, bool privileged,
		  const struct sec_filter *filter, const int stdio[3], bool tty, int sock,
		  struct err *e)
{
	struct rt_user u;
	struct sec_spec sec;
	char file[4096];
	int r;

	if ((r = rt__user_resolve(user, &u, e)) < 0)
		return not_exec(e);
	if (home_slot >= 0) {
		snprintf(home, home_size, "HOME=%s", u.home);
		env[home_slot] = home;
	}
	if (!cwd || !*cwd)
		cwd = "/";
	if ((r = util__mkdir_p(cwd, 0755)) < 0 || (r = chdir(cwd) < 0 ? -errno : 0) < 0) {
		err__sys(e, -r, "working directory %s", cwd);
		return not_exec(e);
	}
	if ((r = rt__lookup(argv[0], rt__env_get(env, "PATH"), file, sizeof(file), e)) < 0)
		return r;
	if ((r = setup_stdio(stdio, tty, e)) < 0)
		return not_exec(e);
	umask(022);
	if ((r = sec__rlimits(e)) < 0) {
		err__wrap(e, "rlimits");
		return not_exec(e);
	}
	sec = (struct sec_spec){
		.uid = u.uid,
		.gid = u.gid,
		.groups = u.groups,
		.ngroups = u.ngroups,
		.caps = SEC_DEFAULT_CAPS,
		.privileged = privileged,
		.filter = filter,
	};
	if ((r = sec__enter(&sec, e)) < 0)
		return not_exec(e);
	parent_check(sock);
	execve(file, argv, env);
	r = errno;
	if (r == EACCES)
		return err__set(e, EACCES, "exec: \"%s\": permission denied", argv[0]);
	/* ENOENT here: the file is there but its interpreter is not. */
	return err__sys(e, r, "exec: \"%s\"", argv[0]);
}

/* One byte carrying fd (SCM_RIGHTS). */
static int send_fd(int sock, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	char c = 'f';
	struct iovec iov = { &c, 1 };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* The fd of such a message, or -1. */
static int recv_fd(int sock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	char c;
	struct iovec iov = { &c, 1 };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm;
	ssize_t n;
	int fd;

	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	cm = n == 1 ? CMSG_FIRSTHDR(&mh) : NULL;
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	return fd;
}

/* As runc's console: a pty from the container's own devpts, its slave
 * bound on /dev/console and made stdio, its master passed to the parent. */
static int open_console(int sock, int stdio[3], struct err *e)
{
	char path[32];
	int master, slave, fd, n, unlock = 0;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return err__sys(e, errno, "console: open /dev/ptmx");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0 ||
	    (slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		close(master);
		return err__sys(e, errno, "console: open the pty");
	}
	snprintf(path, sizeof(path), "/dev/pts/%d", n);
	fd = open("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd >= 0)
		close(fd);
	if (fd < 0 || mount(path, "/dev/console", NULL, MS_BIND, NULL) < 0) {
		close(master);
		close(slave);
		return err__sys(e, errno, "console: bind %s on /dev/console", path);
	}
	n = send_fd(sock, master);
	close(master);
	if (n < 0) {
		close(slave);
		return err__sys(e, errno, "console: pass the pty");
	}
	stdio[0] = stdio[1] = stdio[2] = slave;
	return 0;
}

/* Root of the user namespace (host ids: the start of its range), keeping
 * the namespace's capabilities: uid 0 before and after. The new ids clear
 * the parent-death signal: set again, and the parent checked. */
static int become_ns_root(int sock, struct err *e)
{
	if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return err__sys(e, errno, "user namespace: become its root");
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return err__sys(e, errno, "user namespace: prctl(PR_SET_PDEATHSIG)");
	parent_check(sock);
	return 0;
}

static void __attribute__((noreturn)) child_main(struct rt_plan *pl, int sock)
{
	const struct rt_spec *s = pl->s;
	struct err e = { 0 };
	int rootfd = -1, stdio[3];

	/* If the parent dies before "go", recv sees end-of-file; after it,
	 * the kernel delivers this (set again after each change of ids). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	umask(0);
	pl->overlay_fd = -1;
	if (s->userns && (pl->overlay_fd = recv_fd(sock)) < 0)
		_exit(RT_EXIT_CANNOT_EXEC); /* the parent gave up, and says why */
	if (s->userns && (rt__mount_preopen(pl, &e) < 0 || become_ns_root(sock, &e) < 0))
		step_fail(sock, &e);
	if (rt__mount_stage1(pl, &rootfd, &e) < 0)
		step_fail(sock, &e);
	if (pl->overlay_fd >= 0)
		close(pl->overlay_fd);
	wait_go(sock);
	/* After the parent's cg__attach: the namespace's root is then the
	 * container's own cgroup. */
	if (unshare(CLONE_NEWCGROUP) < 0) {
		err__sys(&e, errno, "unshare the cgroup namespace");
		child_fail(sock, &e);
	}
	if (rt__mount_stage2(pl, rootfd, &e) < 0 || rt__pivot(rootfd, &e) < 0)
		step_fail(sock, &e);
	close(rootfd);
	memcpy(stdio, s->stdio, sizeof(stdio));
	if (s->tty && stdio[0] < 0 && open_console(sock, stdio, &e) < 0)
		step_fail(sock, &e);
	if (sethostname(pl->hostname, strlen(pl->hostname)) < 0) {
		err__sys(&e, errno, "sethostname");
		child_fail(sock, &e);
	}
	become(s->argv, pl->env, pl->env_home, pl->home, sizeof(pl->home), s->user, s->cwd,
	       s->privileged, pl->filter, stdio, s->tty, sock, &e);
	child_fail(sock, &e);
}

/* ---- the parent's side --------------------------------------------------- */

/* Environment: the spec's, plus PATH and HOSTNAME when missing, plus a slot
 * for HOME that the child fills from /etc/passwd when the spec has none. */
static int build_env(char *const *in, const char *hostname, char ***out, int *home_slot,
		     char **hostvar)
{
	int n = 0, k = 0;
	char **env;

	while (in && in[n])
		n++;
	env = calloc((size_t)n + 4, sizeof(*env));
	if (!env)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		env[k++] = in[i];
	if (!rt__env_get(in, "PATH"))
		env[k++] = (char *)RT_DEFAULT_PATH;
	*hostvar = NULL;
	if (!rt__env_get(in, "HOSTNAME") && hostname) {
		if (asprintf(hostvar, "HOSTNAME=%s", hostname) < 0) {
			free(env);
			return -ENOMEM;
		}
		env[k++] = *hostvar;
	}
	*home_slot = rt__env_get(in, "HOME") ? -1 : k;
	*out = env;
	return 0;
}

static int write_file(const char *dir, const char *name, const char *text, struct err *e)
{
	char path[4096];
	size_t len = strlen(text);
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return err__sys(e, errno, "write %s", path);
	n = write(fd, text, len);
	if (n != (ssize_t)len) {
		int r = err__sys(e, n < 0 ? errno : EIO, "write %s", path);

		close(fd);
		return r;
	}
	close(fd);
	return 0;
}

/* resolv.conf as Docker writes it: the host's, but for a bridged container
 * a nameserver on the host's loopback cannot be reached, so those go (and
 * Google's public servers stand in when none is left). host: its text. */
void rt__resolv_conf(const char *host, enum net_mode mode, char *out, size_t size)
{
	size_t n = 0;
	bool any = false;

	out[0] = '\0';
	for (const char *l = host; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		bool ns = !strncmp(l, "nameserver", 10) && len > 10 &&
			  (l[10] == ' ' || l[10] == '\t');
		const char *addr = l + 10;

		while (ns && (*addr == ' ' || *addr == '\t'))
			addr++;
		if (!(ns && mode == NET_BRIDGE &&
		      (!strncmp(addr, "127.", 4) || !strncmp(addr, "::1", 3)))) {
			any |= ns;
			if (n + len + 2 < size)
				n += (size_t)snprintf(out + n, size - n, "%.*s\n", (int)len, l);
		}
		l = nl ? nl + 1 : NULL;
	}
	if (!any && mode == NET_BRIDGE)
		snprintf(out + n, size - n, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
}

static int write_etc(const struct rt_spec *s, const struct rt_plan *pl, const struct rt_proc *p,
		     struct err *e)
{
	char text[8192];
	int r, n;

	if (mkdir(s->etc_dir, 0755) < 0 && errno != EEXIST)
		return err__sys(e, errno, "create %s", s->etc_dir);
	snprintf(text, sizeof(text), "%s\n", pl->hostname);
	if ((r = write_file(s->etc_dir, "hostname", text, e)) < 0)
		return r;
	n = snprintf(text, sizeof(text),
		     "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
		     "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n"
		     "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n");
	if (p->net.ip[0])
		snprintf(text + n, sizeof(text) - (size_t)n, "%s\t%s\n", p->net.ip, pl->hostname);
	/* On the host's network the host's names hold, as in Docker. */
	if (s->net.mode == NET_HOST) {
		char host[sizeof(text)];

		if (rt__read_small("/etc/hosts", host, sizeof(host), NULL) == 0 && host[0])
			memcpy(text, host, sizeof(text));
	}
	if ((r = write_file(s->etc_dir, "hosts", text, e)) < 0)
		return r;
	{
		char host[sizeof(text)];

		if (rt__read_small("/etc/resolv.conf", host, sizeof(host), NULL) < 0)
			host[0] = '\0';
		rt__resolv_conf(host, s->net.mode, text, sizeof(text));
	}
	return write_file(s->etc_dir, "resolv.conf", text, e);
}

static bool has_limits(const struct cg_limits *l)
{
	return l->memory || l->cpu_quota || l->pids;
}

/* The user namespace's maps, and the root filesystem the parent builds for
 * it, passed to the child (which waits for it before mounting anything). */
static int setup_userns(const struct rt_spec *s, pid_t pid, int *mfd, struct err *e)
{
	uid_t uid;
	gid_t gid;
	int r;

	if ((r = rt__userns_maps(pid, &uid, &gid, e)) < 0)
		return r;
	return rt__userns_overlay(s, pid, uid, gid, mfd, e);
}

static int setup_outside(const struct rt_spec *s, const struct rt_plan *pl, struct rt_proc *p,
			 int sock, struct err *e)
{
	int r = 0, mfd = -1;

	if (s->userns)
		r = setup_userns(s, p->pid, &mfd, e);
	if (r == 0) {
		r = cg__create(s->id, &s->limits, &p->cg, e);
		/* A host without usable cgroups can still run a container
		 * that asks for no limits (it cannot be frozen or counted). */
		if (r == -ENOSYS && !has_limits(&s->limits))
			r = 0;
	}
	if (r == 0 && p->cg)
		r = cg__attach(p->cg, p->pid, e);
	if (r == 0)
		r = net__setup(s->root, s->id, p->pid, &s->net, &p->net, e);
	if (r == 0)
		r = write_etc(s, pl, p, e);
	/* In a user namespace the child waits for its root, sent last: it
	 * needs etc_dir written before it gives up host root. */
	if (r == 0 && mfd >= 0 && send_fd(sock, mfd) < 0)
		r = err__sys(e, errno, "user namespace: pass the root to the child");
	if (mfd >= 0)
		close(mfd);
	return r;
}

/* Docker's seccomp profile as a BPF program, built before the clone so the
 * child only installs it, and kept under ROOT/cache between starts
 * (libseccomp needs ~10 ms to build it). */
static int prepare_filter(const char *root, bool privileged, struct sec_filter **out, struct err *e)
{
	char dir[4096];

	*out = NULL;
	if (privileged)
		return 0;
	if (root)
		snprintf(dir, sizeof(dir), "%s/cache", root);
	return sec__seccomp_prepare(SEC_DEFAULT_CAPS, root ? dir : NULL, out, e);
}

static struct rt_plan *plan_new(const struct rt_spec *s, char **hostvar, struct err *e)
{
	struct rt_plan *pl = calloc(1, sizeof(*pl));
	static char hostbuf[65];
	char *mi;

	if (!pl) {
		err__set(e, ENOMEM, "out of memory");
		return NULL;
	}
	pl->s = s;
	pl->netns = s->net.mode != NET_HOST;
	if (s->hostname && *s->hostname)
		pl->hostname = s->hostname;
	else if (!pl->netns && gethostname(hostbuf, sizeof(hostbuf) - 1) == 0)
		pl->hostname = hostbuf; /* Docker: --network host keeps the host's name */
	else {
		snprintf(hostbuf, sizeof(hostbuf), "%.12s", s->id);
		pl->hostname = hostbuf;
	}
	if (rt__overlay_data(s, pl->overlay, sizeof(pl->overlay), pl->overlay_dir,
			     sizeof(pl->overlay_dir), e) < 0)
		goto fail;
	mi = malloc(RT_MOUNTINFO_MAX);
	if (mi && rt__read_small("/proc/self/mountinfo", mi, RT_MOUNTINFO_MAX, NULL) == 0)
		rt__cgroups_read(mi, &pl->cg);
	free(mi);
	if (prepare_filter(s->root, s->privileged, &pl->filter, e) < 0)
		goto fail;
	pl->bind_fds = malloc(sizeof(int) * (size_t)(s->nbinds + 1));
	if (!pl->bind_fds) {
		err__set(e, ENOMEM, "out of memory");
		goto fail;
	}
	for (int i = 0; i < s->nbinds; i++)
		pl->bind_fds[i] = -1;
	for (int i = 0; i < RT_ETC_FILES; i++)
		pl->etc_fds[i] = -1;
	if (build_env(s->env, pl->hostname, &pl->env, &pl->env_home, hostvar) < 0) {
		err__set(e, ENOMEM, "out of memory");
		goto fail;
	}
	return pl;
fail:
	sec__seccomp_free(pl->filter);
	free(pl->bind_fds);
	free(pl);
	return NULL;
}

static pid_t clone_child(unsigned long flags)
{
	/* fork-like: no CLONE_VM, so the child runs on its copy of this stack
	 * (this is how crun clones; glibc's clone() wants a new stack). */
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
}

/* The child's answers: end-of-file once it has exec'd (0); before that
 * maybe the pty master it opened (one byte carrying the fd), or its error. */
static int read_answer(int sock, int *console, struct err *e)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct err ce;

	for (;;) {
		struct iovec iov = { &ce, sizeof(ce) };
		struct msghdr mh = { .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = ctl.buf,
				     .msg_controllen = sizeof(ctl.buf) };
		struct cmsghdr *c;
		ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			return 0;
		c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
		if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int fd;

			memcpy(&fd, CMSG_DATA(c), sizeof(fd));
			if (console && *console < 0)
				*console = fd;
			else
				close(fd);
			continue;
		}
		if (n != (ssize_t)sizeof(ce))
			return err__sys(e, n < 0 ? errno : EPROTO,
					"container start: no word from the child");
		ce.msg[sizeof(ce.msg) - 1] = '\0';
		return err__set(e, ce.code ? ce.code : EINVAL, "%s", ce.msg);
	}
}

static void kill_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int rt__spawn(const struct rt_spec *s, struct rt_proc *p, struct err *e)
{
	unsigned long flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
	char *hostvar = NULL;
	struct rt_plan *pl;
	int sv[2], r;
	char go = 'g';

	memset(p, 0, sizeof(*p));
	p->pid = -1;
	p->console = -1;
	if (!s->argv || !s->argv[0])
		return err__set(e, EINVAL, "container start: no command");
	if (!s->id || !s->nlayers || !s->upper || !s->work || !s->rootfs || !s->etc_dir)
		return err__set(e, EINVAL, "container start: incomplete spec");
	if (s->net.mode != NET_HOST)
		flags |= CLONE_NEWNET;
	if (s->userns)
		flags |= CLONE_NEWUSER;
	if (!(pl = plan_new(s, &hostvar, e)))
		return -e->code;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		r = err__sys(e, errno, "socketpair");
		goto out;
	}
	p->pid = clone_child(flags);
	if (p->pid == 0) {
		close(sv[0]);
		child_main(pl, sv[1]);
	}
	close(sv[1]);
	if (p->pid < 0) {
		r = err__sys(e, errno, "clone");
		close(sv[0]);
		goto out;
	}
	if ((r = setup_outside(s, pl, p, sv[0], e)) < 0) {
		/* The child may have failed first (and so made the parent's
		 * step fail): its reason is the one to report. */
		struct err ce;

		if (recv(sv[0], &ce, sizeof(ce), MSG_DONTWAIT) == (ssize_t)sizeof(ce) && ce.code) {
			ce.msg[sizeof(ce.msg) - 1] = '\0';
			err__set(e, ce.code, "%s", ce.msg);
		}
		r = not_exec(e);
	}
	/* A child that failed early is gone: its answer says why. */
	if (r == 0 && send(sv[0], &go, 1, MSG_NOSIGNAL) != 1 && errno != EPIPE)
		r = err__sys(e, errno, "container start: release the child");
	if (r == 0)
		r = read_answer(sv[0], &p->console, e);
	close(sv[0]);
	if (r < 0) {
		struct err ignore;

		kill_reap(p->pid);
		p->pid = -1;
		if (p->console >= 0)
			close(p->console);
		p->console = -1;
		rt__cleanup(s, p, &ignore);
	}
out:
	sec__seccomp_free(pl->filter);
	free(pl->bind_fds);
	free(pl->env);
	free(hostvar);
	free(pl);
	return r;
}

int rt__cleanup(const struct rt_spec *s, struct rt_proc *p, struct err *e)
{
	int r = 0, r2;

	if (p->cg) {
		r = cg__destroy(p->cg, e);
		p->cg = NULL;
	}
	r2 = net__teardown(s->root, s->id, &p->net, r < 0 ? NULL : e);
	if (r2 == 0)
		p->net.mode = NET_NONE;
	return r < 0 ? r : r2;
}

/* ---- exec ---------------------------------------------------------------- */

static const char *const exec_ns[] = { "user", "ipc", "uts", "net", "pid", "cgroup", "mnt" };
#define EXEC_NNS (sizeof(exec_ns) / sizeof(exec_ns[0]))

/* Open the target's namespaces; user only when it differs from ours
 * (joining one's own user namespace is refused). */
static int open_ns(pid_t target, int fds[EXEC_NNS], struct err *e)
{
	char path[64];

	for (size_t i = 0; i < EXEC_NNS; i++) {
		fds[i] = -1;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)target, exec_ns[i]);
		if (i == 0) {
			struct stat a, b;

			if (stat(path, &a) < 0 || stat("/proc/self/ns/user", &b) < 0 ||
			    (a.st_ino == b.st_ino && a.st_dev == b.st_dev))
				continue;
		}
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			int r = err__sys(e, errno, "exec: open %s", path);

			while (i--)
				if (fds[i] >= 0)
					close(fds[i]);
			return r;
		}
	}
	return 0;
}

struct exec_msg {
	pid_t pid; /* the process in the container, as the host sees it */
};

static void __attribute__((noreturn))
exec_grandchild(const struct rt_exec *x, char **env, int home_slot, const struct sec_filter *filter,
		int sock)
{
	static char home[512];
	struct err e = { 0 };

	become(x->argv, env, home_slot, home, sizeof(home), x->user, x->cwd, x->privileged, filter,
	       x->stdio, x->tty, sock, &e);
	child_fail(sock, &e);
}

/* The intermediate child: joins the cgroups and namespaces, then creates
 * the process as a sibling (CLONE_PARENT), so it is the caller's child and
 * the first in the pid namespace it joined. */
static void __attribute__((noreturn))
exec_child(const struct rt_exec *x, const int fds[EXEC_NNS], char **env, int home_slot,
	   const struct sec_filter *filter, int sock)
{
	struct err e = { 0 };
	struct exec_msg m;
	struct cg *cg = NULL;
	int r;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	r = cg__open(x->id, &cg, &e);
	if (r == 0)
		r = cg__attach(cg, getpid(), &e);
	if (r < 0 && r != -ENOSYS && r != -ENOENT)
		step_fail(sock, &e);
	for (size_t i = 0; i < EXEC_NNS; i++)
		if (fds[i] >= 0 && setns(fds[i], 0) < 0) {
			err__sys(&e, errno, "exec: join the %s namespace", exec_ns[i]);
			step_fail(sock, &e);
		}
	m.pid = (pid_t)syscall(SYS_clone, CLONE_PARENT, NULL, NULL, NULL, 0);
	if (m.pid == 0)
		exec_grandchild(x, env, home_slot, filter, sock);
	if (m.pid < 0) {
		err__sys(&e, errno, "exec: clone");
		step_fail(sock, &e);
	}
	send(sock, &m, sizeof(m), MSG_NOSIGNAL);
	_exit(0);
}

/* Both children write to one socket: the middle one the new pid, the last
 * one an error if it fails, in either order; end-of-file when both are done
 * (the last one by exec). */
static int exec_answers(int sock, pid_t *pid, struct err *e)
{
	union {
		struct exec_msg m;
		struct err err;
	} u;
	int r = 0;

	for (;;) {
		ssize_t n = recv(sock, &u, sizeof(u), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			break;
		if (n == (ssize_t)sizeof(u.m)) {
			*pid = u.m.pid;
		} else if (n == (ssize_t)sizeof(u.err) && r == 0) {
			u.err.msg[sizeof(u.err.msg) - 1] = '\0';
			r = err__set(e, u.err.code ? u.err.code : EINVAL, "%s", u.err.msg);
		} else if (r == 0) {
			r = err__sys(e, n < 0 ? errno : EPROTO, "exec: no word from the child");
			break;
		}
	}
	if (r == 0 && *pid <= 0)
		r = err__set(e, EPROTO, "exec: the child ended without starting the process");
	return r;
}

int rt__exec(const struct rt_exec *x, pid_t *pid, struct err *e)
{
	int fds[EXEC_NNS], sv[2], r, home_slot;
	char **env = NULL, *hostvar = NULL;
	struct sec_filter *filter = NULL;
	pid_t mid;

	*pid = -1;
	if (!x->argv || !x->argv[0])
		return err__set(e, EINVAL, "exec: no command");
	if (build_env(x->env, NULL, &env, &home_slot, &hostvar) < 0)
		return err__set(e, ENOMEM, "out of memory");
	if ((r = prepare_filter(x->root, x->privileged, &filter, e)) < 0)
		goto out_env;
	if ((r = open_ns(x->target, fds, e)) < 0)
		goto out_env;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		r = err__sys(e, errno, "socketpair");
		goto out_ns;
	}
	mid = fork();
	if (mid == 0) {
		close(sv[0]);
		exec_child(x, fds, env, home_slot, filter, sv[1]);
	}
	close(sv[1]);
	if (mid < 0) {
		r = err__sys(e, errno, "fork");
		goto out_sock;
	}
	r = exec_answers(sv[0], pid, e);
	while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
		;
	if (r < 0 && *pid > 0) {
		kill_reap(*pid);
		*pid = -1;
	}
out_sock:
	close(sv[0]);
out_ns:
	for (size_t i = 0; i < EXEC_NNS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
out_env:
	sec__seccomp_free(filter);
	free(env);
	free(hostvar);
	return r;
}
