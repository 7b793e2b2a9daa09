/* main.c - `vmkit`: parse the global options and dispatch to a command. */

#include "cli/cli.h"

#include "common/log.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifndef VMKIT_VERSION
#define VMKIT_VERSION "0.0.0-dev"
#endif

static const struct cli_cmd commands[] = {
	{ "info", "check what this host can virtualize", "info [--json]", cmd_info },
	{ "vm", "run virtual machines (hypervisor)", "vm COMMAND [OPTIONS]", cmd_vm },
	{ "pull", "pull an image from a registry", "pull NAME[:TAG|@DIGEST]", cmd_pull },
	{ "images", "list images", "images", cmd_images },
	{ "rmi", "remove images", "rmi IMAGE...", cmd_rmi },
	{ "import", "create an image from a root filesystem tarball", "import TARBALL NAME[:TAG]",
	  cmd_import },
	{ "save", "write images to an OCI archive", "save -o FILE IMAGE...", cmd_save },
	{ "load", "read images from an OCI archive", "load -i FILE", cmd_load },
	{ "login", "log in to a registry", "login [-u USER] [-p PASS] REGISTRY", cmd_login },
	{ "run", "create and start a container", "run [OPTIONS] IMAGE [CMD...]", cmd_run },
	{ "ps", "list containers", "ps [-a]", cmd_ps },
	{ "start", "start containers", "start [-a] [-i] CONTAINER...", cmd_start },
	{ "stop", "stop containers", "stop [-t SECONDS] CONTAINER...", cmd_stop },
	{ "restart", "restart containers", "restart [-t SECONDS] CONTAINER...", cmd_restart },
	{ "kill", "send a signal to containers", "kill [-s SIGNAL] CONTAINER...", cmd_kill },
	{ "attach", "attach to a running container", "attach [--detach-keys KEYS] CONTAINER",
	  cmd_attach },
	{ "logs", "show a container's output", "logs [-f] [--tail N] CONTAINER", cmd_logs },
	{ "exec", "run a command in a running container", "exec [-i] [-t] CONTAINER CMD...",
	  cmd_exec },
	{ "rm", "remove containers", "rm [-f] CONTAINER...", cmd_rm },
	{ "inspect", "show containers or images as JSON", "inspect NAME...", cmd_inspect },
};

const char *cli__root;

static const char main_usage[] = "[--version] [--help] [-v] [--root DIR] COMMAND [ARGS...]";

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

int cli__bad_option(const char *usage, char **argv, int opt)
{
	/* getopt leaves the offending word at argv[optind - 1]. */
	const char *word = optind > 0 ? argv[optind - 1] : "?";

	if (opt == ':')
		return cli__usage_error(usage, "option '%s' needs an argument", word);
	if (optopt && !(word[0] == '-' && word[1] == '-'))
		return cli__usage_error(usage, "unknown option '-%c'", optopt);
	return cli__usage_error(usage, "unknown option '%s'", word);
}

static void print_help(void)
{
	printf("vmkit - a virtualization toolkit: virtual machines, containers, language VMs\n\n"
	       "usage: vmkit %s\n\n"
	       "Options:\n"
	       "  -h, --help      show this help\n"
	       "  -V, --version   show the version\n"
	       "  -v, --verbose   more diagnostics (repeat for debug)\n"
	       "      --root DIR  state for images and containers (default /var/lib/vmkit)\n\n"
	       "Command groups:\n"
	       "  Host\n"
	       "    info          check what this host can virtualize (KVM, CPU, containers)\n"
	       "  Machines (hypervisor)\n"
	       "    vm run        boot a guest kernel under KVM or the software CPU\n"
	       "  Images\n"
	       "    pull, images, rmi, import, save, load, login\n"
	       "  Containers (OS level)\n"
	       "    run, ps, start, stop, restart, kill, attach, logs, exec, rm, inspect\n"
	       "  Language VMs (application level)\n"
	       "    planned: a Java bytecode VM\n\n"
	       "Run 'vmkit COMMAND --help' for a command's options.\n",
	       main_usage);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "root", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	/* '+': stop at the command name, so its options are its own. */
	while ((c = getopt_long(argc, argv, "+:hVvr:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			print_help();
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
		print_help();
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			int first = optind;

			optind = 0; /* glibc: 0 re-initialises getopt for the command */
			return commands[i].main(argc - first, argv + first);
		}
	}
	return cli__usage_error(main_usage, "unknown command '%s' (try 'vmkit --help')",
				argv[optind]);
}
