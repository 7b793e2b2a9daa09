/* probe.h - what the host kernel offers containers: cgroup layout,
 * namespaces, overlayfs, seccomp. */
#ifndef VMKIT_CONTAINER_PROBE_H
#define VMKIT_CONTAINER_PROBE_H

#include <stdbool.h>

enum cgroup_mode {
	CGROUP_MODE_NONE,   /* /sys/fs/cgroup is not mounted */
	CGROUP_MODE_V1,     /* legacy: one hierarchy per controller */
	CGROUP_MODE_HYBRID, /* v1 controllers plus a cgroup2 mount (systemd's "unified") */
	CGROUP_MODE_V2,     /* unified: /sys/fs/cgroup is cgroup2 */
};

enum ctr_ns {
	CTR_NS_MNT,
	CTR_NS_PID,
	CTR_NS_UTS,
	CTR_NS_IPC,
	CTR_NS_NET,
	CTR_NS_CGROUP,
	CTR_NS_USER,
	CTR_NS_TIME,
	CTR_NS_COUNT
};

struct ctr_probe {
	enum cgroup_mode cgroup_mode;
	char v1_controllers[256];   /* space-separated, from /proc/cgroups */
	char v2_path[64];           /* where cgroup2 is mounted, if anywhere */
	char v2_controllers[256];   /* its cgroup.controllers */
	int ns_errno[CTR_NS_COUNT]; /* 0 = unshare() of that namespace works */
	bool overlayfs;             /* "overlay" in /proc/filesystems */
	bool seccomp;               /* the kernel has seccomp */
	bool seccomp_filter;        /* and BPF filter mode */
};

void ctr__probe(struct ctr_probe *p);

const char *ctr__ns_name(enum ctr_ns ns);
const char *ctr__cgroup_mode_name(enum cgroup_mode m);

#endif
