/* ctr_attach.c - the client side of attach: a terminal (or pipes) relayed
 * to a container's monitor, with Docker's detach keys and signal proxying. */
#include "common/util.h"
#include "container/container.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

int ctr__parse_detach_keys(const char *s, char *keys, size_t size, size_t *n, struct err *e)
{
	const char *p = s;

	*n = 0;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		int key = -1;

		if (len == 1) {
			key = (unsigned char)p[0];
		} else if (len == 6 && !strncmp(p, "ctrl-", 5)) {
			char ch = p[5];
			if (ch >= 'a' && ch <= 'z')
				key = ch - 'a' + 1;
			else if (ch == '@' || ch == '[' || ch == '\\' || ch == ']' || ch == '^' ||
				 ch == '_')
				key = ch - '@';
		}
		if (key < 0 || *n >= size)
			return err__set(
				e, EINVAL,
				"invalid detach keys \"%s\": use a letter or ctrl-<a-z@[\\]^_>, comma-separated",
				s);
		keys[(*n)++] = (char)key;
		p += len + (comma ? 1 : 0);
	}
	if (!*n)
		return err__set(e, EINVAL, "invalid detach keys \"%s\"", s);
	return 0;
}

struct keys {
	char seq[16];
	size_t n, matched;
};

/* Pass stdin bytes on, holding back a possible start of the detach
 * sequence; true once the whole sequence was typed. */
static bool filter_stdin(struct keys *k, const char *in, size_t len, char *out, size_t *olen)
{
	*olen = 0;
	for (size_t i = 0; i < len; i++) {
		if (in[i] == k->seq[k->matched]) {
			if (++k->matched == k->n)
				return true;
			continue;
		}
		memcpy(out + *olen, k->seq, k->matched);
		*olen += k->matched;
		k->matched = 0;
		if (in[i] == k->seq[0])
			k->matched = 1;
		else
			out[(*olen)++] = in[i];
	}
	return false;
}

struct relay {
	int sock;
	const struct ctr_attach_opts *o;
	struct keys keys;
	int in_fd, sig_fd;
	/* Frames for the monitor not sent yet. Sends never block: the
	 * monitor may be blocked sending us output, and we must keep
	 * reading it (a container that writes before it reads its stdin
	 * would otherwise deadlock the two of us). */
	char *q;
	size_t q_len, q_off, q_cap;
};

#define QUEUE_HIGH 65536 /* stop reading stdin above this much unsent */

static int queue_frame(struct relay *r, int type, const void *data, uint32_t len)
{
	struct ctr_frame_hdr h = { .type = (uint8_t)type, .len = len };
	size_t need = r->q_len - r->q_off + sizeof(h) + len;

	if (r->q_off) {
		memmove(r->q, r->q + r->q_off, r->q_len - r->q_off);
		r->q_len -= r->q_off;
		r->q_off = 0;
	}
	if (need > r->q_cap) {
		char *nq = realloc(r->q, need * 2);
		if (!nq)
			return -ENOMEM;
		r->q = nq;
		r->q_cap = need * 2;
	}
	memcpy(r->q + r->q_len, &h, sizeof(h));
	if (len)
		memcpy(r->q + r->q_len + sizeof(h), data, len);
	r->q_len += sizeof(h) + len;
	return 0;
}

/* Send what the socket takes now; -errno if the monitor is gone. */
static int flush_queue(struct relay *r)
{
	while (r->q_off < r->q_len) {
		ssize_t n = send(r->sock, r->q + r->q_off, r->q_len - r->q_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		r->q_off += (size_t)n;
	}
	r->q_off = r->q_len = 0;
	return 0;
}

/* One frame from the monitor; 1 when the container exited. */
static int from_monitor(struct relay *r, int *status, struct err *e)
{
	static char buf[CTR_FRAME_MAX];
	struct ctr_frame_hdr h;
	int32_t code;

	if (ctr__recv_frame(r->sock, &h, buf, sizeof(buf)) < 0)
		return err__set(e, EPIPE, "lost the connection to the container's monitor");
	switch (h.type) {
	case CTR_F_STDOUT:
		util__write_all(r->o->out_fd, buf, h.len);
		break;
	case CTR_F_STDERR:
		util__write_all(r->o->err_fd, buf, h.len);
		break;
	case CTR_F_EXIT:
		memcpy(&code, buf, sizeof(code));
		*status = code;
		return 1;
	default:
		break;
	}
	return 0;
}

/* Stdin to the monitor; 1 when the user detached. */
static int from_stdin(struct relay *r)
{
	char in[4096], out[4096 + 16];
	size_t olen;
	ssize_t n = read(r->in_fd, in, sizeof(in));
	bool detach;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		queue_frame(r, CTR_F_STDIN_EOF, NULL, 0);
		r->in_fd = -1;
		return 0;
	}
	/* Detach keys are a terminal's: piped bytes (a tarball through
	 * run -i) pass untouched, as with docker. */
	if (r->o->tty) {
		detach = filter_stdin(&r->keys, in, (size_t)n, out, &olen);
	} else {
		detach = false;
		memcpy(out, in, (size_t)n);
		olen = (size_t)n;
	}
	if (olen)
		queue_frame(r, CTR_F_STDIN, out, (uint32_t)olen);
	return detach ? 1 : 0;
}

static void queue_size(struct relay *r, int tty_fd)
{
	struct winsize ws;
	uint16_t rc[2];

	if (ioctl(tty_fd, TIOCGWINSZ, &ws) < 0 || !ws.ws_row)
		return;
	rc[0] = ws.ws_row;
	rc[1] = ws.ws_col;
	queue_frame(r, CTR_F_RESIZE, rc, sizeof(rc));
}

static void on_signal(struct relay *r)
{
	struct signalfd_siginfo si;

	while (read(r->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		int32_t sig = (int32_t)si.ssi_signo;
		if (sig == SIGWINCH) {
			if (r->o->tty && r->o->in_fd >= 0)
				queue_size(r, r->o->in_fd);
		} else {
			/* As docker's --sig-proxy: the container gets it. */
			queue_frame(r, CTR_F_SIGNAL, &sig, sizeof(sig));
		}
	}
}

int ctr__attach_relay(int sock, const struct ctr_attach_opts *o, int *status, bool *detached,
		      struct err *e)
{
	struct relay r = { .sock = sock, .o = o, .in_fd = o->in_fd };
	struct termios saved;
	bool raw = false;
	sigset_t ss, old;
	int rc = 0;

	*detached = false;
	*status = 0;
	rc = ctr__parse_detach_keys(o->detach_keys ? o->detach_keys : "ctrl-p,ctrl-q", r.keys.seq,
				    sizeof(r.keys.seq), &r.keys.n, e);
	if (rc < 0)
		return rc;
	if (o->tty && o->in_fd >= 0 && isatty(o->in_fd) && tcgetattr(o->in_fd, &saved) == 0) {
		struct termios t = saved;
		cfmakeraw(&t);
		raw = tcsetattr(o->in_fd, TCSANOW, &t) == 0;
	}
	if (o->tty && o->in_fd >= 0 && isatty(o->in_fd))
		queue_size(&r, o->in_fd);
	sigemptyset(&ss);
	sigaddset(&ss, SIGWINCH);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGHUP);
	sigprocmask(SIG_BLOCK, &ss, &old);
	r.sig_fd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK);
	for (rc = 0; rc == 0;) {
		struct pollfd pf[3];

		if (flush_queue(&r) < 0) {
			/* The monitor stopped listening (the container ended):
			 * drop what is unsent and read what it said last. */
			r.q_off = r.q_len = 0;
			r.in_fd = -1;
		}
		pf[0] = (struct pollfd){ .fd = sock,
					 .events = POLLIN | (r.q_len > r.q_off ? POLLOUT : 0) };
		pf[1] = (struct pollfd){ .fd = r.q_len - r.q_off > QUEUE_HIGH ? -1 : r.in_fd,
					 .events = POLLIN };
		pf[2] = (struct pollfd){ .fd = r.sig_fd, .events = POLLIN };
		if (poll(pf, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = err__sys(e, errno, "poll");
			break;
		}
		if (pf[0].revents & (POLLIN | POLLHUP | POLLERR))
			rc = from_monitor(&r, status, e);
		if (rc == 0 && pf[1].revents && r.in_fd >= 0 && from_stdin(&r) == 1) {
			*detached = true;
			break;
		}
		if (rc == 0 && pf[2].revents)
			on_signal(&r);
	}
	if (*detached || rc != 0)
		flush_queue(&r); /* what was typed before the detach keys */
	free(r.q);
	if (r.sig_fd >= 0)
		close(r.sig_fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (raw)
		tcsetattr(o->in_fd, TCSANOW, &saved);
	return rc < 0 ? rc : 0;
}
