/* ctr_log.c - a container's log file: the monitor appends what the
 * container writes, `vmkit logs` reads it back (see container.h for the
 * record format, the one the CRI defines for container logs). */
#include "common/util.h"
#include "container/container.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#define TS_LEN 30 /* "2026-11-26T11:39:21.123456789Z" */

int ctr__log_write(int fd, int stream, const char *data, size_t len)
{
	const char *name = stream == 2 ? "stderr" : "stdout";
	char ts[40];
	size_t lines = 1, cap, n = 0;
	char *buf;
	int rc = 0;

	for (size_t i = 0; i < len; i++)
		lines += data[i] == '\n';
	ctr__format_time(ctr__now(), ts, sizeof(ts));
	cap = len + lines * (strlen(ts) + 12);
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	/* One record per line; a trailing piece without its newline is a
	 * partial record (P) that the next one continues. */
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t l = nl ? (size_t)(nl - data) : len;

		n += (size_t)sprintf(buf + n, "%s %s %c ", ts, name, nl ? 'F' : 'P');
		memcpy(buf + n, data, l);
		n += l;
		buf[n++] = '\n';
		data += l + (nl ? 1 : 0);
		len -= l + (nl ? 1 : 0);
	}
	if (write(fd, buf, n) != (ssize_t)n)
		rc = -errno;
	free(buf);
	return rc;
}

struct rec {
	const char *ts, *data;
	size_t len;
	int stream;
	bool full;
};

/* Parse one record line (without its newline). */
static bool parse_rec(char *line, size_t len, struct rec *r)
{
	char *sp1 = memchr(line, ' ', len), *sp2;

	if (!sp1)
		return false;
	sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - line));
	if (!sp2 || (size_t)(sp2 + 3 - line) > len)
		return false;
	r->ts = line;
	*sp1 = '\0';
	r->stream = !strncmp(sp1 + 1, "stderr", 6) ? 2 : 1;
	r->full = sp2[1] == 'F';
	r->data = sp2 + 3;
	r->len = len - (size_t)(sp2 + 3 - line);
	return true;
}

struct printer {
	const struct ctr_log_opts *o;
	int fd[3];
	bool midline[3];
};

static int print_rec(struct printer *p, const struct rec *r)
{
	int fd = p->fd[r->stream];
	int rc = 0;

	if (p->o->timestamps && !p->midline[r->stream]) {
		rc = util__write_all(fd, r->ts, strlen(r->ts));
		if (rc == 0)
			rc = util__write_all(fd, " ", 1);
	}
	if (rc == 0)
		rc = util__write_all(fd, r->data, r->len);
	if (rc == 0 && r->full)
		rc = util__write_all(fd, "\n", 1);
	p->midline[r->stream] = !r->full;
	return rc;
}

/* Print the complete records in buf[0..len); returns how much it used. */
static size_t print_buf(struct printer *p, char *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		char *nl = memchr(buf + off, '\n', len - off);
		struct rec r;

		if (!nl)
			break;
		if (parse_rec(buf + off, (size_t)(nl - (buf + off)), &r) && print_rec(p, &r) < 0)
			return len; /* the reader went away */
		off = (size_t)(nl + 1 - buf);
	}
	return off;
}

static int follow(struct ctr *c, struct printer *p, int fd, char **buf, size_t *have, size_t *cap,
		  struct err *e)
{
	char path[4200];
	int in, sock, rc;
	bool done = false;

	if (ctr__connect(c, 0, &sock, NULL) < 0)
		return 0; /* not running: nothing more will come */
	in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	snprintf(path, sizeof(path), "%s/" CTR_LOG_NAME, c->dir);
	if (in < 0 || inotify_add_watch(in, path, IN_MODIFY) < 0) {
		rc = err__sys(e, errno, "watch %s", path);
		goto out;
	}
	for (;;) {
		struct pollfd pf[2] = { { .fd = in, .events = POLLIN },
					{ .fd = sock, .events = POLLIN } };
		char ev[4096];
		ssize_t n;

		/* Read first, then wait: a write between the two still wakes us. */
		for (;;) {
			if (*cap - *have < 65536) {
				char *nb = realloc(*buf, *cap * 2);
				if (!nb) {
					rc = err__set(e, ENOMEM, "read the log");
					goto out;
				}
				*buf = nb;
				*cap *= 2;
			}
			n = read(fd, *buf + *have, *cap - *have);
			if (n <= 0)
				break;
			*have += (size_t)n;
			size_t used = print_buf(p, *buf, *have);
			memmove(*buf, *buf + used, *have - used);
			*have -= used;
		}
		if (done)
			break;
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		while (read(in, ev, sizeof(ev)) > 0)
			;
		if (pf[1].revents) {
			struct ctr_frame_hdr h;
			static char fb[CTR_FRAME_MAX];
			if (ctr__recv_frame(sock, &h, fb, sizeof(fb)) < 0 || h.type == CTR_F_EXIT)
				done = true; /* one last read, then stop */
		}
	}
	rc = 0;
out:
	if (in >= 0)
		close(in);
	close(sock);
	return rc;
}

/* Reading the log in chunks: records are handed to fn one at a time, so
 * memory stays at a chunk plus one record however long the log is. */
struct reader {
	int fd;
	char *buf;
	size_t have, cap;
};

/* Call fn on every complete record from the reader's position to the end
 * of the file; a partial last record stays in r->buf. fn gets the record's
 * line (without its newline, which it may change) and its ordinal. */
static int each_rec(struct reader *r, int (*fn)(void *ctx, char *line, size_t len, long idx),
		    void *ctx, struct err *e)
{
	long idx = 0;

	for (;;) {
		size_t off = 0;
		ssize_t n;

		if (r->cap - r->have < 65536) {
			char *nb = realloc(r->buf, r->cap * 2);
			if (!nb)
				return err__set(e, ENOMEM, "read the log");
			r->buf = nb;
			r->cap *= 2;
		}
		n = read(r->fd, r->buf + r->have, r->cap - r->have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err__sys(e, errno, "read the log");
		if (n == 0)
			return 0;
		r->have += (size_t)n;
		for (char *nl; (nl = memchr(r->buf + off, '\n', r->have - off)); idx++) {
			int rc = fn(ctx, r->buf + off, (size_t)(nl - (r->buf + off)), idx);
			if (rc < 0)
				return rc;
			off = (size_t)(nl + 1 - r->buf);
		}
		memmove(r->buf, r->buf + off, r->have - off);
		r->have -= off;
	}
}

/* --tail N, in two passes over the file. The first counts the records
 * that end lines (F) and notes each stream's last record; the second
 * prints from the record after the (N+1)-th line from the end (cut), with
 * the parts (P records) before cut of a line that goes on after it. Those
 * are the only records held, and only until their stream's line ends: as
 * many bytes as the longest unfinished line. */
struct tail {
	struct printer *p;
	long tail, nfull, seen, cut; /* cut: -1 until found */
	long last[3];                /* each stream's last record */
	char *held;                  /* P records before cut, lines joined by newlines */
	size_t held_len, held_cap;
	bool dropped[3];
};

static int tail_count(void *ctx, char *line, size_t len, long idx)
{
	struct tail *t = ctx;
	struct rec r;

	if (!parse_rec(line, len, &r))
		return 0;
	t->nfull += r.full;
	t->last[r.stream] = idx;
	return 0;
}

/* Forget the held records of stream s (its line ended before cut). */
static void tail_forget(struct tail *t, int s)
{
	size_t off = 0, keep = 0;

	while (off < t->held_len) {
		char *nl = memchr(t->held + off, '\n', t->held_len - off);
		size_t n = (size_t)(nl + 1 - (t->held + off));
		char *sp = memchr(t->held + off, ' ', n);
		int st = sp && !strncmp(sp + 1, "stderr", 6) ? 2 : 1;

		if (st != s) {
			memmove(t->held + keep, t->held + off, n);
			keep += n;
		}
		off += n;
	}
	t->held_len = keep;
}

static int tail_print(void *ctx, char *line, size_t len, long idx)
{
	struct tail *t = ctx;
	struct rec r;
	char *sp, *sp2;
	int st;

	if (t->cut < 0 && t->seen >= t->nfull - t->tail) {
		/* The first kept record: the held parts of lines that go on. */
		t->cut = idx;
		for (size_t off = 0; off < t->held_len;) {
			char *nl = memchr(t->held + off, '\n', t->held_len - off);
			size_t n = (size_t)(nl - (t->held + off));

			if (parse_rec(t->held + off, n, &r) && t->last[r.stream] >= t->cut &&
			    print_rec(t->p, &r) < 0)
				return -EPIPE;
			off += n + 1;
		}
		t->held_len = 0;
	}
	if (t->cut >= 0) {
		if (parse_rec(line, len, &r) && print_rec(t->p, &r) < 0)
			return -EPIPE; /* the reader went away */
		return 0;
	}
	/* Before cut: hold the parts of each stream's unfinished line. */
	sp = memchr(line, ' ', len);
	sp2 = sp ? memchr(sp + 1, ' ', len - (size_t)(sp + 1 - line)) : NULL;
	if (!sp2 || (size_t)(sp2 + 3 - line) > len)
		return 0;
	st = !strncmp(sp + 1, "stderr", 6) ? 2 : 1;
	if (sp2[1] == 'F') {
		t->seen++;
		tail_forget(t, st);
		return 0;
	}
	if (t->held_len + len + 1 > t->held_cap) {
		size_t cap = t->held_cap ? t->held_cap : 4096;
		char *nb;

		while (cap < t->held_len + len + 1)
			cap *= 2;
		nb = realloc(t->held, cap);
		if (!nb)
			return -ENOMEM;
		t->held = nb;
		t->held_cap = cap;
	}
	memcpy(t->held + t->held_len, line, len);
	t->held_len += len;
	t->held[t->held_len++] = '\n';
	return 0;
}

static int all_print(void *ctx, char *line, size_t len, long idx)
{
	struct rec r;

	(void)idx;
	if (parse_rec(line, len, &r) && print_rec(ctx, &r) < 0)
		return -EPIPE; /* the reader went away */
	return 0;
}

int ctr__log_read(struct ctr *c, const struct ctr_log_opts *o, int out_fd, int err_fd,
		  struct err *e)
{
	struct printer p = { .o = o, .fd = { -1, out_fd, err_fd } };
	struct reader r = { .cap = 1 << 20 };
	char path[4200];
	int rc = 0;

	r.buf = malloc(r.cap);
	if (!r.buf)
		return err__set(e, ENOMEM, "read the log");
	snprintf(path, sizeof(path), "%s/" CTR_LOG_NAME, c->dir);
	r.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r.fd < 0) {
		free(r.buf);
		if (errno != ENOENT)
			return err__sys(e, errno, "open %s", path);
		return 0;
	}
	if (o->tail < 0) {
		rc = each_rec(&r, all_print, &p, e);
	} else {
		struct tail t = { .p = &p, .tail = o->tail, .cut = -1, .last = { -1, -1, -1 } };

		rc = each_rec(&r, tail_count, &t, e);
		if (rc == 0 && lseek(r.fd, 0, SEEK_SET) < 0)
			rc = err__sys(e, errno, "read %s", path);
		if (rc == 0) {
			/* From the start again: what was added meanwhile comes
			 * after cut, printed too, as with -f. */
			r.have = 0;
			rc = each_rec(&r, tail_print, &t, e);
		}
		free(t.held);
	}
	if (rc == -EPIPE)
		rc = 0;
	if (rc == 0 && o->follow)
		rc = follow(c, &p, r.fd, &r.buf, &r.have, &r.cap, e);
	close(r.fd);
	free(r.buf);
	return rc;
}
