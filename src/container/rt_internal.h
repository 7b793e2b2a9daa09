/* rt_internal.h - what runtime.c shares with rt_mount.c and rt_user.c.
 *
 * Everything the child needs is prepared by the parent before clone (a
 * struct rt_plan), so the child, a fork-like copy of a process that may
 * have other threads, never calls malloc between clone and execve. */
#ifndef VMKIT_CONTAINER_RT_INTERNAL_H
#define VMKIT_CONTAINER_RT_INTERNAL_H

#include "common/err.h"
#include "container/runtime.h"
#include "container/sec.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define RT_MAX_CGROUPS 16
#define RT_MAX_GROUPS  64
#define RT_OVERLAY_MAX 4000 /* mount(2) data is one page; keep a margin */
#define RT_ETC_FILES   3    /* hosts, hostname, resolv.conf */

/* One cgroup v1 hierarchy as the host mounts it under /sys/fs/cgroup. */
struct rt_cgmount {
	char name[64]; /* directory name: "cpu,cpuacct", "systemd" */
	char opts[96]; /* mount data: "cpu,cpuacct", "name=systemd" */
};

/* The host's cgroup layout, read from /proc/self/mountinfo. */
struct rt_cgroups {
	bool v2; /* /sys/fs/cgroup is cgroup2 */
	int n;
	struct rt_cgmount m[RT_MAX_CGROUPS];
};

struct rt_plan {
	const struct rt_spec *s;
	char overlay[RT_OVERLAY_MAX]; /* overlay mount data */
	char overlay_dir[4096];       /* chdir here first when the data uses relative paths */
	struct rt_cgroups cg;
	bool netns; /* the container has its own network namespace */
	const char *hostname;
	char **env;                /* spec env + PATH, HOSTNAME and a slot for HOME */
	int env_home;              /* index of the HOME slot, or -1 when env sets HOME */
	char home[512];            /* the HOME slot's text, filled in the child */
	struct sec_filter *filter; /* the seccomp program, built (or read) before clone */
	int overlay_fd;            /* in the child: the root the parent built (userns), or -1 */
	int *bind_fds;             /* binds and etc files cloned ahead (userns), or -1 */
	int etc_fds[RT_ETC_FILES];
	int rootfs_fd; /* spec rootfs opened ahead (userns) */
};

/* The identity a user spec ("uid[:gid]", "name[:group]") resolves to. */
struct rt_user {
	uid_t uid;
	gid_t gid;
	gid_t groups[RT_MAX_GROUPS];
	int ngroups;
	char home[256];
};

/* rt_mount.c: the container's filesystem, in the child. Stage one needs
 * only the mount namespace; stage two runs after the parent has attached
 * the cgroups and written etc_dir; then pivot_root. */
int rt__cgroups_read(const char *mountinfo, struct rt_cgroups *cg);
/* The overlay's mount data; dir gets "" or the directory its paths are
 * relative to (when absolute ones would not fit in a page). */
int rt__overlay_data(const struct rt_spec *s, char *buf, size_t size, char *dir, size_t dirsize,
		     struct err *e);
int rt__mount_stage1(const struct rt_plan *pl, int *rootfd, struct err *e);
int rt__mount_stage2(const struct rt_plan *pl, int rootfd, struct err *e);
int rt__mount_preopen(struct rt_plan *pl, struct err *e);
int rt__pivot(int rootfd, struct err *e);

/* runtime.c: resolv.conf for the container from the host's text. */
void rt__resolv_conf(const char *host, enum net_mode mode, char *out, size_t size);

/* rt_userns.c: the parent's part for a user namespace. */
int rt__userns_maps(pid_t pid, uid_t *root_uid, gid_t *root_gid, struct err *e);
int rt__userns_overlay(const struct rt_spec *s, pid_t pid, uid_t root_uid, gid_t root_gid, int *mfd,
		       struct err *e);

/* rt_user.c: users and commands, resolved in the container's files. */
int rt__user_parse(const char *spec, const char *passwd, const char *group, struct rt_user *u,
		   struct err *e);
int rt__user_resolve(const char *spec, struct rt_user *u, struct err *e);
/* argv0 looked up in path (a $PATH value) as Docker's exec does; out gets
 * the file to execve. -ENOENT / -EACCES with Docker's wording. */
int rt__lookup(const char *argv0, const char *path, char *out, size_t size, struct err *e);
int rt__read_small(const char *path, char *buf, size_t size, struct err *e);
const char *rt__env_get(char *const *env, const char *key);

#endif
