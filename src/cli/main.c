/* main.c - `vmkit`: parse the global options and dispatch to a command.
 * The commands that move image data (pull, import, save, load, login,
 * logout) re-exec vmkit-xfer: they need libcurl, libarchive and OpenSSL,
 * whose loading would add about 5 ms to every start of vmkit itself. */

#include "cli/cli.h"

#include <stdio.h>

static const struct cli_cmd commands[] = {
	{ "info", "check what this host can virtualize", "info [--json]", cmd_info },
	{ "vm", "run virtual machines (hypervisor)", "vm COMMAND [OPTIONS]", cmd_vm },
	{ "pull", "pull an image from a registry",
	  "pull [--tls-verify=false] [-q] NAME[:TAG|@DIGEST]", cli__xfer },
	{ "images", "list images", "images [-a] [-q] [--no-trunc] [REPOSITORY[:TAG]]", cmd_images },
	{ "rmi", "remove images", "rmi [-f] IMAGE...", cmd_rmi },
	{ "import", "create an image from a root filesystem tarball", "import FILE|- [NAME[:TAG]]",
	  cli__xfer },
	{ "save", "write images to an OCI archive", "save [-o FILE] IMAGE...", cli__xfer },
	{ "load", "read images from an OCI archive", "load -i FILE", cli__xfer },
	{ "login", "log in to a registry",
	  "login [-u USER] [-p PASS | --password-stdin] [REGISTRY]", cli__xfer },
	{ "logout", "remove a registry's stored credentials", "logout [REGISTRY]", cli__xfer },
	{ "run", "create and start a container", "run [OPTIONS] IMAGE [CMD...]", cmd_run },
	{ "ps", "list containers", "ps [-a] [-q] [--no-trunc]", cmd_ps },
	{ "start", "start containers", "start [-a] [-i] CONTAINER...", cmd_start },
	{ "stop", "stop containers", "stop [-t SECONDS] CONTAINER...", cmd_stop },
	{ "restart", "restart containers", "restart [-t SECONDS] CONTAINER...", cmd_restart },
	{ "kill", "send a signal to containers", "kill [-s SIGNAL] CONTAINER...", cmd_kill },
	{ "attach", "attach to a running container", "attach [--detach-keys KEYS] CONTAINER",
	  cmd_attach },
	{ "logs", "show a container's output", "logs [-f] [-t] [--tail N] CONTAINER", cmd_logs },
	{ "exec", "run a command in a running container",
	  "exec [-i] [-t] [-e K=V] [-u USER] [-w DIR] CONTAINER CMD...", cmd_exec },
	{ "rm", "remove containers", "rm [-f] CONTAINER...", cmd_rm },
	{ "inspect", "show containers or images as JSON", "inspect NAME...", cmd_inspect },
};

static void print_help(const char *usage)
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
	       "    pull, images, rmi, import, save, load, login, logout\n"
	       "  Containers (OS level)\n"
	       "    run, ps, start, stop, restart, kill, attach, logs, exec, rm, inspect\n"
	       "  Language VMs (application level)\n"
	       "    planned: a Java bytecode VM\n\n"
	       "Run 'vmkit COMMAND --help' for a command's options.\n",
	       usage);
}

int main(int argc, char **argv)
{
	return cli__dispatch(argc, argv, commands, sizeof(commands) / sizeof(commands[0]),
			     print_help);
}
