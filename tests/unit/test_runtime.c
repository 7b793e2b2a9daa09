/* test_runtime.c - unit tests for the container runtime's pure parts: user
 * lookup in passwd/group text, $PATH lookup, the host's cgroup mounts, the
 * overlay's mount data. (The namespaces and mounts themselves are tested by
 * tests/integration/isolation.bats.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "container/rt_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
			     "# a comment\n"
			     "app:x:1000:1000:app:/home/app:/bin/sh\n"
			     "broken line without fields\n"
			     "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
static const char group[] = "root:x:0:\n"
			    "app:x:1000:\n"
			    "audio:x:29:app\n"
			    "video:x:44:someone,app,other\n"
			    "staff:x:50:application\n"
			    "nogroup:x:65534:\n";

static void test_user_default_is_root(void **state)
{
	struct rt_user u;

	(void)state;
	assert_int_equal(rt__user_parse(NULL, passwd, group, &u, NULL), 0);
	assert_int_equal(u.uid, 0);
	assert_int_equal(u.gid, 0);
	assert_string_equal(u.home, "/root");
	assert_int_equal(u.ngroups, 0);
}

static void test_user_by_name_gets_groups(void **state)
{
	struct rt_user u;

	(void)state;
	assert_int_equal(rt__user_parse("app", passwd, group, &u, NULL), 0);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 1000);
	assert_string_equal(u.home, "/home/app");
	/* member of audio and video; "application" in staff is not "app" */
	assert_int_equal(u.ngroups, 2);
	assert_int_equal(u.groups[0], 29);
	assert_int_equal(u.groups[1], 44);
}

static void test_user_by_uid(void **state)
{
	struct rt_user u;

	(void)state;
	assert_int_equal(rt__user_parse("1000", passwd, group, &u, NULL), 0);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 1000);
	assert_int_equal(u.ngroups, 2);
	/* a uid the image does not know: gid 0, HOME / (as runc) */
	assert_int_equal(rt__user_parse("4321", passwd, group, &u, NULL), 0);
	assert_int_equal(u.uid, 4321);
	assert_int_equal(u.gid, 0);
	assert_string_equal(u.home, "/");
}

static void test_user_with_group(void **state)
{
	struct rt_user u;

	(void)state;
	assert_int_equal(rt__user_parse("app:audio", passwd, group, &u, NULL), 0);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 29);
	assert_int_equal(u.ngroups, 0); /* an explicit group replaces them */
	assert_int_equal(rt__user_parse("1000:77", passwd, group, &u, NULL), 0);
	assert_int_equal(u.gid, 77);
	assert_int_equal(rt__user_parse("nobody:0", passwd, group, &u, NULL), 0);
	assert_int_equal(u.uid, 65534);
	assert_int_equal(u.gid, 0);
}

static void test_user_errors(void **state)
{
	struct rt_user u;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(rt__user_parse("bob", passwd, group, &u, &e), -ENOENT);
	assert_string_equal(e.msg, "unable to find user bob: no matching entries in passwd file");
	assert_int_equal(rt__user_parse("app:wheel", passwd, group, &u, &e), -ENOENT);
	assert_string_equal(e.msg, "unable to find group wheel: no matching entries in group file");
	assert_int_equal(rt__user_parse(":5", passwd, group, &u, &e), -EINVAL);
	assert_int_equal(rt__user_parse("app:", passwd, group, &u, &e), -EINVAL);
	/* no files at all: numeric ids still work, names do not */
	assert_int_equal(rt__user_parse("7:8", "", "", &u, &e), 0);
	assert_int_equal(u.uid, 7);
	assert_int_equal(u.gid, 8);
	assert_int_equal(rt__user_parse("root", "", "", &u, &e), -ENOENT);
}

static void test_lookup(void **state)
{
	char dir[] = "/tmp/test_runtime.XXXXXX", path[256], out[512];
	struct err e = { 0 };
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/b", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/a/tool", dir); /* not executable */
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
	snprintf(path, sizeof(path), "%s/b/tool", dir);
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/a:%s/b", dir, dir);

	/* the first executable one wins; a non-executable match is skipped */
	assert_int_equal(rt__lookup("tool", path, out, sizeof(out), &e), 0);
	snprintf(path, sizeof(path), "%s/b/tool", dir);
	assert_string_equal(out, path);
	snprintf(path, sizeof(path), "%s/a:%s/b", dir, dir);
	assert_int_equal(rt__lookup("nosuch", path, out, sizeof(out), &e), -ENOENT);
	assert_string_equal(e.msg, "exec: \"nosuch\": executable file not found in $PATH");
	/* with a slash: used as given, and its problems reported as they are */
	snprintf(path, sizeof(path), "%s/a/tool", dir);
	assert_int_equal(rt__lookup(path, NULL, out, sizeof(out), &e), -EACCES);
	snprintf(path, sizeof(path), "%s/a", dir);
	assert_int_equal(rt__lookup(path, NULL, out, sizeof(out), &e), -EACCES);
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(rt__lookup(path, NULL, out, sizeof(out), &e), -ENOENT);
	assert_int_equal(rt__lookup("", "/bin", out, sizeof(out), &e), -ENOENT);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

static void test_env_get(void **state)
{
	char *env[] = { "PATHX=1", "PATH=/bin", "HOME=", NULL };

	(void)state;
	assert_string_equal(rt__env_get(env, "PATH"), "/bin");
	assert_string_equal(rt__env_get(env, "HOME"), "");
	assert_null(rt__env_get(env, "PAT"));
	assert_null(rt__env_get(NULL, "PATH"));
}

static void test_cgroups_hybrid(void **state)
{
	static const char mi[] =
		"23 27 0:22 / /sys rw,relatime - sysfs sysfs rw\n"
		"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
		"32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup "
		"rw,cpu,cpuacct\n"
		"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
		"40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup "
		"rw,xattr,release_agent=/x,name=systemd\n"
		"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
		"50 27 0:40 / /other/cgroup rw - cgroup cgroup rw,pids\n";
	struct rt_cgroups cg;

	(void)state;
	assert_int_equal(rt__cgroups_read(mi, &cg), 0);
	assert_false(cg.v2);
	assert_int_equal(cg.n, 3);
	assert_string_equal(cg.m[0].name, "cpu,cpuacct");
	assert_string_equal(cg.m[0].opts, "cpu,cpuacct");
	assert_string_equal(cg.m[1].name, "memory");
	assert_string_equal(cg.m[2].name, "systemd");
	assert_string_equal(cg.m[2].opts, "xattr,name=systemd");
}

static void test_cgroups_v2(void **state)
{
	static const char mi[] = "23 27 0:22 / /sys rw - sysfs sysfs rw\n"
				 "31 23 0:28 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 "
				 "rw,nsdelegate\n";
	struct rt_cgroups cg;

	(void)state;
	assert_int_equal(rt__cgroups_read(mi, &cg), 0);
	assert_true(cg.v2);
	assert_int_equal(cg.n, 0);
}

static void test_overlay_data(void **state)
{
	const char *layers[] = { "/s/layers/bottom", "/s/layers/top" };
	struct rt_spec s = {
		.layers = layers,
		.nlayers = 2,
		.upper = "/s/ctr/upper",
		.work = "/s/ctr/work",
	};
	char buf[RT_OVERLAY_MAX], dir[256];

	(void)state;
	assert_int_equal(rt__overlay_data(&s, buf, sizeof(buf), dir, sizeof(dir), NULL), 0);
	/* overlayfs wants the top layer first */
	assert_string_equal(buf, "lowerdir=/s/layers/top:/s/layers/bottom,"
				 "upperdir=/s/ctr/upper,workdir=/s/ctr/work");
	assert_string_equal(dir, "");
}

static void test_overlay_data_long(void **state)
{
	enum { N = 45 };
	static char names[N][128];
	const char *layers[N];
	struct rt_spec s = { .layers = layers, .nlayers = N };
	char buf[RT_OVERLAY_MAX], dir[256];
	struct err e = { 0 };

	(void)state;
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "/var/lib/vmkit/layers/%064d/diff", i);
		layers[i] = names[i];
	}
	s.upper = "/var/lib/vmkit/containers/c1/upper";
	s.work = "/var/lib/vmkit/containers/c1/work";
	/* 45 absolute paths of ~100 bytes do not fit a page: relative ones */
	assert_int_equal(rt__overlay_data(&s, buf, sizeof(buf), dir, sizeof(dir), &e), 0);
	assert_string_equal(dir, "/var/lib/vmkit/");
	assert_true(!strncmp(buf, "lowerdir=layers/", 16));
	assert_non_null(strstr(buf, ",upperdir=containers/c1/upper,workdir=containers/c1/work"));
	/* paths with nothing in common cannot be shortened: an error */
	s.upper = "/elsewhere/upper";
	assert_int_equal(rt__overlay_data(&s, buf, sizeof(buf), dir, sizeof(dir), &e), -E2BIG);
}

static void test_resolv_conf(void **state)
{
	static const char host[] = "# from the host\n"
				   "nameserver 127.0.0.53\n"
				   "nameserver\t10.1.2.3\n"
				   "nameserver ::1\n"
				   "search example.org\n"
				   "options edns0";
	char out[512];

	(void)state;
	/* bridge: the host's loopback is not the container's */
	rt__resolv_conf(host, NET_BRIDGE, out, sizeof(out));
	assert_string_equal(out, "# from the host\nnameserver\t10.1.2.3\nsearch example.org\n"
				 "options edns0\n");
	/* host (and none): as the host has it */
	rt__resolv_conf(host, NET_HOST, out, sizeof(out));
	assert_non_null(strstr(out, "nameserver 127.0.0.53\n"));
	assert_non_null(strstr(out, "nameserver ::1\n"));
	/* nothing reachable left: Docker's fallback servers */
	rt__resolv_conf("nameserver 127.0.0.1\n", NET_BRIDGE, out, sizeof(out));
	assert_string_equal(out, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	rt__resolv_conf("", NET_BRIDGE, out, sizeof(out));
	assert_string_equal(out, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_default_is_root),
		cmocka_unit_test(test_user_by_name_gets_groups),
		cmocka_unit_test(test_user_by_uid),
		cmocka_unit_test(test_user_with_group),
		cmocka_unit_test(test_user_errors),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_env_get),
		cmocka_unit_test(test_cgroups_hybrid),
		cmocka_unit_test(test_cgroups_v2),
		cmocka_unit_test(test_overlay_data),
		cmocka_unit_test(test_overlay_data_long),
		cmocka_unit_test(test_resolv_conf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
