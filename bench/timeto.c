/* timeto.c - time a command from the moment it is started until its
 * standard output shows a pattern (or its first byte), and until it exits.
 * Runs it N times and prints each run and the median, minimum and maximum.
 *
 *   timeto [-n RUNS] [-p PATTERN] [-i INPUT] -- COMMAND [ARGS...]
 *
 * With -p '' only the time to exit is measured.
 * The clock starts just before posix_spawn(), so the figure includes the
 * exec and everything the program does before its first output. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One run: returns 0 and sets *first (ms to the pattern) and *total. */
static int run_once(char **argv, const char *pattern, const char *input, double *first,
		    double *total, int *status)
{
	posix_spawn_file_actions_t fa;
	int out[2], in[2] = { -1, -1 }, devnull;
	char buf[65536];
	size_t have = 0;
	double t0;
	pid_t pid;

	*first = -1;
	if (pipe2(out, O_CLOEXEC) < 0 || (input && pipe2(in, O_CLOEXEC) < 0))
		return -1;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, input ? in[0] : devnull, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, devnull, 2);
	t0 = now_ms();
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		perror(argv[0]);
		return -1;
	}
	close(out[1]);
	if (input) {
		close(in[0]);
		if (write(in[1], input, strlen(input)) < 0)
			perror("write");
		close(in[1]);
	}
	for (;;) {
		ssize_t n = read(out[0], buf + have, sizeof(buf) - 1 - have);

		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		if (*first < 0 && (!pattern || (*pattern && memmem(buf, have, pattern, strlen(pattern)))))
			*first = now_ms() - t0;
		if (have > sizeof(buf) / 2) { /* keep the tail for matching */
			memmove(buf, buf + have - 1024, 1024);
			have = 1024;
		}
	}
	waitpid(pid, status, 0);
	*total = now_ms() - t0;
	close(out[0]);
	close(devnull);
	posix_spawn_file_actions_destroy(&fa);
	return 0;
}

int main(int argc, char **argv)
{
	const char *pattern = NULL, *input = NULL;
	int runs = 10, c, status = 0;
	double *firsts, *totals;

	while ((c = getopt(argc, argv, "+n:p:i:")) != -1) {
		switch (c) {
		case 'n': runs = atoi(optarg); break;
		case 'p': pattern = optarg; break;
		case 'i': input = optarg; break;
		default:
			fprintf(stderr, "usage: timeto [-n RUNS] [-p PATTERN] [-i INPUT] -- CMD...\n");
			return 2;
		}
	}
	if (optind >= argc || runs < 1) {
		fprintf(stderr, "usage: timeto [-n RUNS] [-p PATTERN] [-i INPUT] -- CMD...\n");
		return 2;
	}
	firsts = calloc((size_t)runs, sizeof(double));
	totals = calloc((size_t)runs, sizeof(double));
	for (int i = 0; i < runs; i++) {
		if (run_once(argv + optind, pattern, input, &firsts[i], &totals[i], &status) < 0)
			return 1;
		if (firsts[i] < 0 && !(pattern && !*pattern)) {
			fprintf(stderr, "timeto: run %d: pattern never seen (exit status %d)\n", i + 1,
				WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			return 1;
		}
	}
	if (!(pattern && !*pattern)) {
		printf("to output: median %.2f ms", median(firsts, runs));
		printf(" (min %.2f, max %.2f)\n", firsts[0], firsts[runs - 1]);
	}
	printf("to exit:   median %.2f ms", median(totals, runs));
	printf(" (min %.2f, max %.2f)\n", totals[0], totals[runs - 1]);
	printf("runs: %d, last exit status %d\n", runs, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}
