/* test_image_store.c - the image store: layers unpacked in overlayfs form
 * (whiteouts, opaque directories, hard links, devices, owners, modes,
 * xattrs), unsafe paths refused, lookup by name and ID, holds, removal
 * and the collection of unshared layers. Tars are written with libarchive;
 * runs as root (owners, devices, trusted.* xattrs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "image/image.h"
#include "image/store_int.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

struct ent {
	const char *path;
	int type;         /* AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR; 0 = hard link */
	const char *data; /* contents, link target */
	int mode, uid;
};

static char tmpdir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vmkit-test-image-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	store__rmtree(tmpdir);
	return 0;
}

static void write_tar(const char *path, const struct ent *ents, size_t n, bool gzip)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e;

	archive_write_set_format_pax_restricted(a);
	if (gzip)
		archive_write_add_filter_gzip(a);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		e = archive_entry_new();
		archive_entry_set_pathname(e, ents[i].path);
		archive_entry_set_uid(e, ents[i].uid);
		archive_entry_set_gid(e, ents[i].uid);
		archive_entry_set_mtime(e, 1000000 + i, 0);
		if (!ents[i].type) {
			archive_entry_set_hardlink(e, ents[i].data);
		} else {
			archive_entry_set_filetype(e, ents[i].type);
			archive_entry_set_perm(e, ents[i].mode);
		}
		if (ents[i].type == AE_IFLNK)
			archive_entry_set_symlink(e, ents[i].data);
		if (ents[i].type == AE_IFCHR)
			archive_entry_set_rdev(e, makedev(1, 3));
		if (ents[i].type == AE_IFREG) {
			archive_entry_set_size(e, strlen(ents[i].data));
			archive_entry_xattr_add_entry(e, "user.note", "x", 1);
		}
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (ents[i].type == AE_IFREG)
			archive_write_data(a, ents[i].data, strlen(ents[i].data));
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
}

static struct img_store *open_store(void)
{
	struct img_store *s;
	struct err e = { 0 };
	char root[300];

	snprintf(root, sizeof(root), "%s/root", tmpdir);
	assert_int_equal(img_store__open(root, &s, &e), 0);
	return s;
}

static int import(struct img_store *s, const char *tar, const char *name, char id[80],
		  struct err *e)
{
	int fd = open(tar, O_RDONLY), r;

	assert_true(fd >= 0);
	r = img__import(s, fd, name, id, e);
	close(fd);
	return r;
}

static const struct ent layer_ents[] = {
	{ "./", AE_IFDIR, NULL, 0755, 0 },           { "d/", AE_IFDIR, NULL, 0750, 1000 },
	{ "d/f", AE_IFREG, "hello", 04640, 1000 },   { "d/h", 0, "d/f", 0, 0 },
	{ "d/.wh.gone", AE_IFREG, "", 0644, 0 },     { "o/", AE_IFDIR, NULL, 0755, 0 },
	{ "o/.wh..wh..opq", AE_IFREG, "", 0644, 0 }, { "s", AE_IFLNK, "/etc/passwd", 0777, 0 },
	{ "null", AE_IFCHR, NULL, 0666, 0 },
};

static void test_layer_overlay_form(void **state)
{
	struct img_store *s = open_store();
	struct img_info info;
	struct err e = { 0 };
	char tar[300], id[80], path[600], buf[16];
	struct stat st, st2;

	(void)state;
	snprintf(tar, sizeof(tar), "%s/l.tar.gz", tmpdir);
	write_tar(tar, layer_ents, sizeof(layer_ents) / sizeof(layer_ents[0]), true);
	assert_int_equal(import(s, tar, "x/layer:1", id, &e), 0);
	assert_int_equal(img__lookup(s, "x/layer:1", &info, &e), 0);
	assert_string_equal(info.id, id);
	assert_int_equal(info.nlayers, 1);
	assert_non_null(info.layers[0]);
	assert_null(info.layers[1]);
	assert_string_equal(info.name, "docker.io/x/layer:1");
	assert_null(info.config.cmd);
	assert_non_null(info.config.env);
	assert_memory_equal(info.config.env[0], "PATH=", 5);
	assert_string_equal(info.repo_tags[0], "x/layer:1");

	snprintf(path, sizeof(path), "%s/d/f", info.layers[0]);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 04640);
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(st.st_mtime, 1000002);
	assert_int_equal(getxattr(path, "user.note", buf, sizeof(buf)), 1);
	snprintf(path, sizeof(path), "%s/d/h", info.layers[0]);
	assert_int_equal(lstat(path, &st2), 0);
	assert_int_equal(st.st_ino, st2.st_ino); /* a hard link, not a copy */
	snprintf(path, sizeof(path), "%s/d/gone", info.layers[0]);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(0, 0));
	snprintf(path, sizeof(path), "%s/d/.wh.gone", info.layers[0]);
	assert_int_equal(lstat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/o", info.layers[0]);
	assert_int_equal(getxattr(path, "trusted.overlay.opaque", buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'y');
	snprintf(path, sizeof(path), "%s/o/.wh..wh..opq", info.layers[0]);
	assert_int_equal(lstat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/s", info.layers[0]);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	snprintf(path, sizeof(path), "%s/null", info.layers[0]);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(1, 3));
	snprintf(path, sizeof(path), "%s/d", info.layers[0]);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(st.st_mtime, 1000001); /* kept although entries were added after */
	assert_int_equal(lstat(info.layers[0], &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	img__info_free(&info);
	img_store__close(s);
}

static void test_opaque_without_dir_entry(void **state)
{
	static const struct ent ents[] = { { "q/r/.wh..wh..opq", AE_IFREG, "", 0644, 0 } };
	struct img_store *s = open_store();
	struct img_info info;
	struct err e = { 0 };
	char tar[300], id[80], path[600], buf[4];

	(void)state;
	snprintf(tar, sizeof(tar), "%s/o.tar", tmpdir);
	write_tar(tar, ents, 1, false);
	assert_int_equal(import(s, tar, "opaque", id, &e), 0);
	assert_int_equal(img__lookup(s, id, &info, &e), 0);
	snprintf(path, sizeof(path), "%s/q/r", info.layers[0]);
	assert_int_equal(getxattr(path, "trusted.overlay.opaque", buf, sizeof(buf)), 1);
	img__info_free(&info);
	assert_int_equal(img__remove(s, "opaque", false, NULL, NULL, &e), 0);
	img_store__close(s);
}

static int count_dir(const char *sub)
{
	char path[600];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "%s/root/images/%s", tmpdir, sub);
	dir = opendir(path);
	assert_non_null(dir);
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

static void expect_refused(struct img_store *s, const struct ent *ents, size_t n, const char *tag)
{
	struct err e = { 0 };
	char tar[300], id[80];
	int layers = count_dir("layers");

	snprintf(tar, sizeof(tar), "%s/bad.tar", tmpdir);
	write_tar(tar, ents, n, false);
	assert_true(import(s, tar, tag, id, &e) < 0);
	assert_int_equal(count_dir("layers"), layers);
	assert_int_equal(count_dir("tmp"), 0);
}

static void test_unsafe_paths(void **state)
{
	static const struct ent dotdot[] = { { "../escaped", AE_IFREG, "x", 0644, 0 } };
	static const struct ent through[] = {
		{ "up", AE_IFLNK, "..", 0777, 0 },
		{ "up/escaped", AE_IFREG, "x", 0644, 0 },
	};
	static const struct ent abs_link[] = {
		{ "etc", AE_IFLNK, "/etc", 0777, 0 },
		{ "etc/escaped", AE_IFREG, "x", 0644, 0 },
	};
	static const struct ent hard[] = { { "h", 0, "../../../../../../etc/passwd", 0, 0 } };
	static const struct ent opq_link[] = {
		{ "e", AE_IFLNK, "/tmp", 0777, 0 },
		{ "e/.wh..wh..opq", AE_IFREG, "", 0644, 0 },
	};
	static const struct ent wh_link[] = {
		{ "e", AE_IFLNK, "/tmp", 0777, 0 },
		{ "e/.wh.x", AE_IFREG, "", 0644, 0 },
	};
	struct img_store *s = open_store();
	char path[300];

	(void)state;
	expect_refused(s, dotdot, 1, "bad:1");
	expect_refused(s, through, 2, "bad:2");
	expect_refused(s, abs_link, 2, "bad:3");
	expect_refused(s, hard, 1, "bad:4");
	expect_refused(s, opq_link, 2, "bad:5");
	expect_refused(s, wh_link, 2, "bad:6");
	assert_int_equal(getxattr("/tmp", "trusted.overlay.opaque", path, sizeof(path)), -1);
	assert_int_equal(access("/tmp/x", F_OK), -1);
	snprintf(path, sizeof(path), "%s/root/images/escaped", tmpdir);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/root/images/tmp/escaped", tmpdir);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(access("/etc/escaped", F_OK), -1);
	img_store__close(s);
}

static void test_not_a_tar(void **state)
{
	struct img_store *s = open_store();
	struct err e = { 0 };
	char tar[300], id[80];
	int fd;

	(void)state;
	snprintf(tar, sizeof(tar), "%s/junk.tar", tmpdir);
	fd = open(tar, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(write(fd, "this is not a tarball at all\n", 29), 29);
	close(fd);
	assert_true(import(s, tar, "junk", id, &e) < 0);
	assert_non_null(strstr(e.msg, "layer"));
	assert_int_equal(count_dir("tmp"), 0);
	img_store__close(s);
}

static void report_count(void *ctx, const char *line)
{
	(void)line;
	(*(int *)ctx)++;
}

static void test_names_holds_and_removal(void **state)
{
	static const struct ent a[] = { { "a", AE_IFREG, "a", 0644, 0 } };
	static const struct ent b[] = { { "b", AE_IFREG, "b", 0644, 0 } };
	struct img_store *s = open_store();
	struct img_info info;
	struct err e = { 0 };
	char tar[300], ida[80], ida2[80], idb[80], prefix[16];
	int lines = 0, base = count_dir("layers");

	(void)state;
	snprintf(tar, sizeof(tar), "%s/a.tar", tmpdir);
	write_tar(tar, a, 1, false);
	assert_int_equal(import(s, tar, "img-a", ida, &e), 0);
	sleep(1); /* a different created time: a different image sharing the layer */
	assert_int_equal(import(s, tar, "img-a2:v2", ida2, &e), 0);
	assert_string_not_equal(ida, ida2);
	snprintf(tar, sizeof(tar), "%s/b.tar", tmpdir);
	write_tar(tar, b, 1, false);
	assert_int_equal(import(s, tar, "img-b", idb, &e), 0);
	assert_int_equal(count_dir("layers"), base + 2); /* a's layer once */

	/* by ID prefix, full ID and docker.io spelling */
	snprintf(prefix, sizeof(prefix), "%.10s", ida + 7);
	assert_int_equal(img__lookup(s, prefix, &info, &e), 0);
	assert_string_equal(info.id, ida);
	img__info_free(&info);
	assert_int_equal(img__lookup(s, ida, &info, &e), 0);
	img__info_free(&info);
	assert_int_equal(img__lookup(s, "docker.io/library/img-a:latest", &info, &e), 0);
	assert_string_equal(info.id, ida);
	img__info_free(&info);
	assert_int_equal(img__lookup(s, "img-a:nope", &info, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "No such image"));

	/* a held image cannot be removed; forced, it is only untagged */
	assert_int_equal(img__hold(s, ida, "c0ffee0000000000", &e), 0);
	assert_int_equal(img__hold(s,
				   "sha256:"
				   "ffff",
				   "x", &e),
			 -ENOENT);
	assert_int_equal(img__remove(s, "img-a", false, report_count, &lines, &e), -EBUSY);
	assert_non_null(strstr(e.msg, "c0ffee000000"));
	assert_int_equal(img__remove(s, "img-a", true, report_count, &lines, &e), 0);
	assert_int_equal(lines, 1);                          /* Untagged only */
	assert_int_equal(img__lookup(s, ida, &info, &e), 0); /* still there, by ID */
	assert_null(info.repo_tags[0]);
	img__info_free(&info);
	assert_int_equal(img__release(s, ida, "c0ffee0000000000", &e), 0);
	assert_int_equal(img__remove(s, ida, false, report_count, &lines, &e), 0);
	assert_int_equal(count_dir("layers"), base + 2); /* img-a2 still needs it */

	assert_int_equal(img__remove(s, "img-a2:v2", false, NULL, NULL, &e), 0);
	assert_int_equal(count_dir("layers"), base + 1);
	assert_int_equal(img__remove(s, "img-b", false, NULL, NULL, &e), 0);
	assert_int_equal(count_dir("layers"), base);
	assert_int_equal(img__remove(s, "img-b", false, NULL, NULL, &e), -ENOENT);
	img_store__close(s);
}

static void test_stale_staging_removed(void **state)
{
	struct img_store *s = open_store();
	char path[300];

	(void)state;
	img_store__close(s);
	snprintf(path, sizeof(path), "%s/root/images/tmp/dead", tmpdir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/root/images/tmp/dead/.lock", tmpdir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	s = open_store();
	assert_int_equal(count_dir("tmp"), 0);
	img_store__close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layer_overlay_form),
		cmocka_unit_test(test_opaque_without_dir_entry),
		cmocka_unit_test(test_unsafe_paths),
		cmocka_unit_test(test_not_a_tar),
		cmocka_unit_test(test_names_holds_and_removal),
		cmocka_unit_test(test_stale_staging_removed),
	};

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (owners, devices, trusted xattrs)\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
