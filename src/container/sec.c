/* sec.c - identity, rlimits, capabilities and no_new_privs for a container's
 * process, the last steps before execve; the seccomp profile is seccomp.c. */

#include "container/sec.h"

#include "common/util.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

/* CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
 * NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP: the mask
 * `grep CapEff /proc/self/status` shows inside a Docker container. */
const uint64_t SEC_DEFAULT_CAPS = 0x00000000a80425fbULL;

/* Names by bit number, as capability(7) numbers them. */
static const char *const cap_names[] = {
	"CHOWN",
	"DAC_OVERRIDE",
	"DAC_READ_SEARCH",
	"FOWNER",
	"FSETID",
	"KILL",
	"SETGID",
	"SETUID",
	"SETPCAP",
	"LINUX_IMMUTABLE",
	"NET_BIND_SERVICE",
	"NET_BROADCAST",
	"NET_ADMIN",
	"NET_RAW",
	"IPC_LOCK",
	"IPC_OWNER",
	"SYS_MODULE",
	"SYS_RAWIO",
	"SYS_CHROOT",
	"SYS_PTRACE",
	"SYS_PACCT",
	"SYS_ADMIN",
	"SYS_BOOT",
	"SYS_NICE",
	"SYS_RESOURCE",
	"SYS_TIME",
	"SYS_TTY_CONFIG",
	"MKNOD",
	"LEASE",
	"AUDIT_WRITE",
	"AUDIT_CONTROL",
	"SETFCAP",
	"MAC_OVERRIDE",
	"MAC_ADMIN",
	"SYSLOG",
	"WAKE_ALARM",
	"BLOCK_SUSPEND",
	"AUDIT_READ",
	"PERFMON",
	"BPF",
	"CHECKPOINT_RESTORE",
};

/* Docker's nofile limit for containers (its own default ulimit). */
#define SEC_NOFILE_MAX 1048576

int sec__cap_parse(const char *name, int *bit, struct err *e)
{
	const char *n = name;

	if (strncasecmp(n, "CAP_", 4) == 0)
		n += 4;
	if (strcasecmp(n, "ALL") == 0) {
		*bit = -1;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++) {
		if (strcasecmp(n, cap_names[i]) == 0) {
			*bit = (int)i;
			return 0;
		}
	}
	return err__set(e, EINVAL, "unknown capability \"%s\"", name);
}

int sec__rlimits(struct err *e)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return err__sys(e, errno, "getrlimit(RLIMIT_NOFILE)");
	/* Never above the host's hard limit: raising it would need
	 * CAP_SYS_RESOURCE and the kernel's nr_open besides. */
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > SEC_NOFILE_MAX)
		rl.rlim_max = SEC_NOFILE_MAX;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return err__sys(e, errno, "setrlimit(RLIMIT_NOFILE, %llu)",
				(unsigned long long)rl.rlim_max);
	return 0;
}

/* The highest capability this kernel knows; newer kernels add some, and
 * each must leave the bounding set too. */
static int last_cap(void)
{
	char line[32];
	uint64_t v;

	if (util__read_line("/proc/sys/kernel/cap_last_cap", line, sizeof(line)) == 0 &&
	    util__parse_uint(line, 0, 63, &v) == 0)
		return (int)v;
	return (int)ARRAY_SIZE(cap_names) - 1;
}

/* Needs CAP_SETPCAP in the effective set, so before the uid changes. */
static int drop_bounding(uint64_t keep, struct err *e)
{
	int last = last_cap();

	for (int c = 0; c <= last; c++) {
		if (keep & (1ULL << c))
			continue;
		/* EINVAL: a cap the kernel does not know, nothing to drop. */
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return err__sys(e, errno, "drop capability %d from the bounding set", c);
	}
	return 0;
}

static int set_identity(const struct sec_spec *s, struct err *e)
{
	if (setgroups((size_t)s->ngroups, s->groups) < 0)
		return err__sys(e, errno, "setgroups");
	if (setresgid(s->gid, s->gid, s->gid) < 0)
		return err__sys(e, errno, "setresgid(%u)", (unsigned)s->gid);
	if (setresuid(s->uid, s->uid, s->uid) < 0)
		return err__sys(e, errno, "setresuid(%u)", (unsigned)s->uid);
	return 0;
}

/* Raw capset: version 3 takes two 32-bit halves of each 64-bit set. */
static int set_caps(uint64_t prm, uint64_t eff, uint64_t inh, struct err *e)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];

	for (int i = 0; i < 2; i++) {
		data[i].permitted = (uint32_t)(prm >> (32 * i));
		data[i].effective = (uint32_t)(eff >> (32 * i));
		data[i].inheritable = (uint32_t)(inh >> (32 * i));
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return err__sys(e, errno, "capset");
	return 0;
}

/* What a privileged container gets: every cap this process holds. Not
 * every cap the kernel knows: a vmkit that itself runs confined (a
 * sandbox without CAP_SYS_RESOURCE, say) cannot give what it lacks. */
static int held_caps(uint64_t *out, struct err *e)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) < 0)
		return err__sys(e, errno, "capget");
	*out = (uint64_t)data[1].permitted << 32 | data[0].permitted;
	return 0;
}

int sec__enter(const struct sec_spec *spec, struct err *e)
{
	uint64_t caps = spec->caps;
	pid_t ppid = getppid();
	int rc, pdeath = 0;

	if (spec->privileged && (rc = held_caps(&caps, e)) < 0)
		return rc;
	if ((rc = drop_bounding(caps, e)) < 0)
		return rc;
	/* Root keeps its capabilities across setresuid only with KEEPCAPS;
	 * any other uid loses permitted and effective there, as Docker's
	 * non-root users do (only the bounding set stays). */
	if (prctl(PR_SET_KEEPCAPS, spec->uid == 0, 0, 0, 0) < 0)
		return err__sys(e, errno, "prctl(PR_SET_KEEPCAPS)");
	if (prctl(PR_GET_PDEATHSIG, &pdeath) < 0)
		return err__sys(e, errno, "prctl(PR_GET_PDEATHSIG)");
	if ((rc = set_identity(spec, e)) < 0)
		return rc;
	/* A new uid or gid clears the parent-death signal: set it again, and
	 * if the parent died in between (so sent nothing), stop, as runc.
	 * Inside a pid namespace getppid() is 0 either way; the runtime
	 * checks its parent there itself. */
	if (pdeath && prctl(PR_SET_PDEATHSIG, pdeath) < 0)
		return err__sys(e, errno, "prctl(PR_SET_PDEATHSIG)");
	if (pdeath && getppid() != ppid)
		return err__set(e, ESRCH, "the parent died while the identity changed");
	/* Inheritable stays empty, as Docker has it since CVE-2022-24769:
	 * with it set, a file's inheritable caps would raise a non-root
	 * process past what it was given. */
	if (spec->uid == 0)
		rc = set_caps(caps, caps, 0, e);
	else
		rc = set_caps(0, 0, 0, e);
	if (rc < 0)
		return rc;
	/* EINVAL before Linux 4.3, which had no ambient set to clear. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return err__sys(e, errno, "clear the ambient capabilities");
	if (spec->privileged)
		return 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err__sys(e, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	if (spec->no_seccomp)
		return 0;
	/* Last, so the filter need not allow any of the calls above. */
	if (spec->filter)
		return sec__seccomp_install(spec->filter, e);
	return sec__seccomp_load(caps, e);
}
