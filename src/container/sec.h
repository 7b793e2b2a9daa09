/* sec.h - the last steps a container process takes before execve: the
 * identity it runs as, rlimits, capabilities cut to Docker's default set,
 * no_new_privs and the default seccomp profile (libseccomp). Runs in the
 * child, after pivot_root; each step reports why it failed. */
#ifndef VMKIT_CONTAINER_SEC_H
#define VMKIT_CONTAINER_SEC_H

#include "common/err.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct sec_spec {
	uid_t uid;
	gid_t gid;
	const gid_t *groups; /* supplementary groups (from /etc/group) */
	int ngroups;
	uint64_t caps;   /* capability mask to keep; SEC_DEFAULT_CAPS unless --cap-add/drop */
	bool privileged; /* all caps, no seccomp (for tests and --privileged) */
	bool no_seccomp; /* --security-opt seccomp=unconfined */
};

/* Docker's default capability set (moby's oci/caps/defaults.go list). */
extern const uint64_t SEC_DEFAULT_CAPS;

/* Parse a capability name ("NET_ADMIN", "CAP_NET_ADMIN", "ALL"); -EINVAL if
 * unknown. For ALL, *bit is -1. */
int sec__cap_parse(const char *name, int *bit, struct err *e);

/* Rlimits as Docker sets them: nofile min(hard, 1048576) for soft and
 * hard. Before the identity change, while raising is still allowed. */
int sec__rlimits(struct err *e);

/* Set groups, gid and uid; keep exactly spec->caps in the bounding,
 * permitted, effective and inheritable sets for uid 0 (for other uids
 * permitted and effective are empty, as Docker does); no ambient caps;
 * no_new_privs; then load the seccomp filter. After this only execve. */
int sec__enter(const struct sec_spec *spec, struct err *e);

#endif
