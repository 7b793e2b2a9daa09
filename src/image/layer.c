/* layer.c - unpacking a layer tarball into a directory in overlayfs form,
 * with libarchive, hashing the uncompressed stream on the way (the diff_id).
 *
 * Two libarchive readers are chained: the outer one reads tar entries from
 * a callback that pulls decompressed bytes out of the inner one (any
 * compression libarchive detects, "raw" format) and feeds them to SHA-256,
 * so the diff_id is the digest of exactly the bytes the tar reader saw,
 * and the stream is decompressed once.
 *
 * Whiteouts become what overlayfs expects in a lower layer: ".wh.NAME" a
 * 0/0 character device NAME, ".wh..wh..opq" the xattr
 * trusted.overlay.opaque="y" on its directory. Path safety is libarchive's
 * (no "..", no absolute names, nothing written through a symlink), with the
 * process's working directory set to the layer for the duration (so one
 * unpack at a time per process: the CLI never runs two). */
#include "image/store_int.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define CHUNK (128 * 1024)

#define WH_PREFIX    ".wh."
#define WH_OPAQUE    ".wh..wh..opq"
#define WH_META      ".wh..wh."
#define OPAQUE_XATTR "trusted.overlay.opaque"

struct hashed {
	struct archive *raw; /* the decompressing reader */
	EVP_MD_CTX *md;
	int copy_fd; /* the uncompressed tar is also written here, or -1 */
	int copy_err;
	char buf[CHUNK];
};

static la_ssize_t hashed_read(struct archive *a, void *opaque, const void **out)
{
	struct hashed *h = opaque;
	la_ssize_t n = archive_read_data(h->raw, h->buf, sizeof(h->buf));

	if (n < 0) {
		archive_set_error(a, EIO, "%s", archive_error_string(h->raw) ?: "read error");
		return -1;
	}
	EVP_DigestUpdate(h->md, h->buf, n);
	if (h->copy_fd >= 0 && n > 0) {
		const char *p = h->buf;
		la_ssize_t left = n;

		while (left > 0) {
			ssize_t w = write(h->copy_fd, p, left);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				h->copy_err = errno;
				archive_set_error(a, errno, "write: %s", strerror(errno));
				return -1;
			}
			p += w;
			left -= w;
		}
	}
	*out = h->buf;
	return n;
}

/* Opaque markers name directories whose xattr is set once every entry is
 * written; opened component by component without following symlinks. */
struct opaque_list {
	char **dirs;
	size_t n;
};

static int set_opaque(const char *rel)
{
	char buf[4096], *save = NULL, *c;
	int fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	snprintf(buf, sizeof(buf), "%s", rel);
	for (c = strtok_r(buf, "/", &save); c && fd >= 0; c = strtok_r(NULL, "/", &save)) {
		int next;

		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, ".."))
			return close(fd), -EPERM;
		next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	if (fd < 0)
		return -errno;
	if (fsetxattr(fd, OPAQUE_XATTR, "y", 1, 0) < 0)
		r = -errno;
	close(fd);
	return r;
}

static const char *base_of(const char *path, size_t *dirlen)
{
	const char *slash = strrchr(path, '/');

	/* "a/b/" names b: ignore one trailing slash. */
	if (slash && !slash[1]) {
		const char *p = slash;

		while (p > path && p[-1] != '/')
			p--;
		*dirlen = p > path ? (size_t)(p - path) : 0;
		return p;
	}
	*dirlen = slash ? (size_t)(slash + 1 - path) : 0;
	return slash ? slash + 1 : path;
}

static bool is_top(const char *p)
{
	while (*p == '.' || *p == '/')
		if (*p++ == '.' && *p != '/' && *p)
			return false;
	return *p == '\0';
}

struct unpack {
	struct archive *in, *out;
	struct opaque_list opq;
	uint64_t size;
	bool top_seen;
	struct stat top;
	struct err *e;
};

static int fail_archive(struct unpack *u, struct archive *a, const char *what, const char *path)
{
	return err__set(u->e, EINVAL, "layer: %s%s%s: %s", what, path ? " " : "", path ?: "",
			archive_error_string(a) ?: "error");
}

/* Remember an opaque directory; if the layer has no entry for it (yet),
 * make it through libarchive, whose path checks apply (a later entry for
 * it sets its real mode and owner). */
static int add_opaque(struct unpack *u, const char *path, size_t dirlen)
{
	char **d = realloc(u->opq.dirs, (u->opq.n + 1) * sizeof(*d));
	struct stat st;

	if (!d)
		return err__set(u->e, ENOMEM, "out of memory");
	u->opq.dirs = d;
	d[u->opq.n] = dirlen ? strndup(path, dirlen) : strdup(".");
	if (!d[u->opq.n])
		return err__set(u->e, ENOMEM, "out of memory");
	u->opq.n++;
	if (dirlen && lstat(d[u->opq.n - 1], &st) < 0) {
		struct archive_entry *dir = archive_entry_new();
		int r;

		archive_entry_set_pathname(dir, d[u->opq.n - 1]);
		archive_entry_set_filetype(dir, AE_IFDIR);
		archive_entry_set_perm(dir, 0755);
		r = archive_write_header(u->out, dir);
		archive_entry_free(dir);
		if (r < ARCHIVE_WARN)
			return fail_archive(u, u->out, "", path);
	}
	return 0;
}

static int copy_data(struct unpack *u, struct archive_entry *ent)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	while ((r = archive_read_data_block(u->in, &buf, &len, &off)) == ARCHIVE_OK) {
		if (archive_write_data_block(u->out, buf, len, off) < ARCHIVE_WARN)
			return fail_archive(u, u->out, "write", archive_entry_pathname(ent));
	}
	if (r != ARCHIVE_EOF)
		return fail_archive(u, u->in, "read", archive_entry_pathname(ent));
	return 0;
}

/* One tar entry: a whiteout, an opaque marker, the top directory or an
 * ordinary entry. */
static int one_entry(struct unpack *u, struct archive_entry *ent)
{
	const char *path = archive_entry_pathname(ent), *base;
	char name[4096];
	size_t dirlen;
	int r;

	if (!path)
		return err__set(u->e, EINVAL, "layer: an entry without a name");
	if (is_top(path)) {
		/* The layer directory itself: its mode, owner and mtime become
		 * the container's "/"; applied once everything is written. */
		u->top_seen = true;
		u->top.st_mode = archive_entry_perm(ent);
		u->top.st_uid = archive_entry_uid(ent);
		u->top.st_gid = archive_entry_gid(ent);
		u->top.st_mtim.tv_sec = archive_entry_mtime(ent);
		return 0;
	}
	base = base_of(path, &dirlen);
	if (!strncmp(base, WH_OPAQUE, sizeof(WH_OPAQUE) - 1))
		return add_opaque(u, path, dirlen);
	if (!strncmp(base, WH_META, sizeof(WH_META) - 1))
		return 0; /* aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs) */
	if (!strncmp(base, WH_PREFIX, sizeof(WH_PREFIX) - 1)) {
		if (!base[4] || dirlen + strlen(base + 4) >= sizeof(name))
			return err__set(u->e, EINVAL, "layer: bad whiteout %s", path);
		memcpy(name, path, dirlen);
		strcpy(name + dirlen, base + 4);
		archive_entry_set_pathname(ent, name);
		archive_entry_set_hardlink(ent, NULL);
		archive_entry_set_symlink(ent, NULL);
		archive_entry_set_filetype(ent, AE_IFCHR);
		archive_entry_set_perm(ent, 0);
		archive_entry_set_rdev(ent, 0);
		archive_entry_set_size(ent, 0);
		archive_entry_set_uid(ent, 0);
		archive_entry_set_gid(ent, 0);
		archive_entry_xattr_clear(ent);
	}
	if (archive_entry_filetype(ent) == AE_IFREG && !archive_entry_hardlink(ent))
		u->size += archive_entry_size(ent);
	r = archive_write_header(u->out, ent);
	if (r < ARCHIVE_WARN)
		return fail_archive(u, u->out, "", path);
	if (archive_entry_size(ent) > 0 && (r = copy_data(u, ent)) < 0)
		return r;
	if (archive_write_finish_entry(u->out) < ARCHIVE_WARN)
		return fail_archive(u, u->out, "", path);
	return 0;
}

static int finish_top(struct unpack *u)
{
	struct timespec ts[2];

	if (!u->top_seen)
		return chmod(".", 0755) < 0 ? -errno : 0;
	if (chown(".", u->top.st_uid, u->top.st_gid) < 0 || chmod(".", u->top.st_mode & 07777) < 0)
		return -errno;
	ts[0] = ts[1] = u->top.st_mtim;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	return utimensat(AT_FDCWD, ".", ts, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int unpack_all(struct unpack *u)
{
	struct archive_entry *ent;
	int r;

	for (;;) {
		r = archive_read_next_header(u->in, &ent);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return fail_archive(u, u->in, "not a tar archive or corrupt", NULL);
		r = one_entry(u, ent);
		if (r < 0)
			return r;
	}
	if (archive_write_close(u->out) < ARCHIVE_WARN)
		return fail_archive(u, u->out, "finish", NULL);
	for (size_t i = 0; i < u->opq.n; i++) {
		r = set_opaque(u->opq.dirs[i]);
		if (r < 0)
			return err__sys(u->e, -r, "layer: opaque directory %s", u->opq.dirs[i]);
	}
	r = finish_top(u);
	if (r < 0)
		return err__sys(u->e, -r, "layer: top directory");
	return 0;
}

/* The tar reader stops at the end-of-archive blocks; the digest covers the
 * whole stream, padding included. */
static int drain(struct hashed *h, struct err *e)
{
	la_ssize_t n;
	const void *p;

	while ((n = hashed_read(h->raw, h, &p)) > 0)
		;
	if (n < 0)
		return err__set(e, EIO, "layer: %s", archive_error_string(h->raw) ?: "read error");
	return 0;
}

static void finish_digest(EVP_MD_CTX *md, char out[80])
{
	unsigned char d[32];
	unsigned int n = 0;

	EVP_DigestFinal_ex(md, d, &n);
	strcpy(out, "sha256:");
	for (unsigned int i = 0; i < n; i++)
		sprintf(out + 7 + 2 * i, "%02x", d[i]);
}

static int open_raw(struct hashed *h, int fd, struct err *e)
{
	struct archive_entry *ent;

	h->raw = archive_read_new();
	if (!h->raw)
		return err__set(e, ENOMEM, "out of memory");
	archive_read_support_filter_all(h->raw);
	archive_read_support_format_raw(h->raw);
	if (archive_read_open_fd(h->raw, fd, CHUNK) != ARCHIVE_OK ||
	    archive_read_next_header(h->raw, &ent) != ARCHIVE_OK)
		return err__set(e, EINVAL, "layer: not a tarball: %s",
				archive_error_string(h->raw) ?: "empty or unreadable input");
	return 0;
}

int layer__unpack(int fd, const char *dir, int raw_fd, char diff_id[80], uint64_t *size,
		  struct err *e)
{
	struct hashed *h = calloc(1, sizeof(*h));
	struct unpack u = { .e = e };
	int cwd = -1, r;

	if (!h)
		return err__set(e, ENOMEM, "out of memory");
	h->copy_fd = raw_fd;
	h->md = EVP_MD_CTX_new();
	if (!h->md || !EVP_DigestInit_ex(h->md, EVP_sha256(), NULL)) {
		r = err__set(e, ENOMEM, "sha256 unavailable");
		goto out;
	}
	r = open_raw(h, fd, e);
	if (r < 0)
		goto out;
	u.in = archive_read_new();
	u.out = archive_write_disk_new();
	if (!u.in || !u.out) {
		r = err__set(e, ENOMEM, "out of memory");
		goto out;
	}
	archive_read_support_format_tar(u.in);
	archive_read_support_format_gnutar(u.in);
	/* Numeric owners: no name lookups (set_standard_lookup is not called). */
	archive_write_disk_set_options(
		u.out, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
			       ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL |
			       ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
			       ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
	if (archive_read_open(u.in, h, NULL, hashed_read, NULL) != ARCHIVE_OK) {
		r = fail_archive(&u, u.in, "not a tar archive", NULL);
		goto out;
	}
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (chdir(dir) < 0) {
		r = err__sys(e, errno, "layer: %s", dir);
		goto out;
	}
	r = unpack_all(&u);
	if (cwd < 0 || fchdir(cwd) < 0)
		(void)!chdir("/");
	if (!r)
		r = drain(h, e);
	if (!r && h->copy_err)
		r = err__sys(e, h->copy_err, "layer: write");
	if (!r) {
		finish_digest(h->md, diff_id);
		*size = u.size;
	}
out:
	if (cwd >= 0)
		close(cwd);
	for (size_t i = 0; i < u.opq.n; i++)
		free(u.opq.dirs[i]);
	free(u.opq.dirs);
	if (u.in)
		archive_read_free(u.in);
	if (u.out)
		archive_write_free(u.out);
	if (h->raw)
		archive_read_free(h->raw);
	EVP_MD_CTX_free(h->md);
	free(h);
	return r;
}
