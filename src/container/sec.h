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
	/* From sec__seccomp_prepare(spec caps, ...), or NULL to build it in
	 * sec__enter (about 10 ms more). */
	const struct sec_filter *filter;
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
 * permitted and effective sets for uid 0 (for other uids permitted and
 * effective are empty, as Docker does); inheritable and ambient empty
 * (Docker since CVE-2022-24769);
 * no_new_privs; then load the seccomp filter. The kernel clears the
 * parent-death signal on an identity change, so it is set again here.
 * After this only execve. */
int sec__enter(const struct sec_spec *spec, struct err *e);

/* Load Docker's default seccomp profile (seccomp.c) for a process whose
 * capability set is caps: calls some capability allows (mount with
 * SYS_ADMIN, reboot with SYS_BOOT, ...) are allowed only if caps has it.
 * Needs no_new_privs or CAP_SYS_ADMIN. */
int sec__seccomp_load(uint64_t caps, struct err *e);

/* The profile built ahead of time, in the runtime's parent where host
 * paths are still reachable: libseccomp takes ~10 ms for it, so with
 * cache_dir (created 0700 if missing; NULL for none) the program is kept
 * there, keyed by caps, libseccomp and kernel, and later starts read it.
 * Pass it to sec__enter in sec_spec.filter. */
struct sec_filter;
int sec__seccomp_prepare(uint64_t caps, const char *cache_dir, struct sec_filter **out,
			 struct err *e);
/* Load a prepared filter (after no_new_privs); sec__enter does this. */
int sec__seccomp_install(const struct sec_filter *f, struct err *e);
/* Its size in BPF instructions. */
int sec__seccomp_count(const struct sec_filter *f);
void sec__seccomp_free(struct sec_filter *f);

#endif
