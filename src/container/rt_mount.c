/* rt_mount.c - the container's filesystem as Docker lays it out: an
 * overlayfs root, the -v binds, /proc, /dev, /sys, /sys/fs/cgroup, the
 * masked and read-only paths, /etc/{hosts,hostname,resolv.conf}, then
 * pivot_root. Runs in the child, inside its own mount namespace.
 *
 * Paths inside the container are opened with openat2(RESOLVE_IN_ROOT) and
 * mounted on through /proc/self/fd, so a symlink in the image (say
 * /proc -> /) can never send a mount to the host's tree. */
#include "container/rt_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

enum mk { MK_NONE, MK_DIR, MK_FILE };

static int open_in_root(int rootfd, const char *path, int *out)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	while (*path == '/')
		path++;
	fd = (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof(how));
	if (fd < 0)
		return -errno;
	*out = fd;
	return 0;
}

/* Create the last component of path, name, in the directory dfd, never
 * following a symlink there: O_EXCL and mkdirat refuse one. A symlink
 * found in its place is returned in link (-ELOOP), for the caller to
 * resolve inside the root. */
static int create_last(int dfd, const char *name, enum mk mk, char *link, size_t size)
{
	struct stat st;
	ssize_t n;
	int fd;

	if (mk == MK_DIR)
		fd = mkdirat(dfd, name, 0755) < 0 ? -1 : 0;
	else if ((fd = openat(dfd, name,
			      O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC | O_NOCTTY,
			      0644)) >= 0)
		close(fd);
	if (fd >= 0 || errno != EEXIST)
		return fd < 0 ? -errno : 0;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISLNK(st.st_mode))
		return 0; /* made meanwhile: fine, it is opened in the root */
	n = readlinkat(dfd, name, link, size - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size - 1)
		return -ENAMETOOLONG;
	link[n] = '\0';
	return -ELOOP;
}

/* Open path in the container, creating what is missing: directories on the
 * way, and the last one as a directory or an empty file. Each step is
 * resolved in the root again, so a symlink created meanwhile changes
 * nothing. A dangling symlink as the last component (etc/hosts ->
 * /tmp/x, or ../../../tmp/x) is followed inside the root, as runc's
 * securejoin does: its target is created there, never on the host.
 * depth counts the symlinks followed so, as the kernel's limit of 40. */
static int create_in_root(int rootfd, const char *path, enum mk mk, int depth, int *out)
{
	char buf[4096], link[4096], *slash;
	size_t len = strlen(path);
	int r, dfd;

	r = open_in_root(rootfd, path, out);
	if (r != -ENOENT || mk == MK_NONE)
		return r;
	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';
	slash = strrchr(buf, '/');
	if (!slash || !slash[1])
		return -EINVAL;
	*slash = '\0';
	r = create_in_root(rootfd, buf[0] ? buf : "/", MK_DIR, depth, &dfd);
	if (r < 0)
		return r;
	r = create_last(dfd, slash + 1, mk, link, sizeof(link));
	close(dfd);
	if (r == -ELOOP) {
		if (depth >= 40)
			return -ELOOP;
		/* Relative targets count from the link's directory. */
		if (link[0] != '/') {
			int n = snprintf(slash + 1, sizeof(buf) - (size_t)(slash + 1 - buf), "%s",
					 link);

			if (n < 0 || (size_t)n >= sizeof(buf) - (size_t)(slash + 1 - buf))
				return -ENAMETOOLONG;
			*slash = '/';
			return create_in_root(rootfd, buf, mk, depth + 1, out);
		}
		return create_in_root(rootfd, link, mk, depth + 1, out);
	}
	return r < 0 ? r : open_in_root(rootfd, path, out);
}

static int open_create(int rootfd, const char *path, enum mk mk, int *out)
{
	return create_in_root(rootfd, path, mk, 0, out);
}

static void fd_path(int fd, char *buf, size_t size)
{
	snprintf(buf, size, "/proc/self/fd/%d", fd);
}

/* mount(2) onto path inside the container. */
static int mount_in(int rootfd, const char *path, enum mk mk, const char *src, const char *type,
		    unsigned long flags, const char *data, struct err *e)
{
	char target[64];
	int fd, r;

	r = open_create(rootfd, path, mk, &fd);
	if (r < 0)
		return err__sys(e, -r, "mount %s", path);
	fd_path(fd, target, sizeof(target));
	r = mount(src, target, type, flags, data) < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return err__sys(e, -r, "mount %s", path);
	return 0;
}

/* Make the mount at path (and, recursively, those under it) read-only with
 * the usual nosuid/nodev/noexec, in one mount_setattr call. */
static int setattr_in(int rootfd, const char *path, unsigned long long attr, struct err *e)
{
	struct mount_attr ma = { .attr_set = attr };
	int fd, r;

	r = open_in_root(rootfd, path, &fd);
	if (r < 0)
		return err__sys(e, -r, "remount %s", path);
	r = mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &ma, sizeof(ma)) < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return err__sys(e, -r, "remount %s read-only", path);
	return 0;
}

/* A copy of a host tree (bind, recursive) attached at path in the
 * container; attr applied to the whole copy before anyone sees it. */
static int clone_tree(const char *src)
{
	return open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
}

/* tree: src cloned already (rt__mount_preopen), or -1 to clone it here. */
static int bind_in(int rootfd, const char *src, int tree, const char *path, unsigned long long attr,
		   struct err *e)
{
	struct mount_attr ma = { .attr_set = attr };
	struct stat st;
	int fd, r;

	if (tree < 0 && (tree = clone_tree(src)) < 0)
		return err__sys(e, errno, "bind %s", src);
	if (attr && mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &ma, sizeof(ma)) < 0) {
		r = err__sys(e, errno, "bind %s read-only", src);
		goto out;
	}
	if (fstat(tree, &st) < 0) {
		r = err__sys(e, errno, "bind %s", src);
		goto out;
	}
	r = open_create(rootfd, path, S_ISDIR(st.st_mode) ? MK_DIR : MK_FILE, &fd);
	if (r < 0) {
		r = err__sys(e, -r, "bind %s on %s", src, path);
		goto out;
	}
	r = move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0
		    ? -errno
		    : 0;
	close(fd);
	if (r < 0)
		r = err__sys(e, -r, "bind %s on %s", src, path);
out:
	close(tree);
	return r;
}

/* The overlay's mount data. Long layer lists may not fit in the page
 * mount(2) accepts; then the paths are made relative to their common
 * parent directory, which the child makes its cwd before mounting. */
int rt__overlay_data(const struct rt_spec *s, char *buf, size_t size, char *dir, size_t dirsize,
		     struct err *e)
{
	size_t cut = 0;
	int n = 0;

	dir[0] = '\0';
	for (int pass = 0; pass < 2; pass++) {
		size_t len;

		n = snprintf(buf, size, "lowerdir=");
		for (int i = s->nlayers - 1; i >= 0 && n > 0 && (size_t)n < size; i--)
			n += snprintf(buf + n, size - (size_t)n, "%s%s", s->layers[i] + cut,
				      i ? ":" : "");
		if (n > 0 && (size_t)n < size)
			n += snprintf(buf + n, size - (size_t)n, ",upperdir=%s,workdir=%s",
				      s->upper + cut, s->work + cut);
		if (n > 0 && (size_t)n < size)
			return 0;
		if (pass)
			break;
		/* The common directory prefix of every path, up to a '/'. */
		len = strlen(s->upper);
		for (int i = 0; i < s->nlayers; i++)
			for (size_t j = 0; j < len; j++)
				if (s->layers[i][j] != s->upper[j]) {
					len = j;
					break;
				}
		for (size_t j = 0; j < len; j++)
			if (s->work[j] != s->upper[j]) {
				len = j;
				break;
			}
		while (len && s->upper[len - 1] != '/')
			len--;
		if (len <= 1)
			break;
		cut = len;
		snprintf(dir, dirsize, "%.*s", (int)len, s->upper);
	}
	return err__set(e, E2BIG, "overlay: %d layers do not fit in one mount", s->nlayers);
}

static int mount_root(const struct rt_plan *pl, int *rootfd, struct err *e)
{
	const struct rt_spec *s = pl->s;

	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return err__sys(e, errno, "make / a slave mount");
	if (pl->overlay_fd >= 0) {
		/* Built by the parent (rt_userns.c): attach it where the
		 * child opened rootfs as host root; the mount's fd is then
		 * the container's root. */
		if (move_mount(pl->overlay_fd, "", pl->rootfs_fd, "",
			       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return err__sys(e, errno, "attach the overlay on %s", s->rootfs);
		*rootfd = openat(pl->overlay_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	} else {
		if (pl->overlay_dir[0] && chdir(pl->overlay_dir) < 0)
			return err__sys(e, errno, "overlay: chdir %s", pl->overlay_dir);
		if (mount("overlay", s->rootfs, "overlay", 0, pl->overlay) < 0)
			return err__sys(e, errno, "mount overlay on %s", s->rootfs);
		*rootfd = open(s->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (*rootfd < 0)
		return err__sys(e, errno, "open %s", s->rootfs);
	return 0;
}

static const struct {
	const char *name;
	unsigned maj, min;
} dev_nodes[] = {
	{ "null", 1, 3 },   { "zero", 1, 5 },    { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

/* A device node as Docker makes it; in a user namespace mknod is refused,
 * so the host's node is bound instead. */
static int make_dev(int devfd, const char *name, unsigned maj, unsigned min, struct err *e)
{
	char host[64], target[64];
	int fd;

	if (mknodat(devfd, name, S_IFCHR | 0666, makedev(maj, min)) == 0)
		return 0;
	if (errno != EPERM)
		return err__sys(e, errno, "mknod /dev/%s", name);
	fd = openat(devfd, name, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
	if (fd < 0)
		return err__sys(e, errno, "create /dev/%s", name);
	close(fd);
	snprintf(host, sizeof(host), "/dev/%s", name);
	fd = openat(devfd, name, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return err__sys(e, errno, "open /dev/%s", name);
	fd_path(fd, target, sizeof(target));
	if (mount(host, target, NULL, MS_BIND, NULL) < 0) {
		close(fd);
		return err__sys(e, errno, "bind /dev/%s", name);
	}
	close(fd);
	return 0;
}

static const struct {
	const char *name, *target;
} dev_links[] = {
	{ "ptmx", "pts/ptmx" },          { "fd", "/proc/self/fd" },
	{ "stdin", "/proc/self/fd/0" },  { "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" }, { "core", "/proc/kcore" },
};

/* The pty the monitor holds becomes the console, as runc's. A bind needs
 * a path in this mount namespace (the fd's mount is the parent's), so
 * the slave's name is looked up, and checked to be the same device. */
static int bind_console(int fd, int rootfd, struct err *e)
{
	char link[64], path[256];
	struct stat a, b;
	ssize_t n;

	fd_path(fd, link, sizeof(link));
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return err__sys(e, errno, "console: name the pty");
	path[n] = '\0';
	if (fstat(fd, &a) < 0 || stat(path, &b) < 0 || !S_ISCHR(a.st_mode) ||
	    a.st_rdev != b.st_rdev)
		return err__set(e, ENOTTY, "console: %s is not the pty given", path);
	return mount_in(rootfd, "/dev/console", MK_FILE, path, NULL, MS_BIND, NULL, e);
}

static int mount_dev(const struct rt_plan *pl, int rootfd, struct err *e)
{
	int devfd, r = 0;

	r = mount_in(rootfd, "/dev", MK_DIR, "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME,
		     "mode=755,size=65536k", e);
	if (r < 0)
		return r;
	r = open_in_root(rootfd, "/dev", &devfd);
	if (r < 0)
		return err__sys(e, -r, "open /dev");
	/* An O_PATH fd will not do for mknodat and friends. */
	{
		int d = openat(devfd, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);

		close(devfd);
		if (d < 0)
			return err__sys(e, errno, "open /dev");
		devfd = d;
	}
	for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]) && !r; i++)
		r = make_dev(devfd, dev_nodes[i].name, dev_nodes[i].maj, dev_nodes[i].min, e);
	for (size_t i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]) && !r; i++)
		if (symlinkat(dev_links[i].target, devfd, dev_links[i].name) < 0)
			r = err__sys(e, errno, "symlink /dev/%s", dev_links[i].name);
	close(devfd);
	if (r < 0)
		return r;
	if ((r = mount_in(rootfd, "/dev/pts", MK_DIR, "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
			  "newinstance,ptmxmode=0666,mode=0620,gid=5", e)) < 0 ||
	    (r = mount_in(rootfd, "/dev/shm", MK_DIR, "shm", "tmpfs",
			  MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k", e)) < 0 ||
	    (r = mount_in(rootfd, "/dev/mqueue", MK_DIR, "mqueue", "mqueue",
			  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, e)) < 0)
		return r;
	if (pl->s->tty && pl->s->stdio[0] >= 0 &&
	    (r = bind_console(pl->s->stdio[0], rootfd, e)) < 0)
		return r;
	return 0;
}

static int mount_sys(const struct rt_plan *pl, int rootfd, struct err *e)
{
	unsigned long ro = pl->s->privileged ? 0 : MS_RDONLY;

	/* sysfs shows the network devices of the namespace that mounts it,
	 * so only a container with its own may mount a fresh one. */
	if (pl->netns)
		return mount_in(rootfd, "/sys", MK_DIR, "sysfs", "sysfs",
				ro | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, e);
	return bind_in(rootfd, "/sys", -1, "/sys",
		       (ro ? MOUNT_ATTR_RDONLY : 0) | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			       MOUNT_ATTR_NOEXEC,
		       e);
}

/* Docker's masked paths (moby oci/defaults.go, with /proc/interrupts since
 * Docker 28): hidden from the container, files behind /dev/null and
 * directories behind an empty read-only tmpfs. */
static const char *const masked_paths[] = {
	"/proc/asound",     "/proc/acpi",        "/proc/interrupts",
	"/proc/kcore",      "/proc/keys",        "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	"/proc/scsi",       "/sys/firmware",     "/sys/devices/virtual/powercap",
};

static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static int mask_paths(int rootfd, struct err *e)
{
	for (size_t i = 0; i < sizeof(masked_paths) / sizeof(masked_paths[0]); i++) {
		struct stat st;
		int fd, r = open_in_root(rootfd, masked_paths[i], &fd);

		if (r == -ENOENT)
			continue;
		if (r < 0)
			return err__sys(e, -r, "mask %s", masked_paths[i]);
		r = fstat(fd, &st) < 0 ? -errno : 0;
		close(fd);
		if (r < 0)
			return err__sys(e, -r, "mask %s", masked_paths[i]);
		if (S_ISDIR(st.st_mode))
			r = mount_in(rootfd, masked_paths[i], MK_NONE, "tmpfs", "tmpfs",
				     MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0", e);
		else
			r = mount_in(rootfd, masked_paths[i], MK_NONE, "/dev/null", NULL, MS_BIND,
				     NULL, e);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < sizeof(readonly_paths) / sizeof(readonly_paths[0]); i++) {
		char target[64];
		int fd, r = open_in_root(rootfd, readonly_paths[i], &fd);

		if (r == -ENOENT)
			continue;
		if (r < 0)
			return err__sys(e, -r, "read-only %s", readonly_paths[i]);
		fd_path(fd, target, sizeof(target));
		r = mount(target, target, NULL, MS_BIND | MS_REC, NULL) < 0 ? -errno : 0;
		close(fd);
		if (r < 0)
			return err__sys(e, -r, "read-only %s", readonly_paths[i]);
		r = setattr_in(rootfd, readonly_paths[i],
			       MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				       MOUNT_ATTR_NOEXEC,
			       e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* /proc, /dev and /sys must be directories of the image itself, as runc
 * demands: through a symlink (say /proc -> /) procfs would cover the
 * container's root. Missing ones are made as directories. */
static int check_real_dir(int rootfd, const char *path, struct err *e)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS,
	};
	struct stat st;
	int fd, r;

	fd = (int)syscall(SYS_openat2, rootfd, path + 1, &how, sizeof(how));
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 && errno == ELOOP)
		return err__set(e, ELOOP,
				"mount %s: the image has a symlink there, not a directory", path);
	if (fd < 0)
		return err__sys(e, errno, "mount %s", path);
	r = fstat(fd, &st) < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return err__sys(e, -r, "mount %s", path);
	if (!S_ISDIR(st.st_mode))
		return err__set(e, ENOTDIR, "mount %s: the image has a file there, not a directory",
				path);
	return 0;
}

int rt__mount_stage1(const struct rt_plan *pl, int *rootfd, struct err *e)
{
	static const char *const api_dirs[] = { "/proc", "/dev", "/sys" };
	const struct rt_spec *s = pl->s;
	int r;

	*rootfd = -1;
	if ((r = mount_root(pl, rootfd, e)) < 0)
		return r;
	for (size_t i = 0; i < sizeof(api_dirs) / sizeof(api_dirs[0]); i++)
		if ((r = check_real_dir(*rootfd, api_dirs[i], e)) < 0)
			return r;
	if ((r = mount_in(*rootfd, "/proc", MK_DIR, "proc", "proc",
			  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, e)) < 0 ||
	    (r = mount_dev(pl, *rootfd, e)) < 0 || (r = mount_sys(pl, *rootfd, e)) < 0)
		return r;
	for (int i = 0; i < s->nbinds; i++) {
		unsigned long long attr = s->binds[i].ro ? MOUNT_ATTR_RDONLY : 0;

		if ((r = bind_in(*rootfd, s->binds[i].src, pl->bind_fds[i], s->binds[i].dst, attr,
				 e)) < 0)
			return r;
	}
	if (!s->privileged && (r = mask_paths(*rootfd, e)) < 0)
		return r;
	return 0;
}

/* /sys/fs/cgroup from inside the cgroup namespace, read-only. On v2 one
 * cgroup2 mount; on v1 and hybrid hosts a tmpfs holding each controller's
 * hierarchy (co-mounted ones get a symlink per name, as on the host). */
static int mount_cgroups(const struct rt_plan *pl, int rootfd, struct err *e)
{
	const unsigned long fl = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	const unsigned long ro = pl->s->privileged ? 0 : MS_RDONLY;
	char path[128];
	int r, fd, n;

	if (pl->cg.v2)
		return mount_in(rootfd, "/sys/fs/cgroup", MK_NONE, "cgroup2", "cgroup2", fl | ro,
				NULL, e);
	if (!pl->cg.n)
		return 0;
	/* v1 hierarchies cannot be mounted from a user namespace: there the
	 * container gets the empty read-only tmpfs only. */
	n = pl->s->userns ? 0 : pl->cg.n;
	r = mount_in(rootfd, "/sys/fs/cgroup", MK_NONE, "tmpfs", "tmpfs", fl, "mode=755", e);
	if (r < 0)
		return r;
	r = open_in_root(rootfd, "/sys/fs/cgroup", &fd);
	if (r < 0)
		return err__sys(e, -r, "open /sys/fs/cgroup");
	for (int i = 0; i < n && !r; i++) {
		const struct rt_cgmount *m = &pl->cg.m[i];

		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", m->name);
		r = mount_in(rootfd, path, MK_DIR, "cgroup", "cgroup", fl | ro, m->opts, e);
		for (const char *p = m->name; !r && strchr(m->name, ',') && *p;) {
			const char *c = strchr(p, ',');
			size_t len = c ? (size_t)(c - p) : strlen(p);
			char link[64];

			snprintf(link, sizeof(link), "%.*s", (int)len, p);
			if (symlinkat(m->name, fd, link) < 0 && errno != EEXIST)
				r = err__sys(e, errno, "symlink /sys/fs/cgroup/%s", link);
			p = c ? c + 1 : p + len;
		}
	}
	close(fd);
	if (r < 0 || !ro)
		return r;
	return setattr_in(
		rootfd, "/sys/fs/cgroup",
		MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, e);
}

static const char *const etc_files[RT_ETC_FILES] = { "hosts", "hostname", "resolv.conf" };

int rt__mount_stage2(const struct rt_plan *pl, int rootfd, struct err *e)
{
	char src[4096], dst[64];
	int r;

	if ((r = mount_cgroups(pl, rootfd, e)) < 0)
		return r;
	for (size_t i = 0; i < RT_ETC_FILES; i++) {
		snprintf(src, sizeof(src), "%s/%s", pl->s->etc_dir, etc_files[i]);
		snprintf(dst, sizeof(dst), "/etc/%s", etc_files[i]);
		if ((r = bind_in(rootfd, src, pl->etc_fds[i], dst, 0, e)) < 0)
			return r;
	}
	return 0;
}

/* In a user namespace the child leaves host root behind before it mounts
 * (files it creates must have ids the namespace maps); the host paths it
 * binds are cloned first, while their 0700 parents still let it in. */
int rt__mount_preopen(struct rt_plan *pl, struct err *e)
{
	char src[4096];

	pl->rootfs_fd = open(pl->s->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pl->rootfs_fd < 0)
		return err__sys(e, errno, "open %s", pl->s->rootfs);
	for (int i = 0; i < pl->s->nbinds; i++)
		if ((pl->bind_fds[i] = clone_tree(pl->s->binds[i].src)) < 0)
			return err__sys(e, errno, "bind %s", pl->s->binds[i].src);
	for (size_t i = 0; i < RT_ETC_FILES; i++) {
		snprintf(src, sizeof(src), "%s/%s", pl->s->etc_dir, etc_files[i]);
		if ((pl->etc_fds[i] = clone_tree(src)) < 0)
			return err__sys(e, errno, "bind %s", src);
	}
	return 0;
}

/* pivot_root(".", "."): the old root ends up stacked on the new one and is
 * detached at once, so no path to the host's tree stays reachable. */
int rt__pivot(int rootfd, struct err *e)
{
	if (fchdir(rootfd) < 0)
		return err__sys(e, errno, "chdir to the root");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return err__sys(e, errno, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return err__sys(e, errno, "detach the old root");
	if (chdir("/") < 0)
		return err__sys(e, errno, "chdir /");
	return 0;
}

/* The v1 hierarchies under /sys/fs/cgroup, from mountinfo's text:
 * "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS] - TYPE SOURCE SUPEROPTS". */
int rt__cgroups_read(const char *mountinfo, struct rt_cgroups *cg)
{
	memset(cg, 0, sizeof(*cg));
	for (const char *p = mountinfo; p && *p;) {
		const char *nl = strchr(p, '\n'), *start = p;
		char line[1024], mnt[256], type[32], super[256];
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *dash;

		p = nl ? nl + 1 : NULL;
		if (len >= sizeof(line))
			continue;
		memcpy(line, start, len);
		line[len] = '\0';
		dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %*s %255s", mnt) != 1 ||
		    sscanf(dash + 3, "%31s %*s %255s", type, super) != 2)
			continue;
		if (!strcmp(mnt, "/sys/fs/cgroup") && !strcmp(type, "cgroup2")) {
			cg->v2 = true;
			cg->n = 0;
			return 0;
		}
		if (strcmp(type, "cgroup") || strncmp(mnt, "/sys/fs/cgroup/", 15) ||
		    strchr(mnt + 15, '/') || strlen(mnt + 15) >= sizeof(cg->m[0].name) ||
		    cg->n == RT_MAX_CGROUPS)
			continue;
		struct rt_cgmount *m = &cg->m[cg->n];

		memcpy(m->name, mnt + 15, strlen(mnt + 15) + 1);
		/* Keep the controller and name= options; rw/ro is ours to set
		 * and release_agent may only be set from the initial namespace. */
		m->opts[0] = '\0';
		for (char *sp, *tok = strtok_r(super, ",", &sp); tok;
		     tok = strtok_r(NULL, ",", &sp)) {
			size_t n = strlen(m->opts);

			if (!strcmp(tok, "rw") || !strcmp(tok, "ro") ||
			    !strncmp(tok, "release_agent=", 14))
				continue;
			snprintf(m->opts + n, sizeof(m->opts) - n, "%s%s", n ? "," : "", tok);
		}
		cg->n++;
	}
	return 0;
}
