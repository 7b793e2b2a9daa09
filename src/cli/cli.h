/* cli.h - the command-line front end: one file per command group.
 *
 * Conventions every command keeps: `--help` prints usage on stdout and
 * exits 0; an unknown option or a missing argument prints "vmkit: <why>"
 * and the usage line on stderr and exits 2; any other failure prints
 * "vmkit: <what>: <why>" on stderr and exits 1 (or the guest's status). */
#ifndef VMKIT_CLI_CLI_H
#define VMKIT_CLI_CLI_H

#define CLI_EXIT_FAIL  1
#define CLI_EXIT_USAGE 2

struct cli_cmd {
	const char *name;
	const char *summary;
	const char *usage;                  /* one line, after "usage: vmkit " */
	int (*main)(int argc, char **argv); /* argv[0] is the command name */
};

/* Print "vmkit: <msg>" and "usage: vmkit <usage>" on stderr; returns 2. */
int cli__usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print "vmkit: <msg>" on stderr; returns 1. */
int cli__fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Report an option getopt rejected (it stays quiet: we pass ':' first). */
int cli__bad_option(const char *usage, char **argv, int optopt_val);

/* The state directory for images and containers (--root), or NULL for
 * the default (/var/lib/vmkit). */
extern const char *cli__root;

int cmd_info(int argc, char **argv);
int cmd_vm(int argc, char **argv);

/* image.c: images */
int cmd_pull(int argc, char **argv);
int cmd_images(int argc, char **argv);
int cmd_rmi(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_save(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_login(int argc, char **argv);

/* container.c: containers */
int cmd_run(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_restart(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_inspect(int argc, char **argv);

#endif
