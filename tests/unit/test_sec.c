/* test_sec.c - capabilities, identity, no_new_privs and rlimits after
 * sec__enter, read back from /proc/self/status. Needs root. Each test runs
 * sec__enter in a forked child so this process keeps its privileges; the
 * child reports a failed check by its exit status and a line on stderr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "container/sec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* In the child: report the failed line and leave. cmocka's asserts would
 * longjmp into the child's copy of the test runner. */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "child: %s:%d: check failed: %s\n", __FILE__, __LINE__,    \
				#cond);                                                            \
			_exit(1);                                                                  \
		}                                                                                  \
	} while (0)

static void run_child(void (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A "Key:\tvalue" field of /proc/self/status as a number in base. */
static uint64_t status_field(const char *key, int base)
{
	char line[256];
	size_t n = strlen(key);
	uint64_t v = UINT64_MAX;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return v;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, n) == 0 && line[n] == ':')
			v = strtoull(line + n + 1, NULL, base);
	fclose(f);
	return v;
}

static void enter(const struct sec_spec *s)
{
	struct err e = { 0 };
	int rc = sec__enter(s, &e);

	if (rc < 0)
		fprintf(stderr, "child: sec__enter: %s\n", e.msg);
	CHECK(rc == 0);
}

static void test_cap_parse(void **state)
{
	struct err e = { 0 };
	int bit = 0;

	(void)state;
	assert_int_equal(sec__cap_parse("NET_ADMIN", &bit, &e), 0);
	assert_int_equal(bit, 12);
	assert_int_equal(sec__cap_parse("cap_sys_admin", &bit, &e), 0);
	assert_int_equal(bit, 21);
	assert_int_equal(sec__cap_parse("CAP_CHECKPOINT_RESTORE", &bit, &e), 0);
	assert_int_equal(bit, 40);
	assert_int_equal(sec__cap_parse("ALL", &bit, &e), 0);
	assert_int_equal(bit, -1);
	assert_int_equal(sec__cap_parse("CAP_FLY", &bit, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "CAP_FLY"));
	assert_int_equal(sec__cap_parse("", &bit, &e), -EINVAL);
}

/* The default set spelled by name must be the mask Docker shows. */
static void test_default_caps_by_name(void **state)
{
	static const char *const names[] = {
		"CHOWN",   "DAC_OVERRIDE", "FSETID",           "FOWNER",
		"MKNOD",   "NET_RAW",      "SETGID",           "SETUID",
		"SETFCAP", "SETPCAP",      "NET_BIND_SERVICE", "SYS_CHROOT",
		"KILL",    "AUDIT_WRITE"
	};
	struct err e = { 0 };
	uint64_t mask = 0;
	int bit;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(sec__cap_parse(names[i], &bit, &e), 0);
		mask |= 1ULL << bit;
	}
	assert_int_equal(mask, 0xa80425fbULL);
	assert_int_equal(SEC_DEFAULT_CAPS, mask);
}

static void root_default(void *arg)
{
	struct sec_spec s = { .uid = 0, .gid = 0, .caps = SEC_DEFAULT_CAPS };

	(void)arg;
	enter(&s);
	CHECK(status_field("CapEff", 16) == 0xa80425fbULL);
	CHECK(status_field("CapPrm", 16) == 0xa80425fbULL);
	CHECK(status_field("CapBnd", 16) == 0xa80425fbULL);
	CHECK(status_field("CapInh", 16) == 0);
	CHECK(status_field("CapAmb", 16) == 0);
	CHECK(status_field("NoNewPrivs", 10) == 1);
	CHECK(status_field("Seccomp", 10) == 2);
	CHECK(getuid() == 0 && getgid() == 0);
}

static void test_root_gets_default_caps(void **state)
{
	(void)state;
	run_child(root_default, NULL);
}

static void user_1000(void *arg)
{
	static const gid_t groups[] = { 1000, 27 };
	struct sec_spec s = {
		.uid = 1000, .gid = 1000, .groups = groups, .ngroups = 2, .caps = SEC_DEFAULT_CAPS
	};
	gid_t got[8];
	uid_t r, ef, sv;

	(void)arg;
	enter(&s);
	CHECK(status_field("CapEff", 16) == 0);
	CHECK(status_field("CapPrm", 16) == 0);
	CHECK(status_field("CapInh", 16) == 0);
	CHECK(status_field("CapBnd", 16) == 0xa80425fbULL);
	CHECK(status_field("NoNewPrivs", 10) == 1);
	CHECK(status_field("Seccomp", 10) == 2);
	CHECK(getresuid(&r, &ef, &sv) == 0 && r == 1000 && ef == 1000 && sv == 1000);
	CHECK(getgid() == 1000 && getegid() == 1000);
	/* The kernel keeps groups sorted, so either order. */
	CHECK(getgroups(8, got) == 2);
	CHECK((got[0] == 1000 && got[1] == 27) || (got[0] == 27 && got[1] == 1000));
	/* No way back to root. */
	CHECK(setuid(0) < 0 && errno == EPERM);
}

static void test_user_gets_no_caps(void **state)
{
	(void)state;
	run_child(user_1000, NULL);
}

/* --cap-add: one more cap in every set, still under seccomp. */
static void cap_add(void *arg)
{
	uint64_t caps = SEC_DEFAULT_CAPS | (1ULL << 12); /* NET_ADMIN */
	struct sec_spec s = { .caps = caps };

	(void)arg;
	enter(&s);
	CHECK(status_field("CapEff", 16) == caps);
	CHECK(status_field("CapBnd", 16) == caps);
	CHECK(status_field("Seccomp", 10) == 2);
}

static void test_cap_add(void **state)
{
	(void)state;
	run_child(cap_add, NULL);
}

/* Privileged: every cap this process has (a sandboxed host may lack some
 * the kernel knows), and no seccomp. */
static void privileged(void *arg)
{
	struct sec_spec s = { .privileged = true };
	uint64_t held = status_field("CapPrm", 16);

	(void)arg;
	enter(&s);
	CHECK(status_field("CapEff", 16) == held);
	CHECK(status_field("CapBnd", 16) == held);
	CHECK(status_field("Seccomp", 10) == 0);
}

static void test_privileged_keeps_all(void **state)
{
	(void)state;
	run_child(privileged, NULL);
}

static void unconfined(void *arg)
{
	struct sec_spec s = { .caps = SEC_DEFAULT_CAPS, .no_seccomp = true };

	(void)arg;
	enter(&s);
	CHECK(status_field("NoNewPrivs", 10) == 1);
	CHECK(status_field("Seccomp", 10) == 0);
	CHECK(status_field("CapEff", 16) == 0xa80425fbULL);
}

static void test_seccomp_unconfined(void **state)
{
	(void)state;
	run_child(unconfined, NULL);
}

static void nofile(void *arg)
{
	struct rlimit host, rl;
	struct err e = { 0 };
	rlim_t want;

	(void)arg;
	CHECK(getrlimit(RLIMIT_NOFILE, &host) == 0);
	want = host.rlim_max > 1048576 ? 1048576 : host.rlim_max;
	/* A low soft limit, as a shell might leave it: it must be raised. */
	rl.rlim_cur = 64;
	rl.rlim_max = host.rlim_max;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	CHECK(sec__rlimits(&e) == 0);
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	CHECK(rl.rlim_cur == want && rl.rlim_max == want);
}

static void test_rlimit_nofile(void **state)
{
	(void)state;
	run_child(nofile, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_parse),
		cmocka_unit_test(test_default_caps_by_name),
		cmocka_unit_test(test_root_gets_default_caps),
		cmocka_unit_test(test_user_gets_no_caps),
		cmocka_unit_test(test_cap_add),
		cmocka_unit_test(test_privileged_keeps_all),
		cmocka_unit_test(test_seccomp_unconfined),
		cmocka_unit_test(test_rlimit_nofile),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_sec: needs root\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
