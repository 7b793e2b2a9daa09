/* seccomp.c - the default seccomp profile, equivalent to Docker's (moby's
 * profiles/seccomp/default.json): an allow list, calls a capability
 * unlocks, argument checks on clone, socket and personality, EPERM for the
 * rest and ENOSYS for calls newer than the profile. x86-64 with its i386
 * and x32 ABIs, as Docker's arch map. */

#include "container/sec.h"

#include "common/util.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <limits.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

/* Calls any container may make. Names this libseccomp does not know, or
 * that no ABI of the filter has, are skipped. */
static const char *const allowed[] = {
	/* processes, threads and their identity */
	"fork",
	"vfork",
	"execve",
	"execveat",
	"exit",
	"exit_group",
	"wait4",
	"waitid",
	"waitpid",
	"getpid",
	"getppid",
	"gettid",
	"getpgid",
	"getpgrp",
	"getsid",
	"setsid",
	"setpgid",
	"set_tid_address",
	"set_robust_list",
	"get_robust_list",
	"rseq",
	"arch_prctl",
	"prctl",
	"capget",
	"capset",
	"getuid",
	"getuid32",
	"geteuid",
	"geteuid32",
	"getgid",
	"getgid32",
	"getegid",
	"getegid32",
	"getresuid",
	"getresuid32",
	"getresgid",
	"getresgid32",
	"getgroups",
	"getgroups32",
	"setuid",
	"setuid32",
	"setgid",
	"setgid32",
	"setreuid",
	"setreuid32",
	"setregid",
	"setregid32",
	"setresuid",
	"setresuid32",
	"setresgid",
	"setresgid32",
	"setgroups",
	"setgroups32",
	"setfsuid",
	"setfsuid32",
	"setfsgid",
	"setfsgid32",
	"getrlimit",
	"ugetrlimit",
	"setrlimit",
	"prlimit64",
	"getrusage",
	"times",
	"getpriority",
	"setpriority",
	"ioprio_get",
	"ioprio_set",
	"seccomp",
	"uname",
	"sysinfo",
	"getcpu",
	"pidfd_open",
	"pidfd_send_signal",
	"process_mrelease",
	"landlock_add_rule",
	"landlock_create_ruleset",
	"landlock_restrict_self",
	"set_thread_area",
	"get_thread_area",
	"modify_ldt",
	"membarrier",
	"restart_syscall",
	/* scheduling */
	"sched_yield",
	"sched_getaffinity",
	"sched_setaffinity",
	"sched_getattr",
	"sched_setattr",
	"sched_getparam",
	"sched_setparam",
	"sched_getscheduler",
	"sched_setscheduler",
	"sched_get_priority_max",
	"sched_get_priority_min",
	"sched_rr_get_interval",
	"sched_rr_get_interval_time64",
	/* signals */
	"kill",
	"tkill",
	"tgkill",
	"rt_sigaction",
	"rt_sigpending",
	"rt_sigprocmask",
	"rt_sigqueueinfo",
	"rt_tgsigqueueinfo",
	"rt_sigreturn",
	"rt_sigsuspend",
	"rt_sigtimedwait",
	"rt_sigtimedwait_time64",
	"sigaltstack",
	"sigprocmask",
	"sigreturn",
	"signalfd",
	"signalfd4",
	"pause",
	"alarm",
	/* time and timers */
	"clock_gettime",
	"clock_gettime64",
	"clock_getres",
	"clock_getres_time64",
	"clock_nanosleep",
	"clock_nanosleep_time64",
	"clock_adjtime",
	"clock_adjtime64",
	"adjtimex",
	"gettimeofday",
	"time",
	"nanosleep",
	"getitimer",
	"setitimer",
	"timer_create",
	"timer_delete",
	"timer_getoverrun",
	"timer_gettime",
	"timer_gettime64",
	"timer_settime",
	"timer_settime64",
	"timerfd_create",
	"timerfd_gettime",
	"timerfd_gettime64",
	"timerfd_settime",
	"timerfd_settime64",
	/* memory */
	"brk",
	"mmap",
	"mmap2",
	"munmap",
	"mremap",
	"mprotect",
	"madvise",
	"mincore",
	"msync",
	"mlock",
	"mlock2",
	"mlockall",
	"munlock",
	"munlockall",
	"remap_file_pages",
	"memfd_create",
	"memfd_secret",
	"pkey_alloc",
	"pkey_free",
	"pkey_mprotect",
	/* files and directories */
	"open",
	"openat",
	"openat2",
	"creat",
	"close",
	"close_range",
	"read",
	"readv",
	"pread64",
	"preadv",
	"preadv2",
	"write",
	"writev",
	"pwrite64",
	"pwritev",
	"pwritev2",
	"lseek",
	"_llseek",
	"dup",
	"dup2",
	"dup3",
	"fcntl",
	"fcntl64",
	"flock",
	"fsync",
	"fdatasync",
	"sync",
	"syncfs",
	"sync_file_range",
	"fallocate",
	"fadvise64",
	"fadvise64_64",
	"readahead",
	"truncate",
	"truncate64",
	"ftruncate",
	"ftruncate64",
	"stat",
	"stat64",
	"lstat",
	"lstat64",
	"fstat",
	"fstat64",
	"fstatat64",
	"newfstatat",
	"statx",
	"statfs",
	"statfs64",
	"fstatfs",
	"fstatfs64",
	"access",
	"faccessat",
	"faccessat2",
	"chdir",
	"fchdir",
	"getcwd",
	"getdents",
	"getdents64",
	"mkdir",
	"mkdirat",
	"rmdir",
	"mknod",
	"mknodat",
	"link",
	"linkat",
	"symlink",
	"symlinkat",
	"unlink",
	"unlinkat",
	"rename",
	"renameat",
	"renameat2",
	"readlink",
	"readlinkat",
	"chmod",
	"fchmod",
	"fchmodat",
	"chown",
	"chown32",
	"fchown",
	"fchown32",
	"fchownat",
	"lchown",
	"lchown32",
	"umask",
	"utime",
	"utimes",
	"utimensat",
	"utimensat_time64",
	"futimesat",
	"getxattr",
	"lgetxattr",
	"fgetxattr",
	"setxattr",
	"lsetxattr",
	"fsetxattr",
	"listxattr",
	"llistxattr",
	"flistxattr",
	"removexattr",
	"lremovexattr",
	"fremovexattr",
	"name_to_handle_at",
	"copy_file_range",
	"sendfile",
	"sendfile64",
	"splice",
	"tee",
	"vmsplice",
	"ioctl",
	"fanotify_mark",
	"inotify_init",
	"inotify_init1",
	"inotify_add_watch",
	"inotify_rm_watch",
	/* waiting on descriptors */
	"select",
	"_newselect",
	"pselect6",
	"pselect6_time64",
	"poll",
	"ppoll",
	"ppoll_time64",
	"epoll_create",
	"epoll_create1",
	"epoll_ctl",
	"epoll_ctl_old",
	"epoll_wait",
	"epoll_wait_old",
	"epoll_pwait",
	"epoll_pwait2",
	"eventfd",
	"eventfd2",
	"pipe",
	"pipe2",
	"futex",
	"futex_time64",
	"futex_waitv",
	"getrandom",
	/* asynchronous I/O */
	"io_setup",
	"io_destroy",
	"io_submit",
	"io_cancel",
	"io_getevents",
	"io_pgetevents",
	"io_pgetevents_time64",
	/* Not io_uring_setup, _enter, _register: Docker 25 dropped them from
	 * its profile (moby PR 46762), io_uring being a large kernel attack
	 * surface that seccomp cannot look into. */
	/* sockets (socket itself is checked below) */
	"socketpair",
	"socketcall",
	"bind",
	"listen",
	"accept",
	"accept4",
	"connect",
	"shutdown",
	"getsockname",
	"getpeername",
	"getsockopt",
	"setsockopt",
	"send",
	"sendto",
	"sendmsg",
	"sendmmsg",
	"recv",
	"recvfrom",
	"recvmsg",
	"recvmmsg",
	"recvmmsg_time64",
	/* System V and POSIX IPC (the container has its own ipc namespace) */
	"ipc",
	"msgget",
	"msgctl",
	"msgsnd",
	"msgrcv",
	"semget",
	"semctl",
	"semop",
	"semtimedop",
	"semtimedop_time64",
	"shmget",
	"shmctl",
	"shmat",
	"shmdt",
	"mq_open",
	"mq_unlink",
	"mq_notify",
	"mq_getsetattr",
	"mq_timedsend",
	"mq_timedsend_time64",
	"mq_timedreceive",
	"mq_timedreceive_time64",
};

/* Calls a capability unlocks: allowed only when the container keeps it. */
static const struct {
	const char *name;
	int cap;
} cap_gated[] = {
	/* Namespaces, mounts and the host's identity are CAP_SYS_ADMIN's. */
	{ "mount", CAP_SYS_ADMIN },
	{ "umount", CAP_SYS_ADMIN },
	{ "umount2", CAP_SYS_ADMIN },
	{ "mount_setattr", CAP_SYS_ADMIN },
	{ "move_mount", CAP_SYS_ADMIN },
	{ "open_tree", CAP_SYS_ADMIN },
	{ "fsopen", CAP_SYS_ADMIN },
	{ "fsconfig", CAP_SYS_ADMIN },
	{ "fsmount", CAP_SYS_ADMIN },
	{ "fspick", CAP_SYS_ADMIN },
	{ "unshare", CAP_SYS_ADMIN },
	{ "setns", CAP_SYS_ADMIN },
	{ "clone", CAP_SYS_ADMIN },
	{ "clone3", CAP_SYS_ADMIN },
	{ "sethostname", CAP_SYS_ADMIN },
	{ "setdomainname", CAP_SYS_ADMIN },
	{ "quotactl", CAP_SYS_ADMIN },
	{ "quotactl_fd", CAP_SYS_ADMIN },
	{ "fanotify_init", CAP_SYS_ADMIN },
	{ "lookup_dcookie", CAP_SYS_ADMIN },
	{ "syslog", CAP_SYS_ADMIN },
	{ "bpf", CAP_SYS_ADMIN },
	{ "perf_event_open", CAP_SYS_ADMIN },
	{ "bpf", CAP_BPF },
	{ "perf_event_open", CAP_PERFMON },
	{ "syslog", CAP_SYSLOG },
	{ "open_by_handle_at", CAP_DAC_READ_SEARCH },
	{ "reboot", CAP_SYS_BOOT },
	{ "chroot", CAP_SYS_CHROOT },
	{ "init_module", CAP_SYS_MODULE },
	{ "finit_module", CAP_SYS_MODULE },
	{ "delete_module", CAP_SYS_MODULE },
	{ "acct", CAP_SYS_PACCT },
	{ "kcmp", CAP_SYS_PTRACE },
	{ "pidfd_getfd", CAP_SYS_PTRACE },
	{ "process_madvise", CAP_SYS_PTRACE },
	{ "ptrace", CAP_SYS_PTRACE },
	{ "process_vm_readv", CAP_SYS_PTRACE },
	{ "process_vm_writev", CAP_SYS_PTRACE },
	{ "iopl", CAP_SYS_RAWIO },
	{ "ioperm", CAP_SYS_RAWIO },
	{ "settimeofday", CAP_SYS_TIME },
	{ "stime", CAP_SYS_TIME },
	{ "clock_settime", CAP_SYS_TIME },
	{ "clock_settime64", CAP_SYS_TIME },
	{ "vhangup", CAP_SYS_TTY_CONFIG },
	{ "get_mempolicy", CAP_SYS_NICE },
	{ "set_mempolicy", CAP_SYS_NICE },
	{ "set_mempolicy_home_node", CAP_SYS_NICE },
	{ "mbind", CAP_SYS_NICE },
};

/* ptrace and process_vm_* read other processes' memory; from Linux 4.8 on
 * seccomp runs after ptrace's own checks, so Docker allows them to all. */
static const char *const ptrace_48[] = { "ptrace", "process_vm_readv", "process_vm_writev" };

/* personality(2) values Docker allows: PER_LINUX, PER_LINUX32,
 * UNAME26, UNAME26|PER_LINUX32, and 0xffffffff (a query). */
static const uint64_t personalities[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff };

#define NS_CLONE_FLAGS                                                                             \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |             \
	 CLONE_NEWPID | CLONE_NEWNET)

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

/* The i386 and x32 ABIs as well as x86-64: a container may run any. */
static const uint32_t sub_arches[] = { SCMP_ARCH_X86, SCMP_ARCH_X32 };

struct build {
	scmp_filter_ctx ctx;
	uint64_t caps;
	int max_nr64; /* highest x86-64 number the profile names, for ENOSYS above */
	int max_nr32; /* the same for i386 */
};

static bool has_cap(const struct build *b, int cap)
{
	return cap < 64 && (b->caps >> cap) & 1;
}

static void note_numbers(struct build *b, const char *name)
{
	int n64 = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name);
	int n32 = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, name);

	if (n64 > b->max_nr64)
		b->max_nr64 = n64;
	if (n32 > b->max_nr32)
		b->max_nr32 = n32;
}

/* Add one rule; a name this libseccomp does not know is skipped. */
static int add(struct build *b, uint32_t action, const char *name, unsigned nargs,
	       const struct scmp_arg_cmp *args, struct err *e)
{
	int nr = seccomp_syscall_resolve_name(name);
	int rc;

	if (nr == __NR_SCMP_ERROR)
		return 0;
	note_numbers(b, name);
	rc = seccomp_rule_add_array(b->ctx, action, nr, nargs, args);
	/* -EEXIST: the same call allowed twice (two caps unlock bpf). */
	if (rc < 0 && rc != -EEXIST)
		return err__sys(e, -rc, "seccomp rule for %s", name);
	return 0;
}

static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

static int add_allowed(struct build *b, struct err *e)
{
	int rc;

	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
		if ((rc = add(b, SCMP_ACT_ALLOW, allowed[i], 0, NULL, e)) < 0)
			return rc;
	for (size_t i = 0; i < ARRAY_SIZE(cap_gated); i++)
		if (has_cap(b, cap_gated[i].cap) &&
		    (rc = add(b, SCMP_ACT_ALLOW, cap_gated[i].name, 0, NULL, e)) < 0)
			return rc;
	if (kernel_at_least(4, 8) && !has_cap(b, CAP_SYS_PTRACE))
		for (size_t i = 0; i < ARRAY_SIZE(ptrace_48); i++)
			if ((rc = add(b, SCMP_ACT_ALLOW, ptrace_48[i], 0, NULL, e)) < 0)
				return rc;
	return 0;
}

/* SCMP_A0() leaves datum_b to the compiler; spelled out for clang. */
static struct scmp_arg_cmp arg0(enum scmp_compare op, uint64_t a, uint64_t b)
{
	struct scmp_arg_cmp c = { .arg = 0, .op = op, .datum_a = a, .datum_b = b };

	return c;
}

static int add_arg_checks(struct build *b, struct err *e)
{
	struct scmp_arg_cmp a;
	int rc;

	/* AF_VSOCK reaches the hypervisor's host: Docker refuses it. */
	a = arg0(SCMP_CMP_NE, AF_VSOCK, 0);
	if ((rc = add(b, SCMP_ACT_ALLOW, "socket", 1, &a, e)) < 0)
		return rc;
	for (size_t i = 0; i < ARRAY_SIZE(personalities); i++) {
		a = arg0(SCMP_CMP_EQ, personalities[i], 0);
		if ((rc = add(b, SCMP_ACT_ALLOW, "personality", 1, &a, e)) < 0)
			return rc;
	}
	if (has_cap(b, CAP_SYS_ADMIN))
		return 0;
	/* Without CAP_SYS_ADMIN: clone without namespace flags only; clone3
	 * passes its flags in memory seccomp cannot read, so it answers
	 * ENOSYS and libc falls back to clone. */
	a = arg0(SCMP_CMP_MASKED_EQ, NS_CLONE_FLAGS, 0);
	if ((rc = add(b, SCMP_ACT_ALLOW, "clone", 1, &a, e)) < 0)
		return rc;
	return add(b, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL, e);
}

static int build(uint64_t caps, struct build *b, struct err *e)
{
	int rc;

	memset(b, 0, sizeof(*b));
	b->caps = caps;
	b->ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (!b->ctx)
		return err__set(e, ENOMEM, "seccomp_init failed");
	for (size_t i = 0; i < ARRAY_SIZE(sub_arches); i++) {
		rc = seccomp_arch_add(b->ctx, sub_arches[i]);
		if (rc < 0 && rc != -EEXIST) {
			err__sys(e, -rc, "seccomp: add architecture");
			goto fail;
		}
	}
	/* A binary tree rather than a list: ~350 rules, searched per call. */
	seccomp_attr_set(b->ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if ((rc = add_allowed(b, e)) < 0 || (rc = add_arg_checks(b, e)) < 0)
		goto fail;
	return 0;
fail:
	seccomp_release(b->ctx);
	b->ctx = NULL;
	return rc;
}

/* A program ready for seccomp(2): libseccomp's, then the ENOSYS one. */
struct sec_filter {
	uint32_t n;        /* instructions in prog */
	uint32_t max_nr64; /* see enosys_prog() */
	uint32_t max_nr32;
	struct sock_filter prog[];
};

/* libseccomp 2.5 exports only to a descriptor: a memfd, read back. */
static int export_prog(const struct build *b, struct sec_filter **out, struct err *e)
{
	struct sec_filter *f = NULL;
	int fd = memfd_create("vmkit-seccomp", MFD_CLOEXEC);
	off_t len;
	int rc;

	if (fd < 0)
		return err__sys(e, errno, "seccomp: memfd_create");
	if ((rc = seccomp_export_bpf(b->ctx, fd)) < 0) {
		err__sys(e, -rc, "seccomp: export the filter");
		goto out;
	}
	len = lseek(fd, 0, SEEK_END);
	if (len <= 0 || len % (off_t)sizeof(struct sock_filter) != 0) {
		rc = err__set(e, EINVAL, "seccomp: exported filter has %lld bytes", (long long)len);
		goto out;
	}
	if (!(f = malloc(sizeof(*f) + (size_t)len))) {
		rc = err__set(e, ENOMEM, "seccomp: out of memory");
		goto out;
	}
	f->n = (uint32_t)(len / (off_t)sizeof(struct sock_filter));
	f->max_nr64 = (uint32_t)b->max_nr64;
	f->max_nr32 = (uint32_t)b->max_nr32;
	if (pread(fd, f->prog, (size_t)len, 0) != len) {
		rc = err__sys(e, errno, "seccomp: read the exported filter");
		free(f);
		f = NULL;
		goto out;
	}
	*out = f;
	rc = 0;
out:
	close(fd);
	return rc;
}

/* ---- a cache of built programs ---------------------------------------
 * libseccomp needs ~10 ms for this profile on three ABIs, most of a
 * container's start. The program depends only on the profile, the caps,
 * libseccomp and the kernel, so it is kept in a file named by a hash of
 * those. The file holds struct sec_filter as is. */

/* Bump with every change to the profile, so no cached program of an older
 * one is loaded (2: io_uring removed). */
#define SEC_PROFILE_VERSION "vmkit-seccomp-2"

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ULL;
	return h;
}

static void cache_path(const char *dir, uint64_t caps, char *buf, size_t size)
{
	const struct scmp_version *v = seccomp_version();
	struct utsname u;
	uint64_t h = 0xcbf29ce484222325ULL;

	memset(&u, 0, sizeof(u));
	uname(&u);
	h = fnv1a(h, SEC_PROFILE_VERSION, sizeof(SEC_PROFILE_VERSION));
	h = fnv1a(h, &caps, sizeof(caps));
	h = fnv1a(h, u.release, strlen(u.release));
	h = fnv1a(h, u.version, strlen(u.version));
	if (v)
		h = fnv1a(h, v, sizeof(*v));
	snprintf(buf, size, "%s/seccomp-%016" PRIx64 ".bpf", dir, h);
}

/* Only a file this user owns and nobody else may write: it becomes a
 * security boundary when loaded. */
static struct sec_filter *cache_read(const char *path)
{
	struct sec_filter *f = NULL;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) || st.st_size <= (off_t)sizeof(*f) || st.st_size > (1 << 20))
		goto out;
	if (!(f = malloc((size_t)st.st_size)))
		goto out;
	if (read(fd, f, (size_t)st.st_size) != st.st_size ||
	    sizeof(*f) + (size_t)f->n * sizeof(struct sock_filter) != (size_t)st.st_size ||
	    f->n == 0 || f->n > BPF_MAXINSNS) {
		free(f);
		f = NULL;
	}
out:
	close(fd);
	return f;
}

/* Write to a temporary name and rename, so a reader never sees half a
 * file; failure only costs the next start the build again. */
static void cache_write(const char *path, const struct sec_filter *f)
{
	size_t len = sizeof(*f) + (size_t)f->n * sizeof(struct sock_filter);
	char tmp[PATH_MAX + 32];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, f, len) != (ssize_t)len || fsync(fd) < 0 || rename(tmp, path) < 0)
		unlink(tmp);
	close(fd);
}

int sec__seccomp_prepare(uint64_t caps, const char *cache_dir, struct sec_filter **out,
			 struct err *e)
{
	char path[PATH_MAX];
	struct build b;
	int rc;

	*out = NULL;
	if (cache_dir) {
		cache_path(cache_dir, caps, path, sizeof(path));
		if ((*out = cache_read(path)))
			return 0;
	}
	if ((rc = build(caps, &b, e)) < 0)
		return rc;
	rc = export_prog(&b, out, e);
	seccomp_release(b.ctx);
	if (rc == 0 && cache_dir && mkdir(cache_dir, 0700) < 0 && errno != EEXIST)
		return 0; /* no cache, still a filter */
	if (rc == 0 && cache_dir)
		cache_write(path, *out);
	return rc;
}

void sec__seccomp_free(struct sec_filter *f)
{
	free(f);
}

int sec__seccomp_count(const struct sec_filter *f)
{
	return (int)f->n;
}

/* A second, hand-written filter: calls numbered above everything the
 * profile names are newer than it, and answer ENOSYS so libc falls back
 * (glibc's fchmodat2, for one), where the profile's EPERM would be taken
 * as a refusal. The kernel runs both filters; of two ERRNO answers the
 * later filter's errno wins, and ALLOW from this one defers to the first.
 * x32 numbers (bit 30) are left to the profile. Jumps count from the
 * next instruction. */
static int load_enosys(const struct sec_filter *f, struct err *e)
{
	struct sock_filter prog[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 3),
		/* 2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		/* 3 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 5, 0),
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, f->max_nr64, 3, 4),
		/* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 3),
		/* 6 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		/* 7 */ BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, f->max_nr32, 0, 1),
		/* 8 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		/* 9 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fprog = { .len = ARRAY_SIZE(prog), .filter = prog };

	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0)
		return err__sys(e, errno, "seccomp: load the ENOSYS filter");
	return 0;
}

int sec__seccomp_install(const struct sec_filter *f, struct err *e)
{
	struct sock_fprog fprog = { .len = (unsigned short)f->n,
				    .filter = (struct sock_filter *)f->prog };

	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0)
		return err__sys(e, errno, "seccomp: load the default profile");
	return load_enosys(f, e);
}

int sec__seccomp_load(uint64_t caps, struct err *e)
{
	struct sec_filter *f;
	int rc;

	if ((rc = sec__seccomp_prepare(caps, NULL, &f, e)) < 0)
		return rc;
	rc = sec__seccomp_install(f, e);
	sec__seccomp_free(f);
	return rc;
}
