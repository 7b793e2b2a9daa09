/* login.c - `vmkit login` and `vmkit logout`: registry credentials in
 * ROOT/auth.json, checked against the registry before they are stored. */
#include "cli/cli.h"
#include "image/registry.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define DEFAULT_REGISTRY "docker.io"

static const char login_usage[] =
	"login [-u USER] [-p PASS | --password-stdin] [--tls-verify=false] [REGISTRY]";
static const char logout_usage[] = "logout [REGISTRY]";

static void login_help(void)
{
	printf("usage: vmkit %s\n\n"
	       "Check credentials against a registry and store them in ROOT/auth.json (0600).\n\n"
	       "  -u, --username USER     user name (asked on a terminal when missing)\n"
	       "  -p, --password PASS     password (visible to other users: prefer the next)\n"
	       "      --password-stdin    read the password from standard input\n"
	       "      --tls-verify=false  accept any certificate; allow plain HTTP\n"
	       "REGISTRY defaults to %s.\n",
	       login_usage, DEFAULT_REGISTRY);
}

/* One line from f, newline stripped; NULL at EOF with nothing read. */
static char *read_line(FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);

	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

/* Asked on the terminal, the password without echo. */
static char *prompt(const char *what, bool secret)
{
	struct termios old, quiet;
	bool restore = false;
	char *line;

	fprintf(stderr, "%s: ", what);
	fflush(stderr);
	if (secret && !tcgetattr(STDIN_FILENO, &old)) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		restore = !tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	line = read_line(stdin);
	if (restore) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	return line;
}

static int parse_bool(const char *s, bool *out)
{
	if (!s || !strcmp(s, "true") || !strcmp(s, "1"))
		*out = true;
	else if (!strcmp(s, "false") || !strcmp(s, "0"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

int cmd_login(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "username", required_argument, NULL, 'u' },
		{ "password", required_argument, NULL, 'p' },
		{ "password-stdin", no_argument, NULL, 'P' },
		{ "tls-verify", optional_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *user = NULL, *pass = NULL, *registry;
	char *user_buf = NULL, *pass_buf = NULL; /* read from stdin or the terminal */
	bool from_stdin = false, tls_verify = true;
	struct err e = { 0 };
	int c, rc;

	while ((c = cli__getopt(argc, argv, "+:u:p:h", opts)) != -1) {
		switch (c) {
		case 'u':
			user = optarg;
			break;
		case 'p':
			pass = optarg;
			break;
		case 'P':
			from_stdin = true;
			break;
		case 'T':
			if (parse_bool(optarg, &tls_verify))
				return cli__usage_error(
					login_usage, "--tls-verify takes true or false, not '%s'",
					optarg);
			break;
		case 'h':
			login_help();
			return 0;
		default:
			return cli__bad_option(login_usage, argv, c);
		}
	}
	if (argc - optind > 1)
		return cli__usage_error(login_usage, "too many arguments");
	if (pass && from_stdin)
		return cli__usage_error(login_usage,
					"--password and --password-stdin are exclusive");
	if (from_stdin && !user)
		return cli__usage_error(login_usage, "--password-stdin needs --username");
	registry = optind < argc ? argv[optind] : DEFAULT_REGISTRY;
	if (pass)
		fprintf(stderr,
			"WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
	if (from_stdin) {
		pass = pass_buf = read_line(stdin);
		if (!pass)
			return cli__fail("login: no password on standard input");
	}
	if (!user && isatty(STDIN_FILENO))
		user = user_buf = prompt("Username", false);
	if (!pass && user && isatty(STDIN_FILENO))
		pass = pass_buf = prompt("Password", true);
	if (!user || !*user || !pass) {
		rc = cli__usage_error(login_usage, "a username and a password are needed");
		goto out;
	}
	rc = reg__login(cli__root, registry, user, pass, tls_verify, &e);
	if (rc) {
		rc = cli__fail("login: %s", e.msg);
		goto out;
	}
	printf("Login Succeeded\n");
	rc = 0;
out:
	if (pass_buf)
		explicit_bzero(pass_buf, strlen(pass_buf));
	free(user_buf);
	free(pass_buf);
	return rc;
}

int cmd_logout(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *registry;
	struct err e = { 0 };
	char key[256];
	int c, rc;

	while ((c = cli__getopt(argc, argv, "+:h", opts)) != -1) {
		if (c == 'h') {
			printf("usage: vmkit %s\n\nRemove the credentials stored for REGISTRY "
			       "(default %s).\n",
			       logout_usage, DEFAULT_REGISTRY);
			return 0;
		}
		return cli__bad_option(logout_usage, argv, c);
	}
	if (argc - optind > 1)
		return cli__usage_error(logout_usage, "too many arguments");
	registry = optind < argc ? argv[optind] : DEFAULT_REGISTRY;
	reg__host_key(registry, key, sizeof(key));
	rc = reg__logout(cli__root, registry, &e);
	if (rc == -ENOENT) {
		/* As Docker: nothing to remove is not a failure. */
		printf("Not logged in to %s\n", key);
		return 0;
	}
	if (rc)
		return cli__fail("logout: %s", e.msg);
	printf("Removing login credentials for %s\n", key);
	return 0;
}
