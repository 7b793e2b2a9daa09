/* cgroup.h - resource limits for one container on whatever cgroup layout
 * the host has: pure v2 (/sys/fs/cgroup is cgroup2), pure v1 (a hierarchy
 * per controller) or hybrid (v1 controllers plus a cgroup2 mount holding
 * few or none, systemd's "unified"; this machine). Each container gets
 * vmkit/<id> in every hierarchy the host mounts (on v1 all of them, not
 * only the controllers with limits, so the container's cgroup namespace
 * never shows it the host's tree), plus the cgroup2 one where mounted. Device
 * nodes are limited to Docker's default list (devices.allow on v1, a
 * BPF_CGROUP_DEVICE program on v2).
 *
 * Library code: fallible calls return a negative errno and fill a struct err. */
#ifndef VMKIT_CONTAINER_CGROUP_H
#define VMKIT_CONTAINER_CGROUP_H

#include "common/err.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct cg_limits {
	uint64_t memory;     /* bytes; 0 = no limit (--memory) */
	uint64_t cpu_quota;  /* microseconds per cpu_period; 0 = no limit (--cpus) */
	uint64_t cpu_period; /* microseconds; 100000 when cpu_quota is set */
	uint64_t pids;       /* 0 = no limit (--pids-limit) */
};

struct cg;

/* Create the container's cgroups with the limits applied. Asking for a
 * limit the host cannot enforce is an error that names the controller
 * (-EOPNOTSUPP); a host with no cgroup hierarchy at all is -ENOSYS. */
int cg__create(const char *id, const struct cg_limits *lim, struct cg **out, struct err *e);
/* Open the cgroups of a running container (for `vmkit exec` to join, or
 * `stop` to signal); -ENOENT if it has none. */
int cg__open(const char *id, struct cg **out, struct err *e);
/* Move pid (and so its future children) into every one of them. */
int cg__attach(const struct cg *cg, pid_t pid, struct err *e);
/* Whether the memory limit killed anything (for status 137 / OOMKilled). */
bool cg__oom_killed(const struct cg *cg);
/* Send sig to every process left in the cgroups (freezing first where the
 * host allows, so none escapes by forking). */
int cg__kill_all(const struct cg *cg, int sig, struct err *e);
/* Remove the cgroups (waiting briefly for the last processes to go) and
 * free cg. NULL is fine. */
int cg__destroy(struct cg *cg, struct err *e);
/* Remove whatever vmkit/<id> cgroups exist, for clean-up after a crash. */
int cg__destroy_id(const char *id, struct err *e);

/* As cg__create and cg__open, on a lone cgroup2 hierarchy mounted at base
 * instead of the host's (for tests of the v2 code on a v1 host). */
int cg__create_in(const char *base, const char *id, const struct cg_limits *lim, struct cg **out,
		  struct err *e);
int cg__open_in(const char *base, const char *id, struct cg **out, struct err *e);

#endif
