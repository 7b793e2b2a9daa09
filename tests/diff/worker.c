/* worker.c - a forked process serving batches through shared memory, one pipe round trip each. */
#include "cpudiff.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Both worlds run in workers: the native side must (it executes the
 * tested bytes itself), the emulator side so that a crash, a sanitizer
 * abort or a hang costs one family, not the run. The parent writes a
 * batch into shared memory and a count into the command pipe; the worker
 * answers with the same count on the acknowledgement pipe when its
 * results are in place.
 */

#define WAIT_MS 60000

struct worker {
	pid_t pid;
	int cmd, ack;
	struct batch *b;
	const char *name;
};

static _Noreturn void serve(const struct worker_ops *ops, void *ctx, struct batch *b, int cmd,
			    int ack)
{
	uint32_t n;

	if (ops->init && !ops->init(ctx))
		_exit(3);
	while (read(cmd, &n, sizeof(n)) == (ssize_t)sizeof(n) && n) {
		b->n = n;
		ops->run(b, ctx);
		if (write(ack, &n, sizeof(n)) != (ssize_t)sizeof(n))
			break;
	}
	_exit(0);
}

struct worker *worker__start(const struct worker_ops *ops, void *ctx, struct batch *b, char *why,
			     size_t len)
{
	int to[2], from[2];
	struct worker *w = calloc(1, sizeof(*w));

	if (!w || pipe(to) < 0 || pipe(from) < 0) {
		snprintf(why, len, "%s: cannot create pipes: %s", ops->name, strerror(errno));
		free(w);
		return NULL;
	}
	fflush(stdout);
	fflush(stderr);
	w->pid = fork();
	if (w->pid < 0) {
		snprintf(why, len, "%s: fork: %s", ops->name, strerror(errno));
		free(w);
		return NULL;
	}
	if (w->pid == 0) {
		close(to[1]);
		close(from[0]);
		serve(ops, ctx, b, to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	w->cmd = to[1];
	w->ack = from[0];
	w->b = b;
	w->name = ops->name;
	return w;
}

static void describe_exit(struct worker *w, char *why, size_t len)
{
	int st = 0;

	if (waitpid(w->pid, &st, 0) < 0)
		snprintf(why, len, "%s lost: %s", w->name, strerror(errno));
	else if (WIFSIGNALED(st))
		snprintf(why, len, "%s killed by signal %d%s", w->name, WTERMSIG(st),
			 WTERMSIG(st) == SIGSYS ? " (seccomp)" : "");
	else
		snprintf(why, len, "%s exited with status %d", w->name, WEXITSTATUS(st));
	w->pid = -1;
}

bool worker__send(struct worker *w, char *why, size_t len)
{
	uint32_t n = w->b->n;

	if (write(w->cmd, &n, sizeof(n)) != (ssize_t)sizeof(n)) {
		describe_exit(w, why, len);
		return false;
	}
	return true;
}

bool worker__wait(struct worker *w, char *why, size_t len)
{
	struct pollfd p = { .fd = w->ack, .events = POLLIN };
	uint32_t got = 0;

	if (poll(&p, 1, WAIT_MS) <= 0) {
		kill(w->pid, SIGKILL);
		describe_exit(w, why, len);
		snprintf(why, len, "%s hung (killed after %d s)", w->name, WAIT_MS / 1000);
		return false;
	}
	if (read(w->ack, &got, sizeof(got)) != (ssize_t)sizeof(got) || got != w->b->n) {
		describe_exit(w, why, len);
		return false;
	}
	return true;
}

void worker__stop(struct worker *w)
{
	uint32_t zero = 0;

	if (!w)
		return;
	if (w->pid > 0) {
		if (write(w->cmd, &zero, sizeof(zero)) < 0)
			kill(w->pid, SIGKILL);
		waitpid(w->pid, NULL, 0);
	}
	close(w->cmd);
	close(w->ack);
	free(w);
}
