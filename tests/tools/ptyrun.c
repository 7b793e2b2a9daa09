/* ptyrun.c - run a command on a fresh pty and drive it like a person at
 * a terminal, for tests of -t, attach and the detach keys.
 *
 *   ptyrun [STEP...] -- CMD [ARG...]
 *     -e TEXT   wait (up to 10 s) until the output shows TEXT (after the
 *               previous match)
 *     -s TEXT   type TEXT; C escapes \r \n \t \\ \xHH (ctrl-p is \x10)
 *
 * After the steps it waits (up to 10 s) for CMD to exit, prints everything
 * CMD wrote and exits with CMD's status (124 on a timeout, 128+n for a
 * signal). */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS 10000

static char out[1 << 20];
static size_t out_len, matched;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Read what is there within ms; false at the end of the output. */
static int pump(int master, int ms)
{
	struct pollfd pf = { .fd = master, .events = POLLIN };
	ssize_t n;

	if (poll(&pf, 1, ms) <= 0)
		return 1;
	n = read(master, out + out_len, sizeof(out) - 1 - out_len);
	if (n <= 0)
		return 0; /* EIO once the last slave fd is closed */
	out_len += (size_t)n;
	out[out_len] = '\0';
	return 1;
}

static size_t unescape(const char *s, char *d)
{
	size_t n = 0;

	while (*s) {
		if (*s != '\\' || !s[1]) {
			d[n++] = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'r':
			d[n++] = '\r';
			s++;
			break;
		case 'n':
			d[n++] = '\n';
			s++;
			break;
		case 't':
			d[n++] = '\t';
			s++;
			break;
		case 'x': {
			char hex[3] = { s[1], s[1] ? s[2] : 0, 0 };
			d[n++] = (char)strtol(hex, NULL, 16);
			s += 1 + strlen(hex);
			break;
		}
		default:
			d[n++] = *s++;
		}
	}
	return n;
}

static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

static void __attribute__((noreturn)) give_up(pid_t pid, const char *why, const char *what)
{
	fwrite(out, 1, out_len, stdout);
	fprintf(stderr, "\nptyrun: %s %s\n", why, what);
	kill(pid, SIGKILL);
	exit(124);
}

int main(int argc, char **argv)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	int master, cmd = 1, status = 0;
	long long deadline;
	pid_t pid;

	while (cmd < argc && strcmp(argv[cmd], "--"))
		cmd += 2;
	if (cmd + 1 >= argc) {
		fprintf(stderr, "usage: ptyrun [-e TEXT | -s TEXT]... -- CMD [ARG...]\n");
		return 2;
	}
	pid = forkpty(&master, NULL, NULL, &ws);
	if (pid < 0) {
		perror("ptyrun: forkpty");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[cmd + 1], argv + cmd + 1);
		perror("ptyrun: exec");
		_exit(127);
	}
	for (int i = 1; i < cmd; i += 2) {
		if (!strcmp(argv[i], "-s")) {
			char buf[4096];
			size_t n = unescape(argv[i + 1], buf);
			if (write(master, buf, n) != (ssize_t)n)
				give_up(pid, "could not type", argv[i + 1]);
			continue;
		}
		deadline = now_ms() + TIMEOUT_MS;
		for (;;) {
			char *hit = strstr(out + matched, argv[i + 1]);
			if (hit) {
				matched = (size_t)(hit - out) + strlen(argv[i + 1]);
				break;
			}
			if (now_ms() > deadline || !pump(master, 100))
				give_up(pid, "did not see", argv[i + 1]);
		}
	}
	/* Until it closes the pty (or exits), then reap it: the alarm is
	 * the limit for both. */
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART: waitpid must stop */
	sigaction(SIGALRM, &sa, NULL);
	alarm(TIMEOUT_MS / 1000);
	while (!timed_out && pump(master, 100) && waitpid(pid, &status, WNOHANG) != pid)
		;
	while (!timed_out && pump(master, 0) && out_len < sizeof(out) - 1) {
		struct pollfd pf = { .fd = master, .events = POLLIN };
		if (poll(&pf, 1, 0) <= 0)
			break;
	}
	if (!timed_out && waitpid(pid, &status, 0) != pid && errno != ECHILD)
		timed_out = 1;
	if (timed_out)
		give_up(pid, "timed out waiting for", argv[cmd + 1]);
	fwrite(out, 1, out_len, stdout);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
