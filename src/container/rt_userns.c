/* rt_userns.c - the parent's side of a container in a user namespace:
 * its id maps, and its root filesystem.
 *
 * Root in the container is an unprivileged host range, so it could neither
 * reach the image's layers (under 0700 state directories) nor mount
 * overlayfs over them with its own credentials. The parent, still host
 * root, builds the overlay instead (fsopen/fsmount, detached) on
 * idmapped clones of the layers, so the image's root-owned files are the
 * container root's; the child attaches it with move_mount. The upper
 * directory is not idmapped but owned by the range's first id: what the
 * container writes is stored under the ids it has on the host, as Docker's
 * userns-remap does. */
#include "container/rt_internal.h"

#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* Root in the container is the first id of root's range in /etc/subuid
 * (or /etc/subgid), 100000 when it has none; 65536 ids, as Docker's
 * userns-remap. */
static void id_range(const char *file, unsigned long *start, unsigned long *count)
{
	uint8_t *buf = NULL;
	size_t len;

	*start = 100000;
	*count = 65536;
	if (util__read_file(file, 64 * 1024, &buf, &len) < 0)
		return;
	for (char *sp, *l = strtok_r((char *)buf, "\n", &sp); l; l = strtok_r(NULL, "\n", &sp)) {
		unsigned long a, b;

		if (sscanf(l, "root:%lu:%lu", &a, &b) == 2) {
			*start = a;
			*count = b;
			break;
		}
	}
	free(buf);
}

static int write_map(pid_t pid, const char *which, unsigned long start, unsigned long count,
		     struct err *e)
{
	char path[64], text[64];
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, which);
	n = snprintf(text, sizeof(text), "0 %lu %lu\n", start, count);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, (size_t)n) != n) {
		int r = err__sys(e, errno, "user namespace: write %s", path);

		if (fd >= 0)
			close(fd);
		return r;
	}
	close(fd);
	return 0;
}

int rt__userns_maps(pid_t pid, uid_t *root_uid, gid_t *root_gid, struct err *e)
{
	unsigned long us, uc, gs, gc;
	int r;

	id_range("/etc/subuid", &us, &uc);
	id_range("/etc/subgid", &gs, &gc);
	if ((r = write_map(pid, "uid_map", us, uc, e)) < 0 ||
	    (r = write_map(pid, "gid_map", gs, gc, e)) < 0)
		return r;
	*root_uid = (uid_t)us;
	*root_gid = (gid_t)gs;
	return 0;
}

/* A clone of dir whose ids are seen through the user namespace's map. */
static int idmapped(const char *dir, int userns, struct err *e)
{
	struct mount_attr ma = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns };
	int fd = open_tree(AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

	if (fd < 0)
		return err__sys(e, errno, "user namespace: clone layer %s", dir);
	if (mount_setattr(fd, "", AT_EMPTY_PATH, &ma, sizeof(ma)) < 0) {
		int r = err__sys(e, errno, "user namespace: idmap layer %s", dir);

		close(fd);
		return r;
	}
	return fd;
}

static int set_string(int fs, const char *key, const char *val, struct err *e)
{
	if (fsconfig(fs, FSCONFIG_SET_STRING, key, val, 0) < 0)
		return err__sys(e, errno, "user namespace: overlay %s=%s", key, val);
	return 0;
}

/* lowerdir from the idmapped clones, top first, named through /proc. */
static int lower_option(const int *fds, int n, char *buf, size_t size, struct err *e)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = n - 1; i >= 0; i--) {
		int k = snprintf(buf + len, size - len, "%s/proc/self/fd/%d", len ? ":" : "",
				 fds[i]);

		if (k < 0 || (size_t)k >= size - len)
			return err__set(e, E2BIG, "overlay: %d layers do not fit in one option", n);
		len += (size_t)k;
	}
	return 0;
}

int rt__userns_overlay(const struct rt_spec *s, pid_t pid, uid_t root_uid, gid_t root_gid, int *mfd,
		       struct err *e)
{
	char path[64], lower[RT_OVERLAY_MAX];
	int userns, fs = -1, r = 0, *fds;

	*mfd = -1;
	if (!(fds = calloc((size_t)s->nlayers, sizeof(*fds))))
		return err__set(e, ENOMEM, "out of memory");
	for (int i = 0; i < s->nlayers; i++)
		fds[i] = -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	userns = open(path, O_RDONLY | O_CLOEXEC);
	if (userns < 0) {
		r = err__sys(e, errno, "user namespace: open %s", path);
		goto out;
	}
	if (chown(s->upper, root_uid, root_gid) < 0) {
		r = err__sys(e, errno, "user namespace: chown %s", s->upper);
		goto out;
	}
	for (int i = 0; i < s->nlayers && r == 0; i++)
		if ((fds[i] = idmapped(s->layers[i], userns, e)) < 0)
			r = fds[i];
	if (r < 0 || (r = lower_option(fds, s->nlayers, lower, sizeof(lower), e)) < 0)
		goto out;
	fs = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fs < 0) {
		r = err__sys(e, errno, "user namespace: fsopen overlay");
		goto out;
	}
	if ((r = set_string(fs, "lowerdir", lower, e)) < 0 ||
	    (r = set_string(fs, "upperdir", s->upper, e)) < 0 ||
	    (r = set_string(fs, "workdir", s->work, e)) < 0)
		goto out;
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		r = err__sys(e, errno, "user namespace: create the overlay");
		goto out;
	}
	*mfd = fsmount(fs, FSMOUNT_CLOEXEC, 0);
	if (*mfd < 0)
		r = err__sys(e, errno, "user namespace: fsmount the overlay");
out:
	/* The overlay keeps its own references to the layers. */
	for (int i = 0; i < s->nlayers; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	if (fs >= 0)
		close(fs);
	if (userns >= 0)
		close(userns);
	return r;
}
