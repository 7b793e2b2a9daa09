/* monitor.c - the per-container monitor (in the spirit of podman's conmon).
 *
 * Design. There is no daemon; each running container has one monitor
 * process, created by `run`/`start`/`restart` (ctr__start):
 *
 *  - The CLI takes the container's lock (ROOT/containers/<id>/lock, flock)
 *    and creates a socketpair, then double-forks; the grandchild calls
 *    setsid and becomes the monitor. The lock's open file is inherited, so
 *    it passes from the CLI to the monitor with no window in which a second
 *    `start` could win. The monitor holds it for as long as it lives: any
 *    command can tell a live monitor (lock busy) from a dead one (lock free
 *    while state.json still says running, which ctr__lookup repairs).
 *  - The CLI's end of the socketpair is its first attach client: it has
 *    already written CTR_F_ATTACH (and a window size) before the fork, so
 *    no output is lost between spawn and attach; the monitor's first frame
 *    back is CTR_F_STARTED (0 or the spawn's errno and message), so -d
 *    learns the result without polling.
 *  - The monitor owns the container's stdio: a pty master with -t, else
 *    pipes (stdin only with -i). Everything read goes to the log (CRI
 *    format, ctr_log.c) and to the attached clients wanting output. Stdin
 *    comes from one client at a time (the first that asks for it).
 *  - Later clients (`attach`, `stop`, `kill`, `logs -f`, `start -a`)
 *    connect to ROOT/containers/<id>/attach.sock. Socket paths are limited
 *    to 108 bytes, so both sides go through /proc/self/fd/<dirfd>/.
 *  - It waits for events only (poll on a signal self-pipe, the socket, the
 *    stdio fds and two timerfds); no sleeps. Signals use handlers, not a
 *    blocked mask and a signalfd, because the init would inherit the mask.
 *    On SIGCHLD it reaps the init, drains the output (every other process
 *    of the pid namespace died with its init), records the status (128+n
 *    for a signal) and OOMKilled, runs rt__cleanup, then applies the
 *    restart policy (never after stop; Docker's back-off of 100 ms doubling,
 *    on a timerfd), or for --rm removes the container. It writes the final
 *    state and drops the lock before telling clients the exit status, so a
 *    command run after `vmkit run` returns sees it exited (or gone, for
 *    --rm) and can start it again.
 *  - Stop (CTR_F_STOP) marks the container stopped by the user, sends
 *    SIGTERM and arms the timerfd for SIGKILL. A pid namespace's init only
 *    gets signals it has handlers for, which is why a shell ignores TERM.
 *  - If the monitor is killed, the init dies too (the runtime sets
 *    PDEATHSIG), and the next command repairs the state (state.c). */
#include "container/container.h"

#include "container/ctr_json.h"
#include "container/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Clients' sockets are non-blocking: one that stops reading (a suspended
 * `attach`) or sends half a frame must never stop the monitor serving
 * stop, kill and the log. What a client has not taken yet waits in its
 * queue; above CLIENT_QUEUE_HIGH the container's output is not read (so
 * the container waits, as with a slow terminal), and a client that has
 * then taken nothing for CLIENT_STALL_NS is dropped, as conmon does. */
#define MAX_CLIENTS       1000 /* beyond this they are refused (fd limits) */
#define CLIENT_QUEUE_HIGH (1u << 20)
#define CLIENT_STALL_NS   (5 * 1000000000LL)
#define CLIENT_IN_MAX     (sizeof(struct ctr_frame_hdr) + CTR_FRAME_MAX)

struct client {
	int fd;
	uint32_t flags;
	bool closing; /* told the exit: goes once its queue is sent */
	char *in;     /* a frame being received, header first */
	size_t in_len;
	char *out; /* frames it has not taken yet: out[out_off..out_len) */
	size_t out_len, out_off, out_cap;
	int64_t progress; /* CLOCK_MONOTONIC ns of its last taking anything */
};

struct mon {
	struct ctr *c;
	int lock_fd, listen_fd, sig_fd, timer_fd, log_fd, dir_fd;
	int restart_fd;       /* timerfd: the restart policy's back-off */
	bool restart_pending; /* exited, waiting for restart_fd */
	int64_t backoff_ms;
	int out_fd, err_fd; /* what the container writes (pty master in out_fd) */
	int in_fd;          /* what it reads: pipe write end or the pty master */
	/* Stdin the container has not taken yet. While there is some, the
	 * owner's socket is not read: back-pressure instead of a blocking
	 * write, which could deadlock with a container whose output we must
	 * keep reading. */
	char *pend;
	size_t pend_len, pend_off;
	bool pend_eof;
	int stdin_owner; /* client fd whose stdin we take, or -1 */
	struct client *cl;
	int ncl, cap;
	struct pollfd *pf; /* the loop's, 7 + cap */
	struct rt_spec spec;
	struct rt_bind *binds;
	struct rt_proc proc;
	struct winsize ws;
	bool have_ws, running;
	int start_rc; /* the last spawn's error, told to clients by end() */
};

/* ---- frames ---- */

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ctr__send_frame(int fd, int type, const void *data, uint32_t len)
{
	struct ctr_frame_hdr h = { .type = (uint8_t)type, .len = len };
	char buf[sizeof(h) + 256];

	/* Small frames in one write, so they arrive whole. */
	if (len <= 256) {
		memcpy(buf, &h, sizeof(h));
		if (len)
			memcpy(buf + sizeof(h), data, len);
		return write_all(fd, buf, sizeof(h) + len);
	}
	int rc = write_all(fd, &h, sizeof(h));
	return rc < 0 ? rc : write_all(fd, data, len);
}

int ctr__recv_frame(int fd, struct ctr_frame_hdr *h, void *buf, size_t size)
{
	int rc = read_all(fd, h, sizeof(*h));

	if (rc < 0)
		return rc;
	if (h->len > CTR_FRAME_MAX || h->len > size)
		return -EPROTO;
	return h->len ? read_all(fd, buf, h->len) : 0;
}

/* ---- the socket ---- */

static int sock_addr(int dir_fd, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/" CTR_SOCK_NAME, dir_fd);
	return 0;
}

int ctr__connect(struct ctr *c, uint32_t flags, int *sock, struct err *e)
{
	struct sockaddr_un sa;
	int dfd, fd, rc;

	dfd = open(c->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err__sys(e, errno, "open %s", c->dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		close(dfd);
		return err__sys(e, errno, "socket");
	}
	sock_addr(dfd, &sa);
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(dfd);
	if (rc < 0) {
		int err = errno;
		close(fd);
		if (err == ENOENT || err == ECONNREFUSED)
			return err__set(e, ENOTCONN, "container %s is not running", c->cfg.name);
		return err__sys(e, err, "connect to the monitor of %s", c->cfg.name);
	}
	rc = ctr__send_frame(fd, CTR_F_ATTACH, &flags, sizeof(flags));
	if (rc < 0) {
		close(fd);
		return err__sys(e, -rc, "attach to %s", c->cfg.name);
	}
	*sock = fd;
	return 0;
}

int ctr__wait_started(int sock, pid_t *pid, struct err *e)
{
	struct ctr_frame_hdr h;
	char buf[CTR_FRAME_MAX];
	int32_t v[2];
	int rc;

	for (;;) {
		rc = ctr__recv_frame(sock, &h, buf, sizeof(buf) - 1);
		if (rc < 0)
			return err__set(e, EIO, "the container's monitor exited before it started");
		if (h.type == CTR_F_STARTED && h.len >= sizeof(v))
			break;
	}
	memcpy(v, buf, sizeof(v));
	buf[h.len] = '\0';
	if (pid)
		*pid = v[1];
	if (v[0] < 0)
		return err__set(e, -v[0], "%s", buf + sizeof(v));
	return 0;
}

/* ---- clients ---- */

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static size_t queued(const struct client *cl)
{
	return cl->out_len - cl->out_off;
}

static void drop_client(struct mon *m, int i)
{
	if (m->stdin_owner == m->cl[i].fd)
		m->stdin_owner = -1;
	close(m->cl[i].fd);
	free(m->cl[i].in);
	free(m->cl[i].out);
	m->cl[i] = m->cl[--m->ncl];
}

static void add_client(struct mon *m, int fd)
{
	if (m->ncl == m->cap) {
		int cap = m->cap ? 2 * m->cap : 8;
		struct client *cl = cap <= MAX_CLIENTS ? realloc(m->cl, cap * sizeof(*cl)) : NULL;
		struct pollfd *pf = cl ? realloc(m->pf, (7 + cap) * sizeof(*pf)) : NULL;

		if (cl)
			m->cl = cl;
		if (!pf) {
			close(fd);
			return;
		}
		m->pf = pf;
		m->cap = cap;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	m->cl[m->ncl++] = (struct client){ .fd = fd };
}

/* Send what client i's queue holds; false when the client is gone. */
static bool client_flush(struct client *cl)
{
	while (queued(cl)) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off, queued(cl), MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN;
		cl->out_off += (size_t)n;
		cl->progress = mono_ns();
	}
	cl->out_off = cl->out_len = 0;
	return true;
}

/* Queue a frame for client i and send what it takes now; false when the
 * client is gone. */
static bool client_send(struct client *cl, int type, const void *data, uint32_t len)
{
	struct ctr_frame_hdr h = { .type = (uint8_t)type, .len = len };
	size_t need = sizeof(h) + len;

	if (cl->out_off && cl->out_off == cl->out_len)
		cl->out_off = cl->out_len = 0;
	if (cl->out_len + need > cl->out_cap) {
		size_t cap = cl->out_cap ? cl->out_cap : 4096;
		char *p;

		if (cl->out_off) {
			memmove(cl->out, cl->out + cl->out_off, queued(cl));
			cl->out_len -= cl->out_off;
			cl->out_off = 0;
		}
		while (cap < cl->out_len + need)
			cap *= 2;
		if (cap != cl->out_cap) {
			p = realloc(cl->out, cap);
			if (!p)
				return false;
			cl->out = p;
			cl->out_cap = cap;
		}
	}
	if (!queued(cl))
		cl->progress = mono_ns();
	memcpy(cl->out + cl->out_len, &h, sizeof(h));
	if (len)
		memcpy(cl->out + cl->out_len + sizeof(h), data, len);
	cl->out_len += need;
	return client_flush(cl);
}

static void broadcast(struct mon *m, int type, const void *data, uint32_t len, uint32_t need)
{
	for (int i = 0; i < m->ncl; i++) {
		if (m->cl[i].closing || (need && !(m->cl[i].flags & need)))
			continue;
		if (!client_send(&m->cl[i], type, data, len))
			drop_client(m, i--);
	}
}

/* Has client cl taken nothing for too long with output waiting? */
static bool stalled(const struct client *cl, int64_t now)
{
	return queued(cl) && (cl->closing || queued(cl) > CLIENT_QUEUE_HIGH) &&
	       now - cl->progress > CLIENT_STALL_NS;
}

/* Drop clients that are done (closing, queue sent) or stalled. Returns
 * the poll timeout (ms) until the next one could stall, or -1. */
static int prune_clients(struct mon *m)
{
	int64_t now = mono_ns(), next = -1;

	for (int i = 0; i < m->ncl; i++) {
		struct client *cl = &m->cl[i];
		int64_t left;

		if ((cl->closing && !queued(cl)) || stalled(cl, now)) {
			drop_client(m, i--);
			continue;
		}
		if (!queued(cl) || (!cl->closing && queued(cl) <= CLIENT_QUEUE_HIGH))
			continue;
		left = cl->progress + CLIENT_STALL_NS - now;
		if (next < 0 || left < next)
			next = left;
	}
	return next < 0 ? -1 : (int)(next / 1000000 + 1);
}

/* Whether a client holds so much unsent output that the container's must
 * wait. */
static bool output_blocked(struct mon *m)
{
	for (int i = 0; i < m->ncl; i++)
		if (queued(&m->cl[i]) > CLIENT_QUEUE_HIGH)
			return true;
	return false;
}

static void __attribute__((noreturn)) end(struct mon *m);

static void do_stop(struct mon *m, int timeout)
{
	struct itimerspec its = { .it_value.tv_sec = timeout > 0 ? timeout : 0 };

	m->c->st.stopped_by_user = true;
	if (m->restart_pending)
		end(m); /* stopped while waiting to restart: stay stopped */
	if (!m->running)
		return;
	if (timeout <= 0) {
		kill(m->proc.pid, SIGKILL);
		return;
	}
	kill(m->proc.pid, SIGTERM);
	timerfd_settime(m->timer_fd, 0, &its, NULL);
}

static void close_stdin(struct mon *m)
{
	if (m->in_fd >= 0 && m->in_fd != m->out_fd)
		close(m->in_fd);
	m->in_fd = -1;
	free(m->pend);
	m->pend = NULL;
	m->pend_eof = false;
}

/* Write what the container will take now; keep the rest in pend. */
static void stdin_flush(struct mon *m, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(m->in_fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			/* It closed its stdin (EPIPE): the rest is dropped. */
			if (!m->c->cfg.tty) {
				close_stdin(m);
			} else {
				free(m->pend);
				m->pend = NULL;
			}
			return;
		}
		data += n;
		len -= (size_t)n;
	}
	if (!len) {
		free(m->pend);
		m->pend = NULL;
		if (m->pend_eof)
			close_stdin(m);
		return;
	}
	if (data != m->pend + m->pend_off) {
		char *p = malloc(len);
		if (!p)
			return;
		memcpy(p, data, len);
		free(m->pend);
		m->pend = p;
		m->pend_off = 0;
	} else {
		m->pend_off = (size_t)(data - m->pend);
	}
	m->pend_len = m->pend_off + len;
}

static void stdin_write(struct mon *m, const char *data, size_t len)
{
	stdin_flush(m, data, len);
}

/* One whole frame from client i. */
static void handle_frame(struct mon *m, int i, const struct ctr_frame_hdr *hp, const char *buf)
{
	struct client *cl = &m->cl[i];
	struct ctr_frame_hdr h = *hp;
	int32_t v = 0;

	if (h.len >= sizeof(v))
		memcpy(&v, buf, sizeof(v));
	switch (h.type) {
	case CTR_F_ATTACH:
		cl->flags = (uint32_t)v;
		if ((cl->flags & CTR_ATTACH_STDIN) && m->stdin_owner < 0)
			m->stdin_owner = cl->fd;
		break;
	case CTR_F_STDIN:
		if (m->in_fd >= 0 && m->stdin_owner == cl->fd)
			stdin_write(m, buf, h.len);
		break;
	case CTR_F_STDIN_EOF:
		/* A pipe gets its EOF; a terminal has no such thing (^D is
		 * the line discipline's business). */
		if (m->in_fd >= 0 && m->stdin_owner == cl->fd && !m->c->cfg.tty) {
			if (m->pend)
				m->pend_eof = true;
			else
				close_stdin(m);
		}
		break;
	case CTR_F_RESIZE:
		if (h.len >= 4) {
			uint16_t rc[2];
			memcpy(rc, buf, sizeof(rc));
			m->ws = (struct winsize){ .ws_row = rc[0], .ws_col = rc[1] };
			m->have_ws = true;
			if (m->c->cfg.tty && m->in_fd >= 0)
				ioctl(m->in_fd, TIOCSWINSZ, &m->ws);
		}
		break;
	case CTR_F_SIGNAL:
		/* As Docker's kill: the restart policy no longer applies. */
		if (v <= 0 || v >= NSIG)
			break;
		if (!m->c->st.stopped_by_user) {
			m->c->st.stopped_by_user = true;
			ctr__save_state(m->c, NULL);
		}
		if (m->restart_pending)
			end(m);
		if (m->running)
			kill(m->proc.pid, v);
		break;
	case CTR_F_STOP:
		do_stop(m, v);
		break;
	default:
		break;
	}
}

static bool stdin_held(struct mon *m, const struct client *cl)
{
	return m->pend && cl->fd == m->stdin_owner;
}

/* Read what client i sent (when readable) and act on each whole frame,
 * keeping a partial one for the next time; frames stay unread while its
 * stdin is held. False when the client is gone. */
static bool client_input(struct mon *m, int i, bool readable)
{
	struct client *cl = &m->cl[i];
	struct ctr_frame_hdr h;
	bool eof = false;

	if (readable && !stdin_held(m, cl)) {
		ssize_t n;

		if (!cl->in && !(cl->in = malloc(CLIENT_IN_MAX)))
			return false;
		n = read(cl->fd, cl->in + cl->in_len, CLIENT_IN_MAX - cl->in_len);
		if (n == 0)
			eof = true;
		else if (n < 0 && errno != EINTR && errno != EAGAIN)
			return false;
		else if (n > 0)
			cl->in_len += (size_t)n;
	}
	while (cl->in_len >= sizeof(h) && !stdin_held(m, cl)) {
		size_t used;

		memcpy(&h, cl->in, sizeof(h));
		if (h.len > CTR_FRAME_MAX)
			return false;
		used = sizeof(h) + h.len;
		if (cl->in_len < used)
			break;
		handle_frame(m, i, &h, cl->in + sizeof(h));
		cl = &m->cl[i]; /* handle_frame adds and drops no client */
		memmove(cl->in, cl->in + used, cl->in_len - used);
		cl->in_len -= used;
	}
	return !eof;
}

/* ---- output ---- */

/* Read what the container wrote on fd (stream 1 or 2); false at its end. */
static bool pump(struct mon *m, int fd, int stream)
{
	static char buf[CTR_FRAME_MAX];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false; /* EOF, or EIO from a pty whose slave is closed */
	ctr__log_write(m->log_fd, stream, buf, (size_t)n);
	broadcast(m, stream == 2 ? CTR_F_STDERR : CTR_F_STDOUT, buf, (uint32_t)n,
		  CTR_ATTACH_OUTPUT);
	return true;
}

static void drain(struct mon *m)
{
	while (m->out_fd >= 0 && pump(m, m->out_fd, 1))
		;
	while (m->err_fd >= 0 && pump(m, m->err_fd, 2))
		;
	if (m->out_fd >= 0 && m->out_fd != m->in_fd)
		close(m->out_fd);
	if (m->err_fd >= 0)
		close(m->err_fd);
	if (m->in_fd >= 0)
		close(m->in_fd);
	m->out_fd = m->err_fd = m->in_fd = -1;
	free(m->pend);
	m->pend = NULL;
	m->pend_eof = false;
}

/* ---- starting ---- */

static int open_stdio(struct mon *m, int child[3], struct err *e)
{
	int p[2];

	child[0] = child[1] = child[2] = -1;
	if (m->c->cfg.tty) {
		int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
			return err__sys(e, errno, "open a pty");
		int slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (slave < 0) {
			close(master);
			return err__sys(e, errno, "open the pty slave");
		}
		if (m->have_ws)
			ioctl(master, TIOCSWINSZ, &m->ws);
		fcntl(master, F_SETFL, O_NONBLOCK);
		m->out_fd = m->in_fd = master;
		child[0] = child[1] = child[2] = slave;
		return 0;
	}
	if (m->c->cfg.interactive) {
		if (pipe2(p, O_CLOEXEC) < 0)
			return err__sys(e, errno, "pipe");
		child[0] = p[0];
		m->in_fd = p[1];
		fcntl(m->in_fd, F_SETFL, O_NONBLOCK);
	} else {
		child[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return err__sys(e, errno, "pipe");
	m->out_fd = p[0];
	child[1] = p[1];
	if (pipe2(p, O_CLOEXEC) < 0)
		return err__sys(e, errno, "pipe");
	m->err_fd = p[0];
	child[2] = p[1];
	fcntl(m->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(m->err_fd, F_SETFL, O_NONBLOCK);
	return 0;
}

static void close_child_stdio(int child[3])
{
	for (int i = 0; i < 3; i++) {
		if (child[i] < 0)
			continue;
		for (int k = i + 1; k < 3; k++)
			if (child[k] == child[i])
				child[k] = -1;
		close(child[i]);
		child[i] = -1;
	}
}

static void fill_spec(struct mon *m, char *paths[4])
{
	struct ctr_config *cfg = &m->c->cfg;
	struct rt_spec *s = &m->spec;
	static const char *const sub[] = { "upper", "work", "rootfs", "etc" };

	for (int i = 0; i < 4; i++)
		if (asprintf(&paths[i], "%s/%s", m->c->dir, sub[i]) < 0)
			paths[i] = NULL;
	memset(s, 0, sizeof(*s));
	s->id = cfg->id;
	s->root = m->c->root;
	s->layers = (const char *const *)cfg->layers;
	s->nlayers = cfg->nlayers;
	s->upper = paths[0];
	s->work = paths[1];
	s->rootfs = paths[2];
	s->etc_dir = paths[3];
	s->argv = cfg->argv;
	s->env = cfg->env;
	s->cwd = cfg->workdir;
	s->user = cfg->user;
	s->hostname = cfg->hostname;
	m->binds = calloc(cfg->nbinds ? cfg->nbinds : 1, sizeof(*m->binds));
	for (int i = 0; m->binds && i < cfg->nbinds; i++)
		m->binds[i] =
			(struct rt_bind){ cfg->binds[i].src, cfg->binds[i].dst, cfg->binds[i].ro };
	s->binds = m->binds;
	s->nbinds = m->binds ? cfg->nbinds : 0;
	s->limits = cfg->limits;
	s->net = (struct net_spec){ cfg->net_mode, cfg->ports, cfg->nports };
	s->privileged = cfg->privileged;
	s->userns = cfg->userns;
	s->tty = cfg->tty;
}

static void send_started(struct mon *m, int rc, const char *msg)
{
	char buf[sizeof(int32_t) * 2 + ERR_MSG_MAX];
	int32_t v[2] = { rc, m->running ? m->proc.pid : 0 };
	size_t n = strlen(msg);

	if (n >= ERR_MSG_MAX)
		n = ERR_MSG_MAX - 1;
	memcpy(buf, v, sizeof(v));
	memcpy(buf + sizeof(v), msg, n);
	broadcast(m, CTR_F_STARTED, buf, (uint32_t)(sizeof(v) + n), 0);
}

static int exit_code_for(int rc)
{
	if (rc == -ENOENT)
		return RT_EXIT_NOT_FOUND;
	if (rc == -EACCES)
		return RT_EXIT_CANNOT_EXEC;
	return 125;
}

static int spawn(struct mon *m)
{
	struct ctr_state *st = &m->c->st;
	int child[3];
	struct err e = { 0 };
	int rc;

	/* Mark the state before the runtime makes cgroups and network: a
	 * monitor killed from here on leaves a monitor_pid that no live
	 * monitor holds the lock for, and state.c cleans up after it. */
	if (st->monitor_pid != getpid()) {
		st->monitor_pid = getpid();
		ctr__save_state(m->c, NULL);
	}
	rc = open_stdio(m, child, &e);
	if (rc == 0) {
		memcpy(m->spec.stdio, child, sizeof(child));
		memset(&m->proc, 0, sizeof(m->proc));
		rc = rt__spawn(&m->spec, &m->proc, &e);
	}
	close_child_stdio(child);
	if (rc < 0) {
		drain(m);
		st->status = CTR_EXITED;
		st->exit_code = exit_code_for(rc);
		st->pid = 0;
		st->finished_at = ctr__now();
		snprintf(st->error, sizeof(st->error), "%s", e.msg);
		m->start_rc = rc;
		return rc;
	}
	m->running = true;
	st->status = CTR_RUNNING;
	st->pid = m->proc.pid;
	st->monitor_pid = getpid();
	st->exit_code = 0;
	st->oom_killed = false;
	st->started_at = ctr__now();
	st->error[0] = '\0';
	st->net = m->proc.net;
	ctr__save_state(m->c, NULL);
	send_started(m, 0, "");
	return 0;
}

/* ---- exit ---- */

static bool should_restart(struct mon *m)
{
	struct ctr_config *cfg = &m->c->cfg;
	struct ctr_state *st = &m->c->st;

	if (st->stopped_by_user || cfg->auto_remove)
		return false;
	switch (cfg->restart) {
	case CTR_RESTART_ALWAYS:
	case CTR_RESTART_UNLESS_STOPPED:
		return true;
	case CTR_RESTART_ON_FAILURE:
		return st->exit_code != 0 &&
		       (!cfg->restart_max || st->restart_count < cfg->restart_max);
	default:
		return false;
	}
}

static void reaped(struct mon *m, int status)
{
	struct ctr_state *st = &m->c->st;
	struct itimerspec off = { 0 };
	struct err e;

	m->running = false;
	timerfd_settime(m->timer_fd, 0, &off, NULL);
	drain(m);
	st->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	st->oom_killed = m->proc.cg && cg__oom_killed(m->proc.cg);
	rt__cleanup(&m->spec, &m->proc, &e);
	st->status = CTR_EXITED;
	st->pid = 0;
	st->finished_at = ctr__now();
}

/* Tell every client the status and let them go. */
static void say_exit(struct mon *m)
{
	int32_t code = m->c->st.exit_code;

	broadcast(m, CTR_F_EXIT, &code, sizeof(code), 0);
	for (int i = 0; i < m->ncl; i++)
		m->cl[i].closing = true;
	m->stdin_owner = -1;
	prune_clients(m);
}

static void remove_socket(struct mon *m)
{
	unlinkat(m->dir_fd, CTR_SOCK_NAME, 0);
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	m->listen_fd = -1;
}

/* The end: record the state (or remove an --rm container), release the
 * lock, then tell clients, so that what they run next sees it all done. */
static void __attribute__((noreturn)) end(struct mon *m)
{
	struct ctr_state *st = &m->c->st;

	remove_socket(m);
	st->monitor_pid = 0;
	st->status = CTR_EXITED; /* also when stopped waiting to restart */
	if (m->c->cfg.auto_remove)
		ctr__remove_locked(m->c, NULL);
	else
		ctr__save_state(m->c, NULL);
	close(m->lock_fd);
	if (m->start_rc < 0)
		send_started(m, m->start_rc, st->error);
	say_exit(m);
	/* What clients have not taken yet (the last output, the status). */
	for (int t; m->ncl && (t = prune_clients(m)) != 0;) {
		for (int i = 0; i < m->ncl; i++)
			m->pf[i] = (struct pollfd){ .fd = m->cl[i].fd, .events = POLLOUT };
		if (poll(m->pf, m->ncl, t) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < m->ncl; i++)
			if (m->pf[i].revents && !client_flush(&m->cl[i]))
				m->cl[i].out_off = m->cl[i].out_len = 0; /* gone: drop it */
	}
	_exit(0);
}

/* ---- the loop ---- */

static void handle_signals(struct mon *m)
{
	char sig;
	int status;
	pid_t pid;

	while (read(m->sig_fd, &sig, 1) == 1) {
		if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP)
			do_stop(m, 10);
	}
	/* Only our init: whatever else the runtime forks is its to reap. */
	while (m->running && (pid = waitpid(m->proc.pid, &status, WNOHANG)) > 0) {
		int64_t ran = ctr__now() - m->c->st.started_at;
		struct itimerspec its = { 0 };

		reaped(m, status);
		if (!should_restart(m))
			end(m);
		/* Restart after a back-off as Docker's: 100 ms, doubling, reset
		 * by a run of 10 s; attached clients see this run end. */
		m->backoff_ms =
			ran >= 10 * 1000000000LL || !m->backoff_ms ? 100 : m->backoff_ms * 2;
		if (m->backoff_ms > 60000)
			m->backoff_ms = 60000;
		its.it_value.tv_sec = m->backoff_ms / 1000;
		its.it_value.tv_nsec = (m->backoff_ms % 1000) * 1000000;
		m->c->st.status = CTR_RESTARTING;
		ctr__save_state(m->c, NULL);
		say_exit(m);
		m->restart_pending = true;
		timerfd_settime(m->restart_fd, 0, &its, NULL);
	}
}

static void restart_now(struct mon *m)
{
	uint64_t x;

	if (read(m->restart_fd, &x, sizeof(x)) <= 0 || !m->restart_pending)
		return;
	m->restart_pending = false;
	m->c->st.restart_count++;
	if (spawn(m) < 0)
		end(m);
}

static void loop(struct mon *m)
{
	int fixed[6];

	for (;;) {
		int n = 0, timeout = prune_clients(m);
		short sig_ev, restart_ev;
		bool hold_output = output_blocked(m);
		struct pollfd *pf = m->pf;

		fixed[0] = m->sig_fd;
		fixed[1] = m->listen_fd;
		fixed[2] = m->timer_fd;
		fixed[3] = hold_output ? -1 : m->out_fd;
		fixed[4] = hold_output ? -1 : m->err_fd;
		fixed[5] = m->restart_fd;
		for (int i = 0; i < 6; i++)
			pf[n++] = (struct pollfd){ .fd = fixed[i], .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = m->pend ? m->in_fd : -1, .events = POLLOUT };
		for (int i = 0; i < m->ncl; i++) {
			struct client *cl = &m->cl[i];
			short ev = queued(cl) ? POLLOUT : 0;

			if (!cl->closing && !stdin_held(m, cl))
				ev |= POLLIN;
			pf[n++] = (struct pollfd){ .fd = ev ? cl->fd : -1, .events = ev };
		}
		if (poll(pf, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			do_stop(m, 0);
		}
		if (pf[3].revents && !pump(m, m->out_fd, 1)) {
			if (m->out_fd != m->in_fd)
				close(m->out_fd);
			m->out_fd = -1;
		}
		if (pf[4].revents && !pump(m, m->err_fd, 2)) {
			close(m->err_fd);
			m->err_fd = -1;
		}
		if (pf[2].revents) {
			uint64_t x;
			if (read(m->timer_fd, &x, sizeof(x)) > 0 && m->running)
				kill(m->proc.pid, SIGKILL);
		}
		if (pf[6].revents && m->pend) {
			stdin_flush(m, m->pend + m->pend_off, m->pend_len - m->pend_off);
			/* Frames the owner sent meanwhile wait in its buffer. */
			for (int i = 0; !m->pend && i < m->ncl; i++) {
				if (m->cl[i].fd != m->stdin_owner)
					continue;
				if (!client_input(m, i, false))
					drop_client(m, i);
				break;
			}
		}
		/* Clients by fd: the array shifts as they come and go. */
		for (int k = 7; k < n; k++) {
			if (!pf[k].revents || pf[k].fd < 0)
				continue;
			for (int i = 0; i < m->ncl; i++) {
				struct client *cl = &m->cl[i];
				bool ok = true;

				if (cl->fd != pf[k].fd)
					continue;
				if (queued(cl) && (pf[k].revents & (POLLOUT | POLLERR | POLLHUP)))
					ok = client_flush(cl);
				if (ok && !cl->closing &&
				    (pf[k].revents & (POLLIN | POLLERR | POLLHUP)))
					ok = client_input(m, i, true);
				if (!ok)
					drop_client(m, i);
				break;
			}
		}
		/* Last: a new client may move pf (and m->cl). */
		sig_ev = pf[0].revents;
		restart_ev = pf[5].revents;
		if (pf[1].revents) {
			int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0)
				add_client(m, fd);
		}
		if (sig_ev)
			handle_signals(m);
		if (restart_ev)
			restart_now(m);
	}
}

/* ---- becoming the monitor ---- */

static void close_all_but(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	if (lo > 3)
		close_range(3, lo - 1, 0);
	if (hi > lo + 1)
		close_range(lo + 1, hi - 1, 0);
	close_range(hi + 1, ~0U, 0);
}

static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	char b = (char)sig;

	if (write(sig_pipe[1], &b, 1) < 0) {
		/* Full: a wake-up is already pending, which is all we need. */
	}
	errno = saved;
}

static int setup(struct mon *m, struct err *e)
{
	static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP };
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	struct sockaddr_un sa_un;
	char log[4200];

	m->dir_fd = open(m->c->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (m->dir_fd < 0)
		return err__sys(e, errno, "open %s", m->c->dir);
	/* Handlers and a self-pipe rather than a blocked mask and a
	 * signalfd: the init inherits the mask through clone and execve, and a
	 * blocked SIGTERM would make `stop` wait for SIGKILL. Handlers, unlike
	 * a mask, are reset by execve. */
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return err__sys(e, errno, "pipe");
	m->sig_fd = sig_pipe[0];
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	m->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	m->restart_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (m->timer_fd < 0 || m->restart_fd < 0)
		return err__sys(e, errno, "timerfd");
	snprintf(log, sizeof(log), "%s/" CTR_LOG_NAME, m->c->dir);
	m->log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (m->log_fd < 0)
		return err__sys(e, errno, "open %s", log);
	m->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (m->listen_fd < 0)
		return err__sys(e, errno, "socket");
	unlinkat(m->dir_fd, CTR_SOCK_NAME, 0);
	sock_addr(m->dir_fd, &sa_un);
	if (bind(m->listen_fd, (struct sockaddr *)&sa_un, sizeof(sa_un)) < 0 ||
	    listen(m->listen_fd, 16) < 0)
		return err__sys(e, errno, "listen on %s/" CTR_SOCK_NAME, m->c->dir);
	return 0;
}

/* Frames the CLI wrote before it forked us (attach flags, window size),
 * read before the spawn so the pty has its size from the start. */
static void early_frames(struct mon *m)
{
	struct pollfd pf = { .fd = m->cl[0].fd, .events = POLLIN };

	while (m->ncl && poll(&pf, 1, 0) == 1) {
		if (!client_input(m, 0, true)) {
			drop_client(m, 0);
			break;
		}
	}
}

static void __attribute__((noreturn)) monitor_main(struct ctr *c, int lock_fd, int sock)
{
	struct mon m = { .c = c,
			 .lock_fd = lock_fd,
			 .listen_fd = -1,
			 .out_fd = -1,
			 .err_fd = -1,
			 .in_fd = -1,
			 .stdin_owner = -1 };
	char *paths[4] = { 0 };
	struct err e = { 0 };
	int null = open("/dev/null", O_RDWR);

	/* Nothing of the CLI's stays open here: a caller reading our stdout
	 * (a shell's $(...), bats' fd 3) must see it close. */
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	close_all_but(lock_fd, sock);
	/* Pin no directory of the caller's (a test's temporary one, a mount). */
	if (chdir("/") < 0)
		_exit(1);
	add_client(&m, sock);
	if (setup(&m, &e) < 0) {
		send_started(&m, -e.code, e.msg);
		_exit(1);
	}
	fill_spec(&m, paths);
	early_frames(&m);
	c->st.stopped_by_user = false;
	if (spawn(&m) < 0)
		end(&m);
	loop(&m);
	_exit(0);
}

int ctr__start(struct ctr *c, uint32_t flags, int *sock, struct err *e)
{
	int lock, sv[2], status;
	pid_t pid;

	int64_t seen;

	lock = ctr__lock(c, false, e);
	if (lock == -EBUSY) {
		/* A monitor that has just written the final state may still
		 * hold the lock for a moment; a live one never says exited,
		 * and one starting says so with its monitor_pid. */
		if (ctr__reload_state(c, NULL) < 0 || c->st.status == CTR_RUNNING ||
		    c->st.status == CTR_RESTARTING || c->st.monitor_pid)
			return err__set(e, EALREADY, "container %s is already running",
					c->cfg.name);
		seen = c->st.started_at;
		lock = ctr__lock(c, true, e);
		if (lock < 0)
			return lock;
		/* Or it was another start's, whose run we waited out: that
		 * start was the one asked for, not a second after it. */
		if (ctr__reload_state(c, NULL) < 0 || c->st.started_at != seen) {
			close(lock);
			return err__set(e, EALREADY, "container %s was started meanwhile",
					c->cfg.name);
		}
	}
	if (lock < 0)
		return lock;
	ctr__reload_state(c, NULL);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		close(lock);
		return err__sys(e, errno, "socketpair");
	}
	ctr__send_frame(sv[0], CTR_F_ATTACH, &flags, sizeof(flags));
	pid = fork();
	if (pid < 0) {
		close(lock);
		close(sv[0]);
		close(sv[1]);
		return err__sys(e, errno, "fork");
	}
	if (pid == 0) {
		close(sv[0]);
		setsid();
		if (fork() != 0)
			_exit(0);
		monitor_main(c, lock, sv[1]);
	}
	close(sv[1]);
	close(lock);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*sock = sv[0];
	return 0;
}

/* Wait on sock until the monitor says the container exited (true) or
 * goes without saying so (false). */
static bool wait_exit(int sock)
{
	struct ctr_frame_hdr h;
	static char buf[CTR_FRAME_MAX];

	while (ctr__recv_frame(sock, &h, buf, sizeof(buf)) == 0)
		if (h.type == CTR_F_EXIT)
			return true;
	return false;
}

int ctr__stop(struct ctr *c, int timeout, struct err *e)
{
	int sock, rc;
	int32_t t = timeout;

	rc = ctr__connect(c, 0, &sock, e);
	if (rc == -ENOTCONN)
		return 0;
	if (rc < 0)
		return rc;
	rc = ctr__send_frame(sock, CTR_F_STOP, &t, sizeof(t));
	if (rc == 0 && wait_exit(sock)) {
		close(sock);
		/* The monitor drops the lock before saying so: the state is final. */
		ctr__reload_state(c, NULL);
		return 0;
	}
	close(sock);
	/* Refused or cut off: stopped only if no monitor is left. */
	if (ctr__monitor_alive(c))
		return err__set(e, EIO, "stop %s: its monitor did not take the request",
				c->cfg.name);
	ctr__reload_state(c, NULL);
	return 0;
}

int ctr__kill(struct ctr *c, int sig, struct err *e)
{
	int sock, rc;
	int32_t s = sig;

	rc = ctr__connect(c, 0, &sock, e);
	if (rc < 0)
		return rc;
	rc = ctr__send_frame(sock, CTR_F_SIGNAL, &s, sizeof(s));
	close(sock);
	if (rc < 0)
		return err__sys(e, -rc, "signal %s", c->cfg.name);
	return 0;
}
