/* ctr_exec.c - `vmkit exec`: another process in a running container (the
 * runtime's rt__exec), on this process's stdio or on a pty of its own. */
#include "container/container.h"

#include "container/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* Copy between this terminal and the pty master until every slave fd is
 * closed (the process and its children are done with it). */
static void pty_relay(int master, bool in)
{
	struct termios saved, t;
	bool raw = false;
	char buf[65536];

	if (in && isatty(0) && tcgetattr(0, &saved) == 0) {
		t = saved;
		cfmakeraw(&t);
		raw = tcsetattr(0, TCSANOW, &t) == 0;
	}
	for (;;) {
		struct pollfd pf[2] = { { .fd = master, .events = POLLIN },
					{ .fd = in ? 0 : -1, .events = POLLIN } };
		ssize_t n;

		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[0].revents) {
			n = read(master, buf, sizeof(buf));
			if (n <= 0)
				break; /* EIO: every slave fd is closed */
			if (write(1, buf, (size_t)n) < 0)
				break;
		}
		if (pf[1].revents) {
			n = read(0, buf, sizeof(buf));
			if (n <= 0)
				in = false;
			else if (write(master, buf, (size_t)n) < 0)
				break;
		}
	}
	if (raw)
		tcsetattr(0, TCSANOW, &saved);
}

static int open_pty(int *master, int *slave, struct err *e)
{
	struct winsize ws;

	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*master < 0 || grantpt(*master) < 0 || unlockpt(*master) < 0 ||
	    (*slave = open(ptsname(*master), O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		int rc = err__sys(e, errno, "open a pty");
		if (*master >= 0)
			close(*master);
		return rc;
	}
	if (ioctl(0, TIOCGWINSZ, &ws) == 0)
		ioctl(*master, TIOCSWINSZ, &ws);
	return 0;
}

/* `exec -d -t`: Docker's daemon keeps a detached exec's terminal open. Here
 * a small process of its own does, reading (and dropping) the output until
 * the last holder of the pty's other side is gone; without it the process
 * would get a hangup as soon as this command exits. */
static int keep_pty(int master)
{
	char buf[4096];
	ssize_t n;
	pid_t pid = fork();

	if (pid != 0)
		return pid < 0 ? -errno : 0;
	setsid();
	/* Nothing of ours but the pty: a lock or socket fd kept open here
	 * would outlive this command. */
	if (master > 0)
		close_range(0, (unsigned)master - 1, 0);
	close_range((unsigned)master + 1, ~0U, 0);
	for (;;) {
		n = read(master, buf, sizeof(buf));
		if (n > 0 || (n < 0 && errno == EINTR))
			continue;
		_exit(0);
	}
}

int ctr__exec(const struct ctr *c, const struct ctr_exec_opts *o, int *status, struct err *e)
{
	struct rt_exec x = { .target = c->st.pid,
			     .id = c->cfg.id,
			     .argv = o->argv,
			     .env = o->env,
			     .cwd = o->workdir ? o->workdir : c->cfg.workdir,
			     .user = o->user ? o->user : c->cfg.user,
			     .privileged = c->cfg.privileged,
			     .tty = o->tty,
			     .root = c->root };
	int master = -1, slave = -1, null, st = 0, rc;
	pid_t pid;

	*status = 0;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (o->tty) {
		rc = open_pty(&master, &slave, e);
		if (rc < 0) {
			close(null);
			return rc;
		}
		x.stdio[0] = x.stdio[1] = x.stdio[2] = slave;
	} else {
		x.stdio[0] = o->interactive ? 0 : null;
		x.stdio[1] = o->detach ? null : 1;
		x.stdio[2] = o->detach ? null : 2;
	}
	rc = rt__exec(&x, &pid, e);
	if (slave >= 0)
		close(slave);
	close(null);
	if (rc == 0 && o->detach && master >= 0 && (rc = keep_pty(master)) < 0)
		err__sys(e, -rc, "exec -d -t: a process to hold the terminal");
	if (rc < 0 || o->detach) {
		/* A detached process keeps no terminal of ours: without -t it
		 * has /dev/null; with -t keep_pty holds its terminal. */
		if (master >= 0)
			close(master);
		return rc;
	}
	if (master >= 0) {
		pty_relay(master, o->interactive);
		close(master);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}
