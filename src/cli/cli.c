/* cli.c - what every command shares: the global options and dispatch
 * (used by vmkit and by vmkit-xfer), error printing, the image store. */
#include "cli/cli.h"

#include "common/log.h"
#include "image/image.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef VMKIT_VERSION
#define VMKIT_VERSION "0.0.0-dev"
#endif

const char *cli__root;
static char **cli_argv; /* as the process got it, for cli__xfer */

int cli__usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fputs("vmkit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: vmkit %s\n", usage);
	return CLI_EXIT_USAGE;
}

int cli__fail(const char *fmt, ...)
{
	va_list ap;

	fputs("vmkit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_FAIL;
}

/* Why cli__getopt refused a word getopt_long would have taken, or NULL. */
static const char *getopt_why;

int cli__getopt(int argc, char **argv, const char *shorts, const struct option *longs)
{
	const char *w, *v;
	const struct option *o;
	size_t n;
	int c;

	getopt_why = NULL;
	for (;;) {
		/* glibc re-initialises at optind 0 and then looks at argv[1]. A
		 * word that starts with "--" is never inside a cluster of short
		 * options, so it is the next word getopt_long would read. */
		int i = optind ? optind : 1;

		w = i < argc ? argv[i] : NULL;
		if (!w || w[0] != '-' || w[1] != '-' || !w[2])
			break;
		n = strcspn(w + 2, "=");
		for (o = longs; o->name; o++)
			if (strlen(o->name) == n && strncmp(o->name, w + 2, n) == 0)
				break;
		if (!o->name) {
			optind = i + 1;
			optopt = 0;
			return '?';
		}
		if (o->has_arg != no_argument || w[2 + n] != '=')
			break;
		/* A flag given a value, as Docker's parser allows. */
		optind = i + 1;
		optarg = NULL;
		v = w + 3 + n;
		if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
			continue; /* as if not given */
		if (strcmp(v, "true") != 0 && strcmp(v, "1") != 0) {
			getopt_why = "takes true or false";
			return '?';
		}
		if (o->flag) {
			*o->flag = o->val;
			return 0;
		}
		return o->val;
	}
	c = getopt_long(argc, argv, shorts, longs, NULL);
	/* "-e=K=V" is "-e K=V" to Docker: drop the '=' right after a short
	 * option's letter when the argument was attached to it. */
	if (c > 0 && c < 256 && optarg && optarg[0] == '=' && optind > 0 &&
	    optarg > argv[optind - 1] && optarg <= argv[optind - 1] + strlen(argv[optind - 1]) &&
	    optarg[-1] == c)
		optarg++;
	return c;
}

int cli__bad_option(const char *usage, char **argv, int opt)
{
	/* getopt leaves the offending word at argv[optind - 1]. */
	const char *word = optind > 0 ? argv[optind - 1] : "?";

	if (getopt_why) {
		int n = (int)strcspn(word, "=");

		return cli__usage_error(usage, "option '%.*s' %s", n, word, getopt_why);
	}
	if (opt == ':')
		return cli__usage_error(usage, "option '%s' needs an argument", word);
	if (optopt && !(word[0] == '-' && word[1] == '-'))
		return cli__usage_error(usage, "unknown option '-%c'", optopt);
	return cli__usage_error(usage, "unknown option '%s'", word);
}

int cli__open_store(struct img_store **s)
{
	struct err e = { 0 };

	if (img_store__open(cli__root, s, &e) < 0)
		return cli__fail("%s", e.msg);
	return 0;
}

/* Parse the common "-h/--help" plus the command's own options. Returns -1
 * to go on, or an exit status. */
int cli__help_or_fail(const char *usage, const char *text, char **argv, int c)
{
	if (c == 'h') {
		printf("usage: vmkit %s\n\n%s", usage, text);
		return 0;
	}
	return cli__bad_option(usage, argv, c);
}

void cli__print_line(void *ctx, const char *line)
{
	(void)ctx;
	printf("%s\n", line);
	fflush(stdout);
}

static const char main_usage[] = "[--version] [--help] [-v] [--root DIR] COMMAND [ARGS...]";

int cli__dispatch(int argc, char **argv, const struct cli_cmd *cmds, size_t ncmds,
		  void (*help)(const char *usage))
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "root", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	cli_argv = argv;
	/* '+': stop at the command name, so its options are its own. */
	while ((c = cli__getopt(argc, argv, "+:hVvr:", opts)) != -1) {
		switch (c) {
		case 'h':
			help(main_usage);
			return 0;
		case 'V':
			printf("vmkit %s\n", VMKIT_VERSION);
			return 0;
		case 'v':
			if (log__level < LOG_DEBUG)
				log__level++;
			break;
		case 'r':
			cli__root = optarg;
			break;
		default:
			return cli__bad_option(main_usage, argv, c);
		}
	}
	if (optind >= argc)
		return cli__usage_error(main_usage, "no command given (try 'vmkit --help')");
	if (strcmp(argv[optind], "help") == 0) {
		help(main_usage);
		return 0;
	}
	for (size_t i = 0; i < ncmds; i++) {
		if (strcmp(argv[optind], cmds[i].name) == 0) {
			int first = optind;

			optind = 0; /* glibc: 0 re-initialises getopt for the command */
			return cmds[i].main(argc - first, argv + first);
		}
	}
	return cli__usage_error(main_usage, "unknown command '%s' (try 'vmkit --help')",
				argv[optind]);
}

/* vmkit-xfer lives beside the running vmkit (build/ or the install dir). */
static int xfer_path(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - sizeof("vmkit-xfer"));
	char *slash;

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return -ENOENT;
	strcpy(slash + 1, "vmkit-xfer");
	return 0;
}

int cli__xfer(int argc, char **argv)
{
	char path[PATH_MAX];
	int r = xfer_path(path, sizeof(path));

	(void)argc;
	if (r == 0) {
		execv(path, cli_argv);
		r = -errno;
	}
	return cli__fail("%s: cannot run vmkit-xfer: %s", argv[0], strerror(-r));
}

int cli__xfer_run(char *const *args)
{
	char path[PATH_MAX], *argv[32];
	int n = 0, st, r = xfer_path(path, sizeof(path));
	pid_t pid;

	if (r < 0)
		return r;
	if (access(path, X_OK) < 0)
		return -errno;
	argv[n++] = path;
	for (int l = LOG_WARN; l < (int)log__level && n < 4; l++)
		argv[n++] = "-v";
	if (cli__root) {
		argv[n++] = "--root";
		argv[n++] = (char *)cli__root;
	}
	while (*args && n < 31)
		argv[n++] = *args++;
	argv[n] = NULL;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(2, 1); /* the caller's stdout is not for progress lines */
		execv(path, argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
