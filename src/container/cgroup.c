/* cgroup.c - a container's cgroups on v1, hybrid and v2 hosts: vmkit/<id>
 * in every hierarchy mounted (so each cgroup mount the container gets shows
 * its own group, never the host's tree), limits, OOM reports, kill and
 * removal. */

#include "container/cgroup.h"

#include "common/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>

/* The controllers vmkit knows. cpuacct and devices only get a group (for
 * accounting, and the device allow list below); freezer stops a
 * container's processes so cg__kill_all misses none; a v1 cpuset group
 * must be given cpus and mems before anyone may join it. Hierarchies of
 * other controllers (blkio, net_cls, name=systemd, ...) get a group too. */
enum cg_ctl { CG_MEMORY, CG_CPU, CG_CPUACCT, CG_PIDS, CG_FREEZER, CG_DEVICES, CG_CPUSET, CG_NCTL };

static const char *const ctl_names[CG_NCTL] = {
	[CG_MEMORY] = "memory", [CG_CPU] = "cpu",         [CG_CPUACCT] = "cpuacct",
	[CG_PIDS] = "pids",     [CG_FREEZER] = "freezer", [CG_DEVICES] = "devices",
	[CG_CPUSET] = "cpuset",
};

#define CG_PATH_MAX 256
/* v1 has about 14 hierarchies (13 controllers and name=systemd), plus one
 * cgroup2 mount on a hybrid host. */
#define CG_MAX_DIRS 24

/* One hierarchy's vmkit/<id> directory and what it controls there. */
struct cg_dir {
	char mnt[CG_PATH_MAX];        /* where the hierarchy is mounted */
	char path[CG_PATH_MAX + 160]; /* mnt/vmkit/<id> (ids are <= 128) */
	unsigned ctls;                /* 1 << enum cg_ctl */
	bool v2;
};

struct cg {
	int ndirs;
	struct cg_dir dirs[CG_MAX_DIRS];
};

/* Device nodes a container may use, as Docker allows them by default:
 * mknod of any, and null zero full random urandom tty console ptmx, the
 * pty slaves and tun. Without a list CAP_MKNOD would reach the host's
 * disks. major/minor -1 is "*"; acc is BPF_DEVCG_ACC_* bits. */
struct dev_rule {
	char type; /* 'c' or 'b' */
	int major, minor;
	unsigned acc;
};

#define ACC_M   BPF_DEVCG_ACC_MKNOD
#define ACC_RWM (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

static const struct dev_rule dev_rules[] = {
	{ 'c', -1, -1, ACC_M }, { 'b', -1, -1, ACC_M },    { 'c', 1, 3, ACC_RWM },
	{ 'c', 1, 5, ACC_RWM }, { 'c', 1, 7, ACC_RWM },    { 'c', 1, 8, ACC_RWM },
	{ 'c', 1, 9, ACC_RWM }, { 'c', 5, 0, ACC_RWM },    { 'c', 5, 1, ACC_RWM },
	{ 'c', 5, 2, ACC_RWM }, { 'c', 136, -1, ACC_RWM }, { 'c', 10, 200, ACC_RWM },
};

static int id_check(const char *id, struct err *e)
{
	size_t n = strlen(id);

	if (n == 0 || n > 128 || id[0] == '.')
		return err__set(e, EINVAL, "cgroup: bad container id \"%s\"", id);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && !strchr("_.-", id[i]))
			return err__set(e, EINVAL, "cgroup: bad container id \"%s\"", id);
	return 0;
}

static int write_file(const char *dir, const char *file, const char *val, struct err *e)
{
	char path[CG_PATH_MAX + 256];
	size_t n = strlen(val);
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return err__sys(e, errno, "cgroup: open %s", path);
	if (write(fd, val, n) != (ssize_t)n)
		rc = err__sys(e, errno, "cgroup: write \"%s\" to %s", val, path);
	close(fd);
	return rc;
}

static bool file_exists(const char *dir, const char *file)
{
	char path[CG_PATH_MAX + 256];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

/* The "key N" line of a flat-keyed file (memory.events, oom_control). */
static bool read_key(const char *dir, const char *file, const char *key, uint64_t *val)
{
	char path[CG_PATH_MAX + 256], line[128];
	size_t n = strlen(key);
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (!(f = fopen(path, "re")))
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (strncmp(line, key, n) == 0 && line[n] == ' ')
			found = sscanf(line + n + 1, "%" SCNu64, val) == 1;
	fclose(f);
	return found;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- finding the hierarchies ---------------------------------------- */

static unsigned v1_ctls(char *opts)
{
	unsigned ctls = 0;
	char *save = NULL;

	for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save))
		for (int c = 0; c < CG_NCTL; c++)
			if (strcmp(o, ctl_names[c]) == 0)
				ctls |= 1u << c;
	return ctls;
}

/* Controllers a cgroup2 hierarchy offers (its root's cgroup.controllers),
 * less those a v1 hierarchy already holds. freezer is built into v2. */
static unsigned v2_ctls(const char *mnt, unsigned taken)
{
	char path[CG_PATH_MAX + 32], line[512], *save = NULL;
	unsigned ctls = 0;

	snprintf(path, sizeof(path), "%s/cgroup.controllers", mnt);
	if (util__read_line(path, line, sizeof(line)) < 0)
		line[0] = '\0';
	for (char *w = strtok_r(line, " ", &save); w; w = strtok_r(NULL, " ", &save))
		for (int c = 0; c < CG_NCTL; c++)
			if (strcmp(w, ctl_names[c]) == 0)
				ctls |= 1u << c;
	/* Freezing is built into cgroup2 (cgroup.freeze, Linux 5.2; in
	 * non-root groups only, so not visible here). Older kernels refuse
	 * the write and cg__kill_all goes on unfrozen. */
	ctls |= 1u << CG_FREEZER;
	return ctls & ~taken;
}

static void add_dir(struct cg *cg, const char *mnt, unsigned ctls, bool v2, const char *id)
{
	struct cg_dir *d;

	if (cg->ndirs >= CG_MAX_DIRS)
		return;
	d = &cg->dirs[cg->ndirs++];
	snprintf(d->mnt, sizeof(d->mnt), "%s", mnt);
	snprintf(d->path, sizeof(d->path), "%s/vmkit/%s", mnt, id);
	d->ctls = ctls;
	d->v2 = v2;
}

/* Every cgroup mount in this mount namespace, from /proc/self/mountinfo:
 * "... mountpoint opts [optional...] - fstype source superopts". A v1
 * mount names its controllers in superopts; several may share one
 * ("cpu,cpuacct"). base, when set, is a lone cgroup2 mount to use instead
 * (tests). */
static int discover(const char *base, const char *id, struct cg *cg, struct err *e)
{
	char line[1024], mnt[CG_PATH_MAX], fstype[32], opts[512], dev[32];
	char seen[CG_MAX_DIRS][32]; /* maj:min of each v1 hierarchy taken */
	char *v2mnt = NULL;
	unsigned taken = 0;
	int nseen = 0;
	FILE *f;

	memset(cg, 0, sizeof(*cg));
	if (base) {
		add_dir(cg, base, v2_ctls(base, 0), true, id);
		return 0;
	}
	if (!(f = fopen("/proc/self/mountinfo", "re")))
		return err__sys(e, errno, "cgroup: open /proc/self/mountinfo");
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");
		unsigned ctls;

		bool dup = false;

		if (!sep || sscanf(line, "%*s %*s %31s %*s %255s", dev, mnt) != 2 ||
		    sscanf(sep + 3, "%31s %*s %511s", fstype, opts) != 2)
			continue;
		if (strcmp(fstype, "cgroup2") == 0 && !v2mnt) {
			v2mnt = strdup(mnt);
			continue;
		}
		if (strcmp(fstype, "cgroup") != 0)
			continue;
		/* Every v1 hierarchy, once (one may be mounted twice: the same
		 * device number), whatever its controllers. */
		for (int i = 0; i < nseen; i++)
			dup |= strcmp(seen[i], dev) == 0;
		if (dup || nseen == CG_MAX_DIRS - 1)
			continue;
		memcpy(seen[nseen++], dev, sizeof(dev));
		ctls = v1_ctls(opts) & ~taken;
		add_dir(cg, mnt, ctls, false, id);
		taken |= ctls;
	}
	fclose(f);
	/* Pure v2 gets everything there; hybrid gets what v1 does not hold,
	 * and a group regardless, so systemd-style tools see the container. */
	if (v2mnt)
		add_dir(cg, v2mnt, v2_ctls(v2mnt, taken), true, id);
	free(v2mnt);
	if (cg->ndirs == 0)
		return err__set(e, ENOSYS, "cgroup: no cgroup hierarchy is mounted");
	return 0;
}

static struct cg_dir *dir_for(const struct cg *cg, enum cg_ctl c)
{
	for (int i = 0; i < cg->ndirs; i++)
		if (cg->dirs[i].ctls & (1u << c))
			return (struct cg_dir *)&cg->dirs[i];
	return NULL;
}

/* ---- creating ------------------------------------------------------- */

static int need(const struct cg *cg, enum cg_ctl c, const char *what, struct err *e)
{
	if (dir_for(cg, c))
		return 0;
	return err__set(
		e, EOPNOTSUPP,
		"cgroup: cannot enforce %s: the %s controller is not available on this host", what,
		ctl_names[c]);
}

/* v2 hands a controller down only if every ancestor lists it in
 * cgroup.subtree_control: the hierarchy's root, then vmkit/. A controller
 * no limit needs is best effort (dropped if refused, e.g. cpu while a
 * realtime task runs); a needed one failing is the error. */
static int v2_enable(struct cg_dir *d, unsigned needed, struct err *e)
{
	char vmkit[CG_PATH_MAX + 8], word[32];
	const char *levels[2] = { d->mnt, vmkit };
	static const enum cg_ctl wanted[] = { CG_MEMORY, CG_CPU, CG_PIDS };
	struct err scratch;

	snprintf(vmkit, sizeof(vmkit), "%s/vmkit", d->mnt);
	for (size_t i = 0; i < ARRAY_SIZE(wanted); i++) {
		unsigned bit = 1u << wanted[i];

		if (!(d->ctls & bit))
			continue;
		snprintf(word, sizeof(word), "+%s", ctl_names[wanted[i]]);
		for (int l = 0; l < 2; l++) {
			if (write_file(levels[l], "cgroup.subtree_control", word, &scratch) == 0)
				continue;
			d->ctls &= ~bit;
			if (needed & bit) {
				*e = scratch;
				return err__wrap(e, "enable the %s controller",
						 ctl_names[wanted[i]]);
			}
			break;
		}
	}
	return 0;
}

static int make_dirs(const struct cg_dir *d, struct err *e)
{
	char vmkit[CG_PATH_MAX + 8];

	snprintf(vmkit, sizeof(vmkit), "%s/vmkit", d->mnt);
	if (mkdir(vmkit, 0755) < 0 && errno != EEXIST)
		return err__sys(e, errno, "cgroup: mkdir %s", vmkit);
	/* EEXIST: left by a vmkit that crashed. Start afresh so no old limit
	 * lingers; if it is still busy, take it over as it is. */
	if (mkdir(d->path, 0755) == 0)
		return 0;
	if (errno == EEXIST && rmdir(d->path) == 0 && mkdir(d->path, 0755) == 0)
		return 0;
	if (errno != EEXIST && errno != EBUSY)
		return err__sys(e, errno, "cgroup: mkdir %s", d->path);
	return 0;
}

/* v1 cpuset: a new group has no cpus and no mems, and no task may join it
 * so; each level takes its parent's, as runc does. A group that has them
 * (vmkit/ from an earlier container) keeps them. */
static int cpuset_fill(const struct cg_dir *d, struct err *e)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	char vmkit[CG_PATH_MAX + 8], path[CG_PATH_MAX + 256], val[1024];
	const char *levels[3] = { d->mnt, vmkit, d->path };
	int rc;

	snprintf(vmkit, sizeof(vmkit), "%s/vmkit", d->mnt);
	for (size_t f = 0; f < ARRAY_SIZE(files); f++)
		for (int l = 1; l < 3; l++) {
			snprintf(path, sizeof(path), "%s/%s", levels[l], files[f]);
			if (util__read_line(path, val, sizeof(val)) == 0 && val[0])
				continue;
			snprintf(path, sizeof(path), "%s/%s", levels[l - 1], files[f]);
			if ((rc = util__read_line(path, val, sizeof(val))) < 0)
				return err__sys(e, -rc, "cgroup: read %s", path);
			if ((rc = write_file(levels[l], files[f], val, e)) < 0)
				return rc;
		}
	return 0;
}

static int set_u64(const struct cg_dir *d, const char *file, uint64_t v, struct err *e)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return write_file(d->path, file, buf, e);
}

static int limit_memory(const struct cg *cg, uint64_t bytes, struct err *e)
{
	const struct cg_dir *d = dir_for(cg, CG_MEMORY);
	int rc;

	if (d->v2) {
		if ((rc = set_u64(d, "memory.max", bytes, e)) < 0)
			return rc;
		/* No swap either, so the limit is the limit (Docker sets
		 * swap = memory, i.e. none beyond it). */
		if (file_exists(d->path, "memory.swap.max"))
			return write_file(d->path, "memory.swap.max", "0", e);
		return 0;
	}
	if ((rc = set_u64(d, "memory.limit_in_bytes", bytes, e)) < 0)
		return rc;
	/* memsw counts memory plus swap; only present with swap accounting,
	 * and it may not go below limit_in_bytes, hence the order. */
	if (file_exists(d->path, "memory.memsw.limit_in_bytes"))
		return set_u64(d, "memory.memsw.limit_in_bytes", bytes, e);
	return 0;
}

static int limit_cpu(const struct cg *cg, uint64_t quota, uint64_t period, struct err *e)
{
	const struct cg_dir *d = dir_for(cg, CG_CPU);
	char buf[64];
	int rc;

	if (period == 0)
		period = 100000;
	if (d->v2) {
		snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu64, quota, period);
		return write_file(d->path, "cpu.max", buf, e);
	}
	if ((rc = set_u64(d, "cpu.cfs_period_us", period, e)) < 0)
		return rc;
	return set_u64(d, "cpu.cfs_quota_us", quota, e);
}

/* v1: the same list in devices.allow's words ("c 1:3 rwm"). */
static void dev_rule_text(const struct dev_rule *r, char *buf, size_t size)
{
	char maj[16] = "*", min[16] = "*";

	if (r->major >= 0)
		snprintf(maj, sizeof(maj), "%d", r->major);
	if (r->minor >= 0)
		snprintf(min, sizeof(min), "%d", r->minor);
	snprintf(buf, size, "%c %s:%s %s%s%s", r->type, maj, min,
		 r->acc & BPF_DEVCG_ACC_READ ? "r" : "", r->acc & BPF_DEVCG_ACC_WRITE ? "w" : "",
		 r->acc & BPF_DEVCG_ACC_MKNOD ? "m" : "");
}

static int devices_v1(const struct cg_dir *d, struct err *e)
{
	char rule[64];
	int rc;

	if ((rc = write_file(d->path, "devices.deny", "a", e)) < 0)
		return rc;
	for (size_t i = 0; i < ARRAY_SIZE(dev_rules); i++) {
		dev_rule_text(&dev_rules[i], rule, sizeof(rule));
		if ((rc = write_file(d->path, "devices.allow", rule, e)) < 0)
			return rc;
	}
	return 0;
}

/* v2: an eBPF program of type CGROUP_DEVICE, run on every open and mknod
 * of a device node by a process in the group; it returns 1 to allow.
 * Its context is struct bpf_cgroup_dev_ctx: access_type (access << 16 |
 * type), major, minor. One block per rule, falling through to the next
 * on any mismatch, then deny. The uapi headers have no instruction
 * macros, so insn() spells them. */
static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn i = {
		.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm
	};

	return i;
}

#define DEV_MAX_INSNS (6 + ARRAY_SIZE(dev_rules) * 8 + 2)

static size_t dev_program(struct bpf_insn *p)
{
	size_t n = 0;

	/* r2 = type, r3 = access, r4 = major, r5 = minor */
	p[n++] = insn(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0);
	p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_X, 3, 2, 0, 0);
	p[n++] = insn(BPF_ALU64 | BPF_AND | BPF_K, 2, 0, 0, 0xffff);
	p[n++] = insn(BPF_ALU64 | BPF_RSH | BPF_K, 3, 0, 0, 16);
	p[n++] = insn(BPF_LDX | BPF_MEM | BPF_W, 4, 1, 4, 0);
	p[n++] = insn(BPF_LDX | BPF_MEM | BPF_W, 5, 1, 8, 0);
	for (size_t i = 0; i < ARRAY_SIZE(dev_rules); i++) {
		const struct dev_rule *r = &dev_rules[i];
		size_t jumps[4], nj = 0;
		int type = r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;

		jumps[nj++] = n;
		p[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 0, type);
		if (r->major >= 0) {
			jumps[nj++] = n;
			p[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, 4, 0, 0, r->major);
		}
		if (r->minor >= 0) {
			jumps[nj++] = n;
			p[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 0, r->minor);
		}
		/* Every access asked for must be one the rule grants. */
		p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_X, 6, 3, 0, 0);
		p[n++] = insn(BPF_ALU64 | BPF_AND | BPF_K, 6, 0, 0, (int32_t)(~r->acc & 7));
		jumps[nj++] = n;
		p[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, 6, 0, 0, 0);
		p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1);
		p[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		/* Offsets count from the instruction after the jump. */
		for (size_t j = 0; j < nj; j++)
			p[jumps[j]].off = (int16_t)(n - jumps[j] - 1);
	}
	p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	p[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return n;
}

static int devices_v2(const char *path, struct err *e)
{
	struct bpf_insn prog[DEV_MAX_INSNS];
	union bpf_attr attr;
	int prog_fd, dir_fd, rc = 0;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)prog;
	attr.insn_cnt = (uint32_t)dev_program(prog);
	attr.license = (uint64_t)(uintptr_t) "GPL";
	prog_fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (prog_fd < 0)
		return err__sys(e, errno, "cgroup: load the device filter (BPF)");
	dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0) {
		rc = err__sys(e, errno, "cgroup: open %s", path);
		goto out;
	}
	/* Attached, the program lives as long as the group: both
	 * descriptors can go. */
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)dir_fd;
	attr.attach_bpf_fd = (uint32_t)prog_fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof(attr)) < 0)
		rc = err__sys(e, errno, "cgroup: attach the device filter to %s", path);
	close(dir_fd);
out:
	close(prog_fd);
	return rc;
}

static int limit_devices(const struct cg *cg, struct err *e)
{
	const struct cg_dir *d = dir_for(cg, CG_DEVICES);

	if (d && !d->v2)
		return devices_v1(d, e);
	/* No v1 devices hierarchy: cgroup2 checks devices by a BPF program
	 * attached to the group instead. */
	for (int i = 0; i < cg->ndirs; i++)
		if (cg->dirs[i].v2)
			return devices_v2(cg->dirs[i].path, e);
	return 0;
}

static int apply(const struct cg *cg, const struct cg_limits *lim, struct err *e)
{
	int rc;

	if (lim->memory && (rc = limit_memory(cg, lim->memory, e)) < 0)
		return rc;
	if (lim->cpu_quota && (rc = limit_cpu(cg, lim->cpu_quota, lim->cpu_period, e)) < 0)
		return rc;
	if (lim->pids && (rc = set_u64(dir_for(cg, CG_PIDS), "pids.max", lim->pids, e)) < 0)
		return rc;
	return limit_devices(cg, e);
}

static int check_limits(const struct cg *cg, const struct cg_limits *lim, struct err *e)
{
	int rc;

	if (lim->memory && (rc = need(cg, CG_MEMORY, "a memory limit", e)) < 0)
		return rc;
	if (lim->cpu_quota && (rc = need(cg, CG_CPU, "a CPU limit", e)) < 0)
		return rc;
	if (lim->pids && (rc = need(cg, CG_PIDS, "a pids limit", e)) < 0)
		return rc;
	return 0;
}

static unsigned needed(const struct cg_limits *lim)
{
	return (lim->memory ? 1u << CG_MEMORY : 0) | (lim->cpu_quota ? 1u << CG_CPU : 0) |
	       (lim->pids ? 1u << CG_PIDS : 0);
}

int cg__create_in(const char *base, const char *id, const struct cg_limits *lim, struct cg **out,
		  struct err *e)
{
	struct cg *cg;
	int rc;

	*out = NULL;
	if ((rc = id_check(id, e)) < 0)
		return rc;
	if (!(cg = calloc(1, sizeof(*cg))))
		return err__set(e, ENOMEM, "cgroup: out of memory");
	if ((rc = discover(base, id, cg, e)) < 0 || (rc = check_limits(cg, lim, e)) < 0)
		goto fail;
	for (int i = 0; i < cg->ndirs; i++) {
		struct cg_dir *d = &cg->dirs[i];

		if ((rc = make_dirs(d, e)) < 0)
			goto undo;
		if (!d->v2 && (d->ctls & 1u << CG_CPUSET) && (rc = cpuset_fill(d, e)) < 0)
			goto undo;
		if (d->v2 && (rc = v2_enable(d, needed(lim), e)) < 0)
			goto undo;
	}
	if ((rc = apply(cg, lim, e)) < 0)
		goto undo;
	*out = cg;
	return 0;
undo:
	cg__destroy(cg, NULL);
	return rc;
fail:
	free(cg);
	return rc;
}

int cg__create(const char *id, const struct cg_limits *lim, struct cg **out, struct err *e)
{
	return cg__create_in(NULL, id, lim, out, e);
}

int cg__open_in(const char *base, const char *id, struct cg **out, struct err *e)
{
	struct cg all, *cg;
	struct stat st;
	int rc;

	*out = NULL;
	if ((rc = id_check(id, e)) < 0)
		return rc;
	/* No cgroups at all: then surely none of this container's. */
	if ((rc = discover(base, id, &all, e)) < 0)
		return rc == -ENOSYS ? -ENOENT : rc;
	if (!(cg = calloc(1, sizeof(*cg))))
		return err__set(e, ENOMEM, "cgroup: out of memory");
	for (int i = 0; i < all.ndirs; i++)
		if (stat(all.dirs[i].path, &st) == 0)
			cg->dirs[cg->ndirs++] = all.dirs[i];
	if (cg->ndirs == 0) {
		free(cg);
		return err__set(e, ENOENT, "cgroup: container %s has no cgroups", id);
	}
	*out = cg;
	return 0;
}

int cg__open(const char *id, struct cg **out, struct err *e)
{
	return cg__open_in(NULL, id, out, e);
}

int cg__attach(const struct cg *cg, pid_t pid, struct err *e)
{
	char buf[32];
	int rc;

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (int i = 0; i < cg->ndirs; i++)
		if ((rc = write_file(cg->dirs[i].path, "cgroup.procs", buf, e)) < 0)
			return rc;
	return 0;
}

static uint64_t failcnt(const struct cg_dir *d)
{
	char path[sizeof(d->path) + 32], buf[32];

	snprintf(path, sizeof(path), "%s/memory.failcnt", d->path);
	return util__read_line(path, buf, sizeof(buf)) == 0 ? strtoull(buf, NULL, 10) : 0;
}

bool cg__oom_killed(const struct cg *cg)
{
	const struct cg_dir *d = dir_for(cg, CG_MEMORY);
	uint64_t n = 0;

	if (!d)
		return false;
	if (d->v2)
		return read_key(d->path, "memory.events", "oom_kill", &n) && n > 0;
	/* oom_kill appeared in Linux 4.13; before it, hitting the limit
	 * (failcnt) is the nearest sign. */
	if (read_key(d->path, "memory.oom_control", "oom_kill", &n))
		return n > 0;
	if (read_key(d->path, "memory.oom_control", "under_oom", &n) && n > 0)
		return true;
	return failcnt(d) > 0;
}

/* ---- killing -------------------------------------------------------- */

/* Ask for the freeze (or thaw) and, freezing, wait up to ~100 ms for it
 * to take: a task in uninterruptible sleep holds it at FREEZING, and
 * then the kill goes ahead anyway. Returns whether the request was
 * written, so the caller knows to thaw. */
static bool freeze(const struct cg_dir *d, bool on)
{
	char path[CG_PATH_MAX + 256], state[32];
	struct err e = { 0 };
	uint64_t frozen = 0;

	if (d->v2) {
		if (write_file(d->path, "cgroup.freeze", on ? "1" : "0", &e) < 0)
			return false;
		for (int i = 0; on && i < 100; i++, sleep_ms(1))
			if (read_key(d->path, "cgroup.events", "frozen", &frozen) && frozen)
				break;
		return true;
	}
	if (write_file(d->path, "freezer.state", on ? "FROZEN" : "THAWED", &e) < 0)
		return false;
	snprintf(path, sizeof(path), "%s/freezer.state", d->path);
	for (int i = 0; on && i < 100; i++, sleep_ms(1))
		if (util__read_line(path, state, sizeof(state)) == 0 &&
		    strcmp(state, "FROZEN") == 0)
			break;
	return true;
}

/* Signal every pid listed in dir's cgroup.procs; how many there were. */
static int signal_procs(const struct cg_dir *d, int sig, struct err *e)
{
	char path[CG_PATH_MAX + 256];
	int pid, n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", d->path);
	if (!(f = fopen(path, "re")))
		return errno == ENOENT ? 0 : err__sys(e, errno, "cgroup: open %s", path);
	while (fscanf(f, "%d", &pid) == 1) {
		if (kill(pid, sig) < 0 && errno != ESRCH) {
			fclose(f);
			return err__sys(e, errno, "cgroup: kill %d", pid);
		}
		n++;
	}
	fclose(f);
	return n;
}

int cg__kill_all(const struct cg *cg, int sig, struct err *e)
{
	const struct cg_dir *fz = dir_for(cg, CG_FREEZER);
	const struct cg_dir *d = fz ? fz : &cg->dirs[0];
	bool frozen;
	int rc;

	if (cg->ndirs == 0)
		return 0;
	/* cgroup.kill (Linux 5.14) does all of it in the kernel. */
	if (sig == SIGKILL && d->v2 && file_exists(d->path, "cgroup.kill"))
		return write_file(d->path, "cgroup.kill", "1", e);
	/* Frozen, nothing can fork between reading the list and the kill. */
	frozen = fz && freeze(fz, true);
	rc = signal_procs(d, sig, e);
	if (frozen)
		freeze(fz, false);
	return rc < 0 ? rc : 0;
}

/* ---- removing ------------------------------------------------------- */

/* rmdir fails with EBUSY while the last processes are still exiting (a
 * killed process leaves its cgroup only once reaped): retry ~1 s. */
static int remove_dir(const char *path, struct err *e)
{
	for (int i = 0; i < 200; i++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		sleep_ms(5);
	}
	return err__sys(e, errno, "cgroup: rmdir %s", path);
}

int cg__destroy(struct cg *cg, struct err *e)
{
	struct err scratch;
	int rc = 0, r;

	if (!cg)
		return 0;
	for (int i = 0; i < cg->ndirs; i++) {
		r = remove_dir(cg->dirs[i].path, rc ? &scratch : (e ? e : &scratch));
		if (r < 0 && rc == 0)
			rc = r;
	}
	free(cg);
	return rc;
}

int cg__destroy_id(const char *id, struct err *e)
{
	struct cg *cg;
	int rc = cg__open(id, &cg, e);

	if (rc == -ENOENT) {
		err__clear(e);
		return 0;
	}
	if (rc < 0)
		return rc;
	return cg__destroy(cg, e);
}
