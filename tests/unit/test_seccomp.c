/* test_seccomp.c - the default seccomp profile against real system calls:
 * what Docker refuses answers EPERM (or ENOSYS where libc must fall
 * back), what it allows works, and capabilities unlock their calls.
 * Needs root; every filter is loaded in a forked child. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/util.h"
#include "container/sec.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/reboot.h>

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "child: %s:%d: check failed: %s (errno %d)\n", __FILE__,   \
				__LINE__, #cond, errno);                                           \
			_exit(1);                                                                  \
		}                                                                                  \
	} while (0)

/* A raw call that must fail with want. */
#define REFUSED(want, ...) CHECK(syscall(__VA_ARGS__) == -1 && errno == (want))

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

/* Root with Docker's default caps, as sec__enter leaves a container. */
static void confine(uint64_t caps)
{
	struct sec_spec s = { .caps = caps };
	struct err e = { 0 };
	int rc = sec__enter(&s, &e);

	if (rc < 0)
		fprintf(stderr, "child: sec__enter: %s\n", e.msg);
	CHECK(rc == 0);
}

/* The filter alone, with every capability still held: a refusal can only
 * come from seccomp. Private mount and uts namespaces first, so a call the
 * filter wrongly let through changes nothing on the host. */
static void filter_only(void)
{
	struct err e = { 0 };
	int rc;

	CHECK(unshare(CLONE_NEWNS | CLONE_NEWUTS) == 0);
	CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	rc = sec__seccomp_load(SEC_DEFAULT_CAPS, &e);
	if (rc < 0)
		fprintf(stderr, "child: %s\n", e.msg);
	CHECK(rc == 0);
}

static void blocked(void *arg)
{
	long pid;

	(void)arg;
	filter_only();
	/* Arguments are harmless or invalid: allowed, each would fail with
	 * another errno (or do nothing outside this child's namespaces). */
	REFUSED(EPERM, SYS_mount, "none", "/mnt", "tmpfs", 0UL, NULL);
	REFUSED(EPERM, SYS_umount2, "/nonexistent", 0);
	REFUSED(EPERM, SYS_unshare, CLONE_NEWUSER);
	REFUSED(EPERM, SYS_unshare, CLONE_NEWNS);
	REFUSED(EPERM, SYS_setns, -1, 0);
	REFUSED(EPERM, SYS_init_module, NULL, 0UL, "");
	REFUSED(EPERM, SYS_finit_module, -1, "", 0);
	REFUSED(EPERM, SYS_delete_module, "vmkit-none", 0);
	REFUSED(EPERM, SYS_kexec_load, 0UL, 100000UL, NULL, 0UL);
	REFUSED(EPERM, SYS_kexec_file_load, -1, -1, 0UL, "", 0xffUL);
	REFUSED(EPERM, SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, 0x12345678, NULL);
	REFUSED(EPERM, SYS_bpf, -1, NULL, 0);
	REFUSED(EPERM, SYS_perf_event_open, NULL, 0, -1, -1, 0UL);
	REFUSED(EPERM, SYS_swapon, "/nonexistent", 0);
	REFUSED(EPERM, SYS_keyctl, -1, 0, 0, 0, 0); /* not in the profile at all */
	REFUSED(EPERM, SYS_add_key, "user", "x", "", 0UL, 0);
	REFUSED(EPERM, SYS_iopl, 99);
	REFUSED(EPERM, SYS_open_by_handle_at, -1, NULL, 0);
	REFUSED(EPERM, SYS_sethostname, "vmkit-test", 10UL);
	/* io_uring, as Docker 25 and later (moby PR 46762). */
	REFUSED(EPERM, SYS_io_uring_setup, 1U, NULL);
	REFUSED(EPERM, SYS_io_uring_enter, -1, 0U, 0U, 0U, NULL, 0UL);
	REFUSED(EPERM, SYS_io_uring_register, -1, 0U, NULL, 0U);
	/* Namespaces by clone(2) are refused; a new child would exit at once. */
	pid = syscall(SYS_clone, (unsigned long)(CLONE_NEWNET | SIGCHLD), NULL, NULL, NULL, 0UL);
	if (pid == 0)
		_exit(0);
	CHECK(pid == -1 && errno == EPERM);
	/* clone3 hides its flags from seccomp: ENOSYS sends libc to clone. */
	REFUSED(ENOSYS, SYS_clone3, NULL, 0UL);
	REFUSED(EPERM, SYS_personality, 0x0040000UL); /* ADDR_COMPAT_LAYOUT */
	REFUSED(EPERM, SYS_socket, 40 /* AF_VSOCK */, SOCK_STREAM, 0);
}

/* The same through sec__enter, as a container gets it. */
static void entered(void *arg)
{
	(void)arg;
	confine(SEC_DEFAULT_CAPS);
	REFUSED(EPERM, SYS_unshare, CLONE_NEWUSER);
	REFUSED(EPERM, SYS_mount, "none", "/mnt", "tmpfs", 0UL, NULL);
	REFUSED(EPERM, SYS_init_module, NULL, 0UL, "");
	REFUSED(EPERM, SYS_io_uring_setup, 1U, NULL);
}

static void test_entered_container(void **state)
{
	(void)state;
	run_child(entered, NULL);
}

static void test_blocked_calls(void **state)
{
	(void)state;
	run_child(blocked, NULL);
}

static void *thread_fn(void *arg)
{
	(void)arg;
	return (void *)42;
}

static void allowed(void *arg)
{
	int sv[2], fd, status;
	pthread_t t;
	void *ret;
	pid_t pid;

	(void)arg;
	confine(SEC_DEFAULT_CAPS);
	CHECK(syscall(SYS_getpid) == getpid());
	CHECK(personality(0xffffffff) >= 0);
	CHECK(personality(PER_LINUX) >= 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK((fd = socket(AF_INET, SOCK_DGRAM, 0)) >= 0);
	close(fd);
	CHECK((fd = open("/proc/self/status", O_RDONLY)) >= 0);
	close(fd);
	CHECK(chroot("/") == 0); /* SYS_CHROOT is in the default set */
	/* glibc creates threads with clone3 and falls back on ENOSYS. */
	CHECK(pthread_create(&t, NULL, thread_fn, NULL) == 0);
	CHECK(pthread_join(t, &ret) == 0 && ret == (void *)42);
	/* fork is clone without namespace flags; execve must be allowed. */
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(99);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_allowed_calls(void **state)
{
	(void)state;
	run_child(allowed, NULL);
}

/* A number no kernel has given a call yet: newer than the profile. */
static void newer(void *arg)
{
	(void)arg;
	filter_only();
	REFUSED(ENOSYS, 1000);
	REFUSED(ENOSYS, 511);
}

static void test_newer_calls_enosys(void **state)
{
	(void)state;
	run_child(newer, NULL);
}

/* --cap-add SYS_ADMIN unlocks unshare and mount, as in Docker. */
static void sys_admin(void *arg)
{
	(void)arg;
	confine(SEC_DEFAULT_CAPS | (1ULL << CAP_SYS_ADMIN));
	CHECK(unshare(CLONE_NEWNS) == 0);
	CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
	CHECK(mount("none", "/mnt", "tmpfs", 0, NULL) == 0);
	CHECK(umount2("/mnt", 0) == 0);
	REFUSED(EPERM, SYS_kexec_load, 0UL, 0UL, NULL, 0UL); /* never */
}

static void test_cap_sys_admin_unlocks(void **state)
{
	(void)state;
	run_child(sys_admin, NULL);
}

/* The i386 ABI through int $0x80 is filtered with its own numbers. */
static long int80(long nr, long a, long b)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b) : "memory");
	return ret;
}

static void i386_abi(void *arg)
{
	(void)arg;
	filter_only();
	CHECK(int80(20, 0, 0) == getpid()); /* getpid */
	CHECK(int80(310, 0, 0) == -EPERM);  /* unshare */
	CHECK(int80(88, 0, 0) == -EPERM);   /* reboot */
	CHECK(int80(1000, 0, 0) == -ENOSYS);
}

static void i386_probe(void *arg)
{
	(void)arg;
	CHECK(int80(20, 0, 0) == getpid());
}

static void test_i386_abi(void **state)
{
	int status;
	pid_t pid = fork();

	(void)state;
	/* A kernel without IA32 emulation kills int $0x80 callers. */
	assert_true(pid >= 0);
	if (pid == 0) {
		i386_probe(NULL);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		skip();
		return;
	}
	run_child(i386_abi, NULL);
}

/* Build and load time of the whole profile: it runs once per container
 * start, so it must stay at a few milliseconds. */
static void timing(void *arg)
{
	struct err e = { 0 };
	uint64_t t0;
	int rc;

	(void)arg;
	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	t0 = util__now_ns();
	rc = sec__seccomp_load(SEC_DEFAULT_CAPS, &e);
	printf("# seccomp build+load: %.2f ms\n", (double)(util__now_ns() - t0) / 1e6);
	fflush(stdout);
	CHECK(rc == 0);
	/* Loose: a loaded CI machine or ASan may take a few times longer. */
	CHECK(util__now_ns() - t0 < 500000000ULL);
}

static void test_load_time(void **state)
{
	(void)state;
	run_child(timing, NULL);
}

static void test_filter_size(void **state)
{
	struct sec_filter *f;
	struct err e = { 0 };
	int n;

	(void)state;
	assert_int_equal(sec__seccomp_prepare(SEC_DEFAULT_CAPS, NULL, &f, &e), 0);
	n = sec__seccomp_count(f);
	sec__seccomp_free(f);
	print_message("# default profile: %d BPF instructions\n", n);
	assert_true(n > 100);
	assert_true(n < 4096); /* the kernel's BPF_MAXINSNS */
}

static struct sec_filter *cached;

/* A filter read from the cache is loaded as sec__enter would. */
static void cached_child(void *arg)
{
	struct sec_spec s = { .caps = SEC_DEFAULT_CAPS, .filter = cached };
	struct err e = { 0 };

	uint64_t t0 = util__now_ns();

	(void)arg;
	CHECK(sec__enter(&s, &e) == 0);
	printf("# sec__enter with a prepared filter: %.3f ms\n",
	       (double)(util__now_ns() - t0) / 1e6);
	fflush(stdout);
	REFUSED(EPERM, SYS_unshare, CLONE_NEWUSER);
	REFUSED(ENOSYS, 1000);
	CHECK(syscall(SYS_getppid) == getppid());
}

static void test_cache(void **state)
{
	char dir[] = "/tmp/vmkit-sccache-XXXXXX", sub[64], cmd[128];
	struct sec_filter *a, *b;
	struct err e = { 0 };
	uint64_t t0, t1, t2;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/cache", dir);
	t0 = util__now_ns();
	assert_int_equal(sec__seccomp_prepare(SEC_DEFAULT_CAPS, sub, &a, &e), 0);
	t1 = util__now_ns();
	assert_int_equal(sec__seccomp_prepare(SEC_DEFAULT_CAPS, sub, &b, &e), 0);
	t2 = util__now_ns();
	print_message("# seccomp prepare: built %.2f ms, from cache %.3f ms\n",
		      (double)(t1 - t0) / 1e6, (double)(t2 - t1) / 1e6);
	assert_int_equal(sec__seccomp_count(a), sec__seccomp_count(b));
	assert_true(t2 - t1 < t1 - t0);
	cached = b;
	run_child(cached_child, NULL);
	sec__seccomp_free(a);
	sec__seccomp_free(b);
	/* Another cap set is another file. */
	assert_int_equal(
		sec__seccomp_prepare(SEC_DEFAULT_CAPS | 1ULL << CAP_SYS_ADMIN, sub, &a, &e), 0);
	sec__seccomp_free(a);
	snprintf(cmd, sizeof(cmd), "test $(ls %s | wc -l) -eq 2", sub);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocked_calls),
		cmocka_unit_test(test_entered_container),
		cmocka_unit_test(test_allowed_calls),
		cmocka_unit_test(test_newer_calls_enosys),
		cmocka_unit_test(test_cap_sys_admin_unlocks),
		cmocka_unit_test(test_i386_abi),
		cmocka_unit_test(test_load_time),
		cmocka_unit_test(test_filter_size),
		cmocka_unit_test(test_cache),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_seccomp: needs root\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
