/* runtime.h - one container process: namespaces, an overlayfs root over
 * the image's layers, /proc /sys /dev as Docker mounts them (with its
 * masked and read-only paths), pivot_root, cgroup limits, networking, then
 * sec__enter() and execve. The monitor (monitor.c) calls rt__spawn once per
 * start and rt__exec for `vmkit exec`.
 *
 * Nothing it mounts is visible on the host: the root and every mount live
 * in the container's own mount namespace and go when its last process does.
 * Library code: fallible calls return a negative errno and fill a struct err. */
#ifndef VMKIT_CONTAINER_RUNTIME_H
#define VMKIT_CONTAINER_RUNTIME_H

#include "common/err.h"
#include "container/cgroup.h"
#include "container/net.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct rt_bind {
	const char *src; /* host path */
	const char *dst; /* absolute path in the container */
	bool ro;
};

struct rt_spec {
	const char *id;            /* 64 hex digits */
	const char *root;          /* vmkit state directory (net leases live there) */
	const char *const *layers; /* read-only lower dirs, bottom first */
	int nlayers;
	const char *upper;   /* overlay upper and work dirs: the container's */
	const char *work;    /* changes, kept across stop and start */
	const char *rootfs;  /* an empty directory to mount the merged root on */
	const char *etc_dir; /* holds hosts, hostname, resolv.conf, bound into /etc */

	char *const *argv; /* entrypoint + cmd, already combined; argv[0] looked up in PATH */
	char *const *env;  /* "K=V"; PATH and HOSTNAME added if missing */
	const char *cwd;   /* "/" if NULL; created if missing, as Docker does */
	const char *user;  /* "uid[:gid]", "name[:group]" or NULL (root), resolved in the rootfs */
	const char *hostname;
	const struct rt_bind *binds;
	int nbinds;

	struct cg_limits limits;
	struct net_spec net;
	/* Map root in the container to an unprivileged host range: root's in
	 * /etc/subuid and /etc/subgid, else 100000, 65536 ids. The layers are
	 * seen through idmapped mounts; upper is chowned to the range. */
	bool userns;
	bool privileged;

	int stdio[3]; /* become the process's 0, 1, 2 (-1: /dev/null) */
	/* stdio[0] is a pty slave: make it the controlling terminal. Or, with
	 * tty and stdio all -1, the runtime opens the pty in the container's
	 * own devpts (so `tty` says /dev/pts/0, as in Docker) and hands its
	 * master back in rt_proc.console. */
	bool tty;
};

struct rt_proc {
	pid_t pid; /* the container's init, as the host sees it */
	struct cg *cg;
	struct net_state net;
	int console; /* the pty master the runtime opened (see rt_spec.tty), or -1 */
};

/* Exit statuses a failed spawn or exec maps to, as Docker reports them. */
#define RT_EXIT_NOT_FOUND   127 /* the command does not exist in the image */
#define RT_EXIT_CANNOT_EXEC 126

/* Start the container's first process. Returns once it has exec'd the
 * command (0) or failed; a missing command is -ENOENT with e->msg saying
 * which, and a command that is not executable is -EACCES (no other failure
 * uses either code). On failure everything set up so far is undone. The
 * process gets SIGKILL when the calling thread ends (PR_SET_PDEATHSIG):
 * call it from the thread that will reap it. */
int rt__spawn(const struct rt_spec *s, struct rt_proc *p, struct err *e);

/* Undo what rt__spawn set up outside the container (cgroups, network),
 * after its init has been reaped. Safe to call twice. */
int rt__cleanup(const struct rt_spec *s, struct rt_proc *p, struct err *e);

struct rt_exec {
	pid_t target; /* the container's init */
	const char *id;
	char *const *argv;
	char *const *env;
	const char *cwd;
	const char *user;
	bool privileged;
	int stdio[3];
	bool tty;
	const char *root; /* vmkit state directory, for the seccomp cache; NULL for none */
};

/* Run another process in a running container's namespaces and cgroups,
 * with the same restrictions. Returns its host pid (a child of the
 * caller) once it has exec'd, or -ENOENT / -EACCES as rt__spawn. */
int rt__exec(const struct rt_exec *x, pid_t *pid, struct err *e);

#endif
