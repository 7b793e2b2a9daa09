/* test_cgroup.c - a container's cgroups on this host's real hierarchies:
 * limits read back from the files, processes attached, an OOM kill, a
 * fork bomb held by pids.max, kill-all and removal. The v2 code is also
 * run against a cgroup2 mount of our own. Needs root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/util.h"
#include "container/cgroup.h"
#include "container/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static char test_id[64];

static int setup(void **state)
{
	static int n;

	(void)state;
	snprintf(test_id, sizeof(test_id), "unit-%d-%d", (int)getpid(), n++);
	return 0;
}

static char devdir[64], v2dir[64];

/* Whatever a failed test left behind: processes, groups, our cgroup2
 * mount, device nodes. */
static int teardown(void **state)
{
	struct err e = { 0 };
	struct cg *cg;
	char cmd[128];

	(void)state;
	if (cg__open(test_id, &cg, &e) == 0) {
		cg__kill_all(cg, SIGKILL, &e);
		cg__destroy(cg, &e);
	}
	if (v2dir[0] && cg__open_in(v2dir, test_id, &cg, &e) == 0) {
		cg__kill_all(cg, SIGKILL, &e);
		cg__destroy(cg, &e);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	if (v2dir[0]) {
		umount(v2dir);
		rmdir(v2dir);
		v2dir[0] = '\0';
	}
	if (devdir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", devdir);
		if (system(cmd) != 0)
			fprintf(stderr, "teardown: %s failed\n", cmd);
		devdir[0] = '\0';
	}
	return 0;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* /sys/fs/cgroup/<hier>/vmkit/<id>[/file] */
static const char *cgpath(const char *hier, const char *file)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "/sys/fs/cgroup/%s/vmkit/%s%s%s", hier, test_id, file ? "/" : "",
		 file ? file : "");
	return buf;
}

static uint64_t read_u64(const char *path)
{
	char line[64];

	if (util__read_line(path, line, sizeof(line)) < 0)
		return UINT64_MAX;
	return strtoull(line, NULL, 10);
}

static bool procs_has(const char *path, pid_t pid)
{
	FILE *f = fopen(path, "re");
	int p;
	bool found = false;

	if (!f)
		return false;
	while (!found && fscanf(f, "%d", &p) == 1)
		found = p == pid;
	fclose(f);
	return found;
}

static int count_procs(const char *path)
{
	FILE *f = fopen(path, "re");
	int p, n = 0;

	if (!f)
		return -1;
	while (fscanf(f, "%d", &p) == 1)
		n++;
	fclose(f);
	return n;
}

static struct ctr_probe probe;

/* These tests are for the layout this host has; say which. */
static bool host_is_v1(void)
{
	return probe.cgroup_mode == CGROUP_MODE_V1 || probe.cgroup_mode == CGROUP_MODE_HYBRID;
}

static const char *v1_hiers[] = { "memory", "cpu", "cpuacct", "pids", "freezer", "devices" };

static void test_create_limits_destroy(void **state)
{
	struct cg_limits lim = {
		.memory = 64 * MiB, .cpu_quota = 50000, .cpu_period = 100000, .pids = 32
	};
	struct err e = { 0 };
	struct cg *cg;

	(void)state;
	if (!host_is_v1()) {
		skip();
		return;
	}
	assert_int_equal(cg__create(test_id, &lim, &cg, &e), 0);
	/* A group in every v1 hierarchy vmkit uses that this host mounts. */
	for (size_t i = 0; i < sizeof(v1_hiers) / sizeof(v1_hiers[0]); i++) {
		char mnt[64];

		snprintf(mnt, sizeof(mnt), "/sys/fs/cgroup/%s", v1_hiers[i]);
		if (is_dir(mnt) && !is_dir(cgpath(v1_hiers[i], NULL)))
			fail_msg("no vmkit/%s under %s", test_id, mnt);
	}
	assert_int_equal(read_u64(cgpath("memory", "memory.limit_in_bytes")), 64 * MiB);
	if (access(cgpath("memory", "memory.memsw.limit_in_bytes"), F_OK) == 0)
		assert_int_equal(read_u64(cgpath("memory", "memory.memsw.limit_in_bytes")),
				 64 * MiB);
	assert_int_equal(read_u64(cgpath("cpu", "cpu.cfs_quota_us")), 50000);
	assert_int_equal(read_u64(cgpath("cpu", "cpu.cfs_period_us")), 100000);
	assert_int_equal(read_u64(cgpath("pids", "pids.max")), 32);
	if (probe.cgroup_mode == CGROUP_MODE_HYBRID)
		assert_true(is_dir(cgpath("unified", NULL)));
	/* The device list: the host's disks are not in it. */
	if (is_dir(cgpath("devices", NULL))) {
		char list[4096] = "";
		FILE *f = fopen(cgpath("devices", "devices.list"), "re");

		assert_non_null(f);
		list[fread(list, 1, sizeof(list) - 1, f)] = '\0';
		fclose(f);
		assert_non_null(strstr(list, "c 1:3 rwm"));
		assert_null(strstr(list, "a *:* rwm"));
	}
	assert_int_equal(cg__destroy(cg, &e), 0);
	for (size_t i = 0; i < sizeof(v1_hiers) / sizeof(v1_hiers[0]); i++)
		assert_false(is_dir(cgpath(v1_hiers[i], NULL)));
	assert_false(is_dir(cgpath("unified", NULL)));
}

/* A child parked on a pipe until told to go (or killed). */
static pid_t parked_child(int *go_fd, void (*body)(void))
{
	int p[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(0);
		body();
		_exit(0);
	}
	close(p[0]);
	*go_fd = p[1];
	return pid;
}

static void do_pause(void)
{
	for (;;)
		pause();
}

static const char *const every_v1[] = { "blkio",      "cpuset",  "net_cls",
					"perf_event", "hugetlb", "systemd",
					"rdma",       "misc",    "net_cls,net_prio" };

static void test_attach(void **state)
{
	struct cg_limits lim = { 0 };
	struct err e = { 0 };
	struct cg *cg, *opened;
	int go, status;
	pid_t pid;

	(void)state;
	if (!host_is_v1()) {
		skip();
		return;
	}
	assert_int_equal(cg__create(test_id, &lim, &cg, &e), 0);
	pid = parked_child(&go, do_pause);
	assert_int_equal(cg__attach(cg, pid, &e), 0);
	assert_true(procs_has(cgpath("memory", "cgroup.procs"), pid));
	assert_true(procs_has(cgpath("pids", "cgroup.procs"), pid));
	assert_true(procs_has(cgpath("freezer", "cgroup.procs"), pid));
	if (probe.cgroup_mode == CGROUP_MODE_HYBRID)
		assert_true(procs_has(cgpath("unified", "cgroup.procs"), pid));
	/* Every hierarchy, not only those with limits: blkio, cpuset (its
	 * cpus and mems copied down), name=systemd... A container mounting
	 * one it has no group in would see the host's tree. */
	for (size_t i = 0; i < sizeof(every_v1) / sizeof(every_v1[0]); i++) {
		char root[128];

		snprintf(root, sizeof(root), "/sys/fs/cgroup/%s/cgroup.procs", every_v1[i]);
		if (access(root, F_OK) == 0)
			assert_true(procs_has(cgpath(every_v1[i], "cgroup.procs"), pid));
	}
	/* `vmkit stop` opens the same groups by id and kills through them. */
	assert_int_equal(cg__open(test_id, &opened, &e), 0);
	assert_int_equal(cg__kill_all(opened, SIGTERM, &e), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	close(go);
	assert_false(cg__oom_killed(opened));
	assert_int_equal(cg__destroy(opened, &e), 0);
	assert_false(is_dir(cgpath("memory", NULL)));
	for (size_t i = 0; i < sizeof(every_v1) / sizeof(every_v1[0]); i++)
		assert_false(is_dir(cgpath(every_v1[i], NULL)));
	free(cg); /* its directories went with `opened` */
}

/* Touch 512 MiB a page at a time: far past the limit, with no swap. */
static void hog(void)
{
	size_t size = 512 * MiB;
	volatile char *m =
		mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		_exit(2);
	for (size_t off = 0; off < size; off += 4096)
		m[off] = 1;
	_exit(3); /* survived: the limit did not hold */
}

static void test_oom_kill(void **state)
{
	struct cg_limits lim = { .memory = 32 * MiB };
	struct err e = { 0 };
	struct cg *cg;
	int go, status;
	pid_t pid;

	(void)state;
	if (!host_is_v1()) {
		skip();
		return;
	}
	assert_int_equal(cg__create(test_id, &lim, &cg, &e), 0);
	pid = parked_child(&go, hog);
	assert_int_equal(cg__attach(cg, pid, &e), 0);
	assert_false(cg__oom_killed(cg));
	assert_int_equal(write(go, "g", 1), 1);
	close(go);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_true(cg__oom_killed(cg));
	assert_int_equal(cg__destroy(cg, &e), 0);
}

/* Fork until refused; report how many forks worked by a pipe, then wait. */
static int bomb_fd = -1;

static void bomb(void)
{
	int n = 0;

	for (int i = 0; i < 200; i++) {
		pid_t p = fork();
		if (p < 0)
			break;
		if (p == 0)
			do_pause();
		n++;
	}
	if (write(bomb_fd, &n, sizeof(n)) != sizeof(n))
		_exit(1);
	do_pause();
}

static void test_pids_limit_and_kill_all(void **state)
{
	struct cg_limits lim = { .pids = 16 };
	struct err e = { 0 };
	struct cg *cg;
	int go, n = -1, report[2];
	pid_t pid;

	(void)state;
	if (!host_is_v1()) {
		skip();
		return;
	}
	/* The bomb's children are ours to reap once it dies. */
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	assert_int_equal(pipe(report), 0);
	bomb_fd = report[1];
	assert_int_equal(cg__create(test_id, &lim, &cg, &e), 0);
	pid = parked_child(&go, bomb);
	close(report[1]);
	assert_int_equal(cg__attach(cg, pid, &e), 0);
	assert_int_equal(write(go, "g", 1), 1);
	close(go);
	assert_int_equal(read(report[0], &n, sizeof(n)), sizeof(n));
	close(report[0]);
	/* The bomb itself is one of the 16. */
	assert_int_equal(n, 15);
	assert_int_equal(count_procs(cgpath("pids", "cgroup.procs")), 16);
	assert_int_equal(read_u64(cgpath("pids", "pids.current")), 16);

	assert_int_equal(cg__kill_all(cg, SIGKILL, &e), 0);
	for (int reaped = 0; reaped < 16;) {
		int st;
		pid_t p = waitpid(-1, &st, 0);

		assert_true(p > 0);
		assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		reaped++;
	}
	assert_int_equal(count_procs(cgpath("pids", "cgroup.procs")), 0);
	/* Thawed again, so the next start is not born frozen. */
	if (is_dir(cgpath("freezer", NULL))) {
		char st[32];
		assert_int_equal(
			util__read_line(cgpath("freezer", "freezer.state"), st, sizeof(st)), 0);
		assert_string_equal(st, "THAWED");
	}
	assert_int_equal(cg__destroy(cg, &e), 0);
	assert_false(is_dir(cgpath("pids", NULL)));
	prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
}

static void test_open_missing_and_destroy_id(void **state)
{
	struct cg_limits lim = { 0 };
	struct err e = { 0 };
	struct cg *cg, *cg2;

	(void)state;
	assert_int_equal(cg__open(test_id, &cg, &e), -ENOENT);
	assert_null(cg);
	assert_int_equal(cg__destroy_id(test_id, &e), 0); /* nothing there: fine */
	assert_int_equal(cg__create(test_id, &lim, &cg, &e), 0);
	/* After a crash: clean up by id alone. */
	assert_int_equal(cg__destroy_id(test_id, &e), 0);
	assert_int_equal(cg__open(test_id, &cg2, &e), -ENOENT);
	if (host_is_v1())
		assert_false(is_dir(cgpath("memory", NULL)));
	free(cg);
	assert_int_equal(cg__create("../escape", &lim, &cg, &e), -EINVAL);
	assert_int_equal(cg__create("", &lim, &cg, &e), -EINVAL);
	assert_int_equal(cg__destroy(NULL, &e), 0);
}

/* In a child already in the group: make nodes in a temp dir and try them.
 * null is on the list; mem (c 1:1) and a disk (b 8:0) are not, though
 * mknod of anything is. Exit status says which check failed. */
static void try_devices(void)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/null", devdir);
	if (mknod(path, S_IFCHR | 0666, makedev(1, 3)) < 0)
		_exit(10);
	if ((fd = open(path, O_RDWR)) < 0)
		_exit(11);
	close(fd);
	snprintf(path, sizeof(path), "%s/mem", devdir);
	if (mknod(path, S_IFCHR | 0600, makedev(1, 1)) < 0)
		_exit(12);
	if (open(path, O_RDONLY) >= 0 || errno != EPERM)
		_exit(13);
	snprintf(path, sizeof(path), "%s/disk", devdir);
	if (mknod(path, S_IFBLK | 0600, makedev(8, 0)) < 0)
		_exit(14);
	if (open(path, O_RDONLY) >= 0 || errno != EPERM)
		_exit(15);
	_exit(0);
}

/* Run try_devices in cg; its exit status. */
static int devices_in(struct cg *cg)
{
	struct err e = { 0 };
	char cmd[128];
	int go, status;
	pid_t pid;

	snprintf(devdir, sizeof(devdir), "/tmp/vmkit-dev-XXXXXX");
	assert_non_null(mkdtemp(devdir));
	pid = parked_child(&go, try_devices);
	assert_int_equal(cg__attach(cg, pid, &e), 0);
	assert_int_equal(write(go, "g", 1), 1);
	close(go);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", devdir);
	assert_int_equal(system(cmd), 0);
	devdir[0] = '\0';
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_devices_v1(void **state)
{
	struct cg_limits lim = { 0 };
	struct err e = { 0 };
	struct cg *cg;

	(void)state;
	if (!host_is_v1() || !is_dir("/sys/fs/cgroup/devices")) {
		skip();
		return;
	}
	assert_int_equal(cg__create(test_id, &lim, &cg, &e), 0);
	assert_int_equal(devices_in(cg), 0);
	assert_int_equal(cg__destroy(cg, &e), 0);
}

/* The v2 code against our own cgroup2 mount: on a hybrid host it is the
 * same hierarchy as unified/, holding whichever controllers v1 does not. */
static void test_v2_own_mount(void **state)
{
	char *dir = v2dir, procs[512], ctls[256] = "";
	struct cg_limits none = { 0 }, mem = { .memory = 64 * MiB };
	struct err e = { 0 };
	struct cg *cg = NULL;
	int go, status;
	pid_t pid;

	(void)state;
	snprintf(v2dir, sizeof(v2dir), "/tmp/vmkit-cg2-XXXXXX");
	assert_non_null(mkdtemp(dir));
	if (mount("none", dir, "cgroup2", 0, NULL) < 0) {
		rmdir(dir);
		v2dir[0] = '\0';
		print_message("# v2 not exercised: cannot mount cgroup2 here (%s)\n",
			      strerror(errno));
		skip();
		return;
	}
	snprintf(procs, sizeof(procs), "%s/cgroup.controllers", dir);
	util__read_line(procs, ctls, sizeof(ctls));
	print_message("# own cgroup2 mount offers: \"%s\"\n", ctls);

	if (cg__create_in(dir, test_id, &none, &cg, &e) < 0)
		fail_msg("%s", e.msg);
	/* Any signal but SIGKILL: through cgroup.freeze, thawed after. */
	pid = parked_child(&go, do_pause);
	assert_int_equal(cg__attach(cg, pid, &e), 0);
	assert_int_equal(cg__kill_all(cg, SIGTERM, &e), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	close(go);
	snprintf(procs, sizeof(procs), "%s/vmkit/%s/cgroup.freeze", dir, test_id);
	assert_int_equal(read_u64(procs), 0);
	/* SIGKILL: cgroup.kill. */
	pid = parked_child(&go, do_pause);
	assert_int_equal(cg__attach(cg, pid, &e), 0);
	snprintf(procs, sizeof(procs), "%s/vmkit/%s/cgroup.procs", dir, test_id);
	assert_true(procs_has(procs, pid));
	assert_int_equal(cg__kill_all(cg, SIGKILL, &e), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(go);
	assert_int_equal(cg__destroy(cg, &e), 0);
	assert_false(is_dir(procs));

	/* Devices through the BPF program (no v1 list in this group). */
	assert_int_equal(cg__create_in(dir, test_id, &none, &cg, &e), 0);
	assert_int_equal(devices_in(cg), 0);
	assert_int_equal(cg__destroy(cg, &e), 0);

	if (strstr(ctls, "memory")) {
		assert_int_equal(cg__create_in(dir, test_id, &mem, &cg, &e), 0);
		snprintf(procs, sizeof(procs), "%s/vmkit/%s/memory.max", dir, test_id);
		assert_int_equal(read_u64(procs), 64 * MiB);
		assert_int_equal(cg__destroy(cg, &e), 0);
	} else {
		/* A limit the host cannot enforce names its controller. */
		assert_int_equal(cg__create_in(dir, test_id, &mem, &cg, &e), -EOPNOTSUPP);
		assert_non_null(strstr(e.msg, "memory"));
		print_message("# v2 limits not exercised: this host's cgroup2 lacks memory\n");
	}
	assert_int_equal(umount(dir), 0);
	assert_int_equal(rmdir(dir), 0);
	v2dir[0] = '\0';
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_limits_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oom_kill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pids_limit_and_kill_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_missing_and_destroy_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_own_mount, setup, teardown),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_cgroup: needs root\n");
		return 77;
	}
	ctr__probe(&probe);
	print_message("# cgroup layout: %s\n", ctr__cgroup_mode_name(probe.cgroup_mode));
	if (probe.cgroup_mode != CGROUP_MODE_V2)
		print_message("# pure v2 host layout not exercised here (only our own mount)\n");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
