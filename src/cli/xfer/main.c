/* main.c - vmkit-xfer: the commands that move image data in and out of the
 * store. vmkit re-execs it for them (cli__xfer) with its own command line,
 * so the global options and messages are the same; only this program
 * loads libcurl, libarchive and OpenSSL. */

#include "cli/cli.h"

#include <stdio.h>

static const struct cli_cmd commands[] = {
	{ "pull", "pull an image from a registry", "", cmd_pull },
	{ "import", "create an image from a root filesystem tarball", "", cmd_import },
	{ "save", "write images to an OCI archive", "", cmd_save },
	{ "load", "read images from an OCI archive", "", cmd_load },
	{ "login", "log in to a registry", "", cmd_login },
	{ "logout", "remove a registry's stored credentials", "", cmd_logout },
};

static void print_help(const char *usage)
{
	printf("vmkit-xfer - vmkit's image transfer commands; run them as `vmkit COMMAND`\n\n"
	       "usage: vmkit %s\n\n"
	       "Commands: pull, import, save, load, login, logout\n",
	       usage);
}

int main(int argc, char **argv)
{
	return cli__dispatch(argc, argv, commands, sizeof(commands) / sizeof(commands[0]),
			     print_help);
}
