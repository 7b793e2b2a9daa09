/* probe.c - container features of the host kernel, found by trying them. */

#include "container/probe.h"

#include "common/util.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	const char *name;
	int flag;
} ns_table[CTR_NS_COUNT] = {
	[CTR_NS_MNT] = { "mnt", CLONE_NEWNS },     [CTR_NS_PID] = { "pid", CLONE_NEWPID },
	[CTR_NS_UTS] = { "uts", CLONE_NEWUTS },    [CTR_NS_IPC] = { "ipc", CLONE_NEWIPC },
	[CTR_NS_NET] = { "net", CLONE_NEWNET },    [CTR_NS_CGROUP] = { "cgroup", CLONE_NEWCGROUP },
	[CTR_NS_USER] = { "user", CLONE_NEWUSER }, [CTR_NS_TIME] = { "time", CLONE_NEWTIME },
};

const char *ctr__ns_name(enum ctr_ns ns)
{
	return ns < CTR_NS_COUNT ? ns_table[ns].name : "?";
}

const char *ctr__cgroup_mode_name(enum cgroup_mode m)
{
	switch (m) {
	case CGROUP_MODE_V1:
		return "v1";
	case CGROUP_MODE_HYBRID:
		return "hybrid";
	case CGROUP_MODE_V2:
		return "v2";
	case CGROUP_MODE_NONE:
		break;
	}
	return "none";
}

/* The only honest test of a namespace is to make one: a child unshares it
 * and reports. The child exits at once, so nothing outlives the probe. */
static int try_unshare(int flag)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(unshare(flag) == 0 ? 0 : (errno & 0xff));
	if (waitpid(pid, &status, 0) < 0)
		return errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
}

static void append_word(char *buf, size_t size, const char *word)
{
	size_t n = strlen(buf);

	snprintf(buf + n, size - n, "%s%s", n ? " " : "", word);
}

static void probe_v1_controllers(struct ctr_probe *p)
{
	char line[256], name[64];
	unsigned hier, ncg, enabled;
	FILE *f = fopen("/proc/cgroups", "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		/* subsys_name hierarchy num_cgroups enabled; hierarchy 0 means
		 * the controller is not bound to a v1 hierarchy. */
		if (sscanf(line, "%63s %u %u %u", name, &hier, &ncg, &enabled) == 4 && hier != 0 &&
		    enabled)
			append_word(p->v1_controllers, sizeof(p->v1_controllers), name);
	}
	fclose(f);
}

static bool is_cgroup2(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

static void probe_cgroups(struct ctr_probe *p)
{
	char path[128];
	struct statfs sf;

	if (statfs("/sys/fs/cgroup", &sf) < 0) {
		p->cgroup_mode = CGROUP_MODE_NONE;
		return;
	}
	if (sf.f_type == CGROUP2_SUPER_MAGIC) {
		p->cgroup_mode = CGROUP_MODE_V2;
		snprintf(p->v2_path, sizeof(p->v2_path), "/sys/fs/cgroup");
	} else {
		/* v1 puts a tmpfs at /sys/fs/cgroup with one mount per
		 * controller; systemd's hybrid layout adds cgroup2 at unified/. */
		probe_v1_controllers(p);
		if (is_cgroup2("/sys/fs/cgroup/unified")) {
			p->cgroup_mode = CGROUP_MODE_HYBRID;
			snprintf(p->v2_path, sizeof(p->v2_path), "/sys/fs/cgroup/unified");
		} else {
			p->cgroup_mode = p->v1_controllers[0] ? CGROUP_MODE_V1 : CGROUP_MODE_NONE;
		}
	}
	if (p->v2_path[0]) {
		snprintf(path, sizeof(path), "%s/cgroup.controllers", p->v2_path);
		if (util__read_line(path, p->v2_controllers, sizeof(p->v2_controllers)) < 0)
			p->v2_controllers[0] = '\0';
	}
}

static bool have_filesystem(const char *fs)
{
	char line[128], name[64];
	FILE *f = fopen("/proc/filesystems", "re");
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		/* "nodev\toverlay" or "\text4" */
		char *tab = strrchr(line, '\t');
		if (tab && sscanf(tab + 1, "%63s", name) == 1 && strcmp(name, fs) == 0)
			found = true;
	}
	fclose(f);
	return found;
}

void ctr__probe(struct ctr_probe *p)
{
	struct stat st;

	memset(p, 0, sizeof(*p));
	probe_cgroups(p);
	for (int i = 0; i < CTR_NS_COUNT; i++)
		p->ns_errno[i] = try_unshare(ns_table[i].flag);
	p->overlayfs = have_filesystem("overlay");
	/* PR_GET_SECCOMP fails with EINVAL on kernels built without seccomp. */
	p->seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
	p->seccomp_filter = p->seccomp && stat("/proc/sys/kernel/seccomp/actions_avail", &st) == 0;
}
