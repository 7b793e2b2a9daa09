/* cli.h - the command-line front end: one file per command group.
 *
 * Conventions every command keeps: `--help` prints usage on stdout and
 * exits 0; an unknown option or a missing argument prints "vmkit: <why>"
 * and the usage line on stderr and exits 2; any other failure prints
 * "vmkit: <what>: <why>" on stderr and exits 1 (or the guest's status). */
#ifndef VMKIT_CLI_CLI_H
#define VMKIT_CLI_CLI_H

#include <getopt.h>
#include <stddef.h>

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

/* getopt_long for every command, stricter and closer to Docker's parser:
 * a long option must be spelled in full (no unique prefixes: --priv is
 * not --privileged), a flag may be given as --flag=true or --flag=false
 * (or 1/0; false is as if not given), and a short option's attached
 * argument may follow an '=' (-e=K=V is -e K=V). A refused word returns
 * '?' for cli__bad_option to report. */
int cli__getopt(int argc, char **argv, const char *shorts, const struct option *longs);

/* Report an option getopt rejected (it stays quiet: we pass ':' first). */
int cli__bad_option(const char *usage, char **argv, int optopt_val);

/* The state directory for images and containers (--root), or NULL for
 * the default (/var/lib/vmkit). */
extern const char *cli__root;

/* Parse the global options (--root, -v, --help, --version) and run the
 * command argv names from cmds. help prints the program's help. */
int cli__dispatch(int argc, char **argv, const struct cli_cmd *cmds, size_t ncmds,
		  void (*help)(const char *usage));

/* A command vmkit-xfer runs: re-exec it with this process's command line. */
int cli__xfer(int argc, char **argv);
/* Run `vmkit-xfer [--root ROOT] ARGS...` as a child (run's pull of a
 * missing image), its stdout sent to stderr; its exit status, or a
 * negative errno. */
int cli__xfer_run(char *const *args);

struct img_store;
/* Open the image store at cli__root; prints the error and returns 1. */
int cli__open_store(struct img_store **s);
/* For a command's option loop: -h prints "usage: vmkit USAGE" and text
 * and returns 0; any other option is reported as cli__bad_option does. */
int cli__help_or_fail(const char *usage, const char *text, char **argv, int c);
/* A progress callback for the image calls: the line on stdout, flushed. */
void cli__print_line(void *ctx, const char *line);

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
int cmd_logout(int argc, char **argv); /* login.c */

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
